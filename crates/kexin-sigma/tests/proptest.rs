//! The parser never panics: arbitrary text and mutations of real rules.

use proptest::prelude::*;
use std::sync::OnceLock;

/// Texts of the real SigmaHQ rules (empty when the corpus is absent).
fn corpus() -> &'static [String] {
    static CORPUS: OnceLock<Vec<String>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/sigma/rules");
        let mut out = Vec::new();
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "yml")
                    && let Ok(t) = std::fs::read_to_string(&p)
                {
                    out.push(t);
                }
            }
        }
        out.sort();
        out
    })
}

fn mutate(text: &str, edits: Vec<(usize, char, u8)>) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for (pos, c, op) in edits {
        let pos = pos % (chars.len() + 1);
        match op {
            0 => chars.insert(pos, c),
            1 if pos < chars.len() => {
                chars.remove(pos);
            }
            2 if pos < chars.len() => chars[pos] = c,
            3 => chars.truncate(pos),
            _ => {}
        }
    }
    chars.into_iter().collect()
}

const SAMPLE: &str = r#"title: Suspicious Whoami
id: 929a690e-bef0-4204-a928-ef5e620d6fcc
status: test
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\whoami.exe'
        CommandLine|contains|all:
            - '/priv'
            - '/all'
    filter_a:
        - User|startswith: 'adm_'
        - User|re|i: '^svc_[a-z]{1,8}$'
    filter_b:
        DestinationIp|cidr: 10.0.0.0/8
        Size|gte: 100
        Tok|exists: true
    keywords:
        - 'evil*thing'
        - 'a\*b?'
    condition: (selection or keywords) and not 1 of filter_*
level: high
---
title: Brute force
correlation:
    type: event_count
    rules: [a, b]
    group-by: [User]
    timespan: 10m
    condition:
        gte: 10
"#;

const ALPHABET: &[char] = &[
    ' ', '\n', ':', '-', '|', '\'', '"', '*', '?', '\\', '[', ']', '{', '}', '(', ')', '%', '&',
    '!', '#', 'a', 'b', '1', '0', '\t', '.', ',', '>',
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(s in ".{0,400}") {
        let _ = kexin_sigma::parse_str(&s, "fuzz.yml");
    }

    #[test]
    fn yamlish_text_never_panics(v in prop::collection::vec(prop::sample::select(ALPHABET), 0..300)) {
        let s: String = v.into_iter().collect();
        let _ = kexin_sigma::parse_str(&s, "fuzz.yml");
    }

    #[test]
    fn mutated_rule_never_panics(
        edits in prop::collection::vec((0usize..2000, prop::sample::select(ALPHABET), 0u8..4), 1..8)
    ) {
        let _ = kexin_sigma::parse_str(&mutate(SAMPLE, edits), "fuzz.yml");
    }

    #[test]
    fn mutated_corpus_rule_never_panics(
        idx in any::<usize>(),
        edits in prop::collection::vec((any::<usize>(), prop::sample::select(ALPHABET), 0u8..4), 1..6)
    ) {
        let rules = corpus();
        if !rules.is_empty() {
            let text = &rules[idx % rules.len()];
            let _ = kexin_sigma::parse_str(&mutate(text, edits), "fuzz.yml");
        }
    }

    #[test]
    fn regex_check_never_panics(s in "[a-z()\\[\\]{}*+?|^$.0-9,\\\\dws]{0,60}") {
        let _ = kexin_sigma::detection::check_regex(&s, kexin_sigma::RegexFlags::default());
    }

    #[test]
    fn condition_never_panics(s in "[a-z_1*() ]{0,120}") {
        let _ = kexin_sigma::condition::parse_condition(&s, &["sel", "sel_1", "filter", "_x"]);
    }
}

#[test]
fn sample_parses() {
    let docs = kexin_sigma::parse_str(SAMPLE, "sample.yml").unwrap();
    assert_eq!(docs.len(), 2);
}
