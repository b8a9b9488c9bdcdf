//! `kexin scan host`: the cloud-host checks on the live host or an offline root.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use kexin_core::CheckStatus;
use kexin_hostscan::Root;
use kexin_hostscan::checks::{Baseline, Profile, Scan, ScanOptions, scan_with};

use crate::cli::Format;
use crate::output::table;

#[derive(Debug, Subcommand)]
pub enum ScanCmd {
    /// Run the cloud-host checks. Exit code 0: no weakness found; 4: weaknesses found; 1: the scan could not run.
    Host {
        /// An offline root filesystem (unpacked image, mounted disk, debootstrap tree). Nothing outside it is read and no command is run. Default: the live host.
        #[arg(long)]
        root: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = ProfileArg::Enhanced)]
        profile: ProfileArg,
        /// Write the result here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Advisory database for the patch checks [default: <data>/vulndb.json.gz when it exists].
        #[arg(long)]
        vulndb: Option<PathBuf>,
        /// A previous `scan host --format json` output to compare with (freshness and drift checks) [default: the root's /var/lib/kexin/last-scan.json when it exists].
        #[arg(long)]
        baseline: Option<PathBuf>,
    },
}

/// `kexin vulndb …`: the advisories package versions are matched against.
#[derive(Debug, Subcommand)]
pub enum VulndbCmd {
    /// Import advisories, all or nothing: OSV JSON files, directories or .zip archives, and the Debian security tracker's JSON.
    Import {
        /// OSV data (file, directory or .zip).
        #[arg(long)]
        osv: Vec<PathBuf>,
        /// The Debian security tracker's JSON export.
        #[arg(long)]
        debian_tracker: Vec<PathBuf>,
        /// Database file [default: <data>/vulndb.json.gz].
        #[arg(long)]
        db: Option<PathBuf>,
    },
}

pub const VULNDB_FILE: &str = "vulndb.json.gz";

pub fn run_vulndb(
    cmd: &VulndbCmd,
    format: Format,
    data: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let VulndbCmd::Import {
        osv,
        debian_tracker,
        db,
    } = cmd;
    if osv.is_empty() && debian_tracker.is_empty() {
        anyhow::bail!("give at least one --osv or --debian-tracker source");
    }
    let path = db.clone().unwrap_or_else(|| data.join(VULNDB_FILE));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let sources: Vec<kexin_vulndb::ImportSource> = osv
        .iter()
        .cloned()
        .map(kexin_vulndb::ImportSource::Osv)
        .chain(
            debian_tracker
                .iter()
                .cloned()
                .map(kexin_vulndb::ImportSource::DebianTracker),
        )
        .collect();
    let report = kexin_vulndb::VulnDb::import(&path, &sources)?;
    crate::output::print(format, &report, || {
        let mut rows = vec![vec![format!(
            "{}: {} advisories parsed, {} added, {} replaced, {} in total, {} skipped",
            path.display(),
            report.parsed,
            report.added,
            report.replaced,
            report.total,
            report.skipped.len()
        )]];
        rows.extend(report.skipped.iter().take(20).map(|s| {
            vec![format!(
                "  skipped {} {}: {}",
                s.file,
                s.id.as_deref().unwrap_or("-"),
                s.reason
            )]
        }));
        rows
    })?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    Basic,
    Enhanced,
}

/// The live host, or an offline root filesystem when `root` is given.
pub fn open_root(root: Option<&Path>) -> anyhow::Result<Root> {
    match root {
        Some(dir) => Root::offline(dir)
            .with_context(|| format!("cannot use {} as a root filesystem", dir.display())),
        None => Ok(Root::live()),
    }
}

/// One scan as `kexin scan host` runs it: the checks of `profile`, then the
/// patch checks against `vulndb` (default: `<data>/vulndb.json.gz` when it exists).
pub fn scan_root(
    target: &Root,
    profile: ProfileArg,
    vulndb: Option<&Path>,
    baseline: Option<&Path>,
    data: &Path,
) -> anyhow::Result<Scan> {
    let db_path = vulndb
        .map(Path::to_path_buf)
        .or_else(|| Some(data.join(VULNDB_FILE)).filter(|p| p.exists()));
    let db = match &db_path {
        Some(p) => Some(
            kexin_vulndb::VulnDb::open(p)
                .with_context(|| format!("cannot open the advisory database {}", p.display()))?,
        ),
        None => None,
    };
    let profile = match profile {
        ProfileArg::Basic => Profile::Basic,
        ProfileArg::Enhanced => Profile::Enhanced,
    };
    let options = ScanOptions {
        vulndb: db.as_ref(),
        baseline: baseline.map(Baseline::load).transpose()?,
        ..ScanOptions::new(profile)
    };
    Ok(scan_with(target, &options))
}

pub fn run(
    cmd: &ScanCmd,
    format: Format,
    format_arg: crate::cli::FormatArg,
    data: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    use crate::cli::FormatArg;
    if matches!(format_arg, FormatArg::Html | FormatArg::Pdf) {
        anyhow::bail!("--format html|pdf is for reports; a scan prints text, json, sarif or ocsf");
    }
    let ScanCmd::Host {
        root,
        profile,
        output,
        vulndb,
        baseline,
    } = cmd;
    let target = open_root(root.as_deref())?;
    let result = scan_root(
        &target,
        *profile,
        vulndb.as_deref(),
        baseline.as_deref(),
        data,
    )?;
    let catalog = kexin_catalog::Catalog::embedded();
    let title = |id: &str| catalog.check(id).map(|c| c.title.en.clone());
    let text = match format_arg {
        FormatArg::Sarif => {
            serde_json::to_string_pretty(&kexin_hostscan::output::to_sarif(&result, &title))? + "\n"
        }
        FormatArg::Ocsf => {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_else(|_| "localhost".into());
            let host = root.as_ref().map_or(host, |r| r.display().to_string());
            let now = kexin_core::Timestamp::now().unix_seconds() * 1000;
            serde_json::to_string_pretty(&kexin_hostscan::output::to_ocsf(
                &result, &title, &host, now,
            ))? + "\n"
        }
        _ => match format {
            Format::Json => serde_json::to_string_pretty(&result)? + "\n",
            Format::Text => {
                let mut rows = vec![vec![
                    "STATUS".into(),
                    "SEVERITY".into(),
                    "CHECK".into(),
                    "RESULT".into(),
                ]];
                for r in &result.results {
                    let title = catalog.check(r.id).map_or(r.id, |c| c.title.en.as_str());
                    rows.push(vec![
                        r.status.as_str().to_uppercase(),
                        r.severity.as_str().into(),
                        format!("{} ({})", title, r.id),
                        r.message.clone(),
                    ]);
                    if r.status != CheckStatus::Pass {
                        for e in &r.evidence {
                            let at = e.line.map_or(e.file.clone(), |l| format!("{}:{l}", e.file));
                            rows.push(vec![
                                String::new(),
                                String::new(),
                                format!("  {at}"),
                                e.detail.clone(),
                            ]);
                        }
                    }
                }
                let mut out = table(&rows);
                out.push_str(&format!(
                    "\n{} checks: {} pass, {} fail, {} error, {} not applicable ({} ms)\n",
                    result.results.len(),
                    result.count(CheckStatus::Pass),
                    result.count(CheckStatus::Fail),
                    result.count(CheckStatus::Error),
                    result.count(CheckStatus::NotApplicable),
                    result.duration_ms
                ));
                out
            }
        },
    };
    match output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(if result.count(CheckStatus::Fail) > 0 {
        ExitCode::from(4)
    } else {
        ExitCode::SUCCESS
    })
}
