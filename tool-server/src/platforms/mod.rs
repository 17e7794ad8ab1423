//! The platforms Carefolio is registered with: the registry (issuer +
//! client id, deployments, origins), dynamic registration, the platforms'
//! keys and the tool's own, and the client that calls their services.

mod deployment;
mod error;
pub mod keys;
pub mod origins;
pub mod registration;
mod registry;
pub mod services;
pub mod tool_keys;

pub use deployment::{DeploymentId, DeploymentIdError};
pub use error::PlatformError;
pub use origins::{Origins, ServiceUrl, ServiceUrlError};
pub use registry::*;
