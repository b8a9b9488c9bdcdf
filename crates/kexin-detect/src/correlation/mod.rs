//! Sigma correlation rules evaluated over a stream of rule matches.
//!
//! The engine does not look at events: the detection evaluator tells it
//! "rule R matched an event at time T" ([`Observation`]) and hands it a
//! field lookup for that event. That keeps correlation independent of how
//! rules are matched and lets correlations chain: a correlation hit is fed
//! back as an observation of the correlation, so `temporal_ordered` over
//! "many failed logins" (itself an `event_count`) and "successful login"
//! works like the example at the end of the Sigma correlation
//! specification. A chained hit carries its group-by values (and its last
//! event's time), nothing else: a correlation over another correlation can
//! group by, or aggregate, only fields among the inner one's `group-by`
//! (through `aliases` if named differently). [`CorrelationEngine::new`]
//! refuses anything else rather than never firing. (The specification lets
//! an outer rule group differently from its inner rule; that needs the
//! inner events' fields, which a stream engine no longer has.)
//!
//! # State model
//!
//! Each correlation keeps one state per group-by key (the values of its
//! `group-by` fields in the matched event; `aliases` map a group-by name to
//! a different field per referenced rule). A group's state holds only what
//! its aggregate needs, sorted by time (see `window.rs`), plus the most
//! recent contributing observations for the hit's evidence. An observation
//! whose event lacks a group-by field, or the `field` a value type needs, or
//! whose field is not a number for the numeric types, is not counted
//! (SQL/SPL `GROUP BY` semantics; [`Stats`] counts them).
//!
//! A rule can be referenced by its `id` or its `name`; both resolve to the
//! same rule, so an observation may carry either or both.
//!
//! # When a correlation fires
//!
//! Windows are `timespan` long and inclusive at both ends (events exactly
//! `timespan` apart are within it). Two evaluation modes follow from the
//! condition, because the engine sees the stream once and must not report
//! a window it would later have to retract:
//!
//! * **Eager, sliding** — `event_count`, `value_count`, `value_sum`,
//!   `temporal`, `temporal_ordered` whose condition has only lower bounds
//!   (`gt`, `gte`; the temporal types without a condition mean "all
//!   referenced rules"). These aggregates only grow as events are added
//!   (a sum does as long as the values are not negative), so once the
//!   window ending at the newest observation, `[newest − timespan,
//!   newest]`, satisfies the condition, later events cannot make that
//!   window's verdict wrong: the hit is reported at once.
//! * **Deferred, anchored** — any condition with an upper bound or an
//!   equality (`lt`, `lte`, `eq`, `neq`, ranges like `gt: 100, lte: 200`),
//!   and every `value_avg`, `value_percentile` and `value_median` (which
//!   move both ways). A window opens at the group's first observation, and
//!   is evaluated once when it is over (`first + timespan` has passed by
//!   more than the allowed lateness, or the group's next observation falls
//!   after it, or at [`CorrelationEngine::flush`]). Evaluating `lt: 5` on
//!   a window still filling would be true for every group.
//!
//! After a hit, the group's state is cleared: the events that made one hit
//! do not make another, and a sustained attack yields one hit per
//! threshold's worth of events rather than one per event.
//!
//! `value_percentile` is the `percentile`-th percentile (0–100, default 50
//! as the specification hints that the median is percentile 50) of the
//! numeric field, interpolated between the closest ranks (numpy's default);
//! `value_median` is the 50th. For `temporal` the compared value is the
//! number of distinct referenced rules seen in the window; for
//! `temporal_ordered`, the length of the longest prefix of `rules` seen in
//! that order (equal timestamps count as in order: syslog times have a
//! one-second resolution and a chained hit carries its last event's time).
//!
//! # Out-of-order events
//!
//! The engine keeps a watermark, the newest timestamp observed (or given to
//! [`CorrelationEngine::advance`]). An observation up to
//! [`Limits::max_lateness_ms`] behind it is inserted at its place in time
//! and counts in every window evaluated afterwards that covers it; one
//! further behind is dropped and counted ([`Stats::late_dropped`]), as is
//! one more than `timespan` older than its group's newest observation (it
//! cannot share a window with it). A late observation before a deferred
//! window's first one moves the window's start back to it. Windows already
//! evaluated are not revisited. Deferred windows wait for the lateness
//! before they are evaluated, so their hits come that much later. Hits fed
//! back through a chain carry their window's last time and are not subject
//! to the watermark check (a deferred hit is always "late").
//!
//! # Memory bounds
//!
//! State expires: a sliding group whose newest observation is more than
//! `timespan` + lateness behind the watermark can no longer take part in a
//! window and is removed (swept once per `timespan` of watermark progress);
//! a deferred group goes when its window is evaluated. On top of that,
//! [`Limits`] caps every correlation: entries per group (the oldest are
//! dropped, which shortens the window of an extremely busy group), groups,
//! and entries in total (the least recently active tenth of the groups is
//! dropped, unevaluated). Group keys come from attacker-controlled fields,
//! so the maps use the standard library's randomly keyed SipHash, and
//! [`Stats`] reports every eviction so a saturated engine is visible.
//! Worst case per correlation: `max_entries` entries of a few dozen bytes,
//! plus per group its key and a fixed ≈ 150 bytes (`max_groups` of them;
//! a group emptied by a hit stays until swept, so the next event of a
//! busy group does not reallocate).
//!
//! # Example
//!
//! ```
//! use kexin_detect::correlation::{CorrelationEngine, Observation};
//! use kexin_sigma::{Metadata, SigmaDocument, parse_str};
//!
//! let text = r#"
//! title: Brute force
//! correlation:
//!     type: event_count
//!     rules: [failed_login]
//!     group-by: [SourceIp]
//!     timespan: 5m
//!     condition: {gte: 3}
//! "#;
//! let rules = parse_str(text, "rules.yml").unwrap();
//! let SigmaDocument::Correlation(brute_force) = &rules[0] else { unreachable!() };
//! let failed_login = Metadata {
//!     title: "Failed login".into(),
//!     name: Some("failed_login".into()),
//!     ..Metadata::default()
//! };
//! let mut engine = CorrelationEngine::new(&[brute_force.clone()], [&failed_login]).unwrap();
//!
//! // The evaluator reports each match of `failed_login` with a field lookup.
//! let lookup = |field: &str| (field == "SourceIp").then(|| "203.0.113.7".to_string());
//! let mut hits = Vec::new();
//! for second in 0..3 {
//!     hits.extend(engine.observe(&Observation {
//!         rule_id: None,
//!         rule_name: Some("failed_login"),
//!         timestamp: 1_710_000_000_000 + second * 1000,
//!         event_id: None,
//!         field: &lookup,
//!     }));
//! }
//! assert_eq!(hits.len(), 1);
//! assert_eq!(hits[0].value, 3.0);
//! assert_eq!(hits[0].group, [("SourceIp".to_string(), "203.0.113.7".to_string())]);
//! // A failed login is not an alert of its own: the correlation has no `generate`.
//! assert!(!engine.emit_standalone(None, Some("failed_login")));
//! ```
//!
//! # `generate`
//!
//! By the specification, the rules a correlation refers to are not alerts
//! of their own unless a referring correlation says `generate: true`. The
//! engine does not suppress anything itself: [`CorrelationEngine::emit_standalone`]
//! answers the question for a base rule, and [`CorrelationHit::emit`] for a
//! correlation that is itself referenced by another.

mod window;

#[cfg(test)]
mod tests;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use kexin_sigma::{CmpOp, CorrelationRule, CorrelationType, Level, Metadata, SigmaDocument};
use serde::Serialize;

use window::{Group, Payload};

/// "Rule R matched an event": the engine's input.
pub struct Observation<'a> {
    /// The matched rule's `id`.
    pub rule_id: Option<&'a str>,
    /// The matched rule's `name`.
    pub rule_name: Option<&'a str>,
    /// Event time, Unix milliseconds.
    pub timestamp: i64,
    /// The caller's reference for the event (store id, line number…), kept as
    /// evidence in hits.
    pub event_id: Option<&'a str>,
    /// Field lookup on the matched event (Sigma field names).
    pub field: &'a dyn Fn(&str) -> Option<String>,
}

/// Memory and lateness bounds, per correlation rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How far behind the watermark an observation may be and still count.
    pub max_lateness_ms: i64,
    /// Group-by keys tracked at once.
    pub max_groups: usize,
    /// Entries one group may hold (see the module docs for what an entry is).
    pub max_entries_per_group: usize,
    /// Entries all groups of the correlation may hold together.
    pub max_entries: usize,
    /// Contributing observations remembered per group and reported in a hit.
    pub max_contributors: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_lateness_ms: 60_000,
            max_groups: 100_000,
            max_entries_per_group: 10_000,
            max_entries: 1_000_000,
            max_contributors: 16,
        }
    }
}

/// One contributing observation of a hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contributor {
    /// The rule as written in the correlation's `rules`.
    #[serde(serialize_with = "as_str")]
    pub rule: Arc<str>,
    /// Event time, Unix milliseconds.
    pub timestamp: i64,
    /// The observation's `event_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "as_opt_str")]
    pub event_id: Option<Arc<str>>,
}

/// A correlation rule that fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorrelationHit {
    pub rule_id: Option<String>,
    pub rule_name: Option<String>,
    pub title: String,
    pub level: Option<Level>,
    pub tags: Vec<String>,
    pub kind: CorrelationType,
    /// `group-by` name → value, in the rule's order (a JSON object).
    #[serde(serialize_with = "group_as_map")]
    pub group: Vec<(String, String)>,
    /// Time of the first and last observation in the evaluated window (for
    /// `temporal_ordered`: of the first and last event of the sequence).
    pub window_start: i64,
    pub window_end: i64,
    /// The value the condition was met by: event count, distinct values,
    /// sum, average, percentile, median, or number of rules (temporal).
    pub value: f64,
    /// The most recent contributing observations in the window (at most
    /// [`Limits::max_contributors`]), oldest first.
    pub contributors: Vec<Contributor>,
    /// Whether this hit is an alert of its own: false when the correlation
    /// is referenced by other correlations, none of which sets `generate`.
    pub emit: bool,
}

fn as_str<S: serde::Serializer>(v: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v)
}

fn as_opt_str<S: serde::Serializer>(v: &Option<Arc<str>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_some(&**v),
        None => s.serialize_none(),
    }
}

fn group_as_map<S: serde::Serializer>(group: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(group.iter().map(|(k, v)| (k, v)))
}

/// Counters over the engine's life, and the current state size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Observations passed to [`CorrelationEngine::observe`].
    pub observations: u64,
    /// Observations too late to count (see the module docs).
    pub late_dropped: u64,
    /// Observations whose event lacked a group-by or value field.
    pub missing_field: u64,
    /// Observations whose value field was not a finite number.
    pub non_numeric: u64,
    /// Entries dropped by the per-group cap.
    pub entries_evicted: u64,
    /// Groups dropped by the group and entry caps.
    pub groups_evicted: u64,
    /// Groups held now (a group emptied by a hit counts until swept).
    pub groups: usize,
    /// Entries held now.
    pub entries: usize,
}

/// A set of correlation rules that cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrelationError {
    #[error("correlation {correlation}: unknown rule '{reference}' (no rule has this id or name)")]
    UnknownRule {
        correlation: String,
        reference: String,
    },
    #[error("'{key}' is the id or name of more than one rule")]
    AmbiguousKey { key: String },
    #[error("correlation {correlation}: {message}")]
    Invalid {
        correlation: String,
        message: String,
    },
    #[error("correlations refer to each other in a cycle: {}", .path.join(" -> "))]
    Cycle { path: Vec<String> },
}

/// How a correlation is named in errors: `'title' (id)`.
fn label(meta: &Metadata) -> String {
    match meta.id.as_deref().or(meta.name.as_deref()) {
        Some(k) => format!("'{}' ({k})", meta.title),
        None => format!("'{}'", meta.title),
    }
}

/// The group-by values, [`encode_tuple`]d: one allocation, one indirection.
type GroupKey = Box<str>;

/// What a hit says about its rule.
#[derive(Debug)]
struct HitMeta {
    id: Option<String>,
    name: Option<String>,
    title: String,
    level: Option<Level>,
    tags: Vec<String>,
    kind: CorrelationType,
    emit: bool,
}

/// One correlation rule, resolved, with its state.
#[derive(Debug)]
struct Compiled {
    meta: HitMeta,
    kind: CorrelationType,
    /// Shared with every hit's contributors (a hit clones no string).
    rules: Vec<Arc<str>>,
    group_names: Vec<String>,
    /// Per referenced rule: the event field of each group-by name.
    group_fields: Vec<Vec<String>>,
    /// Per referenced rule: the event fields of `condition.field`.
    value_fields: Vec<Vec<String>>,
    predicates: Vec<(CmpOp, f64)>,
    percentile: f64,
    span: i64,
    eager: bool,
    /// Boxed: the table stays small and dense for probing.
    groups: HashMap<GroupKey, Box<Group>>,
    /// Deferred windows by end time (stale entries are skipped when popped).
    closes: BinaryHeap<Reverse<(i64, GroupKey)>>,
    entries: usize,
    last_sweep: i64,
}

/// What one referenced rule's observation looks like inside the engine.
struct Input<'a> {
    rule: usize,
    timestamp: i64,
    event_id: Option<&'a str>,
    field: &'a dyn Fn(&str) -> Option<String>,
}

/// Evaluates correlation rules; see the module documentation.
#[derive(Debug)]
pub struct CorrelationEngine {
    correlations: Vec<Compiled>,
    /// id or name → rule number (base rules first, then correlations).
    keys: HashMap<String, usize>,
    /// rule number → the (correlation, reference) pairs it feeds.
    routes: Vec<Vec<(usize, usize)>>,
    /// rule number → emitted stand-alone (not referenced, or some referring
    /// correlation has `generate: true`).
    standalone: Vec<bool>,
    limits: Limits,
    watermark: Option<i64>,
    stats: Stats,
}

fn satisfies(predicates: &[(CmpOp, f64)], v: f64) -> bool {
    predicates.iter().all(|&(op, x)| match op {
        CmpOp::Gt => v > x,
        CmpOp::Gte => v >= x,
        CmpOp::Lt => v < x,
        CmpOp::Lte => v <= x,
        CmpOp::Eq => v == x,
        CmpOp::Neq => v != x,
    })
}

/// One value as itself; several length-prefixed, so that no two tuples
/// encode alike.
fn encode_tuple(mut values: Vec<String>) -> Box<str> {
    if values.len() == 1 {
        return values.pop().unwrap_or_default().into_boxed_str();
    }
    let mut s = String::new();
    for v in &values {
        s.push_str(&v.len().to_string());
        s.push(':');
        s.push_str(v);
    }
    s.into_boxed_str()
}

/// The [`encode_tuple`] of `fields` looked up on an event; `None` when one
/// is missing.
fn lookup_tuple(field: &dyn Fn(&str) -> Option<String>, fields: &[String]) -> Option<Box<str>> {
    if let [one] = fields {
        return field(one).map(String::into_boxed_str);
    }
    let values = fields
        .iter()
        .map(|f| field(f))
        .collect::<Option<Vec<_>>>()?;
    Some(encode_tuple(values))
}

/// The `n` values [`encode_tuple`] joined.
fn decode_tuple(key: &str, n: usize) -> Vec<String> {
    if n == 1 {
        return vec![key.to_string()];
    }
    let mut out = Vec::with_capacity(n);
    let mut rest = key;
    while let Some((len, tail)) = rest.split_once(':') {
        let len: usize = len.parse().unwrap_or(tail.len()).min(tail.len());
        let len = (0..=len)
            .rev()
            .find(|&l| tail.is_char_boundary(l))
            .unwrap_or(0);
        out.push(tail[..len].to_string());
        rest = &tail[len..];
    }
    out
}

impl CorrelationEngine {
    /// Resolves `correlations` against each other and the detection rules
    /// they may refer to (`base_rules`: their metadata, for `id` and
    /// `name`), and validates what the parser cannot check alone: every
    /// reference resolves to exactly one rule, no rule is referenced twice
    /// by one correlation, aliases name referenced rules, correlations do not
    /// refer to each other in a cycle, a correlation over another one uses
    /// only the fields its hits carry, value types name one numeric field
    /// (several for `value_count`), `percentile` is within 0–100.
    pub fn new<'a>(
        correlations: &[CorrelationRule],
        base_rules: impl IntoIterator<Item = &'a Metadata>,
    ) -> Result<Self, CorrelationError> {
        let mut keys: HashMap<String, usize> = HashMap::new();
        let mut add_key = |key: &str, rule: usize| match keys.get(key) {
            Some(&other) if other != rule => Err(CorrelationError::AmbiguousKey {
                key: key.to_string(),
            }),
            _ => {
                keys.insert(key.to_string(), rule);
                Ok(())
            }
        };
        let mut base_rules_count = 0;
        for (i, m) in base_rules.into_iter().enumerate() {
            for k in [&m.id, &m.name].into_iter().flatten() {
                add_key(k, i)?;
            }
            base_rules_count = i + 1;
        }
        let base = base_rules_count;
        for (i, c) in correlations.iter().enumerate() {
            for k in [&c.meta.id, &c.meta.name].into_iter().flatten() {
                add_key(k, base + i)?;
            }
        }
        let total = base + correlations.len();
        let mut routes = vec![Vec::new(); total];
        let mut generate_any = vec![None::<bool>; total];
        let mut compiled = Vec::with_capacity(correlations.len());
        for (ci, c) in correlations.iter().enumerate() {
            let who = label(&c.meta);
            let invalid = |message: String| CorrelationError::Invalid {
                correlation: who.clone(),
                message,
            };
            let mut resolved = Vec::with_capacity(c.rules.len());
            for (ri, r) in c.rules.iter().enumerate() {
                let &rule = keys.get(r).ok_or_else(|| CorrelationError::UnknownRule {
                    correlation: who.clone(),
                    reference: r.clone(),
                })?;
                if let Some(prev) = resolved.iter().position(|&x| x == rule) {
                    return Err(invalid(format!(
                        "rules '{}' and '{r}' are the same rule",
                        c.rules[prev]
                    )));
                }
                resolved.push(rule);
                routes[rule].push((ci, ri));
                let g = generate_any[rule].get_or_insert(false);
                *g |= c.generate;
            }
            // Aliases: alias → per referenced rule, the field to read.
            let mut alias_fields: HashMap<&str, Vec<Option<&str>>> = HashMap::new();
            for (alias, map) in &c.aliases {
                let mut per_rule = vec![None; c.rules.len()];
                for (rule_key, field) in map {
                    let ri = keys
                        .get(rule_key)
                        .and_then(|k| resolved.iter().position(|r| r == k))
                        .ok_or_else(|| {
                            invalid(format!(
                                "alias '{alias}' refers to '{rule_key}', which is not among its rules"
                            ))
                        })?;
                    per_rule[ri] = Some(field.as_str());
                }
                alias_fields.insert(alias, per_rule);
            }
            let field_for = |name: &str, ri: usize| -> String {
                alias_fields
                    .get(name)
                    .and_then(|p| p[ri])
                    .unwrap_or(name)
                    .to_string()
            };
            for (i, g) in c.group_by.iter().enumerate() {
                if c.group_by[..i].contains(g) {
                    return Err(invalid(format!("group-by '{g}' is listed twice")));
                }
            }
            let group_fields: Vec<Vec<String>> = (0..c.rules.len())
                .map(|ri| c.group_by.iter().map(|g| field_for(g, ri)).collect())
                .collect();
            let (fields, mut predicates, percentile) = match &c.condition {
                Some(cond) => (cond.field.clone(), cond.predicates.clone(), cond.percentile),
                None => (Vec::new(), Vec::new(), None),
            };
            use CorrelationType as K;
            if c.kind.needs_field() && fields.is_empty() {
                return Err(invalid(format!("{:?} needs condition.field", c.kind)));
            }
            if !c.kind.needs_field() && !fields.is_empty() {
                return Err(invalid(
                    "condition.field is only for the value_* types".to_string(),
                ));
            }
            if matches!(
                c.kind,
                K::ValueSum | K::ValueAvg | K::ValuePercentile | K::ValueMedian
            ) && fields.len() != 1
            {
                return Err(invalid(format!(
                    "condition.field must name one numeric field, not {}",
                    fields.len()
                )));
            }
            if percentile.is_some() && c.kind != K::ValuePercentile {
                return Err(invalid(
                    "condition.percentile is only for value_percentile".to_string(),
                ));
            }
            let percentile = percentile.unwrap_or(50.0);
            if !(0.0..=100.0).contains(&percentile) {
                return Err(invalid(format!(
                    "condition.percentile {percentile} is not within 0–100"
                )));
            }
            if predicates.is_empty() {
                if c.kind.needs_condition() {
                    return Err(invalid("condition needs a comparison".to_string()));
                }
                predicates.push((CmpOp::Gte, c.rules.len() as f64));
            }
            if c.timespan.seconds == 0 {
                return Err(invalid("timespan must be longer than 0s".to_string()));
            }
            let span = i64::try_from(c.timespan.seconds)
                .ok()
                .and_then(|s| s.checked_mul(1000))
                .ok_or_else(|| invalid("timespan is too long".to_string()))?;
            let value_fields: Vec<Vec<String>> = (0..c.rules.len())
                .map(|ri| fields.iter().map(|f| field_for(f, ri)).collect())
                .collect();
            // A chained hit carries only its group-by values: any other field
            // would be missing from every observation of that reference.
            for (ri, &rule) in resolved.iter().enumerate() {
                let Some(inner) = rule.checked_sub(base).map(|i| &correlations[i]) else {
                    continue;
                };
                let needed = group_fields[ri].iter().chain(&value_fields[ri]);
                if let Some(f) = needed.into_iter().find(|f| !inner.group_by.contains(f)) {
                    return Err(invalid(format!(
                        "field '{f}' is not a group-by field of correlation '{}', whose hits carry only those",
                        c.rules[ri]
                    )));
                }
            }
            let grows = matches!(
                c.kind,
                K::EventCount | K::ValueCount | K::ValueSum | K::Temporal | K::TemporalOrdered
            );
            let eager = grows
                && predicates
                    .iter()
                    .all(|(op, _)| matches!(op, CmpOp::Gt | CmpOp::Gte));
            compiled.push(Compiled {
                meta: HitMeta {
                    id: c.meta.id.clone(),
                    name: c.meta.name.clone(),
                    title: c.meta.title.clone(),
                    level: c.meta.level,
                    tags: c.meta.tags.clone(),
                    kind: c.kind,
                    emit: true,
                },
                kind: c.kind,
                rules: c.rules.iter().map(|r| Arc::from(r.as_str())).collect(),
                group_names: c.group_by.clone(),
                group_fields,
                value_fields,
                predicates,
                percentile,
                span,
                eager,
                groups: HashMap::new(),
                closes: BinaryHeap::new(),
                entries: 0,
                last_sweep: i64::MIN,
            });
        }
        let standalone: Vec<bool> = generate_any.iter().map(|g| g.unwrap_or(true)).collect();
        for (ci, c) in compiled.iter_mut().enumerate() {
            c.meta.emit = standalone[base + ci];
        }
        check_cycles(correlations, &routes, base)?;
        Ok(CorrelationEngine {
            correlations: compiled,
            keys,
            routes,
            standalone,
            limits: Limits::default(),
            watermark: None,
            stats: Stats::default(),
        })
    }

    /// [`CorrelationEngine::new`] over a loaded rule set: the correlations
    /// among `docs`, resolved against its detection rules.
    pub fn from_documents<'a>(
        docs: impl IntoIterator<Item = &'a SigmaDocument>,
    ) -> Result<Self, CorrelationError> {
        let mut correlations = Vec::new();
        let mut base = Vec::new();
        for d in docs {
            match d {
                SigmaDocument::Correlation(c) => correlations.push(c.clone()),
                SigmaDocument::Detection(r) => base.push(&r.meta),
                SigmaDocument::Filter(_) => {}
            }
        }
        Self::new(&correlations, base)
    }

    /// Replaces the default [`Limits`].
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Whether a match of the detection rule with this id/name should be
    /// reported on its own: true unless the rule is referenced by
    /// correlations and none of them sets `generate: true`.
    pub fn emit_standalone(&self, rule_id: Option<&str>, rule_name: Option<&str>) -> bool {
        self.rule_number(rule_id, rule_name)
            .is_none_or(|r| self.standalone[r])
    }

    /// Whether any correlation consumes matches of this rule (so the
    /// evaluator may skip building observations for the others).
    pub fn is_referenced(&self, rule_id: Option<&str>, rule_name: Option<&str>) -> bool {
        self.rule_number(rule_id, rule_name)
            .is_some_and(|r| !self.routes[r].is_empty())
    }

    /// The watermark: the newest time observed or advanced to.
    pub fn watermark(&self) -> Option<i64> {
        self.watermark
    }

    /// Counters and current state size.
    pub fn stats(&self) -> Stats {
        let mut s = self.stats;
        s.groups = self.correlations.iter().map(|c| c.groups.len()).sum();
        s.entries = self.correlations.iter().map(|c| c.entries).sum();
        s
    }

    fn rule_number(&self, id: Option<&str>, name: Option<&str>) -> Option<usize> {
        id.and_then(|k| self.keys.get(k))
            .or_else(|| name.and_then(|k| self.keys.get(k)))
            .copied()
    }

    /// Feeds one rule match; returns the hits it completes (including hits
    /// of chained correlations, inner ones first).
    pub fn observe(&mut self, obs: &Observation<'_>) -> Vec<CorrelationHit> {
        self.stats.observations += 1;
        let mut fresh = Vec::new();
        let late = self
            .watermark
            .is_some_and(|w| obs.timestamp < w.saturating_sub(self.limits.max_lateness_ms));
        match self.rule_number(obs.rule_id, obs.rule_name) {
            Some(r) if late && !self.routes[r].is_empty() => self.stats.late_dropped += 1,
            Some(_) if late => {}
            Some(r) => {
                for &(ci, ri) in &self.routes[r] {
                    let input = Input {
                        rule: ri,
                        timestamp: obs.timestamp,
                        event_id: obs.event_id,
                        field: obs.field,
                    };
                    self.correlations[ci].observe(
                        &input,
                        &self.limits,
                        &mut self.stats,
                        &mut fresh,
                    );
                }
            }
            None => {}
        }
        if !late {
            self.watermark = Some(
                self.watermark
                    .map_or(obs.timestamp, |w| w.max(obs.timestamp)),
            );
        }
        self.expire(&mut fresh);
        self.chain(fresh)
    }

    /// Moves the watermark to `now` (Unix ms) without an observation — for
    /// idle streams — and returns the deferred windows that closed.
    pub fn advance(&mut self, now: i64) -> Vec<CorrelationHit> {
        self.watermark = Some(self.watermark.map_or(now, |w| w.max(now)));
        let mut fresh = Vec::new();
        self.expire(&mut fresh);
        self.chain(fresh)
    }

    /// End of stream: evaluates every open deferred window (also those its
    /// own hits open in chained correlations), then drops all state.
    pub fn flush(&mut self) -> Vec<CorrelationHit> {
        let mut out = Vec::new();
        loop {
            let mut fresh = Vec::new();
            for c in &mut self.correlations {
                c.close_all(&mut fresh);
            }
            if fresh.is_empty() {
                break;
            }
            out.extend(self.chain(fresh));
        }
        for c in &mut self.correlations {
            c.groups.clear();
            c.closes.clear();
            c.entries = 0;
        }
        out
    }

    /// Closes due deferred windows and sweeps expired groups.
    fn expire(&mut self, fresh: &mut Vec<CorrelationHit>) {
        let Some(w) = self.watermark else { return };
        let horizon = w.saturating_sub(self.limits.max_lateness_ms);
        for c in &mut self.correlations {
            c.close_due(horizon, fresh);
            c.sweep(horizon);
        }
    }

    /// Reports `fresh` hits and feeds them to the correlations that refer
    /// to theirs, breadth first (the reference graph is acyclic).
    fn chain(&mut self, fresh: Vec<CorrelationHit>) -> Vec<CorrelationHit> {
        let mut queue: std::collections::VecDeque<CorrelationHit> = fresh.into();
        let mut out = Vec::new();
        while let Some(hit) = queue.pop_front() {
            if let Some(r) = self.rule_number(hit.rule_id.as_deref(), hit.rule_name.as_deref()) {
                let lookup = |name: &str| {
                    hit.group
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.clone())
                };
                let mut next = Vec::new();
                for &(ci, ri) in &self.routes[r] {
                    let input = Input {
                        rule: ri,
                        timestamp: hit.window_end,
                        event_id: None,
                        field: &lookup,
                    };
                    self.correlations[ci].observe(&input, &self.limits, &mut self.stats, &mut next);
                }
                queue.extend(next);
            }
            out.push(hit);
        }
        out
    }
}

/// Correlations must not reach themselves through their references.
fn check_cycles(
    correlations: &[CorrelationRule],
    routes: &[Vec<(usize, usize)>],
    base: usize,
) -> Result<(), CorrelationError> {
    // Edge: referenced correlation → referring correlation.
    let n = correlations.len();
    let mut state = vec![0u8; n]; // 0 new, 1 on the path, 2 done
    let mut path = Vec::new();
    fn visit(
        c: usize,
        routes: &[Vec<(usize, usize)>],
        base: usize,
        state: &mut [u8],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[c] = 1;
        path.push(c);
        for &(next, _) in &routes[base + c] {
            match state[next] {
                1 => {
                    let from = path.iter().position(|&p| p == next).unwrap_or(0);
                    let mut cycle = path[from..].to_vec();
                    cycle.push(next);
                    return Some(cycle);
                }
                0 => {
                    if let Some(cycle) = visit(next, routes, base, state, path) {
                        return Some(cycle);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state[c] = 2;
        None
    }
    for c in 0..n {
        if state[c] == 0
            && let Some(cycle) = visit(c, routes, base, &mut state, &mut path)
        {
            return Err(CorrelationError::Cycle {
                path: cycle
                    .iter()
                    .map(|&i| label(&correlations[i].meta))
                    .collect(),
            });
        }
    }
    Ok(())
}

impl HitMeta {
    fn hit(
        &self,
        rules: &[Arc<str>],
        group_names: &[String],
        key: &str,
        g: &Group,
        m: window::Measure,
    ) -> CorrelationHit {
        CorrelationHit {
            rule_id: self.id.clone(),
            rule_name: self.name.clone(),
            title: self.title.clone(),
            level: self.level,
            tags: self.tags.clone(),
            kind: self.kind,
            group: group_names
                .iter()
                .cloned()
                .zip(decode_tuple(key, group_names.len()))
                .collect(),
            window_start: m.start,
            window_end: m.end,
            value: m.value,
            contributors: g
                .recent
                .iter()
                .filter(|c| (m.start..=m.end).contains(&c.0))
                .map(|(t, r, e)| Contributor {
                    rule: rules[*r].clone(),
                    timestamp: *t,
                    event_id: e.clone(),
                })
                .collect(),
            emit: self.emit,
        }
    }
}

impl Compiled {
    fn observe(
        &mut self,
        input: &Input<'_>,
        limits: &Limits,
        stats: &mut Stats,
        out: &mut Vec<CorrelationHit>,
    ) {
        let field = input.field;
        let Some(key) = lookup_tuple(field, &self.group_fields[input.rule]) else {
            stats.missing_field += 1;
            return;
        };
        let payload = match self.kind {
            CorrelationType::ValueCount => {
                let Some(values) = lookup_tuple(field, &self.value_fields[input.rule]) else {
                    stats.missing_field += 1;
                    return;
                };
                Payload::Value(values)
            }
            CorrelationType::ValueSum
            | CorrelationType::ValueAvg
            | CorrelationType::ValuePercentile
            | CorrelationType::ValueMedian => {
                let Some(text) = field(&self.value_fields[input.rule][0]) else {
                    stats.missing_field += 1;
                    return;
                };
                match text.trim().parse::<f64>() {
                    Ok(x) if x.is_finite() => Payload::Number(x),
                    _ => {
                        stats.non_numeric += 1;
                        return;
                    }
                }
            }
            _ => Payload::Occurrence,
        };
        let t = input.timestamp;

        // A deferred window that this observation falls after is over.
        if !self.eager
            && let Some(g) = self.groups.get(&key)
            && t > g.first.saturating_add(self.span)
        {
            self.close(&key, out);
        }
        let group = match self.groups.get_mut(&key) {
            Some(g) => {
                if t < g.newest.saturating_sub(self.span) {
                    stats.late_dropped += 1;
                    return;
                }
                if !self.eager && t < g.first {
                    // A late event before a deferred window's anchor that
                    // still fits with everything in it: the window starts
                    // earlier (and closes earlier).
                    g.first = t;
                    self.closes
                        .push(Reverse((t.saturating_add(self.span), key.clone())));
                }
                g
            }
            None => {
                if !self.eager {
                    self.closes
                        .push(Reverse((t.saturating_add(self.span), key.clone())));
                }
                self.groups
                    .entry(key.clone())
                    .or_insert_with(|| Box::new(Group::new(self.kind, self.rules.len(), t)))
            }
        };
        let before = group.len();
        group.newest = group.newest.max(t);
        group.agg.insert(t, input.rule, payload);
        group.remember(t, input.rule, input.event_id, limits.max_contributors);
        if self.eager {
            group.evict_before(group.newest.saturating_sub(self.span));
        }
        while group.agg.len() > limits.max_entries_per_group {
            group.agg.pop_oldest();
            stats.entries_evicted += 1;
        }
        self.entries = self.entries - before + group.len();

        if self.eager
            && let Some(m) = group.agg.measure(self.kind, self.percentile)
            && satisfies(&self.predicates, m.value)
        {
            out.push(
                self.meta
                    .hit(&self.rules, &self.group_names, &key, group, m),
            );
            // The events of a hit do not count again; the emptied group
            // stays (no reallocation for the next event) until swept.
            self.entries -= group.len();
            group.clear();
        }
        if self.groups.len() > limits.max_groups || self.entries > limits.max_entries {
            self.evict_least_recent(limits, stats);
        }
    }

    fn remove(&mut self, key: &GroupKey) {
        if let Some(g) = self.groups.remove(key) {
            self.entries -= g.len();
        }
    }

    /// Evaluates a deferred window and drops it.
    fn close(&mut self, key: &GroupKey, out: &mut Vec<CorrelationHit>) {
        if let Some(m) = self
            .groups
            .get(key)
            .and_then(|g| g.agg.measure(self.kind, self.percentile))
            && satisfies(&self.predicates, m.value)
        {
            out.push(
                self.meta
                    .hit(&self.rules, &self.group_names, key, &self.groups[key], m),
            );
        }
        self.remove(key);
    }

    /// Closes deferred windows that ended before `horizon`.
    fn close_due(&mut self, horizon: i64, out: &mut Vec<CorrelationHit>) {
        while let Some(Reverse((end, _))) = self.closes.peek()
            && *end < horizon
        {
            let Some(Reverse((end, key))) = self.closes.pop() else {
                break;
            };
            if self
                .groups
                .get(&key)
                .is_some_and(|g| g.first.saturating_add(self.span) == end)
            {
                self.close(&key, out);
            }
        }
    }

    /// Closes every deferred window (end of stream), in time order.
    fn close_all(&mut self, out: &mut Vec<CorrelationHit>) {
        self.close_due(i64::MAX, out);
    }

    /// Drops sliding groups that no in-time observation can reach any more.
    fn sweep(&mut self, horizon: i64) {
        if !self.eager || horizon < self.last_sweep.saturating_add(self.span) {
            return;
        }
        self.last_sweep = horizon;
        let span = self.span;
        let mut freed = 0;
        self.groups.retain(|_, g| {
            let keep = g.newest.saturating_add(span) >= horizon;
            if !keep {
                freed += g.len();
            }
            keep
        });
        self.entries -= freed;
    }

    /// Over a cap: drops the least recently active tenth of the groups.
    fn evict_least_recent(&mut self, limits: &Limits, stats: &mut Stats) {
        let mut by_age: Vec<(i64, GroupKey)> = self
            .groups
            .iter()
            .map(|(k, g)| (g.newest, k.clone()))
            .collect();
        if by_age.is_empty() {
            return;
        }
        let n = (by_age.len() / 10).max(1);
        by_age.select_nth_unstable_by_key(n - 1, |e| e.0);
        for (_, k) in by_age.into_iter().take(n) {
            self.remove(&k);
            stats.groups_evicted += 1;
        }
        if self.groups.len() > limits.max_groups || self.entries > limits.max_entries {
            self.evict_least_recent(limits, stats);
        }
    }
}
