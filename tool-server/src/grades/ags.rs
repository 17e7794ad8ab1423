//! Assignment and Grade Services 2.0: line items, scores and results.
//! Tokens come from the shared service client.

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::{json, Value};
use url::Url;

use crate::outbound::{read_json, LINE_ITEMS_LIMIT};
use crate::platforms::services::{check, ServiceClient, ServiceError};

pub const SCORE_TYPE: &str = "application/vnd.ims.lis.v1.score+json";
pub const LINEITEM_TYPE: &str = "application/vnd.ims.lis.v2.lineitem+json";
pub const LINEITEMS_TYPE: &str = "application/vnd.ims.lis.v2.lineitemcontainer+json";
pub const RESULTS_TYPE: &str = "application/vnd.ims.lis.v2.resultcontainer+json";

/// `…/lineitem?type_id=1` → `…/lineitem/scores?type_id=1`: the sub-resource
/// goes into the path, before any query string (Moodle's line item URLs
/// carry one).
pub fn sub_resource(lineitem: &str, name: &str) -> Result<Url, ServiceError> {
    let mut url = Url::parse(lineitem).map_err(|_| {
        ServiceError::NotPossible(format!("the line item URL {lineitem:?} is not a URL"))
    })?;
    url.path_segments_mut()
        .map_err(|_| {
            ServiceError::NotPossible(format!("the line item URL {lineitem:?} has no path"))
        })?
        .pop_if_empty()
        .push(name);
    Ok(url)
}

/// The link's line item tagged for Carefolio, created when missing.
pub async fn find_or_create_lineitem(
    services: &ServiceClient,
    token: &str,
    lineitems: &str,
    lti_link_id: &str,
    label: &str,
) -> Result<String, ServiceError> {
    let mut url = Url::parse(lineitems).map_err(|_| {
        ServiceError::NotPossible(format!("the line items URL {lineitems:?} is not a URL"))
    })?;
    url.query_pairs_mut()
        .append_pair("resource_link_id", lti_link_id);
    let response = services
        .http()
        .get(url)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(ACCEPT, LINEITEMS_TYPE)
        .send()
        .await?;
    let items: Vec<Value> =
        read_json(check(response, "line item search").await?, LINE_ITEMS_LIMIT).await?;
    // A platform may ignore the filter; check the link ourselves.
    let found = items
        .iter()
        .find(|item| item.get("resourceLinkId").and_then(Value::as_str) == Some(lti_link_id));
    if let Some(id) = found
        .and_then(|item| item.get("id"))
        .and_then(Value::as_str)
    {
        return Ok(id.to_owned());
    }
    let response = services
        .http()
        .post(lineitems)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(CONTENT_TYPE, LINEITEM_TYPE)
        .header(ACCEPT, LINEITEM_TYPE)
        .body(
            json!({
                "scoreMaximum": 100,
                "label": label,
                "resourceLinkId": lti_link_id,
                "tag": crate::lti::deep_linking::LINE_ITEM_TAG,
            })
            .to_string(),
        )
        .send()
        .await?;
    let created: Value = read_json(
        check(response, "line item creation").await?,
        LINE_ITEMS_LIMIT,
    )
    .await?;
    created
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| ServiceError::NotPossible("the created line item has no id".into()))
}

/// Posts one score to the line item's `scores` endpoint.
pub async fn post_score(
    services: &ServiceClient,
    token: &str,
    lineitem: &str,
    score: &Value,
) -> Result<(), ServiceError> {
    let response = services
        .http()
        .post(sub_resource(lineitem, "scores")?)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(CONTENT_TYPE, SCORE_TYPE)
        .body(score.to_string())
        .send()
        .await?;
    check(response, "score").await?;
    Ok(())
}

/// The line item's results (what the gradebook holds), optionally for one user.
pub async fn results(
    services: &ServiceClient,
    token: &str,
    lineitem: &str,
    user_id: Option<&str>,
) -> Result<Vec<Value>, ServiceError> {
    let mut url = sub_resource(lineitem, "results")?;
    if let Some(user) = user_id {
        url.query_pairs_mut().append_pair("user_id", user);
    }
    let response = services
        .http()
        .get(url)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(ACCEPT, RESULTS_TYPE)
        .send()
        .await?;
    Ok(read_json(check(response, "results").await?, LINE_ITEMS_LIMIT).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_go_into_the_path_before_the_query() {
        assert_eq!(
            sub_resource(
                "https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=1",
                "scores"
            )
            .expect("a URL")
            .as_str(),
            "https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=1"
        );
        assert_eq!(
            sub_resource(
                "https://canvas.example/api/lti/courses/1/line_items/5/",
                "results"
            )
            .expect("a URL")
            .as_str(),
            "https://canvas.example/api/lti/courses/1/line_items/5/results"
        );
    }
}
