// Mounts the Carefolio portfolio widget on the launch page. Kept as a file
// (not inline) so the page's Content-Security-Policy needs no 'unsafe-inline'.
import init, { mount } from "./portfolio_wasm.js";

const element = document.getElementById("carefolio-portfolio");
if (element) {
  try {
    await init();
    mount(element, { token: element.dataset.token, apiBase: element.dataset.apiBase });
  } catch (error) {
    element.textContent = "The portfolio could not be loaded. Please reload the page.";
    console.error(error);
  }
}
