//! The web console in a real browser: headless Chromium driven through the
//! W3C WebDriver protocol (Debian's `chromium` and `chromium-driver`).
//!
//! Starts `kexin serve` on a fresh data directory and chromedriver on free
//! ports, then walks the console as a first-time platform administrator:
//! wrong password, one-time-password login, forced password change,
//! dashboard contents, data created through the API, Chinese texts, a
//! screenshot and logout. The screenshots land in `CARGO_TARGET_TMPDIR`
//! (`console.png`, Chinese dashboard; `console-en.png`, English), next to
//! the server and chromedriver logs (`browser-*.log`).
//!
//! The WebDriver client is the handful of endpoints below, over reqwest.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// Upper bound of every wait.
const WAIT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(100);
/// The key of a web element reference in WebDriver responses.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const NEW_PASSWORD: &str = "Harbour-lights-2031";

/// A child process that is stopped (SIGTERM, then SIGKILL) when dropped, so a
/// failing test leaves nothing behind.
struct ProcessGuard {
    child: Child,
    /// The WebDriver session to end first (chromedriver only): Chromium is
    /// chromedriver's child and would outlive it otherwise.
    session: Option<(u16, String)>,
}

impl ProcessGuard {
    fn new(child: Child) -> Self {
        ProcessGuard {
            child,
            session: None,
        }
    }
}

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        if let Some((port, id)) = self.session.take() {
            delete_session_blocking(port, &id);
        }
        let pid = self.child.id().to_string();
        let _ = Command::new("kill")
            .args(["-TERM", &pid])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `DELETE /session/{id}` from `Drop`: on a thread of its own, which may
/// block on a small runtime of its own.
fn delete_session_blocking(port: u16, id: &str) {
    let url = format!("http://127.0.0.1:{port}/session/{id}");
    let ended = std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let http = reqwest::Client::new();
            let _ = http
                .delete(&url)
                .timeout(Duration::from_secs(15))
                .send()
                .await;
        });
    });
    let _ = ended.join();
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

fn log_file(name: &str) -> (PathBuf, File) {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let file = File::create(&path).expect("create log file");
    (path, file)
}

/// Polls `check` every [`POLL`] until it returns `Some`, at most [`WAIT`].
async fn wait_until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(POLL).await;
    }
}

/// A WebDriver session.
struct WebDriver {
    http: reqwest::Client,
    /// `http://127.0.0.1:<port>`
    base: String,
    session: String,
}

impl WebDriver {
    /// Sends a command; `Err((error code, message))` on a WebDriver error.
    async fn call(
        http: &reqwest::Client,
        method: Method,
        url: &str,
        body: Option<Value>,
    ) -> Result<Value, (String, String)> {
        let mut req = http.request(method.clone(), url);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {url}: {e}"));
        let status = resp.status();
        let v: Value = resp
            .json()
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {url}: response is not JSON: {e}"));
        let value = v.get("value").cloned().unwrap_or(Value::Null);
        if status.is_success() {
            Ok(value)
        } else {
            let field = |k: &str| value[k].as_str().unwrap_or_default().to_string();
            Err((field("error"), field("message")))
        }
    }

    async fn start(http: reqwest::Client, base: String, user_data_dir: &Path) -> WebDriver {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-quic",
                    format!("--user-data-dir={}", user_data_dir.display()),
                    "--window-size=1280,900",
                ],
            },
        }}});
        let url = format!("{base}/session");
        let v = Self::call(&http, Method::POST, &url, Some(caps))
            .await
            .unwrap_or_else(|e| panic!("new WebDriver session: {e:?}"));
        let session = v["sessionId"]
            .as_str()
            .expect("sessionId in the new-session response")
            .to_string();
        WebDriver {
            http,
            base,
            session,
        }
    }

    /// A command of this session; panics on a WebDriver error.
    async fn cmd(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        self.try_cmd(method.clone(), path, body)
            .await
            .unwrap_or_else(|(code, msg)| panic!("WebDriver {method} {path}: {code}: {msg}"))
    }

    async fn try_cmd(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, (String, String)> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        Self::call(&self.http, method, &url, body).await
    }

    async fn goto(&self, url: &str) {
        self.cmd(Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    async fn url(&self) -> String {
        let v = self.cmd(Method::GET, "/url", None).await;
        v.as_str().expect("url is a string").to_string()
    }

    async fn find(&self, css: &str) -> Option<String> {
        let body = json!({"using": "css selector", "value": css});
        match self.try_cmd(Method::POST, "/element", Some(body)).await {
            Ok(v) => Some(
                v[ELEMENT]
                    .as_str()
                    .unwrap_or_else(|| panic!("element reference in {v}"))
                    .to_string(),
            ),
            Err((code, _)) if code == "no such element" => None,
            Err((code, msg)) => panic!("find {css}: {code}: {msg}"),
        }
    }

    /// Waits until `css` matches an element; returns its reference.
    async fn element(&self, css: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(id) = self.find(css).await {
                return id;
            }
            if Instant::now() >= deadline {
                let url = self.url().await;
                let source = self.cmd(Method::GET, "/source", None).await;
                panic!(
                    "no element {css} on {url}; page:\n{}",
                    source.as_str().unwrap_or_default()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The rendered text of `css` (found again if the page changed under it).
    async fn text(&self, css: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let id = self.element(css).await;
            let path = format!("/element/{id}/text");
            match self.try_cmd(Method::GET, &path, None).await {
                Ok(v) => return v.as_str().unwrap_or_default().to_string(),
                Err((code, _))
                    if code == "stale element reference" && Instant::now() < deadline =>
                {
                    tokio::time::sleep(POLL).await;
                }
                Err((code, msg)) => panic!("text of {css}: {code}: {msg}"),
            }
        }
    }

    async fn property(&self, css: &str, name: &str) -> Value {
        let id = self.element(css).await;
        self.cmd(Method::GET, &format!("/element/{id}/property/{name}"), None)
            .await
    }

    async fn fill(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.cmd(
            Method::POST,
            &format!("/element/{id}/clear"),
            Some(json!({})),
        )
        .await;
        self.cmd(
            Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let id = self.element(css).await;
        self.cmd(
            Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Waits until the current URL satisfies `ok`; returns it.
    async fn wait_url(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        wait_until(&format!("the browser to reach {what}"), || async {
            let url = self.url().await;
            ok(&url).then_some(url)
        })
        .await
    }

    async fn cookie(&self, name: &str) -> Option<String> {
        match self
            .try_cmd(Method::GET, &format!("/cookie/{name}"), None)
            .await
        {
            Ok(v) => v["value"].as_str().map(str::to_string),
            Err((code, _)) if code == "no such cookie" => None,
            Err((code, msg)) => panic!("cookie {name}: {code}: {msg}"),
        }
    }

    async fn screenshot(&self) -> Vec<u8> {
        let v = self.cmd(Method::GET, "/screenshot", None).await;
        base64_decode(v.as_str().expect("screenshot is base64 text"))
    }

    async fn quit(&self) {
        let url = format!("{}/session/{}", self.base, self.session);
        if let Err(e) = Self::call(&self.http, Method::DELETE, &url, None).await {
            panic!("ending the WebDriver session: {e:?}");
        }
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\r' | b'\n' => continue,
            _ => panic!("not base64: {c:#x}"),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn check_png(png: &[u8], name: &str) -> PathBuf {
    const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    assert!(png.starts_with(&SIGNATURE), "{name} is not a PNG");
    assert!(png.len() > 10 * 1024, "{name} is only {} bytes", png.len());
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, png).expect("write screenshot");
    path
}

/// Starts `kexin serve` on a fresh data directory; returns the guard and
/// the initialisation object it printed.
fn start_server(data: &Path) -> (ProcessGuard, Value) {
    let (log_path, log) = log_file("browser-server.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kexin"))
        .arg("--data")
        .arg(data)
        .args(["--format", "json", "serve", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("start kexin serve");
    let stdout = child.stdout.take().expect("piped stdout");
    let guard = ProcessGuard::new(child);
    // Read on a thread so a silent server cannot hang the test; the thread
    // keeps draining stdout afterwards.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let mut sent = false;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if sent {
                continue;
            }
            text.push_str(&line);
            text.push('\n');
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                sent = true;
                let _ = tx.send(v);
            }
        }
    });
    let init = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| {
            panic!(
                "kexin serve printed no initialisation JSON; see {}",
                log_path.display()
            )
        });
    (guard, init)
}

/// Fails (never skips) when the browser is not installed.
fn require_browser() {
    for program in [CHROMEDRIVER, CHROMIUM] {
        assert!(
            Path::new(program).exists(),
            "{program} is missing: this test needs Chromium and its WebDriver \
             (`apt-get install chromium chromium-driver`; CI installs them)"
        );
    }
}

/// Starts chromedriver on a free port and waits until it is ready.
async fn start_chromedriver(http: &reqwest::Client) -> (ProcessGuard, String) {
    let port = free_port();
    let (log_path, _) = log_file("browser-chromedriver.log");
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .arg(format!("--log-path={}", log_path.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let guard = ProcessGuard::new(child);
    let base = format!("http://127.0.0.1:{port}");
    let status = format!("{base}/status");
    wait_until("chromedriver to be ready", || async {
        let v: Value = http.get(&status).send().await.ok()?.json().await.ok()?;
        v["value"]["ready"].as_bool().filter(|r| *r)
    })
    .await;
    (guard, base)
}

/// Logs in through the API; returns the `Cookie` header value.
async fn api_login(http: &reqwest::Client, url: &str, password: &str) -> String {
    let resp = http
        .post(format!("{url}api/v1/auth/login"))
        .json(&json!({"tenant": "platform", "username": "admin", "password": password}))
        .send()
        .await
        .expect("API login");
    assert_eq!(resp.status(), StatusCode::OK, "API login");
    resp.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kexin_session="))
        .and_then(|v| v.split(';').next())
        .expect("session cookie from the API login")
        .to_string()
}

async fn api_post(http: &reqwest::Client, url: &str, cookie: &str, body: Value) {
    let resp = http
        .post(url)
        .header(header::COOKIE, cookie)
        .json(&body)
        .send()
        .await
        .expect("API request");
    let status = resp.status();
    assert!(
        status.is_success(),
        "POST {url}: {status}: {}",
        resp.text().await.unwrap_or_default()
    );
}

fn number(text: &str) -> u64 {
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {text:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_in_headless_chromium() {
    require_browser();
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let (_server, init) = start_server(&dir.path().join("data"));
    assert_eq!(init["tenant"], "platform");
    assert_eq!(init["username"], "admin");
    let otp = init["one_time_password"]
        .as_str()
        .expect("one_time_password")
        .to_string();
    let url = init["url"].as_str().expect("url").to_string();
    assert!(url.ends_with('/'), "url {url} ends with /");

    // reqwest is built without a crypto provider of its own: rustls uses ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client");
    let healthz = format!("{url}healthz");
    wait_until("/healthz to answer 200", || async {
        let resp = http.get(&healthz).send().await.ok()?;
        (resp.status() == StatusCode::OK).then_some(())
    })
    .await;

    // Without a session the console sends the browser to the login page,
    // and a wrong password is a 401 page.
    let resp = http.get(&url).send().await.expect("GET /");
    assert!(
        resp.status().is_redirection(),
        "GET / without session: {}",
        resp.status()
    );
    assert_eq!(resp.headers()[header::LOCATION], "/login");
    let resp = http
        .post(format!("{url}login?lang=en"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("tenant=platform&username=admin&password=not-the-password")
        .send()
        .await
        .expect("POST /login");
    assert_eq!(
        resp.status(),
        StatusCode::UNAUTHORIZED,
        "wrong password over HTTP"
    );
    assert!(
        resp.text()
            .await
            .unwrap_or_default()
            .contains("id=\"error\"")
    );

    let (mut chromedriver, wd_base) = start_chromedriver(&http).await;
    let profile = tempfile::tempdir().expect("browser profile dir");
    let wd = WebDriver::start(http.clone(), wd_base.clone(), profile.path()).await;
    let port: u16 = wd_base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    chromedriver.session = Some((port, wd.session.clone()));

    // Run the walk as a task so that a failed assertion still ends the
    // browser session cleanly before the test fails.
    let wd = std::sync::Arc::new(wd);
    let walk = tokio::spawn(walk_console(wd.clone(), http.clone(), url, otp));
    let outcome = walk.await;
    wd.quit().await;
    chromedriver.session = None;
    drop(chromedriver);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
    eprintln!("browser test took {:.1} s", started.elapsed().as_secs_f64());
}

async fn walk_console(
    wd: std::sync::Arc<WebDriver>,
    http: reqwest::Client,
    url: String,
    otp: String,
) {
    let login_url = format!("{url}login");

    // The console without a session: the login page, tenant prefilled.
    wd.goto(&url).await;
    wd.wait_url("/login", |u| u.starts_with(&login_url)).await;
    wd.goto(&format!("{url}login?lang=en")).await;
    assert_eq!(wd.text("h1").await, "Sign in to Kexin");
    assert_eq!(wd.property("#tenant", "value").await, "platform");
    wd.element("form#login-form").await;

    // A wrong password: the page says so.
    wd.fill("#username", "admin").await;
    wd.fill("#password", "definitely-wrong").await;
    wd.click("#login-submit").await;
    let error = wd.text("p#error").await;
    assert!(!error.trim().is_empty(), "the error message is shown");
    assert!(wd.url().await.starts_with(&login_url));
    assert_eq!(
        wd.property("#username", "value").await,
        "admin",
        "username kept"
    );

    // The one-time password leads to the forced password change.
    wd.fill("#username", "admin").await;
    wd.fill("#password", &otp).await;
    wd.click("#login-submit").await;
    wd.wait_url("/password", |u| u == format!("{url}password"))
        .await;
    assert!(!wd.text("p#forced").await.trim().is_empty());
    assert_eq!(wd.text("#who").await, "admin");

    // Two different new passwords are refused, with a message.
    wd.fill("#current_password", &otp).await;
    wd.fill("#new_password", NEW_PASSWORD).await;
    wd.fill("#new_password2", "Harbour-lights-2032").await;
    wd.click("#password-submit").await;
    assert_eq!(wd.text("p#error").await, "The two new passwords differ.");
    assert!(wd.find("p#forced").await.is_some(), "still forced");

    wd.fill("#current_password", &otp).await;
    wd.fill("#new_password", NEW_PASSWORD).await;
    wd.fill("#new_password2", NEW_PASSWORD).await;
    wd.click("#password-submit").await;
    wd.wait_url("the dashboard", |u| u == url).await;

    // The dashboard of a fresh installation.
    assert_eq!(wd.text("#who").await, "Administrator");
    assert_eq!(wd.text("#role").await, "Platform administrator");
    assert_eq!(wd.text("#tenant-name").await, "Platform");
    assert_eq!(wd.text("#tenant-slug").await, "platform");
    assert_eq!(wd.text("#count-users").await, "1");
    assert_eq!(wd.text("#count-assets").await, "0");
    number(&wd.text("#count-tokens").await);
    let audit_before = number(&wd.text("#count-audit").await);
    assert!(
        audit_before >= 3,
        "init, logins and the password change are audited"
    );
    assert!(wd.text("section#tenants").await.contains("platform"));
    assert!(
        wd.text("section#assets")
            .await
            .contains("No assets registered yet.")
    );
    let audit = wd.text("section#audit").await;
    for action in ["auth.login", "user.password"] {
        assert!(
            audit.contains(action),
            "recent activity shows {action}:\n{audit}"
        );
    }

    // Data created through the API shows after a reload.
    let cookie = api_login(&http, &url, NEW_PASSWORD).await;
    let body = json!({"slug": "acme", "name": "Acme Bank"});
    api_post(&http, &format!("{url}api/v1/tenants"), &cookie, body).await;
    let body = json!({"name": "web-1", "kind": "host", "address": "10.0.0.5", "tags": ["prod"]});
    api_post(
        &http,
        &format!("{url}api/v1/tenants/platform/assets"),
        &cookie,
        body,
    )
    .await;
    wd.goto(&url).await;
    let tenants = wd.text("section#tenants").await;
    assert!(
        tenants.contains("acme") && tenants.contains("Acme Bank"),
        "tenants:\n{tenants}"
    );
    let assets = wd.text("section#assets").await;
    for needle in ["web-1", "Host", "10.0.0.5", "prod"] {
        assert!(assets.contains(needle), "assets show {needle}:\n{assets}");
    }
    assert_eq!(wd.text("#count-assets").await, "1");
    let audit_after = number(&wd.text("#count-audit").await);
    assert!(
        audit_after > audit_before,
        "audit count {audit_before} -> {audit_after}"
    );
    check_png(&wd.screenshot().await, "console-en.png");

    // Chinese, remembered by cookie.
    wd.goto(&format!("{url}?lang=zh")).await;
    assert_eq!(wd.text("#role").await, "平台管理员");
    assert_eq!(wd.text("section#assets h2").await, "资产");
    wd.goto(&url).await;
    assert_eq!(wd.text("#role").await, "平台管理员", "language remembered");
    let path = check_png(&wd.screenshot().await, "console.png");
    eprintln!("screenshot: {}", path.display());

    // Assessments: create one, see its level, fill a point in the form.
    wd.click("a#nav-assessments").await;
    wd.wait_url("/assessments", |u| u.ends_with("/assessments"))
        .await;
    wd.click("#standard option[value='cloud-host']").await;
    wd.fill("#target", "prod-cloud").await;
    wd.click("#level option[value='basic']").await;
    wd.click("#create-assessment").await;
    let page = wd
        .wait_url("an assessment page", |u| u.contains("/assessments/0"))
        .await;
    let assessment_id = page.rsplit('/').next().unwrap().to_string();
    assert_eq!(wd.text("#level-reached").await, "未达到");
    assert_eq!(wd.text("#status").await, "草稿");
    // Every basic point but the first answered through the API…
    let view: Value = http
        .get(format!(
            "{url}api/v1/tenants/platform/assessments/{assessment_id}"
        ))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let gaps: Vec<String> = view["evaluation"]["gaps_to_next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["point_id"].as_str().unwrap().to_string())
        .collect();
    let answers: Vec<Value> = gaps[1..]
        .iter()
        .map(|p| json!({"point": p, "result": "pass"}))
        .collect();
    let resp = http
        .put(format!(
            "{url}api/v1/tenants/platform/assessments/{assessment_id}/results"
        ))
        .header(header::COOKIE, &cookie)
        .json(&json!({"answers": answers}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    wd.goto(&page).await;
    assert_eq!(wd.text("#gap-count").await, "1");
    // …and the last one in the browser form.
    wd.click(&format!("input[name='v.{}'][value='pass']", gaps[0]))
        .await;
    wd.click("#save-answers").await;
    wd.wait_url("back on the assessment", |u| u == page).await;
    assert_eq!(
        wd.text("#level-reached").await,
        "基础级",
        "the level is reached once every basic point passes"
    );
    check_png(&wd.screenshot().await, "assessment.png");
    wd.goto(&url).await;

    // Logout ends the session and returns to the (Chinese) login page.
    let session = wd
        .cookie("kexin_session")
        .await
        .expect("session cookie in the browser");
    wd.click("button#logout").await;
    wd.wait_url("/login after logout", |u| u.starts_with(&login_url))
        .await;
    wd.element("form#login-form").await;
    assert_eq!(wd.text("h1").await, "登录可信平台");
    wd.goto(&format!("{url}login?lang=en")).await;
    assert_eq!(wd.text("h1").await, "Sign in to Kexin");
    wd.goto(&url).await;
    wd.wait_url("/login once logged out", |u| u.starts_with(&login_url))
        .await;
    wd.element("form#login-form").await;
    let resp = http
        .get(format!("{url}api/v1/me"))
        .header(header::COOKIE, format!("kexin_session={session}"))
        .send()
        .await
        .expect("GET /api/v1/me");
    assert_eq!(
        resp.status(),
        StatusCode::UNAUTHORIZED,
        "the old session is over"
    );
}
