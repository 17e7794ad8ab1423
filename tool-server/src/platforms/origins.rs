//! The origins a registration owns, and the service URLs checked against
//! them. A platform's bearer token goes only to its own hosts: a launch
//! claim or a `next` link naming anywhere else is refused before any
//! request is made.

use std::net::IpAddr;

use serde::Serialize;
use url::{Host, Url};

/// Where a platform is: the origins of its issuer and endpoints, and those
/// an operator added (Canvas frames and serves from the institution's host).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origins {
    /// ASCII-serialised origins (`https://lms.example.org`), each once.
    list: Vec<String>,
    /// Whether the platform itself is on loopback, where plain http is
    /// accepted (a test or a machine-local LMS).
    on_loopback: bool,
}

impl Origins {
    /// The origins of `endpoints` and `extra`, each once, in that order.
    pub fn new<'a>(endpoints: impl IntoIterator<Item = &'a Url>, extra: &[String]) -> Origins {
        let mut list: Vec<String> = Vec::new();
        let mut on_loopback = false;
        for url in endpoints {
            on_loopback |= is_loopback(url);
            push_once(&mut list, url.origin().ascii_serialization());
        }
        for origin in extra {
            push_once(&mut list, origin.clone());
        }
        Origins { list, on_loopback }
    }

    pub fn contains(&self, url: &Url) -> bool {
        let origin = url.origin().ascii_serialization();
        self.list.contains(&origin)
    }

    /// The value of a CSP `frame-ancestors` directive: these origins.
    pub fn frame_ancestors(&self) -> String {
        self.list.join(" ")
    }

    pub fn as_slice(&self) -> &[String] {
        &self.list
    }
}

fn push_once(list: &mut Vec<String>, origin: String) {
    // `null` is the origin of a URL without host; it never matches.
    if origin != "null" && !list.contains(&origin) {
        list.push(origin);
    }
}

/// Whether `url` names this machine (`localhost` or a loopback address).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// An origin an operator adds to a registration, normalised; refused
/// when it is more than scheme, host and port.
pub fn parse_extra_origin(value: &str) -> Result<String, String> {
    let url = Url::parse(value.trim()).map_err(|e| format!("{value:?} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
        return Err(format!("{value:?} is not an http(s) origin"));
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(format!(
            "{value:?} is plain http; only loopback hosts may be (use https)"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{value:?} carries user information"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{value:?} has a path or query; give only scheme://host[:port]"
        ));
    }
    Ok(url.origin().ascii_serialization())
}

/// The address of one of a platform's services (line items, scores,
/// results, rosters), checked to be on that platform: the only kind of URL
/// the service client sends a bearer token to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUrl(Url);

#[derive(Debug, thiserror::Error)]
pub enum ServiceUrlError {
    #[error("{0:?} is not a URL")]
    NotAUrl(String),
    #[error("{0} is not https (plain http only where the platform itself is on loopback)")]
    Insecure(String),
    #[error("{0} carries user information")]
    Credentials(String),
    #[error("{url} is not on the platform's hosts ({known}); an operator can add its origin to the registration (carefolio platform add … --origin)")]
    ForeignHost { url: String, known: String },
}

impl ServiceUrl {
    /// `raw` as a service URL of the platform at `origins`.
    pub fn parse(origins: &Origins, raw: &str) -> Result<ServiceUrl, ServiceUrlError> {
        let url = Url::parse(raw).map_err(|_| ServiceUrlError::NotAUrl(excerpt(raw)))?;
        let secure = match url.scheme() {
            "https" => true,
            "http" => origins.on_loopback && is_loopback(&url),
            _ => false,
        };
        if !secure {
            return Err(ServiceUrlError::Insecure(excerpt(raw)));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ServiceUrlError::Credentials(excerpt(raw)));
        }
        if !origins.contains(&url) {
            return Err(ServiceUrlError::ForeignHost {
                url: excerpt(raw),
                known: origins.list.join(", "),
            });
        }
        Ok(ServiceUrl(url))
    }

    pub fn as_url(&self) -> &Url {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// This URL with another path segment (`…/lineitem/scores`), before
    /// any query string (Moodle's line item URLs carry one). Same origin,
    /// so still the platform's.
    pub fn sub_resource(&self, name: &str) -> Result<ServiceUrl, ServiceUrlError> {
        let mut url = self.0.clone();
        url.path_segments_mut()
            .map_err(|_| ServiceUrlError::NotAUrl(excerpt(self.0.as_str())))?
            .pop_if_empty()
            .push(name);
        Ok(ServiceUrl(url))
    }

    /// This URL with a query parameter added. Same origin.
    pub fn with_query(&self, name: &str, value: &str) -> ServiceUrl {
        let mut url = self.0.clone();
        url.query_pairs_mut().append_pair(name, value);
        ServiceUrl(url)
    }
}

impl std::fmt::Display for ServiceUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_str())
    }
}

/// A URL quoted in an error: cut short, printable characters only.
fn excerpt(raw: &str) -> String {
    crate::outbound::excerpt(raw, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(endpoints: &[&str], extra: &[&str]) -> Origins {
        let urls: Vec<Url> = endpoints
            .iter()
            .map(|u| Url::parse(u).expect("a URL"))
            .collect();
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        Origins::new(&urls, &extra)
    }

    #[test]
    fn only_the_platforms_own_hosts_are_service_urls() {
        let moodle = origins(
            &[
                "https://moodle.example.org",
                "https://moodle.example.org/mod/lti/auth.php",
            ],
            &[],
        );
        assert!(ServiceUrl::parse(
            &moodle,
            "https://moodle.example.org/mod/lti/services.php/2/lineitems"
        )
        .is_ok());
        for foreign in [
            "https://moodle.example.org.evil.net/lineitems",
            "https://evil.net/lineitems",
            "https://moodle.example.org:8443/lineitems",
            "http://moodle.example.org/lineitems",
            "https://user:pw@moodle.example.org/lineitems",
            "file:///etc/passwd",
            "gopher://moodle.example.org/",
            "not a url",
        ] {
            assert!(ServiceUrl::parse(&moodle, foreign).is_err(), "{foreign}");
        }
    }

    #[test]
    fn plain_http_only_between_loopback_hosts() {
        let local = origins(&["http://127.0.0.1:8080"], &[]);
        assert!(ServiceUrl::parse(&local, "http://127.0.0.1:8080/lineitems").is_ok());
        // Loopback, but not the platform's port: another service on this machine.
        assert!(ServiceUrl::parse(&local, "http://127.0.0.1:6379/").is_err());
        let public = origins(&["https://lms.example"], &["http://127.0.0.1:9000"]);
        assert!(ServiceUrl::parse(&public, "http://127.0.0.1:9000/x").is_err());
    }

    #[test]
    fn an_operator_adds_origins_and_they_are_frame_ancestors() {
        let canvas = origins(
            &[
                "https://canvas.instructure.com",
                "https://sso.canvaslms.com/api/lti/authorize_redirect",
            ],
            &["https://school.instructure.com"],
        );
        assert!(ServiceUrl::parse(
            &canvas,
            "https://school.instructure.com/api/lti/courses/1/line_items"
        )
        .is_ok());
        assert_eq!(
            canvas.frame_ancestors(),
            "https://canvas.instructure.com https://sso.canvaslms.com https://school.instructure.com"
        );
    }

    #[test]
    fn extra_origins_are_bare_origins() {
        assert_eq!(
            parse_extra_origin("https://School.Instructure.com/").expect("accepted"),
            "https://school.instructure.com"
        );
        for bad in [
            "https://school.instructure.com/courses",
            "http://school.instructure.com",
            "https://u@school.instructure.com",
            "ftp://school.instructure.com",
            "school.instructure.com",
        ] {
            assert!(parse_extra_origin(bad).is_err(), "{bad}");
        }
        assert!(parse_extra_origin("http://localhost:8080").is_ok());
    }

    #[test]
    fn sub_resources_keep_the_query_after_the_path() {
        let moodle = origins(&["https://moodle.example"], &[]);
        let item = ServiceUrl::parse(
            &moodle,
            "https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=1",
        )
        .expect("accepted");
        assert_eq!(
            item.sub_resource("scores").expect("accepted").as_str(),
            "https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=1"
        );
    }
}
