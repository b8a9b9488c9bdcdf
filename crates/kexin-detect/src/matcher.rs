//! Value matchers: Sigma strings (wildcards, position modifiers, case),
//! numbers, regexes, CIDRs and time parts, compiled once per rule.
//!
//! Case-insensitive matching folds ASCII letters byte by byte and other
//! characters with their simple lower-case mapping (one `char` to one
//! `char`), so no matcher allocates while it runs.

use crate::event::{FieldValue, NumBuf};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use kexin_sigma::{Cidr, NumericOp, RegexFlags, TimePart};

/// Simple lower-case fold of one character.
pub(crate) fn fold(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        let mut l = c.to_lowercase();
        match (l.next(), l.next()) {
            (Some(one), None) => one,
            _ => c,
        }
    }
}

/// True when ASCII case folding on bytes is exact for `s`: every non-ASCII
/// character has no case (dashes, symbols, CJK…), so only ASCII letters fold.
pub(crate) fn byte_foldable(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_ascii()
            || (c.to_lowercase().eq(std::iter::once(c)) && c.to_uppercase().eq(std::iter::once(c)))
    })
}

/// One token of a wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GlobTok {
    Char(char),
    /// `?`: exactly one character.
    One,
}

/// A Sigma string pattern after placeholder expansion and encodings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Lit(String),
    One,
    Any,
}

/// A compiled string matcher.
#[derive(Debug, Clone)]
pub(crate) enum StrMatcher {
    /// ASCII literal compared byte-wise (folded unless `cased`).
    Exact {
        lit: String,
        cased: bool,
    },
    Prefix {
        lit: String,
        cased: bool,
    },
    Suffix {
        lit: String,
        cased: bool,
    },
    /// Substring search (any of the literals when built for an OR list).
    Contains(AhoCorasick),
    /// General wildcard pattern (also used for literals with cased
    /// non-ASCII letters).
    Glob(Glob),
}

fn ascii_eq(a: &[u8], b: &[u8], cased: bool) -> bool {
    if cased {
        a == b
    } else {
        a.eq_ignore_ascii_case(b)
    }
}

pub(crate) fn contains_automaton<I, P>(lits: I, cased: bool) -> AhoCorasick
where
    I: IntoIterator<Item = P>,
    P: AsRef<[u8]>,
{
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(!cased)
        .match_kind(MatchKind::Standard)
        .build(lits)
        .expect("literal automaton within default limits")
}

impl StrMatcher {
    /// Compile a pattern. Patterns made of one ASCII literal (optionally
    /// between `*`) get byte-wise fast paths.
    pub(crate) fn new(pieces: &[Piece], cased: bool) -> StrMatcher {
        let lit_ascii = |s: &String| byte_foldable(s);
        match pieces {
            [] => StrMatcher::Exact {
                lit: String::new(),
                cased,
            },
            [Piece::Lit(l)] if lit_ascii(l) => StrMatcher::Exact {
                lit: l.clone(),
                cased,
            },
            [Piece::Lit(l), Piece::Any] if lit_ascii(l) => StrMatcher::Prefix {
                lit: l.clone(),
                cased,
            },
            [Piece::Any, Piece::Lit(l)] if lit_ascii(l) => StrMatcher::Suffix {
                lit: l.clone(),
                cased,
            },
            [Piece::Any, Piece::Lit(l), Piece::Any] if lit_ascii(l) => {
                StrMatcher::Contains(contains_automaton([l], cased))
            }
            _ => StrMatcher::Glob(Glob::new(pieces, cased)),
        }
    }

    pub(crate) fn is_match(&self, hay: &str) -> bool {
        match self {
            StrMatcher::Exact { lit, cased } => {
                hay.len() == lit.len() && ascii_eq(hay.as_bytes(), lit.as_bytes(), *cased)
            }
            StrMatcher::Prefix { lit, cased } => {
                hay.len() >= lit.len()
                    && ascii_eq(&hay.as_bytes()[..lit.len()], lit.as_bytes(), *cased)
            }
            StrMatcher::Suffix { lit, cased } => {
                hay.len() >= lit.len()
                    && ascii_eq(
                        &hay.as_bytes()[hay.len() - lit.len()..],
                        lit.as_bytes(),
                        *cased,
                    )
            }
            StrMatcher::Contains(ac) => ac.is_match(hay),
            StrMatcher::Glob(g) => g.is_match(hay),
        }
    }
}

/// A run of characters and `?` between two `*`.
#[derive(Debug, Clone)]
struct Segment {
    toks: Vec<GlobTok>,
    /// Substring search for segments of byte-foldable characters only.
    finder: Option<AhoCorasick>,
    /// The same segment as bytes, compared in place (ASCII case folding is
    /// exact for byte-foldable text, and whole characters keep `at + len`
    /// on a character boundary).
    literal: Option<Box<[u8]>>,
    /// A character of the segment is not ASCII, so no ASCII text matches it
    /// (folding an ASCII character gives an ASCII character). Homoglyph
    /// rules search every command line for one Cyrillic letter: most
    /// command lines are ASCII and are answered without a scan.
    non_ascii: bool,
}

impl Segment {
    fn new(toks: Vec<GlobTok>, cased: bool) -> Segment {
        let literal: Option<String> = toks
            .iter()
            .map(|t| match t {
                GlobTok::Char(c) => Some(*c),
                _ => None,
            })
            .collect();
        let literal = literal.filter(|l| !l.is_empty() && byte_foldable(l));
        let finder = literal.as_ref().map(|l| contains_automaton([l], cased));
        let literal = literal.map(|l| l.into_bytes().into_boxed_slice());
        let non_ascii = toks
            .iter()
            .any(|t| matches!(t, GlobTok::Char(c) if !c.is_ascii()));
        Segment {
            toks,
            finder,
            literal,
            non_ascii,
        }
    }

    /// End offset when the segment matches `hay` at byte offset `at`.
    fn match_at(&self, hay: &str, at: usize, cased: bool) -> Option<usize> {
        if let Some(lit) = &self.literal {
            let window = hay.as_bytes().get(at..at + lit.len())?;
            let same = if cased {
                window == &lit[..]
            } else {
                window.eq_ignore_ascii_case(lit)
            };
            return same.then_some(at + lit.len());
        }
        let mut chars = hay[at..].char_indices();
        for t in &self.toks {
            let (_, c) = chars.next()?;
            if let GlobTok::Char(p) = t
                && *p != if cased { c } else { fold(c) }
            {
                return None;
            }
        }
        Some(chars.next().map_or(hay.len(), |(i, _)| at + i))
    }

    /// Leftmost match at or after byte offset `from`: (start, end).
    fn find(&self, hay: &str, from: usize, cased: bool) -> Option<(usize, usize)> {
        if self.non_ascii && hay.is_ascii() {
            return None;
        }
        if let Some(ac) = &self.finder {
            let m = ac.find(aho_corasick::Input::new(hay).span(from..hay.len()))?;
            return Some((m.start(), m.end()));
        }
        let mut at = from;
        loop {
            if let Some(end) = self.match_at(hay, at, cased) {
                return Some((at, end));
            }
            at += hay[at..].chars().next()?.len_utf8();
        }
    }
}

/// A wildcard pattern as segments separated by `*`: the first is anchored
/// at the start, the last at the end, the middle ones are found leftmost
/// in order (greedy leftmost is exact for `*`-only wildcards), so matching
/// is linear in the text.
#[derive(Debug, Clone)]
pub(crate) struct Glob {
    /// Segments; `None` at either end when the pattern starts/ends with `*`.
    segments: Vec<Segment>,
    leading_star: bool,
    trailing_star: bool,
    cased: bool,
}

impl Glob {
    pub(crate) fn new(pieces: &[Piece], cased: bool) -> Glob {
        let mut segments = Vec::new();
        let mut cur: Vec<GlobTok> = Vec::new();
        let leading_star = pieces.first() == Some(&Piece::Any);
        let trailing_star = pieces.last() == Some(&Piece::Any);
        for p in pieces {
            match p {
                Piece::Lit(l) => cur.extend(
                    l.chars()
                        .map(|c| GlobTok::Char(if cased { c } else { fold(c) })),
                ),
                Piece::One => cur.push(GlobTok::One),
                Piece::Any => {
                    if !cur.is_empty() {
                        segments.push(Segment::new(std::mem::take(&mut cur), cased));
                    }
                }
            }
        }
        if !cur.is_empty() {
            segments.push(Segment::new(cur, cased));
        }
        Glob {
            segments,
            leading_star,
            trailing_star,
            cased,
        }
    }

    pub(crate) fn is_match(&self, hay: &str) -> bool {
        let cased = self.cased;
        let n = self.segments.len();
        if n == 0 {
            // '' or only stars
            return self.leading_star || hay.is_empty();
        }
        let mut pos = 0usize;
        let mut first = 0usize;
        if !self.leading_star {
            match self.segments[0].match_at(hay, 0, cased) {
                Some(end) => pos = end,
                None => return false,
            }
            first = 1;
            if n == 1 && !self.trailing_star {
                return pos == hay.len();
            }
        }
        let last_anchored = !self.trailing_star && first < n;
        // The anchored last segment is checked before the middle ones: it is
        // one comparison, and most texts fail there.
        let mut limit = hay.len();
        if last_anchored {
            let seg = &self.segments[n - 1];
            let start = match &seg.literal {
                Some(lit) => hay.len().checked_sub(lit.len()),
                None => {
                    let mut start = hay.len();
                    for _ in 0..seg.toks.len() {
                        match hay[..start].chars().next_back() {
                            Some(c) => start -= c.len_utf8(),
                            None => return false,
                        }
                    }
                    Some(start)
                }
            };
            match start {
                Some(start)
                    if start >= pos
                        && hay.is_char_boundary(start)
                        && seg.match_at(hay, start, cased) == Some(hay.len()) =>
                {
                    limit = start
                }
                _ => return false,
            }
        }
        let middle_end = if last_anchored { n - 1 } else { n };
        for seg in &self.segments[first..middle_end] {
            match seg.find(hay, pos, cased) {
                Some((_, end)) if end <= limit => pos = end,
                _ => return false,
            }
        }
        true
    }
}

/// Comparison of a numeric or time-part value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NumCmp {
    Eq,
    Op(NumericOp),
}

impl NumCmp {
    pub(crate) fn test(self, field: f64, value: f64) -> bool {
        match self {
            NumCmp::Eq => field == value,
            NumCmp::Op(NumericOp::Lt) => field < value,
            NumCmp::Op(NumericOp::Lte) => field <= value,
            NumCmp::Op(NumericOp::Gt) => field > value,
            NumCmp::Op(NumericOp::Gte) => field >= value,
        }
    }
}

/// A network from the `cidr` modifier, as masked integers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Net {
    v6: bool,
    bits: u128,
    mask: u128,
}

impl Net {
    pub(crate) fn new(c: &Cidr) -> Net {
        let (v6, bits, width) = match c.addr {
            std::net::IpAddr::V4(a) => (false, u128::from(u32::from(a)), 32u32),
            std::net::IpAddr::V6(a) => (true, u128::from(a), 128u32),
        };
        let host_bits = width - u32::from(c.prefix);
        let mask = if host_bits >= 128 {
            0
        } else {
            (u128::MAX << host_bits)
                & if width == 32 {
                    u128::from(u32::MAX)
                } else {
                    u128::MAX
                }
        };
        Net {
            v6,
            bits: bits & mask,
            mask,
        }
    }

    pub(crate) fn contains(&self, text: &str) -> bool {
        match text.trim().parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(a)) if !self.v6 => {
                u128::from(u32::from(a)) & self.mask == self.bits
            }
            Ok(std::net::IpAddr::V6(a)) if self.v6 => u128::from(a) & self.mask == self.bits,
            Ok(std::net::IpAddr::V6(a)) => match a.to_ipv4_mapped() {
                Some(v4) => u128::from(u32::from(v4)) & self.mask == self.bits,
                None => false,
            },
            _ => false,
        }
    }
}

/// Date parts of a timestamp written `YYYY-MM-DD[T ]HH:MM…` (the spec asks
/// for no time-zone conversion: the written wall-clock time is used).
pub(crate) fn time_part(text: &str, part: TimePart) -> Option<f64> {
    let b = text.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = b.get(r)?;
        if s.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(s).ok()?.parse().ok()
        } else {
            None
        }
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let clock = || -> Option<(u32, u32)> {
        if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
            return None;
        }
        Some((num(11..13)?, num(14..16)?))
    };
    Some(f64::from(match part {
        TimePart::Year => year,
        TimePart::Month => month,
        TimePart::Day => day,
        TimePart::Hour => clock()?.0,
        TimePart::Minute => clock()?.1,
        TimePart::Week => {
            let m = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
            let d = time::Date::from_calendar_date(
                i32::try_from(year).ok()?,
                m,
                u8::try_from(day).ok()?,
            )
            .ok()?;
            u32::from(d.iso_week())
        }
    }))
}

/// Build a regex with the Sigma flags and the same size limits as the parser.
pub(crate) fn build_regex(pattern: &str, flags: RegexFlags) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(flags.insensitive)
        .multi_line(flags.multiline)
        .dot_matches_new_line(flags.dot_all)
        .size_limit(kexin_sigma::detection::REGEX_NFA_SIZE_LIMIT)
        .dfa_size_limit(kexin_sigma::detection::REGEX_NFA_SIZE_LIMIT)
        .nest_limit(kexin_sigma::detection::REGEX_NEST_LIMIT)
        .build()
        .map_err(|e| format!("regex refused: {e}"))
}

/// A compiled value of a detection item.
#[derive(Debug, Clone)]
pub(crate) enum ValueMatcher {
    Str(StrMatcher),
    /// Variants of one value (windash, base64offset…) under `all`.
    AnyStr(Vec<StrMatcher>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Regex(regex::Regex),
    Cidr(Net),
    Num {
        cmp: NumCmp,
        value: f64,
    },
    Time {
        part: TimePart,
        cmp: NumCmp,
        value: f64,
    },
}

impl ValueMatcher {
    pub(crate) fn is_match(&self, v: FieldValue<'_>) -> bool {
        let mut buf = NumBuf::default();
        match self {
            ValueMatcher::Str(m) => v.text(&mut buf).is_some_and(|t| m.is_match(t)),
            ValueMatcher::AnyStr(ms) => v
                .text(&mut buf)
                .is_some_and(|t| ms.iter().any(|m| m.is_match(t))),
            ValueMatcher::Int(i) => match v {
                FieldValue::Int(f) => f == *i,
                FieldValue::UInt(u) => i64::try_from(u) == Ok(*i),
                FieldValue::Float(f) => f == *i as f64,
                FieldValue::Str(s) => s.trim().parse::<i64>() == Ok(*i),
                FieldValue::Bool(_) | FieldValue::Null => false,
            },
            ValueMatcher::Float(x) => v.as_f64() == Some(*x),
            ValueMatcher::Bool(b) => match v {
                FieldValue::Bool(f) => f == *b,
                FieldValue::Str(s) => {
                    s.trim()
                        .eq_ignore_ascii_case(if *b { "true" } else { "false" })
                }
                _ => false,
            },
            ValueMatcher::Regex(r) => v.text(&mut buf).is_some_and(|t| r.is_match(t)),
            ValueMatcher::Cidr(n) => v.text(&mut buf).is_some_and(|t| n.contains(t)),
            ValueMatcher::Num { cmp, value } => v.as_f64().is_some_and(|f| cmp.test(f, *value)),
            ValueMatcher::Time { part, cmp, value } => v
                .text(&mut buf)
                .and_then(|t| time_part(t, *part))
                .is_some_and(|f| cmp.test(f, *value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &[Piece], cased: bool, hay: &str) -> bool {
        StrMatcher::new(p, cased).is_match(hay)
    }
    fn lit(s: &str) -> Piece {
        Piece::Lit(s.into())
    }

    #[test]
    fn homoglyphs_are_found_in_any_case_and_never_in_ascii_text() {
        // Cyrillic small komi we (U+051D) inside a command line.
        let p = [Piece::Any, lit("\u{51d}"), Piece::Any];
        assert!(m(&p, false, "po\u{51d}ershell -enc"));
        assert!(m(&p, false, "po\u{51c}ershell -enc"), "upper case folds");
        assert!(!m(&p, false, "powershell -enc"));
        assert!(!m(&p, true, "po\u{51c}ershell"), "cased: exact only");
        let anchored = [lit("c:\\"), Piece::Any, lit("\u{51d}.exe")];
        assert!(m(&anchored, false, "C:\\tmp\\\u{51c}.EXE"));
        assert!(!m(&anchored, false, "C:\\tmp\\w.exe"));
    }

    #[test]
    fn fast_paths_and_case() {
        assert!(m(&[lit("cmd.exe")], false, "CMD.EXE"));
        assert!(!m(&[lit("cmd.exe")], true, "CMD.EXE"));
        assert!(m(&[lit("c:\\win"), Piece::Any], false, "C:\\Windows"));
        assert!(m(&[Piece::Any, lit("\\cmd.exe")], false, "C:\\x\\Cmd.exe"));
        assert!(m(
            &[Piece::Any, lit("-enc"), Piece::Any],
            false,
            "powershell -ENC abc"
        ));
        assert!(m(&[], false, ""));
        assert!(!m(&[], false, "x"));
        assert!(m(&[Piece::Any], false, ""));
    }

    #[test]
    fn globs_and_unicode() {
        let p = [lit("a"), Piece::One, lit("c"), Piece::Any, lit("z")];
        assert!(m(&p, false, "AbCxxZ"));
        assert!(m(&p, false, "abcz"));
        assert!(!m(&p, false, "acz"));
        assert!(m(&[lit("ÄÖ"), Piece::Any], false, "äöü"));
        assert!(m(&[lit("straße")], false, "STRAßE"));
        assert!(m(&[Piece::One], false, "é"));
        assert!(!m(&[Piece::One], false, "ab"));
        // segments: anchored ends, leftmost middles, `?` inside segments
        let p = [
            lit("a"),
            Piece::Any,
            lit("b"),
            Piece::One,
            lit("d"),
            Piece::Any,
            lit("e"),
        ];
        assert!(m(&p, false, "axxbcdyye"));
        assert!(!m(&p, false, "axxbcdyy"));
        assert!(m(
            &[Piece::Any, lit("ab"), Piece::Any, lit("ab")],
            false,
            "abab"
        ));
        assert!(!m(
            &[Piece::Any, lit("ab"), Piece::Any, lit("ab")],
            false,
            "aba"
        ));
        assert!(!m(&[lit("ab"), Piece::Any, lit("ba")], false, "aba"));
        assert!(m(
            &[Piece::Any, lit(" \u{2013}exec "), Piece::Any],
            false,
            "x \u{2013}EXEC y"
        ));
    }

    #[test]
    fn cidr_and_time() {
        let n = Net::new(&Cidr::parse("10.0.0.0/8").unwrap());
        assert!(n.contains("10.2.3.4"));
        assert!(!n.contains("11.0.0.1"));
        assert!(n.contains("::ffff:10.0.0.1"));
        assert!(!n.contains("not an ip"));
        let n6 = Net::new(&Cidr::parse("fe80::/10").unwrap());
        assert!(n6.contains("fe80::1"));
        assert!(!n6.contains("10.0.0.1"));
        let all = Net::new(&Cidr::parse("0.0.0.0/0").unwrap());
        assert!(all.contains("1.2.3.4"));
        let ts = "2025-11-27T07:40:10.165324Z";
        assert_eq!(time_part(ts, TimePart::Hour), Some(7.0));
        assert_eq!(time_part(ts, TimePart::Minute), Some(40.0));
        assert_eq!(time_part(ts, TimePart::Week), Some(48.0));
        assert_eq!(time_part("2025-11-27 23:01:00", TimePart::Hour), Some(23.0));
        assert_eq!(time_part("yesterday", TimePart::Year), None);
    }
}
