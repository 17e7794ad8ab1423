//! The widget's files (wasm-bindgen output plus the page scripts), held in
//! memory with a gzip copy and an ETag each. Pages link them under a
//! version path (`/widget/<version>/boot.js`) that changes whenever any of
//! them does, so browsers may keep them for a year; the plain
//! `/widget/<file>` paths answer too, revalidated by ETag.

use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::AppState;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_widget.rs"));
}

const JS: &str = "text/javascript; charset=utf-8";
const PAGE_SCRIPTS: &[(&str, &str)] = &[
    ("boot.js", include_str!("../../static/boot.js")),
    ("picker.js", include_str!("../../static/picker.js")),
    ("autosubmit.js", include_str!("../../static/autosubmit.js")),
    (
        "registration-close.js",
        include_str!("../../static/registration-close.js"),
    ),
    ("login.js", include_str!("../../static/login.js")),
    (
        "storage-check.js",
        include_str!("../../static/storage-check.js"),
    ),
    (
        "platform-storage.js",
        include_str!("../../static/platform-storage.js"),
    ),
];

const STYLES: &[(&str, &str)] = &[("widget.css", include_str!("../../static/widget.css"))];

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: web::Bytes,
    gzip: Option<web::Bytes>,
    etag: String,
}

impl Asset {
    fn new(name: &'static str, content_type: &'static str, body: Vec<u8>) -> Asset {
        let etag = format!("\"{}\"", hex(&Sha256::digest(&body)[..12]));
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let gzip = encoder
            .write_all(&body)
            .and_then(|()| encoder.finish())
            .ok()
            // Only worth it when it saves something.
            .filter(|zipped| zipped.len() + 64 < body.len())
            .map(web::Bytes::from);
        Asset {
            name,
            content_type,
            body: web::Bytes::from(body),
            gzip,
            etag,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `server.widget_dir` names a folder without the widget.
#[derive(Debug, thiserror::Error)]
#[error("server.widget_dir {0:?} holds no portfolio widget (portfolio_wasm.js and portfolio_wasm_bg.wasm): build it there with scripts/build-widget.sh, or leave widget_dir unset to serve the widget built into the binary")]
pub struct WidgetMissing(String);

pub struct WidgetAssets {
    assets: Vec<Asset>,
    widget_available: bool,
    version: String,
}

/// The version of the files the first loaded set of assets serves, for
/// templates (the `widget` helper). Every instance built from one binary
/// and one widget has the same.
static VERSION: OnceLock<String> = OnceLock::new();

/// Where pages link a widget file: `/widget/<version>/<file>`.
pub fn versioned_path(file: &str) -> String {
    format!(
        "/widget/{}/{file}",
        VERSION.get().map_or("current", String::as_str)
    )
}

impl WidgetAssets {
    /// The widget from `dir` when given (which must hold it), else the one
    /// built into the binary (without which pages show a summary only).
    pub fn load(dir: Option<&Path>) -> Result<WidgetAssets, WidgetMissing> {
        let (js, wasm, origin) = match dir {
            Some(dir) => (
                std::fs::read(dir.join("portfolio_wasm.js")).ok(),
                std::fs::read(dir.join("portfolio_wasm_bg.wasm")).ok(),
                dir.display().to_string(),
            ),
            None => (
                embedded::JS.map(<[u8]>::to_vec),
                embedded::WASM.map(<[u8]>::to_vec),
                "the binary".to_owned(),
            ),
        };
        let widget_available = js.is_some() && wasm.is_some();
        if let (Some(dir), false) = (dir, widget_available) {
            return Err(WidgetMissing(dir.display().to_string()));
        }
        if !widget_available {
            tracing::warn!(
                from = %origin,
                "the portfolio widget is missing; launch pages will show a summary only. Build it with scripts/build-widget.sh, then build the server again (or set server.widget_dir to its folder)"
            );
        }
        let mut assets: Vec<Asset> = PAGE_SCRIPTS
            .iter()
            .map(|(name, source)| Asset::new(name, JS, source.as_bytes().to_vec()))
            .chain(STYLES.iter().map(|(name, source)| {
                Asset::new(name, "text/css; charset=utf-8", source.as_bytes().to_vec())
            }))
            .collect();
        if let (Some(js), Some(wasm)) = (js, wasm) {
            assets.push(Asset::new("portfolio_wasm.js", JS, js));
            assets.push(Asset::new(
                "portfolio_wasm_bg.wasm",
                "application/wasm",
                wasm,
            ));
        }
        let mut hasher = Sha256::new();
        for asset in &assets {
            hasher.update(asset.etag.as_bytes());
        }
        let version = hex(&hasher.finalize()[..8]);
        let _ = VERSION.set(version.clone());
        Ok(WidgetAssets {
            assets,
            widget_available,
            version,
        })
    }

    pub fn is_available(&self) -> bool {
        self.widget_available
    }

    fn serve(&self, req: &HttpRequest, file: &str, immutable: bool) -> HttpResponse {
        let Some(asset) = self.assets.iter().find(|a| a.name == file) else {
            return super::errors::problem(
                actix_web::http::StatusCode::NOT_FOUND,
                "not_found",
                "No such widget file.",
            );
        };
        let cache = if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        let header_value = |name| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        };
        if header_value(header::IF_NONE_MATCH)
            .split(',')
            .any(|tag| tag.trim() == asset.etag)
        {
            return HttpResponse::NotModified()
                .insert_header((header::ETAG, asset.etag.clone()))
                .insert_header((header::CACHE_CONTROL, cache))
                .finish();
        }
        let mut response = HttpResponse::Ok();
        response
            .insert_header((header::CONTENT_TYPE, asset.content_type))
            .insert_header((header::ETAG, asset.etag.clone()))
            .insert_header((header::CACHE_CONTROL, cache))
            .insert_header((header::VARY, "Accept-Encoding"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
        let accepts_gzip = header_value(header::ACCEPT_ENCODING)
            .split(',')
            .any(|coding| coding.split(';').next().unwrap_or("").trim() == "gzip");
        match (&asset.gzip, accepts_gzip) {
            (Some(gzip), true) => response
                .insert_header((header::CONTENT_ENCODING, "gzip"))
                .body(gzip.clone()),
            _ => response.body(asset.body.clone()),
        }
    }
}

/// GET `/widget/{file}`: revalidated on every use.
pub async fn asset(
    req: HttpRequest,
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> HttpResponse {
    state.widget.serve(&req, &file, false)
}

/// GET `/widget/{version}/{file}`: kept for a year when the version is the
/// one this server serves.
pub async fn versioned_asset(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (version, file) = path.into_inner();
    let current = version == state.widget.version;
    state.widget.serve(&req, &file, current)
}
