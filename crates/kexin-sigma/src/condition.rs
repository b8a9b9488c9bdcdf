//! The condition language: `and`, `or`, `not`, brackets, `1 of`/`all of`
//! patterns and `them`. Precedence (least to most binding):
//! `or` < `and` < `not` < `x of` < `( … )`.

use serde::Serialize;

/// Maximal bracket / `not` nesting accepted in a condition.
pub const MAX_CONDITION_DEPTH: usize = 64;

/// Quantifier of an `x of` expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantifier {
    /// `1 of`
    One,
    /// `all of`
    All,
}

/// Target of an `x of` expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OfTarget {
    /// `them`: every identifier not starting with `_`.
    Them,
    /// A name pattern with `*` wildcards, e.g. `selection_*`.
    Pattern(String),
}

/// Condition AST. `OneOf`/`AllOf` keep the identifiers they resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    Identifier(String),
    Not(Box<Condition>),
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Of {
        quantifier: Quantifier,
        target: OfTarget,
        /// Identifiers matched by the target, in definition order.
        identifiers: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Word(String),
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' | ')' => {
                if !cur.is_empty() {
                    out.push(Tok::Word(std::mem::take(&mut cur)));
                }
                out.push(if c == '(' { Tok::LParen } else { Tok::RParen });
            }
            '|' => {
                return Err(
                    "pipe aggregations ('| count() …') are obsolete since Sigma 2.0; use a correlation rule"
                        .into(),
                );
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(Tok::Word(std::mem::take(&mut cur)));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(Tok::Word(cur));
    }
    Ok(out)
}

fn is_kw(t: Option<&Tok>, kw: &str) -> bool {
    matches!(t, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
}

fn glob_match(pattern: &str, name: &str) -> bool {
    // `*` matches any run of characters
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    let first = parts[0];
    if !rest.starts_with(first) {
        return false;
    }
    rest = &rest[first.len()..];
    let last = parts[parts.len() - 1];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    names: &'a [&'a str],
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn or(&mut self) -> Result<Condition, String> {
        let mut items = vec![self.and()?];
        while is_kw(self.peek(), "or") {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one")
        } else {
            Condition::Or(items)
        })
    }

    fn and(&mut self) -> Result<Condition, String> {
        let mut items = vec![self.not()?];
        while is_kw(self.peek(), "and") {
            self.pos += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one")
        } else {
            Condition::And(items)
        })
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_CONDITION_DEPTH {
            return Err(format!(
                "condition nested deeper than {MAX_CONDITION_DEPTH}"
            ));
        }
        Ok(())
    }

    fn not(&mut self) -> Result<Condition, String> {
        if is_kw(self.peek(), "not") {
            self.pos += 1;
            self.enter()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Condition::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Condition, String> {
        match self.peek().cloned() {
            None => Err("unexpected end of condition".into()),
            Some(Tok::RParen) => Err("unexpected ')'".into()),
            Some(Tok::LParen) => {
                self.pos += 1;
                self.enter()?;
                let inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::RParen) {
                    return Err("missing ')'".into());
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(Tok::Word(w)) => {
                if is_kw(self.toks.get(self.pos + 1), "of") {
                    let quantifier = if w == "1" {
                        Quantifier::One
                    } else if w.eq_ignore_ascii_case("all") {
                        Quantifier::All
                    } else {
                        return Err(format!(
                            "'{w} of' is not supported; only '1 of' and 'all of' are defined"
                        ));
                    };
                    self.pos += 2;
                    let target = match self.peek().cloned() {
                        Some(Tok::Word(t)) => t,
                        _ => return Err(format!("'{w} of' needs an identifier pattern or 'them'")),
                    };
                    self.pos += 1;
                    let (target, identifiers) = if target.eq_ignore_ascii_case("them") {
                        let ids: Vec<String> = self
                            .names
                            .iter()
                            .filter(|n| !n.starts_with('_'))
                            .map(|n| n.to_string())
                            .collect();
                        (OfTarget::Them, ids)
                    } else {
                        let ids: Vec<String> = self
                            .names
                            .iter()
                            .filter(|n| glob_match(&target, n))
                            .map(|n| n.to_string())
                            .collect();
                        (OfTarget::Pattern(target.clone()), ids)
                    };
                    if identifiers.is_empty() {
                        return Err(match target {
                            OfTarget::Them => {
                                "'of them' but no search identifier is defined".into()
                            }
                            OfTarget::Pattern(p) => {
                                format!("no search identifier matches '{p}'")
                            }
                        });
                    }
                    return Ok(Condition::Of {
                        quantifier,
                        target,
                        identifiers,
                    });
                }
                for kw in ["and", "or", "not", "of", "them"] {
                    if w.eq_ignore_ascii_case(kw) {
                        return Err(format!("unexpected '{w}'"));
                    }
                }
                if !self.names.contains(&w.as_str()) {
                    return Err(format!("unknown search identifier '{w}'"));
                }
                self.pos += 1;
                Ok(Condition::Identifier(w))
            }
        }
    }
}

/// Parse one condition string; `names` are the defined search identifiers.
pub fn parse_condition(text: &str, names: &[&str]) -> Result<Condition, String> {
    let toks = tokenize(text)?;
    if toks.is_empty() {
        return Err("empty condition".into());
    }
    let mut p = Parser {
        toks,
        pos: 0,
        names,
        depth: 0,
    };
    let c = p.or()?;
    if let Some(t) = p.peek() {
        return Err(match t {
            Tok::RParen => "unbalanced ')'".to_string(),
            Tok::LParen => "unexpected '('".to_string(),
            Tok::Word(w) => format!("unexpected '{w}' (missing 'and'/'or'?)"),
        });
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: &[&str] = &["sel1", "sel2", "filter_a", "filter_b", "_hidden", "kw"];

    #[test]
    fn precedence() {
        let c = parse_condition("sel1 or sel2 and not kw", N).unwrap();
        assert_eq!(
            c,
            Condition::Or(vec![
                Condition::Identifier("sel1".into()),
                Condition::And(vec![
                    Condition::Identifier("sel2".into()),
                    Condition::Not(Box::new(Condition::Identifier("kw".into()))),
                ]),
            ])
        );
    }

    #[test]
    fn brackets_and_of() {
        let c = parse_condition("(sel1 or sel2) and not 1 of filter_*", N).unwrap();
        let Condition::And(items) = c else { panic!() };
        assert!(matches!(&items[0], Condition::Or(v) if v.len() == 2));
        let Condition::Not(inner) = &items[1] else {
            panic!()
        };
        assert_eq!(
            **inner,
            Condition::Of {
                quantifier: Quantifier::One,
                target: OfTarget::Pattern("filter_*".into()),
                identifiers: vec!["filter_a".into(), "filter_b".into()],
            }
        );
    }

    #[test]
    fn them_excludes_underscore() {
        let c = parse_condition("all of them", N).unwrap();
        let Condition::Of { identifiers, .. } = c else {
            panic!()
        };
        assert!(!identifiers.contains(&"_hidden".to_string()));
        assert_eq!(identifiers.len(), 5);
    }

    #[test]
    fn errors() {
        assert!(
            parse_condition("sel3", N)
                .unwrap_err()
                .contains("unknown search identifier 'sel3'")
        );
        assert!(parse_condition("(sel1", N).is_err());
        assert!(parse_condition("sel1)", N).is_err());
        assert!(parse_condition("sel1 sel2", N).is_err());
        assert!(parse_condition("1 of nope*", N).is_err());
        assert!(parse_condition("sel1 | count() > 5", N).is_err());
        assert!(parse_condition("", N).is_err());
        let deep = "(".repeat(500) + "sel1" + &")".repeat(500);
        assert!(parse_condition(&deep, N).is_err());
    }
}
