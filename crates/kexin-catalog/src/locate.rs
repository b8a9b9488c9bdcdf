//! Positions for problems found after parsing.
//!
//! Serde reports positions only for the mistakes it sees itself (unknown
//! keys, wrong types). The rules checked afterwards (a point's level outside
//! the standard's levels, a dangling check id) are found on the typed model,
//! which has no positions. So the loader parses each file a second time into
//! a bare tree of keys and positions, and looks the offending path up in it.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A key path into a file, e.g. `parts[2].points[0].level`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Path(Vec<Seg>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(&'static str),
    Index(usize),
}

impl Path {
    pub(crate) fn root() -> Path {
        Path(Vec::new())
    }

    pub(crate) fn key(&self, key: &'static str) -> Path {
        let mut p = self.clone();
        p.0.push(Seg::Key(key));
        p
    }

    pub(crate) fn index(&self, index: usize) -> Path {
        let mut p = self.clone();
        p.0.push(Seg::Index(index));
        p
    }

    /// The path below `base`, displayed (`evidence[1].check`); the whole
    /// path if `base` is not a prefix.
    pub(crate) fn relative_to(&self, base: &Path) -> String {
        if self.0.starts_with(&base.0) {
            Path(self.0[base.0.len()..].to_vec()).to_string()
        } else {
            self.to_string()
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => f.write_str(k)?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A file's shape with the position of every node.
#[derive(Debug)]
pub(crate) struct Tree(Spanned<Node>);

#[derive(Debug)]
enum Node {
    Map(Vec<(String, Spanned<Node>)>),
    Seq(Vec<Spanned<Node>>),
    Scalar,
}

impl Tree {
    /// `None` if the text does not parse (the typed parse reports why).
    pub(crate) fn parse(text: &str) -> Option<Tree> {
        serde_saphyr::from_str_with_options(text, crate::load::yaml_options())
            .ok()
            .map(Tree)
    }

    fn get(&self, path: &Path) -> (&Spanned<Node>, bool) {
        let mut node = &self.0;
        for seg in &path.0 {
            let next = match (seg, &node.value) {
                (Seg::Key(k), Node::Map(entries)) => {
                    entries.iter().find(|(key, _)| key == k).map(|(_, v)| v)
                }
                (Seg::Index(i), Node::Seq(items)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return (node, false),
            }
        }
        (node, true)
    }

    /// Line and column of the node at `path`, or of its nearest ancestor
    /// present in the file.
    pub(crate) fn position(&self, path: &Path) -> Option<(u64, u64)> {
        let loc = self.get(path).0.referenced;
        (loc.line() > 0).then(|| (loc.line(), loc.column()))
    }

    /// Whether the file spells out an empty list at `path` (`variants: []`),
    /// which the format forbids: an absent key already means "none".
    pub(crate) fn is_empty_list(&self, path: &Path) -> bool {
        matches!(self.get(path), (n, true) if matches!(&n.value, Node::Seq(items) if items.is_empty()))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

macro_rules! scalar {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method<E: de::Error>(self, _: $ty) -> Result<Node, E> {
            Ok(Node::Scalar)
        }
    )*};
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }

    scalar!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_i128: i128,
        visit_u128: u128, visit_f64: f64, visit_str: &str, visit_bytes: &[u8]);

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(Key(key)) = map.next_key::<Key>()? {
            entries.push((key, map.next_value::<Spanned<Node>>()?));
        }
        Ok(Node::Map(entries))
    }
}

/// A mapping key of any scalar type, as text.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
                Ok(Key(String::new()))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "id: x\nparts:\n  - id: x.a\n    points:\n      - id: x.a.b\n        level: basic\n    variants: []\n";

    #[test]
    fn paths_display_like_serde_paths() {
        let p = Path::root().key("parts").index(2).key("points").index(0);
        assert_eq!(p.to_string(), "parts[2].points[0]");
        assert_eq!(p.key("level").relative_to(&p), "level");
        assert_eq!(p.relative_to(&Path::root().key("other")), p.to_string());
    }

    #[test]
    fn positions_are_found_by_path() {
        let tree = Tree::parse(DOC).unwrap();
        let point = Path::root().key("parts").index(0).key("points").index(0);
        assert_eq!(tree.position(&point.key("level")), Some((6, 16)));
        assert_eq!(tree.position(&point.key("id")), Some((5, 13)));
        // A missing key falls back to its nearest ancestor.
        let (line, _) = tree.position(&point.key("weight")).unwrap();
        assert_eq!(line, 5);
    }

    #[test]
    fn explicit_empty_lists_are_seen() {
        let tree = Tree::parse(DOC).unwrap();
        let part = Path::root().key("parts").index(0);
        assert!(tree.is_empty_list(&part.key("variants")));
        assert!(!tree.is_empty_list(&part.key("points")));
        assert!(!tree.is_empty_list(&part.key("parts")));
    }
}
