//! Zero-copy syslog parsing: RFC 3164 (with or without `<PRI>`, BSD or RFC 3339
//! timestamps), RFC 5424 and RFC 6587 octet-counted framing.
//!
//! Every parser borrows from the input; the only allocations are the
//! structured-data vector (only when STRUCTURED-DATA is present), unescaped SD
//! values (only when they contain escapes) and a lossy copy of MSG when it is not
//! valid UTF-8.

use std::borrow::Cow;

use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::error::{ErrorKind, ParseError};

/// Which syslog flavour a message was parsed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyslogFormat {
    /// BSD syslog (RFC 3164) and the file formats derived from it (`/var/log/auth.log`).
    Rfc3164,
    /// IETF syslog (RFC 5424).
    Rfc5424,
}

/// One `param="value"` of an RFC 5424 SD-ELEMENT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdParam<'a> {
    /// PARAM-NAME.
    pub name: &'a str,
    /// PARAM-VALUE with `\"`, `\\` and `\]` unescaped.
    pub value: Cow<'a, str>,
}

/// One `[id param="value" …]` element of RFC 5424 STRUCTURED-DATA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdElement<'a> {
    /// SD-ID.
    pub id: &'a str,
    /// The parameters in order.
    pub params: Vec<SdParam<'a>>,
}

/// A parsed syslog message borrowing from the input line.
#[derive(Debug, Clone, PartialEq)]
pub struct SyslogMessage<'a> {
    /// Which syntax matched.
    pub format: SyslogFormat,
    /// The PRI value (facility * 8 + severity) when present.
    pub pri: Option<u8>,
    /// Timestamp; `None` for the RFC 5424 NILVALUE.
    pub timestamp: Option<OffsetDateTime>,
    /// HOSTNAME.
    pub hostname: Option<&'a str>,
    /// APP-NAME / RFC 3164 TAG.
    pub app_name: Option<&'a str>,
    /// PROCID / the `[pid]` of the RFC 3164 TAG.
    pub proc_id: Option<&'a str>,
    /// RFC 5424 MSGID.
    pub msg_id: Option<&'a str>,
    /// RFC 5424 STRUCTURED-DATA (empty for NILVALUE and RFC 3164).
    pub structured_data: Vec<SdElement<'a>>,
    /// MSG, with a leading UTF-8 BOM removed. Invalid UTF-8 is replaced lossily.
    pub msg: Cow<'a, str>,
}

impl SyslogMessage<'_> {
    /// Facility (PRI / 8).
    pub fn facility(&self) -> Option<u8> {
        self.pri.map(|p| p >> 3)
    }

    /// Severity (PRI % 8).
    pub fn severity(&self) -> Option<u8> {
        self.pri.map(|p| p & 7)
    }

    /// PROCID as a number when it is one.
    pub fn pid(&self) -> Option<u32> {
        self.proc_id.and_then(|p| p.parse().ok())
    }
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn err(&self, kind: ErrorKind) -> ParseError {
        ParseError::new(self.pos, kind)
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, b: u8, kind: ErrorKind) -> Result<(), ParseError> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(self.err(kind))
        }
    }

    /// Reads `min..=max` ASCII digits as a number.
    fn digits(&mut self, min: usize, max: usize, kind: ErrorKind) -> Result<u32, ParseError> {
        let start = self.pos;
        let mut v: u32 = 0;
        while self.pos - start < max {
            match self.peek() {
                Some(d @ b'0'..=b'9') => {
                    v = v * 10 + u32::from(d - b'0');
                    self.pos += 1;
                }
                _ => break,
            }
        }
        if self.pos - start < min {
            return Err(ParseError::new(start, kind));
        }
        Ok(v)
    }

    /// Bytes up to (not including) the next space or the end.
    fn token(&mut self) -> &'a [u8] {
        let start = self.pos;
        let rest = &self.buf[start..];
        let n = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
        self.pos += n;
        &rest[..n]
    }

    fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos.min(self.buf.len())..]
    }
}

fn utf8(b: &[u8], offset: usize) -> Result<&str, ParseError> {
    std::str::from_utf8(b)
        .map_err(|e| ParseError::new(offset + e.valid_up_to(), ErrorKind::BadUtf8))
}

fn strip_eol(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\n' | b'\r' | 0) {
        end -= 1;
    }
    &line[..end]
}

fn parse_pri(c: &mut Cursor<'_>) -> Result<Option<u8>, ParseError> {
    if !c.eat(b'<') {
        return Ok(None);
    }
    let start = c.pos;
    let v = c.digits(1, 3, ErrorKind::BadPri)?;
    if v > 191 {
        return Err(ParseError::new(start, ErrorKind::BadPri));
    }
    c.expect(b'>', ErrorKind::BadPri)?;
    Ok(Some(v as u8))
}

/// Parses one syslog line, detecting RFC 5424 (`<PRI>VERSION SP …`) versus RFC 3164.
///
/// `reference` supplies the year (and UTC offset) for BSD timestamps, which have
/// neither; pass the time the line was received or the log file's mtime.
/// A trailing `\n`/`\r` is ignored.
pub fn parse_syslog(
    line: &[u8],
    reference: OffsetDateTime,
) -> Result<SyslogMessage<'_>, ParseError> {
    let line = strip_eol(line);
    if line.is_empty() {
        return Err(ParseError::new(0, ErrorKind::Empty));
    }
    let mut c = Cursor { buf: line, pos: 0 };
    let pri = parse_pri(&mut c)?;
    if pri.is_some() && is_5424_version(c.rest()) {
        parse_5424_after_pri(c, pri)
    } else {
        parse_3164_after_pri(c, pri, reference)
    }
}

fn is_5424_version(rest: &[u8]) -> bool {
    let n = rest
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_digit())
        .count();
    (1..=3).contains(&n) && rest[0] != b'0' && rest.get(n) == Some(&b' ')
}

/// Parses an RFC 3164 / traditional file format line (PRI optional).
pub fn parse_rfc3164(
    line: &[u8],
    reference: OffsetDateTime,
) -> Result<SyslogMessage<'_>, ParseError> {
    let line = strip_eol(line);
    if line.is_empty() {
        return Err(ParseError::new(0, ErrorKind::Empty));
    }
    let mut c = Cursor { buf: line, pos: 0 };
    let pri = parse_pri(&mut c)?;
    parse_3164_after_pri(c, pri, reference)
}

/// Parses an RFC 5424 line.
pub fn parse_rfc5424(line: &[u8]) -> Result<SyslogMessage<'_>, ParseError> {
    let line = strip_eol(line);
    if line.is_empty() {
        return Err(ParseError::new(0, ErrorKind::Empty));
    }
    let mut c = Cursor { buf: line, pos: 0 };
    if c.peek() != Some(b'<') {
        return Err(c.err(ErrorKind::Missing("PRI")));
    }
    let pri = parse_pri(&mut c)?;
    parse_5424_after_pri(c, pri)
}

fn month_from(b: &[u8]) -> Option<Month> {
    let m = [
        b[0].to_ascii_lowercase(),
        b[1].to_ascii_lowercase(),
        b[2].to_ascii_lowercase(),
    ];
    Some(match &m {
        b"jan" => Month::January,
        b"feb" => Month::February,
        b"mar" => Month::March,
        b"apr" => Month::April,
        b"may" => Month::May,
        b"jun" => Month::June,
        b"jul" => Month::July,
        b"aug" => Month::August,
        b"sep" => Month::September,
        b"oct" => Month::October,
        b"nov" => Month::November,
        b"dec" => Month::December,
        _ => return None,
    })
}

/// Picks the latest year (from `reference.year() + 1` downwards) that puts the
/// timestamp no more than one day after `reference`. Feb 29 falls back to the
/// previous leap year.
fn infer_year(month: Month, day: u8, t: Time, reference: OffsetDateTime) -> Option<OffsetDateTime> {
    let limit = reference + Duration::DAY;
    let ry = reference.year();
    for y in (ry - 8..=ry + 1).rev() {
        if let Ok(d) = Date::from_calendar_date(y, month, day) {
            let dt = PrimitiveDateTime::new(d, t).assume_offset(reference.offset());
            if dt <= limit {
                return Some(dt);
            }
        }
    }
    None
}

fn parse_bsd_timestamp(
    c: &mut Cursor<'_>,
    reference: OffsetDateTime,
) -> Result<OffsetDateTime, ParseError> {
    let start = c.pos;
    let bad = || ParseError::new(start, ErrorKind::BadTimestamp);
    let m = c.buf.get(c.pos..c.pos + 3).ok_or_else(bad)?;
    let month = month_from(m).ok_or_else(bad)?;
    c.pos += 3;
    c.expect(b' ', ErrorKind::BadTimestamp)?;
    c.eat(b' ');
    let day = c.digits(1, 2, ErrorKind::BadTimestamp)?;
    c.expect(b' ', ErrorKind::BadTimestamp)?;
    let h = c.digits(2, 2, ErrorKind::BadTimestamp)?;
    c.expect(b':', ErrorKind::BadTimestamp)?;
    let mi = c.digits(2, 2, ErrorKind::BadTimestamp)?;
    c.expect(b':', ErrorKind::BadTimestamp)?;
    let s = c.digits(2, 2, ErrorKind::BadTimestamp)?;
    let mut nanos = 0u32;
    if c.eat(b'.') {
        let fs = c.pos;
        let f = c.digits(1, 9, ErrorKind::BadTimestamp)?;
        nanos = f * 10u32.pow(9 - (c.pos - fs) as u32);
    }
    let t = Time::from_hms_nano(h as u8, mi as u8, s as u8, nanos).map_err(|_| bad())?;
    if day == 0 || day > 31 {
        return Err(bad());
    }
    infer_year(month, day as u8, t, reference).ok_or_else(bad)
}

fn parse_rfc3339_token(c: &mut Cursor<'_>) -> Result<OffsetDateTime, ParseError> {
    let start = c.pos;
    let tok = c.token();
    let s =
        std::str::from_utf8(tok).map_err(|_| ParseError::new(start, ErrorKind::BadTimestamp))?;
    OffsetDateTime::parse(s, &Rfc3339).map_err(|_| ParseError::new(start, ErrorKind::BadTimestamp))
}

fn looks_like_rfc3339(b: &[u8]) -> bool {
    b.len() >= 5 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

fn parse_3164_after_pri<'a>(
    mut c: Cursor<'a>,
    pri: Option<u8>,
    reference: OffsetDateTime,
) -> Result<SyslogMessage<'a>, ParseError> {
    let timestamp = if looks_like_rfc3339(c.rest()) {
        parse_rfc3339_token(&mut c)?
    } else {
        parse_bsd_timestamp(&mut c, reference)?
    };
    if !c.eat(b' ') || c.at_end() {
        return Err(c.err(ErrorKind::Missing("hostname")));
    }
    // HOSTNAME, unless the next token is already the TAG (`app[pid]:` / `app:`).
    let save = c.pos;
    let tok = c.token();
    let hostname = if tok.last() == Some(&b':') {
        c.pos = save;
        None
    } else {
        let h = utf8(tok, save)?;
        c.eat(b' ');
        Some(h)
    };
    // TAG: app[pid]: or app:
    let rest = c.rest();
    let mut app_name = None;
    let mut proc_id = None;
    let stop = rest.iter().position(|&b| matches!(b, b'[' | b':' | b' '));
    match stop {
        Some(i) if i > 0 && rest[i] == b':' => {
            app_name = Some(utf8(&rest[..i], c.pos)?);
            c.pos += i + 1;
            c.eat(b' ');
        }
        Some(i) if i > 0 && rest[i] == b'[' => {
            if let Some(j) = rest[i + 1..].iter().position(|&b| b == b']') {
                let close = i + 1 + j;
                if rest.get(close + 1) == Some(&b':') || close + 1 == rest.len() {
                    app_name = Some(utf8(&rest[..i], c.pos)?);
                    proc_id = Some(utf8(&rest[i + 1..close], c.pos + i + 1)?);
                    c.pos += close + 1;
                    c.eat(b':');
                    c.eat(b' ');
                }
            }
        }
        _ => {}
    }
    Ok(SyslogMessage {
        format: SyslogFormat::Rfc3164,
        pri,
        timestamp: Some(timestamp),
        hostname,
        app_name,
        proc_id,
        msg_id: None,
        structured_data: Vec::new(),
        msg: String::from_utf8_lossy(c.rest()),
    })
}

/// A header field: NILVALUE (`-`) or 1..=max PRINTUSASCII bytes.
fn header_field<'a>(
    c: &mut Cursor<'a>,
    name: &'static str,
    max: usize,
) -> Result<Option<&'a str>, ParseError> {
    let start = c.pos;
    let tok = c.token();
    if tok.is_empty() {
        return Err(ParseError::new(start, ErrorKind::Missing(name)));
    }
    if tok.len() > max || !tok.iter().all(|b| (33..=126).contains(b)) {
        return Err(ParseError::new(start, ErrorKind::BadField(name)));
    }
    c.expect(b' ', ErrorKind::Missing(name))?;
    if tok == b"-" {
        return Ok(None);
    }
    // All bytes are ASCII, so this cannot fail.
    Ok(Some(utf8(tok, start)?))
}

fn parse_5424_after_pri(
    mut c: Cursor<'_>,
    pri: Option<u8>,
) -> Result<SyslogMessage<'_>, ParseError> {
    c.digits(1, 3, ErrorKind::BadVersion)?;
    c.expect(b' ', ErrorKind::BadVersion)?;
    let timestamp = if c.peek() == Some(b'-') && matches!(c.buf.get(c.pos + 1), Some(b' ') | None) {
        c.pos += 1;
        None
    } else {
        Some(parse_rfc3339_token(&mut c)?)
    };
    c.expect(b' ', ErrorKind::Missing("hostname"))?;
    let hostname = header_field(&mut c, "hostname", 255)?;
    let app_name = header_field(&mut c, "app-name", 48)?;
    let proc_id = header_field(&mut c, "procid", 128)?;
    let msg_id = header_field_last(&mut c)?;
    let structured_data = if c.eat(b'-') {
        Vec::new()
    } else if c.peek() == Some(b'[') {
        parse_sd(&mut c)?
    } else {
        return Err(c.err(ErrorKind::Missing("structured data")));
    };
    let msg: &[u8] = if c.at_end() {
        b""
    } else {
        c.expect(
            b' ',
            ErrorKind::BadStructuredData("expected space after structured data"),
        )?;
        let m = c.rest();
        m.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(m)
    };
    Ok(SyslogMessage {
        format: SyslogFormat::Rfc5424,
        pri,
        timestamp,
        hostname,
        app_name,
        proc_id,
        msg_id,
        structured_data,
        msg: String::from_utf8_lossy(msg),
    })
}

fn header_field_last<'a>(c: &mut Cursor<'a>) -> Result<Option<&'a str>, ParseError> {
    header_field(c, "msgid", 32)
}

fn is_sd_name_byte(b: u8) -> bool {
    (33..=126).contains(&b) && !matches!(b, b'=' | b']' | b'"')
}

fn sd_name<'a>(c: &mut Cursor<'a>, what: &'static str) -> Result<&'a str, ParseError> {
    let start = c.pos;
    while c.peek().is_some_and(is_sd_name_byte) {
        c.pos += 1;
    }
    if c.pos == start {
        return Err(ParseError::new(start, ErrorKind::BadStructuredData(what)));
    }
    utf8(&c.buf[start..c.pos], start)
}

fn parse_sd<'a>(c: &mut Cursor<'a>) -> Result<Vec<SdElement<'a>>, ParseError> {
    let mut out = Vec::new();
    while c.eat(b'[') {
        let id = sd_name(c, "missing SD-ID")?;
        let mut params = Vec::new();
        loop {
            if c.eat(b']') {
                break;
            }
            c.expect(b' ', ErrorKind::BadStructuredData("expected space or ]"))?;
            let name = sd_name(c, "missing PARAM-NAME")?;
            c.expect(b'=', ErrorKind::BadStructuredData("expected ="))?;
            c.expect(b'"', ErrorKind::BadStructuredData("expected \""))?;
            let start = c.pos;
            let mut escaped = false;
            loop {
                match c.peek() {
                    None => {
                        return Err(c.err(ErrorKind::BadStructuredData("unterminated PARAM-VALUE")));
                    }
                    Some(b'\\') => {
                        if matches!(c.buf.get(c.pos + 1), Some(b'"' | b'\\' | b']')) {
                            escaped = true;
                            c.pos += 2;
                        } else {
                            c.pos += 1;
                        }
                    }
                    Some(b'"') => break,
                    Some(_) => c.pos += 1,
                }
            }
            let raw = utf8(&c.buf[start..c.pos], start)?;
            c.pos += 1; // closing quote
            let value = if escaped {
                Cow::Owned(unescape_sd(raw))
            } else {
                Cow::Borrowed(raw)
            };
            params.push(SdParam { name, value });
        }
        out.push(SdElement { id, params });
    }
    Ok(out)
}

fn unescape_sd(raw: &str) -> String {
    let mut s = String::with_capacity(raw.len());
    let mut it = raw.chars().peekable();
    while let Some(ch) = it.next() {
        if ch == '\\' && matches!(it.peek(), Some('"' | '\\' | ']')) {
            if let Some(n) = it.next() {
                s.push(n);
            }
        } else {
            s.push(ch);
        }
    }
    s
}

/// Largest frame accepted by the octet-counting decoder (16 MiB).
pub const MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

/// Decodes one RFC 6587 octet-counted frame (`MSG-LEN SP SYSLOG-MSG`) at the
/// start of `buf`.
///
/// Returns `Ok(None)` when `buf` does not yet hold a whole frame (read more and
/// call again), `Ok(Some((frame, consumed)))` otherwise. Leading `\n`/`\r` bytes
/// between frames are tolerated and counted in `consumed`.
pub fn decode_octet_frame(buf: &[u8]) -> Result<Option<(&[u8], usize)>, ParseError> {
    let mut pos = buf
        .iter()
        .take_while(|&&b| matches!(b, b'\n' | b'\r'))
        .count();
    let start = pos;
    let mut len: usize = 0;
    while let Some(&b) = buf.get(pos) {
        if !b.is_ascii_digit() {
            break;
        }
        if pos == start && b == b'0' {
            return Err(ParseError::new(pos, ErrorKind::BadFrameLength));
        }
        len = len * 10 + usize::from(b - b'0');
        if len > MAX_FRAME_LEN {
            return Err(ParseError::new(start, ErrorKind::BadFrameLength));
        }
        pos += 1;
    }
    match buf.get(pos) {
        None => return Ok(None),
        Some(b' ') if pos > start => {}
        Some(_) => return Err(ParseError::new(pos, ErrorKind::BadFrameLength)),
    }
    pos += 1;
    let end = pos + len;
    if end > buf.len() {
        return Ok(None);
    }
    Ok(Some((&buf[pos..end], end)))
}

/// Iterator over the octet-counted frames of a complete buffer.
///
/// Yields an error (and then stops) on a bad length prefix or when the buffer
/// ends inside a frame; error offsets are relative to the whole buffer.
#[derive(Debug, Clone)]
pub struct OctetFrames<'a> {
    buf: &'a [u8],
    pos: usize,
    done: bool,
    last_start: usize,
}

impl<'a> OctetFrames<'a> {
    /// Frames of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self {
            buf,
            pos: 0,
            done: false,
            last_start: 0,
        }
    }

    /// Byte offset in the buffer of the payload of the frame returned last.
    pub fn frame_offset(&self) -> usize {
        self.last_start
    }
}

impl<'a> Iterator for OctetFrames<'a> {
    type Item = Result<&'a [u8], ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let rest = &self.buf[self.pos..];
        if rest.iter().all(|b| matches!(b, b'\n' | b'\r')) {
            self.done = true;
            return None;
        }
        match decode_octet_frame(rest) {
            Ok(Some((frame, used))) => {
                self.last_start = self.pos + used - frame.len();
                self.pos += used;
                Some(Ok(frame))
            }
            Ok(None) => {
                self.done = true;
                Some(Err(ParseError::new(self.pos, ErrorKind::Truncated)))
            }
            Err(e) => {
                self.done = true;
                Some(Err(ParseError::new(self.pos + e.offset, e.kind)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const REF: OffsetDateTime = datetime!(2024-03-10 12:00:00 UTC);

    #[test]
    fn auth_log_line_without_pri() {
        let m = parse_syslog(
            b"Mar  9 06:25:01 bastion sshd[1234]: Accepted publickey for deploy from 10.0.4.7 port 50122 ssh2\n",
            REF,
        )
        .unwrap();
        assert_eq!(m.format, SyslogFormat::Rfc3164);
        assert_eq!(m.pri, None);
        assert_eq!(m.timestamp, Some(datetime!(2024-03-09 06:25:01 UTC)));
        assert_eq!(m.hostname, Some("bastion"));
        assert_eq!(m.app_name, Some("sshd"));
        assert_eq!(m.pid(), Some(1234));
        assert!(m.msg.starts_with("Accepted publickey"));
        assert!(matches!(m.msg, Cow::Borrowed(_)));
    }

    #[test]
    fn rfc3164_with_pri_and_year_rollover() {
        let r = datetime!(2025-01-01 00:10:00 UTC);
        let m = parse_syslog(
            b"<38>Dec 31 23:59:58 web01 su[88]: (to root) alice on pts/0",
            r,
        )
        .unwrap();
        assert_eq!(m.facility(), Some(4));
        assert_eq!(m.severity(), Some(6));
        assert_eq!(m.timestamp, Some(datetime!(2024-12-31 23:59:58 UTC)));
    }

    #[test]
    fn feb_29_goes_to_previous_leap_year() {
        let r = datetime!(2025-03-01 00:00:00 UTC);
        let m = parse_syslog(b"Feb 29 10:00:00 h cron: x", r).unwrap();
        assert_eq!(m.timestamp, Some(datetime!(2024-02-29 10:00:00 UTC)));
    }

    #[test]
    fn debian12_rfc3339_file_format() {
        let m = parse_syslog(
            b"2024-03-09T06:25:01.482913+01:00 db02 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update",
            REF,
        )
        .unwrap();
        assert_eq!(
            m.timestamp,
            Some(datetime!(2024-03-09 06:25:01.482913 +01:00))
        );
        assert_eq!(m.hostname, Some("db02"));
        assert_eq!(m.app_name, Some("sudo"));
        assert_eq!(m.proc_id, None);
        assert_eq!(
            m.msg,
            "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update"
        );
    }

    #[test]
    fn tag_without_hostname_and_no_tag() {
        let m = parse_syslog(b"<13>Mar  9 06:25:01 myapp[7]: hello", REF).unwrap();
        assert_eq!(m.hostname, None);
        assert_eq!(m.app_name, Some("myapp"));
        assert_eq!(m.msg, "hello");
        let m = parse_syslog(b"Mar  9 06:25:01 host just some text", REF).unwrap();
        assert_eq!(m.hostname, Some("host"));
        assert_eq!(m.app_name, None);
        assert_eq!(m.msg, "just some text");
    }

    #[test]
    fn rfc5424_full() {
        let line = "<165>1 2024-03-09T22:14:15.003Z mymachine.example.com evntslog 4711 ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Appl\\\"ication\"][meta seq=\"1\"] \u{feff}An application event";
        let m = parse_syslog(line.as_bytes(), REF).unwrap();
        assert_eq!(m.format, SyslogFormat::Rfc5424);
        assert_eq!(m.pri, Some(165));
        assert_eq!(m.timestamp, Some(datetime!(2024-03-09 22:14:15.003 UTC)));
        assert_eq!(m.hostname, Some("mymachine.example.com"));
        assert_eq!(m.app_name, Some("evntslog"));
        assert_eq!(m.pid(), Some(4711));
        assert_eq!(m.msg_id, Some("ID47"));
        assert_eq!(m.structured_data.len(), 2);
        assert_eq!(m.structured_data[0].params[1].value, "Appl\"ication");
        assert_eq!(m.structured_data[1].id, "meta");
        assert_eq!(m.msg, "An application event");
    }

    #[test]
    fn rfc5424_nil_values() {
        let m = parse_syslog(b"<34>1 - - - - - -", REF).unwrap();
        assert_eq!(m.timestamp, None);
        assert_eq!(m.hostname, None);
        assert_eq!(m.app_name, None);
        assert_eq!(m.msg, "");
        assert!(m.structured_data.is_empty());
    }

    #[test]
    fn errors_carry_offsets() {
        assert_eq!(parse_syslog(b"", REF).unwrap_err().kind, ErrorKind::Empty);
        let e = parse_syslog(b"<999>Mar  9 06:25:01 h a: b", REF).unwrap_err();
        assert_eq!((e.offset, e.kind), (1, ErrorKind::BadPri));
        let e = parse_syslog(b"Foo  9 06:25:01 h a: b", REF).unwrap_err();
        assert_eq!((e.offset, e.kind), (0, ErrorKind::BadTimestamp));
        let e = parse_syslog(b"<34>1 2024-03-09T22:14:15Z h a p m [x a=\"1]", REF).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::BadStructuredData(_)));
        assert_eq!(e.offset, 43);
        let e = parse_syslog(b"Mar  9 06:25:01", REF).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Missing("hostname"));
    }

    #[test]
    fn octet_framing() {
        let buf = b"11 hello world5 abcde\n3 xyz";
        let frames: Vec<_> = OctetFrames::new(buf).collect::<Result<_, _>>().unwrap();
        assert_eq!(frames, vec![&b"hello world"[..], b"abcde", b"xyz"]);
        let mut it = OctetFrames::new(buf);
        it.next();
        it.next();
        assert_eq!(it.frame_offset(), 16);
        assert_eq!(decode_octet_frame(b"10 short").unwrap(), None);
        assert_eq!(decode_octet_frame(b"12").unwrap(), None);
        let errs: Vec<_> = OctetFrames::new(b"3 abc\nx1 a").collect();
        assert_eq!(
            errs[1].as_ref().unwrap_err().kind,
            ErrorKind::BadFrameLength
        );
        assert_eq!(errs[1].as_ref().unwrap_err().offset, 6);
        let errs: Vec<_> = OctetFrames::new(b"3 abc9 ab").collect();
        assert_eq!(errs[1].as_ref().unwrap_err().kind, ErrorKind::Truncated);
        assert!(decode_octet_frame(b"99999999999 x").is_err());
    }
}
