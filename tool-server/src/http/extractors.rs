//! Who is calling: extractors that authenticate before a handler runs.

use std::future::Future;
use std::future::{ready, Ready};
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use super::AppState;
use crate::portfolio::session::{self, LaunchSession, Teaching};
use crate::portfolio::PortfolioError;
use crate::roster::RosterError;

fn state(req: &HttpRequest) -> Option<AppState> {
    req.app_data::<web::Data<AppState>>()
        .map(|data| data.get_ref().clone())
}

fn authorization(req: &HttpRequest, scheme: &str) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given, credentials) = value.split_once(' ')?;
    given
        .eq_ignore_ascii_case(scheme)
        .then(|| credentials.trim().to_owned())
}

/// The learner (or teacher) the widget acts for, from the launch token.
pub struct Launched(pub LaunchSession);

impl FromRequest for Launched {
    type Error = PortfolioError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let launched = || {
            let state = state(req).ok_or(PortfolioError::Unauthenticated)?;
            let token = authorization(req, "Bearer").ok_or(PortfolioError::Unauthenticated)?;
            Ok(Launched(session::authenticate(&state.signer, &token)?))
        };
        ready(launched())
    }
}

/// A teacher of the launch's course: the launch token of a session whose
/// roles include a teaching one. Others get 403 `not_an_assessor`.
pub struct Teacher(pub Teaching);

impl FromRequest for Teacher {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let teacher = match Launched::from_request(req, payload).into_inner() {
            Ok(Launched(session)) => session
                .into_teaching()
                .map(Teacher)
                .map_err(|_| RosterError::NotAnAssessor.into()),
            Err(e) => Err(e.into()),
        };
        ready(teacher)
    }
}

/// An administrator, from a token made by `carefolio admin-token add`.
/// Checked against the database on every request.
pub struct Admin(pub crate::admin::Administrator);

impl FromRequest for Admin {
    type Error = super::admin::AdminError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = state(req);
        let token = authorization(req, "Bearer");
        Box::pin(async move {
            let state = state.ok_or(super::admin::AdminError::Unauthenticated)?;
            let token = token.ok_or(super::admin::AdminError::Unauthenticated)?;
            crate::admin::authenticate(&state.db, &token)
                .await?
                .map(Admin)
                .ok_or(super::admin::AdminError::Unauthenticated)
        })
    }
}
