//! Test support for Carefolio: the LTI platform simulator and helpers
//! shared by the integration tests, the benchmark and the demo platform.

pub mod simulator;
