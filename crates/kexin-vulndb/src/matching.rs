//! Matching installed packages against the advisory database.

use serde::{Deserialize, Serialize};

use crate::advisory::{Origin, Severity, Verdict};
use crate::db::VulnDb;
use crate::distro::Distro;
use crate::installed::InstalledPackage;

/// One vulnerable installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Advisory id (OSV id such as `DSA-5678-1`, or a CVE id from the
    /// Debian tracker).
    pub advisory_id: String,
    /// Where the advisory came from.
    pub origin: Origin,
    /// CVE ids (sorted).
    pub cve_ids: Vec<String>,
    /// Installed binary package.
    pub package: String,
    /// Its source package.
    pub source_package: String,
    /// The package name the advisory names (source or binary, per family).
    pub advisory_package: String,
    /// Advisory ecosystem that matched (`Debian:12`, ...).
    pub ecosystem: String,
    /// Installed binary version.
    pub installed_version: String,
    /// The version compared with the advisory (the source version for
    /// source-keyed families, else the binary version).
    pub compared_version: String,
    /// First fixed version above the installed one; `None` = no fix yet.
    pub fixed_version: Option<String>,
    /// Severities of the advisory.
    pub severity: Vec<Severity>,
    /// Per-package urgency (Debian tracker).
    pub urgency: Option<String>,
    /// Summary.
    pub summary: String,
    /// Architecture of the installed package.
    pub arch: String,
}

impl Finding {
    /// Whether a fixed version exists (the package can be upgraded).
    pub fn has_fix(&self) -> bool {
        self.fixed_version.is_some()
    }

    /// Normalized severity (see [`crate::severity::normalize`]).
    pub fn level(&self) -> Option<crate::severity::Level> {
        crate::severity::normalize(self.urgency.as_deref(), &self.severity)
    }
}

/// Options of [`find_vulnerabilities`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchOptions {
    /// Drop Debian tracker entries whose urgency is `unimportant` (issues
    /// the Debian security team does not consider worth fixing in stable,
    /// typically with no security impact for Debian's build).
    pub skip_unimportant: bool,
}

/// Finds every (advisory, installed package) pair where the installed
/// version is affected.
///
/// * Only advisory entries whose ecosystem [`Distro::matches_ecosystem`]
///   are considered, so a `Debian:11` fix never "fixes" a bookworm host.
/// * Debian/Ubuntu/Alpine advisories name source packages: each binary
///   package built from the source is reported, compared by its source
///   version (binNMUs such as `1.2-3+b1` have source version `1.2-3`). RPM
///   advisories name binary packages and compare the binary `E:V-R`.
/// * Versions are compared with the distribution's exact ordering
///   ([`Distro::scheme`]).
///
/// Findings are sorted by (package, arch, advisory id). The same CVE can
/// appear twice with different `origin` (an OSV DSA and the tracker entry);
/// group by `cve_ids` to deduplicate for display.
pub fn find_vulnerabilities(
    distro: &Distro,
    installed: &[InstalledPackage],
    db: &VulnDb,
    opts: &MatchOptions,
) -> Vec<Finding> {
    let scheme = distro.scheme();
    let by_source = distro.advisories_name_source_packages();
    let mut out = Vec::new();
    for pkg in installed {
        let (key, version) = if by_source {
            (&pkg.source_name, &pkg.source_version)
        } else {
            (&pkg.name, &pkg.version)
        };
        for (adv, j) in db.for_package(key) {
            let af = &adv.affected[j];
            if !distro.matches_ecosystem(&af.ecosystem) {
                continue;
            }
            if opts.skip_unimportant && af.urgency.as_deref() == Some("unimportant") {
                continue;
            }
            if let Verdict::Affected { fixed } = af.evaluate(scheme, version) {
                out.push(Finding {
                    advisory_id: adv.id.clone(),
                    origin: adv.origin,
                    cve_ids: adv.cve_ids(),
                    package: pkg.name.clone(),
                    source_package: pkg.source_name.clone(),
                    advisory_package: af.package.clone(),
                    ecosystem: af.ecosystem.clone(),
                    installed_version: pkg.version.clone(),
                    compared_version: version.clone(),
                    fixed_version: fixed,
                    severity: adv.severity.clone(),
                    urgency: af.urgency.clone(),
                    summary: adv.summary.clone(),
                    arch: pkg.arch.clone(),
                });
            }
        }
    }
    out.sort_by(|a, b| {
        (&a.package, &a.arch, &a.advisory_id, a.origin, &a.ecosystem).cmp(&(
            &b.package,
            &b.arch,
            &b.advisory_id,
            b.origin,
            &b.ecosystem,
        ))
    });
    // The same advisory may list the same package twice for one release.
    out.dedup_by(|a, b| {
        a.package == b.package
            && a.arch == b.arch
            && a.advisory_id == b.advisory_id
            && a.origin == b.origin
            && a.ecosystem == b.ecosystem
    });
    out
}
