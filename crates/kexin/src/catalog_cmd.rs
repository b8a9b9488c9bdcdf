//! `kexin catalog`: the standards catalog from the command line — list the
//! standards, show one's tree, lint a catalog directory, and cross-walk
//! checks, public controls and points.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::anyhow;
use kexin_catalog::{Catalog, Grounding, Level, Part, Point, PointRef, Standard, Text};
use serde::Serialize;

use crate::cli::Format;
use crate::output::print;

#[derive(Debug, clap::Subcommand)]
pub enum CatalogCmd {
    /// List the standards with their levels and number of points.
    List,
    /// Show a standard's parts and points as a tree (or one point in full).
    Show {
        /// A standard id (e.g. cloud-host) or a point id.
        id: String,
        /// Only the points required at this level: basic, enhanced or advanced.
        #[arg(long, value_parser = parse_level)]
        level: Option<Level>,
        /// Language of titles and statements: zh or en.
        #[arg(long, default_value = "en", value_parser = ["zh", "en"])]
        lang: String,
    },
    /// Check a catalog: file format, references, unique ids and the structure
    /// the standards fix. Exit code 1 if anything is wrong.
    Lint {
        /// Catalog directory to lint; default: the shipped catalog.
        dir: Option<PathBuf>,
    },
    /// Which points a check proves (--check), which points rest on a public
    /// control (--source with --ref, or --source alone), or which points of
    /// other standards share a control with a point (--point).
    #[command(group(
        clap::ArgGroup::new("query")
            .required(true)
            .args(["check", "source", "point"])
    ))]
    Crosswalk {
        /// Automatic check id, e.g. host.ssh.host-key-strength.
        #[arg(long)]
        check: Option<String>,
        /// Source id from sources.yaml, e.g. nist-800-53r5.
        #[arg(long)]
        source: Option<String>,
        /// Control in that source, e.g. AC-2.
        #[arg(long = "ref", requires = "source")]
        control: Option<String>,
        /// Point id, e.g. cloud-host.key-policy.ssh-host-key-strength.
        #[arg(long)]
        point: Option<String>,
    },
}

fn parse_level(s: &str) -> Result<Level, String> {
    Level::ALL
        .into_iter()
        .find(|l| l.as_str() == s)
        .ok_or_else(|| format!("`{s}` is not a level: basic, enhanced or advanced"))
}

pub fn run(cmd: &CatalogCmd, format: Format) -> anyhow::Result<ExitCode> {
    match cmd {
        CatalogCmd::List => list(Catalog::embedded(), format),
        CatalogCmd::Show { id, level, lang } => show(Catalog::embedded(), id, *level, lang, format),
        CatalogCmd::Lint { dir } => lint(dir.as_deref(), format),
        CatalogCmd::Crosswalk {
            check,
            source,
            control,
            point,
        } => crosswalk(
            Catalog::embedded(),
            check.as_deref(),
            source.as_deref(),
            control.as_deref(),
            point.as_deref(),
            format,
        ),
    }
}

fn levels_text(levels: &[Level]) -> String {
    let names: Vec<&str> = levels.iter().map(|l| l.as_str()).collect();
    names.join(",")
}

#[derive(Debug, Serialize)]
struct ListEntry<'a> {
    id: &'a str,
    blueprint: &'a str,
    title: &'a Text,
    levels: &'a [Level],
    parts: usize,
    points: kexin_catalog::LevelCounts,
    total: usize,
}

/// Standards in blueprint order (S1, S2, ... S17).
fn by_blueprint(catalog: &Catalog) -> Vec<&Standard> {
    let mut standards: Vec<&Standard> = catalog.standards.iter().collect();
    standards.sort_by_key(|s| (s.blueprint_number(), s.id.clone()));
    standards
}

fn list_entries(catalog: &Catalog) -> Vec<ListEntry<'_>> {
    by_blueprint(catalog)
        .into_iter()
        .map(|s| ListEntry {
            id: &s.id,
            blueprint: &s.blueprint,
            title: &s.title,
            levels: &s.levels,
            parts: s.part_count(),
            points: s.level_counts(),
            total: s.point_count(),
        })
        .collect()
}

/// The Chinese title comes last: `output::table` pads by characters, and
/// Chinese characters are two columns wide, so only the last column may
/// hold them without breaking the alignment.
fn list_rows(entries: &[ListEntry<'_>]) -> Vec<Vec<String>> {
    let mut rows = vec![vec![
        "ID".into(),
        "BLUEPRINT".into(),
        "LEVELS".into(),
        "POINTS".into(),
        "TITLE".into(),
        "标题".into(),
    ]];
    for e in entries {
        rows.push(vec![
            e.id.to_owned(),
            e.blueprint.to_owned(),
            levels_text(e.levels),
            e.total.to_string(),
            e.title.en.clone(),
            e.title.zh.clone(),
        ]);
    }
    rows
}

fn list(catalog: &Catalog, format: Format) -> anyhow::Result<ExitCode> {
    let entries = list_entries(catalog);
    print(format, &entries, || list_rows(&entries))?;
    Ok(ExitCode::SUCCESS)
}

/// `standard` without the points above `level`, and without the parts
/// left empty by that.
fn filtered(standard: &Standard, level: Option<Level>) -> Standard {
    fn prune(parts: &[Part], level: Level) -> Vec<Part> {
        parts
            .iter()
            .filter_map(|part| {
                let mut part = part.clone();
                part.points.retain(|p| p.applies_at(level));
                part.parts = prune(&part.parts, level);
                (!part.points.is_empty() || !part.parts.is_empty()).then_some(part)
            })
            .collect()
    }
    let mut s = standard.clone();
    if let Some(level) = level {
        s.parts = prune(&s.parts, level);
    }
    s
}

fn tag(level: Option<Level>) -> String {
    level.map_or_else(String::new, |l| format!("[{}]", l.as_str()))
}

/// The tree as rows: indented id, level tag, weight, title (last, for
/// Chinese titles; see `list_rows`).
fn tree_rows(standard: &Standard, lang: &str) -> Vec<Vec<String>> {
    fn part_rows(part: &Part, depth: usize, lang: &str, rows: &mut Vec<Vec<String>>) {
        let indent = "  ".repeat(depth);
        rows.push(vec![
            format!("{indent}{}", part.id),
            tag(part.level),
            String::new(),
            part.title.get(lang).to_owned(),
        ]);
        for point in &part.points {
            rows.push(vec![
                format!("{indent}  {}", point.id),
                tag(Some(point.level)),
                format!("w{}", point.weight),
                point.title.get(lang).to_owned(),
            ]);
        }
        for child in &part.parts {
            part_rows(child, depth + 1, lang, rows);
        }
    }
    let mut rows = vec![
        vec![
            "ID".into(),
            "LEVEL".into(),
            "WEIGHT".into(),
            if lang == "zh" { "标题" } else { "TITLE" }.into(),
        ],
        vec![
            standard.id.clone(),
            format!("[{}]", levels_text(&standard.levels)),
            String::new(),
            format!("{} {}", standard.blueprint, standard.title.get(lang)),
        ],
    ];
    for part in &standard.parts {
        part_rows(part, 1, lang, &mut rows);
    }
    rows
}

/// One point in full, as key / value rows.
fn point_rows(r: &PointRef<'_>, lang: &str) -> Vec<Vec<String>> {
    let p: &Point = r.point;
    let mut rows = vec![
        vec!["point".into(), p.id.clone()],
        vec![
            "standard".into(),
            format!("{} ({})", r.standard.id, r.standard.blueprint),
        ],
        vec![
            "part".into(),
            r.part().map_or_else(String::new, |part| part.id.clone()),
        ],
        vec!["level".into(), p.level.as_str().into()],
        vec!["weight".into(), p.weight.to_string()],
        vec!["title".into(), p.title.get(lang).into()],
        vec!["statement".into(), p.statement.get(lang).into()],
    ];
    if !p.variants.is_empty() {
        rows.push(vec!["variants".into(), p.variants.join(", ")]);
    }
    for e in &p.evidence {
        let kind = serde_json::to_value(e.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let what = match &e.check {
            Some(check) => format!("{kind} {check}: {}", e.description.get(lang)),
            None => format!("{kind}: {}", e.description.get(lang)),
        };
        rows.push(vec!["evidence".into(), what]);
    }
    for g in &p.grounding {
        rows.push(vec!["grounding".into(), grounding_text(g)]);
    }
    rows
}

fn grounding_text(g: &Grounding) -> String {
    let relation = serde_json::to_value(g.relation)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    format!("{} {} ({relation})", g.source, g.reference)
}

fn show(
    catalog: &Catalog,
    id: &str,
    level: Option<Level>,
    lang: &str,
    format: Format,
) -> anyhow::Result<ExitCode> {
    if let Some(standard) = catalog.standard(id) {
        let shown = filtered(standard, level);
        print(format, &shown, || tree_rows(&shown, lang))?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(r) = catalog.point_ref(id) {
        print(format, r.point, || point_rows(&r, lang))?;
        return Ok(ExitCode::SUCCESS);
    }
    Err(anyhow!(
        "no standard or point `{id}`; `kexin catalog list` shows the standards"
    ))
}

fn lint(dir: Option<&Path>, format: Format) -> anyhow::Result<ExitCode> {
    let shown_root = dir.map_or_else(
        || kexin_catalog::EMBEDDED_ROOT.to_owned(),
        |d| d.display().to_string(),
    );
    let loaded = match dir {
        Some(d) => Catalog::load_dir(d),
        None => Catalog::load_embedded(),
    };
    let catalog = match loaded {
        Ok(c) => c,
        Err(e) => {
            // The loader refused the files: report its problems like issues.
            match format {
                Format::Json => {
                    let out = serde_json::json!({
                        "ok": false,
                        "problems": e.problems,
                        "issues": [],
                    });
                    println!("{}", serde_json::to_string_pretty(&out)?);
                }
                Format::Text => {
                    for p in &e.problems {
                        println!("{p}");
                    }
                }
            }
            return Ok(ExitCode::from(1));
        }
    };
    let issues = catalog.lint();
    let standards = catalog.standards.len();
    let points = catalog.point_count();
    match format {
        Format::Json => {
            let out = serde_json::json!({
                "ok": issues.is_empty(),
                "standards": standards,
                "points": points,
                "problems": [],
                "issues": issues,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Text if issues.is_empty() => {
            println!("catalog OK: {standards} standards, {points} points");
        }
        Format::Text => {
            for i in &issues {
                println!("{shown_root}/{}: {}: {}", i.file, i.item, i.message);
            }
        }
    }
    Ok(if issues.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[derive(Debug, Serialize)]
struct CrosswalkEntry<'a> {
    standard: &'a str,
    blueprint: &'a str,
    point: &'a str,
    level: Level,
    title: &'a Text,
    /// For --point: the controls shared with the point asked about.
    #[serde(skip_serializing_if = "Option::is_none")]
    shared: Option<Vec<&'a Grounding>>,
}

fn entry<'a>(r: &PointRef<'a>, shared: Option<Vec<&'a Grounding>>) -> CrosswalkEntry<'a> {
    CrosswalkEntry {
        standard: &r.standard.id,
        blueprint: &r.standard.blueprint,
        point: &r.point.id,
        level: r.point.level,
        title: &r.point.title,
        shared,
    }
}

fn crosswalk_rows(entries: &[CrosswalkEntry<'_>]) -> Vec<Vec<String>> {
    let with_shared = entries.iter().any(|e| e.shared.is_some());
    let mut header = vec![
        "STANDARD".to_owned(),
        "BLUEPRINT".into(),
        "POINT".into(),
        "LEVEL".into(),
    ];
    if with_shared {
        header.push("SHARED".into());
    }
    header.push("TITLE".into());
    let mut rows = vec![header];
    for e in entries {
        let mut row = vec![
            e.standard.to_owned(),
            e.blueprint.to_owned(),
            e.point.to_owned(),
            e.level.as_str().to_owned(),
        ];
        if let Some(shared) = &e.shared {
            let controls: Vec<String> = shared
                .iter()
                .map(|g| format!("{} {}", g.source, g.reference))
                .collect();
            row.push(controls.join("; "));
        }
        row.push(e.title.en.clone());
        rows.push(row);
    }
    rows
}

fn crosswalk_entries<'a>(
    catalog: &'a Catalog,
    check: Option<&str>,
    source: Option<&str>,
    control: Option<&str>,
    point: Option<&str>,
) -> anyhow::Result<Vec<CrosswalkEntry<'a>>> {
    if let Some(check) = check {
        if catalog.check(check).is_none() {
            return Err(anyhow!("no check `{check}` in the catalog's checks.yaml"));
        }
        return Ok(catalog
            .crosswalk_check(check)
            .iter()
            .map(|r| entry(r, None))
            .collect());
    }
    if let Some(source) = source {
        if catalog.source(source).is_none() {
            let known: Vec<&str> = catalog.sources.iter().map(|s| s.id.as_str()).collect();
            return Err(anyhow!(
                "no source `{source}`; known sources: {}",
                known.join(", ")
            ));
        }
        let points = match control {
            Some(control) => catalog.crosswalk_control(source, control),
            None => catalog.grounded_in(source),
        };
        return Ok(points.iter().map(|r| entry(r, None)).collect());
    }
    if let Some(point) = point {
        if catalog.point(point).is_none() {
            return Err(anyhow!("no point `{point}` in the catalog"));
        }
        return Ok(catalog
            .related_points(point)
            .into_iter()
            .map(|r| entry(&r.point, Some(r.shared)))
            .collect());
    }
    Err(anyhow!("give --check, --source (with --ref) or --point"))
}

fn crosswalk(
    catalog: &Catalog,
    check: Option<&str>,
    source: Option<&str>,
    control: Option<&str>,
    point: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let entries = crosswalk_entries(catalog, check, source, control, point)?;
    if entries.is_empty() && format == Format::Text {
        eprintln!("no matching points");
    }
    print(format, &entries, || crosswalk_rows(&entries))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[derive(Debug, Parser)]
    struct Harness {
        #[command(subcommand)]
        cmd: CatalogCmd,
    }

    #[test]
    fn the_subcommands_are_consistent() {
        Harness::command().debug_assert();
    }

    #[test]
    fn arguments_parse() {
        let h =
            Harness::try_parse_from(["x", "show", "soc", "--level", "enhanced", "--lang", "zh"])
                .unwrap();
        assert!(matches!(
            h.cmd,
            CatalogCmd::Show { level: Some(Level::Enhanced), ref lang, .. } if lang == "zh"
        ));
        assert!(Harness::try_parse_from(["x", "show", "soc", "--level", "top"]).is_err());
        assert!(Harness::try_parse_from(["x", "show", "soc", "--lang", "fr"]).is_err());
        assert!(Harness::try_parse_from(["x", "crosswalk"]).is_err());
        assert!(Harness::try_parse_from(["x", "crosswalk", "--ref", "AC-2"]).is_err());
        let h = Harness::try_parse_from([
            "x",
            "crosswalk",
            "--source",
            "nist-800-53r5",
            "--ref",
            "AC-2",
        ])
        .unwrap();
        assert!(matches!(h.cmd, CatalogCmd::Crosswalk { control: Some(ref c), .. } if c == "AC-2"));
    }

    #[test]
    fn list_has_a_row_per_standard_in_blueprint_order() {
        let entries = list_entries(Catalog::embedded());
        let rows = list_rows(&entries);
        assert_eq!(rows.len(), 1 + Catalog::embedded().standards.len());
        assert_eq!(rows[1][1], "S1");
        assert_eq!(rows.last().unwrap()[1], "S17");
    }

    #[test]
    fn show_filters_by_level() {
        let s = Catalog::embedded().standard("cloud-host").unwrap();
        let basic = filtered(s, Some(Level::Basic));
        assert!(basic.points().all(|(_, p)| p.level == Level::Basic));
        assert_eq!(basic.parts.len(), 10);
        assert_eq!(filtered(s, None), *s);
        let rows = tree_rows(&basic, "zh");
        assert!(rows.iter().any(|r| r[3] == "密钥策略安全"));
        assert!(rows.iter().all(|r| r[1] != "[enhanced]"));
    }

    #[test]
    fn crosswalks_find_points() {
        let c = Catalog::embedded();
        let e = crosswalk_entries(c, Some("host.ssh.host-key-strength"), None, None, None).unwrap();
        assert!(
            e.iter()
                .any(|e| e.point == "cloud-host.key-policy.ssh-host-key-strength")
        );
        let e = crosswalk_entries(c, None, Some("nist-800-53r5"), Some("AC-6"), None).unwrap();
        assert!(e.len() > 1);
        let e = crosswalk_entries(
            c,
            None,
            None,
            None,
            Some("cloud-host.key-policy.ssh-host-key-strength"),
        )
        .unwrap();
        assert!(
            e.iter()
                .all(|e| e.shared.is_some() && e.standard != "cloud-host")
        );
        let rows = crosswalk_rows(&e);
        assert_eq!(rows[0][4], "SHARED");
        assert!(crosswalk_entries(c, Some("host.nope.x"), None, None, None).is_err());
        assert!(crosswalk_entries(c, None, Some("nope"), None, None).is_err());
        assert!(crosswalk_entries(c, None, None, None, Some("nope")).is_err());
    }

    #[test]
    fn point_details_show_evidence_and_grounding() {
        let r = Catalog::embedded()
            .point_ref("cloud-host.key-policy.ssh-host-key-strength")
            .unwrap();
        let rows = point_rows(&r, "en");
        assert!(
            rows.iter()
                .any(|r| r[0] == "evidence"
                    && r[1].starts_with("check host.ssh.host-key-strength: "))
        );
        assert!(
            rows.iter()
                .any(|r| r[0] == "grounding" && r[1] == "nist-800-53r5 SC-12 (intersect)")
        );
    }
}
