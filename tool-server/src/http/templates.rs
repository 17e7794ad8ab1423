//! Handlebars templates, compiled once and embedded in the binary.

use std::sync::LazyLock;

use handlebars::Handlebars;
use serde::Serialize;

static TEMPLATES: LazyLock<Handlebars<'static>> = LazyLock::new(|| {
    let mut registry = Handlebars::new();
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
