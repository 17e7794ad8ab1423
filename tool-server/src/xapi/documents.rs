//! The document resources: State (an activity provider's memory for one
//! agent in one activity), Activity Profile and Agent Profile. Documents
//! are opaque bytes with a content type; JSON objects may be merged by POST.
//! Every write is checked against `If-Match` / `If-None-Match` (Communication
//! 3.1), with the ETag the SHA-1 of the content, as xAPI 1.0.3 asks.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::Value;
use sha1::{Digest, Sha1};

use super::XapiError;
use crate::entities::xapi_document;
use crate::util::now_ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    State,
    ActivityProfile,
    AgentProfile,
}

impl Kind {
    fn column(self) -> &'static str {
        match self {
            Kind::State => "state",
            Kind::ActivityProfile => "activity_profile",
            Kind::AgentProfile => "agent_profile",
        }
    }
}

/// Which documents: everything but the document id.
#[derive(Debug, Clone)]
pub struct Scope {
    pub owner: String,
    pub kind: Kind,
    pub activity_id: String,
    pub agent_key: String,
    /// `None`: any registration (for listing and deleting states).
    pub registration: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Document {
    pub content_type: String,
    pub content: Vec<u8>,
    pub etag: String,
    pub updated_ms: i64,
}

/// Concurrency headers of a write.
#[derive(Debug, Clone, Default)]
pub struct Preconditions {
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
}

impl Preconditions {
    pub fn given(&self) -> bool {
        self.if_match.is_some() || self.if_none_match.is_some()
    }

    /// Whether a write may go ahead over `current` (RFC 9110, 13.1.1–2).
    fn allow(&self, current: Option<&str>) -> bool {
        let listed = |header: &str, etag: &str| {
            header.trim() == "*"
                || header
                    .split(',')
                    .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
                    .any(|t| t == etag)
        };
        if let Some(header) = &self.if_match {
            match current {
                Some(etag) if listed(header, etag) => {}
                _ => return false,
            }
        }
        if let Some(header) = &self.if_none_match {
            if let Some(etag) = current {
                if listed(header, etag) {
                    return false;
                }
            }
        }
        true
    }
}

pub fn etag_of(content: &[u8]) -> String {
    format!("{:x}", Sha1::digest(content))
}

fn is_json(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

fn find(scope: &Scope, document_id: &str) -> sea_orm::Select<xapi_document::Entity> {
    xapi_document::Entity::find()
        .filter(xapi_document::Column::Owner.eq(scope.owner.as_str()))
        .filter(xapi_document::Column::Kind.eq(scope.kind.column()))
        .filter(xapi_document::Column::ActivityId.eq(scope.activity_id.as_str()))
        .filter(xapi_document::Column::AgentKey.eq(scope.agent_key.as_str()))
        .filter(
            xapi_document::Column::Registration.eq(scope.registration.clone().unwrap_or_default()),
        )
        .filter(xapi_document::Column::DocumentId.eq(document_id))
}

pub async fn get<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    document_id: &str,
) -> Result<Option<Document>, XapiError> {
    Ok(find(scope, document_id).one(db).await?.map(|row| Document {
        content_type: row.content_type,
        content: row.content,
        etag: row.etag,
        updated_ms: row.updated_at,
    }))
}

/// The ids of the documents in `scope`, changed after `since` if given,
/// with the latest change among them.
pub async fn ids<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    since_ms: Option<i64>,
) -> Result<(Vec<String>, Option<i64>), XapiError> {
    let mut select = xapi_document::Entity::find()
        .filter(xapi_document::Column::Owner.eq(scope.owner.as_str()))
        .filter(xapi_document::Column::Kind.eq(scope.kind.column()))
        .filter(xapi_document::Column::ActivityId.eq(scope.activity_id.as_str()))
        .filter(xapi_document::Column::AgentKey.eq(scope.agent_key.as_str()));
    if let Some(registration) = &scope.registration {
        select = select.filter(xapi_document::Column::Registration.eq(registration.as_str()));
    } else if scope.kind == Kind::State {
        select = select.filter(xapi_document::Column::Registration.eq(""));
    }
    if let Some(since) = since_ms {
        select = select.filter(xapi_document::Column::UpdatedAt.gt(since));
    }
    let rows = select
        .order_by_asc(xapi_document::Column::Id)
        .all(db)
        .await?;
    let latest = rows.iter().map(|r| r.updated_at).max();
    Ok((rows.into_iter().map(|r| r.document_id).collect(), latest))
}

/// How a write treats an existing document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// PUT: replace it.
    Replace,
    /// POST: merge JSON objects' top-level properties into it.
    Merge,
}

/// When a write must carry `If-Match` or `If-None-Match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadersRequired {
    No,
    /// Replacing an existing document (xAPI 2.0, every document).
    WhenItExists,
    /// Every replacement (xAPI 1.0.3 profiles: 409 over a document, 400 otherwise).
    Always,
}

/// Stores a document.
/// A document to store, and the conditions of storing it.
#[derive(Debug)]
pub struct Write {
    pub content_type: String,
    pub content: Vec<u8>,
    pub mode: Mode,
    pub preconditions: Preconditions,
    pub headers_required: HeadersRequired,
}

pub async fn put(
    db: &DatabaseConnection,
    scope: &Scope,
    document_id: &str,
    write: Write,
) -> Result<(), XapiError> {
    let Write {
        content_type,
        content,
        mode,
        preconditions,
        headers_required,
    } = write;
    let content_type = content_type.as_str();
    let txn = crate::db::begin_write(db).await?;
    let existing = find(scope, document_id).one(&*txn).await?;
    if !preconditions.allow(existing.as_ref().map(|d| d.etag.as_str())) {
        return Err(XapiError::PreconditionFailed);
    }
    if !preconditions.given() {
        match (headers_required, &existing) {
            (HeadersRequired::No, _) => {}
            (_, Some(_)) => {
                return Err(XapiError::DocumentConflict(
                    "the document exists: send If-Match with its ETag (or If-None-Match: *) to change it",
                ))
            }
            (HeadersRequired::Always, None) => {
                return Err(XapiError::BadRequest(
                    "send If-None-Match: * to create a profile document (or If-Match to change one)".into(),
                ))
            }
            (HeadersRequired::WhenItExists, None) => {}
        }
    }
    let (content_type, content) = match (&existing, mode) {
        (Some(current), Mode::Merge) => {
            let merged = merge(
                &current.content_type,
                &current.content,
                content_type,
                &content,
            )?;
            ("application/json".to_owned(), merged)
        }
        (None, Mode::Merge) if is_json(content_type) => {
            json_object(&content)?;
            (content_type.to_owned(), content)
        }
        _ => (content_type.to_owned(), content),
    };
    let etag = etag_of(&content);
    let now = now_ms();
    match existing {
        Some(row) => {
            let mut row: xapi_document::ActiveModel = row.into();
            row.content_type = Set(content_type);
            row.content = Set(content);
            row.etag = Set(etag);
            row.updated_at = Set(now);
            row.update(&*txn).await?;
        }
        None => {
            xapi_document::ActiveModel {
                owner: Set(scope.owner.clone()),
                kind: Set(scope.kind.column().to_owned()),
                activity_id: Set(scope.activity_id.clone()),
                agent_key: Set(scope.agent_key.clone()),
                registration: Set(scope.registration.clone().unwrap_or_default()),
                document_id: Set(document_id.to_owned()),
                content_type: Set(content_type),
                content: Set(content),
                etag: Set(etag),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&*txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

fn json_object(content: &[u8]) -> Result<serde_json::Map<String, Value>, XapiError> {
    match serde_json::from_slice::<Value>(content) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(XapiError::BadRequest(
            "a POST merges JSON objects: the body must be a JSON object".into(),
        )),
    }
}

/// POST's merge (Communication 2.2): both documents must be JSON objects;
/// the new top-level properties replace the old ones.
fn merge(
    current_type: &str,
    current: &[u8],
    new_type: &str,
    new: &[u8],
) -> Result<Vec<u8>, XapiError> {
    if !is_json(current_type) || !is_json(new_type) {
        return Err(XapiError::BadRequest(
            "a POST merges JSON documents: both the stored document and the body must be application/json".into(),
        ));
    }
    let mut merged = json_object(current).map_err(|_| {
        XapiError::BadRequest(
            "the stored document is not a JSON object, so it cannot be merged".into(),
        )
    })?;
    for (key, value) in json_object(new)? {
        merged.insert(key, value);
    }
    Ok(Value::Object(merged).to_string().into_bytes())
}

/// Deletes one document (with preconditions) or, without an id, every
/// document in scope (the State resource's multiple delete).
pub async fn delete(
    db: &DatabaseConnection,
    scope: &Scope,
    document_id: Option<&str>,
    preconditions: &Preconditions,
) -> Result<(), XapiError> {
    match document_id {
        Some(id) => {
            let txn = crate::db::begin_write(db).await?;
            let existing = find(scope, id).one(&*txn).await?;
            if !preconditions.allow(existing.as_ref().map(|d| d.etag.as_str())) {
                return Err(XapiError::PreconditionFailed);
            }
            if let Some(row) = existing {
                xapi_document::Entity::delete_by_id(row.id)
                    .exec(&*txn)
                    .await?;
            }
            txn.commit().await?;
        }
        None => {
            let mut delete = xapi_document::Entity::delete_many()
                .filter(xapi_document::Column::Owner.eq(scope.owner.as_str()))
                .filter(xapi_document::Column::Kind.eq(scope.kind.column()))
                .filter(xapi_document::Column::ActivityId.eq(scope.activity_id.as_str()))
                .filter(xapi_document::Column::AgentKey.eq(scope.agent_key.as_str()));
            if let Some(registration) = &scope.registration {
                delete =
                    delete.filter(xapi_document::Column::Registration.eq(registration.as_str()));
            } else if scope.kind == Kind::State {
                delete = delete.filter(xapi_document::Column::Registration.eq(""));
            }
            delete.exec(db).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preconditions() {
        let matching = Preconditions {
            if_match: Some("\"abc\"".into()),
            if_none_match: None,
        };
        assert!(matching.allow(Some("abc")));
        assert!(!matching.allow(Some("def")));
        assert!(!matching.allow(None));
        let absent = Preconditions {
            if_match: None,
            if_none_match: Some("*".into()),
        };
        assert!(absent.allow(None));
        assert!(!absent.allow(Some("abc")));
    }

    #[test]
    fn merging_needs_json_objects() {
        let merged = merge(
            "application/json",
            br#"{"a":1,"b":2}"#,
            "application/json",
            br#"{"b":3}"#,
        )
        .expect("valid");
        assert_eq!(
            serde_json::from_slice::<Value>(&merged).expect("valid"),
            serde_json::json!({"a":1,"b":3})
        );
        assert!(merge("text/plain", b"x", "application/json", b"{}").is_err());
        assert!(merge("application/json", b"{}", "application/json", b"[1]").is_err());
    }
}
