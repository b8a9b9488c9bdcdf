//! `/etc/os-release` parsing and distribution identity: which version
//! ordering applies and which advisory ecosystems describe this host.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::version::Scheme;

/// Parsed `os-release(5)` file: `KEY=value` lines, values optionally in
/// double or single quotes (with `\"`, `\\`, `` \` ``, `\$` escapes inside
/// double quotes), `#` comments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsRelease {
    /// All variables, unquoted.
    pub vars: BTreeMap<String, String>,
}

impl OsRelease {
    /// Parses os-release text. Lines that are not assignments are ignored
    /// (os-release(5) says so).
    pub fn parse(text: &str) -> Self {
        let mut vars = BTreeMap::new();
        for l in text.lines() {
            let l = l.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let Some((k, v)) = l.split_once('=') else {
                continue;
            };
            let k = k.trim();
            if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                continue;
            }
            vars.insert(k.to_string(), unquote(v.trim()));
        }
        OsRelease { vars }
    }

    /// A variable's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(String::as_str)
    }

    /// `ID` (defaults to `linux` per os-release(5)).
    pub fn id(&self) -> &str {
        self.get("ID").unwrap_or("linux")
    }

    /// Identifies the distribution, or `None` for one Kexin has no
    /// advisories for.
    pub fn distro(&self) -> Option<Distro> {
        let version_id = self.get("VERSION_ID").unwrap_or("").to_string();
        let codename = self.get("VERSION_CODENAME").unwrap_or("").to_string();
        let mut ids = vec![self.id().to_ascii_lowercase()];
        ids.extend(
            self.get("ID_LIKE")
                .unwrap_or("")
                .split_whitespace()
                .map(str::to_ascii_lowercase),
        );
        let family = match ids[0].as_str() {
            "debian" => Family::Debian,
            "ubuntu" => Family::Ubuntu,
            "alpine" => Family::Alpine,
            "rocky" => Family::Rocky,
            "almalinux" => Family::AlmaLinux,
            "rhel" => Family::RedHat,
            _ => return None,
        };
        Some(Distro {
            family,
            version_id,
            codename,
        })
    }
}

fn unquote(v: &str) -> String {
    let b = v.as_bytes();
    if b.len() >= 2 && b[0] == b'\'' && b[b.len() - 1] == b'\'' {
        return v[1..v.len() - 1].to_string();
    }
    if b.len() >= 2 && b[0] == b'"' && b[b.len() - 1] == b'"' {
        let inner = &v[1..v.len() - 1];
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some(n @ ('"' | '\\' | '`' | '$')) => out.push(n),
                    Some(n) => {
                        out.push('\\');
                        out.push(n);
                    }
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        return out;
    }
    v.to_string()
}

/// Distribution families Kexin has advisories for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Family {
    /// Debian (dpkg; OSV `Debian:<major>`; Debian security tracker).
    Debian,
    /// Ubuntu (dpkg; OSV `Ubuntu:<YY.MM>[:LTS]`).
    Ubuntu,
    /// Alpine (apk; OSV `Alpine:v<major.minor>`).
    Alpine,
    /// Rocky Linux (rpm; OSV `Rocky Linux:<major>`).
    Rocky,
    /// AlmaLinux (rpm; OSV `AlmaLinux:<major>`).
    AlmaLinux,
    /// Red Hat Enterprise Linux (rpm; OSV `Red Hat:enterprise_linux:<major>...`).
    RedHat,
}

/// A detected distribution release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distro {
    /// Family.
    pub family: Family,
    /// `VERSION_ID` (`12`, `22.04`, `3.19.1`, `9.4`); may be empty (Debian
    /// testing/sid).
    pub version_id: String,
    /// `VERSION_CODENAME` (`bookworm`, `jammy`), may be empty.
    pub codename: String,
}

impl Distro {
    /// The version ordering used by this distribution's package manager.
    pub fn scheme(&self) -> Scheme {
        match self.family {
            Family::Debian | Family::Ubuntu => Scheme::Dpkg,
            Family::Alpine => Scheme::Apk,
            Family::Rocky | Family::AlmaLinux | Family::RedHat => Scheme::Rpm,
        }
    }

    /// Whether advisories for this family name *source* packages (Debian,
    /// Ubuntu, Alpine origins) rather than binary packages (RPM families).
    pub fn advisories_name_source_packages(&self) -> bool {
        matches!(
            self.family,
            Family::Debian | Family::Ubuntu | Family::Alpine
        )
    }

    fn major(&self) -> &str {
        self.version_id.split('.').next().unwrap_or("")
    }

    fn major_minor(&self) -> String {
        self.version_id
            .split('.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".")
    }

    /// Whether an advisory ecosystem string (OSV's `affected[].package.
    /// ecosystem`, or `Debian:<codename>` from the tracker import) describes
    /// this release.
    ///
    /// * `Debian:12` / `Debian:bookworm` — major `VERSION_ID` or codename;
    /// * `Ubuntu:22.04:LTS`, `Ubuntu:22.04` — exact `VERSION_ID`
    ///   (`Ubuntu:Pro:...` ESM advisories are not matched: they need a
    ///   subscription to install);
    /// * `Alpine:v3.19` — major.minor of `VERSION_ID`;
    /// * `Rocky Linux:9`, `AlmaLinux:9` — major;
    /// * `Red Hat:enterprise_linux:9::appstream` (and `rhel_eus` etc. with
    ///   `9.2`) — major.
    pub fn matches_ecosystem(&self, ecosystem: &str) -> bool {
        let parts: Vec<&str> = ecosystem.split(':').collect();
        let release = parts.get(1).copied().unwrap_or("");
        if release.is_empty() {
            return false;
        }
        match (self.family, parts[0]) {
            (Family::Debian, "Debian") => {
                let number = if self.version_id.is_empty() {
                    // testing/sid have no VERSION_ID: use the codename's number.
                    crate::advisory::DEBIAN_CODENAMES
                        .iter()
                        .find(|(c, _)| *c == self.codename)
                        .map_or("", |(_, n)| *n)
                } else {
                    self.major()
                };
                (!number.is_empty() && release == number)
                    || (!self.codename.is_empty() && release == self.codename)
            }
            (Family::Ubuntu, "Ubuntu") => release == self.version_id,
            (Family::Alpine, "Alpine") => {
                release.strip_prefix('v') == Some(self.major_minor().as_str())
            }
            (Family::Rocky, "Rocky Linux") | (Family::AlmaLinux, "AlmaLinux") => {
                release.split('.').next() == Some(self.major())
            }
            (Family::RedHat, "Red Hat") => {
                parts.get(2).and_then(|r| r.split('.').next()) == Some(self.major())
                    && !self.version_id.is_empty()
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOKWORM: &str = r#"PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
"#;

    #[test]
    fn debian() {
        let os = OsRelease::parse(BOOKWORM);
        assert_eq!(
            os.get("PRETTY_NAME"),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        let d = os.distro().unwrap();
        assert_eq!(d.family, Family::Debian);
        assert_eq!(d.scheme(), Scheme::Dpkg);
        assert!(d.matches_ecosystem("Debian:12"));
        assert!(d.matches_ecosystem("Debian:bookworm"));
        assert!(!d.matches_ecosystem("Debian:11"));
        assert!(!d.matches_ecosystem("Debian"));
        assert!(!d.matches_ecosystem("Ubuntu:12"));
        // Debian testing: no VERSION_ID, codename only.
        let t = OsRelease::parse("ID=debian\nVERSION_CODENAME=trixie\n")
            .distro()
            .unwrap();
        assert!(t.matches_ecosystem("Debian:13"));
        assert!(t.matches_ecosystem("Debian:trixie"));
        assert!(!t.matches_ecosystem("Debian:12"));
    }

    #[test]
    fn others() {
        let u = OsRelease::parse("ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"22.04\"\n")
            .distro()
            .unwrap();
        assert!(u.matches_ecosystem("Ubuntu:22.04:LTS"));
        assert!(!u.matches_ecosystem("Ubuntu:Pro:22.04:LTS"));
        assert!(!u.matches_ecosystem("Ubuntu:20.04:LTS"));
        let a = OsRelease::parse("ID=alpine\nVERSION_ID=3.19.1\n")
            .distro()
            .unwrap();
        assert_eq!(a.scheme(), Scheme::Apk);
        assert!(a.matches_ecosystem("Alpine:v3.19"));
        assert!(!a.matches_ecosystem("Alpine:v3.1"));
        let r = OsRelease::parse("ID=\"rocky\"\nVERSION_ID=\"9.4\"\n")
            .distro()
            .unwrap();
        assert!(r.matches_ecosystem("Rocky Linux:9"));
        assert!(!r.matches_ecosystem("AlmaLinux:9"));
        let rh = OsRelease::parse("ID=\"rhel\"\nVERSION_ID=\"9.4\"\n")
            .distro()
            .unwrap();
        assert!(rh.matches_ecosystem("Red Hat:enterprise_linux:9::appstream"));
        assert!(!rh.matches_ecosystem("Red Hat:enterprise_linux:8::appstream"));
        assert!(OsRelease::parse("ID=arch\n").distro().is_none());
    }

    #[test]
    fn quoting() {
        let os = OsRelease::parse(
            "A=\"x \\\"y\\\" \\$z\"\nB='a b'\nbroken line\nC=plain # not comment\n",
        );
        assert_eq!(os.get("A"), Some("x \"y\" $z"));
        assert_eq!(os.get("B"), Some("a b"));
        assert_eq!(os.get("C"), Some("plain # not comment"));
        assert_eq!(os.id(), "linux");
    }
}
