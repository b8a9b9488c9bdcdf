//! A typed parser for the STIX 2.1 patterning language (STIX 2.1 part 9).
//!
//! The whole grammar is parsed — observation operators (`AND`, `OR`,
//! `FOLLOWEDBY`), qualifiers (`WITHIN … SECONDS`, `REPEATS … TIMES`,
//! `START t'…' STOP t'…'`), comparison operators (`=`, `!=`, `<`, `<=`, `>`,
//! `>=`, `IN`, `LIKE`, `MATCHES`, `ISSUBSET`, `ISSUPERSET`, `NOT`, `EXISTS`)
//! and every literal kind — so that a pattern Kexin cannot *evaluate* is still
//! recognised and reported for what it is, rather than mistaken for a syntax
//! error. Which patterns become indicators is decided in [`super::lower`].
//!
//! [`Observation`]'s `Display` prints a pattern that parses back to the same
//! tree (property-tested).

use std::fmt;

/// Deepest nesting of parentheses and brackets accepted; deeper input is
/// refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

/// A syntax error with the byte offset into the pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {message}")]
pub struct PatternError {
    /// Byte offset into the pattern.
    pub offset: usize,
    /// What was expected or found.
    pub message: String,
}

/// An observation expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    /// `[ comparison ]`: one observed object satisfies the comparison.
    Comparison(Comparison),
    /// `a AND b`: both observations, possibly of different objects.
    And(Vec<Observation>),
    /// `a OR b`.
    Or(Vec<Observation>),
    /// `a FOLLOWEDBY b`.
    FollowedBy(Vec<Observation>),
    /// An observation with a qualifier.
    Qualified(Box<Observation>, Qualifier),
}

/// Observation qualifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS` (the number as written).
    Within(String),
    /// `REPEATS n TIMES`.
    Repeats(u64),
    /// `START t'…' STOP t'…'`.
    StartStop(String, String),
}

/// A comparison expression inside `[ ]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    /// One property test.
    Test(PropertyTest),
    /// All hold for the same object.
    And(Vec<Comparison>),
    /// Any holds.
    Or(Vec<Comparison>),
}

/// `object-type:property.path <op> literal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyTest {
    /// The object path.
    pub path: ObjectPath,
    /// `NOT` before the operator.
    pub negated: bool,
    /// The operator and operand.
    pub test: Test,
}

/// Operator and operand of a property test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    /// A binary comparison.
    Compare(Operator, Literal),
    /// `IN (a, b, …)`.
    In(Vec<Literal>),
    /// `EXISTS path` (never negated).
    Exists,
}

/// Binary comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `LIKE`
    Like,
    /// `MATCHES` (a regular expression)
    Matches,
    /// `ISSUBSET` (an address inside a network)
    IsSubset,
    /// `ISSUPERSET`
    IsSuperset,
}

impl Operator {
    /// As written in a pattern.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Like => "LIKE",
            Self::Matches => "MATCHES",
            Self::IsSubset => "ISSUBSET",
            Self::IsSuperset => "ISSUPERSET",
        }
    }
}

/// Literals. Numbers that are not integers and timestamps keep their text so
/// that trees compare exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// `'text'` (unescaped).
    Str(String),
    /// An integer.
    Int(i64),
    /// A float, as written.
    Float(String),
    /// `true` / `false`.
    Bool(bool),
    /// `t'2024-01-01T00:00:00Z'` (the text inside the quotes).
    Timestamp(String),
    /// `h'…'` (the hex digits).
    Hex(String),
    /// `b'…'` (the base64 text).
    Binary(String),
}

/// `object-type:step.step[0].'quoted step'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPath {
    /// e.g. `ipv4-addr`, `file`.
    pub object_type: String,
    /// The property path; the first step is always a key.
    pub steps: Vec<PathStep>,
}

/// One step of an object path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// A property or dictionary key.
    Key(String),
    /// A list index; `None` is `[*]`.
    Index(Option<u64>),
}

impl ObjectPath {
    /// The keys of the path, when it has no list index: `file:hashes.'SHA-256'`
    /// → `["hashes", "SHA-256"]`.
    pub fn keys(&self) -> Option<Vec<&str>> {
        self.steps
            .iter()
            .map(|s| match s {
                PathStep::Key(k) => Some(k.as_str()),
                PathStep::Index(_) => None,
            })
            .collect()
    }
}

/// Parses a STIX 2.1 pattern.
pub fn parse(pattern: &str) -> Result<Observation, PatternError> {
    let tokens = lex(pattern)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
        end: pattern.len(),
    };
    let obs = p.observations()?;
    match p.tokens.get(p.pos) {
        None => Ok(obs),
        Some(t) => Err(PatternError {
            offset: t.offset,
            message: format!("unexpected {} after the pattern", t.kind),
        }),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LBrack,
    RBrack,
    LParen,
    RParen,
    Colon,
    Dot,
    Comma,
    Star,
    Op(Operator),
    Ident(String),
    Str(String),
    Int(i64),
    Float(String),
    Timestamp(String),
    Hex(String),
    Binary(String),
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::LBrack => f.write_str("`[`"),
            Tok::RBrack => f.write_str("`]`"),
            Tok::LParen => f.write_str("`(`"),
            Tok::RParen => f.write_str("`)`"),
            Tok::Colon => f.write_str("`:`"),
            Tok::Dot => f.write_str("`.`"),
            Tok::Comma => f.write_str("`,`"),
            Tok::Star => f.write_str("`*`"),
            Tok::Op(o) => write!(f, "`{}`", o.as_str()),
            Tok::Ident(s) => write!(f, "`{s}`"),
            Tok::Str(_) => f.write_str("a string"),
            Tok::Int(_) | Tok::Float(_) => f.write_str("a number"),
            Tok::Timestamp(_) => f.write_str("a timestamp"),
            Tok::Hex(_) | Tok::Binary(_) => f.write_str("a binary literal"),
        }
    }
}

#[derive(Debug)]
struct Token {
    kind: Tok,
    offset: usize,
}

fn err(offset: usize, message: impl Into<String>) -> PatternError {
    PatternError {
        offset,
        message: message.into(),
    }
}

fn lex(s: &str) -> Result<Vec<Token>, PatternError> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let single = match c {
            b'[' => Some(Tok::LBrack),
            b']' => Some(Tok::RBrack),
            b'(' => Some(Tok::LParen),
            b')' => Some(Tok::RParen),
            b':' => Some(Tok::Colon),
            b'.' if !b.get(i + 1).is_some_and(u8::is_ascii_digit) => Some(Tok::Dot),
            b',' => Some(Tok::Comma),
            b'*' => Some(Tok::Star),
            b'=' => Some(Tok::Op(Operator::Eq)),
            _ => None,
        };
        if let Some(kind) = single {
            out.push(Token { kind, offset: i });
            i += 1;
            continue;
        }
        let kind = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'!' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Op(Operator::Ne)
            }
            b'<' | b'>' => {
                let eq = b.get(i + 1) == Some(&b'=');
                i += 1 + usize::from(eq);
                Tok::Op(match (c, eq) {
                    (b'<', false) => Operator::Lt,
                    (b'<', true) => Operator::Le,
                    (_, false) => Operator::Gt,
                    (_, true) => Operator::Ge,
                })
            }
            b'\'' => {
                let (text, next) = string(s, i)?;
                i = next;
                Tok::Str(text)
            }
            b't' | b'h' | b'b' if b.get(i + 1) == Some(&b'\'') => {
                let (text, next) = string(s, i + 1)?;
                i = next;
                match c {
                    b't' => {
                        check_timestamp(&text).map_err(|m| err(start, m))?;
                        Tok::Timestamp(text)
                    }
                    b'h' => {
                        if text.len() % 2 != 0 || !text.bytes().all(|x| x.is_ascii_hexdigit()) {
                            return Err(err(start, "a hex literal needs pairs of hex digits"));
                        }
                        Tok::Hex(text)
                    }
                    _ => {
                        if !text
                            .bytes()
                            .all(|x| x.is_ascii_alphanumeric() || matches!(x, b'+' | b'/' | b'='))
                        {
                            return Err(err(start, "a binary literal must be base64"));
                        }
                        Tok::Binary(text)
                    }
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-')
                {
                    i += 1;
                }
                Tok::Ident(s[start..i].to_owned())
            }
            b'-' | b'+' | b'.' | b'0'..=b'9' => {
                i += usize::from(matches!(c, b'-' | b'+'));
                let digits_start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let int_digits = i - digits_start;
                let frac = b.get(i) == Some(&b'.');
                if frac {
                    i += 1;
                    let f = i;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                    if i == f {
                        return Err(err(start, "a number needs digits after `.`"));
                    }
                    Tok::Float(s[start..i].to_owned())
                } else if int_digits == 0 {
                    return Err(err(start, format!("unexpected `{}`", char::from(c))));
                } else {
                    Tok::Int(
                        s[start..i]
                            .parse()
                            .map_err(|_| err(start, "integer out of range"))?,
                    )
                }
            }
            _ => {
                let ch = s[i..].chars().next().unwrap_or('?');
                return Err(err(i, format!("unexpected character `{ch}`")));
            }
        };
        out.push(Token {
            kind,
            offset: start,
        });
    }
    Ok(out)
}

/// A quoted string starting at `open` (the quote); returns the unescaped text
/// and the offset after the closing quote. Only `\'` and `\\` are escapes.
fn string(s: &str, open: usize) -> Result<(String, usize), PatternError> {
    let mut out = String::new();
    let mut chars = s[open + 1..].char_indices();
    while let Some((j, ch)) = chars.next() {
        match ch {
            '\'' => return Ok((out, open + 1 + j + 1)),
            '\\' => match chars.next() {
                Some((_, e @ ('\'' | '\\'))) => out.push(e),
                _ => {
                    return Err(err(
                        open + 1 + j,
                        "only \\' and \\\\ are escapes in a STIX string",
                    ));
                }
            },
            c => out.push(c),
        }
    }
    Err(err(open, "unterminated string"))
}

fn check_timestamp(text: &str) -> Result<(), String> {
    if !text.ends_with('Z') {
        return Err(format!("timestamp `{text}` must be UTC (end in Z)"));
    }
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|_| ())
        .map_err(|e| format!("timestamp `{text}` is not RFC 3339: {e}"))
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.kind)
    }

    fn offset(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |t| t.offset)
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s == kw)
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        let yes = self.keyword(kw);
        self.pos += usize::from(yes);
        yes
    }

    fn expect(&mut self, want: &Tok, what: &str) -> Result<(), PatternError> {
        if self.peek() == Some(want) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(what))
        }
    }

    fn expect_keyword(&mut self, kw: &str) -> Result<(), PatternError> {
        if self.eat_keyword(kw) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("`{kw}`")))
        }
    }

    fn unexpected(&self, what: &str) -> PatternError {
        match self.tokens.get(self.pos) {
            Some(t) => err(t.offset, format!("expected {what}, found {}", t.kind)),
            None => err(self.end, format!("expected {what}, found the end")),
        }
    }

    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(self.offset(), "nested too deeply"));
        }
        Ok(())
    }

    fn observations(&mut self) -> Result<Observation, PatternError> {
        self.binary_obs("FOLLOWEDBY", Self::obs_or, Observation::FollowedBy)
    }

    fn obs_or(&mut self) -> Result<Observation, PatternError> {
        self.binary_obs("OR", Self::obs_and, Observation::Or)
    }

    fn obs_and(&mut self) -> Result<Observation, PatternError> {
        self.binary_obs("AND", Self::obs_qualified, Observation::And)
    }

    fn binary_obs(
        &mut self,
        kw: &str,
        next: fn(&mut Self) -> Result<Observation, PatternError>,
        make: fn(Vec<Observation>) -> Observation,
    ) -> Result<Observation, PatternError> {
        let mut items = vec![next(self)?];
        while self.eat_keyword(kw) {
            items.push(next(self)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            make(items)
        })
    }

    fn obs_qualified(&mut self) -> Result<Observation, PatternError> {
        self.enter()?;
        let mut obs = match self.peek() {
            Some(Tok::LBrack) => {
                self.pos += 1;
                let c = self.comparison_or()?;
                self.expect(&Tok::RBrack, "`]`")?;
                Observation::Comparison(c)
            }
            Some(Tok::LParen) => {
                self.pos += 1;
                let o = self.observations()?;
                self.expect(&Tok::RParen, "`)`")?;
                o
            }
            _ => return Err(self.unexpected("`[` or `(`")),
        };
        loop {
            let q = if self.eat_keyword("WITHIN") {
                let n = match self.peek() {
                    Some(Tok::Int(n)) if *n > 0 => n.to_string(),
                    Some(Tok::Float(f)) if !f.starts_with('-') => f.clone(),
                    _ => return Err(self.unexpected("a positive number of seconds")),
                };
                self.pos += 1;
                self.expect_keyword("SECONDS")?;
                Qualifier::Within(n)
            } else if self.eat_keyword("REPEATS") {
                let n = match self.peek() {
                    Some(Tok::Int(n)) if *n > 0 => *n as u64,
                    _ => return Err(self.unexpected("a positive integer")),
                };
                self.pos += 1;
                self.expect_keyword("TIMES")?;
                Qualifier::Repeats(n)
            } else if self.eat_keyword("START") {
                let start = self.timestamp()?;
                self.expect_keyword("STOP")?;
                Qualifier::StartStop(start, self.timestamp()?)
            } else {
                break;
            };
            obs = Observation::Qualified(Box::new(obs), q);
        }
        self.depth -= 1;
        Ok(obs)
    }

    fn timestamp(&mut self) -> Result<String, PatternError> {
        match self.peek() {
            Some(Tok::Timestamp(t)) => {
                let t = t.clone();
                self.pos += 1;
                Ok(t)
            }
            _ => Err(self.unexpected("a timestamp t'…'")),
        }
    }

    fn comparison_or(&mut self) -> Result<Comparison, PatternError> {
        let mut items = vec![self.comparison_and()?];
        while self.eat_keyword("OR") {
            items.push(self.comparison_and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Comparison::Or(items)
        })
    }

    fn comparison_and(&mut self) -> Result<Comparison, PatternError> {
        let mut items = vec![self.property_test()?];
        while self.eat_keyword("AND") {
            items.push(self.property_test()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Comparison::And(items)
        })
    }

    fn property_test(&mut self) -> Result<Comparison, PatternError> {
        self.enter()?;
        let c = if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let c = self.comparison_or()?;
            self.expect(&Tok::RParen, "`)`")?;
            c
        } else if self.eat_keyword("EXISTS") {
            Comparison::Test(PropertyTest {
                path: self.object_path()?,
                negated: false,
                test: Test::Exists,
            })
        } else {
            let path = self.object_path()?;
            let negated = self.eat_keyword("NOT");
            let op = match self.peek() {
                Some(Tok::Op(op)) => Some(*op),
                Some(Tok::Ident(kw)) => match kw.as_str() {
                    "LIKE" => Some(Operator::Like),
                    "MATCHES" => Some(Operator::Matches),
                    "ISSUBSET" => Some(Operator::IsSubset),
                    "ISSUPERSET" => Some(Operator::IsSuperset),
                    "IN" => None,
                    _ => return Err(self.unexpected("a comparison operator")),
                },
                _ => return Err(self.unexpected("a comparison operator")),
            };
            self.pos += 1;
            let test = match op {
                Some(op) => Test::Compare(op, self.literal()?),
                None => {
                    self.expect(&Tok::LParen, "`(` after IN")?;
                    let mut set = vec![self.literal()?];
                    while self.peek() == Some(&Tok::Comma) {
                        self.pos += 1;
                        set.push(self.literal()?);
                    }
                    self.expect(&Tok::RParen, "`)` closing the IN set")?;
                    Test::In(set)
                }
            };
            Comparison::Test(PropertyTest {
                path,
                negated,
                test,
            })
        };
        self.depth -= 1;
        Ok(c)
    }

    fn literal(&mut self) -> Result<Literal, PatternError> {
        let lit = match self.peek() {
            Some(Tok::Str(s)) => Literal::Str(s.clone()),
            Some(Tok::Int(n)) => Literal::Int(*n),
            Some(Tok::Float(f)) => Literal::Float(f.clone()),
            Some(Tok::Timestamp(t)) => Literal::Timestamp(t.clone()),
            Some(Tok::Hex(h)) => Literal::Hex(h.clone()),
            Some(Tok::Binary(b)) => Literal::Binary(b.clone()),
            Some(Tok::Ident(k)) if k == "true" => Literal::Bool(true),
            Some(Tok::Ident(k)) if k == "false" => Literal::Bool(false),
            _ => return Err(self.unexpected("a literal")),
        };
        self.pos += 1;
        Ok(lit)
    }

    fn object_path(&mut self) -> Result<ObjectPath, PatternError> {
        let object_type = match self.peek() {
            Some(Tok::Ident(t)) if !is_keyword(t) => t.clone(),
            _ => return Err(self.unexpected("an object type such as `ipv4-addr`")),
        };
        self.pos += 1;
        self.expect(&Tok::Colon, "`:` after the object type")?;
        let mut steps = vec![self.key()?];
        loop {
            match self.peek() {
                Some(Tok::Dot) => {
                    self.pos += 1;
                    steps.push(self.key()?);
                }
                Some(Tok::LBrack) => {
                    self.pos += 1;
                    let idx = match self.peek() {
                        Some(Tok::Int(n)) if *n >= 0 => Some(*n as u64),
                        Some(Tok::Star) => None,
                        _ => return Err(self.unexpected("a list index or `*`")),
                    };
                    self.pos += 1;
                    self.expect(&Tok::RBrack, "`]` closing the index")?;
                    steps.push(PathStep::Index(idx));
                }
                _ => break,
            }
        }
        Ok(ObjectPath { object_type, steps })
    }

    fn key(&mut self) -> Result<PathStep, PatternError> {
        let k = match self.peek() {
            Some(Tok::Ident(k)) if !k.contains('-') && !is_keyword(k) => k.clone(),
            Some(Tok::Str(k)) => k.clone(),
            _ => return Err(self.unexpected("a property name")),
        };
        self.pos += 1;
        Ok(PathStep::Key(k))
    }
}

const KEYWORDS: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "FOLLOWEDBY",
    "LIKE",
    "MATCHES",
    "ISSUBSET",
    "ISSUPERSET",
    "IN",
    "EXISTS",
    "START",
    "STOP",
    "WITHIN",
    "SECONDS",
    "REPEATS",
    "TIMES",
    "true",
    "false",
];

fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

fn write_str_literal(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("'")?;
    for ch in s.chars() {
        if matches!(ch, '\'' | '\\') {
            f.write_str("\\")?;
        }
        write!(f, "{ch}")?;
    }
    f.write_str("'")
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Str(s) => write_str_literal(f, s),
            Literal::Int(n) => write!(f, "{n}"),
            Literal::Float(x) => f.write_str(x),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Timestamp(t) => write!(f, "t'{t}'"),
            Literal::Hex(h) => write!(f, "h'{h}'"),
            Literal::Binary(b) => write!(f, "b'{b}'"),
        }
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.object_type)?;
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let plain = k
                        .bytes()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
                        && k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
                        && !is_keyword(k);
                    if plain {
                        f.write_str(k)?;
                    } else {
                        write_str_literal(f, k)?;
                    }
                }
                PathStep::Index(Some(n)) => write!(f, "[{n}]")?,
                PathStep::Index(None) => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for PropertyTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.test == Test::Exists {
            return write!(f, "EXISTS {}", self.path);
        }
        write!(f, "{}", self.path)?;
        if self.negated {
            f.write_str(" NOT")?;
        }
        match &self.test {
            Test::Compare(op, lit) => write!(f, " {} {lit}", op.as_str()),
            Test::In(set) => {
                f.write_str(" IN (")?;
                for (i, lit) in set.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{lit}")?;
                }
                f.write_str(")")
            }
            Test::Exists => Ok(()),
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (items, sep, wrap): (&[Comparison], _, fn(&Comparison) -> bool) = match self {
            Comparison::Test(t) => return t.fmt(f),
            Comparison::And(items) => (items, " AND ", |c| !matches!(c, Comparison::Test(_))),
            Comparison::Or(items) => (items, " OR ", |c| matches!(c, Comparison::Or(_))),
        };
        for (i, c) in items.iter().enumerate() {
            if i > 0 {
                f.write_str(sep)?;
            }
            if wrap(c) {
                write!(f, "({c})")?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Observation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (items, sep, wrap): (&[Observation], _, fn(&Observation) -> bool) = match self {
            Observation::Comparison(c) => return write!(f, "[{c}]"),
            Observation::Qualified(inner, q) => {
                if matches!(
                    **inner,
                    Observation::Comparison(_) | Observation::Qualified(..)
                ) {
                    write!(f, "{inner}")?;
                } else {
                    write!(f, "({inner})")?;
                }
                return match q {
                    Qualifier::Within(n) => write!(f, " WITHIN {n} SECONDS"),
                    Qualifier::Repeats(n) => write!(f, " REPEATS {n} TIMES"),
                    Qualifier::StartStop(a, b) => write!(f, " START t'{a}' STOP t'{b}'"),
                };
            }
            Observation::And(items) => (items, " AND ", |o| {
                matches!(
                    o,
                    Observation::And(_) | Observation::Or(_) | Observation::FollowedBy(_)
                )
            }),
            Observation::Or(items) => (items, " OR ", |o| {
                matches!(o, Observation::Or(_) | Observation::FollowedBy(_))
            }),
            Observation::FollowedBy(items) => (items, " FOLLOWEDBY ", |o| {
                matches!(o, Observation::FollowedBy(_))
            }),
        };
        for (i, o) in items.iter().enumerate() {
            if i > 0 {
                f.write_str(sep)?;
            }
            if wrap(o) {
                write!(f, "({o})")?;
            } else {
                write!(f, "{o}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn path(t: &str, keys: &[&str]) -> ObjectPath {
        ObjectPath {
            object_type: t.into(),
            steps: keys.iter().map(|k| PathStep::Key((*k).into())).collect(),
        }
    }

    fn eq(p: ObjectPath, v: &str) -> Comparison {
        Comparison::Test(PropertyTest {
            path: p,
            negated: false,
            test: Test::Compare(Operator::Eq, Literal::Str(v.into())),
        })
    }

    #[test]
    fn parses_the_common_indicator_shapes() {
        assert_eq!(
            parse("[ipv4-addr:value = '198.51.100.1']").unwrap(),
            Observation::Comparison(eq(path("ipv4-addr", &["value"]), "198.51.100.1"))
        );
        assert_eq!(
            parse("[file:hashes.'SHA-256' = 'ab' OR file:hashes.MD5 = 'cd']").unwrap(),
            Observation::Comparison(Comparison::Or(vec![
                eq(path("file", &["hashes", "SHA-256"]), "ab"),
                eq(path("file", &["hashes", "MD5"]), "cd"),
            ]))
        );
        let p = parse("[domain-name:value = 'a.example'] OR [url:value = 'http://b.example/']")
            .unwrap();
        assert!(matches!(p, Observation::Or(v) if v.len() == 2));
    }

    #[test]
    fn parses_the_rest_of_the_grammar() {
        let p = parse(
            "([network-traffic:dst_ref.value ISSUBSET '10.0.0.0/8' AND network-traffic:dst_port NOT IN (22, 443)] \
             FOLLOWEDBY [process:name MATCHES '^evil\\\\.exe$']) WITHIN 300 SECONDS \
             REPEATS 2 TIMES START t'2024-01-01T00:00:00Z' STOP t'2024-02-01T00:00:00.5Z'",
        )
        .unwrap();
        let Observation::Qualified(inner, Qualifier::StartStop(..)) = &p else {
            panic!("{p:?}")
        };
        assert!(matches!(
            **inner,
            Observation::Qualified(_, Qualifier::Repeats(2))
        ));
        let p =
            parse("[x-custom:list[*].name = 'a' AND EXISTS x-custom:flag AND x-custom:n >= -1.5]")
                .unwrap();
        assert_eq!(
            p.to_string(),
            "[x-custom:list[*].name = 'a' AND EXISTS x-custom:flag AND x-custom:n >= -1.5]"
        );
        assert_eq!(
            parse("[artifact:payload_bin = b'aGk=' OR artifact:x = h'00ff' OR artifact:ok = true]")
                .unwrap()
                .to_string(),
            "[artifact:payload_bin = b'aGk=' OR artifact:x = h'00ff' OR artifact:ok = true]"
        );
    }

    #[test]
    fn errors_name_the_offset() {
        let e = parse("[ipv4-addr:value = '1.2.3.4'").unwrap_err();
        assert_eq!(e.offset, 28);
        assert!(e.message.contains("`]`"), "{e}");
        let e = parse("[ipv4-addr:value == '1']").unwrap_err();
        assert_eq!(e.offset, 18);
        assert!(
            parse("[a:b = 'unterminated]")
                .unwrap_err()
                .message
                .contains("unterminated")
        );
        assert!(parse("[a:b = t'2024-01-01']").is_err());
        assert!(parse("[a:b = h'abc']").is_err());
        assert!(parse("[a:b = 'x'] WITHIN 0 SECONDS").is_err());
        assert!(parse("").is_err());
        assert!(parse("[a:b = 'x\\n']").is_err());
        let deep = format!("{}[a:b = 1]{}", "(".repeat(200), ")".repeat(200));
        assert!(parse(&deep).unwrap_err().message.contains("deeply"));
    }

    fn literal() -> impl Strategy<Value = Literal> {
        prop_oneof![
            ".{0,12}".prop_map(Literal::Str),
            any::<i64>().prop_map(Literal::Int),
            (-1000i32..1000, 0u32..1000).prop_map(|(a, b)| Literal::Float(format!("{a}.{b}"))),
            any::<bool>().prop_map(Literal::Bool),
            (2000u32..2100, 1u32..13)
                .prop_map(|(y, m)| Literal::Timestamp(format!("{y}-{m:02}-01T00:00:00Z"))),
            "([0-9a-f]{2}){0,4}".prop_map(Literal::Hex),
            "[A-Za-z0-9+/]{0,8}=?".prop_map(Literal::Binary),
        ]
    }

    fn object_path() -> impl Strategy<Value = ObjectPath> {
        let step = prop_oneof![
            "[a-z_][a-z0-9_]{0,6}".prop_map(PathStep::Key),
            ".{0,8}".prop_map(PathStep::Key),
            proptest::option::of(0u64..100).prop_map(PathStep::Index),
        ];
        (
            "[a-z][a-z0-9-]{0,10}",
            "[a-z_][a-z0-9_]{0,6}",
            proptest::collection::vec(step, 0..3),
        )
            .prop_map(|(t, first, rest)| {
                let mut steps = vec![PathStep::Key(first)];
                steps.extend(rest);
                ObjectPath {
                    object_type: t,
                    steps,
                }
            })
    }

    fn property_test() -> impl Strategy<Value = Comparison> {
        let op = prop_oneof![
            Just(Operator::Eq),
            Just(Operator::Ne),
            Just(Operator::Lt),
            Just(Operator::Le),
            Just(Operator::Gt),
            Just(Operator::Ge),
            Just(Operator::Like),
            Just(Operator::Matches),
            Just(Operator::IsSubset),
            Just(Operator::IsSuperset),
        ];
        let test = prop_oneof![
            (op, literal()).prop_map(|(o, l)| Test::Compare(o, l)),
            proptest::collection::vec(literal(), 1..4).prop_map(Test::In),
            Just(Test::Exists),
        ];
        (object_path(), any::<bool>(), test).prop_map(|(path, negated, test)| {
            Comparison::Test(PropertyTest {
                path,
                negated: negated && test != Test::Exists,
                test,
            })
        })
    }

    fn comparison() -> impl Strategy<Value = Comparison> {
        property_test().prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 2..4).prop_map(Comparison::And),
                proptest::collection::vec(inner, 2..4).prop_map(Comparison::Or),
            ]
        })
    }

    fn observation() -> impl Strategy<Value = Observation> {
        let qualifier = prop_oneof![
            (1u32..1000).prop_map(|n| Qualifier::Within(n.to_string())),
            (1u64..50).prop_map(Qualifier::Repeats),
            Just(Qualifier::StartStop(
                "2024-01-01T00:00:00Z".into(),
                "2024-01-02T00:00:00Z".into()
            )),
        ];
        comparison()
            .prop_map(Observation::Comparison)
            .prop_recursive(3, 10, 3, move |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 2..4).prop_map(Observation::And),
                    proptest::collection::vec(inner.clone(), 2..4).prop_map(Observation::Or),
                    proptest::collection::vec(inner.clone(), 2..4)
                        .prop_map(Observation::FollowedBy),
                    (inner, qualifier.clone())
                        .prop_map(|(o, q)| Observation::Qualified(Box::new(o), q)),
                ]
            })
    }

    proptest! {
        #[test]
        fn display_parses_back_to_the_same_tree(obs in observation()) {
            let text = obs.to_string();
            prop_assert_eq!(parse(&text), Ok(obs), "{}", text);
        }

        #[test]
        fn arbitrary_input_never_panics(s in ".{0,80}") {
            let _ = parse(&s);
        }

        #[test]
        fn mutated_patterns_never_panic(cut in 0usize..60, junk in "[\\[\\]()' :=.a-zA-Z0-9]{0,6}") {
            let base = "[ipv4-addr:value = '10.0.0.1' OR file:hashes.'SHA-256' = 'ab'] WITHIN 5 SECONDS";
            let cut = cut.min(base.len());
            let s = format!("{}{}{}", &base[..cut], junk, &base[cut..]);
            let _ = parse(&s);
        }
    }
}
