//! Property tests: the wildcard matcher agrees with a reference
//! implementation, and arbitrary events never make the engine panic.

use kexin_detect::{Engine, EngineConfig, LogsourceRef, Pipeline, Scratch};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Reference: Sigma wildcards by exhaustive recursion over chars.
fn reference(p: &[char], h: &[char]) -> bool {
    match p.split_first() {
        None => h.is_empty(),
        Some(('*', rest)) => (0..=h.len()).any(|i| reference(rest, &h[i..])),
        Some(('?', rest)) => !h.is_empty() && reference(rest, &h[1..]),
        Some((c, rest)) => {
            h.first()
                .is_some_and(|x| x.to_lowercase().eq(c.to_lowercase()))
                && reference(rest, &h[1..])
        }
    }
}

fn one_rule_engine(value: &str) -> Engine {
    let text = format!(
        "title: t\nid: 11111111-2222-4333-8444-555555555555\nlogsource: {{product: p}}\ndetection:\n  sel:\n    F: '{}'\n  condition: sel\n",
        value.replace('\'', "''")
    );
    let docs = kexin_sigma::parse_str(&text, "p.yml").expect("rule parses");
    let mut b = Engine::builder(EngineConfig::default());
    b.add(&docs[0], "p.yml");
    b.build()
}

fn matches(engine: &Engine, hay: &str) -> bool {
    let mut out = Vec::new();
    engine.evaluate(
        &json!({ "F": hay }),
        LogsourceRef {
            product: Some("p"),
            ..Default::default()
        },
        &mut Scratch::new(),
        &mut out,
    );
    !out.is_empty()
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[a-zA-Z0-9 .:/\\\\*?%-]{0,12}".prop_map(Value::String),
        "\\PC{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("Event".to_string()),
                    Just("System".to_string()),
                    Just("EventData".to_string()),
                    Just("Image".to_string()),
                    Just("Channel".to_string()),
                    Just("EventID".to_string()),
                    "[A-Za-z.*]{1,8}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn wildcards_agree_with_reference(
        pattern in "[abAB*?é]{0,8}",
        hay in "[abAB xé]{0,10}",
    ) {
        // keep the pattern free of escapes: `\` is not in the alphabet
        let engine = one_rule_engine(&pattern);
        let p: Vec<char> = pattern.chars().collect();
        let h: Vec<char> = hay.chars().collect();
        prop_assert_eq!(matches(&engine, &hay), reference(&p, &h), "pattern {:?} on {:?}", pattern, hay);
    }

    #[test]
    fn arbitrary_events_never_panic(ev in arb_json()) {
        let engine = windows_engine();
        let mut out = Vec::new();
        engine.evaluate_json(&ev, &mut Scratch::new(), &mut out);
        let ls = LogsourceRef { product: Some("windows"), category: Some("process_creation"), service: None };
        engine.evaluate(&ev, ls, &mut Scratch::new(), &mut out);
    }
}

fn windows_engine() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| {
        let rules = [
            "title: a\nid: 00000000-0000-4000-8000-000000000001\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    Image|endswith: ['\\cmd.exe', '\\powershell.exe']\n    CommandLine|contains|windash: ' -enc '\n  filter:\n    User|re: '^adm_[a-z]+$'\n  condition: sel and not filter\n",
            "title: b\nid: 00000000-0000-4000-8000-000000000002\nlogsource: {product: windows}\ndetection:\n  sel:\n    EventID|gte: 4000\n    Ip|cidr: 10.0.0.0/8\n  kw:\n    - 'mimi*katz'\n  condition: 1 of them\n",
            "title: c\nid: 00000000-0000-4000-8000-000000000003\nlogsource: {product: windows, service: security}\ndetection:\n  sel:\n    A|fieldref|contains: B\n    T|hour: 3\n    F|base64offset|contains: 'whoami'\n    N: null\n  condition: all of them\n",
        ];
        let mut b = Engine::builder(EngineConfig {
            pipelines: vec![Pipeline::windows_evtx_json()],
            ..Default::default()
        });
        for r in rules {
            let docs = kexin_sigma::parse_str(r, "r.yml").expect("rule parses");
            b.add(&docs[0], "r.yml");
        }
        b.build()
    })
}
