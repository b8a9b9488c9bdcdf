//! Confined, size-limited access to the filesystem being scanned.
//!
//! A [`Root`] is either the running host ([`Root::live`], base `/`) or an
//! offline tree ([`Root::offline`]: an unpacked container image, a mounted VM
//! disk, a debootstrap tree). Every method takes an **absolute path as seen
//! inside the target** (`"/etc/ssh/sshd_config"`), never a host path.
//!
//! # Invariants
//!
//! * Paths are resolved **component by component inside the root**, with the
//!   same rules the kernel applies inside a `chroot`: an absolute symlink
//!   target restarts at the root, a relative one continues from the link's
//!   directory, and `..` at the root stays at the root. The resolved host
//!   path is checked to lie under the base before anything is opened, so
//!   nothing outside the root directory is ever opened or listed.
//! * At most [`MAX_SYMLINKS`] symlinks are followed per lookup (Linux's own
//!   limit); more is reported as [`ReadError::Loop`].
//! * Reads are refused for non-regular files (a FIFO in an untrusted tree
//!   would block the scan) and for files larger than the configured limit
//!   ([`DEFAULT_MAX_FILE_SIZE`], change it with [`Root::with_max_file_size`]).
//!   The limit is enforced on the bytes actually read, so `/proc` files whose
//!   reported size is 0 are handled too.
//! * Text that is not UTF-8 is decoded lossily and flagged
//!   ([`FileText::lossy`]).
//! * Every error names the in-root path and the reason, so a check can report
//!   "error: /etc/shadow: permission denied" and move on.
//!
//! The tree is assumed not to be modified while it is scanned. As a defence
//! against a swap between resolution and `open`, the final component is
//! opened with `O_NOFOLLOW | O_NONBLOCK` and the opened file's device and
//! inode are compared with those seen during resolution
//! ([`ReadError::Changed`]). A swapped *parent* directory is not detected
//! before `open` (that would need `openat2(RESOLVE_IN_ROOT)`), only by the
//! inode comparison afterwards.

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Linux's limit on symlinks followed in one lookup (`MAXSYMLINKS`).
pub const MAX_SYMLINKS: usize = 40;
/// Default largest file [`Root::read`] and [`Root::read_bytes`] accept: 16 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Why a path could not be read. Every variant carries the in-root path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ReadError {
    #[error("{path}: not found")]
    NotFound { path: String },
    #[error("{path}: permission denied")]
    PermissionDenied { path: String },
    #[error("{path}: file too large ({size} bytes or more, limit {limit} bytes)")]
    TooLarge { path: String, size: u64, limit: u64 },
    #[error("{path}: resolves outside the scanned root; refused")]
    EscapesRoot { path: String },
    #[error("{path}: too many levels of symbolic links (loop or chain longer than {MAX_SYMLINKS})")]
    Loop { path: String },
    #[error("{path}: a path component is not a directory")]
    NotADirectory { path: String },
    #[error("{path}: not a regular file ({kind})")]
    NotAFile { path: String, kind: FileKind },
    #[error("{path}: invalid path: {reason}")]
    InvalidPath { path: String, reason: String },
    #[error("{path}: changed while it was being read; refused")]
    Changed { path: String },
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}

impl ReadError {
    /// The in-root path the error is about.
    pub fn path(&self) -> &str {
        match self {
            ReadError::NotFound { path }
            | ReadError::PermissionDenied { path }
            | ReadError::TooLarge { path, .. }
            | ReadError::EscapesRoot { path }
            | ReadError::Loop { path }
            | ReadError::NotADirectory { path }
            | ReadError::NotAFile { path, .. }
            | ReadError::InvalidPath { path, .. }
            | ReadError::Changed { path }
            | ReadError::Io { path, .. } => path,
        }
    }

    /// True for [`ReadError::NotFound`]: checks usually treat a missing file
    /// as "not configured" rather than as an error.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::NotFound { .. })
    }

    fn from_io(path: &str, e: &io::Error) -> ReadError {
        let path = path.to_string();
        match e.kind() {
            io::ErrorKind::NotFound => ReadError::NotFound { path },
            io::ErrorKind::PermissionDenied => ReadError::PermissionDenied { path },
            io::ErrorKind::NotADirectory => ReadError::NotADirectory { path },
            _ if e.raw_os_error() == Some(libc::ELOOP) => ReadError::Loop { path },
            _ => ReadError::Io {
                path,
                message: e.to_string(),
            },
        }
    }
}

/// The type of a filesystem object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
    Other,
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileKind::File => "regular file",
            FileKind::Dir => "directory",
            FileKind::Symlink => "symbolic link",
            FileKind::CharDevice => "character device",
            FileKind::BlockDevice => "block device",
            FileKind::Fifo => "fifo",
            FileKind::Socket => "socket",
            FileKind::Other => "other",
        })
    }
}

impl FileKind {
    fn of(ft: fs::FileType) -> FileKind {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_symlink() {
            FileKind::Symlink
        } else if ft.is_file() {
            FileKind::File
        } else if ft.is_dir() {
            FileKind::Dir
        } else if ft.is_char_device() {
            FileKind::CharDevice
        } else if ft.is_block_device() {
            FileKind::BlockDevice
        } else if ft.is_fifo() {
            FileKind::Fifo
        } else if ft.is_socket() {
            FileKind::Socket
        } else {
            FileKind::Other
        }
    }
}

/// Ownership, permissions and type of a path, as seen inside the root.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Metadata {
    /// The path that was asked for.
    pub path: String,
    /// The in-root path it resolved to (symlinks in the parent directories
    /// resolved; the final component resolved too for
    /// [`Root::metadata_follow`]).
    pub resolved: String,
    pub kind: FileKind,
    /// Permission bits including setuid/setgid/sticky (`st_mode & 0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    /// Modification time, seconds since the epoch.
    pub mtime: i64,
    /// For a symlink (only from [`Root::metadata`]): its target, verbatim.
    pub symlink_target: Option<String>,
}

impl Metadata {
    /// World-writable (`o+w`)?
    pub fn world_writable(&self) -> bool {
        self.mode & 0o002 != 0
    }
    /// Readable or writable by others than the owner and group (`o+rw`)?
    pub fn other_accessible(&self) -> bool {
        self.mode & 0o006 != 0
    }
    /// The permission bits in the usual octal form, e.g. `"0640"`.
    pub fn mode_octal(&self) -> String {
        format!("{:04o}", self.mode)
    }
}

/// A text file read from a root.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileText {
    /// The in-root path that was asked for (used in evidence).
    pub path: String,
    pub text: String,
    /// True if the bytes were not valid UTF-8 and were decoded lossily
    /// (invalid sequences became U+FFFD).
    pub lossy: bool,
}

impl FileText {
    /// Build from bytes, decoding lossily if needed.
    pub fn from_bytes(path: impl Into<String>, bytes: &[u8]) -> FileText {
        let (text, lossy) = match std::str::from_utf8(bytes) {
            Ok(s) => (s.to_string(), false),
            Err(_) => (String::from_utf8_lossy(bytes).into_owned(), true),
        };
        FileText {
            path: path.into(),
            text,
            lossy,
        }
    }

    /// Line `n`, 1-based as in evidence ("line 12"); without its line ending.
    pub fn line(&self, n: usize) -> Option<&str> {
        if n == 0 {
            return None;
        }
        self.text
            .split('\n')
            .nth(n - 1)
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
    }

    /// The lines with their 1-based numbers.
    pub fn numbered_lines(&self) -> impl Iterator<Item = (usize, &str)> {
        self.text.lines().enumerate().map(|(i, l)| (i + 1, l))
    }
}

/// An entry of [`Root::read_dir`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DirEntry {
    /// The file name.
    pub name: String,
    /// The in-root path (directory path joined with the name).
    pub path: String,
    /// The entry's own type (a symlink is reported as [`FileKind::Symlink`]).
    pub kind: FileKind,
}

/// Where the scanned filesystem lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootKind {
    /// The running host; commands and `/proc` may be consulted.
    Live,
    /// An offline tree; nothing outside it is read and no command is run.
    Offline,
}

/// A filesystem to scan: the live host or an offline tree. See the module
/// documentation for the confinement guarantees.
#[derive(Debug, Clone)]
pub struct Root {
    base: PathBuf,
    kind: RootKind,
    max_file_size: u64,
}

/// Resolution result of one lookup.
struct Resolved {
    /// In-root path, normalised (`/`-separated, absolute).
    logical: String,
    host: PathBuf,
    meta: fs::Metadata,
}

impl Root {
    /// The running host (base `/`).
    pub fn live() -> Root {
        Root {
            base: PathBuf::from("/"),
            kind: RootKind::Live,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }

    /// The running host seen through a directory that holds its `/`, `/proc`
    /// included: an agent in a container with the host's root mounted at
    /// `/host`, or a test tree with a synthetic `/proc`. Live-only checks run
    /// (they read `/proc` inside `dir`); confinement is that of an offline root.
    pub fn live_at(dir: impl AsRef<Path>) -> Result<Root, ReadError> {
        Ok(Root {
            kind: RootKind::Live,
            ..Root::offline(dir)?
        })
    }

    /// An offline root filesystem at `dir`. The directory is canonicalised
    /// once here (it is the caller's trusted choice); everything below it is
    /// treated as untrusted.
    pub fn offline(dir: impl AsRef<Path>) -> Result<Root, ReadError> {
        let dir = dir.as_ref();
        let shown = dir.display().to_string();
        let base = fs::canonicalize(dir).map_err(|e| ReadError::from_io(&shown, &e))?;
        let meta = fs::metadata(&base).map_err(|e| ReadError::from_io(&shown, &e))?;
        if !meta.is_dir() {
            return Err(ReadError::NotADirectory { path: shown });
        }
        Ok(Root {
            base,
            kind: RootKind::Offline,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        })
    }

    /// Change the largest file size accepted by reads.
    pub fn with_max_file_size(mut self, bytes: u64) -> Root {
        self.max_file_size = bytes;
        self
    }

    pub fn max_file_size(&self) -> u64 {
        self.max_file_size
    }

    pub fn kind(&self) -> RootKind {
        self.kind
    }

    /// True for [`Root::live`]: only then may a check look at `/proc`,
    /// sockets or run commands.
    pub fn is_live(&self) -> bool {
        self.kind == RootKind::Live
    }

    /// The host directory the root lives at (`/` for a live root).
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// Read a regular file as text (lossy if not UTF-8), following symlinks
    /// inside the root.
    pub fn read(&self, path: &str) -> Result<FileText, ReadError> {
        let bytes = self.read_bytes(path)?;
        Ok(FileText::from_bytes(path, &bytes))
    }

    /// Like [`Root::read`] but a missing file is `Ok(None)`: for optional
    /// configuration ("not configured" is not an error).
    pub fn read_optional(&self, path: &str) -> Result<Option<FileText>, ReadError> {
        match self.read(path) {
            Ok(t) => Ok(Some(t)),
            Err(ReadError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Read a regular file's bytes, following symlinks inside the root.
    pub fn read_bytes(&self, path: &str) -> Result<Vec<u8>, ReadError> {
        let r = self.resolve(path, true)?;
        let kind = FileKind::of(r.meta.file_type());
        if kind != FileKind::File {
            return Err(ReadError::NotAFile {
                path: path.to_string(),
                kind,
            });
        }
        if r.meta.len() > self.max_file_size {
            return Err(ReadError::TooLarge {
                path: path.to_string(),
                size: r.meta.len(),
                limit: self.max_file_size,
            });
        }
        // O_NOFOLLOW: a final component swapped for a symlink after
        // resolution fails instead of being followed; O_NONBLOCK: a
        // component swapped for a FIFO cannot block the scan.
        let file = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(&r.host)
            .map_err(|e| ReadError::from_io(path, &e))?;
        let opened = file.metadata().map_err(|e| ReadError::from_io(path, &e))?;
        if opened.dev() != r.meta.dev() || opened.ino() != r.meta.ino() || !opened.is_file() {
            return Err(ReadError::Changed {
                path: path.to_string(),
            });
        }
        let mut buf = Vec::new();
        file.take(self.max_file_size.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| ReadError::from_io(path, &e))?;
        if buf.len() as u64 > self.max_file_size {
            return Err(ReadError::TooLarge {
                path: path.to_string(),
                size: buf.len() as u64,
                limit: self.max_file_size,
            });
        }
        Ok(buf)
    }

    /// Metadata of `path` without following a final symlink (`lstat`).
    /// Symlinks in the parent directories are resolved inside the root.
    pub fn metadata(&self, path: &str) -> Result<Metadata, ReadError> {
        let r = self.resolve(path, false)?;
        let symlink_target = if r.meta.file_type().is_symlink() {
            fs::read_link(&r.host)
                .ok()
                .map(|t| t.to_string_lossy().into_owned())
        } else {
            None
        };
        Ok(to_metadata(path, r, symlink_target))
    }

    /// Metadata of what `path` finally points to (`stat`), following
    /// symlinks inside the root.
    pub fn metadata_follow(&self, path: &str) -> Result<Metadata, ReadError> {
        let r = self.resolve(path, true)?;
        Ok(to_metadata(path, r, None))
    }

    /// Does `path` exist (following symlinks inside the root)? A dangling or
    /// looping link, or any error, counts as "no".
    pub fn exists(&self, path: &str) -> bool {
        self.resolve(path, true).is_ok()
    }

    /// The in-root path `path` resolves to, following symlinks inside the
    /// root (like `realpath` in a chroot).
    pub fn canonicalize(&self, path: &str) -> Result<String, ReadError> {
        Ok(self.resolve(path, true)?.logical)
    }

    /// The entries of a directory, sorted by name (`.` and `..` omitted).
    pub fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, ReadError> {
        let r = self.resolve(path, true)?;
        if !r.meta.is_dir() {
            return Err(ReadError::NotADirectory {
                path: path.to_string(),
            });
        }
        let shown = trim_trailing_slash(path);
        let mut out = Vec::new();
        for entry in fs::read_dir(&r.host).map_err(|e| ReadError::from_io(path, &e))? {
            let entry = entry.map_err(|e| ReadError::from_io(path, &e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = entry
                .file_type()
                .map(FileKind::of)
                .unwrap_or(FileKind::Other);
            let child = if shown == "/" {
                format!("/{name}")
            } else {
                format!("{shown}/{name}")
            };
            out.push(DirEntry {
                name,
                path: child,
                kind,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Paths matching a simple pattern, sorted. Wildcards (`*`, `?`) are
    /// allowed in the **last component only**: `/etc/ssh/sshd_config.d/*.conf`.
    /// A pattern without wildcards returns itself if it exists. Names
    /// starting with `.` match only a pattern starting with `.` (as in the
    /// shell). A missing directory gives an empty list, not an error.
    /// Entries of any type are returned (callers reading them get a
    /// [`ReadError::NotAFile`] for directories).
    pub fn glob(&self, pattern: &str) -> Result<Vec<String>, ReadError> {
        check_path(pattern)?;
        let (dir, last) = match pattern.rfind('/') {
            Some(0) => ("/", &pattern[1..]),
            Some(i) => (&pattern[..i], &pattern[i + 1..]),
            None => unreachable!("check_path requires an absolute path"),
        };
        if dir.contains(['*', '?']) {
            return Err(ReadError::InvalidPath {
                path: pattern.to_string(),
                reason: "wildcards are supported in the last component only".into(),
            });
        }
        if !last.contains(['*', '?']) {
            return Ok(if self.exists(pattern) {
                vec![pattern.to_string()]
            } else {
                Vec::new()
            });
        }
        let entries = match self.read_dir(dir) {
            Ok(e) => e,
            Err(ReadError::NotFound { .. }) | Err(ReadError::NotADirectory { .. }) => {
                return Ok(Vec::new());
            }
            Err(e) => return Err(e),
        };
        Ok(entries
            .into_iter()
            .filter(|e| {
                (!e.name.starts_with('.') || last.starts_with('.')) && wildcard_match(last, &e.name)
            })
            .map(|e| e.path)
            .collect())
    }

    /// Resolve `path` inside the root. `follow_final`: resolve a final
    /// symlink too.
    fn resolve(&self, path: &str, follow_final: bool) -> Result<Resolved, ReadError> {
        check_path(path)?;
        // Components still to process, in reverse order (pop from the end).
        let mut todo: Vec<String> = components_rev(path);
        let mut done: Vec<String> = Vec::new();
        let mut links = 0usize;
        loop {
            let Some(comp) = todo.pop() else {
                // Everything resolved: the root itself or a directory chain.
                let host = self.host_path(&done, path)?;
                let meta = fs::symlink_metadata(&host).map_err(|e| ReadError::from_io(path, &e))?;
                return Ok(Resolved {
                    logical: logical(&done),
                    host,
                    meta,
                });
            };
            match comp.as_str() {
                "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                _ => {}
            }
            done.push(comp);
            let host = self.host_path(&done, path)?;
            let meta = fs::symlink_metadata(&host).map_err(|e| ReadError::from_io(path, &e))?;
            let is_last = todo.iter().all(|c| c == ".");
            if meta.file_type().is_symlink() && (!is_last || follow_final) {
                links += 1;
                if links > MAX_SYMLINKS {
                    return Err(ReadError::Loop {
                        path: path.to_string(),
                    });
                }
                let target = fs::read_link(&host).map_err(|e| ReadError::from_io(path, &e))?;
                let target = target.to_string_lossy().into_owned();
                done.pop();
                if target.starts_with('/') {
                    done.clear();
                }
                todo.extend(components_rev(&target));
                continue;
            }
            if is_last {
                return Ok(Resolved {
                    logical: logical(&done),
                    host,
                    meta,
                });
            }
            if !meta.is_dir() {
                return Err(ReadError::NotADirectory {
                    path: path.to_string(),
                });
            }
        }
    }

    fn host_path(&self, done: &[String], asked: &str) -> Result<PathBuf, ReadError> {
        let mut host = self.base.clone();
        for c in done {
            host.push(c);
        }
        // Defence in depth: components never contain '/', '.' or '..', so
        // this holds by construction; refuse rather than open if it ever
        // does not.
        if !host.starts_with(&self.base) {
            return Err(ReadError::EscapesRoot {
                path: asked.to_string(),
            });
        }
        Ok(host)
    }
}

fn to_metadata(path: &str, r: Resolved, symlink_target: Option<String>) -> Metadata {
    Metadata {
        path: path.to_string(),
        resolved: r.logical,
        kind: FileKind::of(r.meta.file_type()),
        mode: r.meta.mode() & 0o7777,
        uid: r.meta.uid(),
        gid: r.meta.gid(),
        size: r.meta.len(),
        mtime: r.meta.mtime(),
        symlink_target,
    }
}

fn check_path(path: &str) -> Result<(), ReadError> {
    if !path.starts_with('/') {
        return Err(ReadError::InvalidPath {
            path: path.to_string(),
            reason: "paths inside a root must be absolute".into(),
        });
    }
    if path.contains('\0') {
        return Err(ReadError::InvalidPath {
            path: path.escape_debug().to_string(),
            reason: "contains a NUL byte".into(),
        });
    }
    Ok(())
}

fn components_rev(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|c| !c.is_empty())
        .rev()
        .map(str::to_string)
        .collect()
}

fn logical(done: &[String]) -> String {
    if done.is_empty() {
        "/".to_string()
    } else {
        let mut s = String::new();
        for c in done {
            s.push('/');
            s.push_str(c);
        }
        s
    }
}

fn trim_trailing_slash(path: &str) -> &str {
    let t = path.trim_end_matches('/');
    if t.is_empty() { "/" } else { t }
}

/// Bounds of [`Root::walk`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkLimits {
    /// Entries visited before the walk stops and reports truncation.
    pub max_entries: usize,
    /// Directory depth below the start.
    pub max_depth: usize,
}

impl Default for WalkLimits {
    fn default() -> WalkLimits {
        WalkLimits {
            max_entries: 400_000,
            max_depth: 40,
        }
    }
}

/// One filesystem object seen by [`Root::walk`] (never followed if a symlink).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkEntry {
    /// In-root path.
    pub path: String,
    pub kind: FileKind,
    /// `st_mode & 0o7777`.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub mtime: i64,
}

/// How a walk ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkSummary {
    pub visited: usize,
    /// The entry limit was reached: later entries were not seen.
    pub truncated: bool,
    /// Directories that could not be listed (path and reason).
    pub unreadable: Vec<ReadError>,
}

impl Root {
    /// Visits every object under `start` depth-first in name order without
    /// following symlinks, skipping `prune`d in-root paths (whole subtrees).
    /// Only directories found by `lstat` are entered, so a symlink never
    /// leads the walk out of the root. Bounded by `limits`.
    pub fn walk(
        &self,
        start: &str,
        prune: &dyn Fn(&str) -> bool,
        limits: WalkLimits,
        visit: &mut dyn FnMut(&WalkEntry),
    ) -> WalkSummary {
        let mut summary = WalkSummary::default();
        let top = match self.resolve(start, true) {
            Ok(r) if r.meta.is_dir() => r,
            Ok(_) => return summary,
            Err(e) => {
                summary.unreadable.push(e);
                return summary;
            }
        };
        let mut stack: Vec<(PathBuf, String, usize)> = vec![(top.host, top.logical, 0)];
        while let Some((host, logical, depth)) = stack.pop() {
            let entries = match fs::read_dir(&host) {
                Ok(e) => e,
                Err(e) => {
                    summary.unreadable.push(ReadError::from_io(&logical, &e));
                    continue;
                }
            };
            let mut names: Vec<_> = entries.filter_map(Result::ok).collect();
            names.sort_by_key(|e| e.file_name());
            let mut subdirs = Vec::new();
            for entry in names {
                if summary.visited >= limits.max_entries {
                    summary.truncated = true;
                    return summary;
                }
                let name = entry.file_name().to_string_lossy().into_owned();
                let path = if logical == "/" {
                    format!("/{name}")
                } else {
                    format!("{logical}/{name}")
                };
                if prune(&path) {
                    continue;
                }
                let Ok(meta) = fs::symlink_metadata(entry.path()) else {
                    continue;
                };
                summary.visited += 1;
                let kind = FileKind::of(meta.file_type());
                visit(&WalkEntry {
                    path: path.clone(),
                    kind,
                    mode: meta.mode() & 0o7777,
                    uid: meta.uid(),
                    gid: meta.gid(),
                    size: meta.len(),
                    mtime: meta.mtime(),
                });
                if kind == FileKind::Dir && depth < limits.max_depth {
                    subdirs.push((entry.path(), path, depth + 1));
                }
            }
            stack.extend(subdirs.into_iter().rev());
        }
        summary
    }
}

/// Shell-style match of `*` (any run) and `?` (one character).
pub fn wildcard_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0usize, 0usize);
    let (mut star, mut mark) = (None, 0usize);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Join a possibly relative path onto an in-root directory and normalise it
/// lexically (`.` and `..` removed, `..` clamped at `/`). Used by parsers for
/// `Include` directives relative to a configuration directory.
pub fn join(dir: &str, path: &str) -> String {
    let full = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{}", dir.trim_end_matches('/'), path)
    };
    let mut out: Vec<&str> = Vec::new();
    for c in full.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    if out.is_empty() {
        "/".to_string()
    } else {
        format!("/{}", out.join("/"))
    }
}
