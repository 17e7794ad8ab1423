//! Reading statements: by id, by voided id, and by the Statement
//! Resource's filters, in pages that stay stable while statements arrive
//! (the cursor is the storage sequence, never an offset).

use sea_orm::sea_query::{
    Alias, ColumnRef, Condition, Expr, IntoIden, JoinType, Order, Query, SimpleExpr,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, Statement,
};
use serde_json::Value;
use uuid::Uuid;

use super::clients::{Reach, XapiClient};
use super::store::{self, parse};
use super::XapiError;
use crate::entities::{
    xapi_attachment, xapi_statement, xapi_statement_activity, xapi_statement_agent,
};

/// Who reads: the statements within a credential's reach, and only its own
/// when its scope is `statements/read/mine`.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub reach: Reach,
    pub only_client: Option<i32>,
    /// A learner's credential reads that learner's statements.
    pub only_person: Option<Uuid>,
}

impl Reader {
    pub fn of(client: &XapiClient) -> Result<Reader, XapiError> {
        if let Some(learner) = &client.learner {
            Ok(Reader {
                reach: client.reach,
                only_client: None,
                only_person: Some(learner.person.0),
            })
        } else if client.scopes.read_all_statements() {
            Ok(Reader {
                reach: client.reach,
                only_client: None,
                only_person: None,
            })
        } else if client.scopes.read_own_statements() {
            Ok(Reader {
                reach: client.reach,
                only_client: client.id,
                only_person: None,
            })
        } else {
            Err(XapiError::Forbidden("read statements"))
        }
    }

    fn within(
        self,
        select: sea_orm::Select<xapi_statement::Entity>,
    ) -> sea_orm::Select<xapi_statement::Entity> {
        select.filter(self.condition(&Alias::new("xapi_statements")))
    }
}

#[derive(Debug, Default, Clone)]
pub struct Filters {
    /// The agent's key (its inverse functional identifier).
    pub agent: Option<String>,
    pub verb: Option<String>,
    pub activity: Option<String>,
    pub registration: Option<Uuid>,
    pub related_activities: bool,
    pub related_agents: bool,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub ascending: bool,
}

pub const DEFAULT_LIMIT: u64 = 100;
pub const MAX_LIMIT: u64 = 500;

pub struct Page {
    pub statements: Vec<StoredStatement>,
    /// The sequence to continue after (ascending) or before (descending).
    pub next_cursor: Option<i32>,
}

/// A statement as stored: its JSON text, and when it was stored.
pub struct StoredStatement {
    pub id: Uuid,
    pub stored_ms: i64,
    pub text: String,
}

impl StoredStatement {
    pub fn parse(&self) -> Result<Value, XapiError> {
        Ok(store::parse_text(self.id, &self.text)?)
    }

    /// The stored text, once checked to be a JSON object: a damaged store
    /// is reported, never passed on. Checking without building the value
    /// costs a fraction of parsing it.
    pub fn checked_text(&self) -> Result<&str, XapiError> {
        serde_json::from_str::<serde::de::IgnoredAny>(&self.text)
            .map_err(|e| store::not_a_statement(self.id, e))?;
        if !self.text.trim_start().starts_with('{') {
            return Err(store::not_a_statement(self.id, "not an object").into());
        }
        Ok(&self.text)
    }
}

/// One statement by id: a voided statement only by `voided`, any other only without.
pub async fn by_id<C: ConnectionTrait>(
    db: &C,
    reader: Reader,
    id: Uuid,
    voided: bool,
) -> Result<Value, XapiError> {
    let row = reader
        .within(xapi_statement::Entity::find())
        .filter(xapi_statement::Column::Id.eq(id))
        .filter(xapi_statement::Column::Voided.eq(voided))
        .one(db)
        .await?
        .ok_or(XapiError::NotFound)?;
    Ok(parse(&row)?)
}

/// Conditions on the statement table under `alias` for the filters that
/// pick statements by what they say (agent, verb, activity, registration).
fn matching(alias: &Alias, filters: &Filters, joined: Option<Joined>) -> Option<Condition> {
    let column = |c: xapi_statement::Column| Expr::col((alias.clone(), c));
    let mut condition = Condition::all();
    let mut any = joined.is_some();
    if let (Some(agent), false) = (&filters.agent, joined == Some(Joined::Agent)) {
        let mut mentions = Query::select();
        mentions
            .column(xapi_statement_agent::Column::StatementSeq)
            .from(xapi_statement_agent::Entity)
            .and_where(xapi_statement_agent::Column::AgentKey.eq(agent.as_str()));
        if !filters.related_agents {
            mentions.and_where(xapi_statement_agent::Column::Direct.eq(true));
        }
        condition =
            condition.add(column(xapi_statement::Column::Seq).in_subquery(mentions.to_owned()));
        any = true;
    }
    if let (Some(activity), false) = (&filters.activity, joined == Some(Joined::Activity)) {
        let mut mentions = Query::select();
        mentions
            .column(xapi_statement_activity::Column::StatementSeq)
            .from(xapi_statement_activity::Entity)
            .and_where(xapi_statement_activity::Column::ActivityId.eq(activity.as_str()));
        if !filters.related_activities {
            mentions.and_where(xapi_statement_activity::Column::Direct.eq(true));
        }
        condition =
            condition.add(column(xapi_statement::Column::Seq).in_subquery(mentions.to_owned()));
        any = true;
    }
    if let Some(verb) = &filters.verb {
        condition = condition.add(column(xapi_statement::Column::VerbId).eq(verb.as_str()));
        any = true;
    }
    if let Some(registration) = filters.registration {
        condition = condition.add(column(xapi_statement::Column::Registration).eq(registration));
        any = true;
    }
    any.then_some(condition)
}

/// The mentions table a filtered read is driven from: walking one agent's
/// (or activity's) mentions in storage order finds a page without touching
/// other statements, whatever the planner knows about the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Joined {
    Agent,
    Activity,
}

impl Reader {
    fn condition(self, alias: &Alias) -> Condition {
        let column = |c: xapi_statement::Column| Expr::col((alias.clone(), c));
        let mut condition = Condition::all();
        if let Reach::Platform(id) = self.reach {
            condition = condition.add(column(xapi_statement::Column::PlatformId).eq(id));
        }
        if let Some(client) = self.only_client {
            condition = condition.add(column(xapi_statement::Column::ClientId).eq(client));
        }
        if let Some(person) = self.only_person {
            condition = condition.add(column(xapi_statement::Column::PersonId).eq(person));
        }
        condition
    }
}

/// The queries a filtered read runs: the statements matching the filters,
/// and (when a filter names what statements say) those pointing at a
/// matching statement with a StatementRef (Communication 2.1.3, "filter
/// conditions for StatementRefs"). Public so tests can `EXPLAIN` them.
pub fn filtered_queries(
    backend: DbBackend,
    reader: Reader,
    filters: &Filters,
    limit: u64,
    cursor: Option<i32>,
) -> Vec<Statement> {
    let statement = Alias::new("s");
    let target = Alias::new("t");
    let mention = Alias::new("m");
    let column = |c: xapi_statement::Column| Expr::col((statement.clone(), c));
    let joined = if filters.agent.is_some() {
        Some(Joined::Agent)
    } else if filters.activity.is_some() {
        Some(Joined::Activity)
    } else {
        None
    };
    // The storage order: the mention's copy of the sequence when driven
    // from a mentions table, so the cursor and the order use its index.
    let order_column: SimpleExpr = match joined {
        Some(_) => Expr::col((mention.clone(), xapi_statement_agent::Column::StatementSeq)).into(),
        None => column(xapi_statement::Column::Seq).into(),
    };
    let mut common = Condition::all()
        .add(reader.condition(&statement))
        .add(column(xapi_statement::Column::Voided).eq(false));
    if let Some(since) = filters.since_ms {
        common = common.add(column(xapi_statement::Column::Stored).gt(since));
    }
    if let Some(until) = filters.until_ms {
        common = common.add(column(xapi_statement::Column::Stored).lte(until));
    }
    let after_cursor = |seq: SimpleExpr| match cursor {
        Some(cursor) if filters.ascending => Some(Expr::expr(seq).gt(cursor)),
        Some(cursor) => Some(Expr::expr(seq).lt(cursor)),
        None => None,
    };
    let order = if filters.ascending {
        Order::Asc
    } else {
        Order::Desc
    };
    // SQLite, which keeps no statistics here, would answer a time window
    // by walking the whole store in storage order; `+seq` stops the order
    // from using the primary key, so the window is read through the index
    // on `stored` and only its statements are sorted.
    let time_window = filters.since_ms.is_some() || filters.until_ms.is_some();
    let select = |condition: Condition, order_by: SimpleExpr, joined: Option<Joined>| {
        let mut query = Query::select();
        query
            .column(ColumnRef::TableAsterisk(statement.clone().into_iden()))
            .from_as(xapi_statement::Entity, statement.clone())
            .limit(limit + 1);
        let mut condition = condition;
        if let Some(after) = after_cursor(order_by.clone()) {
            condition = condition.add(after);
        }
        match joined {
            Some(Joined::Agent) => {
                query.join_as(
                    JoinType::InnerJoin,
                    xapi_statement_agent::Entity,
                    mention.clone(),
                    Expr::col((mention.clone(), xapi_statement_agent::Column::StatementSeq))
                        .equals((statement.clone(), xapi_statement::Column::Seq)),
                );
                condition = condition.add(
                    Expr::col((mention.clone(), xapi_statement_agent::Column::AgentKey))
                        .eq(filters.agent.clone().unwrap_or_default()),
                );
                if !filters.related_agents {
                    condition = condition.add(
                        Expr::col((mention.clone(), xapi_statement_agent::Column::Direct)).eq(true),
                    );
                }
                // Statements with other verbs are passed over in the
                // mentions, unread (kept on PostgreSQL only; rows from
                // before the hash was kept have none: their statement's
                // verb decides).
                if let (Some(verb), DbBackend::Postgres) = (&filters.verb, backend) {
                    let hash = Expr::col((mention.clone(), xapi_statement_agent::Column::VerbHash));
                    condition = condition.add(
                        Condition::any()
                            .add(hash.clone().eq(store::verb_hash(verb)))
                            .add(hash.is_null()),
                    );
                }
            }
            Some(Joined::Activity) => {
                query.join_as(
                    JoinType::InnerJoin,
                    xapi_statement_activity::Entity,
                    mention.clone(),
                    Expr::col((
                        mention.clone(),
                        xapi_statement_activity::Column::StatementSeq,
                    ))
                    .equals((statement.clone(), xapi_statement::Column::Seq)),
                );
                condition = condition.add(
                    Expr::col((mention.clone(), xapi_statement_activity::Column::ActivityId))
                        .eq(filters.activity.clone().unwrap_or_default()),
                );
                if !filters.related_activities {
                    condition = condition.add(
                        Expr::col((mention.clone(), xapi_statement_activity::Column::Direct))
                            .eq(true),
                    );
                }
            }
            None => {}
        }
        query.cond_where(condition);
        if time_window && joined.is_none() && backend == DbBackend::Sqlite {
            query.order_by_expr(Expr::cust("+\"s\".\"seq\""), order.clone());
        } else {
            query.order_by_expr(order_by, order.clone());
        }
        query
    };
    let direct = select(
        match matching(&statement, filters, joined) {
            Some(condition) => common.clone().add(condition),
            None => common.clone(),
        },
        order_column,
        joined,
    );
    let mut queries = vec![backend.build(&direct)];
    if let Some(target_matches) = matching(&target, filters, None) {
        let targets = Query::select()
            .expr(Expr::value(1))
            .from_as(xapi_statement::Entity, target.clone())
            .cond_where(
                Condition::all()
                    .add(
                        Expr::col((target.clone(), xapi_statement::Column::Id))
                            .equals((statement.clone(), xapi_statement::Column::RefId)),
                    )
                    .add(reader.condition(&target))
                    .add(target_matches),
            )
            .to_owned();
        let referring = select(
            common
                .add(column(xapi_statement::Column::RefId).is_not_null())
                .add(Expr::exists(targets)),
            column(xapi_statement::Column::Seq).into(),
            None,
        );
        queries.push(backend.build(&referring));
    }
    queries
}

/// Statements matching the filters, and statements that point at a
/// matching statement; voided statements are never returned, though what
/// points at them is.
pub async fn filtered<C: ConnectionTrait>(
    db: &C,
    reader: Reader,
    filters: &Filters,
    limit: u64,
    cursor: Option<i32>,
) -> Result<Page, XapiError> {
    let limit = if limit == 0 {
        MAX_LIMIT
    } else {
        limit.min(MAX_LIMIT)
    };
    // The direct matches and the statements referring to them, side by
    // side (each on a connection of its own when `db` is the pool).
    let queries = filtered_queries(db.get_database_backend(), reader, filters, limit, cursor);
    let found = futures::future::try_join_all(
        queries
            .into_iter()
            .map(|query| xapi_statement::Model::find_by_statement(query).all(db)),
    )
    .await?;
    let mut found = found.into_iter();
    let mut rows = found.next().unwrap_or_default();
    for referring in found.filter(|rows| !rows.is_empty()) {
        rows.extend(referring);
        rows.sort_by_key(|r| if filters.ascending { r.seq } else { -r.seq });
        rows.dedup_by_key(|r| r.seq);
    }
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok(Page {
        next_cursor: if more {
            rows.last().map(|r| r.seq)
        } else {
            None
        },
        statements: rows
            .into_iter()
            .map(|row| StoredStatement {
                id: row.id,
                stored_ms: row.stored,
                text: row.statement,
            })
            .collect(),
    })
}

/// The stored contents of the attachments these statements name (by
/// hash), in the order first named, each once.
pub async fn attachments_of<C: ConnectionTrait>(
    db: &C,
    statements: &[Value],
) -> Result<Vec<xapi_attachment::Model>, XapiError> {
    let mut hashes: Vec<String> = Vec::new();
    for statement in statements {
        for body in [statement, &statement["object"]] {
            for attachment in body["attachments"].as_array().into_iter().flatten() {
                if let Some(hash) = attachment["sha2"].as_str() {
                    if !hashes.iter().any(|h| h == hash) {
                        hashes.push(hash.to_owned());
                    }
                }
            }
        }
    }
    if hashes.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = xapi_attachment::Entity::find()
        .filter(xapi_attachment::Column::Sha2.is_in(hashes.clone()))
        .all(db)
        .await?;
    found.sort_by_key(|a| hashes.iter().position(|h| *h == a.sha2));
    Ok(found)
}
