//! What the widget does when loaded or asked: each action changes the
//! state, talks to the server and renders again. Event handlers only
//! start actions (a handler must not re-render: that drops its listener).

use std::future::Future;

use wasm_bindgen::{JsCast, JsValue};

use crate::api::{ApiError, CollectionDraft, ShareDraft, Tag};
use crate::dom::{checked, input_value};
use crate::i18n::{Arg, Catalogue};
use crate::json::{object, ToJson};
use crate::state::{Loadable, Page, Upload};
use crate::views::render;
use crate::Shared;

/// Runs `action` after the current event handler returns. Boxed, so
/// that the executor's code exists once rather than once per action.
pub fn spawn(action: impl Future<Output = ()> + 'static) {
    run_boxed(Box::pin(action));
}

fn run_boxed(action: std::pin::Pin<Box<dyn Future<Output = ()>>>) {
    wasm_bindgen_futures::spawn_local(action);
}

/// The text for a failed request: the server's words for what it refused.
pub fn problem_text(catalogue: &Catalogue, error: &ApiError) -> String {
    let known = match error.code.as_deref() {
        Some("file_too_large") => Some("error-file-too-large"),
        Some("file_type_not_allowed") => Some("error-file-type"),
        Some("file_type_mismatch") => Some("error-file-mismatch"),
        Some("file_empty") => Some("error-file-empty"),
        Some("upload_incomplete") | Some("network") => Some("error-upload-incomplete"),
        Some("unauthenticated") | Some("session_expired") => Some("error-expired"),
        // What the learner wrote: said in their language, not the server's.
        Some("invalid_evidence") => match error.field.as_deref() {
            Some("title") => Some("error-title"),
            Some("url") => Some("error-url"),
            Some("body") => Some("error-body"),
            _ => None,
        },
        _ => None,
    };
    match known {
        Some(id) => catalogue.text(id),
        None => catalogue.text_with(
            "error-other",
            &[("detail", Arg::from(error.detail.as_str()))],
        ),
    }
}

/// Says what happened: the message `done` when `result` is a success,
/// the server's reason when not.
fn report<T>(w: &mut crate::state::Widget, result: Result<T, ApiError>, done: &str) -> Option<T> {
    match result {
        Ok(value) => {
            let text = w.t(done);
            w.say(text);
            Some(value)
        }
        Err(error) => {
            let text = problem_text(&w.catalogue, &error);
            w.complain(text);
            None
        }
    }
}

/// Says why an action failed, and moves the focus there.
fn fail(w: &mut crate::state::Widget, error: &ApiError) {
    let text = problem_text(&w.catalogue, error);
    w.complain(text);
    w.focus = Some("cf-status".to_owned());
}

/// Loads the portfolio, then what the first page shows.
pub async fn start(widget: Shared) {
    let client = widget.borrow().client.clone();
    let portfolio = client.portfolio().await;
    {
        let mut w = widget.borrow_mut();
        if let Ok(p) = &portfolio {
            if let Some(locale) = &p.learner.locale {
                if w.catalogue.language != crate::i18n::best_language(locale) {
                    w.catalogue = Catalogue::new(locale);
                }
            }
            w.framework = p.frameworks.first().map(|f| f.key.clone());
            w.page = if p.teacher_view {
                Page::Queue
            } else {
                Page::Map
            };
        }
        w.portfolio = portfolio.into();
    }
    render(&widget);
    if widget.borrow().portfolio.ready().is_none() {
        return;
    }
    if widget.borrow().teacher_view() {
        load_queue(widget.clone()).await;
    } else {
        futures_join(vec![
            Box::pin(load_map(widget.clone())),
            Box::pin(load_evidence(widget.clone())),
            Box::pin(load_unseen(widget.clone())),
            Box::pin(load_suggestions(widget.clone())),
            Box::pin(load_assessment(widget.clone())),
        ])
        .await;
    }
}

/// Runs the futures side by side (the widget has no executor of its own
/// but the browser's).
async fn futures_join(futures: Vec<std::pin::Pin<Box<dyn Future<Output = ()>>>>) {
    let promises = js_sys::Array::new();
    for future in futures {
        promises.push(&wasm_bindgen_futures::future_to_promise(async move {
            future.await;
            Ok(JsValue::UNDEFINED)
        }));
    }
    let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::all(&promises)).await;
}

pub async fn load_map(widget: Shared) {
    let Some(key) = widget.borrow().framework.clone() else {
        return;
    };
    widget.borrow_mut().map = Loadable::Loading;
    let client = widget.borrow().client.clone();
    let map = client.map(&key).await;
    widget.borrow_mut().map = map.into();
    render(&widget);
}

pub async fn load_evidence(widget: Shared) {
    let client = widget.borrow().client.clone();
    let list = client.evidence().await;
    widget.borrow_mut().evidence = list.into();
    render(&widget);
}

async fn load_unseen(widget: Shared) {
    let client = widget.borrow().client.clone();
    if let Ok(list) = client.unseen_comments().await {
        widget.borrow_mut().unseen = list;
        render(&widget);
    }
}

async fn load_suggestions(widget: Shared) {
    let client = widget.borrow().client.clone();
    if let Ok(list) = client.suggestions().await {
        widget.borrow_mut().suggestions = list;
        render(&widget);
    }
}

/// Loads the learner's claims and badges, which the map shows.
pub async fn load_assessment(widget: Shared) {
    let client = widget.borrow().client.clone();
    let claims = client.claims().await;
    let badges = client.badges().await;
    {
        let mut w = widget.borrow_mut();
        w.claims = claims.into();
        w.badges = badges.into();
    }
    render(&widget);
}

/// Loads the assessor's queue.
pub async fn load_queue(widget: Shared) {
    let client = widget.borrow().client.clone();
    let queue = client.queue().await;
    widget.borrow_mut().queue = queue.into();
    render(&widget);
}

pub async fn filter_queue(widget: Shared, which: usize, value: String) {
    if let Some(filter) = widget.borrow_mut().queue_filter.get_mut(which) {
        *filter = value;
    }
    render(&widget);
}

/// Sends a claim of `competence` for assessment; `again` answers a
/// "more evidence needed" on that claim.
pub async fn send_claim(widget: Shared, competence: String, again: Option<String>) {
    let statement = input_value("claim-statement");
    if statement.trim().is_empty() {
        let mut w = widget.borrow_mut();
        let text = w.t("claim-statement-missing");
        w.complain(text);
        w.focus = Some("claim-statement".to_owned());
        drop(w);
        render(&widget);
        return;
    }
    let items = checked_values("claim-item");
    let level = input_value("claim-level").parse::<i32>().ok();
    let evidence: Vec<String> = items;
    let mut fields = vec![
        ("statement", statement.to_json()),
        ("evidence", evidence.to_json()),
    ];
    if let Some(level) = level {
        fields.push(("level", level.to_json()));
    }
    let client = widget.borrow().client.clone();
    let result = match &again {
        Some(id) => client.resubmit(id, &object(&fields)).await,
        None => {
            fields.push(("competence_id", competence.to_json()));
            client.claim(&object(&fields)).await
        }
    };
    match result {
        Ok(_) => {
            {
                let mut w = widget.borrow_mut();
                let text = w.t("claim-sent");
                w.say(text);
            }
            open(widget.clone(), Page::Map).await;
            {
                let mut w = widget.borrow_mut();
                let text = w.t("claim-sent");
                w.say(text);
                w.focus = Some("cf-status".to_owned());
            }
            load_assessment(widget).await;
        }
        Err(error) => {
            fail(&mut widget.borrow_mut(), &error);
            render(&widget);
        }
    }
}

/// Records the assessor's decision (or the lead's reconciliation).
pub async fn decide(widget: Shared, claim: String, reconcile: bool) {
    let outcome = checked_values("outcome").pop().unwrap_or_default();
    if outcome.is_empty() {
        let mut w = widget.borrow_mut();
        let text = w.t("decision-outcome-missing");
        w.complain(text);
        w.focus = Some("outcome-accepted".to_owned());
        drop(w);
        render(&widget);
        return;
    }
    let mut fields = vec![
        ("outcome", outcome.to_json()),
        ("feedback", input_value("decision-feedback").to_json()),
    ];
    if reconcile {
        fields.push(("reason", input_value("decision-reason").to_json()));
    }
    let client = widget.borrow().client.clone();
    match client.decide(&claim, &object(&fields), reconcile).await {
        Ok(()) => {
            open(widget.clone(), Page::Queue).await;
            let mut w = widget.borrow_mut();
            let text = w.t("decision-saved");
            w.say(text);
            w.focus = Some("cf-status".to_owned());
            drop(w);
            render(&widget);
        }
        Err(error) => {
            fail(&mut widget.borrow_mut(), &error);
            render(&widget);
        }
    }
}

/// Downloads an award's credential or baked image.
pub async fn download_badge(widget: Shared, award: String, key: String, what: &'static str) {
    let client = widget.borrow().client.clone();
    let name = if what == "credential" {
        format!("{key}.jwt")
    } else {
        format!("{key}.png")
    };
    if let Err(error) = client
        .download(&format!("badges/{award}/{what}"), &name)
        .await
    {
        fail(&mut widget.borrow_mut(), &error);
        render(&widget);
    }
}

/// Shows an award on the web, or hides it again.
pub async fn show_badge(widget: Shared, award: String, public: bool) {
    let client = widget.borrow().client.clone();
    match client.show_badge(&award, public).await {
        Ok(changed) => {
            let mut w = widget.borrow_mut();
            if let Some(list) = w.badges.ready_mut() {
                if let Some(entry) = list.iter_mut().find(|a| a.id == changed.id) {
                    *entry = changed;
                }
            }
            let text = w.t(if public {
                "badge-now-public"
            } else {
                "badge-now-private"
            });
            w.say(text);
            w.focus = Some(format!("badge-public-{award}"));
        }
        Err(error) => fail(&mut widget.borrow_mut(), &error),
    }
    render(&widget);
}

/// The values of the checked inputs named `name`.
fn checked_values(name: &str) -> Vec<String> {
    let mut values = Vec::new();
    if let Ok(list) =
        crate::dom::document().query_selector_all(&format!("input[name=\"{name}\"]:checked"))
    {
        for index in 0..list.length() {
            if let Some(input) = list
                .item(index)
                .and_then(|n| n.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                values.push(input.value());
            }
        }
    }
    values
}

/// Loads the course's learners into a teacher's widget; `refresh` asks the
/// LMS again instead of using the list Carefolio keeps.
pub async fn load_roster(widget: Shared, refresh: bool) {
    widget.borrow_mut().roster = Loadable::Loading;
    render(&widget);
    let client = widget.borrow().client.clone();
    let list = client.learners(refresh).await;
    widget.borrow_mut().roster = list.into();
    render(&widget);
}

/// Opens `page`, loading what it shows, and moves the focus to its title.
pub async fn open(widget: Shared, page: Page) {
    {
        let mut w = widget.borrow_mut();
        w.status = None;
        w.confirm_delete = None;
        if page != Page::Sharing {
            w.new_link = None;
        }
        match &page {
            Page::Add => {
                w.draft_kind = "file".to_owned();
                w.draft_file = None;
                w.clear_fields = ["new-title", "new-body", "new-url", "new-care"]
                    .map(String::from)
                    .to_vec();
            }
            Page::Item(id) => {
                w.draft_tags = w
                    .evidence
                    .ready()
                    .and_then(|list| list.iter().find(|e| &e.id == id))
                    .map(|e| e.tags.iter().map(|t| t.tag()).collect())
                    .unwrap_or_default();
                w.clear_fields = vec![
                    "edit-title".into(),
                    "edit-care".into(),
                    format!("comment-body-{id}"),
                ];
            }
            Page::EditCollection(id) => {
                w.draft_items = id
                    .as_ref()
                    .and_then(|id| {
                        w.collections
                            .ready()
                            .and_then(|list| list.iter().find(|c| &c.id == id))
                    })
                    .map(|c| c.items.clone())
                    .unwrap_or_default();
                w.clear_fields = vec!["col-title".into(), "col-intro".into()];
            }
            _ => {}
        }
        w.page = page.clone();
        w.focus = Some("cf-page-title".to_owned());
    }
    render(&widget);
    let client = widget.borrow().client.clone();
    let needs = |w: &Shared, pick: fn(&crate::state::Widget) -> bool| pick(&w.borrow());
    match page {
        Page::Collections | Page::EditCollection(_) => {
            if needs(&widget, |w| w.collections.is_not_asked()) {
                let list = client.collections().await;
                widget.borrow_mut().collections = list.into();
            }
            if needs(&widget, |w| w.evidence.is_not_asked()) {
                let list = client.evidence().await;
                widget.borrow_mut().evidence = list.into();
            }
        }
        Page::Item(id) => {
            let comments = client.comments(&id, None).await;
            widget.borrow_mut().set_comments(id, comments.into());
        }
        Page::Sharing => {
            // One request per part of the page, side by side.
            macro_rules! load_into {
                ($field:ident, $request:ident) => {{
                    let (widget, client) = (widget.clone(), client.clone());
                    Box::pin(async move {
                        let answer = client.$request().await;
                        widget.borrow_mut().$field = answer.into();
                    }) as std::pin::Pin<Box<dyn Future<Output = ()>>>
                }};
            }
            let mut loads = vec![load_into!(shared_with_me, shared_with_me)];
            if !widget.borrow().teacher_view() {
                loads.push(load_into!(shares, shares));
                loads.push(load_into!(people, course_people));
                loads.push(load_into!(audit, audit));
                loads.push(load_into!(collections, collections));
            }
            futures_join(loads).await;
        }
        Page::Shared(share) => {
            widget.borrow_mut().shared = Loadable::Loading;
            render(&widget);
            let shared = client.shared(&share).await;
            widget.borrow_mut().shared = shared.into();
        }
        Page::Learners => {
            if needs(&widget, |w| w.roster.is_not_asked()) {
                load_roster(widget.clone(), false).await;
            }
        }
        Page::Queue => {
            load_queue(widget.clone()).await;
        }
        Page::Review(id) => {
            widget.borrow_mut().review = Loadable::Loading;
            render(&widget);
            let review = client.review(&id).await;
            widget.borrow_mut().review = review.into();
        }
        Page::Claim(_) => {
            widget.borrow_mut().clear_fields = vec!["claim-statement".into()];
            if needs(&widget, |w| w.evidence.is_not_asked()) {
                let list = client.evidence().await;
                widget.borrow_mut().evidence = list.into();
            }
        }
        Page::LearnerMap { person, .. } => {
            widget.borrow_mut().learner_map = Loadable::Loading;
            render(&widget);
            let key = widget.borrow().framework.clone().unwrap_or_default();
            let map = client.learner_map(&person, &key).await;
            widget.borrow_mut().learner_map = map.into();
        }
        _ => return,
    }
    render(&widget);
}

pub async fn choose_framework(widget: Shared, key: String) {
    widget.borrow_mut().framework = Some(key);
    let page = widget.borrow().page.clone();
    match page {
        Page::LearnerMap { .. } => open(widget, page).await,
        _ => load_map(widget).await,
    }
}

pub async fn choose_language(widget: Shared, language: String) {
    widget.borrow_mut().catalogue = Catalogue::new(&language);
    render(&widget);
}

pub async fn rate(widget: Shared, competence: String, code: String, rating: i32) {
    let client = widget.borrow().client.clone();
    let result = client.rate(&competence, rating).await;
    if result.is_ok() {
        record_rating(&widget, &competence, rating).await;
    }
    {
        let mut w = widget.borrow_mut();
        match &result {
            Ok(()) => {
                let text = w
                    .catalogue
                    .text_with("rating-saved", &[("code", Arg::from(code))]);
                w.say(text);
            }
            Err(error) => {
                let text = problem_text(&w.catalogue, error);
                w.complain(text);
            }
        }
    }
    load_map(widget.clone()).await;
    load_suggestions(widget).await;
}

/// Records a self-rating in the learning record store, for the training
/// provider's analytics. The rating itself is already saved: a record that
/// fails is written to the console, not shown to the learner.
async fn record_rating(widget: &Shared, competence: &str, rating: i32) {
    let (client, actor, title, rating_max) = {
        let w = widget.borrow();
        let (Some(portfolio), Some(node)) = (w.portfolio.ready(), w.map_node(competence)) else {
            return;
        };
        (
            w.client.clone(),
            portfolio.learner.xapi_actor.clone(),
            node.title.clone(),
            node.rating_max,
        )
    };
    let name: Vec<(&str, JsValue)> = title
        .iter()
        .map(|(language, text)| (language.as_str(), text.to_json()))
        .collect();
    let mut definition = Vec::new();
    if !name.is_empty() {
        definition.push(("name", object(&name)));
    }
    // 0 is "not yet"; the top of the competence's scale is rating_max.
    let score = object(&[
        ("raw", rating.to_json()),
        ("min", 0.to_json()),
        ("max", rating_max.to_json()),
    ]);
    let statement = object(&[
        ("actor", actor),
        (
            "verb",
            object(&[
                ("id", "http://id.tincanapi.com/verb/rated".to_json()),
                ("display", object(&[("en-US", "rated".to_json())])),
            ]),
        ),
        (
            "object",
            object(&[
                ("objectType", "Activity".to_json()),
                ("id", format!("urn:uuid:{competence}").to_json()),
                ("definition", object(&definition)),
            ]),
        ),
        ("result", object(&[("score", score)])),
    ]);
    if let Err(error) = client.send_statement(&statement).await {
        web_sys::console::warn_1(
            &format!(
                "the self-rating was not recorded as a statement: {}",
                error.detail
            )
            .into(),
        );
    }
}

/// Opens the link's learning activity in a new window, with a credential
/// for this learner in its address. Where the browser blocks the window,
/// a link to it is shown instead.
pub async fn open_activity(widget: Shared) {
    let client = widget.borrow().client.clone();
    match client.activity_launch().await {
        Ok(launch) => {
            let opened = web_sys::window()
                .and_then(|w| w.open_with_url_and_target(&launch.url, "_blank").ok())
                .flatten();
            let mut w = widget.borrow_mut();
            if let Some(opened) = opened {
                // The activity has no business with this page.
                let _ = js_sys::Reflect::set(&opened, &"opener".into(), &JsValue::NULL);
                w.activity_link = None;
                let text = w.t("activity-opened");
                w.say(text);
            } else {
                w.activity_link = Some(launch.url);
            }
        }
        Err(error) => {
            let mut w = widget.borrow_mut();
            let text = problem_text(&w.catalogue, &error);
            w.complain(text);
        }
    }
    render(&widget);
}

pub async fn add_tag(widget: Shared) {
    let picked = input_value("tag-pick");
    if picked.is_empty() {
        return;
    }
    {
        let mut w = widget.borrow_mut();
        if !w.draft_tags.iter().any(|t| t.competence_id == picked) {
            let has_levels = w
                .competences()
                .iter()
                .any(|(id, _, _, levels)| id == &picked && !levels.is_empty());
            w.draft_tags.push(Tag {
                competence_id: picked,
                level: has_levels.then_some(1),
            });
        }
        w.focus = Some("tag-pick".to_owned());
    }
    render(&widget);
}

pub async fn remove_tag(widget: Shared, index: usize) {
    {
        let mut w = widget.borrow_mut();
        if index < w.draft_tags.len() {
            w.draft_tags.remove(index);
        }
        w.focus = Some("tag-pick".to_owned());
    }
    render(&widget);
}

/// Starts writing a new item, tagged with `competence` when given.
pub async fn add_evidence_for(widget: Shared, competence: Option<String>) {
    let tags = competence
        .map(|id| {
            let has_levels = widget
                .borrow()
                .competences()
                .iter()
                .any(|(c, _, _, levels)| c == &id && !levels.is_empty());
            vec![Tag {
                competence_id: id,
                level: has_levels.then_some(1),
            }]
        })
        .unwrap_or_default();
    widget.borrow_mut().draft_tags = tags;
    open(widget, Page::Add).await;
}

fn chosen_file() -> Option<web_sys::File> {
    use wasm_bindgen::JsCast;
    crate::dom::document()
        .get_element_by_id("new-file")?
        .dyn_into::<web_sys::HtmlInputElement>()
        .ok()?
        .files()?
        .get(0)
}

/// Keeps the file chosen or dropped for the new item.
pub async fn choose_file(widget: Shared, file: Option<web_sys::File>) {
    let Some(file) = file.or_else(chosen_file) else {
        return;
    };
    {
        let mut w = widget.borrow_mut();
        w.draft_file = Some(file);
        w.status = None;
    }
    render(&widget);
}

pub async fn save_new(widget: Shared) {
    let kind = widget.borrow().draft_kind.clone();
    let title = input_value("new-title").trim().to_owned();
    let care = checked("new-care");
    let tags = widget.borrow().draft_tags.clone();
    let client = widget.borrow().client.clone();
    let result = if kind == "file" {
        let chosen = widget.borrow().draft_file.clone();
        let Some(file) = chosen.or_else(chosen_file) else {
            let mut w = widget.borrow_mut();
            let text = w.t("error-no-file");
            w.complain(text);
            w.focus = Some("new-file".to_owned());
            drop(w);
            render(&widget);
            return;
        };
        let title = if title.is_empty() { file.name() } else { title };
        widget.borrow_mut().upload = Some(Upload {
            name: file.name(),
            sent: 0.0,
            total: file.size(),
        });
        render(&widget);
        let progress_widget = widget.clone();
        let uploaded = client
            .upload(&file, &title, care, move |sent, total| {
                if let Ok(mut w) = progress_widget.try_borrow_mut() {
                    if let Some(upload) = &mut w.upload {
                        upload.sent = sent;
                        upload.total = total;
                    }
                }
                crate::views::show_progress(&progress_widget);
            })
            .await;
        widget.borrow_mut().upload = None;
        match uploaded {
            Ok(item) if !tags.is_empty() => {
                client
                    .update_evidence(&item.id, &object(&[("tags", tags.to_json())]))
                    .await
            }
            other => other,
        }
    } else {
        let (text_field, text) = if kind == "link" {
            ("url", input_value("new-url").trim().to_owned())
        } else {
            ("body", input_value("new-body"))
        };
        let body = object(&[
            ("kind", kind.to_json()),
            ("title", title.to_json()),
            ("tags", tags.to_json()),
            ("describes_care_recipient", care.to_json()),
            (text_field, text.to_json()),
        ]);
        client.create_evidence(&body).await
    };
    match result {
        Ok(item) => {
            {
                let mut w = widget.borrow_mut();
                let text = w.catalogue.text_with(
                    "evidence-saved",
                    &[("title", Arg::from(item.title.as_str()))],
                );
                w.draft_tags.clear();
                w.draft_file = None;
                w.page = Page::Evidence;
                w.focus = Some("cf-page-title".to_owned());
                w.say(text);
            }
            load_evidence(widget.clone()).await;
            load_map(widget).await;
        }
        Err(error) => {
            fail(&mut widget.borrow_mut(), &error);
            render(&widget);
        }
    }
}

pub async fn save_item(widget: Shared, id: String) {
    let mut fields = vec![
        ("title", input_value("edit-title").trim().to_json()),
        ("tags", widget.borrow().draft_tags.to_json()),
        ("describes_care_recipient", checked("edit-care").to_json()),
    ];
    if crate::dom::exists("edit-body") {
        let note = input_value("edit-body");
        let note = note.trim();
        // An emptied note is removed (a reflection cannot be: the server says so).
        fields.push((
            "body",
            if note.is_empty() {
                JsValue::NULL
            } else {
                note.to_json()
            },
        ));
    }
    let body = object(&fields);
    let client = widget.borrow().client.clone();
    let result = client.update_evidence(&id, &body).await;
    {
        let mut w = widget.borrow_mut();
        match result {
            Ok(item) => {
                if let Some(list) = w.evidence.ready_mut() {
                    if let Some(slot) = list.iter_mut().find(|e| e.id == item.id) {
                        *slot = item;
                    }
                }
                let text = w.t("changes-saved");
                w.say(text);
            }
            Err(error) => {
                let text = problem_text(&w.catalogue, &error);
                w.complain(text);
            }
        }
        w.focus = Some("cf-status".to_owned());
    }
    render(&widget);
    load_map(widget).await;
}

pub async fn delete_item(widget: Shared, id: String) {
    let client = widget.borrow().client.clone();
    match client.delete_evidence(&id).await {
        Ok(()) => {
            {
                let mut w = widget.borrow_mut();
                let text = w.t("evidence-deleted");
                w.page = Page::Evidence;
                w.confirm_delete = None;
                w.focus = Some("cf-page-title".to_owned());
                w.say(text);
            }
            load_evidence(widget.clone()).await;
            load_map(widget).await;
        }
        Err(error) => {
            let mut w = widget.borrow_mut();
            let text = problem_text(&w.catalogue, &error);
            w.complain(text);
            drop(w);
            render(&widget);
        }
    }
}

pub async fn confirm_delete(widget: Shared, id: Option<String>) {
    {
        let mut w = widget.borrow_mut();
        w.focus = Some(
            if id.is_some() {
                "delete-yes"
            } else {
                "delete-item"
            }
            .to_owned(),
        );
        w.confirm_delete = id;
    }
    render(&widget);
}

/// Adds a comment to `item`, as its owner or through `share`.
pub async fn add_comment(widget: Shared, item: String, share: Option<String>) {
    let field_id = format!("comment-body-{item}");
    let body = input_value(&field_id);
    if body.trim().is_empty() {
        return;
    }
    let client = widget.borrow().client.clone();
    let result = client.add_comment(&item, share.as_deref(), &body).await;
    let comments = client.comments(&item, share.as_deref()).await;
    {
        let mut w = widget.borrow_mut();
        if report(&mut w, result, "comment-sent").is_some() {
            w.clear_fields = vec![field_id.clone()];
        }
        w.set_comments(item, comments.into());
        w.focus = Some(field_id);
    }
    render(&widget);
}

/// Shows the comments of a shared item (loading them) under it.
pub async fn show_comments(widget: Shared, item: String, share: String) {
    let client = widget.borrow().client.clone();
    widget
        .borrow_mut()
        .set_comments(item.clone(), Loadable::Loading);
    render(&widget);
    let comments = client.comments(&item, Some(&share)).await;
    widget.borrow_mut().set_comments(item, comments.into());
    render(&widget);
}

pub async fn mark_comments_seen(widget: Shared) {
    let client = widget.borrow().client.clone();
    if client.mark_comments_seen().await.is_ok() {
        let mut w = widget.borrow_mut();
        w.unseen.clear();
        let text = w.t("comments-marked-read");
        w.say(text);
        w.focus = Some("cf-status".to_owned());
    }
    render(&widget);
}

pub async fn toggle_collection_item(widget: Shared, id: String) {
    {
        let mut w = widget.borrow_mut();
        if let Some(at) = w.draft_items.iter().position(|i| i == &id) {
            w.draft_items.remove(at);
        } else {
            w.draft_items.push(id.clone());
        }
        w.focus = Some(format!("col-item-{id}"));
    }
    render(&widget);
}

pub async fn move_collection_item(widget: Shared, index: usize, up: bool) {
    {
        let mut w = widget.borrow_mut();
        let other = if up {
            index.checked_sub(1)
        } else {
            Some(index + 1)
        };
        if let Some(other) = other.filter(|o| *o < w.draft_items.len()) {
            w.draft_items.swap(index, other);
            let direction = if up { "up" } else { "down" };
            let target = if other == 0 || other + 1 == w.draft_items.len() {
                // The same button is gone at either end: focus the other one.
                if up {
                    "down"
                } else {
                    "up"
                }
            } else {
                direction
            };
            w.focus = Some(format!("col-move-{target}-{other}"));
        }
    }
    render(&widget);
}

pub async fn save_collection(widget: Shared, id: Option<String>) {
    let draft = CollectionDraft {
        title: input_value("col-title").trim().to_owned(),
        introduction: Some(input_value("col-intro")).filter(|t| !t.trim().is_empty()),
        items: widget.borrow().draft_items.clone(),
    };
    let client = widget.borrow().client.clone();
    let result = client.save_collection(id.as_deref(), &draft).await;
    match result {
        Ok(saved) => {
            let list = client.collections().await;
            let mut w = widget.borrow_mut();
            let text = w.catalogue.text_with(
                "collection-saved",
                &[("title", Arg::from(saved.title.as_str()))],
            );
            w.collections = list.into();
            w.page = Page::Collections;
            w.focus = Some("cf-page-title".to_owned());
            w.say(text);
        }
        Err(error) => {
            fail(&mut widget.borrow_mut(), &error);
        }
    }
    render(&widget);
}

pub async fn delete_collection(widget: Shared, id: String) {
    let client = widget.borrow().client.clone();
    let result = client.delete_collection(&id).await;
    let list = client.collections().await;
    {
        let mut w = widget.borrow_mut();
        report(&mut w, result, "collection-deleted");
        w.collections = list.into();
        w.page = Page::Collections;
        w.focus = Some("cf-page-title".to_owned());
    }
    render(&widget);
}

pub async fn create_share(widget: Shared) {
    let kind = widget.borrow().draft_share_kind.clone();
    let kind = kind.as_str();
    let what = input_value("share-what");
    let draft = ShareDraft {
        kind: kind.to_owned(),
        collection_id: Some(what).filter(|w| !w.is_empty()),
        person_id: (kind == "person")
            .then(|| input_value("share-person"))
            .filter(|p| !p.is_empty()),
        expires_in_days: (kind == "link")
            .then(|| input_value("share-days").parse().ok())
            .flatten(),
    };
    if kind == "person" && draft.person_id.is_none() {
        let mut w = widget.borrow_mut();
        let text = w.t("error-choose-person");
        w.complain(text);
        w.focus = Some("share-person".to_owned());
        drop(w);
        render(&widget);
        return;
    }
    let client = widget.borrow().client.clone();
    let result = client.create_share(&draft).await;
    let shares = client.shares().await;
    {
        let mut w = widget.borrow_mut();
        match result {
            Ok(share) => {
                let text = w.t(if share.url.is_some() {
                    "share-link-made"
                } else {
                    "share-made"
                });
                w.new_link = share.url;
                w.say(text);
                w.focus = Some(
                    if w.new_link.is_some() {
                        "new-link"
                    } else {
                        "cf-status"
                    }
                    .to_owned(),
                );
            }
            Err(error) => {
                fail(&mut w, &error);
            }
        }
        w.shares = shares.into();
    }
    render(&widget);
}

pub async fn revoke_share(widget: Shared, id: String) {
    let client = widget.borrow().client.clone();
    let result = client.revoke_share(&id).await;
    let shares = client.shares().await;
    {
        let mut w = widget.borrow_mut();
        report(&mut w, result, "share-revoked");
        w.shares = shares.into();
        w.new_link = None;
        w.focus = Some("cf-status".to_owned());
    }
    render(&widget);
}

/// Downloads the learner's whole portfolio through a short-lived address.
pub async fn download_export(widget: Shared) {
    let client = widget.borrow().client.clone();
    match client.export_address().await {
        Ok(address) => {
            let link = crate::dom::El::new("a")
                .attr("href", &client.absolute(&address.url))
                .attr("download", "");
            if let Some(body) = crate::dom::document().body() {
                let _ = body.append_child(&link.0);
                if let Some(anchor) = link.0.dyn_ref::<web_sys::HtmlElement>() {
                    anchor.click();
                }
                link.0.remove();
            }
            let mut w = widget.borrow_mut();
            let text = w.t("export-started");
            w.say(text);
        }
        Err(error) => {
            let mut w = widget.borrow_mut();
            let text = problem_text(&w.catalogue, &error);
            w.complain(text);
        }
    }
    render(&widget);
}

/// Keeps a recorded activity as evidence, tagged with the competences it
/// is tied to, then opens it so the learner can say what it shows.
pub async fn keep_activity(widget: Shared, statement: String, title: String, tags: Vec<String>) {
    let client = widget.borrow().client.clone();
    let tags: Vec<Tag> = tags
        .into_iter()
        .map(|competence_id| Tag {
            competence_id,
            level: None,
        })
        .collect();
    let body = object(&[
        ("kind", "activity".to_json()),
        ("title", title.to_json()),
        ("statement_id", statement.to_json()),
        ("tags", tags.to_json()),
    ]);
    match client.create_evidence(&body).await {
        Ok(item) => {
            let id = item.id.clone();
            {
                let mut w = widget.borrow_mut();
                match w.evidence.ready_mut() {
                    Some(list) => list.insert(0, item),
                    None => w.evidence = Loadable::Ready(vec![item]),
                }
                w.forget_candidate(&statement);
            }
            open(widget.clone(), Page::Item(id)).await;
            let mut w = widget.borrow_mut();
            let text = w.t("recent-kept");
            w.say(text);
            drop(w);
            render(&widget);
        }
        Err(error) => {
            let mut w = widget.borrow_mut();
            let text = problem_text(&w.catalogue, &error);
            w.complain(text);
            drop(w);
            render(&widget);
        }
    }
}

/// Sets a recorded activity aside: it is no longer offered.
pub async fn dismiss_candidate(widget: Shared, statement: String) {
    let client = widget.borrow().client.clone();
    let answer = client.dismiss_candidate(&statement).await;
    let mut w = widget.borrow_mut();
    match answer {
        Ok(()) => {
            w.forget_candidate(&statement);
            let text = w.t("recent-hidden");
            w.say(text);
        }
        Err(error) => {
            let text = problem_text(&w.catalogue, &error);
            w.complain(text);
        }
    }
    drop(w);
    render(&widget);
}
