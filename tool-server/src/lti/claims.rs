//! The claims of an LTI 1.3 launch (a resource link launch or a deep
//! linking request), parsed once from the verified id_token payload into
//! types that hold only valid values.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{roles, LtiError};
use crate::platforms::{DeploymentId, Origins, ServiceUrl};

pub const LTI_CLAIM: &str = "https://purl.imsglobal.org/spec/lti/claim/";
pub const RESOURCE_LINK_REQUEST: &str = "LtiResourceLinkRequest";
pub const DEEP_LINKING_REQUEST: &str = "LtiDeepLinkingRequest";
pub const DEEP_LINKING_SETTINGS_CLAIM: &str =
    "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings";
pub const AGS_ENDPOINT_CLAIM: &str = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint";
pub const NRPS_CLAIM: &str = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice";

#[derive(Debug, Clone)]
pub struct LaunchMessage {
    pub issuer: String,
    pub subject: String,
    pub nonce: String,
    pub deployment_id: DeploymentId,
    pub roles: Vec<String>,
    pub kind: MessageKind,
    pub context: Option<ContextClaim>,
    pub person: PersonClaims,
    pub custom: BTreeMap<String, String>,
    pub target_link_uri: Option<String>,
    /// The platform's Assignment and Grade Services for this link, if offered.
    pub grades: Option<GradeService>,
    /// The platform's Names and Role Provisioning service for this context, if offered.
    pub roster: Option<RosterService>,
}

/// The two messages a platform may launch the tool with.
#[derive(Debug, Clone)]
pub enum MessageKind {
    ResourceLink(ResourceLinkClaim),
    DeepLinking(DeepLinkingSettings),
}

impl LaunchMessage {
    pub fn resource_link(&self) -> Option<&ResourceLinkClaim> {
        match &self.kind {
            MessageKind::ResourceLink(link) => Some(link),
            MessageKind::DeepLinking(_) => None,
        }
    }
}

/// The `deep_linking_settings` claim (Deep Linking 2.0 §4.4.1).
#[derive(Debug, Clone)]
pub struct DeepLinkingSettings {
    pub return_url: String,
    pub accept_types: Vec<String>,
    pub accept_presentation_document_targets: Vec<String>,
    pub accept_multiple: bool,
    /// `None`: the platform did not say whether it creates line items.
    pub accept_lineitem: Option<bool>,
    pub title: Option<String>,
    pub text: Option<String>,
    /// Opaque value the response must echo unchanged.
    pub data: Option<String>,
}

/// The AGS endpoint claim: which scopes the platform granted and where
/// the link's line items live.
#[derive(Debug, Clone)]
pub struct GradeService {
    pub scopes: Vec<String>,
    pub lineitems: Option<ServiceUrl>,
    pub lineitem: Option<ServiceUrl>,
}

/// The NRPS claim.
#[derive(Debug, Clone)]
pub struct RosterService {
    pub context_memberships_url: ServiceUrl,
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

fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    match value? {
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        _ => None,
    }
}

fn flag(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        // Some platforms send booleans as strings.
        Value::String(s) => match s.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Parses a verified launch payload. Reports every missing required claim at
/// once, then checks the version and the message type.
/// The launch message in `payload`, its service URLs checked to be on the
/// platform at `origins`.
pub fn parse_launch(payload: &Value, origins: &Origins) -> Result<LaunchMessage, LtiError> {
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
    let kind = match message_type.as_deref() {
        Some(RESOURCE_LINK_REQUEST) => parse_resource_link(claim("resource_link"), &mut missing),
        Some(DEEP_LINKING_REQUEST) => {
            parse_deep_linking_settings(payload.get(DEEP_LINKING_SETTINGS_CLAIM), &mut missing)
        }
        _ => None,
    };

    let (
        Some(subject),
        Some(nonce),
        Some(version),
        Some(message_type),
        Some(deployment_id),
        Some(roles),
    ) = (subject, nonce, version, message_type, deployment_id, roles)
    else {
        return Err(LtiError::MissingClaims(missing));
    };

    if version != "1.3.0" {
        return Err(LtiError::WrongVersion(version));
    }
    let deployment_id =
        DeploymentId::parse(&deployment_id).map_err(|e| LtiError::InvalidClaim {
            claim: "deployment_id",
            reason: e.to_string(),
        })?;
    let Some(kind) = kind else {
        return Err(if missing.is_empty() {
            LtiError::UnsupportedMessageType(message_type)
        } else {
            LtiError::MissingClaims(missing)
        });
    };
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
        kind,
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
        grades: payload
            .get(AGS_ENDPOINT_CLAIM)
            .map(|ags| -> Result<GradeService, LtiError> {
                Ok(GradeService {
                    scopes: strings(ags.get("scope")).unwrap_or_default(),
                    lineitems: service_url(origins, ags.get("lineitems"), "lineitems")?,
                    lineitem: service_url(origins, ags.get("lineitem"), "lineitem")?,
                })
            })
            .transpose()?,
        roster: match payload.get(NRPS_CLAIM) {
            Some(nrps) => service_url(
                origins,
                nrps.get("context_memberships_url"),
                "context_memberships_url",
            )?
            .map(|url| RosterService {
                context_memberships_url: url,
            }),
            None => None,
        },
    })
}

/// A service URL from a claim, refused unless it is on the platform.
fn service_url(
    origins: &Origins,
    value: Option<&Value>,
    field: &'static str,
) -> Result<Option<ServiceUrl>, LtiError> {
    let Some(raw) = text(value) else {
        return Ok(None);
    };
    ServiceUrl::parse(origins, &raw)
        .map(Some)
        .map_err(|e| LtiError::InvalidClaim {
            claim: field,
            reason: e.to_string(),
        })
}

fn parse_resource_link(
    link: Option<&Value>,
    missing: &mut Vec<&'static str>,
) -> Option<MessageKind> {
    let Some(id) = text(link.and_then(|l| l.get("id"))) else {
        missing.push("https://purl.imsglobal.org/spec/lti/claim/resource_link.id");
        return None;
    };
    Some(MessageKind::ResourceLink(ResourceLinkClaim {
        id,
        title: text(link.and_then(|l| l.get("title"))),
        description: text(link.and_then(|l| l.get("description"))),
    }))
}

fn parse_deep_linking_settings(
    settings: Option<&Value>,
    missing: &mut Vec<&'static str>,
) -> Option<MessageKind> {
    let field = |name: &str| settings.and_then(|s| s.get(name));
    let return_url = text(field("deep_link_return_url"));
    let accept_types = strings(field("accept_types"));
    let targets = strings(field("accept_presentation_document_targets"));
    if return_url.is_none() {
        missing.push(
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings.deep_link_return_url",
        );
    }
    if accept_types.is_none() {
        missing.push(
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings.accept_types",
        );
    }
    if targets.is_none() {
        missing.push("https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings.accept_presentation_document_targets");
    }
    Some(MessageKind::DeepLinking(DeepLinkingSettings {
        return_url: return_url?,
        accept_types: accept_types?,
        accept_presentation_document_targets: targets?,
        accept_multiple: flag(field("accept_multiple")).unwrap_or(false),
        accept_lineitem: flag(field("accept_lineitem")),
        title: text(field("title")),
        text: text(field("text")),
        // `data` is echoed verbatim, so it is kept even when blank.
        data: field("data").and_then(Value::as_str).map(str::to_owned),
    }))
}
