//! The report's content: JSON and HTML snapshots of a small standard, and
//! assertions over the largest one (cloud host, 88 points).

mod common;

use common::{ASSESSOR, Mix, REVIEWER, report};
use kexin_core::{AssessmentStatus, Level};
use kexin_report::{Lang, ReportError, render_html, render_json};

/// Text as askama's HTML escaping writes it.
fn esc(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// How the report writes a point id: with a line-break opportunity after each dot.
fn pid(id: &str) -> String {
    format!(
        r#"<code class="pid">{}</code>"#,
        id.split_inclusive('.').collect::<Vec<_>>().join("<wbr>")
    )
}

/// The values of every `attr="…"` in `html`.
fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            &rest[..rest.find('"').expect("closed attribute")]
        })
        .collect()
}

fn assert_self_contained(html: &str) {
    for attr in ["src", "href", "action", "srcset", "poster", "data"] {
        for value in attr_values(html, attr) {
            assert!(
                value.starts_with('#'),
                "{attr}=\"{value}\" points outside the document"
            );
        }
    }
    for (i, _) in html.match_indices("://") {
        let before = &html[..i];
        let tag_open = before.rfind('<').unwrap_or(0);
        let tag_close = before.rfind('>').unwrap_or(0);
        assert!(
            tag_close > tag_open,
            "a URL sits inside a tag: {}",
            &html[tag_open..(i + 60).min(html.len())]
        );
    }
    for banned in [
        "<script",
        "<link",
        "<iframe",
        "<img",
        "@import",
        "url(",
        "@font-face",
    ] {
        assert!(!html.contains(banned), "the report contains {banned}");
    }
}

#[test]
fn json_snapshot_of_a_small_standard() {
    let data = report(
        "risk-management",
        Level::Advanced,
        AssessmentStatus::Reviewed,
        Mix::BasicPasses,
    );
    insta::assert_snapshot!("risk_management_json", render_json(&data));
}

#[test]
fn html_snapshots_of_a_small_standard() {
    let data = report(
        "risk-management",
        Level::Advanced,
        AssessmentStatus::Reviewed,
        Mix::BasicPasses,
    );
    assert_eq!(
        data.evaluation.level_reached,
        Some(Level::Basic),
        "the fixture reaches basic"
    );
    insta::assert_snapshot!(
        "risk_management_html_en",
        render_html(&data, Lang::En).unwrap()
    );
    insta::assert_snapshot!(
        "risk_management_html_zh",
        render_html(&data, Lang::Zh).unwrap()
    );
}

#[test]
fn json_holds_every_point_in_both_languages_with_a_stable_key_order() {
    let data = report(
        "cloud-host",
        Level::Enhanced,
        AssessmentStatus::Reviewed,
        Mix::Mixed,
    );
    let text = render_json(&data);
    assert_eq!(text, render_json(&data), "deterministic");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let points = json["points"].as_array().unwrap();
    assert_eq!(points.len(), data.standard.point_count());
    assert_eq!(points.len(), 88);
    let ids: Vec<&str> = data.standard.points().map(|(_, p)| p.id.as_str()).collect();
    for (p, id) in points.iter().zip(&ids) {
        assert_eq!(p["id"], *id, "document order");
        for key in ["title", "statement"] {
            for lang in ["zh", "en"] {
                assert!(
                    !p[key][lang].as_str().unwrap().is_empty(),
                    "{id} {key}.{lang}"
                );
            }
        }
        assert!(!p["parts"].as_array().unwrap().is_empty());
        assert!(!p["expected_evidence"].as_array().unwrap().is_empty());
    }
    let unanswered: Vec<&serde_json::Value> =
        points.iter().filter(|p| p["answered"] == false).collect();
    assert_eq!(unanswered.len(), ids.len() - data.results.len());
    assert!(
        unanswered
            .iter()
            .all(|p| p["verdict"] == "not_assessed" && p["source"].is_null())
    );
    let na = &points[4];
    assert_eq!(na["verdict"], "not_applicable");
    assert!(na["reason"].as_str().unwrap().contains("platform owner"));
    assert_eq!(json["evaluation"]["standard_id"], "cloud-host");
    assert_eq!(json["evaluation"]["level_reached"], serde_json::Value::Null);
    assert_eq!(json["status"], "reviewed");
    assert_eq!(json["generated_at"], "2026-03-16T08:00:00.000000Z");

    // The key order is the documented one, whatever serde_json's features.
    let top: Vec<usize> = [
        "\"format\"",
        "\"assessment_id\"",
        "\"tenant_name\"",
        "\"target_name\"",
        "\"standard\"",
        "\"variant\"",
        "\"status\"",
        "\"generated_at\"",
        "\"catalog_version\"",
        "\"evaluation\"",
        "\"points\"",
        "\"workflow\"",
    ]
    .iter()
    .map(|k| {
        text.find(&format!("\n  {k}:"))
            .unwrap_or_else(|| panic!("top-level {k}"))
    })
    .collect();
    assert!(top.windows(2).all(|w| w[0] < w[1]), "{top:?}");
}

#[test]
fn cloud_host_html_shows_the_level_every_gap_and_every_point() {
    let data = report(
        "cloud-host",
        Level::Enhanced,
        AssessmentStatus::Reviewed,
        Mix::Mixed,
    );
    let e = &data.evaluation;
    assert_eq!(e.level_reached, None, "the mixed answers fail basic points");
    assert!(!e.gaps_to_next.is_empty() && e.gaps_to_target.len() > e.gaps_to_next.len());

    let en = render_html(&data, Lang::En).unwrap();
    assert_self_contained(&en);
    assert!(en.starts_with("<!DOCTYPE html>"));
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains("<h1 class=\"cover-title\">Trusted cloud service security evaluation method, part 1: cloud host — assessment report</h1>"));
    assert!(
        en.contains("可信云服务安全测评方法 第1部分：云主机"),
        "both titles on the cover"
    );
    assert!(en.contains(r#"<div class="reached-main">No level reached</div>"#));
    assert!(en.contains(r#"<div class="reached-sub">未达到基础级</div>"#));
    assert!(en.contains("Target level: Enhanced (增强级) — not met"));
    assert!(en.contains("To the next level: Basic (基础级)"));
    assert!(en.contains("To the target level: Enhanced (增强级)"));
    assert!(en.contains("not public"), "the paraphrase note");
    for gap in e.gaps_to_next.iter().chain(&e.gaps_to_target) {
        assert!(en.contains(&pid(&gap.point_id)), "gap {}", gap.point_id);
    }
    // Both gap tables are there: the ids of the gaps to the target appear
    // twice (gap list and point list) and the basic ones three times.
    let first_basic = &e.gaps_to_next[0].point_id;
    assert_eq!(en.matches(&pid(first_basic)).count(), 3);
    for (_, point) in data.standard.points() {
        assert!(
            en.contains(&format!(r#"<tr id="{}""#, point.id)),
            "point {}",
            point.id
        );
        assert!(
            en.contains(&esc(&point.statement.en)),
            "statement of {}",
            point.id
        );
    }
    for part in &e.parts {
        assert!(
            en.contains(&format!(">{}</td>", part.title.en)),
            "part score row {}",
            part.part_id
        );
    }
    // The check ids that would close a gap are named.
    let check = e
        .gaps_to_next
        .iter()
        .flat_map(|g| g.evidence.iter())
        .find_map(|ev| ev.check.clone())
        .unwrap();
    assert!(en.contains(&format!(r#"<code class="check">{check}</code>"#)));
    // Evidence: file name, hash prefix, size; link URL as text; the check run.
    assert!(en.contains("evidence-00.pdf"));
    assert!(en.contains("sha256 9e3779b19e3779b1…"), "16-digit prefix");
    assert!(
        !en.contains("9e3779b19e3779b19e3779b1"),
        "never the full hash"
    );
    assert!(en.contains(r#"<div class="url">https://wiki.example.com/kexin/runbook/0</div>"#));
    assert!(en.contains("Automatic check, run run-0042"));
    assert!(en.contains("No such component runs on the hosts in scope"));
    assert!(en.contains("No answer recorded."));
    // Verdicts are colour-coded.
    for class in ["v-pass", "v-partial", "v-fail", "v-na", "v-none"] {
        assert!(en.contains(&format!("verdict {class}")), "{class}");
    }
    // Print: A4, page breaks before major sections, repeated table headers.
    assert!(en.contains("size: A4"));
    assert!(en.contains("section.major { break-before: page; }"));
    assert!(en.contains("thead { display: table-header-group; }"));
    assert!(en.contains("<svg class=\"chart\""));
    assert_eq!(en.matches("<svg").count(), 2);

    let zh = render_html(&data, Lang::Zh).unwrap();
    assert_self_contained(&zh);
    assert!(zh.contains("<html lang=\"zh-CN\">"));
    assert!(zh.contains("可信云服务安全测评方法 第1部分：云主机评估报告"));
    assert!(zh.contains("评估报告"));
    assert!(zh.contains("目标级别：增强级，未达到"));
    assert!(zh.contains(r#"<div class="reached-main">未达到基础级</div>"#));
    for name in ["基础级", "增强级"] {
        assert!(zh.contains(name), "{name}");
    }
    for heading in [
        "评估结论",
        "差距清单",
        "评估项明细",
        "签署",
        "距下一级别（基础级）的差距",
    ] {
        assert!(zh.contains(heading), "{heading}");
    }
    for (_, point) in data.standard.points() {
        assert!(
            zh.contains(&esc(&point.statement.zh)),
            "statement of {}",
            point.id
        );
    }
    assert!(
        !zh.contains(">Fail<") && zh.contains(">不符合<"),
        "verdicts translated"
    );
}

#[test]
fn drafts_are_marked_and_sign_offs_are_named() {
    let draft = report(
        "risk-management",
        Level::Enhanced,
        AssessmentStatus::Submitted,
        Mix::Mixed,
    );
    let html = render_html(&draft, Lang::En).unwrap();
    assert!(html.contains(r#"<div class="watermark" aria-hidden="true">DRAFT</div>"#));
    assert_eq!(
        html.matches("DRAFT — not signed off").count(),
        2,
        "cover and sign-off"
    );
    let zh = render_html(&draft, Lang::Zh).unwrap();
    assert!(zh.contains("草稿——未签署") && zh.contains(">草稿</div>"));
    // The assessor signed by submitting (the latest submission counts); no reviewer yet.
    assert!(html.contains(&format!(r#"<span class="sig-line">{ASSESSOR}</span>"#)));
    assert!(html.contains(r#"<span class="sig-line">2026-03-12</span>"#));
    assert!(!html.contains(&format!(r#"<span class="sig-line">{REVIEWER}</span>"#)));
    assert!(
        html.contains("Attach the SSH configuration of the sampled hosts."),
        "workflow notes"
    );
    assert!(html.contains("<td>Returned</td>"));

    let signed = report(
        "risk-management",
        Level::Enhanced,
        AssessmentStatus::SignedOff,
        Mix::AllPass,
    );
    let html = render_html(&signed, Lang::En).unwrap();
    assert!(!html.contains("DRAFT"), "no watermark once signed off");
    assert!(html.contains("Signed off by Anna Schmidt on 2026-03-15."));
    assert!(html.contains(&format!(r#"<span class="sig-line">{REVIEWER}</span>"#)));
    assert!(html.contains(r#"<span class="sig-line">2026-03-15</span>"#));
    assert!(html.contains("None: the target level is reached."));
    assert!(
        html.contains(r#"<div class="reached-main">Advanced</div>"#),
        "above the target"
    );
    assert!(html.contains("Target level: Enhanced (增强级) — met"));
    let zh = render_html(&signed, Lang::Zh).unwrap();
    assert!(!zh.contains("草稿"));
    assert!(zh.contains("已由 Anna Schmidt 于 2026-03-15 签署。"));
}

#[test]
fn the_top_level_has_no_next_level() {
    let data = report(
        "cloud-host",
        Level::Enhanced,
        AssessmentStatus::SignedOff,
        Mix::AllPass,
    );
    assert_eq!(data.evaluation.level_reached, Some(Level::Enhanced));
    let html = render_html(&data, Lang::En).unwrap();
    assert!(html.contains("The highest level of the standard is reached"));
    assert!(html.contains(r#"<div class="reached-sub">增强级</div>"#));
    assert!(
        !html.contains("<table class=\"grid gaps-table\">"),
        "no gap table"
    );
}

#[test]
fn everything_from_the_store_is_escaped() {
    let mut data = report(
        "risk-management",
        Level::Enhanced,
        AssessmentStatus::Draft,
        Mix::Mixed,
    );
    data.target_name = "<script>alert(1)</script> & \"Co\"".into();
    data.tenant_name = "<img src=x onerror=alert(2)>".into();
    data.results[0].notes = Some("</td></tr><b>bold</b>".into());
    data.results[0].evidence[0].url = Some("javascript:alert(3)".into());
    data.workflow[0].note = Some("<a href=\"https://evil.example\">x</a>".into());
    data.standard.parts[0].title.en = "Risk <assessment> & co".into();
    data.evaluation.parts[0].title.en = "Risk <assessment> & co".into();
    for lang in [Lang::En, Lang::Zh] {
        let html = render_html(&data, lang).unwrap();
        assert_self_contained(&html);
        assert!(
            !html.contains("<script>") && !html.contains("<b>bold</b>") && !html.contains("<img")
        );
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;Co&#34;"),
            "target escaped"
        );
        assert!(
            html.contains("&#60;/td&#62;&#60;/tr&#62;&#60;b&#62;bold"),
            "notes escaped"
        );
        assert!(!html.contains("<a href=\"https://evil.example\">"));
    }
    let en = render_html(&data, Lang::En).unwrap();
    assert!(
        en.contains(">Risk &lt;assessment&gt; &amp; co</text>"),
        "catalog text escaped in the SVG"
    );
    assert!(
        en.contains(">Risk &#60;assessment&#62; &#38; co<"),
        "catalog text escaped in the HTML"
    );
    assert!(!en.contains("Risk <assessment>"));
}

#[test]
fn an_evaluation_of_another_standard_is_refused() {
    let mut data = report(
        "risk-management",
        Level::Enhanced,
        AssessmentStatus::Draft,
        Mix::Mixed,
    );
    data.evaluation = report(
        "cloud-host",
        Level::Enhanced,
        AssessmentStatus::Draft,
        Mix::Mixed,
    )
    .evaluation;
    let err = render_html(&data, Lang::En).unwrap_err();
    assert!(matches!(err, ReportError::Inconsistent(_)), "{err:?}");
    assert!(err.to_string().contains("cloud-host"));
}
