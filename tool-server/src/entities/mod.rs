//! sea-orm entities: database rows only. Domain modules convert them into
//! their own types; no entity is ever a request or response body.

pub mod admin_token;
pub mod audit_event;
pub mod blob;
pub mod collection;
pub mod collection_item;
pub mod comment;
pub mod competence;
pub mod competence_activity;
pub mod context;
pub mod deployment;
pub mod evidence_item;
pub mod evidence_tag;
pub mod evidence_version;
pub mod framework;
pub mod grade_link;
pub mod grade_sync;
pub mod lti_identity;
pub mod membership;
pub mod outbox_message;
pub mod person;
pub mod platform;
pub mod platform_jwks;
pub mod resource_link;
pub mod resource_link_competence;
pub mod roster_member;
pub mod self_rating;
pub mod server_secret;
pub mod share;
pub mod tool_key;
pub mod used_nonce;
pub mod xapi_client;
pub mod xapi_statement;
