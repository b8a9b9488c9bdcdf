//! Observables: the IP addresses, domains, URLs and file hashes of one event,
//! normalised the way indicators are, each with the field it came from.
//!
//! Fields are recognised by name — the Sigma-style names `kexin-logs` emits
//! (`SourceIp`, `DestinationIp`, …), ECS (`source.ip`, `url.full`,
//! `dns.question.name`, `file.hash.sha256`), Zeek (`id.orig_h`, `query`,
//! `server_name`), Suricata (`rrname`, `tls.sni`, `http.hostname`), Sysmon
//! (`QueryName`, `DestinationHostname`, `Hashes`), CloudTrail
//! (`sourceIPAddress`), AWS VPC flow logs (`srcaddr`) — and every value is
//! validated, so a field that happens to have the right name but the wrong
//! content contributes nothing. Names that describe the machine that
//! *reported* the event (`host`, `hostname`, `host.*`, `observer.*`,
//! `agent.*`, `Computer`) are not observables: an indicator list should not
//! flag our own hosts by name.
//!
//! A URL also contributes its host (as a domain or an IP), so a domain
//! indicator finds the URLs on that domain.

use std::borrow::Cow;
use std::net::IpAddr;

use kexin_logs::Event;
use serde_json::Value;

use crate::indicator::HashAlgo;
use crate::value::{self, UrlKey};

/// A value and the field it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed<T> {
    /// The normalised value.
    pub value: T,
    /// The field name (dotted for nested JSON).
    pub field: Cow<'static, str>,
}

/// The observables of one event. Each list holds a value once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observables {
    /// IP addresses (IPv4-mapped IPv6 as IPv4).
    pub ips: Vec<Observed<IpAddr>>,
    /// Domain and host names, normalised.
    pub domains: Vec<Observed<String>>,
    /// URLs.
    pub urls: Vec<Observed<UrlKey>>,
    /// File hashes, lower-case hex.
    pub hashes: Vec<Observed<(HashAlgo, String)>>,
}

/// Field names (lower-cased last dotted segment) that hold IP addresses, or
/// for the source/destination ones, a host name when the logger resolved it.
const IP_NAMES: &[&str] = &[
    "ip",
    "ips",
    "ipaddress",
    "ip_address",
    "src_ip",
    "dst_ip",
    "srcip",
    "dstip",
    "srcaddr",
    "dstaddr",
    "src_addr",
    "dst_addr",
    "sourceip",
    "destinationip",
    "sourceipaddress",
    "sourceaddress",
    "destaddress",
    "destinationaddress",
    "client_ip",
    "clientip",
    "server_ip",
    "remote_addr",
    "remote_ip",
    "remoteip",
    "c-ip",
    "s-ip",
    "src",
    "dst",
    "orig_h",
    "resp_h",
];

/// Field names (lower-cased last segment) that hold domain or host names.
const DOMAIN_NAMES: &[&str] = &[
    "domain",
    "hostname",
    "host_name",
    "fqdn",
    "query",
    "queryname",
    "dns_query",
    "rrname",
    "server_name",
    "servername",
    "sni",
    "destinationhostname",
    "sourcehostname",
    "domain_name",
    "registered_domain",
];

/// Field names (lower-cased full key) that hold a DNS name although their
/// last segment is generic.
const DOMAIN_KEYS: &[&str] = &["dns.question.name", "dns.answers.name"];

/// Field names (lower-cased last segment) that hold URLs; only values with a
/// scheme are taken (`uri` is often a bare path).
const URL_NAMES: &[&str] = &[
    "url",
    "uri",
    "full",
    "original",
    "request_url",
    "requesturl",
    "referrer",
    "referer",
    "http_referer",
    "location",
];

/// Field names (lower-cased last segment) that hold file hashes; the value
/// may list several (`SHA1=…,MD5=…` as Sysmon writes them).
const HASH_NAMES: &[&str] = &[
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "sha-1",
    "sha-256",
    "sha-512",
    "hash",
    "hashes",
    "imphash_sha256",
];

/// First segments of keys about the reporting machine.
const SELF_PREFIXES: &[&str] = &["host", "observer", "agent"];

impl Observables {
    /// No observables.
    pub fn new() -> Self {
        Self::default()
    }

    /// Total number of observables.
    pub fn len(&self) -> usize {
        self.ips.len() + self.domains.len() + self.urls.len() + self.hashes.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds an IP address.
    pub fn push_ip(&mut self, ip: IpAddr, field: impl Into<Cow<'static, str>>) {
        let ip = ip.to_canonical();
        if !self.ips.iter().any(|o| o.value == ip) {
            self.ips.push(Observed {
                value: ip,
                field: field.into(),
            });
        }
    }

    /// Adds a domain or host name; false if it is not one.
    pub fn push_domain(&mut self, name: &str, field: impl Into<Cow<'static, str>>) -> bool {
        let Ok(name) = value::normalize_domain(name, 1) else {
            return false;
        };
        if !self.domains.iter().any(|o| o.value == name) {
            self.domains.push(Observed {
                value: name,
                field: field.into(),
            });
        }
        true
    }

    /// Adds a URL (it must have a scheme) and its host; false if it is not
    /// one.
    pub fn push_url(&mut self, url: &str, field: impl Into<Cow<'static, str>>) -> bool {
        let url = url.trim();
        if !url.contains("://") {
            return false;
        }
        let Ok(key) = UrlKey::parse(url) else {
            return false;
        };
        let field = field.into();
        let host = key.host();
        match host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
            .parse::<IpAddr>()
        {
            Ok(ip) => self.push_ip(ip, field.clone()),
            Err(_) => {
                self.push_domain(host, field.clone());
            }
        }
        if !self.urls.iter().any(|o| o.value == key) {
            self.urls.push(Observed { value: key, field });
        }
        true
    }

    /// Adds every hex digest of a known length found in `text` (a bare hash
    /// or a list such as `SHA1=…,MD5=…`); returns how many were found.
    pub fn push_hashes(&mut self, text: &str, field: impl Into<Cow<'static, str>>) -> usize {
        let field = field.into();
        let mut found = 0;
        for token in text.split([',', ';', ' ', '=', ':', '|']) {
            if let Ok(h) = value::normalize_hash(token, None) {
                found += 1;
                if !self.hashes.iter().any(|o| o.value == h) {
                    self.hashes.push(Observed {
                        value: h,
                        field: field.clone(),
                    });
                }
            }
        }
        found
    }

    /// Adds what a field holds, judged by its name (see the module docs).
    pub fn push_field(&mut self, key: &str, value: &str) {
        let value = value.trim();
        if value.is_empty() || value == "-" {
            return;
        }
        if value.starts_with('[')
            && let Ok(Value::Array(items)) = serde_json::from_str::<Value>(value)
        {
            for item in items {
                if let Some(s) = item.as_str() {
                    self.push_field(key, s);
                }
            }
            return;
        }
        let first = key.split('.').next().unwrap_or(key);
        if key == "hostname" || key == "Computer" || SELF_PREFIXES.contains(&first) {
            return;
        }
        let last = key.rsplit('.').next().unwrap_or(key).to_ascii_lowercase();
        let last = last.as_str();
        if IP_NAMES.contains(&last) {
            match value.parse::<IpAddr>() {
                Ok(ip) => self.push_ip(ip, owned(key)),
                Err(_) if value.contains('.') => {
                    self.push_domain(value, owned(key));
                }
                Err(_) => {}
            }
        } else if DOMAIN_NAMES.contains(&last)
            || DOMAIN_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
        {
            match value.parse::<IpAddr>() {
                Ok(ip) => self.push_ip(ip, owned(key)),
                Err(_) => {
                    self.push_domain(value, owned(key));
                }
            }
        } else if URL_NAMES.contains(&last) || last.ends_with("url") {
            self.push_url(value, owned(key));
        } else if HASH_NAMES.contains(&last) {
            self.push_hashes(value, owned(key));
        }
    }

    /// The observables of a normalised event: its flat field map and the OCSF
    /// source and destination endpoints (except the reporting host).
    pub fn from_event(event: &Event) -> Self {
        let mut obs = Self::new();
        for (key, value) in &event.fields {
            obs.push_field(key, value);
        }
        if let Some(ocsf) = &event.ocsf {
            for (endpoint, ip_key, host_key) in [
                (
                    &ocsf.src_endpoint,
                    "src_endpoint.ip",
                    "src_endpoint.hostname",
                ),
                (
                    &ocsf.dst_endpoint,
                    "dst_endpoint.ip",
                    "dst_endpoint.hostname",
                ),
            ] {
                let Some(e) = endpoint else { continue };
                if let Some(ip) = &e.ip {
                    match ip.parse::<IpAddr>() {
                        Ok(ip) => obs.push_ip(ip, ip_key),
                        Err(_) => {
                            obs.push_domain(ip, ip_key);
                        }
                    }
                }
                // kexin-logs names the reporting host as the destination of
                // logins; that is us, not a counterpart.
                if let Some(h) = e
                    .hostname
                    .as_ref()
                    .filter(|h| Some(*h) != event.host.as_ref())
                {
                    obs.push_domain(h, host_key);
                }
            }
        }
        obs
    }

    /// The observables of any JSON document, walked with dotted keys (arrays
    /// keep their parent's key).
    pub fn from_json(doc: &Value) -> Self {
        let mut obs = Self::new();
        let mut key = String::new();
        obs.walk(doc, &mut key, 0);
        obs
    }

    fn walk(&mut self, v: &Value, key: &mut String, depth: usize) {
        if depth > 64 {
            return;
        }
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let len = key.len();
                    if !key.is_empty() {
                        key.push('.');
                    }
                    key.push_str(k);
                    self.walk(child, key, depth + 1);
                    key.truncate(len);
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.walk(item, key, depth + 1);
                }
            }
            Value::String(s) => self.push_field(key, s),
            _ => {}
        }
    }
}

fn owned(key: &str) -> Cow<'static, str> {
    Cow::Owned(key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kexin_logs::Normalizer;
    use time::macros::datetime;

    fn summary(o: &Observables) -> Vec<String> {
        let mut v: Vec<String> = o
            .ips
            .iter()
            .map(|x| format!("ip {} <- {}", x.value, x.field))
            .chain(
                o.domains
                    .iter()
                    .map(|x| format!("domain {} <- {}", x.value, x.field)),
            )
            .chain(
                o.urls
                    .iter()
                    .map(|x| format!("url {} <- {}", x.value, x.field)),
            )
            .chain(
                o.hashes
                    .iter()
                    .map(|x| format!("{} {} <- {}", x.value.0.as_str(), x.value.1, x.field)),
            )
            .collect();
        v.sort();
        v
    }

    #[test]
    fn from_an_sshd_event() {
        let n = Normalizer::new(datetime!(2024-03-10 12:00:00 UTC));
        let ev = n
            .syslog(b"Mar  9 06:25:01 bastion sshd[1234]: Failed password for invalid user oracle from 198.51.100.23 port 41870 ssh2")
            .unwrap();
        assert_eq!(
            summary(&Observables::from_event(&ev)),
            ["ip 198.51.100.23 <- SourceIp"]
        );
    }

    #[test]
    fn from_a_resolved_sshd_host_name() {
        let n = Normalizer::new(datetime!(2024-03-10 12:00:00 UTC));
        let ev = n
            .syslog(b"Mar  9 06:25:01 bastion sshd[1234]: Failed password for root from scanner.evil.example port 41870 ssh2")
            .unwrap();
        assert_eq!(
            summary(&Observables::from_event(&ev)),
            ["domain scanner.evil.example <- SourceIp"]
        );
    }

    #[test]
    fn from_json_with_well_known_keys() {
        let doc: Value = serde_json::json!({
            "host": {"name": "web01.corp.example", "ip": ["10.0.0.5"]},
            "source": {"ip": "::ffff:203.0.113.9", "port": 5555},
            "destination": {"ip": "198.51.100.7", "domain": "Cdn.Evil.Example."},
            "dns": {"question": {"name": "c2.evil.example"}},
            "url": {"full": "https://Evil.Example:443/kit/a.php?x=1", "path": "/kit/a.php"},
            "file": {"hash": {"sha256": "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}},
            "Hashes": "SHA1=da39a3ee5e6b4b0d3255bfef95601890afd80709,MD5=d41d8cd98f00b204e9800998ecf8427e,IMPHASH=0",
            "user": {"name": "alice.example"},
            "message": "connection to 192.0.2.1 refused",
            "related": {"ip": ["192.0.2.44", "not-an-ip"]}
        });
        assert_eq!(
            summary(&Observables::from_json(&doc)),
            [
                "domain c2.evil.example <- dns.question.name",
                "domain cdn.evil.example <- destination.domain",
                "domain evil.example <- url.full",
                "ip 192.0.2.44 <- related.ip",
                "ip 198.51.100.7 <- destination.ip",
                "ip 203.0.113.9 <- source.ip",
                "md5 d41d8cd98f00b204e9800998ecf8427e <- Hashes",
                "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709 <- Hashes",
                "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 <- file.hash.sha256",
                "url evil.example/kit/a.php?x=1 <- url.full",
            ]
        );
    }

    #[test]
    fn values_are_kept_once() {
        let mut o = Observables::new();
        o.push_field("src_ip", "192.0.2.1");
        o.push_field("SourceIp", "192.0.2.1");
        o.push_field("query", "A.example");
        o.push_field("rrname", "a.example.");
        assert_eq!(o.len(), 2);
        assert!(!o.push_url("/just/a/path", "uri"));
        assert!(!o.push_domain("not a name", "domain"));
    }
}
