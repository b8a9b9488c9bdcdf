//! Kexin's patch management: which installed OS packages have known
//! vulnerabilities, which security updates are pending, and which packages
//! are past their security support.
//!
//! # Pipeline
//!
//! 1. **Where am I?** [`OsRelease::parse`] on `/etc/os-release` →
//!    [`Distro`] (family, `VERSION_ID`, codename) → the version
//!    [`Scheme`] and the advisory ecosystems that apply
//!    ([`Distro::matches_ecosystem`]).
//! 2. **What is installed?** [`parse_dpkg_status`] (`/var/lib/dpkg/status`),
//!    [`parse_apk_installed`] (`/lib/apk/db/installed`), [`parse_rpm_headers`]
//!    (header blobs from `/var/lib/rpm/rpmdb.sqlite`, which the caller
//!    reads with SQLite — see [`rpmdb`]) or [`parse_rpm_qa`] (output of
//!    `rpm -qa --queryformat` [`RPM_QUERYFORMAT`] on a live host). All
//!    parsers are total: they return what they could read plus
//!    [`Problem`]s with line numbers, and never panic.
//! 3. **What is known?** [`VulnDb::import`] loads OSV JSON (files,
//!    directories, `all.zip` archives) and the Debian security tracker JSON
//!    into a local database file, atomically; [`VulnDb::open`] loads it.
//! 4. **What is vulnerable?** [`find_vulnerabilities`] → [`Finding`]s (CVE,
//!    advisory id, binary and source package, installed and fixed version or
//!    "no fix yet", severity / urgency, and a normalized [`Level`] via
//!    [`Finding::level`]).
//! 5. **What else?** [`pending_security_updates`] from apt's security
//!    `Packages` lists, and [`unsupported_packages`] from
//!    `debian-security-support`'s `security-support-ended.debNN` /
//!    `security-support-limited.debNN`.
//!
//! [`assess`] runs steps 1, 2, 4 and 5 in one call over [`HostFiles`] (the
//! file contents) and returns a [`PatchReport`]; [`report`] lists the paths
//! to read under the root.
//!
//! The crate does file *parsing*, not file *finding*: functions take text
//! or bytes, so the scanner decides how to read files under `--root`
//! (symlink containment, size limits). Only [`VulnDb`] touches the file
//! system (its own database file and the import inputs the user names).
//!
//! ```
//! use kexin_vulndb::*;
//! let distro = OsRelease::parse("ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n")
//!     .distro()
//!     .unwrap();
//! let installed = parse_dpkg_status(
//!     "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\n\
//!      Source: openssl\nVersion: 3.0.11-1~deb12u2\n",
//! );
//! let tracker = br#"{"openssl": {"CVE-2024-0727": {"description": "PKCS12 NULL deref",
//!     "releases": {"bookworm": {"status": "resolved", "fixed_version": "3.0.13-1~deb12u1",
//!     "urgency": "low"}}}}}"#;
//! let (advisories, _skipped) = parse_debian_tracker("tracker.json", tracker).unwrap();
//! let db = VulnDb::from_advisories(advisories);
//! let findings = find_vulnerabilities(&distro, &installed.items, &db, &MatchOptions::default());
//! assert_eq!(findings.len(), 1);
//! assert_eq!(findings[0].cve_ids, ["CVE-2024-0727"]);
//! assert_eq!(findings[0].fixed_version.as_deref(), Some("3.0.13-1~deb12u1"));
//! ```
//!
//! # Integrating (scanner, CLI, storage)
//!
//! * `kexin vulndb import [--osv PATH]... [--debian-tracker FILE] --db PATH`
//!   → [`VulnDb::import`] with one [`ImportSource`] per argument; print the
//!   [`ImportReport`] (counts; `skipped` with file, id and reason). Exit
//!   with an error on `Err` — the database file is then unchanged.
//! * `kexin scan host [--root DIR] [--vulndb PATH]` → read, *inside the
//!   root and without following links out of it*, the paths in [`report`]
//!   ([`OS_RELEASE_PATHS`](report::OS_RELEASE_PATHS),
//!   [`DPKG_STATUS_PATH`](report::DPKG_STATUS_PATH),
//!   [`APK_INSTALLED_PATH`](report::APK_INSTALLED_PATH), files of
//!   [`APT_LISTS_DIR`](report::APT_LISTS_DIR) passing
//!   [`is_security_packages_list`], the two files named by
//!   [`security_support_files`] under
//!   [`SECURITY_SUPPORT_DIR`](report::SECURITY_SUPPORT_DIR), and the
//!   [`RPMDB_QUERY`] rows of [`RPMDB_SQLITE_PATH`]); fill [`HostFiles`];
//!   call [`assess`] with the [`VulnDb::open`]ed database. Without
//!   `--vulndb`, pass an empty `VulnDb::default()`: pending updates and
//!   support status still work.
//! * Every output type is `Serialize`/`Deserialize`. A stable identity for
//!   drift between scans is `(package, arch, advisory_id, origin)` of a
//!   [`Finding`]; `fixed_version` and `installed_version` are the "changed"
//!   part. [`PatchReport::problems`] non-empty means the check should be
//!   reported as partial/error with those lines as evidence.
//!
//! # Why exact version ordering matters
//!
//! Every finding is a single comparison "installed < fixed". Getting the
//! ordering even slightly wrong flips findings both ways:
//!
//! * **False negatives** (a vulnerable host reported clean). Debian
//!   backports fixes as `3.0.11-1~deb12u2`; `~` sorts *before* the end of
//!   the string, so this is *older* than `3.0.11-1`. A naive string or
//!   semver comparison calls it newer and hides a vulnerable `3.0.11-1~…`
//!   when the fix is `3.0.11-1`. Likewise Alpine's `1.0_rc1` is older than
//!   `1.0`, and RPM's `1.0~rc1` older than `1.0`, while RPM's `1.0^git1`
//!   is newer than `1.0` but older than `1.0.1`.
//! * **False positives** (a patched host reported vulnerable). Numeric
//!   runs compare as numbers: `7.88.1-10+deb12u12` is newer than
//!   `7.88.1-10+deb12u5` though a string comparison says otherwise, and an
//!   epoch (`1:2.0`) outranks any version without one. A false positive
//!   that the administrator cannot fix by upgrading trains people to ignore
//!   the report.
//!
//! Hence each ecosystem has its own comparison ([`version::dpkg`],
//! [`version::rpm`], [`version::apk`]), each a port of the native algorithm;
//! the dpkg one is property-tested against the real `dpkg
//! --compare-versions`. Matching also keeps releases apart (a `Debian:11`
//! fix never applies to bookworm) and uses source versions where advisories
//! name source packages.
//!
//! # How the orderings are verified
//!
//! * dpkg: `tests/dpkg_oracle.rs` compares 2000 random version pairs from
//!   dpkg's alphabet (weighted towards `~`, `+`, `.`, `0`, epochs,
//!   revisions) with `/usr/bin/dpkg --compare-versions` on Debian hosts.
//! * rpm: table tests written from rpm's documented `rpmvercmp` behaviour
//!   (including `~` and `^`) and EVR pairs from RHEL-family advisories.
//!   During development the port was also checked against all 91 cases of
//!   rpm's own `tests/rpmvercmp.at` (not vendored).
//! * apk: table tests written from Alpine's version rules; during
//!   development also checked against all 769 lines of apk-tools'
//!   `test/unit/version.data` (not vendored).
//! * all three: reflexivity, antisymmetry and transitivity on arbitrary
//!   strings (`tests/ordering_props.rs`).
//!
//! # Limitations
//!
//! * The rpm SQLite database is not opened here: the caller runs
//!   [`RPMDB_QUERY`] (e.g. with `sqlx`) and passes the header blobs to
//!   [`parse_rpm_headers`]. The header decoder is tested against headers
//!   built to rpm's `headerExport` layout; during development it also
//!   decoded all 129 headers of a real CBL-Mariner 2.0 `rpmdb.sqlite`
//!   (epochs, source rpms; not vendored). Berkeley DB / NDB databases
//!   (RHEL ≤ 8) are not read; use [`parse_rpm_qa`] on live hosts.
//! * apt lists kept compressed (`*_Packages.lz4`, `.gz`) are not read.
//! * `debian-security-support` lists are read in the documented simple
//!   line format (`package version date note` / `package note`).
//! * Duplicate findings for one CVE from two sources (an OSV `DSA`/`DEBIAN-
//!   CVE` record and the tracker) are both reported, with their `origin`;
//!   deduplicate by CVE id for display.
//! * The database is one gzipped JSON file read whole (see [`db`] for why);
//!   a very large import (all OSV ecosystems) makes every scan load it all.

pub mod advisory;
pub mod apt;
pub mod db;
pub mod distro;
pub mod installed;
pub mod matching;
pub mod report;
pub mod rpmdb;
pub mod severity;
pub mod version;
pub mod zip;

pub use advisory::{
    Advisory, Affected, Event, Origin, Severity, Skipped, Verdict, parse_debian_tracker, parse_osv,
};
pub use apt::{
    PendingUpdate, SupportEntry, SupportKind, UnsupportedPackage, is_security_packages_list,
    parse_support_ended, parse_support_limited, pending_security_updates, unsupported_packages,
};
pub use db::{ImportReport, ImportSource, VulnDb, VulnDbError};
pub use distro::{Distro, Family, OsRelease};
pub use installed::{
    InstalledPackage, Parsed, Problem, RPM_QUERYFORMAT, Stanza, parse_apk_installed,
    parse_dpkg_status, parse_rpm_qa, parse_stanzas,
};
pub use matching::{Finding, MatchOptions, find_vulnerabilities};
pub use report::{FileProblem, HostFiles, PatchReport, assess, security_support_files};
pub use rpmdb::{RPMDB_QUERY, RPMDB_SQLITE_PATH, parse_rpm_header, parse_rpm_headers};
pub use severity::Level;
pub use version::Scheme;
