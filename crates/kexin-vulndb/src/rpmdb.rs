//! Decoding rpm package headers as stored in the rpm database.
//!
//! RHEL/Rocky/Alma 9 keep the database in SQLite:
//! `/var/lib/rpm/rpmdb.sqlite`, table `Packages (hnum INTEGER PRIMARY KEY,
//! blob BLOB)`, one header per installed package. This crate does not
//! open SQLite (that would pull a database driver into every user of the
//! crate); the caller runs [`RPMDB_QUERY`] with the workspace's `sqlx`
//! (read-only, `immutable=1` for an offline root) and passes the rows to
//! [`parse_rpm_headers`].
//!
//! The blob is rpm's `headerExport` layout: `il` and `dl` (big-endian
//! u32: index entry count and data length), `il` index entries of 16 bytes
//! (`tag`, `type`, `offset`, `count`, big-endian), then `dl` bytes of data.
//! An optional 8-byte header magic (`8e ad e8 01 00 00 00 00`, as in
//! package files) is skipped. Every offset is bounds-checked: a corrupt
//! blob is an error, never a panic. Older Berkeley DB (`Packages`) and NDB
//! (`Packages.db`) databases are not supported.

use crate::installed::{InstalledPackage, Parsed, Problem};

/// The rpm SQLite database, relative to the root.
pub const RPMDB_SQLITE_PATH: &str = "var/lib/rpm/rpmdb.sqlite";
/// Query returning the rows [`parse_rpm_headers`] takes.
pub const RPMDB_QUERY: &str = "SELECT hnum, blob FROM Packages ORDER BY hnum";

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_I18NSTRING: u32 = 9;

/// Largest index entry count accepted (rpm's own limit is 0xffff).
const MAX_TAGS: usize = 0xffff;

fn be32(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// Decodes one header blob into an installed package (`line` is set to
/// `hnum`). `Ok(None)` for `gpg-pubkey` pseudo packages.
pub fn parse_rpm_header(hnum: usize, blob: &[u8]) -> Result<Option<InstalledPackage>, String> {
    let blob = match blob.strip_prefix(&[0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]) {
        Some(rest) => rest,
        None => blob,
    };
    let il = be32(blob, 0).ok_or("header too short")? as usize;
    let dl = be32(blob, 4).ok_or("header too short")? as usize;
    if il > MAX_TAGS {
        return Err(format!("implausible index entry count {il}"));
    }
    let data_start = 8 + il * 16;
    let data = blob
        .get(data_start..data_start.checked_add(dl).ok_or("bad data length")?)
        .ok_or("header truncated")?;
    let mut name = None;
    let mut version = None;
    let mut release = None;
    let mut epoch = None;
    let mut arch = None;
    let mut source = None;
    for i in 0..il {
        let e = 8 + i * 16;
        let (Some(tag), Some(ty), Some(off)) =
            (be32(blob, e), be32(blob, e + 4), be32(blob, e + 8))
        else {
            return Err("index truncated".into());
        };
        let off = off as usize;
        let string = || -> Result<String, String> {
            let rest = data.get(off..).ok_or("string offset out of range")?;
            let end = rest
                .iter()
                .position(|&c| c == 0)
                .ok_or("unterminated string")?;
            Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
        };
        match (tag, ty) {
            (TAG_NAME, TYPE_STRING | TYPE_I18NSTRING) => name = Some(string()?),
            (TAG_VERSION, TYPE_STRING) => version = Some(string()?),
            (TAG_RELEASE, TYPE_STRING) => release = Some(string()?),
            (TAG_ARCH, TYPE_STRING) => arch = Some(string()?),
            (TAG_SOURCERPM, TYPE_STRING) => source = Some(string()?),
            (TAG_EPOCH, TYPE_INT32) => {
                epoch = Some(be32(data, off).ok_or("epoch offset out of range")?);
            }
            _ => {}
        }
    }
    let name = name.filter(|n| !n.is_empty()).ok_or("no NAME tag")?;
    if name == "gpg-pubkey" {
        return Ok(None);
    }
    let version = version.filter(|v| !v.is_empty()).ok_or("no VERSION tag")?;
    let release = release.unwrap_or_default();
    let mut evr = match epoch {
        Some(e) => format!("{e}:{version}"),
        None => version,
    };
    if !release.is_empty() {
        evr.push('-');
        evr.push_str(&release);
    }
    let source_name = source
        .as_deref()
        .and_then(crate::installed::srpm_name)
        .unwrap_or(&name)
        .to_string();
    Ok(Some(InstalledPackage {
        source_name,
        source_version: evr.clone(),
        version: evr,
        arch: arch.unwrap_or_default(),
        name,
        line: hnum,
    }))
}

/// Decodes `(hnum, blob)` rows of [`RPMDB_QUERY`]; corrupt headers are
/// reported as problems with `line` = `hnum`.
pub fn parse_rpm_headers<'a>(
    rows: impl IntoIterator<Item = (usize, &'a [u8])>,
) -> Parsed<InstalledPackage> {
    let mut out = Parsed::default();
    for (hnum, blob) in rows {
        match parse_rpm_header(hnum, blob) {
            Ok(Some(p)) => out.items.push(p),
            Ok(None) => {}
            Err(message) => out.problems.push(Problem {
                line: hnum,
                message: format!("rpm header {hnum}: {message}"),
            }),
        }
    }
    out
}

/// Builds a header blob from `(tag, type, data)` entries (strings must
/// include their NUL). For tests and fixtures.
#[doc(hidden)]
pub fn build_rpm_header(entries: &[(u32, u32, &[u8])]) -> Vec<u8> {
    let mut index = Vec::new();
    let mut data: Vec<u8> = Vec::new();
    for (tag, ty, d) in entries {
        if *ty == TYPE_INT32 {
            while !data.len().is_multiple_of(4) {
                data.push(0);
            }
        }
        index.extend_from_slice(&tag.to_be_bytes());
        index.extend_from_slice(&ty.to_be_bytes());
        index.extend_from_slice(&(data.len() as u32).to_be_bytes());
        index.extend_from_slice(&1u32.to_be_bytes());
        data.extend_from_slice(d);
    }
    let mut out = Vec::new();
    out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend(index);
    out.extend(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openssl_libs() -> Vec<u8> {
        build_rpm_header(&[
            (63, 7, &[0u8; 16]), // HEADER_IMMUTABLE region marker: ignored
            (TAG_NAME, TYPE_STRING, b"openssl-libs\0"),
            (TAG_VERSION, TYPE_STRING, b"3.0.7\0"),
            (TAG_RELEASE, TYPE_STRING, b"25.el9_3\0"),
            (TAG_EPOCH, TYPE_INT32, &1u32.to_be_bytes()),
            (TAG_ARCH, TYPE_STRING, b"x86_64\0"),
            (
                TAG_SOURCERPM,
                TYPE_STRING,
                b"openssl-3.0.7-25.el9_3.src.rpm\0",
            ),
        ])
    }

    #[test]
    fn decodes_header() {
        let p = parse_rpm_header(7, &openssl_libs()).unwrap().unwrap();
        assert_eq!(p.name, "openssl-libs");
        assert_eq!(p.version, "1:3.0.7-25.el9_3");
        assert_eq!(p.source_name, "openssl");
        assert_eq!(p.arch, "x86_64");
        assert_eq!(p.line, 7);
        // With the package-file magic in front.
        let mut m = vec![0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];
        m.extend(openssl_libs());
        assert_eq!(parse_rpm_header(7, &m).unwrap().unwrap(), p);
        // No epoch.
        let b = build_rpm_header(&[
            (TAG_NAME, TYPE_STRING, b"bash\0"),
            (TAG_VERSION, TYPE_STRING, b"5.1.8\0"),
            (TAG_RELEASE, TYPE_STRING, b"9.el9\0"),
        ]);
        assert_eq!(
            parse_rpm_header(1, &b).unwrap().unwrap().version,
            "5.1.8-9.el9"
        );
        let key = build_rpm_header(&[
            (TAG_NAME, TYPE_STRING, b"gpg-pubkey\0"),
            (TAG_VERSION, TYPE_STRING, b"8483c65d\0"),
        ]);
        assert_eq!(parse_rpm_header(2, &key).unwrap(), None);
    }

    #[test]
    fn corrupt_headers_are_errors_not_panics() {
        let good = openssl_libs();
        for n in 0..good.len() {
            let _ = parse_rpm_header(0, &good[..n]);
            let mut c = good.clone();
            c[n] ^= 0xff;
            let _ = parse_rpm_header(0, &c);
        }
        let rows: Vec<(usize, &[u8])> = vec![(1, &good), (2, &good[..20]), (3, b"")];
        let p = parse_rpm_headers(rows);
        assert_eq!(p.items.len(), 1);
        assert_eq!(
            p.problems.iter().map(|p| p.line).collect::<Vec<_>>(),
            [2, 3]
        );
    }
}
