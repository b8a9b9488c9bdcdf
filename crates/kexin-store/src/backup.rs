//! Backup and restore of a whole data directory.
//!
//! A backup is a `.tar.gz` holding `manifest.json` (versions, and the
//! SHA-256 and size of every file) and the data directory's files. The
//! database enters as a `VACUUM INTO` snapshot: a consistent copy taken
//! through SQLite while the server keeps reading and writing, never a raw
//! copy of a file in use. The archive is written under a temporary name and
//! renamed into place, so a failed backup leaves no half archive.
//!
//! A restore checks every file against the manifest and the database
//! against SQLite's integrity check in a staging directory first; only then
//! is the current data directory moved aside (kept, never deleted) and the
//! staged one renamed into its place. It refuses while a server holds the
//! directory's lock.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{Connection, Row, SqliteConnection};

use crate::{DB_FILE, Result, StoreError, migrate};

/// File name of the lock a running server holds in its data directory.
pub const LOCK_FILE: &str = "kexin.lock";
const MANIFEST: &str = "manifest.json";

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupManifest {
    pub format: u32,
    pub kexin_version: String,
    pub schema_version: i64,
    pub created_at: String,
    pub files: Vec<BackupFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupFile {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

fn io_err(path: &Path) -> impl Fn(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// An exclusive lock on a data directory, held by a running server and by
/// a restore. Released when dropped.
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    pub fn acquire(dir: &Path) -> Result<DataDirLock> {
        let path = dir.join(LOCK_FILE);
        let mut file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_err(&path))?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0).map_err(io_err(&path))?;
                writeln!(file, "{}", std::process::id()).map_err(io_err(&path))?;
                Ok(DataDirLock { _file: file })
            }
            Err(fs::TryLockError::WouldBlock) => {
                let pid = fs::read_to_string(&path).unwrap_or_default();
                Err(StoreError::Backup(format!(
                    "{} is in use by another Kexin process (pid {}); stop it first",
                    dir.display(),
                    pid.trim()
                )))
            }
            Err(fs::TryLockError::Error(e)) => Err(io_err(&path)(e)),
        }
    }
}

fn sha256_file(path: &Path) -> Result<(String, u64)> {
    let mut f = File::open(path).map_err(io_err(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(h.finalize()), size))
}

/// Files of the data directory that a backup carries besides the database
/// snapshot, as paths relative to `dir`.
fn data_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let skip = [
        DB_FILE,
        "kexin.db-wal",
        "kexin.db-shm",
        "kexin.db-journal",
        LOCK_FILE,
    ];
    Ok(data_files_all(dir)?
        .into_iter()
        .filter(|rel| {
            let name = rel
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let top_level = rel.parent().is_none_or(|p| p.as_os_str().is_empty());
            let own_file = top_level && skip.contains(&name.as_str());
            !own_file && !name.ends_with(".tmp")
        })
        .collect())
}

/// Every regular file under `dir`, relative to it.
fn data_files_all(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let abs = dir.join(&rel);
        for entry in fs::read_dir(&abs).map_err(io_err(&abs))? {
            let entry = entry.map_err(io_err(&abs))?;
            let rel_path = rel.join(entry.file_name());
            let ft = entry.file_type().map_err(io_err(&entry.path()))?;
            if ft.is_dir() {
                stack.push(rel_path);
            } else if ft.is_file() {
                out.push(rel_path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Writes a backup of `data_dir` to `out`. Safe while a server is running.
/// `progress` is called with (files done, files in total).
pub async fn backup(
    data_dir: &Path,
    out: &Path,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<BackupManifest> {
    let db_path = data_dir.join(DB_FILE);
    if !db_path.is_file() {
        return Err(StoreError::Backup(format!(
            "{} holds no Kexin database ({DB_FILE} is missing)",
            data_dir.display()
        )));
    }
    let staging = tempfile_dir(out)?;
    let snapshot = staging.join(DB_FILE);
    let url = format!("sqlite://{}?mode=ro", db_path.display());
    let mut conn = SqliteConnection::connect(&url)
        .await
        .map_err(|e| StoreError::from_sqlx(e, &db_path))?;
    let schema_version = migrate::current_version(&mut conn).await?;
    sqlx::query("VACUUM INTO ?")
        .bind(snapshot.to_string_lossy().to_string())
        .execute(&mut conn)
        .await
        .map_err(|e| StoreError::from_sqlx(e, &db_path))?;
    conn.close().await.ok();

    let others = data_files(data_dir)?;
    let total = others.len() as u64 + 1;
    let mut files = Vec::new();
    let (sha, size) = sha256_file(&snapshot)?;
    files.push(BackupFile {
        path: DB_FILE.into(),
        size,
        sha256: sha,
    });
    for rel in &others {
        let (sha, size) = sha256_file(&data_dir.join(rel))?;
        files.push(BackupFile {
            path: rel.to_string_lossy().replace('\\', "/"),
            size,
            sha256: sha,
        });
    }
    let manifest = BackupManifest {
        format: 1,
        kexin_version: env!("CARGO_PKG_VERSION").into(),
        schema_version,
        created_at: kexin_core::Timestamp::now().to_string(),
        files,
    };

    let tmp_out = out.with_extension("tmp");
    let mut write = || -> Result<()> {
        let f = File::create(&tmp_out).map_err(io_err(&tmp_out))?;
        restrict(&tmp_out, 0o600)?;
        let gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        let manifest_json =
            serde_json::to_vec_pretty(&manifest).map_err(|e| StoreError::Backup(e.to_string()))?;
        let mut header = tar::Header::new_gnu();
        header.set_size(manifest_json.len() as u64);
        header.set_mode(0o600);
        header.set_cksum();
        tar.append_data(&mut header, MANIFEST, manifest_json.as_slice())
            .map_err(io_err(&tmp_out))?;
        tar.append_path_with_name(&snapshot, DB_FILE)
            .map_err(io_err(&snapshot))?;
        progress(1, total);
        for (i, rel) in others.iter().enumerate() {
            let abs = data_dir.join(rel);
            tar.append_path_with_name(&abs, rel).map_err(io_err(&abs))?;
            progress(i as u64 + 2, total);
        }
        let gz = tar.into_inner().map_err(io_err(&tmp_out))?;
        let f = gz.finish().map_err(io_err(&tmp_out))?;
        f.sync_all().map_err(io_err(&tmp_out))?;
        Ok(())
    };
    let result = write().and_then(|_| fs::rename(&tmp_out, out).map_err(io_err(out)));
    let _ = fs::remove_dir_all(&staging);
    if result.is_err() {
        let _ = fs::remove_file(&tmp_out);
    }
    result.map(|_| manifest)
}

fn tempfile_dir(near: &Path) -> Result<PathBuf> {
    let parent = near
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = parent.join(format!(
        ".kexin-staging-{}-{}",
        std::process::id(),
        uuid::Uuid::now_v7()
    ));
    fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    restrict(&dir, 0o700)?;
    Ok(dir)
}

/// Data directories and archives hold password hashes: owner only.
fn restrict(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io_err(path))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Restores `archive` into `data_dir`. The current contents, if any, are
/// moved to a sibling directory whose path is returned with the manifest.
pub async fn restore(archive: &Path, data_dir: &Path) -> Result<(BackupManifest, Option<PathBuf>)> {
    let staging = tempfile_dir(data_dir)?;
    let result = restore_into(archive, data_dir, &staging).await;
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

async fn restore_into(
    archive: &Path,
    data_dir: &Path,
    staging: &Path,
) -> Result<(BackupManifest, Option<PathBuf>)> {
    let bad = |why: String| {
        StoreError::Backup(format!(
            "{} is not a usable Kexin backup: {why}",
            archive.display()
        ))
    };
    let f = File::open(archive).map_err(io_err(archive))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(f));
    let mut manifest: Option<BackupManifest> = None;
    for entry in tar.entries().map_err(|e| bad(e.to_string()))? {
        let mut entry = entry.map_err(|e| bad(e.to_string()))?;
        let path = entry.path().map_err(|e| bad(e.to_string()))?.into_owned();
        if path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(bad(format!(
                "entry `{}` points outside the data directory",
                path.display()
            )));
        }
        if path == Path::new(MANIFEST) {
            let mut text = String::new();
            entry
                .read_to_string(&mut text)
                .map_err(|e| bad(e.to_string()))?;
            manifest =
                Some(serde_json::from_str(&text).map_err(|e| bad(format!("manifest.json: {e}")))?);
            continue;
        }
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let dest = staging.join(&path);
        if let Some(p) = dest.parent() {
            fs::create_dir_all(p).map_err(io_err(p))?;
        }
        entry
            .unpack(&dest)
            .map_err(|e| bad(format!("{}: {e}", path.display())))?;
    }
    let manifest: BackupManifest =
        manifest.ok_or_else(|| bad("manifest.json is missing".into()))?;
    for file in &manifest.files {
        if Path::new(&file.path)
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(bad(format!(
                "manifest entry `{}` points outside the data directory",
                file.path
            )));
        }
    }
    if !manifest.files.iter().any(|f| f.path == DB_FILE) {
        return Err(bad(format!("the manifest lists no {DB_FILE}")));
    }
    // Nothing may arrive that the manifest does not vouch for.
    let listed: std::collections::HashSet<PathBuf> = manifest
        .files
        .iter()
        .map(|f| PathBuf::from(&f.path))
        .collect();
    for rel in data_files_all(staging)? {
        if !listed.contains(&rel) {
            return Err(bad(format!(
                "{} is in the archive but not in its manifest",
                rel.display()
            )));
        }
    }
    if manifest.schema_version > migrate::latest_version() {
        return Err(bad(format!(
            "it was made with schema version {}, newer than this Kexin supports ({}); use a newer Kexin",
            manifest.schema_version,
            migrate::latest_version()
        )));
    }
    for file in &manifest.files {
        let p = staging.join(&file.path);
        let (sha, size) =
            sha256_file(&p).map_err(|_| bad(format!("{} is listed but missing", file.path)))?;
        if sha != file.sha256 || size != file.size {
            return Err(bad(format!(
                "{} does not match its checksum (damaged archive)",
                file.path
            )));
        }
    }
    let db = staging.join(DB_FILE);
    let url = format!("sqlite://{}?mode=ro", db.display());
    let mut conn = SqliteConnection::connect(&url)
        .await
        .map_err(|e| bad(e.to_string()))?;
    let check: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| bad(e.to_string()))?
        .get(0);
    conn.close().await.ok();
    if check != "ok" {
        return Err(bad(format!(
            "the database fails SQLite's integrity check: {check}"
        )));
    }

    let previous = if data_dir.exists()
        && fs::read_dir(data_dir)
            .map_err(io_err(data_dir))?
            .next()
            .is_some()
    {
        let _lock = DataDirLock::acquire(data_dir)?;
        let stamp = kexin_core::Timestamp::now()
            .to_string()
            .replace([':', '.'], "");
        let name = format!(
            "{}.before-restore-{stamp}",
            data_dir
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        );
        let aside = data_dir.with_file_name(name);
        fs::rename(data_dir, &aside).map_err(io_err(data_dir))?;
        if let Err(e) = fs::rename(staging, data_dir) {
            // Put the old data back rather than leave no data directory.
            let _ = fs::rename(&aside, data_dir);
            return Err(io_err(data_dir)(e));
        }
        Some(aside)
    } else {
        if data_dir.exists() {
            fs::remove_dir(data_dir).map_err(io_err(data_dir))?;
        }
        fs::rename(staging, data_dir).map_err(io_err(data_dir))?;
        None
    };
    Ok((manifest, previous))
}
