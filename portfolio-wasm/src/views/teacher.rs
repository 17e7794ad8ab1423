//! A teacher's view: the course's learners with their progress, and each
//! learner's competence map (read-only, what they shared with the course).

use crate::actions;
use crate::api::{ApiError, LearnerList};
use crate::dom::{button, text, El};
use crate::i18n::Arg;
use crate::state::{Loadable, Page};

use super::{framework_choice, loading_or_failed, map::map_tree, page_title, Ctx};

pub fn learners_page(ctx: &mut Ctx, page: &El) {
    page.push(page_title(&ctx.t("learners-title")));
    match &ctx.w.roster {
        Loadable::NotAsked | Loadable::Loading => {
            page.push(text(
                "p",
                "cf-roster-loading muted",
                &ctx.t("roster-loading"),
            ));
            return;
        }
        Loadable::Failed(error) => {
            page.push(
                text("div", "cf-roster-error notice", &roster_problem(ctx, error))
                    .attr("role", "alert"),
            );
        }
        Loadable::Ready(list) => roster_list(ctx, page, list),
    }
    let refresh = button(
        "cf-roster-refresh button-secondary",
        &ctx.t("roster-refresh"),
    )
    .id("roster-refresh");
    page.push(ctx.click(refresh, |w| actions::load_roster(w, true)));
}

fn roster_problem(ctx: &Ctx, error: &ApiError) -> String {
    match error.code.as_deref() {
        Some("roster_not_offered") => ctx.t("roster-not-offered"),
        Some("roster_unavailable") => ctx.t("roster-unavailable"),
        Some("not_an_assessor") => ctx.t("roster-teachers-only"),
        _ => ctx.tw(
            "roster-failed",
            &[("detail", Arg::from(error.detail.as_str()))],
        ),
    }
}

fn roster_list(ctx: &mut Ctx, page: &El, list: &LearnerList) {
    if let Some(note) = &list.roster.note {
        page.push(text("p", "cf-roster-note muted", note).attr("role", "status"));
    }
    if let Some(warning) = &list.roster.warning {
        page.push(text("div", "cf-roster-warning notice", warning).attr("role", "status"));
    }
    let total = ctx
        .w
        .portfolio
        .ready()
        .map(|p| p.competences.len())
        .unwrap_or(0);
    let summary = if list.learners.is_empty() {
        ctx.t("roster-empty")
    } else {
        ctx.tw(
            "roster-summary",
            &[
                ("count", Arg::from(list.learners.len())),
                ("competences", Arg::from(total)),
            ],
        )
    };
    page.push(text("p", "cf-roster-summary", &summary));
    if let Some(at) = &list.roster.fetched_at {
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into());
        let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
        let time = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(at))
            .to_locale_time_string_with_options(ctx.lang(), &options)
            .as_string()
            .unwrap_or_default();
        page.push(text(
            "p",
            "cf-roster-updated muted",
            &ctx.tw("roster-updated", &[("time", Arg::from(time))]),
        ));
    }
    let items = El::new("ul").class("cf-roster");
    for learner in &list.learners {
        let item = El::new("li").class("cf-roster-learner");
        let name = learner
            .name
            .clone()
            .or_else(|| learner.email.clone())
            .unwrap_or_else(|| ctx.t("learner-without-name"));
        item.push(text("span", "cf-roster-name", &name));
        let progress = if !learner.started {
            ctx.t("roster-not-started")
        } else if learner.competences_total == 0 {
            ctx.t("roster-started")
        } else {
            ctx.tw(
                "roster-progress",
                &[
                    ("covered", Arg::from(learner.competences_covered)),
                    ("total", Arg::from(learner.competences_total)),
                ],
            )
        };
        item.push(text("span", "cf-roster-progress", &progress));
        if learner.competences_total > 0 {
            item.push(
                El::new("progress")
                    .class("cf-roster-bar")
                    .attr("max", &learner.competences_total.to_string())
                    .attr("value", &learner.competences_covered.to_string())
                    .attr("aria-label", &format!("{name}: {progress}")),
            );
        }
        if learner.status != "Active" {
            item.push(text(
                "span",
                "cf-roster-inactive",
                &ctx.t("roster-inactive"),
            ));
        }
        if let Some(person) = &learner.person_id {
            let open = ctx
                .link_to(
                    "cf-roster-open button-secondary",
                    &ctx.t("roster-open-map"),
                    Page::LearnerMap {
                        person: person.clone(),
                        name: name.clone(),
                    },
                )
                .attr(
                    "aria-label",
                    &ctx.tw(
                        "roster-open-map-named",
                        &[("name", Arg::from(name.as_str()))],
                    ),
                );
            item.push(open);
        }
        items.push(item);
    }
    page.push(items);
}

pub fn learner_map_page(ctx: &mut Ctx, page: &El, _person: &str, name: &str) {
    page.push(ctx.link_to(
        "cf-back link-button",
        &ctx.t("back-to-learners"),
        Page::Learners,
    ));
    page.push(page_title(
        &ctx.tw("learner-map-title", &[("name", Arg::from(name))]),
    ));
    page.push(text("p", "cf-hint", &ctx.t("learner-map-intro")));
    framework_choice(ctx, page);
    if loading_or_failed(ctx, &ctx.w.learner_map, page) {
        return;
    }
    if let Some(map) = ctx.w.learner_map.ready().cloned() {
        map_tree(ctx, page, &map, false);
    }
}
