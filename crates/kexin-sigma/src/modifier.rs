//! Value modifiers of the Sigma modifiers appendix (v2.1).

use serde::Serialize;
use std::fmt;

/// Every modifier defined in the Sigma 2.1 modifiers appendix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Modifier {
    // generic
    Contains,
    StartsWith,
    EndsWith,
    All,
    Exists,
    Cased,
    Neq,
    // string
    Windash,
    Re,
    /// `i` sub-modifier of `re`
    ReInsensitive,
    /// `m` sub-modifier of `re`
    ReMultiline,
    /// `s` sub-modifier of `re`
    ReDotAll,
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16,
    /// alias of `utf16le`
    Wide,
    // numeric
    Lt,
    Lte,
    Gt,
    Gte,
    // time
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    // ip
    Cidr,
    // specific
    Expand,
    FieldRef,
}

impl Modifier {
    /// Parse a modifier name as written after `|` (case-sensitive, as in pySigma).
    pub fn parse(s: &str) -> Option<Modifier> {
        use Modifier::*;
        Some(match s {
            "contains" => Contains,
            "startswith" => StartsWith,
            "endswith" => EndsWith,
            "all" => All,
            "exists" => Exists,
            "cased" => Cased,
            "neq" => Neq,
            "windash" => Windash,
            "re" => Re,
            "i" => ReInsensitive,
            "m" => ReMultiline,
            "s" => ReDotAll,
            "base64" => Base64,
            "base64offset" => Base64Offset,
            "utf16le" => Utf16Le,
            "utf16be" => Utf16Be,
            "utf16" => Utf16,
            "wide" => Wide,
            "lt" => Lt,
            "lte" => Lte,
            "gt" => Gt,
            "gte" => Gte,
            "minute" => Minute,
            "hour" => Hour,
            "day" => Day,
            "week" => Week,
            "month" => Month,
            "year" => Year,
            "cidr" => Cidr,
            "expand" => Expand,
            "fieldref" => FieldRef,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        use Modifier::*;
        match self {
            Contains => "contains",
            StartsWith => "startswith",
            EndsWith => "endswith",
            All => "all",
            Exists => "exists",
            Cased => "cased",
            Neq => "neq",
            Windash => "windash",
            Re => "re",
            ReInsensitive => "i",
            ReMultiline => "m",
            ReDotAll => "s",
            Base64 => "base64",
            Base64Offset => "base64offset",
            Utf16Le => "utf16le",
            Utf16Be => "utf16be",
            Utf16 => "utf16",
            Wide => "wide",
            Lt => "lt",
            Lte => "lte",
            Gt => "gt",
            Gte => "gte",
            Minute => "minute",
            Hour => "hour",
            Day => "day",
            Week => "week",
            Month => "month",
            Year => "year",
            Cidr => "cidr",
            Expand => "expand",
            FieldRef => "fieldref",
        }
    }

    pub fn is_position(self) -> bool {
        matches!(
            self,
            Modifier::Contains | Modifier::StartsWith | Modifier::EndsWith
        )
    }
    pub fn is_re_flag(self) -> bool {
        matches!(
            self,
            Modifier::ReInsensitive | Modifier::ReMultiline | Modifier::ReDotAll
        )
    }
    pub fn is_utf16(self) -> bool {
        matches!(
            self,
            Modifier::Utf16Le | Modifier::Utf16Be | Modifier::Utf16 | Modifier::Wide
        )
    }
    pub fn is_base64(self) -> bool {
        matches!(self, Modifier::Base64 | Modifier::Base64Offset)
    }
    pub fn is_numeric_cmp(self) -> bool {
        matches!(
            self,
            Modifier::Lt | Modifier::Lte | Modifier::Gt | Modifier::Gte
        )
    }
    pub fn is_time_part(self) -> bool {
        matches!(
            self,
            Modifier::Minute
                | Modifier::Hour
                | Modifier::Day
                | Modifier::Week
                | Modifier::Month
                | Modifier::Year
        )
    }
}

impl fmt::Display for Modifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a string value must occur in the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchPosition {
    /// Whole field (wildcards in the pattern still apply).
    #[default]
    Exact,
    Contains,
    StartsWith,
    EndsWith,
}

/// Comparison operator of the numeric modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NumericOp {
    Lt,
    Lte,
    Gt,
    Gte,
}

/// Date part extracted by the time modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimePart {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// Value transformation applied (in order) before matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    Windash,
    Utf16Le,
    Utf16Be,
    /// UTF-16 with byte-order mark
    Utf16,
    Base64,
    Base64Offset,
}

/// The validated, interpreted modifier chain of one detection item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ModifierSet {
    /// Modifiers as written, in order.
    pub chain: Vec<Modifier>,
    pub position: MatchPosition,
    /// `all`: values are AND-linked instead of OR-linked.
    pub match_all: bool,
    pub cased: bool,
    pub neq: bool,
    pub transforms: Vec<Transform>,
    pub numeric: Option<NumericOp>,
    pub time_part: Option<TimePart>,
    pub expand: bool,
}

impl ModifierSet {
    pub fn has(&self, m: Modifier) -> bool {
        self.chain.contains(&m)
    }

    /// Parse and validate a modifier chain (the part after the first `|`).
    pub fn parse(names: &[&str]) -> Result<ModifierSet, String> {
        let mut set = ModifierSet::default();
        for name in names {
            let m = Modifier::parse(name).ok_or_else(|| {
                if name.is_empty() {
                    "empty modifier name".to_string()
                } else {
                    format!("unknown modifier '{name}'")
                }
            })?;
            if set.chain.contains(&m) {
                return Err(format!("modifier '{m}' given twice"));
            }
            if m.is_re_flag() && !set.has(Modifier::Re) {
                return Err(format!(
                    "regex flag '{m}' is only allowed after the 're' modifier"
                ));
            }
            set.chain.push(m);
        }
        set.validate()?;
        Ok(set)
    }

    fn validate(&mut self) -> Result<(), String> {
        use Modifier::*;
        let chain = self.chain.clone();
        let count = |f: fn(Modifier) -> bool| chain.iter().filter(|m| f(**m)).count();
        let conflict =
            |a: &str, b: &str| Err(format!("modifiers '{a}' and '{b}' cannot be combined"));
        let first = |f: fn(Modifier) -> bool| chain.iter().copied().find(|m| f(*m));

        if count(Modifier::is_position) > 1 {
            let ps: Vec<_> = chain.iter().filter(|m| m.is_position()).collect();
            return conflict(ps[0].name(), ps[1].name());
        }
        if count(Modifier::is_utf16) > 1 {
            return Err("only one of utf16le/utf16be/utf16/wide may be used".into());
        }
        if count(Modifier::is_base64) > 1 {
            return conflict("base64", "base64offset");
        }
        if count(Modifier::is_numeric_cmp) > 1 {
            return Err("only one of lt/lte/gt/gte may be used".into());
        }
        if count(Modifier::is_time_part) > 1 {
            return Err("only one of minute/hour/day/week/month/year may be used".into());
        }
        // exists stands alone
        if self.has(Exists) && chain.len() > 1 {
            let other = chain
                .iter()
                .find(|m| **m != Exists)
                .copied()
                .unwrap_or(Exists);
            return conflict("exists", other.name());
        }
        // re: a type modifier; only its flags, all, neq (and cased, meaningless) may join
        if self.has(Re)
            && let Some(o) = chain.iter().find(|m| {
                !matches!(
                    m,
                    Re | ReInsensitive | ReMultiline | ReDotAll | All | Neq | Cased
                )
            })
        {
            return conflict("re", o.name());
        }
        // cidr: ip values only
        if self.has(Cidr)
            && let Some(o) = chain.iter().find(|m| !matches!(m, Cidr | All | Neq))
        {
            return conflict("cidr", o.name());
        }
        // numeric comparison / time part: numeric values only
        let numeric = first(Modifier::is_numeric_cmp);
        let time = first(Modifier::is_time_part);
        if let Some(n) = numeric.or(time)
            && let Some(o) = chain
                .iter()
                .find(|m| !(m.is_numeric_cmp() || m.is_time_part() || matches!(m, All | Neq)))
        {
            return conflict(n.name(), o.name());
        }
        if self.has(FieldRef)
            && let Some(o) = chain
                .iter()
                .find(|m| !(m.is_position() || matches!(m, FieldRef | All | Neq | Cased)))
        {
            return conflict("fieldref", o.name());
        }
        // encodings: utf16 must come before base64 (it encodes the base64 input)
        if let (Some(u), Some(b)) = (
            chain.iter().position(|m| m.is_utf16()),
            chain.iter().position(|m| m.is_base64()),
        ) && u > b
        {
            return Err(format!(
                "'{}' after '{}' has no meaning: the utf16 encoding must precede base64",
                chain[u], chain[b]
            ));
        }
        if let Some(u) = first(Modifier::is_utf16)
            && first(Modifier::is_base64).is_none()
        {
            return Err(format!(
                "'{u}' produces binary data and must be followed by 'base64' or 'base64offset'"
            ));
        }
        if self.has(Windash) && self.has(Expand) {
            return conflict("windash", "expand");
        }

        for m in &chain {
            match m {
                Contains => self.position = MatchPosition::Contains,
                StartsWith => self.position = MatchPosition::StartsWith,
                EndsWith => self.position = MatchPosition::EndsWith,
                All => self.match_all = true,
                Cased => self.cased = true,
                Neq => self.neq = true,
                Expand => self.expand = true,
                Windash => self.transforms.push(Transform::Windash),
                Utf16Le | Wide => self.transforms.push(Transform::Utf16Le),
                Utf16Be => self.transforms.push(Transform::Utf16Be),
                Utf16 => self.transforms.push(Transform::Utf16),
                Base64 => self.transforms.push(Transform::Base64),
                Base64Offset => self.transforms.push(Transform::Base64Offset),
                Lt => self.numeric = Some(NumericOp::Lt),
                Lte => self.numeric = Some(NumericOp::Lte),
                Gt => self.numeric = Some(NumericOp::Gt),
                Gte => self.numeric = Some(NumericOp::Gte),
                Minute => self.time_part = Some(TimePart::Minute),
                Hour => self.time_part = Some(TimePart::Hour),
                Day => self.time_part = Some(TimePart::Day),
                Week => self.time_part = Some(TimePart::Week),
                Month => self.time_part = Some(TimePart::Month),
                Year => self.time_part = Some(TimePart::Year),
                _ => {}
            }
        }
        Ok(())
    }
}
