//! Starts the real `kexin` binary on an ephemeral port with a real SQLite
//! store in a temporary directory, and talks to it over HTTP.
#![allow(dead_code)] // each test file uses a different part of this module

pub mod schemas;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_kexin");
pub const ADMIN_PASSWORD: &str = "Str0ng-Passphrase-For-Tests";

/// A running server. Stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Server {
    child: Option<Child>,
    pub url: String,
    pub data: PathBuf,
    pub first_password: Option<String>,
}

fn read_json_object(reader: &mut impl BufRead) -> Value {
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "server printed no JSON: {text}");
        let mut line = String::new();
        let n = reader.read_line(&mut line).expect("read server stdout");
        assert!(
            n > 0,
            "server exited before printing where it listens; stdout so far: {text}"
        );
        text.push_str(&line);
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            return v;
        }
    }
}

impl Server {
    /// Starts on `data` (initialising it when empty) with extra environment.
    pub fn start(data: &Path, env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.args([
            "--data",
            data.to_str().unwrap(),
            "--format",
            "json",
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env_remove("KEXIN_CONFIG");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start kexin serve");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let info = read_json_object(&mut out);
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in out.lines() {});
        let url = info["url"]
            .as_str()
            .expect("url")
            .trim_end_matches('/')
            .to_string();
        let server = Server {
            child: Some(child),
            url,
            data: data.to_path_buf(),
            first_password: info["one_time_password"].as_str().map(str::to_string),
        };
        server.wait_healthy();
        server
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let host = self
                .url
                .trim_start_matches("https://")
                .trim_start_matches("http://");
            if std::net::TcpStream::connect(host).is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "server did not come up at {}",
                self.url
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Sends SIGTERM and waits for the process to end.
    pub fn stop(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("server running");
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("server did not stop within 60 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn api(&self) -> Api {
        Api::new(&self.url)
    }

    /// Logs in as the first administrator with its one-time password,
    /// sets [`ADMIN_PASSWORD`], and returns a client carrying a
    /// platform-admin API token.
    pub async fn admin(&self) -> Api {
        let otp = self.first_password.clone().expect("fresh server");
        let mut web = self.api();
        let (status, _) = web.login("platform", "admin", &otp).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = web
            .post(
                "/api/v1/me/password",
                json!({"current_password": otp, "new_password": ADMIN_PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let token = web.token("platform", "tests", "platform_admin").await;
        self.api().with_token(&token)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An HTTP client authenticated by a token or a session cookie.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub bearer: Option<String>,
    pub cookie: Option<String>,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Self::with_client(base, reqwest::Client::builder())
    }

    /// A client for an HTTPS server whose certificate the CA in `ca_pem` issued.
    pub fn with_ca(base: &str, ca_pem: &[u8]) -> Api {
        let ca = reqwest::Certificate::from_pem(ca_pem).expect("CA certificate");
        Self::with_client(base, reqwest::Client::builder().tls_certs_only([ca]))
    }

    fn with_client(base: &str, builder: reqwest::ClientBuilder) -> Api {
        // reqwest is built without a crypto provider of its own: rustls uses ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Api {
            http: builder
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_string(),
            bearer: None,
            cookie: None,
        }
    }

    pub fn with_token(&self, token: &str) -> Api {
        Api {
            bearer: Some(token.to_string()),
            cookie: None,
            ..self.clone()
        }
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut rb = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.bearer {
            rb = rb.bearer_auth(t);
        }
        if let Some(c) = &self.cookie {
            rb = rb.header("cookie", c);
        }
        rb
    }

    pub async fn send(rb: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let resp = rb.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        Self::send(self.request(reqwest::Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        Self::send(self.request(reqwest::Method::POST, path).json(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        Self::send(self.request(reqwest::Method::PATCH, path).json(&body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        Self::send(self.request(reqwest::Method::DELETE, path)).await
    }

    /// Password login; keeps the session cookie on success.
    pub async fn login(
        &mut self,
        tenant: &str,
        username: &str,
        password: &str,
    ) -> (StatusCode, Value) {
        let resp = self
            .request(reqwest::Method::POST, "/api/v1/auth/login")
            .json(&json!({"tenant": tenant, "username": username, "password": password}))
            .send()
            .await
            .expect("login request");
        let status = resp.status();
        if let Some(c) = resp.headers().get("set-cookie") {
            let pair = c.to_str().unwrap().split(';').next().unwrap().to_string();
            self.cookie = Some(pair);
        }
        let body = resp.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// Creates an API token in `tenant` and returns its secret.
    pub async fn token(&self, tenant: &str, name: &str, role: &str) -> String {
        let (status, body) = self
            .post(
                &format!("/api/v1/tenants/{tenant}/tokens"),
                json!({"name": name, "role": role}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["secret"].as_str().unwrap().to_string()
    }
}

/// Runs the CLI on `data` and returns its output.
pub fn kexin(data: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("KEXIN_CONFIG")
        .output()
        .expect("run kexin")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs the CLI on `data` with extra environment.
pub fn kexin_env(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data")
        .arg(data)
        .args(args)
        .env_remove("KEXIN_CONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run kexin")
}
