//! Names and Role Provisioning Services 2.0 client: every page of a
//! course's membership container.

use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, LINK};
use serde::Deserialize;

use crate::lti::roles;
use crate::platforms::services::{check, ServiceClient, ServiceError};
use crate::platforms::{Platform, ServiceUrl};

pub const MEMBERSHIPS_TYPE: &str = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json";
pub const ROSTER_SCOPE: &str =
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly";
/// A bound on pages, so that a platform whose `next` links never end
/// cannot keep a request running forever.
const MAX_PAGES: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberStatus {
    Active,
    Inactive,
    Deleted,
}

impl MemberStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Active => "Active",
            MemberStatus::Inactive => "Inactive",
            MemberStatus::Deleted => "Deleted",
        }
    }
}

/// One member as the platform lists it, roles normalised to full URIs.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub user_id: String,
    pub roles: Vec<String>,
    pub status: MemberStatus,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
}

#[derive(Deserialize)]
struct Container {
    #[serde(default)]
    members: Vec<ListedMember>,
}

#[derive(Deserialize)]
struct ListedMember {
    user_id: String,
    #[serde(default)]
    roles: Vec<String>,
    /// Absent means active (NRPS §2.3).
    status: Option<String>,
    name: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    email: Option<String>,
}

impl From<ListedMember> for Member {
    fn from(listed: ListedMember) -> Member {
        let status = match listed.status.as_deref() {
            Some("Inactive") => MemberStatus::Inactive,
            Some("Deleted") => MemberStatus::Deleted,
            _ => MemberStatus::Active,
        };
        Member {
            user_id: listed.user_id,
            // Moodle lists `Learner` here but sends the full URI in launches.
            roles: listed.roles.iter().map(|r| roles::normalise(r)).collect(),
            status,
            name: listed.name,
            given_name: listed.given_name,
            family_name: listed.family_name,
            email: listed.email,
        }
    }
}

/// The target of the `rel="next"` entry of the `Link` headers, if any.
pub fn next_page(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .find_map(|link| {
            let (target, params) = link.trim().split_once(';')?;
            let is_next = params.split(';').any(|param| {
                param
                    .trim()
                    .strip_prefix("rel=")
                    .is_some_and(|rel| rel.trim_matches('"').split(' ').any(|r| r == "next"))
            });
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            is_next.then(|| target.to_owned())
        })
}

/// Every member of the container at `url`, following `next` links that
/// stay on the platform (a link elsewhere is refused before it is fetched).
pub async fn fetch_all(
    services: &ServiceClient,
    platform: &Platform,
    token: &str,
    url: &ServiceUrl,
) -> Result<Vec<Member>, ServiceError> {
    let mut members = Vec::new();
    let mut next = Some(url.clone());
    let mut visited = std::collections::HashSet::new();
    while let Some(page) = next.take() {
        if !visited.insert(page.as_str().to_owned()) {
            break;
        }
        if visited.len() > MAX_PAGES {
            return Err(ServiceError::NotPossible(format!(
                "the roster has more than {MAX_PAGES} pages"
            )));
        }
        let response = services
            .http()
            .get(page.as_url().clone())
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header(ACCEPT, MEMBERSHIPS_TYPE)
            .send()
            .await?;
        let response = check(response, "roster").await?;
        next = next_page(response.headers())
            .map(|link| platform.service_url(&link))
            .transpose()?;
        let container: Container =
            crate::outbound::read_json(response, crate::outbound::ROSTER_PAGE_LIMIT).await?;
        members.extend(container.members.into_iter().map(Member::from));
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn the_next_link_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            LINK,
            HeaderValue::from_static(
                "<https://lms.example/m?page=1>; rel=\"first\", <https://lms.example/m?page=3>; rel=\"next\"",
            ),
        );
        assert_eq!(
            next_page(&headers).as_deref(),
            Some("https://lms.example/m?page=3")
        );
        let mut last = HeaderMap::new();
        last.append(
            LINK,
            HeaderValue::from_static("<https://lms.example/m?page=1>; rel=\"first\""),
        );
        assert_eq!(next_page(&last), None);
        assert_eq!(next_page(&HeaderMap::new()), None);
    }

    #[test]
    fn short_role_names_are_normalised_and_a_missing_status_is_active() {
        let listed: ListedMember =
            serde_json::from_str(r#"{"user_id": "7", "roles": ["Learner"]}"#).expect("member");
        let member = Member::from(listed);
        assert_eq!(
            member.roles,
            vec!["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
        );
        assert_eq!(member.status, MemberStatus::Active);
    }
}
