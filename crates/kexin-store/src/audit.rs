//! The append-only, hash-chained audit trail.
//!
//! Record `n` stores `prev_hash` = hash of record `n-1` (64 zeros for the
//! first) and `hash` = SHA-256 of [`chain_input`]: all its fields, in a fixed
//! order, including `prev_hash`. Editing any field of any record breaks its
//! own hash; deleting a record breaks the next record's `prev_hash` and the
//! sequence; cutting records off the end no longer matches `audit_head`,
//! which is updated in the same transaction as every append. Triggers refuse
//! `UPDATE` and `DELETE` on the table, so only someone editing the database
//! file by hand can change it, and [`verify`](crate::Store::verify_audit)
//! then says where.
//!
//! Invariant: records are appended only through [`append`], inside the
//! transaction of the change they describe.

use kexin_core::{Actor, ActorKind, AuditOutcome, AuditRecord, TenantId, Timestamp};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Row, SqliteConnection};

use crate::{Result, Store, StoreError};

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an action was, before it is stamped with actor, time and chain.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub tenant_id: Option<TenantId>,
    pub outcome: AuditOutcome,
    pub detail: serde_json::Value,
}

impl AuditEntry {
    pub fn new(action: &str, object_type: &str, tenant: Option<&TenantId>) -> Self {
        AuditEntry {
            action: action.to_string(),
            object_type: object_type.to_string(),
            object_id: None,
            tenant_id: tenant.cloned(),
            outcome: AuditOutcome::Success,
            detail: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn object(mut self, id: impl ToString) -> Self {
        self.object_id = Some(id.to_string());
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }

    pub fn outcome(mut self, outcome: AuditOutcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// Adds one key to the detail object.
    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        if let serde_json::Value::Object(map) = &mut self.detail {
            map.insert(
                key.to_string(),
                serde_json::to_value(value).unwrap_or_default(),
            );
        }
        self
    }
}

/// Which records to list or export.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only records about this tenant; `None` = all (platform administrators only).
    pub tenant_id: Option<TenantId>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Exact action, or a prefix ending in `.` (e.g. `user.`).
    pub action: Option<String>,
    pub outcome: Option<AuditOutcome>,
    /// Only records with `seq` greater than this (for paging).
    pub after_seq: Option<i64>,
    pub limit: Option<i64>,
    /// Newest first (for "recent activity"); oldest first otherwise.
    pub newest_first: bool,
}

/// Where the chain is broken and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub records: u64,
    pub head_seq: Option<i64>,
    pub breaks: Vec<ChainBreak>,
}

impl VerifyReport {
    pub fn intact(&self) -> bool {
        self.breaks.is_empty()
    }
}

/// The exact bytes hashed for a record: a JSON array of its fields in a
/// fixed order. `detail` enters as the text stored, so no re-serialisation
/// can change the hash.
pub fn chain_input(r: &AuditRecord, detail_text: &str) -> String {
    serde_json::json!([
        r.seq,
        r.time.to_string(),
        r.tenant_id.as_ref().map(|t| t.as_str()),
        r.actor_kind.as_str(),
        r.actor_id,
        r.actor_name,
        r.action,
        r.object_type,
        r.object_id,
        r.source,
        r.outcome.as_str(),
        detail_text,
        r.prev_hash,
    ])
    .to_string()
}

pub fn chain_hash(r: &AuditRecord, detail_text: &str) -> String {
    hex::encode(Sha256::digest(chain_input(r, detail_text).as_bytes()))
}

fn parse_actor_kind(s: &str) -> Result<ActorKind> {
    Ok(match s {
        "user" => ActorKind::User,
        "token" => ActorKind::Token,
        "cli" => ActorKind::Cli,
        "system" => ActorKind::System,
        "anonymous" => ActorKind::Anonymous,
        other => {
            return Err(StoreError::Database(format!(
                "unknown actor kind `{other}` in audit_log"
            )));
        }
    })
}

/// Appends one record. Call inside the write transaction of the change.
pub(crate) async fn append(
    conn: &mut SqliteConnection,
    actor: &Actor,
    entry: &AuditEntry,
) -> std::result::Result<AuditRecord, sqlx::Error> {
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?;
    let (prev_seq, prev_hash) = match head {
        Some(r) => (r.get::<i64, _>(0), r.get::<String, _>(1)),
        None => (0, GENESIS_HASH.to_string()),
    };
    let detail_text = entry.detail.to_string();
    let mut record = AuditRecord {
        seq: prev_seq + 1,
        time: Timestamp::now(),
        tenant_id: entry.tenant_id.clone(),
        actor_kind: actor.kind,
        actor_id: actor.id.clone(),
        actor_name: actor.name.clone(),
        action: entry.action.clone(),
        object_type: entry.object_type.clone(),
        object_id: entry.object_id.clone(),
        source: actor.source.clone(),
        outcome: entry.outcome,
        detail: entry.detail.clone(),
        prev_hash,
        hash: String::new(),
    };
    record.hash = chain_hash(&record, &detail_text);
    sqlx::query(
        "INSERT INTO audit_log (seq, time, tenant_id, actor_kind, actor_id, actor_name, action,
            object_type, object_id, source, outcome, detail, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(record.seq)
    .bind(record.time.to_string())
    .bind(record.tenant_id.as_ref().map(|t| t.as_str().to_string()))
    .bind(record.actor_kind.as_str())
    .bind(&record.actor_id)
    .bind(&record.actor_name)
    .bind(&record.action)
    .bind(&record.object_type)
    .bind(&record.object_id)
    .bind(&record.source)
    .bind(record.outcome.as_str())
    .bind(&detail_text)
    .bind(&record.prev_hash)
    .bind(&record.hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .bind(record.seq)
    .bind(&record.hash)
    .execute(&mut *conn)
    .await?;
    Ok(record)
}

fn record_from_row(row: &SqliteRow) -> Result<(AuditRecord, String)> {
    // `try_get`, not `get`: a hand-edited row may hold any SQLite type.
    fn col<'r, T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>>(
        row: &'r SqliteRow,
        name: &str,
    ) -> Result<T> {
        row.try_get(name)
            .map_err(|e| StoreError::Database(format!("audit_log.{name}: {e}")))
    }
    let detail_text: String = col(row, "detail")?;
    let record = AuditRecord {
        seq: col(row, "seq")?,
        time: Timestamp::parse(col::<&str>(row, "time")?).map_err(StoreError::Database)?,
        tenant_id: col::<Option<String>>(row, "tenant_id")?.map(TenantId::from_string),
        actor_kind: parse_actor_kind(col(row, "actor_kind")?)?,
        actor_id: col(row, "actor_id")?,
        actor_name: col(row, "actor_name")?,
        action: col(row, "action")?,
        object_type: col(row, "object_type")?,
        object_id: col(row, "object_id")?,
        source: col(row, "source")?,
        outcome: col::<&str>(row, "outcome")?
            .parse()
            .map_err(StoreError::Database)?,
        detail: serde_json::from_str(&detail_text)
            .unwrap_or(serde_json::Value::String(detail_text.clone())),
        prev_hash: col(row, "prev_hash")?,
        hash: col(row, "hash")?,
    };
    Ok((record, detail_text))
}

/// Formats in which the audit trail is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per line, every field including both hashes, so
    /// that a third party can re-check the chain with [`chain_hash`].
    Jsonl,
    /// Comma-separated values with a header row, for spreadsheets.
    Csv,
}

impl std::str::FromStr for ExportFormat {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "jsonl" => Ok(ExportFormat::Jsonl),
            "csv" => Ok(ExportFormat::Csv),
            other => Err(format!(
                "`{other}` is not an export format; expected jsonl or csv"
            )),
        }
    }
}

const CSV_COLUMNS: &str = "seq,time,tenant_id,actor_kind,actor_id,actor_name,action,object_type,object_id,source,outcome,detail,prev_hash,hash";

impl ExportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "application/x-ndjson",
            ExportFormat::Csv => "text/csv; charset=utf-8",
        }
    }

    /// What goes before the first record.
    pub fn header(self) -> String {
        match self {
            ExportFormat::Jsonl => String::new(),
            ExportFormat::Csv => format!("{CSV_COLUMNS}\n"),
        }
    }

    /// One record, with its line ending.
    pub fn line(self, r: &AuditRecord) -> String {
        match self {
            ExportFormat::Jsonl => {
                let mut s = serde_json::to_string(r).unwrap_or_default();
                s.push('\n');
                s
            }
            ExportFormat::Csv => {
                let fields = [
                    r.seq.to_string(),
                    r.time.to_string(),
                    r.tenant_id
                        .as_ref()
                        .map(|t| t.to_string())
                        .unwrap_or_default(),
                    r.actor_kind.as_str().to_string(),
                    r.actor_id.clone(),
                    r.actor_name.clone(),
                    r.action.clone(),
                    r.object_type.clone(),
                    r.object_id.clone().unwrap_or_default(),
                    r.source.clone(),
                    r.outcome.as_str().to_string(),
                    r.detail.to_string(),
                    r.prev_hash.clone(),
                    r.hash.clone(),
                ];
                let mut s = fields
                    .iter()
                    .map(|f| csv_field(f))
                    .collect::<Vec<_>>()
                    .join(",");
                s.push('\n');
                s
            }
        }
    }
}

/// Quotes a CSV field when needed, and defuses spreadsheet formulas.
fn csv_field(f: &str) -> String {
    let f = if f.starts_with(['=', '+', '-', '@']) {
        format!("'{f}")
    } else {
        f.to_string()
    };
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

const VERIFY_BATCH: i64 = 5_000;

impl Store {
    /// Records an action that changed nothing (denied or failed) in a
    /// transaction of its own.
    pub async fn record_audit(&self, actor: &Actor, entry: AuditEntry) -> Result<AuditRecord> {
        let mut tx = self.begin_write().await?;
        let record = append(&mut tx, actor, &entry)
            .await
            .map_err(|e| self.err(e))?;
        tx.commit().await.map_err(|e| self.err(e))?;
        Ok(record)
    }

    /// Lists records matching `filter`, oldest first.
    pub async fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let mut sql = String::from("SELECT * FROM audit_log WHERE 1 = 1");
        if filter.tenant_id.is_some() {
            sql.push_str(" AND tenant_id = ?");
        }
        if filter.since.is_some() {
            sql.push_str(" AND time >= ?");
        }
        if filter.until.is_some() {
            sql.push_str(" AND time < ?");
        }
        let action_prefix = filter.action.as_deref().is_some_and(|a| a.ends_with('.'));
        if filter.action.is_some() {
            sql.push_str(if action_prefix {
                " AND substr(action, 1, ?) = ?"
            } else {
                " AND action = ?"
            });
        }
        if filter.outcome.is_some() {
            sql.push_str(" AND outcome = ?");
        }
        if filter.after_seq.is_some() {
            sql.push_str(" AND seq > ?");
        }
        sql.push_str(if filter.newest_first {
            " ORDER BY seq DESC LIMIT ?"
        } else {
            " ORDER BY seq LIMIT ?"
        });
        let mut q = sqlx::query(AssertSqlSafe(sql));
        if let Some(t) = &filter.tenant_id {
            q = q.bind(t.as_str().to_string());
        }
        if let Some(s) = filter.since {
            q = q.bind(s.to_string());
        }
        if let Some(u) = filter.until {
            q = q.bind(u.to_string());
        }
        if let Some(a) = &filter.action {
            if action_prefix {
                q = q.bind(a.len() as i64);
            }
            q = q.bind(a.clone());
        }
        if let Some(o) = filter.outcome {
            q = q.bind(o.as_str());
        }
        if let Some(s) = filter.after_seq {
            q = q.bind(s);
        }
        q = q.bind(filter.limit.unwrap_or(i64::MAX));
        let rows = q.fetch_all(&self.reader).await.map_err(|e| self.err(e))?;
        rows.iter()
            .map(|r| record_from_row(r).map(|(rec, _)| rec))
            .collect()
    }

    /// Walks the whole chain and reports every break. `progress` is called
    /// with (records checked, records in total).
    pub async fn verify_audit(
        &self,
        progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<VerifyReport> {
        // One read transaction: one WAL snapshot, so records appended while
        // the walk runs are neither seen nor mistaken for a cut-off chain.
        let mut snapshot = self.reader.begin().await.map_err(|e| self.err(e))?;
        let total: i64 = sqlx::query("SELECT count(*) FROM audit_log")
            .fetch_one(&mut *snapshot)
            .await
            .map_err(|e| self.err(e))?
            .get(0);
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&mut *snapshot)
            .await
            .map_err(|e| self.err(e))?
            .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)));

        let mut breaks = Vec::new();
        let mut expected_seq = 1i64;
        let mut prev_hash = GENESIS_HASH.to_string();
        let mut checked = 0u64;
        let mut last_seq = 0i64;
        loop {
            let rows = sqlx::query("SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?")
                .bind(last_seq)
                .bind(VERIFY_BATCH)
                .fetch_all(&mut *snapshot)
                .await
                .map_err(|e| self.err(e))?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let (rec, detail_text) = match record_from_row(row) {
                    Ok(r) => r,
                    Err(e) => {
                        // Unreadable means edited: report it and walk on.
                        let seq: i64 = row.try_get("seq").unwrap_or(expected_seq);
                        breaks.push(ChainBreak {
                            seq,
                            reason: format!("the record cannot be read ({e}): it was edited"),
                        });
                        expected_seq = seq + 1;
                        prev_hash = row.try_get("hash").unwrap_or_default();
                        last_seq = seq;
                        checked += 1;
                        continue;
                    }
                };
                if rec.seq != expected_seq {
                    breaks.push(ChainBreak {
                        seq: rec.seq,
                        reason: format!(
                            "records {expected_seq}..{} are missing (deleted)",
                            rec.seq - 1
                        ),
                    });
                }
                if rec.prev_hash != prev_hash {
                    breaks.push(ChainBreak {
                        seq: rec.seq,
                        reason: "prev_hash does not match the hash of the record before it (a record was deleted or changed)".into(),
                    });
                }
                if chain_hash(&rec, &detail_text) != rec.hash {
                    breaks.push(ChainBreak {
                        seq: rec.seq,
                        reason:
                            "the record's content does not match its hash (the record was edited)"
                                .into(),
                    });
                }
                expected_seq = rec.seq + 1;
                prev_hash = rec.hash.clone();
                last_seq = rec.seq;
                checked += 1;
            }
            progress(checked, total as u64);
        }
        match &head {
            Some((seq, hash)) if *seq != last_seq || *hash != prev_hash => breaks.push(ChainBreak {
                seq: *seq,
                reason: format!(
                    "the chain ends at record {last_seq} but the recorded head is record {seq}: records were removed from the end or the head was edited"
                ),
            }),
            None if checked > 0 => breaks.push(ChainBreak {
                seq: last_seq,
                reason: "the chain head is missing although records exist (audit_head was edited)".into(),
            }),
            _ => {}
        }
        Ok(VerifyReport {
            records: checked,
            head_seq: head.map(|(s, _)| s),
            breaks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AuditRecord {
        AuditRecord {
            seq: 1,
            time: Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
            tenant_id: Some(TenantId::from_string("t")),
            actor_kind: ActorKind::Cli,
            actor_id: "root".into(),
            actor_name: "cli:root".into(),
            action: "tenant.create".into(),
            object_type: "tenant".into(),
            object_id: Some("t".into()),
            source: "local".into(),
            outcome: AuditOutcome::Success,
            detail: serde_json::json!({"slug": "acme"}),
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
        }
    }

    #[test]
    fn csv_quotes_and_defuses() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        let line = ExportFormat::Csv.line(&sample());
        assert_eq!(
            line.matches(',').count(),
            CSV_COLUMNS.matches(',').count(),
            "one value per column: {line}"
        );
    }

    #[test]
    fn every_field_enters_the_hash() {
        let base = sample();
        let h = chain_hash(&base, "{\"slug\":\"acme\"}");
        type Change = Box<dyn Fn(&mut AuditRecord)>;
        let variants: Vec<Change> = vec![
            Box::new(|r| r.seq = 2),
            Box::new(|r| r.time = Timestamp::parse("2026-01-01T00:00:01Z").unwrap()),
            Box::new(|r| r.tenant_id = None),
            Box::new(|r| r.actor_kind = ActorKind::User),
            Box::new(|r| r.actor_id = "x".into()),
            Box::new(|r| r.actor_name = "x".into()),
            Box::new(|r| r.action = "tenant.delete".into()),
            Box::new(|r| r.object_type = "user".into()),
            Box::new(|r| r.object_id = None),
            Box::new(|r| r.source = "1.2.3.4".into()),
            Box::new(|r| r.outcome = AuditOutcome::Denied),
            Box::new(|r| r.prev_hash = "1".repeat(64)),
        ];
        for (i, change) in variants.iter().enumerate() {
            let mut r = sample();
            change(&mut r);
            assert_ne!(
                chain_hash(&r, "{\"slug\":\"acme\"}"),
                h,
                "field change {i} not detected"
            );
        }
        assert_ne!(
            chain_hash(&base, "{\"slug\":\"acme2\"}"),
            h,
            "detail change not detected"
        );
    }
}
