//! Who may read what of a learner's portfolio: one capability per kind of
//! reader (the owner, a named reader, a course's teachers, a link
//! holder), made only here, from the share that grants it and checked
//! again on every request, so a revocation holds at once. Every read by
//! someone other than the owner is written to the owner's audit trail.

use std::collections::HashSet;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use uuid::Uuid;

use super::evidence::EvidenceError;
use super::session::LaunchSession;
use crate::entities::{
    audit_event, collection, collection_item, evidence_item, membership, resource_link, share,
};
use crate::identity::PersonId;
use crate::util::{now_ms, sha256_hex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Owner,
    /// Someone the owner named (a peer or an assessor of the same course).
    Person {
        person: PersonId,
        share: Uuid,
    },
    /// A teacher of the course the owner shared with.
    CourseTeacher {
        person: PersonId,
        share: Uuid,
    },
    /// Whoever holds a secret link: read-only, and never an item that
    /// describes a care recipient.
    Link {
        share: Uuid,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Everything,
    Collection(Uuid),
}

/// What one reader may see of one owner's portfolio.
#[derive(Debug, Clone, Copy)]
pub struct Access {
    pub owner: PersonId,
    pub reader: Reader,
    pub scope: Scope,
}

impl Access {
    pub fn owner(person: PersonId) -> Access {
        Access {
            owner: person,
            reader: Reader::Owner,
            scope: Scope::Everything,
        }
    }

    pub fn is_owner(&self) -> bool {
        self.reader == Reader::Owner
    }

    pub fn is_public(&self) -> bool {
        matches!(self.reader, Reader::Link { .. })
    }

    /// Readers who are known people may comment; link holders may not.
    pub fn may_comment(&self) -> bool {
        !self.is_public()
    }

    pub fn share(&self) -> Option<Uuid> {
        match self.reader {
            Reader::Owner => None,
            Reader::Person { share, .. }
            | Reader::CourseTeacher { share, .. }
            | Reader::Link { share } => Some(share),
        }
    }

    /// The person reading, when known.
    pub fn reader_person(&self) -> Option<PersonId> {
        match self.reader {
            Reader::Owner => Some(self.owner),
            Reader::Person { person, .. } | Reader::CourseTeacher { person, .. } => Some(person),
            Reader::Link { .. } => None,
        }
    }

    fn actor_kind(&self) -> &'static str {
        match self.reader {
            Reader::Owner => "owner",
            Reader::Person { .. } => "person",
            Reader::CourseTeacher { .. } => "course_teacher",
            Reader::Link { .. } => "link",
        }
    }
}

fn active(row: &share::Model) -> bool {
    row.revoked_at.is_none() && row.expires_at.is_none_or(|at| at > now_ms())
}

fn scope_of(row: &share::Model) -> Scope {
    row.collection_id
        .map_or(Scope::Everything, Scope::Collection)
}

/// The course of the activity a launch session came from.
pub async fn course_of<C: ConnectionTrait>(
    db: &C,
    session: &LaunchSession,
) -> Result<Option<Uuid>, sea_orm::DbErr> {
    Ok(resource_link::Entity::find_by_id(session.resource_link_id)
        .one(db)
        .await?
        .and_then(|link| link.context_id))
}

/// The access share `id` gives this launch session, if it gives any.
pub async fn through_share<C: ConnectionTrait>(
    db: &C,
    session: &LaunchSession,
    id: Uuid,
) -> Result<Access, EvidenceError> {
    let row = share::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(active)
        .ok_or(EvidenceError::ShareNotFound)?;
    let person = session.person_id;
    let reader = match row.kind.as_str() {
        "person" if row.grantee_id == Some(person.0) => Reader::Person { person, share: id },
        "course" => {
            let teaches = session.clone().into_teaching().is_ok();
            if !teaches
                || row.context_id.is_none()
                || course_of(db, session).await? != row.context_id
            {
                return Err(EvidenceError::ShareNotFound);
            }
            Reader::CourseTeacher { person, share: id }
        }
        _ => return Err(EvidenceError::ShareNotFound),
    };
    Ok(Access {
        owner: PersonId(row.owner_id),
        reader,
        scope: scope_of(&row),
    })
}

/// The access a secret link gives.
pub async fn through_link<C: ConnectionTrait>(
    db: &C,
    secret: &str,
) -> Result<Access, EvidenceError> {
    if secret.len() > 100 {
        return Err(EvidenceError::ShareNotFound);
    }
    let row = share::Entity::find()
        .filter(share::Column::TokenHash.eq(sha256_hex(secret)))
        .filter(share::Column::Kind.eq("link"))
        .one(db)
        .await?
        .filter(active)
        .ok_or(EvidenceError::ShareNotFound)?;
    Ok(Access {
        owner: PersonId(row.owner_id),
        reader: Reader::Link { share: row.id },
        scope: scope_of(&row),
    })
}

/// The access a file address was made under, checked again now: the
/// share still active and still showing the item.
pub async fn for_file<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    reader: Option<Uuid>,
    share_id: Option<Uuid>,
) -> Result<Access, EvidenceError> {
    let Some(share_id) = share_id else {
        return if reader == Some(owner.0) {
            Ok(Access::owner(owner))
        } else {
            Err(EvidenceError::NotFound)
        };
    };
    let row = share::Entity::find_by_id(share_id)
        .filter(share::Column::OwnerId.eq(owner.0))
        .one(db)
        .await?
        .filter(active)
        .ok_or(EvidenceError::NotFound)?;
    let reader = match (row.kind.as_str(), reader) {
        ("person", Some(person)) if row.grantee_id == Some(person) => Reader::Person {
            person: PersonId(person),
            share: share_id,
        },
        // A file address lives ten minutes: checked again that its reader
        // still teaches the course (as of their latest launch in it).
        ("course", Some(person)) if teaches(db, person, row.context_id).await? => {
            Reader::CourseTeacher {
                person: PersonId(person),
                share: share_id,
            }
        }
        ("link", None) => Reader::Link { share: share_id },
        _ => return Err(EvidenceError::NotFound),
    };
    Ok(Access {
        owner,
        reader,
        scope: scope_of(&row),
    })
}

/// Whether `person`'s latest launch in `course` was as its teacher.
async fn teaches<C: ConnectionTrait>(
    db: &C,
    person: Uuid,
    course: Option<Uuid>,
) -> Result<bool, sea_orm::DbErr> {
    let Some(course) = course else {
        return Ok(false);
    };
    let roles = membership::Entity::find_by_id((person, course))
        .one(db)
        .await?
        .map(|m| serde_json::from_str::<Vec<String>>(&m.roles).unwrap_or_default())
        .unwrap_or_default();
    Ok(crate::lti::roles::is_instructor(&roles))
}

/// The course share a learner gave the course of this teaching session.
pub async fn course_share_of<C: ConnectionTrait>(
    db: &C,
    teacher: &crate::portfolio::session::Teaching,
    learner: PersonId,
) -> Result<Access, EvidenceError> {
    let session = teacher.session();
    let course = course_of(db, session)
        .await?
        .ok_or(EvidenceError::ShareNotFound)?;
    let row = share::Entity::find()
        .filter(share::Column::OwnerId.eq(learner.0))
        .filter(share::Column::Kind.eq("course"))
        .filter(share::Column::ContextId.eq(course))
        .order_by_desc(share::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .find(active)
        .ok_or(EvidenceError::ShareNotFound)?;
    Ok(Access {
        owner: learner,
        reader: Reader::CourseTeacher {
            person: session.person_id,
            share: row.id,
        },
        scope: scope_of(&row),
    })
}

/// The items this access shows, in the scope's order (a collection's
/// order, or newest change first).
pub async fn visible_items<C: ConnectionTrait>(
    db: &C,
    access: &Access,
) -> Result<Vec<Uuid>, EvidenceError> {
    let live: Vec<evidence_item::Model> = evidence_item::Entity::find()
        .filter(evidence_item::Column::OwnerId.eq(access.owner.0))
        .filter(evidence_item::Column::DeletedAt.is_null())
        .order_by_desc(evidence_item::Column::UpdatedAt)
        .all(db)
        .await?;
    let allowed =
        |item: &evidence_item::Model| !(access.is_public() && item.describes_care_recipient);
    Ok(match access.scope {
        Scope::Everything => live.iter().filter(|i| allowed(i)).map(|i| i.id).collect(),
        Scope::Collection(id) => {
            let exists = collection::Entity::find_by_id(id)
                .filter(collection::Column::DeletedAt.is_null())
                .filter(collection::Column::OwnerId.eq(access.owner.0))
                .one(db)
                .await?
                .is_some();
            if !exists {
                return Ok(Vec::new());
            }
            let shown: HashSet<Uuid> = live.iter().filter(|i| allowed(i)).map(|i| i.id).collect();
            collection_item::Entity::find()
                .filter(collection_item::Column::CollectionId.eq(id))
                .order_by_asc(collection_item::Column::Position)
                .all(db)
                .await?
                .into_iter()
                .map(|row| row.item_id)
                .filter(|item| shown.contains(item))
                .collect()
        }
    })
}

/// Whether this access shows item `id`; `NotFound` when it does not.
pub async fn check_item<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    id: Uuid,
) -> Result<(), EvidenceError> {
    if visible_items(db, access).await?.contains(&id) {
        Ok(())
    } else {
        Err(EvidenceError::NotFound)
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Action {
    ReadItem,
    ReadFile,
    Comment,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::ReadItem => "read_item",
            Action::ReadFile => "read_file",
            Action::Comment => "comment",
        }
    }
}

/// Writes what a reader other than the owner did to the owner's audit trail.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    action: Action,
    items: &[Uuid],
) -> Result<(), sea_orm::DbErr> {
    if access.is_owner() || items.is_empty() {
        return Ok(());
    }
    let at = now_ms();
    let rows = items.iter().map(|item| audit_event::ActiveModel {
        owner_id: Set(access.owner.0),
        actor_id: Set(access.reader_person().map(|p| p.0)),
        actor_kind: Set(access.actor_kind().to_owned()),
        share_id: Set(access.share()),
        action: Set(action.as_str().to_owned()),
        item_id: Set(Some(*item)),
        at: Set(at),
        ..Default::default()
    });
    for chunk in rows.collect::<Vec<_>>().chunks(200) {
        audit_event::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Writes an assessor's reading of the evidence of a claim to the
/// learner's audit trail.
pub async fn record_assessor_read<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    assessor: PersonId,
    items: &[Uuid],
) -> Result<(), sea_orm::DbErr> {
    if items.is_empty() || owner == assessor {
        return Ok(());
    }
    let at = now_ms();
    let rows: Vec<audit_event::ActiveModel> = items
        .iter()
        .map(|item| audit_event::ActiveModel {
            owner_id: Set(owner.0),
            actor_id: Set(Some(assessor.0)),
            actor_kind: Set("assessor".to_owned()),
            share_id: Set(None),
            action: Set(Action::ReadItem.as_str().to_owned()),
            item_id: Set(Some(*item)),
            at: Set(at),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(200) {
        audit_event::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// One line of the audit trail as its owner sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditLine {
    pub at: i64,
    pub action: String,
    pub reader_kind: String,
    /// The reader's name; none for a link holder.
    pub reader: Option<String>,
    pub item_id: Option<Uuid>,
    pub item_title: Option<String>,
}

/// The owner's audit trail, newest first, at most `limit` lines.
pub async fn trail<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    limit: u64,
) -> Result<Vec<AuditLine>, EvidenceError> {
    use sea_orm::QuerySelect;
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::OwnerId.eq(owner.0))
        .order_by_desc(audit_event::Column::At)
        .order_by_desc(audit_event::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let people: HashSet<Uuid> = events.iter().filter_map(|e| e.actor_id).collect();
    let names = super::sharing::names_of(db, people).await?;
    let items: HashSet<Uuid> = events.iter().filter_map(|e| e.item_id).collect();
    let titles = super::evidence::titles_of(db, items).await?;
    Ok(events
        .into_iter()
        .map(|event| AuditLine {
            at: event.at,
            action: event.action,
            reader_kind: event.actor_kind,
            reader: event.actor_id.and_then(|id| names.get(&id).cloned()),
            item_title: event.item_id.and_then(|id| titles.get(&id).cloned()),
            item_id: event.item_id,
        })
        .collect())
}
