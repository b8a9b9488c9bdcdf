//! Properties every ordering must have, on arbitrary strings (including
//! malformed versions): no panic, reflexive, antisymmetric, transitive on
//! sampled triples. Plus the no-panic property of the zip reader, the
//! importers and the rpm header decoder on arbitrary bytes.

use std::cmp::Ordering;

use kexin_vulndb::*;
use proptest::prelude::*;

const SCHEMES: [Scheme; 3] = [Scheme::Dpkg, Scheme::Rpm, Scheme::Apk];

fn ver() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-z.~^+_:-]{0,12}",
        "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}(_(alpha|beta|pre|rc|p|git)[0-9]?)?(-r[0-9]{1,2})?",
        "([0-9]:)?[0-9]{1,2}\\.[0-9]{1,2}(~rc[0-9])?(\\^git[0-9])?-[0-9]{1,2}(\\.el9(_[0-9])?)?",
        "(?s).{0,10}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn total_order_properties(a in ver(), b in ver(), c in ver()) {
        for s in SCHEMES {
            prop_assert_eq!(s.compare(&a, &a), Ordering::Equal, "{:?} {}", s, a);
            prop_assert_eq!(s.compare(&a, &b), s.compare(&b, &a).reverse(), "{:?} {} {}", s, a, b);
            let (ab, bc, ac) = (s.compare(&a, &b), s.compare(&b, &c), s.compare(&a, &c));
            if ab != Ordering::Greater && bc != Ordering::Greater {
                prop_assert!(ac != Ordering::Greater, "{:?}: {} <= {} <= {} but {:?}", s, a, b, c, ac);
            }
        }
    }

    #[test]
    fn zip_and_importers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = kexin_vulndb::zip::read_zip(&bytes, |_| true);
        let _ = parse_osv("x", &bytes);
        let _ = parse_debian_tracker("x", &bytes);
        let _ = parse_rpm_header(0, &bytes);
        // Plausible header intro followed by junk.
        let mut h = vec![0, 0, 0, 3, 0, 0, 0, 40];
        h.extend_from_slice(&bytes);
        let _ = parse_rpm_header(0, &h);
    }

    #[test]
    fn osv_shaped_json_never_panics(
        eco in "(Debian:12|Alpine:v3.19|Rocky Linux:9|Ubuntu:22.04:LTS|PyPI)",
        evs in prop::collection::vec(("(introduced|fixed|last_affected|limit)", ver()), 0..4),
        installed in ver(),
    ) {
        let events: Vec<String> = evs
            .iter()
            .map(|(k, v)| format!("{{{}: {}}}", serde_json::json!(k), serde_json::json!(v)))
            .collect();
        let doc = format!(
            r#"{{"id":"X-1","affected":[{{"package":{{"ecosystem":{},"name":"p"}},"ranges":[{{"type":"ECOSYSTEM","events":[{}]}}]}}]}}"#,
            serde_json::json!(eco),
            events.join(",")
        );
        let (adv, skipped) = parse_osv("x", doc.as_bytes());
        prop_assert_eq!(adv.len() + skipped.len(), 1);
        for a in &adv {
            for af in &a.affected {
                for s in SCHEMES {
                    if let Verdict::Affected { fixed: Some(f) } = af.evaluate(s, &installed) {
                        // A reported fix is always above the installed version.
                        prop_assert_eq!(s.compare(&f, &installed), Ordering::Greater);
                    }
                }
            }
        }
    }
}
