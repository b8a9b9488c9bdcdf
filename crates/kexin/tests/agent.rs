//! `kexin agent` against the real server over HTTPS: enrolment, a check run
//! that fills the cloud-host assessment, results spooled while the server is
//! down and delivered in order after it is back, drift, and the refusals
//! (plain HTTP to another host, an untrusted certificate).

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use support::{Api, Server, kexin, kexin_env, stderr, stdout};

const WEAK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../kexin-hostscan/tests/fixtures/weak"
);
const HARDENED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../kexin-hostscan/tests/fixtures/hardened"
);

/// A throwaway CA, a server certificate it issued for 127.0.0.1 and
/// localhost, and an unrelated CA.
struct Pki {
    ca: PathBuf,
    other_ca: PathBuf,
    chain: PathBuf,
    key: PathBuf,
}

impl Pki {
    fn new(dir: &Path) -> Pki {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
        let ca_for = |name: &str| {
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params
                .distinguished_name
                .push(rcgen::DnType::CommonName, name);
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.key_usages = vec![
                rcgen::KeyUsagePurpose::KeyCertSign,
                rcgen::KeyUsagePurpose::CrlSign,
            ];
            CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
        };
        let ca = ca_for("Kexin test CA");
        let other = ca_for("Someone else's CA");
        let key = KeyPair::generate().unwrap();
        let server = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        let write = |name: &str, text: String| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        Pki {
            ca: write("ca.pem", ca.pem()),
            other_ca: write("other-ca.pem", other.pem()),
            chain: write("chain.pem", server.pem() + &ca.pem()),
            key: write("key.pem", key.serialize_pem()),
        }
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("KEXIN_SERVER__TLS_CERT", self.chain.display().to_string()),
            ("KEXIN_SERVER__TLS_KEY", self.key.display().to_string()),
        ]
    }
}

fn start_tls(data: &Path, pki: &Pki) -> Server {
    let env = pki.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Server::start(data, &env)
}

fn ok_json(o: &Output) -> Value {
    assert!(o.status.success(), "{}\n{}", stdout(o), stderr(o));
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn json_of(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(o), stderr(o)))
}

/// Files waiting in the spool (not the enrolment record, not `rejected/`).
fn spooled(spool: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(spool)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json") && n != "asset.json")
        .collect();
    names.sort();
    names
}

struct Agent {
    data: PathBuf,
    spool: PathBuf,
    token_file: PathBuf,
    ca: PathBuf,
}

impl Agent {
    fn run(&self, server: &str, root: &str) -> Output {
        self.run_with_ca(server, root, &self.ca)
    }

    fn run_with_ca(&self, server: &str, root: &str, ca: &Path) -> Output {
        kexin(
            &self.data,
            &[
                "--format",
                "json",
                "agent",
                "--once",
                "--server",
                server,
                "--token-file",
                self.token_file.to_str().unwrap(),
                "--ca",
                ca.to_str().unwrap(),
                "--root",
                root,
                "--asset-name",
                "web-1",
                "--spool",
                self.spool.to_str().unwrap(),
                "--attempts",
                "2",
            ],
        )
    }
}

/// A tenant `acme`, an analyst token for the agent (returned), and a draft
/// cloud-host assessment of `web-1` (its id returned).
fn tenant_with_agent_token(data: &Path) -> (String, String) {
    assert!(
        kexin(data, &["tenant", "create", "acme", "--name", "Acme"])
            .status
            .success()
    );
    let token = ok_json(&kexin(
        data,
        &[
            "--format", "json", "token", "create", "--tenant", "acme", "--name", "agent", "--role",
            "analyst",
        ],
    ))["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let assessment = ok_json(&kexin(
        data,
        &[
            "--format",
            "json",
            "assess",
            "new",
            "--tenant",
            "acme",
            "--standard",
            "cloud-host",
            "--target",
            "web-1",
            "--level",
            "basic",
        ],
    ))["id"]
        .as_str()
        .unwrap()
        .to_string();

    (token, assessment)
}

/// The token in a file only its owner reads.
fn token_file(dir: &Path, token: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("token");
    std::fs::write(&path, token).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

#[tokio::test]
async fn the_agent_enrols_spools_while_the_server_is_down_and_delivers_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let data = dir.path().join("data");
    let mut server = start_tls(&data, &pki);
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );

    let (token, assessment) = tenant_with_agent_token(&data);
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, &token).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let agent = Agent {
            data: dir.path().join("agent-data"),
            spool: dir.path().join("spool"),
            token_file: token_file.clone(),
            ca: pki.ca.clone(),
        };
        let o = agent.run(&server.url, WEAK);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("chmod 600"), "{}", stderr(&o));
        std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let agent = Agent {
        data: dir.path().join("agent-data"),
        spool: dir.path().join("spool"),
        token_file,
        ca: pki.ca.clone(),
    };

    // 1. Enrol, scan, deliver: the run fills the assessment.
    let o = agent.run(&server.url, WEAK);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let first = json_of(&o);
    let asset_id = first["asset_id"].as_str().expect("enrolled").to_string();
    assert!(first["scan"]["fail"].as_u64().unwrap() > 0, "{first}");
    assert_eq!(first["delivered"].as_array().unwrap().len(), 1, "{first}");
    let first_run = first["delivered"][0]["run"].as_str().unwrap().to_string();
    assert_eq!(
        first["delivered"][0]["drift"],
        Value::Null,
        "nothing to drift from"
    );
    assert_eq!(
        first["delivered"][0]["filled_assessments"],
        serde_json::json!([assessment])
    );
    assert_eq!(spooled(&agent.spool), Vec::<String>::new());

    let show = ok_json(&kexin(
        &data,
        &[
            "--format",
            "json",
            "assess",
            "show",
            "--tenant",
            "acme",
            &assessment,
        ],
    ));
    let filled: Vec<&Value> = show["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["source"] == format!("check:{first_run}").as_str())
        .collect();
    assert!(!filled.is_empty(), "points filled from the run: {show}");
    assert!(
        filled.iter().any(|r| r["verdict"] == "fail"),
        "the weak host fails some points: {show}"
    );

    // 2. The server is down: the result is spooled, privately, and kept.
    let old_url = server.url.clone();
    server.stop();
    let o = agent.run(&old_url, WEAK);
    assert_eq!(o.status.code(), Some(5), "{}\n{}", stdout(&o), stderr(&o));
    let down = json_of(&o);
    let waiting = spooled(&agent.spool);
    assert_eq!(waiting.len(), 1);
    assert_eq!(down["pending"], serde_json::json!(waiting));
    assert!(
        down["error"].as_str().unwrap().contains("unavailable"),
        "{down}"
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(agent.spool.join(&waiting[0]))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // 3. Back up (on another port): the spooled result goes first, then the
    // new scan of the now hardened host, which reports what was fixed.
    let server = start_tls(&data, &pki);
    let o = agent.run(&server.url, HARDENED);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let back = json_of(&o);
    let delivered = back["delivered"].as_array().unwrap();
    assert_eq!(delivered.len(), 2, "{back}");
    assert_eq!(delivered[0]["file"], waiting[0].as_str(), "oldest first");
    assert_eq!(back["asset_id"], asset_id.as_str(), "the same asset");
    let same = &delivered[0]["drift"];
    assert_eq!(
        (
            same["new_failures"].as_array().unwrap().len(),
            same["fixed"].as_array().unwrap().len()
        ),
        (0, 0),
        "the same weak host twice: {same}"
    );
    let fixed = delivered[1]["drift"]["fixed"].as_array().unwrap();
    assert!(!fixed.is_empty(), "hardening fixed checks: {back}");
    assert_eq!(spooled(&agent.spool), Vec::<String>::new(), "spool empty");

    // The server's history has all three runs, newest first.
    let ca = std::fs::read(&pki.ca).unwrap();
    let api = Api::with_ca(&server.url, &ca).with_token(&token);
    let (status, history) = api
        .get(&format!(
            "/api/v1/tenants/acme/assets/{asset_id}/check-runs"
        ))
        .await;
    assert!(status.is_success(), "{history}");
    let ids: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "{history}");
    assert_eq!(ids[2], first_run);
    assert_eq!(ids[0], delivered[1]["run"].as_str().unwrap());
    let (_, assets) = api.get("/api/v1/tenants/acme/assets").await;
    assert_eq!(
        assets.as_array().unwrap().len(),
        1,
        "enrolled once: {assets}"
    );
    let health = api
        .request(reqwest::Method::GET, "/healthz")
        .send()
        .await
        .unwrap();
    assert_eq!(
        health.headers()["strict-transport-security"],
        "max-age=31536000"
    );
}

#[test]
fn plain_http_to_another_host_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let o = kexin_env(
        &dir.path().join("data"),
        &[
            "agent",
            "--once",
            "--server",
            "http://kexin.example:8080",
            "--root",
            WEAK,
            "--asset-name",
            "web-1",
            "--spool",
            dir.path().join("spool").to_str().unwrap(),
        ],
        &[("KEXIN_AGENT_TOKEN", "kx_not_a_real_token")],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("refusing plain http://") && stderr(&o).contains("https://"),
        "{}",
        stderr(&o)
    );
    assert!(
        !dir.path().join("spool").exists(),
        "nothing scanned or spooled"
    );
}

#[test]
fn a_server_certificate_from_another_ca_is_refused_clearly_and_the_result_kept() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let server = start_tls(&dir.path().join("data"), &pki);
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "kx_whatever").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let agent = Agent {
        data: dir.path().join("agent-data"),
        spool: dir.path().join("spool"),
        token_file,
        ca: pki.ca.clone(),
    };
    let o = agent.run_with_ca(&server.url, WEAK, &pki.other_ca);
    assert_eq!(o.status.code(), Some(1), "{}\n{}", stdout(&o), stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("cannot verify the server's TLS certificate")
            && err.contains("UnknownIssuer")
            && err.contains("--ca"),
        "{err}"
    );
    assert_eq!(spooled(&agent.spool).len(), 1, "the scan is kept for later");

    let bad_ca = dir.path().join("not-a-ca.pem");
    std::fs::write(&bad_ca, "hello\n").unwrap();
    let o = agent.run_with_ca(&server.url, WEAK, &bad_ca);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not-a-ca.pem (--ca) holds no PEM certificate"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn serve_names_the_tls_file_that_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let missing = dir.path().join("missing.pem");
    let o = kexin_env(
        &data,
        &["serve", "--listen", "127.0.0.1:0"],
        &[
            ("KEXIN_SERVER__TLS_CERT", missing.to_str().unwrap()),
            ("KEXIN_SERVER__TLS_KEY", missing.to_str().unwrap()),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot read the certificate chain")
            && stderr(&o).contains("missing.pem"),
        "{}",
        stderr(&o)
    );
    assert!(
        !data.join("kexin.db").exists(),
        "nothing initialised: the one-time password is not lost"
    );
}

#[tokio::test]
async fn a_rejected_result_is_set_aside_and_a_result_the_server_has_is_not_sent_twice() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let data = dir.path().join("data");
    let server = start_tls(&data, &pki);
    let (token, _) = tenant_with_agent_token(&data);
    let agent = Agent {
        data: dir.path().join("agent-data"),
        spool: dir.path().join("spool"),
        token_file: token_file(dir.path(), &token),
        ca: pki.ca.clone(),
    };
    let first = json_of(&agent.run(&server.url, WEAK));
    let asset_id = first["asset_id"].as_str().unwrap().to_string();
    let runs = format!("/api/v1/tenants/acme/assets/{asset_id}/check-runs");

    // A result no server will take (an unknown check), older than the rest.
    let bad = "00000000T000000.000000Z-1.json";
    std::fs::write(
        agent.spool.join(bad),
        serde_json::json!({
            "scanned_at": "2026-01-01T00:00:00Z", "asset_name": "web-1", "host_id": null,
            "run": {"source": "kexin agent (scan bad)", "results": [{"check": "host.no.such-check", "status": "pass"}]},
        })
        .to_string(),
    )
    .unwrap();
    // A result whose earlier attempt reached the server though its answer was
    // lost: the server has it, the `.sent` marker says it may.
    let dup = "00000000T000001.000000Z-1.json";
    let dup_run = serde_json::json!({"source": "kexin agent (scan dup)", "results": [{"check": "host.ssh.host-key-strength", "status": "fail", "evidence": "RSA 1024 bits"}]});
    std::fs::write(
        agent.spool.join(dup),
        serde_json::json!({"scanned_at": "2026-01-01T00:00:01Z", "asset_name": "web-1", "host_id": null, "run": dup_run}).to_string(),
    )
    .unwrap();
    std::fs::write(agent.spool.join(format!("{dup}.sent")), "").unwrap();
    let api = Api::with_ca(&server.url, &std::fs::read(&pki.ca).unwrap()).with_token(&token);
    let (status, stored) = api.post(&runs, dup_run.clone()).await;
    assert!(status.is_success(), "{stored}");

    let o = agent.run(&server.url, WEAK);
    assert_eq!(o.status.code(), Some(1), "{}\n{}", stdout(&o), stderr(&o));
    let report = json_of(&o);
    assert_eq!(report["rejected"][0]["file"], bad, "{report}");
    let reason = report["rejected"][0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("422 ") && reason.contains("host.no.such-check"),
        "{reason}"
    );
    assert!(stderr(&o).contains(bad), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(
            agent
                .spool
                .join("rejected")
                .join(format!("{bad}.reason.txt"))
        )
        .unwrap()
        .trim(),
        reason
    );
    assert!(
        agent.spool.join("rejected").join(bad).exists(),
        "kept, not lost"
    );

    let delivered = report["delivered"].as_array().unwrap();
    assert_eq!(delivered.len(), 2, "{report}");
    assert_eq!(
        (delivered[0]["file"].as_str(), &delivered[0]["run"]),
        (Some(dup), &Value::Null),
        "the server already had it"
    );
    assert_eq!(spooled(&agent.spool), Vec::<String>::new());
    assert!(!agent.spool.join(format!("{dup}.sent")).exists());

    let (_, history) = api.get(&runs).await;
    let sources: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources.len(),
        3,
        "first scan, dup once, this scan: {sources:?}"
    );
    assert_eq!(
        sources
            .iter()
            .filter(|s| **s == "kexin agent (scan dup)")
            .count(),
        1
    );
}

#[tokio::test]
async fn on_a_schedule_the_agent_delivers_then_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let data = dir.path().join("data");
    let server = start_tls(&data, &pki);
    let (token, _) = tenant_with_agent_token(&data);
    let mut child = std::process::Command::new(support::BIN)
        .args(["--data", dir.path().join("agent-data").to_str().unwrap()])
        .args(["--format", "json", "agent", "--server", &server.url])
        .args(["--interval", "1h"])
        .args([
            "--token-file",
            token_file(dir.path(), &token).to_str().unwrap(),
        ])
        .args(["--ca", pki.ca.to_str().unwrap(), "--root", WEAK])
        .args(["--asset-name", "web-1"])
        .args(["--spool", dir.path().join("spool").to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let api = Api::with_ca(&server.url, &std::fs::read(&pki.ca).unwrap()).with_token(&token);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let asset = loop {
        let (_, assets) = api.get("/api/v1/tenants/acme/assets").await;
        if let Some(id) = assets[0]["id"].as_str() {
            let (_, runs) = api
                .get(&format!("/api/v1/tenants/acme/assets/{id}/check-runs"))
                .await;
            if runs.as_array().is_some_and(|r| !r.is_empty()) {
                break id.to_string();
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no delivery within 60 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the agent did not stop within 30 s of SIGTERM");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "a clean stop");
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    let cycles: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(cycles.len(), 1, "one JSON line per cycle: {out}");
    assert_eq!(cycles[0]["asset_id"], asset.as_str());
    assert_eq!(cycles[0]["delivered"].as_array().unwrap().len(), 1);
    assert_eq!(spooled(&dir.path().join("spool")), Vec::<String>::new());
}
