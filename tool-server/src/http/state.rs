use std::sync::Arc;

use sea_orm::DatabaseConnection;

use super::widget::WidgetAssets;
use crate::config::Settings;
use crate::frameworks::store::CompetenceCache;
use crate::grades::delivery::GradeDelivery;
use crate::grades::KnownActivity;
use crate::lti::platform_keys::PlatformKeyCache;
use crate::lti::platforms::PlatformCache;
use crate::lti::services::ServiceClient;
use crate::lti::tool_keys::CurrentKey;
use crate::signing::Signer;

/// Shared by every worker. Nothing here is the only copy of any state:
/// the database holds used nonces and keys (the signer's key included); the
/// caches are safe to lose.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub base_url: Arc<str>,
    pub platforms: Arc<PlatformCache>,
    pub platform_keys: Arc<PlatformKeyCache>,
    pub competences: Arc<CompetenceCache>,
    pub widget: Arc<WidgetAssets>,
    pub signer: Arc<Signer>,
    /// The tool's RSA key that signs what it sends platforms.
    pub tool_key: Arc<CurrentKey>,
    /// Sends queued grades; woken after a launch queues one.
    pub grades: Arc<GradeDelivery>,
    pub known_activity: Arc<KnownActivity>,
    /// Calls platform services (rosters, grades) with cached access tokens.
    pub services: Arc<ServiceClient>,
}

impl AppState {
    pub fn login_url(&self) -> String {
        lti_config::ToolUrls::new(&self.base_url).login()
    }

    pub fn launch_url(&self) -> String {
        lti_config::ToolUrls::new(&self.base_url).launch()
    }

    /// Whether the tool is served over https (decides cookie attributes).
    pub fn is_https(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}
