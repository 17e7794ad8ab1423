use std::sync::Arc;

use sea_orm::DatabaseConnection;

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};

use super::widget::WidgetAssets;
use crate::config::Settings;
use crate::frameworks::store::CompetenceCache;
use crate::grades::delivery::GradeDelivery;
use crate::grades::KnownActivity;
use crate::platforms::keys::PlatformKeyCache;
use crate::platforms::services::ServiceClient;
use crate::platforms::tool_keys::CurrentKey;
use crate::platforms::PlatformCache;
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
    /// The badge issuer's RSA key that signs Open Badges 3.0 credentials.
    pub issuer_key: Arc<CurrentKey>,
    /// Sends queued grades; woken after a launch queues one.
    pub grades: Arc<GradeDelivery>,
    pub known_activity: Arc<KnownActivity>,
    /// Calls platform services (rosters, grades) with cached access tokens.
    pub services: Arc<ServiceClient>,
    /// Keeps roster refreshes of one course apart and spaced out.
    pub roster_refreshes: Arc<crate::roster::RefreshGate>,
    /// Evidence files (a local folder or an S3-compatible store).
    pub files: crate::files::FileStore,
    /// Statement writes sent to the LRS (PUT and POST), grouped into commits.
    pub statements: Arc<crate::xapi::writer::StatementWriter>,
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

    /// The cookie that ties a login to the browser that started it.
    pub fn state_cookie(&self, state: &str) -> Cookie<'static> {
        state_cookie(state, self.is_https())
    }

    /// Clears the state cookie of a login that has been used.
    pub fn spent_state_cookie(&self, state: &str) -> Cookie<'static> {
        spent_state_cookie(state, self.is_https())
    }
}

pub fn state_cookie(state: &str, https: bool) -> Cookie<'static> {
    let mut cookie = state_cookie_shape(state, "1", https);
    cookie.set_max_age(CookieDuration::milliseconds(crate::lti::LOGIN_TTL_MS));
    cookie
}

/// The removal carries the attributes of the cookie it clears: inside a
/// cross-site frame a browser applies only a `SameSite=None; Secure` one.
pub fn spent_state_cookie(state: &str, https: bool) -> Cookie<'static> {
    let mut cookie = state_cookie_shape(state, "", https);
    cookie.make_removal();
    cookie
}

fn state_cookie_shape(state: &str, value: &str, https: bool) -> Cookie<'static> {
    Cookie::build(crate::lti::state_cookie_name(state), value.to_owned())
        .path("/lti")
        .http_only(true)
        // In an iframe the launch POST is cross-site: only SameSite=None
        // (which browsers accept only with Secure) survives that. Plain http
        // is for local use, where the platform is usually on the same site.
        .same_site(if https { SameSite::None } else { SameSite::Lax })
        .secure(https)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_cookie_is_cleared_with_the_attributes_it_was_set_with() {
        for https in [true, false] {
            let set = state_cookie("abc", https);
            let spent = spent_state_cookie("abc", https);
            assert_eq!(spent.name(), set.name());
            assert_eq!(spent.path(), set.path());
            assert_eq!(spent.same_site(), set.same_site());
            assert_eq!(spent.secure(), set.secure());
            assert_eq!(spent.http_only(), set.http_only());
            assert_eq!(spent.value(), "");
        }
        let framed = spent_state_cookie("abc", true).to_string();
        assert!(
            framed.contains("SameSite=None") && framed.contains("Secure"),
            "{framed}"
        );
    }
}
