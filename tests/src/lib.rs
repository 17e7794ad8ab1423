//! Test support for Carefolio: the LTI platform simulator, a small
//! WebDriver client, shared by the integration tests, the benchmark and
//! the demo platform.

pub mod case_provider;
pub mod launcher;
pub mod s3;
pub mod simulator;
pub mod webdriver;
