//! The report's charts, drawn as inline SVG so that the report needs no
//! script and no library. Every piece of text is escaped here, since the
//! template inserts the SVG as it is.

use std::fmt::Write;

use kexin_core::Verdict;

/// One horizontal bar: a label and a score out of 100 (`None`: no score).
pub(crate) struct Bar {
    pub label: String,
    pub score: Option<f64>,
}

/// Escapes text for an XML text node or attribute value.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Rough width of `c` in ems: CJK and other wide characters take a full em.
fn em_width(c: char) -> f64 {
    if c.is_ascii() {
        if c.is_ascii_uppercase() || c == 'm' || c == 'w' {
            0.68
        } else {
            0.52
        }
    } else if (c as u32) >= 0x1100 {
        1.0
    } else {
        0.6
    }
}

/// `s` cut to about `max_em` ems, with an ellipsis when cut.
pub(crate) fn fit(s: &str, max_em: f64) -> String {
    let total: f64 = s.chars().map(em_width).sum();
    if total <= max_em {
        return s.to_string();
    }
    let mut out = String::new();
    let mut width = 0.0;
    for c in s.chars() {
        width += em_width(c);
        if width > max_em - 1.0 {
            break;
        }
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// Colour of a score bar: green from 80, amber from 50, red below.
fn score_colour(score: f64) -> &'static str {
    if score >= 80.0 {
        "#2e7d32"
    } else if score >= 50.0 {
        "#c77700"
    } else {
        "#c62828"
    }
}

const WIDTH: f64 = 720.0;
const LABEL_W: f64 = 270.0;
const VALUE_W: f64 = 56.0;
const ROW_H: f64 = 21.0;
const FONT: f64 = 12.0;

/// A horizontal bar chart of scores on a 0–100 axis.
pub(crate) fn bar_chart(title: &str, bars: &[Bar], no_score: &str) -> String {
    let plot_x = LABEL_W;
    let plot_w = WIDTH - LABEL_W - VALUE_W;
    let top = 8.0;
    let plot_h = ROW_H * bars.len() as f64;
    let axis_y = top + plot_h;
    let height = axis_y + 28.0;
    let x_of = |v: f64| plot_x + plot_w * v.clamp(0.0, 100.0) / 100.0;

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = escape(title),
    );
    // Grid and axis.
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let x = x_of(tick);
        let dash = if tick == 0.0 {
            ""
        } else {
            r#" stroke-dasharray="3 3""#
        };
        let _ = write!(
            s,
            r##"<line x1="{x}" y1="{top}" x2="{x}" y2="{axis_y}" stroke="#c9ced6" stroke-width="1"{dash}/><text x="{x}" y="{ty}" font-size="10" fill="#5b6270" text-anchor="middle">{tick}</text>"##,
            ty = axis_y + 16.0,
        );
    }
    let _ = write!(
        s,
        r##"<line x1="{plot_x}" y1="{axis_y}" x2="{x2}" y2="{axis_y}" stroke="#8a919c" stroke-width="1"/>"##,
        x2 = x_of(100.0),
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = top + ROW_H * i as f64;
        let mid = y + ROW_H / 2.0;
        let _ = write!(
            s,
            r##"<text x="{lx}" y="{ly}" font-size="{FONT}" fill="#1f2937" text-anchor="end">{label}</text>"##,
            lx = plot_x - 10.0,
            ly = mid + 4.0,
            label = escape(&fit(&bar.label, (LABEL_W - 16.0) / FONT)),
        );
        let _ = write!(
            s,
            r##"<rect x="{plot_x}" y="{ry}" width="{plot_w}" height="13" fill="#eef1f5"/>"##,
            ry = mid - 6.5,
        );
        match bar.score {
            Some(score) => {
                let w = x_of(score) - plot_x;
                let _ = write!(
                    s,
                    r##"<rect x="{plot_x}" y="{ry}" width="{w:.1}" height="13" fill="{c}"/><text x="{vx:.1}" y="{vy}" font-size="{FONT}" font-weight="600" fill="#1f2937">{v:.1}</text>"##,
                    ry = mid - 6.5,
                    c = score_colour(score),
                    vx = plot_x + w + 6.0,
                    vy = mid + 4.0,
                    v = score,
                );
            }
            None => {
                let _ = write!(
                    s,
                    r##"<text x="{vx}" y="{vy}" font-size="{FONT}" fill="#5b6270">{t}</text>"##,
                    vx = plot_x + 6.0,
                    vy = mid + 4.0,
                    t = escape(no_score),
                );
            }
        }
    }
    s.push_str("</svg>");
    s
}

/// One bar split by verdict, each segment as wide as its count.
pub(crate) fn verdict_bar(title: &str, counts: &[(Verdict, usize)]) -> String {
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let height = 30.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = escape(title),
    );
    if total == 0 {
        let _ = write!(
            s,
            r##"<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#eef1f5"/>"##
        );
    }
    let mut x = 0.0;
    for &(verdict, n) in counts {
        if n == 0 || total == 0 {
            continue;
        }
        let w = WIDTH * n as f64 / total as f64;
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="0" width="{w:.1}" height="{height}" fill="{c}"/>"##,
            c = crate::labels::verdict_colour(verdict),
        );
        if w >= 24.0 {
            let _ = write!(
                s,
                r##"<text x="{tx:.1}" y="20" font-size="12" font-weight="600" fill="#ffffff" text-anchor="middle">{n}</text>"##,
                tx = x + w / 2.0,
            );
        }
        x += w;
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        let svg = bar_chart(
            "t<i>",
            &[Bar {
                label: "A & <b>\"x\"</b>".into(),
                score: Some(50.0),
            }],
            "n/a",
        );
        assert!(
            svg.contains("A &amp; &lt;b&gt;&quot;x&quot;&lt;/b&gt;"),
            "{svg}"
        );
        assert!(svg.contains("<title>t&lt;i&gt;</title>"));
        assert!(!svg.contains("<b>") && !svg.contains("<i>"));
    }

    #[test]
    fn bars_scale_with_the_score_and_missing_scores_say_so() {
        let svg = bar_chart(
            "t",
            &[
                Bar {
                    label: "full".into(),
                    score: Some(100.0),
                },
                Bar {
                    label: "half".into(),
                    score: Some(50.0),
                },
                Bar {
                    label: "none".into(),
                    score: None,
                },
            ],
            "no score",
        );
        let plot_w = WIDTH - LABEL_W - VALUE_W;
        assert!(
            svg.contains(&format!(
                r##"width="{plot_w:.1}" height="13" fill="#2e7d32""##
            )),
            "{svg}"
        );
        assert!(svg.contains(&format!(
            r##"width="{:.1}" height="13" fill="#c77700""##,
            plot_w / 2.0
        )));
        assert!(svg.contains(">no score</text>"));
        assert!(svg.contains(">100.0</text>") && svg.contains(">50.0</text>"));
    }

    #[test]
    fn long_labels_are_cut() {
        assert_eq!(fit("short", 10.0), "short");
        let cut = fit(
            "A very long part title that does not fit the label column",
            10.0,
        );
        assert!(cut.ends_with('…') && cut.chars().count() < 20, "{cut}");
        let zh = fit("云服务用户数据保护能力参考框架之数据持久性与可用性", 10.0);
        assert!(zh.chars().count() <= 10, "{zh}");
    }

    #[test]
    fn verdict_segments_are_proportional() {
        let svg = verdict_bar(
            "t",
            &[
                (Verdict::Pass, 3),
                (Verdict::Fail, 1),
                (Verdict::Partial, 0),
            ],
        );
        assert!(svg.contains(&format!(r#"width="{:.1}""#, WIDTH * 0.75)));
        assert!(svg.contains(&format!(
            r#"x="{:.1}" y="0" width="{:.1}""#,
            WIDTH * 0.75,
            WIDTH * 0.25
        )));
        assert!(!svg.contains("#c77700"), "empty verdicts draw nothing");
        let empty = verdict_bar("t", &[(Verdict::Pass, 0)]);
        assert!(empty.contains("#eef1f5"));
    }
}
