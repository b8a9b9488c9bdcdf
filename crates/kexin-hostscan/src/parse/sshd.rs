//! `sshd_config` with OpenSSH semantics.
//!
//! * Keywords are case-insensitive (stored lower-case); `Keyword value`,
//!   `Keyword=value` and `Keyword = value` are accepted; values may be
//!   double-quoted; an unquoted word starting with `#` starts a trailing
//!   comment (OpenSSH 8.7+).
//! * **First value wins** for a keyword, except the accumulating keywords in
//!   [`ACCUMULATING`] (`HostKey`, `ListenAddress`, `Port`, `AcceptEnv`,
//!   `AllowUsers`/`DenyUsers`/`AllowGroups`/`DenyGroups`, `HostCertificate`,
//!   `Subsystem`), where every occurrence counts.
//! * `Include` is processed in place: each argument is a glob (wildcards in
//!   the last component), relative paths are relative to `/etc/ssh`, matches
//!   are read in lexical order, nesting is limited to
//!   [`MAX_INCLUDE_DEPTH`]. An `Include` inside a
//!   `Match` block belongs to that block; a `Match` opened in an included
//!   file ends with that file (OpenSSH restores the match state after an
//!   include).
//! * `Match` blocks apply only to matching connections. [`SshdConfig::global`]
//!   is what applies when no `Match` block matches;
//!   [`SshdConfig::effective`] applies matching blocks on top: as in sshd,
//!   the first value from a matching block overrides the global value.
//! * `Ciphers`, `MACs`, `KexAlgorithms` support `+` (append), `-` (remove)
//!   and `^` (prepend) relative to the OpenSSH defaults ([`DEFAULT_CIPHERS`],
//!   [`DEFAULT_MACS`], [`DEFAULT_KEX`], those of OpenSSH 9.2 as shipped by
//!   Debian 12); see [`resolve_algorithms`].
//! * Unset keywords fall back to OpenSSH's compiled-in defaults in
//!   [`DEFAULTS`] via [`Effective::value_or_default`].

use std::collections::BTreeMap;

use super::{
    Loc, MAX_INCLUDE_DEPTH, MAX_INCLUDE_FILES, Problem, Source, expand_include, split_words,
};
use crate::root::{ReadError, wildcard_match};

/// The main configuration file.
pub const SSHD_CONFIG: &str = "/etc/ssh/sshd_config";

/// Keywords where every occurrence counts instead of the first.
pub const ACCUMULATING: &[&str] = &[
    "hostkey",
    "listenaddress",
    "port",
    "acceptenv",
    "allowusers",
    "denyusers",
    "allowgroups",
    "denygroups",
    "hostcertificate",
    "subsystem",
];

/// OpenSSH 9.2 default server ciphers.
pub const DEFAULT_CIPHERS: &[&str] = &[
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
];

/// Ciphers OpenSSH 9.x supports (defaults plus the CBC ones), used to expand
/// wildcards in `+` lists.
pub const SUPPORTED_CIPHERS: &[&str] = &[
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "3des-cbc",
    "aes128-cbc",
    "aes192-cbc",
    "aes256-cbc",
];

/// OpenSSH 9.2 default server MACs.
pub const DEFAULT_MACS: &[&str] = &[
    "umac-64-etm@openssh.com",
    "umac-128-etm@openssh.com",
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "hmac-sha1-etm@openssh.com",
    "umac-64@openssh.com",
    "umac-128@openssh.com",
    "hmac-sha2-256",
    "hmac-sha2-512",
    "hmac-sha1",
];

/// MACs OpenSSH 9.x supports.
pub const SUPPORTED_MACS: &[&str] = &[
    "umac-64-etm@openssh.com",
    "umac-128-etm@openssh.com",
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "hmac-sha1-etm@openssh.com",
    "umac-64@openssh.com",
    "umac-128@openssh.com",
    "hmac-sha2-256",
    "hmac-sha2-512",
    "hmac-sha1",
    "hmac-sha1-96",
    "hmac-md5",
    "hmac-md5-96",
    "hmac-sha1-96-etm@openssh.com",
    "hmac-md5-etm@openssh.com",
    "hmac-md5-96-etm@openssh.com",
];

/// OpenSSH 9.2 default server key exchange algorithms.
pub const DEFAULT_KEX: &[&str] = &[
    "sntrup761x25519-sha512@openssh.com",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "diffie-hellman-group-exchange-sha256",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group14-sha256",
];

/// Key exchange algorithms OpenSSH 9.x supports.
pub const SUPPORTED_KEX: &[&str] = &[
    "mlkem768x25519-sha256",
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "diffie-hellman-group-exchange-sha256",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group14-sha256",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group-exchange-sha1",
];

/// OpenSSH's compiled-in defaults for common keywords (lower-case keyword,
/// value as sshd -T prints it).
pub const DEFAULTS: &[(&str, &str)] = &[
    ("permitrootlogin", "prohibit-password"),
    ("passwordauthentication", "yes"),
    ("permitemptypasswords", "no"),
    ("pubkeyauthentication", "yes"),
    ("kbdinteractiveauthentication", "yes"),
    ("hostbasedauthentication", "no"),
    ("ignorerhosts", "yes"),
    ("maxauthtries", "6"),
    ("maxsessions", "10"),
    ("maxstartups", "10:30:100"),
    ("clientaliveinterval", "0"),
    ("clientalivecountmax", "3"),
    ("logingracetime", "120"),
    (
        "authorizedkeysfile",
        ".ssh/authorized_keys .ssh/authorized_keys2",
    ),
    ("usepam", "no"),
    ("x11forwarding", "no"),
    ("allowtcpforwarding", "yes"),
    ("allowagentforwarding", "yes"),
    ("permituserenvironment", "no"),
    ("permittunnel", "no"),
    ("strictmodes", "yes"),
    ("loglevel", "INFO"),
    ("syslogfacility", "AUTH"),
    ("gssapiauthentication", "no"),
    ("usedns", "no"),
    ("compression", "yes"),
    ("banner", "none"),
    ("authenticationmethods", "any"),
];

/// One directive as written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Directive {
    /// Lower-case keyword.
    pub keyword: String,
    /// Arguments, quotes removed.
    pub args: Vec<String>,
    pub loc: Loc,
    /// Index into [`SshdConfig::matches`] of the enclosing `Match` block.
    pub match_block: Option<usize>,
}

impl Directive {
    /// The arguments joined with single spaces.
    pub fn value(&self) -> String {
        self.args.join(" ")
    }
}

/// One criterion of a `Match` line, e.g. `User alice,bob`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Criterion {
    /// Lower-case: `all`, `user`, `group`, `host`, `address`, `localaddress`,
    /// `localport`, `rdomain`.
    pub name: String,
    /// The pattern list (comma-separated in the file; `!` negates).
    pub patterns: Vec<String>,
}

/// A `Match` block header.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MatchBlock {
    pub criteria: Vec<Criterion>,
    pub loc: Loc,
}

/// The connection a `Match` block is tested against. Unknown (`None`)
/// fields never match a criterion that needs them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchContext {
    pub user: Option<String>,
    /// The user's groups (for `Match Group`).
    pub groups: Vec<String>,
    /// Client host name.
    pub host: Option<String>,
    /// Client address.
    pub addr: Option<String>,
    pub laddr: Option<String>,
    pub lport: Option<u16>,
    pub rdomain: Option<String>,
}

impl MatchContext {
    /// A context for a user only (other fields unknown).
    pub fn user(name: &str) -> MatchContext {
        MatchContext {
            user: Some(name.to_string()),
            ..MatchContext::default()
        }
    }
}

impl MatchBlock {
    /// Do all criteria match `ctx`?
    pub fn matches(&self, ctx: &MatchContext) -> bool {
        self.criteria.iter().all(|c| {
            let list = &c.patterns;
            match c.name.as_str() {
                "all" => true,
                "user" => ctx
                    .user
                    .as_deref()
                    .is_some_and(|u| match_list(list, u, false)),
                "group" => ctx.groups.iter().any(|g| match_list(list, g, false)),
                "host" => ctx
                    .host
                    .as_deref()
                    .is_some_and(|h| match_list(list, &h.to_ascii_lowercase(), false)),
                "address" => ctx
                    .addr
                    .as_deref()
                    .is_some_and(|a| match_list(list, a, true)),
                "localaddress" => ctx
                    .laddr
                    .as_deref()
                    .is_some_and(|a| match_list(list, a, true)),
                "localport" => ctx
                    .lport
                    .is_some_and(|p| match_list(list, &p.to_string(), false)),
                "rdomain" => ctx
                    .rdomain
                    .as_deref()
                    .is_some_and(|r| match_list(list, r, false)),
                _ => false,
            }
        })
    }
}

/// OpenSSH pattern-list matching: any negated match → false; otherwise any
/// positive match → true. With `cidr`, `a.b.c.d/n` and IPv6 `x::/n` networks
/// match too.
fn match_list(patterns: &[String], value: &str, cidr: bool) -> bool {
    let mut matched = false;
    for p in patterns {
        let (neg, p) = match p.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, p.as_str()),
        };
        let m = wildcard_match(p, value) || (cidr && cidr_match(p, value));
        if m && neg {
            return false;
        }
        matched |= m;
    }
    matched
}

fn cidr_match(net: &str, addr: &str) -> bool {
    use std::net::IpAddr;
    let Some((n, bits)) = net.split_once('/') else {
        return false;
    };
    let (Ok(n), Ok(a), Ok(bits)) = (
        n.parse::<IpAddr>(),
        addr.parse::<IpAddr>(),
        bits.parse::<u32>(),
    ) else {
        return false;
    };
    let (n, a, width) = match (n, a) {
        (IpAddr::V4(n), IpAddr::V4(a)) => (u128::from(u32::from(n)), u128::from(u32::from(a)), 32),
        (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n), u128::from(a), 128),
        _ => return false,
    };
    if bits > width {
        return false;
    }
    let shift = width - bits;
    if shift >= 128 {
        return true;
    }
    (n >> shift) == (a >> shift)
}

/// A parsed `sshd_config` with its includes flattened in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SshdConfig {
    /// All directives in processing order (includes expanded in place).
    pub directives: Vec<Directive>,
    pub matches: Vec<MatchBlock>,
    /// Files read, in order (main file first).
    pub files: Vec<String>,
    pub problems: Vec<Problem>,
}

/// A keyword's effective value with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Setting {
    pub args: Vec<String>,
    pub loc: Loc,
    /// The `Match` block that supplied it, if any.
    pub match_block: Option<usize>,
}

impl Setting {
    pub fn value(&self) -> String {
        self.args.join(" ")
    }
}

/// Effective settings: lower-case keyword → occurrences that apply. For
/// first-wins keywords the vector has exactly one element.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Effective {
    pub settings: BTreeMap<String, Vec<Setting>>,
}

impl Effective {
    /// The setting for a keyword (case-insensitive), if configured.
    pub fn get(&self, keyword: &str) -> Option<&Setting> {
        self.settings
            .get(&keyword.to_ascii_lowercase())
            .and_then(|v| v.first())
    }

    /// All occurrences (for [`ACCUMULATING`] keywords).
    pub fn get_all(&self, keyword: &str) -> &[Setting] {
        self.settings
            .get(&keyword.to_ascii_lowercase())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The configured value (arguments joined by spaces).
    pub fn value(&self, keyword: &str) -> Option<String> {
        self.get(keyword).map(Setting::value)
    }

    /// The configured value, or OpenSSH's default from [`DEFAULTS`].
    pub fn value_or_default(&self, keyword: &str) -> Option<String> {
        self.value(keyword)
            .or_else(|| default_for(keyword).map(str::to_string))
    }

    /// `yes`/`no` keyword (configured or default) as a bool; `None` if
    /// neither or another word.
    pub fn yes_no(&self, keyword: &str) -> Option<bool> {
        match self
            .value_or_default(keyword)?
            .to_ascii_lowercase()
            .as_str()
        {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        }
    }

    /// An integer keyword (configured or default).
    pub fn int(&self, keyword: &str) -> Option<i64> {
        self.value_or_default(keyword)?.parse().ok()
    }

    /// A time keyword (`LoginGraceTime 2m`, `ClientAliveInterval 300`) in
    /// seconds, sshd's `s m h d w` suffixes understood.
    pub fn seconds(&self, keyword: &str) -> Option<u64> {
        parse_time(&self.value_or_default(keyword)?)
    }

    /// `AuthenticationMethods` as alternatives, each a list of methods that
    /// must all succeed: `publickey,password publickey,keyboard-interactive`
    /// → `[[publickey, password], [publickey, keyboard-interactive]]`.
    /// `any` (the default) gives an empty list.
    pub fn authentication_methods(&self) -> Vec<Vec<String>> {
        let Some(s) = self.get("authenticationmethods") else {
            return Vec::new();
        };
        s.args
            .iter()
            .filter(|a| !a.eq_ignore_ascii_case("any"))
            .map(|a| {
                a.split(',')
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    }

    /// Effective cipher list after `+`/`-`/`^` processing.
    pub fn ciphers(&self) -> Vec<String> {
        self.algorithms("ciphers", DEFAULT_CIPHERS, SUPPORTED_CIPHERS)
    }

    /// Effective MAC list.
    pub fn macs(&self) -> Vec<String> {
        self.algorithms("macs", DEFAULT_MACS, SUPPORTED_MACS)
    }

    /// Effective key exchange list.
    pub fn kex_algorithms(&self) -> Vec<String> {
        self.algorithms("kexalgorithms", DEFAULT_KEX, SUPPORTED_KEX)
    }

    fn algorithms(&self, kw: &str, defaults: &[&str], supported: &[&str]) -> Vec<String> {
        match self.value(kw) {
            Some(spec) => resolve_algorithms(defaults, supported, &spec.replace(' ', "")),
            None => defaults.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// The compiled-in default of a keyword, if listed in [`DEFAULTS`].
pub fn default_for(keyword: &str) -> Option<&'static str> {
    let k = keyword.to_ascii_lowercase();
    DEFAULTS.iter().find(|(d, _)| *d == k).map(|(_, v)| *v)
}

/// sshd time format: `90`, `2m`, `1h30m`; `None` if malformed.
pub fn parse_time(s: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut num = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            num.push(c);
        } else {
            let mult = match c.to_ascii_lowercase() {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86400,
                'w' => 604800,
                _ => return None,
            };
            let n: u64 = num.parse().ok()?;
            total = total.checked_add(n.checked_mul(mult)?)?;
            num.clear();
        }
    }
    if !num.is_empty() {
        total = total.checked_add(num.parse().ok()?)?;
    }
    Some(total)
}

/// Apply an OpenSSH algorithm list specification to `defaults`:
/// `+a,b` appends (wildcards expanded against `supported`), `-a,b` removes
/// (wildcards allowed), `^a,b` prepends, anything else replaces the list
/// (unknown names are kept so a check can flag them).
pub fn resolve_algorithms(defaults: &[&str], supported: &[&str], spec: &str) -> Vec<String> {
    let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let expand = |list: &str| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for item in list.split(',').filter(|s| !s.is_empty()) {
            if item.contains(['*', '?']) {
                for s in supported {
                    if wildcard_match(item, s) && !out.iter().any(|o| o == s) {
                        out.push(s.to_string());
                    }
                }
            } else if !out.iter().any(|o| o == item) {
                out.push(item.to_string());
            }
        }
        out
    };
    if let Some(rest) = spec.strip_prefix('+') {
        let mut out = owned(defaults);
        for a in expand(rest) {
            if !out.contains(&a) {
                out.push(a);
            }
        }
        out
    } else if let Some(rest) = spec.strip_prefix('-') {
        let pats: Vec<&str> = rest.split(',').filter(|s| !s.is_empty()).collect();
        owned(defaults)
            .into_iter()
            .filter(|a| !pats.iter().any(|p| wildcard_match(p, a)))
            .collect()
    } else if let Some(rest) = spec.strip_prefix('^') {
        let mut out = expand(rest);
        for d in defaults {
            if !out.iter().any(|o| o == d) {
                out.push(d.to_string());
            }
        }
        out
    } else {
        expand(spec)
    }
}

impl SshdConfig {
    /// Parse `/etc/ssh/sshd_config` and its includes from `src`.
    pub fn load(src: &dyn Source) -> Result<SshdConfig, ReadError> {
        SshdConfig::load_from(src, SSHD_CONFIG)
    }

    /// Parse a given main file and its includes. Fails only if the main file
    /// cannot be read.
    pub fn load_from(src: &dyn Source, path: &str) -> Result<SshdConfig, ReadError> {
        let text = src.read(path)?;
        let mut cfg = SshdConfig::default();
        let mut current = None;
        cfg.parse_file(src, &text.path, &text.text, 0, &mut current);
        Ok(cfg)
    }

    /// Parse text without a filesystem: `Include` lines are recorded as
    /// problems instead of being followed.
    pub fn parse_str(file: &str, text: &str) -> SshdConfig {
        let mut cfg = SshdConfig::default();
        let mut current = None;
        cfg.parse_file(&NoFiles, file, text, 0, &mut current);
        cfg
    }

    fn parse_file(
        &mut self,
        src: &dyn Source,
        file: &str,
        text: &str,
        depth: usize,
        current: &mut Option<usize>,
    ) {
        self.files.push(file.to_string());
        for (idx, raw) in text.lines().enumerate() {
            let lineno = idx + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // Keyword ends at whitespace or '='.
            let kw_end = line
                .find(|c: char| c.is_whitespace() || c == '=')
                .unwrap_or(line.len());
            let keyword = line[..kw_end].to_ascii_lowercase();
            let mut rest = line[kw_end..].trim_start();
            if let Some(r) = rest.strip_prefix('=') {
                rest = r.trim_start();
            }
            let args = match split_words(rest, true) {
                Ok(a) => a,
                Err(e) => {
                    self.problems
                        .push(Problem::new(file, lineno, format!("{keyword}: {e}")));
                    continue;
                }
            };
            if keyword.is_empty() {
                self.problems
                    .push(Problem::new(file, lineno, "line without a keyword"));
                continue;
            }
            let loc = Loc::new(file, lineno);
            match keyword.as_str() {
                "match" => match parse_match(&args) {
                    Ok(criteria) => {
                        self.matches.push(MatchBlock { criteria, loc });
                        *current = Some(self.matches.len() - 1);
                    }
                    Err(e) => {
                        self.problems.push(Problem::new(file, lineno, e));
                        // sshd refuses to start; treat following lines as in a
                        // block that never matches.
                        self.matches.push(MatchBlock {
                            criteria: vec![Criterion {
                                name: "invalid".into(),
                                patterns: vec![],
                            }],
                            loc,
                        });
                        *current = Some(self.matches.len() - 1);
                    }
                },
                "include" => {
                    if args.is_empty() {
                        self.problems
                            .push(Problem::new(file, lineno, "Include without a file"));
                        continue;
                    }
                    if depth >= MAX_INCLUDE_DEPTH {
                        self.problems.push(Problem::new(
                            file,
                            lineno,
                            format!("Include nested deeper than {MAX_INCLUDE_DEPTH}; not followed"),
                        ));
                        continue;
                    }
                    for arg in &args {
                        let paths = match expand_include(src, "/etc/ssh", arg) {
                            Ok(p) => p,
                            Err(e) => {
                                self.problems.push(Problem::file(&e));
                                continue;
                            }
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
                            match src.read(&p) {
                                Ok(t) => {
                                    let saved = *current;
                                    self.parse_file(src, &t.path, &t.text, depth + 1, current);
                                    *current = saved;
                                }
                                Err(e) => self.problems.push(Problem::new(
                                    file,
                                    lineno,
                                    format!("Include: {e}"),
                                )),
                            }
                        }
                    }
                }
                _ => {
                    if args.is_empty() {
                        self.problems.push(Problem::new(
                            file,
                            lineno,
                            format!("{keyword}: missing argument"),
                        ));
                        continue;
                    }
                    self.directives.push(Directive {
                        keyword,
                        args,
                        loc,
                        match_block: *current,
                    });
                }
            }
        }
    }

    /// Settings outside any `Match` block (first value wins), i.e. what
    /// `sshd -T` prints without `-C`. Directives after `Match all` are *not*
    /// included (they apply to every connection, so use
    /// [`SshdConfig::effective`] to see them).
    pub fn global(&self) -> Effective {
        let mut eff = Effective::default();
        for d in self.directives.iter().filter(|d| d.match_block.is_none()) {
            add(&mut eff, d);
        }
        eff
    }

    /// Settings for a connection: global settings, overridden by the first
    /// value from any matching `Match` block.
    pub fn effective(&self, ctx: &MatchContext) -> Effective {
        let mut eff = self.global();
        let matching: Vec<bool> = self.matches.iter().map(|m| m.matches(ctx)).collect();
        let mut from_match = Effective::default();
        for d in &self.directives {
            if let Some(b) = d.match_block
                && matching.get(b).copied().unwrap_or(false)
            {
                add(&mut from_match, d);
            }
        }
        for (k, v) in from_match.settings {
            if ACCUMULATING.contains(&k.as_str()) {
                eff.settings.entry(k).or_default().extend(v);
            } else {
                eff.settings.insert(k, v);
            }
        }
        eff
    }

    /// All directives with a keyword (case-insensitive), in any context.
    pub fn all(&self, keyword: &str) -> Vec<&Directive> {
        let k = keyword.to_ascii_lowercase();
        self.directives.iter().filter(|d| d.keyword == k).collect()
    }
}

fn add(eff: &mut Effective, d: &Directive) {
    let s = Setting {
        args: d.args.clone(),
        loc: d.loc.clone(),
        match_block: d.match_block,
    };
    let entry = eff.settings.entry(d.keyword.clone()).or_default();
    if entry.is_empty() || ACCUMULATING.contains(&d.keyword.as_str()) {
        entry.push(s);
    }
}

fn parse_match(args: &[String]) -> Result<Vec<Criterion>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    if args.is_empty() {
        return Err("Match without criteria".into());
    }
    while i < args.len() {
        let name = args[i].to_ascii_lowercase();
        if name == "all" {
            out.push(Criterion {
                name,
                patterns: vec![],
            });
            i += 1;
            continue;
        }
        if !matches!(
            name.as_str(),
            "user" | "group" | "host" | "address" | "localaddress" | "localport" | "rdomain"
        ) {
            return Err(format!("Match: unsupported criterion `{}`", args[i]));
        }
        let Some(list) = args.get(i + 1) else {
            return Err(format!("Match: `{}` without a pattern list", args[i]));
        };
        out.push(Criterion {
            name,
            patterns: list
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        });
        i += 2;
    }
    Ok(out)
}

struct NoFiles;

impl Source for NoFiles {
    fn read(&self, path: &str) -> Result<crate::root::FileText, ReadError> {
        Err(ReadError::NotFound {
            path: path.to_string(),
        })
    }
    fn glob(&self, _pattern: &str) -> Result<Vec<String>, ReadError> {
        Ok(Vec::new())
    }
}
