//! The report in a real browser and printed to PDF. These tests need
//! Debian's `chromium`, `poppler-utils` (pdftoppm, pdftotext) and a CJK font
//! (`fonts-wqy-microhei` or `fonts-noto-cjk`); without them they fail with
//! what to install, they never pass silently.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Mix, report, run, scratch};
use kexin_core::{AssessmentStatus, Level};
use kexin_report::{Lang, find_chromium, html_to_pdf, render_html};

const CHROMIUM: &str = "Debian's chromium package (apt-get install chromium)";
const POPPLER: &str = "Debian's poppler-utils package (apt-get install poppler-utils)";

fn cloud_host() -> kexin_report::ReportData {
    report(
        "cloud-host",
        Level::Enhanced,
        AssessmentStatus::Reviewed,
        Mix::Mixed,
    )
}

/// Whitespace removed: table cells wrap long ids, and pdftotext keeps the breaks.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_cjk_font() {
    let fonts = run(
        "fc-list",
        &[":lang=zh".into(), "family".into()],
        Duration::from_secs(30),
        "fontconfig",
    );
    assert!(
        !fonts.stdout.trim().is_empty(),
        "no Chinese font is installed: install fonts-wqy-microhei or fonts-noto-cjk"
    );
}

fn screenshot(html_path: &Path, png: &Path) {
    let chromium = find_chromium().unwrap_or_else(|e| panic!("{e}"));
    let profile = tempfile::tempdir().unwrap();
    let args: Vec<String> = vec![
        "--headless=new".into(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--no-first-run".into(),
        "--hide-scrollbars".into(),
        format!("--user-data-dir={}", profile.path().display()),
        format!("--screenshot={}", png.display()),
        "--window-size=1280,2000".into(),
        format!("file://{}", html_path.display()),
    ];
    let ran = run(
        chromium.to_str().unwrap(),
        &args,
        Duration::from_secs(90),
        CHROMIUM,
    );
    assert!(ran.status.success(), "chromium failed: {}", ran.stderr);
}

#[test]
fn the_report_renders_in_a_browser() {
    let dir = scratch("browser");
    for lang in [Lang::En, Lang::Zh] {
        let html_path = dir.join(format!("report-{lang}.html"));
        std::fs::write(&html_path, render_html(&cloud_host(), lang).unwrap()).unwrap();
        let png = dir.join(format!("report-{lang}.png"));
        screenshot(&html_path, &png);
        let bytes = std::fs::read(&png)
            .unwrap_or_else(|e| panic!("no screenshot at {}: {e}", png.display()));
        assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
        assert!(
            bytes.len() > 20_000,
            "a {}-byte screenshot is nearly empty",
            bytes.len()
        );
    }
}

fn print(lang: Lang, dir: &Path) -> (String, std::path::PathBuf) {
    assert_cjk_font();
    let data = cloud_host();
    let pdf = dir.join(format!("report-{lang}.pdf"));
    html_to_pdf(&render_html(&data, lang).unwrap(), &pdf).unwrap_or_else(|e| panic!("{e}"));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"));

    let prefix = dir.join(format!("page-{lang}"));
    let args = vec![
        "-png".into(),
        "-r".into(),
        "50".into(),
        "-f".into(),
        "1".into(),
        "-l".into(),
        "1".into(),
        pdf.display().to_string(),
        prefix.display().to_string(),
    ];
    let ran = run("pdftoppm", &args, Duration::from_secs(60), POPPLER);
    assert!(ran.status.success(), "pdftoppm failed: {}", ran.stderr);
    // pdftoppm pads the page number to the width of the page count.
    let page = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(&format!("page-{lang}-")) && name.ends_with(".png")
        })
        .unwrap_or_else(|| panic!("pdftoppm wrote no page image in {}", dir.display()));
    assert!(
        std::fs::metadata(&page).unwrap().len() > 5_000,
        "first page image is empty"
    );

    let ran = run(
        "pdftotext",
        &["-layout".into(), pdf.display().to_string(), "-".into()],
        Duration::from_secs(60),
        POPPLER,
    );
    assert!(ran.status.success(), "pdftotext failed: {}", ran.stderr);
    (ran.stdout, pdf)
}

#[test]
fn the_report_prints_to_pdf_in_english() {
    let dir = scratch("pdf-en");
    let (text, _) = print(Lang::En, &dir);
    let data = cloud_host();
    let flat = squeeze(&text);
    assert!(
        flat.contains(&squeeze("assessment report")),
        "cover title missing:\n{text}"
    );
    assert!(flat.contains(&squeeze(&data.standard.title.en)));
    assert!(text.contains("Gap list"), "gap list heading missing");
    assert!(
        flat.contains(&data.evaluation.gaps_to_next[0].point_id),
        "gap point id missing"
    );
    assert!(flat.contains(&squeeze("No level reached")));
    assert!(flat.contains("DRAFT"));
    let pages = text.matches('\u{c}').count();
    assert!(pages >= 10, "88 points need many pages, got {pages}");
}

#[test]
fn the_report_prints_to_pdf_in_chinese() {
    let dir = scratch("pdf-zh");
    let (text, _) = print(Lang::Zh, &dir);
    let flat = squeeze(&text);
    assert!(
        flat.contains("云主机评估报告"),
        "cover title missing (CJK font?):\n{text}"
    );
    assert!(flat.contains("差距清单"));
    assert!(flat.contains("未达到基础级"));
    assert!(flat.contains(&cloud_host().evaluation.gaps_to_next[0].point_id));
}
