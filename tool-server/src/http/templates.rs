//! Handlebars templates, compiled once and embedded in the binary.

use std::sync::LazyLock;

use handlebars::Handlebars;
use serde::Serialize;

static TEMPLATES: LazyLock<Handlebars<'static>> = LazyLock::new(|| {
    let mut registry = Handlebars::new();
    // `{{widget "boot.js"}}`: where a page links one of the widget's files.
    registry.register_helper(
        "widget",
        Box::new(
            |helper: &handlebars::Helper<'_>,
             _: &Handlebars<'_>,
             _: &handlebars::Context,
             _: &mut handlebars::RenderContext<'_, '_>,
             out: &mut dyn handlebars::Output|
             -> handlebars::HelperResult {
                let file = helper
                    .param(0)
                    .and_then(|p| p.value().as_str())
                    .unwrap_or_default();
                out.write(&super::widget::versioned_path(file))?;
                Ok(())
            },
        ),
    );
    for (name, source) in [
        ("layout", include_str!("../../templates/layout.hbs")),
        ("launch", include_str!("../../templates/launch.hbs")),
        ("error", include_str!("../../templates/error.hbs")),
        ("index", include_str!("../../templates/index.hbs")),
        (
            "deep_linking",
            include_str!("../../templates/deep_linking.hbs"),
        ),
        ("registered", include_str!("../../templates/registered.hbs")),
        ("login", include_str!("../../templates/login.hbs")),
        ("shared", include_str!("../../templates/shared.hbs")),
        (
            "badge_award",
            include_str!("../../templates/badge_award.hbs"),
        ),
        (
            "storage_check",
            include_str!("../../templates/storage_check.hbs"),
        ),
        (
            "deep_linking_return",
            include_str!("../../templates/deep_linking_return.hbs"),
        ),
    ] {
        if let Err(e) = registry.register_template_string(name, source) {
            // A broken embedded template is a build defect; tests render every one.
            tracing::error!(template = name, error = %e, "invalid template");
        }
    }
    registry
});

/// Renders a page; a rendering failure yields a minimal plain page instead.
pub fn render<T: Serialize>(name: &str, data: &T) -> String {
    TEMPLATES.render(name, data).unwrap_or_else(|e| {
        tracing::error!(template = name, error = %e, "template rendering failed");
        "<!doctype html><title>Carefolio</title><p>Carefolio could not render this page.</p>"
            .to_owned()
    })
}
