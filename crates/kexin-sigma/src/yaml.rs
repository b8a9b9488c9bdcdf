//! A small, span-carrying YAML tree built on serde-saphyr.
//!
//! Sigma rules are loosely typed (a selection may be a map, a list of maps or a
//! list of strings), so we first deserialize into [`Node`] — keeping the line of
//! every key and value — and then build the typed IR by hand with precise errors.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A YAML node with a line number (1-based, 0 when unknown).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub value: NodeValue,
    pub line: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn type_name(&self) -> &'static str {
        match self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "boolean",
            NodeValue::Int(_) | NodeValue::Float(_) => "number",
            NodeValue::Str(_) => "string",
            NodeValue::Seq(_) => "list",
            NodeValue::Map(_) => "map",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Scalar rendered as text (numbers and booleans included); `None` for
    /// null and collections.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            NodeValue::Str(s) => Some(s.clone()),
            NodeValue::Int(i) => Some(i.to_string()),
            NodeValue::Float(f) => Some(f.to_string()),
            NodeValue::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            NodeValue::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::from(*i),
            NodeValue::Float(f) => serde_json::Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            NodeValue::Str(s) => Value::String(s.clone()),
            NodeValue::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.scalar_text().unwrap_or_default(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

struct RawNode(NodeValue);

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor).map(RawNode)
    }
}

fn lift(s: Spanned<RawNode>) -> Node {
    Node {
        value: s.value.0,
        line: s.referenced.line(),
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = NodeValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NodeValue, D::Error> {
        d.deserialize_any(RawVisitor)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<NodeValue, E> {
        Ok(NodeValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<NodeValue, E> {
        Ok(NodeValue::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<NodeValue, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => NodeValue::Int(i),
            Err(_) => NodeValue::Str(v.to_string()),
        })
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<NodeValue, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => NodeValue::Int(i),
            Err(_) => NodeValue::Str(v.to_string()),
        })
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<NodeValue, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => NodeValue::Int(i),
            Err(_) => NodeValue::Str(v.to_string()),
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<NodeValue, E> {
        Ok(NodeValue::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeValue, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<RawNode>>()? {
            out.push(lift(item));
        }
        Ok(NodeValue::Seq(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeValue, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<Spanned<RawNode>>()? {
            let v = map.next_value::<Spanned<RawNode>>()?;
            out.push((lift(k), lift(v)));
        }
        Ok(NodeValue::Map(out))
    }
}

/// Parse every document of a (possibly multi-document) YAML text.
pub(crate) fn parse_documents(text: &str) -> Result<Vec<Node>, (Option<u64>, String)> {
    // Keep `0755` and `1_000` as written: Sigma values are strings unless
    // unambiguously numeric, and the author's spelling must survive.
    let mut options = serde_saphyr::Options::default();
    options.leading_zero_numbers_as_strings = true;
    options.underscored_numbers_as_strings = true;
    let docs: Vec<Spanned<RawNode>> = serde_saphyr::from_multiple_with_options(text, options)
        .map_err(|e| {
            let line = e.location().map(|l| l.line()).filter(|l| *l > 0);
            let msg = e.without_snippet().to_string();
            let mut msg = msg
                .lines()
                .next()
                .unwrap_or("invalid YAML")
                .replace(", set DuplicateKeyPolicy in Options if acceptable", "");
            if let Some(i) = msg.rfind(" at line ") {
                msg.truncate(i);
            }
            (line, msg)
        })?;
    Ok(docs.into_iter().map(lift).collect())
}
