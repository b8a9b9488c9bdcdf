//! Login records: `wtmp` (binary `struct utmp` records, as `last` reads
//! them) and interactive logins in the authentication log (`auth.log` or
//! `secure`, traditional or RFC 3339 timestamps).
//!
//! Truncated records and unparseable lines are skipped: a log that is being
//! written or rotated is never an error.

use super::{Loc, days_from_civil};
use crate::root::FileText;

/// Size of one glibc `struct utmp` record on Linux (x86-64, aarch64…).
pub const UTMP_RECORD: usize = 384;
const USER_PROCESS: i16 = 7;

/// An interactive login.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Login {
    pub user: String,
    /// Terminal (`pts/0`) or the way in (`ssh publickey`).
    pub via: String,
    /// Remote host or address, empty for a console.
    pub from: String,
    /// Unix seconds; `None` when the log line's date could not be read.
    pub time: Option<i64>,
    /// File and record number (wtmp) or line (auth log).
    pub loc: Loc,
}

fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// User-process records of a wtmp file; `loc.line` is the 1-based record number.
pub fn parse_wtmp(file: &str, bytes: &[u8]) -> Vec<Login> {
    bytes
        .chunks_exact(UTMP_RECORD)
        .enumerate()
        .filter_map(|(i, r)| {
            let ty = i16::from_le_bytes([r[0], r[1]]);
            if ty != USER_PROCESS {
                return None;
            }
            let user = c_string(&r[44..76]);
            if user.is_empty() {
                return None;
            }
            Some(Login {
                user,
                via: c_string(&r[8..40]),
                from: c_string(&r[76..332]),
                time: Some(i64::from(i32::from_le_bytes([
                    r[340], r[341], r[342], r[343],
                ]))),
                loc: Loc::new(file, i + 1),
            })
        })
        .collect()
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn hms(s: &str) -> Option<i64> {
    let mut it = s.get(..8)?.split(':');
    let h: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let sec: i64 = it.next()?.parse().ok()?;
    Some(h * 3600 + m * 60 + sec)
}

/// A syslog timestamp at the start of `line`: RFC 3339 (`2026-11-24T08:15:02.1+00:00`,
/// read as UTC) or traditional (`Nov 24 08:15:02`, in `year`).
fn line_time(line: &str, year: i64) -> Option<i64> {
    let first = line.split_whitespace().next()?;
    if first.len() >= 19 && first.as_bytes().get(4) == Some(&b'-') {
        let y: i64 = first.get(0..4)?.parse().ok()?;
        let m: i64 = first.get(5..7)?.parse().ok()?;
        let d: i64 = first.get(8..10)?.parse().ok()?;
        return Some(days_from_civil(y, m, d) * 86_400 + hms(first.get(11..)?)?);
    }
    let mut w = line.split_whitespace();
    let name = w.next()?;
    let month = MONTHS.iter().position(|m| *m == name)? as i64 + 1;
    let day: i64 = w.next()?.parse().ok()?;
    Some(days_from_civil(year, month, day) * 86_400 + hms(w.next()?)?)
}

/// Interactive logins in an authentication log. `now` dates traditional
/// timestamps (no year): a date after `now` is taken as last year's.
pub fn parse_auth_log(text: &FileText, now: i64) -> Vec<Login> {
    let days = now.div_euclid(86_400);
    let mut year_now = 1970 + days.div_euclid(366);
    while days_from_civil(year_now + 1, 1, 1) <= days {
        year_now += 1;
    }
    let mut out = Vec::new();
    for (n, line) in text.numbered_lines() {
        let login = if let Some(i) = line.find("Accepted ") {
            // sshd: "Accepted publickey for root from 10.0.0.5 port 52144 ssh2"
            let w: Vec<&str> = line[i..].split_whitespace().collect();
            match w.as_slice() {
                ["Accepted", method, "for", user, "from", from, ..] => {
                    Some((user.to_string(), format!("ssh {method}"), from.to_string()))
                }
                _ => None,
            }
        } else {
            // login(1): "ROOT LOGIN  on '/dev/tty1'" or "ROOT LOGIN ON tty1 FROM host"
            line.find("ROOT LOGIN").map(|i| {
                (
                    "root".to_string(),
                    line[i + 10..].trim().to_string(),
                    String::new(),
                )
            })
        };
        if let Some((user, via, from)) = login {
            let mut time = line_time(line, year_now);
            if let Some(t) = time
                && t > now + 86_400
            {
                time = line_time(line, year_now - 1);
            }
            out.push(Login {
                user,
                via,
                from,
                time,
                loc: Loc::new(&text.path, n),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(ty: i16, user: &str, line: &str, host: &str, time: i32) -> Vec<u8> {
        let mut r = vec![0u8; UTMP_RECORD];
        r[0..2].copy_from_slice(&ty.to_le_bytes());
        r[8..8 + line.len()].copy_from_slice(line.as_bytes());
        r[44..44 + user.len()].copy_from_slice(user.as_bytes());
        r[76..76 + host.len()].copy_from_slice(host.as_bytes());
        r[340..344].copy_from_slice(&time.to_le_bytes());
        r
    }

    #[test]
    fn wtmp_user_records_only() {
        let mut b = record(7, "root", "pts/0", "10.0.0.5", 1_764_000_000);
        b.extend(record(8, "", "pts/0", "", 1_764_000_100));
        b.extend(record(2, "reboot", "~", "6.1.0", 1_764_000_200));
        b.extend(&[1, 2, 3]);
        let l = parse_wtmp("/var/log/wtmp", &b);
        assert_eq!(l.len(), 1);
        assert_eq!(
            (
                l[0].user.as_str(),
                l[0].from.as_str(),
                l[0].time,
                l[0].loc.line
            ),
            ("root", "10.0.0.5", Some(1_764_000_000), 1)
        );
    }

    #[test]
    fn auth_log_logins_with_either_timestamp() {
        let now = days_from_civil(2026, 11, 24) * 86_400;
        let t = FileText::from_bytes(
            "/var/log/auth.log",
            b"2026-11-20T08:15:02.123456+00:00 web sshd[811]: Accepted publickey for root from 10.0.0.5 port 52144 ssh2: ED25519 SHA256:x\nNov 21 09:00:00 web login[700]: ROOT LOGIN  on '/dev/tty1'\nDec 30 10:00:00 web sshd[1]: Accepted password for alice from 10.0.0.6 port 1 ssh2\nNov 22 10:00:00 web sshd[1]: Failed password for root from 10.0.0.6\n",
        );
        let l = parse_auth_log(&t, now);
        assert_eq!(l.len(), 3);
        assert_eq!(l[0].user, "root");
        assert_eq!(
            l[0].time,
            Some(days_from_civil(2026, 11, 20) * 86_400 + 8 * 3600 + 15 * 60 + 2)
        );
        assert_eq!(l[1].via, "on '/dev/tty1'");
        assert_eq!(
            l[2].time.map(|t| t < now),
            Some(true),
            "December is last year's"
        );
    }
}
