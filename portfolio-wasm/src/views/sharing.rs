//! Sharing: who sees what, new comments, who has looked, and what others
//! shared with this person (read, and commented on, here).

use crate::actions;
use crate::dom::{button, field, text, El};
use crate::i18n::Arg;
use crate::state::{Loadable, Page};

use super::{
    comment_line, comments_section, item_content, loading_or_failed, page_title, tag_chips, Ctx,
};

pub fn page(ctx: &mut Ctx, page: &El) {
    if ctx.w.teacher_view() {
        page.push(page_title(&ctx.t("tab-shared-with-me")));
        shared_with_me(ctx, page, false);
        return;
    }
    page.push(page_title(&ctx.t("sharing-title")));
    page.push(text("p", "cf-intro", &ctx.t("sharing-intro")));
    if let Some(url) = &ctx.w.new_link {
        page.push(
            El::new("div").class("cf-new-link notice").child(field(
                &ctx.t("share-link-label"),
                El::new("input")
                    .attr("type", "text")
                    .attr("readonly", "")
                    .id("new-link")
                    .stateful()
                    .attr("value", url),
                Some(&ctx.t("share-link-hint")),
            )),
        );
    }
    unseen_comments(ctx, page);
    share_form(ctx, page);
    current_shares(ctx, page);
    audit(ctx, page);
    shared_with_me(ctx, page, true);
}

fn share_form(ctx: &mut Ctx, page: &El) {
    let form = El::new("form")
        .class("cf-form cf-share-form")
        .attr("aria-labelledby", "share-form-title");
    form.push(text("h3", "", &ctx.t("share-new")).id("share-form-title"));
    let what = El::new("select").id("share-what");
    what.push(
        El::new("option")
            .attr("value", "")
            .text(&ctx.t("share-what-all")),
    );
    if let Some(collections) = ctx.w.collections.ready() {
        for collection in collections {
            what.push(
                El::new("option")
                    .attr("value", &collection.id)
                    .text(&ctx.tw(
                        "share-what-collection",
                        &[("title", Arg::from(collection.title.as_str()))],
                    )),
            );
        }
    }
    form.push(field(&ctx.t("share-what"), what, None));
    let whom = El::new("fieldset").child(text("legend", "", &ctx.t("share-whom")));
    for (kind, label, hint) in [
        ("person", "share-kind-person", "share-kind-person-hint"),
        ("course", "share-kind-course", "share-kind-course-hint"),
        ("link", "share-kind-link", "share-kind-link-hint"),
    ] {
        let id = format!("share-kind-{kind}");
        let hint_id = format!("{id}-hint");
        let radio = El::new("input")
            .attr("type", "radio")
            .attr("name", "share-kind")
            .id(&id)
            .attr("value", kind)
            .attr("aria-describedby", &hint_id)
            .stateful()
            .attr_if(ctx.w.draft_share_kind == kind, "checked", "");
        let radio = ctx.change(radio, |w, value| async move {
            w.borrow_mut().draft_share_kind = value;
            crate::views::render(&w);
        });
        whom.push(
            El::new("div")
                .class("cf-choice")
                .child(radio)
                .child(El::new("label").attr("for", &id).text(&ctx.t(label)))
                .child(text("p", "cf-hint", &ctx.t(hint)).id(&hint_id)),
        );
    }
    form.push(whom);
    let person = El::new("select").id("share-person");
    person.push(
        El::new("option")
            .attr("value", "")
            .text(&ctx.t("share-person-none")),
    );
    if let Some(people) = ctx.w.people.ready() {
        {
            for someone in people {
                let label = if someone.teaches {
                    ctx.tw(
                        "person-teacher",
                        &[("name", Arg::from(someone.name.as_str()))],
                    )
                } else {
                    someone.name.clone()
                };
                person.push(El::new("option").attr("value", &someone.id).text(&label));
            }
        }
    }
    if ctx.w.draft_share_kind == "person" {
        form.push(field(
            &ctx.t("share-person"),
            person,
            Some(&ctx.t("share-person-hint")),
        ));
    }
    let days = El::new("select").id("share-days");
    for (value, label) in [
        ("7", "share-days-7"),
        ("30", "share-days-30"),
        ("90", "share-days-90"),
        ("", "share-days-never"),
    ] {
        days.push(El::new("option").attr("value", value).text(&ctx.t(label)));
    }
    if ctx.w.draft_share_kind == "link" {
        form.push(field(&ctx.t("share-days"), days, None));
    }
    form.push(
        El::new("div").class("cf-form-actions").child(
            El::new("button")
                .attr("type", "submit")
                .class("button-primary")
                .id("share-save")
                .text(&ctx.t("share-save")),
        ),
    );
    page.push(ctx.form(form, actions::create_share));
}

fn current_shares(ctx: &mut Ctx, page: &El) {
    let section = El::new("section").attr("aria-labelledby", "shares-title");
    section.push(text("h3", "", &ctx.t("shares-title")).id("shares-title"));
    if loading_or_failed(ctx, &ctx.w.shares, &section) {
        page.push(section);
        return;
    }
    let shares: Vec<_> = ctx
        .w
        .shares
        .ready()
        .map(|list| {
            list.iter()
                .filter(|s| s.revoked_at.is_none())
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if shares.is_empty() {
        section.push(text("p", "cf-empty", &ctx.t("shares-none")));
    }
    let list = El::new("ul").class("cf-shares");
    for share in shares {
        let what = share
            .collection_id
            .as_ref()
            .and_then(|id| {
                ctx.w
                    .collections
                    .ready()
                    .and_then(|c| c.iter().find(|c| &c.id == id))
            })
            .map(|c| c.title.clone())
            .unwrap_or_else(|| ctx.t("share-what-all"));
        let whom = match share.kind.as_str() {
            "person" => share.person_name.clone().unwrap_or_default(),
            "course" => ctx.t("share-whom-course"),
            _ => ctx.t("share-whom-link"),
        };
        let mut line = ctx.tw(
            "share-line",
            &[
                ("whom", Arg::from(whom.as_str())),
                ("what", Arg::from(what)),
            ],
        );
        if let Some(until) = share.expires_at {
            line.push_str(&format!(
                " · {}",
                ctx.tw(
                    "share-until",
                    &[("date", Arg::from(crate::dom::when(until, ctx.lang())))]
                )
            ));
        }
        let revoke = button("button-secondary", &ctx.t("share-revoke"))
            .attr(
                "aria-label",
                &ctx.tw("share-revoke-named", &[("whom", Arg::from(whom))]),
            )
            .attr("data-share", &share.id);
        let id = share.id.clone();
        let revoke = ctx.click(revoke, move |w| actions::revoke_share(w, id.clone()));
        list.push(
            El::new("li")
                .class("cf-share")
                .attr("data-kind", &share.kind)
                .child(text("span", "", &line))
                .child(revoke),
        );
    }
    section.push(list);
    page.push(section);
}

fn unseen_comments(ctx: &mut Ctx, page: &El) {
    if ctx.w.unseen.is_empty() {
        return;
    }
    let section = El::new("section")
        .class("cf-unseen notice")
        .attr("aria-labelledby", "unseen-title");
    section.push(
        text(
            "h3",
            "",
            &ctx.tw("unseen-title", &[("count", Arg::from(ctx.w.unseen.len()))]),
        )
        .id("unseen-title"),
    );
    let list = El::new("ol").class("cf-comment-list");
    for comment in &ctx.w.unseen {
        let title = ctx
            .w
            .evidence
            .ready()
            .and_then(|items| items.iter().find(|i| i.id == comment.item_id))
            .map(|i| i.title.clone())
            .unwrap_or_default();
        let line = comment_line(ctx, comment);
        let open = ctx.link_to(
            "link-button",
            &ctx.tw("unseen-on", &[("title", Arg::from(title))]),
            Page::Item(comment.item_id.clone()),
        );
        line.push(open);
        list.push(line);
    }
    section.push(list);
    let seen = button("button-secondary", &ctx.t("comments-mark-read")).id("comments-mark-read");
    section.push(ctx.click(seen, actions::mark_comments_seen));
    page.push(section);
}

fn audit(ctx: &mut Ctx, page: &El) {
    let section = El::new("section").attr("aria-labelledby", "audit-title");
    section.push(text("h3", "", &ctx.t("audit-title")).id("audit-title"));
    section.push(text("p", "cf-hint", &ctx.t("audit-intro")));
    if loading_or_failed(ctx, &ctx.w.audit, &section) {
        page.push(section);
        return;
    }
    let lines = ctx.w.audit.ready().cloned().unwrap_or_default();
    if lines.is_empty() {
        section.push(text("p", "cf-empty", &ctx.t("audit-none")));
    }
    let list = El::new("ul").class("cf-audit");
    for line in lines.iter().take(50) {
        let who = line.reader.clone().unwrap_or_else(|| {
            ctx.t(if line.reader_kind == "link" {
                "audit-link-holder"
            } else {
                "audit-someone"
            })
        });
        let what = line.item_title.clone().unwrap_or_default();
        let action = match line.action.as_str() {
            "read_file" => "audit-read-file",
            "comment" => "audit-comment",
            _ => "audit-read-item",
        };
        list.push(text(
            "li",
            "cf-audit-line",
            &format!(
                "{} · {}",
                crate::dom::when(line.at, ctx.lang()),
                ctx.tw(
                    action,
                    &[("who", Arg::from(who)), ("what", Arg::from(what))]
                )
            ),
        ));
    }
    section.push(list);
    page.push(section);
}

fn shared_with_me(ctx: &mut Ctx, page: &El, with_heading: bool) {
    let section = El::new("section").attr("aria-labelledby", "shared-title");
    if with_heading {
        section.push(text("h3", "", &ctx.t("shared-with-me-title")).id("shared-title"));
    }
    if loading_or_failed(ctx, &ctx.w.shared_with_me, &section) {
        page.push(section);
        return;
    }
    let list = ctx.w.shared_with_me.ready().cloned().unwrap_or_default();
    if list.is_empty() {
        section.push(text("p", "cf-empty", &ctx.t("shared-with-me-none")));
    }
    let ul = El::new("ul").class("cf-shared-with-me");
    for share in list {
        let label = match &share.collection_title {
            Some(title) => ctx.tw(
                "shared-collection",
                &[
                    ("owner", Arg::from(share.owner_name.as_str())),
                    ("title", Arg::from(title.as_str())),
                ],
            ),
            None => ctx.tw(
                "shared-portfolio",
                &[("owner", Arg::from(share.owner_name.as_str()))],
            ),
        };
        let open = ctx.link_to("link-button", &label, Page::Shared(share.share_id.clone()));
        ul.push(El::new("li").child(open).child(text(
            "span",
            "muted",
            &format!(" · {}", crate::dom::when(share.created_at, ctx.lang())),
        )));
    }
    section.push(ul);
    page.push(section);
}

/// Reading what someone shared, with comments.
pub fn shared_page(ctx: &mut Ctx, page: &El, share: &str) {
    let back = ctx.link_to(
        "cf-back link-button",
        &ctx.t("back-to-shared"),
        Page::Sharing,
    );
    page.push(back);
    if loading_or_failed(ctx, &ctx.w.shared, page) {
        return;
    }
    let Some(shared) = ctx.w.shared.ready().cloned() else {
        return;
    };
    let title = match &shared.collection {
        Some(c) => c.title.clone(),
        None => ctx.tw(
            "shared-portfolio",
            &[("owner", Arg::from(shared.owner_name.as_str()))],
        ),
    };
    page.push(page_title(&title));
    page.push(text("p", "cf-hint", &ctx.t("shared-read-only")));
    if let Some(html) = shared
        .collection
        .as_ref()
        .and_then(|c| c.introduction_html.as_ref())
    {
        page.push(El::new("div").class("cf-reflection").sanitised_html(html));
    }
    if shared.items.is_empty() {
        page.push(text("p", "cf-empty", &ctx.t("shared-empty")));
    }
    let list = El::new("ul").class("cf-evidence");
    for item in &shared.items {
        let card = El::new("li").class("cf-card");
        card.push(text("h3", "", &item.title));
        card.push(tag_chips(ctx, item));
        card.push(item_content(ctx, item));
        match ctx.w.comments_of(&item.id) {
            None => {
                let show = button("button-secondary", &ctx.t("comments-show")).attr(
                    "aria-label",
                    &ctx.tw(
                        "comments-show-named",
                        &[("title", Arg::from(item.title.as_str()))],
                    ),
                );
                let (item_id, share_id) = (item.id.clone(), share.to_owned());
                card.push(ctx.click(show, move |w| {
                    actions::show_comments(w, item_id.clone(), share_id.clone())
                }));
            }
            Some(Loadable::Loading) => card.push(text("p", "muted", &ctx.t("loading"))),
            Some(_) => card.push(comments_section(
                ctx,
                &item.id,
                Some(share),
                shared.may_comment,
            )),
        }
        list.push(card);
    }
    page.push(list);
}
