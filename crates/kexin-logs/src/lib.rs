//! # kexin-logs — log normalization for Kexin's detection engine
//!
//! Turns raw log lines into [`Event`]s that carry
//!
//! * the basics: time, host, app/process, pid, message, and the **original line**;
//! * the **Sigma logsource** ([`Logsource`]: product/service/category) used to route
//!   an event to the rules written for it;
//! * an **OCSF** view ([`Ocsf`]): class (Authentication 3002, SSH Activity 4007,
//!   Process Activity 1007, API Activity 6003, Account Change 3001, Group
//!   Management 3006, Network Activity 4001), activity,
//!   status and the objects we can fill (user, actor, src_endpoint, auth_protocol,
//!   process, api, cloud);
//! * a flat **field map** for Sigma matching.
//!
//! ## Layers
//!
//! Parsing is layered so the hot path can stop early and never allocates until
//! an [`Event`] is built:
//!
//! 1. [`syslog`] — zero-copy parsers over `&[u8]` returning [`SyslogMessage`]
//!    borrowed from the line: RFC 3164 with or without `<PRI>` (the
//!    `/var/log/auth.log` format; BSD timestamps get their year from a reference
//!    time, and the RFC 3339 timestamps of Debian 12's rsyslog are accepted too),
//!    RFC 5424 (STRUCTURED-DATA with escapes, NILVALUE, BOM) and RFC 6587
//!    octet-counted framing ([`decode_octet_frame`] for streaming,
//!    [`OctetFrames`] for a whole buffer). No regex: a byte cursor and `memchr`-backed
//!    `str` searches.
//! 2. [`auth`] — [`parse_auth`] recognises sshd, sudo, su, PAM (`pam_unix`,
//!    `pam_faillock`, …) and shadow-utils messages (useradd, groupadd, usermod,
//!    userdel, passwd, chpasswd) from APP-NAME + MSG into an [`AuthEvent`] whose
//!    fields all borrow from MSG.
//! 3. [`audit`] — [`parse_audit_record`] reads one Linux audit record
//!    (`type=SYSCALL msg=audit(1709971200.123:8412): key=value …`, the kernel's
//!    numeric `type=1300 audit(…)` form, `node=` prefixes, the `\x1d` enriched
//!    section, a userspace record's nested `msg='…'`) zero-copy; values are
//!    decoded from auditd's hex encoding on demand ([`audit::AuditField::value`]).
//!    [`AuditJoiner`] joins the records of one kernel event (same stamp: SYSCALL,
//!    EXECVE, CWD, PATH…, PROCTITLE) into one [`Event`], emitted on `EOE`, after
//!    a grace window, when its bounded buffer is full, or at the end; records
//!    carried in syslog (`audispd`, `audisp-syslog`, `audit`, `kernel: audit:`)
//!    join the same way.
//! 4. [`normalize`] / [`json`] / [`cloud`] — build the owned [`Event`]: logsource, OCSF
//!    mapping, field map. JSON lines are passed through with flattened dotted keys
//!    and an autodetected timestamp ([`json::TIMESTAMP_KEYS`]); CloudTrail records
//!    (a `Records` document or one record per line) and Kubernetes audit events
//!    (`product: kubernetes, service: audit`) become API Activity; GCP Cloud
//!    Audit Logs, Okta System Log events and the Azure Activity Log, Entra ID
//!    sign-in and audit logs are recognised by a few key lookups
//!    ([`cloud::detect`]); JSON
//!    connection records (anything with a source and a destination IP under a
//!    generic, ECS, Zeek `conn.log` or AWS VPC flow log key) become Network
//!    Activity with `category: network_connection`.
//! 5. [`stream`] — [`normalize_reader`] reads lines with one reused buffer,
//!    joins audit records, counts malformed lines and quotes the first few,
//!    never stopping the stream.
//!
//! [`Normalizer`] ties these together for callers that only want events.
//!
//! ## Performance
//!
//! `cargo bench -p kexin-logs --bench sshd` (a synthetic sshd/sudo auth.log, one
//! core of a shared 2-core dev machine, so noisy): 3.2–3.9 M lines/s for
//! `parse_syslog` + `parse_auth` (zero-copy) and 0.68–0.78 M lines/s for
//! [`Normalizer::syslog`], which builds the owned [`Event`] with its field map.
//! A detection engine that wants more should run on the borrowed layers and
//! build events only for lines that pass its prefilter.
//!
//! The same bench's `json` group shows the vendor-shape detection costing
//! ≈ 2 % of a plain JSON line's normalization (one pass over the top-level
//! keys), and its `auditd` group `parse_audit_record` at ≈ 2× the cost of
//! splitting the record into words; a joined audit event, with every record's
//! fields both qualified and unqualified, is the most expensive event this
//! crate builds (see `BENCHMARKS.md`).
//!
//! ## Errors
//!
//! Parsers never panic (property-tested on arbitrary bytes and on mutations of
//! valid lines); they return [`ParseError`] with the byte offset into the input
//! they were given and an [`ErrorKind`]. Messages that parse as syslog but are
//! not recognised auth messages are still events (service `syslog`, no OCSF class).
//!
//! ## Logsource routing
//!
//! Syslog events get `product: linux` and a service from the APP-NAME
//! ([`normalize::linux_service`]): `sshd`, `sudo`, `cron`, `vsftpd`, `clamav`,
//! `guacamole`, `auth` (su, shadow-utils, login, PAM messages of other programs)
//! and otherwise `syslog`. sshd and sudo lines also live in auth.log; an engine
//! that wants `service: auth` rules to see them should treat `sshd`/`sudo` as
//! sub-services of `auth`. Audit records are `product: linux, service: auditd`.
//! CloudTrail is `product: aws, service: cloudtrail`, Kubernetes audit
//! `product: kubernetes, service: audit`, GCP audit logs `product: gcp,
//! service: gcp.audit`, Okta `product: okta, service: okta`, and Azure
//! `product: azure` with `service: activitylogs`, `signinlogs` or `auditlogs`.
//! JSON lines get an empty logsource (the caller knows what the file is), except
//! connection records (`category: network_connection`).
//!
//! ## Field names
//!
//! Syslog header: `host`, `program`, `pid`, `facility`, `severity`, `msgid`,
//! `message`, and `sd.<SD-ID>.<PARAM>` for structured data. Auth messages add
//! Sigma-style names: `EventType` (see [`AuthKind::as_str`]), `User` (account
//! authenticated or acted upon; sudo/su target), `SubjectUserName` (invoking
//! user), `SourceIp`, `SourcePort`, `AuthMethod`, `Protocol`, `InvalidUser`,
//! `Status` (`success`/`failure`), `Terminal`, `CurrentDirectory`,
//! `CommandLine`, `Image` (sudo; as in Sigma's process_creation), `PamModule`,
//! `PamService`, `Group`, `Uid`, `Gid`, `Home`, `Shell`, `Attempts`, `Detail`,
//! `DestinationIp`/`DestinationPort` (sshd `Connection from … on …`) and
//! `Repeated` (rsyslog's `message repeated N times: [ … ]`, which is unwrapped).
//! Connection records get `SourceIp`, `SourcePort`, `DestinationIp`,
//! `DestinationPort` and `Protocol` next to their own keys.
//! JSON and CloudTrail keep their own keys, flattened with dots
//! (`userIdentity.arn`, `requestParameters.bucketName`), which is what Sigma's
//! cloud rules use. GCP, Okta and Azure records also enter arrays of objects
//! (element `i` under `key.<i>.…`, the first element also without the index:
//! Okta's `target.displayName`, Azure's
//! `TargetResources.ModifiedProperties.NewValue`) and add the names SigmaHQ's
//! rules use where the export spells them differently (`gcp.audit.method_name`;
//! Azure's Log Analytics columns `OperationNameValue`, `CategoryValue`,
//! `ResourceProviderValue`, `ResultType`, `ResultDescription`, `Status`,
//! `OperationName`, `Category`, `LoggedByService`, `Initiatedby`, `Target`, …);
//! an alias never overwrites a key the record has.
//!
//! ### Audit events
//!
//! A joined audit event keeps auditd's own keys, which is what SigmaHQ's
//! `linux/auditd` rules test, in two forms:
//!
//! * **Qualified** — every record under its type: `SYSCALL.exe`, `EXECVE.a0`,
//!   `CWD.cwd`, `PROCTITLE.proctitle`; the second and later records of one type
//!   under `PATH.1.name`, `PATH.2.name`. [`audit::record_views`] gives one view
//!   per record, where `type` is the record type: Sigma's auditd selections
//!   test one record each (`type: EXECVE` with `a0`/`a1`, `type: PATH` with
//!   `name` and `nametype`, `type: SYSCALL` with `exe`, `SYSCALL`, `key`), so an
//!   evaluator tests such a selection against every view of the event.
//! * **Unqualified** — one flat view for selections without `type` (`key:
//!   susp_activity`): EXECVE's decoded argv `a0…aN` win over SYSCALL's
//!   registers, then the SYSCALL record, the first PATH that is not a
//!   `PARENT`, and the rest in arrival order. `type` is `SYSCALL` when the
//!   event has one, else the first record's type; `record_types` lists them
//!   all (`SYSCALL EXECVE CWD PATH PATH PROCTITLE`), `serial` is the stamp's
//!   serial.
//!
//! Enriched fields keep auditd's upper-case names (`SYSCALL=execve`,
//! `AUID="alice"`); raw logs get `SYSCALL` from the x86_64/aarch64 syscall
//! tables. Long EXECVE arguments (`a2_len`, `a2[0]`, `a2[1]`) and EXECVE
//! continuation records are joined; `saddr` adds `saddr_fam`, `laddr` and
//! `lport`; `CommandLine` is the argv joined by spaces (or the proctitle).
//! OCSF: `execve`/`execveat` → Process Activity (Launch), `connect`/`accept`
//! with a socket address → Network Activity, `USER_AUTH`/`USER_LOGIN`/
//! `USER_START`/`USER_ERR` → Authentication Logon (`USER_END`/`USER_LOGOUT`
//! Logoff), `ADD_USER`/`DEL_USER`/`USER_CHAUTHTOK`/`USER_MGMT`/`ACCT_LOCK`/
//! `ACCT_UNLOCK` → Account Change, `ADD_GROUP`/`DEL_GROUP`/`GRP_MGMT` → Group
//! Management.
//!
//! ```
//! use kexin_logs::Normalizer;
//! use time::macros::datetime;
//!
//! let n = Normalizer::new(datetime!(2024-03-10 12:00:00 UTC));
//! let ev = n
//!     .syslog(b"Mar  9 06:25:01 bastion sshd[1234]: Failed password for invalid user oracle from 198.51.100.23 port 41870 ssh2")
//!     .unwrap();
//! assert_eq!(ev.logsource.service, Some("sshd"));
//! let ocsf = ev.ocsf.as_ref().unwrap();
//! assert_eq!((ocsf.class_uid, ocsf.status_id), (3002, Some(2)));
//! assert_eq!(ev.field("SourceIp"), Some("198.51.100.23"));
//! ```

pub mod audit;
pub mod auth;
pub mod cloud;
pub mod error;
pub mod event;
pub mod json;
pub mod normalize;
pub mod stream;
pub mod syslog;

use time::OffsetDateTime;

pub use audit::{AuditJoiner, AuditRecord, JoinConfig, parse_audit_record};
pub use auth::{AuthEvent, AuthKind, parse_auth};
pub use error::{ErrorKind, ParseError};
pub use event::{Event, Logsource, Ocsf, OcsfClass, SourceFormat, Status};
pub use stream::{StreamStats, normalize_reader};
pub use syslog::{
    OctetFrames, SyslogMessage, decode_octet_frame, parse_rfc3164, parse_rfc5424, parse_syslog,
};

/// Turns lines into [`Event`]s.
#[derive(Debug, Clone, Copy)]
pub struct Normalizer {
    reference: OffsetDateTime,
}

impl Normalizer {
    /// `reference` gives BSD syslog timestamps their year and UTC offset; use the
    /// receive time or the log file's modification time.
    pub fn new(reference: OffsetDateTime) -> Self {
        Self { reference }
    }

    /// Changes the reference time (e.g. per file).
    pub fn set_reference(&mut self, reference: OffsetDateTime) {
        self.reference = reference;
    }

    /// One syslog line (RFC 3164 or 5424, auto-detected), with auth parsing.
    pub fn syslog(&self, line: &[u8]) -> Result<Event, ParseError> {
        let m = parse_syslog(line, self.reference)?;
        Ok(normalize::event_from_syslog(line, &m))
    }

    /// One JSON object line (CloudTrail, Kubernetes audit, GCP audit, Okta and
    /// Azure records are recognised).
    pub fn json_line(&self, line: &[u8]) -> Result<Event, ParseError> {
        json::event_from_json_line(line)
    }

    /// A CloudTrail file: `{"Records": […]}` or one record per line.
    pub fn cloudtrail(&self, doc: &[u8]) -> Result<Vec<Event>, ParseError> {
        json::cloudtrail_records(doc)
    }

    /// One line of any supported kind: a line starting with `{` is JSON (a
    /// CloudTrail `Records` document yields all its records), a raw audit
    /// record or one carried in syslog becomes a single-record event (use
    /// [`line_joining`](Self::line_joining) to join the records of one audit
    /// event), anything else is syslog. Appends to `out` and returns how many
    /// events were added.
    pub fn line(&self, line: &[u8], out: &mut Vec<Event>) -> Result<usize, ParseError> {
        self.line_inner(line, None, out)
    }

    /// Like [`line`](Self::line), but audit records go through `joiner`, which
    /// emits one event per audit event once it is complete (call
    /// [`AuditJoiner::finish`] at the end of the input).
    pub fn line_joining(
        &self,
        line: &[u8],
        joiner: &mut AuditJoiner,
        out: &mut Vec<Event>,
    ) -> Result<usize, ParseError> {
        self.line_inner(line, Some(joiner), out)
    }

    fn line_inner(
        &self,
        line: &[u8],
        joiner: Option<&mut AuditJoiner>,
        out: &mut Vec<Event>,
    ) -> Result<usize, ParseError> {
        let start = line
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(line.len());
        if line.get(start) == Some(&b'{') {
            return match json::event_from_json_line(line) {
                Ok(ev) => {
                    out.push(ev);
                    Ok(1)
                }
                Err(ParseError {
                    kind: ErrorKind::JsonShape(_),
                    ..
                }) => {
                    let evs = json::cloudtrail_records(line)?;
                    let n = evs.len();
                    out.extend(evs);
                    Ok(n)
                }
                Err(e) => Err(e),
            };
        }
        let (record_text, host) = if audit::is_raw_audit_line(line) {
            let text = std::str::from_utf8(line)
                .map_err(|e| ParseError::new(e.valid_up_to(), ErrorKind::BadUtf8))?;
            (text, None)
        } else {
            let m = parse_syslog(line, self.reference)?;
            match audit::audit_in_syslog(&m) {
                Some(text) => (text, m.hostname),
                None => {
                    out.push(normalize::event_from_syslog(line, &m));
                    return Ok(1);
                }
            }
        };
        let at = audit::offset_in(line, record_text);
        let record = audit::parse_audit_str(record_text)
            .map_err(|e| ParseError::new(at + e.offset, e.kind))?;
        let raw = String::from_utf8_lossy(line);
        let before = out.len();
        match joiner {
            Some(j) => j.push(&record, &raw, host, out),
            // Without joining, the end-of-event marker carries nothing.
            None if record.record_type == "EOE" => {}
            None => out.push(audit::event_from_record(&record, &raw, host)),
        }
        Ok(out.len() - before)
    }

    /// Syslog messages in an RFC 6587 octet-counted buffer. Frame errors stop the
    /// iteration; syslog errors in one frame do not. All error offsets are
    /// relative to `buf`.
    pub fn octet_stream<'a>(
        &'a self,
        buf: &'a [u8],
    ) -> impl Iterator<Item = Result<Event, ParseError>> + 'a {
        let mut frames = OctetFrames::new(buf);
        std::iter::from_fn(move || {
            let f = frames.next()?;
            let at = frames.frame_offset();
            Some(f.and_then(|frame| {
                self.syslog(frame)
                    .map_err(|e| ParseError::new(at + e.offset, e.kind))
            }))
        })
    }
}
