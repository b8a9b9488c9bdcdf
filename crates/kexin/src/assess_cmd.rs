//! `kexin assess …`: assessments of a target against a catalog standard.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use clap::Subcommand;
use kexin_assess::{Evaluation, evaluate};
use kexin_catalog::{Catalog, Standard};
use kexin_core::{Actor, Assessment, AssessmentId, Level, PointResult, Role, Tenant, Verdict};
use kexin_store::{NewAssessment, ResultInput, Store, Transition};

use crate::cli::Format;
use crate::output::{opt, print};

#[derive(Debug, Subcommand)]
pub enum AssessCmd {
    /// Open a new assessment (a draft) of a target against a standard.
    New {
        #[arg(long)]
        tenant: String,
        /// Catalog id of the standard (`kexin catalog list`).
        #[arg(long)]
        standard: String,
        /// What is assessed: a cloud platform, a system, an estate.
        #[arg(long)]
        target: String,
        /// The level aimed at [default: the standard's highest].
        #[arg(long, value_parser = parse_level)]
        level: Option<Level>,
        /// Variant, for standards that have them (e.g. public-cloud).
        #[arg(long)]
        variant: Option<String>,
        /// The earlier assessment of the same target this one follows.
        #[arg(long)]
        supersedes: Option<String>,
    },
    /// List a tenant's assessments with the level each reaches.
    List {
        #[arg(long)]
        tenant: String,
        /// Only this target: its history of assessments, oldest first.
        #[arg(long)]
        target: Option<String>,
    },
    /// Level reached, score per part, and the gap list.
    Show {
        #[arg(long)]
        tenant: String,
        id: String,
        #[arg(long, default_value = "en", value_parser = ["en", "zh"])]
        lang: String,
    },
    /// Record the result of one point.
    Answer {
        #[arg(long)]
        tenant: String,
        id: String,
        point: String,
        /// pass, partial, fail, not_applicable (needs --reason) or not_assessed.
        #[arg(value_parser = parse_verdict)]
        result: Verdict,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        notes: Option<String>,
    },
    /// Record answers from a YAML or CSV file, all or nothing.
    Import {
        #[arg(long)]
        tenant: String,
        id: String,
        file: PathBuf,
    },
    /// Attach evidence to a point: a file (stored by its SHA-256), a link, or stored evidence.
    #[command(group = clap::ArgGroup::new("source").required(true))]
    Attach {
        #[arg(long)]
        tenant: String,
        id: String,
        point: String,
        #[arg(long, group = "source")]
        file: Option<PathBuf>,
        #[arg(long, group = "source", requires = "name")]
        link: Option<String>,
        /// Title of the link.
        #[arg(long)]
        name: Option<String>,
        /// Evidence already stored (for instance shared by a related point of another standard).
        #[arg(long, group = "source")]
        evidence: Option<String>,
    },
    /// Submit a draft for review.
    Submit {
        #[arg(long)]
        tenant: String,
        id: String,
    },
    /// Review a submitted assessment as an auditor of the tenant, or return it to draft.
    Review {
        #[arg(long)]
        tenant: String,
        id: String,
        /// Username of the reviewing auditor (must differ from the submitter).
        #[arg(long)]
        reviewer: String,
        #[arg(long)]
        note: Option<String>,
        /// Send it back to draft instead (with --note saying what to fix).
        #[arg(long = "return", requires = "note")]
        send_back: bool,
    },
    /// Sign off a reviewed assessment: it is frozen from then on.
    Signoff {
        #[arg(long)]
        tenant: String,
        id: String,
    },
    /// Write the report: self-contained HTML (print-ready), PDF (printed by Debian's chromium) or JSON.
    Report {
        #[arg(long)]
        tenant: String,
        id: String,
        #[arg(long, default_value = "en", value_parser = ["en", "zh"])]
        lang: String,
        /// File to write [default: standard output; required for pdf].
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Fill the points bound to automatic checks from the newest check run on the asset named like the target.
    Fill {
        #[arg(long)]
        tenant: String,
        id: String,
    },
    /// Points whose result differs between two assessments of the same target and standard.
    Diff {
        #[arg(long)]
        tenant: String,
        before: String,
        after: String,
    },
}

fn parse_level(s: &str) -> Result<Level, String> {
    match s {
        "basic" => Ok(Level::Basic),
        "enhanced" => Ok(Level::Enhanced),
        "advanced" => Ok(Level::Advanced),
        _ => Err(format!(
            "`{s}` is not a level; expected basic, enhanced or advanced"
        )),
    }
}

fn parse_verdict(s: &str) -> Result<Verdict, String> {
    s.parse()
}

fn standard_of<'a>(catalog: &'a Catalog, id: &str) -> anyhow::Result<&'a Standard> {
    catalog.standard(id).ok_or_else(|| {
        anyhow!("no standard `{id}` in the catalog; `kexin catalog list` shows them")
    })
}

/// Evaluates an assessment as stored.
pub async fn evaluation_of(
    store: &Store,
    a: &Assessment,
) -> anyhow::Result<(Vec<PointResult>, Evaluation)> {
    let standard = standard_of(Catalog::embedded(), &a.standard_id)?;
    let results = store.point_results(&a.tenant_id, &a.id).await?;
    let answers = kexin_assess::answers(&results);
    let e = evaluate(standard, a.variant.as_deref(), a.target_level, |p| {
        answers.get(p)
    });
    Ok((results, e))
}

fn level_name(l: Option<Level>) -> String {
    l.map_or_else(
        || "none".into(),
        |l| format!("{} ({})", l.as_str(), l.title_zh()),
    )
}

pub async fn run(
    cmd: &AssessCmd,
    format: Format,
    format_arg: crate::cli::FormatArg,
    store: &Store,
    actor: &Actor,
    tenant_of: impl AsyncFn(&str) -> anyhow::Result<Tenant>,
) -> anyhow::Result<ExitCode> {
    let catalog = Catalog::embedded();
    match cmd {
        AssessCmd::New {
            tenant,
            standard,
            target,
            level,
            variant,
            supersedes,
        } => {
            let t = tenant_of(tenant).await?;
            let s = standard_of(catalog, standard)?;
            let level = level.unwrap_or_else(|| *s.levels.last().unwrap_or(&Level::Basic));
            if !s.levels.contains(&level) {
                bail!(
                    "{} grades {}; --level {} is not one of them",
                    s.id,
                    s.levels
                        .iter()
                        .map(|l| l.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    level.as_str()
                );
            }
            match (variant, s.variants.is_empty()) {
                (Some(v), _) if !s.variants.contains(v) => bail!(
                    "{} has no variant `{v}`; its variants: {}",
                    s.id,
                    if s.variants.is_empty() {
                        "none".into()
                    } else {
                        s.variants.join(", ")
                    }
                ),
                (None, false) => bail!(
                    "{} has variants ({}); choose one with --variant",
                    s.id,
                    s.variants.join(", ")
                ),
                _ => {}
            }
            let new = NewAssessment {
                standard_id: s.id.clone(),
                variant: variant.clone(),
                target_name: target.clone(),
                target_level: level,
                supersedes: supersedes.clone().map(AssessmentId::from_string),
            };
            let a = store.create_assessment(actor, &t.id, new).await?;
            kexin_server::api::assessments::fill_from_checks(store, actor, &a).await?;
            print(format, &a, || {
                vec![vec![format!(
                    "created assessment {} of {} against {} (target level {})",
                    a.id,
                    a.target_name,
                    a.standard_id,
                    a.target_level.as_str()
                )]]
            })?;
        }
        AssessCmd::List { tenant, target } => {
            let t = tenant_of(tenant).await?;
            let mut rows_data = Vec::new();
            for a in store
                .list_assessments(&t.id)
                .await?
                .into_iter()
                .filter(|a| target.as_ref().is_none_or(|x| *x == a.target_name))
            {
                let (_, e) = evaluation_of(store, &a).await?;
                rows_data.push(serde_json::json!({"assessment": a, "level_reached": e.level_reached, "score": e.score}));
            }
            print(format, &rows_data, || {
                let mut rows = vec![vec![
                    "ID".into(),
                    "STANDARD".into(),
                    "TARGET".into(),
                    "STATUS".into(),
                    "TARGET LEVEL".into(),
                    "REACHED".into(),
                    "SCORE".into(),
                ]];
                for r in &rows_data {
                    let a = &r["assessment"];
                    rows.push(vec![
                        a["id"].as_str().unwrap_or("").into(),
                        a["standard_id"].as_str().unwrap_or("").into(),
                        a["target_name"].as_str().unwrap_or("").into(),
                        a["status"].as_str().unwrap_or("").into(),
                        a["target_level"].as_str().unwrap_or("").into(),
                        r["level_reached"].as_str().unwrap_or("none").into(),
                        r["score"]
                            .as_f64()
                            .map_or("-".into(), |s| format!("{s:.1}")),
                    ]);
                }
                rows
            })?;
        }
        AssessCmd::Show { tenant, id, lang } => {
            let t = tenant_of(tenant).await?;
            let a = store
                .assessment(&t.id, &AssessmentId::from_string(id.clone()))
                .await?;
            let (results, e) = evaluation_of(store, &a).await?;
            let value = serde_json::json!({"assessment": a, "evaluation": e, "results": results});
            print(format, &value, || {
                let s = standard_of(catalog, &a.standard_id).expect("checked");
                let mut rows = vec![
                    vec![
                        "standard".into(),
                        format!("{} {} / {}", s.blueprint, s.title.zh, s.title.en),
                    ],
                    vec![
                        "target".into(),
                        format!("{} ({})", a.target_name, opt(&a.variant)),
                    ],
                    vec!["status".into(), a.status.as_str().into()],
                    vec!["target level".into(), level_name(Some(a.target_level))],
                    vec!["level reached".into(), level_name(e.level_reached)],
                    vec![
                        "score".into(),
                        e.score.map_or("-".into(), |x| format!("{x:.1} / 100")),
                    ],
                    vec![String::new(), String::new()],
                    vec!["PART".into(), "SCORE  PASSED/POINTS".into()],
                ];
                for p in &e.parts {
                    rows.push(vec![
                        p.title.get(lang).into(),
                        format!(
                            "{}  {}/{}",
                            p.score.map_or("-".into(), |x| format!("{x:5.1}")),
                            p.passed,
                            p.points
                        ),
                    ]);
                }
                let gaps = if e.gaps_to_next.is_empty() {
                    &e.gaps_to_target
                } else {
                    &e.gaps_to_next
                };
                let to = if e.gaps_to_next.is_empty() {
                    e.target_level
                } else {
                    e.next_level.unwrap_or(e.target_level)
                };
                rows.push(vec![String::new(), String::new()]);
                rows.push(vec![
                    format!("GAPS TO {} ({})", to.as_str().to_uppercase(), gaps.len()),
                    String::new(),
                ]);
                for g in gaps {
                    let proof: Vec<String> = g
                        .evidence
                        .iter()
                        .map(|ev| {
                            ev.check
                                .clone()
                                .unwrap_or_else(|| ev.description.get(lang).to_string())
                        })
                        .collect();
                    rows.push(vec![
                        format!("{} [{}]", g.point_id, g.verdict.as_str()),
                        format!("{} — {}", g.title.get(lang), proof.join("; ")),
                    ]);
                }
                rows
            })?;
        }
        AssessCmd::Answer {
            tenant,
            id,
            point,
            result,
            reason,
            notes,
        } => {
            let t = tenant_of(tenant).await?;
            let a = store
                .assessment(&t.id, &AssessmentId::from_string(id.clone()))
                .await?;
            let s = standard_of(catalog, &a.standard_id)?;
            let Some((_, p)) = s.point(point) else {
                bail!(
                    "unknown point `{point}` in standard {}; `kexin catalog show {}` lists them",
                    s.id,
                    s.id
                )
            };
            if !kexin_assess::applies(p, a.variant.as_deref()) {
                bail!(
                    "point `{point}` does not apply to variant {}",
                    opt(&a.variant)
                );
            }
            let input = ResultInput {
                point_id: point.clone(),
                verdict: *result,
                reason: reason.clone(),
                notes: notes.clone(),
                source: "manual".into(),
            };
            store
                .record_results(actor, &t.id, &a.id, vec![input])
                .await?;
            let (_, e) = evaluation_of(store, &a).await?;
            print(format, &e, || {
                vec![vec![format!(
                    "{point}: {} — level reached now {}",
                    result.as_str(),
                    level_name(e.level_reached)
                )]]
            })?;
        }
        AssessCmd::Import { tenant, id, file } => {
            let t = tenant_of(tenant).await?;
            let a = store
                .assessment(&t.id, &AssessmentId::from_string(id.clone()))
                .await?;
            let s = standard_of(catalog, &a.standard_id)?;
            let bytes =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let answers = kexin_assess::import::parse_answers(
                &file.display().to_string(),
                &bytes,
                s,
                a.variant.as_deref(),
            )?;
            let n = answers.len();
            let inputs = answers
                .into_iter()
                .map(|x| ResultInput {
                    point_id: x.point_id,
                    verdict: x.verdict,
                    reason: x.reason,
                    notes: x.notes,
                    source: "manual".into(),
                })
                .collect();
            store.record_results(actor, &t.id, &a.id, inputs).await?;
            let (_, e) = evaluation_of(store, &a).await?;
            print(format, &e, || {
                vec![vec![format!(
                    "recorded {n} answers from {} — level reached now {}",
                    file.display(),
                    level_name(e.level_reached)
                )]]
            })?;
        }
        AssessCmd::Attach {
            tenant,
            id,
            point,
            file,
            link,
            name,
            evidence: existing,
        } => {
            let t = tenant_of(tenant).await?;
            let a = store
                .assessment(&t.id, &AssessmentId::from_string(id.clone()))
                .await?;
            if a.status != kexin_core::AssessmentStatus::Draft {
                bail!(
                    "assessment {} is {}: only a draft takes evidence",
                    a.id,
                    a.status.as_str()
                );
            }
            let s = standard_of(catalog, &a.standard_id)?;
            if s.point(point).is_none() {
                bail!("unknown point `{point}` in standard {}", s.id);
            }
            let evidence = match (file, link) {
                (Some(path), _) => {
                    let bytes = std::fs::read(path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    let file_name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "evidence".into());
                    store
                        .add_evidence_file(
                            actor,
                            &t.id,
                            &file_name,
                            &bytes,
                            Some((&a.id, point.as_str())),
                        )
                        .await?
                }
                (None, Some(url)) => {
                    store
                        .add_evidence_link(
                            actor,
                            &t.id,
                            name.as_deref().unwrap_or(url),
                            url,
                            Some((&a.id, point.as_str())),
                        )
                        .await?
                }
                (None, None) => {
                    let Some(id) = existing else {
                        bail!("give --file, --link or --evidence")
                    };
                    let e = store
                        .evidence(&t.id, &kexin_core::EvidenceId::from_string(id.clone()))
                        .await?;
                    store
                        .attach_evidence(actor, &t.id, &a.id, point, &e.id)
                        .await?;
                    e
                }
            };
            print(format, &evidence, || {
                vec![vec![format!(
                    "attached {} ({}) to {point}",
                    evidence.name, evidence.id
                )]]
            })?;
        }
        AssessCmd::Submit { tenant, id } | AssessCmd::Signoff { tenant, id } => {
            let t = tenant_of(tenant).await?;
            let step = if matches!(cmd, AssessCmd::Submit { .. }) {
                Transition::Submit
            } else {
                Transition::SignOff
            };
            let a = store
                .transition_assessment(actor, &t.id, &AssessmentId::from_string(id.clone()), step)
                .await?;
            print(format, &a, || {
                vec![vec![format!(
                    "assessment {} is {}",
                    a.id,
                    a.status.as_str()
                )]]
            })?;
        }
        AssessCmd::Review {
            tenant,
            id,
            reviewer,
            note,
            send_back,
        } => {
            let t = tenant_of(tenant).await?;
            let user = store
                .user_by_name(&t.id, reviewer)
                .await
                .map_err(|_| anyhow!("no user `{reviewer}` in tenant {}", t.slug))?;
            if user.role != Role::Auditor || user.status != kexin_core::UserStatus::Active {
                bail!(
                    "{reviewer} must be an active auditor of tenant {} to review (is {} / {})",
                    t.slug,
                    user.role,
                    user.status
                );
            }
            let current = store
                .assessment(&t.id, &AssessmentId::from_string(id.clone()))
                .await?;
            if current.submitted_by.as_deref() == Some(actor.name.as_str()) {
                bail!(
                    "{} submitted this assessment; a different person must review it",
                    actor.name
                );
            }
            // The review is the auditor's act, performed through the operator's shell.
            let as_reviewer = Actor {
                name: user.username.clone(),
                id: user.id.to_string(),
                ..actor.clone()
            };
            let step = if *send_back {
                Transition::Return {
                    note: note.clone().unwrap_or_default(),
                }
            } else {
                Transition::Review { note: note.clone() }
            };
            let a = store
                .transition_assessment(
                    &as_reviewer,
                    &t.id,
                    &AssessmentId::from_string(id.clone()),
                    step,
                )
                .await?;
            print(format, &a, || {
                vec![vec![format!(
                    "assessment {} is {} (reviewer {reviewer})",
                    a.id,
                    a.status.as_str()
                )]]
            })?;
        }
        AssessCmd::Report {
            tenant,
            id,
            lang,
            output,
        } => {
            use crate::cli::FormatArg;
            let t = tenant_of(tenant).await?;
            let a = store
                .assessment(&t.id, &AssessmentId::from_string(id.clone()))
                .await?;
            let data = kexin_server::api::assessments::report_data(store, &t, a.clone())
                .await
                .map_err(|e| anyhow!("{}", e.detail.message))?;
            let lang: kexin_report::Lang = lang.parse().map_err(|e: String| anyhow!(e))?;
            let (bytes, kind) = match format_arg {
                FormatArg::Sarif | FormatArg::Ocsf => bail!("a report is html, pdf or json"),
                FormatArg::Json => (kexin_report::render_json(&data).into_bytes(), "json"),
                FormatArg::Html | FormatArg::Text => {
                    (kexin_report::render_html(&data, lang)?.into_bytes(), "html")
                }
                FormatArg::Pdf => {
                    let Some(out) = output else {
                        bail!("--format pdf writes a file: give --output FILE.pdf")
                    };
                    kexin_report::html_to_pdf(&kexin_report::render_html(&data, lang)?, out)?;
                    (Vec::new(), "pdf")
                }
            };
            match (output, kind) {
                (Some(out), "pdf") => eprintln!("wrote {}", out.display()),
                (Some(out), _) => {
                    std::fs::write(out, &bytes)
                        .with_context(|| format!("cannot write {}", out.display()))?;
                    eprintln!("wrote {}", out.display());
                }
                (None, _) => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
            let entry =
                kexin_store::AuditEntry::new("assessment.report", "assessment", Some(&t.id))
                    .object(&a.id)
                    .with("format", kind)
                    .with("lang", lang.as_str());
            store.record_audit(actor, entry).await?;
        }
        AssessCmd::Fill { tenant, id } => {
            let t = tenant_of(tenant).await?;
            let a = store
                .assessment(&t.id, &AssessmentId::from_string(id.clone()))
                .await?;
            if a.status != kexin_core::AssessmentStatus::Draft {
                bail!(
                    "assessment {} is {}: only a draft can be filled",
                    a.id,
                    a.status.as_str()
                );
            }
            let filled = kexin_server::api::assessments::fill_from_checks(store, actor, &a).await?;
            let value = serde_json::json!({"run": filled.as_ref().map(|(r, _)| r), "filled": filled.as_ref().map_or(0, |(_, n)| *n)});
            print(format, &value, || match &filled {
                Some((run, n)) => vec![vec![format!("filled {n} points from check run {run}")]],
                None => vec![vec![format!(
                    "no check run on an asset named `{}` yet: nothing filled",
                    a.target_name
                )]],
            })?;
        }
        AssessCmd::Diff {
            tenant,
            before,
            after,
        } => {
            let t = tenant_of(tenant).await?;
            let a = store
                .assessment(&t.id, &AssessmentId::from_string(before.clone()))
                .await?;
            let b = store
                .assessment(&t.id, &AssessmentId::from_string(after.clone()))
                .await?;
            if a.standard_id != b.standard_id || a.target_name != b.target_name {
                bail!(
                    "a diff compares assessments of the same target against the same standard ({}/{} vs {}/{})",
                    a.target_name,
                    a.standard_id,
                    b.target_name,
                    b.standard_id
                );
            }
            let s = standard_of(catalog, &a.standard_id)?;
            let (ra, ea) = evaluation_of(store, &a).await?;
            let (rb, eb) = evaluation_of(store, &b).await?;
            let (aa, ab) = (kexin_assess::answers(&ra), kexin_assess::answers(&rb));
            let changes = kexin_assess::diff(s, |p| aa.get(p), |p| ab.get(p));
            let value = serde_json::json!({"before": {"id": a.id, "level_reached": ea.level_reached, "score": ea.score}, "after": {"id": b.id, "level_reached": eb.level_reached, "score": eb.score}, "changes": changes});
            print(format, &value, || {
                let mut rows = vec![vec![format!(
                    "level reached: {} -> {}; score: {} -> {}",
                    level_name(ea.level_reached),
                    level_name(eb.level_reached),
                    ea.score.map_or("-".into(), |x| format!("{x:.1}")),
                    eb.score.map_or("-".into(), |x| format!("{x:.1}"))
                )]];
                rows.extend(changes.iter().map(|c| {
                    vec![format!(
                        "  {} [{}]: {} -> {}",
                        c.point_id,
                        c.level.as_str(),
                        c.before.as_str(),
                        c.after.as_str()
                    )]
                }));
                rows
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
