//! Typed parsers for host security configuration.
//!
//! Every parser:
//!
//! * reads through a [`Source`] (a [`Root`] or, in tests and fuzzing, a
//!   [`MemRoot`]), so `Include`-style directives stay inside the scanned root;
//! * keeps the file and 1-based line of every item ([`Loc`]) for evidence;
//! * never fails on bad content: malformed lines go to a `problems` list of
//!   [`Problem`]s and parsing goes on. Only an unreadable *main* file is an
//!   error (a [`ReadError`]); unreadable included files are problems;
//! * bounds include recursion ([`MAX_INCLUDE_DEPTH`]) and the total number
//!   of files read ([`MAX_INCLUDE_FILES`]) so include cycles and fan-out end.
//!
//! Modules: [`sshd`], [`pam`], [`login_defs`], [`accounts`], [`sudoers`],
//! [`sysctl`], [`auditd`], [`nginx`], [`apache`], [`procnet`] (listening
//! sockets), [`logins`] (wtmp and the authentication log), [`x509`]
//! (certificates).

use std::collections::BTreeMap;

use crate::root::{FileText, ReadError, Root, wildcard_match};

pub mod accounts;
pub mod apache;
pub mod auditd;
pub mod login_defs;
pub mod logins;
pub mod nginx;
pub mod pam;
pub mod procnet;
pub mod sshd;
pub mod sudoers;
pub mod sysctl;
pub mod x509;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`); for dates in logs, certificates and registers.
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// Standard base64 (PEM bodies, OpenSSH key blobs); line breaks and blanks
/// are skipped, decoding stops at `=`. `None` on any other character.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut n) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            b'\r' | b'\n' | b' ' | b'\t' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((acc >> n) as u8);
        }
    }
    Some(out)
}

/// Include nesting limit shared by the parsers (OpenSSH uses 16 too).
pub const MAX_INCLUDE_DEPTH: usize = 16;

/// Total number of files one parse may read through includes. The depth
/// limit alone does not bound the work: a file including itself ten times
/// would be read 10^16 times.
pub const MAX_INCLUDE_FILES: usize = 512;

/// Block/section nesting limit of the nginx and Apache parsers; deeper
/// blocks are skipped with a problem (keeps the tree shallow enough for
/// recursive consumers such as `Drop` and serde).
pub const MAX_NESTING: usize = 64;

/// Where something was found: an in-root file path and a 1-based line.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Loc {
    pub file: String,
    pub line: usize,
}

impl Loc {
    pub fn new(file: impl Into<String>, line: usize) -> Loc {
        Loc {
            file: file.into(),
            line,
        }
    }
}

impl std::fmt::Display for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A malformed line or an unreadable include, reported instead of failing.
/// `line` is 0 when the problem concerns a whole file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Whether an include directive (`name` as the format spells it) may be
/// followed: exactly one argument and not nested too deep. Otherwise the
/// reason is recorded in `problems`.
pub(crate) fn include_allowed(
    problems: &mut Vec<Problem>,
    name: &str,
    file: &str,
    line: usize,
    args: &[String],
    depth: usize,
) -> bool {
    if args.len() != 1 {
        problems.push(Problem::new(
            file,
            line,
            format!("{name} needs exactly one argument"),
        ));
        return false;
    }
    if depth >= MAX_INCLUDE_DEPTH {
        problems.push(Problem::new(
            file,
            line,
            format!("{name} nested deeper than {MAX_INCLUDE_DEPTH}; not followed"),
        ));
        return false;
    }
    true
}

impl Problem {
    pub fn new(file: &str, line: usize, message: impl Into<String>) -> Problem {
        Problem {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }

    /// A problem about a whole file (an include that could not be read).
    pub fn file(err: &ReadError) -> Problem {
        Problem {
            file: err.path().to_string(),
            line: 0,
            message: err.to_string(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

/// What the parsers need from a filesystem: reading a file and listing a
/// simple glob (wildcards in the last component). Implemented by [`Root`]
/// (confined access) and [`MemRoot`] (in-memory, for tests and fuzzing).
pub trait Source {
    /// Read an absolute in-root path as text.
    fn read(&self, path: &str) -> Result<FileText, ReadError>;
    /// Paths matching `pattern`, sorted; missing directory → empty.
    fn glob(&self, pattern: &str) -> Result<Vec<String>, ReadError>;
}

impl Source for Root {
    fn read(&self, path: &str) -> Result<FileText, ReadError> {
        Root::read(self, path)
    }
    fn glob(&self, pattern: &str) -> Result<Vec<String>, ReadError> {
        Root::glob(self, pattern)
    }
}

/// An in-memory root: absolute path → content. No symlinks, no directories
/// (a directory exists implicitly when a file is below it).
#[derive(Debug, Clone, Default)]
pub struct MemRoot {
    files: BTreeMap<String, Vec<u8>>,
}

impl MemRoot {
    pub fn new() -> MemRoot {
        MemRoot::default()
    }

    /// Add (or replace) a file; builder style.
    pub fn with(mut self, path: &str, content: impl AsRef<[u8]>) -> MemRoot {
        self.insert(path, content);
        self
    }

    pub fn insert(&mut self, path: &str, content: impl AsRef<[u8]>) {
        self.files
            .insert(path.to_string(), content.as_ref().to_vec());
    }
}

impl Source for MemRoot {
    fn read(&self, path: &str) -> Result<FileText, ReadError> {
        match self.files.get(path) {
            Some(b) => Ok(FileText::from_bytes(path, b)),
            None => Err(ReadError::NotFound {
                path: path.to_string(),
            }),
        }
    }

    fn glob(&self, pattern: &str) -> Result<Vec<String>, ReadError> {
        let Some(i) = pattern.rfind('/') else {
            return Ok(Vec::new());
        };
        let (dir, last) = (&pattern[..i], &pattern[i + 1..]);
        let mut out: Vec<String> = self
            .files
            .keys()
            .filter(|p| {
                p.rfind('/').is_some_and(|j| {
                    let name = &p[j + 1..];
                    &p[..j] == dir
                        && (!name.starts_with('.') || last.starts_with('.'))
                        && wildcard_match(last, name)
                })
            })
            .cloned()
            .collect();
        out.sort();
        Ok(out)
    }
}

/// Expand an include argument: a glob pattern (wildcards in the last
/// component) relative to `base_dir` when not absolute. Returns the matching
/// paths; a pattern without wildcards is returned even if missing, so the
/// caller reports it when reading.
pub(crate) fn expand_include(
    src: &dyn Source,
    base_dir: &str,
    arg: &str,
) -> Result<Vec<String>, ReadError> {
    let path = crate::root::join(base_dir, arg);
    if path.contains(['*', '?']) {
        src.glob(&path)
    } else {
        Ok(vec![path])
    }
}

/// Split a line into whitespace-separated words, honouring double quotes
/// (`"a b"` is one word, quotes removed, `\"` inside quotes is a quote).
/// Returns `Err` with a message for an unterminated quote.
pub(crate) fn split_quoted(s: &str) -> Result<Vec<String>, String> {
    split_words(s, false)
}

/// Like [`split_quoted`]; with `comments`, an unquoted word starting with
/// `#` ends the line (OpenSSH's rule for trailing comments).
pub(crate) fn split_words(s: &str, comments: bool) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                in_word = true;
                let mut closed = false;
                while let Some(d) = chars.next() {
                    if d == '\\' && chars.peek() == Some(&'"') {
                        cur.push('"');
                        chars.next();
                    } else if d == '"' {
                        closed = true;
                        break;
                    } else {
                        cur.push(d);
                    }
                }
                if !closed {
                    return Err("unterminated quote".into());
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '#' if comments && !in_word => return Ok(out),
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

/// Join lines ending in a backslash with the next one. Yields
/// `(first line number, joined text)`.
pub(crate) fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let (start, mut acc) = cur.take().unwrap_or((i + 1, String::new()));
        if let Some(stripped) = line.strip_suffix('\\') {
            acc.push_str(stripped);
            acc.push(' ');
            cur = Some((start, acc));
        } else {
            acc.push_str(line);
            out.push((start, acc));
        }
    }
    if let Some(c) = cur {
        out.push(c);
    }
    out
}

/// The directory part of an in-root path (`/etc/ssh/x` → `/etc/ssh`).
pub(crate) fn dirname(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}
