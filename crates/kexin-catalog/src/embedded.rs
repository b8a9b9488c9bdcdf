//! The shipped catalog, compiled into the binary.

use std::sync::OnceLock;

use crate::Catalog;
use crate::load::CatalogFile;

/// Where the shipped catalog lives in the source tree, for problem messages.
pub const EMBEDDED_ROOT: &str = "catalog";

pub const EMBEDDED_SOURCES: &str = include_str!("../../../catalog/sources.yaml");

pub const EMBEDDED_CHECKS: &str = include_str!("../../../catalog/checks.yaml");

/// Every file of `catalog/standards`, as (file name, contents). A test
/// compares this list with the directory: a new file must be listed here.
pub const EMBEDDED_STANDARDS: &[(&str, &str)] = &[
    (
        "business-security.yaml",
        include_str!("../../../catalog/standards/business-security.yaml"),
    ),
    (
        "cloud-host.yaml",
        include_str!("../../../catalog/standards/cloud-host.yaml"),
    ),
    (
        "cloud-service-general.yaml",
        include_str!("../../../catalog/standards/cloud-service-general.yaml"),
    ),
    (
        "cloud-service-saas.yaml",
        include_str!("../../../catalog/standards/cloud-service-saas.yaml"),
    ),
    (
        "data-protection-evaluation.yaml",
        include_str!("../../../catalog/standards/data-protection-evaluation.yaml"),
    ),
    (
        "data-protection-framework.yaml",
        include_str!("../../../catalog/standards/data-protection-framework.yaml"),
    ),
    (
        "data-protection-tools.yaml",
        include_str!("../../../catalog/standards/data-protection-tools.yaml"),
    ),
    (
        "devsecops-framework.yaml",
        include_str!("../../../catalog/standards/devsecops-framework.yaml"),
    ),
    (
        "devsecops-maturity.yaml",
        include_str!("../../../catalog/standards/devsecops-maturity.yaml"),
    ),
    (
        "iast-tool.yaml",
        include_str!("../../../catalog/standards/iast-tool.yaml"),
    ),
    (
        "risk-management.yaml",
        include_str!("../../../catalog/standards/risk-management.yaml"),
    ),
    (
        "sast-tool.yaml",
        include_str!("../../../catalog/standards/sast-tool.yaml"),
    ),
    (
        "shared-responsibility.yaml",
        include_str!("../../../catalog/standards/shared-responsibility.yaml"),
    ),
    (
        "situational-awareness.yaml",
        include_str!("../../../catalog/standards/situational-awareness.yaml"),
    ),
    (
        "soc.yaml",
        include_str!("../../../catalog/standards/soc.yaml"),
    ),
    (
        "zero-trust-architecture.yaml",
        include_str!("../../../catalog/standards/zero-trust-architecture.yaml"),
    ),
    (
        "zero-trust-solution.yaml",
        include_str!("../../../catalog/standards/zero-trust-solution.yaml"),
    ),
];

impl Catalog {
    /// The shipped catalog, parsed once.
    ///
    /// # Panics
    ///
    /// If the shipped files do not load, which the crate's tests rule out.
    pub fn embedded() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| match Catalog::load_embedded() {
            Ok(c) => c,
            Err(e) => panic!("the shipped catalog does not load:\n{e}"),
        })
    }

    /// Parses the shipped catalog afresh.
    pub fn load_embedded() -> Result<Catalog, crate::CatalogError> {
        let paths: Vec<String> = EMBEDDED_STANDARDS
            .iter()
            .map(|(name, _)| format!("{EMBEDDED_ROOT}/standards/{name}"))
            .collect();
        let files: Vec<CatalogFile<'_>> = EMBEDDED_STANDARDS
            .iter()
            .zip(&paths)
            .map(|((_, text), path)| CatalogFile {
                path,
                bytes: text.as_bytes(),
            })
            .collect();
        Catalog::from_files(
            CatalogFile {
                path: &format!("{EMBEDDED_ROOT}/sources.yaml"),
                bytes: EMBEDDED_SOURCES.as_bytes(),
            },
            CatalogFile {
                path: &format!("{EMBEDDED_ROOT}/checks.yaml"),
                bytes: EMBEDDED_CHECKS.as_bytes(),
            },
            &files,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_list_is_the_standards_directory() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog/standards");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        on_disk.sort();
        let listed: Vec<&str> = EMBEDDED_STANDARDS.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            listed, on_disk,
            "list every file of catalog/standards in EMBEDDED_STANDARDS"
        );
        for (name, text) in EMBEDDED_STANDARDS {
            assert_eq!(
                *text,
                std::fs::read_to_string(dir.join(name)).unwrap(),
                "{name}"
            );
        }
    }

    #[test]
    fn the_embedded_catalog_equals_the_directory() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
        assert_eq!(Catalog::embedded(), &Catalog::load_dir(&root).unwrap());
    }
}
