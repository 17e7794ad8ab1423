// Mounts the Carefolio portfolio widget on the launch page. Kept as a file
// (not inline) so the page's Content-Security-Policy needs no 'unsafe-inline'.
// When the launch came without the state cookie, the login's state must be
// found in the platform's storage first; until then nothing is shown.
import { getData } from "./platform-storage.js";

const element = document.getElementById("carefolio-portfolio");

async function stateVerified(element) {
  const check = element.dataset;
  if (!check.storageKey) {
    return true;
  }
  try {
    const stored = await getData({ target: check.storageTarget, origin: check.storageOrigin }, check.storageKey);
    return stored === check.storageValue;
  } catch (error) {
    console.warn("The platform's storage could not be read", error);
    return false;
  }
}

if (element) {
  if (!(await stateVerified(element))) {
    element.remove();
    document.getElementById("cf-storage-failed").hidden = false;
  } else {
    element.hidden = false;
    if (element.dataset.widget === "available") {
      try {
        const { default: init, mount } = await import("./portfolio_wasm.js");
        await init();
        mount(element, { token: element.dataset.token, apiBase: element.dataset.apiBase });
      } catch (error) {
        element.textContent = "The portfolio could not be loaded. Please reload the page.";
        console.error(error);
      }
    }
  }
}
