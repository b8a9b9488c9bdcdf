//! End-to-end matching per distribution family, pending security updates
//! and security-support status.

use std::fs;
use std::path::{Path, PathBuf};

use kexin_vulndb::*;

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(p)
}

fn db() -> VulnDb {
    let mut all = Vec::new();
    for f in [
        "osv/debian/DSA-5621-1.json",
        "osv/debian/DEBIAN-CVE-2023-52356.json",
        "osv/debian/DEBIAN-CVE-2023-38545.json",
        "osv/other/UBUNTU-CVE-2024-0727.json",
        "osv/other/ALPINE-CVE-2024-0727.json",
        "osv/other/rocky-alma.json",
    ] {
        all.extend(parse_osv(f, &fs::read(data(f)).unwrap()).0);
    }
    let t = fs::read(data("debian_tracker.json")).unwrap();
    all.extend(parse_debian_tracker("t", &t).unwrap().0);
    VulnDb::from_advisories(all)
}

fn distro(os_release: &str) -> Distro {
    OsRelease::parse(os_release).distro().unwrap()
}

fn summary(f: &[Finding]) -> Vec<String> {
    f.iter()
        .map(|f| {
            format!(
                "{}/{} {} {:?} {} -> {}",
                f.package,
                f.arch,
                f.advisory_id,
                f.origin,
                f.installed_version,
                f.fixed_version.as_deref().unwrap_or("no fix yet")
            )
        })
        .collect()
}

#[test]
fn debian_bookworm() {
    let d = distro("ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n");
    let installed = parse_dpkg_status(include_str!("data/dpkg_status")).items;
    let f = find_vulnerabilities(&d, &installed, &db(), &MatchOptions::default());
    assert_eq!(
        summary(&f),
        [
            // glibc CVE-2023-4911 is fixed in deb12u3 < installed deb12u4:
            // not reported. CVE-2010-4756 is open (urgency unimportant),
            // reported for both architectures.
            "libc6/amd64 CVE-2010-4756 DebianTracker 2.36-9+deb12u4 -> no fix yet",
            "libc6/i386 CVE-2010-4756 DebianTracker 2.36-9+deb12u4 -> no fix yet",
            // deb12u5 < deb12u12 numerically (a string comparison would
            // call deb12u5 newer and miss it).
            "libcurl4/amd64 CVE-2023-38545 DebianTracker 7.88.1-10+deb12u5 -> 7.88.1-10+deb12u12",
            "libcurl4/amd64 DEBIAN-CVE-2023-38545 Osv 7.88.1-10+deb12u5 -> 7.88.1-10+deb12u12",
            // Compared by source version 3.7.9-2+deb12u2 (binary has +b1).
            "libgnutls30/amd64 CVE-2024-0553 DebianTracker 3.7.9-2+deb12u2+b1 -> 3.7.9-2+deb12u3",
            // 3.0.11-1~deb12u2 < 3.0.13-1~deb12u1: affected; the Debian:11
            // fix 1.1.1w-0+deb11u2 (lower!) does not apply to bookworm.
            "libssl3/amd64 CVE-2024-0727 DebianTracker 3.0.11-1~deb12u2 -> 3.0.13-1~deb12u1",
            "libssl3/amd64 DSA-5621-1 Osv 3.0.11-1~deb12u2 -> 3.0.13-1~deb12u1",
            "libtiff6/amd64 CVE-2023-52356 DebianTracker 4.5.0-6+deb12u1 -> no fix yet",
            "libtiff6/amd64 DEBIAN-CVE-2023-52356 Osv 4.5.0-6+deb12u1 -> no fix yet",
            // Held packages are installed packages.
            "openssl/amd64 CVE-2024-0727 DebianTracker 3.0.11-1~deb12u2 -> 3.0.13-1~deb12u1",
            "openssl/amd64 DSA-5621-1 Osv 3.0.11-1~deb12u2 -> 3.0.13-1~deb12u1",
        ]
    );
    let ssl = f.iter().find(|f| f.advisory_id == "DSA-5621-1").unwrap();
    assert_eq!(ssl.cve_ids, ["CVE-2024-0727"]);
    assert_eq!(ssl.source_package, "openssl");
    assert_eq!(ssl.advisory_package, "openssl");
    assert_eq!(ssl.ecosystem, "Debian:12");
    let curl = f
        .iter()
        .find(|f| f.advisory_id == "DEBIAN-CVE-2023-38545")
        .unwrap();
    assert!(curl.severity[0].score.starts_with("CVSS:3.1/"));
    let tracker = f
        .iter()
        .find(|f| f.advisory_id == "CVE-2023-38545")
        .unwrap();
    assert_eq!(tracker.urgency.as_deref(), Some("high"));

    let opts = MatchOptions {
        skip_unimportant: true,
    };
    let f = find_vulnerabilities(&d, &installed, &db(), &opts);
    assert_eq!(f.len(), 9);
    assert!(f.iter().all(|f| f.advisory_id != "CVE-2010-4756"));
}

#[test]
fn debian_after_upgrade_is_clean_and_other_release_ignored() {
    let status = "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\n\
                  Source: openssl\nVersion: 3.0.13-1~deb12u1\n";
    let installed = parse_dpkg_status(status).items;
    let d12 = distro("ID=debian\nVERSION_ID=12\n");
    assert!(find_vulnerabilities(&d12, &installed, &db(), &MatchOptions::default()).is_empty());
    // The same package on bullseye: the Debian:11 entries apply.
    let d11 = distro("ID=debian\nVERSION_ID=11\nVERSION_CODENAME=bullseye\n");
    let f = find_vulnerabilities(&d11, &installed, &db(), &MatchOptions::default());
    assert!(f.is_empty(), "{:?}", summary(&f)); // 3.0.13 > 1.1.1w-0+deb11u2
    let old = parse_dpkg_status(&status.replace("3.0.13-1~deb12u1", "1.1.1w-0+deb11u1")).items;
    let f = find_vulnerabilities(&d11, &old, &db(), &MatchOptions::default());
    assert_eq!(f.len(), 2);
    assert!(f.iter().all(|f| f.ecosystem == "Debian:11"));
}

#[test]
fn ubuntu_versions_list_and_pro_ignored() {
    let d = distro("ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\n");
    let mk = |v: &str| {
        parse_dpkg_status(&format!(
            "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\n\
             Source: openssl\nVersion: {v}\n"
        ))
        .items
    };
    let f = find_vulnerabilities(
        &d,
        &mk("3.0.2-0ubuntu1.13"),
        &db(),
        &MatchOptions::default(),
    );
    assert_eq!(
        summary(&f),
        ["libssl3/amd64 UBUNTU-CVE-2024-0727 Osv 3.0.2-0ubuntu1.13 -> 3.0.2-0ubuntu1.14"]
    );
    assert_eq!(f[0].severity[0].score, "low");
    assert_eq!(f[0].level(), Some(Level::Low));
    // 1.14 is fixed; 1.9 < 1.14 numerically is still affected.
    assert!(
        find_vulnerabilities(
            &d,
            &mk("3.0.2-0ubuntu1.14"),
            &db(),
            &MatchOptions::default()
        )
        .is_empty()
    );
    assert_eq!(
        find_vulnerabilities(&d, &mk("3.0.2-0ubuntu1.9"), &db(), &MatchOptions::default()).len(),
        1
    );
}

#[test]
fn alpine() {
    let d = distro("NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n");
    let installed = parse_apk_installed(include_str!("data/apk_installed")).items;
    let f = find_vulnerabilities(&d, &installed, &db(), &MatchOptions::default());
    assert_eq!(
        summary(&f),
        [
            // last_affected 1.36.1-r15 == installed: affected, no fix.
            "busybox/x86_64 ALPINE-CVE-2024-0727 Osv 1.36.1-r15 -> no fix yet",
            // libcrypto3 from origin openssl: 3.1.4-r2 < 3.1.4-r5.
            "libcrypto3/x86_64 ALPINE-CVE-2024-0727 Osv 3.1.4-r2 -> 3.1.4-r5",
        ]
    );
    let newer = parse_apk_installed(
        "P:busybox\nV:1.36.1-r16\no:busybox\n\nP:libcrypto3\nV:3.1.4_p1-r0\no:openssl\n",
    )
    .items;
    // -r16 is past last_affected; 3.1.4_p1-r0 > 3.1.4-r5 (post-release suffix).
    assert!(find_vulnerabilities(&d, &newer, &db(), &MatchOptions::default()).is_empty());
    let pre = parse_apk_installed("P:libcrypto3\nV:3.1.4_rc1-r9\no:openssl\n").items;
    assert_eq!(
        find_vulnerabilities(&d, &pre, &db(), &MatchOptions::default()).len(),
        1
    );
}

#[test]
fn rocky_and_alma() {
    let qa = "openssl-libs\t1\t3.0.7\t25.el9_3\tx86_64\topenssl-3.0.7-25.el9_3.src.rpm\n";
    let installed = parse_rpm_qa(qa).items;
    let rocky = distro("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n");
    let f = find_vulnerabilities(&rocky, &installed, &db(), &MatchOptions::default());
    assert_eq!(
        summary(&f),
        ["openssl-libs/x86_64 RLSA-2024:2447 Osv 1:3.0.7-25.el9_3 -> 1:3.0.7-27.el9"]
    );
    assert_eq!(f[0].cve_ids, ["CVE-2023-5678", "CVE-2024-0727"]);
    assert_eq!(f[0].level(), Some(Level::Medium)); // "Moderate"
    let alma = distro("ID=\"almalinux\"\nVERSION_ID=\"9.3\"\n");
    let f = find_vulnerabilities(&alma, &installed, &db(), &MatchOptions::default());
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].advisory_id, "ALSA-2024:2447");
    // Epoch matters: without the epoch, 3.0.7-27 would be *older* than 1:3.0.7-25.
    let fixed =
        parse_rpm_qa("openssl-libs\t1\t3.0.7\t27.el9\tx86_64\topenssl-3.0.7-27.el9.src.rpm\n")
            .items;
    assert!(find_vulnerabilities(&rocky, &fixed, &db(), &MatchOptions::default()).is_empty());
}

#[test]
fn pending_security_updates_from_apt_lists() {
    let installed = parse_dpkg_status(include_str!("data/dpkg_status")).items;
    let security = "Package: libssl3\nVersion: 3.0.13-1~deb12u1\nArchitecture: amd64\n\n\
                    Package: libssl3\nVersion: 3.0.11-1~deb12u1\nArchitecture: amd64\n\n\
                    Package: libc6\nVersion: 2.36-9+deb12u3\nArchitecture: amd64\n\n\
                    Package: libc6\nVersion: 2.36-9+deb12u7\nArchitecture: i386\n\n\
                    Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n\n\
                    Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n\n\
                    Package: broken\n";
    let name = "deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages";
    assert!(is_security_packages_list(name));
    assert!(!is_security_packages_list(
        "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"
    ));
    assert!(!is_security_packages_list(&format!("{name}.lz4")));
    let p = pending_security_updates(&installed, [(name, security)]);
    let got: Vec<String> = p
        .items
        .iter()
        .map(|u| {
            format!(
                "{}/{} {} -> {}",
                u.package, u.arch, u.installed_version, u.candidate_version
            )
        })
        .collect();
    // libc6 amd64 candidate is older than installed: not pending; the i386
    // one is newer; base-files is equal; tzdata is not installed.
    assert_eq!(
        got,
        [
            "libssl3/amd64 3.0.11-1~deb12u2 -> 3.0.13-1~deb12u1",
            "libc6/i386 2.36-9+deb12u4 -> 2.36-9+deb12u7",
        ]
    );
    assert_eq!(p.items[0].list, name);
    assert_eq!(p.problems.len(), 1);
    assert!(p.problems[0].message.contains("without Package or Version"));
}

#[test]
fn security_support_status() {
    let installed = parse_dpkg_status(include_str!("data/dpkg_status")).items;
    let ended = parse_support_ended(
        "# source-package  last-version  end-date  note\n\
         tiff     4.5.0-6+deb12u1  2025-01-01  https://example.invalid/tiff-eol\n\
         curl     7.88.1-10+deb12u1  2024-06-30  only older versions\n\
         gnutls28\n\
         glibc    bad!version  20-01-2025\n",
    );
    assert_eq!(ended.items.len(), 4);
    assert_eq!(
        ended.problems.iter().map(|p| p.line).collect::<Vec<_>>(),
        [5, 5]
    );
    let limited = parse_support_limited(
        "# Packages with limited security support\n\
         openssl   See README.Debian.security\n\
         webkit2gtk  Only for trusted content\n",
    );
    assert_eq!(limited.items[0].note, "See README.Debian.security");
    let u = unsupported_packages(&installed, &ended.items, &limited.items);
    let got: Vec<String> = u
        .iter()
        .map(|u| format!("{} ({}) {:?}", u.package, u.source_package, u.kind))
        .collect();
    // curl: installed deb12u5 is newer than the listed deb12u1 → supported.
    // glibc: the bad version was dropped → the entry covers all versions.
    assert_eq!(
        got,
        [
            "libssl3 (openssl) Limited",
            "openssl (openssl) Limited",
            "libc6 (glibc) Ended",
            "libc6 (glibc) Ended",
            "libgnutls30 (gnutls28) Ended",
            "libtiff6 (tiff) Ended",
        ]
    );
    assert_eq!(u.last().unwrap().entry.date.as_deref(), Some("2025-01-01"));
}

#[test]
fn assess_whole_host() {
    let status = include_str!("data/dpkg_status");
    // Truncated in the middle of the last installed stanza's field name.
    let cut = status.find("Package: libtiff6").unwrap() + "Package: libtiff6\nStat".len();
    let list = "Package: libssl3\nVersion: 3.0.13-1~deb12u1\nArchitecture: amd64\n";
    let files = HostFiles {
        os_release: Some("ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"),
        dpkg_status: Some(&status[..cut]),
        apt_security_lists: vec![("x_bookworm-security_main_binary-amd64_Packages", list)],
        support_limited: Some("openssl  see README.Debian.security\n"),
        ..HostFiles::default()
    };
    let d = files
        .os_release
        .map(|t| OsRelease::parse(t).distro().unwrap())
        .unwrap();
    assert_eq!(
        security_support_files(&d),
        Some((
            "security-support-ended.deb12".into(),
            "security-support-limited.deb12".into()
        ))
    );
    let r = assess(&files, &db(), &MatchOptions::default());
    assert_eq!(r.distro.as_ref().unwrap().codename, "bookworm");
    // libtiff6 was cut off: reported, not invented.
    assert!(r.installed.iter().all(|p| p.name != "libtiff6"));
    assert_eq!(r.problems.len(), 2, "{:#?}", r.problems);
    assert!(r.problems.iter().all(|p| p.file == "var/lib/dpkg/status"));
    assert_eq!(r.findings.len(), 9);
    assert_eq!(r.pending_updates.len(), 1);
    assert_eq!(r.unsupported.len(), 2); // libssl3 and openssl
    // Serializable for storage of findings.
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("\"fixed_version\":\"3.0.13-1~deb12u1\""));

    // Unknown distribution: packages still listed, no vulnerability matching.
    let other = HostFiles {
        os_release: Some("ID=arch\n"),
        ..files
    };
    let r = assess(&other, &db(), &MatchOptions::default());
    assert!(r.distro.is_none() && r.findings.is_empty() && !r.installed.is_empty());
}

#[test]
fn assess_rocky_from_rpmdb_headers() {
    use kexin_vulndb::rpmdb::build_rpm_header;
    let hdr = build_rpm_header(&[
        (1000, 6, b"openssl-libs\0"),
        (1001, 6, b"3.0.7\0"),
        (1002, 6, b"25.el9_3\0"),
        (1003, 4, &1u32.to_be_bytes()),
        (1022, 6, b"x86_64\0"),
        (1044, 6, b"openssl-3.0.7-25.el9_3.src.rpm\0"),
    ]);
    let files = HostFiles {
        os_release: Some("NAME=\"Rocky Linux\"\nID=\"rocky\"\nVERSION_ID=\"9.3\"\n"),
        rpm_headers: vec![(1, &hdr), (2, b"\x00\x00\x00\x05junk")],
        ..HostFiles::default()
    };
    let r = assess(&files, &db(), &MatchOptions::default());
    assert_eq!(
        summary(&r.findings),
        ["openssl-libs/x86_64 RLSA-2024:2447 Osv 1:3.0.7-25.el9_3 -> 1:3.0.7-27.el9"]
    );
    assert_eq!(r.problems.len(), 1);
    assert_eq!(r.problems[0].file, "var/lib/rpm/rpmdb.sqlite");
    assert_eq!(r.problems[0].problem.line, 2);
    assert!(security_support_files(r.distro.as_ref().unwrap()).is_none());
}
