//! The `detection` section: search identifiers and their items.

use crate::condition::{self, Condition};
use crate::error::{LResult, LocError};
use crate::modifier::{Modifier, ModifierSet};
use crate::value::{Cidr, Pattern, RegexFlags, SigmaValue};
use crate::yaml::{Node, NodeValue};
use serde::Serialize;

/// Upper bound (bytes) for the compiled Thompson NFA of one `re` value, the
/// same budget as the `regex` crate's default `size_limit`. Regexes above it
/// (e.g. nested counted repetitions) are refused at load time. Unicode
/// classes count: `\w{1,64}` needs ~1.5 MiB.
pub const REGEX_NFA_SIZE_LIMIT: usize = 10 << 20;
/// Maximal nesting of groups/repetitions in a `re` value.
pub const REGEX_NEST_LIMIT: u32 = 64;

/// One `field|modifiers: value(s)` item (or a keyword item when `field` is `None`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectionItem {
    /// Field name; `None` for keyword search over the whole event.
    pub field: Option<String>,
    pub modifiers: ModifierSet,
    /// OR-linked values (AND-linked with the `all` modifier).
    pub values: Vec<SigmaValue>,
    pub line: u64,
}

/// The body of a search identifier.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchBody {
    /// A map: all items AND-linked.
    Map(Vec<DetectionItem>),
    /// A list of maps: OR of the AND-linked maps.
    MapList(Vec<Vec<DetectionItem>>),
    /// A list of keywords (one keyword item, values OR-linked).
    Keywords(DetectionItem),
}

/// A named search identifier (`selection`, `filter_main`, `keywords`…).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchIdentifier {
    pub name: String,
    pub body: SearchBody,
    pub line: u64,
}

/// A parsed `detection` section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detection {
    /// Search identifiers in file order.
    pub identifiers: Vec<SearchIdentifier>,
    /// Condition AST (several conditions in a list are OR-linked).
    pub condition: Condition,
    /// Condition source text(s), as written.
    pub condition_text: Vec<String>,
    /// Optional `timeframe` (legacy; kept as text).
    pub timeframe: Option<String>,
}

impl Detection {
    pub fn identifier(&self, name: &str) -> Option<&SearchIdentifier> {
        self.identifiers.iter().find(|i| i.name == name)
    }
}

pub(crate) fn parse_detection(node: &Node, path: &str) -> LResult<Detection> {
    let NodeValue::Map(entries) = &node.value else {
        return Err(LocError::new(
            node.line,
            path,
            format!("must be a map, found {}", node.type_name()),
        ));
    };
    let mut identifiers: Vec<SearchIdentifier> = Vec::new();
    let mut condition_node = None;
    let mut timeframe = None;
    for (k, v) in entries {
        let Some(name) = k.scalar_text() else {
            return Err(LocError::new(
                k.line,
                path,
                "search identifier must be a string",
            ));
        };
        let key_path = format!("{path}.{name}");
        match name.as_str() {
            "condition" => condition_node = Some(v),
            "timeframe" => timeframe = v.scalar_text(),
            _ => {
                if identifiers.iter().any(|i| i.name == name) {
                    return Err(LocError::new(
                        k.line,
                        key_path,
                        "duplicate search identifier",
                    ));
                }
                let body = parse_search(v, &key_path)?;
                identifiers.push(SearchIdentifier {
                    name,
                    body,
                    line: k.line,
                });
            }
        }
    }
    let Some(cond) = condition_node else {
        return Err(LocError::new(node.line, path, "missing 'condition'"));
    };
    let cond_path = format!("{path}.condition");
    let texts: Vec<(String, u64)> = match &cond.value {
        NodeValue::Str(s) => vec![(s.clone(), cond.line)],
        NodeValue::Seq(items) if !items.is_empty() => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(|s| (s.to_string(), i.line))
                    .ok_or_else(|| LocError::new(i.line, &cond_path, "condition must be a string"))
            })
            .collect::<LResult<_>>()?,
        _ => {
            return Err(LocError::new(
                cond.line,
                cond_path,
                format!(
                    "must be a string or a list of strings, found {}",
                    cond.type_name()
                ),
            ));
        }
    };
    let names: Vec<&str> = identifiers.iter().map(|i| i.name.as_str()).collect();
    let mut conds = Vec::new();
    for (text, line) in &texts {
        let c = condition::parse_condition(text, &names)
            .map_err(|m| LocError::new(*line, &cond_path, m))?;
        conds.push(c);
    }
    let condition = if conds.len() == 1 {
        conds.pop().expect("one condition")
    } else {
        Condition::Or(conds)
    };
    Ok(Detection {
        identifiers,
        condition,
        condition_text: texts.into_iter().map(|(t, _)| t).collect(),
        timeframe,
    })
}

fn parse_search(node: &Node, path: &str) -> LResult<SearchBody> {
    match &node.value {
        NodeValue::Map(_) => Ok(SearchBody::Map(parse_item_map(node, path)?)),
        NodeValue::Seq(items) if items.is_empty() => {
            Err(LocError::new(node.line, path, "empty search identifier"))
        }
        NodeValue::Seq(items) => {
            if items.iter().all(|i| matches!(i.value, NodeValue::Map(_))) {
                let maps = items
                    .iter()
                    .map(|i| parse_item_map(i, path))
                    .collect::<LResult<Vec<_>>>()?;
                Ok(SearchBody::MapList(maps))
            } else if items
                .iter()
                .all(|i| !matches!(i.value, NodeValue::Map(_) | NodeValue::Seq(_)))
            {
                let item = parse_item(None, &[], node, node.line, path)?;
                Ok(SearchBody::Keywords(item))
            } else {
                Err(LocError::new(
                    node.line,
                    path,
                    "a search identifier list must hold only maps or only keywords",
                ))
            }
        }
        NodeValue::Str(_) | NodeValue::Int(_) | NodeValue::Float(_) => {
            // a single keyword
            let item = parse_item(None, &[], node, node.line, path)?;
            Ok(SearchBody::Keywords(item))
        }
        _ => Err(LocError::new(
            node.line,
            path,
            format!(
                "a search identifier must be a map, a list of maps or a list of keywords, found {}",
                node.type_name()
            ),
        )),
    }
}

fn parse_item_map(node: &Node, path: &str) -> LResult<Vec<DetectionItem>> {
    let NodeValue::Map(entries) = &node.value else {
        return Err(LocError::new(node.line, path, "expected a map"));
    };
    if entries.is_empty() {
        return Err(LocError::new(node.line, path, "empty map"));
    }
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let Some(key) = k.scalar_text() else {
            return Err(LocError::new(k.line, path, "field name must be a string"));
        };
        let key_path = format!("{path}.{key}");
        let mut parts = key.split('|');
        let field = parts.next().unwrap_or_default();
        let mods: Vec<&str> = parts.collect();
        let field = (!field.is_empty()).then(|| field.to_string());
        out.push(parse_item(field, &mods, v, k.line, &key_path)?);
    }
    Ok(out)
}

fn parse_item(
    field: Option<String>,
    mods: &[&str],
    value: &Node,
    line: u64,
    path: &str,
) -> LResult<DetectionItem> {
    let err = |l: u64, m: String| LocError::new(if l > 0 { l } else { line }, path, m);
    let modifiers = ModifierSet::parse(mods).map_err(|m| err(line, m))?;
    if field.is_none() && (modifiers.has(Modifier::Exists) || modifiers.has(Modifier::FieldRef)) {
        return Err(err(
            line,
            "'exists' and 'fieldref' need a field name".into(),
        ));
    }
    let nodes: Vec<&Node> = match &value.value {
        NodeValue::Seq(items) => items.iter().collect(),
        _ => vec![value],
    };
    if nodes.is_empty() {
        return Err(err(value.line, "empty value list".into()));
    }
    if modifiers.match_all && nodes.len() < 2 {
        return Err(err(
            line,
            "the 'all' modifier is not allowed on a single value (spec: use a separate selection)"
                .into(),
        ));
    }
    if (modifiers.has(Modifier::Exists)
        || modifiers.has(Modifier::FieldRef) && !modifiers.match_all)
        && nodes.len() > 1
    {
        return Err(err(
            value.line,
            "'exists' takes a single true/false (and 'fieldref' a single field unless 'all' is used)"
                .into(),
        ));
    }
    let has_null = nodes.iter().any(|n| n.value == NodeValue::Null);
    if has_null && nodes.len() > 1 {
        return Err(err(
            value.line,
            "null cannot be part of a list of values (spec: put it in its own selection)".into(),
        ));
    }
    if has_null && !modifiers.chain.iter().all(|m| *m == Modifier::Neq) {
        return Err(err(line, "null cannot take value modifiers".into()));
    }
    let mut values = Vec::with_capacity(nodes.len());
    for n in nodes {
        values.push(convert_value(&modifiers, n).map_err(|m| err(n.line, m))?);
    }
    Ok(DetectionItem {
        field,
        modifiers,
        values,
        line,
    })
}

fn convert_value(ms: &ModifierSet, n: &Node) -> Result<SigmaValue, String> {
    use Modifier as M;
    if matches!(n.value, NodeValue::Map(_) | NodeValue::Seq(_)) {
        return Err(format!("a value must be a scalar, found {}", n.type_name()));
    }
    if n.value == NodeValue::Null {
        return Ok(SigmaValue::Null);
    }
    if ms.has(M::Exists) {
        return match &n.value {
            NodeValue::Bool(b) => Ok(SigmaValue::Exists(*b)),
            _ => Err(format!(
                "'exists' needs true or false, found {}",
                n.type_name()
            )),
        };
    }
    let text = n.scalar_text().unwrap_or_default();
    if ms.has(M::Re) {
        let NodeValue::Str(s) = &n.value else {
            return Err(format!("'re' needs a string, found {}", n.type_name()));
        };
        let flags = RegexFlags {
            insensitive: ms.has(M::ReInsensitive),
            multiline: ms.has(M::ReMultiline),
            dot_all: ms.has(M::ReDotAll),
        };
        check_regex(s, flags)?;
        return Ok(SigmaValue::Regex {
            pattern: s.clone(),
            flags,
        });
    }
    if ms.has(M::Cidr) {
        let NodeValue::Str(s) = &n.value else {
            return Err(format!("'cidr' needs a string, found {}", n.type_name()));
        };
        return Cidr::parse(s).map(SigmaValue::Cidr);
    }
    if ms.numeric.is_some() || ms.time_part.is_some() {
        return match &n.value {
            NodeValue::Int(i) => Ok(SigmaValue::Int(*i)),
            NodeValue::Float(f) => Ok(SigmaValue::Float(*f)),
            NodeValue::Str(s) => {
                if let Ok(i) = s.trim().parse::<i64>() {
                    Ok(SigmaValue::Int(i))
                } else if let Ok(f) = s.trim().parse::<f64>() {
                    Ok(SigmaValue::Float(f))
                } else {
                    Err(format!("numeric modifier needs a number, found '{s}'"))
                }
            }
            _ => Err(format!(
                "numeric modifier needs a number, found {}",
                n.type_name()
            )),
        };
    }
    if ms.has(M::FieldRef) {
        return match &n.value {
            NodeValue::Str(s) if !s.is_empty() => Ok(SigmaValue::FieldRef(s.clone())),
            _ => Err("'fieldref' needs a field name".into()),
        };
    }
    let stringy = ms.position != crate::modifier::MatchPosition::Exact
        || !ms.transforms.is_empty()
        || ms.expand;
    if stringy {
        if matches!(n.value, NodeValue::Bool(_)) {
            return Err(format!(
                "modifiers '{}' need a string, found boolean",
                ms.chain
                    .iter()
                    .map(|m| m.name())
                    .collect::<Vec<_>>()
                    .join("|")
            ));
        }
        return Ok(SigmaValue::String(Pattern::parse(&text, ms.expand)));
    }
    if ms.cased && !matches!(n.value, NodeValue::Str(_)) {
        return Err(format!("'cased' needs a string, found {}", n.type_name()));
    }
    Ok(match &n.value {
        NodeValue::Bool(b) => SigmaValue::Bool(*b),
        NodeValue::Int(i) => SigmaValue::Int(*i),
        NodeValue::Float(f) => SigmaValue::Float(*f),
        _ => SigmaValue::String(Pattern::parse(&text, false)),
    })
}

/// Check that a `re` value compiles within [`REGEX_NFA_SIZE_LIMIT`].
pub fn check_regex(pattern: &str, flags: RegexFlags) -> Result<(), String> {
    use regex_automata::nfa::thompson;
    use regex_automata::util::syntax;
    let syn = syntax::Config::new()
        .case_insensitive(flags.insensitive)
        .multi_line(flags.multiline)
        .dot_matches_new_line(flags.dot_all)
        .nest_limit(REGEX_NEST_LIMIT);
    let cfg = thompson::Config::new().nfa_size_limit(Some(REGEX_NFA_SIZE_LIMIT));
    thompson::Compiler::new()
        .syntax(syn)
        .configure(cfg)
        .build(pattern)
        .map(|_| ())
        .map_err(|e| {
            let msg = e.to_string();
            let detail = std::error::Error::source(&e)
                .map(|s| s.to_string())
                .unwrap_or_default();
            let detail = detail.lines().last().unwrap_or("").trim().to_string();
            if detail.is_empty() {
                format!("regex refused: {msg}")
            } else {
                format!("regex refused: {msg}: {detail}")
            }
        })
}
