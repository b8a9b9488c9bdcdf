#![allow(dead_code)]

use std::path::{Path, PathBuf};

use kexin_catalog::{Catalog, CatalogError};

pub fn catalog_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog")
}

/// A copy of the shipped catalog (YAML files only) in a fresh directory.
pub fn copy_catalog() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = catalog_dir();
    std::fs::create_dir(dir.path().join("standards")).unwrap();
    for name in ["sources.yaml", "checks.yaml"] {
        std::fs::copy(src.join(name), dir.path().join(name)).unwrap();
    }
    for entry in std::fs::read_dir(src.join("standards")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            dir.path().join("standards").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    dir
}

/// Replaces the first `from` in `standards/<file>` and returns the new text.
pub fn edit(dir: &Path, file: &str, from: &str, to: &str) -> String {
    let path = dir.join("standards").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from:?} not in {file}");
    let text = text.replacen(from, to, 1);
    std::fs::write(&path, &text).unwrap();
    text
}

/// 1-based line of the `nth` (0-based) occurrence of `needle`.
pub fn line_of(text: &str, needle: &str, nth: usize) -> u64 {
    let (at, _) = text.match_indices(needle).nth(nth).expect("needle present");
    text[..at].matches('\n').count() as u64 + 1
}

pub fn load_err(dir: &Path) -> CatalogError {
    match Catalog::load_dir(dir) {
        Ok(_) => panic!("the broken catalog loaded"),
        Err(e) => e,
    }
}
