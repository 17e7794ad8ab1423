//! Rendering the widget with DOM nodes (text is never parsed as HTML).

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::EventListener;
use web_sys::{Document, Element};

use crate::api::{ApiError, LearnerList, Portfolio};
use crate::state::{localised, RosterState, Widget, WidgetState};

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
            WidgetState::Failed(error) => {
                let alert = element(
                    &document,
                    "div",
                    "cf-error notice",
                    Some(&format!(
                        "Your portfolio could not be loaded: {}",
                        error.detail
                    )),
                );
                let _ = alert.set_attribute("role", "alert");
                append(&container, &alert);
            }
            WidgetState::Loaded(portfolio) => {
                let heading = match (&portfolio.learner.name, portfolio.teacher_view) {
                    (_, true) => "Your learners' progress".to_owned(),
                    (Some(name), false) => format!("{name}'s portfolio"),
                    (None, false) => "Your portfolio".to_owned(),
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

                // A teacher comes for the learners: they come first.
                if portfolio.teacher_view {
                    roster_section(
                        &document,
                        &container,
                        widget,
                        &current.roster,
                        portfolio,
                        &mut listeners,
                    );
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

                if !portfolio.teacher_view {
                    recorded_section(&document, &container, portfolio, &current.language);
                }
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

fn recorded_section(
    document: &Document,
    container: &Element,
    portfolio: &Portfolio,
    language: &str,
) {
    append(
        container,
        &element(document, "h2", "", Some("Your recorded activity")),
    );
    let history = element(document, "ol", "cf-recorded", None);
    for entry in &portfolio.recorded {
        let object = entry
            .object
            .as_ref()
            .and_then(|o| localised(o, language))
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
                document,
                "li",
                "cf-entry",
                Some(&format!("{when} — {} {object}", entry.verb)),
            ),
        );
    }
    append(container, &history);
}

/// The course's learners with their progress on this activity's
/// competences, for its teachers.
fn roster_section(
    document: &Document,
    container: &Element,
    widget: &Rc<RefCell<Widget>>,
    roster: &RosterState,
    portfolio: &Portfolio,
    listeners: &mut Vec<EventListener>,
) {
    let section = element(document, "section", "cf-roster-section", None);
    append(
        &section,
        &element(document, "h2", "", Some("Learners in this course")),
    );
    match roster {
        RosterState::NotShown | RosterState::Loading => {
            append(
                &section,
                &element(
                    document,
                    "p",
                    "cf-roster-loading muted",
                    Some("Getting the list of learners from the course…"),
                ),
            );
        }
        RosterState::Failed(error) => {
            let alert = element(
                document,
                "div",
                "cf-roster-error notice",
                Some(&roster_problem(error)),
            );
            let _ = alert.set_attribute("role", "alert");
            append(&section, &alert);
        }
        RosterState::Loaded(list) => roster_list(document, &section, list, portfolio),
    }
    if !matches!(roster, RosterState::Loading | RosterState::NotShown) {
        let button = element(
            document,
            "button",
            "cf-roster-refresh button-secondary",
            Some("Update the list"),
        );
        let _ = button.set_attribute("type", "button");
        let target = widget.clone();
        listeners.push(EventListener::new(&button, "click", move |_| {
            let target = target.clone();
            wasm_bindgen_futures::spawn_local(crate::load_roster(target, true));
        }));
        append(&section, &button);
    }
    append(container, &section);
}

fn roster_problem(error: &ApiError) -> String {
    match error.code.as_deref() {
        Some("roster_not_offered") => "The course's list of learners is not available: the LMS does not share it with Carefolio. Ask your LMS administrator to switch on the roster service (in Moodle: \"IMS LTI Names and Role Provisioning\") for Carefolio.".to_owned(),
        Some("roster_unavailable") => "The LMS could not be reached to get the list of learners. Try again in a few minutes.".to_owned(),
        Some("not_an_assessor") => "Only the course's teachers can see its learners.".to_owned(),
        _ => format!("The list of learners could not be loaded: {}", error.detail),
    }
}

fn roster_list(document: &Document, section: &Element, list: &LearnerList, portfolio: &Portfolio) {
    if let Some(note) = &list.roster.note {
        let notice = element(document, "p", "cf-roster-note muted", Some(note));
        let _ = notice.set_attribute("role", "status");
        append(section, &notice);
    }
    if let Some(warning) = &list.roster.warning {
        let notice = element(document, "div", "cf-roster-warning notice", Some(warning));
        let _ = notice.set_attribute("role", "status");
        append(section, &notice);
    }
    let total = portfolio.competences.len();
    let learners = match list.learners.len() {
        1 => "1 learner".to_owned(),
        n => format!("{n} learners"),
    };
    let summary = match (list.learners.len(), total) {
        (0, _) => "No learners are enrolled in this course yet.".to_owned(),
        (_, 0) => format!(
            "{learners}. This activity has no competences, so there is no progress to show."
        ),
        (_, 1) => format!("{learners}, with their progress on this activity's competence."),
        (_, t) => format!("{learners}, with their progress on this activity's {t} competences."),
    };
    append(
        section,
        &element(document, "p", "cf-roster-summary", Some(&summary)),
    );
    if let Some(at) = &list.roster.fetched_at {
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into());
        let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
        let time = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(at))
            .to_locale_time_string_with_options("default", &options)
            .as_string()
            .unwrap_or_default();
        append(
            section,
            &element(
                document,
                "p",
                "cf-roster-updated muted",
                Some(&format!("List from the course, updated at {time}.")),
            ),
        );
    }
    let items = element(document, "ul", "cf-roster", None);
    for learner in &list.learners {
        let item = element(document, "li", "cf-roster-learner", None);
        let name = learner
            .name
            .as_deref()
            .or(learner.email.as_deref())
            .unwrap_or("A learner without a name");
        append(
            &item,
            &element(document, "span", "cf-roster-name", Some(name)),
        );
        let progress_text = if !learner.started {
            "Has not opened Carefolio yet".to_owned()
        } else if learner.competences_total == 0 {
            "Has opened Carefolio".to_owned()
        } else {
            format!(
                "{} of {} competences",
                learner.competences_covered, learner.competences_total
            )
        };
        let line = element(document, "span", "cf-roster-progress", Some(&progress_text));
        append(&item, &line);
        if learner.competences_total > 0 {
            let bar = element(document, "progress", "cf-roster-bar", None);
            let _ = bar.set_attribute("max", &learner.competences_total.to_string());
            let _ = bar.set_attribute("value", &learner.competences_covered.to_string());
            let _ = bar.set_attribute("aria-label", &format!("{name}: {progress_text}"));
            append(&item, &bar);
        }
        if learner.status != "Active" {
            append(
                &item,
                &element(
                    document,
                    "span",
                    "cf-roster-inactive",
                    Some("Not active in the course"),
                ),
            );
        }
        append(&items, &item);
    }
    append(section, &items);
}
