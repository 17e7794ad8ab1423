//! A small W3C WebDriver client (chromedriver + Debian's chromium), enough
//! for the browser tests: open a page, run a script, wait for a condition.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    profile: std::path::PathBuf,
}

#[derive(Debug)]
pub struct BrowserError(pub String);

impl std::error::Error for BrowserError {}

impl std::fmt::Display for BrowserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(9515)
}

pub fn chromium_binary() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session; `extra_args` are
    /// added to Chromium's command line.
    pub async fn start(extra_args: &[&str]) -> Result<Browser, BrowserError> {
        Self::start_with_prefs(extra_args, json!({})).await
    }

    /// Starts a browser that refuses third-party cookies, as Safari and
    /// Firefox do by default and Chrome does where users or policy say so.
    pub async fn start_blocking_third_party_cookies() -> Result<Browser, BrowserError> {
        Self::start_with_prefs(
            &[],
            json!({ "profile.block_third_party_cookies": true, "profile.cookie_controls_mode": 1 }),
        )
        .await
    }

    /// Starts a browser with these Chromium preferences.
    pub async fn start_with_prefs(
        extra_args: &[&str],
        prefs: Value,
    ) -> Result<Browser, BrowserError> {
        let port = free_port();
        let driver = Command::new(
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_owned()),
        )
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            BrowserError(format!(
                "cannot start chromedriver ({e}); run scripts/setup.sh to install chromium-driver"
            ))
        })?;
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = http.get(format!("{base}/status")).send().await;
            if let Ok(response) = ready {
                let status: Value = response.json().await.unwrap_or_default();
                if status["value"]["ready"] == true {
                    break;
                }
            }
            if Instant::now() > deadline {
                return Err(BrowserError("chromedriver did not become ready".into()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = std::env::temp_dir().join(format!(
            "carefolio-chromium-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            format!("--user-data-dir={}", profile.display()),
        ];
        args.extend(extra_args.iter().map(|a| (*a).to_owned()));
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium_binary(), "args": args, "prefs": prefs }
        }}});
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
            http,
            profile,
        };
        let created = browser.call("POST", "/session", capabilities).await?;
        browser.session = created["sessionId"]
            .as_str()
            .ok_or_else(|| BrowserError(format!("no session: {created}")))?
            .to_owned();
        Ok(browser)
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Result<Value, BrowserError> {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body),
        };
        let response = request
            .send()
            .await
            .map_err(|e| BrowserError(e.to_string()))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|e| BrowserError(e.to_string()))?;
        if !status.is_success() {
            return Err(BrowserError(format!(
                "WebDriver {method} {path}: {status} {}",
                body["value"]
            )));
        }
        Ok(body["value"].clone())
    }

    pub async fn goto(&self, url: &str) -> Result<(), BrowserError> {
        self.call(
            "POST",
            &format!("/session/{}/url", self.session),
            json!({ "url": url }),
        )
        .await?;
        Ok(())
    }

    /// Runs the next commands in the page's `index`th frame.
    pub async fn enter_frame(&self, index: u32) -> Result<(), BrowserError> {
        self.call(
            "POST",
            &format!("/session/{}/frame", self.session),
            json!({ "id": index }),
        )
        .await?;
        Ok(())
    }

    /// The WebDriver reference of the first element matching `css`.
    pub async fn find(&self, css: &str) -> Result<Value, BrowserError> {
        let found = self
            .call(
                "POST",
                &format!("/session/{}/element", self.session),
                json!({ "using": "css selector", "value": css }),
            )
            .await?;
        Ok(found)
    }

    /// Clicks the first element matching `css`, as a person would (the
    /// browser scrolls to it and fires real pointer events).
    pub async fn click(&self, css: &str) -> Result<(), BrowserError> {
        self.on_fresh_element(css, |id| async move {
            self.call(
                "POST",
                &format!("/session/{}/element/{id}/click", self.session),
                json!({}),
            )
            .await
            .map(drop)
        })
        .await
        .map_err(|e| {
            BrowserError(format!(
                "clicking {css}: {}",
                e.0.lines().next().unwrap_or("")
            ))
        })
    }

    /// Types `text` into the first element matching `css`, after clearing it.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<(), BrowserError> {
        self.on_fresh_element(css, |id| async move {
            self.call(
                "POST",
                &format!("/session/{}/element/{id}/clear", self.session),
                json!({}),
            )
            .await?;
            self.call(
                "POST",
                &format!("/session/{}/element/{id}/value", self.session),
                json!({ "text": text }),
            )
            .await
            .map(drop)
        })
        .await
    }

    /// Runs `action` on the first element matching `css`. A page that
    /// renders again replaces its elements; an element replaced between
    /// finding it and acting on it is found again (a few times at most).
    async fn on_fresh_element<'a, F, Fut>(
        &'a self,
        css: &str,
        action: F,
    ) -> Result<(), BrowserError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<(), BrowserError>> + 'a,
    {
        let mut attempts = 0;
        loop {
            let element = self.find(css).await?;
            let id = element_id(&element)?;
            match action(id).await {
                Err(e) if e.0.contains("stale element reference") && attempts < 5 => {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                other => return other,
            }
        }
    }

    /// Sends `text` (keys; `\u{E007}` is Enter, `\u{E004}` Tab) to the first
    /// element matching `css`, as typing does; for a file input, a path
    /// chooses that file.
    pub async fn send_keys(&self, css: &str, text: &str) -> Result<(), BrowserError> {
        let element = self.find(css).await?;
        let id = element_id(&element)?;
        self.call(
            "POST",
            &format!("/session/{}/element/{id}/value", self.session),
            json!({ "text": text }),
        )
        .await?;
        Ok(())
    }

    /// Presses keys where the focus is, as a keyboard user does.
    pub async fn press(&self, keys: &str) -> Result<(), BrowserError> {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|key| {
                [
                    json!({ "type": "keyDown", "value": key.to_string() }),
                    json!({ "type": "keyUp", "value": key.to_string() }),
                ]
            })
            .collect();
        self.call(
            "POST",
            &format!("/session/{}/actions", self.session),
            json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }),
        )
        .await?;
        Ok(())
    }

    /// Runs axe-core (from `axe_source`) on the current page for WCAG 2.0,
    /// 2.1 and 2.2 level A and AA rules; the violations, one line each.
    pub async fn axe_violations(&self, axe_source: &str) -> Result<Vec<String>, BrowserError> {
        self.eval(&format!(
            "if (!window.axe) {{ {axe_source}\n }} window.__axeResult = null; \
             axe.run(document, {{ runOnly: {{ type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }} }}) \
               .then(r => {{ window.__axeResult = r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', ')); }}) \
               .catch(e => {{ window.__axeResult = ['axe failed: ' + e]; }});"
        ))
        .await?;
        // An empty list (no violation) is truthy here: only null waits.
        let value = self
            .wait_for("return window.__axeResult", Duration::from_secs(30))
            .await?;
        Ok(value
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Runs the next commands inside the frame element matching `css`.
    pub async fn enter_frame_of(&self, css: &str) -> Result<(), BrowserError> {
        let element = self.find(css).await?;
        self.call(
            "POST",
            &format!("/session/{}/frame", self.session),
            json!({ "id": element }),
        )
        .await?;
        Ok(())
    }

    /// Saves a PNG of the current viewport.
    pub async fn screenshot(&self, path: &std::path::Path) -> Result<(), BrowserError> {
        use base64::Engine;
        let encoded = self
            .call(
                "GET",
                &format!("/session/{}/screenshot", self.session),
                json!({}),
            )
            .await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .map_err(|e| BrowserError(format!("screenshot: {e}")))?;
        std::fs::write(path, png).map_err(|e| BrowserError(format!("screenshot: {e}")))
    }

    /// Resizes the window (a phone is about 390 × 844).
    pub async fn resize(&self, width: u32, height: u32) -> Result<(), BrowserError> {
        self.call(
            "POST",
            &format!("/session/{}/window/rect", self.session),
            json!({ "width": width, "height": height }),
        )
        .await?;
        Ok(())
    }

    /// Runs the next commands in the top-level page again.
    pub async fn leave_frames(&self) -> Result<(), BrowserError> {
        self.call(
            "POST",
            &format!("/session/{}/frame", self.session),
            json!({ "id": null }),
        )
        .await?;
        Ok(())
    }

    /// Runs `script` in the page (`return …` gives a value back).
    pub async fn eval(&self, script: &str) -> Result<Value, BrowserError> {
        self.call(
            "POST",
            &format!("/session/{}/execute/sync", self.session),
            json!({ "script": script, "args": [] }),
        )
        .await
    }

    /// Polls `script` until it returns something truthy, or fails after `timeout`.
    pub async fn wait_for(&self, script: &str, timeout: Duration) -> Result<Value, BrowserError> {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.eval(script).await?;
            let truthy = !(value.is_null() || value == false || value == "" || value == 0);
            if truthy {
                return Ok(value);
            }
            if Instant::now() > deadline {
                let page = self
                    .eval("return document.documentElement.outerHTML")
                    .await
                    .unwrap_or_default();
                return Err(BrowserError(format!(
                    "timed out waiting for `{script}`; the page is:\n{page}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn quit(mut self) {
        let _ = self
            .call("DELETE", &format!("/session/{}", self.session), json!({}))
            .await;
        self.session.clear();
    }
}

fn element_id(element: &Value) -> Result<String, BrowserError> {
    element
        .as_object()
        .and_then(|o| o.values().next())
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| BrowserError(format!("not an element: {element}")))
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
