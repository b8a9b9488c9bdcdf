//! The indicator every loader produces: one normalised value plus where it came
//! from, how far to trust it and when it applies.

use std::fmt;

use ipnet::IpNet;
use serde::Serialize;
use time::OffsetDateTime;

use crate::value::UrlKey;

/// A hash algorithm an indicator or an observed file hash uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HashAlgo {
    /// MD5, 32 hex digits.
    Md5,
    /// SHA-1, 40 hex digits.
    Sha1,
    /// SHA-256, 64 hex digits.
    Sha256,
    /// SHA-512, 128 hex digits.
    Sha512,
}

impl HashAlgo {
    /// Every algorithm, in the order of [`HashAlgo::index`].
    pub const ALL: [HashAlgo; 4] = [Self::Md5, Self::Sha1, Self::Sha256, Self::Sha512];

    /// The algorithm whose hex digest has `len` digits.
    pub fn from_hex_len(len: usize) -> Option<Self> {
        match len {
            32 => Some(Self::Md5),
            40 => Some(Self::Sha1),
            64 => Some(Self::Sha256),
            128 => Some(Self::Sha512),
            _ => None,
        }
    }

    /// Number of hex digits of a digest.
    pub fn hex_len(self) -> usize {
        match self {
            Self::Md5 => 32,
            Self::Sha1 => 40,
            Self::Sha256 => 64,
            Self::Sha512 => 128,
        }
    }

    /// Position in [`HashAlgo::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Lower-case name: `md5`, `sha1`, `sha256`, `sha512`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }
}

/// What an indicator matches, normalised (see [`crate::value`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum IndicatorValue {
    /// One address (a /32 or /128) or a network; matches every address inside.
    Ip(IpNet),
    /// A domain: matches the name itself and every name under it.
    Domain(String),
    /// A host name: matches that exact name only.
    Hostname(String),
    /// A URL: see [`UrlKey`] for what matches.
    Url(UrlKey),
    /// A file hash, lower-case hex.
    Hash(HashAlgo, String),
}

impl IndicatorValue {
    /// The kind, for counting and reporting.
    pub fn kind(&self) -> IndicatorKind {
        match self {
            Self::Ip(IpNet::V4(_)) => IndicatorKind::Ipv4,
            Self::Ip(IpNet::V6(_)) => IndicatorKind::Ipv6,
            Self::Domain(_) => IndicatorKind::Domain,
            Self::Hostname(_) => IndicatorKind::Hostname,
            Self::Url(_) => IndicatorKind::Url,
            Self::Hash(HashAlgo::Md5, _) => IndicatorKind::Md5,
            Self::Hash(HashAlgo::Sha1, _) => IndicatorKind::Sha1,
            Self::Hash(HashAlgo::Sha256, _) => IndicatorKind::Sha256,
            Self::Hash(HashAlgo::Sha512, _) => IndicatorKind::Sha512,
        }
    }
}

impl fmt::Display for IndicatorValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ip(net) if net.prefix_len() == net.max_prefix_len() => net.addr().fmt(f),
            Self::Ip(net) => net.fmt(f),
            Self::Domain(d) | Self::Hostname(d) => f.write_str(d),
            Self::Url(u) => u.fmt(f),
            Self::Hash(_, h) => f.write_str(h),
        }
    }
}

/// The kind of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IndicatorKind {
    /// IPv4 address or network.
    Ipv4,
    /// IPv6 address or network.
    Ipv6,
    /// Domain with its subdomains.
    Domain,
    /// Exact host name.
    Hostname,
    /// URL.
    Url,
    /// MD5 file hash.
    Md5,
    /// SHA-1 file hash.
    Sha1,
    /// SHA-256 file hash.
    Sha256,
    /// SHA-512 file hash.
    Sha512,
}

impl IndicatorKind {
    /// Stable lower-case name, as in reports: `ipv4`, `domain`, `sha256`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ipv4 => "ipv4",
            Self::Ipv6 => "ipv6",
            Self::Domain => "domain",
            Self::Hostname => "hostname",
            Self::Url => "url",
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }
}

impl fmt::Display for IndicatorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One indicator of compromise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    /// The STIX indicator id, the MISP attribute uuid, or `<file>:<line>` for
    /// CSV lists.
    pub id: String,
    /// What it matches.
    pub value: IndicatorValue,
    /// Who says so: the STIX identity's name, the MISP creator organisation,
    /// the CSV `source` column or the file name.
    pub source: String,
    /// 0–100 (STIX 2.1 confidence scale), when the source gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<u8>,
    /// STIX labels and indicator types, MISP tags and category, CSV labels.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Human context: STIX name or description, MISP event info.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Not valid before this time.
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub valid_from: Option<OffsetDateTime>,
    /// Not valid from this time on.
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub valid_until: Option<OffsetDateTime>,
    /// A revoked indicator never matches.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub revoked: bool,
}

impl Indicator {
    /// An indicator with no confidence, labels, context or validity window.
    pub fn new(id: impl Into<String>, value: IndicatorValue, source: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            value,
            source: source.into(),
            confidence: None,
            labels: Vec::new(),
            context: None,
            valid_from: None,
            valid_until: None,
            revoked: false,
        }
    }

    /// Whether the indicator applies at `at`: not revoked, `valid_from <= at`
    /// and `at < valid_until` (STIX: `valid_until` is the first instant the
    /// indicator is no longer valid).
    pub fn is_active(&self, at: OffsetDateTime) -> bool {
        !self.revoked
            && self.valid_from.is_none_or(|from| from <= at)
            && self.valid_until.is_none_or(|until| at < until)
    }

    /// The kind of [`Indicator::value`].
    pub fn kind(&self) -> IndicatorKind {
        self.value.kind()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn validity_window_is_half_open_and_revocation_wins() {
        let mut ind = Indicator::new("x", IndicatorValue::Domain("evil.example".into()), "test");
        ind.valid_from = Some(datetime!(2024-01-01 0:00 UTC));
        ind.valid_until = Some(datetime!(2024-02-01 0:00 UTC));
        assert!(!ind.is_active(datetime!(2023-12-31 23:59:59 UTC)));
        assert!(ind.is_active(datetime!(2024-01-01 0:00 UTC)));
        assert!(ind.is_active(datetime!(2024-01-31 23:59:59 UTC)));
        assert!(!ind.is_active(datetime!(2024-02-01 0:00 UTC)));
        ind.revoked = true;
        assert!(!ind.is_active(datetime!(2024-01-15 0:00 UTC)));
    }

    #[test]
    fn hash_algorithms_follow_digest_length() {
        for algo in HashAlgo::ALL {
            assert_eq!(HashAlgo::from_hex_len(algo.hex_len()), Some(algo));
            assert_eq!(HashAlgo::ALL[algo.index()], algo);
        }
        assert_eq!(HashAlgo::from_hex_len(33), None);
    }
}
