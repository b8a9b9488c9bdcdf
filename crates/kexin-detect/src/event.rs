//! Event access: how the evaluator reads field values out of an event.
//!
//! The evaluator never copies an event. It asks for the values of one field
//! at a time through a visitor, so JSON trees and `kexin_logs::Event` field
//! maps are read in place.

use serde_json::Value;

/// One value of a field, borrowed from the event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    Str(&'a str),
    Int(i64),
    UInt(u64),
    Float(f64),
    Bool(bool),
    Null,
}

impl FieldValue<'_> {
    /// The value as text, as Sigma compares it (numbers in decimal, booleans
    /// as `true`/`false`). `buf` holds the text of non-string values.
    pub fn text<'b>(&'b self, buf: &'b mut NumBuf) -> Option<&'b str> {
        match self {
            FieldValue::Str(s) => Some(s),
            FieldValue::Int(i) => Some(buf.format(format_args!("{i}"))),
            FieldValue::UInt(u) => Some(buf.format(format_args!("{u}"))),
            FieldValue::Float(f) => Some(buf.format(format_args!("{f}"))),
            FieldValue::Bool(true) => Some("true"),
            FieldValue::Bool(false) => Some("false"),
            FieldValue::Null => None,
        }
    }

    /// The value as a number, if it is one or a string holding one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            FieldValue::Str(s) => s.trim().parse().ok(),
            FieldValue::Int(i) => Some(*i as f64),
            FieldValue::UInt(u) => Some(*u as f64),
            FieldValue::Float(f) => Some(*f),
            FieldValue::Bool(_) | FieldValue::Null => None,
        }
    }
}

/// A stack buffer for the decimal text of a number (no allocation).
#[derive(Debug)]
pub struct NumBuf {
    bytes: [u8; 40],
    len: usize,
}

impl Default for NumBuf {
    fn default() -> Self {
        Self {
            bytes: [0; 40],
            len: 0,
        }
    }
}

impl NumBuf {
    fn format(&mut self, args: std::fmt::Arguments<'_>) -> &str {
        use std::io::Write;
        let mut cursor = std::io::Cursor::new(&mut self.bytes[..]);
        // Numbers always fit in 40 bytes; a failed write leaves a prefix.
        let _ = cursor.write_fmt(args);
        self.len = cursor.position() as usize;
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

/// Read access to an event's fields.
///
/// `lookup` calls `visit` for every value of the field (each element when the
/// field is an array) until `visit` returns `true`. It returns `None` when the
/// field does not exist, `Some(true)` when a visit returned `true`, and
/// `Some(false)` otherwise.
///
/// `for_each_text` visits every value of the event as text: the haystack of
/// keyword searches and of the engine's literal prefilter. It must include
/// every value `lookup` can return (numbers and booleans as text), or the
/// prefilter would skip rules that match.
pub trait EventFields {
    fn lookup(&self, name: &str, visit: &mut dyn FnMut(FieldValue<'_>) -> bool) -> Option<bool>;
    fn for_each_text(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool;
}

fn visit_leaf(v: &Value, visit: &mut dyn FnMut(FieldValue<'_>) -> bool) -> bool {
    match v {
        Value::String(s) => visit(FieldValue::Str(s)),
        Value::Number(n) => visit(if let Some(i) = n.as_i64() {
            FieldValue::Int(i)
        } else if let Some(u) = n.as_u64() {
            FieldValue::UInt(u)
        } else {
            FieldValue::Float(n.as_f64().unwrap_or(f64::NAN))
        }),
        Value::Bool(b) => visit(FieldValue::Bool(*b)),
        Value::Null => visit(FieldValue::Null),
        Value::Array(items) => items.iter().any(|i| visit_leaf(i, visit)),
        // An object as a leaf has no comparable value.
        Value::Object(_) => false,
    }
}

/// Resolve `path` below `v`. Keys may themselves contain dots, so every split
/// point is tried, longest key first at each level being unnecessary because
/// a JSON object rarely holds both `a` and `a.b`.
fn lookup_json(
    v: &Value,
    path: &str,
    visit: &mut dyn FnMut(FieldValue<'_>) -> bool,
) -> Option<bool> {
    match v {
        Value::Object(map) => {
            if let Some(child) = map.get(path) {
                return Some(visit_leaf(child, visit));
            }
            let mut found = None;
            if let Some(rest) = path.strip_prefix("*.") {
                for child in map.values() {
                    match lookup_json(child, rest, visit) {
                        Some(true) => return Some(true),
                        Some(false) => found = Some(false),
                        None => {}
                    }
                }
                return found;
            }
            for (i, _) in path.match_indices('.') {
                if let Some(child) = map.get(&path[..i]) {
                    match lookup_json(child, &path[i + 1..], visit) {
                        Some(true) => return Some(true),
                        Some(false) => found = Some(false),
                        None => {}
                    }
                }
            }
            found
        }
        Value::Array(items) => {
            let mut found = None;
            for item in items {
                match lookup_json(item, path, visit) {
                    Some(true) => return Some(true),
                    Some(false) => found = Some(false),
                    None => {}
                }
            }
            found
        }
        _ => None,
    }
}

fn texts_json(v: &Value, buf: &mut NumBuf, visit: &mut dyn FnMut(&str) -> bool) -> bool {
    match v {
        Value::String(s) => visit(s),
        Value::Number(n) => {
            let text = buf.format(format_args!("{n}"));
            visit(text)
        }
        Value::Bool(b) => visit(if *b { "true" } else { "false" }),
        Value::Null => false,
        Value::Array(items) => items.iter().any(|i| texts_json(i, buf, visit)),
        Value::Object(map) => map.values().any(|i| texts_json(i, buf, visit)),
    }
}

/// JSON documents: `a.b.c` walks nested objects (a key containing dots is
/// found too), a `*` segment stands for any key (`Event.UserData.*.User`);
/// an array anywhere on the path matches when any element does.
impl EventFields for Value {
    fn lookup(&self, name: &str, visit: &mut dyn FnMut(FieldValue<'_>) -> bool) -> Option<bool> {
        lookup_json(self, name, visit)
    }

    fn for_each_text(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        texts_json(self, &mut NumBuf::default(), visit)
    }
}

/// Normalized log events: the flat field map, plus `message` for the message
/// text when the parser did not already set a `message` field. The text
/// haystack is the message and every field value.
impl EventFields for kexin_logs::Event {
    fn lookup(&self, name: &str, visit: &mut dyn FnMut(FieldValue<'_>) -> bool) -> Option<bool> {
        // An auditd event joined from several records (SYSCALL + EXECVE +
        // PATH…) is of every one of their types: SigmaHQ's auditd rules test
        // `type: EXECVE` beside EXECVE's fields, which the joined event
        // carries unqualified (see kexin_logs::audit).
        if name == "type"
            && let Some(types) = self.fields.get("record_types")
        {
            return Some(types.split_whitespace().any(|t| visit(FieldValue::Str(t))));
        }
        if let Some(v) = self.fields.get(name) {
            return Some(visit(FieldValue::Str(v)));
        }
        if name == "message" {
            return Some(visit(FieldValue::Str(&self.message)));
        }
        None
    }

    fn for_each_text(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        visit(&self.message) || self.fields.values().any(|v| visit(v))
    }
}

impl<T: EventFields + ?Sized> EventFields for &T {
    fn lookup(&self, name: &str, visit: &mut dyn FnMut(FieldValue<'_>) -> bool) -> Option<bool> {
        (**self).lookup(name, visit)
    }

    fn for_each_text(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        (**self).for_each_text(visit)
    }
}

/// The first value of a field as text (for reports and correlation keys).
pub fn first_text<E: EventFields + ?Sized>(event: &E, name: &str) -> Option<String> {
    let mut out = None;
    event.lookup(name, &mut |v| {
        let mut buf = NumBuf::default();
        out = v.text(&mut buf).map(str::to_string);
        out.is_some()
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values(v: &Value, name: &str) -> (Option<bool>, Vec<String>) {
        let mut seen = Vec::new();
        let r = v.lookup(name, &mut |fv| {
            let mut b = NumBuf::default();
            seen.push(fv.text(&mut b).unwrap_or("<null>").to_string());
            false
        });
        (r, seen)
    }

    #[test]
    fn dotted_paths_arrays_and_dotted_keys() {
        let v = json!({
            "Event": {"System": {"EventID": 1, "Provider": {"#attributes": {"Name": "Sysmon"}}}},
            "userIdentity.arn": "arn:aws:iam::1:user/a",
            "tags": ["a", "b"],
            "list": [{"k": "x"}, {"k": "y"}],
            "n": null
        });
        assert_eq!(
            values(&v, "Event.System.EventID"),
            (Some(false), vec!["1".into()])
        );
        assert_eq!(
            values(&v, "Event.System.Provider.#attributes.Name").1,
            vec!["Sysmon".to_string()]
        );
        assert_eq!(
            values(&v, "userIdentity.arn").1,
            vec!["arn:aws:iam::1:user/a".to_string()]
        );
        assert_eq!(values(&v, "tags").1, vec!["a".to_string(), "b".into()]);
        assert_eq!(values(&v, "list.k").1, vec!["x".to_string(), "y".into()]);
        assert_eq!(values(&v, "n"), (Some(false), vec!["<null>".into()]));
        assert_eq!(values(&v, "missing").0, None);
        assert_eq!(values(&v, "Event.System.Nope").0, None);
        assert_eq!(values(&v, "Event.*.EventID").1, vec!["1".to_string()]);
        assert_eq!(values(&v, "*.k").1, vec!["x".to_string(), "y".into()]);
        assert_eq!(first_text(&v, "Event.System.EventID").as_deref(), Some("1"));
    }

    #[test]
    fn texts_cover_numbers_and_nested() {
        let v = json!({"a": {"b": [1, "x", true]}, "c": 2.5});
        let mut all = Vec::new();
        v.for_each_text(&mut |t| {
            all.push(t.to_string());
            false
        });
        all.sort();
        assert_eq!(all, vec!["1", "2.5", "true", "x"]);
    }
}
