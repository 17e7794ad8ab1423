//! Carefolio's integration tests: one binary, every module a capability.
//! Each test starts the real server on a random port with its own database,
//! once on SQLite and once on PostgreSQL.

// A failed unwrap is a failed test, with the line to look at.
#![allow(clippy::unwrap_used)]

mod helpers;

mod assessment;
mod badges;
mod browser;
mod candidates;
mod cli;
mod configuration;
mod cookieless;
mod deep_linking;
mod demo;
mod evidence;
mod export;
mod faults;
mod forwarding;
mod frameworks;
mod grades;
mod keys;
mod launch;
mod launch_rejections;
mod learners;
mod login;
mod lrs;
mod portfolio_api;
mod registration;
mod roster;
mod sharing;
mod widget;
mod xapi;
