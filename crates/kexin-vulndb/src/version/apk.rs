//! Alpine `apk-tools` version ordering.
//!
//! Alpine versions look like `1.2.3a_rc1_p2~1a2b3c-r4`: dot-separated
//! numbers, an optional single lowercase letter, any number of suffixes
//! (`_alpha`, `_beta`, `_pre`, `_rc` sort *before* the plain version;
//! `_cvs`, `_svn`, `_git`, `_hg`, `_p` sort *after* it), each optionally
//! numbered, an optional commit hash `~hex`, and a package revision `-rN`.
//!
//! This is a port of the tokenizer and comparison in current apk-tools'
//! `src/version.c` (the 2024 rewrite that apk 2.14 and 3.x use):
//!
//! * the first number compares numerically; later dot-numbers too, unless
//!   either starts with `0`, then they compare as strings (`1.01 < 1.1`,
//!   `1.001 < 1.01`), as in Gentoo's rules;
//! * tokens are compared pairwise while both versions have the same kind
//!   of token; when kinds differ, a pre-release suffix makes its version
//!   older, otherwise the version whose next token kind comes *earlier*
//!   in the list number < letter < suffix < suffix-number < commit hash <
//!   revision < end is newer (`1.0.1 > 1.0-r5 > 1.0`; note `1.0 <
//!   1.0-r0`);
//! * invalid trailing text stops tokenizing; two versions that become
//!   invalid at the same point compare equal up to there.

use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tok {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
    Invalid,
}

/// Suffix ranks as in apk-tools (`None` is the plain version).
const SUFFIX_NONE: u8 = 5;

fn suffix_value(s: &[u8]) -> Option<u8> {
    let v = match s {
        b"alpha" => 1,
        b"beta" => 2,
        b"pre" => 3,
        b"rc" => 4,
        b"cvs" => 6,
        b"svn" => 7,
        b"git" => 8,
        b"hg" => 9,
        b"p" => 10,
        _ => return None,
    };
    Some(v)
}

struct State<'a> {
    token: Tok,
    suffix: u8,
    number: u64,
    value: &'a [u8],
    rest: &'a [u8],
}

impl<'a> State<'a> {
    fn first(s: &'a [u8]) -> Self {
        let mut st = State {
            token: Tok::InitialDigit,
            suffix: 0,
            number: 0,
            value: &[],
            rest: s,
        };
        st.parse_digits();
        st
    }

    fn parse_digits(&mut self) {
        let n = self.rest.iter().take_while(|c| c.is_ascii_digit()).count();
        self.value = &self.rest[..n];
        self.number = self.value.iter().fold(0u64, |acc, c| {
            acc.wrapping_mul(10).wrapping_add(u64::from(c - b'0'))
        });
        self.rest = &self.rest[n..];
        if n == 0 {
            self.token = Tok::Invalid;
        }
    }

    fn next(&mut self) {
        let Some(&c) = self.rest.first() else {
            self.token = Tok::End;
            return;
        };
        match c {
            b'a'..=b'z' => {
                if self.token > Tok::Digit {
                    self.token = Tok::Invalid;
                    return;
                }
                self.value = &self.rest[..1];
                self.token = Tok::Letter;
                self.rest = &self.rest[1..];
            }
            b'.' | b'0'..=b'9' => {
                if c == b'.' {
                    if self.token > Tok::Digit {
                        self.token = Tok::Invalid;
                        return;
                    }
                    self.rest = &self.rest[1..];
                }
                self.token = match self.token {
                    Tok::InitialDigit | Tok::Digit => Tok::Digit,
                    Tok::Suffix => Tok::SuffixNo,
                    _ => {
                        self.token = Tok::Invalid;
                        return;
                    }
                };
                self.parse_digits();
            }
            b'_' => {
                if self.token > Tok::SuffixNo {
                    self.token = Tok::Invalid;
                    return;
                }
                let r = &self.rest[1..];
                let n = r.iter().take_while(|c| c.is_ascii_lowercase()).count();
                self.value = &r[..n];
                self.rest = &r[n..];
                match suffix_value(self.value) {
                    Some(v) => {
                        self.suffix = v;
                        self.token = Tok::Suffix;
                    }
                    None => self.token = Tok::Invalid,
                }
            }
            b'~' => {
                if self.token >= Tok::CommitHash {
                    self.token = Tok::Invalid;
                    return;
                }
                let r = &self.rest[1..];
                let n = r
                    .iter()
                    .take_while(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
                    .count();
                self.value = &r[..n];
                self.rest = &r[n..];
                self.token = if n == 0 {
                    Tok::Invalid
                } else {
                    Tok::CommitHash
                };
            }
            b'-' => {
                if self.token >= Tok::RevisionNo || !self.rest.starts_with(b"-r") {
                    self.token = Tok::Invalid;
                    return;
                }
                self.rest = &self.rest[2..];
                self.token = Tok::RevisionNo;
                self.parse_digits();
            }
            _ => self.token = Tok::Invalid,
        }
    }
}

fn token_cmp(a: &State<'_>, b: &State<'_>) -> Ordering {
    match a.token {
        Tok::Digit if a.value.first() == Some(&b'0') || b.value.first() == Some(&b'0') => {
            a.value.cmp(b.value)
        }
        Tok::Digit | Tok::InitialDigit | Tok::SuffixNo | Tok::RevisionNo => a.number.cmp(&b.number),
        Tok::Letter => a.value.first().cmp(&b.value.first()),
        Tok::Suffix => a.suffix.cmp(&b.suffix),
        _ => a.value.cmp(b.value),
    }
}

/// Compares two Alpine package versions like `apk version -t`.
pub fn compare(a: &str, b: &str) -> Ordering {
    let mut ta = State::first(a.trim().as_bytes());
    let mut tb = State::first(b.trim().as_bytes());
    while ta.token == tb.token && ta.token < Tok::End {
        match token_cmp(&ta, &tb) {
            Ordering::Equal => {}
            o => return o,
        }
        ta.next();
        tb.next();
    }
    if ta.token == tb.token {
        return Ordering::Equal;
    }
    if ta.token == Tok::Suffix && ta.suffix < SUFFIX_NONE {
        return Ordering::Less;
    }
    if tb.token == Tok::Suffix && tb.suffix < SUFFIX_NONE {
        return Ordering::Greater;
    }
    // A later token kind sorts lower.
    tb.token.cmp(&ta.token)
}

/// Whether `v` is a valid Alpine version (apk's `apk_version_validate`).
pub fn validate(v: &str) -> bool {
    let mut t = State::first(v.as_bytes());
    while t.token < Tok::End {
        t.next();
    }
    t.token == Tok::End
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn validation() {
        for v in [
            "1.0",
            "1.2.3a_rc1_p2~1a2b-r4",
            "20240101-r0",
            "1.0_git20230101",
        ] {
            assert!(validate(v), "{v}");
        }
        for v in [
            "",
            "a1",
            "1.0-r",
            "1.0_foo",
            "1.0-1",
            "1.0~",
            "1.0-r1_p1",
            "1..0",
        ] {
            assert!(!validate(v), "{v}");
        }
    }

    #[test]
    fn known_pairs() {
        // Written from Alpine's package-format documentation and apk-tools'
        // test/version.data behaviour.
        let cases = [
            ("1.0", "1.0", Equal),
            ("1.0-r1", "1.0-r0", Greater),
            ("1.0-r10", "1.0-r9", Greater),
            ("1.0", "1.0-r0", Less),
            ("1.0", "1.0.1", Less),
            ("1.0.1", "1.0-r5", Greater),
            ("1.10", "1.9", Greater),
            ("1.0a", "1.0", Greater),
            ("1.0a", "1.0b", Less),
            ("1.0b", "1.0.1", Less),
            ("1.0_alpha", "1.0", Less),
            ("1.0_alpha1", "1.0_alpha2", Less),
            ("1.0_alpha", "1.0_beta", Less),
            ("1.0_beta", "1.0_pre", Less),
            ("1.0_pre", "1.0_rc", Less),
            ("1.0_rc1", "1.0", Less),
            ("1.0_rc1-r3", "1.0-r0", Less),
            ("1.0", "1.0_cvs", Less),
            ("1.0_cvs", "1.0_svn", Less),
            ("1.0_svn", "1.0_git", Less),
            ("1.0_git", "1.0_hg", Less),
            ("1.0_hg", "1.0_p", Less),
            ("1.0_p1", "1.0", Greater),
            ("1.0_p1", "1.0_p2", Less),
            ("1.0_p1", "1.0a", Less),
            ("1.0_p1", "1.0.1", Less),
            ("3.1.4-r5", "3.1.4_p1", Less),
            ("1.01", "1.1", Less),
            ("1.001", "1.01", Less),
            ("3.0.12-r0", "3.0.8-r0", Greater),
            ("1.36.1-r15", "1.36.1-r29", Less),
            ("2.4.58-r0", "2.4.57-r3", Greater),
            ("8.5.0-r0", "8.4.0-r1", Greater),
            ("1.2.3_git20230101-r0", "1.2.3-r0", Greater),
            ("1.2.3_rc2_p1", "1.2.3_rc2", Greater),
            ("1.2.3_rc2_p1", "1.2.3_rc3", Less),
            ("1.0.0_rc1", "1.0.0", Less),
            ("2.0_rc1-r0", "2.0-r0", Less),
            ("1.2.3~abc123-r0", "1.2.3-r0", Greater),
            ("1.2.3~abc123-r0", "1.2.3~abc124-r0", Less),
            ("0.1.0_alpha_pre2", "0.1.0_alpha", Less),
            ("1.0", "1.0bc", Less), // invalid after the letter
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
            assert_eq!(compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }
}
