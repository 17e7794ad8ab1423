// The login page in an LMS frame: keep the state in the platform's storage
// when offered, else make sure the state cookie can be set here, else offer
// a window of Carefolio's own.
import { putData } from "./platform-storage.js";

const page = document.getElementById("cf-login");
const proceed = () => window.location.replace(page.dataset.authUrl);

function cookiesWork() {
  const probe = "carefolio_cookie_check=1";
  document.cookie = `${probe}; path=/lti; max-age=60; ${page.dataset.cookieAttributes}`;
  return document.cookie.split("; ").includes(probe);
}

function cookieOrNewWindow() {
  if (page.dataset.cookieUsable === "false") {
    // Plain http from another site: the cookie would not come back, and a
    // window of its own would fail the same way.
    document.getElementById("cf-opening").hidden = true;
    document.getElementById("cf-needs-https").hidden = false;
  } else if (cookiesWork()) {
    proceed();
  } else {
    document.getElementById("cf-opening").hidden = true;
    document.getElementById("cf-new-window").hidden = false;
  }
}

if (page.dataset.storageTarget) {
  const storage = { target: page.dataset.storageTarget, origin: page.dataset.platformOrigin };
  putData(storage, page.dataset.stateKey, page.dataset.storageProof).then(proceed, (error) => {
    console.warn("Platform storage is unavailable; trying the cookie", error);
    cookieOrNewWindow();
  });
} else {
  cookieOrNewWindow();
}
