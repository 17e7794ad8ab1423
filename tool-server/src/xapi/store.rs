//! Writing statements: the ones Carefolio composes and the ones clients
//! send. A batch is stored in one transaction with everything the queries
//! need (who and what each statement mentions), or not at all.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::{json, Value};
use uuid::Uuid;

use super::agents::{self, Mentions};
use super::{XapiError, VERB_VOIDED};
use crate::entities::{
    xapi_activity, xapi_attachment, xapi_statement, xapi_statement_activity, xapi_statement_agent,
};
use crate::util::{now_ms, rfc3339_ms};

/// A statement ready to be stored: valid, with an id.
#[derive(Debug, Clone)]
pub struct NewStatement {
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    /// The platform registration whose launch or credentials made it.
    pub platform_id: Option<i32>,
    /// The client whose credentials sent it; none for Carefolio's own.
    pub client_id: Option<i32>,
    pub statement: Value,
}

/// An attachment's content, sent beside the statements that name it.
#[derive(Debug, Clone)]
pub struct AttachmentContent {
    pub sha2: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// How many rows go into one INSERT: well inside both databases' limits
/// on bound parameters.
const ROWS_PER_INSERT: usize = 400;

/// Stores Carefolio's own statement, adding what the LRS owns.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    new: NewStatement,
    authority: &Value,
) -> Result<(), sea_orm::DbErr> {
    match insert_all(db, vec![new], authority, "1.0.3", &[], None).await {
        Ok(_) => Ok(()),
        Err(XapiError::Database(e)) => Err(e),
        Err(other) => Err(sea_orm::DbErr::Custom(format!(
            "recording a statement: {other}"
        ))),
    }
}

/// Fields of a statement the LRS indexes.
struct Indexed {
    actor_key: String,
    verb_id: String,
    object_id: String,
    registration: Option<Uuid>,
    timestamp_ms: i64,
    voids: Option<Uuid>,
    ref_id: Option<Uuid>,
    mentions: Mentions,
}

fn indexed(statement: &Value, stored: i64) -> Indexed {
    let object = &statement["object"];
    let object_id = match object.get("objectType").and_then(Value::as_str) {
        Some("Agent") | Some("Group") => agents::key(object).unwrap_or_default(),
        _ => object
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    };
    let verb_id = statement["verb"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let ref_id = (object.get("objectType").and_then(Value::as_str) == Some("StatementRef"))
        .then(|| Uuid::parse_str(&object_id).ok())
        .flatten();
    let voids = if verb_id == VERB_VOIDED { ref_id } else { None };
    Indexed {
        actor_key: agents::key(&statement["actor"]).unwrap_or_default(),
        registration: statement["context"]["registration"]
            .as_str()
            .and_then(|r| Uuid::parse_str(r).ok()),
        timestamp_ms: statement["timestamp"]
            .as_str()
            .and_then(super::validate::parse_timestamp)
            .unwrap_or(stored),
        mentions: Mentions::of(statement),
        verb_id,
        object_id,
        voids,
        ref_id,
    }
}

/// Two statements with one id are the same statement when they differ only
/// in what the LRS sets (`stored`, `authority`, `version`) and in how their
/// timestamp is written (xAPI 2.0, section 2.1.3 Statement Comparison).
pub fn same_statement(a: &Value, b: &Value) -> bool {
    let strip = |value: &Value| {
        let mut value = value.clone();
        if let Some(object) = value.as_object_mut() {
            for key in ["stored", "authority", "version", "timestamp"] {
                object.remove(key);
            }
        }
        if let Some(Value::String(duration)) = value.pointer_mut("/result/duration") {
            *duration = truncated_duration(duration);
        }
        if let Some(Value::String(duration)) = value.pointer_mut("/object/result/duration") {
            *duration = truncated_duration(duration);
        }
        value
    };
    let instant = |value: &Value| {
        value["timestamp"]
            .as_str()
            .and_then(super::validate::parse_timestamp)
    };
    // A statement sent without a timestamp got the time it was stored.
    let timestamps_agree = match (instant(a), instant(b)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    strip(a) == strip(b) && timestamps_agree
}

/// A duration with its seconds cut to hundredths: statements are compared
/// at that precision (xAPI 2.0, 4.2.7).
fn truncated_duration(duration: &str) -> String {
    let Some(seconds_end) = duration.strip_suffix('S') else {
        return duration.to_owned();
    };
    match seconds_end.rfind('.') {
        Some(dot) if seconds_end.len() - dot - 1 > 2 => format!("{}S", &seconds_end[..dot + 3]),
        _ => duration.to_owned(),
    }
}

/// Stores statements in the given connection or transaction: either every
/// one is stored, or an error says why none should be (the caller's
/// transaction is then rolled back). A statement whose id is already stored
/// with the same content is skipped; with other content, 409 Conflict.
/// `reach_platform`: the platform a client's statements belong to, used to
/// find voiding targets it may void.
pub async fn insert_all<C: ConnectionTrait>(
    db: &C,
    statements: Vec<NewStatement>,
    authority: &Value,
    version: &str,
    attachments: &[AttachmentContent],
    activity_owner: Option<&str>,
) -> Result<Vec<Uuid>, XapiError> {
    let ids: Vec<Uuid> = statements.iter().map(|s| s.id).collect();
    let mut unique = HashSet::with_capacity(ids.len());
    if let Some(repeated) = ids.iter().find(|id| !unique.insert(**id)) {
        return Err(XapiError::invalid_statement(
            "statement.id",
            format!("{repeated} appears twice in the batch"),
        ));
    }
    let existing = existing_statements(db, &ids).await?;
    let mut fresh = Vec::with_capacity(statements.len());
    for statement in statements {
        match existing.get(&statement.id) {
            Some(stored) if same_statement(stored, &statement.statement) => {}
            Some(_) => return Err(XapiError::Conflict(statement.id)),
            None => fresh.push(statement),
        }
    }
    if fresh.is_empty() {
        return Ok(ids);
    }
    let stored = now_ms();
    let stored_text = rfc3339_ms(stored);
    let mut rows: Vec<Vec<sea_orm::Value>> = Vec::with_capacity(fresh.len());
    let mut indexes = Vec::with_capacity(fresh.len());
    for new in fresh {
        let mut statement = new.statement;
        statement["id"] = json!(new.id);
        statement["stored"] = json!(stored_text);
        statement["authority"] = authority.clone();
        if statement.get("version").is_none() {
            statement["version"] = json!(version);
        }
        // A statement without a timestamp happened when it was stored.
        if statement.get("timestamp").is_none() {
            statement["timestamp"] = json!(stored_text);
        }
        let index = indexed(&statement, stored);
        rows.push(vec![
            new.id.into(),
            new.person_id.into(),
            new.platform_id.into(),
            new.client_id.into(),
            index.ref_id.into(),
            index.actor_key.clone().into(),
            index.verb_id.clone().into(),
            index.object_id.clone().into(),
            index.registration.into(),
            index.timestamp_ms.into(),
            stored.into(),
            false.into(),
            statement.to_string().into(),
        ]);
        indexes.push((new.id, new.platform_id, index, statement));
    }
    check_voiding_targets(db, &indexes).await?;

    let mut seqs: HashMap<Uuid, i32> = HashMap::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut insert = Query::insert();
        insert
            .into_table(xapi_statement::Entity)
            .columns([
                xapi_statement::Column::Id,
                xapi_statement::Column::PersonId,
                xapi_statement::Column::PlatformId,
                xapi_statement::Column::ClientId,
                xapi_statement::Column::RefId,
                xapi_statement::Column::ActorKey,
                xapi_statement::Column::VerbId,
                xapi_statement::Column::ObjectId,
                xapi_statement::Column::Registration,
                xapi_statement::Column::Timestamp,
                xapi_statement::Column::Stored,
                xapi_statement::Column::Voided,
                xapi_statement::Column::Statement,
            ])
            .returning(
                Query::returning()
                    .columns([xapi_statement::Column::Seq, xapi_statement::Column::Id]),
            );
        for row in chunk {
            insert.values_panic(row.iter().cloned().map(Into::into));
        }
        for row in db
            .query_all(db.get_database_backend().build(&insert))
            .await?
        {
            let seq: i32 = row.try_get("", "seq")?;
            let id: Uuid = row.try_get("", "id")?;
            seqs.insert(id, seq);
        }
    }

    let mut agent_rows = Vec::new();
    let mut activity_rows = Vec::new();
    let mut definitions: HashMap<String, Value> = HashMap::new();
    for (id, _, index, statement) in &indexes {
        let seq = seqs[id];
        for (key, direct) in &index.mentions.agents {
            agent_rows.push((key.clone(), seq, *direct));
        }
        for (activity, direct) in &index.mentions.activities {
            activity_rows.push((activity.clone(), seq, *direct));
        }
        collect_definitions(statement, &mut definitions);
    }
    for chunk in agent_rows.chunks(ROWS_PER_INSERT) {
        let mut insert = Query::insert();
        insert.into_table(xapi_statement_agent::Entity).columns([
            xapi_statement_agent::Column::AgentKey,
            xapi_statement_agent::Column::StatementSeq,
            xapi_statement_agent::Column::Direct,
        ]);
        for (key, seq, direct) in chunk {
            insert.values_panic([key.as_str().into(), (*seq).into(), (*direct).into()]);
        }
        db.execute(db.get_database_backend().build(&insert)).await?;
    }
    for chunk in activity_rows.chunks(ROWS_PER_INSERT) {
        let mut insert = Query::insert();
        insert.into_table(xapi_statement_activity::Entity).columns([
            xapi_statement_activity::Column::ActivityId,
            xapi_statement_activity::Column::StatementSeq,
            xapi_statement_activity::Column::Direct,
        ]);
        for (activity, seq, direct) in chunk {
            insert.values_panic([activity.as_str().into(), (*seq).into(), (*direct).into()]);
        }
        db.execute(db.get_database_backend().build(&insert)).await?;
    }

    let voided: Vec<Uuid> = indexes.iter().filter_map(|(_, _, i, _)| i.voids).collect();
    if !voided.is_empty() {
        xapi_statement::Entity::update_many()
            .col_expr(xapi_statement::Column::Voided, Expr::value(true))
            .filter(xapi_statement::Column::Id.is_in(voided))
            .filter(xapi_statement::Column::VerbId.ne(VERB_VOIDED))
            .exec(db)
            .await?;
    }
    if let Some(owner) = activity_owner {
        store_definitions(db, owner, definitions, stored).await?;
    }
    store_attachments(db, attachments, stored).await?;
    Ok(ids)
}

async fn existing_statements<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Value>, XapiError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        for row in xapi_statement::Entity::find()
            .filter(xapi_statement::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            found.insert(row.id, parse(&row)?);
        }
    }
    Ok(found)
}

/// A voiding statement may not target a voiding statement (Data 2.3.2).
async fn check_voiding_targets<C: ConnectionTrait>(
    db: &C,
    statements: &[(Uuid, Option<i32>, Indexed, Value)],
) -> Result<(), XapiError> {
    let targets: Vec<Uuid> = statements
        .iter()
        .filter_map(|(_, _, i, _)| i.voids)
        .collect();
    if targets.is_empty() {
        return Ok(());
    }
    let in_batch: HashSet<Uuid> = statements
        .iter()
        .filter(|(_, _, i, _)| i.voids.is_some())
        .map(|(id, _, _, _)| *id)
        .collect();
    let voiding = xapi_statement::Entity::find()
        .filter(xapi_statement::Column::Id.is_in(targets.clone()))
        .filter(xapi_statement::Column::VerbId.eq(VERB_VOIDED))
        .count(db)
        .await?;
    if voiding > 0 || targets.iter().any(|t| in_batch.contains(t)) {
        return Err(XapiError::invalid_statement(
            "statement.object.id",
            "a voiding statement cannot be voided",
        ));
    }
    Ok(())
}

/// The definitions of the activities a statement carries, for the
/// Activities resource; later statements' definitions win.
fn collect_definitions(statement: &Value, into: &mut HashMap<String, Value>) {
    fn activity(value: &Value, into: &mut HashMap<String, Value>) {
        if let (Some(id), Some(definition)) = (
            value.get("id").and_then(Value::as_str),
            value.get("definition"),
        ) {
            let entry = into.entry(id.to_owned()).or_insert_with(|| json!({}));
            merge_definition(entry, definition);
        }
    }
    fn body(statement: &Value, into: &mut HashMap<String, Value>) {
        let object = &statement["object"];
        match object.get("objectType").and_then(Value::as_str) {
            None | Some("Activity") => activity(object, into),
            Some("SubStatement") => body(object, into),
            _ => {}
        }
        if let Some(lists) = statement["context"]["contextActivities"].as_object() {
            for list in lists.values() {
                for item in list.as_array().into_iter().flatten() {
                    activity(item, into);
                }
            }
        }
    }
    body(statement, into);
}

/// Merges a newer definition into an older one: language maps gain or
/// replace languages, other properties are replaced.
pub fn merge_definition(older: &mut Value, newer: &Value) {
    let (Some(older), Some(newer)) = (older.as_object_mut(), newer.as_object()) else {
        return;
    };
    for (key, value) in newer {
        match (key.as_str(), older.get_mut(key)) {
            ("name" | "description", Some(Value::Object(existing))) if value.is_object() => {
                for (language, text) in value.as_object().into_iter().flatten() {
                    existing.insert(language.clone(), text.clone());
                }
            }
            _ => {
                older.insert(key.clone(), value.clone());
            }
        }
    }
}

async fn store_definitions<C: ConnectionTrait>(
    db: &C,
    owner: &str,
    definitions: HashMap<String, Value>,
    at: i64,
) -> Result<(), XapiError> {
    if definitions.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = definitions.keys().cloned().collect();
    let mut known: HashMap<String, Value> = HashMap::new();
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        for row in xapi_activity::Entity::find()
            .filter(xapi_activity::Column::Owner.eq(owner))
            .filter(xapi_activity::Column::ActivityId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            if let Ok(value) = serde_json::from_str(&row.definition) {
                known.insert(row.activity_id, value);
            }
        }
    }
    let mut rows = Vec::with_capacity(definitions.len());
    for (id, definition) in definitions {
        let known_definition = known.remove(&id);
        let mut merged = known_definition.clone().unwrap_or_else(|| json!({}));
        merge_definition(&mut merged, &definition);
        // Providers repeat the same definition in every statement: only a
        // change is written.
        if known_definition.as_ref() == Some(&merged) {
            continue;
        }
        rows.push(xapi_activity::ActiveModel {
            owner: Set(owner.to_owned()),
            activity_id: Set(id),
            definition: Set(merged.to_string()),
            updated_at: Set(at),
        });
    }
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        xapi_activity::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    xapi_activity::Column::Owner,
                    xapi_activity::Column::ActivityId,
                ])
                .update_columns([
                    xapi_activity::Column::Definition,
                    xapi_activity::Column::UpdatedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

async fn store_attachments<C: ConnectionTrait>(
    db: &C,
    attachments: &[AttachmentContent],
    at: i64,
) -> Result<(), XapiError> {
    for attachment in attachments {
        xapi_attachment::Entity::insert(xapi_attachment::ActiveModel {
            sha2: Set(attachment.sha2.clone()),
            content_type: Set(attachment.content_type.clone()),
            content: Set(attachment.content.clone()),
            stored_at: Set(at),
        })
        .on_conflict(
            OnConflict::column(xapi_attachment::Column::Sha2)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// A stored statement as JSON; one that is not is a fault in the store,
/// reported rather than shown as nothing.
pub fn parse(row: &xapi_statement::Model) -> Result<Value, sea_orm::DbErr> {
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
