//! Proficiency badges: classes of achievement defined on a framework node
//! (a competence at a level, or all or N of an area's competences), awarded
//! automatically when an accepted claim completes them or by a course's
//! lead assessor, and revoked with a reason.

pub mod awards;
pub mod classes;
pub mod image;
pub mod openbadges2;
pub mod openbadges3;
pub mod png;

#[derive(Debug, thiserror::Error)]
pub enum BadgeError {
    #[error("no such badge")]
    NotFound,
    #[error("{0}")]
    NotAllowed(&'static str),
    #[error("{field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("cannot sign the credential: {0}")]
    Signing(String),
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
}

impl BadgeError {
    pub fn invalid(field: &'static str, problem: impl Into<String>) -> BadgeError {
        BadgeError::Invalid {
            field,
            problem: problem.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            BadgeError::NotFound => "badge_not_found",
            BadgeError::NotAllowed(_) => "forbidden",
            BadgeError::Invalid { .. } => "invalid",
            BadgeError::Conflict(_) => "badge_state",
            BadgeError::Database(_) | BadgeError::Signing(_) => "internal_error",
        }
    }
}
