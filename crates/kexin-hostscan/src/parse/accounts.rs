//! `/etc/passwd`, `/etc/shadow`, `/etc/group`, `/etc/gshadow`.
//!
//! Colon-separated records. Malformed lines (wrong field count, bad numbers)
//! are reported in [`Parsed::problems`] and skipped; NIS compat lines
//! (`+`/`-` prefixes) are reported too. Password hashes are classified by
//! their `$id$` prefix ([`HashAlgorithm`]) and lock state ([`PasswordState`]).

use super::{Loc, Problem, Source};
use crate::root::{FileText, ReadError};

/// Records of one file plus its problems.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Parsed<T> {
    pub path: String,
    pub entries: Vec<T>,
    pub problems: Vec<Problem>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed {
            path: String::new(),
            entries: Vec::new(),
            problems: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PasswdEntry {
    pub name: String,
    /// Usually `x` (password in shadow).
    pub password: String,
    pub uid: u32,
    pub gid: u32,
    pub gecos: String,
    pub home: String,
    pub shell: String,
    pub loc: Loc,
}

impl PasswdEntry {
    /// Shell is a no-login shell (`nologin`, `false`, empty means `/bin/sh`
    /// so it is *not* no-login).
    pub fn has_nologin_shell(&self) -> bool {
        let base = self.shell.rsplit('/').next().unwrap_or("");
        matches!(base, "nologin" | "false" | "sync" | "shutdown" | "halt")
    }
}

/// Password hashing scheme from the hash prefix.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HashAlgorithm {
    /// `$y$`
    Yescrypt,
    /// `$gy$`
    GostYescrypt,
    /// `$7$`
    Scrypt,
    /// `$2a$`, `$2b$`, `$2y$`
    Bcrypt,
    /// `$6$`
    Sha512,
    /// `$5$`
    Sha256,
    /// `$1$`
    Md5,
    /// `_` prefix (BSDi extended DES)
    BsdiDes,
    /// 13 characters without `$` (traditional DES crypt)
    Des,
    /// Another `$id$`.
    Unknown(String),
}

impl HashAlgorithm {
    /// Classify a hash (without any lock prefix).
    pub fn of(hash: &str) -> HashAlgorithm {
        if let Some(rest) = hash.strip_prefix('$') {
            let id = rest.split('$').next().unwrap_or("");
            match id {
                "y" => HashAlgorithm::Yescrypt,
                "gy" => HashAlgorithm::GostYescrypt,
                "7" => HashAlgorithm::Scrypt,
                "2a" | "2b" | "2y" | "2x" => HashAlgorithm::Bcrypt,
                "6" => HashAlgorithm::Sha512,
                "5" => HashAlgorithm::Sha256,
                "1" => HashAlgorithm::Md5,
                other => HashAlgorithm::Unknown(other.to_string()),
            }
        } else if hash.starts_with('_') {
            HashAlgorithm::BsdiDes
        } else if hash.len() == 13
            && hash
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/')
        {
            HashAlgorithm::Des
        } else {
            HashAlgorithm::Unknown(String::new())
        }
    }

    /// Considered strong today (yescrypt, scrypt, bcrypt, SHA-512).
    pub fn is_strong(&self) -> bool {
        matches!(
            self,
            HashAlgorithm::Yescrypt
                | HashAlgorithm::GostYescrypt
                | HashAlgorithm::Scrypt
                | HashAlgorithm::Bcrypt
                | HashAlgorithm::Sha512
        )
    }
}

/// What a shadow password field means.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordState {
    /// Empty field: login without a password (where allowed).
    Empty,
    /// `*` or `!`/`!!` alone: no password set, password login impossible.
    NoPassword,
    /// `!hash`: a password locked with `passwd -l`.
    Locked(HashAlgorithm),
    /// A usable hash.
    Hash(HashAlgorithm),
    /// Something that is no valid hash (password login impossible).
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ShadowEntry {
    pub name: String,
    pub password: String,
    /// Days since the epoch of the last change (0: must change).
    pub last_change: Option<i64>,
    pub min_days: Option<i64>,
    pub max_days: Option<i64>,
    pub warn_days: Option<i64>,
    pub inactive_days: Option<i64>,
    /// Account expiry, days since the epoch.
    pub expire: Option<i64>,
    pub loc: Loc,
}

impl ShadowEntry {
    pub fn state(&self) -> PasswordState {
        let p = self.password.as_str();
        if p.is_empty() {
            return PasswordState::Empty;
        }
        let unlocked = p.trim_start_matches('!');
        let locked = unlocked.len() != p.len();
        if unlocked.is_empty() || unlocked.starts_with('*') {
            return PasswordState::NoPassword;
        }
        match HashAlgorithm::of(unlocked) {
            HashAlgorithm::Unknown(id) if id.is_empty() => {
                if locked {
                    PasswordState::NoPassword
                } else {
                    PasswordState::Invalid
                }
            }
            a if locked => PasswordState::Locked(a),
            a => PasswordState::Hash(a),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GroupEntry {
    pub name: String,
    pub password: String,
    pub gid: u32,
    pub members: Vec<String>,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GshadowEntry {
    pub name: String,
    pub password: String,
    pub admins: Vec<String>,
    pub members: Vec<String>,
    pub loc: Loc,
}

fn records<T>(
    text: &FileText,
    min_fields: usize,
    max_fields: usize,
    mut f: impl FnMut(&[&str], Loc) -> Result<T, String>,
) -> Parsed<T> {
    let mut out = Parsed {
        path: text.path.clone(),
        ..Parsed::default()
    };
    for (lineno, line) in text.numbered_lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('+') || line.starts_with('-') {
            out.problems.push(Problem::new(
                &text.path,
                lineno,
                "NIS compat entry (not evaluated)",
            ));
            continue;
        }
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() < min_fields || fields.len() > max_fields {
            out.problems.push(Problem::new(
                &text.path,
                lineno,
                format!("expected {min_fields} fields, found {}", fields.len()),
            ));
            continue;
        }
        if fields[0].is_empty() {
            out.problems
                .push(Problem::new(&text.path, lineno, "empty name"));
            continue;
        }
        match f(&fields, Loc::new(&text.path, lineno)) {
            Ok(e) => out.entries.push(e),
            Err(m) => out.problems.push(Problem::new(&text.path, lineno, m)),
        }
    }
    out
}

fn num_u32(s: &str, what: &str) -> Result<u32, String> {
    s.parse().map_err(|_| format!("invalid {what} `{s}`"))
}

fn opt_i64(s: &str, what: &str) -> Result<Option<i64>, String> {
    if s.is_empty() {
        Ok(None)
    } else {
        s.parse()
            .map(Some)
            .map_err(|_| format!("invalid {what} `{s}`"))
    }
}

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|m| !m.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn parse_passwd(text: &FileText) -> Parsed<PasswdEntry> {
    records(text, 7, 7, |f, loc| {
        Ok(PasswdEntry {
            name: f[0].to_string(),
            password: f[1].to_string(),
            uid: num_u32(f[2], "UID")?,
            gid: num_u32(f[3], "GID")?,
            gecos: f[4].to_string(),
            home: f[5].to_string(),
            shell: f[6].to_string(),
            loc,
        })
    })
}

pub fn parse_shadow(text: &FileText) -> Parsed<ShadowEntry> {
    records(text, 9, 9, |f, loc| {
        Ok(ShadowEntry {
            name: f[0].to_string(),
            password: f[1].to_string(),
            last_change: opt_i64(f[2], "last change")?,
            min_days: opt_i64(f[3], "minimum age")?,
            max_days: opt_i64(f[4], "maximum age")?,
            warn_days: opt_i64(f[5], "warning period")?,
            inactive_days: opt_i64(f[6], "inactivity period")?,
            expire: opt_i64(f[7], "expiration date")?,
            loc,
        })
    })
}

pub fn parse_group(text: &FileText) -> Parsed<GroupEntry> {
    records(text, 4, 4, |f, loc| {
        Ok(GroupEntry {
            name: f[0].to_string(),
            password: f[1].to_string(),
            gid: num_u32(f[2], "GID")?,
            members: list(f[3]),
            loc,
        })
    })
}

pub fn parse_gshadow(text: &FileText) -> Parsed<GshadowEntry> {
    records(text, 4, 4, |f, loc| {
        Ok(GshadowEntry {
            name: f[0].to_string(),
            password: f[1].to_string(),
            admins: list(f[2]),
            members: list(f[3]),
            loc,
        })
    })
}

/// The four account databases of a root. A file that cannot be read is
/// `None` and its error is in [`Accounts::errors`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Accounts {
    pub passwd: Option<Parsed<PasswdEntry>>,
    pub shadow: Option<Parsed<ShadowEntry>>,
    pub group: Option<Parsed<GroupEntry>>,
    pub gshadow: Option<Parsed<GshadowEntry>>,
    pub errors: Vec<ReadError>,
}

impl Accounts {
    pub fn load(src: &dyn Source) -> Accounts {
        let mut a = Accounts::default();
        let mut read = |p: &str| match src.read(p) {
            Ok(t) => Some(t),
            Err(e) => {
                a.errors.push(e);
                None
            }
        };
        let passwd = read("/etc/passwd").map(|t| parse_passwd(&t));
        let shadow = read("/etc/shadow").map(|t| parse_shadow(&t));
        let group = read("/etc/group").map(|t| parse_group(&t));
        let gshadow = read("/etc/gshadow").map(|t| parse_gshadow(&t));
        a.passwd = passwd;
        a.shadow = shadow;
        a.group = group;
        a.gshadow = gshadow;
        a
    }

    pub fn user(&self, name: &str) -> Option<&PasswdEntry> {
        self.passwd
            .as_ref()?
            .entries
            .iter()
            .find(|e| e.name == name)
    }

    pub fn shadow_of(&self, name: &str) -> Option<&ShadowEntry> {
        self.shadow
            .as_ref()?
            .entries
            .iter()
            .find(|e| e.name == name)
    }

    /// Accounts with UID 0.
    pub fn uid0(&self) -> Vec<&PasswdEntry> {
        self.passwd
            .iter()
            .flat_map(|p| p.entries.iter())
            .filter(|e| e.uid == 0)
            .collect()
    }

    /// Names of the members of a group: explicit members plus users whose
    /// primary group it is.
    pub fn group_members(&self, group: &str) -> Vec<String> {
        let Some(g) = self
            .group
            .iter()
            .flat_map(|g| g.entries.iter())
            .find(|g| g.name == group)
        else {
            return Vec::new();
        };
        let mut out = g.members.clone();
        for u in self.passwd.iter().flat_map(|p| p.entries.iter()) {
            if u.gid == g.gid && !out.contains(&u.name) {
                out.push(u.name.clone());
            }
        }
        out
    }

    /// Every problem in the four files.
    pub fn problems(&self) -> Vec<&Problem> {
        let mut v: Vec<&Problem> = Vec::new();
        v.extend(self.passwd.iter().flat_map(|p| p.problems.iter()));
        v.extend(self.shadow.iter().flat_map(|p| p.problems.iter()));
        v.extend(self.group.iter().flat_map(|p| p.problems.iter()));
        v.extend(self.gshadow.iter().flat_map(|p| p.problems.iter()));
        v
    }
}
