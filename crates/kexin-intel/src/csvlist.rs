//! CSV and plain indicator lists.
//!
//! Two shapes, told apart by the first line that is not blank or a `#`
//! comment:
//!
//! * **With a header** naming `type` and `value` (any order, any case) and
//!   optionally `source`, `confidence` (0–100), `valid_from`, `valid_until`
//!   (RFC 3339, or a date `YYYY-MM-DD` meaning that whole UTC day) and
//!   `labels` (separated by `;`). An unknown column is an error, so a typo
//!   does not silently drop data. Types: `ip` (also `ipv4`, `ipv6`,
//!   `ipv4-addr`, `ipv6-addr`, `ip-src`, `ip-dst`, `cidr`), `domain` (also
//!   `domain-name`), `hostname`, `url`, `md5`, `sha1`/`sha-1`,
//!   `sha256`/`sha-256`, `sha512`/`sha-512`, `hash` (algorithm by length).
//! * **One value per line**, its type inferred ([`value::infer`]): the line
//!   up to the first blank or tab is the value (URLs may contain commas,
//!   never blanks), so `192.0.2.1  # scanner` carries a comment.
//!
//! Values may be defanged (`evil[.]example`). A bad row is rejected with its
//! line number; the other rows still load.

use std::path::Path;

use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, Time};

use crate::indicator::{HashAlgo, Indicator, IndicatorValue};
use crate::report::{Format, LoadError, LoadReport, Loaded, Location};
use crate::value::{self, UrlKey, ValueError};

const COLUMNS: &[&str] = &[
    "type",
    "value",
    "source",
    "confidence",
    "valid_from",
    "valid_until",
    "labels",
];

/// Reads and loads a list file.
pub fn load_csv(path: &Path) -> Result<Loaded, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError::io(path, e))?;
    parse_csv(&text, path)
}

/// Loads a list from its text; `file` names it in locations and is the
/// default source.
pub fn parse_csv(text: &str, file: &Path) -> Result<Loaded, LoadError> {
    let default_source = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut report = LoadReport::new(file, Format::CsvList);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.trim_start_matches('\u{feff}')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .peekable();
    let Some(&(header_line, first)) = lines.peek() else {
        return Ok(Loaded::finish(Vec::new(), report));
    };
    let header = split_record(first, file, header_line)?;
    let is_header = header
        .iter()
        .any(|c| c.trim().eq_ignore_ascii_case("value"));
    let mut indicators = Vec::new();
    if !is_header {
        for (line, text) in lines {
            let text = text.split([' ', '\t']).next().unwrap_or_default();
            match value::infer(text) {
                Ok(v) => indicators.push(Indicator::new(
                    format!("{}:{line}", default_source),
                    v,
                    default_source.clone(),
                )),
                Err(e) => report.reject(Location::line(file, line), e.to_string()),
            }
        }
        return Ok(Loaded::finish(indicators, report));
    }
    lines.next();
    let mut columns = Vec::with_capacity(header.len());
    for name in &header {
        let name = name.trim().to_ascii_lowercase();
        if !COLUMNS.contains(&name.as_str()) {
            return Err(LoadError::shape(
                Location::line(file, header_line).field(name.as_str()),
                format!("unknown column; expected {}", COLUMNS.join(", ")),
            ));
        }
        if columns.contains(&name) {
            return Err(LoadError::shape(
                Location::line(file, header_line).field(name.as_str()),
                "column named twice",
            ));
        }
        columns.push(name);
    }
    if !columns.iter().any(|c| c == "type") {
        return Err(LoadError::shape(
            Location::line(file, header_line),
            "a header needs both a `type` and a `value` column",
        ));
    }
    for (line, text) in lines {
        let cells = match split_record(text, file, line) {
            Ok(c) => c,
            Err(e) => {
                report.reject(Location::line(file, line), e.to_string());
                continue;
            }
        };
        if cells.len() > columns.len() {
            report.reject(
                Location::line(file, line),
                format!(
                    "{} cells, the header has {} columns",
                    cells.len(),
                    columns.len()
                ),
            );
            continue;
        }
        match row(&columns, &cells, &default_source) {
            Ok(mut ind) => {
                ind.id = format!("{default_source}:{line}");
                indicators.push(ind);
            }
            Err((field, reason)) => report.reject(Location::line(file, line).field(field), reason),
        }
    }
    Ok(Loaded::finish(indicators, report))
}

/// Splits one CSV record (RFC 4180 quoting).
fn split_record(line: &str, file: &Path, line_no: u64) -> Result<Vec<String>, LoadError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(line.as_bytes());
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(_) => Ok(record.iter().map(str::to_owned).collect()),
        Err(e) => Err(LoadError::shape(
            Location::line(file, line_no),
            format!("malformed CSV: {e}"),
        )),
    }
}

fn row(
    columns: &[String],
    cells: &[String],
    default_source: &str,
) -> Result<Indicator, (String, String)> {
    let cell = |name: &str| {
        columns
            .iter()
            .position(|c| c == name)
            .and_then(|i| cells.get(i))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    };
    let fail = |field: &str, reason: String| (field.to_owned(), reason);
    let kind = cell("type").ok_or_else(|| fail("type", "empty".into()))?;
    let raw = cell("value").ok_or_else(|| fail("value", "empty".into()))?;
    let value = typed_value(kind, raw).map_err(|e| match e {
        TypeError::Unknown => fail(
            "type",
            format!("unknown type `{kind}`; expected ip, cidr, domain, hostname, url, md5, sha1, sha256, sha512 or hash"),
        ),
        TypeError::Value(e) => fail("value", e.to_string()),
    })?;
    let mut ind = Indicator::new(
        String::new(),
        value,
        cell("source").unwrap_or(default_source),
    );
    if let Some(c) = cell("confidence") {
        ind.confidence = Some(
            c.parse::<u8>()
                .ok()
                .filter(|c| *c <= 100)
                .ok_or_else(|| fail("confidence", format!("`{c}` is not an integer 0–100")))?,
        );
    }
    if let Some(t) = cell("valid_from") {
        ind.valid_from = Some(timestamp(t, false).map_err(|r| fail("valid_from", r))?);
    }
    if let Some(t) = cell("valid_until") {
        ind.valid_until = Some(timestamp(t, true).map_err(|r| fail("valid_until", r))?);
    }
    if let (Some(from), Some(until)) = (ind.valid_from, ind.valid_until)
        && until <= from
    {
        return Err(fail("valid_until", "must be later than valid_from".into()));
    }
    if let Some(l) = cell("labels") {
        ind.labels = l
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
    }
    Ok(ind)
}

enum TypeError {
    Unknown,
    Value(ValueError),
}

fn typed_value(kind: &str, raw: &str) -> Result<IndicatorValue, TypeError> {
    let raw = value::refang(raw);
    let hash = |a| {
        value::normalize_hash(&raw, a)
            .map(|(a, h)| IndicatorValue::Hash(a, h))
            .map_err(TypeError::Value)
    };
    match kind.to_ascii_lowercase().as_str() {
        "ip" | "ipv4" | "ipv6" | "ipv4-addr" | "ipv6-addr" | "ip-src" | "ip-dst" | "cidr" => {
            value::parse_ip_or_cidr(&raw)
                .map(IndicatorValue::Ip)
                .map_err(TypeError::Value)
        }
        "domain" | "domain-name" => value::normalize_domain(&raw, 2)
            .map(IndicatorValue::Domain)
            .map_err(TypeError::Value),
        "hostname" => value::normalize_domain(&raw, 2)
            .map(IndicatorValue::Hostname)
            .map_err(TypeError::Value),
        "url" => UrlKey::parse(&raw)
            .map(IndicatorValue::Url)
            .map_err(TypeError::Value),
        "md5" => hash(Some(HashAlgo::Md5)),
        "sha1" | "sha-1" => hash(Some(HashAlgo::Sha1)),
        "sha256" | "sha-256" => hash(Some(HashAlgo::Sha256)),
        "sha512" | "sha-512" => hash(Some(HashAlgo::Sha512)),
        "hash" => hash(None),
        _ => Err(TypeError::Unknown),
    }
}

/// RFC 3339, or `YYYY-MM-DD` (the start of that UTC day, or for an end of
/// validity the start of the next one).
fn timestamp(s: &str, end_of_day: bool) -> Result<OffsetDateTime, String> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let date = Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("`{s}` is neither an RFC 3339 timestamp nor a date YYYY-MM-DD"))?;
    let start = date.with_time(Time::MIDNIGHT).assume_utc();
    Ok(if end_of_day {
        start + Duration::DAY
    } else {
        start
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn load(text: &str) -> Loaded {
        parse_csv(text, Path::new("list.csv")).unwrap()
    }

    #[test]
    fn header_columns_in_any_order_with_optional_fields() {
        let l = load(
            "# our list\nValue,Type,confidence,valid_until,labels,source\n\
             evil[.]example,domain,80,2024-06-30,c2; botnet ,ACME CERT\n\
             \"http://evil.example/a,b\",url,,,,\n",
        );
        assert!(l.report.rejected.is_empty(), "{:?}", l.report.rejected);
        let d = &l.indicators[0];
        assert_eq!(d.id, "list.csv:3");
        assert_eq!(d.value, IndicatorValue::Domain("evil.example".into()));
        assert_eq!(d.confidence, Some(80));
        assert_eq!(d.valid_until, Some(datetime!(2024-07-01 0:00 UTC)));
        assert_eq!(d.labels, ["c2", "botnet"]);
        assert_eq!(d.source, "ACME CERT");
        assert_eq!(l.indicators[1].value.to_string(), "evil.example/a,b");
        assert_eq!(l.indicators[1].source, "list.csv");
    }

    #[test]
    fn bad_rows_are_rejected_with_line_and_field() {
        let l = load(
            "type,value,confidence\nip,300.1.1.1,\nfoo,x,\nip,192.0.2.1,101\nip,192.0.2.1,1,extra\nip,192.0.2.2,\n",
        );
        let msgs: Vec<String> = l.report.rejected.iter().map(ToString::to_string).collect();
        assert_eq!(msgs.len(), 4, "{msgs:#?}");
        assert!(
            msgs[0].starts_with("list.csv:2, field `value`: "),
            "{}",
            msgs[0]
        );
        assert!(msgs[1].starts_with("list.csv:3, field `type`: unknown type `foo`"));
        assert!(msgs[2].starts_with("list.csv:4, field `confidence`"));
        assert!(msgs[3].starts_with("list.csv:5: 4 cells"));
        assert_eq!(l.indicators.len(), 1);
    }

    #[test]
    fn unknown_header_column_is_an_error() {
        let e = parse_csv("type,value,confidance\n", Path::new("l.csv")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "l.csv:1, field `confidance`: unknown column; expected type, value, source, confidence, valid_from, valid_until, labels"
        );
        assert!(parse_csv("value\nx\n", Path::new("l.csv")).is_err());
    }

    #[test]
    fn single_column_lists_infer_types() {
        let l = load(
            "# ips and more\n192.0.2.1\n\n198.51.100.0/24 # a comment\nhxxp://evil[.]example/x?a=1,2\nEVIL.example\nd41d8cd98f00b204e9800998ecf8427e\n???\n",
        );
        let kinds: Vec<_> = l.indicators.iter().map(|i| i.kind().as_str()).collect();
        assert_eq!(kinds, ["ipv4", "ipv4", "url", "domain", "md5"]);
        assert_eq!(l.indicators[0].id, "list.csv:2");
        assert_eq!(l.report.rejected.len(), 1);
        assert_eq!(l.report.rejected[0].location.line, Some(8));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "(.{0,30}\n){0,6}") {
            let _ = parse_csv(&s, Path::new("f.csv"));
        }

        #[test]
        fn every_typed_row_is_loaded_or_rejected_with_its_line(
            rows in proptest::collection::vec(
                (proptest::sample::select(vec!["ip", "domain", "url", "md5", "hash", "bogus"]),
                 "[a-f0-9.:/]{1,40}",
                 proptest::option::of(0u16..130)),
                0..12)
        ) {
            let mut text = String::from("type,value,confidence\n");
            for (t, v, c) in &rows {
                text.push_str(&format!("{t},{v},{}\n", c.map(|c| c.to_string()).unwrap_or_default()));
            }
            let l = parse_csv(&text, Path::new("f.csv")).unwrap();
            proptest::prop_assert_eq!(l.indicators.len() + l.report.rejected.len(), rows.len());
            for ind in &l.indicators {
                let line: usize = ind.id.strip_prefix("f.csv:").unwrap().parse().unwrap();
                let (_, _, c) = &rows[line - 2];
                proptest::prop_assert!(c.is_none_or(|c| c <= 100));
                proptest::prop_assert_eq!(ind.confidence.map(u16::from), *c);
            }
            for r in &l.report.rejected {
                proptest::prop_assert!(r.location.line.is_some_and(|n| n >= 2 && n as usize <= rows.len() + 1));
            }
        }
    }

    #[test]
    fn empty_and_comment_only_files_load_nothing() {
        assert!(load("").indicators.is_empty());
        assert!(load("# nothing\n\n").indicators.is_empty());
    }
}
