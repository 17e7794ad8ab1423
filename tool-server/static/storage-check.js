// A launch that came without Carefolio's cookie: read the proof the login
// page left in the platform's storage and post it back with the launch.
// The server records the launch and issues its token only once that proof
// has come back, so a launch replayed from elsewhere records nothing.
import { getData } from "./platform-storage.js";

const form = document.getElementById("cf-storage-check");

function failed(error) {
  console.warn("The platform's storage did not hold this launch's proof", error);
  document.getElementById("cf-opening").hidden = true;
  document.getElementById("cf-storage-failed").hidden = false;
}

if (form) {
  const check = form.dataset;
  getData({ target: check.storageTarget, origin: check.storageOrigin }, check.storageKey).then((proof) => {
    if (typeof proof !== "string" || proof === "") {
      failed(new Error("nothing stored under this launch's key"));
      return;
    }
    form.elements.carefolio_storage_proof.value = proof;
    form.submit();
  }, failed);
}
