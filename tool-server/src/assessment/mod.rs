//! Assessment: learners claim competences with evidence; the assessors of
//! the course decide, independently when the course asks for several
//! decisions, and its lead assessor reconciles decisions that disagree.
//!
//! Who may assess is a capability of a person in a course (`course`),
//! never a role string compared in a handler: a course's LTI teachers
//! have it, and so does anyone an instructor names.

pub mod claims;
pub mod course;
pub mod review;
mod statements;

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum AssessmentError {
    #[error("no such claim")]
    NotFound,
    #[error("{0}")]
    NotAllowed(&'static str),
    #[error("{field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
    /// The claim is not in a state that allows this.
    #[error("{0}")]
    Conflict(String),
    #[error("this launch is not from a course")]
    NoCourse,
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
}

impl AssessmentError {
    pub fn invalid(field: &'static str, problem: impl Into<String>) -> AssessmentError {
        AssessmentError::Invalid {
            field,
            problem: problem.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AssessmentError::NotFound => "claim_not_found",
            AssessmentError::NotAllowed(_) => "forbidden",
            AssessmentError::Invalid { .. } => "invalid",
            AssessmentError::Conflict(_) => "claim_state",
            AssessmentError::NoCourse => "no_course",
            AssessmentError::Database(_) => "internal_error",
        }
    }
}

/// Where a claim stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
    InReview,
    Accepted,
    MoreEvidenceNeeded,
    NotYetCompetent,
    Withdrawn,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::InReview => "in_review",
            Status::Accepted => "accepted",
            Status::MoreEvidenceNeeded => "more_evidence_needed",
            Status::NotYetCompetent => "not_yet_competent",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Some(match text {
            "draft" => Status::Draft,
            "submitted" => Status::Submitted,
            "in_review" => Status::InReview,
            "accepted" => Status::Accepted,
            "more_evidence_needed" => Status::MoreEvidenceNeeded,
            "not_yet_competent" => Status::NotYetCompetent,
            "withdrawn" => Status::Withdrawn,
            _ => return None,
        })
    }

    /// Waiting for assessors.
    pub fn under_review(self) -> bool {
        matches!(self, Status::Submitted | Status::InReview)
    }
}

/// What an assessor decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Accepted,
    MoreEvidenceNeeded,
    NotYetCompetent,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        self.status().as_str()
    }

    pub fn status(self) -> Status {
        match self {
            Outcome::Accepted => Status::Accepted,
            Outcome::MoreEvidenceNeeded => Status::MoreEvidenceNeeded,
            Outcome::NotYetCompetent => Status::NotYetCompetent,
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        match Status::parse(text)? {
            Status::Accepted => Some(Outcome::Accepted),
            Status::MoreEvidenceNeeded => Some(Outcome::MoreEvidenceNeeded),
            Status::NotYetCompetent => Some(Outcome::NotYetCompetent),
            _ => None,
        }
    }
}

/// The longest statement or feedback kept.
pub const MAX_TEXT: usize = 10_000;

/// A learner's or assessor's text, trimmed, or refused naming `field` when
/// longer than [`MAX_TEXT`].
pub(crate) fn bounded_text(field: &'static str, text: &str) -> Result<String, AssessmentError> {
    if text.chars().count() > MAX_TEXT {
        return Err(AssessmentError::invalid(
            field,
            format!("at most {MAX_TEXT} characters"),
        ));
    }
    Ok(text.trim().to_owned())
}
/// The most evidence items one claim may cite.
pub const MAX_EVIDENCE: usize = 50;
