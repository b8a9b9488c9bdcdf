//! Throughput on a synthetic Debian-style sshd/sudo auth.log, beside an
//! anchor that only splits each line into words (the floor of touching every
//! byte once).
//!
//! `cargo bench -p kexin-logs --bench sshd`; the `json` group measures plain
//! JSON lines, where vendor-shape autodetection must stay cheap; the `auditd`
//! group a synthetic audit.log (records per second).

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
    let parsed: Vec<serde_json::Map<String, serde_json::Value>> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    g.bench_function(
        "vendor-shape detection only (CloudTrail, k8s, cloud::detect)",
        |b| {
            b.iter(|| {
                let mut n = 0usize;
                for m in &parsed {
                    n += usize::from(kexin_logs::json::is_cloudtrail_record(m))
                        + usize::from(kexin_logs::json::is_k8s_audit_event(m))
                        + usize::from(kexin_logs::cloud::detect(m).is_some());
                }
                black_box(n)
            })
        },
    );
    g.bench_function("Normalizer::json_line (plain JSON, owned Event)", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(norm.json_line(l.as_bytes()).unwrap());
            }
        })
    });
    g.finish();
}

/// A synthetic audit.log: 512 execve events of 7 records each (SYSCALL with
/// enrichment, EXECVE, CWD, two PATH, PROCTITLE, EOE).
fn audit_lines() -> String {
    let mut log = String::new();
    for i in 0..512u32 {
        let stamp = format!("msg=audit(1709971200.{:03}:{}):", i % 1000, 8000 + i);
        log.push_str(&format!("type=SYSCALL {stamp} arch=c000003e syscall=59 success=yes exit=0 a0=55d0c1a2b3c0 a1=55d0c1a2b400 a2=55d0c1a2b420 a3=7ffd5f0e1a30 items=2 ppid=20114 pid={} auid=1001 uid=1001 gid=1001 euid=1001 suid=1001 fsuid=1001 egid=1001 sgid=1001 fsgid=1001 tty=pts0 ses=12 comm=\"curl\" exe=\"/usr/bin/curl\" subj=unconfined key=\"exec\"\u{1d}ARCH=x86_64 SYSCALL=execve AUID=\"alice\" UID=\"alice\" GID=\"alice\"\n", 20000 + i));
        log.push_str(&format!(
            "type=EXECVE {stamp} argc=3 a0=\"curl\" a1=\"-s\" a2=\"http://198.51.100.{}/x\"\n",
            i % 250
        ));
        log.push_str(&format!("type=CWD {stamp} cwd=\"/home/alice\"\n"));
        log.push_str(&format!("type=PATH {stamp} item=0 name=\"/usr/bin/curl\" inode=1835204 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0\n"));
        log.push_str(&format!("type=PATH {stamp} item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=1837381 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0\n"));
        log.push_str(&format!("type=PROCTITLE {stamp} proctitle=6375726C002D7300687474703A2F2F3139382E35312E3130302E312F78\n"));
        log.push_str(&format!("type=EOE {stamp}\n"));
    }
    log
}

fn bench_audit(c: &mut Criterion) {
    let log = audit_lines();
    let lines: Vec<&str> = log.lines().collect();
    let norm = Normalizer::new(datetime!(2024-03-10 12:00:00 UTC));
    let mut g = c.benchmark_group("auditd");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("anchor: split_whitespace only", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in &lines {
                n += l.split_whitespace().count();
            }
            black_box(n)
        })
    });
    g.bench_function("parse_audit_record (zero-copy)", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in &lines {
                n += kexin_logs::parse_audit_record(l.as_bytes())
                    .unwrap()
                    .fields
                    .len();
            }
            black_box(n)
        })
    });
    g.bench_function("normalize_reader (joined owned Events)", |b| {
        b.iter(|| {
            let mut n = 0usize;
            kexin_logs::normalize_reader(&norm, log.as_bytes(), |e| n += e.fields.len()).unwrap();
            black_box(n)
        })
    });
    g.finish();
}

criterion_group!(benches, bench, bench_json, bench_audit);
criterion_main!(benches);
