//! Installed-package parsers: realistic samples, broken input, and the
//! no-panic property on arbitrary and truncated input.

use kexin_vulndb::*;
use proptest::prelude::*;

const STATUS: &str = include_str!("data/dpkg_status");
const APK: &str = include_str!("data/apk_installed");

#[test]
fn dpkg_status_sample() {
    let p = parse_dpkg_status(STATUS);
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    let names: Vec<(&str, &str)> = p
        .items
        .iter()
        .map(|i| (i.name.as_str(), i.arch.as_str()))
        .collect();
    // Removed (config-files), unpacked-only and half-installed packages are
    // not installed; the held `openssl` and the triggers-pending `libtrig1`
    // are; both `libc6` architectures are kept.
    assert_eq!(
        names,
        [
            ("base-files", "amd64"),
            ("libssl3", "amd64"),
            ("openssl", "amd64"),
            ("libc6", "amd64"),
            ("libc6", "i386"),
            ("libcurl4", "amd64"),
            ("libgnutls30", "amd64"),
            ("libtiff6", "amd64"),
            ("libtrig1", "amd64"),
        ]
    );
    let ssl = &p.items[1];
    assert_eq!(ssl.source_name, "openssl");
    assert_eq!(ssl.source_version, "3.0.11-1~deb12u2");
    assert_eq!(ssl.line, 20);
    // binNMU: the source version comes from `Source: name (version)`.
    let gnutls = p.items.iter().find(|i| i.name == "libgnutls30").unwrap();
    assert_eq!(gnutls.source_name, "gnutls28");
    assert_eq!(gnutls.version, "3.7.9-2+deb12u2+b1");
    assert_eq!(gnutls.source_version, "3.7.9-2+deb12u2");
    // No Source field: the source is the package itself.
    assert_eq!(p.items[0].source_name, "base-files");
}

#[test]
fn dpkg_status_problems_have_line_numbers() {
    let text = "Package: a\nStatus: install ok installed\nVersion: 1.0\n\
                \n\
                Package: b\nStatus: install ok installed\n\
                \n\
                garbage line\n\
                 orphan continuation\n\
                \n\
                Package: c\nStatus: install ok installed\nVersion: x1\nSource: c (1.0\n\
                \n\
                Package: d\nVersion: 1\n\
                \n\
                Package: e\nStatus: install ok\nVersion: 1\n";
    let p = parse_dpkg_status(text);
    let lines: Vec<usize> = p.problems.iter().map(|x| x.line).collect();
    let names: Vec<&str> = p.items.iter().map(|i| i.name.as_str()).collect();
    // a: fine. b: no Version (stanza at line 5). line 8: not a field;
    // line 9: orphan continuation. c: bad version (line 13), bad Source
    // (line 14) but kept. d: no Status (line 16). e: malformed Status (line 20).
    assert_eq!(names, ["a", "c"]);
    assert_eq!(lines, [8, 9, 5, 13, 14, 16, 20], "{:#?}", p.problems);
}

#[test]
fn dpkg_status_truncated_mid_stanza() {
    // Cut right after `Version: 3.0.` of libssl3: the partial stanza is
    // still read (its version is what was written so far).
    let cut = STATUS.find("Version: 3.0.11").unwrap() + "Version: 3.0.".len();
    let p = parse_dpkg_status(&STATUS[..cut]);
    assert_eq!(p.items.len(), 2);
    // Cut before its Version line: reported, earlier stanza kept.
    let cut = STATUS.find("Version: 3.0.11").unwrap();
    let p = parse_dpkg_status(&STATUS[..cut]);
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.problems.len(), 1);
    assert!(p.problems[0].message.contains("libssl3"));
}

#[test]
fn crlf_and_no_trailing_newline() {
    let p = parse_dpkg_status("Package: a\r\nStatus: install ok installed\r\nVersion: 1.0-1");
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.items[0].version, "1.0-1");
    assert!(p.problems.is_empty());
}

#[test]
fn apk_sample() {
    let p = parse_apk_installed(APK);
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    assert_eq!(p.items.len(), 3);
    assert_eq!(p.items[1].name, "libcrypto3");
    assert_eq!(p.items[1].source_name, "openssl");
    assert_eq!(p.items[1].version, "3.1.4-r2");
    assert_eq!(p.items[1].line, 18);
    assert_eq!(p.items[0].arch, "x86_64");
}

#[test]
fn apk_broken() {
    let p = parse_apk_installed("P:a\nV:1-r0\n\nP:b\nnot a field\n\nV:2\n");
    assert_eq!(p.items.len(), 1);
    let lines: Vec<usize> = p.problems.iter().map(|x| x.line).collect();
    assert_eq!(lines, [5, 4, 7]);
}

#[test]
fn rpm_qa() {
    let text = "openssl-libs\t1\t3.0.7\t27.el9\tx86_64\topenssl-3.0.7-27.el9.src.rpm\n\
                gpg-pubkey\t(none)\t8483c65d\t5ccc5b19\t(none)\t(none)\n\
                bash\t(none)\t5.1.8\t9.el9\tx86_64\tbash-5.1.8-9.el9.src.rpm\n\
                broken line\n";
    let p = parse_rpm_qa(text);
    assert_eq!(p.items.len(), 2);
    assert_eq!(p.items[0].version, "1:3.0.7-27.el9");
    assert_eq!(p.items[0].source_name, "openssl");
    assert_eq!(p.items[1].version, "5.1.8-9.el9");
    assert_eq!(p.problems.len(), 1);
    assert_eq!(p.problems[0].line, 4);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Arbitrary text never panics any parser.
    #[test]
    fn arbitrary_input_never_panics(s in "(?s).{0,400}") {
        let _ = parse_dpkg_status(&s);
        let _ = parse_apk_installed(&s);
        let _ = parse_rpm_qa(&s);
        let _ = parse_stanzas(&s);
        let _ = OsRelease::parse(&s).distro();
        let _ = parse_support_ended(&s);
        let _ = parse_support_limited(&s);
    }

    /// Control-file-like noise never panics either.
    #[test]
    fn fieldish_input_never_panics(s in "([A-Za-z]{1,8}:[ a-z0-9()~+.:-]{0,12}\n|[ \t][a-z ]{0,8}\n|\n|[^\n]{0,10}\n){0,30}") {
        let p = parse_dpkg_status(&s);
        for i in &p.items {
            prop_assert!(!i.name.is_empty() && !i.version.is_empty());
        }
        let _ = parse_apk_installed(&s);
    }

    /// Any truncation of the realistic samples: no panic, and the packages
    /// read are a prefix of the full list (names), never invented ones.
    #[test]
    fn truncations(cut in 0usize..=STATUS.len(), cut2 in 0usize..=APK.len()) {
        let full = parse_dpkg_status(STATUS).items;
        let s = &STATUS[..STATUS.floor_char_boundary(cut)];
        let got = parse_dpkg_status(s).items;
        prop_assert!(got.len() <= full.len());
        for (g, f) in got.iter().zip(&full) {
            prop_assert_eq!(&g.name, &f.name);
            prop_assert!(f.version.starts_with(&g.version));
        }
        let full = parse_apk_installed(APK).items;
        let got = parse_apk_installed(&APK[..APK.floor_char_boundary(cut2)]).items;
        prop_assert!(got.len() <= full.len());
        for (g, f) in got.iter().zip(&full) {
            prop_assert_eq!(&g.name, &f.name);
        }
    }
}
