//! Writing statements: the ones Carefolio composes and the ones clients
//! send. A batch is stored in one transaction with everything the queries
//! need (who and what each statement mentions), or not at all.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde_json::{json, Value};
use uuid::Uuid;

use super::agents::{self, Mentions};
use super::{XapiError, VERB_VOIDED};
use crate::entities::{xapi_activity, xapi_attachment, xapi_statement};
use crate::identity::PersonId;
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
    /// The id was made here, just now: no stored statement has it.
    pub id_is_new: bool,
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

/// Splits rows into INSERTs (or ids into IN lists) of a few sizes only:
/// full ones of `ROWS_PER_INSERT`, then powers of two. The driver keeps
/// each distinct statement compiled; a statement per remainder size would
/// fill that cache with large, never reused programs.
trait FewSizes<T> {
    fn chunks_of_few_sizes(&self) -> FewSizeChunks<'_, T>;
}

impl<T> FewSizes<T> for [T] {
    fn chunks_of_few_sizes(&self) -> FewSizeChunks<'_, T> {
        FewSizeChunks { rest: self }
    }
}

struct FewSizeChunks<'a, T> {
    rest: &'a [T],
}

impl<'a, T> Iterator for FewSizeChunks<'a, T> {
    type Item = &'a [T];

    fn next(&mut self) -> Option<&'a [T]> {
        if self.rest.is_empty() {
            return None;
        }
        let size = if self.rest.len() >= ROWS_PER_INSERT {
            ROWS_PER_INSERT
        } else {
            // The largest power of two that fits.
            1 << (usize::BITS - 1 - self.rest.len().leading_zeros())
        };
        let (chunk, rest) = self.rest.split_at(size);
        self.rest = rest;
        Some(chunk)
    }
}

/// Stores Carefolio's own statement, adding what the LRS owns.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    new: NewStatement,
    authority: &Value,
) -> Result<(), sea_orm::DbErr> {
    let refused = match Batch::prepare(vec![new], authority, "1.0.3", Vec::new(), None) {
        Ok(batch) => match write_batches(db, std::slice::from_ref(&batch), None)
            .await?
            .pop()
        {
            Some(Err(refused)) => refused,
            _ => return Ok(()),
        },
        Err(refused) => refused,
    };
    Err(sea_orm::DbErr::Custom(format!(
        "recording a statement: {refused}"
    )))
}

/// Fields of a statement the LRS indexes.
struct Indexed {
    actor_key: String,
    verb_id: String,
    verb_hash: i64,
    object_id: String,
    registration: Option<Uuid>,
    /// None: the statement has no timestamp, and gets its stored time.
    timestamp_ms: Option<i64>,
    voids: Option<Uuid>,
    ref_id: Option<Uuid>,
    mentions: Mentions,
}

/// A verb IRI as the agent mentions keep it: the first 8 bytes of its
/// SHA-256, so that a query by agent and verb can skip the statements with
/// other verbs without reading them. Stable across releases (it is
/// stored); a match is still checked against the statement's verb.
pub fn verb_hash(verb_id: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(verb_id.as_bytes());
    i64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 has 32 bytes"))
}

fn indexed(statement: &Value) -> Indexed {
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
            .and_then(super::validate::parse_timestamp),
        mentions: Mentions::of(statement),
        verb_hash: verb_hash(&verb_id),
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

/// A statement made ready to store before the write transaction begins:
/// checked, serialized, with what the queries index taken out of it. Only
/// the stored time is left for the transaction to add.
pub struct Prepared {
    id: Uuid,
    id_is_new: bool,
    person_id: Option<Uuid>,
    platform_id: Option<i32>,
    client_id: Option<i32>,
    /// As sent, to compare with a stored statement of the same id; kept
    /// only when the id was given.
    sent: Option<Value>,
    /// The statement as stored, with placeholders for `stored` (and for
    /// `timestamp` when it had none): see `Prepared::text`.
    json: String,
    has_timestamp: bool,
    index: Indexed,
}

/// Where the stored time goes in a prepared statement's text: right after
/// `{"stored":"`, and for a statement sent without a timestamp again after
/// `","timestamp":"`. Both are written as placeholders of the stored time's
/// fixed width (`2026-12-01T10:00:00.000Z`) when the statement is prepared,
/// and overwritten in place when it is written.
const STORED_AT: usize = "{\"stored\":\"".len();
const STORED_WIDTH: usize = "0000-00-00T00:00:00.000Z".len();
const TIMESTAMP_AT: usize = STORED_AT + STORED_WIDTH + "\",\"timestamp\":\"".len();

impl Prepared {
    /// The statement's text with its members but the stored time (and a
    /// missing timestamp) in front, as placeholders.
    fn template(statement: &Value, has_timestamp: bool) -> String {
        let json = statement.to_string();
        let rest = json.strip_prefix('{').unwrap_or(&json);
        let separator = if rest.starts_with('}') { "" } else { "," };
        let placeholder = "0".repeat(STORED_WIDTH);
        if has_timestamp {
            format!("{{\"stored\":\"{placeholder}\"{separator}{rest}")
        } else {
            format!(
                "{{\"stored\":\"{placeholder}\",\"timestamp\":\"{placeholder}\"{separator}{rest}"
            )
        }
    }

    /// The stored text: the template with the stored time written in,
    /// the later placeholder first so that the earlier one's place holds
    /// whatever the time's width.
    fn text(&self, stored: &str) -> String {
        let mut text = self.json.clone();
        if !self.has_timestamp {
            text.replace_range(TIMESTAMP_AT..TIMESTAMP_AT + STORED_WIDTH, stored);
        }
        text.replace_range(STORED_AT..STORED_AT + STORED_WIDTH, stored);
        text
    }
}

/// One request's statements, ready to store: either all are stored, or
/// none and an error says why.
pub struct Batch {
    statements: Vec<Prepared>,
    /// The activity definitions the statements carry, later ones merged
    /// over earlier ones; as text (a tenth of the parsed size), compared
    /// as text first, parsed only when two differ.
    definitions: HashMap<String, String>,
    attachments: Vec<AttachmentContent>,
    /// Whose activity definitions they update (none for Carefolio's own).
    activity_owner: Option<String>,
}

impl Batch {
    /// Everything that needs no database: duplicate ids, serialization,
    /// index fields, mentions, definitions.
    pub fn prepare(
        statements: Vec<NewStatement>,
        authority: &Value,
        version: &str,
        attachments: Vec<AttachmentContent>,
        activity_owner: Option<String>,
    ) -> Result<Batch, XapiError> {
        let mut unique = HashSet::with_capacity(statements.len());
        if let Some(repeated) = statements.iter().find(|s| !unique.insert(s.id)) {
            return Err(XapiError::invalid_statement(
                "statement.id",
                format!("{} appears twice in the batch", repeated.id),
            ));
        }
        let mut definitions = HashMap::new();
        let mut prepared = Vec::with_capacity(statements.len());
        for new in statements {
            let sent = (!new.id_is_new).then(|| new.statement.clone());
            let mut statement = new.statement;
            if let Some(object) = statement.as_object_mut() {
                object.insert("id".into(), json!(new.id));
                object.remove("stored");
                object.insert("authority".into(), authority.clone());
                object.entry("version").or_insert_with(|| json!(version));
            }
            let has_timestamp = statement.get("timestamp").is_some();
            let index = indexed(&statement);
            let json = Prepared::template(&statement, has_timestamp);
            if activity_owner.is_some() {
                // Serialized already: the definitions are moved, not copied.
                take_definitions(&mut statement, &mut definitions);
            }
            prepared.push(Prepared {
                id: new.id,
                id_is_new: new.id_is_new,
                person_id: new.person_id,
                platform_id: new.platform_id,
                client_id: new.client_id,
                sent,
                has_timestamp,
                index,
                json,
            });
        }
        Ok(Batch {
            statements: prepared,
            definitions: definitions
                .into_iter()
                .map(|(id, definition)| (id, definition.to_string()))
                .collect(),
            attachments,
            activity_owner,
        })
    }

    pub fn len(&self) -> usize {
        self.statements.len()
    }

    /// Gives the statements, in order, the people their actors name.
    pub fn set_people(&mut self, people: Vec<Option<PersonId>>) {
        for (statement, person) in self.statements.iter_mut().zip(people) {
            statement.person_id = person.map(|p| p.0);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    fn ids(&self) -> Vec<Uuid> {
        self.statements.iter().map(|s| s.id).collect()
    }
}

/// What the batches before this one in the same transaction store.
#[derive(Default)]
struct Accepted<'a> {
    /// Each accepted statement's id: its content as sent (when its id was
    /// given) and whether it voids.
    statements: HashMap<Uuid, (Option<&'a Value>, bool)>,
}

/// Stores batches in the given transaction, checking each against what is
/// stored and against the batches before it. A refused batch writes
/// nothing; its error is its answer and the others are stored. A statement
/// whose id is already stored with the same content is skipped; with other
/// content the batch is refused (409 Conflict). The outer error is the
/// database's: the caller then rolls the transaction back.
pub async fn write_batches<C: ConnectionTrait>(
    db: &C,
    batches: &[Batch],
    mut known: Option<&mut KnownDefinitions>,
) -> Result<Vec<Result<Vec<Uuid>, XapiError>>, sea_orm::DbErr> {
    // Every check reads before anything is written.
    let given: Vec<Uuid> = batches
        .iter()
        .flat_map(|b| b.statements.iter())
        .filter(|s| !s.id_is_new)
        .map(|s| s.id)
        .collect();
    let existing = existing_statements(db, &given).await?;
    let targets: Vec<Uuid> = batches
        .iter()
        .flat_map(|b| b.statements.iter())
        .filter_map(|s| s.index.voids)
        .collect();
    let voiding_targets = stored_voiding_statements(db, &targets).await?;

    let mut accepted = Accepted::default();
    let mut answers = Vec::with_capacity(batches.len());
    let mut to_write: Vec<&Prepared> = Vec::new();
    for batch in batches {
        match check(batch, &existing, &voiding_targets, &accepted) {
            Ok(fresh) => {
                for statement in &fresh {
                    accepted.statements.insert(
                        statement.id,
                        (statement.sent.as_ref(), statement.index.voids.is_some()),
                    );
                }
                to_write.extend(fresh);
                answers.push(Ok(batch.ids()));
            }
            Err(refused) => answers.push(Err(refused)),
        }
    }
    if to_write.is_empty() {
        return Ok(answers);
    }

    let stored = now_ms();
    let stored_text = rfc3339_ms(stored);
    let seqs = allocate_seqs(db, to_write.len()).await?;
    let numbered: Vec<(&Prepared, i32)> = to_write.iter().copied().zip(seqs).collect();
    insert_rows(db, &numbered, stored, &stored_text).await?;
    insert_mentions(db, &numbered).await?;
    let voided: Vec<Uuid> = to_write.iter().filter_map(|s| s.index.voids).collect();
    if !voided.is_empty() {
        xapi_statement::Entity::update_many()
            .col_expr(xapi_statement::Column::Voided, Expr::value(true))
            .filter(xapi_statement::Column::Id.is_in(voided))
            .filter(xapi_statement::Column::VerbId.ne(VERB_VOIDED))
            .exec(db)
            .await?;
    }
    let mut definitions: HashMap<&str, HashMap<&str, Cow<str>>> = HashMap::new();
    for (batch, answer) in batches.iter().zip(&answers) {
        if let (Some(owner), Ok(_)) = (&batch.activity_owner, answer) {
            let merged = definitions.entry(owner.as_str()).or_default();
            for (id, definition) in &batch.definitions {
                merge_into(merged, id, definition);
            }
        }
    }
    for (owner, definitions) in definitions {
        store_definitions(db, owner, definitions, stored, known.as_deref_mut()).await?;
    }
    for (batch, answer) in batches.iter().zip(&answers) {
        if answer.is_ok() {
            store_attachments(db, &batch.attachments, stored).await?;
        }
    }
    Ok(answers)
}

/// The statements of a batch to write, or why the batch is refused.
fn check<'a>(
    batch: &'a Batch,
    existing: &HashMap<Uuid, Value>,
    voiding_targets: &HashSet<Uuid>,
    accepted: &Accepted<'_>,
) -> Result<Vec<&'a Prepared>, XapiError> {
    let mut fresh = Vec::with_capacity(batch.statements.len());
    for statement in &batch.statements {
        let same_as = |earlier: Option<&Value>| matches!((earlier, &statement.sent), (Some(a), Some(b)) if same_statement(a, b));
        if let Some(stored) = existing.get(&statement.id) {
            if !same_as(Some(stored)) {
                return Err(XapiError::Conflict(statement.id));
            }
        } else if let Some((earlier, _)) = accepted.statements.get(&statement.id) {
            if !same_as(*earlier) {
                return Err(XapiError::Conflict(statement.id));
            }
        } else {
            fresh.push(statement);
        }
    }
    // A voiding statement may not target a voiding statement (Data 2.3.2).
    let voids_in_batch: HashSet<Uuid> = batch
        .statements
        .iter()
        .filter(|s| s.index.voids.is_some())
        .map(|s| s.id)
        .collect();
    let targets_voiding = batch
        .statements
        .iter()
        .filter_map(|s| s.index.voids)
        .any(|target| {
            voiding_targets.contains(&target)
                || voids_in_batch.contains(&target)
                || accepted
                    .statements
                    .get(&target)
                    .is_some_and(|(_, voids)| *voids)
        });
    if targets_voiding {
        return Err(XapiError::invalid_statement(
            "statement.object.id",
            "a voiding statement cannot be voided",
        ));
    }
    Ok(fresh)
}

/// Storage sequence numbers for `count` new statements, in order. Given
/// explicitly rather than read back from each INSERT, so that the writer
/// needs no answer between its INSERTs. On SQLite the write transaction
/// holds the only write lock, so the numbers after the last one used are
/// free; on PostgreSQL they come from the column's sequence, as a default
/// would.
async fn allocate_seqs<C: ConnectionTrait>(
    db: &C,
    count: usize,
) -> Result<Vec<i32>, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    if backend == sea_orm::DbBackend::Sqlite {
        // The AUTOINCREMENT counter: numbers are never reused, even after
        // the last rows are deleted.
        let last: i64 = db
            .query_one(Statement::from_string(
                backend,
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'xapi_statements'), 0), \
                 coalesce((SELECT max(seq) FROM xapi_statements), 0)) AS last",
            ))
            .await?
            .map(|row| row.try_get("", "last"))
            .transpose()?
            .unwrap_or(0);
        let first = i32::try_from(last + 1)
            .map_err(|_| sea_orm::DbErr::Custom("statement sequence exhausted".into()))?;
        let count = i32::try_from(count)
            .map_err(|_| sea_orm::DbErr::Custom("too many statements".into()))?;
        return Ok((first..first.saturating_add(count)).collect());
    }
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            "SELECT nextval(pg_get_serial_sequence('xapi_statements', 'seq'))::int4 AS seq \
             FROM generate_series(1, $1)",
            [(count as i64).into()],
        ))
        .await?;
    let mut seqs = rows
        .iter()
        .map(|row| row.try_get::<i32>("", "seq"))
        .collect::<Result<Vec<i32>, _>>()?;
    seqs.sort_unstable();
    Ok(seqs)
}

/// `INSERT INTO table (columns) VALUES (…), (…)` for `rows` rows, with
/// each backend's placeholders.
fn insert_sql(backend: sea_orm::DbBackend, table: &str, columns: &[&str], rows: usize) -> String {
    use std::fmt::Write;
    let mut sql = format!("INSERT INTO \"{table}\" (");
    for (n, column) in columns.iter().enumerate() {
        let comma = if n == 0 { "" } else { ", " };
        let _ = write!(sql, "{comma}\"{column}\"");
    }
    sql.push_str(") VALUES ");
    let mut parameter = 0;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns.len() {
            parameter += 1;
            let comma = if column == 0 { "" } else { ", " };
            match backend {
                sea_orm::DbBackend::Postgres => {
                    let _ = write!(sql, "{comma}${parameter}");
                }
                _ => {
                    let _ = write!(sql, "{comma}?");
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// Inserts rows in INSERTs of few sizes, each row's values pushed by
/// `values_of` in the order of `columns`.
async fn insert_all<C: ConnectionTrait, T>(
    db: &C,
    table: &str,
    columns: &[&str],
    rows: &[T],
    mut values_of: impl FnMut(&T, &mut Vec<sea_orm::Value>),
) -> Result<(), sea_orm::DbErr> {
    let backend = db.get_database_backend();
    for chunk in rows.chunks_of_few_sizes() {
        let mut values = Vec::with_capacity(chunk.len() * columns.len());
        for row in chunk {
            values_of(row, &mut values);
        }
        debug_assert_eq!(values.len(), chunk.len() * columns.len());
        let sql = insert_sql(backend, table, columns, chunk.len());
        db.execute(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

const STATEMENT_COLUMNS: [&str; 14] = [
    "seq",
    "id",
    "person_id",
    "platform_id",
    "client_id",
    "ref_id",
    "actor_key",
    "verb_id",
    "object_id",
    "registration",
    "timestamp",
    "stored",
    "voided",
    "statement",
];

/// Inserts the statement rows, each with its sequence number.
async fn insert_rows<C: ConnectionTrait>(
    db: &C,
    statements: &[(&Prepared, i32)],
    stored: i64,
    stored_text: &str,
) -> Result<(), sea_orm::DbErr> {
    insert_all(
        db,
        "xapi_statements",
        &STATEMENT_COLUMNS,
        statements,
        |(statement, seq), values| {
            let index = &statement.index;
            values.extend([
                (*seq).into(),
                statement.id.into(),
                statement.person_id.into(),
                statement.platform_id.into(),
                statement.client_id.into(),
                index.ref_id.into(),
                index.actor_key.as_str().into(),
                index.verb_id.as_str().into(),
                index.object_id.as_str().into(),
                index.registration.into(),
                index.timestamp_ms.unwrap_or(stored).into(),
                stored.into(),
                false.into(),
                statement.text(stored_text).into(),
            ]);
        },
    )
    .await
}

/// The agents and activities each statement mentions, for the queries.
async fn insert_mentions<C: ConnectionTrait>(
    db: &C,
    statements: &[(&Prepared, i32)],
) -> Result<(), sea_orm::DbErr> {
    let mut agent_rows = Vec::new();
    let mut activity_rows = Vec::new();
    for (statement, seq) in statements {
        for (key, direct) in &statement.index.mentions.agents {
            agent_rows.push((key.as_str(), *seq, *direct, statement.index.verb_hash));
        }
        for (activity, direct) in &statement.index.mentions.activities {
            activity_rows.push((activity.as_str(), *seq, *direct));
        }
    }
    let mention = |(key, seq, direct): &(&str, i32, bool), values: &mut Vec<sea_orm::Value>| {
        values.extend([(*key).into(), (*seq).into(), (*direct).into()]);
    };
    // The verb's hash is kept on PostgreSQL only: there it halves the p99
    // of a query by agent and verb at a million statements (the mentions
    // are read from their index alone); on SQLite that query meets its
    // target without it, and the wider rows cost 8 % of batched ingest
    // (docs/performance.md).
    let with_verb = db.get_database_backend() == sea_orm::DbBackend::Postgres;
    let columns = ["agent_key", "statement_seq", "direct", "verb_hash"];
    insert_all(
        db,
        "xapi_statement_agents",
        &columns[..if with_verb { 4 } else { 3 }],
        &agent_rows,
        |(key, seq, direct, verb), values| {
            mention(&(*key, *seq, *direct), values);
            if with_verb {
                values.push((*verb).into());
            }
        },
    )
    .await?;
    insert_all(
        db,
        "xapi_statement_activities",
        &["activity_id", "statement_seq", "direct"],
        &activity_rows,
        mention,
    )
    .await
}

async fn existing_statements<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Value>, sea_orm::DbErr> {
    let mut found = HashMap::new();
    for chunk in ids.chunks_of_few_sizes() {
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

/// Which of these ids are stored voiding statements.
async fn stored_voiding_statements<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>, sea_orm::DbErr> {
    let mut found = HashSet::new();
    for chunk in ids.chunks_of_few_sizes() {
        let rows: Vec<Uuid> = xapi_statement::Entity::find()
            .select_only()
            .column(xapi_statement::Column::Id)
            .filter(xapi_statement::Column::Id.is_in(chunk.to_vec()))
            .filter(xapi_statement::Column::VerbId.eq(VERB_VOIDED))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Moves the definitions of the activities a statement carries into those
/// collected for the Activities resource; later statements' definitions
/// win.
fn take_definitions(statement: &mut Value, into: &mut HashMap<String, Value>) {
    fn activity(value: &mut Value, into: &mut HashMap<String, Value>) {
        let Some(object) = value.as_object_mut() else {
            return;
        };
        let Some(definition) = object.get_mut("definition").map(Value::take) else {
            return;
        };
        if let Some(id) = object.get("id").and_then(Value::as_str) {
            match into.get_mut(id) {
                Some(earlier) if merge_changes(earlier, &definition) => {
                    merge_definition(earlier, &definition)
                }
                Some(_) => {}
                None if definition.is_object() => {
                    into.insert(id.to_owned(), definition);
                }
                None => {}
            }
        }
    }
    fn body(statement: &mut Value, into: &mut HashMap<String, Value>) {
        if let Some(object) = statement.get_mut("object") {
            match object.get("objectType").and_then(Value::as_str) {
                None | Some("Activity") => activity(object, into),
                Some("SubStatement") => body(object, into),
                _ => {}
            }
        }
        if let Some(lists) = statement
            .get_mut("context")
            .and_then(|c| c.get_mut("contextActivities"))
            .and_then(Value::as_object_mut)
        {
            for list in lists.values_mut() {
                for item in list.as_array_mut().into_iter().flatten() {
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

/// Adds a request's definition of an activity to those of its group,
/// merged over the one collected before; copied only when a merge changes
/// something.
fn merge_into<'a>(
    collected: &mut HashMap<&'a str, Cow<'a, str>>,
    id: &'a str,
    definition: &'a str,
) {
    match collected.get_mut(id) {
        Some(earlier) if earlier.as_ref() != definition => {
            if let Some(merged) = merged_text(earlier, definition) {
                *earlier = Cow::Owned(merged);
            }
        }
        Some(_) => {}
        None => {
            collected.insert(id, Cow::Borrowed(definition));
        }
    }
}

/// The text of `newer` merged over `older`, or none when that changes
/// nothing. An `older` that is not JSON is replaced.
fn merged_text(older: &str, newer: &str) -> Option<String> {
    let Ok(newer) = serde_json::from_str::<Value>(newer) else {
        return None;
    };
    let Ok(mut older) = serde_json::from_str::<Value>(older) else {
        return Some(newer.to_string());
    };
    merge_changes(&older, &newer).then(|| {
        merge_definition(&mut older, &newer);
        older.to_string()
    })
}

/// Whether `merge_definition` would change `older`.
fn merge_changes(older: &Value, newer: &Value) -> bool {
    let (Some(older), Some(newer)) = (older.as_object(), newer.as_object()) else {
        return false;
    };
    newer
        .iter()
        .any(|(key, value)| match (key.as_str(), older.get(key)) {
            ("name" | "description", Some(Value::Object(existing))) if value.is_object() => value
                .as_object()
                .into_iter()
                .flatten()
                .any(|(language, text)| existing.get(language) != Some(text)),
            (_, existing) => existing != Some(value),
        })
}

/// The activity definitions as stored, as the statement writer last wrote
/// or read them: providers repeat the same definition in every statement,
/// and with these at hand a group compares them in memory instead of
/// reading them back. For a writer that is the store's only one (SQLite):
/// beside other writers it would miss their changes. Safe to lose; what a
/// transaction learns counts only once it has committed.
#[derive(Default)]
pub struct KnownDefinitions {
    committed: HashMap<String, HashMap<String, String>>,
    pending: Vec<(String, String, String)>,
}

/// More definitions than this and the writer starts again from none.
const KNOWN_DEFINITIONS_MAX: usize = 4_096;

impl KnownDefinitions {
    fn get(&self, owner: &str, id: &str) -> Option<&str> {
        self.committed.get(owner)?.get(id).map(String::as_str)
    }

    /// The transaction that learned the pending definitions has committed.
    pub fn committed(&mut self) {
        let known: usize = self.committed.values().map(HashMap::len).sum();
        if known + self.pending.len() > KNOWN_DEFINITIONS_MAX {
            self.committed.clear();
        }
        for (owner, id, definition) in self.pending.drain(..) {
            self.committed
                .entry(owner)
                .or_default()
                .insert(id, definition);
        }
    }

    /// The transaction was rolled back: what it wrote is not stored.
    pub fn rolled_back(&mut self) {
        self.pending.clear();
    }
}

async fn store_definitions<C: ConnectionTrait>(
    db: &C,
    owner: &str,
    definitions: HashMap<&str, Cow<'_, str>>,
    at: i64,
    mut known: Option<&mut KnownDefinitions>,
) -> Result<(), sea_orm::DbErr> {
    if definitions.is_empty() {
        return Ok(());
    }
    let unknown: Vec<String> = definitions
        .keys()
        .filter(|id| known.as_ref().is_none_or(|k| k.get(owner, id).is_none()))
        .map(|id| (*id).to_owned())
        .collect();
    // The stored definitions come back as one JSON object per query (id →
    // definition text) rather than as a row each: each row is a message
    // between the database's thread and this one.
    let aggregate = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "json_object_agg(activity_id, definition)::text",
        _ => "json_group_object(activity_id, definition)",
    };
    let mut read: HashMap<String, String> = HashMap::new();
    for chunk in unknown.chunks_of_few_sizes() {
        let found: Option<Option<String>> = xapi_activity::Entity::find()
            .select_only()
            .expr_as(Expr::cust(aggregate), "known")
            .filter(xapi_activity::Column::Owner.eq(owner))
            .filter(xapi_activity::Column::ActivityId.is_in(chunk.to_vec()))
            .into_tuple()
            .one(db)
            .await?;
        let Some(Some(found)) = found else { continue };
        let texts: HashMap<String, String> = serde_json::from_str(&found)
            .map_err(|e| sea_orm::DbErr::Custom(format!("activity definitions: {e}")))?;
        read.extend(texts);
    }
    let mut rows = Vec::new();
    for (id, definition) in definitions {
        let from_store = read.remove(id);
        let stored = from_store
            .as_deref()
            .or_else(|| known.as_ref().and_then(|k| k.get(owner, id)));
        // Providers repeat the same definition in every statement: only a
        // change is written.
        let merged = match stored {
            Some(stored) if stored == definition.as_ref() => None,
            Some(stored) => merged_text(stored, &definition),
            None => Some(definition.into_owned()),
        };
        let Some(merged) = merged else {
            if let (Some(stored), Some(known)) = (from_store, known.as_deref_mut()) {
                known
                    .pending
                    .push((owner.to_owned(), id.to_owned(), stored));
            }
            continue;
        };
        rows.push(xapi_activity::ActiveModel {
            owner: Set(owner.to_owned()),
            activity_id: Set(id.to_owned()),
            definition: Set(merged.clone()),
            updated_at: Set(at),
        });
        if let Some(known) = known.as_deref_mut() {
            known
                .pending
                .push((owner.to_owned(), id.to_owned(), merged));
        }
    }
    for chunk in rows.chunks_of_few_sizes() {
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
) -> Result<(), sea_orm::DbErr> {
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
    parse_text(row.id, &row.statement)
}

/// A stored statement's text as JSON; see `parse`.
pub fn parse_text(id: Uuid, text: &str) -> Result<Value, sea_orm::DbErr> {
    serde_json::from_str(text).map_err(|e| not_a_statement(id, e))
}

/// The fault of a stored statement that is not a JSON object.
pub fn not_a_statement(id: Uuid, reason: impl std::fmt::Display) -> sea_orm::DbErr {
    sea_orm::DbErr::Custom(format!("stored statement {id} is not JSON: {reason}"))
}

/// Whether a statement (voided or not) is one of a person's.
pub async fn belongs_to<C: ConnectionTrait>(
    db: &C,
    statement: Uuid,
    person_id: Uuid,
) -> Result<bool, sea_orm::DbErr> {
    Ok(xapi_statement::Entity::find()
        .select_only()
        .column(xapi_statement::Column::Seq)
        .filter(xapi_statement::Column::Id.eq(statement))
        .filter(xapi_statement::Column::PersonId.eq(person_id))
        .into_tuple::<i32>()
        .one(db)
        .await?
        .is_some())
}

/// Which of these statements are voided.
pub async fn voided_among<C: ConnectionTrait>(
    db: &C,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashSet<Uuid>, sea_orm::DbErr> {
    let ids: Vec<Uuid> = ids.collect();
    let mut voided = HashSet::new();
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        let found: Vec<Uuid> = xapi_statement::Entity::find()
            .select_only()
            .column(xapi_statement::Column::Id)
            .filter(xapi_statement::Column::Id.is_in(chunk.iter().copied()))
            .filter(xapi_statement::Column::Voided.eq(true))
            .into_tuple()
            .all(db)
            .await?;
        voided.extend(found);
    }
    Ok(voided)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_split_into_few_sizes() {
        let rows: Vec<usize> = (0..1000).collect();
        let sizes: Vec<usize> = rows.chunks_of_few_sizes().map(<[usize]>::len).collect();
        assert_eq!(sizes, [400, 400, 128, 64, 8]);
        let joined: Vec<usize> = rows.chunks_of_few_sizes().flatten().copied().collect();
        assert_eq!(joined, rows);
        assert_eq!(Vec::<usize>::new().chunks_of_few_sizes().count(), 0);
    }

    #[test]
    fn stored_time_is_spliced_in_front() {
        let statement = json!({ "actor": { "mbox": "mailto:a@example.org" }, "timestamp": "2026-11-30T09:15:00Z" });
        let new = NewStatement {
            id: Uuid::now_v7(),
            person_id: None,
            platform_id: None,
            client_id: None,
            id_is_new: true,
            statement,
        };
        let batch = Batch::prepare(
            vec![new],
            &json!({ "name": "lrs" }),
            "2.0.0",
            Vec::new(),
            None,
        )
        .expect("prepared");
        let stored: Value =
            serde_json::from_str(&batch.statements[0].text("2026-12-01T10:00:00.000Z"))
                .expect("JSON");
        assert_eq!(stored["stored"], "2026-12-01T10:00:00.000Z");
        assert_eq!(stored["timestamp"], "2026-11-30T09:15:00Z");
        assert_eq!(stored["version"], "2.0.0");

        let prepared = Prepared {
            has_timestamp: false,
            json: Prepared::template(&json!({}), false),
            ..batch.statements.into_iter().next().expect("one")
        };
        let stored: Value =
            serde_json::from_str(&prepared.text("2026-12-01T10:00:00.000Z")).expect("JSON");
        assert_eq!(stored["timestamp"], "2026-12-01T10:00:00.000Z");
        // A time wider than the placeholders still lands in both places.
        let stored: Value =
            serde_json::from_str(&prepared.text("+10000-01-01T00:00:00.000Z")).expect("JSON");
        assert_eq!(stored["stored"], "+10000-01-01T00:00:00.000Z");
        assert_eq!(stored["timestamp"], "+10000-01-01T00:00:00.000Z");
    }
}
