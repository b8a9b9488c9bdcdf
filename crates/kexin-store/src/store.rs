use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use kexin_core::Actor;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};

use crate::audit::{self, AuditEntry};
use crate::{Result, StoreError, migrate};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "kexin.db";

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How long a writer waits for another process's write lock.
    pub busy_timeout: Duration,
    /// Cap on the database size; writes past it fail with [`StoreError::Full`].
    pub max_size_bytes: Option<u64>,
    /// Connections for concurrent reads.
    pub readers: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: Duration::from_secs(5),
            max_size_bytes: None,
            readers: 4,
        }
    }
}

/// The open embedded store. Cheap to clone: the pools are shared.
#[derive(Clone)]
pub struct Store {
    pub(crate) writer: SqlitePool,
    pub(crate) reader: SqlitePool,
    pub(crate) path: PathBuf,
}

const PAGE_SIZE: u64 = 4096;

impl Store {
    /// Opens (creating if needed) the database at `path`, checks that it is
    /// intact, and applies pending migrations.
    pub async fn open(path: &Path, opts: &StoreOptions) -> Result<Store> {
        let base = SqliteConnectOptions::new()
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(opts.busy_timeout)
            .foreign_keys(true);
        let mut write_opts = base
            .clone()
            .create_if_missing(true)
            .synchronous(SqliteSynchronous::Full)
            .pragma("page_size", PAGE_SIZE.to_string());
        if let Some(max) = opts.max_size_bytes {
            write_opts = write_opts.pragma("max_page_count", (max / PAGE_SIZE).max(1).to_string());
        }
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .connect_with(write_opts)
            .await
            .map_err(|e| StoreError::from_sqlx(e, path))?;

        {
            let mut conn = writer
                .acquire()
                .await
                .map_err(|e| StoreError::from_sqlx(e, path))?;
            let check: String = sqlx::query("PRAGMA quick_check")
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| StoreError::from_sqlx(e, path))?
                .get(0);
            if check != "ok" {
                return Err(StoreError::Corrupt {
                    path: path.to_path_buf(),
                    detail: check,
                });
            }
            let applied = migrate::apply(&mut conn, None, path).await?;
            if !applied.is_empty() {
                let entry = AuditEntry::new("store.migrate", "store", None)
                    .with("applied_versions", &applied)
                    .with("schema_version", migrate::latest_version());
                let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE")
                    .await
                    .map_err(|e| StoreError::from_sqlx(e, path))?;
                audit::append(&mut tx, &Actor::system(), &entry)
                    .await
                    .map_err(|e| StoreError::from_sqlx(e, path))?;
                tx.commit()
                    .await
                    .map_err(|e| StoreError::from_sqlx(e, path))?;
            }
        }

        let reader = SqlitePoolOptions::new()
            .max_connections(opts.readers.max(1))
            .min_connections(0)
            .connect_with(base.read_only(true))
            .await
            .map_err(|e| StoreError::from_sqlx(e, path))?;
        Ok(Store {
            writer,
            reader,
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open store.
    pub async fn schema_version(&self) -> Result<i64> {
        let mut conn = self.reader.acquire().await.map_err(|e| self.err(e))?;
        migrate::current_version(&mut conn).await
    }

    /// Size of the database file in bytes (without the WAL).
    pub async fn size_bytes(&self) -> Result<u64> {
        let row = sqlx::query(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
        )
        .fetch_one(&self.reader)
        .await
        .map_err(|e| self.err(e))?;
        Ok(row.get::<i64, _>(0) as u64)
    }

    /// Checks the database is reachable and readable (used by `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.reader)
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Finishes in-flight work, checkpoints the WAL and closes every connection.
    pub async fn close(&self) {
        self.reader.close().await;
        if let Ok(mut conn) = self.writer.acquire().await {
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut *conn)
                .await;
        }
        self.writer.close().await;
    }

    pub(crate) fn err(&self, e: sqlx::Error) -> StoreError {
        StoreError::from_sqlx(e, &self.path)
    }

    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| self.err(e))
    }

    /// Runs one audited change: `change` works inside a write transaction and
    /// may fill in `entry` (object id, details); on success the audit record
    /// is appended in the same transaction. On failure nothing of the change
    /// remains, and a `failed` record saying why is appended on its own —
    /// unless the failure is that nothing can be written at all.
    pub(crate) async fn audited<T>(
        &self,
        actor: &Actor,
        mut entry: AuditEntry,
        change: impl AsyncFnOnce(&mut sqlx::SqliteConnection, &mut AuditEntry) -> Result<T>,
    ) -> Result<T> {
        let mut tx = self.begin_write().await?;
        let result = match change(&mut tx, &mut entry).await {
            Ok(value) => match audit::append(&mut tx, actor, &entry).await {
                Ok(_) => tx.commit().await.map(|_| value).map_err(|e| self.err(e)),
                Err(e) => {
                    drop(tx);
                    Err(self.err(e))
                }
            },
            Err(e) => {
                drop(tx);
                Err(match e {
                    StoreError::Corrupt { detail, .. } => StoreError::Corrupt {
                        path: self.path.clone(),
                        detail,
                    },
                    e => e,
                })
            }
        };
        // The transaction is gone (committed or rolled back): the single
        // writer connection is free for the failure record.
        if let Err(e) = &result
            && !matches!(
                e,
                StoreError::Full | StoreError::Corrupt { .. } | StoreError::Busy
            )
        {
            let failed = entry
                .clone()
                .outcome(kexin_core::AuditOutcome::Failed)
                .with("error", e.to_string());
            if let Err(audit_err) = self.record_audit(actor, failed).await {
                tracing::error!(error = %audit_err, action = %entry.action, "could not record a failed action in the audit trail");
            }
        }
        result
    }
}

/// Parses an enum stored as text, naming the column if the stored value is unknown.
pub(crate) fn parse_col<T: FromStr>(row: &sqlx::sqlite::SqliteRow, col: &str) -> Result<T> {
    let s: String = row
        .try_get(col)
        .map_err(|e| StoreError::Database(e.to_string()))?;
    s.parse()
        .map_err(|_| StoreError::Database(format!("unexpected value `{s}` in column {col}")))
}

pub(crate) fn parse_time(
    row: &sqlx::sqlite::SqliteRow,
    col: &str,
) -> Result<kexin_core::Timestamp> {
    let s: String = row
        .try_get(col)
        .map_err(|e| StoreError::Database(e.to_string()))?;
    kexin_core::Timestamp::parse(&s).map_err(StoreError::Database)
}

pub(crate) fn parse_opt_time(
    row: &sqlx::sqlite::SqliteRow,
    col: &str,
) -> Result<Option<kexin_core::Timestamp>> {
    let s: Option<String> = row
        .try_get(col)
        .map_err(|e| StoreError::Database(e.to_string()))?;
    s.map(|s| kexin_core::Timestamp::parse(&s).map_err(StoreError::Database))
        .transpose()
}
