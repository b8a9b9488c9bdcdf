//! [`IntelSet`]: indicators from any number of sources, indexed per kind so
//! that matching one observable costs a bounded number of lookups whatever
//! the number of indicators.
//!
//! | kind | structure | cost per observable |
//! |---|---|---|
//! | IP addresses | hash map of addresses | one lookup |
//! | IP networks | `prefix_trie::JointPrefixMap` (multi-bit trie, IPv4 and IPv6) | a longest-prefix walk down ≤ 7 (v4) / 26 (v6) nodes; only when it finds something, a second walk collecting every covering network |
//! | domains, host names | hash map of names; an observed name is looked up with each of its label suffixes (`a.b.evil.com`, `b.evil.com`, `evil.com`, `com`) | one lookup per label |
//! | URLs | hash map of [`UrlKey`]s; an observed URL is looked up by its [`UrlKey::candidates`] | one lookup per path segment + 2 |
//! | hashes | one hash map per algorithm | one lookup |
//!
//! Walking label suffixes in a hash map is the reversed-label suffix set
//! without building the tree: `evil.com` matches `a.b.evil.com` (a suffix
//! at a label boundary) and never `notevil.com` (not at a boundary).

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;
use prefix_trie::joint::map::JointPrefixMap;
use serde::Serialize;
use time::OffsetDateTime;

use crate::indicator::{HashAlgo, Indicator, IndicatorValue};
use crate::observables::Observables;
use crate::report::Loaded;
use crate::value::UrlKey;

type Ids = Vec<u32>;

/// Indicators indexed for matching.
#[derive(Debug, Default)]
pub struct IntelSet {
    indicators: Vec<Indicator>,
    /// Single addresses (/32, /128): most feeds are mostly these, and a hash
    /// lookup is cheaper than a trie walk.
    hosts: HashMap<IpAddr, Ids>,
    networks: JointPrefixMap<IpNet, Ids>,
    /// name → (indicator, matches subdomains too)
    domains: HashMap<String, Vec<(u32, bool)>>,
    urls: HashMap<String, Ids>,
    hashes: [HashMap<String, Ids>; 4],
}

/// One indicator matched by one observable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntelHit<'a> {
    /// The indicator (id, kind, value, source, confidence, labels, …).
    pub indicator: &'a Indicator,
    /// The observed value that matched, normalised.
    pub observed: String,
    /// The field it was observed in.
    pub field: String,
}

impl IntelSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A set of these indicators.
    pub fn from_indicators(indicators: impl IntoIterator<Item = Indicator>) -> Self {
        let mut set = Self::new();
        set.extend(indicators);
        set
    }

    /// Adds the indicators of a load.
    pub fn add(&mut self, loaded: Loaded) {
        self.extend(loaded.indicators);
    }

    /// Adds one indicator.
    ///
    /// # Panics
    ///
    /// Past `u32::MAX` indicators.
    pub fn insert(&mut self, indicator: Indicator) {
        let id = u32::try_from(self.indicators.len()).expect("fewer than 2^32 indicators");
        match &indicator.value {
            IndicatorValue::Ip(net) if net.prefix_len() == net.max_prefix_len() => {
                self.hosts.entry(net.addr()).or_default().push(id);
            }
            IndicatorValue::Ip(net) => match self.networks.get_mut(net) {
                Some(ids) => ids.push(id),
                None => {
                    self.networks.insert(*net, vec![id]);
                }
            },
            IndicatorValue::Domain(d) => {
                self.domains.entry(d.clone()).or_default().push((id, true))
            }
            IndicatorValue::Hostname(h) => {
                self.domains.entry(h.clone()).or_default().push((id, false))
            }
            IndicatorValue::Url(u) => self.urls.entry(u.as_str().to_owned()).or_default().push(id),
            IndicatorValue::Hash(algo, h) => self.hashes[algo.index()]
                .entry(h.clone())
                .or_default()
                .push(id),
        }
        self.indicators.push(indicator);
    }

    /// Number of indicators.
    pub fn len(&self) -> usize {
        self.indicators.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.indicators.is_empty()
    }

    /// All indicators, in insertion order.
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    fn resolve<'a>(
        &'a self,
        ids: &'a [u32],
        at: OffsetDateTime,
    ) -> impl Iterator<Item = &'a Indicator> + 'a {
        ids.iter()
            .map(|&i| &self.indicators[i as usize])
            .filter(move |ind| ind.is_active(at))
    }

    /// Every active indicator whose address or network contains `ip`, from
    /// the widest network to the exact address.
    pub fn match_ip(
        &self,
        ip: IpAddr,
        at: OffsetDateTime,
    ) -> impl Iterator<Item = &Indicator> + '_ {
        let ip = ip.to_canonical();
        let host = IpNet::from(ip);
        // The cover iterator allocates; most addresses are in no network, and
        // the longest-prefix walk tells that without allocating.
        let networks = self
            .networks
            .get_lpm(&host)
            .is_some()
            .then(|| self.networks.cover(&host))
            .into_iter()
            .flatten()
            .map(|(_, ids)| ids);
        networks
            .chain(self.hosts.get(&ip))
            .flat_map(move |ids| self.resolve(ids, at))
    }

    /// The active indicator with the most specific network containing `ip`
    /// (the longest prefix match among active indicators).
    pub fn longest_ip_match(&self, ip: IpAddr, at: OffsetDateTime) -> Option<&Indicator> {
        self.match_ip(ip, at).last()
    }

    /// Every active indicator for the name `name` (already normalised, as in
    /// [`Observables`]): domains equal to it or above it, host names equal to
    /// it.
    pub fn match_domain<'s: 'n, 'n>(
        &'s self,
        name: &'n str,
        at: OffsetDateTime,
    ) -> impl Iterator<Item = &'s Indicator> + 'n {
        let suffixes = std::iter::once((name, true)).chain(
            name.match_indices('.')
                .map(|(i, _)| (&name[i + 1..], false)),
        );
        suffixes
            .filter_map(|(suffix, whole)| Some((self.domains.get(suffix)?, whole)))
            .flat_map(move |(entries, whole)| {
                entries
                    .iter()
                    .filter(move |(_, subdomains)| whole || *subdomains)
                    .map(|&(i, _)| &self.indicators[i as usize])
                    .filter(move |ind| ind.is_active(at))
            })
    }

    /// Every active indicator for the URL (see [`UrlKey`] for the rules).
    pub fn match_url<'s: 'u, 'u>(
        &'s self,
        url: &'u UrlKey,
        at: OffsetDateTime,
    ) -> impl Iterator<Item = &'s Indicator> + 'u {
        url.candidates()
            .filter_map(|c| self.urls.get(c))
            .flat_map(move |ids| self.resolve(ids, at))
    }

    /// Every active indicator for the hash (lower-case hex).
    pub fn match_hash(
        &self,
        algo: HashAlgo,
        hex: &str,
        at: OffsetDateTime,
    ) -> impl Iterator<Item = &Indicator> + use<'_> {
        self.hashes[algo.index()]
            .get(hex)
            .into_iter()
            .flat_map(move |ids| self.resolve(ids, at))
    }

    /// Matches every observable; `at` is the evaluation time (the event's
    /// time, or now) that validity windows are checked against.
    pub fn match_observables(&self, obs: &Observables, at: OffsetDateTime) -> Vec<IntelHit<'_>> {
        let mut hits = Vec::new();
        let mut hit = |indicator, observed: &dyn ToString, field: &str| {
            hits.push(IntelHit {
                indicator,
                observed: observed.to_string(),
                field: field.to_owned(),
            });
        };
        for o in &obs.ips {
            for ind in self.match_ip(o.value, at) {
                hit(ind, &o.value, &o.field);
            }
        }
        for o in &obs.domains {
            for ind in self.match_domain(&o.value, at) {
                hit(ind, &o.value, &o.field);
            }
        }
        for o in &obs.urls {
            for ind in self.match_url(&o.value, at) {
                hit(ind, &o.value, &o.field);
            }
        }
        for o in &obs.hashes {
            for ind in self.match_hash(o.value.0, &o.value.1, at) {
                hit(ind, &o.value.1, &o.field);
            }
        }
        hits
    }
}

impl Extend<Indicator> for IntelSet {
    fn extend<I: IntoIterator<Item = Indicator>>(&mut self, iter: I) {
        for ind in iter {
            self.insert(ind);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{normalize_domain, parse_ip_or_cidr};
    use proptest::prelude::*;
    use time::macros::datetime;

    const AT: OffsetDateTime = datetime!(2024-05-01 0:00 UTC);

    fn ip_ind(net: &str) -> Indicator {
        Indicator::new(net, IndicatorValue::Ip(parse_ip_or_cidr(net).unwrap()), "t")
    }

    fn ids<'a>(it: impl Iterator<Item = &'a Indicator>) -> Vec<&'a str> {
        it.map(|i| i.id.as_str()).collect()
    }

    #[test]
    fn ip_matching_finds_every_covering_network() {
        let set = IntelSet::from_indicators(
            [
                "10.0.0.0/8",
                "10.1.0.0/16",
                "10.1.2.3",
                "10.2.0.0/16",
                "2001:db8::/32",
                "0.0.0.0/0",
            ]
            .map(ip_ind),
        );
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            ids(set.match_ip(ip("10.1.2.3"), AT)),
            ["0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.3"]
        );
        assert_eq!(
            set.longest_ip_match(ip("10.1.9.9"), AT).unwrap().id,
            "10.1.0.0/16"
        );
        assert_eq!(
            ids(set.match_ip(ip("::ffff:10.2.0.1"), AT)),
            ["0.0.0.0/0", "10.0.0.0/8", "10.2.0.0/16"]
        );
        assert_eq!(
            ids(set.match_ip(ip("2001:db8:1::1"), AT)),
            ["2001:db8::/32"]
        );
        assert!(set.match_ip(ip("2001:db9::1"), AT).next().is_none());
    }

    #[test]
    fn domains_match_at_label_boundaries_hostnames_exactly() {
        let set = IntelSet::from_indicators([
            Indicator::new("d", IndicatorValue::Domain("evil.com".into()), "t"),
            Indicator::new("h", IndicatorValue::Hostname("c2.good.com".into()), "t"),
        ]);
        assert_eq!(ids(set.match_domain("a.b.evil.com", AT)), ["d"]);
        assert_eq!(ids(set.match_domain("evil.com", AT)), ["d"]);
        assert!(set.match_domain("notevil.com", AT).next().is_none());
        assert!(set.match_domain("evil.com.au", AT).next().is_none());
        assert_eq!(ids(set.match_domain("c2.good.com", AT)), ["h"]);
        assert!(set.match_domain("x.c2.good.com", AT).next().is_none());
    }

    #[test]
    fn urls_follow_the_documented_rules() {
        let url = |s: &str| UrlKey::parse(s).unwrap();
        let set = IntelSet::from_indicators([
            Indicator::new(
                "exact",
                IndicatorValue::Url(url("http://e.example/gate.php?id=7")),
                "t",
            ),
            Indicator::new(
                "path",
                IndicatorValue::Url(url("http://e.example/drop.exe")),
                "t",
            ),
            Indicator::new(
                "dir",
                IndicatorValue::Url(url("http://e.example/kit/")),
                "t",
            ),
        ]);
        assert_eq!(
            ids(set.match_url(&url("https://E.example/gate.php?id=7"), AT)),
            ["exact"]
        );
        assert!(
            set.match_url(&url("http://e.example/gate.php?id=8"), AT)
                .next()
                .is_none()
        );
        assert_eq!(
            ids(set.match_url(&url("http://e.example/drop.exe?x=1"), AT)),
            ["path"]
        );
        assert!(
            set.match_url(&url("http://e.example/drop.exe2"), AT)
                .next()
                .is_none()
        );
        assert_eq!(
            ids(set.match_url(&url("http://e.example/kit/a/b.bin"), AT)),
            ["dir"]
        );
        assert!(
            set.match_url(&url("http://e.example/kitten"), AT)
                .next()
                .is_none()
        );
        assert!(
            set.match_url(&url("http://other.example/kit/"), AT)
                .next()
                .is_none()
        );
    }

    #[test]
    fn inactive_indicators_do_not_match() {
        let mut expired = ip_ind("192.0.2.1");
        expired.valid_until = Some(datetime!(2024-01-01 0:00 UTC));
        let mut revoked = ip_ind("192.0.2.0/24");
        revoked.revoked = true;
        let mut future = ip_ind("192.0.0.0/16");
        future.valid_from = Some(datetime!(2025-01-01 0:00 UTC));
        let set = IntelSet::from_indicators([expired, revoked, future]);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(set.match_ip(ip, AT).next().is_none());
        assert_eq!(
            ids(set.match_ip(ip, datetime!(2023-06-01 0:00 UTC))),
            ["192.0.2.1"]
        );
        assert_eq!(
            ids(set.match_ip(ip, datetime!(2025-06-01 0:00 UTC))),
            ["192.0.0.0/16"]
        );
    }

    #[test]
    fn observables_produce_hits_with_field_and_indicator() {
        let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let mut both = Indicator::new(
            "dup",
            IndicatorValue::Domain("evil.example".into()),
            "feed B",
        );
        both.confidence = Some(40);
        let set = IntelSet::from_indicators([
            Indicator::new(
                "hash",
                IndicatorValue::Hash(HashAlgo::Sha256, sha.into()),
                "feed A",
            ),
            Indicator::new(
                "dom",
                IndicatorValue::Domain("evil.example".into()),
                "feed A",
            ),
            both,
        ]);
        let mut obs = Observables::new();
        obs.push_field("url", "http://www.evil.example/x");
        obs.push_field("sha256", &sha.to_uppercase());
        let hits = set.match_observables(&obs, AT);
        let got: Vec<_> = hits
            .iter()
            .map(|h| {
                (
                    h.indicator.id.as_str(),
                    h.observed.as_str(),
                    h.field.as_str(),
                    h.indicator.source.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("dom", "www.evil.example", "url", "feed A"),
                ("dup", "www.evil.example", "url", "feed B"),
                ("hash", sha, "sha256", "feed A"),
            ]
        );
    }

    fn net_strategy() -> impl Strategy<Value = IpNet> {
        prop_oneof![
            // Few distinct high bits so networks nest and collide.
            (0u32..4, any::<u32>(), 0u8..=32).prop_map(|(hi, lo, len)| {
                IpNet::new(IpAddr::from(((hi << 30) | (lo >> 2)).to_be_bytes()), len)
                    .unwrap()
                    .trunc()
            }),
            (0u128..4, any::<u128>(), 0u8..=128).prop_map(|(hi, lo, len)| {
                IpNet::new(IpAddr::from(((hi << 126) | (lo >> 2)).to_be_bytes()), len)
                    .unwrap()
                    .trunc()
            }),
        ]
    }

    fn addr_strategy() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            (0u32..4, any::<u32>())
                .prop_map(|(hi, lo)| IpAddr::from(((hi << 30) | (lo >> 2)).to_be_bytes())),
            (0u128..4, any::<u128>())
                .prop_map(|(hi, lo)| IpAddr::from(((hi << 126) | (lo >> 2)).to_be_bytes())),
        ]
    }

    fn name_strategy() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![Just("a"), Just("b"), Just("ab"), Just("evil"), Just("com")],
            1..5,
        )
        .prop_map(|labels| labels.join("."))
    }

    proptest! {
        #[test]
        fn trie_equals_a_linear_scan(nets in proptest::collection::vec(net_strategy(), 0..40),
                                     addrs in proptest::collection::vec(addr_strategy(), 1..20)) {
            let set = IntelSet::from_indicators(nets.iter().map(|n| Indicator::new(n.to_string(), IndicatorValue::Ip(*n), "p")));
            for a in addrs {
                let mut got: Vec<usize> = set.match_ip(a, AT).map(|i| set.indicators().iter().position(|x| std::ptr::eq(x, i)).unwrap()).collect();
                got.sort_unstable();
                let want: Vec<usize> = nets.iter().enumerate().filter(|(_, n)| n.contains(&a)).map(|(i, _)| i).collect();
                prop_assert_eq!(got, want, "address {}", a);
                let longest = nets.iter().filter(|n| n.contains(&a)).map(IpNet::prefix_len).max();
                prop_assert_eq!(set.longest_ip_match(a, AT).map(|i| match i.value { IndicatorValue::Ip(n) => n.prefix_len(), _ => unreachable!() }), longest);
            }
        }

        #[test]
        fn domain_suffix_matching_equals_the_reference(domains in proptest::collection::vec((name_strategy(), any::<bool>()), 0..20),
                                                       observed in proptest::collection::vec(name_strategy(), 1..20)) {
            let inds: Vec<Indicator> = domains.iter().enumerate().map(|(i, (d, sub))| {
                let v = if *sub { IndicatorValue::Domain(d.clone()) } else { IndicatorValue::Hostname(d.clone()) };
                Indicator::new(i.to_string(), v, "p")
            }).collect();
            let set = IntelSet::from_indicators(inds);
            for o in observed {
                let o = normalize_domain(&o, 1).unwrap();
                let mut got: Vec<usize> = set.match_domain(&o, AT).map(|i| i.id.parse().unwrap()).collect();
                got.sort_unstable();
                let want: Vec<usize> = domains.iter().enumerate()
                    .filter(|(_, (d, sub))| o == *d || (*sub && o.ends_with(&format!(".{d}"))))
                    .map(|(i, _)| i).collect();
                prop_assert_eq!(got, want, "observed {}", o);
            }
        }

        #[test]
        fn url_matching_equals_the_reference(paths in proptest::collection::vec("(/[ab]{0,2}){1,3}(\\?q=[12])?", 0..15),
                                             observed in proptest::collection::vec("(/[ab]{0,2}){1,3}(\\?q=[12])?", 1..15)) {
            let keys: Vec<UrlKey> = paths.iter().map(|p| UrlKey::parse(&format!("http://h.example{p}")).unwrap()).collect();
            let set = IntelSet::from_indicators(keys.iter().enumerate().map(|(i, k)| Indicator::new(i.to_string(), IndicatorValue::Url(k.clone()), "p")));
            for o in observed {
                let o = UrlKey::parse(&format!("http://h.example{o}")).unwrap();
                let mut got: Vec<usize> = set.match_url(&o, AT).map(|i| i.id.parse().unwrap()).collect();
                got.sort_unstable();
                let obs = o.as_str();
                let obs_base = obs.split('?').next().unwrap();
                let want: Vec<usize> = keys.iter().enumerate().filter(|(_, k)| {
                    let k = k.as_str();
                    k == obs || (!k.contains('?') && (k == obs_base || (k.ends_with('/') && obs_base.starts_with(k))))
                }).map(|(i, _)| i).collect();
                prop_assert_eq!(got, want, "observed {}", obs);
            }
        }
    }
}
