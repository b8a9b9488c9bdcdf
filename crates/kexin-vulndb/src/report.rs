//! One call for the scanner: everything patch management reports about a
//! host, from the contents of the files it read.

use serde::{Deserialize, Serialize};

use crate::apt::{
    PendingUpdate, UnsupportedPackage, parse_support_ended, parse_support_limited,
    pending_security_updates, unsupported_packages,
};
use crate::db::VulnDb;
use crate::distro::{Distro, Family, OsRelease};
use crate::installed::{
    InstalledPackage, Problem, parse_apk_installed, parse_dpkg_status, parse_rpm_qa,
};
use crate::matching::{Finding, MatchOptions, find_vulnerabilities};

/// `os-release` locations, relative to the root, in lookup order.
pub const OS_RELEASE_PATHS: [&str; 2] = ["etc/os-release", "usr/lib/os-release"];
/// dpkg's database, relative to the root.
pub const DPKG_STATUS_PATH: &str = "var/lib/dpkg/status";
/// apk's database, relative to the root.
pub const APK_INSTALLED_PATH: &str = "lib/apk/db/installed";
/// apt's downloaded indexes, relative to the root (see
/// [`is_security_packages_list`](crate::apt::is_security_packages_list)).
pub const APT_LISTS_DIR: &str = "var/lib/apt/lists";
/// `debian-security-support` data, relative to the root.
pub const SECURITY_SUPPORT_DIR: &str = "usr/share/debian-security-support";

/// File names of the `debian-security-support` lists for a Debian release
/// (`security-support-ended.deb12`, `security-support-limited.deb12`); the
/// limited list is also shipped without the suffix by some versions of the
/// package, so try `security-support-limited` when the first is missing.
pub fn security_support_files(distro: &Distro) -> Option<(String, String)> {
    if distro.family != Family::Debian {
        return None;
    }
    let n = distro
        .version_id
        .split('.')
        .next()
        .filter(|n| !n.is_empty())?;
    Some((
        format!("security-support-ended.deb{n}"),
        format!("security-support-limited.deb{n}"),
    ))
}

/// File contents the scanner read under the root (`None` = file absent).
#[derive(Debug, Clone, Default)]
pub struct HostFiles<'a> {
    /// `/etc/os-release` (or `/usr/lib/os-release`).
    pub os_release: Option<&'a str>,
    /// `/var/lib/dpkg/status`.
    pub dpkg_status: Option<&'a str>,
    /// `/lib/apk/db/installed`.
    pub apk_installed: Option<&'a str>,
    /// Output of `rpm -qa --queryformat RPM_QUERYFORMAT` (live hosts only).
    pub rpm_qa: Option<&'a str>,
    /// `(hnum, blob)` rows of [`RPMDB_QUERY`](crate::rpmdb::RPMDB_QUERY)
    /// from `/var/lib/rpm/rpmdb.sqlite`.
    pub rpm_headers: Vec<(usize, &'a [u8])>,
    /// Security `Packages` lists: (file name, content).
    pub apt_security_lists: Vec<(&'a str, &'a str)>,
    /// `security-support-ended.debNN`.
    pub support_ended: Option<&'a str>,
    /// `security-support-limited[.debNN]`.
    pub support_limited: Option<&'a str>,
}

/// A problem with the file it was found in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileProblem {
    /// Path relative to the root (e.g. `var/lib/dpkg/status`).
    pub file: String,
    /// The problem.
    pub problem: Problem,
}

/// Everything patch management found on one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchReport {
    /// Detected distribution, `None` when os-release is missing or the
    /// distribution is not supported (then no vulnerability matching).
    pub distro: Option<Distro>,
    /// Installed packages read.
    pub installed: Vec<InstalledPackage>,
    /// Vulnerable packages.
    pub findings: Vec<Finding>,
    /// Security updates available but not installed.
    pub pending_updates: Vec<PendingUpdate>,
    /// Packages past or with limited security support.
    pub unsupported: Vec<UnsupportedPackage>,
    /// Parse problems in the input files; non-empty means the result may
    /// be incomplete (e.g. a truncated dpkg status).
    pub problems: Vec<FileProblem>,
}

fn tag(file: &str, problems: Vec<Problem>) -> impl Iterator<Item = FileProblem> + '_ {
    problems.into_iter().map(move |problem| FileProblem {
        file: file.to_string(),
        problem,
    })
}

/// Runs the whole patch-management assessment over file contents.
pub fn assess(files: &HostFiles<'_>, db: &VulnDb, opts: &MatchOptions) -> PatchReport {
    let mut problems = Vec::new();
    let distro = files.os_release.and_then(|t| OsRelease::parse(t).distro());
    let mut installed = Vec::new();
    if let Some(t) = files.dpkg_status {
        let p = parse_dpkg_status(t);
        problems.extend(tag(DPKG_STATUS_PATH, p.problems));
        installed.extend(p.items);
    }
    if let Some(t) = files.apk_installed {
        let p = parse_apk_installed(t);
        problems.extend(tag(APK_INSTALLED_PATH, p.problems));
        installed.extend(p.items);
    }
    if !files.rpm_headers.is_empty() {
        let p = crate::rpmdb::parse_rpm_headers(files.rpm_headers.iter().copied());
        problems.extend(tag(crate::rpmdb::RPMDB_SQLITE_PATH, p.problems));
        installed.extend(p.items);
    }
    if let Some(t) = files.rpm_qa {
        let p = parse_rpm_qa(t);
        problems.extend(tag("rpm -qa", p.problems));
        installed.extend(p.items);
    }
    let findings = match &distro {
        Some(d) => find_vulnerabilities(d, &installed, db, opts),
        None => Vec::new(),
    };
    let pending = pending_security_updates(&installed, files.apt_security_lists.iter().copied());
    problems.extend(tag(APT_LISTS_DIR, pending.problems));
    let ended = files
        .support_ended
        .map(parse_support_ended)
        .unwrap_or_default();
    let limited = files
        .support_limited
        .map(parse_support_limited)
        .unwrap_or_default();
    problems.extend(tag(SECURITY_SUPPORT_DIR, ended.problems));
    problems.extend(tag(SECURITY_SUPPORT_DIR, limited.problems));
    let unsupported = unsupported_packages(&installed, &ended.items, &limited.items);
    PatchReport {
        distro,
        installed,
        findings,
        pending_updates: pending.items,
        unsupported,
        problems,
    }
}
