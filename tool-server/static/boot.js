// Mounts the Carefolio portfolio widget on the launch page. Kept as a file
// (not inline) so the page's Content-Security-Policy needs no 'unsafe-inline'.

const element = document.getElementById("carefolio-portfolio");

if (element && element.dataset.widget === "available") {
  try {
    const { default: init, mount } = await import("./portfolio_wasm.js");
    await init();
    // Kept on the element: it must live as long as the page (and the
    // rendering benchmark calls it).
    element.carefolioWidget = mount(element, {
      token: element.dataset.token,
      apiBase: element.dataset.apiBase,
      locale: element.dataset.locale || document.documentElement.lang || navigator.language,
    });
  } catch (error) {
    element.textContent = "The portfolio could not be loaded. Please reload the page.";
    console.error(error);
  }
}
