//! A whole portfolio as one zip, written as a stream (never whole in
//! memory): `index.html`, a self-contained site readable offline with the
//! competence maps; `portfolio.json`, the data; `files/`, every file once;
//! and `leap2a.xml`, the LEAP2A (Atom) e-portfolio feed that Mahara reads.

use std::collections::{BTreeMap, HashMap, HashSet};

use async_zip::tokio::write::ZipFileWriter;
use async_zip::{Compression, ZipEntryBuilder};
use futures::{AsyncWriteExt, StreamExt};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::evidence::EvidenceError;
use super::{collections, leap2a, map};
use crate::entities::{
    blob, comment, competence, evidence_item, evidence_tag, evidence_version, self_rating,
};
use crate::files::FileStore;
use crate::frameworks::LanguageMap;
use crate::identity::PersonId;

/// The format name and version in `portfolio.json`.
pub const FORMAT: &str = "carefolio-portfolio/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PortfolioData {
    pub format: String,
    pub exported_at: String,
    pub person: ExportPerson,
    pub items: Vec<ExportItem>,
    pub collections: Vec<ExportCollection>,
    pub self_ratings: Vec<ExportRating>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportPerson {
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportItem {
    pub id: Uuid,
    pub kind: String,
    pub describes_care_recipient: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// Oldest first; the last is the current version.
    pub versions: Vec<ExportVersion>,
    #[serde(default)]
    pub comments: Vec<ExportComment>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportVersion {
    pub version: i32,
    pub title: String,
    pub body: Option<String>,
    pub url: Option<String>,
    pub file: Option<ExportFile>,
    pub statement_id: Option<Uuid>,
    pub tags: Vec<ExportTag>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExportFile {
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    /// Where the file is in the zip.
    pub path: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExportTag {
    /// The competence's IRI (its CASE uri): what identifies it anywhere.
    pub competence: String,
    pub framework: String,
    pub code: String,
    pub title: LanguageMap,
    pub level: Option<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportComment {
    pub author: String,
    pub by_owner: bool,
    pub body: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportCollection {
    pub id: Uuid,
    pub title: String,
    pub introduction: Option<String>,
    pub items: Vec<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportRating {
    pub competence: String,
    pub framework: String,
    pub code: String,
    pub rating: i32,
}

/// The path of a file in the zip: its hash keeps names unique, its name
/// keeps it recognisable.
pub fn file_path(sha256: &str, name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    format!("files/{}-{safe}", &sha256[..16])
}

/// Everything of `owner` but the files' bytes.
pub async fn collect<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
) -> Result<PortfolioData, EvidenceError> {
    let person = crate::identity::get(db, owner)
        .await?
        .ok_or(EvidenceError::NotFound)?;
    let items = evidence_item::Entity::find()
        .filter(evidence_item::Column::OwnerId.eq(owner.0))
        .filter(evidence_item::Column::DeletedAt.is_null())
        .order_by_asc(evidence_item::Column::CreatedAt)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
    let mut versions: HashMap<Uuid, Vec<evidence_version::Model>> = HashMap::new();
    let mut tags: HashMap<(Uuid, i32), Vec<evidence_tag::Model>> = HashMap::new();
    let mut comments: HashMap<Uuid, Vec<comment::Model>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for row in evidence_version::Entity::find()
            .filter(evidence_version::Column::ItemId.is_in(chunk.iter().copied()))
            .order_by_asc(evidence_version::Column::Version)
            .all(db)
            .await?
        {
            versions.entry(row.item_id).or_default().push(row);
        }
        for row in evidence_tag::Entity::find()
            .filter(evidence_tag::Column::ItemId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            tags.entry((row.item_id, row.version))
                .or_default()
                .push(row);
        }
        for row in comment::Entity::find()
            .filter(comment::Column::ItemId.is_in(chunk.iter().copied()))
            .order_by_asc(comment::Column::CreatedAt)
            .all(db)
            .await?
        {
            comments.entry(row.item_id).or_default().push(row);
        }
    }
    let ratings = self_rating::Entity::find()
        .filter(self_rating::Column::PersonId.eq(owner.0))
        .all(db)
        .await?;
    let competence_ids: HashSet<Uuid> = tags
        .values()
        .flatten()
        .map(|t| t.competence_id)
        .chain(ratings.iter().map(|r| r.competence_id))
        .collect();
    let competences = competence_refs(db, competence_ids).await?;
    let shas: HashSet<String> = versions
        .values()
        .flatten()
        .filter_map(|v| v.blob_sha256.clone())
        .collect();
    let blobs: HashMap<String, blob::Model> = blob::Entity::find()
        .filter(blob::Column::Sha256.is_in(shas))
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.sha256.clone(), b))
        .collect();
    let authors = super::sharing::names_of(
        db,
        comments.values().flatten().map(|c| c.author_id).collect(),
    )
    .await?;
    let tag_of = |tag: &evidence_tag::Model| {
        competences.get(&tag.competence_id).map(|c| ExportTag {
            competence: c.iri.clone(),
            framework: c.framework.clone(),
            code: c.code.clone(),
            title: c.title.clone(),
            level: tag.level,
        })
    };
    let export_items = items
        .into_iter()
        .map(|item| ExportItem {
            versions: versions
                .remove(&item.id)
                .unwrap_or_default()
                .into_iter()
                .map(|v| ExportVersion {
                    tags: tags
                        .get(&(item.id, v.version))
                        .into_iter()
                        .flatten()
                        .filter_map(tag_of)
                        .collect(),
                    file: v.blob_sha256.as_ref().and_then(|sha| {
                        let blob = blobs.get(sha)?;
                        let name = v.file_name.clone().unwrap_or_else(|| "file".into());
                        Some(ExportFile {
                            path: file_path(sha, &name),
                            name,
                            media_type: blob.media_type.clone(),
                            size: blob.size,
                            sha256: sha.clone(),
                        })
                    }),
                    version: v.version,
                    title: v.title,
                    body: v.body,
                    url: v.url,
                    statement_id: v.statement_id,
                    created_at: v.created_at,
                })
                .collect(),
            comments: comments
                .remove(&item.id)
                .unwrap_or_default()
                .into_iter()
                .map(|c| ExportComment {
                    author: authors.get(&c.author_id).cloned().unwrap_or_default(),
                    by_owner: c.author_id == owner.0,
                    body: c.body,
                    created_at: c.created_at,
                })
                .collect(),
            id: item.id,
            kind: item.kind,
            describes_care_recipient: item.describes_care_recipient,
            created_at: item.created_at,
            updated_at: item.updated_at,
        })
        .collect();
    let export_collections = collections::list(db, owner)
        .await?
        .into_iter()
        .map(|c| ExportCollection {
            id: c.id,
            title: c.title,
            introduction: c.introduction,
            items: c.items,
        })
        .collect();
    Ok(PortfolioData {
        format: FORMAT.to_owned(),
        exported_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        person: ExportPerson {
            name: person.name,
            email: person.email,
        },
        items: export_items,
        collections: export_collections,
        self_ratings: ratings
            .into_iter()
            .filter_map(|r| {
                let c = competences.get(&r.competence_id)?;
                Some(ExportRating {
                    competence: c.iri.clone(),
                    framework: c.framework.clone(),
                    code: c.code.clone(),
                    rating: r.rating,
                })
            })
            .collect(),
    })
}

struct CompetenceRef {
    iri: String,
    framework: String,
    code: String,
    title: LanguageMap,
}

async fn competence_refs<C: ConnectionTrait>(
    db: &C,
    ids: HashSet<Uuid>,
) -> Result<HashMap<Uuid, CompetenceRef>, sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = competence::Entity::find()
        .filter(competence::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let keys: HashMap<Uuid, String> = crate::frameworks::store::headers(db, None)
        .await?
        .into_iter()
        .map(|f| (f.id, f.key))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                row.id,
                CompetenceRef {
                    iri: row
                        .uri
                        .clone()
                        .unwrap_or_else(|| format!("urn:uuid:{}", row.id)),
                    framework: keys.get(&row.framework_id).cloned().unwrap_or_default(),
                    code: row.code,
                    title: serde_json::from_str(&row.title).unwrap_or_default(),
                },
            )
        })
        .collect())
}

/// How far an export has got, for progress output.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub files_done: usize,
    pub files_total: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Portfolio(#[from] EvidenceError),
    #[error("writing the zip failed: {0}")]
    Zip(#[from] async_zip::error::ZipError),
    #[error("writing the zip failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("reading a file failed: {0}")]
    File(#[from] crate::files::FileError),
    #[error("reading a file failed: {0}")]
    Store(#[from] object_store::Error),
}

/// Writes `owner`'s portfolio as a zip to `out`, calling `progress` after
/// every file. Files are copied from the store in chunks.
pub async fn write_zip<C, W>(
    db: &C,
    files: &FileStore,
    owner: PersonId,
    out: W,
    mut progress: impl FnMut(Progress),
) -> Result<Progress, ExportError>
where
    C: ConnectionTrait,
    W: tokio::io::AsyncWrite + Unpin,
{
    let data = collect(db, owner).await?;
    let maps = maps_for(db, owner, &data).await?;
    let mut zip = ZipFileWriter::with_tokio(out);
    let json = serde_json::to_vec_pretty(&data).unwrap_or_default();
    zip.write_entry_whole(
        ZipEntryBuilder::new("portfolio.json".into(), Compression::Deflate),
        &json,
    )
    .await?;
    let site = super::site::render(&data, &maps);
    zip.write_entry_whole(
        ZipEntryBuilder::new("index.html".into(), Compression::Deflate),
        site.as_bytes(),
    )
    .await?;
    let feed = leap2a::write(&data);
    zip.write_entry_whole(
        ZipEntryBuilder::new("leap2a.xml".into(), Compression::Deflate),
        feed.as_bytes(),
    )
    .await?;
    // Each file once, however many versions or items use it.
    let mut unique: BTreeMap<String, ExportFile> = BTreeMap::new();
    for item in &data.items {
        for version in &item.versions {
            if let Some(file) = &version.file {
                unique
                    .entry(file.path.clone())
                    .or_insert_with(|| file.clone());
            }
        }
    }
    let mut state = Progress {
        files_total: unique.len(),
        bytes_total: unique.values().map(|f| f.size as u64).sum(),
        ..Progress::default()
    };
    progress(state);
    for file in unique.values() {
        let (_, mut stream) = files.get(&file.sha256).await?;
        // Pictures, sound and film are compressed already.
        let mut entry = zip
            .write_entry_stream(ZipEntryBuilder::new(
                file.path.clone().into(),
                Compression::Stored,
            ))
            .await?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            entry.write_all(&chunk).await?;
            state.bytes_done += chunk.len() as u64;
        }
        entry.close().await?;
        state.files_done += 1;
        progress(state);
    }
    zip.close().await?;
    Ok(state)
}

/// The competence maps of the frameworks the portfolio uses.
async fn maps_for<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    data: &PortfolioData,
) -> Result<Vec<map::CompetenceMap>, EvidenceError> {
    let mut keys: Vec<String> = data
        .items
        .iter()
        .filter_map(|i| i.versions.last())
        .flat_map(|v| v.tags.iter().map(|t| t.framework.clone()))
        .chain(data.self_ratings.iter().map(|r| r.framework.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    let mut maps = Vec::with_capacity(keys.len());
    for key in keys {
        maps.push(map::map(db, owner, &key, None).await?);
    }
    Ok(maps)
}
