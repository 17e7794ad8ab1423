//! Shares a learner gives (with a named person of their course, with the
//! course's teachers, or by a secret link), and comments of readers.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::access::{self, Access};
use super::evidence::EvidenceError;
use super::session::LaunchSession;
use crate::entities::{collection, comment, evidence_item, membership, person, share};
use crate::identity::PersonId;
use crate::util::{now_ms, random_token, sha256_hex};

pub const MAX_COMMENT_CHARS: usize = 4_000;
pub const MAX_LINK_DAYS: i64 = 366;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShareKind {
    /// With one person of the same course.
    Person,
    /// With the teachers of the course the learner launched from.
    Course,
    /// With whoever holds a secret link.
    Link,
}

impl ShareKind {
    fn as_str(self) -> &'static str {
        match self {
            ShareKind::Person => "person",
            ShareKind::Course => "course",
            ShareKind::Link => "link",
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ShareDraft {
    pub kind: ShareKind,
    /// One collection; none shares the whole portfolio.
    #[serde(default)]
    pub collection_id: Option<Uuid>,
    /// For `person`: who.
    #[serde(default)]
    pub person_id: Option<Uuid>,
    /// For `link`: days until it stops working (at most a year); none: until revoked.
    #[serde(default)]
    pub expires_in_days: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShareView {
    pub id: Uuid,
    pub kind: ShareKind,
    pub collection_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub person_name: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// For a new link only: the secret, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Names of people by id (the name from their LMS, else given and family names).
pub async fn names_of<C: ConnectionTrait>(
    db: &C,
    ids: HashSet<Uuid>,
) -> Result<HashMap<Uuid, String>, sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(person::Entity::find()
        .filter(person::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| {
            let name = p.name.clone().unwrap_or_else(|| {
                [p.given_name.as_deref(), p.family_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            (p.id, name)
        })
        .collect())
}

/// Someone a learner can share with: a person of the same course.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CoursePerson {
    pub id: Uuid,
    pub name: String,
    pub teaches: bool,
}

/// The people of the session's course who have opened Carefolio, but the learner.
pub async fn course_people<C: ConnectionTrait>(
    db: &C,
    session: &LaunchSession,
) -> Result<Vec<CoursePerson>, EvidenceError> {
    let Some(course) = access::course_of(db, session).await? else {
        return Ok(Vec::new());
    };
    let members = membership::Entity::find()
        .filter(membership::Column::ContextId.eq(course))
        .filter(membership::Column::PersonId.ne(session.person_id.0))
        .all(db)
        .await?;
    let names = names_of(db, members.iter().map(|m| m.person_id).collect()).await?;
    let mut people: Vec<CoursePerson> = members
        .into_iter()
        .map(|m| {
            let roles: Vec<String> = serde_json::from_str(&m.roles).unwrap_or_default();
            CoursePerson {
                name: names.get(&m.person_id).cloned().unwrap_or_default(),
                id: m.person_id,
                teaches: crate::lti::roles::is_instructor(&roles),
            }
        })
        .collect();
    people.sort_by(|a, b| b.teaches.cmp(&a.teaches).then_with(|| a.name.cmp(&b.name)));
    Ok(people)
}

/// Creates a share of the session's learner's portfolio (or a collection of it).
pub async fn create<C: ConnectionTrait>(
    db: &C,
    session: &LaunchSession,
    draft: ShareDraft,
) -> Result<ShareView, EvidenceError> {
    let owner = session.person_id;
    if let Some(id) = draft.collection_id {
        let own = collection::Entity::find_by_id(id)
            .filter(collection::Column::OwnerId.eq(owner.0))
            .filter(collection::Column::DeletedAt.is_null())
            .one(db)
            .await?
            .is_some();
        if !own {
            return Err(EvidenceError::Invalid {
                field: "collection_id",
                problem: "not one of your collections".into(),
            });
        }
    }
    let course = access::course_of(db, session).await?;
    let mut row = share::ActiveModel {
        id: Set(Uuid::new_v4()),
        owner_id: Set(owner.0),
        kind: Set(draft.kind.as_str().to_owned()),
        collection_id: Set(draft.collection_id),
        grantee_id: Set(None),
        context_id: Set(None),
        token_hash: Set(None),
        expires_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now_ms()),
    };
    let mut secret = None;
    match draft.kind {
        ShareKind::Person => {
            let person = draft.person_id.ok_or(EvidenceError::Invalid {
                field: "person_id",
                problem: "name the person to share with".into(),
            })?;
            // Only someone of the learner's course, as the LMS says.
            let same_course = match course {
                Some(course) => membership::Entity::find()
                    .filter(membership::Column::ContextId.eq(course))
                    .filter(membership::Column::PersonId.eq(person))
                    .one(db)
                    .await?
                    .is_some(),
                None => false,
            };
            if !same_course || person == owner.0 {
                return Err(EvidenceError::Invalid {
                    field: "person_id",
                    problem: "not someone of your course".into(),
                });
            }
            row.grantee_id = Set(Some(person));
        }
        ShareKind::Course => {
            let course = course.ok_or(EvidenceError::Invalid {
                field: "kind",
                problem: "this activity belongs to no course".into(),
            })?;
            row.context_id = Set(Some(course));
        }
        ShareKind::Link => {
            let token = random_token(24);
            row.token_hash = Set(Some(sha256_hex(&token)));
            secret = Some(token);
        }
    }
    if let Some(days) = draft.expires_in_days {
        if !(1..=MAX_LINK_DAYS).contains(&days) {
            return Err(EvidenceError::Invalid {
                field: "expires_in_days",
                problem: format!("1 to {MAX_LINK_DAYS} days"),
            });
        }
        row.expires_at = Set(Some(now_ms() + days * 86_400_000));
    }
    let row = row.insert(db).await?;
    let mut view = views(db, vec![row])
        .await?
        .pop()
        .ok_or(EvidenceError::ShareNotFound)?;
    view.secret = secret;
    Ok(view)
}

/// The owner's shares, newest first (revoked ones too, marked).
pub async fn list<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
) -> Result<Vec<ShareView>, EvidenceError> {
    let rows = share::Entity::find()
        .filter(share::Column::OwnerId.eq(owner.0))
        .order_by_desc(share::Column::CreatedAt)
        .all(db)
        .await?;
    views(db, rows).await
}

async fn views<C: ConnectionTrait>(
    db: &C,
    rows: Vec<share::Model>,
) -> Result<Vec<ShareView>, EvidenceError> {
    let names = names_of(db, rows.iter().filter_map(|r| r.grantee_id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|row| ShareView {
            id: row.id,
            kind: match row.kind.as_str() {
                "person" => ShareKind::Person,
                "course" => ShareKind::Course,
                _ => ShareKind::Link,
            },
            collection_id: row.collection_id,
            person_name: row.grantee_id.and_then(|id| names.get(&id).cloned()),
            person_id: row.grantee_id,
            created_at: row.created_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            secret: None,
        })
        .collect())
}

/// Revokes one of the owner's shares: it stops working at once.
pub async fn revoke<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    id: Uuid,
) -> Result<(), EvidenceError> {
    let row = share::Entity::find_by_id(id)
        .filter(share::Column::OwnerId.eq(owner.0))
        .one(db)
        .await?
        .ok_or(EvidenceError::ShareNotFound)?;
    if row.revoked_at.is_none() {
        let mut active: share::ActiveModel = row.into();
        active.revoked_at = Set(Some(now_ms()));
        active.update(db).await?;
    }
    Ok(())
}

/// A portfolio shared with the session's person.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SharedWithMe {
    pub share_id: Uuid,
    pub kind: ShareKind,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub collection_title: Option<String>,
    pub created_at: i64,
}

/// What is shared with this session: named shares, and, for a teacher,
/// the course shares of its course.
pub async fn shared_with<C: ConnectionTrait>(
    db: &C,
    session: &LaunchSession,
) -> Result<Vec<SharedWithMe>, EvidenceError> {
    let mut rows = share::Entity::find()
        .filter(share::Column::Kind.eq("person"))
        .filter(share::Column::GranteeId.eq(session.person_id.0))
        .filter(share::Column::RevokedAt.is_null())
        .all(db)
        .await?;
    if session.clone().into_teaching().is_ok() {
        if let Some(course) = access::course_of(db, session).await? {
            rows.extend(
                share::Entity::find()
                    .filter(share::Column::Kind.eq("course"))
                    .filter(share::Column::ContextId.eq(course))
                    .filter(share::Column::RevokedAt.is_null())
                    .all(db)
                    .await?,
            );
        }
    }
    let now = now_ms();
    rows.retain(|r| r.expires_at.is_none_or(|at| at > now));
    let names = names_of(db, rows.iter().map(|r| r.owner_id).collect()).await?;
    let collections: HashMap<Uuid, String> = collection::Entity::find()
        .filter(collection::Column::Id.is_in(rows.iter().filter_map(|r| r.collection_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.title))
        .collect();
    let mut list: Vec<SharedWithMe> = rows
        .into_iter()
        .map(|row| SharedWithMe {
            share_id: row.id,
            kind: if row.kind == "course" {
                ShareKind::Course
            } else {
                ShareKind::Person
            },
            owner_id: row.owner_id,
            owner_name: names.get(&row.owner_id).cloned().unwrap_or_default(),
            collection_title: row
                .collection_id
                .and_then(|id| collections.get(&id).cloned()),
            created_at: row.created_at,
        })
        .collect();
    list.sort_by_key(|s| std::cmp::Reverse(s.created_at));
    Ok(list)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommentView {
    pub id: Uuid,
    pub item_id: Uuid,
    pub author_id: Uuid,
    pub author_name: String,
    /// Written by the item's owner.
    pub by_owner: bool,
    pub body: String,
    pub created_at: i64,
    pub seen: bool,
}

async fn comment_views<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    rows: Vec<comment::Model>,
) -> Result<Vec<CommentView>, EvidenceError> {
    let names = names_of(db, rows.iter().map(|c| c.author_id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|c| CommentView {
            id: c.id,
            item_id: c.item_id,
            author_name: names.get(&c.author_id).cloned().unwrap_or_default(),
            by_owner: c.author_id == owner.0,
            author_id: c.author_id,
            body: c.body,
            created_at: c.created_at,
            seen: c.seen_by_owner_at.is_some() || c.author_id == owner.0,
        })
        .collect())
}

/// The comments on an item this access shows, oldest first.
pub async fn comments<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    item: Uuid,
) -> Result<Vec<CommentView>, EvidenceError> {
    if access.is_public() {
        return Err(EvidenceError::NotAllowed(
            "a link shows evidence, not comments".into(),
        ));
    }
    access::check_item(db, access, item).await?;
    let rows = comment::Entity::find()
        .filter(comment::Column::ItemId.eq(item))
        .order_by_asc(comment::Column::CreatedAt)
        .all(db)
        .await?;
    comment_views(db, access.owner, rows).await
}

/// Adds a comment by the reader of `access` (the owner answers too).
pub async fn add_comment<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    item: Uuid,
    body: &str,
) -> Result<CommentView, EvidenceError> {
    let author = match (access.may_comment(), access.reader_person()) {
        (true, Some(author)) => author,
        _ => return Err(EvidenceError::NotAllowed("a link is read-only".into())),
    };
    access::check_item(db, access, item).await?;
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_COMMENT_CHARS {
        return Err(EvidenceError::Invalid {
            field: "body",
            problem: format!("a comment of 1 to {MAX_COMMENT_CHARS} characters"),
        });
    }
    let row = comment::ActiveModel {
        id: Set(Uuid::new_v4()),
        item_id: Set(item),
        author_id: Set(author.0),
        body: Set(body.to_owned()),
        created_at: Set(now_ms()),
        seen_by_owner_at: Set(None),
    }
    .insert(db)
    .await?;
    access::record(db, access, access::Action::Comment, &[item]).await?;
    Ok(comment_views(db, access.owner, vec![row]).await?.remove(0))
}

/// Comments by others on the owner's items that the owner has not seen.
pub async fn unseen<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
) -> Result<Vec<CommentView>, EvidenceError> {
    let items: Vec<Uuid> = evidence_item::Entity::find()
        .filter(evidence_item::Column::OwnerId.eq(owner.0))
        .filter(evidence_item::Column::DeletedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    let mut rows = Vec::new();
    for chunk in items.chunks(500) {
        rows.extend(
            comment::Entity::find()
                .filter(comment::Column::ItemId.is_in(chunk.iter().copied()))
                .filter(comment::Column::SeenByOwnerAt.is_null())
                .filter(comment::Column::AuthorId.ne(owner.0))
                .all(db)
                .await?,
        );
    }
    rows.sort_by_key(|c| c.created_at);
    comment_views(db, owner, rows).await
}

/// Marks every comment on the owner's items as seen.
pub async fn mark_seen<C: ConnectionTrait>(db: &C, owner: PersonId) -> Result<u64, EvidenceError> {
    use sea_orm::sea_query::Expr;
    let unseen: Vec<Uuid> = unseen(db, owner).await?.into_iter().map(|c| c.id).collect();
    let mut marked = 0;
    for chunk in unseen.chunks(500) {
        marked += comment::Entity::update_many()
            .col_expr(comment::Column::SeenByOwnerAt, Expr::value(now_ms()))
            .filter(comment::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(marked)
}
