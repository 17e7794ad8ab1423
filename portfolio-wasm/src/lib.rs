//! Carefolio's e-portfolio widget. The launch page calls `mount(element,
//! {token, apiBase, locale})`; the widget talks to Carefolio's API with the
//! short-lived launch token (never a cookie: it runs in a cross-site
//! iframe) and renders the portfolio into `element`.

mod actions;
mod api;
mod dom;
mod i18n;
mod json;
mod state;
mod views;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::Element;

use state::Widget;

pub(crate) type Shared = Rc<RefCell<Widget>>;

/// The mounted widget. Keep it alive while the page shows it; dropping it
/// removes its event listeners.
#[wasm_bindgen]
pub struct PortfolioWidget {
    inner: Shared,
}

#[wasm_bindgen]
impl PortfolioWidget {
    /// The language the widget speaks.
    #[wasm_bindgen(getter)]
    pub fn language(&self) -> String {
        self.inner.borrow().language().to_owned()
    }

    /// Renders the widget again and returns how long it took, in
    /// milliseconds (for the rendering benchmark).
    #[wasm_bindgen(js_name = renderTimed)]
    pub fn render_timed(&self) -> f64 {
        let now = || js_sys::Date::now();
        let start = now();
        views::render(&self.inner);
        now() - start
    }
}

fn config_string(config: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(config, &JsValue::from_str(name))
        .ok()?
        .as_string()
        .filter(|value| !value.is_empty())
}

/// Mounts the widget into `element` and starts loading the portfolio.
#[wasm_bindgen]
pub fn mount(element: Element, config: JsValue) -> Result<PortfolioWidget, JsValue> {
    let required = |name: &str| {
        config_string(&config, name)
            .ok_or_else(|| JsValue::from_str(&format!("mount: config.{name} is required")))
    };
    let client = api::ApiClient {
        base_url: required("apiBase")?,
        token: required("token")?,
    };
    let locale = config_string(&config, "locale").unwrap_or_else(|| "en".to_owned());
    // The widget announces its own changes through its status line; the
    // whole container must not be read out again at every change.
    let _ = element.remove_attribute("aria-live");
    let inner = Rc::new(RefCell::new(Widget::new(element, client, &locale)));
    views::render(&inner);
    wasm_bindgen_futures::spawn_local(actions::start(inner.clone()));
    Ok(PortfolioWidget { inner })
}
