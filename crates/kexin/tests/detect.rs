//! `kexin detect` and `kexin rules`: the real binary over log files and
//! standard input, with Kexin's own rules, SigmaHQ rules and threat
//! intelligence.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::{BIN, stderr, stdout};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn builtin_rules() -> String {
    repo()
        .join("crates/kexin-detect/rules")
        .display()
        .to_string()
}

fn detect(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .arg("detect")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kexin");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Twelve failed passwords from one address, then a success: brute force,
/// then brute force followed by a success. RFC 3339 timestamps (Debian 12's
/// rsyslog) make the event times independent of the day the test runs.
fn brute_force_log() -> String {
    let mut log = String::new();
    for i in 0..12 {
        log.push_str(&format!(
            "2024-03-09T06:00:{:02}+00:00 web1 sshd[1234]: Failed password for root from 203.0.113.7 port 41870 ssh2\n",
            i * 4
        ));
    }
    log.push_str("this line is not syslog\n");
    log.push_str("{\"broken\": json\n");
    log.push_str(
        "2024-03-09T06:01:00+00:00 web1 sshd[1234]: Accepted password for root from 203.0.113.7 port 41871 ssh2\n",
    );
    log
}

#[test]
fn streams_standard_input_through_rules_correlations_and_intel() {
    let dir = tempfile::tempdir().unwrap();
    let ioc = dir.path().join("iocs.csv");
    std::fs::write(
        &ioc,
        "type,value,source,confidence\nip,203.0.113.0/24,ACME CERT,90\n",
    )
    .unwrap();
    let rules = builtin_rules();
    let o = detect(
        &[
            "--rules",
            &rules,
            "--ioc",
            ioc.to_str().unwrap(),
            "--placeholder",
            "bastion_hosts",
            "--format",
            "json",
            "-",
        ],
        Some(&brute_force_log()),
    );
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let out = lines(&o);
    let correlations: Vec<&str> = out
        .iter()
        .filter(|v| v["kind"] == "correlation")
        .map(|v| v["correlation"]["rule_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        correlations,
        [
            "kexin_ssh_brute_force",
            "kexin_ssh_brute_force_then_success"
        ],
        "{out:#?}"
    );
    let brute = out
        .iter()
        .find(|v| v["correlation"]["rule_name"] == "kexin_ssh_brute_force")
        .unwrap();
    assert_eq!(brute["correlation"]["group"]["SourceIp"], "203.0.113.7");
    // Building blocks are not alerts of their own (no `generate`).
    assert!(out.iter().all(|v| v["kind"] != "match"), "{out:#?}");
    // Every event from the listed network is an intel hit with its source.
    let intel: Vec<&Value> = out.iter().filter(|v| v["kind"] == "intel").collect();
    assert_eq!(intel.len(), 13);
    assert_eq!(intel[0]["indicator"]["source"], "ACME CERT");
    assert_eq!(intel[0]["observed"], "203.0.113.7");
    assert_eq!(intel[0]["input"], "stdin:1");
    // Malformed lines are counted and quoted, and the stream goes on.
    let err = stderr(&o);
    assert!(err.contains("2 malformed"), "{err}");
    assert!(err.contains("stdin:13: invalid timestamp"), "{err}");
    assert!(err.contains("stdin:14: not JSON"), "{err}");
    assert!(err.contains("2 correlations"), "{err}");
}

#[test]
fn ocsf_detection_findings_carry_rule_attack_and_event() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("auth.log");
    std::fs::write(
        &log,
        "2024-03-09T07:00:00+00:00 web1 sudo[99]:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash\n\
         2024-03-09T07:00:05+00:00 web1 sshd[100]: Connection closed by 198.51.100.4 port 50000 [preauth]\n",
    )
    .unwrap();
    let rules = builtin_rules();
    let o = detect(
        &[
            "--rules",
            &rules,
            "--placeholder",
            "bastion_hosts",
            "--format",
            "ocsf",
            log.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let findings = lines(&o);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let mut f = findings[0].clone();
    assert_eq!(f["class_uid"], 2004);
    assert_eq!(f["type_uid"], 200401);
    assert!(
        f["raw_data"]
            .as_str()
            .unwrap()
            .contains("COMMAND=/bin/bash"),
        "{f:#}"
    );
    // The input path differs per run.
    f["unmapped"]["input"] = Value::String("auth.log:1".into());
    insta::assert_json_snapshot!("ocsf_sudo_shell_finding", f);
}

#[test]
fn sigmahq_rules_on_evtx_json_and_cloudtrail() {
    let events = [
        // A Sysmon process creation as EVTX converted to JSON.
        r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","TimeCreated":{"#attributes":{"SystemTime":"2024-03-09T08:00:00Z"}}},"EventData":{"Image":"C:\\Windows\\System32\\whoami.exe","OriginalFileName":"whoami.exe","CommandLine":"whoami /all","ParentImage":"C:\\Windows\\System32\\cmd.exe","User":"CORP\\alice","IntegrityLevel":"High"}}}"##,
        // CloudTrail: the trail is stopped.
        r##"{"eventVersion":"1.08","eventTime":"2024-03-09T08:01:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"eu-west-1","sourceIPAddress":"198.51.100.9","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/mallory"}}"##,
    ];
    // auditd: SYSCALL + EXECVE + EOE, joined into one event.
    let audit = [
        r#"type=SYSCALL msg=audit(1710000000.100:42): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=2 auid=1000 uid=1000 comm="arecord" exe="/usr/bin/arecord" key=(null)"#,
        r#"type=EXECVE msg=audit(1710000000.100:42): argc=4 a0="arecord" a1="-vv" a2="-fdat" a3="out.wav""#,
        "type=EOE msg=audit(1710000000.100:42):",
    ];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.ndjson");
    std::fs::write(
        &file,
        format!("{}\n{}\n", events.join("\n"), audit.join("\n")),
    )
    .unwrap();
    let sigma = repo().join("../shared/data/sigma/rules");
    let o = detect(
        &[
            "--rules",
            sigma.to_str().unwrap(),
            "--format",
            "json",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let out = lines(&o);
    let titles = |line: &str| -> Vec<String> {
        out.iter()
            .filter(|v| v["input"].as_str().unwrap().ends_with(line))
            .map(|v| v["match"]["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let windows = titles(":1");
    assert!(windows.iter().any(|t| t.contains("Whoami")), "{windows:?}");
    let aws = titles(":2");
    assert!(aws.iter().any(|t| t.contains("CloudTrail")), "{aws:?}");
    let linux = titles(":5");
    assert!(
        linux.iter().any(|t| t.contains("Audio Capture")),
        "{linux:?} {out:#?}"
    );
    // Routed by logsource: no cloud rule fires on the Windows event.
    assert!(
        out.iter()
            .filter(|v| v["input"].as_str().unwrap().ends_with(":1"))
            .all(|v| v["match"]["logsource"]["product"] == "windows"),
        "{out:#?}"
    );
}

#[test]
fn rules_lint_names_file_line_and_key_and_rules_test_runs_cases() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("typo.yml"),
        "title: Typo\nid: 7f1c3a52-0d6e-4c3b-9b77-0a5e2f8c9d10\nlogsource: {product: linux, service: sshd}\ndetection:\n    sel:\n        message|contians: Failed\n    condition: sel\n",
    )
    .unwrap();
    let o = Command::new(BIN)
        .args(["rules", "lint"])
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(
        text.contains(
            "typo.yml line 6: detection.sel.message|contians: unknown modifier 'contians'"
        ),
        "{text}"
    );
    let o = Command::new(BIN)
        .args(["rules", "test"])
        .arg(builtin_rules())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains(" cases, 0 failed"), "{}", stdout(&o));
}
