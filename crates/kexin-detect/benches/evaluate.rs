//! All SigmaHQ rules (3,140) against (a) the Windows events of SigmaHQ's
//! regression data and (b) synthetic sshd/sudo auth.log lines, each beside
//! an anchor measured in the same run:
//!
//! * the same engine without the literal prefilter (every rule of the
//!   event's logsource evaluated: the naive evaluator);
//! * for Windows, only parsing the events' JSON text (`serde_json`), the
//!   floor any JSON-fed evaluator pays;
//! * for sshd, only normalizing the lines (`kexin_logs::Normalizer`).
//!
//! `cargo bench -p kexin-detect --bench evaluate`

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kexin_detect::{Engine, EngineConfig, Pipeline, Scratch};
use kexin_logs::Normalizer;
use time::macros::datetime;

const DATA: &str = "../../../shared/data/sigma";

fn engine(report: &kexin_sigma::LoadReport, prefilter: bool) -> Engine {
    let mut b = Engine::builder(EngineConfig {
        pipelines: vec![Pipeline::windows_evtx_json(), Pipeline::kexin_logs()],
        prefilter,
        ..Default::default()
    });
    b.add_load_report(report);
    b.build()
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

/// Each regression event as its own JSON text.
fn windows_events(base: &Path) -> Vec<String> {
    let mut files = Vec::new();
    json_files(&base.join("regression_data"), &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read events");
        for v in serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>() {
            out.push(v.expect("valid JSON").to_string());
        }
    }
    out
}

fn sshd_lines() -> Vec<String> {
    let templates = [
        "Mar  9 06:25:{s} bastion sshd[{pid}]: Failed password for invalid user u{i} from 198.51.{a}.{b} port {port} ssh2",
        "Mar  9 06:25:{s} bastion sshd[{pid}]: Invalid user u{i} from 198.51.{a}.{b} port {port}",
        "Mar  9 06:25:{s} bastion sshd[{pid}]: Accepted publickey for deploy from 10.0.{a}.{b} port {port} ssh2: ED25519 SHA256:q0vJtJ3rZ1S1fJZ5nT0m2wX7u4n1",
        "Mar  9 06:25:{s} bastion sshd[{pid}]: pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)",
        "Mar  9 06:25:{s} bastion sshd[{pid}]: Connection closed by authenticating user root 198.51.{a}.{b} port {port} [preauth]",
        "Mar  9 06:25:{s} bastion sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
    ];
    (0..4096u32)
        .map(|i| {
            templates[i as usize % templates.len()]
                .replace("{s}", &format!("{:02}", i % 60))
                .replace("{pid}", &(20000 + i).to_string())
                .replace("{i}", &i.to_string())
                .replace("{a}", &(i % 200).to_string())
                .replace("{b}", &(i % 250).to_string())
                .replace("{port}", &(30000 + i).to_string())
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join(DATA);
    if !base.join("rules").is_dir() {
        eprintln!(
            "SigmaHQ data not found at {}, nothing to measure",
            base.display()
        );
        return;
    }
    let report = kexin_sigma::load_dir(&base.join("rules")).expect("read rules");
    let fast = engine(&report, true);
    let naive = engine(&report, false);

    let texts = windows_events(&base);
    let events: Vec<serde_json::Value> = texts
        .iter()
        .map(|t| serde_json::from_str(t).expect("json"))
        .collect();
    let mut g = c.benchmark_group("windows regression events, all SigmaHQ rules");
    g.throughput(Throughput::Elements(events.len() as u64));
    for (name, e) in [
        ("evaluate (prefilter)", &fast),
        ("anchor: evaluate without prefilter", &naive),
    ] {
        g.bench_function(name, |b| {
            let mut s = Scratch::new();
            let mut out = Vec::new();
            b.iter(|| {
                out.clear();
                for ev in &events {
                    e.evaluate_json(ev, &mut s, &mut out);
                }
                black_box(out.len())
            })
        });
    }
    g.bench_function("anchor: serde_json parse only", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(serde_json::from_str::<serde_json::Value>(t).expect("json"));
            }
        })
    });
    g.bench_function("parse + evaluate (prefilter)", |b| {
        let mut s = Scratch::new();
        let mut out = Vec::new();
        b.iter(|| {
            out.clear();
            for t in &texts {
                let v: serde_json::Value = serde_json::from_str(t).expect("json");
                fast.evaluate_json(&v, &mut s, &mut out);
            }
            black_box(out.len())
        })
    });
    g.finish();

    let lines = sshd_lines();
    let norm = Normalizer::new(datetime!(2024-03-10 12:00:00 UTC));
    let mut g = c.benchmark_group("sshd auth.log lines, all SigmaHQ rules");
    g.throughput(Throughput::Elements(lines.len() as u64));
    for (name, e) in [
        ("normalize + evaluate (prefilter)", &fast),
        ("anchor: normalize + evaluate without prefilter", &naive),
    ] {
        g.bench_function(name, |b| {
            let mut s = Scratch::new();
            let mut out = Vec::new();
            b.iter(|| {
                out.clear();
                for l in &lines {
                    let ev = norm.syslog(l.as_bytes()).expect("valid line");
                    e.evaluate_log_event(&ev, &mut s, &mut out);
                }
                black_box(out.len())
            })
        });
    }
    g.bench_function("anchor: normalize only", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(norm.syslog(l.as_bytes()).expect("valid line"));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
