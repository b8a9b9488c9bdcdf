//! The human report: a view of [`ReportData`] in one language, rendered by
//! the askama template `templates/report.html`.
//!
//! Everything the template shows is prepared here as plain strings, so the
//! template holds layout only and every value passes through askama's HTML
//! escaping. The only unescaped insertions are the stylesheet (a constant)
//! and the SVG charts, which [`crate::svg`] escapes itself.

use askama::Template;
use kexin_catalog::{EvidenceSpec, Point, Standard};
use kexin_core::{AssessmentStatus, Level, Verdict};

use crate::json::in_scope;
use crate::labels::{
    self, Labels, date, date_time, evidence_kind_name, item_kind_name, level_name, source_name,
    status_name, step_name, verdict_class, verdict_name,
};
use crate::svg::{self, Bar};
use crate::{Lang, ReportData, ReportError};

const CSS: &str = include_str!("../templates/report.css");

/// How many hex digits of an evidence file's SHA-256 the report prints.
const SHA_PREFIX: usize = 16;

#[derive(Template)]
#[template(path = "report.html", whitespace = "minimize")]
struct Page {
    l: Labels,
    lang: &'static str,
    css: &'static str,
    draft: bool,
    cover: Cover,
    summary: Summary,
    gaps: Vec<GapSection>,
    catalog_notes: Option<String>,
    parts: Vec<PartView>,
    workflow: Vec<StepView>,
    signatures: Vec<SignatureView>,
    signed_line: Option<String>,
    footer: String,
}

struct Cover {
    title: String,
    standard_title: String,
    standard_title_other: String,
    standard_id: String,
    blueprint: String,
    standard_summary: String,
    reached_main: String,
    reached_sub: String,
    reached_class: &'static str,
    target_line: String,
    target_met: bool,
    /// The facts two to a row.
    fact_rows: Vec<Vec<Fact>>,
    paraphrase_note: Option<&'static str>,
}

struct Fact {
    label: &'static str,
    value: String,
    mono: bool,
}

struct Summary {
    kpis: Vec<Kpi>,
    chart: String,
    part_rows: Vec<PartRow>,
    verdict_chart: String,
    verdict_rows: Vec<VerdictRow>,
    in_scope_total: usize,
}

struct Kpi {
    label: &'static str,
    value: String,
    sub: String,
    class: &'static str,
}

struct PartRow {
    title: String,
    points: usize,
    passed: usize,
    score: String,
}

struct VerdictRow {
    label: &'static str,
    class: &'static str,
    count: usize,
    share: String,
}

struct GapSection {
    heading: String,
    count: String,
    note: Option<String>,
    rows: Vec<GapRow>,
}

struct GapRow {
    id: String,
    id_parts: Vec<String>,
    title: String,
    level: &'static str,
    level_class: &'static str,
    verdict: &'static str,
    verdict_class: &'static str,
    weight: u8,
    evidence: Vec<ExpectedView>,
}

struct ExpectedView {
    kind: &'static str,
    description: String,
    check: Option<String>,
}

struct PartView {
    depth: usize,
    number: String,
    id: String,
    title: String,
    points: Vec<PointView>,
}

struct PointView {
    id: String,
    id_parts: Vec<String>,
    title: String,
    statement: String,
    level: &'static str,
    level_class: &'static str,
    weight: u8,
    verdict: &'static str,
    verdict_class: &'static str,
    out_of_scope: Option<String>,
    answered: bool,
    reason: Option<String>,
    notes: Option<String>,
    source: String,
    updated: String,
    evidence: Vec<EvidenceView>,
}

struct EvidenceView {
    kind: String,
    name: String,
    /// Check ids are set in monospace.
    mono: bool,
    meta: Vec<String>,
    url: Option<String>,
}

struct StepView {
    step: String,
    by: String,
    at: String,
    note: String,
}

struct SignatureView {
    role: &'static str,
    name: String,
    date: String,
    step: String,
}

fn level_class(level: Level) -> &'static str {
    match level {
        Level::Basic => "lv-basic",
        Level::Enhanced => "lv-enhanced",
        Level::Advanced => "lv-advanced",
    }
}

/// "Enhanced (增强级)" in English, "增强级" in Chinese.
fn level_with_zh(lang: Lang, level: Level) -> String {
    match lang {
        Lang::En => format!("{} ({})", level_name(lang, level), level.title_zh()),
        Lang::Zh => level.title_zh().to_string(),
    }
}

/// A dotted id cut after each dot, so that the template can offer a line
/// break there (`<wbr>`) instead of letting a narrow cell break mid-word.
fn id_parts(id: &str) -> Vec<String> {
    id.split_inclusive('.').map(str::to_string).collect()
}

fn expected(lang: Lang, spec: &[EvidenceSpec]) -> Vec<ExpectedView> {
    spec.iter()
        .map(|e| ExpectedView {
            kind: evidence_kind_name(lang, e.kind),
            description: e.description.get(lang.as_str()).to_string(),
            check: e.check.clone(),
        })
        .collect()
}

/// Renders the report as one self-contained, print-ready HTML document in `lang`.
pub fn render_html(data: &ReportData, lang: Lang) -> Result<String, ReportError> {
    if data.evaluation.standard_id != data.standard.id {
        return Err(ReportError::Inconsistent(format!(
            "the evaluation is of standard `{}` but the report is of `{}`",
            data.evaluation.standard_id, data.standard.id
        )));
    }
    let l = Labels::new(lang);
    let signed_off = data.status == AssessmentStatus::SignedOff;
    let last_step = |name: &str| data.workflow.iter().rev().find(|s| s.step == name);
    let signed_line = last_step("signed_off")
        .filter(|_| signed_off)
        .map(|s| match lang {
            Lang::En => format!("Signed off by {} on {}.", s.by, date(s.at)),
            Lang::Zh => format!("已由 {} 于 {} 签署。", s.by, date(s.at)),
        });
    let page = Page {
        cover: cover(data, lang, &l),
        summary: summary(data, lang, &l),
        gaps: gaps(data, lang),
        catalog_notes: data
            .standard
            .notes
            .as_ref()
            .map(|n| n.get(lang.as_str()).to_string()),
        parts: parts(data, lang),
        workflow: data
            .workflow
            .iter()
            .map(|s| StepView {
                step: step_name(lang, &s.step),
                by: s.by.clone(),
                at: date_time(s.at),
                note: s.note.clone().unwrap_or_default(),
            })
            .collect(),
        signatures: vec![
            signature(l.assessor, last_step("submitted"), lang),
            signature(
                l.reviewer,
                last_step("signed_off").filter(|_| signed_off),
                lang,
            ),
        ],
        signed_line,
        footer: match lang {
            Lang::En => format!(
                "Generated by Kexin on {} · catalog {} · assessment {}",
                date_time(data.generated_at),
                data.catalog_version,
                data.assessment_id
            ),
            Lang::Zh => format!(
                "由 Kexin 于 {} 生成 · 目录版本 {} · 评估编号 {}",
                date_time(data.generated_at),
                data.catalog_version,
                data.assessment_id
            ),
        },
        draft: !signed_off,
        lang: lang.as_str(),
        css: CSS,
        l,
    };
    Ok(page.render()?)
}

fn signature(role: &'static str, step: Option<&crate::WorkflowStep>, lang: Lang) -> SignatureView {
    SignatureView {
        role,
        name: step.map(|s| s.by.clone()).unwrap_or_default(),
        date: step.map(|s| date(s.at)).unwrap_or_default(),
        step: step.map(|s| step_name(lang, &s.step)).unwrap_or_default(),
    }
}

fn report_title(standard: &Standard, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{} — assessment report", standard.title.en),
        Lang::Zh => format!("{}评估报告", standard.title.zh),
    }
}

fn cover(data: &ReportData, lang: Lang, l: &Labels) -> Cover {
    let s = &data.standard;
    let e = &data.evaluation;
    let lowest = s.levels.first().copied().unwrap_or(Level::Basic);
    let (reached_main, reached_sub) = match e.level_reached {
        Some(level) => (
            level_name(lang, level).to_string(),
            match lang {
                Lang::En => level.title_zh().to_string(),
                Lang::Zh => level_name(Lang::En, level).to_string(),
            },
        ),
        None => {
            let zh = format!("未达到{}", lowest.title_zh());
            match lang {
                Lang::En => ("No level reached".to_string(), zh),
                Lang::Zh => (zh, "No level reached".to_string()),
            }
        }
    };
    let target_met = e.level_reached.is_some_and(|r| r >= e.target_level);
    let target_line = match lang {
        Lang::En => format!(
            "{}: {} — {}",
            l.target_level,
            level_with_zh(lang, e.target_level),
            if target_met { "met" } else { "not met" }
        ),
        Lang::Zh => format!(
            "{}：{}，{}",
            l.target_level,
            e.target_level.title_zh(),
            if target_met { "已达到" } else { "未达到" }
        ),
    };
    let (title_here, title_other) = match lang {
        Lang::En => (&s.title.en, &s.title.zh),
        Lang::Zh => (&s.title.zh, &s.title.en),
    };
    let fact = |label, value: String, mono| Fact { label, value, mono };
    let facts = vec![
        fact(l.target, data.target_name.clone(), false),
        fact(l.tenant, data.tenant_name.clone(), false),
        fact(
            l.variant,
            data.variant
                .clone()
                .unwrap_or_else(|| lang.pick("— (all)", "—（全部）").to_string()),
            false,
        ),
        fact(l.target_level, level_with_zh(lang, e.target_level), false),
        fact(
            l.level_reached,
            match e.level_reached {
                Some(level) => level_with_zh(lang, level),
                None => reached_main.clone(),
            },
            false,
        ),
        fact(l.status, status_name(lang, data.status).to_string(), false),
        fact(l.assessment_id, data.assessment_id.clone(), true),
        fact(l.standard, s.id.clone(), true),
        fact(l.blueprint, s.blueprint.clone(), true),
        fact(l.generated_at, date_time(data.generated_at), false),
        fact(l.catalog_version, data.catalog_version.clone(), true),
    ];
    Cover {
        title: report_title(s, lang),
        standard_title: title_here.clone(),
        standard_title_other: title_other.clone(),
        standard_id: s.id.clone(),
        blueprint: s.blueprint.clone(),
        standard_summary: s.summary.get(lang.as_str()).to_string(),
        reached_class: e.level_reached.map_or("lv-none", level_class),
        reached_main,
        reached_sub,
        target_line,
        target_met,
        fact_rows: {
            let mut rows = Vec::new();
            let mut facts = facts.into_iter();
            while let Some(first) = facts.next() {
                let second = facts.next().unwrap_or(Fact {
                    label: "",
                    value: String::new(),
                    mono: false,
                });
                rows.push(vec![first, second]);
            }
            rows
        },
        paraphrase_note: (!s.public_text).then(|| {
            lang.pick(
                "The text of this standard is not public. Every title and statement in this report is Kexin's paraphrase, grounded where possible in public controls; none is the standard's own wording.",
                "本标准文本未公开。本报告中的标题与要求表述均为 Kexin 的转述，并尽可能以公开控制项为依据，均非标准原文。",
            )
        }),
    }
}

fn summary(data: &ReportData, lang: Lang, l: &Labels) -> Summary {
    let e = &data.evaluation;
    let in_scope_total: usize = e.counts.iter().map(|(_, n)| n).sum();
    let all_points = data.standard.point_count();
    let target_met = e.level_reached.is_some_and(|r| r >= e.target_level);
    let kpis = vec![
        Kpi {
            label: l.level_reached,
            value: match e.level_reached {
                Some(level) => level_name(lang, level).to_string(),
                None => lang.pick("None", "无").to_string(),
            },
            sub: match e.level_reached {
                Some(level) if lang == Lang::En => level.title_zh().to_string(),
                Some(level) => level_name(Lang::En, level).to_string(),
                None => format!(
                    "未达到{}",
                    data.standard
                        .levels
                        .first()
                        .copied()
                        .unwrap_or(Level::Basic)
                        .title_zh()
                ),
            },
            class: e.level_reached.map_or("lv-none", level_class),
        },
        Kpi {
            label: l.target_level,
            value: level_name(lang, e.target_level).to_string(),
            sub: if target_met {
                lang.pick("target met", "已达到目标").to_string()
            } else {
                lang.pick("target not met", "未达到目标").to_string()
            },
            class: if target_met { "ok" } else { "ko" },
        },
        Kpi {
            label: l.overall_score,
            value: labels::score(e.score),
            sub: lang.pick("of 100, weighted", "满分 100，加权").to_string(),
            class: "",
        },
        Kpi {
            label: l.points_in_scope,
            value: in_scope_total.to_string(),
            sub: match lang {
                Lang::En => format!("of {all_points} in the standard"),
                Lang::Zh => format!("标准共 {all_points} 项"),
            },
            class: "",
        },
    ];
    let bars: Vec<Bar> = e
        .parts
        .iter()
        .map(|p| Bar {
            label: p.title.get(lang.as_str()).to_string(),
            score: p.score,
        })
        .collect();
    let verdict_rows = e
        .counts
        .iter()
        .map(|&(v, n)| VerdictRow {
            label: verdict_name(lang, v),
            class: verdict_class(v),
            count: n,
            share: if in_scope_total == 0 {
                "—".to_string()
            } else {
                format!("{:.0}%", n as f64 * 100.0 / in_scope_total as f64)
            },
        })
        .collect();
    Summary {
        kpis,
        chart: svg::bar_chart(
            l.score_by_part,
            &bars,
            lang.pick("no score (all not applicable)", "无得分（均不适用）"),
        ),
        part_rows: e
            .parts
            .iter()
            .map(|p| PartRow {
                title: p.title.get(lang.as_str()).to_string(),
                points: p.points,
                passed: p.passed,
                score: labels::score(p.score),
            })
            .collect(),
        verdict_chart: svg::verdict_bar(l.results_by_verdict, &e.counts),
        verdict_rows,
        in_scope_total,
    }
}

fn gap_rows(lang: Lang, gaps: &[kexin_assess::Gap]) -> Vec<GapRow> {
    gaps.iter()
        .map(|g| GapRow {
            id: g.point_id.clone(),
            id_parts: id_parts(&g.point_id),
            title: g.title.get(lang.as_str()).to_string(),
            level: level_name(lang, g.level),
            level_class: level_class(g.level),
            verdict: verdict_name(lang, g.verdict),
            verdict_class: verdict_class(g.verdict),
            weight: g.weight,
            evidence: expected(lang, &g.evidence),
        })
        .collect()
}

fn count_text(lang: Lang, n: usize) -> String {
    match lang {
        Lang::En if n == 1 => "1 point".to_string(),
        Lang::En => format!("{n} points"),
        Lang::Zh => format!("{n} 项"),
    }
}

fn gaps(data: &ReportData, lang: Lang) -> Vec<GapSection> {
    let e = &data.evaluation;
    let mut out = Vec::new();
    match e.next_level {
        Some(next) => out.push(GapSection {
            heading: match lang {
                Lang::En => format!("To the next level: {}", level_with_zh(lang, next)),
                Lang::Zh => format!("距下一级别（{}）的差距", next.title_zh()),
            },
            count: count_text(lang, e.gaps_to_next.len()),
            note: None,
            rows: gap_rows(lang, &e.gaps_to_next),
        }),
        None => out.push(GapSection {
            heading: lang
                .pick("To the next level", "距下一级别的差距")
                .to_string(),
            count: String::new(),
            note: Some(
                lang.pick(
                    "The highest level of the standard is reached: there is no next level.",
                    "已达到本标准的最高级别，没有下一级别。",
                )
                .to_string(),
            ),
            rows: Vec::new(),
        }),
    }
    let heading = match lang {
        Lang::En => format!(
            "To the target level: {}",
            level_with_zh(lang, e.target_level)
        ),
        Lang::Zh => format!("距目标级别（{}）的差距", e.target_level.title_zh()),
    };
    let target_met = e.level_reached.is_some_and(|r| r >= e.target_level);
    if target_met {
        out.push(GapSection {
            heading,
            count: String::new(),
            note: Some(
                lang.pick(
                    "None: the target level is reached.",
                    "无差距：已达到目标级别。",
                )
                .to_string(),
            ),
            rows: Vec::new(),
        });
    } else if e.next_level == Some(e.target_level) {
        out.push(GapSection {
            heading,
            count: count_text(lang, e.gaps_to_target.len()),
            note: Some(
                lang.pick(
                    "The next level is the target level: the list above is the gap to the target.",
                    "下一级别即目标级别：上表即为距目标级别的差距。",
                )
                .to_string(),
            ),
            rows: Vec::new(),
        });
    } else {
        out.push(GapSection {
            heading,
            count: count_text(lang, e.gaps_to_target.len()),
            note: None,
            rows: gap_rows(lang, &e.gaps_to_target),
        });
    }
    out
}

fn point_view(data: &ReportData, lang: Lang, point: &Point) -> PointView {
    let result = data.result(&point.id);
    let verdict = result.map_or(Verdict::NotAssessed, |r| r.verdict);
    let out_of_scope = if !kexin_assess::applies(point, data.variant.as_deref()) {
        Some(lang.pick(
            "Out of scope: not for this variant",
            "不在范围内：不适用于所选类型",
        ))
    } else if point.level > data.evaluation.target_level {
        Some(lang.pick(
            "Out of scope: above the target level",
            "不在范围内：高于目标级别",
        ))
    } else {
        None
    };
    debug_assert_eq!(out_of_scope.is_none(), in_scope(data, point));
    let evidence = result
        .map(|r| {
            r.evidence
                .iter()
                .map(|ev| {
                    let mut meta = Vec::new();
                    if let Some(sha) = &ev.sha256 {
                        let prefix: String = sha.chars().take(SHA_PREFIX).collect();
                        let more = if sha.chars().count() > SHA_PREFIX {
                            "…"
                        } else {
                            ""
                        };
                        meta.push(format!("sha256 {prefix}{more}"));
                    }
                    if let Some(size) = ev.size {
                        meta.push(labels::size(size));
                    }
                    EvidenceView {
                        kind: item_kind_name(lang, &ev.kind),
                        name: ev.name.clone(),
                        mono: ev.kind == "check",
                        meta,
                        url: ev.url.clone(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    PointView {
        id: point.id.clone(),
        id_parts: id_parts(&point.id),
        title: point.title.get(lang.as_str()).to_string(),
        statement: point.statement.get(lang.as_str()).to_string(),
        level: level_name(lang, point.level),
        level_class: level_class(point.level),
        weight: point.weight,
        verdict: verdict_name(lang, verdict),
        verdict_class: verdict_class(verdict),
        out_of_scope: out_of_scope.map(str::to_string),
        answered: result.is_some(),
        reason: result.and_then(|r| r.reason.clone()),
        notes: result.and_then(|r| r.notes.clone()),
        source: result
            .map(|r| source_name(lang, &r.source))
            .unwrap_or_default(),
        updated: result
            .map(|r| format!("{} · {}", r.updated_by, date_time(r.updated_at)))
            .unwrap_or_default(),
        evidence,
    }
}

/// The part tree in document order, numbered under section 3.
fn parts(data: &ReportData, lang: Lang) -> Vec<PartView> {
    fn walk(
        data: &ReportData,
        lang: Lang,
        parts: &[kexin_catalog::Part],
        prefix: &str,
        depth: usize,
        out: &mut Vec<PartView>,
    ) {
        for (i, part) in parts.iter().enumerate() {
            let number = format!("{prefix}.{}", i + 1);
            out.push(PartView {
                depth,
                number: number.clone(),
                id: part.id.clone(),
                title: part.title.get(lang.as_str()).to_string(),
                points: part
                    .points
                    .iter()
                    .map(|p| point_view(data, lang, p))
                    .collect(),
            });
            walk(data, lang, &part.parts, &number, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(data, lang, &data.standard.parts, "3", 0, &mut out);
    out
}
