//! `/etc/sudoers` and its includes.
//!
//! Handled: comments (`#` not followed by `include`/`includedir`, and not a
//! `#uid` user), `\` continuations, `#include`/`@include` (relative to the
//! including file's directory) and `#includedir`/`@includedir` (files not
//! ending in `~` and without a `.` in the name, in lexical order, as sudo
//! does), `Defaults` lines with their binding (`Defaults:user`,
//! `Defaults@host`, `Defaults>runas`, `Defaults!cmd`), aliases
//! (`User_Alias`, `Runas_Alias`, `Host_Alias`, `Cmnd_Alias`/`Cmd_Alias`,
//! several per line with `:`), and user specifications
//! `who hosts = (runas) TAG: cmd, cmd` where the run-as list and tags carry
//! over to the following commands as in sudo.
//!
//! Not handled: several `host = cmnds` groups on one line separated by `:`
//! (the rest of the line ends up in the last command and a problem is
//! recorded), digests are kept as part of the command text.

use std::collections::BTreeMap;

use super::{Loc, MAX_INCLUDE_DEPTH, MAX_INCLUDE_FILES, Problem, Source, dirname, logical_lines};
use crate::root::ReadError;

pub const SUDOERS: &str = "/etc/sudoers";

/// Tags recognised before a command.
pub const TAGS: &[&str] = &[
    "NOPASSWD",
    "PASSWD",
    "NOEXEC",
    "EXEC",
    "SETENV",
    "NOSETENV",
    "LOG_INPUT",
    "NOLOG_INPUT",
    "LOG_OUTPUT",
    "NOLOG_OUTPUT",
    "MAIL",
    "NOMAIL",
    "FOLLOW",
    "NOFOLLOW",
    "INTERCEPT",
    "NOINTERCEPT",
];

/// A `Defaults` line's scope.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultsScope {
    Global,
    /// `Defaults:users`
    User(String),
    /// `Defaults@hosts`
    Host(String),
    /// `Defaults>runas`
    Runas(String),
    /// `Defaults!cmnds`
    Command(String),
}

/// One parameter of a `Defaults` line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DefaultsEntry {
    pub scope: DefaultsScope,
    pub name: String,
    /// `None` for a flag; the value for `name=value` (quotes removed).
    pub value: Option<String>,
    /// `!name`.
    pub negated: bool,
    /// `+=`/`-=` operator, if used.
    pub op: Option<String>,
    pub loc: Loc,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AliasKind {
    User,
    Runas,
    Host,
    Cmnd,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Alias {
    pub kind: AliasKind,
    pub name: String,
    pub members: Vec<String>,
    pub loc: Loc,
}

/// One command of a user specification with the run-as list and tags in
/// effect for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Command {
    /// `None` when no `(…)` was given (root only).
    pub runas: Option<String>,
    pub tags: Vec<String>,
    /// The command as written (`ALL`, `/usr/bin/apt update`, `!/bin/sh`).
    pub command: String,
}

impl Command {
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

/// `who hosts = commands`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserSpec {
    /// Users, `%group`, `#uid`, `+netgroup`, aliases, `ALL`.
    pub users: Vec<String>,
    pub hosts: Vec<String>,
    pub commands: Vec<Command>,
    pub loc: Loc,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sudoers {
    pub defaults: Vec<DefaultsEntry>,
    pub aliases: Vec<Alias>,
    pub specs: Vec<UserSpec>,
    pub files: Vec<String>,
    pub problems: Vec<Problem>,
}

/// An answer of [`Sudoers::nopasswd_all`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grant {
    /// The user list entry (after alias expansion): `alice`, `%sudo`.
    pub who: String,
    pub loc: Loc,
}

impl Sudoers {
    /// Parse `/etc/sudoers` and its includes. Fails only if it cannot be read.
    pub fn load(src: &dyn Source) -> Result<Sudoers, ReadError> {
        Sudoers::load_from(src, SUDOERS)
    }

    pub fn load_from(src: &dyn Source, path: &str) -> Result<Sudoers, ReadError> {
        let t = src.read(path)?;
        let mut s = Sudoers::default();
        let mut stack = Vec::new();
        s.parse_file(src, &t.path, &t.text, &mut stack);
        Ok(s)
    }

    /// Parse text without following includes (they become problems).
    pub fn parse_str(file: &str, text: &str) -> Sudoers {
        let mut s = Sudoers::default();
        let mut stack = Vec::new();
        s.parse_file(&super::MemRoot::new(), file, text, &mut stack);
        s
    }

    fn parse_file(&mut self, src: &dyn Source, file: &str, text: &str, stack: &mut Vec<String>) {
        self.files.push(file.to_string());
        stack.push(file.to_string());
        for (lineno, line) in logical_lines(text) {
            let t = line.trim();
            if t.is_empty() {
                continue;
            }
            let include = ["#includedir", "@includedir", "#include", "@include"]
                .iter()
                .find(|k| {
                    t.strip_prefix(**k)
                        .is_some_and(|r| r.starts_with(char::is_whitespace))
                });
            if let Some(kw) = include {
                let arg = t[kw.len()..].trim().trim_matches('"');
                self.include(src, file, lineno, kw.ends_with("dir"), arg, stack);
                continue;
            }
            if t.starts_with('#') && !t[1..].starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            let body = strip_comment(t);
            let loc = Loc::new(file, lineno);
            if let Err(m) = self.parse_line(body, loc) {
                self.problems.push(Problem::new(file, lineno, m));
            }
        }
        stack.pop();
    }

    fn include(
        &mut self,
        src: &dyn Source,
        file: &str,
        lineno: usize,
        dir: bool,
        arg: &str,
        stack: &mut Vec<String>,
    ) {
        if arg.is_empty() {
            self.problems
                .push(Problem::new(file, lineno, "include without a path"));
            return;
        }
        if stack.len() >= MAX_INCLUDE_DEPTH {
            self.problems.push(Problem::new(
                file,
                lineno,
                format!("include nested deeper than {MAX_INCLUDE_DEPTH}; not followed"),
            ));
            return;
        }
        let path = crate::root::join(dirname(file), arg);
        let paths = if dir {
            match src.glob(&format!("{}/*", path.trim_end_matches('/'))) {
                Ok(v) => v
                    .into_iter()
                    .filter(|p| {
                        let name = p.rsplit('/').next().unwrap_or("");
                        !name.ends_with('~') && !name.contains('.')
                    })
                    .collect(),
                Err(e) => {
                    self.problems
                        .push(Problem::new(file, lineno, e.to_string()));
                    return;
                }
            }
        } else {
            vec![path]
        };
        for p in paths {
            if self.files.len() >= MAX_INCLUDE_FILES {
                self.problems.push(Problem::new(
                    file,
                    lineno,
                    format!("more than {MAX_INCLUDE_FILES} files included; rest not followed"),
                ));
                break;
            }
            if stack.contains(&p) {
                self.problems.push(Problem::new(
                    file,
                    lineno,
                    format!("include loop through {p}"),
                ));
                continue;
            }
            match src.read(&p) {
                Ok(t) => self.parse_file(src, &t.path, &t.text, stack),
                Err(ReadError::NotAFile { .. }) if dir => {}
                Err(e) => self
                    .problems
                    .push(Problem::new(file, lineno, format!("include: {e}"))),
            }
        }
    }

    fn parse_line(&mut self, t: &str, loc: Loc) -> Result<(), String> {
        let first_end = t.find(char::is_whitespace).unwrap_or(t.len());
        let first = &t[..first_end];
        if let Some(rest) = first.strip_prefix("Defaults") {
            let scope = match rest.chars().next() {
                None => DefaultsScope::Global,
                Some(':') => DefaultsScope::User(rest[1..].to_string()),
                Some('@') => DefaultsScope::Host(rest[1..].to_string()),
                Some('>') => DefaultsScope::Runas(rest[1..].to_string()),
                Some('!') => DefaultsScope::Command(rest[1..].to_string()),
                _ => return Err(format!("unknown Defaults binding `{first}`")),
            };
            let params = t[first_end..].trim();
            if params.is_empty() {
                return Err("Defaults without parameters".into());
            }
            for p in split_top(params, ',') {
                let p = p.trim();
                if p.is_empty() {
                    continue;
                }
                let (negated, p) = match p.strip_prefix('!') {
                    Some(r) => (true, r.trim_start()),
                    None => (false, p),
                };
                let (name, op, value) = if let Some(i) = p.find("+=").or_else(|| p.find("-=")) {
                    (&p[..i], Some(p[i..i + 2].to_string()), Some(&p[i + 2..]))
                } else if let Some(i) = p.find('=') {
                    (&p[..i], None, Some(&p[i + 1..]))
                } else {
                    (p, None, None)
                };
                self.defaults.push(DefaultsEntry {
                    scope: scope.clone(),
                    name: name.trim().to_string(),
                    value: value.map(|v| v.trim().trim_matches('"').to_string()),
                    negated,
                    op,
                    loc: loc.clone(),
                });
            }
            return Ok(());
        }
        let kind = match first {
            "User_Alias" => Some(AliasKind::User),
            "Runas_Alias" => Some(AliasKind::Runas),
            "Host_Alias" => Some(AliasKind::Host),
            "Cmnd_Alias" | "Cmd_Alias" => Some(AliasKind::Cmnd),
            _ => None,
        };
        if let Some(kind) = kind {
            for def in split_top(&t[first_end..], ':') {
                let Some((name, members)) = def.split_once('=') else {
                    return Err(format!("{first}: expected NAME = members"));
                };
                let name = name.trim();
                if name.is_empty()
                    || !name.starts_with(|c: char| c.is_ascii_uppercase())
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                {
                    return Err(format!("{first}: invalid alias name `{name}`"));
                }
                self.aliases.push(Alias {
                    kind,
                    name: name.to_string(),
                    members: split_list(members),
                    loc: loc.clone(),
                });
            }
            return Ok(());
        }
        // User specification.
        let Some(eq) = t.find('=') else {
            return Err("expected `who hosts = commands`".into());
        };
        let left = normalise_commas(&t[..eq]);
        let mut words = left.split_whitespace();
        let (Some(users), Some(hosts)) = (words.next(), words.next()) else {
            return Err("expected user list and host list before `=`".into());
        };
        if words.next().is_some() {
            return Err("unexpected words before `=`".into());
        }
        let mut commands = Vec::new();
        let mut runas: Option<String> = None;
        let mut tags: Vec<String> = Vec::new();
        for item in split_top(&t[eq + 1..], ',') {
            let mut rest = item.trim();
            if let Some(r) = rest.strip_prefix('(') {
                let Some(close) = r.find(')') else {
                    return Err("unterminated run-as list".into());
                };
                runas = Some(r[..close].trim().to_string());
                rest = r[close + 1..].trim_start();
            }
            while let Some(colon) = rest.find(':') {
                let tag = rest[..colon].trim();
                if TAGS.contains(&tag) {
                    // A tag overrides its opposite (PASSWD vs NOPASSWD…).
                    let opposite = tag
                        .strip_prefix("NO")
                        .map(str::to_string)
                        .unwrap_or(format!("NO{tag}"));
                    tags.retain(|t| t != &opposite && t != tag);
                    tags.push(tag.to_string());
                    rest = rest[colon + 1..].trim_start();
                } else {
                    break;
                }
            }
            if rest.is_empty() {
                return Err("empty command".into());
            }
            commands.push(Command {
                runas: runas.clone(),
                tags: tags.clone(),
                command: rest.to_string(),
            });
        }
        if commands.is_empty() {
            return Err("no commands".into());
        }
        if commands
            .iter()
            .any(|c| c.command.contains(" : ") && c.command.contains('='))
        {
            self.problems.push(Problem::new(
                &loc.file,
                loc.line,
                "several `host = commands` groups on one line are not evaluated separately",
            ));
        }
        self.specs.push(UserSpec {
            users: split_list(users),
            hosts: split_list(hosts),
            commands,
            loc,
        });
        Ok(())
    }

    /// The last global value of a `Defaults` parameter: `Some(true)` for a
    /// set flag, `Some(false)` for `!flag`, `None` if never set globally.
    pub fn defaults_flag(&self, name: &str) -> Option<bool> {
        self.defaults
            .iter()
            .rev()
            .find(|d| d.scope == DefaultsScope::Global && d.name == name)
            .map(|d| !d.negated)
    }

    /// The last global `Defaults` entry of a parameter with its location.
    pub fn defaults_entry(&self, name: &str) -> Option<&DefaultsEntry> {
        self.defaults
            .iter()
            .rev()
            .find(|d| d.scope == DefaultsScope::Global && d.name == name)
    }

    /// The last global value of `name=value` (e.g. `logfile`).
    pub fn defaults_value(&self, name: &str) -> Option<&str> {
        self.defaults_entry(name)
            .filter(|d| !d.negated)
            .and_then(|d| d.value.as_deref())
    }

    pub fn alias(&self, kind: AliasKind, name: &str) -> Option<&Alias> {
        self.aliases
            .iter()
            .find(|a| a.kind == kind && a.name == name)
    }

    /// Expand aliases of `kind` in a list (recursively, cycles cut).
    pub fn expand(&self, kind: AliasKind, list: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = Vec::new();
        self.expand_into(kind, list, &mut out, &mut seen);
        out
    }

    fn expand_into(
        &self,
        kind: AliasKind,
        list: &[String],
        out: &mut Vec<String>,
        seen: &mut Vec<String>,
    ) {
        for item in list {
            let (neg, name) = match item.strip_prefix('!') {
                Some(r) => ("!", r),
                None => ("", item.as_str()),
            };
            match self.alias(kind, name) {
                Some(a) if !seen.contains(&a.name) && neg.is_empty() => {
                    seen.push(a.name.clone());
                    self.expand_into(kind, &a.members, out, seen);
                }
                _ => out.push(format!("{neg}{name}")),
            }
        }
    }

    /// Who may run `ALL` commands without a password: specs whose command
    /// (after `Cmnd_Alias` expansion) is `ALL` with `NOPASSWD`, or any `ALL`
    /// when `Defaults !authenticate` is set globally. Users are expanded
    /// through `User_Alias`.
    pub fn nopasswd_all(&self) -> Vec<Grant> {
        let no_auth = self.defaults_flag("authenticate") == Some(false);
        let mut out = Vec::new();
        for spec in &self.specs {
            let hit = spec.commands.iter().any(|c| {
                (no_auth || c.has_tag("NOPASSWD"))
                    && self
                        .expand(AliasKind::Cmnd, std::slice::from_ref(&c.command))
                        .iter()
                        .any(|x| x == "ALL")
            });
            if hit {
                for who in self.expand(AliasKind::User, &spec.users) {
                    out.push(Grant {
                        who,
                        loc: spec.loc.clone(),
                    });
                }
            }
        }
        out
    }

    /// Who may run `ALL` (with or without password).
    pub fn all_commands(&self) -> Vec<Grant> {
        let mut out = Vec::new();
        for spec in &self.specs {
            let hit = spec.commands.iter().any(|c| {
                self.expand(AliasKind::Cmnd, std::slice::from_ref(&c.command))
                    .iter()
                    .any(|x| x == "ALL")
            });
            if hit {
                for who in self.expand(AliasKind::User, &spec.users) {
                    out.push(Grant {
                        who,
                        loc: spec.loc.clone(),
                    });
                }
            }
        }
        out
    }

    /// Aliases by kind and name.
    pub fn alias_map(&self) -> BTreeMap<(AliasKind, String), &Alias> {
        self.aliases
            .iter()
            .map(|a| ((a.kind, a.name.clone()), a))
            .collect()
    }
}

/// Remove a trailing `# comment` (a `#` preceded by whitespace and not
/// followed by a digit, which would be a `#uid`).
fn strip_comment(t: &str) -> &str {
    let b = t.as_bytes();
    for i in 1..b.len() {
        if b[i] == b'#'
            && b[i - 1].is_ascii_whitespace()
            && !b.get(i + 1).is_some_and(|c| c.is_ascii_digit())
        {
            return t[..i].trim_end();
        }
    }
    t
}

/// Split on `sep` outside parentheses and double quotes.
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, false, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '"' => quote = !quote,
            '(' if !quote => depth += 1,
            ')' if !quote => depth -= 1,
            c if c == sep && !quote && depth <= 0 => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// `alice , bob   host` → `alice,bob host`.
fn normalise_commas(s: &str) -> String {
    let mut out = String::new();
    for part in s.split(',') {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(part.trim());
    }
    out
}
