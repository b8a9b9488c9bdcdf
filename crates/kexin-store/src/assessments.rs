//! Assessments, their per-point results, and evidence (files stored
//! content-addressed next to the database, links).
//!
//! The store enforces the workflow — draft → submitted → reviewed (by
//! someone other than the submitter) → signed off — and that only a draft
//! takes answers or evidence: a signed-off assessment is frozen, later
//! changes need a new assessment. Which point ids exist is the catalog's
//! business; callers check answers against it before calling here.

use std::io::Write;
use std::path::PathBuf;

use kexin_core::{
    Actor, Assessment, AssessmentId, AssessmentStatus, Evidence, EvidenceId, EvidenceKind, Level,
    PointResult, TenantId, Timestamp, Verdict,
};
use sha2::{Digest, Sha256};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::audit::AuditEntry;
use crate::store::{parse_col, parse_opt_time, parse_time};
use crate::{Result, Store, StoreError};

/// An assessment to open.
#[derive(Debug, Clone)]
pub struct NewAssessment {
    pub standard_id: String,
    pub variant: Option<String>,
    pub target_name: String,
    pub target_level: Level,
    pub supersedes: Option<AssessmentId>,
}

/// One answer to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultInput {
    pub point_id: String,
    pub verdict: Verdict,
    pub reason: Option<String>,
    pub notes: Option<String>,
    /// `manual` or `check:<run id>`.
    pub source: String,
}

/// A step of the workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// Draft → submitted, for review.
    Submit,
    /// Submitted → draft, with what to fix.
    Return { note: String },
    /// Submitted → reviewed, by someone other than the submitter.
    Review { note: Option<String> },
    /// Reviewed → signed off: frozen for good.
    SignOff,
}

fn assessment_from_row(row: &SqliteRow) -> Result<Assessment> {
    Ok(Assessment {
        id: AssessmentId::from_string(row.get::<String, _>("id")),
        tenant_id: TenantId::from_string(row.get::<String, _>("tenant_id")),
        standard_id: row.get("standard_id"),
        variant: row.get("variant"),
        target_name: row.get("target_name"),
        target_level: match row.get::<&str, _>("target_level") {
            "basic" => Level::Basic,
            "enhanced" => Level::Enhanced,
            "advanced" => Level::Advanced,
            other => return Err(StoreError::Database(format!("unexpected level `{other}`"))),
        },
        status: parse_col(row, "status")?,
        created_by: row.get("created_by"),
        created_at: parse_time(row, "created_at")?,
        submitted_by: row.get("submitted_by"),
        submitted_at: parse_opt_time(row, "submitted_at")?,
        reviewed_by: row.get("reviewed_by"),
        reviewed_at: parse_opt_time(row, "reviewed_at")?,
        review_note: row.get("review_note"),
        signed_off_by: row.get("signed_off_by"),
        signed_off_at: parse_opt_time(row, "signed_off_at")?,
        supersedes: row
            .get::<Option<String>, _>("supersedes")
            .map(AssessmentId::from_string),
    })
}

fn evidence_from_row(row: &SqliteRow) -> Result<Evidence> {
    let kind = match row.get::<&str, _>("kind") {
        "file" => EvidenceKind::File {
            sha256: row.get("sha256"),
            size: row.get::<i64, _>("size") as u64,
        },
        "link" => EvidenceKind::Link {
            url: row.get("url"),
        },
        other => {
            return Err(StoreError::Database(format!(
                "unexpected evidence kind `{other}`"
            )));
        }
    };
    Ok(Evidence {
        id: EvidenceId::from_string(row.get::<String, _>("id")),
        tenant_id: TenantId::from_string(row.get::<String, _>("tenant_id")),
        name: row.get("name"),
        kind,
        created_by: row.get("created_by"),
        created_at: parse_time(row, "created_at")?,
    })
}

fn db(e: sqlx::Error) -> StoreError {
    StoreError::from_sqlx(e, std::path::Path::new(crate::DB_FILE))
}

async fn assessment_in(
    conn: &mut SqliteConnection,
    tenant: &TenantId,
    id: &AssessmentId,
) -> Result<Assessment> {
    let row = sqlx::query("SELECT * FROM assessments WHERE tenant_id = ? AND id = ?")
        .bind(tenant.as_str())
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("assessment", id))?;
    assessment_from_row(&row)
}

fn require_draft(a: &Assessment, doing: &str) -> Result<()> {
    if a.status == AssessmentStatus::Draft {
        return Ok(());
    }
    Err(StoreError::Conflict(format!(
        "assessment {} is {}: only a draft can {doing}; {}",
        a.id,
        a.status.as_str(),
        if a.status == AssessmentStatus::SignedOff {
            "it is signed off and frozen — open a new assessment that supersedes it"
        } else {
            "return it to draft first"
        }
    )))
}

fn check_text(field: &'static str, v: &Option<String>, max: usize) -> Result<()> {
    if v.as_ref().is_some_and(|s| s.chars().count() > max) {
        return Err(StoreError::invalid(
            field,
            format!("at most {max} characters"),
        ));
    }
    Ok(())
}

/// Attaches evidence of the tenant to a point of a draft assessment, inside
/// the caller's transaction.
async fn link_evidence(
    conn: &mut SqliteConnection,
    tenant: &TenantId,
    id: &AssessmentId,
    point_id: &str,
    evidence: &EvidenceId,
) -> Result<()> {
    let a = assessment_in(conn, tenant, id).await?;
    require_draft(&a, "take evidence")?;
    let found: i64 = sqlx::query("SELECT count(*) FROM evidence WHERE tenant_id = ? AND id = ?")
        .bind(tenant.as_str())
        .bind(evidence.as_str())
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?
        .get(0);
    if found == 0 {
        return Err(StoreError::not_found("evidence", evidence));
    }
    sqlx::query("INSERT OR IGNORE INTO result_evidence (assessment_id, point_id, evidence_id) VALUES (?, ?, ?)")
        .bind(id.as_str())
        .bind(point_id)
        .bind(evidence.as_str())
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

impl Store {
    /// Where evidence files live: `<data>/blobs/<aa>/<sha256>`.
    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        let dir = self.path.parent().unwrap_or(std::path::Path::new("."));
        dir.join("blobs")
            .join(&sha256[..2.min(sha256.len())])
            .join(sha256)
    }

    pub async fn create_assessment(
        &self,
        actor: &Actor,
        tenant: &TenantId,
        new: NewAssessment,
    ) -> Result<Assessment> {
        let entry = AuditEntry::new("assessment.create", "assessment", Some(tenant))
            .with("standard", &new.standard_id)
            .with("target", &new.target_name)
            .with("target_level", new.target_level);
        self.audited(actor, entry, async |conn, entry| {
            if new.target_name.trim().is_empty() || new.target_name.chars().count() > 200 {
                return Err(StoreError::invalid("target_name", "must be 1–200 characters"));
            }
            if let Some(prev) = &new.supersedes {
                let p = assessment_in(conn, tenant, prev).await?;
                if p.standard_id != new.standard_id || p.target_name != new.target_name {
                    return Err(StoreError::invalid("supersedes", "must be an assessment of the same target against the same standard"));
                }
            }
            let a = Assessment {
                id: AssessmentId::generate(),
                tenant_id: tenant.clone(),
                standard_id: new.standard_id,
                variant: new.variant,
                target_name: new.target_name,
                target_level: new.target_level,
                status: AssessmentStatus::Draft,
                created_by: actor.name.clone(),
                created_at: Timestamp::now(),
                submitted_by: None,
                submitted_at: None,
                reviewed_by: None,
                reviewed_at: None,
                review_note: None,
                signed_off_by: None,
                signed_off_at: None,
                supersedes: new.supersedes,
            };
            sqlx::query(
                "INSERT INTO assessments (id, tenant_id, standard_id, variant, target_name, target_level, status, created_by, created_at, supersedes)
                 VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?)",
            )
            .bind(a.id.as_str())
            .bind(tenant.as_str())
            .bind(&a.standard_id)
            .bind(&a.variant)
            .bind(&a.target_name)
            .bind(a.target_level.as_str())
            .bind(&a.created_by)
            .bind(a.created_at.to_string())
            .bind(a.supersedes.as_ref().map(|s| s.as_str().to_string()))
            .execute(&mut *conn)
            .await
            .map_err(db)?;
            entry.object_id = Some(a.id.to_string());
            Ok(a)
        })
        .await
    }

    pub async fn list_assessments(&self, tenant: &TenantId) -> Result<Vec<Assessment>> {
        let rows = sqlx::query("SELECT * FROM assessments WHERE tenant_id = ? ORDER BY created_at")
            .bind(tenant.as_str())
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.err(e))?;
        rows.iter().map(assessment_from_row).collect()
    }

    pub async fn assessment(&self, tenant: &TenantId, id: &AssessmentId) -> Result<Assessment> {
        let mut conn = self.reader.acquire().await.map_err(|e| self.err(e))?;
        assessment_in(&mut conn, tenant, id).await
    }

    /// The results recorded so far, in point-id order, with their evidence.
    pub async fn point_results(
        &self,
        tenant: &TenantId,
        id: &AssessmentId,
    ) -> Result<Vec<PointResult>> {
        let mut conn = self.reader.acquire().await.map_err(|e| self.err(e))?;
        assessment_in(&mut conn, tenant, id).await?;
        let rows = sqlx::query(
            "SELECT * FROM assessment_results WHERE assessment_id = ? ORDER BY point_id",
        )
        .bind(id.as_str())
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| self.err(e))?;
        let links = sqlx::query("SELECT point_id, evidence_id FROM result_evidence WHERE assessment_id = ? ORDER BY evidence_id")
            .bind(id.as_str())
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| self.err(e))?;
        let mut results: Vec<PointResult> = rows
            .iter()
            .map(|r| {
                Ok(PointResult {
                    point_id: r.get("point_id"),
                    verdict: parse_col(r, "verdict")?,
                    reason: r.get("reason"),
                    notes: r.get("notes"),
                    source: r.get("source"),
                    updated_by: r.get("updated_by"),
                    updated_at: parse_time(r, "updated_at")?,
                    evidence: Vec::new(),
                })
            })
            .collect::<Result<_>>()?;
        for l in &links {
            let point: String = l.get("point_id");
            let evidence = EvidenceId::from_string(l.get::<String, _>("evidence_id"));
            match results.iter_mut().find(|r| r.point_id == point) {
                Some(r) => r.evidence.push(evidence),
                None => results.push(PointResult {
                    point_id: point,
                    verdict: Verdict::NotAssessed,
                    reason: None,
                    notes: None,
                    source: "manual".into(),
                    updated_by: String::new(),
                    updated_at: Timestamp::now(),
                    evidence: vec![evidence],
                }),
            }
        }
        results.sort_by(|a, b| a.point_id.cmp(&b.point_id));
        Ok(results)
    }

    /// Records answers, all or nothing. Only a draft takes answers.
    pub async fn record_results(
        &self,
        actor: &Actor,
        tenant: &TenantId,
        id: &AssessmentId,
        answers: Vec<ResultInput>,
    ) -> Result<usize> {
        let points: Vec<&str> = answers
            .iter()
            .map(|a| a.point_id.as_str())
            .take(50)
            .collect();
        let entry = AuditEntry::new("assessment.answer", "assessment", Some(tenant))
            .object(id)
            .with("answers", answers.len())
            .with("points", points);
        self.audited(actor, entry, async |conn, _| {
            let a = assessment_in(conn, tenant, id).await?;
            require_draft(&a, "take answers")?;
            let now = Timestamp::now().to_string();
            for input in &answers {
                check_text("reason", &input.reason, 2000)?;
                check_text("notes", &input.notes, 10_000)?;
                if input.verdict == Verdict::NotApplicable && input.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                    return Err(StoreError::invalid("reason", format!("point {}: not_applicable needs a reason", input.point_id)));
                }
                sqlx::query(
                    "INSERT INTO assessment_results (assessment_id, point_id, verdict, reason, notes, source, updated_by, updated_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                     ON CONFLICT (assessment_id, point_id) DO UPDATE SET verdict = excluded.verdict, reason = excluded.reason,
                       notes = excluded.notes, source = excluded.source, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind(id.as_str())
                .bind(&input.point_id)
                .bind(input.verdict.as_str())
                .bind(&input.reason)
                .bind(&input.notes)
                .bind(&input.source)
                .bind(&actor.name)
                .bind(&now)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            }
            Ok(answers.len())
        })
        .await
    }

    /// Stores a file as evidence. The bytes go to the content-addressed
    /// blob store first (written to a temporary name, synced, renamed; an
    /// existing blob with the same hash is kept as it is), then the record.
    pub async fn add_evidence_file(
        &self,
        actor: &Actor,
        tenant: &TenantId,
        name: &str,
        bytes: &[u8],
        attach_to: Option<(&AssessmentId, &str)>,
    ) -> Result<Evidence> {
        let sha = hex::encode(Sha256::digest(bytes));
        let entry = AuditEntry::new("evidence.upload", "evidence", Some(tenant))
            .with("name", name)
            .with("sha256", &sha)
            .with("size", bytes.len());
        if name.trim().is_empty() || name.chars().count() > 255 || name.contains(['/', '\\', '\0'])
        {
            return Err(StoreError::invalid(
                "name",
                "a file name of 1–255 characters without path separators",
            ));
        }
        let path = self.blob_path(&sha);
        if !path.exists() {
            let write = || -> std::io::Result<()> {
                std::fs::create_dir_all(path.parent().expect("blob has a parent"))?;
                let tmp = path.with_extension(format!("{}.tmp", uuid::Uuid::now_v7()));
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(bytes)?;
                f.sync_all()?;
                std::fs::rename(&tmp, &path)
            };
            write().map_err(|source| StoreError::Io {
                path: path.clone(),
                source,
            })?;
        }
        self.audited(actor, entry, async |conn, entry| {
            if name.trim().is_empty() || name.chars().count() > 255 || name.contains(['/', '\\', '\0']) {
                return Err(StoreError::invalid("name", "a file name of 1–255 characters without path separators"));
            }
            let e = Evidence {
                id: EvidenceId::generate(),
                tenant_id: tenant.clone(),
                name: name.to_string(),
                kind: EvidenceKind::File { sha256: sha.clone(), size: bytes.len() as u64 },
                created_by: actor.name.clone(),
                created_at: Timestamp::now(),
            };
            sqlx::query("INSERT INTO evidence (id, tenant_id, kind, name, sha256, size, created_by, created_at) VALUES (?, ?, 'file', ?, ?, ?, ?, ?)")
                .bind(e.id.as_str())
                .bind(tenant.as_str())
                .bind(&e.name)
                .bind(&sha)
                .bind(bytes.len() as i64)
                .bind(&e.created_by)
                .bind(e.created_at.to_string())
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            if let Some((assessment, point)) = attach_to {
                link_evidence(conn, tenant, assessment, point, &e.id).await?;
                *entry = entry.clone().with("assessment", assessment).with("point", point);
            }
            entry.object_id = Some(e.id.to_string());
            Ok(e)
        })
        .await
    }

    /// Records a link to a document kept elsewhere as evidence.
    pub async fn add_evidence_link(
        &self,
        actor: &Actor,
        tenant: &TenantId,
        name: &str,
        url: &str,
        attach_to: Option<(&AssessmentId, &str)>,
    ) -> Result<Evidence> {
        let entry = AuditEntry::new("evidence.link", "evidence", Some(tenant))
            .with("name", name)
            .with("url", url);
        self.audited(actor, entry, async |conn, entry| {
            if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2048 || url.chars().any(char::is_whitespace) {
                return Err(StoreError::invalid("url", "an http(s) URL of at most 2048 characters"));
            }
            if name.trim().is_empty() || name.chars().count() > 255 {
                return Err(StoreError::invalid("name", "must be 1–255 characters"));
            }
            let e = Evidence {
                id: EvidenceId::generate(),
                tenant_id: tenant.clone(),
                name: name.to_string(),
                kind: EvidenceKind::Link { url: url.to_string() },
                created_by: actor.name.clone(),
                created_at: Timestamp::now(),
            };
            sqlx::query("INSERT INTO evidence (id, tenant_id, kind, name, url, created_by, created_at) VALUES (?, ?, 'link', ?, ?, ?, ?)")
                .bind(e.id.as_str())
                .bind(tenant.as_str())
                .bind(&e.name)
                .bind(url)
                .bind(&e.created_by)
                .bind(e.created_at.to_string())
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            if let Some((assessment, point)) = attach_to {
                link_evidence(conn, tenant, assessment, point, &e.id).await?;
                *entry = entry.clone().with("assessment", assessment).with("point", point);
            }
            entry.object_id = Some(e.id.to_string());
            Ok(e)
        })
        .await
    }

    pub async fn evidence(&self, tenant: &TenantId, id: &EvidenceId) -> Result<Evidence> {
        let row = sqlx::query("SELECT * FROM evidence WHERE tenant_id = ? AND id = ?")
            .bind(tenant.as_str())
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .await
            .map_err(|e| self.err(e))?
            .ok_or_else(|| StoreError::not_found("evidence", id))?;
        evidence_from_row(&row)
    }

    /// The evidence attached anywhere in one assessment.
    pub async fn assessment_evidence(
        &self,
        tenant: &TenantId,
        id: &AssessmentId,
    ) -> Result<Vec<Evidence>> {
        let rows = sqlx::query(
            "SELECT DISTINCT e.* FROM evidence e JOIN result_evidence r ON r.evidence_id = e.id
             WHERE e.tenant_id = ? AND r.assessment_id = ? ORDER BY e.created_at",
        )
        .bind(tenant.as_str())
        .bind(id.as_str())
        .fetch_all(&self.reader)
        .await
        .map_err(|e| self.err(e))?;
        rows.iter().map(evidence_from_row).collect()
    }

    /// Attaches evidence of the same tenant to a point of a draft assessment.
    pub async fn attach_evidence(
        &self,
        actor: &Actor,
        tenant: &TenantId,
        id: &AssessmentId,
        point_id: &str,
        evidence: &EvidenceId,
    ) -> Result<()> {
        let entry = AuditEntry::new("assessment.attach", "assessment", Some(tenant))
            .object(id)
            .with("point", point_id)
            .with("evidence", evidence);
        self.audited(actor, entry, async |conn, _| {
            link_evidence(conn, tenant, id, point_id, evidence).await
        })
        .await
    }

    /// Moves an assessment through its workflow.
    pub async fn transition_assessment(
        &self,
        actor: &Actor,
        tenant: &TenantId,
        id: &AssessmentId,
        step: Transition,
    ) -> Result<Assessment> {
        let action = match &step {
            Transition::Submit => "assessment.submit",
            Transition::Return { .. } => "assessment.return",
            Transition::Review { .. } => "assessment.review",
            Transition::SignOff => "assessment.signoff",
        };
        let entry = AuditEntry::new(action, "assessment", Some(tenant)).object(id);
        self.audited(actor, entry, async |conn, _| {
            let a = assessment_in(conn, tenant, id).await?;
            let now = Timestamp::now().to_string();
            let (from, sql, note): (AssessmentStatus, &'static str, Option<String>) = match &step {
                Transition::Submit => (AssessmentStatus::Draft, "UPDATE assessments SET status = 'submitted', submitted_by = ?, submitted_at = ?, review_note = ? WHERE id = ? AND tenant_id = ?", None),
                Transition::Return { note } => (AssessmentStatus::Submitted, "UPDATE assessments SET status = 'draft', reviewed_by = ?, reviewed_at = ?, review_note = ? WHERE id = ? AND tenant_id = ?", Some(note.clone())),
                Transition::Review { note } => {
                    let submitter: Option<String> = sqlx::query("SELECT submitted_by_actor FROM assessments WHERE id = ? AND tenant_id = ?")
                        .bind(id.as_str())
                        .bind(tenant.as_str())
                        .fetch_one(&mut *conn)
                        .await
                        .map_err(db)?
                        .get(0);
                    if submitter.as_deref() == Some(actor.key().as_str()) || a.submitted_by.as_deref() == Some(actor.name.as_str()) {
                        return Err(StoreError::invalid("reviewer", format!("{} submitted this assessment; a different person must review it", actor.name)));
                    }
                    (AssessmentStatus::Submitted, "UPDATE assessments SET status = 'reviewed', reviewed_by = ?, reviewed_at = ?, review_note = ? WHERE id = ? AND tenant_id = ?", note.clone())
                }
                Transition::SignOff => (AssessmentStatus::Reviewed, "UPDATE assessments SET status = 'signed_off', signed_off_by = ?, signed_off_at = ?, review_note = coalesce(?, review_note) WHERE id = ? AND tenant_id = ?", None),
            };
            if a.status != from {
                return Err(StoreError::Conflict(format!(
                    "assessment {} is {}; this step needs it to be {}",
                    a.id,
                    a.status.as_str(),
                    from.as_str()
                )));
            }
            sqlx::query(sql).bind(&actor.name).bind(&now).bind(&note).bind(id.as_str()).bind(tenant.as_str()).execute(&mut *conn).await.map_err(db)?;
            if matches!(step, Transition::Submit) {
                sqlx::query("UPDATE assessments SET submitted_by_actor = ? WHERE id = ? AND tenant_id = ?")
                    .bind(actor.key())
                    .bind(id.as_str())
                    .bind(tenant.as_str())
                    .execute(&mut *conn)
                    .await
                    .map_err(db)?;
            }
            assessment_in(conn, tenant, id).await
        })
        .await
    }
}
