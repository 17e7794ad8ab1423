//! The JSON API the widget calls with its launch token.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::extractors::{Launched, Teacher};
use super::AppState;
use crate::portfolio::{view, PortfolioError};
use crate::roster::{self, Refresh, RosterAccess, RosterError};

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

#[derive(Deserialize)]
pub struct LearnersQuery {
    /// `true` fetches the roster from the platform even when it is fresh.
    #[serde(default)]
    refresh: bool,
}

/// GET `/api/v1/learners`: the learners of the launch's course, for its instructors.
pub async fn learners(
    teacher: Teacher,
    state: web::Data<AppState>,
    query: web::Query<LearnersQuery>,
) -> Result<HttpResponse, RosterError> {
    let service = RosterAccess {
        services: &state.services,
        key: &state.tool_key,
        refreshes: &state.roster_refreshes,
    };
    let refresh = if query.refresh {
        Refresh::Now
    } else {
        Refresh::IfStale
    };
    let list = roster::learners_of(&state.db, &service, &teacher.0, refresh).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(list))
}
