//! The claims of an LTI 1.3 resource link launch, parsed once from the
//! verified id_token payload into types that hold only valid values.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{roles, LtiError};

pub const LTI_CLAIM: &str = "https://purl.imsglobal.org/spec/lti/claim/";
pub const RESOURCE_LINK_REQUEST: &str = "LtiResourceLinkRequest";

#[derive(Debug, Clone)]
pub struct LaunchMessage {
    pub issuer: String,
    pub subject: String,
    pub nonce: String,
    pub deployment_id: String,
    pub roles: Vec<String>,
    pub resource_link: ResourceLinkClaim,
    pub context: Option<ContextClaim>,
    pub person: PersonClaims,
    pub custom: BTreeMap<String, String>,
    pub target_link_uri: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ResourceLinkClaim {
    pub id: String,
    pub title: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ContextClaim {
    pub id: String,
    pub label: Option<String>,
    pub title: Option<String>,
}

/// Personal data the platform chose to share; every field may be absent.
#[derive(Debug, Clone, Default)]
pub struct PersonClaims {
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    pub locale: Option<String>,
}

fn lti(name: &str) -> String {
    format!("{LTI_CLAIM}{name}")
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// Parses a verified launch payload. Reports every missing required claim at
/// once, then checks the version and the message type.
pub fn parse_resource_link_launch(payload: &Value) -> Result<LaunchMessage, LtiError> {
    let claim = |name: &str| payload.get(lti(name));
    let mut missing = Vec::new();

    let subject = text(payload.get("sub"));
    if subject.is_none() {
        missing.push("sub");
    }
    let nonce = text(payload.get("nonce"));
    if nonce.is_none() {
        missing.push("nonce");
    }
    let version = text(claim("version"));
    if version.is_none() {
        missing.push("https://purl.imsglobal.org/spec/lti/claim/version");
    }
    let message_type = text(claim("message_type"));
    if message_type.is_none() {
        missing.push("https://purl.imsglobal.org/spec/lti/claim/message_type");
    }
    let deployment_id = text(claim("deployment_id"));
    if deployment_id.is_none() {
        missing.push("https://purl.imsglobal.org/spec/lti/claim/deployment_id");
    }
    // An empty roles array is valid (anonymous or role-less launches); a missing claim is not.
    let roles = match claim("roles") {
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(roles::normalise)
                .collect::<Vec<_>>(),
        ),
        _ => None,
    };
    if roles.is_none() {
        missing.push("https://purl.imsglobal.org/spec/lti/claim/roles");
    }
    let link = claim("resource_link");
    let link_id = text(link.and_then(|l| l.get("id")));
    if link_id.is_none() {
        missing.push("https://purl.imsglobal.org/spec/lti/claim/resource_link.id");
    }

    let (
        Some(subject),
        Some(nonce),
        Some(version),
        Some(message_type),
        Some(deployment_id),
        Some(roles),
        Some(link_id),
    ) = (
        subject,
        nonce,
        version,
        message_type,
        deployment_id,
        roles,
        link_id,
    )
    else {
        return Err(LtiError::MissingClaims(missing));
    };

    if version != "1.3.0" {
        return Err(LtiError::WrongVersion(version));
    }
    if message_type != RESOURCE_LINK_REQUEST {
        return Err(LtiError::UnsupportedMessageType(message_type));
    }
    let issuer = text(payload.get("iss")).ok_or(LtiError::MissingClaims(vec!["iss"]))?;

    let context = claim("context").and_then(|c| {
        Some(ContextClaim {
            id: text(c.get("id"))?,
            label: text(c.get("label")),
            title: text(c.get("title")),
        })
    });
    let custom = match claim("custom") {
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(key, value)| {
                let value = match value {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return None,
                };
                Some((key.clone(), value))
            })
            .collect(),
        _ => BTreeMap::new(),
    };
    // Moodle sends the locale only in launch_presentation.
    let locale = text(claim("launch_presentation").and_then(|p| p.get("locale")))
        .or_else(|| text(payload.get("locale")));

    Ok(LaunchMessage {
        issuer,
        subject,
        nonce,
        deployment_id,
        roles,
        resource_link: ResourceLinkClaim {
            id: link_id,
            title: text(link.and_then(|l| l.get("title"))),
            description: text(link.and_then(|l| l.get("description"))),
        },
        context,
        person: PersonClaims {
            name: text(payload.get("name")),
            given_name: text(payload.get("given_name")),
            family_name: text(payload.get("family_name")),
            email: text(payload.get("email")),
            locale,
        },
        custom,
        target_link_uri: text(claim("target_link_uri")),
    })
}
