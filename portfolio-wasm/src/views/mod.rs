//! Rendering the widget from its state. The whole widget is rendered again
//! after each change; form fields keep what was typed and the focus stays
//! where it was (or moves where the action says).

mod assessment;
mod collections;
mod evidence;
mod map;
mod sharing;
mod teacher;

use std::future::Future;

use gloo_events::EventListener;
use wasm_bindgen::JsCast;

use crate::actions::{self, spawn};
use crate::api::{Comment, Evidence, LanguageMap, Tag};
use crate::dom::{button, document, field, field_values, restore_fields, text, El};
use crate::i18n::{self, Arg};
use crate::state::{localised, Loadable, Page, Widget};
use crate::Shared;

/// What a view needs while it builds its nodes.
pub struct Ctx<'a> {
    pub shared: &'a Shared,
    pub w: &'a Widget,
    pub listeners: Vec<EventListener>,
}

impl Ctx<'_> {
    pub fn t(&self, id: &str) -> String {
        self.w.catalogue.text(id)
    }

    pub fn tw(&self, id: &str, args: &[(&str, Arg)]) -> String {
        self.w.catalogue.text_with(id, args)
    }

    pub fn lang(&self) -> &str {
        self.w.language()
    }

    pub fn local<'m>(&self, map: &'m LanguageMap) -> &'m str {
        localised(map, self.lang()).unwrap_or("")
    }

    /// Starts `action` when `el` is clicked.
    pub fn click<F, Fut>(&mut self, el: El, action: F) -> El
    where
        F: Fn(Shared) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let shared = self.shared.clone();
        el.on(&mut self.listeners, "click", move |_| {
            spawn(action(shared.clone()));
        })
    }

    /// Starts `action` with the control's value when it changes.
    pub fn change<F, Fut>(&mut self, el: El, action: F) -> El
    where
        F: Fn(Shared, String) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let shared = self.shared.clone();
        el.on(&mut self.listeners, "change", move |event| {
            let value = event
                .target()
                .and_then(|t| {
                    t.dyn_ref::<web_sys::HtmlSelectElement>()
                        .map(|s| s.value())
                        .or_else(|| t.dyn_ref::<web_sys::HtmlInputElement>().map(|i| i.value()))
                })
                .unwrap_or_default();
            spawn(action(shared.clone(), value));
        })
    }

    /// A button that opens `page`.
    pub fn link_to(&mut self, class: &str, label: &str, page: Page) -> El {
        let el = button(class, label);
        self.click(el, move |w| actions::open(w, page.clone()))
    }

    /// A form whose submission (Enter or its button) starts `action`.
    pub fn form<F, Fut>(&mut self, el: El, action: F) -> El
    where
        F: Fn(Shared) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let shared = self.shared.clone();
        el.on(&mut self.listeners, "submit", move |event| {
            event.prevent_default();
            spawn(action(shared.clone()));
        })
    }
}

/// Renders the whole widget again.
pub fn render(shared: &Shared) {
    let Ok(w) = shared.try_borrow() else {
        // Rendering already: the caller that holds the state renders next.
        return;
    };
    let values = field_values(&w.root);
    let active = document()
        .active_element()
        .filter(|e| w.root.contains(Some(e)))
        .map(|e| e.id())
        .filter(|id| !id.is_empty());
    let mut ctx = Ctx {
        shared,
        w: &w,
        listeners: Vec::new(),
    };
    let container = El::new("section")
        .class("cf-widget")
        .attr("lang", w.language());
    match &w.portfolio {
        Loadable::NotAsked | Loadable::Loading => {
            container.push(text("p", "cf-loading muted", &ctx.t("loading")));
        }
        Loadable::Failed(error) => {
            container.push(
                text(
                    "div",
                    "cf-error notice",
                    &ctx.tw(
                        "portfolio-failed",
                        &[(
                            "detail",
                            Arg::from(actions::problem_text(&w.catalogue, error)),
                        )],
                    ),
                )
                .attr("role", "alert"),
            );
        }
        Loadable::Ready(_) => {
            header(&mut ctx, &container);
            container.push(navigation(&mut ctx));
            container.push(status(&ctx));
            let page = El::new("div").class("cf-page");
            match &w.page {
                Page::Map => map::page(&mut ctx, &page),
                Page::Evidence => evidence::list_page(&mut ctx, &page),
                Page::Add => evidence::add_page(&mut ctx, &page),
                Page::Item(id) => evidence::item_page(&mut ctx, &page, id),
                Page::Collections => collections::list_page(&mut ctx, &page),
                Page::EditCollection(id) => collections::edit_page(&mut ctx, &page, id.as_deref()),
                Page::Sharing => sharing::page(&mut ctx, &page),
                Page::Shared(share) => sharing::shared_page(&mut ctx, &page, share),
                Page::Learners => teacher::learners_page(&mut ctx, &page),
                Page::LearnerMap { person, name } => {
                    teacher::learner_map_page(&mut ctx, &page, person, name)
                }
                Page::Claim(competence) => assessment::claim_page(&mut ctx, &page, competence),
                Page::Queue => assessment::queue_page(&mut ctx, &page),
                Page::Review(claim) => assessment::review_page(&mut ctx, &page, claim),
            }
            container.push(page);
        }
    }
    let listeners = std::mem::take(&mut ctx.listeners);
    let state = match w.portfolio {
        Loadable::Ready(_) => "loaded",
        Loadable::Failed(_) => "failed",
        _ => "loading",
    };
    let page_name = page_name(&w.page);
    let root = w.root.clone();
    drop(w);

    root.set_text_content(None);
    let _ = root.append_child(&container.0);
    let _ = root.set_attribute("data-state", state);
    let _ = root.set_attribute("data-page", page_name);
    let mut w = shared.borrow_mut();
    let skip = std::mem::take(&mut w.clear_fields);
    let skip: Vec<&str> = skip.iter().map(String::as_str).collect();
    restore_fields(&values, &skip);
    // Dropping the previous rendering's listeners detaches them.
    w.listeners = listeners;
    let focus = w.focus.take().or(active);
    drop(w);
    if let Some(id) = focus {
        if let Some(target) = document()
            .get_element_by_id(&id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = target.focus();
        }
    }
}

fn page_name(page: &Page) -> &'static str {
    match page {
        Page::Map => "map",
        Page::Evidence => "evidence",
        Page::Add => "add",
        Page::Item(_) => "item",
        Page::Collections => "collections",
        Page::EditCollection(_) => "collection",
        Page::Sharing => "sharing",
        Page::Shared(_) => "shared",
        Page::Learners => "learners",
        Page::LearnerMap { .. } => "learner-map",
        Page::Claim(_) => "claim",
        Page::Queue => "queue",
        Page::Review(_) => "review",
    }
}

/// Updates the upload's progress bar in place (no re-rendering while the
/// file is sent).
pub fn show_progress(shared: &Shared) {
    let Ok(w) = shared.try_borrow() else {
        return;
    };
    let Some(upload) = &w.upload else {
        return;
    };
    let percent = upload.percent();
    let document = document();
    if let Some(bar) = document.get_element_by_id("upload-progress") {
        let _ = bar.set_attribute("value", &percent.to_string());
    }
    if let Some(line) = document.get_element_by_id("upload-text") {
        line.set_text_content(Some(&w.catalogue.text_with(
            "upload-progress",
            &[
                ("name", Arg::from(upload.name.as_str())),
                ("percent", Arg::Number(percent)),
            ],
        )));
    }
}

fn header(ctx: &mut Ctx, container: &El) {
    let Some(portfolio) = ctx.w.portfolio.ready() else {
        return;
    };
    let heading = match (&portfolio.learner.name, portfolio.teacher_view) {
        (_, true) => ctx.t("heading-teacher"),
        (Some(name), false) => ctx.tw("heading-learner", &[("name", Arg::from(name.as_str()))]),
        (None, false) => ctx.t("heading-anonymous"),
    };
    let top = El::new("div").class("cf-top");
    top.push(text("h1", "cf-learner", &heading));
    let languages: Vec<&str> = i18n::languages().collect();
    if languages.len() > 1 {
        let group = El::new("div")
            .class("cf-languages")
            .attr("role", "group")
            .attr("aria-label", &ctx.t("language-choice"));
        for language in languages {
            let name = match language {
                "en" => "English",
                "nb" => "Norsk bokmål",
                other => other,
            };
            let pressed = language == ctx.lang();
            let el = button("cf-language", name)
                .attr("data-language", language)
                .attr("lang", language)
                .attr("aria-pressed", if pressed { "true" } else { "false" });
            let language = language.to_owned();
            group.push(ctx.click(el, move |w| actions::choose_language(w, language.clone())));
        }
        top.push(group);
    }
    container.push(top);
    let context = [
        portfolio.activity.title.as_deref(),
        portfolio.course.as_ref().and_then(|c| c.title.as_deref()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    if !context.is_empty() {
        container.push(text("p", "cf-course muted", &context));
    }
}

fn navigation(ctx: &mut Ctx) -> El {
    let tabs: Vec<(Page, String)> = if ctx.w.teacher_view() {
        vec![
            (Page::Queue, ctx.t("tab-queue")),
            (Page::Learners, ctx.t("tab-learners")),
            (Page::Sharing, ctx.t("tab-shared-with-me")),
        ]
    } else {
        let unseen = ctx.w.unseen.len();
        let sharing = if unseen > 0 {
            ctx.tw("tab-sharing-new", &[("count", Arg::from(unseen))])
        } else {
            ctx.t("tab-sharing")
        };
        vec![
            (Page::Map, ctx.t("tab-map")),
            (Page::Evidence, ctx.t("tab-evidence")),
            (Page::Collections, ctx.t("tab-collections")),
            (Page::Sharing, sharing),
        ]
    };
    let current = match &ctx.w.page {
        Page::Add | Page::Item(_) => Page::Evidence,
        Page::EditCollection(_) => Page::Collections,
        Page::Shared(_) => Page::Sharing,
        Page::LearnerMap { .. } => Page::Learners,
        Page::Review(_) => Page::Queue,
        Page::Claim(_) => Page::Map,
        other => other.clone(),
    };
    let list = El::new("ul");
    for (page, label) in tabs {
        let is_current = page == current;
        let name = page_name(&page);
        let el = ctx
            .link_to("cf-tab", &label, page)
            .id(&format!("tab-{name}"))
            .attr_if(is_current, "aria-current", "page");
        list.push(El::new("li").child(el));
    }
    El::new("nav")
        .class("cf-nav")
        .attr("aria-label", &ctx.t("nav-label"))
        .child(list)
}

fn status(ctx: &Ctx) -> El {
    let line = El::new("div")
        .id("cf-status")
        .attr("role", "status")
        .attr("tabindex", "-1");
    match &ctx.w.status {
        Some(status) => line
            .class(if status.error {
                "cf-status cf-status-error"
            } else {
                "cf-status cf-status-ok"
            })
            .text(&status.text),
        None => line.class("cf-status cf-status-empty"),
    }
}

/// The page's title, focused when the page opens.
pub fn page_title(title: &str) -> El {
    text("h2", "cf-page-title", title)
        .id("cf-page-title")
        .attr("tabindex", "-1")
}

pub fn loading_or_failed<T>(ctx: &Ctx, loadable: &Loadable<T>, page: &El) -> bool {
    match loadable {
        Loadable::Ready(_) => false,
        Loadable::Failed(error) => {
            page.push(
                text(
                    "div",
                    "cf-error notice",
                    &actions::problem_text(&ctx.w.catalogue, error),
                )
                .attr("role", "alert"),
            );
            true
        }
        _ => {
            page.push(text("p", "cf-loading muted", &ctx.t("loading")));
            true
        }
    }
}

/// What an item holds: its picture, sound, film, file, text or link.
pub fn item_content(ctx: &Ctx, item: &Evidence) -> El {
    let body = El::new("div").class("cf-item-content");
    if item.statement_voided {
        body.push(text("p", "cf-withdrawn", &ctx.t("evidence-withdrawn")).attr("role", "note"));
    }
    if let (Some(file), Some(address)) = (&item.file, &item.file_url) {
        let address = ctx.w.client.absolute(address);
        if file.inline && file.media_type.starts_with("image/") {
            body.push(El::new("img").attr("src", &address).attr(
                "alt",
                &ctx.tw("image-alt", &[("title", Arg::from(item.title.as_str()))]),
            ));
        } else if file.inline && file.media_type.starts_with("audio/") {
            body.push(El::new("audio").attr("controls", "").attr("src", &address));
        } else if file.inline && file.media_type.starts_with("video/") {
            body.push(El::new("video").attr("controls", "").attr("src", &address));
        }
        body.push(
            El::new("a")
                .class("cf-file-link")
                .attr("href", &address)
                .attr("target", "_blank")
                .attr("rel", "noopener noreferrer")
                .text(&ctx.tw(
                    "open-file",
                    &[
                        ("name", Arg::from(file.name.as_str())),
                        ("size", Arg::from(crate::dom::size(file.size))),
                    ],
                )),
        );
    }
    if let Some(html) = &item.body_html {
        body.push(El::new("div").class("cf-reflection").sanitised_html(html));
    }
    // The server accepts only web addresses; checked again here so that no
    // other scheme (`javascript:`) ever becomes a link.
    if let Some(url) = item
        .url
        .as_ref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
    {
        body.push(
            El::new("a")
                .class("cf-link")
                .attr("href", url)
                .attr("target", "_blank")
                .attr("rel", "noopener noreferrer")
                .text(url),
        );
    }
    body
}

/// The competences an item is tagged with, as small labels.
pub fn tag_chips(ctx: &Ctx, item: &Evidence) -> El {
    let list = El::new("ul")
        .class("cf-tags")
        .attr("aria-label", &ctx.t("tags-label"));
    for tag in &item.tags {
        let mut label = format!("{} {}", tag.code, ctx.local(&tag.title));
        if let Some(level) = &tag.level_title {
            label.push_str(&format!(" · {}", ctx.local(level)));
        }
        list.push(text("li", "cf-tag", &label).attr("title", ctx.local(&tag.title)));
    }
    list
}

/// The kind of an item in words.
pub fn kind_name(ctx: &Ctx, kind: &str) -> String {
    ctx.t(match kind {
        "file" => "kind-file",
        "link" => "kind-link",
        "activity" => "kind-activity",
        _ => "kind-reflection",
    })
}

/// The editor of the draft's competences and levels.
pub fn tags_editor(ctx: &mut Ctx) -> El {
    let competences = ctx.w.competences();
    let fieldset = El::new("fieldset")
        .class("cf-tags-editor")
        .child(text("legend", "", &ctx.t("tags-legend")))
        .child(text("p", "cf-hint", &ctx.t("tags-hint")));
    let chosen = El::new("ul").class("cf-chosen-tags");
    let tags: Vec<Tag> = ctx.w.draft_tags.clone();
    for (index, tag) in tags.iter().enumerate() {
        let known = competences.iter().find(|(id, ..)| id == &tag.competence_id);
        let name = known
            .map(|(_, code, title, _)| format!("{code} {}", ctx.local(title)))
            .unwrap_or_else(|| ctx.t("competence-elsewhere"));
        let row = El::new("li").class("cf-chosen-tag");
        row.push(text("span", "cf-chosen-name", &name));
        if let Some((_, code, _, levels)) = known.filter(|(.., levels)| !levels.is_empty()) {
            let select_id = format!("tag-level-{index}");
            let select = El::new("select").id(&select_id).stateful();
            for (position, level) in levels.iter().enumerate() {
                let value = (position + 1).to_string();
                select.push(
                    El::new("option")
                        .attr("value", &value)
                        .attr_if(tag.level == Some(position as i32 + 1), "selected", "")
                        .text(ctx.local(level)),
                );
            }
            let select = ctx.change(select, move |w, value| async move {
                if let Some(tag) = w.borrow_mut().draft_tags.get_mut(index) {
                    tag.level = value.parse().ok();
                }
            });
            row.push(field(
                &ctx.tw("level-for", &[("code", Arg::from(code.as_str()))]),
                select,
                None,
            ));
        }
        let remove = button("cf-remove button-secondary", &ctx.t("remove")).attr(
            "aria-label",
            &ctx.tw("remove-tag", &[("name", Arg::from(name.as_str()))]),
        );
        row.push(ctx.click(remove, move |w| actions::remove_tag(w, index)));
        chosen.push(row);
    }
    fieldset.push(chosen);
    let picker = El::new("select").id("tag-pick").stateful();
    picker.push(
        El::new("option")
            .attr("value", "")
            .text(&ctx.t("tag-pick-none")),
    );
    for (id, code, title, _) in &competences {
        if tags.iter().any(|t| &t.competence_id == id) {
            continue;
        }
        picker.push(
            El::new("option")
                .attr("value", id)
                .text(&format!("{code} {}", ctx.local(title))),
        );
    }
    let add = button("cf-add-tag button-secondary", &ctx.t("tag-add"));
    let add = ctx.click(add, actions::add_tag);
    fieldset.push(
        El::new("div")
            .class("cf-inline")
            .child(field(&ctx.t("tag-pick-label"), picker, None))
            .child(add),
    );
    fieldset
}

/// Comments on an item, and the box to write one when allowed.
pub fn comments_section(ctx: &mut Ctx, item: &str, share: Option<&str>, may_comment: bool) -> El {
    let section = El::new("section")
        .class("cf-comments")
        .attr("aria-labelledby", &format!("comments-{item}"));
    section.push(text("h3", "", &ctx.t("comments-heading")).id(&format!("comments-{item}")));
    match ctx.w.comments_of(item) {
        Some(Loadable::Ready(list)) if list.is_empty() => {
            section.push(text("p", "muted", &ctx.t("comments-none")));
        }
        Some(Loadable::Ready(list)) => {
            let ol = El::new("ol").class("cf-comment-list");
            for comment in list {
                ol.push(comment_line(ctx, comment));
            }
            section.push(ol);
        }
        Some(Loadable::Failed(error)) => {
            section.push(text(
                "p",
                "cf-error",
                &actions::problem_text(&ctx.w.catalogue, error),
            ));
        }
        _ => section.push(text("p", "muted", &ctx.t("loading"))),
    }
    if may_comment {
        let area = El::new("textarea")
            .id(&format!("comment-body-{item}"))
            .attr("rows", "3")
            .attr("maxlength", "4000");
        let form = El::new("form")
            .class("cf-comment-form")
            .child(field(&ctx.t("comment-label"), area, None))
            .child(
                El::new("button")
                    .attr("type", "submit")
                    .class("button-primary")
                    .text(&ctx.t("comment-send")),
            );
        let item = item.to_owned();
        let share = share.map(str::to_owned);
        section.push(ctx.form(form, move |w| {
            actions::add_comment(w, item.clone(), share.clone())
        }));
    }
    section
}

pub fn comment_line(ctx: &Ctx, comment: &Comment) -> El {
    El::new("li")
        .class("cf-comment")
        .child(text(
            "p",
            "cf-comment-meta muted",
            &format!(
                "{} · {}",
                comment.author_name,
                crate::dom::when(comment.created_at, ctx.lang())
            ),
        ))
        .child(text("p", "cf-comment-body", &comment.body))
}

/// The framework chooser, when there is more than one.
pub fn framework_choice(ctx: &mut Ctx, page: &El) {
    let Some(portfolio) = ctx.w.portfolio.ready() else {
        return;
    };
    if portfolio.frameworks.len() < 2 {
        return;
    }
    let select = El::new("select").id("framework-pick").stateful();
    for framework in &portfolio.frameworks {
        select.push(
            El::new("option")
                .attr("value", &framework.key)
                .attr_if(
                    ctx.w.framework.as_deref() == Some(framework.key.as_str()),
                    "selected",
                    "",
                )
                .text(&framework.title),
        );
    }
    let select = ctx.change(select, actions::choose_framework);
    page.push(field(&ctx.t("framework-label"), select, None));
}
