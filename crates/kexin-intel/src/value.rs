//! Normalisation of indicator and observed values, shared by every loader and
//! by the matcher, so that the two sides of a comparison are always spelt the
//! same way.
//!
//! * **IP addresses and networks** become an [`IpNet`] with host bits cleared;
//!   IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) become IPv4.
//! * **Domains** are trimmed, lower-cased, lose a trailing dot, and
//!   internationalised names become their ASCII (punycode) form, so
//!   `BÜCHER.example.` and `xn--bcher-kva.example` are one name.
//! * **URLs** become a [`UrlKey`] (see there for the matching rules).
//! * **Hashes** are lower-case hex; the algorithm follows from the length.
//!
//! Indicator values may be "defanged" as threat reports write them
//! (`evil[.]com`, `hxxp://`, `1.2.3[.]4`); loaders refang them with
//! [`refang`] before parsing. Observed values are never refanged.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use crate::indicator::{HashAlgo, IndicatorValue};

/// Why a value is not a valid indicator value of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Empty after trimming.
    #[error("the value is empty")]
    Empty,
    /// Not an IP address or CIDR network.
    #[error("`{0}` is not an IP address or CIDR network")]
    Ip(String),
    /// Not a domain name.
    #[error("`{value}` is not a domain name: {reason}")]
    Domain {
        /// The value.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// Not a URL.
    #[error("`{value}` is not a URL: {reason}")]
    Url {
        /// The value.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// Not a hex digest of the expected length.
    #[error("`{value}` is not a {expected} hash")]
    Hash {
        /// The value.
        value: String,
        /// Expected algorithm(s), e.g. `SHA-256` or `MD5/SHA-1/SHA-256/SHA-512`.
        expected: &'static str,
    },
    /// No kind could be inferred.
    #[error(
        "cannot tell what `{0}` is: expected an IP address, a CIDR network, a domain, a URL or an MD5/SHA-1/SHA-256/SHA-512 hash"
    )]
    Uninferable(String),
}

/// Undoes the usual defanging of threat reports: `[.]`, `(.)`, `{.}`, `[dot]`
/// → `.`, `[:]` → `:`, and a leading `hxxp`/`hxxps` → `http`/`https`.
pub fn refang(value: &str) -> Cow<'_, str> {
    let v = value.trim();
    let needs =
        v.contains(['[', '(', '{']) || v.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("hxxp"));
    if !needs {
        return Cow::Borrowed(v);
    }
    let mut s = v
        .replace("[.]", ".")
        .replace("(.)", ".")
        .replace("{.}", ".")
        .replace("[dot]", ".")
        .replace("[:]", ":")
        .replace("[://]", "://");
    if s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("hxxp")) {
        s.replace_range(..4, "http");
    }
    Cow::Owned(s)
}

/// An IP address or CIDR network; host bits are cleared (`10.1.2.3/8` →
/// `10.0.0.0/8`), IPv4-mapped IPv6 becomes IPv4.
pub fn parse_ip_or_cidr(value: &str) -> Result<IpNet, ValueError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ValueError::Empty);
    }
    if let Ok(ip) = v.parse::<IpAddr>() {
        return Ok(IpNet::from(ip.to_canonical()));
    }
    let net: IpNet = v.parse().map_err(|_| ValueError::Ip(v.to_owned()))?;
    Ok(match net {
        IpNet::V6(n) => match n.addr().to_ipv4_mapped() {
            Some(v4) if n.prefix_len() >= 96 => IpNet::new(IpAddr::V4(v4), n.prefix_len() - 96)
                .map_err(|_| ValueError::Ip(v.to_owned()))?,
            _ => net,
        },
        IpNet::V4(_) => net,
    }
    .trunc())
}

/// Normalises a domain or host name (see the module docs). `min_labels` is 2
/// for indicators (a bare `com` would match every `.com` name) and 1 for
/// observed names and URL hosts (`localhost`).
pub fn normalize_domain(value: &str, min_labels: usize) -> Result<String, ValueError> {
    let err = |reason| ValueError::Domain {
        value: value.trim().to_owned(),
        reason,
    };
    let v = value.trim();
    let v = v.strip_suffix('.').unwrap_or(v);
    if v.is_empty() {
        return Err(ValueError::Empty);
    }
    let name = if v.is_ascii() {
        v.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(v).map_err(|_| err("not a valid internationalised name"))?
    };
    if name.len() > 253 {
        return Err(err("longer than 253 characters"));
    }
    let mut labels = 0;
    let mut last = "";
    for label in name.split('.') {
        if label.is_empty() {
            return Err(err("empty label"));
        }
        if label.len() > 63 {
            return Err(err("a label is longer than 63 characters"));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(err("a label has a character other than a-z, 0-9, - and _"));
        }
        labels += 1;
        last = label;
    }
    if labels < min_labels {
        return Err(err(
            "a single label would match every name under a top-level domain",
        ));
    }
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err("the last label is numeric (an IP address?)"));
    }
    Ok(name)
}

/// Lower-case hex digest; `expected` pins the algorithm, otherwise it follows
/// from the length.
pub fn normalize_hash(
    value: &str,
    expected: Option<HashAlgo>,
) -> Result<(HashAlgo, String), ValueError> {
    let v = value.trim();
    let err = || ValueError::Hash {
        value: v.to_owned(),
        expected: match expected {
            Some(HashAlgo::Md5) => "MD5",
            Some(HashAlgo::Sha1) => "SHA-1",
            Some(HashAlgo::Sha256) => "SHA-256",
            Some(HashAlgo::Sha512) => "SHA-512",
            None => "MD5/SHA-1/SHA-256/SHA-512",
        },
    };
    if !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(err());
    }
    let algo = HashAlgo::from_hex_len(v.len()).ok_or_else(err)?;
    if expected.is_some_and(|e| e != algo) {
        return Err(err());
    }
    Ok((algo, v.to_ascii_lowercase()))
}

/// A normalised URL: `host[:port]/path[?query]`, without scheme, user info
/// and fragment.
///
/// Matching rules, chosen so that a feed entry means what its author meant
/// and nothing broader:
///
/// 1. **Scheme is ignored.** `http://evil.example/x` and
///    `https://evil.example/x` name the same resource on the same server;
///    default ports (80 for http, 443 for https, 21 for ftp) are dropped so
///    `http://h:80/` equals `http://h/`.
/// 2. **Host is case-insensitive, path and query are not** (RFC 3986): host
///    lower-cased and IDNA-encoded, percent-escapes upper-cased (`%2f` →
///    `%2F`), nothing decoded.
/// 3. An indicator **without a query** matches its path with any query:
///    `evil.example/gate.php` matches `…/gate.php?id=7`.
/// 4. An indicator whose **path ends in `/`** matches everything under that
///    directory: `evil.example/kit/` matches `…/kit/a/b.exe`, and
///    `evil.example/` the whole site.
/// 5. Nothing else: `evil.example/gate` does not match `…/gate.php`.
///
/// [`UrlKey::candidates`] lists, for an observed URL, the few keys an
/// indicator could have to match it under these rules, so matching is a
/// handful of hash lookups.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct UrlKey(String);

impl UrlKey {
    /// Parses a URL with or without a scheme (`evil.example/x.exe` is
    /// accepted, as MISP feeds write it).
    pub fn parse(value: &str) -> Result<Self, ValueError> {
        let raw = value.trim();
        let err = |reason| ValueError::Url {
            value: raw.to_owned(),
            reason,
        };
        if raw.is_empty() {
            return Err(ValueError::Empty);
        }
        if raw
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(err("contains white space or control characters"));
        }
        let no_fragment = raw.split_once('#').map_or(raw, |(u, _)| u);
        let (scheme, rest) = match no_fragment.split_once("://") {
            Some((s, rest)) if is_scheme(s) => (Some(s.to_ascii_lowercase()), rest),
            // `://` inside the path or query of a URL written without scheme.
            Some((s, _)) if s.contains(['/', '?']) => (None, no_fragment),
            Some(_) => return Err(err("malformed scheme")),
            None => (None, no_fragment),
        };
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path_query) = rest.split_at(split);
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) =
            split_host_port(host_port).ok_or_else(|| err("malformed host or port"))?;
        let host = if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            let ip: std::net::Ipv6Addr = v6.parse().map_err(|_| err("malformed IPv6 address"))?;
            format!("[{ip}]")
        } else if let Ok(ip) = host.parse::<std::net::Ipv4Addr>() {
            ip.to_string()
        } else {
            normalize_domain(host, 1).map_err(|_| err("the host is not a domain or IP address"))?
        };
        let default_port = match scheme.as_deref() {
            Some("http") => Some(80),
            Some("https") => Some(443),
            Some("ftp") => Some(21),
            _ => None,
        };
        let mut key = host;
        if let Some(p) = port {
            let p: u16 = p.parse().map_err(|_| err("port out of range"))?;
            if Some(p) != default_port {
                key.push(':');
                key.push_str(&p.to_string());
            }
        }
        let (path, query) = match path_query.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path_query, None),
        };
        if path.is_empty() {
            key.push('/');
        } else {
            push_escapes_upper(&mut key, path);
        }
        if let Some(q) = query.filter(|q| !q.is_empty()) {
            key.push('?');
            push_escapes_upper(&mut key, q);
        }
        Ok(Self(key))
    }

    /// The normalised form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host: a name, an IPv4 address or a bracketed IPv6 address.
    pub fn host(&self) -> &str {
        let authority = self.0.split('/').next().unwrap_or_default();
        match authority.find(']') {
            Some(end) => &authority[..=end],
            None => authority.split(':').next().unwrap_or_default(),
        }
    }

    /// The keys an indicator may have to match this URL, most specific first:
    /// the URL itself, the URL without its query, then every directory prefix
    /// of the path from the longest to `host/`. No key repeats.
    pub fn candidates(&self) -> impl Iterator<Item = &str> {
        let key = self.0.as_str();
        let base_end = key.find('?').unwrap_or(key.len());
        let base = &key[..base_end];
        let path_start = key.find('/').unwrap_or(base_end);
        let dirs = base[path_start..]
            .rmatch_indices('/')
            .map(move |(i, _)| &key[..=path_start + i])
            .filter(move |d| d.len() != base.len());
        std::iter::once(key)
            .chain((base_end != key.len()).then_some(base))
            .chain(dirs)
    }
}

impl fmt::Display for UrlKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_scheme(s: &str) -> bool {
    let mut b = s.bytes();
    b.next().is_some_and(|c| c.is_ascii_alphabetic())
        && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
}

fn split_host_port(hp: &str) -> Option<(&str, Option<&str>)> {
    if hp.starts_with('[') {
        let end = hp.find(']')?;
        let (host, rest) = hp.split_at(end + 1);
        return match rest.strip_prefix(':') {
            Some(p) if is_port(p) => Some((host, Some(p))),
            None if rest.is_empty() => Some((host, None)),
            _ => None,
        };
    }
    match hp.rsplit_once(':') {
        Some((h, p)) if is_port(p) && !h.is_empty() => Some((h, Some(p))),
        Some(_) => None,
        None if hp.is_empty() => None,
        None => Some((hp, None)),
    }
}

fn is_port(p: &str) -> bool {
    !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
}

fn push_escapes_upper(out: &mut String, s: &str) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
        {
            out.push('%');
            out.push(char::from(b[i + 1].to_ascii_uppercase()));
            out.push(char::from(b[i + 2].to_ascii_uppercase()));
            i += 3;
        } else {
            let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
}

/// Infers an indicator value from a bare string, as single-column lists give
/// them: IP address, CIDR network, URL (`scheme://…`), hash (hex of 32, 40,
/// 64 or 128 digits), domain (two or more labels), in that order.
pub fn infer(value: &str) -> Result<IndicatorValue, ValueError> {
    let v = refang(value);
    let v = v.trim();
    if v.is_empty() {
        return Err(ValueError::Empty);
    }
    if let Ok(net) = parse_ip_or_cidr(v) {
        return Ok(IndicatorValue::Ip(net));
    }
    if v.contains("://") {
        return UrlKey::parse(v).map(IndicatorValue::Url);
    }
    if let Ok((algo, h)) = normalize_hash(v, None) {
        return Ok(IndicatorValue::Hash(algo, h));
    }
    if v.contains('/') {
        return UrlKey::parse(v).map(IndicatorValue::Url);
    }
    normalize_domain(v, 2)
        .map(IndicatorValue::Domain)
        .map_err(|_| ValueError::Uninferable(v.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> String {
        UrlKey::parse(s).unwrap().0
    }

    #[test]
    fn refang_undoes_report_spelling() {
        assert_eq!(
            refang(" hxxps://evil[.]example[:]8080/a "),
            "https://evil.example:8080/a"
        );
        assert_eq!(refang("198.51.100(.)7"), "198.51.100.7");
        assert_eq!(refang("plain.example"), "plain.example");
    }

    #[test]
    fn ips_are_canonical_networks() {
        assert_eq!(
            parse_ip_or_cidr("192.0.2.7").unwrap().to_string(),
            "192.0.2.7/32"
        );
        assert_eq!(
            parse_ip_or_cidr("10.1.2.3/8").unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(
            parse_ip_or_cidr("::ffff:192.0.2.9").unwrap().to_string(),
            "192.0.2.9/32"
        );
        assert_eq!(
            parse_ip_or_cidr("::ffff:192.0.2.0/120")
                .unwrap()
                .to_string(),
            "192.0.2.0/24"
        );
        assert_eq!(
            parse_ip_or_cidr("2001:DB8::1/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert!(matches!(
            parse_ip_or_cidr("300.1.1.1"),
            Err(ValueError::Ip(_))
        ));
        assert_eq!(parse_ip_or_cidr("  "), Err(ValueError::Empty));
    }

    #[test]
    fn domains_are_lowercase_ascii_without_trailing_dot() {
        assert_eq!(
            normalize_domain("WWW.Evil.Example.", 2).unwrap(),
            "www.evil.example"
        );
        assert_eq!(
            normalize_domain("bücher.example", 2).unwrap(),
            "xn--bcher-kva.example"
        );
        assert_eq!(
            normalize_domain("_dmarc.example", 2).unwrap(),
            "_dmarc.example"
        );
        assert!(normalize_domain("com", 2).is_err());
        assert_eq!(normalize_domain("localhost", 1).unwrap(), "localhost");
        assert!(normalize_domain("a..example", 2).is_err());
        assert!(normalize_domain("evil example.com", 2).is_err());
        assert!(normalize_domain("1.2.3.4", 2).is_err());
        assert!(normalize_domain(&format!("{}.example", "a".repeat(64)), 2).is_err());
    }

    #[test]
    fn hashes_are_lowercase_with_length_checked() {
        let md5 = "D41D8CD98F00B204E9800998ECF8427E";
        assert_eq!(
            normalize_hash(md5, None).unwrap(),
            (HashAlgo::Md5, md5.to_ascii_lowercase())
        );
        assert!(normalize_hash(md5, Some(HashAlgo::Sha1)).is_err());
        assert!(normalize_hash("xyz", None).is_err());
    }

    #[test]
    fn urls_normalise_scheme_host_port_and_escapes() {
        assert_eq!(
            key("HTTP://User:pw@Evil.Example:80/a%2fb?q=1#frag"),
            "evil.example/a%2Fb?q=1"
        );
        assert_eq!(key("https://evil.example:443"), "evil.example/");
        assert_eq!(key("https://evil.example:8443/x"), "evil.example:8443/x");
        assert_eq!(key("evil.example/x.exe"), "evil.example/x.exe");
        assert_eq!(key("http://[2001:DB8::1]:8080/p"), "[2001:db8::1]:8080/p");
        assert_eq!(key("http://192.0.2.1?x"), "192.0.2.1/?x");
        assert_eq!(key("http://h.example/p?"), "h.example/p");
        assert!(UrlKey::parse("http://exa mple/").is_err());
        assert!(UrlKey::parse("http://:80/").is_err());
        assert!(UrlKey::parse("http://h.example:99999/").is_err());
        assert!(UrlKey::parse("1http://h/").is_err());
        assert_eq!(UrlKey::parse("http://[::1]:81/x").unwrap().host(), "[::1]");
        assert_eq!(
            UrlKey::parse("http://h.example:81/x").unwrap().host(),
            "h.example"
        );
    }

    #[test]
    fn url_candidates_are_exact_then_without_query_then_directories() {
        let k = UrlKey::parse("http://evil.example/kit/a/b.php?id=1").unwrap();
        let c: Vec<_> = k.candidates().collect();
        assert_eq!(
            c,
            [
                "evil.example/kit/a/b.php?id=1",
                "evil.example/kit/a/b.php",
                "evil.example/kit/a/",
                "evil.example/kit/",
                "evil.example/",
            ]
        );
        let k = UrlKey::parse("http://evil.example/kit/").unwrap();
        assert_eq!(
            k.candidates().collect::<Vec<_>>(),
            ["evil.example/kit/", "evil.example/"]
        );
        let k = UrlKey::parse("http://evil.example").unwrap();
        assert_eq!(k.candidates().collect::<Vec<_>>(), ["evil.example/"]);
    }

    proptest::proptest! {
        #[test]
        fn url_keys_are_fixed_points(s in "(([a-zA-Z]{1,5}://)?[a-zA-Z0-9.:@\\[\\]-]{0,20}[/?#%a-zA-Z0-9:=&.]{0,30})") {
            if let Ok(k) = UrlKey::parse(&s) {
                proptest::prop_assert_eq!(UrlKey::parse(k.as_str()), Ok(k.clone()), "{}", s);
                proptest::prop_assert!(k.candidates().count() >= 1);
            }
        }

        #[test]
        fn domain_normalisation_is_idempotent(s in "[a-zA-Z0-9._-]{0,30}\\.?|.{0,20}") {
            if let Ok(d) = normalize_domain(&s, 1) {
                proptest::prop_assert_eq!(normalize_domain(&d, 1), Ok(d.clone()));
            }
        }

        #[test]
        fn inference_never_panics_and_agrees_with_the_typed_parsers(s in ".{0,40}") {
            match infer(&s) {
                Ok(IndicatorValue::Ip(n)) => proptest::prop_assert_eq!(parse_ip_or_cidr(&refang(&s)), Ok(n)),
                Ok(IndicatorValue::Hash(a, h)) => proptest::prop_assert_eq!(normalize_hash(&refang(&s), Some(a)), Ok((a, h))),
                Ok(IndicatorValue::Domain(d)) => proptest::prop_assert_eq!(normalize_domain(&refang(&s), 2), Ok(d)),
                Ok(IndicatorValue::Url(u)) => proptest::prop_assert_eq!(UrlKey::parse(&refang(&s)), Ok(u)),
                Ok(IndicatorValue::Hostname(_)) => proptest::prop_assert!(false, "never inferred"),
                Err(_) => {}
            }
        }
    }

    #[test]
    fn scheme_like_text_in_a_schemeless_path_is_not_a_scheme() {
        assert_eq!(
            key("evil.example/r?to=http://x"),
            "evil.example/r?to=http://x"
        );
    }

    #[test]
    fn inference_order() {
        assert!(matches!(infer("192.0.2.1"), Ok(IndicatorValue::Ip(_))));
        assert!(matches!(infer("192.0.2.0/24"), Ok(IndicatorValue::Ip(_))));
        assert!(matches!(
            infer("hxxp://evil[.]example/x"),
            Ok(IndicatorValue::Url(_))
        ));
        assert!(matches!(
            infer("evil.example/x"),
            Ok(IndicatorValue::Url(_))
        ));
        assert!(matches!(
            infer("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            Ok(IndicatorValue::Hash(HashAlgo::Sha256, _))
        ));
        assert!(
            matches!(infer("Evil.Example"), Ok(IndicatorValue::Domain(d)) if d == "evil.example")
        );
        assert!(matches!(
            infer("not a value"),
            Err(ValueError::Uninferable(_))
        ));
        assert!(matches!(infer("deadbeef"), Err(ValueError::Uninferable(_))));
    }
}
