//! Collections: chosen items in an order, with an introduction.

use crate::actions;
use crate::dom::{button, field, text, El};
use crate::i18n::Arg;
use crate::state::Page;

use super::{loading_or_failed, page_title, Ctx};

pub fn list_page(ctx: &mut Ctx, page: &El) {
    page.push(page_title(&ctx.t("collections-title")));
    page.push(text("p", "cf-intro", &ctx.t("collections-intro")));
    let new = ctx
        .link_to(
            "cf-primary button-primary",
            &ctx.t("collection-new"),
            Page::EditCollection(None),
        )
        .id("collection-new");
    page.push(new);
    if loading_or_failed(ctx, &ctx.w.collections, page) {
        return;
    }
    let Some(collections) = ctx.w.collections.ready() else {
        return;
    };
    if collections.is_empty() {
        page.push(text("p", "cf-empty", &ctx.t("collections-none")));
        return;
    }
    let list = El::new("ul").class("cf-collections");
    for collection in collections {
        let card = El::new("li").class("cf-card cf-collection");
        let open = ctx.link_to(
            "cf-card-title link-button",
            &collection.title,
            Page::EditCollection(Some(collection.id.clone())),
        );
        card.push(El::new("h3").child(open));
        card.push(text(
            "p",
            "muted",
            &ctx.tw(
                "collection-size",
                &[("count", Arg::from(collection.items.len()))],
            ),
        ));
        if let Some(html) = &collection.introduction_html {
            card.push(El::new("div").class("cf-reflection").sanitised_html(html));
        }
        list.push(card);
    }
    page.push(list);
}

pub fn edit_page(ctx: &mut Ctx, page: &El, id: Option<&str>) {
    page.push(ctx.link_to(
        "cf-back link-button",
        &ctx.t("back-to-collections"),
        Page::Collections,
    ));
    let existing = id.and_then(|id| {
        ctx.w
            .collections
            .ready()
            .and_then(|list| list.iter().find(|c| c.id == id))
            .cloned()
    });
    page.push(page_title(&match &existing {
        Some(c) => c.title.clone(),
        None => ctx.t("collection-new"),
    }));
    if loading_or_failed(ctx, &ctx.w.evidence, page) {
        return;
    }
    let items = ctx.w.evidence.ready().cloned().unwrap_or_default();
    let form = El::new("form").class("cf-form");
    form.push(field(
        &ctx.t("collection-name"),
        El::new("input")
            .attr("type", "text")
            .id("col-title")
            .attr("maxlength", "200")
            .attr(
                "value",
                existing.as_ref().map(|c| c.title.as_str()).unwrap_or(""),
            ),
        Some(&ctx.t("collection-name-hint")),
    ));
    form.push(field(
        &ctx.t("collection-introduction"),
        El::new("textarea").id("col-intro").attr("rows", "4").text(
            existing
                .as_ref()
                .and_then(|c| c.introduction.as_deref())
                .unwrap_or(""),
        ),
        Some(&ctx.t("collection-introduction-hint")),
    ));

    let chosen = ctx.w.draft_items.clone();
    let order = El::new("section")
        .class("cf-order")
        .attr("aria-labelledby", "order-title");
    order.push(text("h3", "", &ctx.t("collection-order")).id("order-title"));
    if chosen.is_empty() {
        order.push(text("p", "muted", &ctx.t("collection-empty")));
    }
    let ol = El::new("ol").class("cf-order-list");
    for (index, item_id) in chosen.iter().enumerate() {
        let title = items
            .iter()
            .find(|e| &e.id == item_id)
            .map(|e| e.title.clone())
            .unwrap_or_default();
        let row = El::new("li").class("cf-order-item");
        row.push(text("span", "cf-order-title", &title));
        let controls = El::new("span").class("cf-order-controls");
        if index > 0 {
            let up = button("button-small", &ctx.t("move-up"))
                .id(&format!("col-move-up-{index}"))
                .attr(
                    "aria-label",
                    &ctx.tw("move-up-named", &[("title", Arg::from(title.as_str()))]),
                );
            controls.push(ctx.click(up, move |w| actions::move_collection_item(w, index, true)));
        }
        if index + 1 < chosen.len() {
            let down = button("button-small", &ctx.t("move-down"))
                .id(&format!("col-move-down-{index}"))
                .attr(
                    "aria-label",
                    &ctx.tw("move-down-named", &[("title", Arg::from(title.as_str()))]),
                );
            controls.push(ctx.click(down, move |w| {
                actions::move_collection_item(w, index, false)
            }));
        }
        row.push(controls);
        ol.push(row);
    }
    order.push(ol);
    form.push(order);

    let pick = El::new("fieldset").class("cf-pick-items").child(text(
        "legend",
        "",
        &ctx.t("collection-pick"),
    ));
    if items.is_empty() {
        pick.push(text("p", "muted", &ctx.t("evidence-none")));
    }
    for item in &items {
        let box_id = format!("col-item-{}", item.id);
        let checkbox = El::new("input")
            .attr("type", "checkbox")
            .id(&box_id)
            .stateful()
            .attr_if(chosen.contains(&item.id), "checked", "");
        let item_id = item.id.clone();
        let checkbox = ctx.click(checkbox, move |w| {
            actions::toggle_collection_item(w, item_id.clone())
        });
        pick.push(
            El::new("div")
                .class("cf-choice")
                .child(checkbox)
                .child(El::new("label").attr("for", &box_id).text(&item.title)),
        );
    }
    form.push(pick);
    form.push(
        El::new("div").class("cf-form-actions").child(
            El::new("button")
                .attr("type", "submit")
                .class("button-primary")
                .id("save-collection")
                .text(&ctx.t("collection-save")),
        ),
    );
    let save_id = id.map(str::to_owned);
    page.push(ctx.form(form, move |w| actions::save_collection(w, save_id.clone())));
    if let Some(id) = id {
        let delete =
            button("button-danger-quiet", &ctx.t("collection-delete")).id("collection-delete");
        let id = id.to_owned();
        page.push(
            El::new("div")
                .class("cf-danger")
                .child(ctx.click(delete, move |w| actions::delete_collection(w, id.clone()))),
        );
    }
}
