//! Exact version ordering for the three package ecosystems Kexin scans.
//!
//! Each comparison is *total* and never fails: a malformed version string is
//! compared with the same byte-level rules the native tool applies (the
//! native tools also compare garbage, with a warning). Callers that want to
//! flag malformed versions use [`dpkg::validate`].
//!
//! | scheme | native reference | module |
//! |--------|------------------|--------|
//! | [`Scheme::Dpkg`] | `dpkg --compare-versions` (Debian, Ubuntu) | [`dpkg`] |
//! | [`Scheme::Rpm`] | `rpmvercmp` + epoch:version-release (RHEL, Rocky, Alma) | [`rpm`] |
//! | [`Scheme::Apk`] | `apk version -t` (Alpine) | [`apk`] |

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

pub mod apk;
pub mod dpkg;
pub mod rpm;

/// A version-ordering scheme (one per package manager).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// Debian `dpkg` ordering.
    Dpkg,
    /// RPM `rpmvercmp` ordering with epoch and release.
    Rpm,
    /// Alpine `apk-tools` ordering.
    Apk,
}

impl Scheme {
    /// Compares two versions under this scheme.
    pub fn compare(self, a: &str, b: &str) -> Ordering {
        match self {
            Scheme::Dpkg => dpkg::compare(a, b),
            Scheme::Rpm => rpm::compare(a, b),
            Scheme::Apk => apk::compare(a, b),
        }
    }
}
