//! The Moodle side of the suite: the kit that installs and stops it, its
//! platform values, its database, its PHP scripts, and a browser-less
//! session that follows Moodle's launch forms the way a browser does.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, FromQueryResult, Statement};
use serde::Deserialize;

/// Where the Moodle kit is (`setup.sh`, `add_activity.php`) and where it runs.
pub struct Kit {
    pub dir: PathBuf,
    pub root: PathBuf,
    /// The Carefolio the kit's tool type points at, once set up.
    tool_base: std::sync::OnceLock<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PlatformValues {
    pub issuer: String,
    pub client_id: String,
    pub deployment_id: String,
    pub auth_url: String,
    pub token_url: String,
    pub jwks_url: String,
    pub typeid: i64,
    pub courseid: i64,
}

impl Kit {
    pub fn from_env() -> anyhow::Result<Kit> {
        let dir = PathBuf::from(
            std::env::var("MOODLE_KIT").context("MOODLE_KIT must name the Moodle kit's folder")?,
        );
        ensure!(
            dir.join("setup.sh").exists(),
            "no setup.sh in MOODLE_KIT={}",
            dir.display()
        );
        let root = match std::env::var("MOODLE_ROOT") {
            Ok(root) => PathBuf::from(root),
            Err(_) => {
                let status = run(Command::new(dir.join("setup.sh")).arg("--status"))?;
                let line = status
                    .lines()
                    .find(|l| l.starts_with("runtime folder"))
                    .context("setup.sh --status names no runtime folder")?;
                PathBuf::from(line.split_once(':').map_or("", |(_, v)| v).trim())
            }
        };
        Ok(Kit {
            dir,
            root,
            tool_base: std::sync::OnceLock::new(),
        })
    }

    /// Installs or starts Moodle as needed and points its Carefolio tool at `tool_base`.
    pub fn set_up(&self, tool_base: &str) -> anyhow::Result<PlatformValues> {
        let _ = self.tool_base.set(tool_base.to_owned());
        run(Command::new(self.dir.join("setup.sh"))
            .args(["--tool-base", tool_base])
            .env("MOODLE_ROOT", &self.root))?;
        self.platform_values()
    }

    pub fn platform_values(&self) -> anyhow::Result<PlatformValues> {
        let text = std::fs::read_to_string(self.root.join("platform.json"))?;
        Ok(serde_json::from_str(&text)?)
    }

    pub fn stop(&self) -> anyhow::Result<()> {
        run(Command::new(self.dir.join("setup.sh"))
            .arg("--stop")
            .env("MOODLE_ROOT", &self.root))
        .map(drop)
    }

    /// Starts Moodle again after [`Kit::stop`], its tool still pointing at this suite's Carefolio.
    pub fn start(&self) -> anyhow::Result<()> {
        let mut command = Command::new(self.dir.join("setup.sh"));
        if let Some(base) = self.tool_base.get() {
            command.args(["--tool-base", base]);
        }
        run(command.env("MOODLE_ROOT", &self.root)).map(drop)
    }

    /// Runs one of the kit's PHP scripts as the web server's user, as Moodle requires.
    pub fn php(&self, script: &str, args: &[String]) -> anyhow::Result<String> {
        let path = self.root.join(script);
        let path = if path.exists() {
            path
        } else {
            self.dir.join(script)
        };
        let mut command = Command::new("runuser");
        command
            .args(["-u", "www-data", "--", "php8.2"])
            .arg(&path)
            .args(args)
            .env("MOODLE_DIR", self.root.join("moodle"));
        run(&mut command)
    }

    /// Runs PHP `source` (a script of this suite) as the web server's user.
    pub fn php_source(&self, source: &str, args: &[String]) -> anyhow::Result<String> {
        use std::io::Write;
        let mut child = Command::new("runuser")
            .args(["-u", "www-data", "--", "php8.2", "--"])
            .args(args)
            .env("MOODLE_DIR", self.root.join("moodle"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()?;
        child
            .stdin
            .take()
            .context("no stdin")?
            .write_all(source.as_bytes())?;
        let output = child.wait_with_output()?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        ensure!(
            output.status.success(),
            "PHP failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(stdout)
    }

    /// Adds an External tool activity to the course; returns its cmid.
    pub fn add_activity(
        &self,
        typeid: i64,
        name: &str,
        custom: &str,
        grade: u32,
    ) -> anyhow::Result<i64> {
        let out = self.php(
            "add_activity.php",
            &[
                format!("--typeid={typeid}"),
                format!("--name={name}"),
                format!("--custom={custom}"),
                format!("--grade={grade}"),
            ],
        )?;
        out.trim()
            .lines()
            .last()
            .unwrap_or_default()
            .parse()
            .with_context(|| format!("add_activity.php printed {out:?}"))
    }
}

fn run(command: &mut Command) -> anyhow::Result<String> {
    let output = command
        .output()
        .with_context(|| format!("cannot run {command:?}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "{command:?} failed ({}):\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(stdout)
}

/// Moodle's own database, read to check what Moodle stored.
pub struct MoodleDb(DatabaseConnection);

#[derive(Debug, FromQueryResult)]
pub struct Row {
    pub a: Option<String>,
    pub b: Option<String>,
    pub c: Option<String>,
}

impl MoodleDb {
    pub async fn connect() -> anyhow::Result<MoodleDb> {
        let url = std::env::var("MOODLE_DB_URL")
            .unwrap_or_else(|_| "postgres://moodle:moodlepass@127.0.0.1:5432/moodle".to_owned());
        Ok(MoodleDb(Database::connect(url).await?))
    }

    /// Rows of up to three text columns named `a`, `b`, `c`.
    pub async fn rows(&self, sql: &str) -> anyhow::Result<Vec<Row>> {
        Ok(
            Row::find_by_statement(Statement::from_string(self.0.get_database_backend(), sql))
                .all(&self.0)
                .await?,
        )
    }

    /// The first column of the first row, if any.
    pub async fn value(&self, sql: &str) -> anyhow::Result<Option<String>> {
        Ok(self.rows(sql).await?.into_iter().next().and_then(|r| r.a))
    }

    pub async fn execute(&self, sql: &str) -> anyhow::Result<()> {
        self.0.execute_unprepared(sql).await?;
        Ok(())
    }

    /// The learner's raw grade in the grade column of the activity `cmid`.
    pub async fn raw_grade(&self, cmid: i64, userid: i64) -> anyhow::Result<Option<f64>> {
        let sql = format!(
            "SELECT gg.rawgrade::text AS a, NULL AS b, NULL AS c \
             FROM mdl_course_modules cm \
             JOIN mdl_modules m ON m.id = cm.module AND m.name = 'lti' \
             JOIN mdl_grade_items gi ON gi.itemmodule = 'lti' AND gi.iteminstance = cm.instance \
             JOIN mdl_grade_grades gg ON gg.itemid = gi.id AND gg.userid = {userid} \
             WHERE cm.id = {cmid} AND gg.rawgrade IS NOT NULL"
        );
        Ok(self.value(&sql).await?.and_then(|v| v.parse().ok()))
    }

    /// Waits for the learner's raw grade on `cmid`, for at most `timeout`.
    pub async fn wait_for_grade(
        &self,
        cmid: i64,
        userid: i64,
        timeout: Duration,
    ) -> anyhow::Result<f64> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(grade) = self.raw_grade(cmid, userid).await? {
                return Ok(grade);
            }
            ensure!(
                Instant::now() < deadline,
                "no grade for user {userid} on cmid {cmid} within {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The largest id in `table` (`mdl_course_modules`, `mdl_lti_types`).
    pub async fn max_id(&self, table: &str) -> anyhow::Result<i64> {
        Ok(self
            .value(&format!(
                "SELECT COALESCE(MAX(id), 0)::text AS a, NULL AS b, NULL AS c FROM {table}"
            ))
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// The External tool activities' custom parameters, by cmid.
    pub async fn custom_parameters(&self, cmid: i64) -> anyhow::Result<String> {
        let sql = format!(
            "SELECT l.instructorcustomparameters AS a, NULL AS b, NULL AS c FROM mdl_course_modules cm \
             JOIN mdl_lti l ON l.id = cm.instance \
             JOIN mdl_modules m ON m.id = cm.module AND m.name = 'lti' WHERE cm.id = {cmid}"
        );
        Ok(self.value(&sql).await?.unwrap_or_default())
    }

    /// The course modules of External tool activities named `name`, newest last.
    pub async fn cmids_named(&self, courseid: i64, name: &str) -> anyhow::Result<Vec<i64>> {
        let sql = format!(
            "SELECT cm.id::text AS a, NULL AS b, NULL AS c FROM mdl_course_modules cm \
             JOIN mdl_lti l ON l.id = cm.instance \
             JOIN mdl_modules m ON m.id = cm.module AND m.name = 'lti' \
             WHERE cm.course = {courseid} AND l.name = '{}' AND cm.deletioninprogress = 0 ORDER BY cm.id",
            name.replace('\'', "''")
        );
        Ok(self
            .rows(&sql)
            .await?
            .into_iter()
            .filter_map(|r| r.a.and_then(|v| v.parse().ok()))
            .collect())
    }
}

/// A signed-in Moodle user without a browser: follows redirects and the
/// forms Moodle's pages submit by script, as a browser would.
pub struct MoodleSession {
    pub http: reqwest::Client,
    pub moodle: String,
}

/// An HTML form as a browser would submit it.
#[derive(Debug, Clone)]
pub struct Form {
    pub action: String,
    pub fields: Vec<(String, String)>,
}

impl Form {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl MoodleSession {
    pub async fn log_in(moodle: &str, user: &str, password: &str) -> anyhow::Result<MoodleSession> {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let session = MoodleSession {
            http,
            moodle: moodle.to_owned(),
        };
        let page = session
            .get_following(&format!("{moodle}/login/index.php"))
            .await?;
        let form = forms(&page.1)
            .into_iter()
            .find(|f| f.action.contains("login/index.php"))
            .context("no login form")?;
        let mut fields: Vec<(String, String)> = form
            .fields
            .into_iter()
            .filter(|(n, _)| n != "username" && n != "password")
            .collect();
        fields.push(("username".into(), user.into()));
        fields.push(("password".into(), password.into()));
        let (_, body) = session.post_following(&form.action, &fields).await?;
        ensure!(
            body.contains("login/logout.php"),
            "Moodle did not log {user} in"
        );
        Ok(session)
    }

    /// GETs `url`, following redirects; returns the final URL and body.
    pub async fn get_following(&self, url: &str) -> anyhow::Result<(String, String)> {
        self.follow(self.http.get(url), url).await
    }

    pub async fn post_following(
        &self,
        url: &str,
        fields: &[(String, String)],
    ) -> anyhow::Result<(String, String)> {
        self.follow(self.http.post(url).form(fields), url).await
    }

    async fn follow(
        &self,
        first: reqwest::RequestBuilder,
        url: &str,
    ) -> anyhow::Result<(String, String)> {
        let mut response = first.send().await?;
        let mut current = url::Url::parse(url)?;
        for _ in 0..10 {
            if !response.status().is_redirection() {
                break;
            }
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .context("redirect without Location")?;
            current = current.join(location)?;
            response = self.http.get(current.clone()).send().await?;
        }
        Ok((current.to_string(), response.text().await?))
    }

    /// Opens the activity as Moodle's launch frame does, up to the
    /// `form_post` Moodle's browser would send to the tool, which is
    /// returned unsent.
    pub async fn launch_form(&self, cmid: i64) -> anyhow::Result<Form> {
        let (_, page) = self
            .get_following(&format!("{}/mod/lti/launch.php?id={cmid}", self.moodle))
            .await?;
        let login = forms(&page)
            .into_iter()
            .next()
            .context("Moodle's launch page has no login initiation form")?;
        let (url, page) = self.post_following(&login.action, &login.fields).await?;
        forms(&page)
            .into_iter()
            .find(|f| f.field("id_token").is_some())
            .with_context(|| format!("no id_token form at {url}: {page}"))
    }

    /// Sends a `form_post` to the tool; returns the status, error code and page.
    pub async fn post_launch(&self, form: &Form) -> anyhow::Result<(u16, Option<String>, String)> {
        let response = self
            .http
            .post(&form.action)
            .form(&form.fields)
            .send()
            .await?;
        let status = response.status().as_u16();
        let code = response
            .headers()
            .get("x-carefolio-error")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok((status, code, response.text().await?))
    }
}

/// The forms of a page with their fields (inputs with a name; submit
/// buttons left out), enough for Moodle's and Carefolio's own pages.
pub fn forms(html: &str) -> Vec<Form> {
    let mut found = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut rest = 0;
    while let Some(start) = lower[rest..].find("<form").map(|i| i + rest) {
        let end = lower[start..]
            .find("</form")
            .map_or(html.len(), |i| i + start);
        let tag_end = lower[start..].find('>').map_or(end, |i| i + start);
        let form_attributes = attributes(&html[start..tag_end]);
        let mut fields = Vec::new();
        let body = &html[tag_end..end];
        let body_lower = &lower[tag_end..end];
        let mut at = 0;
        while let Some(input) = body_lower[at..].find("<input").map(|i| i + at) {
            let close = body_lower[input..]
                .find('>')
                .map_or(body.len(), |i| i + input);
            let input_attributes = attributes(&body[input..close]);
            let get = |name: &str| {
                input_attributes
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
            };
            let kind = get("type").unwrap_or_default().to_ascii_lowercase();
            let checked = input_attributes.iter().any(|(n, _)| n == "checked");
            if let Some(name) = get("name") {
                let submitted = match kind.as_str() {
                    "submit" | "button" | "image" | "file" => false,
                    "checkbox" | "radio" => checked,
                    _ => true,
                };
                if submitted {
                    fields.push((name, get("value").unwrap_or_default()));
                }
            }
            at = close;
        }
        let action = form_attributes
            .iter()
            .find(|(n, _)| n == "action")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        found.push(Form { action, fields });
        rest = end.min(html.len());
        if rest >= html.len() {
            break;
        }
        rest += 1;
    }
    found
}

/// `name="value"` pairs of one tag, entities decoded.
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let bytes = tag.as_bytes();
    let mut i = tag.find(char::is_whitespace).unwrap_or(tag.len());
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        let name_start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && bytes[i] != b'='
            && bytes[i] != b'>'
        {
            i += 1;
        }
        let name = tag[name_start..i].to_ascii_lowercase();
        if name.is_empty() {
            i += 1;
            continue;
        }
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            let quote = bytes.get(i).copied();
            if quote == Some(b'"') || quote == Some(b'\'') {
                let close = tag[i + 1..]
                    .find(quote.map(char::from).unwrap_or('"'))
                    .map_or(tag.len(), |j| j + i + 1);
                value = tag[i + 1..close].to_owned();
                i = close + 1;
            } else {
                let value_start = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                    i += 1;
                }
                value = tag[value_start..i].to_owned();
            }
        }
        pairs.push((name, decode_entities(&value)));
    }
    pairs
}

fn decode_entities(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#039;", "'")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x2F;", "/")
        .replace("&#x3D;", "=")
        .replace("&amp;", "&")
}

/// Where screenshots of the views go.
pub fn screenshot_dir() -> PathBuf {
    let dir = std::env::var("MOODLE_SCREENSHOTS").map_or_else(
        |_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/moodle-screenshots"),
        PathBuf::from,
    );
    let _ = std::fs::create_dir_all(&dir);
    dir
}
