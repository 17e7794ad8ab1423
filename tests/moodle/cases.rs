//! The cases: what a learner, a teacher and an administrator do in Moodle,
//! checked on both sides (Carefolio's API and statements, Moodle's tables).

use std::time::Duration;

use anyhow::{bail, ensure, Context};
use carefolio_tests::webdriver::Browser;
use serde_json::Value;

use crate::carefolio::Carefolio;
use crate::moodle::{screenshot_dir, MoodleSession};
use crate::Suite;

const STUDENT: (&str, &str, i64) = ("student1", "Student#12345", 4);
const TEACHER: (&str, &str, i64) = ("teacher1", "Teacher#12345", 3);
const ADMIN: (&str, &str, i64) = ("admin", "Admin#12345", 2);
const WAIT: Duration = Duration::from_secs(30);
/// The tool type for the second, `localhost` Carefolio, kept between runs.
pub const LOCALHOST_TOOL: &str = "Carefolio (localhost)";

/// Headless Chromium, signed in to Moodle through its login page.
async fn browser_as(suite: &Suite, user: (&str, &str, i64)) -> anyhow::Result<Browser> {
    let browser = Browser::start(&["--window-size=1280,1000"]).await?;
    // A person whose login does not go through tries again: keystrokes sent
    // while Moodle's login page is still settling are sometimes lost, or
    // land in a field the page has just replaced.
    let mut attempts = 0;
    loop {
        attempts += 1;
        match log_in(suite, &browser, user).await {
            Ok(true) => return Ok(browser),
            Ok(false) if attempts < 3 => {}
            Err(e) if attempts < 3 => eprintln!("logging in as {} again: {e}", user.0),
            Ok(false) => bail!("Moodle refused {} three times", user.0),
            Err(e) => return Err(e),
        }
    }
}

/// One try at Moodle's login page; `false` when Moodle refused it.
async fn log_in(suite: &Suite, browser: &Browser, user: (&str, &str, i64)) -> anyhow::Result<bool> {
    browser
        .goto(&format!("{}/login/index.php", suite.moodle.issuer))
        .await?;
    browser
        .wait_for("return document.readyState === 'complete'", WAIT)
        .await?;
    browser.type_into("#username", user.0).await?;
    browser.type_into("#password", user.1).await?;
    browser.click("#loginbtn").await?;
    let outcome = browser
        .wait_for(
            "return document.querySelector('a[href*=\"login/logout.php\"]') !== null ? 'in' : (document.getElementById('loginerrormessage') !== null ? 'refused' : null)",
            WAIT,
        )
        .await?;
    Ok(outcome == "in")
}

async fn shot(browser: &Browser, name: &str) {
    let path = screenshot_dir().join(format!("{name}.png"));
    if let Err(e) = browser.screenshot(&path).await {
        eprintln!("screenshot {name}: {e}");
    }
}

/// Opens an activity as a person does (its page in Moodle) and enters the
/// frame Moodle shows Carefolio in.
async fn open_activity_frame(suite: &Suite, browser: &Browser, cmid: i64) -> anyhow::Result<()> {
    browser
        .goto(&format!(
            "{}/mod/lti/view.php?id={cmid}",
            suite.moodle.issuer
        ))
        .await?;
    browser
        .wait_for(
            "return document.querySelector('iframe#contentframe') !== null",
            WAIT,
        )
        .await?;
    Ok(browser.enter_frame_of("iframe#contentframe").await?)
}

/// Launches `cmid` as `user` without a browser; returns the launch page.
async fn launch(suite: &Suite, user: (&str, &str, i64), cmid: i64) -> anyhow::Result<String> {
    let session = MoodleSession::log_in(&suite.moodle.issuer, user.0, user.1).await?;
    let form = session.launch_form(cmid).await?;
    let (status, code, page) = session.post_launch(&form).await?;
    ensure!(status == 200, "launch answered {status} {code:?}: {page}");
    Ok(page)
}

/// The claims of a JWT, unverified (Carefolio verifies; the test only reads).
fn jwt_claims(token: &str) -> anyhow::Result<Value> {
    use base64::Engine;
    let payload = token.split('.').nth(1).context("not a JWT")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload)?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// The widget's launch token on a launch page.
fn launch_token(page: &str) -> anyhow::Result<String> {
    let start = page
        .find("data-token=\"")
        .context("no launch token on the page")?
        + "data-token=\"".len();
    let end = page[start..].find('"').context("unterminated token")? + start;
    Ok(page[start..end].to_owned())
}

async fn api(tool: &Carefolio, path: &str, token: &str) -> anyhow::Result<(u16, Value)> {
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/{path}", tool.base))
        .bearer_auth(token)
        .send()
        .await?;
    Ok((response.status().as_u16(), response.json().await?))
}

/// Competence codes the portfolio API gives for a launch page's token.
async fn portfolio_codes(suite: &Suite, page: &str) -> anyhow::Result<Vec<String>> {
    let (status, view) = api(&suite.tool, "portfolio", &launch_token(page)?).await?;
    ensure!(status == 200, "portfolio answered {status}: {view}");
    Ok(view["competences"]
        .as_array()
        .context("no competences")?
        .iter()
        .filter_map(|c| c["code"].as_str().map(str::to_owned))
        .collect())
}

/// Statements about the Moodle user `userid`, newest first.
async fn statements_of(suite: &Suite, userid: i64) -> anyhow::Result<Vec<Value>> {
    let agent = serde_json::json!({
        "account": { "homePage": suite.moodle.issuer, "name": userid.to_string() }
    });
    let response = reqwest::Client::new()
        .get(format!("{}/xapi/statements", suite.tool.base))
        .basic_auth(&suite.xapi.0, Some(&suite.xapi.1))
        .header("X-Experience-API-Version", "1.0.3")
        .query(&[("limit", "100")])
        .send()
        .await?;
    ensure!(
        response.status() == 200,
        "xAPI answered {}",
        response.status()
    );
    let body: Value = response.json().await?;
    Ok(body["statements"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s["actor"]["account"] == agent["account"])
        .collect())
}

/// `carefolio grades status` as (pending, failed, delivered).
fn grade_counts(tool: &Carefolio) -> anyhow::Result<(u32, u32, u32)> {
    let printed = tool.cli(&["grades", "status"])?;
    let first = printed.lines().next().unwrap_or_default().to_owned();
    let numbers: Vec<u32> = first
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    match numbers[..] {
        [pending, failed, delivered] => Ok((pending, failed, delivered)),
        _ => bail!("unexpected grades status: {printed}"),
    }
}

pub async fn a_learner_launch_in_moodles_frame_shows_the_widget_records_the_statement_and_grades(
    suite: &Suite,
) -> anyhow::Result<()> {
    let name = format!("Digital care records {}", suite.run);
    let cmid = suite.kit.add_activity(
        suite.moodle.typeid,
        &name,
        "competences=carerplus:10.2,pat:5.1",
        100,
    )?;
    let browser = browser_as(suite, STUDENT).await?;
    open_activity_frame(suite, &browser, cmid).await?;
    browser
        .wait_for(
            "return document.querySelector('#carefolio-portfolio[data-state=\"loaded\"] .cf-widget') !== null",
            WAIT,
        )
        .await?;
    let heading = browser
        .eval("return document.querySelector('.cf-learner').textContent")
        .await?;
    ensure!(heading == "Sam Student's portfolio", "heading {heading}");
    let codes = browser
        .eval("return [...document.querySelectorAll('.cf-competence .cf-code')].map(e => e.textContent)")
        .await?;
    ensure!(codes == serde_json::json!(["10.2", "5.1"]), "codes {codes}");
    let roster = browser
        .eval("return document.querySelector('.cf-roster-section') !== null")
        .await?;
    ensure!(roster == false, "a learner must not see the roster");
    browser.leave_frames().await?;
    shot(&browser, "learner-widget-in-moodle").await;
    browser.resize(390, 844).await?;
    // On a phone Moodle's course index covers the page until closed.
    browser
        .eval("document.querySelectorAll('[data-action=\"closedrawer\"]').forEach(b => { if (b.offsetParent !== null) b.click(); }); return true")
        .await?;
    shot(&browser, "learner-widget-in-moodle-phone").await;
    browser.quit().await;

    let statements = statements_of(suite, STUDENT.2).await?;
    let launched = statements
        .iter()
        .find(|s| s["object"]["definition"]["name"]["en"] == name.as_str())
        .context("no statement for the launch")?;
    ensure!(
        launched["verb"]["id"] == "http://adlnet.gov/expapi/verbs/launched",
        "verb {}",
        launched["verb"]
    );
    // Carefolio's rule: the share of the competences with accepted claims,
    // so a launch alone gives 0 % (and Moodle records it).
    let grade = suite.db.wait_for_grade(cmid, STUDENT.2, WAIT).await?;
    ensure!(grade.abs() < 1e-6, "grade {grade}");
    Ok(())
}

/// Picks competences in Carefolio's picker inside Moodle's "Select
/// content" dialog of the add-activity form, then saves the form.
async fn select_content(
    suite: &Suite,
    browser: &Browser,
    competences: &[&str],
    title: &str,
    one_per_competence: bool,
    score_maximum: Option<u32>,
    screenshot: Option<&str>,
) -> anyhow::Result<()> {
    // What the activity chooser's "Carefolio" tile opens.
    browser
        .goto(&format!(
            "{}/course/modedit.php?add=lti&return=0&typeid={}&course={}&section=1",
            suite.moodle.issuer, suite.moodle.typeid, suite.moodle.courseid
        ))
        .await?;
    browser
        .wait_for(
            "const s = document.querySelector('#id_selectcontent'); return s !== null && !s.disabled",
            WAIT,
        )
        .await?;
    browser.click("#id_selectcontent").await?;
    browser
        .wait_for(
            "const f = document.querySelector('#contentitem-page-iframe'); return f !== null && !f.classList.contains('hidden')",
            WAIT,
        )
        .await?;
    browser.enter_frame_of("#contentitem-page-iframe").await?;
    browser
        .wait_for("return document.getElementById('cf-picker') !== null", WAIT)
        .await?;
    for competence in competences {
        // As a teacher would: search, which opens the matching branches, then tick.
        browser.type_into("#cf-search", competence).await?;
        browser
            .click(&format!("input[name=competence][value=\"{competence}\"]"))
            .await?;
    }
    browser.type_into("#cf-search", "").await?;
    if !title.is_empty() {
        browser.type_into("#cf-title", title).await?;
    }
    if one_per_competence {
        browser.click("input[name=split][value=each]").await?;
    }
    if let Some(maximum) = score_maximum {
        browser.click("#cf-graded").await?;
        browser
            .type_into("#cf-score-maximum", &maximum.to_string())
            .await?;
    }
    if let Some(name) = screenshot {
        browser.leave_frames().await?;
        shot(browser, name).await;
        browser.enter_frame_of("#contentitem-page-iframe").await?;
    }
    browser.click("button[name=action][value=add]").await?;
    browser.leave_frames().await?;
    // Moodle's dialog closes and fills the form (or lists several items).
    browser
        .wait_for(
            "const i = document.querySelector('#id_selectcontentindicator'); const m = document.querySelector('#id_multipleitems, .multiple-items, [data-region=\"multiple-items\"]'); return document.querySelector('#contentitem-page-iframe') === null && ((i && i.textContent.trim() !== '') || document.querySelector('input[name=name]').value === 'item')",
            WAIT,
        )
        .await?;
    // With several items Moodle shows their summary and the buttons again
    // once it has rendered it.
    browser
        .wait_for(
            "const s = document.querySelector('#id_submitbutton2'); const g = document.querySelector('#fgroup_id_buttonar'); return s !== null && s.getClientRects().length > 0 && !(g && g.hasAttribute('hidden'))",
            WAIT,
        )
        .await?;
    browser.click("#id_submitbutton2").await?;
    browser
        .wait_for(
            "return location.pathname.endsWith('/course/view.php')",
            WAIT,
        )
        .await?;
    Ok(())
}

async fn newest_cmid(suite: &Suite) -> anyhow::Result<i64> {
    suite.db.max_id("mdl_course_modules").await
}

async fn new_cmids(suite: &Suite, after: i64) -> anyhow::Result<Vec<(i64, String, String)>> {
    let sql = format!(
        "SELECT cm.id::text AS a, l.name AS b, l.instructorcustomparameters AS c \
         FROM mdl_course_modules cm JOIN mdl_lti l ON l.id = cm.instance \
         JOIN mdl_modules m ON m.id = cm.module AND m.name = 'lti' \
         WHERE cm.id > {after} ORDER BY cm.id"
    );
    Ok(suite
        .db
        .rows(&sql)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.a.and_then(|v| v.parse().ok()).unwrap_or(0),
                r.b.unwrap_or_default(),
                r.c.unwrap_or_default(),
            )
        })
        .collect())
}

/// The activities the picker made, for the cases that follow it.
#[derive(Debug, Clone, Copy)]
pub struct PickedActivities {
    graded: i64,
    ungraded: [i64; 2],
}

fn picked(suite: &Suite) -> anyhow::Result<PickedActivities> {
    suite
        .picked
        .get()
        .copied()
        .context("needs the activities made by the Select content case, which failed")
}

fn has_line(custom: &str, line: &str) -> bool {
    custom.lines().any(|l| l.trim() == line)
}

pub async fn select_content_creates_the_picked_activities_and_their_launches_carry_them(
    suite: &Suite,
) -> anyhow::Result<()> {
    let browser = browser_as(suite, TEACHER).await?;
    // One graded activity with two competences, out of 10 points.
    let before = newest_cmid(suite).await?;
    let title = format!("Safe care records {}", suite.run);
    select_content(
        suite,
        &browser,
        &["carerplus:3.1", "pat:2.4"],
        &title,
        false,
        Some(10),
        Some("picker-in-moodle-select-content"),
    )
    .await?;
    let created = new_cmids(suite, before).await?;
    ensure!(created.len() == 1, "created {created:?}");
    let (graded, name, custom) = created[0].clone();
    ensure!(name == title, "name {name}");
    ensure!(
        has_line(&custom, "competences=carerplus:3.1,pat:2.4"),
        "custom parameters {custom:?}"
    );
    let maximum = suite
        .db
        .value(&format!(
            "SELECT gi.grademax::text AS a, NULL AS b, NULL AS c FROM mdl_course_modules cm \
             JOIN mdl_grade_items gi ON gi.itemmodule = 'lti' AND gi.iteminstance = cm.instance \
             WHERE cm.id = {graded}"
        ))
        .await?
        .and_then(|v| v.parse::<f64>().ok());
    ensure!(maximum == Some(10.0), "grade maximum {maximum:?}");

    // Two ungraded activities at once, one per competence.
    let before = newest_cmid(suite).await?;
    select_content(
        suite,
        &browser,
        &["pat:5.1", "carerplus:10.2"],
        "",
        true,
        None,
        None,
    )
    .await?;
    browser.quit().await;
    let several = new_cmids(suite, before).await?;
    ensure!(several.len() == 2, "created {several:?}");
    let mut chosen: Vec<String> = several
        .iter()
        .map(|(_, _, custom)| {
            custom
                .lines()
                .find_map(|l| l.trim().strip_prefix("competences="))
                .map(str::to_owned)
                .context("no competences")
        })
        .collect::<anyhow::Result<_>>()?;
    chosen.sort();
    ensure!(chosen == ["carerplus:10.2", "pat:5.1"], "picked {chosen:?}");
    let _ = suite.picked.set(PickedActivities {
        graded,
        ungraded: [several[0].0, several[1].0],
    });

    // The learner's launches carry the picked competences.
    let page = launch(suite, STUDENT, graded).await?;
    ensure!(
        portfolio_codes(suite, &page).await? == ["3.1", "2.4"],
        "graded activity's competences"
    );
    // Carefolio's rule: no claim accepted yet, 0 of 10 points.
    let grade = suite.db.wait_for_grade(graded, STUDENT.2, WAIT).await?;
    ensure!(grade.abs() < 1e-6, "grade {grade}");
    Ok(())
}

pub async fn an_activity_picked_without_graded_gets_no_score(suite: &Suite) -> anyhow::Result<()> {
    let picked = picked(suite)?;
    // The teacher did not tick "Graded": nothing is queued or sent,
    // although Moodle ("Accept grades: Always") made a grade column.
    let ungraded = picked.ungraded[0];
    let column = suite
        .db
        .value(&format!(
            "SELECT gi.id::text AS a, NULL AS b, NULL AS c FROM mdl_course_modules cm \
             JOIN mdl_grade_items gi ON gi.itemmodule = 'lti' AND gi.iteminstance = cm.instance \
             WHERE cm.id = {ungraded}"
        ))
        .await?;
    ensure!(column.is_some(), "Moodle made no column: nothing to prove");
    let before = grade_counts(&suite.tool)?;
    let page = launch(suite, STUDENT, ungraded).await?;
    ensure!(portfolio_codes(suite, &page).await?.len() == 1);
    // A grade would be queued in the launch's own transaction. Grades
    // queued by earlier cases may be delivered meanwhile, so what must not
    // change is how many there are, whatever their state.
    let after = grade_counts(&suite.tool)?;
    let queued = |(pending, failed, delivered): (u32, u32, u32)| pending + failed + delivered;
    ensure!(
        queued(after) == queued(before),
        "grades queued went from {before:?} to {after:?} (pending, failed, delivered)"
    );
    ensure!(
        suite.db.raw_grade(ungraded, STUDENT.2).await?.is_none(),
        "an ungraded activity got a grade"
    );
    // The picker said which is which.
    let graded_custom = suite.db.custom_parameters(picked.graded).await?;
    ensure!(has_line(&graded_custom, "graded=yes"), "{graded_custom:?}");
    for cmid in picked.ungraded {
        let custom = suite.db.custom_parameters(cmid).await?;
        ensure!(
            has_line(&custom, "graded=no"),
            "not marked ungraded: {custom:?}"
        );
    }
    Ok(())
}

pub async fn a_tool_level_competences_parameter_is_shown_to_the_teacher_and_the_pick_counts(
    suite: &Suite,
) -> anyhow::Result<()> {
    let picked = picked(suite)?;
    let custom = suite.db.custom_parameters(picked.graded).await?;
    ensure!(
        has_line(&custom, "picked_competences=carerplus:3.1,pat:2.4"),
        "the picker's choice is not kept under a second name: {custom:?}"
    );
    // The administrator followed advice to set competences on the tool,
    // which Moodle lets win over every activity's.
    let tool_custom = format!(
        "UPDATE mdl_lti_types_config SET value = '{{}}' WHERE typeid = {} AND name = 'customparameters'",
        suite.moodle.typeid
    );
    suite
        .db
        .execute(&tool_custom.replace("{}", "competences=carerplus:10.2,pat:5.1"))
        .await?;
    let overridden = async {
        let teacher_page = launch(suite, TEACHER, picked.graded).await?;
        ensure!(
            teacher_page.contains("id=\"overridden-competences\""),
            "the teacher was not told: {teacher_page}"
        );
        ensure!(teacher_page.contains("competences=carerplus:10.2,pat:5.1"));
        let learner_page = launch(suite, STUDENT, picked.graded).await?;
        ensure!(!learner_page.contains("overridden-competences"));
        ensure!(
            portfolio_codes(suite, &learner_page).await? == ["3.1", "2.4"],
            "the picker's choice must count"
        );
        Ok(())
    }
    .await;
    suite.db.execute(&tool_custom.replace("{}", "")).await?;
    overridden
}

pub async fn the_teachers_widget_lists_moodles_learners(suite: &Suite) -> anyhow::Result<()> {
    let cmid = suite.kit.add_activity(
        suite.moodle.typeid,
        &format!("Roster {}", suite.run),
        "competences=pat:5.1,pat:5.2",
        100,
    )?;
    // The learner has been active on one of the two competences.
    launch(suite, STUDENT, cmid).await?;
    let browser = browser_as(suite, TEACHER).await?;
    open_activity_frame(suite, &browser, cmid).await?;
    // A teacher starts at the claims to assess; the learners are one tab away.
    browser
        .wait_for(
            "return document.querySelector('#carefolio-portfolio[data-page=\"queue\"] :is(.cf-queue, .cf-queue-empty)') !== null",
            WAIT,
        )
        .await?;
    browser.click("#tab-learners").await?;
    browser
        .wait_for(
            "return document.querySelectorAll('.cf-roster-learner').length > 0",
            WAIT,
        )
        .await?;
    let rows = browser
        .eval("return [...document.querySelectorAll('.cf-roster-learner')].map(e => [e.querySelector('.cf-roster-name').textContent, e.querySelector('.cf-roster-progress').textContent])")
        .await?;
    ensure!(
        rows == serde_json::json!([["Sam Student", "2 of 2 competences"]]),
        "roster {rows}"
    );
    let heading = browser
        .eval("return document.querySelector('.cf-learner').textContent")
        .await?;
    ensure!(heading == "Your learners' progress", "heading {heading}");
    browser.leave_frames().await?;
    shot(&browser, "teacher-roster-in-moodle").await;
    browser.quit().await;

    // A learner's token is refused the roster.
    let page = launch(suite, STUDENT, cmid).await?;
    let (status, body) = api(&suite.tool, "learners", &launch_token(&page)?).await?;
    ensure!(
        status == 403 && body["code"] == "not_an_assessor",
        "{status} {body}"
    );
    Ok(())
}

pub async fn a_replayed_moodle_id_token_is_refused(suite: &Suite) -> anyhow::Result<()> {
    let cmid = suite.kit.add_activity(
        suite.moodle.typeid,
        &format!("Replay {}", suite.run),
        "competences=pat:1.1",
        0,
    )?;
    let session = MoodleSession::log_in(&suite.moodle.issuer, STUDENT.0, STUDENT.1).await?;
    let form = session.launch_form(cmid).await?;
    let (status, _, _) = session.post_launch(&form).await?;
    ensure!(status == 200, "first post answered {status}");
    let count = statements_of(suite, STUDENT.2).await?.len();
    let (status, code, _) = session.post_launch(&form).await?;
    ensure!(
        status == 401 && code.as_deref() == Some("nonce_replayed"),
        "replay answered {status} {code:?}"
    );
    // From another browser (no state cookie) it is refused too.
    let stranger = reqwest::Client::new()
        .post(&form.action)
        .form(&form.fields)
        .send()
        .await?;
    ensure!(
        stranger.status() == 401,
        "stranger's replay {}",
        stranger.status()
    );
    ensure!(statements_of(suite, STUDENT.2).await?.len() == count);
    Ok(())
}

pub async fn a_score_waiting_while_moodle_is_down_lands_once_when_it_is_back(
    suite: &Suite,
) -> anyhow::Result<()> {
    let cmid = suite.kit.add_activity(
        suite.moodle.typeid,
        &format!("Outage {}", suite.run),
        "competences=pat:1.2",
        100,
    )?;
    let session = MoodleSession::log_in(&suite.moodle.issuer, STUDENT.0, STUDENT.1).await?;
    let form = session.launch_form(cmid).await?;
    // Moodle goes down between its form_post and Carefolio's answer.
    suite.kit.stop()?;
    let outcome = async {
        let (status, code, _) = session.post_launch(&form).await?;
        ensure!(status == 200, "launch answered {status} {code:?}");
        // The first attempt fails and the score waits.
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let printed = suite.tool.cli(&["grades", "status"])?;
            if printed.contains("attempt(s)") {
                break;
            }
            ensure!(
                std::time::Instant::now() < deadline,
                "no failed attempt: {printed}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok(())
    }
    .await;
    suite.kit.start()?;
    outcome?;
    let grade = suite
        .db
        .wait_for_grade(cmid, STUDENT.2, Duration::from_secs(120))
        .await?;
    ensure!(grade.abs() < 1e-6, "grade {grade}");
    let history = suite
        .db
        .value(&format!(
            "SELECT COUNT(*)::text AS a, NULL AS b, NULL AS c FROM mdl_grade_grades_history h \
             JOIN mdl_grade_items gi ON gi.id = h.itemid \
             JOIN mdl_course_modules cm ON cm.instance = gi.iteminstance AND gi.itemmodule = 'lti' \
             WHERE cm.id = {cmid} AND h.userid = {} AND h.rawgrade IS NOT NULL",
            STUDENT.2
        ))
        .await?;
    ensure!(
        history.as_deref() == Some("1"),
        "grade written {history:?} times"
    );
    // Moodle holds the grade once its answer is written; the sender marks
    // the message delivered just after reading that answer.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let (pending, failed, _) = grade_counts(&suite.tool)?;
        ensure!(failed == 0, "{failed} failed for good");
        if pending == 0 {
            break;
        }
        ensure!(
            std::time::Instant::now() < deadline,
            "still queued: {pending} pending"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Ok(())
}

pub async fn a_grade_is_delivered_after_carefolio_rotates_its_keys(
    suite: &Suite,
) -> anyhow::Result<()> {
    suite
        .tool
        .cli(&["keys", "rotate", "--keep-previous-hours", "1"])?;
    let cmid = suite.kit.add_activity(
        suite.moodle.typeid,
        &format!("After rotation {}", suite.run),
        "competences=pat:1.3",
        100,
    )?;
    launch(suite, STUDENT, cmid).await?;
    // Moodle checks the token request against the tool's keyset, which now
    // signs with the new key.
    let grade = suite.db.wait_for_grade(cmid, STUDENT.2, WAIT).await?;
    ensure!(grade.abs() < 1e-6, "grade {grade}");
    Ok(())
}

async fn api_send(
    tool: &Carefolio,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Value,
) -> anyhow::Result<(u16, Value)> {
    let response = reqwest::Client::new()
        .request(method, format!("{}/api/v1/{path}", tool.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    Ok((response.status().as_u16(), response.json().await?))
}

/// Waits until Moodle's grade of `userid` on `cmid` is `wanted` (None: no grade).
async fn wait_for_grade_value(
    suite: &Suite,
    cmid: i64,
    userid: i64,
    wanted: Option<f64>,
) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let grade = suite.db.raw_grade(cmid, userid).await?;
        let matches = match (grade, wanted) {
            (Some(have), Some(want)) => (have - want).abs() < 1e-6,
            (None, None) => true,
            _ => false,
        };
        if matches {
            return Ok(());
        }
        ensure!(
            std::time::Instant::now() < deadline,
            "grade {grade:?}, waited for {wanted:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

pub async fn a_claim_the_teacher_accepts_becomes_moodles_grade(
    suite: &Suite,
) -> anyhow::Result<()> {
    let cmid = suite.kit.add_activity(
        suite.moodle.typeid,
        &format!("Assessed {}", suite.run),
        "competences=carerplus:10.2,pat:5.1",
        100,
    )?;
    let learner = launch_token(&launch(suite, STUDENT, cmid).await?)?;
    suite.db.wait_for_grade(cmid, STUDENT.2, WAIT).await?;
    let teacher = launch_token(&launch(suite, TEACHER, cmid).await?)?;
    let (status, portfolio) = api(&suite.tool, "portfolio", &learner).await?;
    ensure!(status == 200, "portfolio {status}");
    let competence = portfolio["competences"]
        .as_array()
        .and_then(|list| list.iter().find(|c| c["code"] == "10.2"))
        .and_then(|c| c["id"].as_str())
        .context("competence 10.2 on the launch")?
        .to_owned();
    let post = reqwest::Method::POST;
    let (status, item) = api_send(
        &suite.tool,
        post.clone(),
        "evidence",
        &learner,
        serde_json::json!({ "kind": "reflection", "title": "Peer group notes", "body": "I led it." }),
    )
    .await?;
    ensure!(status == 201, "evidence {status}: {item}");
    let (status, claim) = api_send(
        &suite.tool,
        post.clone(),
        "claims",
        &learner,
        serde_json::json!({ "competence_id": competence, "level": 1, "statement": "I led the group.", "evidence": [item["id"]] }),
    )
    .await?;
    ensure!(status == 201, "claim {status}: {claim}");
    let id = claim["id"].as_str().context("claim id")?.to_owned();
    let (status, submitted) = api_send(
        &suite.tool,
        post.clone(),
        &format!("claims/{id}/submit"),
        &learner,
        serde_json::json!({}),
    )
    .await?;
    ensure!(status == 200, "submit {status}: {submitted}");
    // Pending review: Moodle takes PendingManual and shows no grade.
    wait_for_grade_value(suite, cmid, STUDENT.2, None).await?;
    let (status, queue) = api(&suite.tool, "assessment/queue", &teacher).await?;
    ensure!(status == 200, "queue {status}");
    ensure!(
        queue
            .as_array()
            .is_some_and(|q| q.iter().any(|e| e["claim_id"] == id.as_str())),
        "the claim is not in Moodle's teacher's queue: {queue}"
    );
    let (status, decided) = api_send(
        &suite.tool,
        post,
        &format!("assessment/claims/{id}/decisions"),
        &teacher,
        serde_json::json!({ "outcome": "accepted", "feedback": "Well shown." }),
    )
    .await?;
    ensure!(status == 201, "decision {status}: {decided}");
    // One of the activity's two competences accepted: 50 %.
    wait_for_grade_value(suite, cmid, STUDENT.2, Some(50.0)).await
}

pub async fn dynamic_registration_from_moodles_administration_to_a_non_default_port(
    suite: &Suite,
) -> anyhow::Result<()> {
    // This Moodle is registered already (the suite's manual tool type): a
    // second registration needs the operator's leave.
    let invitation = suite.tool.cli(&[
        "platform",
        "invite",
        "--issuer",
        &suite.moodle.issuer,
        "--allow-existing-issuer",
    ])?;
    let url = invitation
        .split_whitespace()
        .find(|w| w.contains("/lti/register?"))
        .context("no registration URL printed")?
        .to_owned();
    let before = suite.db.max_id("mdl_lti_types").await?;

    let browser = browser_as(suite, ADMIN).await?;
    browser
        .goto(&format!(
            "{}/mod/lti/toolconfigure.php",
            suite.moodle.issuer
        ))
        .await?;
    browser.type_into("#tool-url", &url).await?;
    browser.click("#tool-create-button").await?;
    // When a tool of the same address exists (the suite's own Carefolio
    // type), Moodle asks first: register a new tool.
    let frame = "#external-registration-template-container iframe";
    browser
        .wait_for(
            &format!("return document.querySelector('{frame}') !== null"),
            WAIT,
        )
        .await?;
    // Without a choice to make, the frame may already be gone (registered
    // and closed); the pending tool below is what counts.
    let entered = browser.enter_frame_of(frame).await;
    let choice = browser
        .wait_for(
            "return document.readyState === 'complete' && (document.querySelector('button[data-href$=\"type=0\"]') !== null ? 'choose' : (location.host !== '' && !location.pathname.endsWith('startltiadvregistration.php') ? 'tool' : null))",
            WAIT,
        )
        .await;
    if entered.is_ok() && matches!(choice, Ok(ref c) if c == "choose") {
        browser.click("button[data-href$=\"type=0\"]").await?;
    }
    browser.leave_frames().await?;

    // Carefolio's page closes Moodle's registration frame; the tool then
    // waits in the list as pending.
    let card = ".tool-card[data-type-id] a.activate";
    let appeared = browser
        .wait_for(
            &format!(
                "return [...document.querySelectorAll('{card}')].map(a => Number(a.closest('.tool-card').dataset.typeId)).filter(id => id > {before})[0] || null"
            ),
            WAIT,
        )
        .await;
    let typeid = match appeared {
        Ok(id) => id.as_i64().context("type id")?,
        Err(e) => {
            shot(&browser, "registration-failed").await;
            bail!("no pending tool appeared: {e}");
        }
    };
    shot(&browser, "registration-pending-in-moodle").await;
    browser
        .click(&format!(".tool-card[data-type-id=\"{typeid}\"] a.activate"))
        .await?;
    // Moodle may ask to approve the capabilities first.
    let state_sql = format!(
        "SELECT state::text AS a, clientid AS b, NULL AS c FROM mdl_lti_types WHERE id = {typeid}"
    );
    let deadline = std::time::Instant::now() + WAIT;
    let client_id = loop {
        let row = suite.db.rows(&state_sql).await?.into_iter().next();
        if let Some(row) = row.filter(|r| r.a.as_deref() == Some("1")) {
            break row.b.unwrap_or_default();
        }
        let _ = browser
            .eval("const b = document.querySelector('.modal.show button.btn-primary, .tool-card .capabilities-container button.btn-success'); if (b) b.click(); return true")
            .await;
        ensure!(
            std::time::Instant::now() < deadline,
            "the tool was not activated"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    browser.quit().await;
    let platforms = suite.tool.cli(&["platform", "list"])?;
    ensure!(
        platforms.contains(&client_id),
        "Carefolio did not store client id {client_id}: {platforms}"
    );

    // Moodle makes registered tools delegate grades and hides them from the
    // chooser; add_activity.php ticks "accept grades" as a teacher would.
    let cmid = suite.kit.add_activity(
        typeid,
        &format!("Registered {}", suite.run),
        "competences=pat:5.1",
        100,
    )?;
    let session = MoodleSession::log_in(&suite.moodle.issuer, STUDENT.0, STUDENT.1).await?;
    let form = session.launch_form(cmid).await?;
    let id_token = form.field("id_token").context("no id_token")?;
    let claims = jwt_claims(id_token)?;
    ensure!(
        claims["aud"] == client_id.as_str() || claims["aud"][0] == client_id.as_str(),
        "aud {}",
        claims["aud"]
    );
    let (status, code, page) = session.post_launch(&form).await?;
    ensure!(
        status == 200,
        "launch with the new client id: {status} {code:?}"
    );
    ensure!(portfolio_codes(suite, &page).await? == ["5.1"]);
    Ok(())
}

pub async fn over_http_from_another_site_the_frame_explains_instead_of_offering_a_window(
    suite: &Suite,
) -> anyhow::Result<()> {
    // A second Carefolio, known to Moodle as `localhost`: another site than
    // Moodle's 127.0.0.1, over plain http.
    let mut other = Carefolio::new("localhost")?;
    let printed = suite.kit.php(
        "setup_moodle.php",
        &[
            format!("--toolbase={}", other.base),
            format!("--toolname={LOCALHOST_TOOL}"),
            "--activity=Carefolio via localhost".to_owned(),
        ],
    )?;
    let json_start = printed
        .find('{')
        .context("setup_moodle.php printed no JSON")?;
    let values: crate::moodle::PlatformValues = serde_json::from_str(&printed[json_start..])?;
    let raw: Value = serde_json::from_str(&printed[json_start..])?;
    let cmid = raw["cmid"].as_i64().context("no cmid")?;
    other.register("Moodle via localhost", &values)?;
    other.start().await?;

    let browser = browser_as(suite, STUDENT).await?;
    open_activity_frame(suite, &browser, cmid).await?;
    let shown = browser
        .wait_for(
            "return document.querySelector('[data-code=\"insecure_cross_site\"]') !== null || document.getElementById('cf-new-window') !== null",
            WAIT,
        )
        .await;
    let offered_window = browser
        .eval("const w = document.getElementById('cf-new-window'); return w !== null && !w.hidden")
        .await?;
    let text = browser.eval("return document.body.innerText").await?;
    browser.leave_frames().await?;
    shot(&browser, "cross-site-http-in-moodle").await;
    browser.quit().await;
    shown?;
    ensure!(
        offered_window == false,
        "a window that cannot work was offered: {text}"
    );
    ensure!(
        text.as_str().unwrap_or_default().contains("https"),
        "the page does not say what to change: {text}"
    );
    Ok(())
}

/// Carefolio's framework CSV goes through Moodle's own competency
/// framework importer and exporter and comes back unchanged.
pub async fn a_framework_exported_for_moodle_imports_there_and_comes_back_unchanged(
    suite: &Suite,
) -> anyhow::Result<()> {
    for (key, competencies) in [("carerplus", 55), ("pat", 75)] {
        let dir = std::env::temp_dir().join(format!("carefolio-moodle-fw-{}", suite.run));
        std::fs::create_dir_all(&dir)?;
        let ours = dir.join(format!("{key}.csv"));
        suite.tool.cli(&[
            "framework",
            "export",
            key,
            "--format",
            "moodle-csv",
            "--output",
            ours.to_str().context("path")?,
        ])?;
        // The web server's user reads it.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
        std::fs::set_permissions(&ours, std::fs::Permissions::from_mode(0o644))?;
        let moodles = suite.kit.php_source(
            include_str!("framework_round_trip.php"),
            &[format!("--csv={}", ours.display())],
        )?;
        let stored = suite
            .db
            .value(&format!(
                "SELECT COUNT(*)::text AS a, NULL AS b, NULL AS c FROM mdl_competency c \
                 JOIN mdl_competency_framework f ON f.id = c.competencyframeworkid \
                 WHERE f.idnumber = '{key}'"
            ))
            .await?
            .context("count")?;
        ensure!(
            stored == competencies.to_string(),
            "Moodle holds {stored} competencies of {key}, not {competencies}"
        );
        let theirs = dir.join(format!("{key}-from-moodle.csv"));
        std::fs::write(&theirs, &moodles)?;
        let report = suite.tool.cli(&[
            "framework",
            "import",
            theirs.to_str().context("path")?,
            "--format",
            "moodle-csv",
        ])?;
        ensure!(
            report.contains(&format!("Imported {key} (")) && report.contains("nothing changed"),
            "Moodle's export of {key} changed the framework: {report}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
