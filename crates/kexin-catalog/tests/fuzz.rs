//! The loader never panics: whatever the bytes, it returns a catalog or
//! problems, and every problem names its file.

use kexin_catalog::{
    Catalog, CatalogFile, EMBEDDED_CHECKS, EMBEDDED_SOURCES, EMBEDDED_STANDARDS, parse_standard,
};
use proptest::prelude::*;

/// Loads `bytes` as `name` (a standard), alone and within the catalog.
fn load(name: &str, bytes: &[u8]) {
    let path = format!("catalog/standards/{name}");
    if let Err(e) = parse_standard(&path, bytes) {
        assert!(!e.problems.is_empty());
        assert!(e.problems.iter().all(|p| p.file == path));
        let _ = e.to_string();
    }
    let file = CatalogFile { path: &path, bytes };
    let result = Catalog::from_files(
        CatalogFile {
            path: "sources.yaml",
            bytes: EMBEDDED_SOURCES.as_bytes(),
        },
        CatalogFile {
            path: "checks.yaml",
            bytes: EMBEDDED_CHECKS.as_bytes(),
        },
        &[file],
    );
    match result {
        Ok(c) => {
            let _ = c.lint();
        }
        Err(e) => assert!(!e.problems.is_empty()),
    }
}

/// Pieces of YAML likely to confuse a parser or break a rule.
const TOKENS: &[&str] = &[
    "",
    " ",
    "  ",
    "\n",
    "- ",
    ": ",
    ":",
    "[",
    "]",
    "{",
    "}",
    ",",
    "'",
    "\"",
    "#",
    "~",
    "null",
    "&a ",
    "*a",
    "<<: *a",
    "!!str ",
    "!tag ",
    "---\n",
    "...\n",
    "|\n",
    "> ",
    "\t",
    "\u{feff}",
    "basic",
    "enhanced",
    "advanced",
    "check",
    "test",
    "weight: 0",
    "level: advanced",
    "variants: [public-cloud]",
    "check: host.ssh.nope",
    "source: nowhere",
    "parts: []",
    "points:",
    "id: x",
    "yes",
    "1e999",
    "-1",
    "99999999999999999999",
    "é",
    "云",
];

#[derive(Debug, Clone)]
enum Edit {
    DeleteLine(usize),
    DuplicateLine(usize),
    Indent(usize),
    Dedent(usize),
    Insert(usize, usize),
    ReplaceByte(usize, u8),
    Truncate(usize),
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::DeleteLine),
        any::<usize>().prop_map(Edit::DuplicateLine),
        any::<usize>().prop_map(Edit::Indent),
        any::<usize>().prop_map(Edit::Dedent),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, t)| Edit::Insert(at, t)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::ReplaceByte(at, b)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .filter(|&i| i < bytes.len())
        .collect();
    let line = |n: usize| -> std::ops::Range<usize> {
        let start = line_starts[n % line_starts.len()];
        let end = bytes[start..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(bytes.len(), |i| start + i + 1);
        start..end
    };
    if bytes.is_empty() {
        if let Edit::Insert(_, t) = edit {
            bytes.extend_from_slice(TOKENS[*t].as_bytes());
        }
        return;
    }
    match *edit {
        Edit::DeleteLine(n) => {
            bytes.drain(line(n));
        }
        Edit::DuplicateLine(n) => {
            let r = line(n);
            let copy = bytes[r.clone()].to_vec();
            bytes.splice(r.start..r.start, copy);
        }
        Edit::Indent(n) => {
            let start = line(n).start;
            bytes.splice(start..start, *b"  ");
        }
        Edit::Dedent(n) => {
            let r = line(n);
            let spaces = bytes[r.clone()]
                .iter()
                .take(2)
                .take_while(|b| **b == b' ')
                .count();
            bytes.drain(r.start..r.start + spaces);
        }
        Edit::Insert(at, t) => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, TOKENS[t].bytes());
        }
        Edit::ReplaceByte(at, b) => {
            let at = at % bytes.len();
            bytes[at] = b;
        }
        Edit::Truncate(at) => bytes.truncate(at % bytes.len()),
    }
}

/// Small standards, so that each case stays quick.
fn small_standards() -> Vec<(&'static str, &'static str)> {
    let mut files: Vec<_> = EMBEDDED_STANDARDS.to_vec();
    files.sort_by_key(|(_, text)| text.len());
    files.truncate(4);
    files
}

proptest! {

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        load("fuzz.yaml", &bytes);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "(\\PC|[\\n :\\-\\[\\]{}'\"#&*!|>]){0,400}") {
        load("fuzz.yaml", text.as_bytes());
    }

    #[test]
    fn mutated_real_files_never_panic(
        file in 0usize..4,
        edits in proptest::collection::vec(edit_strategy(), 1..8),
    ) {
        let (name, text) = small_standards()[file];
        let mut bytes = text.as_bytes().to_vec();
        for edit in &edits {
            apply(&mut bytes, edit);
        }
        load(name, &bytes);
    }
}

#[test]
fn the_unmutated_files_load() {
    for (name, text) in small_standards() {
        let path = format!("catalog/standards/{name}");
        parse_standard(&path, text.as_bytes()).unwrap();
    }
}
