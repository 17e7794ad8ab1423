//! Carefolio against a real Moodle 4.5: a build of the server, the
//! Moodle kit's Moodle, and headless Chromium clicking through Moodle's own
//! pages where a person would. Run by `scripts/test.sh` (which finds the
//! kit and builds the binary); on its own:
//!
//! ```sh
//! MOODLE_KIT=<kit folder> CAREFOLIO_BIN=<carefolio binary> \
//!   cargo test -p carefolio-tests --test moodle
//! ```
//!
//! The cases share one Moodle and run one after another; each makes its own
//! activities, so runs against the same Moodle do not disturb each other.

#![allow(clippy::unwrap_used)]

mod carefolio;
mod cases;
mod moodle;

use std::time::Instant;

use carefolio::Carefolio;
use moodle::{Kit, MoodleDb, PlatformValues};

/// What every case can use.
pub struct Suite {
    pub kit: Kit,
    pub moodle: PlatformValues,
    pub db: MoodleDb,
    pub tool: Carefolio,
    pub xapi: (String, String),
    /// Distinguishes this run's activities from earlier runs' in the same Moodle.
    pub run: String,
    /// The activities the Select content case made, for the cases after it.
    pub picked: std::sync::OnceLock<cases::PickedActivities>,
    /// What Moodle held before this run, to remove what the run added.
    first_new_cm: i64,
    first_new_type: i64,
}

type Case = for<'a> fn(
    &'a Suite,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = anyhow::Result<()>> + 'a>,
>;

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        vec![$((stringify!($name), (|suite| Box::pin(cases::$name(suite))) as Case)),*]
    };
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let suite = match prepare().await {
        Ok(suite) => suite,
        Err(error) => {
            eprintln!("The Moodle suite could not start: {error:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let all = cases![
        a_learner_launch_in_moodles_frame_shows_the_widget_records_the_statement_and_grades,
        select_content_creates_the_picked_activities_and_their_launches_carry_them,
        an_activity_picked_without_graded_gets_no_score,
        a_tool_level_competences_parameter_is_shown_to_the_teacher_and_the_pick_counts,
        the_teachers_widget_lists_moodles_learners,
        a_replayed_moodle_id_token_is_refused,
        a_score_waiting_while_moodle_is_down_lands_once_when_it_is_back,
        a_grade_is_delivered_after_carefolio_rotates_its_keys,
        a_claim_the_teacher_accepts_becomes_moodles_grade,
        dynamic_registration_from_moodles_administration_to_a_non_default_port,
        over_http_from_another_site_the_frame_explains_instead_of_offering_a_window,
        a_framework_exported_for_moodle_imports_there_and_comes_back_unchanged,
    ];
    let started = Instant::now();
    let (mut passed, mut failed) = (0, 0);
    println!("\nrunning {} Moodle tests", all.len());
    for (name, case) in all {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let case_started = Instant::now();
        match case(&suite).await {
            Ok(()) => {
                passed += 1;
                println!(
                    "test moodle::{name} ... ok ({:.1} s)",
                    case_started.elapsed().as_secs_f64()
                );
            }
            Err(error) => {
                failed += 1;
                println!("test moodle::{name} ... FAILED\n{error:#}\n");
            }
        }
    }
    // Leave the shared Moodle as it was (MOODLE_SUITE_KEEP keeps it all to look at).
    if std::env::var_os("MOODLE_SUITE_KEEP").is_none() {
        let removed = suite.kit.php_source(
            include_str!("remove_activities.php"),
            &[
                format!("--after-cm={}", suite.first_new_cm),
                format!("--after-type={}", suite.first_new_type),
                format!("--keep-type={}", cases::LOCALHOST_TOOL),
            ],
        );
        match removed {
            Ok(said) => print!("Moodle: {said}"),
            Err(e) => println!("Moodle: removing this run's activities failed: {e:#}"),
        }
    }
    if failed > 0 {
        println!(
            "Carefolio's log of this run:\n{}",
            tail(&suite.tool.log_text(), 60)
        );
    }
    println!(
        "\ntest result: {}. {passed} passed; {failed} failed; 0 ignored; 0 measured; 0 filtered out; finished in {:.2}s\n",
        if failed == 0 { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    if failed == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

async fn prepare() -> anyhow::Result<Suite> {
    let kit = Kit::from_env()?;
    let mut tool = Carefolio::new("127.0.0.1")?;
    println!(
        "Moodle suite: Carefolio {} on {}, Moodle runtime {}",
        tool.binary.display(),
        tool.base,
        kit.root.display()
    );
    let moodle = kit.set_up(&tool.base)?;
    tool.register("Moodle 4.5", &moodle)?;
    let xapi = tool.xapi_credentials()?;
    tool.start().await?;
    let db = MoodleDb::connect().await?;
    Ok(Suite {
        kit,
        moodle,
        first_new_cm: db.max_id("mdl_course_modules").await?.max(1),
        first_new_type: db.max_id("mdl_lti_types").await?.max(1),
        db,
        tool,
        xapi,
        run: uuid::Uuid::new_v4().simple().to_string()[..8].to_owned(),
        picked: std::sync::OnceLock::new(),
    })
}
