//! IR → matchers: one [`Item`] per detection item, identifiers as OR-of-AND
//! item lists, conditions over engine-wide identifier indices, and the
//! literals the prefilter needs.

use crate::event::{EventFields, FieldValue, NumBuf};
use crate::matcher::{
    Net, NumCmp, Piece, StrMatcher, ValueMatcher, build_regex, byte_foldable, contains_automaton,
    fold,
};
use aho_corasick::AhoCorasick;
use base64::Engine as _;
use kexin_sigma::{
    Condition, DetectionItem, MatchPosition, Modifier, Pattern, PatternPart, Quantifier,
    SearchBody, SigmaValue, Transform,
};
use std::collections::BTreeMap;

/// Characters the `windash` modifier makes interchangeable.
const DASHES: [char; 5] = ['-', '/', '–', '—', '―'];
/// Most dash characters one `windash` value may hold (5^n variants).
pub const MAX_WINDASH_DASHES: u32 = 4;

/// How an item reads the event.
#[derive(Debug)]
pub(crate) enum ItemKind {
    /// `field: null`: absent or null.
    Null,
    /// `field|exists: bool`
    Exists(bool),
    /// `field|fieldref: other` (OR-linked, or AND-linked with `all`).
    FieldRef {
        others: Vec<Vec<String>>,
        position: MatchPosition,
        cased: bool,
        all: bool,
    },
    /// Values: `contains` literals of an OR list share one automaton.
    Values {
        contains_any: Option<AhoCorasick>,
        values: Vec<ValueMatcher>,
        all: bool,
    },
}

#[derive(Debug)]
pub(crate) struct Item {
    /// Field name as written in the rule (`None` for keywords).
    pub(crate) sigma_field: Option<String>,
    /// Event paths after the pipelines (first present wins); empty for keywords.
    pub(crate) paths: Vec<String>,
    pub(crate) kind: ItemKind,
    /// `neq`: the item's result is negated.
    pub(crate) neq: bool,
    /// Literals one of which occurs in the event whenever the item matches.
    pub(crate) need: Option<Vec<String>>,
}

/// Visit the values of the first of `paths` present in the event.
pub(crate) fn lookup_first<E: EventFields + ?Sized>(
    ev: &E,
    paths: &[String],
    visit: &mut dyn FnMut(FieldValue<'_>) -> bool,
) -> Option<bool> {
    paths.iter().find_map(|p| ev.lookup(p, visit))
}

fn position_match(hay: &str, needle: &str, position: MatchPosition, cased: bool) -> bool {
    let (h, n);
    let (hay, needle) = if cased {
        (hay, needle)
    } else {
        h = hay.chars().map(fold).collect::<String>();
        n = needle.chars().map(fold).collect::<String>();
        (h.as_str(), n.as_str())
    };
    match position {
        MatchPosition::Exact => hay == needle,
        MatchPosition::Contains => hay.contains(needle),
        MatchPosition::StartsWith => hay.starts_with(needle),
        MatchPosition::EndsWith => hay.ends_with(needle),
    }
}

impl Item {
    pub(crate) fn is_match<E: EventFields + ?Sized>(&self, ev: &E) -> bool {
        self.raw_match(ev) != self.neq
    }

    fn raw_match<E: EventFields + ?Sized>(&self, ev: &E) -> bool {
        match &self.kind {
            ItemKind::Null => {
                lookup_first(ev, &self.paths, &mut |v| v == FieldValue::Null).unwrap_or(true)
            }
            ItemKind::Exists(want) => {
                lookup_first(ev, &self.paths, &mut |_| true).is_some() == *want
            }
            ItemKind::FieldRef {
                others,
                position,
                cased,
                all,
            } => {
                let one = |other: &Vec<String>| {
                    lookup_first(ev, &self.paths, &mut |a| {
                        let mut ba = NumBuf::default();
                        let Some(ta) = a.text(&mut ba) else {
                            return false;
                        };
                        let mut hit = false;
                        lookup_first(ev, other, &mut |b| {
                            let mut bb = NumBuf::default();
                            hit = b
                                .text(&mut bb)
                                .is_some_and(|tb| position_match(ta, tb, *position, *cased));
                            hit
                        });
                        hit
                    }) == Some(true)
                };
                if *all {
                    others.iter().all(one)
                } else {
                    others.iter().any(one)
                }
            }
            ItemKind::Values {
                contains_any,
                values,
                all,
            } => {
                if self.sigma_field.is_none() {
                    return self.keyword_match(ev, contains_any.as_ref(), values, *all);
                }
                if *all {
                    values.iter().all(|m| {
                        lookup_first(ev, &self.paths, &mut |v| m.is_match(v)) == Some(true)
                    })
                } else {
                    lookup_first(ev, &self.paths, &mut |v| {
                        if let Some(ac) = contains_any {
                            let mut b = NumBuf::default();
                            if v.text(&mut b).is_some_and(|t| ac.is_match(t)) {
                                return true;
                            }
                        }
                        values.iter().any(|m| m.is_match(v))
                    }) == Some(true)
                }
            }
        }
    }

    fn keyword_match<E: EventFields + ?Sized>(
        &self,
        ev: &E,
        contains_any: Option<&AhoCorasick>,
        values: &[ValueMatcher],
        all: bool,
    ) -> bool {
        if all {
            values
                .iter()
                .all(|m| ev.for_each_text(&mut |t| m.is_match(FieldValue::Str(t))))
        } else {
            ev.for_each_text(&mut |t| {
                contains_any.is_some_and(|ac| ac.is_match(t))
                    || values.iter().any(|m| m.is_match(FieldValue::Str(t)))
            })
        }
    }
}

/// A search identifier: OR of AND-linked item lists.
#[derive(Debug)]
pub(crate) struct Identifier {
    pub(crate) maps: Vec<Vec<Item>>,
    pub(crate) need: Option<Vec<String>>,
}

impl Identifier {
    pub(crate) fn is_match<E: EventFields + ?Sized>(&self, ev: &E) -> bool {
        self.maps.iter().any(|m| m.iter().all(|i| i.is_match(ev)))
    }
}

/// Condition over engine-wide identifier indices.
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    Id(u32),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    AnyOf(Vec<u32>),
    AllOf(Vec<u32>),
}

/// Pick the more selective literal set: the one whose shortest literal is longest.
pub(crate) fn best(a: Option<Vec<String>>, b: Option<Vec<String>>) -> Option<Vec<String>> {
    let score = |v: &Vec<String>| {
        (
            v.iter().map(String::len).min().unwrap_or(0),
            usize::MAX - v.len(),
        )
    };
    match (a, b) {
        (Some(a), Some(b)) => Some(if score(&b) > score(&a) { b } else { a }),
        (a, None) => a,
        (None, b) => b,
    }
}

pub(crate) fn union(parts: impl IntoIterator<Item = Option<Vec<String>>>) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for p in parts {
        out.extend(p?);
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// Literals of a condition: `None` when the condition can hold without any.
pub(crate) fn cond_need(c: &Cond, idents: &[Identifier]) -> Option<Vec<String>> {
    match c {
        Cond::Id(i) => idents[*i as usize].need.clone(),
        Cond::Not(_) => None,
        Cond::And(v) => v.iter().map(|c| cond_need(c, idents)).fold(None, best),
        Cond::Or(v) => union(v.iter().map(|c| cond_need(c, idents))),
        Cond::AnyOf(ids) => union(ids.iter().map(|i| idents[*i as usize].need.clone())),
        Cond::AllOf(ids) => ids
            .iter()
            .map(|i| idents[*i as usize].need.clone())
            .fold(None, best),
    }
}

/// Translate the AST; `index` maps an identifier name to its engine index.
pub(crate) fn compile_condition(c: &Condition, index: &dyn Fn(&str) -> u32) -> Cond {
    match c {
        Condition::Identifier(n) => Cond::Id(index(n)),
        Condition::Not(i) => Cond::Not(Box::new(compile_condition(i, index))),
        Condition::And(v) => Cond::And(v.iter().map(|c| compile_condition(c, index)).collect()),
        Condition::Or(v) => Cond::Or(v.iter().map(|c| compile_condition(c, index)).collect()),
        Condition::Of {
            quantifier,
            identifiers,
            ..
        } => {
            let ids = identifiers.iter().map(|n| index(n)).collect();
            match quantifier {
                Quantifier::One => Cond::AnyOf(ids),
                Quantifier::All => Cond::AllOf(ids),
            }
        }
    }
}

/// What an item compile needs from the engine.
pub(crate) struct ItemContext<'a> {
    pub(crate) placeholders: &'a BTreeMap<String, Vec<String>>,
    pub(crate) map_field: &'a dyn Fn(&str) -> Vec<String>,
}

fn pattern_pieces(
    p: &Pattern,
    placeholders: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<Vec<Piece>>, String> {
    let mut alts: Vec<Vec<Piece>> = vec![Vec::new()];
    for part in &p.parts {
        match part {
            PatternPart::Literal(s) => alts.iter_mut().for_each(|a| push_lit(a, s)),
            PatternPart::AnyChar => alts.iter_mut().for_each(|a| a.push(Piece::One)),
            PatternPart::AnyChars => alts.iter_mut().for_each(push_any),
            PatternPart::Placeholder(name) => {
                // Configured but empty: the item matches nothing (e.g. no
                // bastion hosts, so a bastion filter excludes no source).
                let values = placeholders
                    .get(name)
                    .ok_or_else(|| format!("placeholder '%{name}%' has no configured value"))?;
                let mut next = Vec::new();
                for a in &alts {
                    for v in values {
                        let mut b = a.clone();
                        for vp in Pattern::parse(v, false).parts {
                            match vp {
                                PatternPart::Literal(s) => push_lit(&mut b, &s),
                                PatternPart::AnyChar => b.push(Piece::One),
                                _ => push_any(&mut b),
                            }
                        }
                        next.push(b);
                    }
                }
                alts = next;
            }
        }
    }
    Ok(alts)
}

fn push_lit(a: &mut Vec<Piece>, s: &str) {
    if let Some(Piece::Lit(l)) = a.last_mut() {
        l.push_str(s);
    } else if !s.is_empty() {
        a.push(Piece::Lit(s.to_string()));
    }
}

fn push_any(a: &mut Vec<Piece>) {
    if a.last() != Some(&Piece::Any) {
        a.push(Piece::Any);
    }
}

fn windash(alts: Vec<Vec<Piece>>) -> Result<Vec<Vec<Piece>>, String> {
    let mut out = Vec::new();
    for a in alts {
        let dashes = a
            .iter()
            .map(|p| match p {
                Piece::Lit(l) => l.chars().filter(|c| DASHES.contains(c)).count() as u32,
                _ => 0,
            })
            .sum::<u32>();
        if dashes > MAX_WINDASH_DASHES {
            return Err(format!(
                "windash value with {dashes} dash characters (at most {MAX_WINDASH_DASHES}: 5^n variants)"
            ));
        }
        let mut variants: Vec<Vec<Piece>> = vec![Vec::new()];
        for p in &a {
            match p {
                Piece::Lit(l) => {
                    let mut texts = vec![String::new()];
                    for c in l.chars() {
                        if DASHES.contains(&c) {
                            texts = texts
                                .iter()
                                .flat_map(|t| DASHES.iter().map(move |d| format!("{t}{d}")))
                                .collect();
                        } else {
                            texts.iter_mut().for_each(|t| t.push(c));
                        }
                    }
                    variants = variants
                        .iter()
                        .flat_map(|v| {
                            texts.iter().map(move |t| {
                                let mut v = v.clone();
                                push_lit(&mut v, t);
                                v
                            })
                        })
                        .collect();
                }
                other => variants.iter_mut().for_each(|v| v.push(other.clone())),
            }
        }
        out.extend(variants);
    }
    Ok(out)
}

fn encode(alts: Vec<Vec<Piece>>, transforms: &[Transform]) -> Result<Vec<Vec<Piece>>, String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut out = Vec::new();
    for a in alts {
        let text = match a.as_slice() {
            [] => String::new(),
            [Piece::Lit(l)] => l.clone(),
            _ => return Err("base64/utf16 encodings need a value without wildcards".into()),
        };
        let mut bytes = text.clone().into_bytes();
        for t in transforms {
            match t {
                Transform::Utf16Le => {
                    bytes = text.encode_utf16().flat_map(u16::to_le_bytes).collect()
                }
                Transform::Utf16Be => {
                    bytes = text.encode_utf16().flat_map(u16::to_be_bytes).collect()
                }
                Transform::Utf16 => {
                    bytes = [0xFF, 0xFE]
                        .into_iter()
                        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                        .collect()
                }
                Transform::Base64 => out.push(vec![Piece::Lit(b64.encode(&bytes))]),
                Transform::Base64Offset => {
                    // the three alignments of the value inside a longer base64 text,
                    // without the characters that depend on the neighbours
                    const START: [usize; 3] = [0, 2, 3];
                    const END_TRIM: [usize; 3] = [0, 3, 2];
                    for shift in 0..3 {
                        let mut shifted = vec![b' '; shift];
                        shifted.extend_from_slice(&bytes);
                        let enc = b64.encode(&shifted);
                        let trim = END_TRIM[(bytes.len() + shift) % 3];
                        let end = enc.len().saturating_sub(trim);
                        let start = START[shift].min(end);
                        out.push(vec![Piece::Lit(enc[start..end].to_string())]);
                    }
                }
                Transform::Windash => {}
            }
        }
    }
    Ok(out)
}

fn positioned(mut a: Vec<Piece>, position: MatchPosition) -> Vec<Piece> {
    match position {
        MatchPosition::Exact => a,
        MatchPosition::StartsWith => {
            push_any(&mut a);
            a
        }
        MatchPosition::EndsWith => {
            let mut v = vec![Piece::Any];
            v.extend(a.into_iter().skip_while(|p| *p == Piece::Any));
            v
        }
        MatchPosition::Contains => {
            let mut v = vec![Piece::Any];
            v.extend(a.into_iter().skip_while(|p| *p == Piece::Any));
            push_any(&mut v);
            v
        }
    }
}

/// The longest ASCII run of the longest literal piece: it must occur
/// (ASCII case-insensitively) in any text the pattern matches.
fn literal_of(pieces: &[Piece]) -> Option<String> {
    pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Lit(l) => l.split(|c: char| !c.is_ascii()).max_by_key(|s| s.len()),
            _ => None,
        })
        .max_by_key(|s| s.len())
        .filter(|s| s.len() >= MIN_PREFILTER_LITERAL)
        .map(str::to_string)
}

/// Shorter literals occur in nearly every event: reporting them costs the
/// prefilter scan more than evaluating the items they would guard.
const MIN_PREFILTER_LITERAL: usize = 3;

pub(crate) fn compile_item(item: &DetectionItem, cx: &ItemContext<'_>) -> Result<Item, String> {
    let ms = &item.modifiers;
    let paths = item
        .field
        .as_deref()
        .map(|f| (cx.map_field)(f))
        .unwrap_or_default();
    let keyword = item.field.is_none();
    let mk = |kind, need| Item {
        sigma_field: item.field.clone(),
        paths: paths.clone(),
        kind,
        neq: ms.neq,
        need: if ms.neq { None } else { need },
    };
    if item.values.len() == 1 && item.values[0] == SigmaValue::Null {
        return Ok(mk(ItemKind::Null, None));
    }
    if let [SigmaValue::Exists(b)] = item.values.as_slice() {
        return Ok(mk(ItemKind::Exists(*b), None));
    }
    if ms.has(Modifier::FieldRef) {
        let others = item
            .values
            .iter()
            .map(|v| match v {
                SigmaValue::FieldRef(f) => Ok((cx.map_field)(f)),
                other => Err(format!(
                    "fieldref value must be a field name, found {other:?}"
                )),
            })
            .collect::<Result<_, _>>()?;
        return Ok(mk(
            ItemKind::FieldRef {
                others,
                position: ms.position,
                cased: ms.cased,
                all: ms.match_all,
            },
            None,
        ));
    }
    let position = if keyword && ms.position == MatchPosition::Exact {
        MatchPosition::Contains
    } else {
        ms.position
    };
    let encodings: Vec<Transform> = ms
        .transforms
        .iter()
        .copied()
        .filter(|t| *t != Transform::Windash)
        .collect();
    let mut values = Vec::new();
    let mut contains_lits: Vec<String> = Vec::new();
    // literal needs per Sigma value (OR) — for `all`, any one value's suffices
    let mut needs: Vec<Option<Vec<String>>> = Vec::new();
    for v in &item.values {
        let cmp = ms.numeric.map_or(NumCmp::Eq, NumCmp::Op);
        match v {
            SigmaValue::String(p) => {
                let mut alts = pattern_pieces(p, cx.placeholders)?;
                if ms.transforms.contains(&Transform::Windash) {
                    alts = windash(alts)?;
                }
                if !encodings.is_empty() {
                    alts = encode(alts, &encodings)?;
                }
                let mut value_need = Some(Vec::new());
                let mut value_matchers = Vec::new();
                let mut value_contains: Vec<String> = Vec::new();
                for a in alts {
                    let a = positioned(a, position);
                    match (&mut value_need, literal_of(&a)) {
                        (Some(n), Some(l)) => n.push(l),
                        _ => value_need = None,
                    }
                    match a.as_slice() {
                        [Piece::Any, Piece::Lit(l), Piece::Any] if byte_foldable(l) => {
                            value_contains.push(l.clone())
                        }
                        _ => value_matchers.push(StrMatcher::new(&a, ms.cased)),
                    }
                }
                needs.push(value_need);
                if ms.match_all {
                    // under `all`, a value expanded to variants is satisfied by any variant
                    if !value_contains.is_empty() {
                        value_matchers.push(StrMatcher::Contains(contains_automaton(
                            &value_contains,
                            ms.cased,
                        )));
                    }
                    match value_matchers.len() {
                        1 => values.extend(value_matchers.into_iter().map(ValueMatcher::Str)),
                        _ => values.push(ValueMatcher::AnyStr(value_matchers)),
                    }
                    continue;
                }
                contains_lits.extend(value_contains);
                values.extend(value_matchers.into_iter().map(ValueMatcher::Str));
            }
            SigmaValue::Int(i) => {
                needs.push(None);
                values.push(match (ms.time_part, ms.numeric) {
                    (Some(part), _) => ValueMatcher::Time {
                        part,
                        cmp,
                        value: *i as f64,
                    },
                    (None, Some(_)) => ValueMatcher::Num {
                        cmp,
                        value: *i as f64,
                    },
                    (None, None) => {
                        needs.pop();
                        let text = i.to_string();
                        needs.push((text.len() >= MIN_PREFILTER_LITERAL).then_some(vec![text]));
                        ValueMatcher::Int(*i)
                    }
                });
            }
            SigmaValue::Float(f) => {
                needs.push(None);
                values.push(match (ms.time_part, ms.numeric) {
                    (Some(part), _) => ValueMatcher::Time {
                        part,
                        cmp,
                        value: *f,
                    },
                    (None, Some(_)) => ValueMatcher::Num { cmp, value: *f },
                    (None, None) => ValueMatcher::Float(*f),
                });
            }
            SigmaValue::Bool(b) => {
                needs.push(Some(vec![b.to_string()]));
                values.push(ValueMatcher::Bool(*b));
            }
            SigmaValue::Regex { pattern, flags } => {
                needs.push(None);
                values.push(ValueMatcher::Regex(build_regex(pattern, *flags)?));
            }
            SigmaValue::Cidr(c) => {
                needs.push(None);
                values.push(ValueMatcher::Cidr(Net::new(c)));
            }
            SigmaValue::Null | SigmaValue::Exists(_) | SigmaValue::FieldRef(_) => {
                return Err(format!("value {v:?} cannot be part of a list"));
            }
        }
    }
    let need = if ms.match_all {
        needs.into_iter().fold(None, best)
    } else {
        union(needs)
    };
    let contains_any =
        (!contains_lits.is_empty()).then(|| contains_automaton(&contains_lits, ms.cased));
    Ok(mk(
        ItemKind::Values {
            contains_any,
            values,
            all: ms.match_all,
        },
        need,
    ))
}

/// Compile a search identifier body.
pub(crate) fn compile_body(body: &SearchBody, cx: &ItemContext<'_>) -> Result<Identifier, String> {
    let maps: Vec<&[DetectionItem]> = match body {
        SearchBody::Map(items) => vec![items.as_slice()],
        SearchBody::MapList(maps) => maps.iter().map(Vec::as_slice).collect(),
        SearchBody::Keywords(item) => vec![std::slice::from_ref(item)],
    };
    let mut out = Vec::new();
    let mut needs = Vec::new();
    for m in maps {
        let items = m
            .iter()
            .map(|i| compile_item(i, cx))
            .collect::<Result<Vec<_>, _>>()?;
        needs.push(items.iter().map(|i| i.need.clone()).fold(None, best));
        out.push(items);
    }
    Ok(Identifier {
        maps: out,
        need: union(needs),
    })
}

/// Text that identifies a compiled body, for sharing identical identifiers
/// between rules (same mapped fields, modifiers and values).
pub(crate) fn body_key(body: &SearchBody, cx: &ItemContext<'_>) -> String {
    use std::fmt::Write;
    let mut key = String::new();
    let items: Vec<Vec<&DetectionItem>> = match body {
        SearchBody::Map(items) => vec![items.iter().collect()],
        SearchBody::MapList(maps) => maps.iter().map(|m| m.iter().collect()).collect(),
        SearchBody::Keywords(item) => vec![vec![item]],
    };
    for m in items {
        key.push('{');
        for i in m {
            let paths = i.field.as_deref().map(|f| (cx.map_field)(f));
            let _ = write!(key, "{:?}|{:?}|{:?};", paths, i.modifiers.chain, i.values);
            if let Some(f) = &i.field {
                let _ = write!(key, "as {f};");
            }
        }
        key.push('}');
    }
    key
}
