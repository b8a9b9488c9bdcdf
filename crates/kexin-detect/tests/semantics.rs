//! Evaluation semantics, one Sigma feature at a time: each rule is run on
//! events that must and must not match.

use kexin_detect::{Engine, EngineConfig, LogsourceRef, Pipeline, Scratch};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const LS: LogsourceRef<'static> = LogsourceRef {
    product: Some("test"),
    category: Some("unit"),
    service: None,
};

fn engine_with(rules: &[&str], config: EngineConfig) -> Engine {
    let mut b = Engine::builder(config);
    for (i, r) in rules.iter().enumerate() {
        let docs = kexin_sigma::parse_str(r, &format!("rule{i}.yml")).expect("rule parses");
        for d in &docs {
            b.add(d, &format!("rule{i}.yml"));
        }
    }
    b.build()
}

fn rule(detection: &str) -> String {
    format!(
        "title: t\nid: 11111111-2222-4333-8444-555555555555\nlogsource: {{product: test, category: unit}}\ndetection:\n{detection}"
    )
}

/// Whether the single rule built from `detection` matches each event.
fn check(detection: &str, cases: &[(Value, bool)]) {
    let r = rule(detection);
    let e = engine_with(&[&r], EngineConfig::default());
    assert!(e.problems().is_empty(), "{:?}", e.problems());
    assert_eq!(e.len(), 1);
    // with and without the prefilter: same answers
    let naive = engine_with(
        &[&r],
        EngineConfig {
            prefilter: false,
            ..Default::default()
        },
    );
    let mut s = Scratch::new();
    for (ev, want) in cases {
        for eng in [&e, &naive] {
            let mut out = Vec::new();
            eng.evaluate(ev, LS, &mut s, &mut out);
            assert_eq!(!out.is_empty(), *want, "{detection}\non {ev}");
        }
    }
}

#[test]
fn strings_wildcards_case_and_escapes() {
    check(
        // `\\*` in the rule is a backslash then a wildcard; `\*` alone is a literal `*`
        "  sel:\n    Image: 'C:\\Windows\\\\*\\cmd.exe'\n  condition: sel\n",
        &[
            (json!({"Image": "c:\\windows\\system32\\CMD.EXE"}), true),
            (json!({"Image": "C:\\Windows\\cmd.exe"}), false),
            (json!({"Image": ["x", "C:\\Windows\\a\\cmd.exe"]}), true),
            (json!({}), false),
        ],
    );
    check(
        "  sel:\n    F: 'a\\*b?'\n  condition: sel\n",
        &[
            (json!({"F": "a*bc"}), true),
            (json!({"F": "axbc"}), false),
            (json!({"F": "a*b"}), false),
        ],
    );
    check(
        "  sel:\n    F|cased: 'Secret'\n  condition: sel\n",
        &[
            (json!({"F": "Secret"}), true),
            (json!({"F": "secret"}), false),
        ],
    );
}

#[test]
fn positions_lists_and_all() {
    check(
        "  sel:\n    C|contains|all: [' -enc ', 'bypass']\n  condition: sel\n",
        &[
            (json!({"C": "powershell -ENC abc -ep ByPass"}), true),
            (json!({"C": "powershell -enc abc"}), false),
        ],
    );
    check(
        "  sel:\n    C|startswith: [foo, bar]\n    D|endswith: '.exe'\n  condition: sel\n",
        &[
            (json!({"C": "BARx", "D": "a.EXE"}), true),
            (json!({"C": "xbar", "D": "a.exe"}), false),
            (json!({"C": "foo", "D": "a.dll"}), false),
        ],
    );
}

#[test]
fn numbers_null_empty_exists() {
    check(
        "  sel:\n    EventID: 4688\n  condition: sel\n",
        &[
            (json!({"EventID": 4688}), true),
            (json!({"EventID": "4688"}), true),
            (json!({"EventID": 4689}), false),
        ],
    );
    check(
        "  sel:\n    F: null\n  condition: sel\n",
        &[
            (json!({}), true),
            (json!({"F": null}), true),
            (json!({"F": ""}), false),
        ],
    );
    check(
        "  sel:\n    F: ''\n  condition: sel\n",
        &[
            (json!({"F": ""}), true),
            (json!({}), false),
            (json!({"F": "x"}), false),
        ],
    );
    check(
        "  sel:\n    F|exists: true\n  condition: sel\n",
        &[(json!({"F": null}), true), (json!({"G": 1}), false)],
    );
    check(
        "  sel:\n    F|exists: false\n  condition: sel\n",
        &[(json!({"F": ""}), false), (json!({"G": 1}), true)],
    );
    check(
        "  sel:\n    N|gte: 10\n    N|lt: 20.5\n  condition: sel\n",
        &[
            (json!({"N": 10}), true),
            (json!({"N": "20"}), true),
            (json!({"N": 20.5}), false),
            (json!({"N": 9}), false),
        ],
    );
    check(
        "  sel:\n    F|neq: 'a'\n  condition: sel\n",
        &[(json!({"F": "b"}), true), (json!({"F": "A"}), false)],
    );
}

#[test]
fn regex_cidr_time() {
    check(
        "  sel:\n    F|re: '^ab+c$'\n  condition: sel\n",
        &[(json!({"F": "abbc"}), true), (json!({"F": "ABBC"}), false)],
    );
    check(
        "  sel:\n    F|re|i: 'AB+C'\n  condition: sel\n",
        &[(json!({"F": "xabbcx"}), true)],
    );
    check(
        "  sel:\n    F|re|s: 'a.b'\n  condition: sel\n",
        &[(json!({"F": "a\nb"}), true)],
    );
    check(
        "  sel:\n    F|re: 'a.b'\n  condition: sel\n",
        &[(json!({"F": "a\nb"}), false)],
    );
    check(
        "  sel:\n    F|re|m: '^b$'\n  condition: sel\n",
        &[(json!({"F": "a\nb\nc"}), true)],
    );
    check(
        "  sel:\n    Ip|cidr: ['10.0.0.0/8', '2001:db8::/32']\n  condition: sel\n",
        &[
            (json!({"Ip": "10.1.2.3"}), true),
            (json!({"Ip": "2001:db8::1"}), true),
            (json!({"Ip": "192.168.0.1"}), false),
        ],
    );
    check(
        "  sel:\n    T|hour|gte: 22\n  condition: sel\n",
        &[
            (json!({"T": "2024-01-01T23:10:00Z"}), true),
            (json!({"T": "2024-01-01 08:10:00"}), false),
        ],
    );
    check(
        "  sel:\n    T|month: 12\n  condition: sel\n",
        &[
            (json!({"T": "2024-12-01T00:00:00Z"}), true),
            (json!({"T": "2024-11-01"}), false),
        ],
    );
}

#[test]
fn encodings_and_windash() {
    // base64('cmd') = Y21k; utf16le + base64: 'cmd' → YwBtAGQA
    check(
        "  sel:\n    F|base64: 'cmd'\n  condition: sel\n",
        &[(json!({"F": "Y21k"}), true), (json!({"F": "cmd"}), false)],
    );
    check(
        "  sel:\n    F|wide|base64|contains: 'cmd'\n  condition: sel\n",
        &[(json!({"F": "xxYwBtAGQAyy"}), true)],
    );
    // 'whoami' inside any base64 text, at each of the three alignments
    for prefix in ["", "a", "ab"] {
        use base64::Engine as _;
        let enc = base64::engine::general_purpose::STANDARD.encode(format!("{prefix}whoami /all"));
        check(
            "  sel:\n    F|base64offset|contains: 'whoami'\n  condition: sel\n",
            &[(json!({ "F": enc }), true)],
        );
    }
    check(
        "  sel:\n    C|windash|contains: ' -exec '\n  condition: sel\n",
        &[
            (json!({"C": "x /exec y"}), true),
            (json!({"C": "x \u{2013}exec y"}), true),
            (json!({"C": "x exec y"}), false),
        ],
    );
}

#[test]
fn fieldref_and_keywords() {
    check(
        "  sel:\n    A|fieldref: B\n  condition: sel\n",
        &[
            (json!({"A": "X", "B": "x"}), true),
            (json!({"A": "x", "B": "y"}), false),
            (json!({"A": "x"}), false),
        ],
    );
    check(
        "  sel:\n    A|fieldref|endswith: B\n  condition: sel\n",
        &[(json!({"A": "c:\\a\\b.exe", "B": "b.exe"}), true)],
    );
    check(
        "  keywords:\n    - 'Trojan*FOUND'\n    - 'mimikatz'\n  condition: keywords\n",
        &[
            (json!({"msg": "a Trojan.X FOUND here"}), true),
            (json!({"deep": {"x": ["MIMIKATZ"]}}), true),
            (json!({"mimikatz": "key names are not searched"}), false),
        ],
    );
}

#[test]
fn conditions() {
    let d = "  sel_a:\n    A: 1\n  sel_b:\n    B: 1\n  filter_x:\n    X: 1\n  _hidden:\n    H: 1\n";
    let ev = |a: i32, b: i32, x: i32| json!({"A": a, "B": b, "X": x, "H": 0});
    check(
        &format!("{d}  condition: 1 of sel_* and not filter_x\n"),
        &[
            (ev(1, 0, 0), true),
            (ev(0, 1, 1), false),
            (ev(0, 0, 0), false),
        ],
    );
    check(
        &format!("{d}  condition: all of sel_*\n"),
        &[(ev(1, 1, 0), true), (ev(1, 0, 0), false)],
    );
    check(
        &format!("{d}  condition: all of them\n"),
        &[(ev(1, 1, 1), true)],
    );
    check(
        &format!("{d}  condition: sel_a or sel_b and filter_x\n"),
        &[
            (ev(1, 0, 0), true),
            (ev(0, 1, 0), false),
            (ev(0, 1, 1), true),
        ],
    );
    check(
        &format!("{d}  condition: (sel_a or sel_b) and not (filter_x)\n"),
        &[(ev(0, 1, 0), true), (ev(0, 1, 1), false)],
    );
    check(
        &format!("{d}  condition:\n    - sel_a and sel_b\n    - filter_x\n"),
        &[(ev(0, 0, 1), true), (ev(1, 0, 0), false)],
    );
    check(
        "  sel:\n    - A: 1\n      B: 2\n    - C: 3\n  condition: sel\n",
        &[
            (json!({"A": 1, "B": 2}), true),
            (json!({"C": 3}), true),
            (json!({"A": 1, "C": 4}), false),
        ],
    );
}

#[test]
fn placeholders_are_expanded_or_reported() {
    let r = rule("  sel:\n    User|expand: '%admins%'\n  condition: sel\n");
    let missing = engine_with(&[&r], EngineConfig::default());
    assert_eq!(missing.len(), 0);
    assert_eq!(missing.problems().len(), 1);
    assert!(
        missing.problems()[0]
            .message
            .contains("placeholder '%admins%' has no configured value"),
        "{:?}",
        missing.problems()
    );
    let mut placeholders = BTreeMap::new();
    placeholders.insert(
        "admins".to_string(),
        vec!["root".to_string(), "adm_*".to_string()],
    );
    let e = engine_with(
        &[&r],
        EngineConfig {
            placeholders,
            ..Default::default()
        },
    );
    let mut s = Scratch::new();
    for (user, want) in [("root", true), ("ADM_bob", true), ("bob", false)] {
        let mut out = Vec::new();
        e.evaluate(&json!({ "User": user }), LS, &mut s, &mut out);
        assert_eq!(!out.is_empty(), want, "{user}");
    }
    // Configured empty: the rule loads and the item matches nothing.
    let empty = engine_with(
        &[&r],
        EngineConfig {
            placeholders: BTreeMap::from([("admins".to_string(), Vec::new())]),
            ..Default::default()
        },
    );
    assert!(empty.problems().is_empty(), "{:?}", empty.problems());
    let mut out = Vec::new();
    empty.evaluate(&json!({ "User": "root" }), LS, &mut s, &mut out);
    assert!(out.is_empty());
}

#[test]
fn routing_by_logsource() {
    let specific = "title: s\nid: 00000000-0000-4000-8000-000000000001\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    A: x\n  condition: sel\n";
    let broad = "title: b\nid: 00000000-0000-4000-8000-000000000002\nlogsource: {product: windows}\ndetection:\n  sel:\n    A: x\n  condition: sel\n";
    let other = "title: o\nid: 00000000-0000-4000-8000-000000000003\nlogsource: {product: linux}\ndetection:\n  sel:\n    A: x\n  condition: sel\n";
    let parent = "title: p\nid: 00000000-0000-4000-8000-000000000004\nlogsource: {product: windows, category: registry_event}\ndetection:\n  sel:\n    A: x\n  condition: sel\n";
    let e = engine_with(
        &[specific, broad, other, parent],
        EngineConfig {
            pipelines: vec![
                Pipeline::from_yaml(
                    "name: p\nlogsource_parents:\n  category: {registry_set: registry_event}\n",
                    "p.yml",
                )
                .unwrap(),
            ],
            ..Default::default()
        },
    );
    let titles = |ls: LogsourceRef<'_>| {
        let mut s = Scratch::new();
        let mut out = Vec::new();
        e.evaluate(&json!({"A": "x"}), ls, &mut s, &mut out);
        out.into_iter().map(|m| m.title).collect::<Vec<_>>()
    };
    let ls = |p, c| LogsourceRef {
        product: Some(p),
        category: c,
        service: Some("sysmon"),
    };
    assert_eq!(titles(ls("windows", Some("process_creation"))), ["s", "b"]);
    assert_eq!(titles(ls("windows", Some("registry_set"))), ["b", "p"]);
    assert_eq!(titles(ls("windows", None)), ["b"]);
    assert_eq!(titles(ls("linux", Some("process_creation"))), ["o"]);
    assert!(titles(ls("macos", None)).is_empty());
}

#[test]
fn filters_suppress_their_rules() {
    let r = "title: rar\nid: 6f3e2987-db24-4c78-a860-b4f4095a7095\nname: rar_use\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    Image|endswith: '\\rar.exe'\n  condition: sel\n";
    let f = "title: admins\nid: 0f3e2987-db24-4c78-a860-b4f4095a7096\nlogsource: {product: windows, category: process_creation}\nfilter:\n  rules: [rar_use]\n  selection:\n    User|startswith: 'adm_'\n  condition: selection\n";
    let e = engine_with(&[r, f], EngineConfig::default());
    assert!(e.problems().is_empty(), "{:?}", e.problems());
    let ls = LogsourceRef {
        product: Some("windows"),
        category: Some("process_creation"),
        service: None,
    };
    let mut s = Scratch::new();
    let mut out = Vec::new();
    e.evaluate(
        &json!({"Image": "c:\\rar.exe", "User": "adm_x"}),
        ls,
        &mut s,
        &mut out,
    );
    assert!(out.is_empty());
    e.evaluate(
        &json!({"Image": "c:\\rar.exe", "User": "bob"}),
        ls,
        &mut s,
        &mut out,
    );
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].rule_name.as_deref(), Some("rar_use"));
    assert_eq!(out[0].fields["Image"], "c:\\rar.exe");
    let json = serde_json::to_value(&out[0]).unwrap();
    assert_eq!(json["rule_id"], "6f3e2987-db24-4c78-a860-b4f4095a7095");
    assert_eq!(json["logsource"]["category"], "process_creation");
    // a filter whose rule is not loaded is reported
    let e = engine_with(&[f], EngineConfig::default());
    assert_eq!(e.problems().len(), 1);
}

#[test]
fn kexin_logs_events() {
    use kexin_logs::Normalizer;
    let r = "title: ssh fail\nid: 00000000-0000-4000-8000-0000000000aa\nname: ssh_fail\nlogsource: {product: linux, service: auth}\ndetection:\n  keywords:\n    - 'Failed password for invalid user'\n  condition: keywords\n";
    let r2 = "title: ssh src\nid: 00000000-0000-4000-8000-0000000000ab\nlogsource: {product: linux, service: sshd}\ndetection:\n  sel:\n    SourceIp|cidr: 198.51.100.0/24\n  condition: sel\n";
    let e = engine_with(
        &[r, r2],
        EngineConfig {
            pipelines: vec![Pipeline::kexin_logs()],
            ..Default::default()
        },
    );
    let n = Normalizer::new(time::macros::datetime!(2024-03-10 12:00:00 UTC));
    let ev = n
        .syslog(b"Mar  9 06:25:01 bastion sshd[1234]: Failed password for invalid user oracle from 198.51.100.23 port 41870 ssh2")
        .unwrap();
    let mut s = Scratch::new();
    let mut out = Vec::new();
    e.evaluate_log_event(&ev, &mut s, &mut out);
    let titles: Vec<_> = out.iter().map(|m| m.title.as_str()).collect();
    assert_eq!(titles, ["ssh fail", "ssh src"]);
    assert!(out[0].timestamp.is_some());
    assert_eq!(
        e.field(out[0].rule_index, &ev, "SourceIp").as_deref(),
        Some("198.51.100.23")
    );
}

#[test]
fn engine_is_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Engine>();
    shared::<kexin_detect::Match>();
}

#[test]
fn windows_registry_events_route_to_registry_event_rules() {
    let w = Pipeline::windows_evtx_json();
    for (event_type, category) in [
        ("CreateKey", "registry_add"),
        ("DeleteValue", "registry_delete"),
        ("CreateValue", "registry_event"),
    ] {
        let ev = json!({"Event": {"System": {"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 12}, "EventData": {"EventType": event_type}}});
        let ls = w.derive_logsource(&ev).expect("derived");
        assert_eq!(ls.category, Some(category), "{event_type}");
        assert_eq!(ls.service, Some("sysmon"));
    }
}

#[test]
fn joined_auditd_events_are_of_every_record_type() {
    use kexin_logs::{Normalizer, normalize_reader};
    // SigmaHQ's audio-capture rule shape: `type: EXECVE` beside EXECVE's
    // arguments, on an event joined from SYSCALL + EXECVE + PROCTITLE.
    let rule = "title: audio capture\nid: 00000000-0000-4000-8000-0000000000ac\nlogsource: {product: linux, service: auditd}\ndetection:\n  selection:\n    type: EXECVE\n    a0: arecord\n    a1: '-vv'\n  condition: selection\n";
    let e = engine_with(
        &[rule],
        EngineConfig {
            pipelines: vec![Pipeline::kexin_logs()],
            ..Default::default()
        },
    );
    let log = "type=SYSCALL msg=audit(1700000000.100:42): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=2 auid=1000 uid=1000 comm=\"arecord\" exe=\"/usr/bin/arecord\" key=(null)\n\
type=EXECVE msg=audit(1700000000.100:42): argc=3 a0=\"arecord\" a1=\"-vv\" a2=\"out.wav\"\n\
type=PROCTITLE msg=audit(1700000000.100:42): proctitle=6172\n\
type=EOE msg=audit(1700000000.100:42):\n";
    let n = Normalizer::new(time::macros::datetime!(2024-03-10 12:00:00 UTC));
    let mut events = Vec::new();
    normalize_reader(&n, log.as_bytes(), |ev| events.push(ev)).unwrap();
    assert_eq!(events.len(), 1, "{events:#?}");
    let mut s = Scratch::new();
    let mut out = Vec::new();
    e.evaluate_log_event(&events[0], &mut s, &mut out);
    assert_eq!(out.len(), 1, "{:?}", events[0].fields);
    // A record type the event does not hold still does not match.
    let other = rule.replace("type: EXECVE", "type: PATH");
    let e = engine_with(
        &[other.as_str()],
        EngineConfig {
            pipelines: vec![Pipeline::kexin_logs()],
            ..Default::default()
        },
    );
    out.clear();
    e.evaluate_log_event(&events[0], &mut s, &mut out);
    assert!(out.is_empty());
}
