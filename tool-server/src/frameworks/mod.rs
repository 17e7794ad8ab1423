//! Competence frameworks: the built-in CARER+ and PAT frameworks, imports
//! and exports in 1EdTech CASE 1.0 JSON and Moodle's competency CSV (from
//! a file or a CASE provider's URL), versions, and the competences a
//! resource link covers.

pub mod case;
pub mod model;
pub mod moodle_csv;
pub mod references;
pub mod remote;
pub mod store;
pub mod versions;

use std::collections::BTreeMap;

use sea_orm::TransactionTrait;
use serde::Serialize;
use uuid::Uuid;

pub use references::CompetenceRef;
pub use versions::{ImportReport, RetiredItem};

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

/// The largest framework document read, from a file, a request or a URL.
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FrameworkSummary {
    pub id: Uuid,
    pub key: String,
    pub title: String,
    pub language: String,
    pub levels: Vec<String>,
    pub competence_count: u64,
}

/// One competence as the rest of the product sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
    /// Left out of the framework's current version; what is tied to it stays.
    pub retired: bool,
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

/// The formats frameworks are imported from and exported to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// 1EdTech CASE 1.0 JSON (CFPackage); the 1.1 shape is read too.
    Case,
    /// Moodle's competency framework CSV (`tool_lpimportcsv`).
    MoodleCsv,
}

impl Format {
    pub fn parse(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "case" | "json" => Some(Format::Case),
            "moodle-csv" | "moodle" | "csv" => Some(Format::MoodleCsv),
            _ => None,
        }
    }

    /// A JSON document is CASE; anything else is taken for Moodle's CSV.
    pub fn detect(document: &[u8]) -> Format {
        let start = document.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(document);
        match start.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Format::Case,
            _ => Format::MoodleCsv,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Case => "application/json",
            Format::MoodleCsv => "text/csv; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Case => "case.json",
            Format::MoodleCsv => "moodle.csv",
        }
    }
}

/// How to import a document.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The key to store it under; by default the key it already has, or
    /// one made from its title (CASE) or ID number (Moodle).
    pub key: Option<String>,
    /// The language of a Moodle CSV's texts (default `en`).
    pub language: Option<String>,
    /// Where the document came from: a file name or a URL.
    pub source: String,
}

/// Reads and saves a framework document; nothing is stored unless all of
/// it is valid.
pub async fn import<C: TransactionTrait + sea_orm::ConnectionTrait>(
    db: &C,
    document: &[u8],
    format: Format,
    options: ImportOptions,
) -> Result<ImportReport, FrameworkError> {
    if document.len() > MAX_DOCUMENT_BYTES {
        return Err(FrameworkError::TooLarge);
    }
    let text = std::str::from_utf8(document).map_err(|e| {
        FrameworkError::Invalid(model::Invalid::new(
            format!("byte {}", e.valid_up_to()),
            "the document is not UTF-8 text",
        ))
    })?;
    let (framework, key) = match format {
        Format::Case => (case::read(document)?, options.key),
        Format::MoodleCsv => {
            let key = match options.key {
                Some(key) => key,
                None => match moodle_csv::id_number(document) {
                    Some(id) => model::key_from_title(&id),
                    // Reading it names what is wrong more precisely.
                    None => {
                        let language = options.language.as_deref().unwrap_or("en");
                        return Err(moodle_csv::read(document, language, &moodle_csv::Derived)
                            .err()
                            .unwrap_or_else(|| {
                                model::Invalid::new("file", "no framework row with an ID number")
                            })
                            .into());
                    }
                },
            };
            let stored = match versions::load(db, &key).await {
                Ok(stored) => Some(stored),
                Err(FrameworkError::NotFound(_)) => None,
                Err(e) => return Err(e),
            };
            let language = options
                .language
                .or_else(|| stored.as_ref().map(|s| s.language.clone()))
                .unwrap_or_else(|| "en".to_owned());
            let identities = versions::StoredIdentities::of(db, &key).await?;
            let mut framework = moodle_csv::read(document, &language, &identities)?;
            if let Some(stored) = &stored {
                moodle_csv::keep_what_it_cannot_hold(&mut framework, stored);
            }
            (framework, Some(key))
        }
    };
    let source = versions::Source {
        name: options.source,
        document: text.to_owned(),
    };
    versions::save(db, key.as_deref(), &framework, source).await
}

/// Fetches a CASE package from a provider's address and imports it.
pub async fn import_url<C: TransactionTrait + sea_orm::ConnectionTrait>(
    db: &C,
    http: &reqwest::Client,
    url: &str,
    options: ImportOptions,
) -> Result<ImportReport, FrameworkError> {
    let document = remote::fetch(http, url).await?;
    let options = ImportOptions {
        source: url.to_owned(),
        ..options
    };
    import(db, &document, Format::Case, options).await
}

/// The stored framework `key` as a document in `format`.
pub async fn export<C: sea_orm::ConnectionTrait>(
    db: &C,
    key: &str,
    format: Format,
) -> Result<Vec<u8>, FrameworkError> {
    let framework = versions::load(db, key).await?;
    Ok(match format {
        Format::Case => {
            let changed = chrono::Utc::now()
                .format("%Y-%m-%dT%H:%M:%S+00:00")
                .to_string();
            serde_json::to_vec_pretty(&case::write(&framework, &changed)).unwrap_or_default()
        }
        Format::MoodleCsv => moodle_csv::write(&framework, key),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum FrameworkError {
    #[error("the framework document is not valid: {0}")]
    Invalid(#[from] model::Invalid),
    #[error("the framework document is larger than {} MB", MAX_DOCUMENT_BYTES / (1024 * 1024))]
    TooLarge,
    #[error("a framework with key {0:?} already exists")]
    DuplicateKey(String),
    #[error("{0:?} is not a framework key: use lower-case letters, digits, - and _ (at most 64)")]
    InvalidKey(String),
    #[error("this framework is already imported under the key {existing:?}, not {key:?}")]
    AlreadyImportedAs { key: String, existing: String },
    #[error("no framework has the key {0:?}")]
    NotFound(String),
    #[error(transparent)]
    Remote(#[from] remote::RemoteError),
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

impl FrameworkError {
    pub fn code(&self) -> &'static str {
        match self {
            FrameworkError::Invalid(_) => "invalid_framework",
            FrameworkError::TooLarge => "framework_too_large",
            FrameworkError::DuplicateKey(_) | FrameworkError::AlreadyImportedAs { .. } => {
                "framework_key_conflict"
            }
            FrameworkError::InvalidKey(_) => "invalid_framework_key",
            FrameworkError::NotFound(_) => "framework_not_found",
            FrameworkError::Remote(e) => e.code(),
            FrameworkError::Database(_) => "internal_error",
        }
    }
}
