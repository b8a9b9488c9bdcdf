//! `kexin agent`: scans this host on a schedule and ships every result to a
//! Kexin server, losing none when the server is away.
//!
//! Each cycle scans (the same checks as `kexin scan host`), writes the
//! result to the spool directory — temporary file, fsync, rename, 0600 — and
//! only then delivers every spooled result, oldest first, to the asset's
//! check-run endpoint. A file leaves the spool only after the server answered
//! 2xx; a result the server can never accept (a 4xx such as 422) moves to
//! `rejected/` with the reason; anything else (server down, 5xx, timeouts)
//! keeps it for the next cycle. After an attempt whose outcome is unknown
//! (the request may have reached the server) a `.sent` marker makes the next
//! attempt look in the asset's history first, so a result is not stored twice.
//!
//! Safety for a process that may run as root: no shell and no child process
//! at all (the scanner reads files); the token never travels in clear text to
//! another machine (plain `http://` only to a loopback address); the spool
//! must be a real directory owned by the agent's user and not writable by
//! others, and spooled files are never followed through symlinks.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use kexin_core::{CheckStatus, Timestamp};
use reqwest::{Method, StatusCode};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::cli::Format;
use crate::commands::usage;
use crate::scan_cmd::{ProfileArg, open_root, scan_root};

/// Exit code of `kexin agent --once` when results wait in the spool.
pub const EXIT_SPOOLED: u8 = 5;

/// Longest spooled file read back (a scan is a few hundred KiB at most).
const MAX_SPOOL_FILE: u64 = 16 * 1024 * 1024;
/// Evidence lines kept per check in the delivered run.
const MAX_EVIDENCE_LINES: usize = 20;
/// Characters of evidence kept per check.
const MAX_EVIDENCE_CHARS: usize = 4000;
const ASSET_FILE: &str = "asset.json";
const REJECTED_DIR: &str = "rejected";

#[derive(Debug, clap::Args)]
pub struct AgentArgs {
    /// The Kexin server, e.g. https://kexin.example.com:8443. Plain http:// is refused unless the server is on this machine (loopback).
    #[arg(long, env = "KEXIN_AGENT_SERVER")]
    server: String,
    /// API token (role analyst or above). Prefer --token-file or the environment: a flag is visible to every user in `ps`.
    #[arg(long, env = "KEXIN_AGENT_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// File holding the API token (not accessible to other users); wins over --token and KEXIN_AGENT_TOKEN.
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// Tenant slug [default: the token's tenant].
    #[arg(long)]
    tenant: Option<String>,
    /// PEM file with the certificate of a private CA to trust for the server, in addition to the public web PKI roots.
    #[arg(long)]
    ca: Option<PathBuf>,
    /// Trust only --ca, not the public web PKI roots.
    #[arg(long, requires = "ca")]
    ca_only: bool,
    /// Time between scans, e.g. 30m, 1h, 1d.
    #[arg(long, default_value = "1h", value_parser = parse_interval)]
    interval: Duration,
    /// One cycle (scan, spool, deliver) and exit. Exit code 0: delivered; 5: results wait in the spool; 1: a result was rejected or the server refused the agent.
    #[arg(long)]
    once: bool,
    /// Scan an offline root filesystem instead of the live host.
    #[arg(long)]
    root: Option<PathBuf>,
    /// Which checks: the standard's basic items, or basic and enhanced.
    #[arg(long, value_enum, default_value_t = ProfileArg::Enhanced)]
    profile: ProfileArg,
    /// Advisory database for the patch checks [default: <data>/vulndb.json.gz when it exists].
    #[arg(long)]
    vulndb: Option<PathBuf>,
    /// Where results wait until the server has them [default: /var/lib/kexin/agent as root, else <data>/agent].
    #[arg(long)]
    spool: Option<PathBuf>,
    /// Name of this host's asset [default: the host name of the scanned system].
    #[arg(long)]
    asset_name: Option<String>,
    /// Attempts per request within one cycle (waiting 1 s, 2 s, 4 s … between them).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=20))]
    attempts: u32,
}

fn parse_interval(s: &str) -> Result<Duration, String> {
    let d = kexin_config::parse_duration(s).map_err(|e| e.to_string())?;
    if d < Duration::from_secs(60) {
        return Err(format!("{s} is too short; scan at most once a minute"));
    }
    Ok(d)
}

/// One spooled result: what the check-run endpoint takes, plus where it came from.
#[derive(Debug, Serialize, Deserialize)]
struct SpoolEntry {
    /// Scan time, RFC 3339.
    scanned_at: String,
    asset_name: String,
    host_id: Option<String>,
    /// The request body for `POST …/assets/{id}/check-runs`.
    run: Value,
}

/// The asset this host delivers to, remembered between runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Enrolment {
    server: String,
    tenant: String,
    asset_id: String,
    asset_name: String,
}

/// What the server said about a delivered run.
#[derive(Debug, Serialize, Deserialize)]
struct RunView {
    run: RunRef,
    drift: Option<Drift>,
    #[serde(default)]
    filled_assessments: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct RunRef {
    id: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Drift {
    new_failures: Vec<Value>,
    fixed: Vec<Value>,
    changed: Vec<Value>,
}

/// What one cycle did, printed as text or JSON.
#[derive(Debug, Default, Serialize)]
struct CycleReport {
    asset_name: String,
    asset_id: Option<String>,
    scan: Option<ScanSummary>,
    delivered: Vec<Delivered>,
    rejected: Vec<Rejected>,
    /// Spooled files still waiting, oldest first.
    pending: Vec<String>,
    /// Why delivery stopped, when it did.
    error: Option<String>,
    /// The error needs a person (token, TLS trust, asset conflict), not just time.
    #[serde(skip)]
    needs_attention: bool,
}

#[derive(Debug, Serialize)]
struct ScanSummary {
    spooled_as: String,
    checks: usize,
    pass: usize,
    fail: usize,
    error: usize,
    not_applicable: usize,
}

#[derive(Debug, Serialize)]
struct Delivered {
    file: String,
    /// None when an earlier attempt had already stored it.
    run: Option<String>,
    drift: Option<Drift>,
    filled_assessments: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Rejected {
    file: String,
    moved_to: String,
    reason: String,
}

/// Why delivery stopped for this cycle; the spool is kept either way.
enum Stop {
    /// The server cannot be reached or is failing: try again later.
    Unavailable(String),
    /// Retrying will not help until someone acts.
    Refused(String),
}

impl Stop {
    fn record(self, report: &mut CycleReport) {
        let (message, attention) = match self {
            Stop::Unavailable(m) => (m, false),
            Stop::Refused(m) => (m, true),
        };
        report.error = Some(message);
        report.needs_attention = attention;
    }
}

/// An HTTP answer that is not worth retrying (2xx or a lasting 4xx).
struct Answer {
    status: StatusCode,
    body: Value,
}

impl Answer {
    fn message(&self) -> String {
        self.body["error"]["message"]
            .as_str()
            .map_or_else(|| self.body.to_string(), str::to_string)
    }
}

/// Runs `kexin agent`.
pub async fn run(args: &AgentArgs, format: Format, data: &Path) -> anyhow::Result<ExitCode> {
    let server = server_url(&args.server)?;
    let token = read_token(args)?;
    let http = http_client(args.ca.as_deref(), args.ca_only)?;
    let spool = Spool::open(args.spool.clone().unwrap_or_else(|| default_spool(data)))?;
    let target = open_root(args.root.as_deref())?;
    let identity = HostIdentity::of(&target, args.asset_name.as_deref())?;
    let mut agent = Agent {
        args,
        http,
        server,
        token,
        spool,
        identity,
        tenant: args.tenant.clone(),
    };
    // Listen for SIGTERM/Ctrl-C from the start, so that a signal during a
    // cycle lets the cycle finish (no request cut off between the server's
    // commit and our removal of the file) and then ends the agent.
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    if !args.once {
        tokio::spawn(async move {
            crate::commands::shutdown_signal().await;
            let _ = stop_tx.send(true);
        });
    }
    loop {
        let report = match agent.cycle(&target, data).await {
            Ok(report) => report,
            Err(e) if args.once => return Err(e),
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "agent cycle failed");
                CycleReport {
                    error: Some(format!("{e:#}")),
                    ..CycleReport::default()
                }
            }
        };
        print_report(format, args.once, &report, &agent.spool.dir)?;
        if args.once {
            if report.needs_attention || !report.rejected.is_empty() {
                if let Some(e) = report.error.as_ref().filter(|_| report.needs_attention) {
                    eprintln!("error: {e}");
                }
                for r in &report.rejected {
                    eprintln!("error: the server rejected {}: {}", r.file, r.reason);
                }
                return Ok(ExitCode::FAILURE);
            }
            return Ok(if report.pending.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_SPOOLED)
            });
        }
        if *stop_rx.borrow() {
            return Ok(ExitCode::SUCCESS);
        }
        tokio::select! {
            () = tokio::time::sleep(args.interval) => {}
            _ = stop_rx.changed() => return Ok(ExitCode::SUCCESS),
        }
    }
}

/// Accepts `https://…`, and `http://…` only to a loopback address: a token
/// and a host's weaknesses never cross a network in clear text.
fn server_url(raw: &str) -> anyhow::Result<reqwest::Url> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| usage(format!("--server {raw}: not a URL ({e})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(usage(format!(
            "--server {raw}: put the token in --token-file, not in the URL"
        )));
    }
    match url.scheme() {
        "https" => {}
        "http" => {
            let host = url.host_str().unwrap_or_default();
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !loopback {
                return Err(usage(format!(
                    "--server {raw}: refusing plain http:// to a host other than this one (the token and the scan results would cross the network unencrypted); use https://"
                )));
            }
        }
        other => {
            return Err(usage(format!(
                "--server {raw}: the scheme must be https (not {other})"
            )));
        }
    }
    Ok(url)
}

fn read_token(args: &AgentArgs) -> anyhow::Result<String> {
    let token = match (&args.token, &args.token_file) {
        (_, Some(path)) => {
            refuse_if_others_can_read(path)?;
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the token file {}", path.display()))?
        }
        (Some(t), None) => t.clone(),
        (None, None) => {
            return Err(usage(
                "give the API token with --token-file FILE, KEXIN_AGENT_TOKEN or --token",
            ));
        }
    };
    let token = token.trim().to_string();
    if token.is_empty() || token.contains(char::is_whitespace) {
        return Err(usage(
            "the API token is empty or has spaces inside; put only the token (kx_…) there",
        ));
    }
    Ok(token)
}

#[cfg(unix)]
fn refuse_if_others_can_read(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read the token file {}", path.display()))?;
    if meta.permissions().mode() & 0o007 != 0 {
        return Err(usage(format!(
            "the token file {} is accessible to every user (mode {:o}); chmod 600 it",
            path.display(),
            meta.permissions().mode() & 0o777
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_if_others_can_read(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// An HTTPS client with rustls and the ring provider, trusting the public
/// web PKI roots, the CA in `ca`, or both.
fn http_client(ca: Option<&Path>, ca_only: bool) -> anyhow::Result<reqwest::Client> {
    let mut roots = rustls::RootCertStore::empty();
    if !ca_only {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    if let Some(path) = ca {
        let pem = std::fs::read(path)
            .with_context(|| format!("cannot read the CA file {} (--ca)", path.display()))?;
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<_, _>>()
            .map_err(|e| usage(format!("{} (--ca) is not valid PEM: {e}", path.display())))?;
        if certs.is_empty() {
            return Err(usage(format!(
                "{} (--ca) holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                path.display()
            )));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| usage(format!("{} (--ca): {e}", path.display())))?;
        }
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("kexin-agent/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot set up the HTTPS client")
}

fn default_spool(data: &Path) -> PathBuf {
    #[cfg(unix)]
    if is_root() {
        return PathBuf::from("/var/lib/kexin/agent");
    }
    data.join("agent")
}

#[cfg(unix)]
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The host as the server knows it: a name, and where the system has one, a
/// stable id derived from /etc/machine-id (hashed: the machine id itself is
/// meant to stay on the machine).
#[derive(Debug, Clone)]
struct HostIdentity {
    name: String,
    /// `host-id:<32 hex>`, the asset tag that finds the asset after a rename.
    tag: Option<String>,
}

impl HostIdentity {
    fn of(root: &kexin_hostscan::Root, asset_name: Option<&str>) -> anyhow::Result<HostIdentity> {
        let first_line = |path: &str| {
            root.read_optional(path)
                .ok()
                .flatten()
                .and_then(|f| f.text.lines().next().map(|l| l.trim().to_string()))
                .filter(|l| !l.is_empty())
        };
        let name = match asset_name {
            Some(n) => n.trim().to_string(),
            None => first_line("/etc/hostname")
                .or_else(|| root.is_live().then(|| first_line("/proc/sys/kernel/hostname")).flatten())
                .ok_or_else(|| {
                    usage("the scanned system has no host name (/etc/hostname); name its asset with --asset-name")
                })?,
        };
        if name.is_empty() || name.chars().count() > 255 || name.chars().any(char::is_control) {
            return Err(usage(format!(
                "--asset-name {name:?}: must be 1–255 printable characters"
            )));
        }
        let tag = first_line("/etc/machine-id")
            .filter(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|id| {
                use sha2::Digest;
                let digest = sha2::Sha256::digest(format!("kexin-agent host-id\n{id}"));
                let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
                format!("host-id:{hex}")
            });
        Ok(HostIdentity { name, tag })
    }
}

struct Agent<'a> {
    args: &'a AgentArgs,
    http: reqwest::Client,
    server: reqwest::Url,
    token: String,
    spool: Spool,
    identity: HostIdentity,
    tenant: Option<String>,
}

impl Agent<'_> {
    async fn cycle(
        &mut self,
        target: &kexin_hostscan::Root,
        data: &Path,
    ) -> anyhow::Result<CycleReport> {
        let mut report = CycleReport {
            asset_name: self.identity.name.clone(),
            ..CycleReport::default()
        };
        let started = Timestamp::now();
        let scan = scan_root(
            target,
            self.args.profile,
            self.args.vulndb.as_deref(),
            None,
            data,
        )?;
        let file = self.spool.file_name(started);
        let entry = SpoolEntry {
            scanned_at: started.to_string(),
            asset_name: self.identity.name.clone(),
            host_id: self.identity.tag.clone(),
            run: json!({
                "source": format!("kexin agent {} (scan {})", env!("CARGO_PKG_VERSION"), file.trim_end_matches(".json")),
                "started_at": started.to_string(),
                "results": scan.results.iter().map(|r| json!({
                    "check": r.id,
                    "status": r.status,
                    "evidence": evidence_text(r),
                })).collect::<Vec<_>>(),
            }),
        };
        self.spool.write(&file, &serde_json::to_vec(&entry)?)?;
        report.scan = Some(ScanSummary {
            spooled_as: file,
            checks: scan.results.len(),
            pass: scan.count(CheckStatus::Pass),
            fail: scan.count(CheckStatus::Fail),
            error: scan.count(CheckStatus::Error),
            not_applicable: scan.count(CheckStatus::NotApplicable),
        });
        self.deliver_all(&mut report).await?;
        Ok(report)
    }

    /// Delivers the spooled results oldest first; stops at the first one the
    /// server cannot take now, so they keep their order.
    async fn deliver_all(&mut self, report: &mut CycleReport) -> anyhow::Result<()> {
        let mut waiting = self.spool.list()?;
        let enrolment = match self.enrol().await {
            Ok(e) => e,
            Err(stop) => {
                stop.record(report);
                report.pending = waiting;
                return Ok(());
            }
        };
        report.asset_id = Some(enrolment.asset_id.clone());
        while !waiting.is_empty() {
            let file = waiting.remove(0);
            let entry: SpoolEntry = match self
                .spool
                .read(&file)
                .and_then(|b| serde_json::from_slice(&b).map_err(anyhow::Error::from))
            {
                Ok(e) => e,
                Err(e) => {
                    report
                        .rejected
                        .push(self.spool.reject(&file, &format!("unreadable: {e:#}"))?);
                    continue;
                }
            };
            match self.deliver(&enrolment, &file, &entry).await {
                Ok(Some(view)) => {
                    self.spool.remove(&file)?;
                    report.delivered.push(Delivered {
                        file,
                        run: Some(view.run.id),
                        drift: view.drift,
                        filled_assessments: view.filled_assessments,
                    });
                }
                Ok(None) => {
                    self.spool.remove(&file)?;
                    report.delivered.push(Delivered {
                        file,
                        run: None,
                        drift: None,
                        filled_assessments: Vec::new(),
                    });
                }
                Err(Delivery::Rejected(reason)) => {
                    report.rejected.push(self.spool.reject(&file, &reason)?);
                }
                Err(Delivery::Stopped(stop)) => {
                    stop.record(report);
                    waiting.insert(0, file);
                    break;
                }
            }
        }
        report.pending = waiting;
        Ok(())
    }

    /// Posts one result. `Ok(None)`: an earlier attempt had stored it already.
    async fn deliver(
        &mut self,
        enrolment: &Enrolment,
        file: &str,
        entry: &SpoolEntry,
    ) -> Result<Option<RunView>, Delivery> {
        let runs = format!(
            "tenants/{}/assets/{}/check-runs",
            enrolment.tenant, enrolment.asset_id
        );
        let source = entry.run["source"].as_str().unwrap_or_default();
        if self.spool.was_sent(file) {
            let history = self
                .call(Method::GET, &runs, None)
                .await
                .map_err(|(stop, _)| Delivery::Stopped(stop))?;
            if history.status.is_success()
                && history
                    .body
                    .as_array()
                    .is_some_and(|runs| runs.iter().any(|r| r["source"] == source))
            {
                return Ok(None);
            }
        }
        let answer = match self.call(Method::POST, &runs, Some(&entry.run)).await {
            Ok(a) => a,
            Err((stop, maybe_sent)) => {
                if maybe_sent {
                    self.spool
                        .mark_sent(file)
                        .map_err(|e| Delivery::Stopped(Stop::Refused(format!("{e:#}"))))?;
                }
                return Err(Delivery::Stopped(stop));
            }
        };
        match answer.status {
            s if s.is_success() => serde_json::from_value(answer.body)
                .map(Some)
                .map_err(|e| {
                    Delivery::Stopped(Stop::Refused(format!(
                        "the server stored the run but answered in an unexpected form ({e}); is {} a Kexin server?",
                        self.server
                    )))
                }),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(Delivery::Stopped(
                Stop::Refused(format!("the server refused the token: {}", answer.message())),
            )),
            StatusCode::NOT_FOUND => {
                self.spool.forget_enrolment();
                Err(Delivery::Stopped(Stop::Unavailable(format!(
                    "asset {} is gone from the server ({}); it is enrolled again on the next cycle",
                    enrolment.asset_id,
                    answer.message()
                ))))
            }
            status => Err(Delivery::Rejected(format!(
                "{} {}",
                status.as_u16(),
                answer.message()
            ))),
        }
    }

    /// Finds this host's asset (remembered, by host-id tag, then by name) or
    /// creates it.
    async fn enrol(&mut self) -> Result<Enrolment, Stop> {
        let tenant = match &self.tenant {
            Some(t) => t.clone(),
            None => {
                let me = self.expect_ok(Method::GET, "me", None).await?;
                let slug = me["tenant"]["slug"]
                    .as_str()
                    .ok_or_else(|| Stop::Refused("GET /api/v1/me named no tenant".into()))?
                    .to_string();
                self.tenant = Some(slug.clone());
                slug
            }
        };
        let assets = format!("tenants/{tenant}/assets");
        if let Some(known) = self.spool.enrolment()
            && known.server == self.server.as_str()
            && known.tenant == tenant
            && known.asset_name == self.identity.name
        {
            let a = self
                .call(Method::GET, &format!("{assets}/{}", known.asset_id), None)
                .await
                .map_err(|(stop, _)| stop)?;
            if a.status.is_success() && a.body["name"] == self.identity.name.as_str() {
                return Ok(known);
            }
        }
        let list = self.expect_ok(Method::GET, &assets, None).await?;
        let list = list.as_array().cloned().unwrap_or_default();
        let has_tag = |a: &Value, tag: &str| {
            a["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|x| x == tag))
        };
        let by_tag = self
            .identity
            .tag
            .as_ref()
            .and_then(|tag| list.iter().find(|a| has_tag(a, tag)));
        let by_name = list
            .iter()
            .find(|a| a["name"] == self.identity.name.as_str());
        let asset = match (by_tag, by_name) {
            (Some(a), _) => a.clone(),
            (None, Some(a)) => {
                let tags = a["tags"].as_array().cloned().unwrap_or_default();
                let foreign = tags
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|t| t.starts_with("host-id:"));
                if a["kind"] != "host" || (foreign && self.identity.tag.is_some()) {
                    return Err(Stop::Refused(format!(
                        "asset `{}` exists but is not this host (another kind or another host-id); name this host's asset with --asset-name",
                        self.identity.name
                    )));
                }
                match &self.identity.tag {
                    Some(tag) => {
                        let mut tags = tags;
                        tags.push(Value::String(tag.clone()));
                        let id = a["id"].as_str().unwrap_or_default();
                        self.expect_ok(
                            Method::PATCH,
                            &format!("{assets}/{id}"),
                            Some(&json!({ "tags": tags })),
                        )
                        .await?
                    }
                    None => a.clone(),
                }
            }
            (None, None) => {
                let tags: Vec<&String> = self.identity.tag.iter().collect();
                self.expect_ok(
                    Method::POST,
                    &assets,
                    Some(&json!({"name": self.identity.name, "kind": "host", "tags": tags})),
                )
                .await?
            }
        };
        let enrolment = Enrolment {
            server: self.server.to_string(),
            tenant,
            asset_id: asset["id"]
                .as_str()
                .ok_or_else(|| Stop::Refused(format!("the server's asset has no id: {asset}")))?
                .to_string(),
            asset_name: self.identity.name.clone(),
        };
        self.spool
            .remember(&enrolment)
            .map_err(|e| Stop::Refused(format!("{e:#}")))?;
        Ok(enrolment)
    }

    /// A request whose answer must be 2xx.
    async fn expect_ok(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, Stop> {
        let what = format!("{method} /api/v1/{path}");
        let answer = self
            .call(method, path, body)
            .await
            .map_err(|(stop, _)| stop)?;
        if answer.status.is_success() {
            return Ok(answer.body);
        }
        Err(Stop::Refused(format!(
            "{what}: {} {}",
            answer.status.as_u16(),
            answer.message()
        )))
    }

    /// Sends a request, retrying with backoff while the server is away or
    /// failing (connection errors, timeouts, 408, 429, 5xx). The error says
    /// whether an attempt may have reached the server.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, (Stop, bool)> {
        let url = self
            .server
            .join(&format!("api/v1/{path}"))
            .map_err(|e| (Stop::Refused(format!("bad path {path}: {e}")), false))?;
        let mut maybe_sent = false;
        let mut last = String::new();
        for attempt in 0..self.args.attempts {
            if attempt > 0 {
                let wait = Duration::from_secs(1 << (attempt - 1).min(5));
                tracing::info!(%url, attempt, ?wait, reason = %last, "retrying");
                tokio::time::sleep(wait).await;
            }
            let mut rb = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(&self.token);
            if let Some(b) = body {
                rb = rb.json(b);
            }
            match rb.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let text = resp.text().await.unwrap_or_default();
                    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
                    let answer = Answer { status, body };
                    if status.is_server_error()
                        || status == StatusCode::TOO_MANY_REQUESTS
                        || status == StatusCode::REQUEST_TIMEOUT
                    {
                        maybe_sent = true;
                        last = format!("{} {}", status.as_u16(), answer.message());
                        continue;
                    }
                    return Ok(answer);
                }
                Err(e) => {
                    let (text, untrusted) = describe(&e);
                    if untrusted {
                        return Err((Stop::Refused(text), maybe_sent));
                    }
                    maybe_sent |= !e.is_connect();
                    last = text;
                }
            }
        }
        Err((
            Stop::Unavailable(format!(
                "{} unavailable after {} attempt(s): {last}",
                self.server, self.args.attempts
            )),
            maybe_sent,
        ))
    }
}

enum Delivery {
    /// The server will never take this result; it goes to `rejected/`.
    Rejected(String),
    Stopped(Stop),
}

/// The error with its causes on one line, and whether it is a TLS trust
/// failure (retrying cannot fix that).
fn describe(e: &reqwest::Error) -> (String, bool) {
    let mut parts: Vec<String> = Vec::new();
    let mut tls: Option<String> = None;
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        // io::Error hides what it wraps from `source()`, and the TLS layers
        // wrap it twice.
        let mut candidate = err;
        loop {
            if let Some(rustls::Error::InvalidCertificate(c)) =
                candidate.downcast_ref::<rustls::Error>()
            {
                tls = Some(format!("{c:?}"));
            }
            match candidate
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
            {
                Some(inner) => candidate = inner,
                None => break,
            }
        }
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    match tls {
        Some(why) => (
            format!(
                "cannot verify the server's TLS certificate ({why}); if the server uses a private CA, pass its certificate with --ca ({})",
                parts.join(": ")
            ),
            true,
        ),
        None => (parts.join(": "), false),
    }
}

/// A check's message and evidence as one text, bounded so a run stays well
/// inside the server's request size limit.
fn evidence_text(r: &kexin_hostscan::checks::CheckResult) -> String {
    let mut text = r.message.clone();
    for e in r.evidence.iter().take(MAX_EVIDENCE_LINES) {
        let at = e.line.map_or(e.file.clone(), |l| format!("{}:{l}", e.file));
        text.push_str(&format!("\n{at}: {}", e.detail));
    }
    if r.evidence.len() > MAX_EVIDENCE_LINES {
        text.push_str(&format!(
            "\n… and {} more",
            r.evidence.len() - MAX_EVIDENCE_LINES
        ));
    }
    if text.chars().count() > MAX_EVIDENCE_CHARS {
        text = text
            .chars()
            .take(MAX_EVIDENCE_CHARS - 1)
            .collect::<String>()
            + "…";
    }
    text
}

/// Text for people; JSON for scripts: one document for `--once`, one line
/// per cycle (JSON Lines) on a schedule.
fn print_report(format: Format, once: bool, r: &CycleReport, spool: &Path) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if format == Format::Json {
        let text = if once {
            serde_json::to_string_pretty(r)?
        } else {
            serde_json::to_string(r)?
        };
        writeln!(out, "{text}")?;
        return Ok(out.flush()?);
    }
    if let Some(s) = &r.scan {
        writeln!(
            out,
            "scanned {}: {} checks, {} fail, {} pass, {} error, {} not applicable; spooled as {}",
            r.asset_name, s.checks, s.fail, s.pass, s.error, s.not_applicable, s.spooled_as
        )?;
    }
    for d in &r.delivered {
        match (&d.run, &d.drift) {
            (None, _) => writeln!(out, "delivered {} (the server already had it)", d.file)?,
            (Some(run), drift) => {
                let drift = drift.as_ref().map_or_else(
                    || "first run on this asset".to_string(),
                    |d| {
                        format!(
                            "drift: {} new failures, {} fixed, {} changed",
                            d.new_failures.len(),
                            d.fixed.len(),
                            d.changed.len()
                        )
                    },
                );
                writeln!(
                    out,
                    "delivered {} as check run {run} on asset {} ({}); {drift}; filled {} assessment(s)",
                    d.file,
                    r.asset_name,
                    r.asset_id.as_deref().unwrap_or("-"),
                    d.filled_assessments.len()
                )?;
            }
        }
    }
    for x in &r.rejected {
        writeln!(
            out,
            "rejected {} (moved to {}): {}",
            x.file, x.moved_to, x.reason
        )?;
    }
    if !r.pending.is_empty() {
        writeln!(
            out,
            "spooled: {} result(s) wait in {} for the next delivery",
            r.pending.len(),
            spool.display()
        )?;
    }
    if let Some(e) = &r.error {
        writeln!(out, "delivery stopped: {e}")?;
    }
    Ok(out.flush()?)
}

/// The spool directory: one file per undelivered result, named by scan time
/// so that name order is delivery order.
struct Spool {
    dir: PathBuf,
}

impl Spool {
    fn open(dir: PathBuf) -> anyhow::Result<Spool> {
        secure_dir(&dir)?;
        secure_dir(&dir.join(REJECTED_DIR))?;
        Ok(Spool { dir })
    }

    fn file_name(&self, at: Timestamp) -> String {
        let stamp: String = at
            .to_string()
            .chars()
            .filter(|c| !matches!(c, '-' | ':'))
            .collect();
        format!("{stamp}-{}.json", std::process::id())
    }

    /// Files waiting, oldest first. Only `*.json` regular files count.
    fn list(&self) -> anyhow::Result<Vec<String>> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .with_context(|| format!("cannot list the spool {}", self.dir.display()))?
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(".json") && !n.starts_with('.') && n != ASSET_FILE)
            .collect();
        names.sort();
        Ok(names)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        write_atomically(&self.dir, name, bytes)
            .with_context(|| format!("cannot spool the result to {}", self.dir.display()))
    }

    fn read(&self, name: &str) -> anyhow::Result<Vec<u8>> {
        use std::io::Read;
        let path = self.dir.join(name);
        let file = open_no_follow(&path)?;
        let mut bytes = Vec::new();
        file.take(MAX_SPOOL_FILE + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_SPOOL_FILE {
            return Err(anyhow!("larger than {MAX_SPOOL_FILE} bytes"));
        }
        Ok(bytes)
    }

    fn remove(&self, name: &str) -> anyhow::Result<()> {
        std::fs::remove_file(self.dir.join(name))
            .with_context(|| format!("cannot remove {name} from the spool"))?;
        let _ = std::fs::remove_file(self.dir.join(sent_marker(name)));
        sync_dir(&self.dir)
    }

    /// Moves a result the server will never take to `rejected/`, with the
    /// reason beside it.
    fn reject(&self, name: &str, reason: &str) -> anyhow::Result<Rejected> {
        let rejected = self.dir.join(REJECTED_DIR);
        write_atomically(
            &rejected,
            &format!("{name}.reason.txt"),
            format!("{reason}\n").as_bytes(),
        )?;
        std::fs::rename(self.dir.join(name), rejected.join(name))
            .with_context(|| format!("cannot move {name} to {}", rejected.display()))?;
        let _ = std::fs::remove_file(self.dir.join(sent_marker(name)));
        sync_dir(&self.dir)?;
        tracing::warn!(file = name, reason, "the server rejected a spooled result");
        Ok(Rejected {
            file: name.to_string(),
            moved_to: rejected.join(name).display().to_string(),
            reason: reason.to_string(),
        })
    }

    fn was_sent(&self, name: &str) -> bool {
        self.dir.join(sent_marker(name)).exists()
    }

    fn mark_sent(&self, name: &str) -> anyhow::Result<()> {
        write_atomically(&self.dir, &sent_marker(name), b"")
    }

    fn enrolment(&self) -> Option<Enrolment> {
        let bytes = open_no_follow(&self.dir.join(ASSET_FILE))
            .ok()
            .and_then(|f| {
                use std::io::Read;
                let mut b = Vec::new();
                f.take(64 * 1024).read_to_end(&mut b).ok().map(|_| b)
            })?;
        serde_json::from_slice(&bytes).ok()
    }

    fn remember(&self, e: &Enrolment) -> anyhow::Result<()> {
        if self.enrolment().as_ref() == Some(e) {
            return Ok(());
        }
        write_atomically(&self.dir, ASSET_FILE, &serde_json::to_vec_pretty(e)?)
    }

    fn forget_enrolment(&self) {
        let _ = std::fs::remove_file(self.dir.join(ASSET_FILE));
    }
}

fn sent_marker(name: &str) -> String {
    format!("{name}.sent")
}

/// Creates `dir` (0700) or checks an existing one: a real directory, owned
/// by this user, not writable by group or others — a spool another user
/// could write to would let them feed results to a root agent.
fn secure_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("cannot create the spool {}", dir.display()))?;
        }
        let meta = std::fs::symlink_metadata(dir)
            .with_context(|| format!("cannot inspect the spool {}", dir.display()))?;
        if !meta.is_dir() {
            return Err(usage(format!(
                "the spool {} is not a directory (symlinks are refused)",
                dir.display()
            )));
        }
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o022 != 0 {
            return Err(usage(format!(
                "the spool {} is writable by other users (mode {mode:o}); chmod 700 it",
                dir.display()
            )));
        }
        let me = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
        if me.is_some_and(|uid| uid != meta.uid()) {
            return Err(usage(format!(
                "the spool {} belongs to another user (uid {}); use a directory of your own",
                dir.display(),
                meta.uid()
            )));
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the spool {}", dir.display()))?;
    Ok(())
}

/// Writes `dir/name` so that it exists whole or not at all: a new 0600
/// temporary file, fsync, rename over the name, fsync of the directory.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    // A leftover of a crashed run with the same process id.
    let _ = std::fs::remove_file(&tmp);
    let result = write_then_rename(&tmp, &dir.join(name), bytes).and_then(|()| sync_dir(dir));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn write_then_rename(tmp: &Path, to: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let mut f = options
        .open(tmp)
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(tmp, to)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), to.display()))
}

fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))?;
    Ok(())
}

fn open_no_follow(path: &Path) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let file = options
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    if !file.metadata()?.is_file() {
        return Err(anyhow!("{} is not a regular file", path.display()));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://kexin.example.com",
            "http://127.0.0.1:8080",
            "http://[::1]:8080/",
            "http://localhost:8080",
        ] {
            assert!(server_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://kexin.example.com",
            "http://10.0.0.5:8080",
            "http://127.0.0.1.example.com",
            "ftp://127.0.0.1",
            "https://user:pw@kexin.example.com",
            "not a url",
        ] {
            let e = server_url(bad).unwrap_err();
            assert!(
                e.downcast_ref::<crate::commands::UsageError>().is_some(),
                "{bad}: {e}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn plain_http_is_accepted_exactly_for_loopback_ips(a in 0u8..=255, b: u8, c: u8, d: u8, port in 1u16..) {
            let http = format!("http://{a}.{b}.{c}.{d}:{port}/");
            proptest::prop_assert_eq!(server_url(&http).is_ok(), a == 127, "{}", http);
            let https = format!("https://{a}.{b}.{c}.{d}:{port}/");
            proptest::prop_assert!(server_url(&https).is_ok());
        }
    }

    #[test]
    fn spooled_files_are_private_and_listed_oldest_first() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path().join("spool")).unwrap();
        spool
            .write("20260102T000000.000000Z-1.json", b"{}")
            .unwrap();
        spool
            .write("20260101T000000.000000Z-1.json", b"{}")
            .unwrap();
        spool.mark_sent("20260101T000000.000000Z-1.json").unwrap();
        assert_eq!(
            spool.list().unwrap(),
            [
                "20260101T000000.000000Z-1.json",
                "20260102T000000.000000Z-1.json"
            ]
        );
        let mode = std::fs::metadata(spool.dir.join("20260101T000000.000000Z-1.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let r = spool
            .reject("20260101T000000.000000Z-1.json", "422 unknown check")
            .unwrap();
        assert!(
            r.moved_to
                .ends_with("rejected/20260101T000000.000000Z-1.json")
        );
        assert!(!spool.was_sent("20260101T000000.000000Z-1.json"));
        assert_eq!(
            std::fs::read_to_string(
                spool
                    .dir
                    .join("rejected/20260101T000000.000000Z-1.json.reason.txt")
            )
            .unwrap(),
            "422 unknown check\n"
        );
        assert_eq!(spool.list().unwrap(), ["20260102T000000.000000Z-1.json"]);
    }

    #[test]
    fn a_spool_others_can_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = Spool::open(open.clone()).err().unwrap().to_string();
        assert!(e.contains("writable by other users"), "{e}");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path(), &link).unwrap();
        let e = Spool::open(link).err().unwrap().to_string();
        assert!(e.contains("not a directory"), "{e}");
    }

    #[test]
    fn the_host_is_named_by_its_host_name_and_known_by_a_hash_of_its_machine_id() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("etc")).unwrap();
        let root = kexin_hostscan::Root::offline(dir.path()).unwrap();
        let e = HostIdentity::of(&root, None).unwrap_err().to_string();
        assert!(e.contains("--asset-name"), "{e}");

        std::fs::write(dir.path().join("etc/hostname"), "web-7\n").unwrap();
        let machine_id = "0123456789abcdef0123456789abcdef";
        std::fs::write(dir.path().join("etc/machine-id"), format!("{machine_id}\n")).unwrap();
        let id = HostIdentity::of(&root, None).unwrap();
        assert_eq!(id.name, "web-7");
        let tag = id.tag.unwrap();
        assert!(tag.starts_with("host-id:") && tag.len() == 8 + 32, "{tag}");
        assert!(
            !tag.contains(machine_id),
            "the machine id stays on the host"
        );
        assert_eq!(HostIdentity::of(&root, Some("db-1")).unwrap().name, "db-1");
        assert!(HostIdentity::of(&root, Some("bad\nname")).is_err());
    }

    #[test]
    fn evidence_is_bounded() {
        let r = kexin_hostscan::checks::CheckResult {
            id: "host.ssh.root-login",
            status: CheckStatus::Fail,
            severity: kexin_core::Severity::High,
            message: "root may log in".into(),
            evidence: (1..=30)
                .map(|i| kexin_hostscan::checks::Evidence {
                    file: "/etc/ssh/sshd_config".into(),
                    line: Some(i),
                    detail: "PermitRootLogin yes".into(),
                })
                .collect(),
        };
        let text = evidence_text(&r);
        assert!(text.starts_with("root may log in\n/etc/ssh/sshd_config:1: PermitRootLogin yes"));
        assert!(text.ends_with("… and 10 more"), "{text}");
    }
}
