//! The State, Activity Profile and Agent Profile resources, and the
//! Activities and Agents resources that describe what statements name.

use actix_web::http::Method;
use actix_web::HttpResponse;
use sea_orm::EntityTrait;
use serde_json::{json, Map, Value};

use super::{agent_param, http_date, XapiRequest};
use crate::entities::xapi_activity;
use crate::http::AppState;
use crate::xapi::documents::{self, HeadersRequired, Kind, Mode, Preconditions, Scope, Write};
use crate::xapi::validate;
use crate::xapi::{Version, XapiError};

#[derive(Debug, Clone, Copy)]
pub enum Resource {
    State,
    ActivityProfile,
    AgentProfile,
}

impl Resource {
    fn kind(self) -> Kind {
        match self {
            Resource::State => Kind::State,
            Resource::ActivityProfile => Kind::ActivityProfile,
            Resource::AgentProfile => Kind::AgentProfile,
        }
    }

    fn id_param(self) -> &'static str {
        match self {
            Resource::State => "stateId",
            Resource::ActivityProfile | Resource::AgentProfile => "profileId",
        }
    }

    fn params(self) -> &'static [&'static str] {
        match self {
            Resource::State => &["activityId", "agent", "registration", "stateId", "since"],
            Resource::ActivityProfile => &["activityId", "profileId", "since"],
            Resource::AgentProfile => &["agent", "profileId", "since"],
        }
    }
}

fn required<'r>(request: &'r XapiRequest, name: &'static str) -> Result<&'r str, XapiError> {
    request
        .param(name)
        .ok_or_else(|| XapiError::InvalidParameter {
            name,
            reason: "is required".into(),
        })
}

fn scope(request: &XapiRequest, resource: Resource) -> Result<Scope, XapiError> {
    request.only_params(resource.params())?;
    let activity_id = match resource {
        Resource::State | Resource::ActivityProfile => {
            let id = required(request, "activityId")?;
            if !validate::is_iri(id) {
                return Err(XapiError::InvalidParameter {
                    name: "activityId",
                    reason: "expected an IRI".into(),
                });
            }
            id.to_owned()
        }
        Resource::AgentProfile => String::new(),
    };
    let agent_key = match resource {
        Resource::State | Resource::AgentProfile => {
            required(request, "agent")?;
            agent_param(request, "agent")?
                .map(|(_, key)| key)
                .unwrap_or_default()
        }
        Resource::ActivityProfile => String::new(),
    };
    if let Some(learner) = &request.client.learner {
        if !agent_key.is_empty() && agent_key != learner.actor_key() {
            return Err(XapiError::NotThisLearner(
                "a learner's credential reaches that learner's documents only",
            ));
        }
    }
    let registration = request.uuid_param("registration")?.map(|r| r.to_string());
    Ok(Scope {
        owner: request.client.reach.owner_key(),
        kind: resource.kind(),
        activity_id,
        agent_key,
        registration,
    })
}

fn check_scope(request: &XapiRequest, resource: Resource, write: bool) -> Result<(), XapiError> {
    let scopes = request.client.scopes;
    let allowed = match (resource, write) {
        (Resource::State, false) => scopes.read_state(),
        (Resource::State, true) => scopes.write_state(),
        (_, false) => scopes.read_profiles(),
        (_, true) => scopes.write_profiles(),
    };
    if allowed {
        Ok(())
    } else {
        Err(XapiError::Forbidden(match (resource, write) {
            (Resource::State, false) => "read state",
            (Resource::State, true) => "write state",
            (_, false) => "read profiles",
            (_, true) => "write profiles",
        }))
    }
}

pub async fn handle(
    state: &AppState,
    request: XapiRequest,
    resource: Resource,
) -> Result<HttpResponse, XapiError> {
    let write = !matches!(request.method, Method::GET | Method::HEAD);
    check_scope(&request, resource, write)?;
    let scope = scope(&request, resource)?;
    let document_id = request.param(resource.id_param()).map(str::to_owned);
    if request.param("since").is_some() && (write || document_id.is_some()) {
        return Err(XapiError::BadRequest(format!(
            "`since` lists documents; it cannot be combined with `{}` or used to change them",
            resource.id_param()
        )));
    }
    let preconditions = Preconditions {
        if_match: request.if_match.clone(),
        if_none_match: request.if_none_match.clone(),
    };
    match request.method {
        Method::GET | Method::HEAD => match document_id {
            Some(id) => {
                let document = documents::get(&state.db, &scope, &id)
                    .await?
                    .ok_or(XapiError::NoSuch("document"))?;
                Ok(HttpResponse::Ok()
                    .content_type(document.content_type)
                    .insert_header(("ETag", format!("\"{}\"", document.etag)))
                    .insert_header(("Last-Modified", http_date(document.updated_ms)))
                    .body(document.content))
            }
            None => {
                let since = request.timestamp_param("since")?;
                let (ids, latest) = documents::ids(&state.db, &scope, since).await?;
                let mut response = HttpResponse::Ok();
                if let Some(latest) = latest {
                    response.insert_header(("Last-Modified", http_date(latest)));
                }
                Ok(response.json(ids))
            }
        },
        Method::PUT | Method::POST => {
            let name = resource.id_param();
            let id = document_id.ok_or_else(|| XapiError::InvalidParameter {
                name,
                reason: "is required to store a document".into(),
            })?;
            let content_type = request
                .content_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".to_owned());
            let mode = if request.method == Method::PUT {
                Mode::Replace
            } else {
                Mode::Merge
            };
            // xAPI 1.0.3 asks for concurrency headers on every PUT of a
            // profile; 2.0 on every PUT over an existing document.
            let headers_required = match (mode, request.version, resource) {
                (Mode::Merge, _, _) | (_, Version::V1, Resource::State) => HeadersRequired::No,
                (_, Version::V1, _) => HeadersRequired::Always,
                (_, Version::V2, _) => HeadersRequired::WhenItExists,
            };
            documents::put(
                &state.db,
                &scope,
                &id,
                Write {
                    content_type,
                    content: request.body,
                    mode,
                    preconditions,
                    headers_required,
                },
            )
            .await?;
            Ok(HttpResponse::NoContent().finish())
        }
        Method::DELETE => {
            if document_id.is_none() && !matches!(resource, Resource::State) {
                return Err(XapiError::InvalidParameter {
                    name: "profileId",
                    reason: "is required to delete a profile".into(),
                });
            }
            documents::delete(&state.db, &scope, document_id.as_deref(), &preconditions).await?;
            Ok(HttpResponse::NoContent().finish())
        }
        ref other => Err(XapiError::MethodNotAllowed(other.to_string())),
    }
}

/// GET `/xapi/activities?activityId=…`: the activity with the latest
/// definition statements gave it.
pub async fn activity(state: &AppState, request: &XapiRequest) -> Result<HttpResponse, XapiError> {
    if !request.client.scopes.read_definitions() {
        return Err(XapiError::Forbidden("read activity definitions"));
    }
    request.only_params(&["activityId"])?;
    let id = required(request, "activityId")?;
    if !validate::is_iri(id) {
        return Err(XapiError::InvalidParameter {
            name: "activityId",
            reason: "expected an IRI".into(),
        });
    }
    let row = xapi_activity::Entity::find_by_id((request.client.reach.owner_key(), id.to_owned()))
        .one(&state.db)
        .await?;
    let mut activity = json!({ "objectType": "Activity", "id": id });
    if let Some(definition) = row.and_then(|r| serde_json::from_str::<Value>(&r.definition).ok()) {
        if definition.as_object().is_some_and(|d| !d.is_empty()) {
            activity["definition"] = definition;
        }
    }
    Ok(HttpResponse::Ok().json(activity))
}

/// GET `/xapi/agents?agent=…`: the Person object of what is known of an
/// agent (Communication 2.6): its identifiers, as arrays.
pub fn person(request: &XapiRequest) -> Result<HttpResponse, XapiError> {
    if !request.client.scopes.read_definitions() {
        return Err(XapiError::Forbidden("read agents"));
    }
    request.only_params(&["agent"])?;
    required(request, "agent")?;
    let (agent, _) = agent_param(request, "agent")?.expect("checked above");
    let mut person = Map::new();
    person.insert("objectType".into(), json!("Person"));
    for key in ["name", "mbox", "mbox_sha1sum", "openid", "account"] {
        if let Some(value) = agent.get(key) {
            person.insert(key.into(), json!([value]));
        }
    }
    Ok(HttpResponse::Ok().json(Value::Object(person)))
}
