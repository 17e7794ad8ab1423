//! The one source of truth for Carefolio's LTI tool configuration: its
//! URLs, message types, claims, scopes and placements. The server, the docs
//! and the generated files under `generated/` all come from here.

use serde_json::{json, Value};

pub const TOOL_NAME: &str = "Carefolio";
pub const TOOL_DESCRIPTION: &str =
    "Competence e-portfolio for care workers, family caregivers and peer-support workers: evidence, assessment and badges against competence frameworks.";

/// LTI messages the tool accepts.
pub const MESSAGE_TYPES: &[&str] = &["LtiResourceLinkRequest", "LtiDeepLinkingRequest"];

/// OpenID Connect claims the tool asks the platform to share.
pub const CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "name",
    "given_name",
    "family_name",
    "email",
    "locale",
];

/// OAuth2 scopes for LTI Advantage services the tool uses: Assignment and
/// Grade Services (line items, scores, results) and Names and Role
/// Provisioning (course rosters).
pub const SCOPES: &[&str] = &[
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
];

/// The claim holding the tool's LTI configuration in a dynamic registration.
pub const TOOL_CONFIGURATION: &str = "https://purl.imsglobal.org/spec/lti-tool-configuration";
/// The claim holding the platform's LTI configuration in its OpenID configuration.
pub const PLATFORM_CONFIGURATION: &str =
    "https://purl.imsglobal.org/spec/lti-platform-configuration";
const CANVAS: &str = "https://canvas.instructure.com/lti/";

/// The custom parameter tying an activity to competences, with an example.
/// It belongs to each activity: a platform's tool-level custom parameters
/// override an activity's of the same name (Moodle does), so the tool's
/// registration leaves it empty.
pub const COMPETENCES_PARAMETER: &str = "competences";
pub const COMPETENCES_EXAMPLE: &str = "carerplus:10.2,pat:5.1";
/// The competence picker writes its choice twice: as `competences`, and
/// under this name, which no tool-level setting is told to use. A launch
/// whose two values differ shows the teacher that something overrode the
/// choice.
pub const PICKED_COMPETENCES_PARAMETER: &str = "picked_competences";
/// Written by the picker: `yes` when the teacher asked for a grade, `no`
/// when not. A link marked `no` gets no score even where the platform made
/// a grade column for it anyway (Moodle with "Accept grades: Always").
pub const GRADED_PARAMETER: &str = "graded";
/// An activity's own custom parameter: the address of a learning activity
/// (an xAPI or cmi5 course, a simulation) the link opens, with a
/// credential for the launched learner in its launch parameters.
pub const ACTIVITY_URL_PARAMETER: &str = "activity_url";
/// What an administrator enters as the tool's own custom parameters.
pub const TOOL_LEVEL_CUSTOM_PARAMETERS: &str =
    "(leave empty: each activity names its competences, through the picker or its own custom parameters)";

/// The tool's endpoints under a public base URL.
pub struct ToolUrls {
    base: String,
}

impl ToolUrls {
    pub fn new(base_url: &str) -> Self {
        ToolUrls {
            base: base_url.trim_end_matches('/').to_owned(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn login(&self) -> String {
        format!("{}/lti/login", self.base)
    }

    pub fn launch(&self) -> String {
        format!("{}/lti/launch", self.base)
    }

    pub fn jwks(&self) -> String {
        format!("{}/.well-known/jwks.json", self.base)
    }

    /// Where an LMS administrator starts a dynamic registration.
    pub fn register(&self) -> String {
        format!("{}/lti/register", self.base)
    }

    fn host(&self) -> String {
        url::Url::parse(&self.base)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The host with its port when the port is not the scheme's default:
    /// the `domain` of a dynamic registration. Moodle compares it with the
    /// host and port of `target_link_uri`.
    fn authority(&self) -> String {
        url::Url::parse(&self.base)
            .ok()
            .and_then(|u| {
                let host = u.host_str()?.to_owned();
                Some(match u.port() {
                    Some(port) => format!("{host}:{port}"),
                    None => host,
                })
            })
            .unwrap_or_default()
    }

    /// Every redirect URI a platform must accept for this tool.
    pub fn redirect_uris(&self) -> Vec<String> {
        vec![self.launch()]
    }
}

/// The fields of Moodle 4.5's "External tool configuration" form, in the
/// order the form shows them, with the value to enter.
pub fn moodle_manual_fields(base_url: &str) -> Vec<(&'static str, String)> {
    let urls = ToolUrls::new(base_url);
    vec![
        ("Tool name", TOOL_NAME.to_owned()),
        ("Tool URL", urls.launch()),
        ("Tool description", TOOL_DESCRIPTION.to_owned()),
        ("LTI version", "LTI 1.3".to_owned()),
        (
            "Client ID",
            "(filled in by Moodle; copy it into `carefolio platform add --client-id`)".to_owned(),
        ),
        ("Public key type", "Keyset URL".to_owned()),
        ("Public keyset", urls.jwks()),
        ("Initiate login URL", urls.login()),
        ("Redirection URI(s)", urls.redirect_uris().join("\n")),
        ("Custom parameters", TOOL_LEVEL_CUSTOM_PARAMETERS.to_owned()),
        (
            "Tool configuration usage",
            "Show in activity chooser and as a preconfigured tool".to_owned(),
        ),
        (
            "Default launch container",
            "Embed, without blocks".to_owned(),
        ),
        (
            "Supports Deep Linking (Content-Item Message)",
            "Yes".to_owned(),
        ),
        ("Content Selection URL", urls.launch()),
        (
            "IMS LTI Assignment and Grade Services",
            "Use this service for grade sync and column management".to_owned(),
        ),
        (
            "IMS LTI Names and Role Provisioning",
            "Use this service to retrieve members' information as per privacy settings".to_owned(),
        ),
        ("Tool Settings", "Do not use this service".to_owned()),
        ("Share launcher's name with tool", "Always".to_owned()),
        ("Share launcher's email with tool", "Always".to_owned()),
        ("Accept grades from the tool", "Always".to_owned()),
    ]
}

/// Renders the Moodle values as a Markdown table.
pub fn moodle_manual_markdown(base_url: &str) -> String {
    fields_markdown("Moodle 4.5", base_url, &moodle_manual_fields(base_url))
}

/// Brightspace (D2L): Admin Tools → Manage Extensibility → LTI Advantage →
/// Register Tool (Standard), then a deployment and links.
pub fn brightspace_fields(base_url: &str) -> Vec<(&'static str, String)> {
    let urls = ToolUrls::new(base_url);
    vec![
        ("How would you like to register your tool?", "Standard (or Dynamic, with the URL from `carefolio platform invite`)".to_owned()),
        ("Name", TOOL_NAME.to_owned()),
        ("Description", TOOL_DESCRIPTION.to_owned()),
        ("Domain", urls.base().to_owned()),
        ("Redirect URLs", urls.redirect_uris().join("\n")),
        ("OpenID Connect Login URL", urls.login()),
        ("Target Link URI", urls.launch()),
        ("Keyset URL", urls.jwks()),
        (
            "Extensions",
            "Assignment and Grade Services, Deep Linking, Names and Role Provisioning Services".to_owned(),
        ),
        ("Roles", "Send Institution Role".to_owned()),
        (
            "Deployment: Security Settings",
            "Org Unit Information, User Information: Name, First Name, Last Name, Email, User ID".to_owned(),
        ),
        (
            "Deployment: Configuration Settings",
            "Open as External Resource: off; Grades created by LTI will be included in Final Grade: your choice".to_owned(),
        ),
        (
            "Link (Deep Linking Quicklink)",
            format!("Name {TOOL_NAME}, URL {}", urls.launch()),
        ),
    ]
}

/// Blackboard Learn: the tool is registered once in the Anthology Developer
/// Portal, then each Learn site adds it by Client ID.
pub fn blackboard_fields(base_url: &str) -> Vec<(&'static str, String)> {
    let urls = ToolUrls::new(base_url);
    vec![
        ("Developer Portal: Application name", TOOL_NAME.to_owned()),
        ("Developer Portal: Description", TOOL_DESCRIPTION.to_owned()),
        ("Developer Portal: Domain(s)", urls.host()),
        ("Developer Portal: Login Initiation URL", urls.login()),
        ("Developer Portal: Tool Redirect URL(s)", urls.redirect_uris().join(",")),
        ("Developer Portal: Tool JWKS URL", urls.jwks()),
        ("Developer Portal: Signing Algorithm", "RS256".to_owned()),
        (
            "Developer Portal: Custom parameters",
            TOOL_LEVEL_CUSTOM_PARAMETERS.to_owned(),
        ),
        (
            "Learn: Administrator Panel → LTI Tool Providers → Register LTI 1.3/Advantage Tool",
            "Client ID from the Developer Portal".to_owned(),
        ),
        (
            "Learn: Institution Policies",
            "User Fields to Send: Role in Course, Name, Email Address; Allow grade service access: Yes; Allow Membership Service access: Yes".to_owned(),
        ),
        (
            "Learn: Placements",
            format!("Course content tool and Deep Linking content tool, Tool Provider URL {}", urls.launch()),
        ),
    ]
}

/// Sakai 23: Administration Workspace → External Tools → Install LTI 1.x Tool.
pub fn sakai_fields(base_url: &str) -> Vec<(&'static str, String)> {
    let urls = ToolUrls::new(base_url);
    vec![
        ("Tool Title", TOOL_NAME.to_owned()),
        ("Launch URL", urls.launch()),
        ("Description", TOOL_DESCRIPTION.to_owned()),
        ("Send User Names to External Tool", "Yes".to_owned()),
        ("Send Email Addresses to External Tool", "Yes".to_owned()),
        ("Provide Roster to External Tool", "Yes".to_owned()),
        ("Allow External Tool to return grades", "Yes".to_owned()),
        (
            "Allow the tool to be used from the rich content editor / Content Item",
            "Yes (deep linking)".to_owned(),
        ),
        ("Custom Parameters", TOOL_LEVEL_CUSTOM_PARAMETERS.to_owned()),
        ("LTI 1.3", "Yes".to_owned()),
        ("LTI 1.3 Tool Keyset URL", urls.jwks()),
        (
            "LTI 1.3 Tool OpenID Connect/Initialization Endpoint",
            urls.login(),
        ),
        (
            "LTI 1.3 Tool Redirect Endpoint(s)",
            urls.redirect_uris().join("\n"),
        ),
    ]
}

/// The values for one LMS's form as a Markdown table.
pub fn fields_markdown(lms: &str, base_url: &str, fields: &[(&str, String)]) -> String {
    let mut text = format!(
        "# {lms} values for {TOOL_NAME} at {}\n\nGenerated by `cargo run -p lti-config --bin lti-config-generate`; do not edit.\n\n| Field | Value |\n| --- | --- |\n",
        ToolUrls::new(base_url).base()
    );
    for (field, value) in fields {
        text.push_str(&format!("| {field} | `{}` |\n", value.replace('\n', " ")));
    }
    text
}

/// A Canvas LTI 1.3 developer key (paste JSON), built from the same values.
pub fn canvas_developer_key(base_url: &str) -> Value {
    let urls = ToolUrls::new(base_url);
    let host = urls.host();
    json!({
        "title": TOOL_NAME,
        "description": TOOL_DESCRIPTION,
        "oidc_initiation_url": urls.login(),
        "target_link_uri": urls.launch(),
        "public_jwk_url": urls.jwks(),
        "scopes": SCOPES,
        "extensions": [{
            "platform": "canvas.instructure.com",
            "domain": host,
            "tool_id": "carefolio",
            "privacy_level": "public",
            "settings": {
                "text": TOOL_NAME,
                "placements": [
                    {
                        "placement": "course_navigation",
                        "message_type": "LtiResourceLinkRequest",
                        "target_link_uri": urls.launch(),
                        "text": TOOL_NAME,
                        "default": "enabled"
                    },
                    // Deep linking: the instructor picks competences when
                    // adding an assignment or a module item.
                    {
                        "placement": "assignment_selection",
                        "message_type": "LtiDeepLinkingRequest",
                        "target_link_uri": urls.launch(),
                        "text": TOOL_NAME
                    },
                    {
                        "placement": "link_selection",
                        "message_type": "LtiDeepLinkingRequest",
                        "target_link_uri": urls.launch(),
                        "text": TOOL_NAME
                    }
                ]
            }
        }]
    })
}

/// What the platform's OpenID configuration says about it, as far as the
/// registration request depends on it.
#[derive(Debug, Clone, Default)]
pub struct RegistrationTarget {
    /// `product_family_code`: `canvas` gets Canvas's placements and privacy level.
    pub product_family_code: Option<String>,
    /// `messages_supported` types; deep linking is asked for only when listed.
    pub messages_supported: Vec<String>,
    /// `scopes_supported`, when the platform lists them; else every scope is asked for.
    pub scopes_supported: Option<Vec<String>>,
}

impl RegistrationTarget {
    pub fn is_canvas(&self) -> bool {
        self.product_family_code.as_deref() == Some("canvas")
    }
}

/// The tool's registration request for LTI Dynamic Registration 1.0 §3.4:
/// an OpenID Connect client registration with the LTI tool configuration.
pub fn dynamic_registration(base_url: &str, target: &RegistrationTarget) -> Value {
    let urls = ToolUrls::new(base_url);
    let scopes: Vec<&str> = SCOPES
        .iter()
        .copied()
        .filter(|scope| {
            target
                .scopes_supported
                .as_ref()
                .is_none_or(|supported| supported.iter().any(|s| s == scope))
        })
        .collect();
    let canvas = target.is_canvas();
    let mut messages = vec![json!({
        "type": "LtiResourceLinkRequest",
        "target_link_uri": urls.launch(),
        "label": TOOL_NAME,
    })];
    if canvas {
        messages[0]["placements"] = json!([format!("{CANVAS}course_navigation")]);
    }
    if target
        .messages_supported
        .iter()
        .any(|m| m == "LtiDeepLinkingRequest")
    {
        let mut deep_linking = json!({
            "type": "LtiDeepLinkingRequest",
            "target_link_uri": urls.launch(),
            "label": format!("{TOOL_NAME}: choose competences"),
        });
        deep_linking["placements"] = if canvas {
            json!([
                format!("{CANVAS}assignment_selection"),
                format!("{CANVAS}link_selection")
            ])
        } else {
            json!(["ContentArea"])
        };
        messages.push(deep_linking);
    }
    let mut configuration = json!({
        "domain": urls.authority(),
        "target_link_uri": urls.launch(),
        "description": TOOL_DESCRIPTION,
        "claims": CLAIMS,
        "messages": messages,
    });
    if canvas {
        configuration[format!("{CANVAS}privacy_level")] = json!("public");
        configuration[format!("{CANVAS}tool_id")] = json!("carefolio");
    }
    json!({
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls.login(),
        "redirect_uris": urls.redirect_uris(),
        "client_name": TOOL_NAME,
        "jwks_uri": urls.jwks(),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": scopes.join(" "),
        TOOL_CONFIGURATION: configuration,
    })
}

/// The base URL the committed files under `generated/` are made for.
pub const EXAMPLE_BASE_URL: &str = "https://carefolio.example.org";

/// (file name, contents) of every generated file.
pub fn generated_files() -> Vec<(&'static str, String)> {
    let canvas = serde_json::to_string_pretty(&canvas_developer_key(EXAMPLE_BASE_URL))
        .unwrap_or_default()
        + "\n";
    let everything = RegistrationTarget {
        product_family_code: Some("moodle".into()),
        messages_supported: MESSAGE_TYPES.iter().map(|m| m.to_string()).collect(),
        scopes_supported: None,
    };
    let registration =
        serde_json::to_string_pretty(&dynamic_registration(EXAMPLE_BASE_URL, &everything))
            .unwrap_or_default()
            + "\n";
    vec![
        ("moodle.md", moodle_manual_markdown(EXAMPLE_BASE_URL)),
        (
            "brightspace.md",
            fields_markdown(
                "Brightspace",
                EXAMPLE_BASE_URL,
                &brightspace_fields(EXAMPLE_BASE_URL),
            ),
        ),
        (
            "blackboard.md",
            fields_markdown(
                "Blackboard Learn",
                EXAMPLE_BASE_URL,
                &blackboard_fields(EXAMPLE_BASE_URL),
            ),
        ),
        (
            "sakai.md",
            fields_markdown(
                "Sakai 23",
                EXAMPLE_BASE_URL,
                &sakai_fields(EXAMPLE_BASE_URL),
            ),
        ),
        ("canvas-developer-key.json", canvas),
        ("dynamic-registration.json", registration),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_files_match_the_code() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("generated");
        for (name, expected) in generated_files() {
            let committed = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
            assert_eq!(
                committed, expected,
                "lti-config/generated/{name} is out of date: run `cargo run -p lti-config --bin lti-config-generate`"
            );
        }
    }

    #[test]
    fn canvas_gets_its_placements_and_only_supported_scopes() {
        let target = RegistrationTarget {
            product_family_code: Some("canvas".into()),
            messages_supported: vec![
                "LtiResourceLinkRequest".into(),
                "LtiDeepLinkingRequest".into(),
            ],
            scopes_supported: Some(vec![
                SCOPES[1].to_owned(),
                "https://other.example/scope".into(),
            ]),
        };
        let registration = dynamic_registration("https://tool.example", &target);
        assert_eq!(registration["scope"], SCOPES[1]);
        let configuration = &registration[TOOL_CONFIGURATION];
        assert_eq!(
            configuration["https://canvas.instructure.com/lti/privacy_level"],
            "public"
        );
        assert_eq!(
            configuration["messages"][1]["placements"][0],
            "https://canvas.instructure.com/lti/assignment_selection"
        );
        let moodle = dynamic_registration("https://tool.example", &RegistrationTarget::default());
        let messages = moodle[TOOL_CONFIGURATION]["messages"]
            .as_array()
            .expect("messages");
        assert_eq!(
            messages.len(),
            1,
            "no deep linking unless the platform supports it"
        );
        assert!(messages[0].get("placements").is_none());
    }

    #[test]
    fn the_registration_domain_carries_a_non_default_port() {
        let target = RegistrationTarget::default();
        let on_port = dynamic_registration("http://127.0.0.1:9000", &target);
        assert_eq!(on_port[TOOL_CONFIGURATION]["domain"], "127.0.0.1:9000");
        let default_port = dynamic_registration("https://tool.example:443/", &target);
        assert_eq!(default_port[TOOL_CONFIGURATION]["domain"], "tool.example");
    }

    #[test]
    fn urls_do_not_double_slashes() {
        let urls = ToolUrls::new("https://tool.example/");
        assert_eq!(urls.login(), "https://tool.example/lti/login");
        assert_eq!(
            urls.redirect_uris(),
            vec!["https://tool.example/lti/launch".to_owned()]
        );
    }
}
