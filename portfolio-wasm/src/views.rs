//! Rendering the widget with DOM nodes (text is never parsed as HTML).

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::EventListener;
use web_sys::{Document, Element};

use crate::state::{localised, Widget, WidgetState};

fn language_name(tag: &str) -> &str {
    match tag {
        "en" => "English",
        "nb" | "no" => "Norsk",
        "fr" => "Français",
        "it" => "Italiano",
        "ro" => "Română",
        "lv" => "Latviešu",
        "sv" => "Svenska",
        other => other,
    }
}

fn element(document: &Document, tag: &str, class: &str, text: Option<&str>) -> Element {
    let node = document.create_element(tag).expect("valid tag name");
    if !class.is_empty() {
        node.set_class_name(class);
    }
    if let Some(text) = text {
        node.set_text_content(Some(text));
    }
    node
}

fn append(parent: &Element, child: &Element) {
    let _ = parent.append_child(child);
}

/// Re-renders the whole widget from its state.
pub fn render(widget: &Rc<RefCell<Widget>>) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let mut listeners = Vec::new();
    let container = element(&document, "section", "cf-widget", None);
    {
        let current = widget.borrow();
        match &current.state {
            WidgetState::Loading => {
                append(
                    &container,
                    &element(
                        &document,
                        "p",
                        "cf-loading muted",
                        Some("Loading your portfolio…"),
                    ),
                );
            }
            WidgetState::Failed(message) => {
                let alert = element(
                    &document,
                    "div",
                    "cf-error notice",
                    Some(&format!("Your portfolio could not be loaded: {message}")),
                );
                let _ = alert.set_attribute("role", "alert");
                append(&container, &alert);
            }
            WidgetState::Loaded(portfolio) => {
                let heading = match &portfolio.learner.name {
                    Some(name) => format!("{name}'s portfolio"),
                    None => "Your portfolio".to_owned(),
                };
                append(
                    &container,
                    &element(&document, "h1", "cf-learner", Some(&heading)),
                );
                let context = [
                    portfolio.activity.title.as_deref(),
                    portfolio.course.as_ref().and_then(|c| c.title.as_deref()),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ");
                if !context.is_empty() {
                    append(
                        &container,
                        &element(&document, "p", "cf-course muted", Some(&context)),
                    );
                }

                let languages = current.languages();
                if languages.len() > 1 {
                    let switcher = element(&document, "div", "cf-languages", None);
                    for language in languages {
                        let button = element(
                            &document,
                            "button",
                            "cf-language",
                            Some(language_name(&language)),
                        );
                        let _ = button.set_attribute("type", "button");
                        let _ = button.set_attribute("data-language", &language);
                        let _ = button.set_attribute(
                            "aria-pressed",
                            if language == current.language {
                                "true"
                            } else {
                                "false"
                            },
                        );
                        let target = widget.clone();
                        listeners.push(EventListener::new(&button, "click", move |_| {
                            target.borrow_mut().language = language.clone();
                            // Re-render after this handler returns: re-rendering
                            // drops the listeners, this one included.
                            let target = target.clone();
                            wasm_bindgen_futures::spawn_local(async move { render(&target) });
                        }));
                        append(&switcher, &button);
                    }
                    append(&container, &switcher);
                }

                append(
                    &container,
                    &element(&document, "h2", "", Some("Competences of this activity")),
                );
                if portfolio.competences.is_empty() {
                    append(
                        &container,
                        &element(
                            &document,
                            "p",
                            "muted",
                            Some("This activity is not tied to any competence yet."),
                        ),
                    );
                }
                let list = element(&document, "ul", "cf-competences", None);
                for competence in &portfolio.competences {
                    let item = element(&document, "li", "cf-competence", None);
                    append(
                        &item,
                        &element(&document, "span", "cf-code", Some(&competence.code)),
                    );
                    let title = localised(&competence.title, &current.language).unwrap_or("");
                    append(&item, &element(&document, "span", "cf-title", Some(title)));
                    if competence.incomplete {
                        append(
                            &item,
                            &element(
                                &document,
                                "span",
                                "cf-incomplete",
                                Some("(text incomplete in the source framework)"),
                            ),
                        );
                    }
                    append(
                        &item,
                        &element(
                            &document,
                            "span",
                            "cf-framework",
                            Some(&competence.framework_title),
                        ),
                    );
                    append(&list, &item);
                }
                append(&container, &list);

                append(
                    &container,
                    &element(&document, "h2", "", Some("Your recorded activity")),
                );
                let history = element(&document, "ol", "cf-recorded", None);
                for entry in &portfolio.recorded {
                    let object = entry
                        .object
                        .as_ref()
                        .and_then(|o| localised(o, &current.language))
                        .unwrap_or("an activity");
                    let when = entry
                        .timestamp
                        .as_deref()
                        .map(|t| t.replace('T', " "))
                        .unwrap_or_default();
                    let when = when.get(..16).unwrap_or(&when);
                    append(
                        &history,
                        &element(
                            &document,
                            "li",
                            "cf-entry",
                            Some(&format!("{when} — {} {object}", entry.verb)),
                        ),
                    );
                }
                append(&container, &history);
            }
        }
    }
    let mut current = widget.borrow_mut();
    current.root.set_text_content(None);
    append(&current.root, &container);
    let _ = current.root.set_attribute(
        "data-state",
        match current.state {
            WidgetState::Loading => "loading",
            WidgetState::Loaded(_) => "loaded",
            WidgetState::Failed(_) => "failed",
        },
    );
    // Dropping the previous rendering's listeners detaches them.
    current.listeners = listeners;
}
