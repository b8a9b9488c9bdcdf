//! Overlaying the file and the environment onto the defaults.

use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::Config;
use crate::error::{ConfigError, Origin};
use crate::schema::{self, SECTIONS, SPECS, Spec};

/// The longest stretch of the file quoted back in an error message.
const MAX_REPR: usize = 60;

/// Reads `path` and applies every setting in it to `config`.
pub(crate) fn apply_file(config: &mut Config, path: &Path) -> Result<(), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    apply_toml(config, path, &text)
}

/// Applies the settings in `text`, the contents of the file `path`, to `config`.
pub(crate) fn apply_toml(config: &mut Config, path: &Path, text: &str) -> Result<(), ConfigError> {
    let doc = DeTable::parse(text).map_err(|e| ConfigError::Syntax {
        path: path.to_path_buf(),
        line: line_of(text, e.span().map_or(0, |s| s.start)),
        message: e.message().trim().to_string(),
    })?;
    let invalid =
        |span: std::ops::Range<usize>, key: String, problem: String| ConfigError::Invalid {
            origin: Origin::File {
                path: path.to_path_buf(),
                line: line_of(text, span.start),
            },
            key,
            problem,
        };

    for (section_key, section_value) in in_file_order(doc.get_ref()) {
        let section = section_key.get_ref().as_ref();
        if !SECTIONS.contains(&section) {
            return Err(invalid(
                section_key.span(),
                section.to_string(),
                format!(
                    "there is no section named {section:?}; the sections are: {}",
                    SECTIONS.join(", ")
                ),
            ));
        }
        let DeValue::Table(table) = section_value.get_ref() else {
            return Err(invalid(
                section_value.span(),
                section.to_string(),
                format!(
                    "{section} must be a table of settings (a [{section}] section), not a {}",
                    section_value.get_ref().type_str()
                ),
            ));
        };
        for (name_key, value) in in_file_order(table) {
            let name = name_key.get_ref().as_ref();
            let key = format!("{section}.{name}");
            let Some(spec) = schema::find(section, name) else {
                return Err(invalid(
                    name_key.span(),
                    key.clone(),
                    format!(
                        "{key} is not a setting; the settings in [{section}] are: {}",
                        schema::names_in(section)
                    ),
                ));
            };
            let repr = excerpt(text, value.span());
            let checked = spec
                .parse_toml(value.get_ref(), &repr)
                .map_err(|problem| invalid(value.span(), key, problem))?;
            (spec.set)(config, checked);
        }
    }
    Ok(())
}

/// Applies every `KEXIN_<SECTION>__<KEY>` variable in `env` to `config`.
pub(crate) fn apply_env(
    config: &mut Config,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<(), ConfigError> {
    let mut overrides: Vec<(&'static Spec, String, String)> = Vec::new();
    for (var, value) in env {
        let upper = var.to_ascii_uppercase();
        let Some((section, name)) = upper
            .strip_prefix("KEXIN_")
            .and_then(|rest| rest.split_once("__"))
        else {
            continue;
        };
        let Some(spec) = schema::find(&section.to_ascii_lowercase(), &name.to_ascii_lowercase())
        else {
            let valid: Vec<String> = SPECS.iter().map(Spec::env_var).collect();
            return Err(ConfigError::UnknownEnv {
                var,
                valid: valid.join(", "),
            });
        };
        overrides.push((spec, var, value));
    }
    // Sorted so that errors do not depend on the order of the process environment.
    overrides.sort_by(|a, b| a.1.cmp(&b.1));

    for (i, (spec, var, value)) in overrides.iter().enumerate() {
        let origin = || Origin::Env {
            var: var.clone(),
            value: value.clone(),
        };
        if let Some((_, first, _)) = overrides[..i]
            .iter()
            .find(|(other, ..)| other.key == spec.key)
        {
            return Err(ConfigError::Invalid {
                origin: origin(),
                key: spec.key.to_string(),
                problem: format!(
                    "{} is also set by the environment variable {first}; set it only once",
                    spec.key
                ),
            });
        }
        let checked = spec
            .parse_env(value)
            .map_err(|problem| ConfigError::Invalid {
                origin: origin(),
                key: spec.key.to_string(),
                problem,
            })?;
        (spec.set)(config, checked);
    }
    Ok(())
}

/// The entries of a table in the order they appear in the file, so that the first problem in the
/// file is the one reported.
fn in_file_order<'a, 'i>(
    table: &'a DeTable<'i>,
) -> Vec<(
    &'a Spanned<toml::de::DeString<'i>>,
    &'a Spanned<DeValue<'i>>,
)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// The 1-based line holding byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The value as written in the file, shortened if long.
fn excerpt(text: &str, span: std::ops::Range<usize>) -> String {
    let raw = text.get(span).unwrap_or("").trim();
    let raw = raw.lines().next().unwrap_or("");
    if raw.chars().count() > MAX_REPR {
        let short: String = raw.chars().take(MAX_REPR).collect();
        format!("{short}...")
    } else {
        raw.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_from_one() {
        let text = "a\nb\nc";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 2), 2);
        assert_eq!(line_of(text, 4), 3);
        assert_eq!(line_of(text, 100), 3);
    }

    #[test]
    fn long_values_are_shortened() {
        let text = format!("x = \"{}\"", "a".repeat(200));
        let short = excerpt(&text, 4..text.len());
        assert!(
            short.ends_with("...") && short.chars().count() == MAX_REPR + 3,
            "{short}"
        );
    }
}
