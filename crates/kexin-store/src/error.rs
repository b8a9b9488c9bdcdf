use std::path::PathBuf;

/// What went wrong in the store, in terms a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} `{id}` was not found")]
    NotFound { what: &'static str, id: String },
    #[error("{0}")]
    Conflict(String),
    #[error("invalid {field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error(
        "the database is full (disk full or the configured storage.max_size_mb reached); nothing was written. Free space or raise the limit"
    )]
    Full,
    #[error(
        "the database file {path} is damaged: {detail}. Stop Kexin and restore the last backup with `kexin restore`"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "the database at {path} has schema version {found}, newer than this Kexin knows ({supported}); run a newer Kexin"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(
        "migration {version} ({name}) was changed after it was applied (checksum differs); this binary does not match the store"
    )]
    MigrationChanged { version: i64, name: String },
    #[error("the database is busy (another process holds a write lock for too long); try again")]
    Busy,
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Backup(String),
    #[error("database error: {0}")]
    Database(String),
}

impl StoreError {
    pub(crate) fn from_sqlx(e: sqlx::Error, path: &std::path::Path) -> StoreError {
        if let sqlx::Error::Database(db) = &e {
            let code: i64 = db.code().and_then(|c| c.parse().ok()).unwrap_or(0);
            match code & 0xff {
                13 => return StoreError::Full,
                11 | 26 => {
                    return StoreError::Corrupt {
                        path: path.to_path_buf(),
                        detail: db.message().to_string(),
                    };
                }
                5 | 6 => return StoreError::Busy,
                _ => {}
            }
            if db.is_foreign_key_violation() {
                return StoreError::Conflict(
                    "the record is still referenced by others (for example check runs of an asset); remove those first".into(),
                );
            }
            if db.is_unique_violation() {
                return StoreError::Conflict(db.message().to_string());
            }
        }
        StoreError::Database(e.to_string())
    }

    pub(crate) fn not_found(what: &'static str, id: impl std::fmt::Display) -> StoreError {
        StoreError::NotFound {
            what,
            id: id.to_string(),
        }
    }

    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> StoreError {
        StoreError::Invalid {
            field,
            message: message.into(),
        }
    }
}
