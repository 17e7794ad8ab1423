//! Open Badges 3.0: each award as an `OpenBadgeCredential` (Verifiable
//! Credentials Data Model 2.0) signed as a VC-JWT with the issuer's key,
//! the issuer profile that publishes those keys, and the revocation
//! Bitstring Status List every credential points to.
//!
//! Unlike the hosted 2.0 assertion, the credential is the learner's to
//! carry: it is signed whether or not the award is public, and a verifier
//! needs nothing from Carefolio but the issuer's keys and the status list.
//! Only public awards are also served at their own address.

use std::io::Write;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use flate2::write::GzEncoder;
use flate2::Compression;
use jsonwebtoken::{Algorithm, Header};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::awards::{self, AwardView};
use super::classes::{self, BadgeClassView};
use super::openbadges2::{self, describe};
use super::BadgeError;
use crate::config::BadgeSettings;
use crate::entities::{badge_award, person};
use crate::platforms::tool_keys::{self, KeyUse, SigningKey};
use crate::util::rfc3339_ms;

pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
pub const OB_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

/// The smallest status list the Bitstring Status List spec allows
/// (16 KiB): a list this long hides which award a verifier asks about.
const MIN_LIST_BITS: usize = 131_072;

/// The addresses Carefolio serves for Open Badges 3.0.
pub struct Urls<'a> {
    pub base: &'a str,
}

impl Urls<'_> {
    pub fn issuer(&self) -> String {
        format!("{}/ob/v3/issuer", self.base)
    }

    pub fn key(&self, kid: &str) -> String {
        format!("{}/ob/v3/issuer/keys/{kid}", self.base)
    }

    pub fn achievement(&self, class: Uuid) -> String {
        format!("{}/ob/v3/achievements/{class}", self.base)
    }

    pub fn credential(&self, award: Uuid) -> String {
        format!("{}/ob/v3/credentials/{award}", self.base)
    }

    pub fn status_list(&self) -> String {
        format!("{}/ob/v3/status/revocation", self.base)
    }

    fn legacy(&self) -> openbadges2::Urls<'_> {
        openbadges2::Urls { base: self.base }
    }
}

fn issuer_name(settings: &BadgeSettings) -> &str {
    settings.issuer_name.as_deref().unwrap_or("Carefolio")
}

/// The issuer as credentials embed it.
fn issuer_summary(urls: &Urls<'_>, settings: &BadgeSettings) -> Value {
    let mut issuer = openbadges2::issuer(urls.base, settings);
    issuer["id"] = json!(urls.issuer());
    issuer["type"] = json!(["Profile"]);
    issuer
}

/// The issuer profile: who issues, and the public keys that sign its
/// credentials (the current key first, then previous keys still within
/// their grace period), each also served at its `kid` address.
pub async fn profile<C: ConnectionTrait>(
    db: &C,
    urls: &Urls<'_>,
    settings: &BadgeSettings,
) -> Result<Value, sea_orm::DbErr> {
    let keys = tool_keys::public_keys(db, KeyUse::Badges).await?;
    let methods: Vec<Value> = keys
        .iter()
        .filter_map(|jwk| {
            let kid = jwk.get("kid")?.as_str()?;
            Some(json!({
                "id": urls.key(kid),
                "type": "JsonWebKey",
                "controller": urls.issuer(),
                "publicKeyJwk": jwk,
            }))
        })
        .collect();
    let mut profile = issuer_summary(urls, settings);
    let object = profile.as_object_mut().expect("a JSON object");
    object.insert(
        "@context".into(),
        json!([VC_CONTEXT, OB_CONTEXT, "https://www.w3.org/ns/cid/v1"]),
    );
    object.insert("verificationMethod".into(), Value::Array(methods.clone()));
    object.insert(
        "assertionMethod".into(),
        Value::Array(methods.iter().map(|m| m["id"].clone()).collect()),
    );
    Ok(profile)
}

/// One published public key, for a `kid` header that names it.
pub async fn public_key<C: ConnectionTrait>(db: &C, kid: &str) -> Result<Value, BadgeError> {
    tool_keys::public_keys(db, KeyUse::Badges)
        .await?
        .into_iter()
        .find(|jwk| jwk.get("kid").and_then(Value::as_str) == Some(kid))
        .ok_or(BadgeError::NotFound)
}

/// The achievement a class stands for, aligned to its framework node.
async fn achievement_json<C: ConnectionTrait>(
    db: &C,
    urls: &Urls<'_>,
    view: &BadgeClassView,
) -> Result<Value, sea_orm::DbErr> {
    let described = describe(db, urls.base, view).await?;
    let alignment: Vec<Value> = described
        .alignment
        .iter()
        .map(|target| {
            json!({
                "type": ["Alignment"],
                "targetName": target.name,
                "targetUrl": target.url,
                "targetCode": target.code,
                "targetFramework": view.framework_key,
                "targetType": "CFItem",
            })
        })
        .collect();
    Ok(json!({
        "id": urls.achievement(view.id),
        "type": ["Achievement"],
        "achievementType": "Competency",
        "name": described.name,
        "description": described.description,
        "criteria": { "narrative": described.narrative },
        "image": { "id": urls.legacy().image(view.id), "type": "Image" },
        "alignment": alignment,
        "tag": [view.framework_key],
    }))
}

/// A class's achievement as a JSON-LD document of its own.
pub async fn achievement<C: ConnectionTrait>(
    db: &C,
    urls: &Urls<'_>,
    id: Uuid,
) -> Result<Value, BadgeError> {
    let view = classes::view(db, id).await?;
    let mut achievement = achievement_json(db, urls, &view).await?;
    achievement["@context"] = json!([VC_CONTEXT, OB_CONTEXT]);
    Ok(achievement)
}

/// The unsigned credential of an award.
pub async fn credential<C: ConnectionTrait>(
    db: &C,
    urls: &Urls<'_>,
    settings: &BadgeSettings,
    row: &badge_award::Model,
    view: &AwardView,
) -> Result<Value, BadgeError> {
    let achievement = achievement_json(db, urls, &view.badge).await?;
    let salt = openbadges2::salt_of(row.id);
    let email = person::Entity::find_by_id(row.person_id)
        .one(db)
        .await?
        .and_then(|p| p.email);
    // The learner is named by a salted hash, as in 2.0; without an email
    // address the hash is of their Carefolio identifier, which they can
    // show to a verifier from their portfolio.
    let (identity_type, plain) = match email {
        Some(email) => ("emailAddress", email),
        None => ("identifier", row.person_id.to_string()),
    };
    let verification_page = urls.legacy().verification_page(row.id);
    let evidence: Vec<Value> = awards::shown_evidence(db, row)
        .await?
        .into_iter()
        .map(|item| {
            let mut evidence = json!({
                "type": ["Evidence"],
                "name": item.title,
            });
            if row.public {
                evidence["id"] = json!(format!("{verification_page}#evidence-{}", item.id));
            }
            evidence
        })
        .collect();
    let mut credential = json!({
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": format!("urn:uuid:{}", row.id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement["name"],
        "issuer": issuer_summary(urls, settings),
        "validFrom": rfc3339_seconds(row.awarded_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": openbadges2::hashed_identity(&plain, &salt),
                "identityType": identity_type,
                "hashed": true,
                "salt": salt,
            }],
            "achievement": achievement,
        },
        "credentialStatus": {
            "id": format!("{}#{}", urls.status_list(), row.status_index),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": row.status_index.to_string(),
            "statusListCredential": urls.status_list(),
        },
    });
    if !evidence.is_empty() {
        credential["evidence"] = Value::Array(evidence);
    }
    Ok(credential)
}

/// Seconds precision: JWT `nbf` has no more, and `validFrom` must agree.
fn rfc3339_seconds(ms: i64) -> String {
    rfc3339_ms(ms - ms.rem_euclid(1000))
}

/// Signs a credential as a VC-JWT (Open Badges 3.0 §8.2): the payload is
/// the credential itself with the registered claims mapped from it, the
/// header names the key by an address that serves it and carries it too.
pub fn sign(credential: &Value, key: &SigningKey, urls: &Urls<'_>) -> Result<String, BadgeError> {
    let mut header = Header::new(Algorithm::RS256);
    header.typ = Some("JWT".into());
    header.kid = Some(urls.key(&key.kid));
    header.jwk = serde_json::from_str(&key.public_jwk).ok();
    let mut claims: Map<String, Value> = credential.as_object().cloned().unwrap_or_default();
    let issuer = &credential["issuer"];
    if let Some(issuer) = issuer["id"].as_str().or(issuer.as_str()) {
        claims.insert("iss".into(), json!(issuer));
    }
    if let Some(id) = credential["id"].as_str() {
        claims.insert("jti".into(), json!(id));
    }
    if let Some(subject) = credential["credentialSubject"]["id"].as_str() {
        claims.insert("sub".into(), json!(subject));
    }
    if let Some(valid_from) = credential["validFrom"]
        .as_str()
        .and_then(|v| chrono::DateTime::parse_from_rfc3339(v).ok())
    {
        claims.insert("nbf".into(), json!(valid_from.timestamp()));
    }
    jsonwebtoken::encode(&header, &claims, &key.encoding_key)
        .map_err(|e| BadgeError::Signing(e.to_string()))
}

/// The signed credential of an award.
pub async fn signed_credential<C: ConnectionTrait>(
    db: &C,
    urls: &Urls<'_>,
    settings: &BadgeSettings,
    key: &SigningKey,
    award: Uuid,
) -> Result<String, BadgeError> {
    let row = badge_award::Entity::find_by_id(award)
        .one(db)
        .await?
        .ok_or(BadgeError::NotFound)?;
    let view = awards::award(db, award).await?;
    let credential = credential(db, urls, settings, &row, &view).await?;
    sign(&credential, key, urls)
}

/// The revocation list: one bit per award, set when it is revoked, in the
/// Bitstring Status List's encoding (GZIP, then base64url with the
/// multibase prefix `u`).
pub async fn status_list<C: ConnectionTrait>(
    db: &C,
    urls: &Urls<'_>,
    settings: &BadgeSettings,
) -> Result<Value, BadgeError> {
    let revoked: Vec<i32> = badge_award::Entity::find()
        .select_only()
        .column(badge_award::Column::StatusIndex)
        .filter(badge_award::Column::RevokedAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let highest: Option<i32> = badge_award::Entity::find()
        .select_only()
        .column_as(badge_award::Column::StatusIndex.max(), "highest")
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten();
    let bits = list_length(highest);
    Ok(json!({
        "@context": [VC_CONTEXT],
        "id": urls.status_list(),
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": urls.issuer(),
        "name": format!("{}: revoked badges", issuer_name(settings)),
        "validFrom": rfc3339_seconds(crate::util::now_ms()),
        "credentialSubject": {
            "id": format!("{}#list", urls.status_list()),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_list(bits, &revoked),
        },
    }))
}

/// Enough bits for every award so far, in steps of the minimum size.
fn list_length(highest: Option<i32>) -> usize {
    let needed = highest.map_or(0, |h| usize::try_from(h).unwrap_or(0) + 1);
    needed.div_ceil(MIN_LIST_BITS).max(1) * MIN_LIST_BITS
}

/// Bit `i` is the `i % 8`-th most significant bit of byte `i / 8`.
fn encode_list(bits: usize, set: &[i32]) -> String {
    let mut bytes = vec![0u8; bits / 8];
    for index in set.iter().filter_map(|i| usize::try_from(*i).ok()) {
        if let Some(byte) = bytes.get_mut(index / 8) {
            *byte |= 0x80 >> (index % 8);
        }
    }
    let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
    // Writing to a Vec cannot fail.
    let _ = gzip.write_all(&bytes);
    let compressed = gzip.finish().unwrap_or_default();
    format!("u{}", URL_SAFE_NO_PAD.encode(compressed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::io::Read;

    #[test]
    fn the_status_list_sets_the_bits_of_revoked_awards_from_the_left() {
        let encoded = encode_list(MIN_LIST_BITS, &[0, 9, 131_071]);
        let compressed = URL_SAFE_NO_PAD
            .decode(encoded.strip_prefix('u').expect("multibase base64url"))
            .expect("base64url");
        let mut bytes = Vec::new();
        GzDecoder::new(&compressed[..])
            .read_to_end(&mut bytes)
            .expect("gzip");
        assert_eq!(bytes.len(), 16_384);
        assert_eq!(bytes[0], 0b1000_0000);
        assert_eq!(bytes[1], 0b0100_0000);
        assert_eq!(bytes[16_383], 0b0000_0001);
        assert_eq!(bytes.iter().map(|b| b.count_ones()).sum::<u32>(), 3);
    }

    #[test]
    fn the_list_grows_in_steps_of_the_minimum_size() {
        assert_eq!(list_length(None), MIN_LIST_BITS);
        assert_eq!(list_length(Some(131_071)), MIN_LIST_BITS);
        assert_eq!(list_length(Some(131_072)), 2 * MIN_LIST_BITS);
    }
}
