//! Values the server signs for itself and checks later, on any instance:
//! the OIDC login state and nonce, and the widget's launch token. One
//! HMAC-SHA256 key, generated on first start and stored in the database
//! beside the tool's RSA keys, so every instance shares it and nothing has
//! to be written per login or per launch.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use crate::entities::used_nonce;
use sha2::Sha256;

use crate::entities::server_secret;
use crate::util::now_ms;

const KEY_NAME: &str = "token-signing-key";

/// What a signature is for. A signature made for one purpose never
/// verifies for another, so a nonce cannot pass as a launch token.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    LoginState,
    LoginNonce,
    /// What the login page leaves in the platform's storage: only the
    /// browser that started the login can show it at the launch.
    StorageProof,
    LaunchToken,
    DeepLinkingSession,
    RegistrationInvite,
    /// A short-lived address of one evidence file for one reader: the
    /// browser fetches files with `<img>`, `<video>` and links, which send
    /// no Authorization header.
    FileAccess,
    /// A short-lived address of a learner's whole-portfolio export, for
    /// the same reason: a download link sends no Authorization header.
    ExportAccess,
    /// The single-use address an activity launched from a link fetches its
    /// credential from (cmi5 `fetch`).
    ActivityFetch,
    /// The credential that activity sends statements with, for one learner.
    LearnerCredential,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::LoginState => b"carefolio login state\0",
            Purpose::LoginNonce => b"carefolio login nonce\0",
            Purpose::StorageProof => b"carefolio storage proof\0",
            Purpose::LaunchToken => b"carefolio launch token\0",
            Purpose::DeepLinkingSession => b"carefolio deep linking session\0",
            Purpose::RegistrationInvite => b"carefolio registration invite\0",
            Purpose::FileAccess => b"carefolio file access\0",
            Purpose::ExportAccess => b"carefolio export access\0",
            Purpose::ActivityFetch => b"carefolio activity fetch\0",
            Purpose::LearnerCredential => b"carefolio learner credential\0",
        }
    }
}

/// A value that could not be serialised for sealing.
#[derive(Debug, thiserror::Error)]
#[error("a value could not be sealed: {0}")]
pub struct SealError(#[from] serde_json::Error);

#[derive(Clone)]
pub struct Signer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    /// Reads the stored key, creating it first if this is the first start.
    /// Instances starting together agree: only one insert wins.
    pub async fn load_or_create<C: ConnectionTrait>(db: &C) -> Result<Signer, DbErr> {
        let mut candidate = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut candidate);
        server_secret::Entity::insert(server_secret::ActiveModel {
            name: Set(KEY_NAME.to_owned()),
            value: Set(URL_SAFE_NO_PAD.encode(candidate)),
            created_at: Set(now_ms()),
        })
        .on_conflict(
            OnConflict::column(server_secret::Column::Name)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        let stored = server_secret::Entity::find_by_id(KEY_NAME)
            .one(db)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(KEY_NAME.to_owned()))?;
        let key = URL_SAFE_NO_PAD
            .decode(&stored.value)
            .map_err(|e| DbErr::Custom(format!("the stored {KEY_NAME} is not base64: {e}")))?;
        Ok(Signer::from_key(&key))
    }

    pub fn from_key(key: &[u8]) -> Signer {
        Signer {
            mac: <Hmac<Sha256> as Mac>::new_from_slice(key)
                .expect("HMAC accepts keys of any length"),
        }
    }

    fn mac_for(&self, purpose: Purpose, message: &str) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(purpose.label());
        mac.update(message.as_bytes());
        mac
    }

    /// The URL-safe signature of `message` for `purpose`.
    pub fn sign(&self, purpose: Purpose, message: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac_for(purpose, message).finalize().into_bytes())
    }

    /// Whether `signature` is this server's signature of `message` for
    /// `purpose`, compared in constant time.
    pub fn verify(&self, purpose: Purpose, message: &str, signature: &str) -> bool {
        let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
            return false;
        };
        self.mac_for(purpose, message)
            .verify_slice(&signature)
            .is_ok()
    }

    /// `<base64url JSON of value>.<signature>`: a value the server hands out
    /// and accepts back unchanged.
    pub fn seal<T: serde::Serialize>(
        &self,
        purpose: Purpose,
        value: &T,
    ) -> Result<String, SealError> {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(value)?);
        let signature = self.sign(purpose, &payload);
        Ok(format!("{payload}.{signature}"))
    }

    /// The value inside a token made by [`Signer::seal`] for `purpose`;
    /// `None` when the token was altered, made for another purpose or by
    /// another key.
    pub fn open<T: serde::de::DeserializeOwned>(&self, purpose: Purpose, token: &str) -> Option<T> {
        let (payload, signature) = token.split_once('.')?;
        if !self.verify(purpose, payload, signature) {
            return None;
        }
        let json = URL_SAFE_NO_PAD.decode(payload).ok()?;
        serde_json::from_slice(&json).ok()
    }
}

/// Records `key` as used until `expires_at_ms`; `false` when it already
/// was. Every single-use value the server signs (login nonces, deep
/// linking sessions) is spent through here.
pub async fn use_once<C: ConnectionTrait>(
    db: &C,
    key: &str,
    expires_at_ms: i64,
) -> Result<bool, DbErr> {
    let inserted = used_nonce::Entity::insert(used_nonce::ActiveModel {
        nonce: Set(key.to_owned()),
        expires_at: Set(expires_at_ms),
    })
    .on_conflict(
        OnConflict::column(used_nonce::Column::Nonce)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted == 1)
}

#[cfg(test)]
mod tests {

    struct Unserialisable;

    impl serde::Serialize for Unserialisable {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("cannot"))
        }
    }

    #[test]
    fn a_value_that_cannot_be_serialised_is_an_error_not_an_empty_token() {
        let signer = Signer::from_key(b"key");
        assert!(signer.seal(Purpose::LaunchToken, &Unserialisable).is_err());
    }

    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_message_purpose_and_key() {
        let signer = Signer::from_key(b"one key");
        let signature = signer.sign(Purpose::LaunchToken, "payload");
        assert!(signer.verify(Purpose::LaunchToken, "payload", &signature));
        assert!(!signer.verify(Purpose::LaunchToken, "payload2", &signature));
        assert!(!signer.verify(Purpose::LoginNonce, "payload", &signature));
        assert!(!Signer::from_key(b"another key").verify(
            Purpose::LaunchToken,
            "payload",
            &signature
        ));
        assert!(!signer.verify(Purpose::LaunchToken, "payload", "not base64!"));
        assert!(!signer.verify(Purpose::LaunchToken, "payload", ""));
    }

    #[test]
    fn a_sealed_value_opens_only_unchanged_and_for_its_purpose() {
        let signer = Signer::from_key(b"one key");
        let token = signer
            .seal(Purpose::DeepLinkingSession, &vec![1, 2, 3])
            .expect("sealed");
        assert_eq!(
            signer.open::<Vec<i32>>(Purpose::DeepLinkingSession, &token),
            Some(vec![1, 2, 3])
        );
        assert_eq!(signer.open::<Vec<i32>>(Purpose::LaunchToken, &token), None);
        let (payload, signature) = token.split_once('.').expect("two parts");
        let forged = format!(
            "{}.{signature}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&vec![9]).expect("json"))
        );
        assert_eq!(
            signer.open::<Vec<i32>>(Purpose::DeepLinkingSession, &forged),
            None
        );
        assert_eq!(
            signer.open::<Vec<i32>>(Purpose::DeepLinkingSession, payload),
            None
        );
    }
}
