//! The competence map: every node of a framework with the learner's
//! evidence and self-rating, and the next step to take.

use crate::actions;
use crate::api::{CompetenceMap, LanguageMap, MapNode};
use crate::dom::{button, field, text, El};
use crate::i18n::Arg;

use super::{framework_choice, loading_or_failed, page_title, Ctx};

pub fn page(ctx: &mut Ctx, page: &El) {
    page.push(page_title(&ctx.t("map-title")));
    page.push(text("p", "cf-intro", &ctx.t("map-intro")));
    // A link that opens a learning activity: starting it is the next step.
    let opens_activity = ctx
        .w
        .portfolio
        .ready()
        .is_some_and(|p| p.activity.opens_activity && !p.teacher_view);
    if opens_activity {
        let open = button("cf-primary button-primary", &ctx.t("activity-open")).id("open-activity");
        page.push(ctx.click(open, actions::open_activity));
        if let Some(address) = &ctx.w.activity_link {
            page.push(
                El::new("p").class("cf-activity-link").child(
                    El::new("a")
                        .attr("href", address)
                        .attr("target", "_blank")
                        .attr("rel", "noopener noreferrer")
                        .text(&ctx.t("activity-open-link")),
                ),
            );
        }
    }
    let add_class = if opens_activity {
        "cf-primary button-secondary"
    } else {
        "cf-primary button-primary"
    };
    let add = button(add_class, &ctx.t("add-evidence"));
    page.push(ctx.click(add.id("add-evidence"), |w| {
        actions::add_evidence_for(w, None)
    }));
    super::assessment::badges_section(ctx, page);
    this_activity(ctx, page);
    suggestions(ctx, page);
    recent_activity(ctx, page);
    framework_choice(ctx, page);
    if ctx.w.framework.is_none() {
        page.push(text("p", "muted", &ctx.t("map-no-framework")));
        return;
    }
    if loading_or_failed(ctx, &ctx.w.map, page) {
        return;
    }
    let Some(map) = ctx.w.map.ready() else {
        return;
    };
    map_tree(ctx, page, map, true);
}

/// The competences the activity the learner came from is about.
fn this_activity(ctx: &Ctx, page: &El) {
    let Some(portfolio) = ctx.w.portfolio.ready() else {
        return;
    };
    if portfolio.competences.is_empty() {
        return;
    }
    let section = El::new("section")
        .class("cf-this-activity")
        .attr("aria-labelledby", "activity-title");
    section.push(text("h3", "", &ctx.t("activity-competences")).id("activity-title"));
    let list = El::new("ul").class("cf-competences");
    for competence in &portfolio.competences {
        list.push(
            El::new("li")
                .class("cf-competence")
                .child(text("span", "cf-code", &competence.code))
                .child(text("span", "cf-title", ctx.local(&competence.title))),
        );
    }
    section.push(list);
    page.push(section);
}

/// What the learner's activities reported that shows a competence, each
/// line one click from becoming evidence (or from being set aside).
fn recent_activity(ctx: &mut Ctx, page: &El) {
    let Some(portfolio) = ctx.w.portfolio.ready() else {
        return;
    };
    let candidates: Vec<_> = portfolio.candidates.iter().take(5).cloned().collect();
    if candidates.is_empty() {
        return;
    }
    let section = El::new("section")
        .class("cf-recent")
        .attr("aria-labelledby", "recent-title");
    section.push(text("h3", "", &ctx.t("recent-title")).id("recent-title"));
    section.push(text("p", "cf-hint", &ctx.t("recent-intro")));
    let list = El::new("ol").class("cf-recorded");
    for entry in candidates {
        let object = entry
            .object
            .as_ref()
            .and_then(|o| crate::state::localised(o, ctx.lang()))
            .map(str::to_owned)
            .unwrap_or_else(|| ctx.t("untitled-activity"));
        let when = entry
            .timestamp
            .as_deref()
            .map(|t| t.replace('T', " "))
            .unwrap_or_default();
        let when = when.get(..16).unwrap_or(&when).to_owned();
        let line = format!("{} {object}", entry.verb);
        let shows: Vec<String> = entry
            .competences
            .iter()
            .map(|c| {
                let title = crate::state::localised(&c.title, ctx.lang()).unwrap_or_default();
                format!("{} {title}", c.code)
            })
            .collect();
        let keep = button("button-small", &ctx.t("recent-keep")).attr(
            "aria-label",
            &ctx.tw("recent-keep-named", &[("what", Arg::from(line.as_str()))]),
        );
        let tags: Vec<String> = entry.competences.iter().map(|c| c.id.clone()).collect();
        let (statement, title) = (entry.statement_id.clone(), line.clone());
        let keep = ctx.click(keep, move |w| {
            actions::keep_activity(w, statement.clone(), title.clone(), tags.clone())
        });
        let hide = button("button-small button-quiet", &ctx.t("recent-hide")).attr(
            "aria-label",
            &ctx.tw("recent-hide-named", &[("what", Arg::from(line.as_str()))]),
        );
        let statement = entry.statement_id.clone();
        let hide = ctx.click(hide, move |w| {
            actions::dismiss_candidate(w, statement.clone())
        });
        list.push(
            El::new("li")
                .class("cf-entry cf-candidate")
                .child(text(
                    "span",
                    "cf-candidate-what",
                    &format!("{when} · {line}"),
                ))
                .child(text(
                    "span",
                    "cf-candidate-shows",
                    &ctx.tw(
                        "recent-shows",
                        &[("competences", Arg::from(shows.join(", ").as_str()))],
                    ),
                ))
                .child(El::new("span").class("cf-actions").child(keep).child(hide)),
        );
    }
    section.push(list);
    page.push(section);
}

fn suggestions(ctx: &Ctx, page: &El) {
    if ctx.w.suggestions.is_empty() {
        return;
    }
    let section = El::new("section")
        .class("cf-suggestions")
        .attr("aria-labelledby", "suggestions-title");
    section.push(text("h3", "", &ctx.t("suggestions-title")).id("suggestions-title"));
    section.push(text("p", "cf-hint", &ctx.t("suggestions-intro")));
    let list = El::new("ul");
    for suggestion in &ctx.w.suggestions {
        let item = El::new("li").class("cf-suggestion");
        item.push(text(
            "strong",
            "",
            suggestion
                .title
                .as_deref()
                .unwrap_or(&ctx.t("untitled-activity")),
        ));
        if let Some(description) = &suggestion.description {
            item.push(text("span", "cf-suggestion-description", description));
        }
        if !suggestion.competences.is_empty() {
            item.push(text(
                "span",
                "cf-suggestion-covers muted",
                &ctx.tw(
                    "suggestion-covers",
                    &[("codes", Arg::from(suggestion.competences.join(", ")))],
                ),
            ));
        }
        list.push(item);
    }
    section.push(list);
    page.push(section);
}

/// The map's tree; `editable` lets the learner rate themselves and add
/// evidence (a teacher's view is read-only).
pub fn map_tree(ctx: &mut Ctx, page: &El, map: &CompetenceMap, editable: bool) {
    let totals = map.totals;
    page.push(text(
        "p",
        "cf-map-summary",
        &ctx.tw(
            if editable {
                "map-summary"
            } else {
                "map-summary-learner"
            },
            &[
                ("framework", Arg::from(map.title.as_str())),
                ("with", Arg::from(totals.with_evidence)),
                ("total", Arg::from(totals.competences)),
                ("rated", Arg::from(totals.rated)),
            ],
        ),
    ));
    let activity: Vec<String> = ctx
        .w
        .portfolio
        .ready()
        .map(|p| p.competences.iter().map(|c| c.id.clone()).collect())
        .unwrap_or_default();
    let tree = El::new("div")
        .class("cf-map")
        .attr("data-framework", &map.key);
    for (index, node) in map.items.iter().enumerate() {
        let open = index == 0 || opens(node, &activity);
        tree.push(map_node(ctx, node, &map.levels, editable, open, &activity));
    }
    page.push(tree);
}

/// A group opens when it holds this activity's competences or evidence.
fn opens(node: &MapNode, activity: &[String]) -> bool {
    contains_any(node, activity) || node.totals.is_some_and(|t| t.with_evidence > 0)
}

fn contains_any(node: &MapNode, ids: &[String]) -> bool {
    ids.contains(&node.id) || node.children.iter().any(|c| contains_any(c, ids))
}

#[allow(clippy::too_many_arguments)]
fn map_node(
    ctx: &mut Ctx,
    node: &MapNode,
    levels: &[LanguageMap],
    editable: bool,
    open: bool,
    activity: &[String],
) -> El {
    if !node.competence {
        let details = El::new("details")
            .class("cf-group")
            .attr("data-code", &node.code)
            .attr_if(open, "open", "");
        let summary = El::new("summary")
            .child(text("span", "cf-code", &node.code))
            .child(text("span", "cf-title", ctx.local(&node.title)));
        if let Some(totals) = node.totals {
            let summary_text = ctx.tw(
                "group-summary",
                &[
                    ("with", Arg::from(totals.with_evidence)),
                    ("total", Arg::from(totals.competences)),
                ],
            );
            summary.push(text("span", "cf-group-totals", &summary_text));
        }
        details.push(summary);
        details.push(children(ctx, node, "cf-nodes", levels, editable, activity));
        return details;
    }
    let row = competence_row(ctx, node, levels, editable);
    if !node.children.is_empty() {
        row.push(children(
            ctx,
            node,
            "cf-nodes cf-sub-items",
            levels,
            editable,
            activity,
        ));
    }
    row
}

fn children(
    ctx: &mut Ctx,
    node: &MapNode,
    class: &str,
    levels: &[LanguageMap],
    editable: bool,
    activity: &[String],
) -> El {
    let list = El::new("ul").class(class);
    for child in &node.children {
        let open = opens(child, activity);
        list.push(El::new("li").child(map_node(ctx, child, levels, editable, open, activity)));
    }
    list
}

fn competence_row(ctx: &mut Ctx, node: &MapNode, levels: &[LanguageMap], editable: bool) -> El {
    let own_levels = node.levels.as_deref().unwrap_or(levels);
    let row = El::new("div")
        .class(if node.evidence > 0 {
            "cf-node cf-has-evidence"
        } else {
            "cf-node"
        })
        .attr("data-code", &node.code)
        .attr("data-evidence", &node.evidence.to_string());
    let title_id = format!("node-{}", node.id);
    row.push(
        El::new("p")
            .class("cf-node-title")
            .id(&title_id)
            .child(text("span", "cf-code", &node.code))
            .child(text("span", "cf-title", ctx.local(&node.title))),
    );
    if node.incomplete {
        row.push(text("p", "cf-incomplete", &ctx.t("text-incomplete")));
    }
    let mut count = ctx.tw("evidence-count", &[("count", Arg::from(node.evidence))]);
    if node.evidence > 0 && !own_levels.is_empty() {
        let per_level: Vec<String> = own_levels
            .iter()
            .zip(&node.evidence_by_level)
            .filter(|(_, n)| **n > 0)
            .map(|(level, n)| format!("{}: {n}", ctx.local(level)))
            .collect();
        if !per_level.is_empty() {
            count.push_str(&format!(" ({})", per_level.join(", ")));
        }
    }
    row.push(text("p", "cf-evidence-count", &count));
    let rating_names = rating_names(ctx, node, own_levels);
    if editable {
        let select_id = format!("rate-{}", node.id);
        let select = El::new("select").id(&select_id).stateful();
        select.push(
            El::new("option")
                .attr("value", "")
                .attr_if(node.self_rating.is_none(), "selected", "")
                .text(&ctx.t("rating-none")),
        );
        for (value, name) in rating_names.iter().enumerate() {
            select.push(
                El::new("option")
                    .attr("value", &value.to_string())
                    .attr_if(node.self_rating == Some(value as i32), "selected", "")
                    .text(name),
            );
        }
        let (id, code) = (node.id.clone(), node.code.clone());
        let select = ctx.change(select, move |w, value| {
            let (id, code) = (id.clone(), code.clone());
            async move {
                if let Ok(rating) = value.parse() {
                    actions::rate(w, id, code, rating).await;
                }
            }
        });
        let actions_row = El::new("div").class("cf-node-actions");
        actions_row.push(field(
            &ctx.tw("rating-label", &[("code", Arg::from(node.code.as_str()))]),
            select,
            None,
        ));
        let add = button("cf-add-for button-secondary", &ctx.t("add-evidence-short"))
            .attr(
                "aria-label",
                &ctx.tw(
                    "add-evidence-for",
                    &[("code", Arg::from(node.code.as_str()))],
                ),
            )
            .attr("data-competence", &node.id);
        let id = node.id.clone();
        actions_row.push(ctx.click(add, move |w| actions::add_evidence_for(w, Some(id.clone()))));
        row.push(actions_row);
        row.push(super::assessment::claim_line(
            ctx,
            &node.id,
            &node.code,
            node.evidence,
        ));
    } else {
        let rated = node
            .self_rating
            .and_then(|r| rating_names.get(r as usize).cloned())
            .unwrap_or_else(|| ctx.t("rating-none"));
        row.push(text(
            "p",
            "cf-rating-read",
            &ctx.tw("rating-read", &[("rating", Arg::from(rated))]),
        ));
    }
    row
}

/// The self-rating scale of a competence: "not yet", then its levels, or
/// four steps of confidence where it has none.
fn rating_names(ctx: &Ctx, node: &MapNode, levels: &[LanguageMap]) -> Vec<String> {
    let mut names = vec![ctx.t("rating-not-yet")];
    if levels.is_empty() {
        names.extend(["rating-beginning", "rating-mostly", "rating-confident"].map(|id| ctx.t(id)));
    } else {
        names.extend(levels.iter().map(|l| ctx.local(l).to_owned()));
    }
    names.truncate(node.rating_max as usize + 1);
    names
}
