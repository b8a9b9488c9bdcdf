//! The machine-readable report.
//!
//! Every object is a struct serialised in field order, never a map, so the
//! key order is fixed whatever features of `serde_json` the build enables.
//! Optional values are written as `null` rather than left out, so every
//! point has the same keys.

use kexin_assess::Evaluation;
use kexin_catalog::{EvidenceSpec, Standard, Text};
use kexin_core::{AssessmentStatus, Level, Timestamp, Verdict};
use serde::Serialize;

use crate::{EvidenceItem, ReportData, WorkflowStep};

/// The value of the report's `format` key; changes when keys change meaning.
pub const FORMAT: &str = "kexin-report/v1";

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    assessment_id: &'a str,
    tenant_name: &'a str,
    target_name: &'a str,
    standard: StandardHead<'a>,
    variant: Option<&'a str>,
    status: AssessmentStatus,
    generated_at: Timestamp,
    catalog_version: &'a str,
    evaluation: &'a Evaluation,
    points: Vec<PointEntry<'a>>,
    workflow: &'a [WorkflowStep],
}

#[derive(Serialize)]
struct StandardHead<'a> {
    id: &'a str,
    blueprint: &'a str,
    title: &'a Text,
    summary: &'a Text,
    public_text: bool,
    levels: &'a [Level],
    variants: &'a [String],
    notes: Option<&'a Text>,
}

#[derive(Serialize)]
struct PointEntry<'a> {
    id: &'a str,
    /// The ids of the parts above the point, outermost first.
    parts: Vec<&'a str>,
    title: &'a Text,
    statement: &'a Text,
    level: Level,
    weight: u8,
    variants: &'a [String],
    public_text: bool,
    /// Whether the point counts for this assessment: it applies to the
    /// variant and is at or below the target level.
    in_scope: bool,
    answered: bool,
    verdict: Verdict,
    reason: Option<&'a str>,
    notes: Option<&'a str>,
    source: Option<&'a str>,
    updated_by: Option<&'a str>,
    updated_at: Option<Timestamp>,
    evidence: &'a [EvidenceItem],
    /// What the catalog accepts as evidence for the point.
    expected_evidence: &'a [EvidenceSpec],
}

/// Whether `point` counts for the assessment in `data`.
pub(crate) fn in_scope(data: &ReportData, point: &kexin_catalog::Point) -> bool {
    kexin_assess::applies(point, data.variant.as_deref())
        && point.level <= data.evaluation.target_level
}

fn standard_head(s: &Standard) -> StandardHead<'_> {
    StandardHead {
        id: &s.id,
        blueprint: &s.blueprint,
        title: &s.title,
        summary: &s.summary,
        public_text: s.public_text,
        levels: &s.levels,
        variants: &s.variants,
        notes: s.notes.as_ref(),
    }
}

/// The report as pretty-printed JSON with a stable key order: the
/// assessment, the standard's head, the evaluation, every point of the
/// standard (answered or not) with its title and statement in both
/// languages, and the workflow.
pub fn render_json(data: &ReportData) -> String {
    let points = data
        .standard
        .points()
        .map(|(parents, point)| {
            let result = data.result(&point.id);
            PointEntry {
                id: &point.id,
                parts: parents.iter().map(|p| p.id.as_str()).collect(),
                title: &point.title,
                statement: &point.statement,
                level: point.level,
                weight: point.weight,
                variants: &point.variants,
                public_text: point.public_text,
                in_scope: in_scope(data, point),
                answered: result.is_some(),
                verdict: result.map_or(Verdict::NotAssessed, |r| r.verdict),
                reason: result.and_then(|r| r.reason.as_deref()),
                notes: result.and_then(|r| r.notes.as_deref()),
                source: result.map(|r| r.source.as_str()),
                updated_by: result.map(|r| r.updated_by.as_str()),
                updated_at: result.map(|r| r.updated_at),
                evidence: result.map_or(&[], |r| &r.evidence),
                expected_evidence: &point.evidence,
            }
        })
        .collect();
    let doc = Document {
        format: FORMAT,
        assessment_id: &data.assessment_id,
        tenant_name: &data.tenant_name,
        target_name: &data.target_name,
        standard: standard_head(&data.standard),
        variant: data.variant.as_deref(),
        status: data.status,
        generated_at: data.generated_at,
        catalog_version: &data.catalog_version,
        evaluation: &data.evaluation,
        points,
        workflow: &data.workflow,
    };
    let mut out =
        serde_json::to_string_pretty(&doc).expect("the report is plain data and always serialises");
    out.push('\n');
    out
}
