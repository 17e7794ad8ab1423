//! Statement storage and queries, shaped after the xAPI Statement Resource
//! so it can grow into the full LRS.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{json, Value};
use uuid::Uuid;

use super::clients::Reach;
use super::XapiError;
use crate::entities::xapi_statement;
use crate::util::{now_ms, rfc3339_ms};

pub struct NewStatement {
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    /// The platform registration whose launch made it.
    pub platform_id: Option<i32>,
    pub actor_key: String,
    pub verb_id: String,
    pub object_id: String,
    pub timestamp_ms: i64,
    pub statement: Value,
}

/// Stores a statement, adding what the LRS owns: `stored`, `authority`, `version`.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    new: NewStatement,
    authority: &Value,
) -> Result<(), sea_orm::DbErr> {
    let stored = now_ms();
    let mut statement = new.statement;
    statement["stored"] = json!(rfc3339_ms(stored));
    statement["authority"] = authority.clone();
    statement["version"] = json!("1.0.3");
    xapi_statement::Entity::insert(xapi_statement::ActiveModel {
        id: Set(new.id),
        person_id: Set(new.person_id),
        platform_id: Set(new.platform_id),
        actor_key: Set(new.actor_key),
        verb_id: Set(new.verb_id),
        object_id: Set(new.object_id),
        registration: Set(None),
        timestamp: Set(new.timestamp_ms),
        stored: Set(stored),
        voided: Set(false),
        statement: Set(statement.to_string()),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct StatementQuery {
    pub statement_id: Option<Uuid>,
    pub verb: Option<String>,
    pub activity: Option<String>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub limit: u64,
    pub ascending: bool,
    /// Continue after (or before, when descending) this stored sequence number.
    pub cursor: Option<i32>,
}

pub const MAX_LIMIT: u64 = 500;

pub struct StatementPage {
    pub statements: Vec<Value>,
    pub next_cursor: Option<i32>,
}

/// Statements `reach` may read: a platform's client sees only statements
/// of that platform's launches.
fn within(
    select: sea_orm::Select<xapi_statement::Entity>,
    reach: Reach,
) -> sea_orm::Select<xapi_statement::Entity> {
    match reach {
        Reach::Everything => select,
        Reach::Platform(id) => select.filter(xapi_statement::Column::PlatformId.eq(id)),
    }
}

pub async fn query<C: ConnectionTrait>(
    db: &C,
    reach: Reach,
    query: &StatementQuery,
) -> Result<StatementPage, XapiError> {
    if let Some(id) = query.statement_id {
        let row = within(xapi_statement::Entity::find(), reach)
            .filter(xapi_statement::Column::Id.eq(id))
            .filter(xapi_statement::Column::Voided.eq(false))
            .one(db)
            .await?
            .ok_or(XapiError::NotFound)?;
        return Ok(StatementPage {
            statements: vec![parse(&row)?],
            next_cursor: None,
        });
    }
    let limit = query.limit.clamp(1, MAX_LIMIT);
    let mut select = within(xapi_statement::Entity::find(), reach)
        .filter(xapi_statement::Column::Voided.eq(false));
    if let Some(verb) = &query.verb {
        select = select.filter(xapi_statement::Column::VerbId.eq(verb));
    }
    if let Some(activity) = &query.activity {
        select = select.filter(xapi_statement::Column::ObjectId.eq(activity));
    }
    if let Some(since) = query.since_ms {
        select = select.filter(xapi_statement::Column::Stored.gt(since));
    }
    if let Some(until) = query.until_ms {
        select = select.filter(xapi_statement::Column::Stored.lte(until));
    }
    if let Some(cursor) = query.cursor {
        select = if query.ascending {
            select.filter(xapi_statement::Column::Seq.gt(cursor))
        } else {
            select.filter(xapi_statement::Column::Seq.lt(cursor))
        };
    }
    select = if query.ascending {
        select.order_by_asc(xapi_statement::Column::Seq)
    } else {
        select.order_by_desc(xapi_statement::Column::Seq)
    };
    let mut rows = select.limit(limit + 1).all(db).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok(StatementPage {
        next_cursor: if more {
            rows.last().map(|r| r.seq)
        } else {
            None
        },
        statements: rows.iter().map(parse).collect::<Result<_, _>>()?,
    })
}

/// A stored statement as JSON; one that is not is a fault in the store,
/// reported rather than shown as nothing.
fn parse(row: &xapi_statement::Model) -> Result<Value, sea_orm::DbErr> {
    serde_json::from_str(&row.statement).map_err(|e| {
        sea_orm::DbErr::Custom(format!("stored statement {} is not JSON: {e}", row.id))
    })
}

/// A person's most recent statements, newest first.
pub async fn recent_for_person<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
    limit: u64,
) -> Result<Vec<Value>, sea_orm::DbErr> {
    xapi_statement::Entity::find()
        .filter(xapi_statement::Column::PersonId.eq(person_id))
        .filter(xapi_statement::Column::Voided.eq(false))
        .order_by_desc(xapi_statement::Column::Seq)
        .limit(limit)
        .all(db)
        .await?
        .iter()
        .map(parse)
        .collect()
}
