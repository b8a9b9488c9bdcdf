//! A broken file is refused with its file, line, column and key.

mod common;

use common::{copy_catalog, edit, line_of, load_err};
use kexin_catalog::Problem;

const TOOLS: &str = "data-protection-tools.yaml";
const HOST: &str = "cloud-host.yaml";

/// The one problem of the error, checked to name the file.
fn only_problem(dir: &std::path::Path, file: &str) -> Problem {
    let e = load_err(dir);
    assert_eq!(e.problems.len(), 1, "{e}");
    let p = e.problems[0].clone();
    assert_eq!(
        p.file,
        dir.join("standards").join(file).display().to_string()
    );
    // The displayed form starts with the file and the position.
    let shown = p.to_string();
    assert!(
        shown.starts_with(&format!(
            "{} line {} column {}: ",
            p.file,
            p.line.unwrap(),
            p.column.unwrap()
        )),
        "{shown}"
    );
    p
}

#[test]
fn unknown_field() {
    let dir = copy_catalog();
    let text = edit(dir.path(), TOOLS, "weight: 4", "wieght: 4");
    let p = only_problem(dir.path(), TOOLS);
    assert_eq!(p.line, Some(line_of(&text, "wieght", 0)));
    assert_eq!(p.column, Some(9));
    assert_eq!(p.field, "parts[0].points[0].wieght");
    assert!(
        p.message.starts_with(
            "unknown field `wieght`, expected one of id, title, statement, level, weight"
        ),
        "{p}"
    );
}

#[test]
fn level_outside_the_standards_levels() {
    let dir = copy_catalog();
    // cloud-host grades basic and enhanced only.
    let text = edit(
        dir.path(),
        HOST,
        "        level: basic\n",
        "        level: advanced\n",
    );
    let p = only_problem(dir.path(), HOST);
    assert_eq!(p.line, Some(line_of(&text, "level: advanced", 0)));
    assert_eq!(p.column, Some(16));
    assert_eq!(
        p.item.as_deref(),
        Some("cloud-host.key-policy.ssh-host-key-strength")
    );
    assert_eq!(p.field, "level");
    assert_eq!(
        p.message,
        "`advanced` is not one of the standard's levels (basic, enhanced)"
    );
}

#[test]
fn level_that_is_no_level() {
    let dir = copy_catalog();
    let text = edit(
        dir.path(),
        TOOLS,
        "        level: basic\n",
        "        level: expert\n",
    );
    let p = only_problem(dir.path(), TOOLS);
    assert_eq!(p.line, Some(line_of(&text, "level: expert", 0)));
    assert_eq!(p.field, "parts[0].points[0].level");
    assert!(p.message.contains("unknown variant `expert`"), "{p}");
}

#[test]
fn missing_english_statement() {
    let dir = copy_catalog();
    let en = "          en: The tool automatically discovers data stores";
    let original = std::fs::read_to_string(dir.path().join("standards").join(TOOLS)).unwrap();
    let line = original.lines().find(|l| l.starts_with(en)).unwrap();
    let text = edit(dir.path(), TOOLS, &format!("{line}\n"), "");
    let p = only_problem(dir.path(), TOOLS);
    // Reported where the statement's mapping is.
    let statement = line_of(&text, "        statement:", 0);
    assert!(
        (statement..=statement + 1).contains(&p.line.unwrap()),
        "{p} (statement at line {statement})"
    );
    assert_eq!(p.field, "parts[0].points[0].statement");
    assert_eq!(p.message, "missing field `en`");
}

#[test]
fn duplicated_id() {
    let dir = copy_catalog();
    let first = "id: data-protection-tools.discovery.data-assets";
    let text = edit(
        dir.path(),
        TOOLS,
        "id: data-protection-tools.discovery.cn-id-number",
        first,
    );
    let p = only_problem(dir.path(), TOOLS);
    assert_eq!(p.line, Some(line_of(&text, first, 1)));
    assert_eq!(
        p.item.as_deref(),
        Some("data-protection-tools.discovery.data-assets")
    );
    assert_eq!(p.field, "id");
    assert_eq!(
        p.message,
        format!(
            "duplicate id: first defined at line {}",
            line_of(&text, first, 0)
        )
    );
}

#[test]
fn unknown_check() {
    let dir = copy_catalog();
    let text = edit(
        dir.path(),
        HOST,
        "check: host.ssh.host-key-strength",
        "check: host.ssh.host-key-strenght",
    );
    let p = only_problem(dir.path(), HOST);
    assert_eq!(p.line, Some(line_of(&text, "host-key-strenght", 0)));
    assert_eq!(p.column, Some(20));
    assert_eq!(
        p.item.as_deref(),
        Some("cloud-host.key-policy.ssh-host-key-strength")
    );
    assert_eq!(p.field, "evidence[0].check");
    assert_eq!(
        p.message,
        "unknown check `host.ssh.host-key-strenght`: not listed in checks.yaml"
    );
}

#[test]
fn unknown_source() {
    let dir = copy_catalog();
    let text = edit(
        dir.path(),
        TOOLS,
        "source: cis-controls-v8",
        "source: cis-controls-v9",
    );
    let p = only_problem(dir.path(), TOOLS);
    assert_eq!(p.line, Some(line_of(&text, "cis-controls-v9", 0)));
    assert_eq!(
        p.item.as_deref(),
        Some("data-protection-tools.discovery.data-assets")
    );
    assert_eq!(p.field, "grounding[0].source");
    assert_eq!(
        p.message,
        "unknown source `cis-controls-v9`: not listed in sources.yaml"
    );
}

#[test]
fn every_problem_of_every_file_is_reported() {
    let dir = copy_catalog();
    edit(dir.path(), TOOLS, "weight: 4", "weight: 7");
    edit(
        dir.path(),
        TOOLS,
        "source: cis-controls-v8",
        "source: nowhere",
    );
    edit(
        dir.path(),
        TOOLS,
        "- kind: test\n",
        "- kind: test\n            check: host.ssh.auth-methods\n",
    );
    edit(dir.path(), HOST, "blueprint: S12", "blueprint: S18");
    let e = load_err(dir.path());
    let shown = e.to_string();
    assert_eq!(e.problems.len(), 4, "{shown}");
    // Sorted by file, then by line.
    assert!(e.problems[0].file.ends_with(HOST), "{shown}");
    assert!(shown.contains("cloud-host: blueprint: must be one of S1 to S17, found `S18`"));
    assert!(shown.contains("weight: must be between 1 and 5, found 7"));
    assert!(shown.contains("evidence[0].check: only evidence of kind `check` names a check id"));
    assert!(shown.contains("grounding[0].source: unknown source `nowhere`"));
    let lines: Vec<u64> = e.problems[1..].iter().map(|p| p.line.unwrap()).collect();
    assert!(lines.is_sorted(), "{shown}");
}

#[test]
fn the_file_name_is_the_id() {
    let dir = copy_catalog();
    let standards = dir.path().join("standards");
    std::fs::rename(standards.join(TOOLS), standards.join("tools.yaml")).unwrap();
    let p = only_problem(dir.path(), "tools.yaml");
    assert_eq!((p.line, p.column), (Some(2), Some(5)));
    assert_eq!(p.message, "must equal the file name `tools`");
}

#[test]
fn stray_and_missing_files() {
    let dir = copy_catalog();
    std::fs::write(dir.path().join("standards/readme.txt"), "hello").unwrap();
    std::fs::remove_file(dir.path().join("sources.yaml")).unwrap();
    let e = load_err(dir.path());
    let shown = e.to_string();
    assert_eq!(e.problems.len(), 2, "{shown}");
    assert!(shown.contains("sources.yaml: cannot read"), "{shown}");
    assert!(
        shown.contains(
            "readme.txt: not a standard: the standards directory holds only <id>.yaml files"
        ),
        "{shown}"
    );
}

#[test]
fn broken_yaml_syntax() {
    let dir = copy_catalog();
    let text = edit(
        dir.path(),
        TOOLS,
        "levels: [basic, enhanced, advanced]",
        "levels: [basic, enhanced, advanced",
    );
    let e = load_err(dir.path());
    assert_eq!(e.problems.len(), 1, "{e}");
    let line = e.problems[0].line.unwrap();
    assert!(line >= line_of(&text, "levels: [basic", 0), "{e}");
    assert_eq!(e.problems[0].field, "levels", "{e}");
}

#[test]
fn a_broken_checks_file_is_located_too() {
    let dir = copy_catalog();
    let path = dir.path().join("checks.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen("  area: ssh", "  area: sssh", 1);
    std::fs::write(&path, &text).unwrap();
    let e = load_err(dir.path());
    assert_eq!(e.problems.len(), 1, "{e}");
    let p = &e.problems[0];
    assert_eq!(p.line, Some(line_of(&text, "area: sssh", 0)));
    assert_eq!(p.item.as_deref(), Some("host.ssh.host-key-strength"));
    assert_eq!(p.message, "`sssh` is not the id's second segment");
}
