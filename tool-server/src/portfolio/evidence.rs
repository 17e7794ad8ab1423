//! Evidence items: a file, a written reflection, a link, or a record of
//! activity kept from the learner's xAPI statements. Every change makes a
//! new version; versions are never changed, so a claim that names one
//! keeps what was submitted. Each version is tagged with competences and
//! the level claimed where the competence has levels.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entities::{
    blob, competence, evidence_item, evidence_tag, evidence_version, framework, xapi_statement,
};
use crate::files::Blob;
use crate::frameworks::{model, versions, LanguageMap};
use crate::identity::PersonId;
use crate::util::now_ms;

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 20_000;
pub const MAX_URL_CHARS: usize = 2_000;
pub const MAX_TAGS: usize = 50;
pub const MAX_FILE_NAME_CHARS: usize = 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    File,
    Reflection,
    Link,
    Activity,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Reflection => "reflection",
            Kind::Link => "link",
            Kind::Activity => "activity",
        }
    }

    fn parse(text: &str) -> Kind {
        match text {
            "file" => Kind::File,
            "link" => Kind::Link,
            "activity" => Kind::Activity,
            _ => Kind::Reflection,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tag {
    pub competence_id: Uuid,
    /// 1-based position on the competence's scale; none where it has none.
    #[serde(default)]
    pub level: Option<i32>,
}

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("{field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
    #[error("no such evidence")]
    NotFound,
    #[error("no such share, or it was revoked or has expired")]
    ShareNotFound,
    #[error("{0}")]
    NotAllowed(String),
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
}

impl EvidenceError {
    fn invalid(field: &'static str, problem: impl Into<String>) -> EvidenceError {
        EvidenceError::Invalid {
            field,
            problem: problem.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            EvidenceError::Invalid { .. } => "invalid_evidence",
            EvidenceError::NotFound => "evidence_not_found",
            EvidenceError::ShareNotFound => "share_not_found",
            EvidenceError::NotAllowed(_) => "not_allowed",
            EvidenceError::File(e) => e.code(),
            EvidenceError::Database(_) => "internal_error",
        }
    }
}

/// What a learner writes for a new item (files come with [`Upload`]).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct Draft {
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// For a record of activity: one of the learner's own statements.
    #[serde(default)]
    pub statement_id: Option<Uuid>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub describes_care_recipient: bool,
}

/// A stored file and the name it was uploaded under.
#[derive(Debug, Clone)]
pub struct Upload {
    pub blob: Blob,
    pub file_name: String,
}

/// A change to an item: what is given replaces what was.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct Change {
    pub title: Option<String>,
    /// `null` removes the note.
    #[serde(default, deserialize_with = "crate::util::present")]
    pub body: Option<Option<String>>,
    pub url: Option<String>,
    pub tags: Option<Vec<Tag>>,
    pub describes_care_recipient: Option<bool>,
}

/// An item as the widget shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvidenceView {
    pub id: Uuid,
    pub kind: Kind,
    pub version: i32,
    pub title: String,
    /// The learner's Markdown, as written.
    pub body: Option<String>,
    /// The Markdown as sanitised HTML: no scripts, no images, safe links.
    pub body_html: Option<String>,
    pub url: Option<String>,
    pub file: Option<FileView>,
    pub statement_id: Option<Uuid>,
    /// The statement a record of activity keeps was voided by its sender
    /// after it was kept: the item stays, marked.
    pub statement_voided: bool,
    pub tags: Vec<TagView>,
    pub describes_care_recipient: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FileView {
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    /// Whether browsers can show it in the page (pictures, PDF, sound, film).
    pub inline: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TagView {
    pub competence_id: Uuid,
    pub framework_key: String,
    pub code: String,
    pub title: LanguageMap,
    pub level: Option<i32>,
    pub level_title: Option<LanguageMap>,
    pub retired: bool,
}

/// Media types shown inline; everything else is downloaded.
pub fn shown_inline(media_type: &str) -> bool {
    media_type.starts_with("image/") && media_type != "image/svg+xml"
        || media_type.starts_with("audio/")
        || media_type.starts_with("video/")
        || media_type == "application/pdf"
}

fn check_title(title: &str) -> Result<String, EvidenceError> {
    let title = title.trim();
    if title.is_empty() {
        return Err(EvidenceError::invalid("title", "give the evidence a title"));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(EvidenceError::invalid(
            "title",
            format!("at most {MAX_TITLE_CHARS} characters"),
        ));
    }
    Ok(title.to_owned())
}

fn check_body(body: Option<String>) -> Result<Option<String>, EvidenceError> {
    let body = body.filter(|b| !b.trim().is_empty());
    if body
        .as_ref()
        .is_some_and(|b| b.chars().count() > MAX_BODY_CHARS)
    {
        return Err(EvidenceError::invalid(
            "body",
            format!("at most {MAX_BODY_CHARS} characters"),
        ));
    }
    Ok(body)
}

fn check_url(url: &str) -> Result<String, EvidenceError> {
    let trimmed = url.trim();
    if trimmed.chars().count() > MAX_URL_CHARS {
        return Err(EvidenceError::invalid(
            "url",
            format!("at most {MAX_URL_CHARS} characters"),
        ));
    }
    let parsed = url::Url::parse(trimmed)
        .map_err(|_| EvidenceError::invalid("url", "not a web address (https://…)"))?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host().is_none() {
        return Err(EvidenceError::invalid(
            "url",
            "only web addresses (https://… or http://…)",
        ));
    }
    Ok(parsed.to_string())
}

/// A file name safe to show and to put in `Content-Disposition`.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | '/' | ';'))
        .take(MAX_FILE_NAME_CHARS)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

/// Checks tags: known competences, levels on their scale. Tags an item
/// already had may stay on a retired competence; new ones may not.
async fn check_tags<C: ConnectionTrait>(
    db: &C,
    tags: &[Tag],
    kept: &HashSet<Uuid>,
) -> Result<Vec<Tag>, EvidenceError> {
    if tags.len() > MAX_TAGS {
        return Err(EvidenceError::invalid(
            "tags",
            format!("at most {MAX_TAGS} competences"),
        ));
    }
    let mut seen = HashSet::new();
    let ids: Vec<Uuid> = tags.iter().map(|t| t.competence_id).collect();
    let rows: HashMap<Uuid, competence::Model> = competence::Entity::find()
        .filter(competence::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    let scales = scales_of(db, rows.values()).await?;
    let mut checked = Vec::with_capacity(tags.len());
    for tag in tags {
        if !seen.insert(tag.competence_id) {
            continue;
        }
        let Some(row) = rows.get(&tag.competence_id) else {
            return Err(EvidenceError::invalid(
                "tags",
                format!("{} is not a competence", tag.competence_id),
            ));
        };
        if row.retired_at.is_some() && !kept.contains(&row.id) {
            return Err(EvidenceError::invalid(
                "tags",
                format!("{} is no longer in its framework", row.code),
            ));
        }
        let levels = scales
            .get(&row.id)
            .map_or(0, |scale| scale.levels.len() as i32);
        match tag.level {
            Some(level) if levels == 0 => {
                return Err(EvidenceError::invalid(
                    "tags",
                    format!("{} has no levels (level {level} given)", row.code),
                ))
            }
            Some(level) if !(1..=levels).contains(&level) => {
                return Err(EvidenceError::invalid(
                    "tags",
                    format!("{} has levels 1 to {levels}, not {level}", row.code),
                ))
            }
            _ => {}
        }
        checked.push(tag.clone());
    }
    Ok(checked)
}

/// The scale that applies to each competence: its own, else its framework's.
pub(crate) async fn scales_of<'a, C: ConnectionTrait>(
    db: &C,
    rows: impl Iterator<Item = &'a competence::Model>,
) -> Result<HashMap<Uuid, model::Scale>, sea_orm::DbErr> {
    let rows: Vec<&competence::Model> = rows.collect();
    let framework_ids: HashSet<Uuid> = rows.iter().map(|r| r.framework_id).collect();
    let frameworks: HashMap<Uuid, crate::frameworks::store::FrameworkHeader> =
        crate::frameworks::store::headers(db, Some(framework::Column::Id.is_in(framework_ids)))
            .await?
            .into_iter()
            .map(|f| (f.id, f))
            .collect();
    let mut scales = HashMap::new();
    for row in rows {
        let Some(framework) = frameworks.get(&row.framework_id) else {
            continue;
        };
        let own = row
            .scale
            .as_deref()
            .and_then(|s| versions::parse_scale(s, &framework.language));
        if let Some(scale) =
            own.or_else(|| versions::parse_scale(&framework.levels, &framework.language))
        {
            scales.insert(row.id, scale);
        }
    }
    Ok(scales)
}

/// Creates a reflection, link or record of activity.
pub async fn create<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    owner: PersonId,
    kind: Kind,
    draft: Draft,
) -> Result<EvidenceView, EvidenceError> {
    let title = check_title(&draft.title)?;
    let body = check_body(draft.body)?;
    let (url, statement_id) = match kind {
        Kind::Link => {
            let url = draft
                .url
                .as_deref()
                .ok_or_else(|| EvidenceError::invalid("url", "a link needs its address"))?;
            (Some(check_url(url)?), None)
        }
        Kind::Activity => {
            let id = draft.statement_id.ok_or_else(|| {
                EvidenceError::invalid("statement_id", "a record of activity names a statement")
            })?;
            let own = xapi_statement::Entity::find()
                .filter(xapi_statement::Column::Id.eq(id))
                .filter(xapi_statement::Column::PersonId.eq(owner.0))
                .one(db)
                .await?;
            match own {
                None => {
                    return Err(EvidenceError::invalid(
                        "statement_id",
                        "not one of your recorded activities",
                    ))
                }
                Some(row) if row.voided => {
                    return Err(EvidenceError::invalid(
                        "statement_id",
                        "the activity that sent this record has withdrawn it",
                    ))
                }
                Some(_) => {}
            }
            (None, Some(id))
        }
        Kind::Reflection if body.is_none() => {
            return Err(EvidenceError::invalid("body", "write the reflection"))
        }
        Kind::Reflection | Kind::File => (None, None),
    };
    let tags = check_tags(db, &draft.tags, &HashSet::new()).await?;
    let id = Uuid::new_v4();
    let txn = db.begin().await?;
    insert_item(&txn, id, owner, kind, draft.describes_care_recipient).await?;
    insert_version(
        &txn,
        evidence_version::Model {
            item_id: id,
            version: 1,
            title,
            body,
            body_html: None,
            url,
            blob_sha256: None,
            file_name: None,
            statement_id,
            created_at: now_ms(),
        },
        &tags,
    )
    .await?;
    txn.commit().await?;
    load(db, id)
        .await?
        .map(|(_, view)| view)
        .ok_or(EvidenceError::NotFound)
}

/// Creates a file item from a stored upload.
pub async fn create_file<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    owner: PersonId,
    upload: Upload,
    draft: Draft,
) -> Result<EvidenceView, EvidenceError> {
    let file_name = clean_file_name(&upload.file_name);
    let title = if draft.title.trim().is_empty() {
        file_name.clone()
    } else {
        draft.title.clone()
    };
    let title = check_title(&title)?;
    let body = check_body(draft.body)?;
    let tags = check_tags(db, &draft.tags, &HashSet::new()).await?;
    let id = Uuid::new_v4();
    let txn = db.begin().await?;
    record_blob(&txn, &upload.blob).await?;
    insert_item(&txn, id, owner, Kind::File, draft.describes_care_recipient).await?;
    insert_version(
        &txn,
        evidence_version::Model {
            item_id: id,
            version: 1,
            title,
            body,
            body_html: None,
            url: None,
            blob_sha256: Some(upload.blob.sha256.clone()),
            file_name: Some(file_name),
            statement_id: None,
            created_at: now_ms(),
        },
        &tags,
    )
    .await?;
    txn.commit().await?;
    load(db, id)
        .await?
        .map(|(_, view)| view)
        .ok_or(EvidenceError::NotFound)
}

/// Records a stored file once, whoever uploads it again.
async fn record_blob<C: ConnectionTrait>(db: &C, blob: &Blob) -> Result<(), sea_orm::DbErr> {
    use sea_orm::sea_query::OnConflict;
    blob::Entity::insert(blob::ActiveModel {
        sha256: Set(blob.sha256.clone()),
        size: Set(blob.size as i64),
        media_type: Set(blob.media_type.clone()),
        created_at: Set(now_ms()),
    })
    .on_conflict(
        OnConflict::column(blob::Column::Sha256)
            .do_nothing()
            .to_owned(),
    )
    .do_nothing()
    .exec(db)
    .await?;
    Ok(())
}

async fn insert_item<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    owner: PersonId,
    kind: Kind,
    describes_care_recipient: bool,
) -> Result<(), sea_orm::DbErr> {
    let now = now_ms();
    evidence_item::ActiveModel {
        id: Set(id),
        owner_id: Set(owner.0),
        kind: Set(kind.as_str().to_owned()),
        current_version: Set(1),
        describes_care_recipient: Set(describes_care_recipient),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn insert_version<C: ConnectionTrait>(
    db: &C,
    mut version: evidence_version::Model,
    tags: &[Tag],
) -> Result<(), sea_orm::DbErr> {
    // Versions never change: render the Markdown once, here.
    version.body_html = version.body.as_deref().map(markdown_to_safe_html);
    let (item_id, number) = (version.item_id, version.version);
    evidence_version::ActiveModel::from(version)
        .insert(db)
        .await?;
    if !tags.is_empty() {
        evidence_tag::Entity::insert_many(tags.iter().map(|tag| evidence_tag::ActiveModel {
            item_id: Set(item_id),
            version: Set(number),
            competence_id: Set(tag.competence_id),
            level: Set(tag.level),
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Makes a new version of `id` with `change` applied.
pub async fn update<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    id: Uuid,
    change: Change,
) -> Result<EvidenceView, EvidenceError> {
    let txn = db.begin().await?;
    let item = live_item(&txn, id).await?;
    let current = evidence_version::Entity::find_by_id((id, item.current_version))
        .one(&txn)
        .await?
        .ok_or(EvidenceError::NotFound)?;
    let current_tags: Vec<Tag> = evidence_tag::Entity::find()
        .filter(evidence_tag::Column::ItemId.eq(id))
        .filter(evidence_tag::Column::Version.eq(item.current_version))
        .all(&txn)
        .await?
        .into_iter()
        .map(|t| Tag {
            competence_id: t.competence_id,
            level: t.level,
        })
        .collect();
    let kept: HashSet<Uuid> = current_tags.iter().map(|t| t.competence_id).collect();
    let tags = match change.tags {
        Some(tags) => check_tags(&txn, &tags, &kept).await?,
        None => current_tags,
    };
    let kind = Kind::parse(&item.kind);
    let body = match change.body {
        Some(body) => check_body(body)?,
        None => current.body.clone(),
    };
    if kind == Kind::Reflection && body.is_none() {
        return Err(EvidenceError::invalid(
            "body",
            "a reflection cannot be empty",
        ));
    }
    let url = match (kind, change.url) {
        (Kind::Link, Some(url)) => Some(check_url(&url)?),
        (_, Some(_)) => return Err(EvidenceError::invalid("url", "only links have an address")),
        (_, None) => current.url.clone(),
    };
    let next = item.current_version + 1;
    let now = now_ms();
    insert_version(
        &txn,
        evidence_version::Model {
            item_id: id,
            version: next,
            title: match change.title {
                Some(title) => check_title(&title)?,
                None => current.title.clone(),
            },
            body,
            body_html: None,
            url,
            blob_sha256: current.blob_sha256.clone(),
            file_name: current.file_name.clone(),
            statement_id: current.statement_id,
            created_at: now,
        },
        &tags,
    )
    .await?;
    let mut row: evidence_item::ActiveModel = item.clone().into();
    row.current_version = Set(next);
    row.updated_at = Set(now);
    if let Some(flag) = change.describes_care_recipient {
        row.describes_care_recipient = Set(flag);
    }
    row.update(&txn).await?;
    txn.commit().await?;
    load(db, id)
        .await?
        .map(|(_, view)| view)
        .ok_or(EvidenceError::NotFound)
}

/// Removes an item from the portfolio (its versions stay for what cites them).
pub async fn delete<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<(), EvidenceError> {
    let item = live_item(db, id).await?;
    let mut row: evidence_item::ActiveModel = item.into();
    row.deleted_at = Set(Some(now_ms()));
    row.update(db).await?;
    Ok(())
}

async fn live_item<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<evidence_item::Model, EvidenceError> {
    evidence_item::Entity::find_by_id(id)
        .filter(evidence_item::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or(EvidenceError::NotFound)
}

/// The owner of a live item, to check who may act on it.
pub async fn owner_of<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<PersonId, EvidenceError> {
    Ok(PersonId(live_item(db, id).await?.owner_id))
}

/// One live item with its owner.
pub async fn load<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<(PersonId, EvidenceView)>, EvidenceError> {
    let Ok(item) = live_item(db, id).await else {
        return Ok(None);
    };
    let owner = PersonId(item.owner_id);
    Ok(views(db, vec![item]).await?.pop().map(|view| (owner, view)))
}

/// The owner and the current file of a live file item, without the rest
/// of its view: what serving the file needs.
pub async fn current_file<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<(PersonId, FileView)>, EvidenceError> {
    let Ok(item) = live_item(db, id).await else {
        return Ok(None);
    };
    let Some(version) = evidence_version::Entity::find_by_id((id, item.current_version))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(sha) = version.blob_sha256 else {
        return Ok(None);
    };
    let Some(blob) = blob::Entity::find_by_id(sha.clone()).one(db).await? else {
        return Ok(None);
    };
    Ok(Some((
        PersonId(item.owner_id),
        FileView {
            name: version.file_name.unwrap_or_else(|| "file".to_owned()),
            inline: shown_inline(&blob.media_type),
            media_type: blob.media_type,
            size: blob.size,
            sha256: sha,
        },
    )))
}

/// Live items by id, in the order given.
pub async fn load_many<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<Vec<EvidenceView>, EvidenceError> {
    let mut items = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        items.extend(
            evidence_item::Entity::find()
                .filter(evidence_item::Column::Id.is_in(chunk.iter().copied()))
                .filter(evidence_item::Column::DeletedAt.is_null())
                .all(db)
                .await?,
        );
    }
    let mut by_id: HashMap<Uuid, EvidenceView> = views(db, items)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Current titles of items, by id.
pub async fn titles_of<C: ConnectionTrait>(
    db: &C,
    ids: HashSet<Uuid>,
) -> Result<HashMap<Uuid, String>, sea_orm::DbErr> {
    let items: HashMap<Uuid, i32> = evidence_item::Entity::find()
        .filter(evidence_item::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i.current_version))
        .collect();
    Ok(evidence_version::Entity::find()
        .filter(evidence_version::Column::ItemId.is_in(items.keys().copied()))
        .all(db)
        .await?
        .into_iter()
        .filter(|v| items.get(&v.item_id) == Some(&v.version))
        .map(|v| (v.item_id, v.title))
        .collect())
}

/// Every live item of `owner`, newest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
) -> Result<Vec<EvidenceView>, EvidenceError> {
    let items = evidence_item::Entity::find()
        .filter(evidence_item::Column::OwnerId.eq(owner.0))
        .filter(evidence_item::Column::DeletedAt.is_null())
        .order_by_desc(evidence_item::Column::UpdatedAt)
        .all(db)
        .await?;
    views(db, items).await
}

/// `(item_id, version)` as one value, to match against (item, version) pairs.
fn version_key<C: ColumnTrait>(item: C, version: C) -> Expr {
    Expr::tuple([Expr::col(item).into(), Expr::col(version).into()])
}

/// Current versions, tags, files and competences of `items`, in four queries.
async fn views<C: ConnectionTrait>(
    db: &C,
    items: Vec<evidence_item::Model>,
) -> Result<Vec<EvidenceView>, EvidenceError> {
    let current: Vec<(Uuid, i32)> = items.iter().map(|i| (i.id, i.current_version)).collect();
    views_at(db, items, current).await
}

/// Items at the versions a claim cites (`(item, version)`, in that order),
/// deleted or not: what was submitted stays readable.
pub async fn load_pinned<C: ConnectionTrait>(
    db: &C,
    pins: &[(Uuid, i32)],
) -> Result<Vec<EvidenceView>, EvidenceError> {
    let mut items = Vec::with_capacity(pins.len());
    for chunk in pins.chunks(500) {
        items.extend(
            evidence_item::Entity::find()
                .filter(evidence_item::Column::Id.is_in(chunk.iter().map(|(id, _)| *id)))
                .all(db)
                .await?,
        );
    }
    let mut by_id: HashMap<Uuid, EvidenceView> = views_at(db, items, pins.to_vec())
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    Ok(pins.iter().filter_map(|(id, _)| by_id.remove(id)).collect())
}

/// `items` at the versions `wanted` names, one per item.
async fn views_at<C: ConnectionTrait>(
    db: &C,
    items: Vec<evidence_item::Model>,
    wanted: Vec<(Uuid, i32)>,
) -> Result<Vec<EvidenceView>, EvidenceError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    // Only the wanted version of each item, and its tags: an item edited
    // many times costs the same as one written once.
    let current = wanted;
    let mut version_rows: HashMap<Uuid, evidence_version::Model> = HashMap::new();
    let mut tag_rows: HashMap<Uuid, Vec<evidence_tag::Model>> = HashMap::new();
    for chunk in current.chunks(500) {
        for row in evidence_version::Entity::find()
            .filter(
                version_key(
                    evidence_version::Column::ItemId,
                    evidence_version::Column::Version,
                )
                .in_tuples(chunk.iter().copied()),
            )
            .all(db)
            .await?
        {
            version_rows.insert(row.item_id, row);
        }
        for row in evidence_tag::Entity::find()
            .filter(
                version_key(evidence_tag::Column::ItemId, evidence_tag::Column::Version)
                    .in_tuples(chunk.iter().copied()),
            )
            .all(db)
            .await?
        {
            tag_rows.entry(row.item_id).or_default().push(row);
        }
    }
    let shas: HashSet<String> = version_rows
        .values()
        .filter_map(|v| v.blob_sha256.clone())
        .collect();
    let blobs: HashMap<String, blob::Model> = if shas.is_empty() {
        HashMap::new()
    } else {
        blob::Entity::find()
            .filter(blob::Column::Sha256.is_in(shas))
            .all(db)
            .await?
            .into_iter()
            .map(|b| (b.sha256.clone(), b))
            .collect()
    };
    let competence_ids: HashSet<Uuid> = tag_rows
        .values()
        .flatten()
        .map(|t| t.competence_id)
        .collect();
    let competences: HashMap<Uuid, competence::Model> = if competence_ids.is_empty() {
        HashMap::new()
    } else {
        competence::Entity::find()
            .filter(competence::Column::Id.is_in(competence_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect()
    };
    let scales = scales_of(db, competences.values()).await?;
    // Each competence's titles parsed once, however many items it tags.
    let titles: HashMap<Uuid, LanguageMap> = competences
        .values()
        .map(|c| (c.id, serde_json::from_str(&c.title).unwrap_or_default()))
        .collect();
    let framework_keys: HashMap<Uuid, String> = {
        let ids: HashSet<Uuid> = competences.values().map(|c| c.framework_id).collect();
        crate::frameworks::store::headers(db, Some(framework::Column::Id.is_in(ids)))
            .await?
            .into_iter()
            .map(|f| (f.id, f.key))
            .collect()
    };
    let voided =
        crate::xapi::store::voided_among(db, version_rows.values().filter_map(|v| v.statement_id))
            .await?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Some(version) = version_rows.remove(&item.id) else {
            continue;
        };
        let mut tags: Vec<TagView> = tag_rows
            .remove(&item.id)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|tag| {
                let row = competences.get(&tag.competence_id)?;
                let level_title = tag.level.and_then(|level| {
                    let scale = scales.get(&row.id)?;
                    let index = usize::try_from(level - 1).ok()?;
                    scale.levels.get(index).map(|l| l.title.clone())
                });
                Some(TagView {
                    competence_id: row.id,
                    framework_key: framework_keys
                        .get(&row.framework_id)
                        .cloned()
                        .unwrap_or_default(),
                    code: row.code.clone(),
                    title: titles.get(&row.id).cloned().unwrap_or_default(),
                    level: tag.level,
                    level_title,
                    retired: row.retired_at.is_some(),
                })
            })
            .collect();
        tags.sort_by(|a, b| {
            a.framework_key
                .cmp(&b.framework_key)
                .then_with(|| model::natural_key(&a.code).cmp(&model::natural_key(&b.code)))
        });
        let file = version.blob_sha256.as_ref().and_then(|sha| {
            let blob = blobs.get(sha)?;
            Some(FileView {
                name: version
                    .file_name
                    .clone()
                    .unwrap_or_else(|| "file".to_owned()),
                media_type: blob.media_type.clone(),
                size: blob.size,
                sha256: sha.clone(),
                inline: shown_inline(&blob.media_type),
            })
        });
        out.push(EvidenceView {
            id: item.id,
            kind: Kind::parse(&item.kind),
            version: version.version,
            title: version.title,
            body_html: version.body_html,
            body: version.body,
            url: version.url,
            file,
            statement_voided: version.statement_id.is_some_and(|id| voided.contains(&id)),
            statement_id: version.statement_id,
            tags,
            describes_care_recipient: item.describes_care_recipient,
            created_at: item.created_at,
            updated_at: item.updated_at,
        });
    }
    Ok(out)
}

/// Markdown to HTML that can be put in any page: no scripts, styles,
/// images (which would tell a remote server who reads) or raw HTML
/// surviving, links opened safely.
pub fn markdown_to_safe_html(markdown: &str) -> String {
    use pulldown_cmark::{html, Options, Parser};
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES,
    );
    let mut unsafe_html = String::new();
    html::push_html(&mut unsafe_html, parser);
    ammonia::Builder::default()
        .rm_tags(["img"])
        .url_schemes(["http", "https", "mailto"].into())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_and_nothing_unsafe_survives() {
        let html = markdown_to_safe_html(
            "**Mrs K.** liked the *video call*.\n\n<script>alert(1)</script>\n\n[more](javascript:alert(1)) [ok](https://example.org) ![x](https://tracker.example/p.png)\n\n<img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<strong>Mrs K.</strong>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(html.contains(r#"href="https://example.org""#), "{html}");
        assert!(html.contains("noopener"), "{html}");
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            clean_file_name("C:\\Users\\ingrid\\rapport \"mai\".pdf"),
            "rapport mai.pdf"
        );
        assert_eq!(clean_file_name(".htaccess"), "htaccess");
        assert_eq!(clean_file_name("\u{0}\n"), "file");
        assert_eq!(clean_file_name(&"a".repeat(400)).len(), MAX_FILE_NAME_CHARS);
    }

    #[test]
    fn only_web_addresses_are_links() {
        assert!(check_url("https://helsenorge.no/tema").is_ok());
        assert!(check_url("javascript:alert(1)").is_err());
        assert!(check_url("file:///etc/passwd").is_err());
        assert!(check_url("not a url").is_err());
    }
}
