//! Carefolio's database schema. One file per change, never edited once landed.
//!
//! Times are stored as milliseconds since the Unix epoch (`BIGINT`), which
//! compares the same way on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_platforms;
mod m20261123_000002_tool_keys;
mod m20261123_000003_oidc_logins;
mod m20261123_000004_people_and_courses;
mod m20261123_000005_frameworks;
mod m20261123_000006_xapi;
mod m20261123_000007_launch_sessions;
mod m20261123_000008_signed_tokens;
mod m20261123_000009_grades;
mod m20261123_000010_rosters;
mod m20261130_000011_xapi_owners;
mod m20261130_000012_identities_per_registration;
mod m20261130_000013_platform_origins;
mod m20261130_000014_line_item_creation;
mod m20261130_000015_framework_versions;
mod m20261130_000016_evidence;
mod m20261130_000017_sharing;
mod m20261201_000018_assessment;
mod m20261201_000019_badges;
mod m20261201_000020_key_uses;
mod m20261201_000021_grade_syncs_by_person;
mod m20261202_000022_lrs;
mod m20261203_000023_lrs_compact_indexes;
mod m20261204_000024_evidence_candidates;
mod m20261205_000025_xapi_forwarding;
mod m20261206_000026_agent_mention_verbs;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_platforms::Migration),
            Box::new(m20261123_000002_tool_keys::Migration),
            Box::new(m20261123_000003_oidc_logins::Migration),
            Box::new(m20261123_000004_people_and_courses::Migration),
            Box::new(m20261123_000005_frameworks::Migration),
            Box::new(m20261123_000006_xapi::Migration),
            Box::new(m20261123_000007_launch_sessions::Migration),
            Box::new(m20261123_000008_signed_tokens::Migration),
            Box::new(m20261123_000009_grades::Migration),
            Box::new(m20261123_000010_rosters::Migration),
            Box::new(m20261130_000011_xapi_owners::Migration),
            Box::new(m20261130_000012_identities_per_registration::Migration),
            Box::new(m20261130_000013_platform_origins::Migration),
            Box::new(m20261130_000014_line_item_creation::Migration),
            Box::new(m20261130_000015_framework_versions::Migration),
            Box::new(m20261130_000016_evidence::Migration),
            Box::new(m20261130_000017_sharing::Migration),
            Box::new(m20261201_000018_assessment::Migration),
            Box::new(m20261201_000019_badges::Migration),
            Box::new(m20261201_000020_key_uses::Migration),
            Box::new(m20261201_000021_grade_syncs_by_person::Migration),
            Box::new(m20261202_000022_lrs::Migration),
            Box::new(m20261203_000023_lrs_compact_indexes::Migration),
            Box::new(m20261204_000024_evidence_candidates::Migration),
            Box::new(m20261205_000025_xapi_forwarding::Migration),
            Box::new(m20261206_000026_agent_mention_verbs::Migration),
        ]
    }
}
