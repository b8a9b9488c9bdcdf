//! Advisory import: OSV files, directories and zip archives, the Debian
//! tracker JSON, counts and skip reasons, atomicity.

use std::fs;
use std::path::{Path, PathBuf};

use kexin_vulndb::*;

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(p)
}

fn tracker_sources() -> Vec<ImportSource> {
    vec![
        ImportSource::Osv(data("osv")),
        ImportSource::DebianTracker(data("debian_tracker.json")),
    ]
}

#[test]
fn osv_record_fields() {
    let bytes = fs::read(data("osv/debian/DSA-5621-1.json")).unwrap();
    let (adv, skipped) = parse_osv("DSA-5621-1.json", &bytes);
    assert!(skipped.is_empty());
    let a = &adv[0];
    assert_eq!(a.id, "DSA-5621-1");
    assert_eq!(a.origin, Origin::Osv);
    assert_eq!(a.cve_ids(), ["CVE-2024-0727"]);
    assert_eq!(a.summary, "openssl - security update");
    assert_eq!(a.affected.len(), 2);
    assert_eq!(a.affected[0].ecosystem, "Debian:12");
    assert_eq!(
        a.affected[0].ranges,
        [vec![
            Event::Introduced("0".into()),
            Event::Fixed("3.0.13-1~deb12u1".into())
        ]]
    );
    // `upstream` ids count as aliases; `details` first line as summary;
    // `ecosystem_specific.urgency` kept.
    let bytes = fs::read(data("osv/debian/DEBIAN-CVE-2023-52356.json")).unwrap();
    let (adv, _) = parse_osv("x", &bytes);
    assert_eq!(adv[0].cve_ids(), ["CVE-2023-52356"]);
    assert_eq!(
        adv[0].summary,
        "A segment fault (SEGV) flaw was found in libtiff."
    );
    assert_eq!(adv[0].affected[0].urgency.as_deref(), Some("low"));
}

#[test]
fn osv_skips_with_reasons() {
    let bytes = fs::read(data("osv/other/rocky-alma.json")).unwrap();
    let (adv, skipped) = parse_osv("rocky-alma.json", &bytes);
    let ids: Vec<&str> = adv.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["RLSA-2024:2447", "ALSA-2024:2447"]);
    assert_eq!(adv[0].severity[0].score, "Moderate");
    let reasons: Vec<(Option<&str>, &str)> = skipped
        .iter()
        .map(|s| (s.id.as_deref(), s.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 4, "{reasons:#?}");
    assert_eq!(reasons[0].0, Some("PYSEC-2024-1"));
    assert!(
        reasons[0]
            .1
            .contains("no affected package in a supported OS ecosystem")
    );
    assert_eq!(reasons[1], (Some("DSA-0000-1"), "withdrawn"));
    assert_eq!(reasons[2].0, Some("GIT-ONLY-1"));
    assert!(reasons[2].1.contains("only GIT/SEMVER"));
    assert!(reasons[3].1.starts_with("not an OSV record"));
    let (adv, skipped) = parse_osv("broken.json", b"{\"id\": ");
    assert!(adv.is_empty());
    assert!(skipped[0].reason.starts_with("invalid JSON"));
}

#[test]
fn tracker_semantics() {
    let bytes = fs::read(data("debian_tracker.json")).unwrap();
    let (adv, skipped) = parse_debian_tracker("t.json", &bytes).unwrap();
    let ids: Vec<&str> = adv.iter().map(|a| a.id.as_str()).collect();
    // CVE-2010-0001 (fixed_version 0 = never affected) and the TEMP issue
    // (resolved without a version) produce no advisory.
    assert_eq!(
        ids,
        [
            "CVE-2010-4756",
            "CVE-2023-38545",
            "CVE-2023-4911",
            "CVE-2023-52356",
            "CVE-2024-0553",
            "CVE-2024-0727"
        ]
    );
    let ssl = adv.iter().find(|a| a.id == "CVE-2024-0727").unwrap();
    let ecos: Vec<&str> = ssl.affected.iter().map(|a| a.ecosystem.as_str()).collect();
    assert_eq!(ecos, ["Debian:12", "Debian:11"]); // bookworm, bullseye; sid dropped
    assert_eq!(ssl.origin, Origin::DebianTracker);
    assert_eq!(ssl.cve_ids(), ["CVE-2024-0727"]);
    let tiff = adv.iter().find(|a| a.id == "CVE-2023-52356").unwrap();
    assert_eq!(tiff.affected[1].ecosystem, "Debian:13");
    assert_eq!(
        tiff.affected[0].ranges,
        [vec![Event::Introduced("0".into())]]
    );
    let skipped: Vec<&str> = skipped.iter().filter_map(|s| s.id.as_deref()).collect();
    assert_eq!(
        skipped,
        [
            "gnutls28/CVE-2024-0567",
            "tiff/TEMP-0000000-ABCDEF/bookworm"
        ]
    );
    assert!(parse_debian_tracker("t", b"[1,2]").is_err());
}

#[test]
fn import_directory_then_reimport() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("vulndb.json.gz");
    let r = VulnDb::import(&db_path, &tracker_sources()).unwrap();
    assert_eq!(r.files, 8); // 7 OSV files + tracker; README.txt ignored
    assert_eq!(r.parsed, 13);
    assert_eq!((r.added, r.replaced, r.total), (13, 0, 13));
    // broken.json + 4 in rocky-alma.json + 2 in the tracker.
    assert_eq!(r.skipped.len(), 7, "{:#?}", r.skipped);
    assert!(r.skipped.iter().any(|s| s.file.ends_with("broken.json")));

    let db = VulnDb::open(&db_path).unwrap();
    assert_eq!(db.len(), 13);
    // (advisory, affected) pairs: DSA x2, Ubuntu x2, Alpine, tracker x2.
    assert_eq!(db.for_package("openssl").count(), 7);

    // Importing the same data again replaces, does not duplicate.
    let r = VulnDb::import(&db_path, &tracker_sources()).unwrap();
    assert_eq!((r.added, r.replaced, r.total), (0, 13, 13));
    // No temporary files left behind.
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn import_zip_archive() {
    let dir = tempfile::tempdir().unwrap();
    let a = fs::read(data("osv/debian/DSA-5621-1.json")).unwrap();
    let b = fs::read(data("osv/other/ALPINE-CVE-2024-0727.json")).unwrap();
    let zip = kexin_vulndb::zip::write_zip(&[
        ("DSA-5621-1.json", &a),
        ("ALPINE-CVE-2024-0727.json", &b),
        ("README", b"not json"),
        ("bad.json", b"{"),
    ]);
    let zip_path = dir.path().join("all.zip");
    fs::write(&zip_path, zip).unwrap();
    let db_path = dir.path().join("db.gz");
    let r = VulnDb::import(&db_path, &[ImportSource::Osv(zip_path)]).unwrap();
    assert_eq!(r.files, 3);
    assert_eq!(r.added, 2);
    assert_eq!(r.skipped.len(), 1);
    assert!(r.skipped[0].file.ends_with("all.zip:bad.json"));
}

#[test]
fn failed_import_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("db.gz");
    VulnDb::import(&db_path, &[ImportSource::Osv(data("osv/debian"))]).unwrap();
    let before = fs::read(&db_path).unwrap();

    // A corrupt zip after a good source: nothing of the good source lands.
    let bad_zip = dir.path().join("bad.zip");
    fs::write(&bad_zip, b"PK\x03\x04 truncated").unwrap();
    let err = VulnDb::import(
        &db_path,
        &[
            ImportSource::DebianTracker(data("debian_tracker.json")),
            ImportSource::Osv(bad_zip),
        ],
    )
    .unwrap_err();
    assert!(matches!(err, VulnDbError::Format { .. }), "{err}");
    // A missing file, and a tracker file that is not tracker JSON.
    assert!(matches!(
        VulnDb::import(
            &db_path,
            &[ImportSource::Osv(dir.path().join("missing.json"))]
        ),
        Err(VulnDbError::Io { .. })
    ));
    assert!(
        VulnDb::import(
            &db_path,
            &[ImportSource::DebianTracker(data(
                "osv/debian/DSA-5621-1.json"
            ))]
        )
        .is_err()
    );
    assert_eq!(fs::read(&db_path).unwrap(), before);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2); // db + bad.zip

    // A corrupt database is an error, not an empty database.
    fs::write(&db_path, b"garbage").unwrap();
    assert!(matches!(
        VulnDb::open(&db_path),
        Err(VulnDbError::Format { .. })
    ));
    assert!(VulnDb::import(&db_path, &[]).is_err());
    assert!(
        VulnDb::open_or_empty(&dir.path().join("none"))
            .unwrap()
            .is_empty()
    );
}
