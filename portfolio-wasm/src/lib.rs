//! Carefolio's e-portfolio widget. The launch page calls `mount(element,
//! {token, apiBase})`; the widget fetches the learner's portfolio with the
//! short-lived launch token (never a cookie: it runs in a cross-site iframe)
//! and renders it into `element`.

mod api;
mod state;
mod views;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::Element;

use state::{Widget, WidgetState};

/// The mounted widget. Keep it alive while the page shows it; dropping it
/// removes its event listeners.
#[wasm_bindgen]
pub struct PortfolioWidget {
    inner: Rc<RefCell<Widget>>,
}

#[wasm_bindgen]
impl PortfolioWidget {
    /// The language the competences are shown in.
    #[wasm_bindgen(getter)]
    pub fn language(&self) -> String {
        self.inner.borrow().language.clone()
    }
}

fn config_string(config: &JsValue, name: &str) -> Result<String, JsValue> {
    js_sys::Reflect::get(config, &JsValue::from_str(name))?
        .as_string()
        .filter(|value| !value.is_empty())
        .ok_or_else(|| JsValue::from_str(&format!("mount: config.{name} is required")))
}

/// Mounts the widget into `element` and starts loading the portfolio.
#[wasm_bindgen]
pub fn mount(element: Element, config: JsValue) -> Result<PortfolioWidget, JsValue> {
    let client = api::ApiClient {
        base_url: config_string(&config, "apiBase")?,
        token: config_string(&config, "token")?,
    };
    let inner = Rc::new(RefCell::new(Widget::new(element, client)));
    views::render(&inner);
    let loading = inner.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let client = loading.borrow().client.clone();
        let next = match client.portfolio().await {
            Ok(portfolio) => WidgetState::Loaded(portfolio),
            Err(error) => WidgetState::Failed(error),
        };
        let teacher_view = matches!(&next, WidgetState::Loaded(p) if p.teacher_view);
        loading.borrow_mut().show(next);
        views::render(&loading);
        if teacher_view {
            load_roster(loading, false).await;
        }
    });
    Ok(PortfolioWidget { inner })
}

/// Loads the course's learners into a teacher's widget; `refresh` asks the
/// LMS again instead of using the list Carefolio keeps.
pub(crate) async fn load_roster(widget: Rc<RefCell<Widget>>, refresh: bool) {
    widget.borrow_mut().roster = state::RosterState::Loading;
    views::render(&widget);
    let client = widget.borrow().client.clone();
    widget.borrow_mut().roster = match client.learners(refresh).await {
        Ok(list) => state::RosterState::Loaded(list),
        Err(error) => state::RosterState::Failed(error),
    };
    views::render(&widget);
}
