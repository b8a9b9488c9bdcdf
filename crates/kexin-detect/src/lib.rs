//! # kexin-detect — the Sigma evaluator
//!
//! `kexin-sigma` turns rule files into a typed IR; `kexin-logs` turns log
//! lines into events. This crate runs the first on the second (and on any
//! JSON document): it compiles every rule once into matchers and then
//! evaluates events against only the rules that can possibly match them.
//!
//! ## Why it is shaped like this
//!
//! A SigmaHQ rule set is ~3,000 rules, and almost all of them are
//! irrelevant to any given event. The cost per event must therefore be paid
//! by the event, not by the rule count:
//!
//! 1. **Logsource routing.** Rules are indexed by their (product, category,
//!    service); an event is evaluated only against the rules whose every
//!    named key equals the event's (a rule naming fewer keys applies to more
//!    specific events, as the spec says). Pipelines may declare parents, so
//!    a `registry_set` event also gets the `registry_event` rules and an
//!    `sshd` line the `auth` rules. The merged rule list of each distinct
//!    event logsource is built once and cached.
//! 2. **Literal prefilter.** For each rule the compiler derives a set of
//!    literals one of which must occur in the event if the rule matches
//!    (an AND takes its most selective side, an OR the union of its sides,
//!    `not` gives nothing). Each route has one Aho-Corasick automaton
//!    (ASCII case-insensitive) over those literals; an event's text values
//!    are scanned once and only rules whose literal was seen are evaluated.
//!    Rules without such a literal (only `not`, regexes, numbers…) are
//!    always evaluated.
//! 3. **Shared identifiers, evaluated once.** Search identifiers with the
//!    same mapped fields, modifiers and values are compiled once for all
//!    rules (e.g. the many `selection_img` blocks testing
//!    `Image|endswith: '\powershell.exe'`), and each is evaluated at most
//!    once per event (generation-stamped memo in [`Scratch`]).
//! 4. **No allocation on the hot path.** Field values are read in place
//!    through [`EventFields`]; numbers are formatted into a stack buffer;
//!    case folding is done while comparing; all per-event state lives in a
//!    reused [`Scratch`]. Allocation happens when a rule matches (building
//!    the [`Match`]).
//!
//! ## What of the spec is covered (Sigma 2.1)
//!
//! * Values: strings with `*`/`?` wildcards and `\` escapes (resolved by the
//!   parser), case-insensitive by default (`cased` for exact case), numbers
//!   (equal to numeric fields and to numeric strings), booleans, `null`
//!   (field absent or null), `''` (empty value only), lists (OR) and `all`
//!   (AND).
//! * Modifiers: `contains`, `startswith`, `endswith`, `all`, `exists`
//!   (presence only, even if empty or null), `cased`, `neq` (negates the
//!   item; an absent field is "different"), `windash` (all permutations of
//!   `-` `/` `–` `—` `―`, at most [`MAX_WINDASH_DASHES`] per
//!   value), `re` with `i`/`m`/`s` (the `regex` crate, unanchored search,
//!   the parser's size limits), `base64`, `base64offset`, `utf16le`/`wide`,
//!   `utf16be`, `utf16` (BOM + LE), `lt`/`lte`/`gt`/`gte`, `minute`/`hour`/
//!   `day`/`week` (ISO)/`month`/`year` on `YYYY-MM-DD[T ]HH:MM…` text as
//!   written (no time-zone conversion, as the spec asks), `cidr` (IPv4,
//!   IPv6, IPv4-mapped IPv6), `expand` (placeholder values from
//!   [`EngineConfig::placeholders`], each parsed as a Sigma string; a rule
//!   with a placeholder without a value is left out and reported in
//!   [`Engine::problems`]), `fieldref` (with position modifiers, `cased`,
//!   `all`, `neq`).
//! * Keywords (`keywords:` lists, bare values): each keyword is searched
//!   anywhere (as if `contains`) in every text value of the event — every
//!   JSON leaf for JSON, the message and every field for `kexin_logs`
//!   events. The spec says "across an entire event"; searching values
//!   rather than the raw line avoids matching on JSON syntax or key names.
//! * Conditions: identifiers, `and`/`or`/`not` with their precedence,
//!   brackets, `1 of`/`all of` with wildcard patterns and `them`, and lists
//!   of conditions (OR).
//! * Filters (Sigma 2.1 `filter:` documents): attached to every listed rule
//!   (by id or name) whose logsource the filter's logsource covers; when the
//!   filter's condition holds the rule does not fire (the spec's example:
//!   `condition: selection` removes the admin accounts).
//! * Correlation rules run in [`correlation`] over the matches, never over
//!   events: each [`Match`] carries what it needs (rule id and name, event
//!   time, and [`Engine::field`] to read a Sigma field from the event).
//!   [`stream::DetectionStream`] ties evaluator and correlations together
//!   for a stream of events, with Sigma's `generate` semantics.
//! * Rules ship with their own test cases (`<rule>.tests.yml`, run by
//!   [`rule_tests`] and `kexin rules test`); Kexin's own rules are in
//!   `rules/` (SSH brute force and spraying, admin accounts, sudo abuse, log
//!   and audit tampering, east-west lateral movement).
//! * Matches become OCSF Detection Findings in [`finding`].
//!
//! Field names reach events through [`Pipeline`]s (YAML, a subset of
//! pySigma's processing pipelines: `field_name_mapping`,
//! `field_name_prefix`, `logsource` rule conditions; plus two Kexin keys
//! for the event side, `event_logsource` and `logsource_parents`); two
//! ship built in: [`Pipeline::windows_evtx_json`] (Sigma taxonomy appendix:
//! service from the channel, category from channel + EventID, Security
//! 4688 as process_creation) and [`Pipeline::kexin_logs`].
//!
//! ## Limits
//!
//! * Case-insensitive matching folds each character to its simple lower
//!   case (one `char` to one `char`); `ß` does not equal `SS`.
//! * `base64`/`utf16` values must not hold wildcards, and a `windash` value
//!   may hold at most [`MAX_WINDASH_DASHES`] dash characters: such rules are
//!   reported in [`Engine::problems`], never silently dropped. None of the
//!   SigmaHQ rules hits either (the corpus test pins 3,140 of 3,140
//!   compiled).
//! * `field_name_mapping` to several fields means "the first present";
//!   value transformations and field-dropping pipeline steps are not
//!   implemented.
//!
//! ## Measured
//!
//! SigmaHQ's regression data: all 192 runnable cases agree (the test lists
//! the 11 that cannot run — ten rules in folders absent from the shared
//! copy, one case commented out upstream — and the 4 whose stated
//! `match_count` is stale). Throughput (see
//! `BENCHMARKS.md`, one core of a shared machine): 217–286 k sshd lines/s
//! normalized and evaluated against all SigmaHQ rules (3.4–4.5× rsigma
//! 0.23 in the same session), 6.5–9.7 k Windows events/s parsed and
//! evaluated (1.1–1.6× rsigma; the prefilter scan of every value and the
//! identifiers whose literals occur are where the time goes).
//!
//! ```
//! use kexin_detect::{Engine, EngineConfig, Pipeline, Scratch};
//!
//! let rule = r#"
//! title: Whoami
//! id: 0b7e0b16-1111-4222-8333-944445555666
//! logsource: {category: process_creation, product: windows}
//! detection:
//!     selection:
//!         Image|endswith: '\whoami.exe'
//!     condition: selection
//! level: medium
//! "#;
//! let docs = kexin_sigma::parse_str(rule, "whoami.yml").unwrap();
//! let mut builder = Engine::builder(EngineConfig {
//!     pipelines: vec![Pipeline::windows_evtx_json()],
//!     ..Default::default()
//! });
//! builder.add(&docs[0], "whoami.yml");
//! let engine = builder.build();
//! let event = serde_json::json!({"Event": {
//!     "System": {"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
//!                "TimeCreated": {"#attributes": {"SystemTime": "2025-01-01T10:00:00Z"}}},
//!     "EventData": {"Image": "C:\\Windows\\System32\\WHOAMI.EXE"}}});
//! let (mut scratch, mut out) = (Scratch::new(), Vec::new());
//! engine.evaluate_json(&event, &mut scratch, &mut out);
//! assert_eq!(out[0].title, "Whoami");
//! assert_eq!(out[0].fields["Image"], "C:\\Windows\\System32\\WHOAMI.EXE");
//! assert!(out[0].timestamp.is_some());
//! ```

mod compile;
pub mod correlation;
mod engine;
pub mod event;
pub mod finding;
mod matcher;
pub mod pipeline;
pub mod rule_tests;
pub mod stream;

pub use compile::MAX_WINDASH_DASHES;
pub use engine::{
    Engine, EngineBuilder, EngineConfig, Match, RouteStats, RuleInfo, RuleProblem, Scratch,
};
pub use event::{EventFields, FieldValue};
pub use pipeline::{EventLogsource, LogsourceRef, Pipeline, PipelineError};
