//! Correlation throughput: observations per second through `event_count`
//! and `value_count` (SSH brute force and password spraying shapes), beside
//! an anchor that does the same sliding-window counting naively (a `Vec` of
//! timestamps per group, trimmed and recounted at every event, as the
//! property tests' reference does).
//!
//! The second pair has few, busy groups whose windows hold thousands of
//! events (a threshold that is not reached): the naive recount is linear in
//! the window, the engine's coalesced runs are not.
//!
//! `cargo bench -p kexin-detect --bench correlation`

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kexin_detect::correlation::{CorrelationEngine, Observation};
use kexin_sigma::{Metadata, SigmaDocument, parse_str};

const RULES: &str = "
title: Brute force
correlation:
    type: event_count
    rules: [failed]
    group-by: [SourceIp]
    timespan: 5m
    condition:
        gte: 10
---
title: Spraying
correlation:
    type: value_count
    rules: [failed]
    group-by: [SourceIp]
    timespan: 10m
    condition:
        field: User
        gte: 5
";

/// `(timestamp ms, source ip, user)`: 200,000 failed logins over ~17 min
/// from 2,000 sources (a pseudo-random mix), 50 user names.
fn stream() -> Vec<(i64, String, String)> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..200_000)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let ip = format!("198.51.{}.{}", (x % 2000) / 250, x % 250);
            let user = format!("user{}", (x >> 20) % 50);
            (i * 5, ip, user)
        })
        .collect()
}

const BUSY: &str = "
title: Busy
correlation:
    type: event_count
    rules: [failed]
    group-by: [SourceIp]
    timespan: 1h
    condition:
        gte: 1000000
";

/// 50,000 events, 2 ms apart, from 10 sources.
fn busy_stream() -> Vec<(i64, String, String)> {
    (0..50_000)
        .map(|i| (i * 2, format!("10.0.0.{}", i % 10), "root".to_string()))
        .collect()
}

/// The anchor for [`BUSY`]: recount the window at every event.
fn run_naive_count(events: &[(i64, String, String)], span: i64, threshold: usize) -> usize {
    let mut counts: HashMap<String, Vec<i64>> = HashMap::new();
    let mut hits = 0;
    for (t, ip, _) in events {
        let c = counts.entry(ip.clone()).or_default();
        c.push(*t);
        c.retain(|&x| x >= t - span);
        if c.len() >= threshold {
            hits += 1;
            c.clear();
        }
    }
    hits
}

fn engine() -> CorrelationEngine {
    engine_for(RULES)
}

fn engine_for(rules: &str) -> CorrelationEngine {
    let correlations: Vec<_> = parse_str(rules, "bench.yml")
        .unwrap()
        .into_iter()
        .filter_map(|d| match d {
            SigmaDocument::Correlation(c) => Some(c),
            _ => None,
        })
        .collect();
    let base = Metadata {
        title: "failed".into(),
        name: Some("failed".into()),
        ..Metadata::default()
    };
    CorrelationEngine::new(&correlations, [&base]).unwrap()
}

fn run_engine(events: &[(i64, String, String)]) -> usize {
    run(engine(), events)
}

fn run(mut e: CorrelationEngine, events: &[(i64, String, String)]) -> usize {
    let mut hits = 0;
    for (t, ip, user) in events {
        let lookup = |k: &str| match k {
            "SourceIp" => Some(ip.clone()),
            "User" => Some(user.clone()),
            _ => None,
        };
        hits += e
            .observe(&Observation {
                rule_id: None,
                rule_name: Some("failed"),
                timestamp: *t,
                event_id: None,
                field: &lookup,
            })
            .len();
    }
    hits
}

/// The anchor: the same two correlations, naively.
fn run_naive(events: &[(i64, String, String)]) -> usize {
    let mut users: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    let mut hits = run_naive_count(events, 300_000, 10);
    for (t, ip, user) in events {
        let u = users.entry(ip.clone()).or_default();
        u.push((*t, user.clone()));
        u.retain(|x| x.0 >= t - 600_000);
        let mut distinct: Vec<&str> = u.iter().map(|x| x.1.as_str()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() >= 5 {
            hits += 1;
            u.clear();
        }
    }
    hits
}

fn bench(c: &mut Criterion) {
    let events = stream();
    // Same answers, or the comparison means nothing.
    assert_eq!(run_engine(&events), run_naive(&events));
    let mut g = c.benchmark_group("correlation");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.sample_size(20);
    g.bench_function("engine: event_count + value_count", |b| {
        b.iter(|| black_box(run_engine(black_box(&events))))
    });
    g.bench_function("anchor: naive Vec per group", |b| {
        b.iter(|| black_box(run_naive(black_box(&events))))
    });
    g.finish();

    let busy = busy_stream();
    assert_eq!(
        run(engine_for(BUSY), &busy),
        run_naive_count(&busy, 3_600_000, 1_000_000)
    );
    let mut g = c.benchmark_group("correlation_large_windows");
    g.throughput(Throughput::Elements(busy.len() as u64));
    g.sample_size(10);
    g.bench_function("engine: event_count, 5,000-event windows", |b| {
        b.iter(|| black_box(run(engine_for(BUSY), black_box(&busy))))
    });
    g.bench_function("anchor: naive Vec per group", |b| {
        b.iter(|| black_box(run_naive_count(black_box(&busy), 3_600_000, 1_000_000)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
