//! Human-readable durations: `"500ms"`, `"30s"`, `"15m"`, `"12h"`, `"7d"`, `"1h30m"`.

use std::fmt::Write as _;
use std::time::Duration;

/// What [`parse_duration`] accepts, phrased for error messages.
pub(crate) const ACCEPTED_FORMS: &str = "write a whole number followed by a unit (d, h, m, s, ms, us or ns), \
     such as \"500ms\", \"30s\", \"15m\", \"12h\" or \"7d\", or combine units largest first, such as \"1h30m\"";

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Units from largest to smallest, with their length in nanoseconds.
const UNITS: [(&str, u128); 7] = [
    ("d", 86_400 * NANOS_PER_SEC),
    ("h", 3_600 * NANOS_PER_SEC),
    ("m", 60 * NANOS_PER_SEC),
    ("s", NANOS_PER_SEC),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
];

/// Parses a duration such as `"30s"`, `"15m"`, `"12h"`, `"7d"`, `"1h30m"` or `"500ms"`.
///
/// A duration is one or more `<whole number><unit>` parts, units largest first and each used at
/// most once, with no spaces inside. Units are `d`, `h`, `m`, `s`, `ms`, `us` and `ns`.
/// Surrounding whitespace is ignored. The error text names the accepted forms.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    parse_reason(s)
        .map_err(|why| format!("{s:?} is not a valid duration ({why}); {ACCEPTED_FORMS}"))
}

/// Like [`parse_duration`], but the error is only the reason, for callers that add context.
pub(crate) fn parse_reason(s: &str) -> Result<Duration, String> {
    const TOO_LARGE: &str = "it is too large";
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err("it is empty".to_string());
    }
    let mut total: u128 = 0;
    let mut last_rank: Option<usize> = None;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!("expected a number at {rest:?}"));
        }
        let number: u128 = rest[..digits].parse().map_err(|_| TOO_LARGE.to_string())?;
        rest = &rest[digits..];
        if rest.starts_with(['.', ',']) {
            return Err("fractions are not accepted; use a smaller unit, such as \"1h30m\" for an hour and a half".to_string());
        }
        let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..letters];
        if unit.is_empty() {
            return Err(format!("the number {number} has no unit"));
        }
        let Some(rank) = UNITS.iter().position(|(name, _)| *name == unit) else {
            return Err(format!("{unit:?} is not a unit"));
        };
        if last_rank.is_some_and(|last| rank <= last) {
            return Err("each unit may appear once, largest first".to_string());
        }
        total = number
            .checked_mul(UNITS[rank].1)
            .and_then(|nanos| total.checked_add(nanos))
            .ok_or_else(|| TOO_LARGE.to_string())?;
        last_rank = Some(rank);
        rest = &rest[letters..];
    }
    let secs = u64::try_from(total / NANOS_PER_SEC).map_err(|_| TOO_LARGE.to_string())?;
    let nanos =
        u32::try_from(total % NANOS_PER_SEC).expect("remainder of a division by 10^9 fits in u32");
    Ok(Duration::new(secs, nanos))
}

/// Formats a duration in the form [`parse_duration`] reads, using the largest units that fit:
/// 90 minutes is `"1h30m"`, zero is `"0s"`. The result always parses back to the same duration.
pub fn format_duration(d: Duration) -> String {
    let mut nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (name, size) in UNITS {
        if nanos >= size {
            write!(out, "{}{name}", nanos / size).expect("writing to a String cannot fail");
            nanos %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_documented_forms() {
        let cases = [
            ("30s", Duration::from_secs(30)),
            ("15m", Duration::from_secs(15 * 60)),
            ("12h", Duration::from_secs(12 * 3600)),
            ("7d", Duration::from_secs(7 * 86_400)),
            ("1h30m", Duration::from_secs(5400)),
            ("500ms", Duration::from_millis(500)),
            ("1s500ms", Duration::from_millis(1500)),
            ("2us", Duration::from_micros(2)),
            ("3ns", Duration::from_nanos(3)),
            ("0s", Duration::ZERO),
            ("  45s ", Duration::from_secs(45)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_duration(text), Ok(want), "parsing {text:?}");
        }
    }

    #[test]
    fn rejects_bad_forms_and_says_what_is_accepted() {
        for bad in [
            "",
            "30",
            "s",
            "abc",
            "10x",
            "1.5h",
            "30m1h",
            "1h1h",
            "1h 30m",
            "-5s",
            "30S",
            "99999999999999999999999d",
        ] {
            let err = parse_duration(bad).expect_err(bad);
            assert!(err.contains(&format!("{bad:?}")), "{err}");
            assert!(err.contains("\"1h30m\"") && err.contains("ms"), "{err}");
        }
        assert!(
            parse_duration("10x")
                .unwrap_err()
                .contains("\"x\" is not a unit")
        );
        assert!(parse_duration("30").unwrap_err().contains("no unit"));
        assert!(parse_duration("1.5h").unwrap_err().contains("fractions"));
        assert!(
            parse_duration("30m1h")
                .unwrap_err()
                .contains("largest first")
        );
    }

    #[test]
    fn formats_with_largest_units() {
        assert_eq!(format_duration(Duration::ZERO), "0s");
        assert_eq!(format_duration(Duration::from_secs(12 * 3600)), "12h");
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(Duration::from_secs(86_400 + 1)), "1d1s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1s500ms");
        assert_eq!(format_duration(Duration::new(0, 1_001)), "1us1ns");
    }

    #[test]
    fn extreme_durations_round_trip() {
        for d in [
            Duration::MAX,
            Duration::new(u64::MAX, 0),
            Duration::from_nanos(1),
        ] {
            assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(secs in any::<u64>(), nanos in 0u32..1_000_000_000) {
            let d = Duration::new(secs, nanos);
            prop_assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }

        #[test]
        fn parse_then_format_is_canonical(h in 0u64..1000, m in 0u64..60, s in 0u64..60) {
            let text = format!("{h}h{m}m{s}s");
            let d = parse_duration(&text).unwrap();
            prop_assert_eq!(d, Duration::from_secs(h * 3600 + m * 60 + s));
            prop_assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }

        #[test]
        fn parse_never_panics(text in ".{0,20}") {
            let _ = parse_duration(&text);
        }
    }
}
