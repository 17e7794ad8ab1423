//! Carefolio: an LTI 1.3 tool that records learning as xAPI against
//! competence frameworks and keeps each learner's e-portfolio.
//!
//! One folder per domain (`lti`, `identity`, `frameworks`, `xapi`,
//! `portfolio`); HTTP lives in `http`, with every route in `http/routes.rs`.

pub mod admin;
pub mod allocator;
pub mod assessment;
pub mod badges;
pub mod cli;
pub mod config;
pub mod db;
pub mod entities;
pub mod files;
pub mod frameworks;
pub mod grades;
pub mod http;
pub mod identity;
pub mod lti;
pub mod outbound;
pub mod outbox;
pub mod platforms;
pub mod portfolio;
pub mod roster;
pub mod signing;
pub mod sqlite_memory;
pub mod startup;
pub mod util;
pub mod xapi;
