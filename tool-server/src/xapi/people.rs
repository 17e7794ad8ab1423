//! Which Carefolio person a statement is about. A client's statement is
//! given to the person its actor names when it is stored; one that names
//! nobody known yet is given to them when they first launch. Either way
//! only among the people the sending credential may reach: a platform's
//! credentials reach the people who launched from that platform.

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::agents;
use crate::entities::{xapi_statement, xapi_statement_agent};
use crate::identity::{self, ActorName, PersonId};

/// The person each actor names, where exactly one person answers: every
/// distinct actor of the request in two queries.
pub async fn resolve<C: ConnectionTrait>(
    db: &C,
    platform: Option<i32>,
    names: &[Option<ActorName>],
) -> Result<Vec<Option<PersonId>>, DbErr> {
    let distinct: Vec<ActorName> = names
        .iter()
        .flatten()
        .cloned()
        .collect::<std::collections::HashSet<_>>()
        .into_iter()
        .collect();
    if distinct.is_empty() {
        return Ok(vec![None; names.len()]);
    }
    let people = identity::find_by_actors(db, platform, &distinct).await?;
    Ok(names
        .iter()
        .map(|name| name.as_ref().and_then(|n| people.get(n)).copied())
        .collect())
}

/// Gives a person the stored statements that name them and were waiting for
/// them: those sent through the platform they launched from and those sent
/// with the operator's credentials, each only where the name is theirs
/// alone among the people that credential reaches. Returns how many.
pub async fn link<C: ConnectionTrait>(
    db: &C,
    person: PersonId,
    platform: i32,
    names: &[ActorName],
) -> Result<u64, DbErr> {
    let mut linked = 0;
    for name in names {
        for reach in [Some(platform), None] {
            if identity::find_by_actor(db, reach, name).await? != Some(person) {
                continue;
            }
            linked += link_key(db, person, reach, &agent_key(name)).await?;
        }
    }
    Ok(linked)
}

/// The key statements index an actor by (`agents::key`). Statements are
/// indexed by the address as sent; one written in lower case, as senders
/// almost always do, is found here.
fn agent_key(name: &ActorName) -> String {
    match name {
        ActorName::Account { home_page, name } => agents::account_key(home_page, name),
        ActorName::Mbox(address) => format!("mbox:mailto:{address}"),
    }
}

async fn link_key<C: ConnectionTrait>(
    db: &C,
    person: PersonId,
    reach: Option<i32>,
    key: &str,
) -> Result<u64, DbErr> {
    // The statements naming this actor, through the mention index rather
    // than a scan of every statement.
    let mentioning = Query::select()
        .column(xapi_statement_agent::Column::StatementSeq)
        .from(xapi_statement_agent::Entity)
        .and_where(xapi_statement_agent::Column::AgentKey.eq(key))
        .and_where(xapi_statement_agent::Column::Direct.eq(true))
        .to_owned();
    let platform = match reach {
        Some(platform) => xapi_statement::Column::PlatformId.eq(platform),
        None => xapi_statement::Column::PlatformId.is_null(),
    };
    let result = xapi_statement::Entity::update_many()
        .col_expr(xapi_statement::Column::PersonId, Expr::value(person.0))
        .filter(xapi_statement::Column::Seq.in_subquery(mentioning))
        .filter(xapi_statement::Column::PersonId.is_null())
        .filter(xapi_statement::Column::ActorKey.eq(key))
        .filter(platform)
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The names a person launched with: the account on the platform and, when
/// the platform shared it, the email address.
pub fn names_of(issuer: &str, subject: &str, email: Option<&str>) -> Vec<ActorName> {
    let mut names = vec![ActorName::Account {
        home_page: issuer.to_owned(),
        name: subject.to_owned(),
    }];
    if let Some(address) = email.filter(|a| !a.is_empty()) {
        names.push(ActorName::Mbox(address.to_lowercase()));
    }
    names
}
