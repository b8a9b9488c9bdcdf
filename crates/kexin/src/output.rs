//! Printing results: aligned text tables for people, JSON for scripts.

use serde::Serialize;

use crate::cli::Format;

/// Prints `value` as JSON, or as the table built by `rows` (header first).
pub fn print<T: Serialize>(
    format: Format,
    value: &T,
    rows: impl FnOnce() -> Vec<Vec<String>>,
) -> anyhow::Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(value)?),
        Format::Text => print!("{}", table(&rows())),
    }
    Ok(())
}

/// Left-aligned columns separated by two spaces.
pub fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                if i + 1 == row.len() {
                    cell.clone()
                } else {
                    format!("{cell:<w$}", w = widths[i])
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

pub fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "-".into(), ToString::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_on_the_widest_cell() {
        let t = table(&[
            vec!["ID".into(), "NAME".into()],
            vec!["1234".into(), "x".into()],
        ]);
        assert_eq!(t, "ID    NAME\n1234  x\n");
    }
}
