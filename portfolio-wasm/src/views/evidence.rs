//! The learner's evidence: the list, adding an item (file, writing, link)
//! and one item with its competences, comments and deletion.

use wasm_bindgen::JsCast;

use crate::actions;
use crate::dom::{button, field, text, El};
use crate::i18n::Arg;
use crate::state::Page;

use super::{
    comments_section, item_content, kind_name, loading_or_failed, page_title, tag_chips,
    tags_editor, Ctx,
};

pub fn list_page(ctx: &mut Ctx, page: &El) {
    page.push(page_title(&ctx.t("evidence-title")));
    let add = button("cf-primary button-primary", &ctx.t("add-evidence"));
    page.push(ctx.click(add.id("add-evidence"), |w| {
        actions::add_evidence_for(w, None)
    }));
    if loading_or_failed(ctx, &ctx.w.evidence, page) {
        return;
    }
    let Some(items) = ctx.w.evidence.ready() else {
        return;
    };
    if items.is_empty() {
        page.push(text("p", "cf-empty", &ctx.t("evidence-none")));
    } else {
        page.push(text(
            "p",
            "muted",
            &ctx.tw("evidence-total", &[("count", Arg::from(items.len()))]),
        ));
        let list = El::new("ul").class("cf-evidence");
        for item in items {
            let card = El::new("li").class("cf-card").attr("data-kind", &item.kind);
            let open = ctx
                .link_to(
                    "cf-card-title link-button",
                    &item.title,
                    Page::Item(item.id.clone()),
                )
                .id(&format!("item-{}", item.id));
            card.push(El::new("h3").child(open));
            let meta = format!(
                "{} · {}",
                kind_name(ctx, &item.kind),
                crate::dom::when(item.created_at, ctx.lang())
            );
            card.push(text("p", "cf-card-meta muted", &meta));
            if item.tags.is_empty() {
                card.push(text("p", "cf-untagged", &ctx.t("untagged")));
            } else {
                card.push(tag_chips(ctx, item));
            }
            if item.describes_care_recipient {
                card.push(text("p", "cf-care-flag", &ctx.t("care-flag")));
            }
            list.push(card);
        }
        page.push(list);
    }
    let export = El::new("section")
        .class("cf-export")
        .attr("aria-labelledby", "export-title");
    export.push(text("h3", "", &ctx.t("export-title")).id("export-title"));
    export.push(text("p", "cf-hint", &ctx.t("export-intro")));
    let download = button("button-secondary", &ctx.t("export-button")).id("export-button");
    export.push(ctx.click(download, actions::download_export));
    page.push(export);
}

pub fn add_page(ctx: &mut Ctx, page: &El) {
    page.push(ctx.link_to(
        "cf-back link-button",
        &ctx.t("back-to-evidence"),
        Page::Evidence,
    ));
    page.push(page_title(&ctx.t("add-title")));
    let form = El::new("form").class("cf-form").attr("novalidate", "");
    let kinds =
        El::new("fieldset")
            .class("cf-kinds")
            .child(text("legend", "", &ctx.t("add-kind-legend")));
    for (kind, label) in [
        ("file", "add-kind-file"),
        ("reflection", "add-kind-reflection"),
        ("link", "add-kind-link"),
    ] {
        let id = format!("kind-{kind}");
        let radio = El::new("input")
            .attr("type", "radio")
            .attr("name", "kind")
            .id(&id)
            .attr("value", kind)
            .stateful()
            .attr_if(ctx.w.draft_kind == kind, "checked", "");
        let radio = ctx.change(radio, |w, value| async move {
            w.borrow_mut().draft_kind = value;
            crate::views::render(&w);
        });
        kinds.push(
            El::new("div")
                .class("cf-choice")
                .child(radio)
                .child(El::new("label").attr("for", &id).text(&ctx.t(label))),
        );
    }
    form.push(kinds);
    let kind = ctx.w.draft_kind.clone();
    match kind.as_str() {
        "file" => form.push(drop_zone(ctx)),
        "link" => form.push(field(
            &ctx.t("add-url"),
            El::new("input")
                .attr("type", "url")
                .id("new-url")
                .attr("inputmode", "url")
                .attr("placeholder", "https://")
                .attr("maxlength", "2000"),
            None,
        )),
        _ => form.push(field(
            &ctx.t("add-body"),
            El::new("textarea")
                .id("new-body")
                .attr("rows", "8")
                .attr("maxlength", "20000"),
            Some(&ctx.t("add-body-hint")),
        )),
    }
    form.push(field(
        &ctx.t("add-name"),
        El::new("input")
            .attr("type", "text")
            .id("new-title")
            .attr("maxlength", "200")
            .attr("autocomplete", "off"),
        Some(&ctx.t(if kind == "file" {
            "add-name-hint-file"
        } else {
            "add-name-hint"
        })),
    ));
    form.push(tags_editor(ctx));
    form.push(care_checkbox(ctx, "new-care", false));
    if let Some(upload) = &ctx.w.upload {
        let percent = upload.percent();
        form.push(
            El::new("div")
                .class("cf-upload")
                .child(
                    text(
                        "p",
                        "",
                        &ctx.tw(
                            "upload-progress",
                            &[
                                ("name", Arg::from(upload.name.as_str())),
                                ("percent", Arg::Number(percent)),
                            ],
                        ),
                    )
                    .id("upload-text")
                    .attr("aria-live", "polite"),
                )
                .child(
                    El::new("progress")
                        .id("upload-progress")
                        .attr("max", "100")
                        .attr("value", &percent.to_string())
                        .attr("aria-labelledby", "upload-text"),
                ),
        );
    }
    let busy = ctx.w.upload.is_some();
    form.push(
        El::new("div").class("cf-form-actions").child(
            El::new("button")
                .attr("type", "submit")
                .class("button-primary")
                .id("save-evidence")
                .attr_if(busy, "disabled", "")
                .text(&ctx.t("add-save")),
        ),
    );
    page.push(ctx.form(form, actions::save_new));
}

/// The file picker, inside an area that also takes a dropped file.
fn drop_zone(ctx: &mut Ctx) -> El {
    let input = El::new("input").attr("type", "file").id("new-file");
    let input = ctx.change(input, |w, _| actions::choose_file(w, None));
    let zone = El::new("div")
        .class("cf-drop")
        .id("drop-zone")
        .child(text("p", "cf-drop-text", &ctx.t("drop-text")))
        .child(field(
            &ctx.t("drop-choose"),
            input,
            Some(&ctx.t("drop-hint")),
        ));
    if let Some(file) = &ctx.w.draft_file {
        zone.push(
            text(
                "p",
                "cf-chosen-file",
                &ctx.tw(
                    "drop-chosen",
                    &[
                        ("name", Arg::from(file.name())),
                        ("size", Arg::from(crate::dom::size(file.size() as i64))),
                    ],
                ),
            )
            .id("chosen-file"),
        );
    }
    let zone = zone.on(&mut ctx.listeners, "dragover", |event| {
        event.prevent_default();
        if let Some(target) = event
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let _ = target.class_list().add_1("cf-drop-over");
        }
    });
    let zone = zone.on(&mut ctx.listeners, "dragleave", |event| {
        if let Some(target) = event
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let _ = target.class_list().remove_1("cf-drop-over");
        }
    });
    let shared = ctx.shared.clone();
    zone.on(&mut ctx.listeners, "drop", move |event| {
        event.prevent_default();
        let file = event
            .dyn_ref::<web_sys::DragEvent>()
            .and_then(|e| e.data_transfer())
            .and_then(|d| d.files())
            .and_then(|files| files.get(0));
        if let Some(file) = file {
            actions::spawn(actions::choose_file(shared.clone(), Some(file)));
        }
    })
}

fn care_checkbox(ctx: &Ctx, id: &str, checked: bool) -> El {
    let hint_id = format!("{id}-hint");
    El::new("div")
        .class("cf-choice cf-care")
        .child(
            El::new("input")
                .attr("type", "checkbox")
                .id(id)
                .attr("aria-describedby", &hint_id)
                .attr_if(checked, "checked", ""),
        )
        .child(El::new("label").attr("for", id).text(&ctx.t("care-label")))
        .child(text("p", "cf-hint", &ctx.t("care-hint")).id(&hint_id))
}

pub fn item_page(ctx: &mut Ctx, page: &El, id: &str) {
    page.push(ctx.link_to(
        "cf-back link-button",
        &ctx.t("back-to-evidence"),
        Page::Evidence,
    ));
    let Some(item) = ctx
        .w
        .evidence
        .ready()
        .and_then(|list| list.iter().find(|e| e.id == id))
        .cloned()
    else {
        page.push(page_title(&ctx.t("item-missing")));
        return;
    };
    page.push(page_title(&item.title));
    page.push(text(
        "p",
        "cf-card-meta muted",
        &format!(
            "{} · {}",
            kind_name(ctx, &item.kind),
            crate::dom::when(item.created_at, ctx.lang())
        ),
    ));
    page.push(item_content(ctx, &item));

    let form = El::new("form").class("cf-form cf-edit");
    form.push(text("h3", "", &ctx.t("item-edit-title")));
    form.push(field(
        &ctx.t("add-name"),
        El::new("input")
            .attr("type", "text")
            .id("edit-title")
            .attr("maxlength", "200")
            .attr("value", &item.title),
        None,
    ));
    // What the learner writes about it: the reflection itself, or a note
    // on a record of what an activity reported.
    if item.kind == "reflection" || item.kind == "activity" {
        form.push(field(
            &ctx.t("add-body"),
            El::new("textarea")
                .id("edit-body")
                .attr("rows", "6")
                .attr("maxlength", "20000")
                .text(item.body.as_deref().unwrap_or_default()),
            Some(&ctx.t("add-body-hint")),
        ));
    }
    form.push(tags_editor(ctx));
    form.push(care_checkbox(
        ctx,
        "edit-care",
        item.describes_care_recipient,
    ));
    form.push(
        El::new("div").class("cf-form-actions").child(
            El::new("button")
                .attr("type", "submit")
                .class("button-primary")
                .id("save-item")
                .text(&ctx.t("item-save")),
        ),
    );
    let item_id = item.id.clone();
    page.push(ctx.form(form, move |w| actions::save_item(w, item_id.clone())));

    page.push(comments_section(ctx, &item.id, None, true));

    let danger = El::new("div").class("cf-danger");
    if ctx.w.confirm_delete.as_deref() == Some(item.id.as_str()) {
        danger.push(text("p", "", &ctx.t("delete-confirm")).attr("role", "alert"));
        let yes = button("button-danger", &ctx.t("delete-yes")).id("delete-yes");
        let item_id = item.id.clone();
        danger.push(ctx.click(yes, move |w| actions::delete_item(w, item_id.clone())));
        let no = button("button-secondary", &ctx.t("delete-no"));
        danger.push(ctx.click(no, |w| actions::confirm_delete(w, None)));
    } else {
        let delete = button("button-danger-quiet", &ctx.t("delete-item")).id("delete-item");
        let item_id = item.id.clone();
        danger.push(ctx.click(delete, move |w| {
            actions::confirm_delete(w, Some(item_id.clone()))
        }));
    }
    page.push(danger);
}
