//! Matching observables against 100,000 indicators, with anchors measured in
//! the same run:
//!
//! * `ip/trie` — 1,000,000 IPv4 addresses through [`IntelSet::match_ip`]
//!   against 70,000 networks and addresses (60,000 /32, 10,000 /24); anchors:
//!   `ip/hashset_exact` (a `HashSet<Ipv4Addr>` lookup of the same addresses —
//!   the cheapest possible lookup, blind to networks) and
//!   `ip/linear_scan_1k` (a scan over all 70,000 networks for the first
//!   1,000 addresses, the naive way to honour CIDRs).
//! * `domain/suffix` — 1,000,000 names through [`IntelSet::match_domain`];
//!   anchor `domain/hashset_exact` (exact-name lookup, no subdomains).
//! * `observables/mixed` — 200,000 events × 5 observables (2 IPs, a domain,
//!   a URL, a hash) through [`IntelSet::match_observables`].
//!
//! About 10 % of the observed values come from the indicators so that hits
//! are exercised; the rest are random.

use std::collections::HashSet;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ipnet::{IpNet, Ipv4Net};
use kexin_intel::{HashAlgo, Indicator, IndicatorValue, IntelSet, Observables, UrlKey};
use time::macros::datetime;

/// SplitMix64: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn word(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b'a' + (self.next() % 26) as u8))
            .collect()
    }
}

struct Corpus {
    set: IntelSet,
    nets: Vec<Ipv4Net>,
    exact_ips: HashSet<Ipv4Addr>,
    exact_domains: HashSet<String>,
    domains: Vec<String>,
    urls: Vec<String>,
    hashes: Vec<String>,
}

fn corpus(rng: &mut Rng) -> Corpus {
    let mut indicators = Vec::with_capacity(100_000);
    let mut nets = Vec::with_capacity(70_000);
    for i in 0..70_000 {
        let len = if i < 60_000 { 32 } else { 24 };
        let net = Ipv4Net::new(Ipv4Addr::from(rng.next() as u32), len)
            .unwrap()
            .trunc();
        nets.push(net);
        indicators.push(Indicator::new(
            format!("ip-{i}"),
            IndicatorValue::Ip(IpNet::V4(net)),
            "bench",
        ));
    }
    let domains: Vec<String> = (0..15_000)
        .map(|_| {
            format!(
                "{}.{}",
                rng.word(10),
                ["com", "net", "example"][rng.below(3)]
            )
        })
        .collect();
    for (i, d) in domains.iter().enumerate() {
        indicators.push(Indicator::new(
            format!("dom-{i}"),
            IndicatorValue::Domain(d.clone()),
            "bench",
        ));
    }
    let urls: Vec<String> = (0..5_000)
        .map(|i| format!("http://{}/{}/{}.php", domains[i], rng.word(6), rng.word(5)))
        .collect();
    for (i, u) in urls.iter().enumerate() {
        indicators.push(Indicator::new(
            format!("url-{i}"),
            IndicatorValue::Url(UrlKey::parse(u).unwrap()),
            "bench",
        ));
    }
    let hashes: Vec<String> = (0..10_000)
        .map(|_| {
            format!(
                "{:016x}{:016x}{:016x}{:016x}",
                rng.next(),
                rng.next(),
                rng.next(),
                rng.next()
            )
        })
        .collect();
    for (i, h) in hashes.iter().enumerate() {
        indicators.push(Indicator::new(
            format!("sha-{i}"),
            IndicatorValue::Hash(HashAlgo::Sha256, h.clone()),
            "bench",
        ));
    }
    assert_eq!(indicators.len(), 100_000);
    Corpus {
        set: IntelSet::from_indicators(indicators),
        exact_ips: nets.iter().map(Ipv4Net::addr).collect(),
        exact_domains: domains.iter().cloned().collect(),
        nets,
        domains,
        urls,
        hashes,
    }
}

fn observed_ip(rng: &mut Rng, c: &Corpus) -> Ipv4Addr {
    if rng.below(10) == 0 {
        let net = c.nets[rng.below(c.nets.len())];
        Ipv4Addr::from(u32::from(net.network()) | (rng.next() as u32 & !u32::from(net.netmask())))
    } else {
        Ipv4Addr::from(rng.next() as u32)
    }
}

fn observed_domain(rng: &mut Rng, c: &Corpus) -> String {
    if rng.below(10) == 0 {
        format!("{}.{}", rng.word(3), c.domains[rng.below(c.domains.len())])
    } else {
        format!("{}.{}.com", rng.word(3), rng.word(10))
    }
}

fn bench(cr: &mut Criterion) {
    let at = datetime!(2024-06-01 0:00 UTC);
    let mut rng = Rng(0x6b65_7869_6e00_0001);
    let c = corpus(&mut rng);
    let ips: Vec<Ipv4Addr> = (0..1_000_000).map(|_| observed_ip(&mut rng, &c)).collect();

    let mut g = cr.benchmark_group("ip");
    g.sample_size(10);
    g.throughput(Throughput::Elements(ips.len() as u64));
    g.bench_function("trie", |b| {
        b.iter(|| {
            ips.iter()
                .map(|ip| c.set.match_ip(IpAddr::V4(*ip), at).count())
                .sum::<usize>()
        })
    });
    g.bench_function("hashset_exact", |b| {
        b.iter(|| ips.iter().filter(|ip| c.exact_ips.contains(ip)).count())
    });
    g.throughput(Throughput::Elements(1_000));
    g.bench_function("linear_scan_1k", |b| {
        b.iter(|| {
            ips[..1_000]
                .iter()
                .map(|ip| c.nets.iter().filter(|n| n.contains(ip)).count())
                .sum::<usize>()
        })
    });
    g.finish();

    let names: Vec<String> = (0..1_000_000)
        .map(|_| observed_domain(&mut rng, &c))
        .collect();
    let mut g = cr.benchmark_group("domain");
    g.sample_size(10);
    g.throughput(Throughput::Elements(names.len() as u64));
    g.bench_function("suffix", |b| {
        b.iter(|| {
            names
                .iter()
                .map(|n| c.set.match_domain(n, at).count())
                .sum::<usize>()
        })
    });
    g.bench_function("hashset_exact", |b| {
        b.iter(|| {
            names
                .iter()
                .filter(|n| c.exact_domains.contains(n.as_str()))
                .count()
        })
    });
    g.finish();

    let events: Vec<Observables> = (0..200_000)
        .map(|_| {
            let mut o = Observables::new();
            o.push_ip(IpAddr::V4(observed_ip(&mut rng, &c)), "SourceIp");
            o.push_ip(IpAddr::V4(observed_ip(&mut rng, &c)), "DestinationIp");
            o.push_domain(&observed_domain(&mut rng, &c), "query");
            let url = if rng.below(10) == 0 {
                format!("{}?id={}", c.urls[rng.below(c.urls.len())], rng.below(100))
            } else {
                format!(
                    "https://{}.example/{}/{}",
                    rng.word(8),
                    rng.word(4),
                    rng.word(6)
                )
            };
            o.urls.push(kexin_intel::Observed {
                value: UrlKey::parse(&url).unwrap(),
                field: "url".into(),
            });
            let hash = if rng.below(10) == 0 {
                c.hashes[rng.below(c.hashes.len())].clone()
            } else {
                format!(
                    "{:016x}{:016x}{:016x}{:016x}",
                    rng.next(),
                    rng.next(),
                    rng.next(),
                    rng.next()
                )
            };
            o.push_hashes(&hash, "sha256");
            o
        })
        .collect();
    let total: usize = events.iter().map(Observables::len).sum();
    let mut g = cr.benchmark_group("observables");
    g.sample_size(10);
    g.throughput(Throughput::Elements(total as u64));
    g.bench_function("mixed", |b| {
        b.iter(|| {
            events
                .iter()
                .map(|o| c.set.match_observables(black_box(o), at).len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
