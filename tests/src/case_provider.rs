//! A CASE 1.0 provider for tests: serves the packages a test hands it at
//! `/ims/case/v1p0/CFPackages/{identifier}`, and whatever else a test
//! wants a provider to answer (a redirect, an error, an endless body).

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};

/// Package identifier → (status, body) to answer.
type Packages = HashMap<String, (u16, Vec<u8>)>;

#[derive(Clone)]
pub struct CaseProvider {
    pub base: String,
    packages: Arc<Mutex<Packages>>,
    requests: Arc<Mutex<usize>>,
}

impl CaseProvider {
    pub fn start() -> CaseProvider {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let provider = CaseProvider {
            base: format!("http://127.0.0.1:{port}"),
            packages: Arc::default(),
            requests: Arc::default(),
        };
        let data = web::Data::new(provider.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/ims/case/v1p0/CFPackages/{id}", web::get().to(package))
                .route(
                    "/elsewhere/ims/case/v1p0/CFPackages/{id}",
                    web::get().to(redirect),
                )
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        actix_web::rt::spawn(server);
        provider
    }

    /// Serves `body` with `status` for the package `identifier`; returns its URL.
    pub fn serve(&self, identifier: &str, status: u16, body: Vec<u8>) -> String {
        self.packages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(identifier.to_owned(), (status, body));
        format!("{}/ims/case/v1p0/CFPackages/{identifier}", self.base)
    }

    /// A URL that redirects to the package `identifier`.
    pub fn redirecting_url(&self, identifier: &str) -> String {
        format!(
            "{}/elsewhere/ims/case/v1p0/CFPackages/{identifier}",
            self.base
        )
    }

    pub fn requests(&self) -> usize {
        *self.requests.lock().unwrap_or_else(|p| p.into_inner())
    }
}

async fn package(provider: web::Data<CaseProvider>, id: web::Path<String>) -> HttpResponse {
    *provider.requests.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    let found = provider
        .packages
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(id.as_str())
        .cloned();
    match found {
        Some((status, body)) => HttpResponse::build(
            actix_web::http::StatusCode::from_u16(status).unwrap_or_default(),
        )
        .content_type("application/json")
        .body(body),
        None => HttpResponse::NotFound()
            .content_type("application/json")
            .body(r#"{"imsx_codeMajor":"failure","imsx_severity":"error","imsx_description":"no such package"}"#),
    }
}

async fn redirect(id: web::Path<String>) -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("location", format!("/ims/case/v1p0/CFPackages/{id}")))
        .finish()
}
