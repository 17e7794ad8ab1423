//! GET `/lti/register`: the page an LMS opens for dynamic registration.

use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::{templates, AppState};
use crate::platforms::registration::{
    self, DynamicRegistrationError, RegistrationContext, RegistrationStart,
};

#[derive(Serialize)]
struct RegisteredPage<'a> {
    platform_name: &'a str,
    issuer: &'a str,
    client_id: &'a str,
    deployment_id: Option<&'a str>,
    asset_base: &'a str,
}

pub async fn start(
    state: web::Data<AppState>,
    query: web::Query<RegistrationStart>,
) -> Result<HttpResponse, DynamicRegistrationError> {
    let context = RegistrationContext {
        http: state.services.http(),
        signer: &state.signer,
        base_url: &state.base_url,
    };
    let registered = registration::register(&state.db, &context, &query).await?;
    let platform = &registered.platform;
    let body = templates::render(
        "registered",
        &RegisteredPage {
            platform_name: &platform.name,
            issuer: &platform.issuer,
            client_id: &platform.client_id,
            deployment_id: platform
                .deployment_ids
                .first()
                .map(crate::platforms::DeploymentId::as_str),
            asset_base: &state.base_url,
        },
    );
    // The page runs in the LMS's frame and only loads its own close script.
    Ok(super::html::page(
        actix_web::http::StatusCode::OK,
        &super::html::PagePolicy::Message,
    )
    .body(body))
}
