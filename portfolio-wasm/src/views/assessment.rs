//! Assessment: a learner asks for a competence to be assessed and sees
//! the answer and their badges; an assessor works through the claims
//! waiting for them and decides, by keyboard as well as by pointer.

use crate::actions;
use crate::api::{Claim, Evidence, QueueEntry, Review};
use crate::dom::{button, field, text, when, El};
use crate::i18n::Arg;
use crate::state::{Loadable, Page};

use super::{item_content, loading_or_failed, page_title, Ctx};

/// The plain-words name of a claim's status.
pub fn status_name(ctx: &Ctx, status: &str) -> String {
    ctx.t(&format!("claim-status-{}", status.replace('_', "-")))
}

fn outcome_name(ctx: &Ctx, outcome: &str) -> String {
    ctx.t(&format!("outcome-{}", outcome.replace('_', "-")))
}

/// The claim line under a competence on the learner's map: where the
/// assessment stands, the assessor's words, and the one next step.
pub fn claim_line(ctx: &mut Ctx, competence_id: &str, code: &str, evidence: u32) -> El {
    let line = El::new("div").class("cf-claim-line");
    match ctx.w.claim_of(competence_id).cloned() {
        Some(claim) => {
            line.push(
                text(
                    "p",
                    &format!("cf-claim-status cf-claim-{}", claim.status),
                    &ctx.tw(
                        "claim-status-line",
                        &[("status", Arg::from(status_name(ctx, &claim.status)))],
                    ),
                )
                .attr("data-status", &claim.status),
            );
            if let Some(feedback) = last_feedback(&claim) {
                line.push(text("blockquote", "cf-claim-feedback", &feedback));
            }
            if claim.status == "more_evidence_needed" {
                let again = button("button-secondary", &ctx.t("claim-send-again")).attr(
                    "aria-label",
                    &ctx.tw("claim-send-again-for", &[("code", Arg::from(code))]),
                );
                let id = competence_id.to_owned();
                line.push(ctx.click(again, move |w| actions::open(w, Page::Claim(id.clone()))));
            }
        }
        None if evidence > 0 => {
            let ask = button("cf-ask button-secondary", &ctx.t("claim-ask"))
                .attr(
                    "aria-label",
                    &ctx.tw("claim-ask-for", &[("code", Arg::from(code))]),
                )
                .attr("data-competence", competence_id);
            let id = competence_id.to_owned();
            line.push(ctx.click(ask, move |w| actions::open(w, Page::Claim(id.clone()))));
        }
        None => {}
    }
    line
}

/// What the assessors last said to the learner.
fn last_feedback(claim: &Claim) -> Option<String> {
    claim
        .rounds
        .iter()
        .rev()
        .flat_map(|round| round.decisions.iter().rev())
        .map(|d| d.feedback.trim().to_owned())
        .find(|f| !f.is_empty())
}

/// The learner's badges, at the top of their map.
pub fn badges_section(ctx: &mut Ctx, page: &El) {
    let Some(awards) = ctx.w.badges.ready().cloned() else {
        return;
    };
    if awards.is_empty() {
        return;
    }
    let section = El::new("section")
        .class("cf-badges")
        .attr("aria-labelledby", "badges-title");
    section.push(text("h3", "", &ctx.t("badges-title")).id("badges-title"));
    let list = El::new("ul").class("cf-badge-list");
    for award in awards {
        let name = ctx.local(&award.badge.name).to_owned();
        let item = El::new("li")
            .class(if award.revoked_at.is_some() {
                "cf-badge cf-badge-revoked"
            } else {
                "cf-badge"
            })
            .attr("data-award", &award.id);
        item.push(
            El::new("img")
                .class("cf-badge-image")
                .attr("src", &ctx.w.client.absolute(&award.badge.image_path))
                .attr("alt", "")
                .attr("width", "64")
                .attr("height", "64"),
        );
        let about = El::new("div").class("cf-badge-about");
        about.push(text("p", "cf-badge-name", &name));
        about.push(text(
            "p",
            "cf-badge-date muted",
            &ctx.tw(
                "badge-awarded",
                &[("date", Arg::from(when(award.awarded_at, ctx.lang())))],
            ),
        ));
        if award.revoked_at.is_some() {
            about.push(text(
                "p",
                "cf-badge-revoked-note",
                &ctx.tw(
                    "badge-revoked",
                    &[(
                        "reason",
                        Arg::from(award.revocation_reason.clone().unwrap_or_default()),
                    )],
                ),
            ));
        } else {
            let actions_row = El::new("div").class("cf-badge-actions");
            let (id, key) = (award.id.clone(), award.badge.key.clone());
            let credential = button("button-small", &ctx.t("badge-download-credential")).attr(
                "aria-label",
                &ctx.tw(
                    "badge-download-credential-of",
                    &[("name", Arg::from(name.as_str()))],
                ),
            );
            actions_row.push(ctx.click(credential, move |w| {
                actions::download_badge(w, id.clone(), key.clone(), "credential")
            }));
            let (id, key) = (award.id.clone(), award.badge.key.clone());
            let image = button("button-small", &ctx.t("badge-download-image")).attr(
                "aria-label",
                &ctx.tw(
                    "badge-download-image-of",
                    &[("name", Arg::from(name.as_str()))],
                ),
            );
            actions_row.push(ctx.click(image, move |w| {
                actions::download_badge(w, id.clone(), key.clone(), "image.png")
            }));
            let (id, public) = (award.id.clone(), award.public);
            let toggle = button(
                "button-small",
                &ctx.t(if public {
                    "badge-make-private"
                } else {
                    "badge-make-public"
                }),
            )
            .attr("aria-pressed", if public { "true" } else { "false" })
            .id(&format!("badge-public-{}", award.id));
            actions_row
                .push(ctx.click(toggle, move |w| actions::show_badge(w, id.clone(), !public)));
            about.push(actions_row);
            if public {
                let address = ctx
                    .w
                    .client
                    .absolute(&format!("/badges/awards/{}", award.id));
                about.push(
                    El::new("p").class("cf-badge-public muted").child(
                        El::new("a")
                            .attr("href", &address)
                            .attr("target", "_blank")
                            .attr("rel", "noopener")
                            .text(&ctx.t("badge-public-page")),
                    ),
                );
            }
        }
        item.push(about);
        list.push(item);
    }
    section.push(list);
    page.push(section);
}

/// The learner asks for assessment of one competence: what they claim,
/// at which level, and which of their evidence shows it.
pub fn claim_page(ctx: &mut Ctx, page: &El, competence_id: &str) {
    page.push(ctx.link_to("cf-back link-button", &ctx.t("back-to-map"), Page::Map));
    let competences = ctx.w.competences();
    let Some((_, code, title, levels)) = competences.iter().find(|(id, ..)| id == competence_id)
    else {
        page.push(page_title(&ctx.t("claim-title-unknown")));
        return;
    };
    page.push(page_title(&ctx.tw(
        "claim-title",
        &[
            ("code", Arg::from(code.as_str())),
            ("title", Arg::from(ctx.local(title))),
        ],
    )));
    page.push(text("p", "cf-intro", &ctx.t("claim-intro")));
    let again = ctx
        .w
        .claim_of(competence_id)
        .filter(|c| c.status == "more_evidence_needed")
        .cloned();
    if let Some(claim) = &again {
        if let Some(feedback) = last_feedback(claim) {
            page.push(text("p", "cf-hint", &ctx.t("claim-assessor-said")));
            page.push(text("blockquote", "cf-claim-feedback", &feedback));
        }
    }
    let form = El::new("form")
        .class("cf-claim-form")
        .attr("novalidate", "");
    if !levels.is_empty() {
        let select = El::new("select").id("claim-level");
        for (index, level) in levels.iter().enumerate() {
            let value = (index + 1).to_string();
            let chosen = again
                .as_ref()
                .and_then(|c| c.level)
                .is_some_and(|l| l as usize == index + 1);
            select.push(
                El::new("option")
                    .attr("value", &value)
                    .attr_if(chosen, "selected", "")
                    .text(ctx.local(level)),
            );
        }
        form.push(field(
            &ctx.t("claim-level"),
            select,
            Some(&ctx.t("claim-level-hint")),
        ));
    }
    let statement = El::new("textarea")
        .id("claim-statement")
        .attr("rows", "4")
        .attr("maxlength", "4000");
    form.push(field(
        &ctx.t("claim-statement"),
        statement,
        Some(&ctx.t("claim-statement-hint")),
    ));
    let items: Vec<Evidence> = ctx
        .w
        .evidence
        .ready()
        .map(|list| {
            list.iter()
                .filter(|e| e.tags.iter().any(|t| t.competence_id == competence_id))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let fieldset = El::new("fieldset").class("cf-claim-evidence");
    fieldset.push(text("legend", "", &ctx.t("claim-evidence")));
    if items.is_empty() {
        fieldset.push(text("p", "cf-hint", &ctx.t("claim-no-evidence")));
    }
    for item in &items {
        let id = format!("claim-item-{}", item.id);
        fieldset.push(
            El::new("div")
                .class("cf-choice")
                .child(
                    El::new("input")
                        .attr("type", "checkbox")
                        .id(&id)
                        .attr("value", &item.id)
                        .attr("name", "claim-item")
                        .attr("checked", ""),
                )
                .child(El::new("label").attr("for", &id).text(&item.title)),
        );
    }
    form.push(fieldset);
    form.push(
        button("button-primary", &ctx.t("claim-send"))
            .attr("type", "submit")
            .id("claim-send"),
    );
    let competence = competence_id.to_owned();
    let again_id = again.map(|c| c.id);
    let form = ctx.form(form, move |w| {
        actions::send_claim(w, competence.clone(), again_id.clone())
    });
    page.push(form);
}

/// The assessor's queue: oldest first, filterable, each claim one button
/// from its review.
pub fn queue_page(ctx: &mut Ctx, page: &El) {
    page.push(page_title(&ctx.t("queue-title")));
    page.push(text("p", "cf-intro", &ctx.t("queue-intro")));
    if loading_or_failed(ctx, &ctx.w.queue, page) {
        return;
    }
    let Some(entries) = ctx.w.queue.ready().cloned() else {
        return;
    };
    if entries.is_empty() {
        page.push(text("p", "cf-queue-empty notice", &ctx.t("queue-empty")));
        return;
    }
    queue_filters(ctx, page, &entries);
    let [competence, learner, status] = ctx.w.queue_filter.clone();
    let shown: Vec<&QueueEntry> = entries
        .iter()
        .filter(|e| competence.is_empty() || e.competence_id == competence)
        .filter(|e| learner.is_empty() || e.learner_id == learner)
        .filter(|e| status.is_empty() || e.status == status)
        .collect();
    page.push(
        text(
            "p",
            "cf-queue-count",
            &ctx.tw(
                "queue-count",
                &[
                    ("shown", Arg::from(shown.len())),
                    ("total", Arg::from(entries.len())),
                ],
            ),
        )
        .attr("role", "status"),
    );
    let list = El::new("ol").class("cf-queue");
    for entry in shown {
        let item = El::new("li")
            .class("cf-queue-entry")
            .attr("data-claim", &entry.claim_id);
        let heading = El::new("p").class("cf-queue-who");
        heading.push(text("strong", "", &entry.learner_name));
        heading.push(text("span", "cf-code", &entry.code));
        heading.push(text("span", "cf-title", ctx.local(&entry.title)));
        item.push(heading);
        let mut facts = vec![status_name(ctx, &entry.status)];
        if entry.awaiting_lead {
            facts.push(ctx.t("queue-awaiting-lead"));
        }
        if let Some(at) = entry.submitted_at {
            facts.push(ctx.tw(
                "queue-waiting-since",
                &[("date", Arg::from(when(at, ctx.lang())))],
            ));
        }
        facts.push(ctx.tw(
            "queue-evidence",
            &[("count", Arg::from(entry.evidence_count))],
        ));
        if !entry.course_title.is_empty() {
            facts.push(entry.course_title.clone());
        }
        item.push(text("p", "cf-queue-facts muted", &facts.join(" · ")));
        let open = ctx
            .link_to(
                "cf-review-open button-primary",
                &ctx.t("queue-review"),
                Page::Review(entry.claim_id.clone()),
            )
            .attr(
                "aria-label",
                &ctx.tw(
                    "queue-review-named",
                    &[
                        ("name", Arg::from(entry.learner_name.as_str())),
                        ("code", Arg::from(entry.code.as_str())),
                    ],
                ),
            );
        item.push(open);
        list.push(item);
    }
    page.push(list);
}

fn queue_filters(ctx: &mut Ctx, page: &El, entries: &[QueueEntry]) {
    let row = El::new("div")
        .class("cf-queue-filters")
        .attr("role", "group")
        .attr("aria-label", &ctx.t("queue-filters"));
    let mut competences: Vec<(String, String)> = Vec::new();
    let mut learners: Vec<(String, String)> = Vec::new();
    let mut statuses: Vec<(String, String)> = Vec::new();
    for entry in entries {
        let competence = (
            entry.competence_id.clone(),
            format!("{} {}", entry.code, ctx.local(&entry.title)),
        );
        if !competences.contains(&competence) {
            competences.push(competence);
        }
        let learner = (entry.learner_id.clone(), entry.learner_name.clone());
        if !learners.contains(&learner) {
            learners.push(learner);
        }
        let status = (entry.status.clone(), status_name(ctx, &entry.status));
        if !statuses.contains(&status) {
            statuses.push(status);
        }
    }
    competences.sort_by(|a, b| a.1.cmp(&b.1));
    learners.sort_by(|a, b| a.1.cmp(&b.1));
    let filters = [
        ("queue-filter-competence", "filter-competence", competences),
        ("queue-filter-learner", "filter-learner", learners),
        ("queue-filter-status", "filter-status", statuses),
    ];
    for (index, (label, id, options)) in filters.into_iter().enumerate() {
        let current = ctx.w.queue_filter[index].clone();
        let select = El::new("select").id(id).stateful();
        select.push(
            El::new("option")
                .attr("value", "")
                .attr_if(current.is_empty(), "selected", "")
                .text(&ctx.t("queue-filter-all")),
        );
        for (value, name) in options {
            select.push(
                El::new("option")
                    .attr("value", &value)
                    .attr_if(value == current, "selected", "")
                    .text(&name),
            );
        }
        let select = ctx.change(select, move |w, value| {
            actions::filter_queue(w, index, value)
        });
        row.push(field(&ctx.t(label), select, None));
    }
    page.push(row);
}

/// One claim under review: the statement, the evidence as submitted, the
/// history, and the decision form.
pub fn review_page(ctx: &mut Ctx, page: &El, id: &str) {
    page.push(ctx.link_to("cf-back link-button", &ctx.t("back-to-queue"), Page::Queue));
    match &ctx.w.review {
        Loadable::Ready(review) if review.claim.id == id => {}
        Loadable::Failed(_) => {
            page.push(page_title(&ctx.t("review-title-unknown")));
            loading_or_failed(ctx, &ctx.w.review, page);
            return;
        }
        _ => {
            page.push(page_title(&ctx.t("review-title-unknown")));
            page.push(text("p", "cf-loading muted", &ctx.t("loading")));
            return;
        }
    }
    let Some(review) = ctx.w.review.ready().cloned() else {
        return;
    };
    let claim = &review.claim;
    page.push(page_title(&ctx.tw(
        "review-title",
        &[
            ("name", Arg::from(review.learner_name.as_str())),
            ("code", Arg::from(claim.competence.code.as_str())),
        ],
    )));
    page.push(text(
        "p",
        "cf-review-competence",
        ctx.local(&claim.competence.title),
    ));
    let mut facts = vec![status_name(ctx, &claim.status)];
    if let Some(level) = &claim.level_title {
        facts.push(ctx.tw("review-level", &[("level", Arg::from(ctx.local(level)))]));
    }
    if claim.round > 1 {
        facts.push(ctx.tw("review-round", &[("round", Arg::from(claim.round))]));
    }
    page.push(text("p", "cf-review-facts muted", &facts.join(" · ")));
    if let Some(round) = claim.rounds.iter().find(|r| r.round == claim.round) {
        page.push(text("h3", "", &ctx.t("review-statement")));
        page.push(text("blockquote", "cf-review-statement", &round.statement));
    }
    evidence_list(ctx, page, &review);
    history(ctx, page, &review);
    if review.may_decide || review.may_reconcile {
        decision_form(ctx, page, &review);
    } else {
        page.push(text(
            "p",
            "cf-review-done notice",
            &ctx.t("review-nothing-to-do"),
        ));
    }
}

fn evidence_list(ctx: &Ctx, page: &El, review: &Review) {
    let section = El::new("section")
        .class("cf-review-evidence")
        .attr("aria-labelledby", "review-evidence-title");
    section.push(
        text(
            "h3",
            "",
            &ctx.tw(
                "review-evidence",
                &[("count", Arg::from(review.evidence.len()))],
            ),
        )
        .id("review-evidence-title"),
    );
    let list = El::new("ul").class("cf-items");
    for item in &review.evidence {
        list.push(
            El::new("li").class("cf-item").child(
                El::new("article")
                    .child(text("h4", "cf-item-title", &item.title))
                    .child(item_content(ctx, item)),
            ),
        );
    }
    section.push(list);
    page.push(section);
}

/// Earlier rounds and the decisions this assessor may now see.
fn history(ctx: &Ctx, page: &El, review: &Review) {
    let decided: Vec<_> = review
        .claim
        .rounds
        .iter()
        .flat_map(|round| round.decisions.iter().map(move |d| (round.round, d)))
        .collect();
    if decided.is_empty() {
        return;
    }
    page.push(text("h3", "", &ctx.t("review-history")));
    let list = El::new("ul").class("cf-review-history");
    for (round, decision) in decided {
        let mut line = ctx.tw(
            "review-history-line",
            &[
                ("round", Arg::from(round)),
                ("name", Arg::from(decision.assessor_name.as_str())),
                ("outcome", Arg::from(outcome_name(ctx, &decision.outcome))),
            ],
        );
        if decision.reconciles {
            line.push_str(&format!(" ({})", ctx.t("review-reconciled")));
        }
        let item = El::new("li").child(text("p", "", &line));
        if !decision.feedback.is_empty() {
            item.push(text("blockquote", "", &decision.feedback));
        }
        if let Some(reason) = &decision.reason {
            item.push(text("p", "muted", reason));
        }
        list.push(item);
    }
    page.push(list);
}

fn decision_form(ctx: &mut Ctx, page: &El, review: &Review) {
    let reconcile = review.may_reconcile;
    let form = El::new("form")
        .class("cf-decision")
        .attr("novalidate", "")
        .attr("aria-labelledby", "decision-title");
    form.push(
        text(
            "h3",
            "",
            &ctx.t(if reconcile {
                "decision-title-reconcile"
            } else {
                "decision-title"
            }),
        )
        .id("decision-title"),
    );
    if reconcile {
        form.push(text("p", "cf-hint", &ctx.t("decision-reconcile-intro")));
    }
    let outcomes = El::new("fieldset").class("cf-outcomes");
    outcomes.push(text("legend", "", &ctx.t("decision-outcome")));
    for outcome in ["accepted", "more_evidence_needed", "not_yet_competent"] {
        let id = format!("outcome-{outcome}");
        outcomes.push(
            El::new("div")
                .class("cf-choice")
                .child(
                    El::new("input")
                        .attr("type", "radio")
                        .attr("name", "outcome")
                        .attr("value", outcome)
                        .id(&id),
                )
                .child(
                    El::new("label")
                        .attr("for", &id)
                        .text(&outcome_name(ctx, outcome)),
                ),
        );
    }
    form.push(outcomes);
    form.push(field(
        &ctx.t("decision-feedback"),
        El::new("textarea")
            .id("decision-feedback")
            .attr("rows", "4")
            .attr("maxlength", "4000"),
        Some(&ctx.t("decision-feedback-hint")),
    ));
    if reconcile {
        form.push(field(
            &ctx.t("decision-reason"),
            El::new("textarea")
                .id("decision-reason")
                .attr("rows", "3")
                .attr("maxlength", "4000"),
            Some(&ctx.t("decision-reason-hint")),
        ));
    }
    form.push(
        button(
            "button-primary",
            &ctx.t(if reconcile {
                "decision-save-reconcile"
            } else {
                "decision-save"
            }),
        )
        .attr("type", "submit")
        .id("decision-save"),
    );
    let id = review.claim.id.clone();
    page.push(ctx.form(form, move |w| actions::decide(w, id.clone(), reconcile)));
}
