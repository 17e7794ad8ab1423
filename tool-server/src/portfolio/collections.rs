//! Collections: a learner's ordered selection of evidence with an
//! introduction ("Peer support placement, spring").

use std::collections::HashSet;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::evidence::{self, EvidenceError};
use crate::entities::{collection, collection_item, evidence_item};
use crate::identity::PersonId;
use crate::util::now_ms;

pub const MAX_ITEMS: usize = 500;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CollectionDraft {
    pub title: String,
    #[serde(default)]
    pub introduction: Option<String>,
    /// The items, in order; all the owner's own.
    #[serde(default)]
    pub items: Vec<Uuid>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CollectionView {
    pub id: Uuid,
    pub title: String,
    pub introduction: Option<String>,
    pub introduction_html: Option<String>,
    pub items: Vec<Uuid>,
    pub updated_at: i64,
}

async fn check(
    db: &impl ConnectionTrait,
    owner: PersonId,
    draft: &CollectionDraft,
) -> Result<(String, Option<String>, Vec<Uuid>), EvidenceError> {
    let title = draft.title.trim();
    if title.is_empty() || title.chars().count() > evidence::MAX_TITLE_CHARS {
        return Err(EvidenceError::Invalid {
            field: "title",
            problem: format!("a title of 1 to {} characters", evidence::MAX_TITLE_CHARS),
        });
    }
    let introduction = draft.introduction.clone().filter(|i| !i.trim().is_empty());
    if introduction
        .as_ref()
        .is_some_and(|i| i.chars().count() > evidence::MAX_BODY_CHARS)
    {
        return Err(EvidenceError::Invalid {
            field: "introduction",
            problem: format!("at most {} characters", evidence::MAX_BODY_CHARS),
        });
    }
    if draft.items.len() > MAX_ITEMS {
        return Err(EvidenceError::Invalid {
            field: "items",
            problem: format!("at most {MAX_ITEMS} items"),
        });
    }
    let mut seen = HashSet::new();
    let items: Vec<Uuid> = draft
        .items
        .iter()
        .copied()
        .filter(|i| seen.insert(*i))
        .collect();
    let own: HashSet<Uuid> = evidence_item::Entity::find()
        .filter(evidence_item::Column::OwnerId.eq(owner.0))
        .filter(evidence_item::Column::DeletedAt.is_null())
        .filter(evidence_item::Column::Id.is_in(items.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    if let Some(foreign) = items.iter().find(|i| !own.contains(i)) {
        return Err(EvidenceError::Invalid {
            field: "items",
            problem: format!("{foreign} is not one of your evidence items"),
        });
    }
    Ok((title.to_owned(), introduction, items))
}

async fn set_items<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    items: &[Uuid],
) -> Result<(), sea_orm::DbErr> {
    collection_item::Entity::delete_many()
        .filter(collection_item::Column::CollectionId.eq(id))
        .exec(db)
        .await?;
    if !items.is_empty() {
        collection_item::Entity::insert_many(items.iter().enumerate().map(|(i, item)| {
            collection_item::ActiveModel {
                collection_id: Set(id),
                item_id: Set(*item),
                position: Set(i as i32 + 1),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

pub async fn create<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    owner: PersonId,
    draft: CollectionDraft,
) -> Result<CollectionView, EvidenceError> {
    let (title, introduction, items) = check(db, owner, &draft).await?;
    let id = Uuid::new_v4();
    let now = now_ms();
    let txn = db.begin().await?;
    collection::ActiveModel {
        id: Set(id),
        owner_id: Set(owner.0),
        title: Set(title),
        introduction: Set(introduction),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
    }
    .insert(&txn)
    .await?;
    set_items(&txn, id, &items).await?;
    txn.commit().await?;
    get(db, owner, id).await
}

pub async fn update<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    owner: PersonId,
    id: Uuid,
    draft: CollectionDraft,
) -> Result<CollectionView, EvidenceError> {
    let row = owned(db, owner, id).await?;
    let (title, introduction, items) = check(db, owner, &draft).await?;
    let txn = db.begin().await?;
    let mut active: collection::ActiveModel = row.into();
    active.title = Set(title);
    active.introduction = Set(introduction);
    active.updated_at = Set(now_ms());
    active.update(&txn).await?;
    set_items(&txn, id, &items).await?;
    txn.commit().await?;
    get(db, owner, id).await
}

pub async fn delete<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    id: Uuid,
) -> Result<(), EvidenceError> {
    let row = owned(db, owner, id).await?;
    let mut active: collection::ActiveModel = row.into();
    active.deleted_at = Set(Some(now_ms()));
    active.update(db).await?;
    Ok(())
}

async fn owned<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    id: Uuid,
) -> Result<collection::Model, EvidenceError> {
    collection::Entity::find_by_id(id)
        .filter(collection::Column::OwnerId.eq(owner.0))
        .filter(collection::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or(EvidenceError::NotFound)
}

/// One of the owner's collections, with its live items in order.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    id: Uuid,
) -> Result<CollectionView, EvidenceError> {
    let row = owned(db, owner, id).await?;
    views(db, vec![row])
        .await?
        .pop()
        .ok_or(EvidenceError::NotFound)
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
) -> Result<Vec<CollectionView>, EvidenceError> {
    let rows = collection::Entity::find()
        .filter(collection::Column::OwnerId.eq(owner.0))
        .filter(collection::Column::DeletedAt.is_null())
        .order_by_desc(collection::Column::UpdatedAt)
        .all(db)
        .await?;
    views(db, rows).await
}

async fn views<C: ConnectionTrait>(
    db: &C,
    rows: Vec<collection::Model>,
) -> Result<Vec<CollectionView>, EvidenceError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let entries = collection_item::Entity::find()
        .filter(collection_item::Column::CollectionId.is_in(ids))
        .order_by_asc(collection_item::Column::Position)
        .all(db)
        .await?;
    let item_ids: HashSet<Uuid> = entries.iter().map(|e| e.item_id).collect();
    let live: HashSet<Uuid> = evidence_item::Entity::find()
        .filter(evidence_item::Column::Id.is_in(item_ids))
        .filter(evidence_item::Column::DeletedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| CollectionView {
            items: entries
                .iter()
                .filter(|e| e.collection_id == row.id && live.contains(&e.item_id))
                .map(|e| e.item_id)
                .collect(),
            id: row.id,
            title: row.title,
            introduction_html: row
                .introduction
                .as_deref()
                .map(evidence::markdown_to_safe_html),
            introduction: row.introduction,
            updated_at: row.updated_at,
        })
        .collect())
}

/// A collection as a reader sees it (its title and introduction only).
pub async fn shown<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    id: Uuid,
) -> Result<Option<CollectionView>, EvidenceError> {
    match get(db, owner, id).await {
        Ok(view) => Ok(Some(view)),
        Err(EvidenceError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}
