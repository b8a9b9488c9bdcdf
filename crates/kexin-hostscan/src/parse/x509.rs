//! The few X.509 certificate fields a web TLS check needs — subject and
//! issuer (as raw DER, to match a certificate with its issuer), the end of
//! validity, and the public key's type and size — read from PEM files.
//!
//! A small DER reader instead of a full X.509 library: nothing here
//! verifies signatures (the check only looks for the issuer certificate in
//! the configured chain), and every length is bounds-checked, so arbitrary
//! bytes give `None`, never a panic.

use super::{base64_decode, days_from_civil};

/// What a certificate says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// DER of the subject and issuer names.
    pub subject: Vec<u8>,
    pub issuer: Vec<u8>,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    pub key: PublicKey,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// Modulus size in bits.
    Rsa(u32),
    /// Curve size in bits (256, 384, 521).
    Ec(u32),
    Ed25519,
    Other,
}

/// One DER element: tag and contents; advances `at`.
fn element<'a>(der: &'a [u8], at: &mut usize) -> Option<(u8, &'a [u8])> {
    let tag = *der.get(*at)?;
    let first = *der.get(*at + 1)?;
    let mut pos = *at + 2;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for _ in 0..n {
            len = (len << 8) | usize::from(*der.get(pos)?);
            pos += 1;
        }
        len
    };
    let body = der.get(pos..pos.checked_add(len)?)?;
    *at = pos + len;
    Some((tag, body))
}

/// UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn time(tag: u8, body: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(body).ok()?;
    let (y, rest) = match tag {
        0x17 => {
            let yy: i64 = s.get(0..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        0x18 => (s.get(0..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    let n = |r: std::ops::Range<usize>| -> Option<i64> { rest.get(r)?.parse().ok() };
    let (mo, d, h, mi, se) = (n(0..2)?, n(2..4)?, n(4..6)?, n(6..8)?, n(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];

fn public_key(spki: &[u8]) -> Option<PublicKey> {
    let mut at = 0;
    let (_, alg) = element(spki, &mut at)?;
    let (_, bits) = element(spki, &mut at)?;
    let mut a = 0;
    let (_, oid) = element(alg, &mut a)?;
    let param = element(alg, &mut a).map(|(_, p)| p);
    Some(match oid {
        OID_RSA => {
            let key = bits.get(1..)?; // skip the unused-bits byte
            let mut k = 0;
            let (_, seq) = element(key, &mut k)?;
            let mut s = 0;
            let (_, n) = element(seq, &mut s)?;
            let n = &n[n.iter().take_while(|b| **b == 0).count()..];
            PublicKey::Rsa(
                (n.len() as u32 * 8).saturating_sub(n.first().map_or(0, |b| b.leading_zeros())),
            )
        }
        OID_EC => PublicKey::Ec(match param {
            Some(OID_P256) => 256,
            Some(OID_P384) => 384,
            Some(OID_P521) => 521,
            _ => 0,
        }),
        OID_ED25519 => PublicKey::Ed25519,
        _ => PublicKey::Other,
    })
}

/// Parses one DER certificate.
pub fn parse_der(der: &[u8]) -> Option<Certificate> {
    let mut at = 0;
    let (_, cert) = element(der, &mut at)?;
    let mut c = 0;
    let (_, tbs) = element(cert, &mut c)?;
    let mut t = 0;
    let mut next = || element(tbs, &mut t);
    let (mut tag, _) = next()?;
    if tag == 0xa0 {
        tag = next()?.0; // serial after the explicit version
    }
    if tag != 0x02 {
        return None;
    }
    let _signature = next()?;
    let (_, issuer) = next()?;
    let (_, validity) = next()?;
    let (_, subject) = next()?;
    let (_, spki) = next()?;
    let mut v = 0;
    let _not_before = element(validity, &mut v)?;
    let (tag, after) = element(validity, &mut v)?;
    Some(Certificate {
        subject: subject.to_vec(),
        issuer: issuer.to_vec(),
        not_after: time(tag, after)?,
        key: public_key(spki)?,
    })
}

/// The certificates of a PEM file, in order; blocks that do not parse are
/// `None` in their place.
pub fn parse_pem(text: &str) -> Vec<Option<Certificate>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let body = &rest[start + 27..];
        let Some(end) = body.find("-----END CERTIFICATE-----") else {
            out.push(None);
            break;
        };
        out.push(base64_decode(&body[..end]).and_then(|d| parse_der(&d)));
        rest = &body[end + 25..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_or_garbage_input_gives_none() {
        assert_eq!(parse_der(&[]), None);
        assert_eq!(parse_der(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(
            parse_pem("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"),
            vec![None]
        );
        assert_eq!(
            time(0x17, b"261124120000Z"),
            Some(days_from_civil(2026, 11, 24) * 86_400 + 12 * 3600)
        );
        assert_eq!(
            time(0x18, b"20501231235959Z"),
            Some(days_from_civil(2050, 12, 31) * 86_400 + 86_399)
        );
    }
}
