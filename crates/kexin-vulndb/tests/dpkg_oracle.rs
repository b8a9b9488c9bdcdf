//! Property test: our dpkg ordering agrees with the real
//! `dpkg --compare-versions` on random versions from dpkg's alphabet.
//!
//! Runs only on Debian-family hosts (`/etc/debian_version` exists, as on
//! CI). There, a missing `/usr/bin/dpkg` is a test FAILURE, not a skip.

use std::cmp::Ordering;
use std::path::Path;
use std::process::Command;

use kexin_vulndb::version::dpkg;
use proptest::prelude::*;

const DPKG: &str = "/usr/bin/dpkg";

fn on_debian() -> bool {
    Path::new("/etc/debian_version").exists()
}

fn dpkg_says(a: &str, op: &str, b: &str) -> bool {
    let st = Command::new(DPKG)
        .args(["--compare-versions", a, op, b])
        .status()
        .unwrap_or_else(|e| panic!("cannot run {DPKG}: {e} (install dpkg: this test needs it)"));
    match st.code() {
        Some(0) => true,
        Some(1) => false,
        other => panic!("dpkg --compare-versions {a:?} {op} {b:?} failed: {other:?}"),
    }
}

fn dpkg_order(a: &str, b: &str) -> Ordering {
    if dpkg_says(a, "lt", b) {
        Ordering::Less
    } else if dpkg_says(a, "eq", b) {
        Ordering::Equal
    } else {
        Ordering::Greater
    }
}

/// Characters weighted towards the interesting ones (`~`, `+`, `.`, `0`).
fn piece(first_digit: bool, allow_dash: bool) -> impl Strategy<Value = String> {
    let alphabet: &'static [char] = if allow_dash {
        &[
            '0', '1', '2', '9', 'a', 'b', 'z', 'A', '.', '+', '~', '~', '-',
        ]
    } else {
        &['0', '1', '2', '9', 'a', 'b', 'z', 'A', '.', '+', '~', '~']
    };
    (
        prop::sample::select(vec!['0', '1', '2', '9']),
        prop::collection::vec(prop::sample::select(alphabet.to_vec()), 0..7),
    )
        .prop_map(move |(d, rest)| {
            let mut s = String::new();
            if first_digit {
                s.push(d);
            }
            s.extend(rest);
            s
        })
}

fn version() -> impl Strategy<Value = String> {
    (
        prop::option::of(prop::sample::select(vec!["0", "1", "2", "10", "00"])),
        piece(true, false),
        prop::option::of((piece(false, true), piece(true, false))),
    )
        .prop_map(|(epoch, upstream, revision)| {
            let mut s = String::new();
            if let Some(e) = epoch {
                s.push_str(e);
                s.push(':');
            }
            s.push_str(&upstream);
            if let Some((mid, rev)) = revision {
                // `mid` may contain '-': an upstream with hyphens needs a
                // revision, which always follows here.
                s.push_str(&mid);
                s.push('-');
                s.push_str(&rev);
            }
            s
        })
        .prop_filter("valid dpkg version", |s| dpkg::validate(s).is_ok())
}

/// A pair that is often close: `b` derived from `a` by an edit.
fn pair() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        (version(), version()),
        (
            version(),
            prop::sample::select(vec![
                "~", "+", ".", "0", "a", "~~", "1", "-1", "+b1", "~rc1"
            ])
        )
            .prop_map(|(a, suffix)| {
                let b = format!("{a}{suffix}");
                (a, b)
            })
            .prop_filter("valid dpkg version", |(_, b)| dpkg::validate(b).is_ok()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
    #[test]
    fn agrees_with_dpkg((a, b) in pair()) {
        if !on_debian() {
            return Ok(());
        }
        prop_assert_eq!(dpkg::compare(&a, &b), dpkg_order(&a, &b), "{} vs {}", a, b);
    }
}

#[test]
fn dpkg_binary_present_on_debian() {
    if on_debian() {
        assert!(
            Path::new(DPKG).exists(),
            "{DPKG} missing on a Debian host: the oracle test cannot run"
        );
        assert_eq!(dpkg_order("1.0~rc1", "1.0"), Ordering::Less);
    }
}
