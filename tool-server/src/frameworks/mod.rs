//! Competence frameworks in the 1EdTech CASE 1.0 shape: the built-in CARER+
//! and PAT frameworks, imports, and the competences a resource link covers.

pub mod case;
pub mod references;
pub mod store;

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

pub use references::CompetenceRef;

/// Text in several languages, keyed by BCP 47 tag (the xAPI LanguageMap shape).
pub type LanguageMap = BTreeMap<String, String>;

/// The frameworks shipped with Carefolio: (key, CASE package).
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "carerplus",
        include_str!("../../frameworks/carerplus.case.json"),
    ),
    ("pat", include_str!("../../frameworks/pat.case.json")),
];

#[derive(Debug, Clone, Serialize)]
pub struct FrameworkSummary {
    pub id: Uuid,
    pub key: String,
    pub title: String,
    pub language: String,
    pub levels: Vec<String>,
    pub competence_count: u64,
}

/// One competence as the rest of the product sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Competence {
    pub id: Uuid,
    pub framework_key: String,
    pub framework_title: String,
    pub code: String,
    pub item_type: String,
    pub title: LanguageMap,
    pub description: Option<LanguageMap>,
    /// The competence's IRI: its CASE `uri`, used as the xAPI activity id.
    pub iri: String,
    pub incomplete: bool,
}

impl Competence {
    /// The English title where the framework has one, else any, else the code.
    pub fn english_title(&self) -> String {
        self.title
            .get("en")
            .or_else(|| self.title.values().next())
            .cloned()
            .unwrap_or_else(|| self.code.clone())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FrameworkError {
    #[error("the CASE package is not valid: {0}")]
    InvalidPackage(String),
    #[error("a framework with key {0:?} already exists")]
    DuplicateKey(String),
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}
