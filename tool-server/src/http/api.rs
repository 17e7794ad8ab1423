//! The JSON API the widget calls with its launch token.

use actix_web::{web, HttpResponse};

use super::extractors::Launched;
use super::AppState;
use crate::portfolio::{view, PortfolioError};

/// GET `/api/v1/portfolio`.
pub async fn portfolio(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PortfolioError> {
    let view = view::load(&state.db, &launched.0).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(view))
}
