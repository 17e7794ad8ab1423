//! Every way looking a platform or its keys up can fail.

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("no platform is registered with issuer {0}")]
    UnknownIssuer(String),
    #[error("the platform {0} has several registrations; the request must name its client_id")]
    AmbiguousClient(String),
    #[error("the id_token is not addressed to this tool (aud/azp)")]
    InvalidAudience,
    #[error("the deployment {0:?} is not registered for this platform")]
    UnknownDeployment(String),
    #[error("the platform has no key with the id_token's key id")]
    UnknownKid,
    #[error("the platform's keys could not be fetched: {0}")]
    KeysUnavailable(String),
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
}
