//! Launch tokens: the short-lived bearer token the launch page hands the
//! widget. Signed, not stored: any instance can check one without a
//! database read, and a launch writes no session row.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::PortfolioError;
use crate::identity::PersonId;
use crate::signing::{Purpose, Signer};
use crate::util::now_ms;

#[derive(Debug, Clone)]
pub struct LaunchSession {
    pub person_id: PersonId,
    pub resource_link_id: Uuid,
    pub roles: Vec<String>,
    pub expires_at_ms: i64,
}

impl LaunchSession {
    /// The capability to act as a teacher of the launch's course, when
    /// the launch's roles say so; the session back otherwise.
    pub fn into_teaching(self) -> Result<Teaching, LaunchSession> {
        if crate::lti::roles::is_instructor(&self.roles) {
            Ok(Teaching(self))
        } else {
            Err(self)
        }
    }
}

/// A launch session of a teacher (instructor or teaching assistant) of
/// its course. Only [`LaunchSession::into_teaching`] makes one, so code
/// that takes it needs no role check of its own.
#[derive(Debug, Clone)]
pub struct Teaching(LaunchSession);

impl Teaching {
    pub fn session(&self) -> &LaunchSession {
        &self.0
    }
}

/// What a token carries, kept short: it travels in every API request.
#[derive(Serialize, Deserialize)]
struct TokenClaims {
    #[serde(rename = "p")]
    person: Uuid,
    #[serde(rename = "l")]
    resource_link: Uuid,
    #[serde(rename = "r")]
    roles: Vec<String>,
    #[serde(rename = "e")]
    expires_at_ms: i64,
}

/// Issues a token for `ttl_secs`: `<base64 claims>.<signature>`.
pub fn issue(
    signer: &Signer,
    person_id: PersonId,
    resource_link_id: Uuid,
    roles: &[String],
    ttl_secs: i64,
) -> Result<String, PortfolioError> {
    let claims = TokenClaims {
        person: person_id.0,
        resource_link: resource_link_id,
        roles: roles.to_vec(),
        expires_at_ms: now_ms() + ttl_secs * 1000,
    };
    Ok(signer.seal(Purpose::LaunchToken, &claims)?)
}

pub fn authenticate(signer: &Signer, token: &str) -> Result<LaunchSession, PortfolioError> {
    let claims: TokenClaims = signer
        .open(Purpose::LaunchToken, token)
        .ok_or(PortfolioError::Unauthenticated)?;
    if claims.expires_at_ms < now_ms() {
        return Err(PortfolioError::SessionExpired);
    }
    Ok(LaunchSession {
        person_id: PersonId(claims.person),
        resource_link_id: claims.resource_link,
        roles: claims.roles,
        expires_at_ms: claims.expires_at_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_authenticates_until_it_expires_and_only_unaltered() {
        let signer = Signer::from_key(b"test key");
        let person = PersonId(Uuid::new_v4());
        let link = Uuid::new_v4();
        let roles = vec!["Learner".to_owned()];
        let token = issue(&signer, person, link, &roles, 60).expect("issued");
        let session = authenticate(&signer, &token).expect("valid");
        assert_eq!(session.person_id, person);
        assert_eq!(session.resource_link_id, link);
        assert_eq!(session.roles, roles);

        let expired = issue(&signer, person, link, &roles, -1).expect("issued");
        assert!(matches!(
            authenticate(&signer, &expired),
            Err(PortfolioError::SessionExpired)
        ));
        // Another person's id in the claims, with the original signature.
        let (_, signature) = token.split_once('.').expect("two parts");
        let forged_claims = TokenClaims {
            person: Uuid::new_v4(),
            resource_link: link,
            roles: roles.clone(),
            expires_at_ms: now_ms() + 60_000,
        };
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let forged = format!(
            "{}.{signature}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged_claims).expect("json"))
        );
        assert!(matches!(
            authenticate(&signer, &forged),
            Err(PortfolioError::Unauthenticated)
        ));
        assert!(matches!(
            authenticate(&Signer::from_key(b"other key"), &token),
            Err(PortfolioError::Unauthenticated)
        ));
        assert!(matches!(
            authenticate(&signer, "no-dot"),
            Err(PortfolioError::Unauthenticated)
        ));
    }
}
