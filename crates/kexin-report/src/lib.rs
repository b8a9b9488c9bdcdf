/*!
The report a person hands to an auditor: what an assessment of one target
against one standard of the catalog concluded, and on what evidence.

An assessment evaluates a target (a cloud platform, a system) against one
standard and reaches a level: basic (基础级), enhanced (增强级) or advanced
(先进级). The caller (CLI, server) gathers everything the report shows from
the store into a [`ReportData`]; this crate turns it into

* [`render_json`]: the machine-readable report, pretty-printed with a stable
  key order; it holds the evaluation and every point of the standard,
  answered or not, with its title and statement in both languages;
* [`render_html`]: the human report in Chinese or English ([`Lang`]). It is a
  single self-contained file — inline CSS, charts drawn as inline SVG by this
  crate, no JavaScript, no external URL — and print-ready: A4 pages, page
  breaks before each major section, table headers repeated on every page, a
  "DRAFT" watermark on every page until the assessment is signed off;
* [`html_to_pdf`]: that same HTML printed to PDF by headless Chromium.

The report has five parts: cover (standard, target, level reached), summary
(level against target, overall score, score per top-level part as a bar
chart, counts per verdict), gap list (to the next level and to the target
level, with the evidence that would close each gap), every point grouped by
the standard's part tree (verdict, reason, notes, source, evidence), and the
sign-off (workflow steps, signature lines).

# Why Chromium prints the PDF

The HTML report is the single source: what the console shows, what is
e-mailed and what is printed are the same document, so they cannot drift
apart, and there is one template to translate and review. A layout engine
compiled in (typst) would need a second template of every section, and it
roughly doubles the workspace's build time for a feature
that runs a few times per assessment. Chromium's print engine handles
everything the report needs: `@page` sizes and margin boxes (page numbers),
repeated table headers, page breaks, inline SVG, and Chinese text. Chromium
is an ordinary Debian package (`chromium`), run headless in a throw-away
profile with networking features off and a timeout ([`html_to_pdf`]).

CJK glyphs come from the system's fonts, not from the report: install
`fonts-wqy-microhei` or `fonts-noto-cjk` next to `chromium`. The CSS font
stack names "Noto Sans CJK SC" and "WenQuanYi Micro Hei"; without either,
Chinese text prints as empty boxes. WenQuanYi Micro Hei has a single
weight, so Chromium synthesises the bold text as Type 3 glyphs and a report
of a hundred points weighs about 1.5 MB; Noto Sans CJK brings real bold
weights.

# Escaping

Every value from the store or the catalog is HTML-escaped by askama; the
two pieces inserted unescaped (the stylesheet, which is a constant, and the
SVG charts) are built by this crate, which escapes their text itself.
External URLs of link evidence are shown as text, never as `href`, so the
report loads nothing and opens nothing.
*/

mod html;
mod json;
mod labels;
mod pdf;
mod svg;

use std::fmt;
use std::str::FromStr;

use kexin_core::{AssessmentStatus, Timestamp};
use serde::Serialize;

pub use html::render_html;
pub use json::render_json;
pub use kexin_assess::{Evaluation, Verdict};
pub use pdf::{PDF_TIMEOUT, PdfOptions, find_chromium, html_to_pdf, html_to_pdf_with};

/// Everything a report shows. Built by the caller (CLI/server) from the store.
#[derive(Debug, Clone, Serialize)]
pub struct ReportData {
    pub assessment_id: String,
    pub tenant_name: String,
    pub target_name: String,
    /// The whole standard (for titles, tree, statements).
    pub standard: kexin_catalog::Standard,
    pub variant: Option<String>,
    pub status: AssessmentStatus,
    /// The evaluation of [`ReportData::results`] against `standard`.
    pub evaluation: Evaluation,
    /// One per point that has an answer; the others are "not assessed".
    /// Results for ids that are not points of the standard are not shown.
    pub results: Vec<PointResult>,
    /// created / submitted / reviewed / signed off: who, when, note.
    pub workflow: Vec<WorkflowStep>,
    pub generated_at: Timestamp,
    /// E.g. the Kexin version string.
    pub catalog_version: String,
}

impl ReportData {
    /// The result recorded for `point_id`, if any.
    pub fn result(&self, point_id: &str) -> Option<&PointResult> {
        self.results.iter().find(|r| r.point_id == point_id)
    }
}

/// The answer recorded for one point.
#[derive(Debug, Clone, Serialize)]
pub struct PointResult {
    pub point_id: String,
    pub verdict: Verdict,
    /// Why, e.g. why the point is not applicable.
    pub reason: Option<String>,
    pub notes: Option<String>,
    /// `manual` or `check:<run id>`.
    pub source: String,
    pub updated_by: String,
    pub updated_at: Timestamp,
    pub evidence: Vec<EvidenceItem>,
}

/// A piece of evidence attached to a point.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceItem {
    pub id: String,
    /// `file`, `link` or `check`.
    pub kind: String,
    pub name: String,
    pub sha256: Option<String>,
    pub size: Option<u64>,
    pub url: Option<String>,
}

/// One step of the assessment's workflow.
#[derive(Debug, Clone, Serialize)]
pub struct WorkflowStep {
    /// `created`, `submitted`, `reviewed`, `signed_off` or `returned`.
    pub step: String,
    pub by: String,
    pub at: Timestamp,
    pub note: Option<String>,
}

/// The language of the HTML report.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// `en` in English, `zh` in Chinese.
    pub(crate) fn pick<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Lang::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a report language; expected one of: zh, en"))
    }
}

/// Why a report could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The data does not hang together, e.g. the evaluation is of another standard.
    #[error("inconsistent report data: {0}")]
    Inconsistent(String),
    #[error("rendering the HTML report failed: {0}")]
    Render(#[from] askama::Error),
    #[error(
        "chromium is needed to print the PDF but was not found ({0}): install Debian's chromium package (`apt-get install chromium`), and fonts-wqy-microhei or fonts-noto-cjk for Chinese text"
    )]
    ChromiumMissing(String),
    #[error("chromium did not finish printing the PDF within {0:?}")]
    Timeout(std::time::Duration),
    #[error("chromium failed to print the PDF ({status}): {stderr}")]
    ChromiumFailed { status: String, stderr: String },
    #[error("chromium's output {0} is not a PDF")]
    NotPdf(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl ReportError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ReportError {
        let context = context.into();
        move |source| ReportError::Io { context, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_and_list_the_allowed_ones() {
        assert_eq!("zh".parse::<Lang>().unwrap(), Lang::Zh);
        assert_eq!("en".parse::<Lang>().unwrap(), Lang::En);
        let err = "fr".parse::<Lang>().unwrap_err();
        assert!(err.contains("zh, en") && err.contains("`fr`"), "{err}");
        assert!("EN".parse::<Lang>().is_err());
        for l in Lang::ALL {
            assert_eq!(l.to_string().parse::<Lang>().unwrap(), l);
        }
    }
}
