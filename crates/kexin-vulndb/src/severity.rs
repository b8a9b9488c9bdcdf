//! Normalizing the many severity vocabularies to one [`Level`].
//!
//! Sources say it differently: the Debian tracker's `urgency`
//! (`unimportant`, `low`, `medium`, `high`, `not yet assigned`), Ubuntu's
//! priorities (`negligible` … `critical`), Red Hat/Rocky/Alma
//! (`Low`, `Moderate`, `Important`, `Critical`), and CVSS v3 vectors (the
//! base score is computed per the CVSS v3.1 specification, then rated:
//! 0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10 critical).

use serde::{Deserialize, Serialize};

use crate::advisory::Severity;

/// A normalized severity level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// No practical security impact (Debian `unimportant`, Ubuntu `negligible`).
    Negligible,
    /// Low.
    Low,
    /// Medium / moderate.
    Medium,
    /// High / important.
    High,
    /// Critical.
    Critical,
}

/// Maps a textual rating (case-insensitive; Debian's `low**`-style
/// markers tolerated). `None` for `not yet assigned`, `end-of-life`, etc.
pub fn level_from_text(s: &str) -> Option<Level> {
    let s = s.trim().trim_end_matches('*').to_ascii_lowercase();
    Some(match s.as_str() {
        "unimportant" | "negligible" | "untriaged-negligible" => Level::Negligible,
        "low" => Level::Low,
        "medium" | "moderate" => Level::Medium,
        "high" | "important" => Level::High,
        "critical" => Level::Critical,
        _ => return None,
    })
}

/// CVSS v3.0/v3.1 base score of a vector such as
/// `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H` (→ 9.8). `None` if a base
/// metric is missing or invalid.
pub fn cvss3_base_score(vector: &str) -> Option<f64> {
    let mut parts = vector.split('/');
    let head = parts.next()?;
    if head != "CVSS:3.1" && head != "CVSS:3.0" {
        return None;
    }
    let mut m = std::collections::HashMap::new();
    for p in parts {
        let (k, v) = p.split_once(':')?;
        m.insert(k, v);
    }
    let changed = match *m.get("S")? {
        "U" => false,
        "C" => true,
        _ => return None,
    };
    let av = match *m.get("AV")? {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        "P" => 0.2,
        _ => return None,
    };
    let ac = match *m.get("AC")? {
        "L" => 0.77,
        "H" => 0.44,
        _ => return None,
    };
    let pr = match (*m.get("PR")?, changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        ("H", false) => 0.27,
        ("H", true) => 0.5,
        _ => return None,
    };
    let ui = match *m.get("UI")? {
        "N" => 0.85,
        "R" => 0.62,
        _ => return None,
    };
    let cia = |k: &str| -> Option<f64> {
        match *m.get(k)? {
            "H" => Some(0.56),
            "L" => Some(0.22),
            "N" => Some(0.0),
            _ => None,
        }
    };
    let iss = 1.0 - (1.0 - cia("C")?) * (1.0 - cia("I")?) * (1.0 - cia("A")?);
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02f64).powi(15)
    } else {
        6.42 * iss
    };
    if impact <= 0.0 {
        return Some(0.0);
    }
    let exploitability = 8.22 * av * ac * pr * ui;
    let raw = if changed {
        (1.08 * (impact + exploitability)).min(10.0)
    } else {
        (impact + exploitability).min(10.0)
    };
    // CVSS v3.1 Roundup (Appendix A), avoiding floating-point artefacts.
    let int = (raw * 100_000.0).round() as i64;
    Some(if int % 10_000 == 0 {
        int as f64 / 100_000.0
    } else {
        ((int / 10_000) + 1) as f64 / 10.0
    })
}

/// Rates a CVSS v3 base score.
pub fn level_from_score(score: f64) -> Option<Level> {
    match score {
        s if s >= 9.0 => Some(Level::Critical),
        s if s >= 7.0 => Some(Level::High),
        s if s >= 4.0 => Some(Level::Medium),
        s if s > 0.0 => Some(Level::Low),
        _ => None,
    }
}

/// The level for a finding: the distribution's own per-package rating
/// (`urgency`) wins, then a textual severity, then the highest CVSS v3
/// rating; `None` when nothing is usable.
pub fn normalize(urgency: Option<&str>, severity: &[Severity]) -> Option<Level> {
    if let Some(l) = urgency.and_then(level_from_text) {
        return Some(l);
    }
    if let Some(l) = severity.iter().find_map(|s| level_from_text(&s.score)) {
        return Some(l);
    }
    severity
        .iter()
        .filter_map(|s| cvss3_base_score(&s.score))
        .filter_map(level_from_score)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvss_scores() {
        // Scores as computed by the FIRST CVSS v3.1 calculator.
        let cases = [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:N/A:N", 4.3),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", 5.5),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
        ];
        for (v, want) in cases {
            assert_eq!(cvss3_base_score(v), Some(want), "{v}");
        }
        assert_eq!(cvss3_base_score("CVSS:2.0/AV:N"), None);
        assert_eq!(cvss3_base_score("CVSS:3.1/AV:N/AC:L"), None);
        assert_eq!(
            cvss3_base_score("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            None
        );
    }

    #[test]
    fn normalization() {
        let sev = |k: &str, s: &str| Severity {
            kind: k.into(),
            score: s.into(),
        };
        assert_eq!(normalize(Some("unimportant"), &[]), Some(Level::Negligible));
        assert_eq!(normalize(Some("low**"), &[]), Some(Level::Low));
        assert_eq!(
            normalize(
                Some("not yet assigned"),
                &[sev(
                    "CVSS_V3",
                    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
                )]
            ),
            Some(Level::Critical)
        );
        assert_eq!(
            normalize(None, &[sev("database_specific", "Important")]),
            Some(Level::High)
        );
        assert_eq!(
            normalize(None, &[sev("Ubuntu", "medium")]),
            Some(Level::Medium)
        );
        assert_eq!(normalize(Some("end-of-life"), &[]), None);
        assert!(Level::Critical > Level::Low);
    }
}
