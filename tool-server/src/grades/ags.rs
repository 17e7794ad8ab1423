//! Assignment and Grade Services 2.0: line items, scores and results.
//! Tokens come from the shared service client.

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::{json, Value};

use crate::outbound::{read_json, LINE_ITEMS_LIMIT};
use crate::platforms::services::{check, ServiceClient, ServiceError};
use crate::platforms::ServiceUrl;

pub const SCORE_TYPE: &str = "application/vnd.ims.lis.v1.score+json";
pub const LINEITEM_TYPE: &str = "application/vnd.ims.lis.v2.lineitem+json";
pub const LINEITEMS_TYPE: &str = "application/vnd.ims.lis.v2.lineitemcontainer+json";
pub const RESULTS_TYPE: &str = "application/vnd.ims.lis.v2.resultcontainer+json";

/// The link's line item tagged for Carefolio, created when missing.
pub async fn find_or_create_lineitem(
    services: &ServiceClient,
    token: &str,
    lineitems: &ServiceUrl,
    lti_link_id: &str,
    label: &str,
) -> Result<String, ServiceError> {
    let url = lineitems.with_query("resource_link_id", lti_link_id);
    let response = services
        .http()
        .get(url.as_url().clone())
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
        .post(lineitems.as_url().clone())
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
    lineitem: &ServiceUrl,
    score: &Value,
) -> Result<(), ServiceError> {
    let response = services
        .http()
        .post(lineitem.sub_resource("scores")?.as_url().clone())
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
    lineitem: &ServiceUrl,
    user_id: Option<&str>,
) -> Result<Vec<Value>, ServiceError> {
    let mut url = lineitem.sub_resource("results")?;
    if let Some(user) = user_id {
        url = url.with_query("user_id", user);
    }
    let response = services
        .http()
        .get(url.as_url().clone())
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(ACCEPT, RESULTS_TYPE)
        .send()
        .await?;
    Ok(read_json(check(response, "results").await?, LINE_ITEMS_LIMIT).await?)
}
