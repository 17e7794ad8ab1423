//! The widget's files (wasm-bindgen output plus the boot script), read once
//! at start and served from memory.

use std::path::Path;

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use super::AppState;

const BOOT_JS: &str = include_str!("../../static/boot.js");
const PICKER_JS: &str = include_str!("../../static/picker.js");
const AUTOSUBMIT_JS: &str = include_str!("../../static/autosubmit.js");
const REGISTRATION_CLOSE_JS: &str = include_str!("../../static/registration-close.js");
const LOGIN_JS: &str = include_str!("../../static/login.js");
const PLATFORM_STORAGE_JS: &str = include_str!("../../static/platform-storage.js");

pub struct WidgetAssets {
    js: Option<Vec<u8>>,
    wasm: Option<Vec<u8>>,
}

impl WidgetAssets {
    pub fn load(dir: &Path) -> WidgetAssets {
        let read = |name: &str| std::fs::read(dir.join(name)).ok();
        let assets = WidgetAssets {
            js: read("portfolio_wasm.js"),
            wasm: read("portfolio_wasm_bg.wasm"),
        };
        if !assets.is_available() {
            tracing::warn!(
                dir = %dir.display(),
                "the portfolio widget is not built there; launch pages will say so (build it with scripts/build-widget.sh)"
            );
        }
        assets
    }

    pub fn is_available(&self) -> bool {
        self.js.is_some() && self.wasm.is_some()
    }
}

/// GET `/widget/{file}`.
pub async fn asset(state: web::Data<AppState>, file: web::Path<String>) -> HttpResponse {
    let (body, content_type) = match file.as_str() {
        "boot.js" => (
            Some(BOOT_JS.as_bytes().to_vec()),
            "text/javascript; charset=utf-8",
        ),
        "picker.js" => (
            Some(PICKER_JS.as_bytes().to_vec()),
            "text/javascript; charset=utf-8",
        ),
        "autosubmit.js" => (
            Some(AUTOSUBMIT_JS.as_bytes().to_vec()),
            "text/javascript; charset=utf-8",
        ),
        "login.js" => (
            Some(LOGIN_JS.as_bytes().to_vec()),
            "text/javascript; charset=utf-8",
        ),
        "platform-storage.js" => (
            Some(PLATFORM_STORAGE_JS.as_bytes().to_vec()),
            "text/javascript; charset=utf-8",
        ),
        "registration-close.js" => (
            Some(REGISTRATION_CLOSE_JS.as_bytes().to_vec()),
            "text/javascript; charset=utf-8",
        ),
        "portfolio_wasm.js" => (state.widget.js.clone(), "text/javascript; charset=utf-8"),
        "portfolio_wasm_bg.wasm" => (state.widget.wasm.clone(), "application/wasm"),
        _ => (None, ""),
    };
    match body {
        Some(body) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, content_type))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(body),
        None => super::errors::problem(
            actix_web::http::StatusCode::NOT_FOUND,
            "not_found",
            "No such widget file (is the widget built?).",
        ),
    }
}
