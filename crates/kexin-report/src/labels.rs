//! Every word the HTML report prints that does not come from the catalog or
//! the store, in both languages, and how values are written.

use kexin_catalog::EvidenceKind;
use kexin_core::{AssessmentStatus, Level, Timestamp, Verdict};

use crate::Lang;

/// The fixed labels of the report, in one language.
pub(crate) struct Labels {
    pub brand: &'static str,
    pub cover_kicker: &'static str,
    pub standard: &'static str,
    pub blueprint: &'static str,
    pub target: &'static str,
    pub tenant: &'static str,
    pub variant: &'static str,
    pub target_level: &'static str,
    pub level_reached: &'static str,
    pub status: &'static str,
    pub assessment_id: &'static str,
    pub generated_at: &'static str,
    pub catalog_version: &'static str,
    pub draft_banner: &'static str,
    pub watermark: &'static str,
    pub contents: &'static str,

    pub summary: &'static str,
    pub about_standard: &'static str,
    pub overall_score: &'static str,
    pub points_in_scope: &'static str,
    pub score_by_part: &'static str,
    pub score_by_part_caption: &'static str,
    pub results_by_verdict: &'static str,
    pub verdict: &'static str,
    pub count: &'static str,
    pub share: &'static str,
    pub total: &'static str,
    pub part: &'static str,
    pub score: &'static str,
    pub met: &'static str,

    pub gap_list: &'static str,
    pub gap_intro: &'static str,
    pub point: &'static str,
    pub level: &'static str,
    pub current_verdict: &'static str,
    pub weight: &'static str,
    pub closing_evidence: &'static str,

    pub all_points: &'static str,
    pub all_points_intro: &'static str,
    pub catalog_notes: &'static str,
    pub findings: &'static str,
    pub reason: &'static str,
    pub notes: &'static str,
    pub source: &'static str,
    pub updated: &'static str,
    pub evidence: &'static str,
    pub no_evidence: &'static str,
    pub not_answered: &'static str,

    pub sign_off: &'static str,
    pub workflow: &'static str,
    pub step: &'static str,
    pub by: &'static str,
    pub at: &'static str,
    pub note: &'static str,
    pub no_workflow: &'static str,
    pub signatures: &'static str,
    pub name: &'static str,
    pub date: &'static str,
    pub signature: &'static str,
    pub assessor: &'static str,
    pub reviewer: &'static str,
}

impl Labels {
    pub fn new(lang: Lang) -> Labels {
        let t = |en, zh| lang.pick(en, zh);
        Labels {
            brand: "Kexin 可信",
            cover_kicker: t(
                "Cloud security assessment · TC608 cloud security working group",
                "云安全评估 · TC608 云计算安全与风险管理工作组",
            ),
            standard: t("Standard", "标准"),
            blueprint: t("Blueprint id", "蓝图编号"),
            target: t("Target", "评估对象"),
            tenant: t("Tenant", "租户"),
            variant: t("Variant", "适用类型"),
            target_level: t("Target level", "目标级别"),
            level_reached: t("Level reached", "达到级别"),
            status: t("Status", "状态"),
            assessment_id: t("Assessment id", "评估编号"),
            generated_at: t("Generated", "生成时间"),
            catalog_version: t("Catalog version", "目录版本"),
            draft_banner: t("DRAFT — not signed off", "草稿——未签署"),
            watermark: t("DRAFT", "草稿"),
            contents: t("Contents", "目录"),

            summary: t("Summary", "评估结论"),
            about_standard: t("About the standard", "标准简介"),
            overall_score: t("Overall score", "总体得分"),
            points_in_scope: t("Points in scope", "范围内评估项"),
            score_by_part: t("Score by part", "各部分得分"),
            score_by_part_caption: t(
                "Weighted score of each top-level part over the points in scope of the target level (0–100). Partial counts half; not applicable with a reason leaves the score.",
                "各一级部分在目标级别范围内评估项上的加权得分（0–100）。部分符合计一半；注明理由的不适用项不计入得分。",
            ),
            results_by_verdict: t("Results by verdict", "评估结果分布"),
            verdict: t("Verdict", "结论"),
            count: t("Points", "项数"),
            share: t("Share", "占比"),
            total: t("Total", "合计"),
            part: t("Part", "部分"),
            score: t("Score", "得分"),
            met: t("Met", "满足"),

            gap_list: t("Gap list", "差距清单"),
            gap_intro: t(
                "Each point below stops a level: it must pass, or be not applicable with a reason. The last column names the evidence the catalog accepts for it; automatic check ids are shown in monospace.",
                "下列每一项都阻碍达到相应级别：该项须判定为通过，或以书面理由判定为不适用。最后一列为目录认可的证据，自动检查编号以等宽字体标出。",
            ),
            point: t("Point", "评估项"),
            level: t("Level", "级别"),
            current_verdict: t("Current verdict", "当前结论"),
            weight: t("Weight", "权重"),
            closing_evidence: t("Evidence that would close it", "补齐所需证据"),

            all_points: t("Assessment points", "评估项明细"),
            all_points_intro: t(
                "Every point of the standard in document order, grouped by its parts. Points outside the scope of this assessment (above the target level, or for another variant) are marked and do not count.",
                "按标准结构列出全部评估项。超出本次评估范围的评估项（高于目标级别或不适用于所选类型）已标注，不计入结论。",
            ),
            catalog_notes: t("Catalog notes", "目录说明"),
            findings: t("Findings and evidence", "说明与证据"),
            reason: t("Reason", "理由"),
            notes: t("Notes", "备注"),
            source: t("Source", "来源"),
            updated: t("Recorded", "记录"),
            evidence: t("Evidence", "证据"),
            no_evidence: t("No evidence attached.", "未附证据。"),
            not_answered: t("No answer recorded.", "未记录评估结果。"),

            sign_off: t("Sign-off", "签署"),
            workflow: t("Workflow", "评估流程"),
            step: t("Step", "步骤"),
            by: t("By", "执行人"),
            at: t("At", "时间"),
            note: t("Note", "说明"),
            no_workflow: t("No workflow step recorded.", "无流程记录。"),
            signatures: t("Signatures", "签字"),
            name: t("Name", "姓名"),
            date: t("Date", "日期"),
            signature: t("Signature", "签名"),
            assessor: t("Assessor", "评估人"),
            reviewer: t("Reviewer", "复核人"),
        }
    }
}

pub(crate) fn level_name(lang: Lang, level: Level) -> &'static str {
    match lang {
        Lang::Zh => level.title_zh(),
        Lang::En => match level {
            Level::Basic => "Basic",
            Level::Enhanced => "Enhanced",
            Level::Advanced => "Advanced",
        },
    }
}

pub(crate) fn verdict_name(lang: Lang, verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => lang.pick("Pass", "通过"),
        Verdict::Partial => lang.pick("Partial", "部分符合"),
        Verdict::Fail => lang.pick("Fail", "不符合"),
        Verdict::NotApplicable => lang.pick("Not applicable", "不适用"),
        Verdict::NotAssessed => lang.pick("Not assessed", "未评估"),
    }
}

/// The CSS class that colours a verdict.
pub(crate) fn verdict_class(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "v-pass",
        Verdict::Partial => "v-partial",
        Verdict::Fail => "v-fail",
        Verdict::NotApplicable => "v-na",
        Verdict::NotAssessed => "v-none",
    }
}

/// Fill colour of a verdict in the SVG charts (matches the CSS).
pub(crate) fn verdict_colour(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "#2e7d32",
        Verdict::Partial => "#c77700",
        Verdict::Fail => "#c62828",
        Verdict::NotApplicable => "#5c7a8a",
        Verdict::NotAssessed => "#a0a4ab",
    }
}

pub(crate) fn status_name(lang: Lang, status: AssessmentStatus) -> &'static str {
    match status {
        AssessmentStatus::Draft => lang.pick("Draft", "草稿"),
        AssessmentStatus::Submitted => lang.pick("Submitted", "已提交"),
        AssessmentStatus::Reviewed => lang.pick("Reviewed", "已复核"),
        AssessmentStatus::SignedOff => lang.pick("Signed off", "已签署"),
    }
}

/// A workflow step's name; unknown steps are shown as recorded.
pub(crate) fn step_name(lang: Lang, step: &str) -> String {
    match step {
        "created" => lang.pick("Created", "创建"),
        "submitted" => lang.pick("Submitted", "提交"),
        "reviewed" => lang.pick("Reviewed", "复核"),
        "signed_off" => lang.pick("Signed off", "签署"),
        "returned" => lang.pick("Returned", "退回"),
        other => other,
    }
    .to_string()
}

pub(crate) fn evidence_kind_name(lang: Lang, kind: EvidenceKind) -> &'static str {
    match kind {
        EvidenceKind::Check => lang.pick("Check", "检查"),
        EvidenceKind::Document => lang.pick("Document", "文档"),
        EvidenceKind::Configuration => lang.pick("Configuration", "配置"),
        EvidenceKind::Interview => lang.pick("Interview", "访谈"),
        EvidenceKind::Record => lang.pick("Record", "记录"),
        EvidenceKind::Test => lang.pick("Test", "测试"),
    }
}

/// An attached evidence item's kind (`file`, `link`, `check`); unknown kinds as recorded.
pub(crate) fn item_kind_name(lang: Lang, kind: &str) -> String {
    match kind {
        "file" => lang.pick("File", "文件"),
        "link" => lang.pick("Link", "链接"),
        "check" => lang.pick("Check", "检查"),
        other => other,
    }
    .to_string()
}

/// Where a result came from: `manual` or `check:<run id>`.
pub(crate) fn source_name(lang: Lang, source: &str) -> String {
    match source.strip_prefix("check:") {
        Some(run) => match lang {
            Lang::En => format!("Automatic check, run {run}"),
            Lang::Zh => format!("自动检查（运行 {run}）"),
        },
        None if source == "manual" => lang.pick("Manual", "人工评估").to_string(),
        None => source.to_string(),
    }
}

/// `2026-11-24 10:33 UTC`
pub(crate) fn date_time(t: Timestamp) -> String {
    let s = t.to_string();
    match (s.get(..10), s.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => s,
    }
}

/// `2026-11-24`
pub(crate) fn date(t: Timestamp) -> String {
    let s = t.to_string();
    s.get(..10).map_or(s.clone(), str::to_string)
}

/// `12.5 KiB`
pub(crate) fn size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else if b < KIB * KIB * KIB {
        format!("{:.1} MiB", b / KIB / KIB)
    } else {
        format!("{:.1} GiB", b / KIB / KIB / KIB)
    }
}

/// A score with one decimal, or a dash when there is none.
pub(crate) fn score(score: Option<f64>) -> String {
    score.map_or_else(|| "—".to_string(), |s| format!("{s:.1}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_compactly() {
        let t = Timestamp::parse("2026-11-24T18:33:07+08:00").unwrap();
        assert_eq!(date_time(t), "2026-11-24 10:33 UTC");
        assert_eq!(date(t), "2026-11-24");
        assert_eq!(size(999), "999 B");
        assert_eq!(size(12_800), "12.5 KiB");
        assert_eq!(size(3 * 1024 * 1024), "3.0 MiB");
        assert_eq!(score(Some(72.26)), "72.3");
        assert_eq!(score(Some(100.0)), "100.0");
        assert_eq!(score(None), "—");
    }

    #[test]
    fn names_in_both_languages() {
        assert_eq!(level_name(Lang::Zh, Level::Enhanced), "增强级");
        assert_eq!(level_name(Lang::En, Level::Advanced), "Advanced");
        assert_eq!(verdict_name(Lang::Zh, Verdict::NotApplicable), "不适用");
        assert_eq!(
            source_name(Lang::En, "check:run-7"),
            "Automatic check, run run-7"
        );
        assert_eq!(source_name(Lang::Zh, "manual"), "人工评估");
        assert_eq!(step_name(Lang::En, "signed_off"), "Signed off");
        assert_eq!(step_name(Lang::En, "archived"), "archived");
        assert_eq!(item_kind_name(Lang::Zh, "file"), "文件");
    }
}
