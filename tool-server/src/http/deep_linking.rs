//! Deep linking: the picker an instructor sees after an
//! `LtiDeepLinkingRequest`, and the form post that carries the signed
//! response back to the platform.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::errors::LaunchPageError;
use super::html::{self, FrameAncestors, PagePolicy};
use super::{templates, AppState};
use crate::frameworks::store::{self as frameworks, FrameworkTree, TreeNode};
use crate::frameworks::CompetenceRef;
use crate::lti::claims::DeepLinkingSettings;
use crate::lti::deep_linking::{self, Answer, ChosenActivity, DeepLinkingError, PickingSession};
use crate::lti::launch::ValidatedLaunch;
use crate::portfolio::launch::record_deep_linking_request;

const DEFAULT_SCORE_MAXIMUM: f64 = 100.0;
const LARGEST_SCORE_MAXIMUM: f64 = 10_000.0;
const LONGEST_TITLE: usize = 255;

#[derive(Serialize)]
struct PickerPage<'a> {
    session: &'a str,
    action: String,
    asset_base: &'a str,
    request_title: Option<&'a str>,
    frameworks: &'a [FrameworkTree],
    accept_multiple: bool,
    /// `false` when the platform said it ignores grade columns from tools.
    grades_possible: bool,
    error: Option<String>,
    chosen: Vec<String>,
    title: &'a str,
    text: &'a str,
    graded: bool,
    score_maximum: String,
}

/// Answers a validated deep linking request: the picker, or at once a
/// refusal the platform shows.
pub async fn begin(
    state: &AppState,
    launch: &ValidatedLaunch,
    settings: &DeepLinkingSettings,
) -> Result<HttpResponse, actix_web::Error> {
    // Checked before anything is recorded, like every other claim.
    let session = PickingSession::begin(&launch.platform, &launch.message, settings)?;
    record_deep_linking_request(&state.db, launch)
        .await
        .map_err(LaunchPageError)?;
    let spent = state.spent_state_cookie(&launch.login.state);
    if let Some(refusal) = deep_linking::refusal(&launch.message, settings) {
        let mut response = return_to_platform(state, &session, &refusal).await?;
        response.add_cookie(&spent).ok();
        return Ok(response);
    }
    let trees = frameworks::trees(&state.db)
        .await
        .map_err(DeepLinkingError::from)?;
    let token = session.seal(&state.signer)?;
    let mut response = picker(
        state,
        &token,
        &session,
        settings.title.as_deref(),
        &trees,
        Choice::default(),
        None,
    );
    response.add_cookie(&spent).ok();
    Ok(response)
}

/// What the instructor submitted.
#[derive(Default)]
struct Choice {
    session: String,
    cancelled: bool,
    competences: Vec<String>,
    title: String,
    text: String,
    graded: bool,
    score_maximum: String,
    one_per_competence: bool,
}

impl Choice {
    fn parse(body: &[u8]) -> Choice {
        let mut choice = Choice::default();
        for (name, value) in url::form_urlencoded::parse(body) {
            match name.as_ref() {
                "session" => choice.session = value.into_owned(),
                "action" => choice.cancelled = value == "cancel",
                "competence" => choice.competences.push(value.trim().to_owned()),
                "title" => choice.title = value.trim().to_owned(),
                "text" => choice.text = value.trim().to_owned(),
                "graded" => choice.graded = !value.is_empty(),
                "score_maximum" => choice.score_maximum = value.trim().to_owned(),
                "split" => choice.one_per_competence = value == "each",
                _ => {}
            }
        }
        // The same competence ticked twice (in two trees) counts once.
        let mut seen = std::collections::HashSet::new();
        choice
            .competences
            .retain(|c| !c.is_empty() && seen.insert(c.clone()));
        choice
    }
}

fn picker(
    state: &AppState,
    token: &str,
    session: &PickingSession,
    request_title: Option<&str>,
    trees: &[FrameworkTree],
    choice: Choice,
    error: Option<String>,
) -> HttpResponse {
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = templates::render(
        "deep_linking",
        &PickerPage {
            session: token,
            action: format!("{}/lti/deep-linking", state.base_url),
            asset_base: &state.base_url,
            request_title,
            frameworks: trees,
            accept_multiple: session.accept_multiple,
            grades_possible: session.accept_lineitem != Some(false),
            error,
            title: &choice.title,
            text: &choice.text,
            graded: choice.graded,
            score_maximum: if choice.score_maximum.is_empty() {
                DEFAULT_SCORE_MAXIMUM.to_string()
            } else {
                choice.score_maximum.clone()
            },
            chosen: choice.competences,
        },
    );
    let ancestors = FrameAncestors::from_list(&session.frame_ancestors);
    html::page(status, &PagePolicy::Picker(ancestors)).body(page)
}

/// POST `/lti/deep-linking`: the picker's form.
pub async fn respond(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, DeepLinkingError> {
    let choice = Choice::parse(&body);
    let session = PickingSession::open(&state.signer, &choice.session)?;
    if choice.cancelled {
        session.consume(&state.db).await?;
        return return_to_platform(&state, &session, &Answer::Cancelled).await;
    }
    let activities = match chosen_activities(&state, &session, &choice).await {
        Ok(activities) => activities,
        Err(DeepLinkingError::BadChoice(reason)) => {
            let mut trees = frameworks::trees(&state.db).await?;
            for tree in &mut trees {
                TreeNode::check(&mut tree.items, &choice.competences);
            }
            let token = choice.session.clone();
            return Ok(picker(
                &state,
                &token,
                &session,
                None,
                &trees,
                choice,
                Some(reason),
            ));
        }
        Err(other) => return Err(other),
    };
    session.consume(&state.db).await?;
    tracing::info!(activities = activities.len(), platform = %session.issuer, "deep linking response sent");
    return_to_platform(&state, &session, &Answer::Activities(activities)).await
}

/// Checks the choice and turns it into activities.
async fn chosen_activities(
    state: &AppState,
    session: &PickingSession,
    choice: &Choice,
) -> Result<Vec<ChosenActivity>, DeepLinkingError> {
    let bad = |reason: &str| DeepLinkingError::BadChoice(reason.to_owned());
    if choice.competences.is_empty() {
        return Err(bad("Choose at least one competence the activity covers."));
    }
    if choice.title.chars().count() > LONGEST_TITLE {
        return Err(bad("The title is too long (at most 255 characters)."));
    }
    let references: Vec<CompetenceRef> = choice
        .competences
        .iter()
        .map(|text| {
            CompetenceRef::parse(text).ok_or_else(|| bad("A chosen competence is not valid."))
        })
        .collect::<Result<_, _>>()?;
    let (competences, unknown) = state.competences.resolve(&state.db, &references).await?;
    if !unknown.is_empty() {
        return Err(DeepLinkingError::BadChoice(format!(
            "These competences do not exist: {}.",
            unknown
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let score_maximum = if choice.graded && session.accept_lineitem != Some(false) {
        let maximum = if choice.score_maximum.is_empty() {
            DEFAULT_SCORE_MAXIMUM
        } else {
            choice
                .score_maximum
                .parse::<f64>()
                .ok()
                .filter(|m| m.is_finite() && *m > 0.0 && *m <= LARGEST_SCORE_MAXIMUM)
                .ok_or_else(|| {
                    bad("The maximum grade must be a number above 0 and at most 10000.")
                })?
        };
        Some(maximum)
    } else {
        None
    };
    let text = (!choice.text.is_empty()).then(|| choice.text.clone());
    if choice.one_per_competence && session.accept_multiple && competences.len() > 1 {
        return Ok(competences
            .iter()
            .zip(&references)
            .map(|(competence, reference)| ChosenActivity {
                title: format!("{} {}", competence.code, competence.english_title()),
                text: text.clone(),
                competences: reference.to_string(),
                score_maximum,
            })
            .collect());
    }
    let title = if choice.title.is_empty() {
        match competences.as_slice() {
            [only] => format!("{} {}", only.code, only.english_title()),
            _ => format!(
                "Competences {}",
                references
                    .iter()
                    .map(|r| r.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    } else {
        choice.title.clone()
    };
    Ok(vec![ChosenActivity {
        title,
        text,
        competences: references
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
        score_maximum,
    }])
}

#[derive(Serialize)]
struct ReturnPage<'a> {
    return_url: &'a str,
    jwt: &'a str,
    asset_base: &'a str,
}

/// The page that posts the signed response to the platform.
async fn return_to_platform(
    state: &AppState,
    session: &PickingSession,
    answer: &Answer,
) -> Result<HttpResponse, DeepLinkingError> {
    let key = state.tool_key.get(&state.db).await?;
    let claims = deep_linking::response_claims(session, &state.launch_url(), answer);
    let jwt = deep_linking::sign_response(&claims, &key)?;
    let page = templates::render(
        "deep_linking_return",
        &ReturnPage {
            return_url: &session.return_url,
            jwt: &jwt,
            asset_base: &state.base_url,
        },
    );
    // The form goes to the platform's return URL, and nowhere else.
    let origin = url::Url::parse(&session.return_url)
        .map(|url| url.origin().ascii_serialization())
        .map_err(|_| DeepLinkingError::BadReturnUrl)?;
    let policy = PagePolicy::PostsTo {
        origin,
        ancestors: FrameAncestors::from_list(&session.frame_ancestors),
    };
    Ok(html::page(StatusCode::OK, &policy).body(page))
}
