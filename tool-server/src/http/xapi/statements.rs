//! The Statement Resource: PUT one statement, POST one or many, GET by id
//! or by query, with attachments in `multipart/mixed` either way.

use actix_web::HttpResponse;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{agent_param, http_date, XapiRequest, CONSISTENT_THROUGH};
use crate::http::AppState;
use crate::identity::ActorName;
use crate::util::{now_ms, rfc3339_ms};
use crate::xapi::attachments::{self, Part};
use crate::xapi::learners::LearnerCredential;
use crate::xapi::query::{self, Filters, Reader, StoredStatement, DEFAULT_LIMIT};
use crate::xapi::store::{AttachmentContent, Batch, NewStatement};
use crate::xapi::validate::{self, Path};
use crate::xapi::{agents, people};
use crate::xapi::{Version, XapiError};

const QUERY_PARAMS: &[&str] = &[
    "statementId",
    "voidedStatementId",
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
    "cursor",
];

/// The statements of a request body and the attachment parts after them.
/// The body is taken from the request: freed once parsed rather than kept
/// while the statements wait for their write.
fn statements_and_parts(request: &mut XapiRequest) -> Result<(Value, Vec<Part>), XapiError> {
    let essence = request.content_type_essence();
    let body = std::mem::take(&mut request.body);
    match essence.as_str() {
        "application/json" => Ok((parse_json(&body)?, Vec::new())),
        "multipart/mixed" => {
            let boundary = request
                .content_type
                .as_deref()
                .and_then(attachments::boundary)
                .ok_or_else(|| XapiError::BadRequest("multipart/mixed needs a boundary".into()))?;
            let mut parts = attachments::parse_multipart(&body, &boundary)?.into_iter();
            let first = parts.next().ok_or_else(|| {
                XapiError::BadRequest("the multipart body has no statement part".into())
            })?;
            let first_type = first
                .header("Content-Type")
                .unwrap_or("")
                .to_ascii_lowercase();
            if !first_type.starts_with("application/json") {
                return Err(XapiError::BadRequest(
                    "the first part of a multipart body must be the statements, as application/json".into(),
                ));
            }
            Ok((parse_json(&first.body)?, parts.collect()))
        }
        "" => Err(XapiError::BadRequest(
            "statements are sent as application/json (or multipart/mixed with attachments)".into(),
        )),
        other => Err(XapiError::BadRequest(format!(
            "statements are sent as application/json or multipart/mixed, not {other}"
        ))),
    }
}

fn parse_json(body: &[u8]) -> Result<Value, XapiError> {
    serde_json::from_slice(body)
        .map_err(|e| XapiError::BadRequest(format!("the body is not JSON: {e}")))
}

/// Validates the statements and gives each an id.
fn prepare(
    request: &XapiRequest,
    values: Vec<Value>,
    batch: bool,
) -> Result<Vec<NewStatement>, XapiError> {
    let client = &request.client;
    let mut prepared = Vec::with_capacity(values.len());
    for (i, mut value) in values.into_iter().enumerate() {
        let root = Path::root("statement");
        let indexed = root.index(i);
        let path = if batch { &indexed } else { &root };
        validate::statement(&mut value, request.version, path)?;
        if let Some(learner) = &client.learner {
            check_about_learner(&value, learner)?;
        }
        let given = value.get("id").and_then(Value::as_str);
        let id = match given {
            Some(id) => Uuid::parse_str(id)
                .map_err(|_| XapiError::invalid_statement("statement.id", "must be a UUID"))?,
            // Time-ordered: new ids land at the end of the id index.
            None => Uuid::now_v7(),
        };
        prepared.push(NewStatement {
            id,
            person_id: client.learner.as_ref().map(|l| l.person.0),
            platform_id: client.reach.platform_id(),
            client_id: client.id,
            id_is_new: given.is_none(),
            statement: value,
        });
    }
    Ok(prepared)
}

/// A learner's credential sends statements about its learner only, and
/// never voids: a voiding statement by the learner could name anyone's.
fn check_about_learner(statement: &Value, learner: &LearnerCredential) -> Result<(), XapiError> {
    if agents::key(&statement["actor"]).as_deref() != Some(learner.actor_key().as_str()) {
        return Err(XapiError::NotThisLearner(
            "a learner's credential sends statements whose actor is that learner (the account given at launch)",
        ));
    }
    if statement["verb"]["id"].as_str() == Some(crate::xapi::VERB_VOIDED) {
        return Err(XapiError::NotThisLearner(
            "a learner's credential cannot void statements",
        ));
    }
    Ok(())
}

/// The authority of what a client stores: the client itself (the LRS sets
/// it, whatever the statement says; Data 2.4.9). A learner's credential
/// was given by Carefolio at launch: Carefolio is the authority.
fn authority(state: &AppState, request: &XapiRequest) -> Value {
    if request.client.learner.is_some() {
        return json!({
            "objectType": "Agent",
            "name": "Carefolio",
            "account": { "homePage": state.base_url.as_ref(), "name": "carefolio" }
        });
    }
    json!({
        "objectType": "Agent",
        "name": request.client.name,
        "account": { "homePage": format!("{}/xapi/clients", state.base_url), "name": request.client.key }
    })
}

async fn store(
    state: &AppState,
    request: &XapiRequest,
    statements: Vec<NewStatement>,
    attachments: Vec<AttachmentContent>,
) -> Result<Vec<Uuid>, XapiError> {
    let names: Vec<Option<ActorName>> = statements
        .iter()
        .map(|s| ActorName::of(&s.statement["actor"]))
        .collect();
    // Prepared here, beside the other requests, rather than in the
    // writer's turn; and before the first wait, so that the parsed
    // statements (about twelve times their text) are freed by then.
    let mut batch = Batch::prepare(
        statements,
        &authority(state, request),
        request.version.statement_default(),
        attachments,
        Some(request.client.reach.owner_key()),
    )?;
    batch.set_people(people::resolve(&state.db, request.client.reach.platform_id(), &names).await?);
    state.statements.write(batch).await
}

fn require_write(request: &XapiRequest) -> Result<(), XapiError> {
    if request.client.scopes.write_statements() {
        Ok(())
    } else {
        Err(XapiError::Forbidden("write statements"))
    }
}

/// PUT `/xapi/statements?statementId=…`: one statement with a given id.
pub async fn put(state: &AppState, mut request: XapiRequest) -> Result<HttpResponse, XapiError> {
    require_write(&request)?;
    request.only_params(&["statementId"])?;
    let id = request
        .param("statementId")
        .ok_or_else(|| XapiError::InvalidParameter {
            name: "statementId",
            reason: "is required to PUT a statement".into(),
        })?
        .to_ascii_lowercase();
    if !validate::is_uuid(&id) {
        return Err(XapiError::InvalidParameter {
            name: "statementId",
            reason: "expected a UUID".into(),
        });
    }
    let (mut value, parts) = statements_and_parts(&mut request)?;
    if !value.is_object() {
        return Err(XapiError::BadRequest(
            "PUT takes one statement, a JSON object".into(),
        ));
    }
    match value.get("id").and_then(Value::as_str) {
        Some(given) if !given.eq_ignore_ascii_case(&id) => {
            return Err(XapiError::invalid_statement(
                "statement.id",
                "differs from the statementId parameter",
            ))
        }
        _ => value["id"] = json!(id),
    }
    let statements = prepare(&request, vec![value], false)?;
    let values: Vec<&Value> = statements.iter().map(|s| &s.statement).collect();
    let contents = attachments::match_parts(&values, parts, request.version)?;
    store(state, &request, statements, contents).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST `/xapi/statements`: one statement or an array, stored together or
/// not at all; answers their ids in order.
pub async fn post(state: &AppState, mut request: XapiRequest) -> Result<HttpResponse, XapiError> {
    require_write(&request)?;
    request.only_params(&[])?;
    let (value, parts) = statements_and_parts(&mut request)?;
    let (values, batch) = match value {
        Value::Array(items) => (items, true),
        object @ Value::Object(_) => (vec![object], false),
        _ => {
            return Err(XapiError::BadRequest(
                "POST takes a statement or an array of statements".into(),
            ))
        }
    };
    let statements = prepare(&request, values, batch)?;
    let values: Vec<&Value> = statements.iter().map(|s| &s.statement).collect();
    let contents = attachments::match_parts(&values, parts, request.version)?;
    let ids = store(state, &request, statements, contents).await?;
    Ok(HttpResponse::Ok().json(ids))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Exact,
    Ids,
    Canonical,
}

/// GET (and HEAD) `/xapi/statements`.
pub async fn get(state: &AppState, request: &XapiRequest) -> Result<HttpResponse, XapiError> {
    let reader = Reader::of(&request.client)?;
    request.only_params(QUERY_PARAMS)?;
    let format = match request.param("format") {
        None | Some("exact") => Format::Exact,
        Some("ids") => Format::Ids,
        Some("canonical") => Format::Canonical,
        Some(_) => {
            return Err(XapiError::InvalidParameter {
                name: "format",
                reason: "expected ids, exact or canonical".into(),
            })
        }
    };
    let with_attachments = request.flag("attachments")?;
    let single = match (
        request.param("statementId"),
        request.param("voidedStatementId"),
    ) {
        (Some(_), Some(_)) => {
            return Err(XapiError::BadRequest(
                "give statementId or voidedStatementId, not both".into(),
            ))
        }
        (Some(_), None) => Some((false, "statementId")),
        (None, Some(_)) => Some((true, "voidedStatementId")),
        (None, None) => None,
    };
    let consistent_through = rfc3339_ms(state.statements.consistent_through());
    if let Some((voided, name)) = single {
        if let Some((other, _)) = request.params.iter().find(|(n, _)| {
            !matches!(
                n.as_str(),
                "statementId" | "voidedStatementId" | "format" | "attachments"
            )
        }) {
            return Err(XapiError::BadRequest(format!(
                "`{name}` may only be combined with format and attachments, not `{other}`"
            )));
        }
        let id = request.uuid_param(name)?.ok_or(XapiError::NotFound)?;
        let mut statement = query::by_id(&state.db, reader, id, voided).await?;
        let stored = statement["stored"]
            .as_str()
            .and_then(validate::parse_timestamp);
        shape(&mut statement, format, request);
        let mut response = HttpResponse::Ok();
        response.insert_header((CONSISTENT_THROUGH, consistent_through));
        if let Some(stored) = stored {
            response.insert_header(("Last-Modified", http_date(stored)));
        }
        return respond(state, response, statement, with_attachments).await;
    }
    let filters = Filters {
        agent: agent_param(request, "agent")?.map(|(_, key)| key),
        verb: request.iri_param("verb")?,
        activity: request.iri_param("activity")?,
        registration: request.uuid_param("registration")?,
        related_activities: request.flag("related_activities")?,
        related_agents: request.flag("related_agents")?,
        since_ms: request.timestamp_param("since")?,
        until_ms: request.timestamp_param("until")?,
        ascending: request.flag("ascending")?,
    };
    let limit = match request.param("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => v.parse::<u64>().map_err(|_| XapiError::InvalidParameter {
            name: "limit",
            reason: "expected a non-negative integer".into(),
        })?,
    };
    let cursor = request
        .param("cursor")
        .map(|v| {
            v.parse::<i32>().map_err(|_| XapiError::InvalidParameter {
                name: "cursor",
                reason: "not a cursor from a `more` link".into(),
            })
        })
        .transpose()?;
    let page = query::filtered(&state.db, reader, &filters, limit, cursor).await?;
    let latest_stored = page.statements.iter().map(|s| s.stored_ms).max();
    let more = page.next_cursor.map(|cursor| {
        let mut link = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in request.params.iter().filter(|(n, _)| n != "cursor") {
            link.append_pair(name, value);
        }
        link.append_pair("cursor", &cursor.to_string());
        format!("/xapi/statements?{}", link.finish())
    });
    let mut response = HttpResponse::Ok();
    response.insert_header((CONSISTENT_THROUGH, consistent_through));
    response.insert_header((
        "Last-Modified",
        http_date(latest_stored.unwrap_or_else(now_ms)),
    ));
    if format == Format::Exact && !with_attachments {
        let body = exact_result(
            &page.statements,
            more.as_deref().unwrap_or_default(),
            request,
        )?;
        return Ok(response.content_type("application/json").body(body));
    }
    let mut statements = page
        .statements
        .iter()
        .map(StoredStatement::parse)
        .collect::<Result<Vec<Value>, _>>()?;
    for statement in &mut statements {
        shape(statement, format, request);
    }
    let result = json!({ "statements": statements, "more": more.unwrap_or_default() });
    respond(state, response, result, with_attachments).await
}

/// A StatementResult in the `exact` format, written from the statements'
/// stored texts: parsing and writing each again would take most of a
/// query's time. Only a statement a 1.0.3 client must see without its 2.0
/// properties is parsed and shaped.
fn exact_result(
    statements: &[StoredStatement],
    more: &str,
    request: &XapiRequest,
) -> Result<String, XapiError> {
    let texts: usize = statements.iter().map(|s| s.text.len() + 1).sum();
    let mut body = String::with_capacity(texts + more.len() + 32);
    body.push_str("{\"statements\":[");
    for (n, statement) in statements.iter().enumerate() {
        if n > 0 {
            body.push(',');
        }
        let has_2_0_properties = statement.text.contains("\"contextAgents\"")
            || statement.text.contains("\"contextGroups\"");
        if request.version == Version::V1 && has_2_0_properties {
            let mut shaped = statement.parse()?;
            shape(&mut shaped, Format::Exact, request);
            body.push_str(&shaped.to_string());
        } else {
            body.push_str(statement.checked_text()?);
        }
    }
    body.push_str("],\"more\":");
    body.push_str(&Value::from(more).to_string());
    body.push('}');
    Ok(body)
}

fn shape(statement: &mut Value, format: Format, request: &XapiRequest) {
    if request.version == Version::V1 {
        // 2.0-only properties never reach a 1.0.3 client.
        if let Some(context) = statement.get_mut("context").and_then(Value::as_object_mut) {
            context.remove("contextAgents");
            context.remove("contextGroups");
        }
    }
    match format {
        Format::Exact => {}
        Format::Ids => agents::ids_only(statement),
        Format::Canonical => agents::canonical(
            statement,
            &agents::accepted_languages(request.accept_language.as_deref()),
        ),
    }
}

/// The answer as JSON, or with `attachments=true` as `multipart/mixed`:
/// the JSON first, then each stored attachment the statements name.
async fn respond(
    state: &AppState,
    mut response: actix_web::HttpResponseBuilder,
    body: Value,
    with_attachments: bool,
) -> Result<HttpResponse, XapiError> {
    if !with_attachments {
        return Ok(response.json(body));
    }
    let statements: Vec<Value> = match &body["statements"] {
        Value::Array(list) => list.clone(),
        _ => vec![body.clone()],
    };
    let contents = query::attachments_of(&state.db, &statements).await?;
    let (content_type, multipart) = attachments::multipart_body(&body, &contents);
    Ok(response.content_type(content_type).body(multipart))
}
