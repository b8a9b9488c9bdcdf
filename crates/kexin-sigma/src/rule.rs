//! Typed Sigma documents: detection rules, filters and correlations.

use crate::detection::{self, Detection};
use crate::error::{LResult, LocError};
use crate::yaml::{Node, NodeValue};
use serde::Serialize;
use std::collections::BTreeMap;

/// `status`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Stable,
    Test,
    Experimental,
    Deprecated,
    Unsupported,
}

/// `level`
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

/// `related[].type`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationType {
    Derived,
    Obsolete,
    Merged,
    Renamed,
    Similar,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    pub id: String,
    pub kind: RelationType,
}

/// `logsource`
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct LogSource {
    pub category: Option<String>,
    pub product: Option<String>,
    pub service: Option<String>,
    pub definition: Option<String>,
    /// Other keys (custom), as text.
    pub custom: BTreeMap<String, String>,
}

/// Metadata shared by every kind of Sigma document.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Metadata {
    pub title: String,
    pub id: Option<String>,
    pub name: Option<String>,
    pub status: Option<Status>,
    pub description: Option<String>,
    pub license: Option<String>,
    pub author: Option<String>,
    pub references: Vec<String>,
    pub date: Option<String>,
    pub modified: Option<String>,
    pub tags: Vec<String>,
    pub falsepositives: Vec<String>,
    pub level: Option<Level>,
    pub fields: Vec<String>,
    pub related: Vec<Related>,
    pub scope: Vec<String>,
    pub taxonomy: Option<String>,
    /// Keys the specification does not define, kept as JSON.
    pub custom: BTreeMap<String, serde_json::Value>,
}

/// A Sigma detection rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectionRule {
    pub meta: Metadata,
    pub logsource: LogSource,
    pub detection: Detection,
}

/// A Sigma filter (meta filter applied to other rules).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilterRule {
    pub meta: Metadata,
    pub logsource: LogSource,
    /// Ids or names of the rules the filter applies to.
    pub rules: Vec<String>,
    /// Selections and condition of the filter.
    pub filter: Detection,
}

/// Correlation type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationType {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    ValueSum,
    ValueAvg,
    ValuePercentile,
    ValueMedian,
}

impl CorrelationType {
    fn parse(s: &str) -> Option<Self> {
        use CorrelationType::*;
        Some(match s {
            "event_count" => EventCount,
            "value_count" => ValueCount,
            "temporal" => Temporal,
            "temporal_ordered" => TemporalOrdered,
            "value_sum" => ValueSum,
            "value_avg" => ValueAvg,
            "value_percentile" => ValuePercentile,
            "value_median" => ValueMedian,
            _ => return None,
        })
    }
    /// Needs `condition.field`.
    pub fn needs_field(self) -> bool {
        use CorrelationType::*;
        matches!(
            self,
            ValueCount | ValueSum | ValueAvg | ValuePercentile | ValueMedian
        )
    }
    /// Needs a `condition`.
    pub fn needs_condition(self) -> bool {
        !matches!(
            self,
            CorrelationType::Temporal | CorrelationType::TemporalOrdered
        )
    }
}

/// Comparison operator of a correlation condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

/// `correlation.condition`: AND-linked comparisons, plus `field` for value_* types.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorrelationCondition {
    pub field: Vec<String>,
    pub predicates: Vec<(CmpOp, f64)>,
    /// `percentile` parameter of value_percentile, when given.
    pub percentile: Option<f64>,
}

/// `timespan`, e.g. `90m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Timespan {
    pub seconds: u64,
}

impl Timespan {
    pub fn parse(s: &str) -> Option<Timespan> {
        let s = s.trim();
        let unit = s.chars().last()?;
        let n: u64 = s[..s.len() - unit.len_utf8()].parse().ok()?;
        let mult = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            'M' => 2_592_000,
            'y' => 31_536_000,
            _ => return None,
        };
        Some(Timespan {
            seconds: n.checked_mul(mult)?,
        })
    }
}

/// A Sigma correlation rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorrelationRule {
    pub meta: Metadata,
    pub kind: CorrelationType,
    /// Ids or names of correlated rules, in order (meaningful for temporal_ordered).
    pub rules: Vec<String>,
    pub group_by: Vec<String>,
    pub timespan: Timespan,
    pub condition: Option<CorrelationCondition>,
    /// alias → (rule name → field)
    pub aliases: BTreeMap<String, BTreeMap<String, String>>,
    /// Also generate the referred rules as stand-alone rules.
    pub generate: bool,
}

/// One document of a Sigma file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
#[allow(clippy::large_enum_variant)]
pub enum SigmaDocument {
    Detection(DetectionRule),
    Filter(FilterRule),
    Correlation(CorrelationRule),
}

impl SigmaDocument {
    pub fn meta(&self) -> &Metadata {
        match self {
            SigmaDocument::Detection(r) => &r.meta,
            SigmaDocument::Filter(r) => &r.meta,
            SigmaDocument::Correlation(r) => &r.meta,
        }
    }
}

// ---------------------------------------------------------------- helpers

fn entries<'a>(node: &'a Node, path: &str) -> LResult<&'a [(Node, Node)]> {
    match &node.value {
        NodeValue::Map(e) => Ok(e),
        _ => Err(LocError::new(
            node.line,
            path,
            format!("must be a map, found {}", node.type_name()),
        )),
    }
}

fn string(node: &Node, path: &str) -> LResult<String> {
    match &node.value {
        NodeValue::Str(s) => Ok(s.clone()),
        NodeValue::Int(_) | NodeValue::Float(_) | NodeValue::Bool(_) => {
            Ok(node.scalar_text().unwrap_or_default())
        }
        _ => Err(LocError::new(
            node.line,
            path,
            format!("must be a string, found {}", node.type_name()),
        )),
    }
}

fn string_list(node: &Node, path: &str) -> LResult<Vec<String>> {
    match &node.value {
        NodeValue::Seq(items) => items
            .iter()
            .enumerate()
            .map(|(i, n)| string(n, &format!("{path}[{i}]")))
            .collect(),
        NodeValue::Null => Ok(Vec::new()),
        _ => Ok(vec![string(node, path)?]),
    }
}

/// `date`/`modified`: ISO 8601 `YYYY-MM-DD` (schema pattern).
fn date(node: &Node, path: &str) -> LResult<String> {
    let s = string(node, path)?;
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && digits(0..4)
        && digits(5..7)
        && digits(8..10)
        && (1..=12).contains(&s[5..7].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u8>().unwrap_or(0));
    if ok {
        Ok(s)
    } else {
        Err(LocError::new(
            node.line,
            path,
            format!("'{s}' is not a date in YYYY-MM-DD format"),
        ))
    }
}

fn parse_logsource(node: &Node) -> LResult<LogSource> {
    let mut ls = LogSource::default();
    for (k, v) in entries(node, "logsource")? {
        let key = string(k, "logsource")?;
        let path = format!("logsource.{key}");
        let val = if v.value == NodeValue::Null {
            None
        } else {
            Some(string(v, &path)?)
        };
        if matches!(key.as_str(), "category" | "product" | "service")
            && let Some(v) = &val
            && v.chars().any(|c| c.is_uppercase() || c.is_whitespace())
        {
            return Err(LocError::new(
                k.line,
                path,
                format!("'{v}' must be lower case with '_' instead of spaces"),
            ));
        }
        match key.as_str() {
            "category" => ls.category = val,
            "product" => ls.product = val,
            "service" => ls.service = val,
            "definition" => ls.definition = val,
            _ => {
                if let Some(val) = val {
                    ls.custom.insert(key, val);
                }
            }
        }
    }
    if ls.category.is_none() && ls.product.is_none() && ls.service.is_none() {
        return Err(LocError::new(
            node.line,
            "logsource",
            "needs at least one of category, product, service",
        ));
    }
    Ok(ls)
}

const META_KEYS: &[&str] = &[
    "title",
    "id",
    "name",
    "status",
    "description",
    "license",
    "author",
    "references",
    "reference",
    "date",
    "modified",
    "tags",
    "falsepositives",
    "level",
    "fields",
    "related",
    "scope",
    "taxonomy",
];

fn parse_meta(doc: &Node, structural: &[&str]) -> LResult<Metadata> {
    let mut m = Metadata::default();
    let mut has_title = false;
    for (k, v) in entries(doc, "")? {
        let key = string(k, "")?;
        let path = key.as_str();
        let null = v.value == NodeValue::Null;
        match path {
            "title" => {
                m.title = string(v, path)?;
                has_title = true;
                if m.title.chars().count() > 256 {
                    return Err(LocError::new(v.line, path, "longer than 256 characters"));
                }
            }
            "id" => m.id = Some(string(v, path)?),
            "name" => m.name = Some(string(v, path)?),
            "status" if !null => {
                let s = string(v, path)?;
                m.status = Some(match s.as_str() {
                    "stable" => Status::Stable,
                    "test" => Status::Test,
                    "experimental" => Status::Experimental,
                    "deprecated" => Status::Deprecated,
                    "unsupported" => Status::Unsupported,
                    _ => return Err(LocError::new(v.line, path, format!("unknown status '{s}'"))),
                })
            }
            "level" if !null => {
                let s = string(v, path)?;
                m.level = Some(match s.as_str() {
                    "informational" => Level::Informational,
                    "low" => Level::Low,
                    "medium" => Level::Medium,
                    "high" => Level::High,
                    "critical" => Level::Critical,
                    _ => return Err(LocError::new(v.line, path, format!("unknown level '{s}'"))),
                })
            }
            "description" if !null => m.description = Some(string(v, path)?),
            "license" if !null => m.license = Some(string(v, path)?),
            "author" if !null => m.author = Some(string(v, path)?),
            "date" if !null => m.date = Some(date(v, path)?),
            "modified" if !null => m.modified = Some(date(v, path)?),
            "taxonomy" if !null => m.taxonomy = Some(string(v, path)?),
            "references" | "reference" => m.references = string_list(v, path)?,
            "tags" => m.tags = string_list(v, path)?,
            "falsepositives" => m.falsepositives = string_list(v, path)?,
            "fields" => m.fields = string_list(v, path)?,
            "scope" => m.scope = string_list(v, path)?,
            "related" if !null => {
                let NodeValue::Seq(items) = &v.value else {
                    return Err(LocError::new(v.line, path, "must be a list of {id, type}"));
                };
                for (i, it) in items.iter().enumerate() {
                    let p = format!("related[{i}]");
                    let id = it
                        .get("id")
                        .ok_or_else(|| LocError::new(it.line, &p, "missing 'id'"))?;
                    let ty = it
                        .get("type")
                        .ok_or_else(|| LocError::new(it.line, &p, "missing 'type'"))?;
                    let t = string(ty, &p)?;
                    let kind = match t.as_str() {
                        "derived" => RelationType::Derived,
                        "obsolete" => RelationType::Obsolete,
                        "merged" => RelationType::Merged,
                        "renamed" => RelationType::Renamed,
                        "similar" => RelationType::Similar,
                        _ => {
                            return Err(LocError::new(
                                ty.line,
                                format!("{p}.type"),
                                format!("unknown relation type '{t}'"),
                            ));
                        }
                    };
                    m.related.push(Related {
                        id: string(id, &p)?,
                        kind,
                    });
                }
            }
            _ if META_KEYS.contains(&path) || structural.contains(&path) => {}
            _ => {
                m.custom.insert(key.clone(), v.to_json());
            }
        }
    }
    if !has_title {
        return Err(LocError::new(
            doc.line,
            "title",
            "missing mandatory 'title'",
        ));
    }
    Ok(m)
}

fn parse_correlation(doc: &Node, meta: Metadata) -> LResult<CorrelationRule> {
    let c = doc.get("correlation").expect("checked by caller");
    let p = "correlation";
    entries(c, p)?;
    let req = |k: &str| {
        c.get(k)
            .ok_or_else(|| LocError::new(c.line, p, format!("missing '{k}'")))
    };
    let ty = req("type")?;
    let ty_s = string(ty, "correlation.type")?;
    let kind = CorrelationType::parse(&ty_s).ok_or_else(|| {
        LocError::new(
            ty.line,
            "correlation.type",
            format!("unknown correlation type '{ty_s}'"),
        )
    })?;
    let rules_n = req("rules")?;
    let rules = string_list(rules_n, "correlation.rules")?;
    if rules.is_empty() {
        return Err(LocError::new(rules_n.line, "correlation.rules", "empty"));
    }
    let ts = req("timespan")?;
    let ts_s = string(ts, "correlation.timespan")?;
    let timespan = Timespan::parse(&ts_s).ok_or_else(|| {
        LocError::new(
            ts.line,
            "correlation.timespan",
            format!("invalid timespan '{ts_s}' (expected number + s/m/h/d)"),
        )
    })?;
    let group_by = match c.get("group-by") {
        Some(g) => string_list(g, "correlation.group-by")?,
        None => Vec::new(),
    };
    let generate = match c.get("generate").or_else(|| doc.get("generate")) {
        None => false,
        Some(Node {
            value: NodeValue::Bool(b),
            ..
        }) => *b,
        Some(n) => {
            return Err(LocError::new(
                n.line,
                "correlation.generate",
                "must be true or false",
            ));
        }
    };
    let mut aliases = BTreeMap::new();
    if let Some(a) = c.get("aliases") {
        for (k, v) in entries(a, "correlation.aliases")? {
            let alias = string(k, "correlation.aliases")?;
            let ap = format!("correlation.aliases.{alias}");
            let mut map = BTreeMap::new();
            for (rk, rv) in entries(v, &ap)? {
                map.insert(string(rk, &ap)?, string(rv, &ap)?);
            }
            aliases.insert(alias, map);
        }
    }
    let condition = match c.get("condition") {
        None if kind.needs_condition() => {
            return Err(LocError::new(
                c.line,
                p,
                format!("missing 'condition' (required for {ty_s})"),
            ));
        }
        None => None,
        Some(cn) => {
            let cp = "correlation.condition";
            let mut cond = CorrelationCondition {
                field: Vec::new(),
                predicates: Vec::new(),
                percentile: None,
            };
            for (k, v) in entries(cn, cp)? {
                let key = string(k, cp)?;
                let num = |v: &Node| -> LResult<f64> {
                    match v.value {
                        NodeValue::Int(i) => Ok(i as f64),
                        NodeValue::Float(f) => Ok(f),
                        _ => Err(LocError::new(
                            v.line,
                            format!("{cp}.{key}"),
                            format!("must be a number, found {}", v.type_name()),
                        )),
                    }
                };
                let op = match key.as_str() {
                    "field" => {
                        cond.field = string_list(v, &format!("{cp}.field"))?;
                        continue;
                    }
                    "percentile" => {
                        cond.percentile = Some(num(v)?);
                        continue;
                    }
                    "gt" => CmpOp::Gt,
                    "gte" => CmpOp::Gte,
                    "lt" => CmpOp::Lt,
                    "lte" => CmpOp::Lte,
                    "eq" => CmpOp::Eq,
                    "neq" => CmpOp::Neq,
                    _ => {
                        return Err(LocError::new(
                            k.line,
                            format!("{cp}.{key}"),
                            "unknown condition operator (expected gt/gte/lt/lte/eq/neq/field)",
                        ));
                    }
                };
                cond.predicates.push((op, num(v)?));
            }
            if cond.predicates.is_empty() {
                return Err(LocError::new(cn.line, cp, "needs at least one comparison"));
            }
            if kind.needs_field() && cond.field.is_empty() {
                return Err(LocError::new(
                    cn.line,
                    cp,
                    format!("'field' is required for {ty_s}"),
                ));
            }
            Some(cond)
        }
    };
    Ok(CorrelationRule {
        meta,
        kind,
        rules,
        group_by,
        timespan,
        condition,
        aliases,
        generate,
    })
}

fn parse_filter(doc: &Node, meta: Metadata) -> LResult<FilterRule> {
    let f = doc.get("filter").expect("checked by caller");
    let logsource = match doc.get("logsource") {
        Some(l) => parse_logsource(l)?,
        None => {
            return Err(LocError::new(
                doc.line,
                "logsource",
                "missing mandatory 'logsource'",
            ));
        }
    };
    let fe = entries(f, "filter")?;
    let rules_n = f
        .get("rules")
        .ok_or_else(|| LocError::new(f.line, "filter", "missing 'rules'"))?;
    let rules = string_list(rules_n, "filter.rules")?;
    let rest = Node {
        value: NodeValue::Map(
            fe.iter()
                .filter(|(k, _)| k.as_str() != Some("rules"))
                .cloned()
                .collect(),
        ),
        line: f.line,
    };
    let filter = detection::parse_detection(&rest, "filter")?;
    Ok(FilterRule {
        meta,
        logsource,
        rules,
        filter,
    })
}

/// Build one typed document from a (global-merged) YAML document.
pub(crate) fn parse_document(doc: &Node) -> LResult<SigmaDocument> {
    entries(doc, "document")?;
    if doc.get("correlation").is_some() {
        let meta = parse_meta(doc, &["correlation", "generate"])?;
        return parse_correlation(doc, meta).map(SigmaDocument::Correlation);
    }
    if doc.get("filter").is_some() && doc.get("detection").is_none() {
        let meta = parse_meta(doc, &["filter", "logsource"])?;
        return parse_filter(doc, meta).map(SigmaDocument::Filter);
    }
    let meta = parse_meta(doc, &["logsource", "detection"])?;
    let logsource = match doc.get("logsource") {
        Some(l) => parse_logsource(l)?,
        None => {
            return Err(LocError::new(
                doc.line,
                "logsource",
                "missing mandatory 'logsource'",
            ));
        }
    };
    let det = doc
        .get("detection")
        .ok_or_else(|| LocError::new(doc.line, "detection", "missing mandatory 'detection'"))?;
    let detection = detection::parse_detection(det, "detection")?;
    Ok(SigmaDocument::Detection(DetectionRule {
        meta,
        logsource,
        detection,
    }))
}
