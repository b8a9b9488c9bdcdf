//! Versioned schema migrations.
//!
//! Each migration is a SQL file under `migrations/sqlite/`, embedded in the
//! binary. [`apply`] runs the ones a store lacks, in order, each in its own
//! transaction together with its row in `schema_migrations`, so a crash
//! leaves the store at a known version. The checksum of every applied
//! migration is kept: a store whose history does not match this binary is
//! refused rather than guessed at.
//!
//! Invariant: a migration file, once released, never changes. New schema
//! goes into a new file with the next number.

use sha2::{Digest, Sha256};
use sqlx::{Connection, Row, SqliteConnection};

use crate::{Result, StoreError};

/// One schema step.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "identity_and_audit",
        sql: include_str!("../migrations/sqlite/0001_identity_and_audit.sql"),
    },
    Migration {
        version: 2,
        name: "assets",
        sql: include_str!("../migrations/sqlite/0002_assets.sql"),
    },
    Migration {
        version: 3,
        name: "assessments",
        sql: include_str!("../migrations/sqlite/0003_assessments.sql"),
    },
    Migration {
        version: 4,
        name: "check_runs",
        sql: include_str!("../migrations/sqlite/0004_check_runs.sql"),
    },
];

/// The schema version this binary writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// The version a store is at (0 for an empty file).
pub async fn current_version(conn: &mut SqliteConnection) -> Result<i64> {
    let exists: i64 = sqlx::query(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| StoreError::Database(e.to_string()))?
    .get(0);
    if exists == 0 {
        return Ok(0);
    }
    let v: Option<i64> = sqlx::query("SELECT max(version) FROM schema_migrations")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
        .get(0);
    Ok(v.unwrap_or(0))
}

/// Brings the store up to `target` (the latest version when `None`) and
/// returns the versions applied. `path` is only used in error messages.
pub async fn apply(
    conn: &mut SqliteConnection,
    target: Option<i64>,
    path: &std::path::Path,
) -> Result<Vec<i64>> {
    let sqlx_err = |e: sqlx::Error| StoreError::from_sqlx(e, path);
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL,
            checksum TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(&mut *conn)
    .await
    .map_err(sqlx_err)?;

    let applied: Vec<(i64, String, String)> =
        sqlx::query("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
            .fetch_all(&mut *conn)
            .await
            .map_err(sqlx_err)?
            .into_iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
    let supported = latest_version();
    if let Some((found, _, _)) = applied.iter().find(|(v, _, _)| *v > supported) {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: *found,
            supported,
        });
    }
    for (version, name, sum) in &applied {
        let known = MIGRATIONS.iter().find(|m| m.version == *version);
        if known.is_none_or(|m| checksum(m.sql) != *sum) {
            return Err(StoreError::MigrationChanged {
                version: *version,
                name: name.clone(),
            });
        }
    }

    let target = target.unwrap_or(supported);
    let mut done = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.version <= target) {
        if applied.iter().any(|(v, _, _)| *v == m.version) {
            continue;
        }
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.map_err(sqlx_err)?;
        sqlx::raw_sql(m.sql)
            .execute(&mut *tx)
            .await
            .map_err(sqlx_err)?;
        sqlx::query("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)")
            .bind(m.version)
            .bind(m.name)
            .bind(checksum(m.sql))
            .bind(kexin_core::Timestamp::now().to_string())
            .execute(&mut *tx)
            .await
            .map_err(sqlx_err)?;
        tx.commit().await.map_err(sqlx_err)?;
        tracing::info!(
            version = m.version,
            name = m.name,
            "applied schema migration"
        );
        done.push(m.version);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(
                m.version,
                i as i64 + 1,
                "migration {} out of sequence",
                m.name
            );
        }
    }

    #[tokio::test]
    async fn applies_in_order_once_and_refuses_newer_or_changed_history() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut conn = SqliteConnection::connect(&url).await.unwrap();

        assert_eq!(current_version(&mut conn).await.unwrap(), 0);
        assert_eq!(apply(&mut conn, Some(1), &path).await.unwrap(), vec![1]);
        assert_eq!(current_version(&mut conn).await.unwrap(), 1);
        let rest: Vec<i64> = (2..=latest_version()).collect();
        assert_eq!(apply(&mut conn, None, &path).await.unwrap(), rest);
        assert!(
            apply(&mut conn, None, &path).await.unwrap().is_empty(),
            "second run applies nothing"
        );

        sqlx::query("INSERT INTO schema_migrations VALUES (999, 'future', 'x', 'now')")
            .execute(&mut conn)
            .await
            .unwrap();
        let e = apply(&mut conn, None, &path).await.unwrap_err();
        assert!(
            matches!(e, StoreError::NewerSchema { found: 999, .. }),
            "{e}"
        );

        sqlx::query("DELETE FROM schema_migrations WHERE version = 999")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1")
            .execute(&mut conn)
            .await
            .unwrap();
        let e = apply(&mut conn, None, &path).await.unwrap_err();
        assert!(
            matches!(e, StoreError::MigrationChanged { version: 1, .. }),
            "{e}"
        );
    }
}
