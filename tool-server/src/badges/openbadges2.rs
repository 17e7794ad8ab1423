//! Open Badges 2.0 for backpacks that still need it: the hosted Issuer
//! profile, BadgeClass and Assertion (JSON-LD), the recipient's email
//! hashed with a salt, and the assertion baked into the SVG image.
//!
//! Only awards their holder made public are hosted: a private award's
//! addresses answer 404, like an award that does not exist.

use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::awards::{self, AwardView};
use super::classes::{self, BadgeClassView};
use super::BadgeError;
use crate::config::BadgeSettings;
use crate::entities::{badge_award, competence, person};
use crate::frameworks::model::pick;
use crate::util::rfc3339_ms;

pub const CONTEXT: &str = "https://w3id.org/openbadges/v2";

/// The addresses of the hosted documents.
pub struct Urls<'a> {
    pub base: &'a str,
}

impl Urls<'_> {
    pub fn issuer(&self) -> String {
        format!("{}/ob/v2/issuer", self.base)
    }

    pub fn badge_class(&self, id: Uuid) -> String {
        format!("{}/ob/v2/badges/{id}", self.base)
    }

    pub fn assertion(&self, id: Uuid) -> String {
        format!("{}/ob/v2/assertions/{id}", self.base)
    }

    pub fn image(&self, class: Uuid) -> String {
        format!("{}/badges/classes/{class}/image.svg", self.base)
    }

    pub fn verification_page(&self, award: Uuid) -> String {
        format!("{}/badges/awards/{award}", self.base)
    }
}

/// The issuer's profile.
pub fn profile(urls: &Urls<'_>, settings: &BadgeSettings) -> Value {
    let mut profile = issuer(urls.base, settings);
    profile["@context"] = json!(CONTEXT);
    profile["type"] = json!("Issuer");
    profile["id"] = json!(urls.issuer());
    profile
}

/// The issuer's name, address and email, as both versions state them.
pub fn issuer(base: &str, settings: &BadgeSettings) -> Value {
    let mut issuer = json!({
        "name": settings.issuer_name.as_deref().unwrap_or("Carefolio"),
        "url": settings
            .issuer_url
            .as_ref()
            .map_or_else(|| base.to_owned(), |u| u.as_str().to_owned()),
    });
    if let Some(email) = &settings.issuer_email {
        issuer["email"] = json!(email);
    }
    issuer
}

/// A badge class, aligned to its framework node.
pub async fn badge_class<C: ConnectionTrait>(
    db: &C,
    urls: &Urls<'_>,
    id: Uuid,
) -> Result<Value, BadgeError> {
    let view = classes::view(db, id).await?;
    Ok(badge_class_json(db, urls, &view).await?)
}

async fn badge_class_json<C: ConnectionTrait>(
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
                "targetName": target.name,
                "targetUrl": target.url,
                "targetFramework": view.framework_key,
                "targetCode": target.code,
            })
        })
        .collect();
    Ok(json!({
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": urls.badge_class(view.id),
        "name": described.name,
        "description": described.description,
        "image": urls.image(view.id),
        "criteria": { "narrative": described.narrative },
        "issuer": urls.issuer(),
        "alignment": alignment,
        "tags": [view.framework_key],
    }))
}

/// What both Open Badges versions say of a class, in English.
pub struct Described {
    pub name: String,
    pub description: String,
    pub narrative: String,
    pub alignment: Option<AlignmentTarget>,
}

/// The framework node a class is aligned to.
pub struct AlignmentTarget {
    pub name: String,
    pub url: String,
    pub code: String,
}

pub async fn describe<C: ConnectionTrait>(
    db: &C,
    base: &str,
    view: &BadgeClassView,
) -> Result<Described, sea_orm::DbErr> {
    let node = competence::Entity::find_by_id(view.node_id).one(db).await?;
    let alignment = node.map(|node| {
        let title: crate::frameworks::LanguageMap =
            serde_json::from_str(&node.title).unwrap_or_default();
        AlignmentTarget {
            name: pick(&title, "en").unwrap_or(&node.code).to_owned(),
            url: item_url(base, &node),
            code: node.code.clone(),
        }
    });
    let name = pick(&view.name, "en").unwrap_or(&view.key).to_owned();
    let description = pick(&view.description, "en")
        .filter(|d| !d.is_empty())
        .unwrap_or(&name)
        .to_owned();
    let level = view
        .level_title
        .as_ref()
        .and_then(|t| pick(t, "en"))
        .map(|l| format!(" at the level {l}"))
        .unwrap_or_default();
    let narrative = match view.rule {
        classes::Rule::Competence => format!(
            "An assessor accepted the learner's claim of competence {}{level} on the evidence in their Carefolio portfolio.",
            view.node_code
        ),
        classes::Rule::All => format!(
            "Assessors accepted the learner's claims of all {} competences of {}{level}.",
            view.competences, view.node_code
        ),
        classes::Rule::NOf => format!(
            "Assessors accepted the learner's claims of {} of the {} competences of {}{level}.",
            view.required.unwrap_or(1),
            view.competences,
            view.node_code
        ),
    };
    Ok(Described {
        name,
        description,
        narrative,
        alignment,
    })
}

/// Where an alignment points: the item's own CASE address when it has an
/// http(s) one, else the CFItem Carefolio serves for it.
pub fn item_url(base: &str, node: &competence::Model) -> String {
    match &node.uri {
        Some(uri) if uri.starts_with("https://") || uri.starts_with("http://") => uri.clone(),
        _ => format!("{base}/ims/case/v1p0/CFItems/{}", node.id),
    }
}

/// The salt of an award's hashed recipient: stable, and different for
/// every award, so one hash does not link a person's badges.
pub fn salt_of(award: Uuid) -> String {
    let digest = Sha256::digest(format!("carefolio-recipient-salt:{award}").as_bytes());
    hex(&digest[..8])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `sha256$…` of the email and salt, as Open Badges 2.0 hashes identities.
pub fn hashed_identity(email: &str, salt: &str) -> String {
    let digest = Sha256::digest(format!("{}{salt}", email.trim().to_lowercase()).as_bytes());
    format!("sha256${}", hex(&digest))
}

/// A public award, or NotFound: a private one is not there for anyone
/// but its holder.
pub async fn public_award<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<(badge_award::Model, AwardView), BadgeError> {
    let row = badge_award::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|row| row.public)
        .ok_or(BadgeError::NotFound)?;
    let view = awards::award(db, id).await?;
    Ok((row, view))
}

/// The hosted assertion of a public award; a revoked one says so.
pub async fn assertion<C: ConnectionTrait>(
    db: &C,
    urls: &Urls<'_>,
    id: Uuid,
) -> Result<Value, BadgeError> {
    let (row, view) = public_award(db, id).await?;
    if row.revoked_at.is_some() {
        return Ok(json!({
            "@context": CONTEXT,
            "type": "Assertion",
            "id": urls.assertion(id),
            "revoked": true,
            "revocationReason": row.revocation_reason.unwrap_or_default(),
        }));
    }
    let email = person::Entity::find_by_id(row.person_id)
        .one(db)
        .await?
        .and_then(|p| p.email)
        .ok_or(BadgeError::Conflict(
            "the LMS did not share this learner's email address, which an Open Badges 2.0 assertion names".into(),
        ))?;
    let salt = salt_of(id);
    let evidence: Vec<Value> = awards::shown_evidence(db, &row)
        .await?
        .into_iter()
        .map(|item| {
            json!({
                "id": format!("{}#evidence-{}", urls.verification_page(id), item.id),
                "name": item.title,
            })
        })
        .collect();
    let mut assertion = json!({
        "@context": CONTEXT,
        "type": "Assertion",
        "id": urls.assertion(id),
        "recipient": {
            "type": "email",
            "hashed": true,
            "salt": salt,
            "identity": hashed_identity(&email, &salt),
        },
        "badge": urls.badge_class(view.badge.id),
        "verification": { "type": "hosted" },
        "issuedOn": rfc3339_ms(row.awarded_at),
        "narrative": format!("Verification page: {}", urls.verification_page(id)),
    });
    if !evidence.is_empty() {
        assertion["evidence"] = Value::Array(evidence);
    }
    Ok(assertion)
}

/// The class's SVG with the assertion baked in (Open Badges 2.0 Baking:
/// an `openbadges:assertion` element whose `verify` is the hosted URL).
pub fn bake_svg(svg: &str, assertion_url: &str, assertion: &Value) -> Option<String> {
    let start = svg.find("<svg")?;
    let open_end = start + svg[start..].find('>')?;
    let self_closing = svg[..open_end].ends_with('/');
    let tag_end = if self_closing { open_end - 1 } else { open_end };
    let mut tag = svg[start..tag_end].to_owned();
    if !tag.contains("xmlns:openbadges") {
        tag.push_str(r#" xmlns:openbadges="http://openbadges.org""#);
    }
    let json = assertion.to_string().replace("]]>", "]]]]><![CDATA[>");
    let baked = format!(
        r#"<openbadges:assertion verify="{}"><![CDATA[{json}]]></openbadges:assertion>"#,
        assertion_url.replace('&', "&amp;").replace('"', "&quot;")
    );
    Some(if self_closing {
        format!(
            "{}{tag}>{baked}</svg>{}",
            &svg[..start],
            &svg[open_end + 1..]
        )
    } else {
        format!("{}{tag}>{baked}{}", &svg[..start], &svg[open_end + 1..])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recipient_hash_is_sha256_of_email_and_salt() {
        // Computed independently: printf 'ada@example.org1a2b' | sha256sum
        assert_eq!(
            hashed_identity("Ada@Example.org ", "1a2b"),
            format!("sha256${}", hex(&Sha256::digest(b"ada@example.org1a2b")))
        );
        assert_ne!(salt_of(Uuid::nil()), salt_of(Uuid::from_u128(1)));
    }

    #[test]
    fn baking_puts_the_assertion_inside_the_svg_root() {
        let svg = r#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1"><circle r="1"/></svg>"#;
        let baked = bake_svg(svg, "https://x/ob/v2/assertions/1", &json!({"a": "]]>"}))
            .expect("an svg root");
        assert!(baked.starts_with(r#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://x/ob/v2/assertions/1"><![CDATA["#));
        assert!(baked.ends_with("<circle r=\"1\"/></svg>"));
        let empty = bake_svg(
            r#"<svg xmlns="http://www.w3.org/2000/svg"/>"#,
            "u",
            &json!({}),
        )
        .expect("an svg root");
        assert!(empty.ends_with("</openbadges:assertion></svg>"), "{empty}");
        super::super::image::check_supplied(&baked).expect("still a well-formed SVG");
    }
}
