//! Patch management checks: known vulnerabilities of installed packages,
//! pending security updates, and packages past security support. The
//! package databases and lists are read through the [`Root`] like every
//! other file; matching is `kexin-vulndb`'s.

use kexin_core::{CheckStatus, Severity};
use kexin_vulndb::report::{
    APK_INSTALLED_PATH, APT_LISTS_DIR, DPKG_STATUS_PATH, OS_RELEASE_PATHS, SECURITY_SUPPORT_DIR,
};
use kexin_vulndb::{
    HostFiles, Level, MatchOptions, OsRelease, SupportKind, VulnDb, assess,
    is_security_packages_list, security_support_files,
};

use crate::checks::{CheckResult, Evidence};
use crate::root::{FileText, Root};

/// The ids of the checks this module decides.
pub const PATCH_CHECKS: [&str; 3] = [
    "host.patch.known-vulnerabilities",
    "host.patch.pending-security-updates",
    "host.patch.end-of-support",
];

/// Evidence rows kept per check; the count is always in the message.
const MAX_EVIDENCE: usize = 200;

fn read(root: &Root, rel: &str) -> Option<FileText> {
    root.read_optional(&format!("/{rel}")).ok().flatten()
}

fn result(
    id: &'static str,
    severity: Severity,
    status: CheckStatus,
    message: String,
    mut evidence: Vec<Evidence>,
) -> CheckResult {
    evidence.truncate(MAX_EVIDENCE);
    CheckResult {
        id,
        status,
        severity,
        message,
        evidence,
    }
}

/// Runs the three patch checks. Without a vulnerability database the
/// known-vulnerabilities check reports an error saying how to get one.
pub fn patch_checks(root: &Root, db: Option<&VulnDb>) -> Vec<CheckResult> {
    let os_release = OS_RELEASE_PATHS.iter().find_map(|p| read(root, p));
    let dpkg = read(root, DPKG_STATUS_PATH);
    let apk = read(root, APK_INSTALLED_PATH);
    let lists: Vec<FileText> = root
        .read_dir(&format!("/{APT_LISTS_DIR}"))
        .map(|entries| {
            entries
                .into_iter()
                .filter(|e| is_security_packages_list(&e.name))
                .filter_map(|e| root.read(&e.path).ok())
                .collect()
        })
        .unwrap_or_default();
    let distro = os_release
        .as_ref()
        .and_then(|t| OsRelease::parse(&t.text).distro());
    let (ended, limited) = distro
        .as_ref()
        .and_then(security_support_files)
        .map(|(e, l)| {
            (
                read(root, &format!("{SECURITY_SUPPORT_DIR}/{e}")),
                read(root, &format!("{SECURITY_SUPPORT_DIR}/{l}")),
            )
        })
        .unwrap_or((None, None));
    let files = HostFiles {
        os_release: os_release.as_ref().map(|t| t.text.as_str()),
        dpkg_status: dpkg.as_ref().map(|t| t.text.as_str()),
        apk_installed: apk.as_ref().map(|t| t.text.as_str()),
        rpm_qa: None,
        rpm_headers: Vec::new(),
        apt_security_lists: lists
            .iter()
            .map(|t| (t.path.as_str(), t.text.as_str()))
            .collect(),
        support_ended: ended.as_ref().map(|t| t.text.as_str()),
        support_limited: limited.as_ref().map(|t| t.text.as_str()),
    };
    let empty = VulnDb::default();
    let report = assess(&files, db.unwrap_or(&empty), &MatchOptions::default());
    let db_file = if dpkg.is_some() {
        format!("/{DPKG_STATUS_PATH}")
    } else {
        format!("/{APK_INSTALLED_PATH}")
    };
    let mut out = Vec::new();

    let [vulns_id, pending_id, support_id] = PATCH_CHECKS;
    out.push(if report.installed.is_empty() {
        result(vulns_id, Severity::High, CheckStatus::Error, "no package database was readable (dpkg status or apk installed)".into(), Vec::new())
    } else if db.is_none() {
        result(vulns_id, Severity::High, CheckStatus::Error, "no vulnerability database: import advisories with `kexin vulndb import` and pass --vulndb".into(), Vec::new())
    } else if report.distro.is_none() {
        result(vulns_id, Severity::High, CheckStatus::Error, "the distribution could not be identified from os-release".into(), Vec::new())
    } else {
        let serious: Vec<Evidence> = report
            .findings
            .iter()
            .filter(|f| f.fixed_version.is_some() && f.level().is_none_or(|l| l >= Level::High))
            .map(|f| Evidence {
                file: db_file.clone(),
                line: None,
                detail: format!(
                    "{} {}: {} installed, fixed in {} ({})",
                    if f.cve_ids.is_empty() { f.advisory_id.clone() } else { f.cve_ids.join(" ") },
                    f.package,
                    f.installed_version,
                    f.fixed_version.as_deref().unwrap_or("-"),
                    f.level().map_or("unknown".into(), |l| format!("{l:?}").to_lowercase())
                ),
            })
            .collect();
        let message = format!("{} vulnerable package versions, {} with a fix and high, critical or unrated severity", report.findings.len(), serious.len());
        result(vulns_id, Severity::High, if serious.is_empty() { CheckStatus::Pass } else { CheckStatus::Fail }, message, serious)
    });

    out.push(if lists.is_empty() {
        result(
            pending_id,
            Severity::High,
            CheckStatus::NotApplicable,
            "no apt security package lists under /var/lib/apt/lists".into(),
            Vec::new(),
        )
    } else {
        let pending: Vec<Evidence> = report
            .pending_updates
            .iter()
            .map(|u| Evidence {
                file: u.list.clone(),
                line: None,
                detail: format!(
                    "{} {} installed, {} available",
                    u.package, u.installed_version, u.candidate_version
                ),
            })
            .collect();
        let message = format!("{} security updates pending", pending.len());
        result(
            pending_id,
            Severity::High,
            if pending.is_empty() {
                CheckStatus::Pass
            } else {
                CheckStatus::Fail
            },
            message,
            pending,
        )
    });

    out.push(if ended.is_none() && limited.is_none() {
        result(
            support_id,
            Severity::Medium,
            CheckStatus::NotApplicable,
            "no debian-security-support data for this release".into(),
            Vec::new(),
        )
    } else {
        let gone: Vec<Evidence> = report
            .unsupported
            .iter()
            .filter(|u| u.kind == SupportKind::Ended)
            .map(|u| Evidence {
                file: format!("/{SECURITY_SUPPORT_DIR}"),
                line: None,
                detail: format!(
                    "{} {} ({}): security support ended",
                    u.package, u.installed_version, u.source_package
                ),
            })
            .collect();
        let message = format!("{} installed packages past security support", gone.len());
        result(
            support_id,
            Severity::Medium,
            if gone.is_empty() {
                CheckStatus::Pass
            } else {
                CheckStatus::Fail
            },
            message,
            gone,
        )
    });
    out
}
