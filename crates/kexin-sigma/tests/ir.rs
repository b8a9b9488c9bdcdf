//! IR shape and error messages.

use kexin_sigma::*;

fn rule(det: &str) -> Result<DetectionRule, SigmaError> {
    let text = format!("title: t\nlogsource:\n    product: windows\ndetection:\n{det}\n");
    let mut docs = parse_str(&text, "rules/x.yml")?;
    match docs.remove(0) {
        SigmaDocument::Detection(r) => Ok(r),
        other => panic!("not a detection rule: {other:?}"),
    }
}

#[test]
fn unknown_modifier_names_file_line_key() {
    let e =
        rule("    selection:\n        Image|contians: x\n    condition: selection").unwrap_err();
    assert_eq!(
        e.to_string(),
        "rules/x.yml line 6: detection.selection.Image|contians: unknown modifier 'contians'"
    );
}

#[test]
fn unknown_identifier_in_condition() {
    let e = rule("    selection:\n        A: x\n    condition: selection and filter").unwrap_err();
    assert_eq!(e.line, Some(7));
    assert_eq!(e.key, "detection.condition");
    assert!(e.message.contains("unknown search identifier 'filter'"));
}

#[test]
fn wildcards_and_escapes() {
    let p = Pattern::parse(r"a*b?c\*d\?e\\f\g", false);
    assert_eq!(
        p.parts,
        vec![
            PatternPart::Literal("a".into()),
            PatternPart::AnyChars,
            PatternPart::Literal("b".into()),
            PatternPart::AnyChar,
            PatternPart::Literal(r"c*d?e\f\g".into()),
        ]
    );
    // \\* is an escaped backslash followed by a wildcard
    let p = Pattern::parse(r"x\\*", false);
    assert_eq!(
        p.parts,
        vec![PatternPart::Literal(r"x\".into()), PatternPart::AnyChars]
    );
    // \\\* : backslash and plain star
    assert_eq!(Pattern::parse(r"\\\*", false).as_literal().unwrap(), r"\*");
    assert_eq!(Pattern::parse(r"\\\\", false).as_literal().unwrap(), r"\\");
    assert!(Pattern::parse("", false).parts.is_empty());
    let p = Pattern::parse(r"\%plain%name%", true);
    assert_eq!(
        p.parts,
        vec![
            PatternPart::Literal("%plain".into()),
            PatternPart::Placeholder("name".into())
        ]
    );
}

#[test]
fn modifiers_and_values() {
    let r = rule(
        "    sel:\n        CommandLine|contains|all:\n            - a\n            - b\n        Ip|cidr: 10.0.0.0/8\n        N|gte: 5\n        X|exists: false\n        R|re|i|s: '^a.b$'\n        B|wide|base64offset|contains: cmd\n        E: ''\n        Z: null\n        F|fieldref: Other\n        H|hour|lt: 6\n    condition: sel",
    )
    .unwrap();
    let SearchBody::Map(items) = &r.detection.identifiers[0].body else {
        panic!()
    };
    assert_eq!(items.len(), 10);
    assert!(items[0].modifiers.match_all);
    assert_eq!(items[0].modifiers.position, MatchPosition::Contains);
    assert!(matches!(
        items[1].values[0],
        SigmaValue::Cidr(Cidr { prefix: 8, .. })
    ));
    assert_eq!(items[2].modifiers.numeric, Some(NumericOp::Gte));
    assert_eq!(items[2].values, vec![SigmaValue::Int(5)]);
    assert_eq!(items[3].values, vec![SigmaValue::Exists(false)]);
    assert!(matches!(
        &items[4].values[0],
        SigmaValue::Regex {
            flags: RegexFlags {
                insensitive: true,
                dot_all: true,
                multiline: false
            },
            ..
        }
    ));
    assert_eq!(
        items[5].modifiers.transforms,
        vec![Transform::Utf16Le, Transform::Base64Offset]
    );
    assert_eq!(
        items[6].values,
        vec![SigmaValue::String(Pattern::default())]
    );
    assert_eq!(items[7].values, vec![SigmaValue::Null]);
    assert_eq!(items[8].values, vec![SigmaValue::FieldRef("Other".into())]);
    assert_eq!(items[9].modifiers.time_part, Some(TimePart::Hour));
}

#[test]
fn keywords_and_map_lists() {
    let r = rule(
        "    kw:\n        - evil\n        - 42\n    kw_all:\n        '|all':\n            - x\n            - y\n    sel:\n        - A: 1\n        - B: 2\n    condition: 1 of kw* or sel",
    )
    .unwrap();
    let ids = &r.detection.identifiers;
    assert!(
        matches!(&ids[0].body, SearchBody::Keywords(i) if i.values.len() == 2 && i.field.is_none())
    );
    assert!(
        matches!(&ids[1].body, SearchBody::Map(i) if i[0].field.is_none() && i[0].modifiers.match_all)
    );
    assert!(matches!(&ids[2].body, SearchBody::MapList(m) if m.len() == 2));
}

#[test]
fn invalid_combinations_are_refused() {
    let cases = [
        ("A|contains|startswith: x", "cannot be combined"),
        ("A|re|contains: x", "cannot be combined"),
        ("A|i: x", "only allowed after the 're'"),
        ("A|all: x", "not allowed on a single value"),
        ("A|exists: maybe", "true or false"),
        ("A|gt: abc", "needs a number"),
        ("A|cidr: 10.0.0.0/33", "invalid CIDR"),
        ("A|base64|wide: x", "must precede base64"),
        ("A|wide: x", "must be followed by 'base64'"),
        ("A|contains|contains: x", "given twice"),
        ("A|re: '(a'", "regex refused"),
        ("A|re: '((a{100}){100}){100}'", "regex refused"),
        (
            "A:\n            - ''\n            - null",
            "null cannot be part of a list",
        ),
        (
            "A|exists:\n            - true\n            - false",
            "single true/false",
        ),
        ("A|contains: null", "null cannot take value modifiers"),
        ("A|windash|expand: x", "cannot be combined"),
        ("A|hour|contains: 5", "cannot be combined"),
        ("A|cidr: 300.1.1.1/8", "invalid CIDR"),
    ];
    for (item, want) in cases {
        let e = rule(&format!("    sel:\n        {item}\n    condition: sel")).unwrap_err();
        assert!(e.message.contains(want), "{item}: got {e}");
    }
}

#[test]
fn global_action_is_merged() {
    let text = "action: global\ntitle: shared\nlogsource:\n    product: windows\ndetection:\n    base:\n        A: 1\n    condition: base and sel\n---\ndetection:\n    sel:\n        B: 2\n---\nlogsource:\n    service: security\ndetection:\n    sel:\n        C: 3\n";
    let docs = parse_str(text, "g.yml").unwrap();
    assert_eq!(docs.len(), 2);
    let SigmaDocument::Detection(r) = &docs[1] else {
        panic!()
    };
    assert_eq!(r.meta.title, "shared");
    assert_eq!(r.logsource.product.as_deref(), Some("windows"));
    assert_eq!(r.logsource.service.as_deref(), Some("security"));
    assert_eq!(r.detection.identifiers.len(), 2);
}

#[test]
fn correlation_and_filter() {
    let text = "title: c\nname: outer\ncorrelation:\n    type: temporal_ordered\n    rules:\n        - failed\n        - ok\n    group-by:\n        - ip\n    timespan: 90m\n    aliases:\n        ip:\n            failed: src\n            ok: dst\n    generate: true\n---\ntitle: s\ncorrelation:\n    type: value_percentile\n    rules: [a]\n    group-by: [h]\n    timespan: 1d\n    condition:\n        field: image\n        lte: 1\n---\ntitle: f\nlogsource:\n    product: windows\nfilter:\n    rules:\n        - abc\n    selection:\n        User|startswith: adm_\n    condition: not selection\n";
    let docs = parse_str(text, "c.yml").unwrap();
    let SigmaDocument::Correlation(c) = &docs[0] else {
        panic!()
    };
    assert_eq!(c.kind, CorrelationType::TemporalOrdered);
    assert_eq!(c.timespan.seconds, 5400);
    assert!(c.generate);
    assert_eq!(c.aliases["ip"]["ok"], "dst");
    let SigmaDocument::Correlation(c) = &docs[1] else {
        panic!()
    };
    let cond = c.condition.as_ref().unwrap();
    assert_eq!(cond.field, vec!["image".to_string()]);
    assert_eq!(cond.predicates, vec![(CmpOp::Lte, 1.0)]);
    let SigmaDocument::Filter(f) = &docs[2] else {
        panic!()
    };
    assert_eq!(f.rules, vec!["abc".to_string()]);

    let e = parse_str(
        "title: x\ncorrelation:\n    type: value_count\n    rules: [a]\n    timespan: 1h\n    condition:\n        gte: 3\n",
        "v.yml",
    )
    .unwrap_err();
    assert!(e.message.contains("'field' is required"), "{e}");
    let e = parse_str(
        "title: x\ncorrelation:\n    type: event_count\n    rules: [a]\n    timespan: 1x\n    condition:\n        gte: 3\n",
        "v.yml",
    )
    .unwrap_err();
    assert_eq!(e.line, Some(5));
}

#[test]
fn yaml_errors_have_lines() {
    let e = parse_str("title: x\ndetection:\n  a: [1, 2\n", "bad.yml").unwrap_err();
    assert!(e.message.starts_with("invalid YAML"), "{e}");
    assert!(e.line.is_some(), "{e}");
}

#[test]
fn repeat_and_reset_actions() {
    let text = "title: a\nlogsource:\n    product: windows\ndetection:\n    sel:\n        A: 1\n    condition: sel\n---\naction: repeat\ntitle: b\nlogsource:\n    service: security\n---\naction: global\nlevel: high\n---\naction: reset\n---\ntitle: c\nlogsource:\n    product: linux\ndetection:\n    sel:\n        B: 1\n    condition: sel\n";
    let docs = parse_str(text, "r.yml").unwrap();
    assert_eq!(docs.len(), 3);
    let SigmaDocument::Detection(b) = &docs[1] else {
        panic!()
    };
    assert_eq!(b.meta.title, "b");
    assert_eq!(b.logsource.product.as_deref(), Some("windows"));
    assert_eq!(b.logsource.service.as_deref(), Some("security"));
    assert_eq!(docs[2].meta().level, None);
    let e = parse_str("action: bogus\ntitle: x\n", "r.yml").unwrap_err();
    assert!(e.message.contains("unknown action 'bogus'"), "{e}");
}

#[test]
fn references_are_checked() {
    let text = "title: c\ncorrelation:\n    type: temporal\n    rules: [one, missing]\n    group-by: [ip]\n    timespan: 5m\n    aliases:\n        ip:\n            one: src\n            other: dst\n---\ntitle: r\nname: one\nlogsource:\n    product: windows\ndetection:\n    sel:\n        A: 1\n    condition: sel\n";
    let docs = parse_str(text, "c.yml").unwrap();
    let problems = check_references(&docs);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("unknown rule 'missing'"));
    assert!(problems[1].contains("'other'"));
}

#[test]
fn bad_date_is_refused() {
    let e = parse_str(
        "title: t\ndate: 2024/13/01\nlogsource:\n    product: w\ndetection:\n    s:\n        A: 1\n    condition: s\n",
        "d.yml",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "d.yml line 2: date: '2024/13/01' is not a date in YYYY-MM-DD format"
    );
}

#[test]
fn logsource_must_be_lower_case() {
    let e = parse_str(
        "title: t\nlogsource:\n    product: Windows\ndetection:\n    s:\n        A: 1\n    condition: s\n",
        "l.yml",
    )
    .unwrap_err();
    assert_eq!(e.line, Some(3));
    assert_eq!(e.key, "logsource.product");
}

#[test]
fn numbers_keep_their_spelling_when_ambiguous() {
    let r =
        rule("    s:\n        A: 0755\n        B: 1_000\n        C: 42\n    condition: s").unwrap();
    let SearchBody::Map(items) = &r.detection.identifiers[0].body else {
        panic!()
    };
    assert_eq!(
        items[0].values,
        vec![SigmaValue::String(Pattern::parse("0755", false))]
    );
    assert_eq!(
        items[1].values,
        vec![SigmaValue::String(Pattern::parse("1_000", false))]
    );
    assert_eq!(items[2].values, vec![SigmaValue::Int(42)]);
}
