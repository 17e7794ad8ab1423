//! Every route Carefolio serves.

use actix_web::web;

use super::{
    admin, api, assessment, badges, deep_linking, errors, evidence, lti, pages, registration,
    sharing, widget, xapi,
};

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(pages::index))
        .route("/health", web::get().to(pages::health))
        // LTI 1.3
        .route("/lti/login", web::get().to(lti::login))
        .route("/lti/login", web::post().to(lti::login))
        .route("/lti/launch", web::post().to(lti::launch))
        .route("/lti/deep-linking", web::post().to(deep_linking::respond))
        .route("/lti/register", web::get().to(registration::start))
        .route("/.well-known/jwks.json", web::get().to(lti::jwks))
        .route("/lti/config/canvas.json", web::get().to(lti::canvas_config))
        // The widget and its API
        .route("/widget/{file}", web::get().to(widget::asset))
        .route(
            "/widget/{version}/{file}",
            web::get().to(widget::versioned_asset),
        )
        .route("/api/v1/openapi.json", web::get().to(api::openapi))
        .route("/api/v1/portfolio", web::get().to(api::portfolio))
        .route("/api/v1/learners", web::get().to(api::learners))
        .route("/api/v1/evidence", web::get().to(evidence::list))
        .route("/api/v1/evidence", web::post().to(evidence::create))
        .route("/api/v1/evidence/files", web::post().to(evidence::upload))
        .route("/api/v1/evidence/{id}", web::get().to(evidence::get))
        .route("/api/v1/evidence/{id}", web::patch().to(evidence::update))
        .route("/api/v1/evidence/{id}", web::delete().to(evidence::delete))
        .route(
            "/api/v1/map/{framework}",
            web::get().to(evidence::competence_map),
        )
        .route(
            "/api/v1/self-ratings/{competence}",
            web::put().to(evidence::rate),
        )
        .route("/api/v1/suggestions", web::get().to(evidence::suggestions))
        .route(
            "/api/v1/activity-launch",
            web::post().to(api::activity_launch),
        )
        .route(
            "/activity/fetch/{token}",
            web::post().to(api::activity_fetch),
        )
        .route("/api/v1/candidates", web::get().to(evidence::candidates))
        .route(
            "/api/v1/candidates/{statement}/dismissal",
            web::post().to(evidence::dismiss_candidate),
        )
        .route("/api/v1/export", web::get().to(evidence::export))
        .route(
            "/api/v1/export/address",
            web::post().to(evidence::export_address),
        )
        .route(
            "/exports/portfolio.zip",
            web::get().to(evidence::export_by_address),
        )
        .route("/api/v1/import", web::post().to(evidence::import))
        .route(
            "/api/v1/evidence/{id}/comments",
            web::get().to(sharing::list_comments),
        )
        .route(
            "/api/v1/evidence/{id}/comments",
            web::post().to(sharing::add_comment),
        )
        .route(
            "/api/v1/collections",
            web::get().to(sharing::list_collections),
        )
        .route(
            "/api/v1/collections",
            web::post().to(sharing::create_collection),
        )
        .route(
            "/api/v1/collections/{id}",
            web::get().to(sharing::get_collection),
        )
        .route(
            "/api/v1/collections/{id}",
            web::put().to(sharing::update_collection),
        )
        .route(
            "/api/v1/collections/{id}",
            web::delete().to(sharing::delete_collection),
        )
        .route(
            "/api/v1/course-people",
            web::get().to(sharing::course_people),
        )
        .route("/api/v1/shares", web::get().to(sharing::list_shares))
        .route("/api/v1/shares", web::post().to(sharing::create_share))
        .route(
            "/api/v1/shares/{id}",
            web::delete().to(sharing::revoke_share),
        )
        .route(
            "/api/v1/shared-with-me",
            web::get().to(sharing::shared_with_me),
        )
        .route(
            "/api/v1/shared/{share}",
            web::get().to(sharing::read_shared),
        )
        .route(
            "/api/v1/shared/{share}/map/{framework}",
            web::get().to(sharing::shared_map),
        )
        .route(
            "/api/v1/learners/{person}/map/{framework}",
            web::get().to(sharing::learner_map),
        )
        .route(
            "/api/v1/public/{secret}",
            web::get().to(sharing::read_public),
        )
        .route(
            "/api/v1/comments/unseen",
            web::get().to(sharing::unseen_comments),
        )
        .route(
            "/api/v1/comments/seen",
            web::post().to(sharing::mark_comments_seen),
        )
        .route("/api/v1/audit", web::get().to(sharing::audit_trail))
        .route("/files/{item}/{name}", web::get().to(evidence::file))
        .route("/s/{secret}", web::get().to(sharing::shared_page))
        // Claims and their assessment
        .route("/api/v1/claims", web::get().to(assessment::list_claims))
        .route("/api/v1/claims", web::post().to(assessment::create_claim))
        .route("/api/v1/claims/{id}", web::get().to(assessment::get_claim))
        .route(
            "/api/v1/claims/{id}",
            web::patch().to(assessment::change_claim),
        )
        .route(
            "/api/v1/claims/{id}/submit",
            web::post().to(assessment::submit_claim),
        )
        .route(
            "/api/v1/claims/{id}/withdraw",
            web::post().to(assessment::withdraw_claim),
        )
        .route("/api/v1/assessment/queue", web::get().to(assessment::queue))
        .route(
            "/api/v1/assessment/claims/{id}",
            web::get().to(assessment::review_claim),
        )
        .route(
            "/api/v1/assessment/claims/{id}/decisions",
            web::post().to(assessment::decide),
        )
        .route(
            "/api/v1/assessment/claims/{id}/reconciliation",
            web::post().to(assessment::reconcile),
        )
        .route(
            "/api/v1/assessment/course",
            web::get().to(assessment::course_assessment),
        )
        .route(
            "/api/v1/assessment/course",
            web::patch().to(assessment::change_course_assessment),
        )
        .route(
            "/api/v1/assessment/course/assessors/{person}",
            web::put().to(assessment::name_assessor),
        )
        .route(
            "/api/v1/assessment/course/assessors/{person}",
            web::delete().to(assessment::remove_assessor),
        )
        // Badges
        .route("/api/v1/badges", web::get().to(badges::my_badges))
        .route("/api/v1/badges/{id}", web::patch().to(badges::change_badge))
        .route(
            "/api/v1/badges/{id}/credential",
            web::get().to(badges::my_credential),
        )
        .route(
            "/api/v1/badges/{id}/image.png",
            web::get().to(badges::my_baked_image),
        )
        .route(
            "/api/v1/badge-classes",
            web::get().to(badges::badge_classes),
        )
        .route("/api/v1/assessment/awards", web::post().to(badges::award))
        .service(
            web::resource("/api/v1/assessment/awards/batch")
                .app_data(crate::startup::json_config(badges::MAX_BATCH_BYTES))
                .route(web::post().to(badges::award_batch)),
        )
        .route(
            "/api/v1/assessment/awards/{id}/revocation",
            web::post().to(badges::revoke),
        )
        .route(
            "/badges/classes/{id}/image.svg",
            web::get().to(badges::class_image),
        )
        .route(
            "/badges/awards/{id}",
            web::get().to(badges::verification_page),
        )
        .route("/ob/v2/issuer", web::get().to(badges::ob2_issuer))
        .route(
            "/ob/v2/assertions/{id}/baked.png",
            web::get().to(badges::ob2_baked_png),
        )
        .route("/ob/v3/issuer", web::get().to(badges::ob3_issuer))
        .route("/ob/v3/issuer/keys/{kid}", web::get().to(badges::ob3_key))
        .route(
            "/ob/v3/achievements/{id}",
            web::get().to(badges::ob3_achievement),
        )
        .route(
            "/ob/v3/credentials/{id}",
            web::get().to(badges::ob3_credential),
        )
        .route(
            "/ob/v3/status/revocation",
            web::get().to(badges::ob3_status_list),
        )
        .route(
            "/ims/case/v1p0/CFItems/{id}",
            web::get().to(badges::case_item),
        )
        .route("/ob/v2/badges/{id}", web::get().to(badges::ob2_badge_class))
        .route(
            "/ob/v2/assertions/{id}",
            web::get().to(badges::ob2_assertion),
        )
        .route(
            "/ob/v2/assertions/{id}/baked.svg",
            web::get().to(badges::ob2_baked_svg),
        )
        .route(
            "/api/v1/admin/badge-classes",
            web::get().to(badges::admin_badge_classes),
        )
        .route(
            "/api/v1/admin/badge-classes",
            web::post().to(badges::define_badge_class),
        )
        .route(
            "/api/v1/admin/badge-awards/{id}/revocation",
            web::post().to(badges::admin_revoke),
        )
        // Administrators
        .route(
            "/api/v1/admin/frameworks",
            web::get().to(admin::list_frameworks),
        )
        .route(
            "/api/v1/admin/frameworks",
            web::post().to(admin::import_framework),
        )
        .route(
            "/api/v1/admin/frameworks/import-url",
            web::post().to(admin::import_framework_url),
        )
        .route(
            "/api/v1/admin/frameworks/{key}/export",
            web::get().to(admin::export_framework),
        )
        // xAPI
        .route("/xapi/{resource:.*}", web::route().to(xapi::dispatch))
        .default_service(web::to(errors::not_found));
}
