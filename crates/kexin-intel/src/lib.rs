//! # kexin-intel — threat intelligence for Kexin's detection engine
//!
//! Detection rules say what *behaviour* is bad; threat intelligence says which
//! *things* are: addresses, domains, URLs and files that someone has already
//! seen in an attack. This crate loads such indicators from the formats CERTs
//! and vendors publish and answers, for every event, "does anything in it
//! appear in a feed we trust, and who says so?"
//!
//! ## Loading
//!
//! [`load_path`] picks the format from the path and returns the indicators
//! with a [`LoadReport`]:
//!
//! * a **STIX 2.1 bundle** (`.json`, [`stix`]) — `indicator` objects with
//!   `pattern_type: stix`; the pattern is parsed by a typed parser of the
//!   whole patterning grammar ([`stix::pattern`]), and the shapes Kexin can
//!   match (equality / `ISSUBSET` / `IN` on IP, domain, URL and file-hash
//!   paths, joined by `OR`) become indicators, everything else is listed as
//!   unsupported with the indicator id;
//! * a **MISP feed** directory (`manifest.json` + `<uuid>.json`, [`misp`]),
//!   honouring `to_ids` and `deleted`;
//! * a **CSV list** (`.csv`, `.txt`, [`csvlist`]) with a `type,value,…`
//!   header or one value per line with the type inferred.
//!
//! A load fails only when the input as a whole is unusable (unreadable, not
//! JSON, not a bundle, an unknown CSV column); a malformed record is
//! [`Rejected`] with its file and line or JSON path and field, and the rest
//! still loads — a feed with one typo should not blind the engine.
//!
//! ## Matching
//!
//! An [`IntelSet`] holds the indicators of any number of loads, indexed by
//! kind (IP trie, domain label suffixes, URL keys, hash sets; see [`set`]).
//! [`Observables::from_event`] and [`Observables::from_json`] collect what an
//! event contains; [`IntelSet::match_observables`] returns an [`IntelHit`]
//! per matching indicator, with the observed value and field, at an
//! evaluation time that validity windows (`valid_from`, `valid_until`) and
//! revocation are checked against.
//!
//! Values on both sides are normalised by one module ([`value`]): lower-case
//! IDNA domains without trailing dot, canonical IP networks, URL keys
//! without scheme or default port, lower-case hex hashes. The URL rules are
//! spelled out on [`UrlKey`].
//!
//! ```
//! use kexin_intel::{IntelSet, Observables, csvlist};
//! use std::path::Path;
//! use time::macros::datetime;
//!
//! let list = "type,value,source\nip,198.51.100.0/24,ACME CERT\ndomain,evil.example,ACME CERT\n";
//! let loaded = csvlist::parse_csv(list, Path::new("acme.csv")).unwrap();
//! let mut set = IntelSet::new();
//! set.add(loaded);
//!
//! let mut obs = Observables::new();
//! obs.push_field("SourceIp", "198.51.100.23");
//! obs.push_field("dns.question.name", "cdn.evil.example");
//! let hits = set.match_observables(&obs, datetime!(2024-05-01 0:00 UTC));
//! assert_eq!(hits.len(), 2);
//! assert_eq!(hits[0].indicator.source, "ACME CERT");
//! assert_eq!(hits[1].observed, "cdn.evil.example");
//! ```

pub mod csvlist;
pub mod indicator;
pub mod misp;
pub mod observables;
pub mod report;
pub mod set;
pub mod stix;
pub mod value;

use std::path::Path;

pub use indicator::{HashAlgo, Indicator, IndicatorKind, IndicatorValue};
pub use observables::{Observables, Observed};
pub use report::{Format, LoadError, LoadReport, Loaded, Location, Rejected, Unsupported};
pub use set::{IntelHit, IntelSet};
pub use value::{UrlKey, ValueError};

/// The format of `path`: a directory with a `manifest.json` (or that
/// manifest itself) is a MISP feed; `.json` is a STIX bundle; `.csv` and
/// `.txt` are lists; another file is a STIX bundle if it starts with `{`, a
/// list otherwise.
pub fn detect_format(path: &Path) -> Result<Format, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| LoadError::io(path, e))?;
    if meta.is_dir() {
        return if path.join("manifest.json").is_file() {
            Ok(Format::MispFeed)
        } else {
            Err(LoadError::UnknownFormat {
                path: path.to_owned(),
            })
        };
    }
    if path.file_name().is_some_and(|n| n == "manifest.json") {
        return Ok(Format::MispFeed);
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("json") => Ok(Format::StixBundle),
        Some("csv" | "txt") => Ok(Format::CsvList),
        _ => {
            let text = std::fs::read(path).map_err(|e| LoadError::io(path, e))?;
            let first = text.iter().find(|b| !b.is_ascii_whitespace());
            Ok(if first == Some(&b'{') {
                Format::StixBundle
            } else {
                Format::CsvList
            })
        }
    }
}

/// Loads a STIX bundle, MISP feed directory or CSV list, by
/// [`detect_format`].
pub fn load_path(path: &Path) -> Result<Loaded, LoadError> {
    match detect_format(path)? {
        Format::StixBundle => stix::load_bundle(path),
        Format::CsvList => csvlist::load_csv(path),
        Format::MispFeed if path.is_dir() => misp::load_feed(path),
        Format::MispFeed => misp::load_feed(path.parent().unwrap_or(Path::new("."))),
    }
}
