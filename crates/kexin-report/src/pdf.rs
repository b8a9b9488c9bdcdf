//! Printing the HTML report to PDF with headless Chromium (see the crate
//! documentation for why Chromium).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::ReportError;

/// How long Chromium may take to print one report.
pub const PDF_TIMEOUT: Duration = Duration::from_secs(60);

/// The names Chromium goes by on `PATH`, Debian's first.
const CANDIDATES: [&str; 2] = ["chromium", "chromium-browser"];

/// How to run Chromium.
#[derive(Debug, Clone)]
pub struct PdfOptions {
    /// The browser to run; `None` looks for `chromium` (then
    /// `chromium-browser`) on `PATH`.
    pub chromium: Option<PathBuf>,
    pub timeout: Duration,
}

impl Default for PdfOptions {
    fn default() -> Self {
        PdfOptions {
            chromium: None,
            timeout: PDF_TIMEOUT,
        }
    }
}

/// The Chromium executable on `PATH`.
pub fn find_chromium() -> Result<PathBuf, ReportError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in CANDIDATES {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if is_executable(&candidate) {
                return Ok(candidate);
            }
        }
    }
    Err(ReportError::ChromiumMissing(format!(
        "no {} on PATH",
        CANDIDATES.join(" or ")
    )))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// `file://` URL of an absolute path, percent-encoding what a URL path may not hold.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// Prints `html` to a PDF at `out` with Debian's Chromium, found on `PATH`,
/// within [`PDF_TIMEOUT`]. `out` is written only when printing succeeded and
/// produced a PDF.
pub fn html_to_pdf(html: &str, out: &Path) -> Result<(), ReportError> {
    html_to_pdf_with(html, out, &PdfOptions::default())
}

/// [`html_to_pdf`] with a chosen browser and timeout.
pub fn html_to_pdf_with(html: &str, out: &Path, options: &PdfOptions) -> Result<(), ReportError> {
    let chromium = match &options.chromium {
        Some(path) if is_executable(path) => path.clone(),
        Some(path) => {
            return Err(ReportError::ChromiumMissing(format!(
                "{} is not an executable",
                path.display()
            )));
        }
        None => find_chromium()?,
    };
    let tmp = tempfile::Builder::new()
        .prefix("kexin-report-")
        .tempdir()
        .map_err(ReportError::io("creating a temporary directory"))?;
    let html_path = tmp.path().join("report.html");
    let pdf_path = tmp.path().join("report.pdf");
    let profile = tmp.path().join("profile");
    fs::write(&html_path, html)
        .map_err(ReportError::io(format!("writing {}", html_path.display())))?;
    let stderr_path = tmp.path().join("chromium.log");
    let stderr = fs::File::create(&stderr_path).map_err(ReportError::io(format!(
        "creating {}",
        stderr_path.display()
    )))?;

    let mut child = Command::new(&chromium)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf_path.display()))
        .arg(file_url(&html_path))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
                ReportError::ChromiumMissing(format!("{}: {e}", chromium.display()))
            }
            _ => ReportError::Io {
                context: format!("starting {}", chromium.display()),
                source: e,
            },
        })?;

    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= options.timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ReportError::Timeout(options.timeout));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => {
                let _ = child.kill();
                return Err(ReportError::Io {
                    context: format!("waiting for {}", chromium.display()),
                    source: e,
                });
            }
        }
    };

    let log_tail = || {
        let log = fs::read_to_string(&stderr_path).unwrap_or_default();
        let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    };
    if !status.success() || !pdf_path.is_file() {
        return Err(ReportError::ChromiumFailed {
            status: if status.success() {
                "exited without writing the PDF".to_string()
            } else {
                status.to_string()
            },
            stderr: log_tail(),
        });
    }
    let pdf =
        fs::read(&pdf_path).map_err(ReportError::io(format!("reading {}", pdf_path.display())))?;
    if !pdf.starts_with(b"%PDF") {
        return Err(ReportError::NotPdf(pdf_path.display().to_string()));
    }
    fs::write(out, &pdf).map_err(ReportError::io(format!("writing {}", out.display())))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_are_percent_encoded() {
        assert_eq!(
            file_url(Path::new("/tmp/a b/报告#1.html")),
            "file:///tmp/a%20b/%E6%8A%A5%E5%91%8A%231.html"
        );
    }

    #[test]
    fn a_missing_browser_says_what_to_install() {
        let dir = tempfile::tempdir().unwrap();
        let err = html_to_pdf_with(
            "<p>x</p>",
            &dir.path().join("out.pdf"),
            &PdfOptions {
                chromium: Some(dir.path().join("no-such-chromium")),
                timeout: Duration::from_secs(5),
            },
        )
        .unwrap_err();
        assert!(matches!(err, ReportError::ChromiumMissing(_)), "{err:?}");
        assert!(
            err.to_string()
                .contains("install Debian's chromium package"),
            "{err}"
        );
        assert!(!dir.path().join("out.pdf").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_browser_that_prints_nothing_is_an_error_and_a_hung_one_times_out() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("fake-chromium");
        fs::write(&fake, "#!/bin/sh\necho 'cannot open display' >&2\nexit 0\n").unwrap();
        fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
        let out = dir.path().join("out.pdf");
        let options = PdfOptions {
            chromium: Some(fake.clone()),
            timeout: Duration::from_secs(10),
        };
        let err = html_to_pdf_with("<p>x</p>", &out, &options).unwrap_err();
        assert!(
            matches!(&err, ReportError::ChromiumFailed { stderr, .. } if stderr.contains("cannot open display")),
            "{err:?}"
        );
        assert!(!out.exists());

        // Writes something that is not a PDF where it was asked to print.
        fs::write(
            &fake,
            "#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in --print-to-pdf=*) echo '<html>' > \"${a#--print-to-pdf=}\";; esac; done\n",
        )
        .unwrap();
        let err = html_to_pdf_with("<p>x</p>", &out, &options).unwrap_err();
        assert!(matches!(err, ReportError::NotPdf(_)), "{err:?}");
        assert!(!out.exists());

        fs::write(&fake, "#!/bin/sh\nexec sleep 30\n").unwrap();
        let started = Instant::now();
        let err = html_to_pdf_with(
            "<p>x</p>",
            &out,
            &PdfOptions {
                chromium: Some(fake),
                timeout: Duration::from_millis(500),
            },
        )
        .unwrap_err();
        assert!(matches!(err, ReportError::Timeout(_)), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
