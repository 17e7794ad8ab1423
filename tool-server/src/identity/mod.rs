//! People and the identities they arrive with. A person is one portfolio;
//! each LTI identity (the registration that validated the launch + sub)
//! points at exactly one person. Two registrations that claim one issuer
//! never share people: linking a human across registrations needs proof.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::{lti_identity, person};
use crate::lti::claims::PersonClaims;
use crate::platforms::Platform;
use crate::util::now_ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PersonId(pub Uuid);

#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub id: PersonId,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    pub locale: Option<String>,
}

impl Person {
    /// The best name to greet the person with, if the platform shared any.
    pub fn display_name(&self) -> Option<String> {
        display_name(
            self.name.clone(),
            self.given_name.clone(),
            self.family_name.clone(),
        )
    }
}

/// The full name, else the given and family names joined, else nothing.
pub fn display_name(
    name: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
) -> Option<String> {
    name.or_else(|| {
        let joined = [given_name, family_name]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (!joined.is_empty()).then_some(joined)
    })
}

impl From<person::Model> for Person {
    fn from(row: person::Model) -> Self {
        Person {
            id: PersonId(row.id),
            name: row.name,
            given_name: row.given_name,
            family_name: row.family_name,
            email: row.email,
            locale: row.locale,
        }
    }
}

/// How stale `last_launch_at` may get before a launch refreshes it; saves a
/// write on most launches.
const LAST_LAUNCH_GRANULARITY_MS: i64 = 15 * 60 * 1000;

/// An LTI identity as stored, with its person.
#[derive(Debug, Clone)]
pub struct StoredIdentity {
    pub identity: lti_identity::Model,
    pub person: person::Model,
}

/// Reads an LTI identity (registration + sub) and its person.
pub async fn find_lti<C: ConnectionTrait>(
    db: &C,
    platform: crate::platforms::PlatformId,
    subject: &str,
) -> Result<Option<StoredIdentity>, DbErr> {
    Ok(lti_identity::Entity::find()
        .filter(lti_identity::Column::PlatformId.eq(platform.0))
        .filter(lti_identity::Column::Subject.eq(subject))
        .find_also_related(person::Entity)
        .one(db)
        .await?
        .and_then(|(identity, person)| person.map(|person| StoredIdentity { identity, person })))
}

/// Finds or creates the person behind an LTI identity and refreshes what
/// the platform shared this time; fields it did not send are kept. `stored`
/// is the identity as the caller read it in this transaction (`None`: none
/// yet). Rows are written only when something changed.
pub async fn upsert_lti_person<C: ConnectionTrait>(
    db: &C,
    platform: &Platform,
    subject: &str,
    claims: &PersonClaims,
    roles: &[String],
    stored: Option<StoredIdentity>,
) -> Result<Person, DbErr> {
    let now = now_ms();
    let roles_json = serde_json::to_string(roles).unwrap_or_else(|_| "[]".into());
    let row = match stored {
        Some(StoredIdentity { identity, person }) => {
            if identity.roles != roles_json
                || now - identity.last_launch_at > LAST_LAUNCH_GRANULARITY_MS
            {
                let mut active: lti_identity::ActiveModel = identity.into();
                active.roles = Set(roles_json);
                active.last_launch_at = Set(now);
                active.update(db).await?;
            }
            person
        }
        None => create_lti_person(db, platform, subject, roles_json, now).await?,
    };
    refresh_person(db, row, claims, now).await
}

async fn create_lti_person<C: ConnectionTrait>(
    db: &C,
    platform: &Platform,
    subject: &str,
    roles_json: String,
    now: i64,
) -> Result<person::Model, DbErr> {
    let person_id = Uuid::new_v4();
    let row = person::ActiveModel {
        id: Set(person_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let inserted = lti_identity::Entity::insert(lti_identity::ActiveModel {
        person_id: Set(person_id),
        platform_id: Set(platform.id.0),
        issuer: Set(platform.issuer.clone()),
        subject: Set(subject.to_owned()),
        roles: Set(roles_json),
        last_launch_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            lti_identity::Column::PlatformId,
            lti_identity::Column::Subject,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if inserted == 1 {
        return Ok(row);
    }
    // A concurrent first launch of the same identity won the race.
    person::Entity::delete_by_id(person_id).exec(db).await?;
    find_lti(db, platform.id, subject)
        .await?
        .map(|stored| stored.person)
        .ok_or_else(|| {
            DbErr::RecordNotFound("the person of a concurrently created identity".into())
        })
}

async fn refresh_person<C: ConnectionTrait>(
    db: &C,
    row: person::Model,
    claims: &PersonClaims,
    now: i64,
) -> Result<Person, DbErr> {
    let shared = [
        (&row.name, &claims.name),
        (&row.given_name, &claims.given_name),
        (&row.family_name, &claims.family_name),
        (&row.email, &claims.email),
        (&row.locale, &claims.locale),
    ];
    if !shared
        .iter()
        .any(|(stored, sent)| sent.is_some() && stored != sent)
    {
        return Ok(row.into());
    }
    let mut active: person::ActiveModel = row.into();
    let refresh = |field: &mut sea_orm::ActiveValue<Option<String>>, value: &Option<String>| {
        if value.is_some() {
            *field = Set(value.clone());
        }
    };
    refresh(&mut active.name, &claims.name);
    refresh(&mut active.given_name, &claims.given_name);
    refresh(&mut active.family_name, &claims.family_name);
    refresh(&mut active.email, &claims.email);
    refresh(&mut active.locale, &claims.locale);
    active.updated_at = Set(now);
    Ok(active.update(db).await?.into())
}

pub async fn get<C: ConnectionTrait>(db: &C, id: PersonId) -> Result<Option<Person>, DbErr> {
    Ok(person::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .map(Person::from))
}

/// How an xAPI actor names a person: by an account on a platform (what
/// Carefolio's own statements use: the platform's issuer and the LTI `sub`)
/// or by an email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ActorName {
    Account { home_page: String, name: String },
    Mbox(String),
}

impl ActorName {
    /// The name a single Agent gives; none for a Group or an agent known
    /// only by a hashed address or an OpenID.
    pub fn of(actor: &serde_json::Value) -> Option<ActorName> {
        if actor.get("objectType").and_then(|t| t.as_str()) == Some("Group") {
            return None;
        }
        if let Some(mbox) = actor.get("mbox").and_then(|m| m.as_str()) {
            let address = mbox
                .get(..7)
                .filter(|scheme| scheme.eq_ignore_ascii_case("mailto:"));
            return address.map(|_| ActorName::Mbox(mbox[7..].to_lowercase()));
        }
        let account = actor.get("account")?;
        Some(ActorName::Account {
            home_page: account.get("homePage")?.as_str()?.to_owned(),
            name: account.get("name")?.as_str()?.to_owned(),
        })
    }
}

/// The one person an xAPI actor names, among the people who have launched
/// from `platform` (everyone: `None`). Nobody when no person or more than
/// one answers: a statement is never given to a person it may not be about.
pub async fn find_by_actor<C: ConnectionTrait>(
    db: &C,
    platform: Option<i32>,
    actor: &ActorName,
) -> Result<Option<PersonId>, DbErr> {
    Ok(find_by_actors(db, platform, std::slice::from_ref(actor))
        .await?
        .remove(actor))
}

/// [`find_by_actor`] for many actors in at most two queries (one for
/// accounts, one for addresses): the names that name exactly one person.
pub async fn find_by_actors<C: ConnectionTrait>(
    db: &C,
    platform: Option<i32>,
    actors: &[ActorName],
) -> Result<std::collections::HashMap<ActorName, PersonId>, DbErr> {
    use sea_orm::sea_query::{Expr, Func};
    use sea_orm::{JoinType, QuerySelect, RelationTrait};
    use std::collections::HashMap;
    let mut people: HashMap<ActorName, Vec<Uuid>> = HashMap::new();
    let mut found = |name: ActorName, person: Uuid| {
        let entry = people.entry(name).or_default();
        if !entry.contains(&person) {
            entry.push(person);
        }
    };
    let (subjects, issuers): (Vec<&str>, Vec<&str>) = actors
        .iter()
        .filter_map(|a| match a {
            ActorName::Account { home_page, name } => Some((name.as_str(), home_page.as_str())),
            ActorName::Mbox(_) => None,
        })
        .unzip();
    for chunk in subjects.chunks(400) {
        let mut query = lti_identity::Entity::find()
            .select_only()
            .columns([
                lti_identity::Column::PersonId,
                lti_identity::Column::Issuer,
                lti_identity::Column::Subject,
            ])
            .filter(lti_identity::Column::Subject.is_in(chunk.iter().copied()));
        if let Some(platform) = platform {
            query = query.filter(lti_identity::Column::PlatformId.eq(platform));
        } else {
            query = query.filter(lti_identity::Column::Issuer.is_in(issuers.iter().copied()));
        }
        let rows: Vec<(Uuid, String, String)> = query.into_tuple().all(db).await?;
        for (person, issuer, subject) in rows {
            found(
                ActorName::Account {
                    home_page: issuer,
                    name: subject,
                },
                person,
            );
        }
    }
    let addresses: Vec<&str> = actors
        .iter()
        .filter_map(|a| match a {
            ActorName::Mbox(address) => Some(address.as_str()),
            ActorName::Account { .. } => None,
        })
        .collect();
    for chunk in addresses.chunks(400) {
        let lowered = Expr::expr(Func::lower(Expr::col((
            person::Entity,
            person::Column::Email,
        ))));
        let mut query = person::Entity::find()
            .select_only()
            .column(person::Column::Id)
            .column_as(lowered.clone(), "address")
            .filter(lowered.is_in(chunk.iter().copied()));
        if let Some(platform) = platform {
            query = query
                .join(
                    JoinType::InnerJoin,
                    lti_identity::Relation::Person.def().rev(),
                )
                .filter(lti_identity::Column::PlatformId.eq(platform));
        }
        let rows: Vec<(Uuid, String)> = query.into_tuple().all(db).await?;
        for (person, address) in rows {
            found(ActorName::Mbox(address), person);
        }
    }
    let asked: std::collections::HashSet<&ActorName> = actors.iter().collect();
    Ok(people
        .into_iter()
        .filter_map(|(name, persons)| match persons.as_slice() {
            [one] if asked.contains(&name) => Some((name, PersonId(*one))),
            _ => None,
        })
        .collect())
}
