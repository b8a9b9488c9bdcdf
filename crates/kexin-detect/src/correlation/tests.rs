use super::*;
use kexin_sigma::parse_str;
use proptest::prelude::*;

const S: i64 = 1000;

/// Base rules `name` with id `id-name`.
fn base(names: &[&str]) -> Vec<Metadata> {
    names
        .iter()
        .map(|n| Metadata {
            title: n.to_string(),
            id: Some(format!("id-{n}")),
            name: Some(n.to_string()),
            ..Metadata::default()
        })
        .collect()
}

fn correlations(yaml: &str) -> Vec<CorrelationRule> {
    parse_str(yaml, "test.yml")
        .unwrap()
        .into_iter()
        .filter_map(|d| match d {
            SigmaDocument::Correlation(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn engine(yaml: &str, names: &[&str]) -> CorrelationEngine {
    CorrelationEngine::new(&correlations(yaml), &base(names)).unwrap()
}

fn error(yaml: &str, names: &[&str]) -> String {
    CorrelationEngine::new(&correlations(yaml), &base(names))
        .unwrap_err()
        .to_string()
}

/// Observation of rule `name` at `t` ms with `fields`.
fn at(
    e: &mut CorrelationEngine,
    name: &str,
    t: i64,
    fields: &[(&str, &str)],
) -> Vec<CorrelationHit> {
    let lookup = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| *f == k)
            .map(|(_, v)| v.to_string())
    };
    let id = t.to_string();
    e.observe(&Observation {
        rule_id: None,
        rule_name: Some(name),
        timestamp: t,
        event_id: Some(&id),
        field: &lookup,
    })
}

fn values(hits: &[CorrelationHit]) -> Vec<f64> {
    hits.iter().map(|h| h.value).collect()
}

const COUNT: &str = "
title: Many failures
id: c-count
correlation:
    type: event_count
    rules: [failed]
    group-by: [ip]
    timespan: 10s
    condition:
        gte: 3
";

#[test]
fn event_count_fires_at_threshold_and_resets() {
    let mut e = engine(COUNT, &["failed"]);
    let ip = [("ip", "10.0.0.1")];
    assert!(at(&mut e, "failed", 0, &ip).is_empty());
    assert!(at(&mut e, "failed", S, &ip).is_empty());
    let hits = at(&mut e, "failed", 2 * S, &ip);
    assert_eq!(hits.len(), 1);
    let h = &hits[0];
    assert_eq!(h.rule_id.as_deref(), Some("c-count"));
    assert_eq!(h.title, "Many failures");
    assert_eq!(h.group, vec![("ip".to_string(), "10.0.0.1".to_string())]);
    assert_eq!((h.window_start, h.window_end, h.value), (0, 2 * S, 3.0));
    let ids: Vec<_> = h
        .contributors
        .iter()
        .map(|c| c.event_id.as_deref().unwrap())
        .collect();
    assert_eq!(ids, ["0", "1000", "2000"]);
    assert!(h.contributors.iter().all(|c| &*c.rule == "failed"));
    assert!(h.emit);
    // The events of a hit do not count again.
    assert!(at(&mut e, "failed", 3 * S, &ip).is_empty());
    assert!(at(&mut e, "failed", 4 * S, &ip).is_empty());
    assert_eq!(values(&at(&mut e, "failed", 5 * S, &ip)), [3.0]);
}

#[test]
fn window_is_inclusive_at_exactly_timespan() {
    let mut e = engine(COUNT, &["failed"]);
    let ip = [("ip", "a")];
    at(&mut e, "failed", 0, &ip);
    at(&mut e, "failed", 5 * S, &ip);
    // 10 s after the first: still within a 10 s timespan.
    assert_eq!(values(&at(&mut e, "failed", 10 * S, &ip)), [3.0]);

    let mut e = engine(COUNT, &["failed"]);
    at(&mut e, "failed", 0, &ip);
    at(&mut e, "failed", 5 * S, &ip);
    // One millisecond more and the first has left the window.
    assert!(at(&mut e, "failed", 10 * S + 1, &ip).is_empty());
    assert_eq!(values(&at(&mut e, "failed", 10 * S + 2, &ip)), [3.0]);
}

#[test]
fn groups_are_separate_and_missing_fields_do_not_count() {
    let mut e = engine(COUNT, &["failed"]);
    for t in 0..2 {
        at(&mut e, "failed", t * S, &[("ip", "a")]);
        at(&mut e, "failed", t * S, &[("ip", "b")]);
        at(&mut e, "failed", t * S, &[("user", "root")]);
    }
    assert_eq!(e.stats().missing_field, 2);
    let hits = at(&mut e, "failed", 2 * S, &[("ip", "b")]);
    assert_eq!(hits[0].group[0].1, "b");
    assert!(at(&mut e, "failed", 2 * S, &[("ip", "c")]).is_empty());
}

#[test]
fn unreferenced_rules_are_ignored() {
    let mut e = engine(COUNT, &["failed", "other"]);
    for t in 0..5 {
        assert!(at(&mut e, "other", t, &[("ip", "a")]).is_empty());
        assert!(at(&mut e, "unknown", t, &[("ip", "a")]).is_empty());
    }
    assert_eq!(e.stats().groups, 0);
    assert!(e.is_referenced(None, Some("failed")));
    assert!(!e.is_referenced(None, Some("other")));
}

#[test]
fn rules_are_referenced_by_id_or_name() {
    let yaml = COUNT.replace("[failed]", "[id-failed]");
    let mut e = engine(&yaml, &["failed"]);
    let ip = [("ip", "a")];
    at(&mut e, "failed", 0, &ip); // by name
    let lookup = |k: &str| (k == "ip").then(|| "a".to_string());
    e.observe(&Observation {
        rule_id: Some("id-failed"),
        rule_name: None,
        timestamp: 1,
        event_id: None,
        field: &lookup,
    });
    let hits = at(&mut e, "failed", 2, &ip);
    assert_eq!(values(&hits), [3.0]);
    // The contributor names the rule as the correlation wrote it.
    assert_eq!(&*hits[0].contributors[0].rule, "id-failed");
    assert_eq!(hits[0].contributors[1].event_id, None);
}

#[test]
fn value_count_counts_distinct_values_and_tuples() {
    let yaml = "
title: Spray
correlation:
    type: value_count
    rules: [failed]
    group-by: [ip]
    timespan: 1m
    condition:
        field: user
        gt: 2
";
    let mut e = engine(yaml, &["failed"]);
    for (t, u) in [(0, "root"), (1, "root"), (2, "admin"), (3, "admin")] {
        assert!(at(&mut e, "failed", t * S, &[("ip", "a"), ("user", u)]).is_empty());
    }
    // A missing value field does not count.
    assert!(at(&mut e, "failed", 4 * S, &[("ip", "a")]).is_empty());
    let hits = at(&mut e, "failed", 5 * S, &[("ip", "a"), ("user", "oracle")]);
    assert_eq!(values(&hits), [3.0]);
    assert_eq!(hits[0].window_start, 0);

    // Several fields: distinct tuples ("linked by AND").
    let yaml = yaml
        .replace("field: user", "field: [user, host]")
        .replace("gt: 2", "gte: 2");
    let mut e = engine(&yaml, &["failed"]);
    at(
        &mut e,
        "failed",
        0,
        &[("ip", "a"), ("user", "u"), ("host", "h1")],
    );
    assert!(
        at(
            &mut e,
            "failed",
            1,
            &[("ip", "a"), ("user", "u"), ("host", "h1")]
        )
        .is_empty()
    );
    let hits = at(
        &mut e,
        "failed",
        2,
        &[("ip", "a"), ("user", "u"), ("host", "h2")],
    );
    assert_eq!(values(&hits), [2.0]);
}

#[test]
fn value_count_distinct_values_leave_the_window() {
    let yaml = "
title: Spray
correlation:
    type: value_count
    rules: [failed]
    group-by: [ip]
    timespan: 10s
    condition:
        field: user
        gte: 3
";
    let mut e = engine(yaml, &["failed"]);
    at(&mut e, "failed", 0, &[("ip", "a"), ("user", "u1")]);
    at(&mut e, "failed", 5 * S, &[("ip", "a"), ("user", "u2")]);
    // u1 seen again at 9 s keeps it in the window at 15 s.
    at(&mut e, "failed", 9 * S, &[("ip", "a"), ("user", "u1")]);
    assert_eq!(
        values(&at(
            &mut e,
            "failed",
            15 * S,
            &[("ip", "a"), ("user", "u3")]
        )),
        [3.0]
    );

    let mut e = engine(yaml, &["failed"]);
    at(&mut e, "failed", 0, &[("ip", "a"), ("user", "u1")]);
    at(&mut e, "failed", 5 * S, &[("ip", "a"), ("user", "u2")]);
    assert!(at(&mut e, "failed", 15 * S, &[("ip", "a"), ("user", "u3")]).is_empty());
}

const TEMPORAL: &str = "
title: Recon
correlation:
    type: temporal
    rules: [a, b, c]
    group-by: [host]
    timespan: 1m
";

#[test]
fn temporal_needs_every_rule_in_any_order() {
    let mut e = engine(TEMPORAL, &["a", "b", "c"]);
    let h = [("host", "h")];
    assert!(at(&mut e, "c", 0, &h).is_empty());
    assert!(at(&mut e, "a", 10 * S, &h).is_empty());
    assert!(at(&mut e, "a", 20 * S, &h).is_empty());
    let hits = at(&mut e, "b", 30 * S, &h);
    assert_eq!(values(&hits), [3.0]);
    assert_eq!((hits[0].window_start, hits[0].window_end), (0, 30 * S));
    let rules: Vec<_> = hits[0].contributors.iter().map(|c| &*c.rule).collect();
    assert_eq!(rules, ["c", "a", "a", "b"]);

    // Spread over more than the timespan: no hit.
    let mut e = engine(TEMPORAL, &["a", "b", "c"]);
    at(&mut e, "a", 0, &h);
    at(&mut e, "b", 30 * S, &h);
    assert!(at(&mut e, "c", 61 * S, &h).is_empty());
    // … but b, c and a fresh a are.
    assert_eq!(values(&at(&mut e, "a", 62 * S, &h)), [3.0]);
}

#[test]
fn temporal_with_a_count_condition() {
    let yaml = format!("{TEMPORAL}    condition:\n        gte: 2\n");
    let mut e = engine(&yaml, &["a", "b", "c"]);
    let h = [("host", "h")];
    assert!(at(&mut e, "a", 0, &h).is_empty());
    assert!(at(&mut e, "a", 1, &h).is_empty());
    assert_eq!(values(&at(&mut e, "c", 2, &h)), [2.0]);
}

const ORDERED: &str = "
title: Fail then success
correlation:
    type: temporal_ordered
    rules: [fail, success]
    group-by: [ip]
    timespan: 1m
";

#[test]
fn temporal_ordered_requires_the_order() {
    let ip = [("ip", "a")];
    let mut e = engine(ORDERED, &["fail", "success"]);
    assert!(at(&mut e, "success", 0, &ip).is_empty());
    // fail after success: out of order, no hit.
    assert!(at(&mut e, "fail", S, &ip).is_empty());
    // a success after the fail completes the sequence.
    let hits = at(&mut e, "success", 2 * S, &ip);
    assert_eq!(values(&hits), [2.0]);
    assert_eq!((hits[0].window_start, hits[0].window_end), (S, 2 * S));

    // The same events in `temporal` (unordered) fire at the second one.
    let unordered = ORDERED.replace("temporal_ordered", "temporal");
    let mut e = engine(&unordered, &["fail", "success"]);
    at(&mut e, "success", 0, &ip);
    assert_eq!(values(&at(&mut e, "fail", S, &ip)), [2.0]);
}

#[test]
fn temporal_ordered_uses_event_time_not_arrival() {
    let ip = [("ip", "a")];
    let mut e = engine(ORDERED, &["fail", "success"]);
    // The success arrives first but happened later (within the lateness).
    assert!(at(&mut e, "success", 10 * S, &ip).is_empty());
    assert_eq!(values(&at(&mut e, "fail", 9 * S, &ip)), [2.0]);
    // Equal timestamps count as in order.
    let mut e = engine(ORDERED, &["fail", "success"]);
    at(&mut e, "fail", 5 * S, &ip);
    assert_eq!(values(&at(&mut e, "success", 5 * S, &ip)), [2.0]);
    // Beyond the timespan: no hit.
    let mut e = engine(ORDERED, &["fail", "success"]);
    at(&mut e, "fail", 0, &ip);
    assert!(at(&mut e, "success", 60 * S + 1, &ip).is_empty());
}

#[test]
fn value_sum_is_eager() {
    let yaml = "
title: Exfil
correlation:
    type: value_sum
    rules: [web]
    group-by: [src]
    timespan: 1h
    condition:
        field: bytes
        gt: 1000
";
    let mut e = engine(yaml, &["web"]);
    assert!(at(&mut e, "web", 0, &[("src", "a"), ("bytes", "600")]).is_empty());
    assert!(at(&mut e, "web", 1, &[("src", "a"), ("bytes", "lots")]).is_empty());
    assert_eq!(e.stats().non_numeric, 1);
    assert!(at(&mut e, "web", 2, &[("src", "a"), ("bytes", "400")]).is_empty());
    assert_eq!(
        values(&at(&mut e, "web", 3, &[("src", "a"), ("bytes", " 1 ")])),
        [1001.0]
    );
}

const AVG: &str = "
title: Average
correlation:
    type: value_avg
    rules: [web]
    group-by: [src]
    timespan: 10s
    condition:
        field: bytes
        gt: 500
";

#[test]
fn value_avg_waits_for_the_window_to_close() {
    let mut e = engine(AVG, &["web"]).with_limits(Limits {
        max_lateness_ms: 0,
        ..Limits::default()
    });
    let src = |b: &'static str| [("src", "a"), ("bytes", b)];
    // A single large event does not fire while the window is open …
    assert!(at(&mut e, "web", 0, &src("1000")).is_empty());
    assert!(at(&mut e, "web", 4 * S, &src("200")).is_empty());
    assert!(e.advance(10 * S).is_empty());
    // … the average of the whole window does, once it is over.
    let hits = e.advance(10 * S + 1);
    assert_eq!(values(&hits), [600.0]);
    assert_eq!((hits[0].window_start, hits[0].window_end), (0, 4 * S));
    assert_eq!(e.stats().groups, 0);

    // An average below the threshold does not fire.
    at(&mut e, "web", 20 * S, &src("100"));
    at(&mut e, "web", 21 * S, &src("900"));
    assert!(e.advance(40 * S).is_empty());
}

#[test]
fn deferred_window_closes_when_the_group_moves_on() {
    let mut e = engine(AVG, &["web"]);
    at(&mut e, "web", 0, &[("src", "a"), ("bytes", "800")]);
    // The next observation of the group falls after the window: the window
    // is evaluated now, without waiting for the lateness.
    let hits = at(&mut e, "web", 11 * S, &[("src", "a"), ("bytes", "10")]);
    assert_eq!(values(&hits), [800.0]);
    // The new window holds only the later event.
    assert!(e.flush().is_empty());
}

#[test]
fn deferred_windows_wait_for_late_events() {
    let mut e = engine(AVG, &["web"]).with_limits(Limits {
        max_lateness_ms: 5 * S,
        ..Limits::default()
    });
    at(&mut e, "web", 0, &[("src", "a"), ("bytes", "1000")]);
    // Window [0, 10 s] is not evaluated before 15 s …
    assert!(at(&mut e, "web", 14 * S, &[("src", "b"), ("bytes", "1")]).is_empty());
    // … so a late event at 9 s still counts (average 550, not 1000).
    assert!(at(&mut e, "web", 9 * S, &[("src", "a"), ("bytes", "100")]).is_empty());
    let hits = e.advance(15 * S + 1);
    assert_eq!(values(&hits), [550.0]);
}

#[test]
fn percentile_and_median() {
    let yaml = "
title: P90
correlation:
    type: value_percentile
    rules: [web]
    group-by: [src]
    timespan: 1m
    condition:
        field: ms
        percentile: 90
        gte: 46
";
    let mut e = engine(yaml, &["web"]);
    for (t, v) in [(0, "50"), (1, "15"), (2, "40"), (3, "20"), (4, "35")] {
        at(&mut e, "web", t, &[("src", "a"), ("ms", v)]);
    }
    // p90 of 15 20 35 40 50 = 40 + 0.6 · 10
    let hits = e.flush();
    assert_eq!(hits.len(), 1);
    assert!((hits[0].value - 46.0).abs() < 1e-9);

    let median = "
title: Median
correlation:
    type: value_median
    rules: [web]
    group-by: [src]
    timespan: 1m
    condition:
        field: ms
        eq: 27.5
";
    let mut e = engine(median, &["web"]);
    for (t, v) in [(0, "50"), (1, "15"), (2, "35"), (3, "20")] {
        at(&mut e, "web", t, &[("src", "a"), ("ms", v)]);
    }
    assert_eq!(values(&e.flush()), [27.5]);

    // Without `percentile`: the 50th.
    let p50 = yaml
        .replace("        percentile: 90\n", "")
        .replace("gte: 46", "eq: 35");
    let mut e = engine(&p50, &["web"]);
    for (t, v) in [(0, "50"), (1, "15"), (2, "40"), (3, "20"), (4, "35")] {
        at(&mut e, "web", t, &[("src", "a"), ("ms", v)]);
    }
    assert_eq!(values(&e.flush()), [35.0]);
}

fn count_with(condition: &str) -> String {
    COUNT.replace("        gte: 3\n", condition)
}

/// Feeds `n` events for one group, then ends the stream; returns the values hit.
fn run_count(condition: &str, n: i64) -> Vec<f64> {
    let mut e = engine(&count_with(condition), &["failed"]);
    let mut hits = Vec::new();
    for t in 0..n {
        hits.extend(at(&mut e, "failed", t * S, &[("ip", "a")]));
    }
    hits.extend(e.flush());
    values(&hits)
}

#[test]
fn condition_operators() {
    // gt is strict, gte is not.
    assert_eq!(run_count("        gt: 3\n", 3), Vec::<f64>::new());
    assert_eq!(run_count("        gt: 3\n", 4), [4.0]);
    assert_eq!(run_count("        gte: 3\n", 3), [3.0]);
    // eq/lt/lte/neq are judged on the whole window, not while it fills:
    // 3 events are not "eq 2".
    assert_eq!(run_count("        eq: 2\n", 3), Vec::<f64>::new());
    assert_eq!(run_count("        eq: 3\n", 3), [3.0]);
    assert_eq!(run_count("        lt: 3\n", 3), Vec::<f64>::new());
    assert_eq!(run_count("        lt: 3\n", 2), [2.0]);
    assert_eq!(run_count("        lte: 3\n", 3), [3.0]);
    assert_eq!(run_count("        neq: 3\n", 3), Vec::<f64>::new());
    assert_eq!(run_count("        neq: 3\n", 4), [4.0]);
    // A range (the specification's "gt: 100, lte: 200" form).
    let range = "        gt: 2\n        lte: 4\n";
    assert_eq!(run_count(range, 2), Vec::<f64>::new());
    assert_eq!(run_count(range, 3), [3.0]);
    assert_eq!(run_count(range, 4), [4.0]);
    assert_eq!(run_count(range, 5), Vec::<f64>::new());
    // Lower bounds only: eager, several hits for a long burst (3 + 3 + 3).
    assert_eq!(run_count("        gte: 3\n", 9), [3.0, 3.0, 3.0]);
}

#[test]
fn aliases_map_one_group_by_name_to_different_fields() {
    // The specification's example: internal_error (destination.ip is the
    // internal side) and new_network_connection (source.ip is).
    let yaml = "
title: Error then connection
correlation:
    type: temporal
    rules: [internal_error, new_network_connection]
    group-by: [internal_ip, remote_ip]
    timespan: 10s
    aliases:
        internal_ip:
            internal_error: destination.ip
            new_network_connection: source.ip
        remote_ip:
            internal_error: source.ip
            new_network_connection: destination.ip
";
    let mut e = engine(yaml, &["internal_error", "new_network_connection"]);
    let err = [("source.ip", "203.0.113.9"), ("destination.ip", "10.0.0.5")];
    let conn_same = [("source.ip", "10.0.0.5"), ("destination.ip", "203.0.113.9")];
    let conn_other = [
        ("source.ip", "10.0.0.5"),
        ("destination.ip", "198.51.100.1"),
    ];
    assert!(at(&mut e, "internal_error", 0, &err).is_empty());
    assert!(at(&mut e, "new_network_connection", S, &conn_other).is_empty());
    let hits = at(&mut e, "new_network_connection", 2 * S, &conn_same);
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].group,
        vec![
            ("internal_ip".to_string(), "10.0.0.5".to_string()),
            ("remote_ip".to_string(), "203.0.113.9".to_string()),
        ]
    );
}

const CHAIN: &str = "
title: Brute force then success
id: outer
correlation:
    type: temporal_ordered
    rules: [many_failed, success]
    group-by: [User]
    timespan: 10m
level: high
tags: [attack.credential_access]
---
title: Many failed logins
id: inner
name: many_failed
correlation:
    type: event_count
    rules: [failed]
    group-by: [User]
    timespan: 10m
    condition:
        gte: 3
";

#[test]
fn chained_correlations_feed_hits_back() {
    let mut e = engine(CHAIN, &["failed", "success"]);
    let u = [("User", "root"), ("ip", "203.0.113.7")];
    // Ends in the specification's example: a success before the failures
    // does not count, the one after does.
    at(&mut e, "success", 0, &u);
    at(&mut e, "failed", 60 * S, &u);
    at(&mut e, "failed", 61 * S, &u);
    let inner = at(&mut e, "failed", 62 * S, &u);
    assert_eq!(inner.len(), 1);
    assert_eq!(inner[0].rule_name.as_deref(), Some("many_failed"));
    // Referenced by `outer` without `generate`: not an alert of its own.
    assert!(!inner[0].emit);
    let hits = at(&mut e, "success", 70 * S, &u);
    assert_eq!(hits.len(), 1);
    let h = &hits[0];
    assert_eq!(h.rule_id.as_deref(), Some("outer"));
    assert_eq!(h.level, Some(Level::High));
    assert_eq!(h.tags, ["attack.credential_access"]);
    assert!(h.emit);
    assert_eq!((h.window_start, h.window_end), (62 * S, 70 * S));
    let rules: Vec<_> = h.contributors.iter().map(|c| &*c.rule).collect();
    assert_eq!(rules, ["many_failed", "success"]);
    // Base rules referenced without `generate` are not stand-alone alerts.
    assert!(!e.emit_standalone(Some("id-failed"), Some("failed")));
    assert!(e.emit_standalone(None, Some("unrelated")));
}

#[test]
fn chained_hit_fires_outer_in_the_same_call() {
    let yaml = CHAIN.replace("[many_failed, success]", "[success, many_failed]");
    let mut e = engine(&yaml, &["failed", "success"]);
    let u = [("User", "root")];
    at(&mut e, "success", 0, &u);
    at(&mut e, "failed", S, &u);
    at(&mut e, "failed", 2 * S, &u);
    let hits = at(&mut e, "failed", 3 * S, &u);
    let ids: Vec<_> = hits.iter().map(|h| h.rule_id.as_deref().unwrap()).collect();
    assert_eq!(ids, ["inner", "outer"]);
}

#[test]
fn generate_makes_referenced_rules_stand_alone() {
    let yaml = CHAIN.replacen(
        "    timespan: 10m\nlevel",
        "    timespan: 10m\n    generate: true\nlevel",
        1,
    );
    let e = engine(&yaml, &["failed", "success"]);
    assert!(e.emit_standalone(None, Some("success")));
    assert!(e.emit_standalone(None, Some("many_failed")));
    // `failed` is referenced only by `inner`, which does not generate.
    assert!(!e.emit_standalone(None, Some("failed")));
    let mut e = e;
    let u = [("User", "root")];
    for t in 0..3 {
        at(&mut e, "failed", t, &u);
    }
    let hits = at(&mut e, "success", 10, &u);
    assert!(hits.iter().all(|h| h.emit));
}

#[test]
fn deferred_chain_closes_at_flush() {
    // An inner deferred window (eq) feeding an outer event_count.
    let yaml = "
title: Outer
id: outer
correlation:
    type: event_count
    rules: [exactly_two]
    group-by: [ip]
    timespan: 1h
    condition:
        gte: 1
---
title: Exactly two
name: exactly_two
correlation:
    type: event_count
    rules: [failed]
    group-by: [ip]
    timespan: 10s
    condition:
        eq: 2
";
    let mut e = engine(yaml, &["failed"]);
    at(&mut e, "failed", 0, &[("ip", "a")]);
    at(&mut e, "failed", S, &[("ip", "a")]);
    let hits = e.flush();
    let ids: Vec<_> = hits
        .iter()
        .map(|h| h.rule_id.clone().or(h.rule_name.clone()).unwrap())
        .collect();
    assert_eq!(ids, ["exactly_two", "outer"]);
    assert_eq!(e.stats().groups, 0);
}

#[test]
fn validation_errors_name_the_correlation() {
    assert_eq!(
        error(COUNT, &["other"]),
        "correlation 'Many failures' (c-count): unknown rule 'failed' (no rule has this id or name)"
    );
    let cycle = "
title: A
name: a
correlation: {type: event_count, rules: [b], group-by: [x], timespan: 1m, condition: {gte: 1}}
---
title: B
name: b
correlation: {type: event_count, rules: [a], group-by: [x], timespan: 1m, condition: {gte: 1}}
";
    assert_eq!(
        error(cycle, &[]),
        "correlations refer to each other in a cycle: 'A' (a) -> 'B' (b) -> 'A' (a)"
    );
    let selfref = "
title: A
name: a
correlation: {type: event_count, rules: [a], group-by: [x], timespan: 1m, condition: {gte: 1}}
";
    assert!(error(selfref, &[]).contains("cycle"));
    assert_eq!(
        error(&COUNT.replace("id: c-count", "id: failed"), &["failed"]),
        "'failed' is the id or name of more than one rule"
    );
    let twice = COUNT.replace("[failed]", "[failed, id-failed]");
    assert!(
        error(&twice, &["failed"]).contains("rules 'failed' and 'id-failed' are the same rule")
    );
    let alias = format!("{COUNT}    aliases:\n        ip:\n            nope: src\n");
    assert!(error(&alias, &["failed", "nope"]).contains("alias 'ip' refers to 'nope'"));
    let pct = "
title: P
correlation:
    type: value_percentile
    rules: [web]
    group-by: [src]
    timespan: 1m
    condition: {field: ms, percentile: 101, gt: 1}
";
    assert!(error(pct, &["web"]).contains("percentile 101 is not within 0–100"));
    let two = pct.replace("field: ms, percentile: 101", "field: [a, b]");
    assert!(error(&two, &["web"]).contains("must name one numeric field, not 2"));
    let pct_on_sum = pct
        .replace("value_percentile", "value_sum")
        .replace("101", "5");
    assert!(error(&pct_on_sum, &["web"]).contains("percentile is only for value_percentile"));
    let chained_field = CHAIN.replacen("group-by: [User]", "group-by: [User, Host]", 1);
    assert!(
        error(&chained_field, &["failed", "success"])
            .contains("field 'Host' is not a group-by field of correlation 'many_failed'")
    );
    let dup = COUNT.replace("[ip]", "[ip, ip]");
    assert!(error(&dup, &["failed"]).contains("group-by 'ip' is listed twice"));
}

#[test]
fn late_observations_within_lateness_count() {
    let mut e = engine(COUNT, &["failed"]).with_limits(Limits {
        max_lateness_ms: 5 * S,
        ..Limits::default()
    });
    let ip = [("ip", "a")];
    at(&mut e, "failed", 100 * S, &ip);
    at(&mut e, "failed", 101 * S, &[("ip", "other")]);
    // 4 s behind the watermark: accepted and placed at its time.
    let hits = at(&mut e, "failed", 97 * S, &ip);
    assert!(hits.is_empty());
    let hits = at(&mut e, "failed", 98 * S, &ip);
    assert_eq!(values(&hits), [3.0]);
    assert_eq!(
        (hits[0].window_start, hits[0].window_end),
        (97 * S, 100 * S)
    );
    // 6 s behind: dropped.
    at(&mut e, "failed", 95 * S, &ip);
    assert_eq!(e.stats().late_dropped, 1);
    assert_eq!(e.watermark(), Some(101 * S));
}

#[test]
fn expired_groups_are_swept() {
    let mut e = engine(COUNT, &["failed"]).with_limits(Limits {
        max_lateness_ms: 0,
        ..Limits::default()
    });
    for i in 0..50 {
        at(&mut e, "failed", 0, &[("ip", &format!("10.0.0.{i}"))]);
    }
    assert_eq!(e.stats().groups, 50);
    assert_eq!(e.stats().entries, 100); // one run + one contributor each
    e.advance(10 * S);
    assert_eq!(e.stats().groups, 50, "still inside the window");
    // Sweeps run once per timespan of watermark progress, so expired state
    // is gone at the latest two timespans after its last event.
    e.advance(20 * S + 1);
    let s = e.stats();
    assert_eq!((s.groups, s.entries), (0, 0));
}

#[test]
fn caps_bound_the_state() {
    let mut e = engine(COUNT, &["failed"]).with_limits(Limits {
        max_groups: 100,
        max_contributors: 2,
        ..Limits::default()
    });
    for i in 0..1000 {
        at(&mut e, "failed", i, &[("ip", &i.to_string())]);
    }
    let s = e.stats();
    assert!(s.groups <= 100, "{s:?}");
    assert!(s.groups_evicted >= 900, "{s:?}");
    // The most recent groups survive: two more events of the last one fire.
    at(&mut e, "failed", 1000, &[("ip", "999")]);
    let hits = at(&mut e, "failed", 1001, &[("ip", "999")]);
    assert_eq!(values(&hits), [3.0]);
    // Only the two most recent contributors are kept.
    assert_eq!(hits[0].contributors.len(), 2);

    // Per-group cap: the oldest entries go, the window gets shorter.
    let many = count_with("        gte: 100\n");
    let mut e = engine(&many, &["failed"]).with_limits(Limits {
        max_entries_per_group: 10,
        ..Limits::default()
    });
    let mut hits = Vec::new();
    for t in 0..200 {
        hits.extend(at(&mut e, "failed", t, &[("ip", "a")]));
    }
    assert!(hits.is_empty());
    assert_eq!(e.stats().entries_evicted, 190);

    // Total entry budget.
    let mut e = engine(COUNT, &["failed"]).with_limits(Limits {
        max_entries: 50,
        max_contributors: 0,
        ..Limits::default()
    });
    for i in 0..500 {
        at(&mut e, "failed", i, &[("ip", &i.to_string())]);
    }
    assert!(e.stats().entries <= 50);
}

/// The reference for eager `event_count`/`value_count`: per group, the
/// observations since the last hit, trimmed to the timespan, recounted
/// from scratch at every event.
fn reference(
    events: &[(i64, u8, u8)],
    span: i64,
    threshold: usize,
    distinct: bool,
) -> Vec<(String, i64, f64)> {
    let mut state: HashMap<u8, Vec<(i64, u8)>> = HashMap::new();
    let mut hits = Vec::new();
    for &(t, g, v) in events {
        let s = state.entry(g).or_default();
        s.push((t, v));
        s.retain(|&(x, _)| x >= t - span);
        let n = if distinct {
            let mut vs: Vec<u8> = s.iter().map(|e| e.1).collect();
            vs.sort_unstable();
            vs.dedup();
            vs.len()
        } else {
            s.len()
        };
        if n >= threshold {
            hits.push((g.to_string(), t, n as f64));
            s.clear();
        }
    }
    hits
}

fn stream() -> impl Strategy<Value = Vec<(i64, u8, u8)>> {
    proptest::collection::vec((0i64..4000, 0u8..4, 0u8..6), 0..200).prop_map(|mut v| {
        // Non-decreasing times from random gaps.
        let mut t = 0;
        for e in &mut v {
            t += e.0 % 1500;
            e.0 = t;
        }
        v
    })
}

fn run_engine(yaml: &str, events: &[(i64, u8, u8)], limits: Limits) -> Vec<(String, i64, f64)> {
    let mut e = engine(yaml, &["r"]).with_limits(limits);
    let mut hits = Vec::new();
    for &(t, g, v) in events {
        let (g, v) = (g.to_string(), v.to_string());
        let lookup = |k: &str| match k {
            "g" => Some(g.clone()),
            "v" => Some(v.clone()),
            _ => None,
        };
        for h in e.observe(&Observation {
            rule_id: None,
            rule_name: Some("r"),
            timestamp: t,
            event_id: None,
            field: &lookup,
        }) {
            hits.push((h.group[0].1.clone(), h.window_end, h.value));
        }
    }
    hits
}

proptest! {
    #[test]
    fn event_count_matches_brute_force(events in stream(), span_s in 1i64..5, threshold in 1usize..6) {
        let yaml = format!("title: t\ncorrelation:\n    type: event_count\n    rules: [r]\n    group-by: [g]\n    timespan: {span_s}s\n    condition:\n        gte: {threshold}\n");
        let got = run_engine(&yaml, &events, Limits { max_lateness_ms: 0, ..Limits::default() });
        prop_assert_eq!(got, reference(&events, span_s * S, threshold, false));
    }

    #[test]
    fn value_count_matches_brute_force(events in stream(), span_s in 1i64..5, threshold in 1usize..5) {
        let yaml = format!("title: t\ncorrelation:\n    type: value_count\n    rules: [r]\n    group-by: [g]\n    timespan: {span_s}s\n    condition:\n        field: v\n        gte: {threshold}\n");
        let got = run_engine(&yaml, &events, Limits { max_lateness_ms: 0, ..Limits::default() });
        prop_assert_eq!(got, reference(&events, span_s * S, threshold, true));
    }

    /// `temporal_ordered` over two rules against an exhaustive search for an
    /// A at or before a B in the window ending at each event.
    #[test]
    fn temporal_ordered_matches_brute_force(events in stream(), span_s in 1i64..5) {
        let yaml = format!("title: t\ncorrelation:\n    type: temporal_ordered\n    rules: [a, b]\n    group-by: [g]\n    timespan: {span_s}s\n");
        let mut e = engine(&yaml, &["a", "b"]).with_limits(Limits { max_lateness_ms: 0, ..Limits::default() });
        let mut got = Vec::new();
        for &(t, g, v) in &events {
            let rule = if v % 2 == 0 { "a" } else { "b" };
            for h in at(&mut e, rule, t, &[("g", &g.to_string())]) {
                got.push((h.group[0].1.clone(), t));
            }
        }
        let mut want = Vec::new();
        let mut state: HashMap<u8, Vec<(i64, bool)>> = HashMap::new();
        for &(t, g, v) in &events {
            let s = state.entry(g).or_default();
            s.push((t, v % 2 == 0));
            s.retain(|x| x.0 >= t - span_s * S);
            let found = s.iter().any(|a| a.1 && s.iter().any(|b| !b.1 && a.0 <= b.0));
            if found {
                want.push((g.to_string(), t));
                s.clear();
            }
        }
        prop_assert_eq!(got, want);
    }

    /// Shuffling events within the lateness changes nothing for a window
    /// that is evaluated after they all arrived: total counts per group
    /// over a long deferred window equal the number of events.
    #[test]
    fn out_of_order_within_lateness_loses_nothing(events in stream(), seed in any::<u64>()) {
        let yaml = "title: t\ncorrelation:\n    type: event_count\n    rules: [r]\n    group-by: [g]\n    timespan: 1000d\n    condition:\n        gte: 1\n        lte: 1000000\n";
        let mut shuffled = events.clone();
        // Swap neighbours less than the lateness apart, pseudo-randomly.
        let mut x = seed | 1;
        for i in 1..shuffled.len() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            if x % 2 == 0 && shuffled[i].0 - shuffled[i - 1].0 < 2000 {
                shuffled.swap(i, i - 1);
            }
        }
        let mut e = engine(yaml, &["r"]).with_limits(Limits { max_lateness_ms: 2000, ..Limits::default() });
        for &(t, g, _) in &shuffled {
            let g = g.to_string();
            let lookup = |k: &str| (k == "g").then(|| g.clone());
            e.observe(&Observation { rule_id: None, rule_name: Some("r"), timestamp: t, event_id: None, field: &lookup });
        }
        let mut got: Vec<(String, f64)> = e.flush().into_iter().map(|h| (h.group[0].1.clone(), h.value)).collect();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        let mut want: std::collections::BTreeMap<String, f64> = Default::default();
        for &(_, g, _) in &events {
            *want.entry(g.to_string()).or_default() += 1.0;
        }
        prop_assert_eq!(got, want.into_iter().collect::<Vec<_>>());
        prop_assert_eq!(e.stats().late_dropped, 0);
    }
}

/// One rule set with every correlation type, chained, for robustness tests.
const EVERY_TYPE: &str = "
title: count
name: count
correlation: {type: event_count, rules: [r], group-by: [g], timespan: 5s, condition: {gte: 2}}
---
title: distinct
name: distinct
correlation: {type: value_count, rules: [r, s], group-by: [g], timespan: 5s, condition: {field: v, gt: 1, lte: 3}}
---
title: temporal
name: temporal
correlation: {type: temporal, rules: [r, s], group-by: [g], timespan: 5s}
---
title: ordered
name: ordered
correlation: {type: temporal_ordered, rules: [count, s, distinct], group-by: [g], timespan: 5s}
---
title: sum
correlation: {type: value_sum, rules: [r], group-by: [g], timespan: 5s, condition: {field: v, gte: 3}}
---
title: avg
correlation: {type: value_avg, rules: [s], group-by: [g], timespan: 5s, condition: {field: v, neq: 2}}
---
title: pct
correlation: {type: value_percentile, rules: [r], group-by: [g], timespan: 5s, condition: {field: v, percentile: 75, lt: 4}}
---
title: median
correlation: {type: value_median, rules: [temporal, s], group-by: [g], timespan: 5s, condition: {field: g, gte: 0}}
";

#[test]
fn group_keys_round_trip() {
    for values in [
        vec![],
        vec!["10.0.0.1".to_string()],
        vec![
            "a:b".to_string(),
            String::new(),
            "3:x".to_string(),
            "ü".to_string(),
        ],
    ] {
        let n = values.len();
        assert_eq!(decode_tuple(&encode_tuple(values.clone()), n), values);
    }
    // Distinct tuples never share a key.
    let a = encode_tuple(vec!["1:a".to_string(), "b".to_string()]);
    let b = encode_tuple(vec!["1".to_string(), "a1:b".to_string()]);
    assert_ne!(a, b);
}

#[test]
fn extreme_timestamps_do_not_overflow() {
    let mut e = engine(EVERY_TYPE, &["r", "s"]);
    for t in [i64::MAX, i64::MIN, 0, i64::MAX - 1, i64::MIN + 1] {
        for r in ["r", "s"] {
            at(&mut e, r, t, &[("g", "a"), ("v", "1")]);
        }
    }
    e.advance(i64::MAX);
    e.flush();
    assert_eq!(e.stats().groups, 0);
}

proptest! {
    /// Any stream, in any order, through every type and chain: no panic,
    /// and the state accounting returns to zero at the end.
    #[test]
    fn any_stream_is_handled(
        events in proptest::collection::vec((any::<bool>(), -20_000i64..20_000, 0u8..3, 0u8..5), 0..120),
        lateness in 0i64..10_000,
    ) {
        let mut e = engine(EVERY_TYPE, &["r", "s"]).with_limits(Limits {
            max_lateness_ms: lateness,
            max_groups: 2,
            max_entries: 20,
            max_entries_per_group: 5,
            max_contributors: 3,
        });
        for (rule, t, g, v) in events {
            let (g, v) = (g.to_string(), v.to_string());
            for h in at(&mut e, if rule { "r" } else { "s" }, t, &[("g", &g), ("v", &v)]) {
                prop_assert!(h.window_start <= h.window_end);
                prop_assert!(h.contributors.len() <= 3);
            }
            for c in &e.correlations {
                let held: usize = c.groups.values().map(|g| g.len()).sum();
                prop_assert_eq!(c.entries, held, "entry accounting of {}", c.meta.title);
                prop_assert!(c.entries <= 20 && c.groups.len() <= 2, "{} over its caps", c.meta.title);
            }
        }
        e.flush();
        let s = e.stats();
        prop_assert_eq!((s.groups, s.entries), (0, 0));
    }
}
