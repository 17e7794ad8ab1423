//! What the database already holds about a launch, read in one statement:
//! the identity and its person, the course, the membership and the
//! resource link. Most launches repeat an earlier one, so this read is
//! usually all the launch needs before its statement is written; each
//! round-trip to the database costs more than the join.

use std::sync::OnceLock;

use sea_orm::{
    ConnectionTrait, DbErr, EntityName, EntityTrait, FromQueryResult, IdenStatic, Iterable,
    Statement, Value,
};

use crate::entities::{context, lti_identity, membership, person, resource_link};
use crate::identity::StoredIdentity;
use crate::lti::claims::LaunchMessage;
use crate::platforms::Platform;

#[derive(Debug, Default)]
pub struct KnownRows {
    pub identity: Option<StoredIdentity>,
    pub course: Option<context::Model>,
    pub membership: Option<membership::Model>,
    pub link: Option<resource_link::Model>,
}

/// `t.column AS prefix_column` for every column of an entity, the naming
/// `FromQueryResult` reads back with a prefix.
fn columns<E: EntityTrait>(alias: &str) -> String {
    E::Column::iter()
        .map(|column| {
            let name = column.as_str();
            format!("{alias}.{name} AS {alias}_{name}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The same text on SQLite and PostgreSQL: `$n` placeholders work on both,
/// and every name is a plain lower-case identifier.
fn lookup_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "SELECT {i}, {p}, {c}, {m}, {l} \
             FROM (SELECT 1 AS one) AS launch \
             LEFT JOIN {identities} i ON i.platform_id = $1 AND i.subject = $2 \
             LEFT JOIN {people} p ON p.id = i.person_id \
             LEFT JOIN {contexts} c ON c.platform_id = $1 AND c.context_id = $3 \
             LEFT JOIN {memberships} m ON m.person_id = i.person_id AND m.context_id = c.id \
             LEFT JOIN {links} l ON l.platform_id = $1 AND l.link_id = $4",
            i = columns::<lti_identity::Entity>("i"),
            p = columns::<person::Entity>("p"),
            c = columns::<context::Entity>("c"),
            m = columns::<membership::Entity>("m"),
            l = columns::<resource_link::Entity>("l"),
            identities = lti_identity::Entity.table_name(),
            people = person::Entity.table_name(),
            contexts = context::Entity.table_name(),
            memberships = membership::Entity.table_name(),
            links = resource_link::Entity.table_name(),
        )
    })
}

pub async fn lookup<C: ConnectionTrait>(
    db: &C,
    platform: &Platform,
    message: &LaunchMessage,
    link_id: Option<&str>,
) -> Result<KnownRows, DbErr> {
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        lookup_sql(),
        [
            Value::from(platform.id.0),
            Value::from(message.subject.as_str()),
            Value::from(message.context.as_ref().map(|c| c.id.clone())),
            Value::from(link_id.map(str::to_owned)),
        ],
    );
    let Some(row) = db.query_one(statement).await? else {
        return Ok(KnownRows::default());
    };
    let identity = lti_identity::Model::from_query_result_optional(&row, "i_")?;
    let person = person::Model::from_query_result_optional(&row, "p_")?;
    Ok(KnownRows {
        identity: identity
            .zip(person)
            .map(|(identity, person)| StoredIdentity { identity, person }),
        course: context::Model::from_query_result_optional(&row, "c_")?,
        membership: membership::Model::from_query_result_optional(&row, "m_")?,
        link: resource_link::Model::from_query_result_optional(&row, "l_")?,
    })
}
