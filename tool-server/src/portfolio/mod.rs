//! The learner's portfolio: what a launch records, the widget's session,
//! and the view the widget renders.

pub mod access;
pub mod candidates;
pub mod collections;
pub mod evidence;
pub mod export;
pub mod import;
pub mod known;
pub mod launch;
pub mod leap2a;
pub mod map;
pub mod session;
pub mod sharing;
pub mod site;
pub mod view;

#[derive(Debug, thiserror::Error)]
pub enum PortfolioError {
    #[error("a valid launch token is required (Authorization: Bearer …)")]
    Unauthenticated,
    #[error("the launch token has expired; open the activity again from your course")]
    SessionExpired,
    #[error("no such statement among yours")]
    StatementNotFound,
    #[error("this activity opens no learning activity of its own")]
    NoActivity,
    #[error(transparent)]
    Lti(#[from] crate::lti::LtiError),
    #[error(transparent)]
    Framework(#[from] crate::frameworks::FrameworkError),
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Sealing(#[from] crate::signing::SealError),
}

impl PortfolioError {
    pub fn code(&self) -> &'static str {
        match self {
            PortfolioError::Unauthenticated => "unauthenticated",
            PortfolioError::SessionExpired => "session_expired",
            PortfolioError::StatementNotFound => "statement_not_found",
            PortfolioError::NoActivity => "no_activity",
            PortfolioError::Lti(e) => e.code(),
            PortfolioError::Framework(_)
            | PortfolioError::Database(_)
            | PortfolioError::Sealing(_) => "internal_error",
        }
    }
}
