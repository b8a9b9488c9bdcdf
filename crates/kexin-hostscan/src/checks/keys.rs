//! Key policy beyond type and size: who holds which authorized key, and
//! how private keys left on the host are protected.

use std::collections::BTreeMap;

use super::{
    Evidence, Host, Outcome, authorized_keys_files, error, not_applicable, parse_public_key,
    ssh_string, verdict,
};
use crate::parse::accounts::PasswordState;
use crate::parse::base64_decode;

const DAY: i64 = 86_400;

pub(super) fn authorized_keys_inventory(h: &Host) -> Outcome {
    // fingerprint → (account, file, line)
    let mut seen: BTreeMap<String, Vec<(String, String, usize)>> = BTreeMap::new();
    let mut bad = Vec::new();
    let today = h.now.div_euclid(DAY);
    let accounts = h.accounts();
    for (user, path) in authorized_keys_files(h) {
        let t = match h.root.read_optional(&path) {
            Ok(Some(t)) => t,
            Ok(None) => continue,
            Err(e) => return error(&e),
        };
        let shadow = accounts.shadow_of(&user.name);
        let locked = shadow.is_some_and(|s| matches!(s.state(), PasswordState::Locked(_)));
        let expired = shadow
            .and_then(|s| s.expire)
            .is_some_and(|d| d > 0 && d <= today);
        for (n, line) in t.numbered_lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some(k) = parse_public_key(line) else {
                continue;
            };
            if k.comment.trim().is_empty() {
                bad.push(Evidence::at(
                    &path,
                    n,
                    format!(
                        "{} key of {} has no comment naming its holder",
                        k.kind, user.name
                    ),
                ));
            }
            if locked || expired {
                bad.push(Evidence::at(
                    &path,
                    n,
                    format!(
                        "{} is {} but still has an authorized key",
                        user.name,
                        if locked { "locked" } else { "expired" }
                    ),
                ));
            }
            seen.entry(k.fingerprint)
                .or_default()
                .push((user.name.clone(), path.clone(), n));
        }
    }
    if seen.is_empty() {
        return not_applicable("no authorized keys");
    }
    for (fp, uses) in &seen {
        let mut users: Vec<&str> = uses.iter().map(|u| u.0.as_str()).collect();
        users.sort_unstable();
        users.dedup();
        if users.len() > 1 {
            for (_, file, line) in uses {
                bad.push(Evidence::at(
                    file,
                    *line,
                    format!("key {fp} is shared by {}", users.join(", ")),
                ));
            }
        }
    }
    verdict(
        bad,
        &format!(
            "{} authorized keys, each named, used by one account, on active accounts",
            seen.len()
        ),
        "authorized keys are anonymous, shared or left on locked accounts",
        Vec::new(),
    )
}

/// Whether a private key file is passphrase-protected; `None` if the text
/// is not a private key.
fn private_key_encrypted(text: &str) -> Option<bool> {
    if let Some(start) = text.find("-----BEGIN OPENSSH PRIVATE KEY-----") {
        let body: String = text[start..]
            .lines()
            .skip(1)
            .take_while(|l| !l.starts_with("-----END"))
            .collect();
        let blob = base64_decode(body.trim())?;
        let rest = blob.strip_prefix(b"openssh-key-v1\0")?;
        let mut at = 0;
        let _cipher = ssh_string(rest, &mut at)?;
        let kdf = ssh_string(rest, &mut at)?;
        return Some(kdf != b"none");
    }
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return Some(true);
    }
    if ["RSA", "DSA", "EC"]
        .iter()
        .any(|k| text.contains(&format!("-----BEGIN {k} PRIVATE KEY-----")))
    {
        return Some(text.contains("Proc-Type: 4,ENCRYPTED"));
    }
    if text.contains("-----BEGIN PRIVATE KEY-----") {
        return Some(false);
    }
    None
}

fn key_file_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    (name.starts_with("id_") && !name.ends_with(".pub"))
        || name.ends_with(".pem")
        || name.ends_with(".key")
}

pub(super) fn user_private_key_protection(h: &Host) -> Outcome {
    let w = h.walk();
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for e in w
        .personal
        .iter()
        .filter(|e| e.path.starts_with("/home/") || e.path.starts_with("/root/"))
        .filter(|e| key_file_name(&e.path) && e.size <= 64 * 1024)
    {
        let t = match h.root.read(&e.path) {
            Ok(t) => t,
            Err(err) => return error(&err),
        };
        let Some(encrypted) = private_key_encrypted(&t.text) else {
            continue;
        };
        let mut wrong = Vec::new();
        if e.mode & 0o077 != 0 {
            wrong.push(format!("mode {:04o} (expected at most 0600)", e.mode));
        }
        if !encrypted {
            wrong.push("no passphrase".to_string());
        }
        if wrong.is_empty() {
            seen.push(Evidence::file(&e.path, "owner-only, passphrase-protected"));
        } else {
            bad.push(Evidence::file(
                &e.path,
                format!("private key: {}", wrong.join(", ")),
            ));
        }
    }
    if bad.is_empty() && seen.is_empty() {
        if w.summary.truncated {
            return not_applicable(
                "no private keys found in the part of the filesystem walked (walk truncated)",
            );
        }
        return not_applicable("no SSH or PEM private keys under /home or /root");
    }
    verdict(
        bad,
        "private keys on the host are owner-only and passphrase-protected",
        "private keys on the host are unprotected",
        seen,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_key_formats_tell_whether_they_are_encrypted() {
        assert_eq!(
            private_key_encrypted(
                "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"
            ),
            Some(true)
        );
        assert_eq!(
            private_key_encrypted("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
            Some(false)
        );
        assert_eq!(private_key_encrypted("-----BEGIN CERTIFICATE-----\n"), None);
        assert_eq!(
            private_key_encrypted(
                "-----BEGIN OPENSSH PRIVATE KEY-----\n!!\n-----END OPENSSH PRIVATE KEY-----\n"
            ),
            None
        );
    }
}
