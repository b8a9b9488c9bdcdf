//! A minimal, dependency-free ZIP reader (on top of `flate2`) for the
//! per-ecosystem `all.zip` archives OSV distributes
//! (`https://osv-vulnerabilities.storage.googleapis.com/<Ecosystem>/all.zip`).
//!
//! Supports what those archives use: the central directory (with ZIP64
//! sizes, offsets and entry counts), methods *stored* (0) and *deflate*
//! (8), CRC-32 verification. Encrypted entries, multi-disk archives and
//! other methods are rejected with an error. Every offset and size is
//! bounds-checked; a hostile archive yields `Err`, never a panic. The
//! decompressed size of each entry is capped by [`MAX_ENTRY_SIZE`].

use std::io::Read;

/// Largest decompressed entry accepted (64 MiB): OSV records are a few KiB.
pub const MAX_ENTRY_SIZE: u64 = 64 << 20;

/// One file from the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    /// Path inside the archive.
    pub name: String,
    /// Decompressed content.
    pub data: Vec<u8>,
}

fn u16_at(b: &[u8], off: usize) -> Result<u16, String> {
    b.get(off..off + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| format!("truncated archive (offset {off})"))
}

fn u32_at(b: &[u8], off: usize) -> Result<u32, String> {
    b.get(off..off + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| format!("truncated archive (offset {off})"))
}

fn u64_at(b: &[u8], off: usize) -> Result<u64, String> {
    let lo = u64::from(u32_at(b, off)?);
    let hi = u64::from(u32_at(b, off + 4)?);
    Ok(lo | (hi << 32))
}

fn to_usize(v: u64) -> Result<usize, String> {
    usize::try_from(v).map_err(|_| "offset out of range".to_string())
}

/// Reads every file entry (directories skipped) whose name passes `want`.
pub fn read_zip(bytes: &[u8], want: impl Fn(&str) -> bool) -> Result<Vec<ZipEntry>, String> {
    // End of central directory: 22 bytes + comment (≤ 65535).
    let min = bytes.len().saturating_sub(22 + 65535);
    let eocd = (min..=bytes.len().saturating_sub(22))
        .rev()
        .find(|&i| bytes[i..].starts_with(&[0x50, 0x4b, 0x05, 0x06]))
        .ok_or("not a zip archive (no end of central directory)")?;
    let mut count = u64::from(u16_at(bytes, eocd + 10)?);
    let mut cd_off = u64::from(u32_at(bytes, eocd + 16)?);
    if u16_at(bytes, eocd + 4)? != 0 || u16_at(bytes, eocd + 6)? != 0 {
        return Err("multi-disk zip archives are not supported".into());
    }
    if (count == 0xFFFF || cd_off == 0xFFFF_FFFF) && eocd >= 20 {
        let loc = eocd - 20;
        if u32_at(bytes, loc)? == 0x0706_4b50 {
            let z64 = to_usize(u64_at(bytes, loc + 8)?)?;
            if u32_at(bytes, z64)? != 0x0606_4b50 {
                return Err("bad ZIP64 end of central directory".into());
            }
            count = u64_at(bytes, z64 + 32)?;
            cd_off = u64_at(bytes, z64 + 48)?;
        }
    }
    let mut p = to_usize(cd_off)?;
    let mut out = Vec::new();
    for _ in 0..count {
        if u32_at(bytes, p)? != 0x0201_4b50 {
            return Err(format!("bad central directory entry at offset {p}"));
        }
        let flags = u16_at(bytes, p + 8)?;
        let method = u16_at(bytes, p + 10)?;
        let crc = u32_at(bytes, p + 16)?;
        let mut csize = u64::from(u32_at(bytes, p + 20)?);
        let mut usize_ = u64::from(u32_at(bytes, p + 24)?);
        let nlen = usize::from(u16_at(bytes, p + 28)?);
        let elen = usize::from(u16_at(bytes, p + 30)?);
        let clen = usize::from(u16_at(bytes, p + 32)?);
        let mut local = u64::from(u32_at(bytes, p + 42)?);
        let name_bytes = bytes
            .get(p + 46..p + 46 + nlen)
            .ok_or("truncated central directory")?;
        let name = String::from_utf8_lossy(name_bytes).into_owned();
        let extra = bytes
            .get(p + 46 + nlen..p + 46 + nlen + elen)
            .ok_or("truncated central directory")?;
        // ZIP64 extended information: the 0xFFFFFFFF fields, in order.
        let mut e = 0;
        while e + 4 <= extra.len() {
            let id = u16_at(extra, e)?;
            let len = usize::from(u16_at(extra, e + 2)?);
            if id == 1 {
                let mut q = e + 4;
                for field in [&mut usize_, &mut csize, &mut local] {
                    if *field == 0xFFFF_FFFF {
                        *field = u64_at(extra, q)?;
                        q += 8;
                    }
                }
            }
            e += 4 + len;
        }
        p += 46 + nlen + elen + clen;
        if name.ends_with('/') || !want(&name) {
            continue;
        }
        if flags & 1 != 0 {
            return Err(format!("{name}: encrypted entries are not supported"));
        }
        if usize_ > MAX_ENTRY_SIZE {
            return Err(format!("{name}: entry larger than {MAX_ENTRY_SIZE} bytes"));
        }
        let lh = to_usize(local)?;
        if u32_at(bytes, lh)? != 0x0403_4b50 {
            return Err(format!("{name}: bad local header"));
        }
        let start =
            lh + 30 + usize::from(u16_at(bytes, lh + 26)?) + usize::from(u16_at(bytes, lh + 28)?);
        let end = start
            .checked_add(to_usize(csize)?)
            .ok_or("entry size overflow")?;
        let raw = bytes
            .get(start..end)
            .ok_or_else(|| format!("{name}: truncated data"))?;
        let data = match method {
            0 => raw.to_vec(),
            8 => {
                let mut d = Vec::with_capacity(to_usize(usize_.min(MAX_ENTRY_SIZE))?);
                flate2::read::DeflateDecoder::new(raw)
                    .take(MAX_ENTRY_SIZE + 1)
                    .read_to_end(&mut d)
                    .map_err(|e| format!("{name}: bad deflate data: {e}"))?;
                d
            }
            m => return Err(format!("{name}: unsupported compression method {m}")),
        };
        if data.len() as u64 != usize_ {
            return Err(format!("{name}: size mismatch"));
        }
        let mut c = flate2::Crc::new();
        c.update(&data);
        if c.sum() != crc {
            return Err(format!("{name}: CRC mismatch"));
        }
        out.push(ZipEntry { name, data });
    }
    Ok(out)
}

/// Builds a zip archive (deflate, no ZIP64): for tests and fixtures.
#[doc(hidden)]
pub fn write_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::new();
    let mut cd = Vec::new();
    for (name, data) in entries {
        let mut enc =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).expect("in-memory write");
        let comp = enc.finish().expect("in-memory write");
        let mut c = flate2::Crc::new();
        c.update(data);
        let off = out.len() as u32;
        let hdr = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&sig.to_le_bytes());
            if central {
                h.extend_from_slice(&20u16.to_le_bytes());
            }
            h.extend_from_slice(&20u16.to_le_bytes()); // version needed
            h.extend_from_slice(&0u16.to_le_bytes()); // flags
            h.extend_from_slice(&8u16.to_le_bytes()); // deflate
            h.extend_from_slice(&0u32.to_le_bytes()); // time, date
            h.extend_from_slice(&c.sum().to_le_bytes());
            h.extend_from_slice(&(comp.len() as u32).to_le_bytes());
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                h.extend_from_slice(&[0; 6]); // comment, disk, int attr
                h.extend_from_slice(&0u32.to_le_bytes()); // ext attr
                h.extend_from_slice(&off.to_le_bytes());
            }
            h.extend_from_slice(name.as_bytes());
            h
        };
        out.extend(hdr(0x0403_4b50, false));
        out.extend_from_slice(&comp);
        cd.extend(hdr(0x0201_4b50, true));
    }
    let cd_off = out.len() as u32;
    out.extend_from_slice(&cd);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_off.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_corruption() {
        let z = write_zip(&[("a.json", b"{\"id\":1}"), ("dir/b.json", &[b'x'; 5000])]);
        let e = read_zip(&z, |_| true).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].name, "a.json");
        assert_eq!(e[1].data.len(), 5000);
        assert_eq!(read_zip(&z, |n| n.starts_with("dir/")).unwrap().len(), 1);
        // Every truncation and every single-byte corruption: no panic.
        for n in 0..z.len() {
            let _ = read_zip(&z[..n], |_| true);
            let mut c = z.clone();
            c[n] ^= 0x5a;
            let _ = read_zip(&c, |_| true);
        }
        assert!(read_zip(b"not a zip", |_| true).is_err());
        let mut bad = z.clone();
        bad[40] ^= 1; // inside the first entry's compressed data
        assert!(read_zip(&bad, |_| true).is_err());
    }
}
