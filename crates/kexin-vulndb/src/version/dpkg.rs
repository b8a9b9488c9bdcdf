//! Debian `dpkg` version ordering (`[epoch:]upstream[-revision]`).
//!
//! A faithful port of `verrevcmp` from dpkg's `lib/dpkg/version.c`:
//!
//! * the epoch (digits before the first `:`) is compared numerically, absent
//!   means `0`;
//! * upstream and revision (split at the *last* `-`; absent revision equals
//!   `0`) are compared in alternating runs: a non-digit run character by
//!   character, where `~` sorts before everything (even the end of the
//!   string), the end of the string next, then letters, then all other
//!   characters; then a digit run numerically (leading zeros ignored).

use std::cmp::Ordering;

/// A `dpkg` version split into its three parts (borrowed from the input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DebVersion<'a> {
    /// Epoch, `0` when absent.
    pub epoch: &'a str,
    /// Upstream version.
    pub upstream: &'a str,
    /// Debian revision, empty when absent.
    pub revision: &'a str,
}

impl<'a> DebVersion<'a> {
    /// Splits a version string like dpkg's `parseversion` (leading and
    /// trailing whitespace ignored). Never fails; see [`validate`].
    pub fn parse(s: &'a str) -> Self {
        let s = s.trim();
        let (epoch, rest) = match s.split_once(':') {
            Some((e, r)) => (e, r),
            None => ("0", s),
        };
        let (upstream, revision) = match rest.rfind('-') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        DebVersion {
            epoch,
            upstream,
            revision,
        }
    }
}

/// Checks a version against dpkg's syntax rules; `Err` carries dpkg's reason.
pub fn validate(s: &str) -> Result<(), String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("version string is empty".into());
    }
    if s.chars().any(char::is_whitespace) {
        return Err("version string has embedded spaces".into());
    }
    let v = DebVersion::parse(s);
    if s.contains(':') && (v.epoch.is_empty() || !v.epoch.bytes().all(|b| b.is_ascii_digit())) {
        return Err("epoch in version is not a number".into());
    }
    if v.upstream.is_empty() {
        return Err("nothing after colon in version number".into());
    }
    if s.rfind('-').is_some() && v.revision.is_empty() {
        return Err("revision number is empty".into());
    }
    if !v.upstream.as_bytes()[0].is_ascii_digit() {
        return Err("version number does not start with digit".into());
    }
    if let Some(c) = v
        .upstream
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || ".-+~:".contains(*c)))
    {
        return Err(format!("invalid character {c:?} in version number"));
    }
    if let Some(c) = v
        .revision
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || ".+~".contains(*c)))
    {
        return Err(format!("invalid character {c:?} in revision number"));
    }
    Ok(())
}

/// Compares two dpkg versions exactly like `dpkg --compare-versions`.
pub fn compare(a: &str, b: &str) -> Ordering {
    let a = DebVersion::parse(a);
    let b = DebVersion::parse(b);
    compare_numeric(a.epoch, b.epoch)
        .then_with(|| verrevcmp(a.upstream.as_bytes(), b.upstream.as_bytes()))
        .then_with(|| verrevcmp(a.revision.as_bytes(), b.revision.as_bytes()))
}

/// Compares two digit strings numerically without overflow (non-digits are
/// ignored, as `strtol` would stop at them; an empty string is `0`).
fn compare_numeric(a: &str, b: &str) -> Ordering {
    let digits = |s: &str| -> String {
        let d: String = s.chars().take_while(char::is_ascii_digit).collect();
        d.trim_start_matches('0').to_string()
    };
    let (a, b) = (digits(a), digits(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(&b))
}

/// dpkg's `order()`: `~` < end < letters < everything else. Digits map to 0
/// (only reached when the other side is a non-digit).
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0usize, 0usize);
    let at = |k: usize| a.get(k).copied();
    let bt = |k: usize| b.get(k).copied();
    let is_digit = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_digit());
    while i < a.len() || j < b.len() {
        while (i < a.len() && !is_digit(at(i))) || (j < b.len() && !is_digit(bt(j))) {
            let (ac, bc) = (order(at(i)), order(bt(j)));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while at(i) == Some(b'0') {
            i += 1;
        }
        while bt(j) == Some(b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while is_digit(at(i)) && is_digit(bt(j)) {
            if first_diff == Ordering::Equal {
                first_diff = at(i).cmp(&bt(j));
            }
            i += 1;
            j += 1;
        }
        if is_digit(at(i)) {
            return Ordering::Greater;
        }
        if is_digit(bt(j)) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn known_pairs() {
        // From Debian Policy 5.6.12 and dpkg's own test-suite behaviour.
        let cases = [
            ("1.0", "1.0", Equal),
            ("1.0-0", "1.0", Equal),
            ("0:1.0", "1.0", Equal),
            ("00:1.0", "0:1.0", Equal),
            ("1.0~rc1", "1.0", Less),
            ("1.0~~", "1.0~", Less),
            ("1.0~", "1.0", Less),
            ("1.0", "1.0a", Less),
            ("1.0a", "1.0+", Less),
            ("1.0+", "1.0.", Less),
            ("1.0.", "1.0-1", Greater),
            ("1:0.1", "9.9", Greater),
            ("1.10", "1.9", Greater),
            ("1.010", "1.10", Equal),
            ("2.36.1-8+deb12u1", "2.36.1-8", Greater),
            ("2.36.1-8+deb12u1", "2.36.1-8+deb12u2", Less),
            ("3.0.11-1~deb12u2", "3.0.11-1", Less),
            ("1:2.38.1-5+deb12u1", "2.40", Greater),
            ("7.88.1-10+deb12u5", "7.88.1-10+deb12u12", Less),
            ("1.2.3-1build1", "1.2.3-1", Greater),
            ("1.2.3-1ubuntu0.22.04.1", "1.2.3-1ubuntu0.22.04.10", Less),
            ("1.0-a", "1.0-1", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
            assert_eq!(compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn validation() {
        assert!(validate("1:2.3-4").is_ok());
        assert!(validate("a1.0").is_err());
        assert!(validate("x:1.0").is_err());
        assert!(validate("1.0-").is_err());
        assert!(validate("1.0 2").is_err());
        assert!(validate("").is_err());
    }
}
