use std::fmt;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A UTC instant with microsecond precision, written as RFC 3339 with a fixed
/// width (`2026-11-24T10:33:00.000000Z`) so that stored text sorts in time
/// order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, utoipa::ToSchema)]
#[schema(value_type = String, format = DateTime)]
pub struct Timestamp(OffsetDateTime);

const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
);

impl Timestamp {
    pub fn now() -> Self {
        Self::from_offset(OffsetDateTime::now_utc())
    }

    pub fn from_offset(t: OffsetDateTime) -> Self {
        let t = t.to_offset(time::UtcOffset::UTC);
        // Truncate to microseconds so that a value survives a text round trip.
        let micros = t.nanosecond() / 1_000 * 1_000;
        Self(t.replace_nanosecond(micros).expect("nanosecond in range"))
    }

    pub fn from_unix_seconds(secs: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(secs).ok().map(Self)
    }

    /// Parses any RFC 3339 timestamp, normalising it to UTC.
    pub fn parse(s: &str) -> Result<Self, String> {
        OffsetDateTime::parse(s, &Rfc3339)
            .map(Self::from_offset)
            .map_err(|e| format!("`{s}` is not an RFC 3339 timestamp: {e}"))
    }

    pub fn unix_seconds(self) -> i64 {
        self.0.unix_timestamp()
    }

    /// `self + d`, saturating at the end of year 9999 (the text form's limit).
    pub fn plus(self, d: std::time::Duration) -> Self {
        let end = time::macros::datetime!(9999-12-31 23:59:59.999999 UTC);
        let d = time::Duration::try_from(d).unwrap_or(time::Duration::MAX);
        Self(self.0.checked_add(d).filter(|t| *t <= end).unwrap_or(end))
    }

    pub fn minus(self, d: std::time::Duration) -> Self {
        Self(self.0 - d)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.format(FORMAT).map_err(|_| fmt::Error)?;
        f.write_str(&s)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn text_form_is_fixed_width_utc() {
        let t = Timestamp::parse("2026-11-24T18:33:00+08:00").unwrap();
        assert_eq!(t.to_string(), "2026-11-24T10:33:00.000000Z");
    }

    #[test]
    fn far_future_saturates_instead_of_panicking() {
        let t = Timestamp::now().plus(std::time::Duration::from_secs(u64::MAX));
        assert_eq!(t.to_string(), "9999-12-31T23:59:59.999999Z");
    }

    #[test]
    fn rejects_non_rfc3339() {
        assert!(
            Timestamp::parse("24/11/2026")
                .unwrap_err()
                .contains("RFC 3339")
        );
    }

    proptest! {
        #[test]
        fn text_round_trip_and_order(a in 0i64..4_000_000_000, b in 0i64..4_000_000_000, ua in 0u32..1_000_000, ub in 0u32..1_000_000) {
            let ta = Timestamp::from_offset(OffsetDateTime::from_unix_timestamp(a).unwrap().replace_microsecond(ua).unwrap());
            let tb = Timestamp::from_offset(OffsetDateTime::from_unix_timestamp(b).unwrap().replace_microsecond(ub).unwrap());
            prop_assert_eq!(Timestamp::parse(&ta.to_string()).unwrap(), ta);
            prop_assert_eq!(ta.cmp(&tb), ta.to_string().cmp(&tb.to_string()));
        }
    }
}
