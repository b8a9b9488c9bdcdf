//! PAM stacks from `/etc/pam.d/*`.
//!
//! Line syntax: `[-]type control module-path [args…]`, where `type` is
//! `auth`, `account`, `password` or `session` (a leading `-` means "skip
//! silently if the module is missing"), and `control` is a keyword
//! (`required`, `requisite`, `sufficient`, `optional`, `include`,
//! `substack`) or a bracketed `[value=action …]` list. Arguments may be
//! bracketed to contain spaces (`[query=a b]`). Comments start with `#`;
//! a trailing `\` continues a line. `@include file` includes every type of
//! another file.
//!
//! [`PamConfig::stack`] returns the effective ordered entries of a service
//! and type with `@include`, `include` and `substack` resolved (the entries
//! keep the file and line they were written at).

use std::collections::BTreeMap;

use super::{Loc, MAX_INCLUDE_DEPTH, MAX_INCLUDE_FILES, Problem, Source, logical_lines};
use crate::root::{FileText, ReadError};

/// PAM configuration directory.
pub const PAM_DIR: &str = "/etc/pam.d";

/// The four management groups.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PamType {
    Auth,
    Account,
    Password,
    Session,
}

impl PamType {
    pub fn parse(s: &str) -> Option<PamType> {
        match s.to_ascii_lowercase().as_str() {
            "auth" => Some(PamType::Auth),
            "account" => Some(PamType::Account),
            "password" => Some(PamType::Password),
            "session" => Some(PamType::Session),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            PamType::Auth => "auth",
            PamType::Account => "account",
            PamType::Password => "password",
            PamType::Session => "session",
        }
    }
}

/// The control field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    Required,
    Requisite,
    Sufficient,
    Optional,
    /// `include` (module field is the included file).
    Include,
    /// `substack` (module field is the included file).
    Substack,
    /// `[value=action …]`, pairs in order.
    Complex(Vec<(String, String)>),
}

/// One line of a PAM file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PamEntry {
    pub ty: PamType,
    /// Leading `-` on the type.
    pub ignore_missing: bool,
    pub control: Control,
    /// Module path as written (`pam_unix.so`, `/lib/…/pam_unix.so`), or the
    /// file name for `include`/`substack`.
    pub module: String,
    pub args: Vec<String>,
    pub loc: Loc,
}

impl PamEntry {
    /// The module's file name (`/lib/x86_64-linux-gnu/security/pam_unix.so`
    /// → `pam_unix.so`).
    pub fn module_name(&self) -> &str {
        self.module.rsplit('/').next().unwrap_or(&self.module)
    }

    /// Value of a `key=value` argument (last occurrence wins, as most
    /// modules parse arguments in order).
    pub fn arg(&self, key: &str) -> Option<&str> {
        self.args
            .iter()
            .rev()
            .find_map(|a| a.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
    }

    /// Is a bare flag argument present (`sha512`, `yescrypt`, `nullok`)?
    pub fn has_flag(&self, flag: &str) -> bool {
        self.args.iter().any(|a| a == flag)
    }
}

/// A line of a file: an entry or an `@include`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PamLine {
    Entry(PamEntry),
    /// `@include name`.
    AtInclude {
        file: String,
        loc: Loc,
    },
}

/// One parsed file of `/etc/pam.d`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PamFile {
    pub path: String,
    pub lines: Vec<PamLine>,
    pub problems: Vec<Problem>,
}

impl PamFile {
    /// Parse one file's text.
    pub fn parse(text: &FileText) -> PamFile {
        let mut out = PamFile {
            path: text.path.clone(),
            ..PamFile::default()
        };
        let file = text.path.as_str();
        for (lineno, line) in logical_lines(&text.text) {
            let line = match line.find('#') {
                Some(i) => &line[..i],
                None => line.as_str(),
            };
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let loc = Loc::new(file, lineno);
            if let Some(rest) = line.strip_prefix("@include") {
                let name = rest.trim();
                if name.is_empty() || name.contains(char::is_whitespace) {
                    out.problems.push(Problem::new(
                        file,
                        lineno,
                        "@include needs exactly one file name",
                    ));
                } else {
                    out.lines.push(PamLine::AtInclude {
                        file: name.to_string(),
                        loc,
                    });
                }
                continue;
            }
            match parse_entry(line, loc) {
                Ok(e) => out.lines.push(PamLine::Entry(e)),
                Err(m) => out.problems.push(Problem::new(file, lineno, m)),
            }
        }
        out
    }
}

/// Split into words, keeping `[...]` groups (which may contain spaces) as
/// one word. `\]` inside brackets is a literal `]`.
fn pam_words(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    let mut in_word = false;
    while let Some(c) = chars.next() {
        if c == '[' && !in_word {
            in_word = true;
            cur.push('[');
            let mut closed = false;
            while let Some(d) = chars.next() {
                if d == '\\' && chars.peek() == Some(&']') {
                    cur.push(']');
                    chars.next();
                } else if d == ']' {
                    cur.push(']');
                    closed = true;
                    break;
                } else {
                    cur.push(d);
                }
            }
            if !closed {
                return Err("unterminated `[`".into());
            }
        } else if c.is_whitespace() {
            if in_word {
                out.push(std::mem::take(&mut cur));
                in_word = false;
            }
        } else {
            in_word = true;
            cur.push(c);
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

fn parse_entry(line: &str, loc: Loc) -> Result<PamEntry, String> {
    let words = pam_words(line)?;
    if words.len() < 3 {
        return Err("expected `type control module [args]`".into());
    }
    let (ignore_missing, ty) = match words[0].strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, words[0].as_str()),
    };
    let ty = PamType::parse(ty).ok_or_else(|| format!("unknown type `{}`", words[0]))?;
    let c = &words[1];
    let control = if let Some(inner) = c.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        let mut pairs = Vec::new();
        for item in inner.split_whitespace() {
            match item.split_once('=') {
                Some((v, a)) if !v.is_empty() && !a.is_empty() => {
                    pairs.push((v.to_ascii_lowercase(), a.to_ascii_lowercase()))
                }
                _ => return Err(format!("bad control item `{item}`")),
            }
        }
        Control::Complex(pairs)
    } else {
        match c.to_ascii_lowercase().as_str() {
            "required" => Control::Required,
            "requisite" => Control::Requisite,
            "sufficient" => Control::Sufficient,
            "optional" => Control::Optional,
            "include" => Control::Include,
            "substack" => Control::Substack,
            _ => return Err(format!("unknown control `{c}`")),
        }
    };
    Ok(PamEntry {
        ty,
        ignore_missing,
        control,
        module: words[2].clone(),
        args: words[3..].to_vec(),
        loc,
    })
}

/// All PAM files of a root, parsed, with stack resolution.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PamConfig {
    /// File name (service) → parsed file.
    pub files: BTreeMap<String, PamFile>,
    /// Problems: unreadable files, and (after [`PamConfig::stack`]) missing
    /// includes are reported there instead.
    pub problems: Vec<Problem>,
}

/// Result of [`PamConfig::stack`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stack {
    /// Effective entries in evaluation order (`include`/`substack` entries
    /// replaced by the included file's entries).
    pub entries: Vec<PamEntry>,
    /// Missing includes, include loops, depth exceeded.
    pub problems: Vec<Problem>,
    /// Files expanded so far (bounded by [`MAX_INCLUDE_FILES`]).
    #[serde(skip)]
    expanded: usize,
}

impl Stack {
    /// Entries of a module (by file name, e.g. `pam_faillock.so`).
    pub fn module(&self, name: &str) -> Vec<&PamEntry> {
        self.entries
            .iter()
            .filter(|e| e.module_name() == name)
            .collect()
    }
    /// First entry of a module.
    pub fn first(&self, name: &str) -> Option<&PamEntry> {
        self.entries.iter().find(|e| e.module_name() == name)
    }
}

impl PamConfig {
    /// Read and parse every file in `/etc/pam.d`.
    pub fn load(src: &dyn Source) -> Result<PamConfig, ReadError> {
        let mut cfg = PamConfig::default();
        for path in src.glob(&format!("{PAM_DIR}/*"))? {
            let name = path.rsplit('/').next().unwrap_or(&path).to_string();
            match src.read(&path) {
                Ok(t) => {
                    cfg.files.insert(name, PamFile::parse(&t));
                }
                Err(ReadError::NotAFile { .. }) => {}
                Err(e) => cfg.problems.push(Problem::file(&e)),
            }
        }
        Ok(cfg)
    }

    /// Build from already-read files (name → text), e.g. in tests.
    pub fn from_texts(texts: &[FileText]) -> PamConfig {
        let mut cfg = PamConfig::default();
        for t in texts {
            let name = t.path.rsplit('/').next().unwrap_or(&t.path).to_string();
            cfg.files.insert(name, PamFile::parse(t));
        }
        cfg
    }

    /// Every problem of every file plus loading problems.
    pub fn all_problems(&self) -> Vec<&Problem> {
        self.problems
            .iter()
            .chain(self.files.values().flat_map(|f| f.problems.iter()))
            .collect()
    }

    /// The effective stack of `service` for `ty`. A missing service gives an
    /// empty stack with a problem.
    pub fn stack(&self, service: &str, ty: PamType) -> Stack {
        let mut st = Stack::default();
        let mut chain = Vec::new();
        self.expand(service, ty, &mut chain, &mut st, None);
        st
    }

    fn expand(
        &self,
        name: &str,
        ty: PamType,
        chain: &mut Vec<String>,
        st: &mut Stack,
        from: Option<&Loc>,
    ) {
        // Includes name a file in /etc/pam.d or an absolute path.
        let key = name.rsplit('/').next().unwrap_or(name);
        let problem_at = |msg: String| match from {
            Some(l) => Problem::new(&l.file, l.line, msg),
            None => Problem::new(&format!("{PAM_DIR}/{key}"), 0, msg),
        };
        let Some(file) = self.files.get(key) else {
            st.problems
                .push(problem_at(format!("PAM file `{name}` not found")));
            return;
        };
        if chain.iter().any(|c| c == key) {
            st.problems
                .push(problem_at(format!("include loop through `{key}`")));
            return;
        }
        if chain.len() >= MAX_INCLUDE_DEPTH {
            st.problems.push(problem_at(format!(
                "includes nested deeper than {MAX_INCLUDE_DEPTH}"
            )));
            return;
        }
        if st.expanded >= MAX_INCLUDE_FILES {
            st.problems.push(problem_at(format!(
                "more than {MAX_INCLUDE_FILES} includes expanded; rest not followed"
            )));
            return;
        }
        st.expanded += 1;
        chain.push(key.to_string());
        for line in &file.lines {
            match line {
                PamLine::AtInclude { file, loc } => self.expand(file, ty, chain, st, Some(loc)),
                PamLine::Entry(e) if e.ty == ty => match e.control {
                    Control::Include | Control::Substack => {
                        self.expand(&e.module, ty, chain, st, Some(&e.loc))
                    }
                    _ => st.entries.push(e.clone()),
                },
                PamLine::Entry(_) => {}
            }
        }
        chain.pop();
    }
}
