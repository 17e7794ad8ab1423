//! A small builder for DOM nodes. Text is always set as text, never parsed
//! as HTML; the one exception is Markdown the server has sanitised.

use gloo_events::EventListener;
use wasm_bindgen::{JsCast, UnwrapThrowExt};
use web_sys::{Document, Element, Event};

pub fn document() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect_throw("the widget runs in a page")
}

pub struct El(pub Element);

impl El {
    pub fn new(tag: &str) -> El {
        // Thrown to the page, not formatted: formatting would cost size.
        El(document()
            .create_element(tag)
            .expect_throw("valid tag name"))
    }

    pub fn class(self, class: &str) -> El {
        self.0.set_class_name(class);
        self
    }

    pub fn text(self, text: &str) -> El {
        self.0.set_text_content(Some(text));
        self
    }

    pub fn attr(self, name: &str, value: &str) -> El {
        let _ = self.0.set_attribute(name, value);
        self
    }

    /// Marks a control whose value comes from the widget's state.
    pub fn stateful(self) -> El {
        self.attr("data-stateful", "")
    }

    pub fn attr_if(self, condition: bool, name: &str, value: &str) -> El {
        if condition {
            self.attr(name, value)
        } else {
            self
        }
    }

    pub fn id(self, id: &str) -> El {
        self.0.set_id(id);
        self
    }

    pub fn child(self, child: El) -> El {
        let _ = self.0.append_child(&child.0);
        self
    }

    pub fn push(&self, child: El) {
        let _ = self.0.append_child(&child.0);
    }

    pub fn on(
        self,
        listeners: &mut Vec<EventListener>,
        event: &'static str,
        handler: impl FnMut(&Event) + 'static,
    ) -> El {
        listen(listeners, &self.0, event, Box::new(handler));
        self
    }

    /// Sanitised HTML from the server (a reflection's Markdown).
    pub fn sanitised_html(self, html: &str) -> El {
        self.0.set_inner_html(html);
        self
    }
}

/// One listener type for every handler, so that the listener's code is
/// compiled once rather than once per handler.
fn listen(
    listeners: &mut Vec<EventListener>,
    target: &Element,
    event: &'static str,
    mut handler: Box<dyn FnMut(&Event)>,
) {
    listeners.push(EventListener::new(target, event, move |e| handler(e)));
}

pub fn text(tag: &str, class: &str, text: &str) -> El {
    El::new(tag).class(class).text(text)
}

/// A button that does something in the widget (never submits a form).
pub fn button(class: &str, label: &str) -> El {
    El::new("button")
        .class(class)
        .attr("type", "button")
        .text(label)
}

/// A labelled form field: the label, then the control.
pub fn field(label: &str, control: El, hint: Option<&str>) -> El {
    let id = control.0.id();
    let wrapper = El::new("div")
        .class("cf-field")
        .child(El::new("label").attr("for", &id).text(label));
    if let Some(hint) = hint {
        let hint_id = format!("{id}-hint");
        let control = control.attr("aria-describedby", &hint_id);
        wrapper
            .child(text("p", "cf-hint", hint).id(&hint_id))
            .child(control)
    } else {
        wrapper.child(control)
    }
}

pub fn input_value(id: &str) -> String {
    document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|e| e.value())
        .or_else(|| {
            document()
                .get_element_by_id(id)
                .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
                .map(|e| e.value())
        })
        .or_else(|| {
            document()
                .get_element_by_id(id)
                .and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok())
                .map(|e| e.value())
        })
        .unwrap_or_default()
}

/// Whether the page has an element with this id.
pub fn exists(id: &str) -> bool {
    document().get_element_by_id(id).is_some()
}

pub fn checked(id: &str) -> bool {
    document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        .is_some_and(|e| e.checked())
}

/// The values of the form fields inside `root`, by id, to carry across a
/// re-rendering; fields marked `data-stateful` show the widget's state
/// and are left as rendered.
pub fn field_values(root: &Element) -> Vec<(String, String, bool)> {
    let mut values = Vec::new();
    let Ok(nodes) = root.query_selector_all(
        "input[id]:not([data-stateful]), textarea[id]:not([data-stateful]), select[id]:not([data-stateful])",
    ) else {
        return values;
    };
    for index in 0..nodes.length() {
        let Some(node) = nodes.item(index) else {
            continue;
        };
        if let Some(input) = node.dyn_ref::<web_sys::HtmlInputElement>() {
            if input.type_() != "file" {
                values.push((input.id(), input.value(), input.checked()));
            }
        } else if let Some(area) = node.dyn_ref::<web_sys::HtmlTextAreaElement>() {
            values.push((area.id(), area.value(), false));
        } else if let Some(select) = node.dyn_ref::<web_sys::HtmlSelectElement>() {
            values.push((select.id(), select.value(), false));
        }
    }
    values
}

pub fn restore_fields(values: &[(String, String, bool)], skip: &[&str]) {
    let document = document();
    for (id, value, checked) in values {
        if skip.contains(&id.as_str()) {
            continue;
        }
        let Some(node) = document.get_element_by_id(id) else {
            continue;
        };
        if let Some(input) = node.dyn_ref::<web_sys::HtmlInputElement>() {
            match input.type_().as_str() {
                "checkbox" | "radio" => input.set_checked(*checked),
                _ => input.set_value(value),
            }
        } else if let Some(area) = node.dyn_ref::<web_sys::HtmlTextAreaElement>() {
            area.set_value(value);
        } else if let Some(select) = node.dyn_ref::<web_sys::HtmlSelectElement>() {
            select.set_value(value);
        }
    }
}

thread_local! {
    /// One formatter per language: making one is what costs (a list of
    /// 300 items would make 300).
    static DATE_FORMAT: std::cell::RefCell<Option<(String, js_sys::Function)>> =
        const { std::cell::RefCell::new(None) };
}

/// A date and time from milliseconds since 1970, in the reader's locale.
pub fn when(ms: i64, language: &str) -> String {
    let format = DATE_FORMAT.with(|cell| {
        let mut cached = cell.borrow_mut();
        match cached.as_ref() {
            Some((cached_language, format)) if cached_language == language => format.clone(),
            _ => {
                let options = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
                let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
                let locales = js_sys::Array::of1(&language.into());
                let format = js_sys::Intl::DateTimeFormat::new(&locales, &options).format();
                *cached = Some((language.to_owned(), format.clone()));
                format
            }
        }
    });
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format
        .call1(&wasm_bindgen::JsValue::UNDEFINED, &date)
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_default()
}

/// A size in bytes as people read it (whole numbers only: formatting
/// fractions would cost the widget kilobytes).
pub fn size(bytes: i64) -> String {
    const KB: i64 = 1024;
    const MB: i64 = 1024 * 1024;
    if bytes < KB {
        format!("{bytes} B")
    } else if bytes < MB {
        format!("{} KB", (bytes + KB / 2) / KB)
    } else {
        let tenths = (bytes * 10 + MB / 2) / MB;
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}
