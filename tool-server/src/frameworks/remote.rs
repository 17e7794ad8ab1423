//! Fetching a framework from a CASE provider
//! (`…/ims/case/v1p0/CFPackages/{identifier}`). The address is checked
//! before the request: https (plain http only to a loopback host), no
//! credentials in it, the CASE package path; the answer must be JSON of
//! bounded size, and redirects are not followed.

use std::net::IpAddr;

use url::{Host, Url};

use crate::outbound::{self, ReadError};

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("{url:?} is not a CASE package address: {reason}")]
    Address { url: String, reason: String },
    #[error("the CASE provider could not be reached: {0}")]
    Unreachable(String),
    #[error("the CASE provider answered {status}: {excerpt}")]
    Refused { status: u16, excerpt: String },
    #[error("the CASE provider's answer cannot be used: {0}")]
    Answer(String),
}

impl RemoteError {
    pub fn code(&self) -> &'static str {
        match self {
            RemoteError::Address { .. } => "invalid_framework_url",
            RemoteError::Unreachable(_) | RemoteError::Refused { .. } | RemoteError::Answer(_) => {
                "case_provider_failed"
            }
        }
    }
}

fn is_loopback(host: Option<Host<&str>>) -> bool {
    match host {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Link-local and private addresses (cloud metadata services, the
/// provider's internal network) are never fetched.
fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => ip.is_private() || ip.is_link_local() || ip.is_unspecified(),
        IpAddr::V6(ip) => {
            let first = ip.segments()[0];
            ip.is_unspecified() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Checks a CASE package address before anything is sent to it.
pub fn check(raw: &str) -> Result<Url, RemoteError> {
    let refuse = |reason: &str| RemoteError::Address {
        url: raw.chars().take(200).collect(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(raw.trim()).map_err(|e| refuse(&e.to_string()))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(url.host()) => {}
        "http" => {
            return Err(refuse(
                "plain http is accepted only for a loopback host; use https",
            ))
        }
        _ => return Err(refuse("only https addresses are fetched")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("the address carries credentials"));
    }
    let internal = match url.host() {
        Some(Host::Ipv4(ip)) => is_internal(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_internal(IpAddr::V6(ip)),
        _ => false,
    };
    if internal {
        return Err(refuse("the host is a private or link-local address"));
    }
    let segments: Vec<&str> = url.path_segments().map(|s| s.collect()).unwrap_or_default();
    let shape_ok = match segments.as_slice() {
        [.., "ims", "case", version, "CFPackages", id] => {
            matches!(*version, "v1p0" | "v1p1") && uuid::Uuid::parse_str(id).is_ok()
        }
        _ => false,
    };
    if !shape_ok {
        return Err(refuse(
            "the path must end in /ims/case/v1p0/CFPackages/{identifier}",
        ));
    }
    Ok(url)
}

/// Fetches the package at `raw` (checked first) and returns its bytes.
pub async fn fetch(http: &reqwest::Client, raw: &str) -> Result<Vec<u8>, RemoteError> {
    let url = check(raw)?;
    let response = http
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| RemoteError::Unreachable(crate::util::error_chain(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(RemoteError::Refused {
            status: status.as_u16(),
            excerpt: outbound::refusal_excerpt(response).await,
        });
    }
    outbound::read_capped(response, super::MAX_DOCUMENT_BYTES)
        .await
        .map_err(|e| match e {
            ReadError::TooLarge { limit } => {
                RemoteError::Answer(format!("the package is larger than {limit} bytes"))
            }
            other => RemoteError::Answer(other.to_string()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_case_package_addresses_on_safe_hosts_are_fetched() {
        let id = "958aceee-ca4f-556e-8b92-c6a20c995c76";
        for good in [
            format!("https://case.example.org/ims/case/v1p0/CFPackages/{id}"),
            format!("https://opensalt.example/prefix/ims/case/v1p1/CFPackages/{id}"),
            format!("http://127.0.0.1:8080/ims/case/v1p0/CFPackages/{id}"),
        ] {
            assert!(check(&good).is_ok(), "{good}");
        }
        for bad in [
            format!("http://case.example.org/ims/case/v1p0/CFPackages/{id}"),
            format!("file:///etc/ims/case/v1p0/CFPackages/{id}"),
            format!("https://user:pw@case.example.org/ims/case/v1p0/CFPackages/{id}"),
            format!("https://169.254.169.254/ims/case/v1p0/CFPackages/{id}"),
            format!("https://10.0.0.5/ims/case/v1p0/CFPackages/{id}"),
            format!("https://[fd00::1]/ims/case/v1p0/CFPackages/{id}"),
            "https://case.example.org/ims/case/v1p0/CFPackages/not-a-uuid".to_owned(),
            format!("https://case.example.org/admin/{id}"),
        ] {
            assert!(check(&bad).is_err(), "{bad}");
        }
    }
}
