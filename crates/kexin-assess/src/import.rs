//! Answers from a file: YAML (`answers:` list of `{point, result, reason?,
//! notes?}`) or CSV (header `point,result,reason,notes`). The whole file is
//! checked before anything is recorded, and every problem is reported with
//! its line, so one run tells the user everything to fix.

use std::collections::HashSet;

use kexin_catalog::Standard;
use kexin_core::Verdict;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::applies;

/// One answer read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedAnswer {
    pub point_id: String,
    pub verdict: Verdict,
    pub reason: Option<String>,
    pub notes: Option<String>,
    /// Line in the file, for messages.
    pub line: usize,
}

/// Everything wrong with an answers file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {} problem(s), nothing was recorded:\n{}", problems.len(), problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ImportError {
    pub file: String,
    pub problems: Vec<ImportProblem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlFile {
    answers: Vec<YamlAnswer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlAnswer {
    point: Spanned<String>,
    result: Spanned<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    notes: Option<String>,
}

struct Raw {
    line: usize,
    point: String,
    result: String,
    reason: Option<String>,
    notes: Option<String>,
}

fn problem(line: Option<usize>, message: impl Into<String>) -> ImportProblem {
    ImportProblem {
        line,
        message: message.into(),
    }
}

fn read_yaml(text: &str) -> Result<Vec<Raw>, Vec<ImportProblem>> {
    let file: YamlFile = serde_saphyr::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line() as usize).filter(|l| *l > 0);
        vec![problem(line, format!("not a valid answers file: {e}"))]
    })?;
    Ok(file
        .answers
        .into_iter()
        .map(|a| Raw {
            line: a.point.referenced.line() as usize,
            point: a.point.value,
            result: a.result.value,
            reason: a.reason.filter(|s| !s.trim().is_empty()),
            notes: a.notes.filter(|s| !s.trim().is_empty()),
        })
        .collect())
}

fn read_csv(text: &str) -> Result<Vec<Raw>, Vec<ImportProblem>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| vec![problem(Some(1), format!("unreadable header: {e}"))])?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(point), Some(result)) = (col("point"), col("result")) else {
        return Err(vec![problem(
            Some(1),
            "the header must name the columns point and result (and may add reason, notes)",
        )]);
    };
    if let Some(extra) = headers.iter().find(|h| {
        !["point", "result", "reason", "notes"].contains(&h.to_ascii_lowercase().as_str())
    }) {
        return Err(vec![problem(
            Some(1),
            format!("unknown column `{extra}`; the columns are point, result, reason, notes"),
        )]);
    }
    let (reason, notes) = (col("reason"), col("notes"));
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let get = |i: Option<usize>| {
                    i.and_then(|i| r.get(i))
                        .map(str::to_string)
                        .filter(|s| !s.is_empty())
                };
                rows.push(Raw {
                    line: r.position().map_or(0, |p| p.line() as usize),
                    point: get(Some(point)).unwrap_or_default(),
                    result: get(Some(result)).unwrap_or_default(),
                    reason: get(reason),
                    notes: get(notes),
                });
            }
            Err(e) => problems.push(problem(
                e.position().map(|p| p.line() as usize),
                e.to_string(),
            )),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Reads and checks an answers file against `standard` (and `variant`).
/// `file` names the file in messages; a name ending in `.csv` is read as
/// CSV, anything else as YAML.
pub fn parse_answers(
    file: &str,
    bytes: &[u8],
    standard: &Standard,
    variant: Option<&str>,
) -> Result<Vec<ImportedAnswer>, ImportError> {
    let fail = |problems| ImportError {
        file: file.to_string(),
        problems,
    };
    let text = std::str::from_utf8(bytes)
        .map_err(|e| fail(vec![problem(None, format!("not UTF-8 text: {e}"))]))?;
    let raw = if file.to_ascii_lowercase().ends_with(".csv") {
        read_csv(text)
    } else {
        read_yaml(text)
    }
    .map_err(fail)?;
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let mut answers = Vec::new();
    for r in raw {
        let at = Some(r.line);
        let Some((_, point)) = standard.point(&r.point) else {
            problems.push(problem(
                at,
                format!("unknown point `{}` in standard {}", r.point, standard.id),
            ));
            continue;
        };
        if !applies(point, variant) {
            problems.push(problem(
                at,
                format!(
                    "point `{}` does not apply to variant {}",
                    r.point,
                    variant.unwrap_or("-")
                ),
            ));
            continue;
        }
        let verdict = match r.result.parse::<Verdict>() {
            Ok(v) => v,
            Err(e) => {
                problems.push(problem(at, format!("point `{}`: {e}", r.point)));
                continue;
            }
        };
        if verdict == Verdict::NotApplicable && r.reason.is_none() {
            problems.push(problem(
                at,
                format!("point `{}`: not_applicable needs a reason", r.point),
            ));
            continue;
        }
        if !seen.insert(r.point.clone()) {
            problems.push(problem(
                at,
                format!("point `{}` is answered twice", r.point),
            ));
            continue;
        }
        answers.push(ImportedAnswer {
            point_id: r.point,
            verdict,
            reason: r.reason,
            notes: r.notes,
            line: r.line,
        });
    }
    if problems.is_empty() {
        Ok(answers)
    } else {
        Err(fail(problems))
    }
}

#[cfg(test)]
mod tests {
    use kexin_catalog::Catalog;
    use proptest::prelude::*;

    use super::*;

    fn std() -> &'static Standard {
        Catalog::embedded().standard("cloud-host").unwrap()
    }

    fn first_points(n: usize) -> Vec<String> {
        std().points().take(n).map(|(_, p)| p.id.clone()).collect()
    }

    #[test]
    fn yaml_and_csv_read_the_same_answers() {
        let p = first_points(2);
        let yaml = format!(
            "answers:\n  - point: {}\n    result: pass\n  - point: {}\n    result: not_applicable\n    reason: no such service\n",
            p[0], p[1]
        );
        let csv = format!(
            "point,result,reason,notes\n{},pass,,\n{},not_applicable,no such service,\n",
            p[0], p[1]
        );
        let a = parse_answers("a.yaml", yaml.as_bytes(), std(), None).unwrap();
        let b = parse_answers("a.csv", csv.as_bytes(), std(), None).unwrap();
        let strip = |v: Vec<ImportedAnswer>| {
            v.into_iter()
                .map(|a| (a.point_id, a.verdict, a.reason))
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(a.clone()), strip(b));
        assert_eq!(a[1].line, 4);
    }

    #[test]
    fn every_problem_is_named_with_its_line() {
        let p = first_points(1);
        let csv = format!(
            "point,result,reason\n{},pass,\nno.such.point,pass,\n{},great,\n{},not_applicable,\n",
            p[0], p[0], p[0]
        );
        let e = parse_answers("answers.csv", csv.as_bytes(), std(), None).unwrap_err();
        let lines: Vec<Option<usize>> = e.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(3), Some(4), Some(5)], "{e}");
        let text = e.to_string();
        assert!(
            text.contains("answers.csv")
                && text.contains("unknown point `no.such.point`")
                && text.contains("`great`")
                && text.contains("needs a reason")
                && text.contains("nothing was recorded"),
            "{text}"
        );
        let e = parse_answers(
            "a.yaml",
            b"answers:\n  - point: x\n    reslt: pass\n",
            std(),
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("reslt"), "{e}");
        let e = parse_answers("a.csv", b"point,verdict\n", std(), None).unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_input(bytes in proptest::collection::vec(any::<u8>(), 0..400), csv in any::<bool>()) {
            let name = if csv { "x.csv" } else { "x.yaml" };
            let _ = parse_answers(name, &bytes, std(), None);
        }

        #[test]
        fn well_formed_csv_round_trips(picks in proptest::collection::vec((0usize..88, 0usize..5), 1..20)) {
            let ids = first_points(88);
            let mut seen = HashSet::new();
            let mut csv = String::from("point,result,reason\n");
            let mut expected = Vec::new();
            for (i, v) in picks {
                let id = &ids[i % ids.len()];
                if !seen.insert(id.clone()) { continue; }
                let verdict = Verdict::ALL[v];
                csv.push_str(&format!("{id},{},why\n", verdict.as_str()));
                expected.push((id.clone(), verdict));
            }
            let got = parse_answers("x.csv", csv.as_bytes(), std(), None).unwrap();
            prop_assert_eq!(got.into_iter().map(|a| (a.point_id, a.verdict)).collect::<Vec<_>>(), expected);
        }
    }
}
