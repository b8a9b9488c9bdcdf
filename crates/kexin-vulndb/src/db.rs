//! The local advisory database file and `import`.
//!
//! The file is gzip-compressed JSON (see [`DbFile`]). Why not SQLite
//! through the workspace's `sqlx`: the matcher needs *all* advisories of
//! one release in memory anyway (the version comparisons are done in Rust,
//! not SQL — no SQL collation implements dpkg/rpm/apk ordering), a scan is
//! a single read of the whole file, the importer replaces the whole file,
//! and a plain file keeps this crate synchronous and free of a tokio
//! runtime and a native library, so it can run inside the agent and in
//! `--root` scans of mounted images alike. Gzipped JSON of the Debian
//! tracker plus OSV Debian data is a few MiB and loads in well under a
//! second. If per-query access ever matters, the [`Advisory`] model maps
//! 1:1 onto tables.
//!
//! Import is all-or-nothing: everything is read and parsed first, then the
//! new file is written to a temporary file in the same directory, synced,
//! and renamed over the old one. A failure at any step leaves the old
//! database untouched.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::advisory::{Advisory, Origin, Skipped, parse_debian_tracker, parse_osv};
use crate::zip::read_zip;

/// Value of [`DbFile::format`].
pub const FORMAT: &str = "kexin-vulndb";
/// Current [`DbFile::schema`].
pub const SCHEMA: u32 = 1;
/// Largest input file read by the importer (1 GiB).
pub const MAX_INPUT_SIZE: u64 = 1 << 30;

/// Errors of the database and the importer. Record-level problems are not
/// errors: they are [`Skipped`] entries in the [`ImportReport`].
#[derive(Debug, thiserror::Error)]
pub enum VulnDbError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An input or the database file is not in the expected format.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> VulnDbError + '_ {
    move |source| VulnDbError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// On-disk layout (gzip-compressed JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DbFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// Schema version, [`SCHEMA`].
    pub schema: u32,
    /// Advisories, sorted by (origin, id).
    pub advisories: Vec<Advisory>,
}

/// An input of [`VulnDb::import`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportSource {
    /// OSV data: a `.json` file (one record or an array), a `.zip` archive
    /// (every `*.json` entry), or a directory (recursively: every `*.json`
    /// and `*.zip` file, in sorted order; symlinks are not followed).
    Osv(PathBuf),
    /// The Debian security tracker JSON document.
    DebianTracker(PathBuf),
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Files (and zip entries) read.
    pub files: usize,
    /// Advisories parsed from the inputs.
    pub parsed: usize,
    /// Advisories new to the database.
    pub added: usize,
    /// Advisories that replaced one with the same origin and id.
    pub replaced: usize,
    /// Advisories in the database after the import.
    pub total: usize,
    /// Records not imported, with reasons.
    pub skipped: Vec<Skipped>,
}

/// The advisory database, loaded in memory with an index by package name.
#[derive(Debug, Clone, Default)]
pub struct VulnDb {
    advisories: Vec<Advisory>,
    /// package name → (advisory index, affected index)
    by_package: HashMap<String, Vec<(usize, usize)>>,
}

impl VulnDb {
    /// Builds a database from advisories (later duplicates of the same
    /// origin and id replace earlier ones).
    pub fn from_advisories(advisories: impl IntoIterator<Item = Advisory>) -> Self {
        let mut map: BTreeMap<(Origin, String), Advisory> = BTreeMap::new();
        for a in advisories {
            map.insert((a.origin, a.id.clone()), a);
        }
        let advisories: Vec<Advisory> = map.into_values().collect();
        let mut by_package: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for (i, a) in advisories.iter().enumerate() {
            for (j, af) in a.affected.iter().enumerate() {
                by_package
                    .entry(af.package.clone())
                    .or_default()
                    .push((i, j));
            }
        }
        VulnDb {
            advisories,
            by_package,
        }
    }

    /// All advisories, sorted by (origin, id).
    pub fn advisories(&self) -> &[Advisory] {
        &self.advisories
    }

    /// Number of advisories.
    pub fn len(&self) -> usize {
        self.advisories.len()
    }

    /// Whether the database holds no advisories.
    pub fn is_empty(&self) -> bool {
        self.advisories.is_empty()
    }

    /// `(advisory, affected index)` pairs naming `package`, any ecosystem.
    pub fn for_package(&self, package: &str) -> impl Iterator<Item = (&Advisory, usize)> {
        self.by_package
            .get(package)
            .into_iter()
            .flatten()
            .map(|&(i, j)| (&self.advisories[i], j))
    }

    /// Loads a database file.
    pub fn open(path: &Path) -> Result<Self, VulnDbError> {
        let f = fs::File::open(path).map_err(io(path))?;
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(f)
            .read_to_end(&mut json)
            .map_err(|e| VulnDbError::Format {
                path: path.to_path_buf(),
                message: format!("not a gzip file: {e}"),
            })?;
        let file: DbFile = serde_json::from_slice(&json).map_err(|e| VulnDbError::Format {
            path: path.to_path_buf(),
            message: format!("not a vulnerability database: {e}"),
        })?;
        if file.format != FORMAT || file.schema != SCHEMA {
            return Err(VulnDbError::Format {
                path: path.to_path_buf(),
                message: format!(
                    "unsupported database format {:?} schema {} (expected {FORMAT:?} {SCHEMA})",
                    file.format, file.schema
                ),
            });
        }
        Ok(Self::from_advisories(file.advisories))
    }

    /// Like [`open`](Self::open), but a missing file is an empty database.
    pub fn open_or_empty(path: &Path) -> Result<Self, VulnDbError> {
        match fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            _ => Self::open(path),
        }
    }

    /// Writes the database atomically: temporary file in the same
    /// directory, `fsync`, rename over `path`, `fsync` of the directory.
    pub fn save(&self, path: &Path) -> Result<(), VulnDbError> {
        let file = DbFile {
            format: FORMAT.into(),
            schema: SCHEMA,
            advisories: self.advisories.clone(),
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "vulndb".into());
        let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
        let result = (|| {
            // Serialize first: serde_json's many small writes straight into
            // the gzip encoder are an order of magnitude slower.
            let json = serde_json::to_vec(&file).map_err(|e| VulnDbError::Io {
                path: tmp.clone(),
                source: e.into(),
            })?;
            let f = fs::File::create(&tmp).map_err(io(&tmp))?;
            let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
            gz.write_all(&json).map_err(io(&tmp))?;
            let f = gz.finish().map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
            drop(f);
            fs::rename(&tmp, path).map_err(io(path))?;
            if let Ok(d) = fs::File::open(&dir) {
                let _ = d.sync_all();
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    /// Merges advisories into this database; returns (added, replaced).
    pub fn merge(&mut self, new: Vec<Advisory>) -> (usize, usize) {
        let mut map: BTreeMap<(Origin, String), Advisory> = std::mem::take(&mut self.advisories)
            .into_iter()
            .map(|a| ((a.origin, a.id.clone()), a))
            .collect();
        let (mut added, mut replaced) = (0, 0);
        for a in new {
            if map.insert((a.origin, a.id.clone()), a).is_some() {
                replaced += 1;
            } else {
                added += 1;
            }
        }
        *self = Self::from_advisories(map.into_values());
        (added, replaced)
    }

    /// `kexin vulndb import`: reads every source, merges the advisories into
    /// the database at `db_path` (created if missing) and writes it back
    /// atomically. Any I/O error, corrupt zip, unparsable tracker document or
    /// unreadable existing database aborts the import and leaves the file as
    /// it was. Individual bad records are skipped and listed in the report.
    /// Advisories with the same origin and id as the same import's earlier
    /// ones, or the database's, replace them (count in `replaced`).
    pub fn import(db_path: &Path, sources: &[ImportSource]) -> Result<ImportReport, VulnDbError> {
        let mut db = Self::open_or_empty(db_path)?;
        let mut report = ImportReport::default();
        let mut parsed = Vec::new();
        for s in sources {
            match s {
                ImportSource::Osv(p) => read_osv_path(p, &mut parsed, &mut report)?,
                ImportSource::DebianTracker(p) => {
                    let bytes = read_limited(p)?;
                    report.files += 1;
                    let (adv, skipped) = parse_debian_tracker(&p.display().to_string(), &bytes)
                        .map_err(|message| VulnDbError::Format {
                            path: p.clone(),
                            message,
                        })?;
                    parsed.extend(adv);
                    report.skipped.extend(skipped);
                }
            }
        }
        report.parsed = parsed.len();
        let (added, replaced) = db.merge(parsed);
        report.added = added;
        report.replaced = replaced;
        report.total = db.len();
        db.save(db_path)?;
        Ok(report)
    }
}

fn read_limited(p: &Path) -> Result<Vec<u8>, VulnDbError> {
    let f = fs::File::open(p).map_err(io(p))?;
    let mut buf = Vec::new();
    f.take(MAX_INPUT_SIZE + 1)
        .read_to_end(&mut buf)
        .map_err(io(p))?;
    if buf.len() as u64 > MAX_INPUT_SIZE {
        return Err(VulnDbError::Format {
            path: p.to_path_buf(),
            message: format!("larger than {MAX_INPUT_SIZE} bytes"),
        });
    }
    Ok(buf)
}

fn has_ext(p: &Path, ext: &str) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn read_osv_path(
    p: &Path,
    out: &mut Vec<Advisory>,
    report: &mut ImportReport,
) -> Result<(), VulnDbError> {
    let meta = fs::metadata(p).map_err(io(p))?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = fs::read_dir(p)
            .map_err(io(p))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(io(p))?;
        entries.sort();
        for e in entries {
            let ft = fs::symlink_metadata(&e).map_err(io(&e))?.file_type();
            if ft.is_dir() || (ft.is_file() && (has_ext(&e, "json") || has_ext(&e, "zip"))) {
                read_osv_path(&e, out, report)?;
            }
        }
        return Ok(());
    }
    let bytes = read_limited(p)?;
    let name = p.display().to_string();
    if has_ext(p, "zip") {
        let entries =
            read_zip(&bytes, |n| n.to_ascii_lowercase().ends_with(".json")).map_err(|message| {
                VulnDbError::Format {
                    path: p.to_path_buf(),
                    message,
                }
            })?;
        for e in entries {
            report.files += 1;
            let (adv, skipped) = parse_osv(&format!("{name}:{}", e.name), &e.data);
            out.extend(adv);
            report.skipped.extend(skipped);
        }
    } else {
        report.files += 1;
        let (adv, skipped) = parse_osv(&name, &bytes);
        out.extend(adv);
        report.skipped.extend(skipped);
    }
    Ok(())
}
