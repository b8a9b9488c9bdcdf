//! Sigma values: wildcard patterns, placeholders, numbers, booleans, null.

use serde::Serialize;

/// One piece of a Sigma string pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PatternPart {
    /// Literal text (escapes already resolved).
    Literal(String),
    /// `*`: any sequence of characters, possibly empty.
    AnyChars,
    /// `?`: exactly one character.
    AnyChar,
    /// `%name%` placeholder (only with the `expand` modifier).
    Placeholder(String),
}

/// A Sigma string value parsed into literal and wildcard parts.
/// The empty string is a pattern with no parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Pattern {
    pub parts: Vec<PatternPart>,
}

impl Pattern {
    /// Parse a Sigma string: `*` and `?` are wildcards, `\*`, `\?` and `\\` are
    /// escapes, a backslash before any other character is a plain backslash.
    /// With `placeholders`, `%name%` becomes a placeholder and `\%` a plain `%`.
    pub fn parse(s: &str, placeholders: bool) -> Pattern {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let flush = |lit: &mut String, parts: &mut Vec<PatternPart>| {
            if !lit.is_empty() {
                parts.push(PatternPart::Literal(std::mem::take(lit)));
            }
        };
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek() {
                    Some(&n @ ('*' | '?' | '\\')) => {
                        lit.push(n);
                        chars.next();
                    }
                    Some('%') if placeholders => {
                        lit.push('%');
                        chars.next();
                    }
                    _ => lit.push('\\'),
                },
                '*' => {
                    flush(&mut lit, &mut parts);
                    if parts.last() != Some(&PatternPart::AnyChars) {
                        parts.push(PatternPart::AnyChars);
                    }
                }
                '?' => {
                    flush(&mut lit, &mut parts);
                    parts.push(PatternPart::AnyChar);
                }
                '%' if placeholders => {
                    let rest: String = chars.clone().collect();
                    match rest.find('%') {
                        Some(end) if end > 0 => {
                            flush(&mut lit, &mut parts);
                            parts.push(PatternPart::Placeholder(rest[..end].to_string()));
                            for _ in 0..=rest[..end].chars().count() {
                                chars.next();
                            }
                        }
                        _ => lit.push('%'),
                    }
                }
                c => lit.push(c),
            }
        }
        flush(&mut lit, &mut parts);
        Pattern { parts }
    }

    /// True when the pattern has no wildcard or placeholder.
    pub fn is_literal(&self) -> bool {
        self.parts
            .iter()
            .all(|p| matches!(p, PatternPart::Literal(_)))
    }

    /// The literal text if the pattern is plain (empty string for `''`).
    pub fn as_literal(&self) -> Option<String> {
        self.is_literal().then(|| {
            self.parts
                .iter()
                .map(|p| match p {
                    PatternPart::Literal(s) => s.as_str(),
                    _ => "",
                })
                .collect()
        })
    }

    pub fn has_placeholder(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, PatternPart::Placeholder(_)))
    }
}

/// Flags of the `re` modifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct RegexFlags {
    /// `re|i`
    pub insensitive: bool,
    /// `re|m`
    pub multiline: bool,
    /// `re|s`
    pub dot_all: bool,
}

/// An IPv4 or IPv6 network from the `cidr` modifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cidr {
    pub addr: std::net::IpAddr,
    pub prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: std::net::IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("invalid CIDR '{s}': bad address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("invalid CIDR '{s}': prefix must be 0..={max}"))?,
            None => max,
        };
        Ok(Cidr { addr, prefix })
    }
}

/// A typed value of a detection item, after modifiers were interpreted.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SigmaValue {
    /// String with wildcards (also used for `''`).
    String(Pattern),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    /// `re`: regular expression (validated and size-checked at load).
    Regex {
        pattern: String,
        flags: RegexFlags,
    },
    /// `cidr`
    Cidr(Cidr),
    /// `exists: true|false`
    Exists(bool),
    /// `fieldref`: compare with another field of the same event.
    FieldRef(String),
}
