//! What the loader says when it refuses a catalog.

use std::fmt;

use serde::Serialize;

/// The catalog could not be loaded. Holds every problem found, not just the
/// first: one file with three mistakes reports all three.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", DisplayProblems(&self.problems))]
pub struct CatalogError {
    /// Sorted by file, then by position.
    pub problems: Vec<Problem>,
}

impl CatalogError {
    pub(crate) fn new(mut problems: Vec<Problem>) -> CatalogError {
        problems.sort_by(|a, b| {
            (&a.file, a.line.unwrap_or(0), a.column.unwrap_or(0)).cmp(&(
                &b.file,
                b.line.unwrap_or(0),
                b.column.unwrap_or(0),
            ))
        });
        problems.dedup();
        CatalogError { problems }
    }
}

/// One mistake in one file, with its position where it is known.
///
/// Displayed as `catalog/standards/soc.yaml line 120 column 7: soc.platform.x:
/// weight: must be between 1 and 5, found 9`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file as the loader was given it, e.g. `catalog/standards/soc.yaml`.
    pub file: String,
    /// 1-based; `None` when the problem concerns the whole file.
    pub line: Option<u64>,
    pub column: Option<u64>,
    /// The id of the standard, part, point, source or check concerned, when
    /// the problem is about one.
    pub item: Option<String>,
    /// The offending key: relative to `item` when there is one (`level`,
    /// `evidence[1].check`), else the path from the file's root
    /// (`parts[2].points[0].statement`). Empty for file-level problems.
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
            if let Some(column) = self.column {
                write!(f, " column {column}")?;
            }
        }
        f.write_str(": ")?;
        if let Some(item) = &self.item {
            write!(f, "{item}: ")?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

struct DisplayProblems<'a>(&'a [Problem]);

impl fmt::Display for DisplayProblems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(line: Option<u64>, item: Option<&str>, field: &str) -> Problem {
        Problem {
            file: "catalog/standards/soc.yaml".into(),
            line,
            column: line.map(|_| 7),
            item: item.map(Into::into),
            field: field.into(),
            message: "bad".into(),
        }
    }

    #[test]
    fn problems_name_file_position_item_and_field() {
        assert_eq!(
            problem(Some(120), Some("soc.platform.x"), "weight").to_string(),
            "catalog/standards/soc.yaml line 120 column 7: soc.platform.x: weight: bad"
        );
        assert_eq!(
            problem(None, None, "").to_string(),
            "catalog/standards/soc.yaml: bad"
        );
    }

    #[test]
    fn errors_list_problems_in_file_order() {
        let e = CatalogError::new(vec![
            problem(Some(9), None, "b"),
            problem(Some(3), None, "a"),
            problem(Some(3), None, "a"),
        ]);
        assert_eq!(e.problems.len(), 2);
        assert_eq!(
            e.to_string(),
            "catalog/standards/soc.yaml line 3 column 7: a: bad\n\
             catalog/standards/soc.yaml line 9 column 7: b: bad"
        );
    }
}
