//! Runs of automatic checks on an asset, kept with their history. Which
//! check ids exist is the catalog's business; callers check them first.

use kexin_core::{Actor, AssetId, CheckOutcome, CheckRun, CheckRunId, TenantId, Timestamp};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::audit::AuditEntry;
use crate::store::{parse_col, parse_time};
use crate::{Result, Store, StoreError};

fn run_from_row(row: &SqliteRow) -> Result<CheckRun> {
    Ok(CheckRun {
        id: CheckRunId::from_string(row.get::<String, _>("id")),
        tenant_id: TenantId::from_string(row.get::<String, _>("tenant_id")),
        asset_id: AssetId::from_string(row.get::<String, _>("asset_id")),
        source: row.get("source"),
        started_at: parse_time(row, "started_at")?,
        received_at: parse_time(row, "received_at")?,
        created_by: row.get("created_by"),
    })
}

impl Store {
    /// Stores a run of checks on an asset of the tenant, whole or not at all.
    pub async fn record_check_run(
        &self,
        actor: &Actor,
        tenant: &TenantId,
        asset: &AssetId,
        source: &str,
        started_at: Timestamp,
        outcomes: &[CheckOutcome],
    ) -> Result<CheckRun> {
        let entry = AuditEntry::new("checkrun.record", "check_run", Some(tenant))
            .with("asset", asset)
            .with("source", source)
            .with("results", outcomes.len());
        self.audited(actor, entry, async |conn, entry| {
            let found: i64 = sqlx::query("SELECT count(*) FROM assets WHERE tenant_id = ? AND id = ?")
                .bind(tenant.as_str())
                .bind(asset.as_str())
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| self.err(e))?
                .get(0);
            if found == 0 {
                return Err(StoreError::not_found("asset", asset));
            }
            if source.trim().is_empty() || source.len() > 200 {
                return Err(StoreError::invalid("source", "must be 1–200 characters"));
            }
            let run = CheckRun {
                id: CheckRunId::generate(),
                tenant_id: tenant.clone(),
                asset_id: asset.clone(),
                source: source.to_string(),
                started_at,
                received_at: Timestamp::now(),
                created_by: actor.name.clone(),
            };
            sqlx::query("INSERT INTO check_runs (id, tenant_id, asset_id, source, started_at, received_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind(run.id.as_str())
                .bind(tenant.as_str())
                .bind(asset.as_str())
                .bind(&run.source)
                .bind(run.started_at.to_string())
                .bind(run.received_at.to_string())
                .bind(&run.created_by)
                .execute(&mut *conn)
                .await
                .map_err(|e| self.err(e))?;
            for o in outcomes {
                sqlx::query("INSERT INTO check_results (run_id, check_id, status, evidence) VALUES (?, ?, ?, ?)")
                    .bind(run.id.as_str())
                    .bind(&o.check_id)
                    .bind(o.status.as_str())
                    .bind(&o.evidence)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| match self.err(e) {
                        StoreError::Conflict(_) => StoreError::invalid("results", format!("check `{}` appears twice", o.check_id)),
                        other => other,
                    })?;
            }
            entry.object_id = Some(run.id.to_string());
            Ok(run)
        })
        .await
    }

    /// The runs on an asset, newest first.
    pub async fn check_runs(&self, tenant: &TenantId, asset: &AssetId) -> Result<Vec<CheckRun>> {
        let rows = sqlx::query("SELECT * FROM check_runs WHERE tenant_id = ? AND asset_id = ? ORDER BY received_at DESC, id DESC")
            .bind(tenant.as_str())
            .bind(asset.as_str())
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.err(e))?;
        rows.iter().map(run_from_row).collect()
    }

    /// The results of one run of the tenant.
    pub async fn check_outcomes(
        &self,
        tenant: &TenantId,
        run: &CheckRunId,
    ) -> Result<Vec<CheckOutcome>> {
        let rows = sqlx::query(
            "SELECT r.* FROM check_results r JOIN check_runs c ON c.id = r.run_id
             WHERE c.tenant_id = ? AND r.run_id = ? ORDER BY r.check_id",
        )
        .bind(tenant.as_str())
        .bind(run.as_str())
        .fetch_all(&self.reader)
        .await
        .map_err(|e| self.err(e))?;
        rows.iter()
            .map(|r| {
                Ok(CheckOutcome {
                    check_id: r.get("check_id"),
                    status: parse_col(r, "status")?,
                    evidence: r.get("evidence"),
                })
            })
            .collect()
    }

    /// The newest run on the asset named `name`, with its results, if any.
    pub async fn latest_check_run_for(
        &self,
        tenant: &TenantId,
        asset_name: &str,
    ) -> Result<Option<(CheckRun, Vec<CheckOutcome>)>> {
        let row = sqlx::query(
            "SELECT c.* FROM check_runs c JOIN assets a ON a.id = c.asset_id
             WHERE c.tenant_id = ? AND a.tenant_id = ? AND a.name = ? ORDER BY c.received_at DESC, c.id DESC LIMIT 1",
        )
        .bind(tenant.as_str())
        .bind(tenant.as_str())
        .bind(asset_name)
        .fetch_optional(&self.reader)
        .await
        .map_err(|e| self.err(e))?;
        let Some(row) = row else { return Ok(None) };
        let run = run_from_row(&row)?;
        let outcomes = self.check_outcomes(tenant, &run.id).await?;
        Ok(Some((run, outcomes)))
    }
}
