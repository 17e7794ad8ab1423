//! Carefolio's integration tests: one binary, every module a capability.
//! Each test starts the real server on a random port with its own database,
//! once on SQLite and once on PostgreSQL.

mod helpers;

mod configuration;
mod frameworks;
mod launch;
mod launch_rejections;
mod login;
mod portfolio_api;
mod xapi;
