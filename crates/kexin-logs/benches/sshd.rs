//! Throughput on a synthetic Debian-style sshd/sudo auth.log, beside an
//! anchor that only splits each line into words (the floor of touching every
//! byte once).
//!
//! `cargo bench -p kexin-logs --bench sshd`; the `json` group measures plain
//! JSON lines, where vendor-shape autodetection must stay cheap.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kexin_logs::{Normalizer, parse_auth, parse_syslog};
use time::macros::datetime;

fn corpus() -> Vec<String> {
    let templates = [
        "Mar  9 06:25:{s:02} bastion sshd[{pid}]: Failed password for invalid user user{i} from 198.51.{a}.{b} port {port} ssh2",
        "Mar  9 06:25:{s:02} bastion sshd[{pid}]: Invalid user user{i} from 198.51.{a}.{b} port {port}",
        "Mar  9 06:25:{s:02} bastion sshd[{pid}]: Connection closed by invalid user user{i} 198.51.{a}.{b} port {port} [preauth]",
        "Mar  9 06:25:{s:02} bastion sshd[{pid}]: Accepted publickey for deploy from 10.0.{a}.{b} port {port} ssh2: ED25519 SHA256:q0vJtJ3rZ1S1fJZ5nT0m2wX7u4n1",
        "Mar  9 06:25:{s:02} bastion sshd[{pid}]: pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)",
        "Mar  9 06:25:{s:02} bastion sshd[{pid}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.{a}.{b}  user=root",
        "Mar  9 06:25:{s:02} bastion sshd[{pid}]: Disconnected from user deploy 10.0.{a}.{b} port {port}",
        "Mar  9 06:25:{s:02} bastion sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
    ];
    (0..4096)
        .map(|i: u32| {
            templates[i as usize % templates.len()]
                .replace("{s:02}", &format!("{:02}", i % 60))
                .replace("{pid}", &(20000 + i).to_string())
                .replace("{i}", &i.to_string())
                .replace("{a}", &(i % 200).to_string())
                .replace("{b}", &(i % 250).to_string())
                .replace("{port}", &(30000 + i).to_string())
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let lines = corpus();
    let reference = datetime!(2024-03-10 12:00:00 UTC);
    let mut g = c.benchmark_group("sshd");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("parse_syslog+parse_auth (zero-copy)", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in &lines {
                let m = parse_syslog(l.as_bytes(), reference).unwrap();
                if let Some(a) = parse_auth(m.app_name.unwrap_or(""), &m.msg) {
                    n += a.src_port.map_or(0, usize::from);
                }
            }
            black_box(n)
        })
    });
    g.bench_function("anchor: split_whitespace only", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in &lines {
                n += l.split_whitespace().count();
            }
            black_box(n)
        })
    });
    let norm = Normalizer::new(reference);
    g.bench_function("Normalizer::syslog (owned Event)", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(norm.syslog(l.as_bytes()).unwrap());
            }
        })
    });
    g.finish();
}

/// Plain application JSON lines (no vendor shape matches): the cost the shape
/// autodetection adds to the passthrough path, beside the bare serde_json parse.
fn json_lines() -> Vec<String> {
    (0..4096)
        .map(|i: u32| {
            format!(
                r#"{{"ts":"2024-03-09T12:{:02}:{:02}Z","host":{{"name":"app-{}"}},"level":"info","message":"request {} served","http":{{"status":200,"path":"/api/v1/items/{}","bytes":{}}},"user":"u{}"}}"#,
                i / 60 % 60,
                i % 60,
                i % 7,
                i,
                i,
                i * 13 % 9000,
                i % 50
            )
        })
        .collect()
}

fn bench_json(c: &mut Criterion) {
    let lines = json_lines();
    let norm = Normalizer::new(datetime!(2024-03-10 12:00:00 UTC));
    let mut g = c.benchmark_group("json");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("anchor: serde_json::from_slice::<Value> only", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(serde_json::from_slice::<serde_json::Value>(l.as_bytes()).unwrap());
            }
        })
    });
    g.bench_function("Normalizer::json_line (plain JSON, owned Event)", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(norm.json_line(l.as_bytes()).unwrap());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench, bench_json);
criterion_main!(benches);
