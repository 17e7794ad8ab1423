//! Importing a LEAP2A export (a zip with `leap2a.xml` and its files) into a
//! learner's portfolio: Carefolio's own export, or Mahara's. Every entry
//! becomes an evidence item (files through the same checks as an upload),
//! selections become collections, Carefolio's competence tags and
//! self-ratings come back where the competence is known here (by IRI,
//! else by framework key and code). What cannot be brought in is named
//! in the report, never dropped silently.

use std::collections::HashMap;

use async_zip::tokio::read::fs::ZipFileReader;
use futures::AsyncReadExt;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde::Serialize;
use uuid::Uuid;

use super::collections::{self, CollectionDraft};
use super::evidence::{self, Draft, EvidenceError, Kind, Tag, Upload};
use super::leap2a::{self, Entry};
use crate::entities::{competence, xapi_statement};
use crate::files::{Claims, FileStore};
use crate::identity::PersonId;

/// The largest `leap2a.xml` read.
pub const MAX_FEED_BYTES: u64 = 32 * 1024 * 1024;

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = PortfolioImportReport)]
pub struct ImportReport {
    pub items: usize,
    pub files: usize,
    pub collections: usize,
    pub self_ratings: usize,
    /// What was not brought in, and why.
    pub skipped: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is not a zip: {0}")]
    NotZip(String),
    #[error("the zip holds no leap2a.xml (a LEAP2A export has one at its top)")]
    NoFeed,
    #[error("leap2a.xml is larger than {} MB", MAX_FEED_BYTES / (1024 * 1024))]
    FeedTooLarge,
    #[error(transparent)]
    Feed(#[from] leap2a::FeedError),
    #[error(transparent)]
    Portfolio(#[from] EvidenceError),
    #[error("reading the zip failed: {0}")]
    Io(#[from] std::io::Error),
}

impl ImportError {
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::NotZip(_) | ImportError::NoFeed | ImportError::Feed(_) => "invalid_import",
            ImportError::FeedTooLarge => "import_too_large",
            ImportError::Portfolio(e) => e.code(),
            ImportError::Io(_) => "internal_error",
        }
    }
}

/// The competence a tag names: by IRI, else by framework key and code.
async fn competence_for<C: ConnectionTrait>(
    db: &C,
    keys: &HashMap<String, Uuid>,
    iri: &str,
    framework: &str,
    code: &str,
) -> Result<Option<Uuid>, sea_orm::DbErr> {
    if let Some(row) = competence::Entity::find()
        .filter(competence::Column::Uri.eq(iri))
        .filter(competence::Column::RetiredAt.is_null())
        .one(db)
        .await?
    {
        return Ok(Some(row.id));
    }
    let Some(framework_id) = keys.get(framework) else {
        return Ok(None);
    };
    Ok(competence::Entity::find()
        .filter(competence::Column::FrameworkId.eq(*framework_id))
        .filter(competence::Column::Code.eq(code))
        .filter(competence::Column::RetiredAt.is_null())
        .one(db)
        .await?
        .map(|row| row.id))
}

/// Imports the LEAP2A zip at `path` into `owner`'s portfolio.
pub async fn import_zip<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    files: &FileStore,
    owner: PersonId,
    path: &std::path::Path,
) -> Result<ImportReport, ImportError> {
    let zip = ZipFileReader::new(path)
        .await
        .map_err(|e| ImportError::NotZip(e.to_string()))?;
    let index: HashMap<String, usize> = zip
        .file()
        .entries()
        .iter()
        .enumerate()
        .filter_map(|(i, entry)| Some((entry.filename().as_str().ok()?.to_owned(), i)))
        .collect();
    let feed_index = *index.get("leap2a.xml").ok_or(ImportError::NoFeed)?;
    if zip.file().entries()[feed_index].uncompressed_size() > MAX_FEED_BYTES {
        return Err(ImportError::FeedTooLarge);
    }
    let mut xml = String::new();
    zip.reader_with_entry(feed_index)
        .await
        .map_err(|e| ImportError::NotZip(e.to_string()))?
        .take(MAX_FEED_BYTES)
        .read_to_string(&mut xml)
        .await?;
    let feed = leap2a::read(&xml)?;
    let keys: HashMap<String, Uuid> = crate::frameworks::store::headers(db, None)
        .await
        .map_err(EvidenceError::from)?
        .into_iter()
        .map(|f| (f.key, f.id))
        .collect();

    let mut report = ImportReport::default();
    let mut new_ids: HashMap<String, Uuid> = HashMap::new();
    for entry in feed
        .entries
        .iter()
        .filter(|e| !e.rdf_type.ends_with("selection"))
    {
        let label = if entry.title.is_empty() {
            entry.id.clone()
        } else {
            entry.title.clone()
        };
        let mut tags = Vec::new();
        for (iri, key, code, level) in &entry.competences {
            match competence_for(db, &keys, iri, key, code)
                .await
                .map_err(EvidenceError::from)?
            {
                Some(id) => tags.push(Tag {
                    competence_id: id,
                    level: *level,
                }),
                None => report.skipped.push(format!(
                    "{label}: the competence {key}:{code} is not known here"
                )),
            }
        }
        let text = entry_text(entry);
        let draft = Draft {
            title: truncate(&label, evidence::MAX_TITLE_CHARS),
            body: text,
            url: entry.related.clone(),
            statement_id: None,
            tags,
            describes_care_recipient: entry.describes_care_recipient,
        };
        let file_path = entry
            .enclosure
            .clone()
            .or_else(|| entry.content_src.clone());
        let created = match file_path {
            Some(path) => match index.get(path.trim_start_matches("./")) {
                Some(&i) => {
                    let name = entry
                        .enclosure_title
                        .clone()
                        .unwrap_or_else(|| path.rsplit('/').next().unwrap_or("file").to_owned());
                    let reader = zip
                        .reader_with_entry(i)
                        .await
                        .map_err(|e| ImportError::NotZip(e.to_string()))?;
                    let stream = futures::stream::unfold(reader, |mut reader| async move {
                        let mut buffer = vec![0u8; 64 * 1024];
                        match reader.read(&mut buffer).await {
                            Ok(0) => None,
                            Ok(n) => {
                                buffer.truncate(n);
                                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buffer)), reader))
                            }
                            Err(e) => Some((Err(e), reader)),
                        }
                    });
                    let claims = Claims {
                        content_type: entry.content_type.clone().filter(|t| t.contains('/')),
                        file_name: name.clone(),
                        length: None,
                    };
                    match files.put(Box::pin(stream), &claims).await {
                        Ok(blob) => {
                            report.files += 1;
                            evidence::create_file(
                                db,
                                owner,
                                Upload {
                                    blob,
                                    file_name: name,
                                },
                                draft,
                            )
                            .await
                        }
                        Err(e) => {
                            report.skipped.push(format!("{label}: {e}"));
                            continue;
                        }
                    }
                }
                None => {
                    report
                        .skipped
                        .push(format!("{label}: its file {path} is not in the zip"));
                    continue;
                }
            },
            None => {
                let kind = match entry.kind.as_deref() {
                    Some("activity") => {
                        let statement = entry
                            .statement
                            .as_deref()
                            .and_then(|s| Uuid::parse_str(s).ok());
                        let known = match statement {
                            Some(id) => xapi_statement::Entity::find()
                                .filter(xapi_statement::Column::Id.eq(id))
                                .filter(xapi_statement::Column::PersonId.eq(owner.0))
                                .one(db)
                                .await
                                .map_err(EvidenceError::from)?
                                .is_some(),
                            None => false,
                        };
                        if known {
                            Kind::Activity
                        } else {
                            Kind::Reflection
                        }
                    }
                    Some("link") => Kind::Link,
                    Some(_) => Kind::Reflection,
                    None if entry.related.is_some() && draft.body.is_none() => Kind::Link,
                    None => Kind::Reflection,
                };
                let mut draft = draft;
                if kind == Kind::Activity {
                    draft.statement_id = entry
                        .statement
                        .as_deref()
                        .and_then(|s| Uuid::parse_str(s).ok());
                }
                if kind == Kind::Reflection && draft.body.is_none() {
                    draft.body = Some(match &draft.url {
                        Some(url) => url.clone(),
                        None => "(no text)".to_owned(),
                    });
                }
                if kind != Kind::Link {
                    draft.url = None;
                }
                evidence::create(db, owner, kind, draft).await
            }
        };
        match created {
            Ok(view) => {
                report.items += 1;
                new_ids.insert(entry.id.clone(), view.id);
            }
            Err(EvidenceError::Invalid { field, problem }) => {
                report.skipped.push(format!("{label}: {field}: {problem}"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    for entry in feed
        .entries
        .iter()
        .filter(|e| e.rdf_type.ends_with("selection"))
    {
        let items: Vec<Uuid> = entry
            .has_part
            .iter()
            .filter_map(|(_, href)| new_ids.get(href).copied())
            .collect();
        let draft = CollectionDraft {
            title: truncate(
                if entry.title.is_empty() {
                    "Collection"
                } else {
                    &entry.title
                },
                evidence::MAX_TITLE_CHARS,
            ),
            introduction: entry_text(entry),
            items,
        };
        match collections::create(db, owner, draft).await {
            Ok(_) => report.collections += 1,
            Err(EvidenceError::Invalid { field, problem }) => {
                report
                    .skipped
                    .push(format!("{}: {field}: {problem}", entry.title));
            }
            Err(e) => return Err(e.into()),
        }
    }
    for (iri, key, code, rating) in &feed.self_ratings {
        match competence_for(db, &keys, iri, key, code)
            .await
            .map_err(EvidenceError::from)?
        {
            Some(id) => match super::map::rate(db, owner, id, *rating).await {
                Ok(()) => report.self_ratings += 1,
                Err(e) => report
                    .skipped
                    .push(format!("self-rating of {key}:{code}: {e}")),
            },
            None => report.skipped.push(format!(
                "self-rating of {key}:{code}: the competence is not known here"
            )),
        }
    }
    Ok(report)
}

/// An entry's text: Carefolio's Markdown as it was, Mahara's HTML as text.
fn entry_text(entry: &Entry) -> Option<String> {
    let raw = entry
        .content
        .clone()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| entry.summary.clone().filter(|s| !s.trim().is_empty()))?;
    let html = matches!(entry.content_type.as_deref(), Some("html" | "xhtml"));
    let text = if html {
        crate::frameworks::moodle_csv::html_to_text(&raw)
    } else {
        raw
    };
    Some(truncate(&text, evidence::MAX_BODY_CHARS))
}

fn truncate(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}
