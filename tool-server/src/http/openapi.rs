//! The OpenAPI document of the JSON API, generated from the handlers'
//! `#[utoipa::path]` annotations and the types they answer with.
//! `docs/openapi.json` is this document; a test fails when they differ
//! (`carefolio openapi > docs/openapi.json` writes it again).

use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse, ToSchema};

use super::{admin, api, assessment, badges, evidence, sharing};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Carefolio",
        description = "The e-portfolio API the Carefolio widget calls. Every call but the link and address ones carries the launch token the launch page gave the widget (`Authorization: Bearer …`); administrators use a token made with `carefolio admin-token`. Errors are `application/problem+json` (RFC 9457) with a stable `code`.",
        license(name = "AGPL-3.0-or-later"),
    ),
    paths(
        api::portfolio,
        api::learners,
        api::activity_launch,
        evidence::list,
        evidence::create,
        evidence::upload,
        evidence::get,
        evidence::update,
        evidence::delete,
        evidence::competence_map,
        evidence::rate,
        evidence::suggestions,
        evidence::candidates,
        evidence::dismiss_candidate,
        evidence::export,
        evidence::export_address,
        evidence::export_by_address,
        evidence::import,
        evidence::file,
        sharing::list_collections,
        sharing::create_collection,
        sharing::get_collection,
        sharing::update_collection,
        sharing::delete_collection,
        sharing::course_people,
        sharing::list_shares,
        sharing::create_share,
        sharing::revoke_share,
        sharing::shared_with_me,
        sharing::read_shared,
        sharing::shared_map,
        sharing::learner_map,
        sharing::read_public,
        sharing::list_comments,
        sharing::add_comment,
        sharing::unseen_comments,
        sharing::mark_comments_seen,
        sharing::audit_trail,
        assessment::list_claims,
        assessment::create_claim,
        assessment::get_claim,
        assessment::change_claim,
        assessment::submit_claim,
        assessment::withdraw_claim,
        assessment::queue,
        assessment::review_claim,
        assessment::decide,
        assessment::reconcile,
        assessment::course_assessment,
        assessment::change_course_assessment,
        assessment::name_assessor,
        assessment::remove_assessor,
        badges::my_badges,
        badges::change_badge,
        badges::my_credential,
        badges::my_baked_image,
        badges::badge_classes,
        badges::award,
        badges::award_batch,
        badges::revoke,
        badges::admin_badge_classes,
        badges::define_badge_class,
        badges::admin_revoke,
        admin::list_frameworks,
        admin::import_framework,
        admin::import_framework_url,
        admin::export_framework,
    ),
    components(
        schemas(Problem),
        responses(Unauthenticated, NotAdministrator, NotTeacher)
    ),
    modifiers(&Tokens),
    tags(
        (name = "portfolio", description = "The launch: who, which activity, which competences"),
        (name = "evidence", description = "Evidence items, files, the competence map and self-ratings"),
        (name = "collections", description = "Ordered selections of evidence with an introduction"),
        (name = "sharing", description = "Shares with a person, a course's teachers or a secret link; the audit trail"),
        (name = "comments", description = "Readers' comments on shared evidence"),
        (name = "teaching", description = "A course's learners and their maps, for its teachers"),
        (name = "export", description = "The whole portfolio as a zip, and LEAP2A import"),
        (name = "claims", description = "A learner's claims of competence, with the evidence frozen at each submission"),
        (name = "assessment", description = "Assessors' queue and decisions, and how a course assesses"),
        (name = "badges", description = "Proficiency badges: awards, classes, awarding and revoking"),
        (name = "administration", description = "Competence frameworks and badge classes"),
    )
)]
pub struct ApiDoc;

/// An error (RFC 9457 problem details).
#[derive(Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// A stable code for programs, for example `invalid` or `share_not_found`.
    pub code: String,
    /// What went wrong, for people.
    pub detail: String,
    /// For a validation error: the field that is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For an invalid framework document: the line or field.
    #[serde(rename = "where", skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
}

/// No launch token, or the launch has expired: launch again from the LMS.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unauthenticated(pub Problem);

/// No administrator token, or one that is not (or no longer) known.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotAdministrator(pub Problem);

/// Only the course's instructors and teaching assistants may.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotTeacher(pub Problem);

/// The bytes of a file, as they are (a request or response body).
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for Binary {}

struct Tokens;

impl Modify for Tokens {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "launch_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The launch token of an LTI launch, valid for the launch's session",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An administrator token (`carefolio admin-token`)"))
                    .build(),
            ),
        );
    }
}

/// The document as committed in `docs/openapi.json`.
pub fn document() -> String {
    let mut json = ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    json.push('\n');
    json
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn the_committed_document_is_the_one_the_code_makes() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
        let committed = std::fs::read_to_string(path).expect("docs/openapi.json");
        assert!(
            committed == document(),
            "docs/openapi.json is not what the code describes: run `carefolio openapi > docs/openapi.json` and commit it"
        );
    }

    /// `(method, path)` of every route of the JSON API and of evidence
    /// files and exports, as `routes.rs` registers them.
    fn routed() -> BTreeSet<(String, String)> {
        let source = include_str!("routes.rs");
        let mut found = BTreeSet::new();
        for piece in source.split(".route(").skip(1) {
            let mut quoted = piece.split('"');
            let (Some(_), Some(path)) = (quoted.next(), quoted.next()) else {
                continue;
            };
            let Some(method) = piece
                .split("web::")
                .nth(1)
                .and_then(|rest| rest.split("()").next())
            else {
                continue;
            };
            let api = path.starts_with("/api/v1/") && path != "/api/v1/openapi.json";
            if api || path.starts_with("/files/") || path.starts_with("/exports/") {
                found.insert((method.to_owned(), path.to_owned()));
            }
        }
        // Resources with a configuration of their own: `web::resource("…")`
        // then `.route(web::post()…)`.
        for piece in source.split("web::resource(").skip(1) {
            let (Some(path), Some(method)) = (
                piece.split('"').nth(1),
                piece
                    .split(".route(web::")
                    .nth(1)
                    .and_then(|rest| rest.split("()").next()),
            ) else {
                continue;
            };
            found.insert((method.to_owned(), path.to_owned()));
        }
        found
    }

    fn documented() -> BTreeSet<(String, String)> {
        let document: serde_json::Value =
            serde_json::from_str(&document()).expect("the document is JSON");
        let mut found = BTreeSet::new();
        for (path, operations) in document["paths"].as_object().expect("paths") {
            for method in operations.as_object().expect("operations").keys() {
                found.insert((method.clone(), path.clone()));
            }
        }
        found
    }

    #[test]
    fn every_route_of_the_api_is_documented_and_every_documented_operation_is_routed() {
        let routed = routed();
        let documented = documented();
        assert!(routed.len() > 30, "read {} routes", routed.len());
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let unrouted: Vec<_> = documented.difference(&routed).collect();
        assert!(
            undocumented.is_empty(),
            "routes without #[utoipa::path] in ApiDoc: {undocumented:?}"
        );
        assert!(
            unrouted.is_empty(),
            "documented but not routed: {unrouted:?}"
        );
    }
}
