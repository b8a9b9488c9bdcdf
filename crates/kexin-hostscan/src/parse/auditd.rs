//! Linux audit rules (`auditctl` syntax) from `/etc/audit/rules.d/*.rules`
//! (what `augenrules` compiles, in file-name order) or, when that directory
//! has no rules, `/etc/audit/audit.rules`.
//!
//! Rules are typed ([`Rule`]): file watches (`-w path -p perms -k key`),
//! syscall rules (`-a action,list -F field=value -S syscall… -k key`, also
//! `-A`), and control lines (`-D`, `-b`, `-e`, `-f`, `-r`,
//! `--backlog_wait_time`, `-i`, `--loginuid-immutable`). Unknown options and
//! malformed lines are problems.

use super::{Loc, Problem, Source};
use crate::root::FileText;

pub const RULES_DIR: &str = "/etc/audit/rules.d";
pub const AUDIT_RULES: &str = "/etc/audit/audit.rules";

/// A `-F` field comparison.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Field {
    pub name: String,
    /// `=`, `!=`, `<`, `>`, `<=`, `>=`, `&`, `&=`.
    pub op: String,
    pub value: String,
}

/// One audit rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    /// `-w path [-p rwxa] [-k key]`
    Watch {
        path: String,
        perms: Option<String>,
        keys: Vec<String>,
        loc: Loc,
    },
    /// `-W path`: remove a watch.
    Unwatch { path: String, loc: Loc },
    /// `-a|-A action,list …`
    Syscall {
        /// `always` or `never`.
        action: String,
        /// `exit`, `task`, `user`, `exclude`, `filesystem`, `io_uring`.
        list: String,
        /// `-A` (prepend) instead of `-a`.
        prepend: bool,
        syscalls: Vec<String>,
        fields: Vec<Field>,
        keys: Vec<String>,
        loc: Loc,
    },
    /// `-d action,list …`: delete a rule (kept as written).
    Delete { text: String, loc: Loc },
    /// `-D`: delete all rules.
    DeleteAll { loc: Loc },
    /// `-b N`
    Buffer { size: u64, loc: Loc },
    /// `-e 0|1|2` (2: immutable).
    Enabled { mode: u8, loc: Loc },
    /// `-f 0|1|2`
    Failure { mode: u8, loc: Loc },
    /// `-r N`
    RateLimit { rate: u64, loc: Loc },
    /// Other control options (`--backlog_wait_time 60000`, `-i`,
    /// `--loginuid-immutable`, `-c`…), kept as written.
    Control {
        option: String,
        value: Option<String>,
        loc: Loc,
    },
}

impl Rule {
    pub fn loc(&self) -> &Loc {
        match self {
            Rule::Watch { loc, .. }
            | Rule::Unwatch { loc, .. }
            | Rule::Syscall { loc, .. }
            | Rule::Delete { loc, .. }
            | Rule::DeleteAll { loc }
            | Rule::Buffer { loc, .. }
            | Rule::Enabled { loc, .. }
            | Rule::Failure { loc, .. }
            | Rule::RateLimit { loc, .. }
            | Rule::Control { loc, .. } => loc,
        }
    }

    /// The rule's keys (`-k` or `-F key=`).
    pub fn keys(&self) -> &[String] {
        match self {
            Rule::Watch { keys, .. } | Rule::Syscall { keys, .. } => keys,
            _ => &[],
        }
    }

    /// A syscall rule's field value (`arch`, `auid`, `path`, `dir`, `perm`…).
    pub fn field(&self, name: &str) -> Option<&Field> {
        match self {
            Rule::Syscall { fields, .. } => fields.iter().find(|f| f.name == name),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditRules {
    pub rules: Vec<Rule>,
    pub files: Vec<String>,
    pub problems: Vec<Problem>,
}

impl AuditRules {
    /// Rules of a root: `/etc/audit/rules.d/*.rules` in order, or
    /// `/etc/audit/audit.rules` if none. Unreadable files are problems; no
    /// file at all gives empty rules (a check reports "auditd not
    /// configured").
    pub fn load(src: &dyn Source) -> AuditRules {
        let mut out = AuditRules::default();
        let mut paths = match src.glob(&format!("{RULES_DIR}/*.rules")) {
            Ok(p) => p,
            Err(e) => {
                out.problems.push(Problem::file(&e));
                Vec::new()
            }
        };
        if paths.is_empty() {
            paths.push(AUDIT_RULES.to_string());
        }
        for p in paths {
            match src.read(&p) {
                Ok(t) => out.apply(&t),
                Err(e) if e.is_not_found() && p == AUDIT_RULES => {}
                Err(e) => out.problems.push(Problem::file(&e)),
            }
        }
        out
    }

    /// Parse one file (appending to these rules).
    pub fn apply(&mut self, text: &FileText) {
        self.files.push(text.path.clone());
        for (lineno, raw) in text.numbered_lines() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let loc = Loc::new(&text.path, lineno);
            match parse_rule(line, loc) {
                Ok(r) => self.rules.push(r),
                Err(m) => self.problems.push(Problem::new(&text.path, lineno, m)),
            }
        }
    }

    pub fn parse(text: &FileText) -> AuditRules {
        let mut r = AuditRules::default();
        r.apply(text);
        r
    }

    /// The last `-e` mode (2 = rules immutable until reboot).
    pub fn enabled_mode(&self) -> Option<u8> {
        self.rules.iter().rev().find_map(|r| match r {
            Rule::Enabled { mode, .. } => Some(*mode),
            _ => None,
        })
    }

    /// Is the configuration made immutable (`-e 2`) at the end?
    pub fn immutable(&self) -> bool {
        self.enabled_mode() == Some(2)
    }

    /// Rules watching a path: `-w path` or a syscall rule with
    /// `-F path=`/`-F dir=` equal to it.
    pub fn watching(&self, path: &str) -> Vec<&Rule> {
        self.rules
            .iter()
            .filter(|r| match r {
                Rule::Watch { path: p, .. } => {
                    p == path || p.trim_end_matches('/') == path.trim_end_matches('/')
                }
                Rule::Syscall { fields, .. } => fields.iter().any(|f| {
                    (f.name == "path" || f.name == "dir") && f.op == "=" && f.value == path
                }),
                _ => false,
            })
            .collect()
    }

    /// `always` syscall rules on the `exit` list naming a syscall.
    pub fn syscall(&self, name: &str) -> Vec<&Rule> {
        self.rules
            .iter()
            .filter(|r| match r {
                Rule::Syscall {
                    action,
                    list,
                    syscalls,
                    ..
                } => {
                    action == "always"
                        && list == "exit"
                        && syscalls.iter().any(|s| s == name || s == "all")
                }
                _ => false,
            })
            .collect()
    }

    /// Rules carrying a key.
    pub fn with_key(&self, key: &str) -> Vec<&Rule> {
        self.rules
            .iter()
            .filter(|r| r.keys().iter().any(|k| k == key))
            .collect()
    }
}

fn parse_rule(line: &str, loc: Loc) -> Result<Rule, String> {
    let words = super::split_quoted(line)?;
    let first = words.first().map(String::as_str).unwrap_or("");
    let arg = |i: usize| -> Result<&str, String> {
        words
            .get(i)
            .map(String::as_str)
            .ok_or_else(|| format!("{first} needs a value"))
    };
    let int = |i: usize| -> Result<u64, String> {
        let v = arg(i)?;
        v.parse()
            .map_err(|_| format!("{first}: invalid number `{v}`"))
    };
    match first {
        "-D" => Ok(Rule::DeleteAll { loc }),
        "-b" => Ok(Rule::Buffer { size: int(1)?, loc }),
        "-r" => Ok(Rule::RateLimit { rate: int(1)?, loc }),
        "-e" | "-f" => {
            let v = int(1)?;
            if v > 2 {
                return Err(format!("{first}: mode must be 0, 1 or 2"));
            }
            Ok(if first == "-e" {
                Rule::Enabled { mode: v as u8, loc }
            } else {
                Rule::Failure { mode: v as u8, loc }
            })
        }
        "-W" => Ok(Rule::Unwatch {
            path: arg(1)?.to_string(),
            loc,
        }),
        "-d" => Ok(Rule::Delete {
            text: line.to_string(),
            loc,
        }),
        "-w" => {
            let path = arg(1)?.to_string();
            let (mut perms, mut keys) = (None, Vec::new());
            let mut i = 2;
            while i < words.len() {
                match words[i].as_str() {
                    "-p" => {
                        let p = arg(i + 1)?;
                        if p.is_empty() || !p.chars().all(|c| "rwxa".contains(c)) {
                            return Err(format!("-p: invalid permissions `{p}`"));
                        }
                        perms = Some(p.to_string());
                    }
                    "-k" => keys.push(arg(i + 1)?.to_string()),
                    o => return Err(format!("unexpected `{o}` in a watch rule")),
                }
                i += 2;
            }
            Ok(Rule::Watch {
                path,
                perms,
                keys,
                loc,
            })
        }
        "-a" | "-A" => {
            let al = arg(1)?;
            let (a, b) = al
                .split_once(',')
                .ok_or_else(|| format!("{first}: expected action,list"))?;
            let lists = [
                "exit",
                "task",
                "user",
                "exclude",
                "filesystem",
                "io_uring",
                "entry",
            ];
            let (action, list) = match (a, b) {
                (x, y) if (x == "always" || x == "never") && lists.contains(&y) => (x, y),
                (y, x) if (x == "always" || x == "never") && lists.contains(&y) => (x, y),
                _ => return Err(format!("{first}: invalid action,list `{al}`")),
            };
            let (mut syscalls, mut fields, mut keys) = (Vec::new(), Vec::new(), Vec::new());
            let mut i = 2;
            while i < words.len() {
                let v = arg(i + 1)?;
                match words[i].as_str() {
                    "-S" => {
                        syscalls.extend(v.split(',').filter(|s| !s.is_empty()).map(str::to_string))
                    }
                    "-k" => keys.push(v.to_string()),
                    "-F" | "-C" => {
                        let f = parse_field(v)?;
                        if f.name == "key" && f.op == "=" {
                            keys.push(f.value);
                        } else {
                            fields.push(f);
                        }
                    }
                    o => return Err(format!("unexpected `{o}` in a syscall rule")),
                }
                i += 2;
            }
            Ok(Rule::Syscall {
                action: action.to_string(),
                list: list.to_string(),
                prepend: first == "-A",
                syscalls,
                fields,
                keys,
                loc,
            })
        }
        o if o.starts_with('-') => Ok(Rule::Control {
            option: o.to_string(),
            value: words.get(1).cloned(),
            loc,
        }),
        o => Err(format!("not an audit rule: `{o}`")),
    }
}

fn parse_field(s: &str) -> Result<Field, String> {
    let Some(i) = s.find(['!', '<', '>', '=', '&']) else {
        return Err(format!("-F: expected field<op>value, found `{s}`"));
    };
    let name = &s[..i];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("-F: invalid field name in `{s}`"));
    }
    let rest = &s[i..];
    let op = ["!=", "<=", ">=", "&=", "=", "<", ">", "&"]
        .into_iter()
        .find(|op| rest.starts_with(op))
        .ok_or_else(|| format!("-F: invalid operator in `{s}`"))?;
    Ok(Field {
        name: name.to_string(),
        op: op.to_string(),
        value: rest[op.len()..].to_string(),
    })
}
