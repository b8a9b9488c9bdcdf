//! Web TLS: the cipher suites a configured cipher string really enables,
//! and whether every site serves HTTPS with a sound certificate.
//!
//! OpenSSL cipher strings (`HIGH:!aNULL:!MD5`, `ECDHE+AESGCM:!SHA1`) are
//! expanded here with OpenSSL's rules over a table of the TLS 1.2 suites
//! OpenSSL implements, rather than by running `openssl ciphers`: an offline
//! root is never executed, and the answer must not depend on the scanning
//! host's OpenSSL build.

use super::{Evidence, Host, NO_WEB_SERVER, Outcome, fail, not_applicable, verdict};
use crate::parse::nginx::Directive;
use crate::parse::x509::{PublicKey, parse_pem};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kx {
    Ecdhe,
    Dhe,
    Rsa,
    Psk,
    Anon,
}

/// A TLS 1.2 suite: OpenSSL name, key exchange, authentication, cipher, MAC.
#[derive(Debug, Clone, Copy)]
struct Suite {
    name: &'static str,
    kx: Kx,
    au: &'static str,
    enc: &'static str,
    mac: &'static str,
    /// OpenSSL strength class: HIGH, MEDIUM, LOW, EXPORT.
    strength: &'static str,
}

const fn s(
    name: &'static str,
    kx: Kx,
    au: &'static str,
    enc: &'static str,
    mac: &'static str,
    strength: &'static str,
) -> Suite {
    Suite {
        name,
        kx,
        au,
        enc,
        mac,
        strength,
    }
}

const SUITES: &[Suite] = &[
    s(
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        Kx::Ecdhe,
        "ECDSA",
        "AESGCM256",
        "AEAD",
        "HIGH",
    ),
    s(
        "ECDHE-RSA-AES256-GCM-SHA384",
        Kx::Ecdhe,
        "RSA",
        "AESGCM256",
        "AEAD",
        "HIGH",
    ),
    s(
        "DHE-RSA-AES256-GCM-SHA384",
        Kx::Dhe,
        "RSA",
        "AESGCM256",
        "AEAD",
        "HIGH",
    ),
    s(
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        Kx::Ecdhe,
        "ECDSA",
        "CHACHA20",
        "AEAD",
        "HIGH",
    ),
    s(
        "ECDHE-RSA-CHACHA20-POLY1305",
        Kx::Ecdhe,
        "RSA",
        "CHACHA20",
        "AEAD",
        "HIGH",
    ),
    s(
        "DHE-RSA-CHACHA20-POLY1305",
        Kx::Dhe,
        "RSA",
        "CHACHA20",
        "AEAD",
        "HIGH",
    ),
    s(
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        Kx::Ecdhe,
        "ECDSA",
        "AESGCM128",
        "AEAD",
        "HIGH",
    ),
    s(
        "ECDHE-RSA-AES128-GCM-SHA256",
        Kx::Ecdhe,
        "RSA",
        "AESGCM128",
        "AEAD",
        "HIGH",
    ),
    s(
        "DHE-RSA-AES128-GCM-SHA256",
        Kx::Dhe,
        "RSA",
        "AESGCM128",
        "AEAD",
        "HIGH",
    ),
    s(
        "ECDHE-ECDSA-AES256-SHA384",
        Kx::Ecdhe,
        "ECDSA",
        "AES256",
        "SHA384",
        "HIGH",
    ),
    s(
        "ECDHE-RSA-AES256-SHA384",
        Kx::Ecdhe,
        "RSA",
        "AES256",
        "SHA384",
        "HIGH",
    ),
    s(
        "DHE-RSA-AES256-SHA256",
        Kx::Dhe,
        "RSA",
        "AES256",
        "SHA256",
        "HIGH",
    ),
    s(
        "ECDHE-ECDSA-AES128-SHA256",
        Kx::Ecdhe,
        "ECDSA",
        "AES128",
        "SHA256",
        "HIGH",
    ),
    s(
        "ECDHE-RSA-AES128-SHA256",
        Kx::Ecdhe,
        "RSA",
        "AES128",
        "SHA256",
        "HIGH",
    ),
    s(
        "DHE-RSA-AES128-SHA256",
        Kx::Dhe,
        "RSA",
        "AES128",
        "SHA256",
        "HIGH",
    ),
    s(
        "ECDHE-ECDSA-AES256-SHA",
        Kx::Ecdhe,
        "ECDSA",
        "AES256",
        "SHA1",
        "HIGH",
    ),
    s(
        "ECDHE-RSA-AES256-SHA",
        Kx::Ecdhe,
        "RSA",
        "AES256",
        "SHA1",
        "HIGH",
    ),
    s(
        "DHE-RSA-AES256-SHA",
        Kx::Dhe,
        "RSA",
        "AES256",
        "SHA1",
        "HIGH",
    ),
    s(
        "ECDHE-ECDSA-AES128-SHA",
        Kx::Ecdhe,
        "ECDSA",
        "AES128",
        "SHA1",
        "HIGH",
    ),
    s(
        "ECDHE-RSA-AES128-SHA",
        Kx::Ecdhe,
        "RSA",
        "AES128",
        "SHA1",
        "HIGH",
    ),
    s(
        "DHE-RSA-AES128-SHA",
        Kx::Dhe,
        "RSA",
        "AES128",
        "SHA1",
        "HIGH",
    ),
    s(
        "AES256-GCM-SHA384",
        Kx::Rsa,
        "RSA",
        "AESGCM256",
        "AEAD",
        "HIGH",
    ),
    s(
        "AES128-GCM-SHA256",
        Kx::Rsa,
        "RSA",
        "AESGCM128",
        "AEAD",
        "HIGH",
    ),
    s("AES256-SHA256", Kx::Rsa, "RSA", "AES256", "SHA256", "HIGH"),
    s("AES128-SHA256", Kx::Rsa, "RSA", "AES128", "SHA256", "HIGH"),
    s("AES256-SHA", Kx::Rsa, "RSA", "AES256", "SHA1", "HIGH"),
    s("AES128-SHA", Kx::Rsa, "RSA", "AES128", "SHA1", "HIGH"),
    s(
        "CAMELLIA256-SHA",
        Kx::Rsa,
        "RSA",
        "CAMELLIA256",
        "SHA1",
        "HIGH",
    ),
    s(
        "DHE-RSA-CAMELLIA256-SHA",
        Kx::Dhe,
        "RSA",
        "CAMELLIA256",
        "SHA1",
        "HIGH",
    ),
    s(
        "PSK-AES256-GCM-SHA384",
        Kx::Psk,
        "PSK",
        "AESGCM256",
        "AEAD",
        "HIGH",
    ),
    s(
        "PSK-AES128-CBC-SHA",
        Kx::Psk,
        "PSK",
        "AES128",
        "SHA1",
        "HIGH",
    ),
    s("DES-CBC3-SHA", Kx::Rsa, "RSA", "3DES", "SHA1", "MEDIUM"),
    s(
        "ECDHE-RSA-DES-CBC3-SHA",
        Kx::Ecdhe,
        "RSA",
        "3DES",
        "SHA1",
        "MEDIUM",
    ),
    s(
        "EDH-RSA-DES-CBC3-SHA",
        Kx::Dhe,
        "RSA",
        "3DES",
        "SHA1",
        "MEDIUM",
    ),
    s("RC4-SHA", Kx::Rsa, "RSA", "RC4", "SHA1", "MEDIUM"),
    s("RC4-MD5", Kx::Rsa, "RSA", "RC4", "MD5", "MEDIUM"),
    s(
        "ECDHE-RSA-RC4-SHA",
        Kx::Ecdhe,
        "RSA",
        "RC4",
        "SHA1",
        "MEDIUM",
    ),
    s("DES-CBC-SHA", Kx::Rsa, "RSA", "DES", "SHA1", "LOW"),
    s("EXP-RC4-MD5", Kx::Rsa, "RSA", "RC4", "MD5", "EXPORT"),
    s("EXP-DES-CBC-SHA", Kx::Rsa, "RSA", "DES", "SHA1", "EXPORT"),
    s(
        "ADH-AES256-GCM-SHA384",
        Kx::Anon,
        "NULL",
        "AESGCM256",
        "AEAD",
        "HIGH",
    ),
    s("ADH-AES128-SHA", Kx::Anon, "NULL", "AES128", "SHA1", "HIGH"),
    s(
        "AECDH-AES256-SHA",
        Kx::Anon,
        "NULL",
        "AES256",
        "SHA1",
        "HIGH",
    ),
    s("NULL-SHA256", Kx::Rsa, "RSA", "NULL", "SHA256", "LOW"),
    s("NULL-SHA", Kx::Rsa, "RSA", "NULL", "SHA1", "LOW"),
    s(
        "ECDHE-RSA-NULL-SHA",
        Kx::Ecdhe,
        "RSA",
        "NULL",
        "SHA1",
        "LOW",
    ),
];

/// Does one alias (no `+`) select `s`?
fn alias_matches(alias: &str, s: &Suite) -> bool {
    let a = alias.to_ascii_uppercase();
    match a.as_str() {
        "ALL" => s.enc != "NULL",
        "COMPLEMENTOFALL" | "ENULL" | "NULL" => s.enc == "NULL",
        "DEFAULT" => s.enc != "NULL" && s.kx != Kx::Anon && s.strength != "EXPORT",
        "HIGH" | "MEDIUM" | "LOW" => s.strength == a && s.enc != "NULL",
        "EXPORT" | "EXP" => s.strength == "EXPORT",
        "ANULL" => s.au == "NULL",
        "ADH" => s.kx == Kx::Anon && s.name.starts_with("ADH"),
        "AECDH" => s.kx == Kx::Anon && s.name.starts_with("AECDH"),
        "KRSA" | "RSA" => s.kx == Kx::Rsa,
        "ARSA" => s.au == "RSA",
        "AECDSA" | "ECDSA" => s.au == "ECDSA",
        "ECDHE" | "EECDH" => s.kx == Kx::Ecdhe,
        // The k* forms include the anonymous variants.
        "KECDHE" | "KEECDH" => s.kx == Kx::Ecdhe || s.name.starts_with("AECDH"),
        "DHE" | "EDH" => s.kx == Kx::Dhe,
        "KDHE" | "KEDH" => s.kx == Kx::Dhe || s.name.starts_with("ADH"),
        "PSK" | "KPSK" | "APSK" => s.kx == Kx::Psk,
        "AESGCM" => s.enc.starts_with("AESGCM"),
        "AES" => s.enc.starts_with("AES"),
        "AES128" => s.enc.ends_with("128") && s.enc.starts_with("AES"),
        "AES256" => s.enc.ends_with("256") && s.enc.starts_with("AES"),
        "CHACHA20" => s.enc == "CHACHA20",
        "CAMELLIA" => s.enc.starts_with("CAMELLIA"),
        "3DES" => s.enc == "3DES",
        "DES" => s.enc == "DES",
        "RC4" => s.enc == "RC4",
        "MD5" => s.mac == "MD5",
        "SHA1" | "SHA" => s.mac == "SHA1",
        "SHA256" => s.mac == "SHA256" || (s.mac == "AEAD" && s.name.ends_with("SHA256")),
        "SHA384" => s.mac == "SHA384" || (s.mac == "AEAD" && s.name.ends_with("SHA384")),
        _ => s.name.eq_ignore_ascii_case(alias),
    }
}

/// The suites an OpenSSL cipher string enables, in order.
fn expand(cipher_string: &str) -> Vec<&'static Suite> {
    let mut list: Vec<&'static Suite> = Vec::new();
    let mut banned: Vec<&'static str> = Vec::new();
    for item in cipher_string
        .split([':', ',', ' '])
        .filter(|i| !i.is_empty())
    {
        if item.starts_with('@') {
            continue; // @STRENGTH, @SECLEVEL=n: ordering and library policy
        }
        let (op, body) = match item.as_bytes()[0] {
            b'!' | b'-' | b'+' => (item.as_bytes()[0], &item[1..]),
            _ => (b' ', item),
        };
        let selected: Vec<&'static Suite> = SUITES
            .iter()
            .filter(|s| body.split('+').all(|a| alias_matches(a, s)))
            .collect();
        match op {
            b'!' => {
                list.retain(|s| !selected.iter().any(|x| x.name == s.name));
                banned.extend(selected.iter().map(|s| s.name));
            }
            b'-' => list.retain(|s| !selected.iter().any(|x| x.name == s.name)),
            b'+' => {
                let (moved, kept): (Vec<_>, Vec<_>) = list
                    .iter()
                    .partition(|s| selected.iter().any(|x| x.name == s.name));
                list = kept.into_iter().chain(moved).collect();
            }
            _ => {
                for s in selected {
                    if !banned.contains(&s.name) && !list.iter().any(|x| x.name == s.name) {
                        list.push(s);
                    }
                }
            }
        }
    }
    list
}

/// Why a suite is not acceptable, if it is not.
fn weak_suite(s: &Suite) -> Option<&'static str> {
    match (s.kx, s.enc, s.mac, s.strength) {
        (Kx::Anon, ..) => Some("anonymous (no authentication)"),
        (_, "NULL", ..) => Some("no encryption"),
        (.., "EXPORT") => Some("export grade"),
        (_, "RC4", ..) => Some("RC4"),
        (_, "DES" | "3DES", ..) => Some("DES/3DES"),
        (_, _, "MD5", _) => Some("MD5"),
        (Kx::Rsa | Kx::Psk, ..) => Some("no forward secrecy"),
        (_, _, m, _) if m != "AEAD" => Some("CBC mode (not AEAD)"),
        _ => None,
    }
}

/// nginx's built-in default for `ssl_ciphers`.
const NGINX_DEFAULT_CIPHERS: &str = "HIGH:!aNULL:!MD5";
/// Apache mod_ssl's effective default (OpenSSL's DEFAULT).
const APACHE_DEFAULT_CIPHERS: &str = "DEFAULT";

fn judge_cipher_string(
    value: &str,
    ev: Evidence,
    bad: &mut Vec<Evidence>,
    seen: &mut Vec<Evidence>,
) {
    let suites = expand(value);
    let weak: Vec<String> = suites
        .iter()
        .filter_map(|s| weak_suite(s).map(|why| format!("{} ({why})", s.name)))
        .collect();
    if suites.is_empty() {
        bad.push(Evidence {
            detail: format!("{}: enables no TLS 1.2 suite known to OpenSSL", ev.detail),
            ..ev
        });
    } else if weak.is_empty() {
        seen.push(Evidence {
            detail: format!(
                "{}: {} suites, all ECDHE/DHE with AEAD",
                ev.detail,
                suites.len()
            ),
            ..ev
        });
    } else {
        let shown: Vec<&str> = weak.iter().take(6).map(String::as_str).collect();
        bad.push(Evidence {
            detail: format!(
                "{}: enables {} weak suites: {}{}",
                ev.detail,
                weak.len(),
                shown.join(", "),
                if weak.len() > 6 { ", …" } else { "" }
            ),
            ..ev
        });
    }
}

fn nginx_tls_servers(n: &crate::parse::nginx::NginxConfig) -> Vec<&Directive> {
    n.servers()
        .into_iter()
        .filter(|s| {
            s.children("listen").any(|l| {
                l.args
                    .iter()
                    .any(|a| a == "ssl" || a.ends_with(":443") || a == "443")
            })
        })
        .collect()
}

pub(super) fn tls_ciphers(h: &Host) -> Outcome {
    let (nginx, apache) = h.web();
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    let mut any = false;
    if let Some(n) = nginx {
        for server in nginx_tls_servers(n) {
            any = true;
            let chain: Vec<&Directive> = n
                .http()
                .into_iter()
                .chain(std::iter::once(server))
                .collect();
            let set = n.inherited(&chain, "ssl_ciphers");
            match set.last() {
                Some(d) => judge_cipher_string(
                    d.args.first().map_or("", String::as_str),
                    Evidence::at(
                        &d.loc.file,
                        d.loc.line,
                        format!("ssl_ciphers {}", d.args.join(" ")),
                    ),
                    &mut bad,
                    &mut seen,
                ),
                None => judge_cipher_string(
                    NGINX_DEFAULT_CIPHERS,
                    Evidence::at(
                        &server.loc.file,
                        server.loc.line,
                        format!("ssl_ciphers not set: nginx default {NGINX_DEFAULT_CIPHERS}"),
                    ),
                    &mut bad,
                    &mut seen,
                ),
            }
        }
    }
    if let Some(a) = apache
        && !a.find_all("SSLEngine").is_empty()
    {
        any = true;
        let suites: Vec<_> = a
            .find_all("SSLCipherSuite")
            .into_iter()
            .filter(|f| {
                !f.node
                    .args
                    .first()
                    .is_some_and(|x| x.eq_ignore_ascii_case("TLSv1.3"))
            })
            .collect();
        if suites.is_empty() {
            judge_cipher_string(
                APACHE_DEFAULT_CIPHERS,
                Evidence::file(
                    "/etc/apache2",
                    format!("SSLCipherSuite not set: OpenSSL {APACHE_DEFAULT_CIPHERS}"),
                ),
                &mut bad,
                &mut seen,
            );
        }
        for f in suites {
            let value = f
                .node
                .args
                .iter()
                .find(|x| !x.eq_ignore_ascii_case("SSL"))
                .map_or("", String::as_str);
            judge_cipher_string(
                value,
                Evidence::at(
                    &f.node.loc.file,
                    f.node.loc.line,
                    format!("SSLCipherSuite {}", f.node.args.join(" ")),
                ),
                &mut bad,
                &mut seen,
            );
        }
    }
    if !any {
        return not_applicable("no nginx or Apache site serves TLS");
    }
    verdict(
        bad,
        "every TLS 1.2 suite offered uses ECDHE or DHE with an AEAD cipher",
        "weak TLS cipher suites are offered",
        seen,
    )
}

/// Judge a certificate file (and a separate chain file, Apache's
/// `SSLCertificateChainFile`): expiry, key size, issuer present.
fn judge_certificate(
    h: &Host,
    path: &str,
    chain: Option<&str>,
    ev_at: &Evidence,
    bad: &mut Vec<Evidence>,
    seen: &mut Vec<Evidence>,
) {
    let mut text = String::new();
    for p in std::iter::once(path).chain(chain) {
        match h.root.read(p) {
            Ok(t) => text.push_str(&t.text),
            Err(e) => {
                bad.push(Evidence {
                    detail: format!("{}: {e}", ev_at.detail),
                    ..ev_at.clone()
                });
                return;
            }
        }
    }
    let certs = parse_pem(&text);
    let Some(Some(leaf)) = certs.first() else {
        bad.push(Evidence::file(path, "no readable certificate"));
        return;
    };
    let mut wrong = Vec::new();
    let days_left = (leaf.not_after - h.now).div_euclid(86_400);
    if days_left < 30 {
        wrong.push(if days_left < 0 {
            format!("expired {} days ago", -days_left)
        } else {
            format!("expires in {days_left} days")
        });
    }
    match leaf.key {
        PublicKey::Rsa(b) if b < 2048 => wrong.push(format!("RSA {b}-bit key")),
        PublicKey::Ec(b) if b < 256 => wrong.push(format!("EC {b}-bit key")),
        PublicKey::Other => wrong.push("unknown key type".into()),
        _ => {}
    }
    if leaf.issuer == leaf.subject {
        wrong.push("self-signed".into());
    } else if !certs
        .iter()
        .skip(1)
        .flatten()
        .any(|c| c.subject == leaf.issuer)
    {
        wrong.push("the issuer certificate is not in the chain file".into());
    }
    if wrong.is_empty() {
        seen.push(Evidence::file(
            path,
            format!("valid {days_left} more days, issuer in the chain"),
        ));
    } else {
        bad.push(Evidence::file(path, wrong.join("; ")));
    }
}

pub(super) fn web_tls_enabled(h: &Host) -> Outcome {
    let Some((nginx, apache)) = h.web_servers() else {
        return not_applicable(NO_WEB_SERVER);
    };
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    let mut https = 0;
    if let Some(n) = nginx {
        let tls = nginx_tls_servers(n);
        for server in n.servers() {
            let at = Evidence::at(&server.loc.file, server.loc.line, server.label());
            if tls.iter().any(|t| std::ptr::eq(*t, server)) {
                https += 1;
                let chain: Vec<&Directive> = n
                    .http()
                    .into_iter()
                    .chain(std::iter::once(server))
                    .collect();
                match n.inherited(&chain, "ssl_certificate").last() {
                    Some(c) => judge_certificate(
                        h,
                        c.args.first().map_or("", String::as_str),
                        None,
                        &Evidence::at(
                            &c.loc.file,
                            c.loc.line,
                            format!("ssl_certificate {}", c.args.join(" ")),
                        ),
                        &mut bad,
                        &mut seen,
                    ),
                    None => bad.push(Evidence {
                        detail: "HTTPS server without ssl_certificate".into(),
                        ..at
                    }),
                }
            } else {
                let redirects = server.children("return").any(|r| {
                    r.args
                        .first()
                        .is_some_and(|c| matches!(c.as_str(), "301" | "302" | "307" | "308"))
                        && r.args.get(1).is_some_and(|u| u.starts_with("https://"))
                });
                if redirects {
                    seen.push(Evidence {
                        detail: "plain HTTP only redirects to HTTPS".into(),
                        ..at
                    });
                } else {
                    bad.push(Evidence {
                        detail: "serves content over plain HTTP".into(),
                        ..at
                    });
                }
            }
        }
    }
    if let Some(a) = apache {
        for vh in a.virtual_hosts() {
            let at = Evidence::at(&vh.loc.file, vh.loc.line, vh.label());
            let ssl_on = a
                .in_vhost(vh, "SSLEngine")
                .is_some_and(|n| n.args.first().is_some_and(|v| v.eq_ignore_ascii_case("on")));
            if ssl_on {
                https += 1;
                match a.in_vhost(vh, "SSLCertificateFile") {
                    Some(c) => {
                        let cert = c.args.first().cloned().unwrap_or_default();
                        let chain_file = a
                            .in_vhost(vh, "SSLCertificateChainFile")
                            .and_then(|n| n.args.first().cloned());
                        judge_certificate(
                            h,
                            &cert,
                            chain_file.as_deref(),
                            &Evidence::at(
                                &c.loc.file,
                                c.loc.line,
                                format!("SSLCertificateFile {cert}"),
                            ),
                            &mut bad,
                            &mut seen,
                        );
                    }
                    None => bad.push(Evidence {
                        detail: "SSLEngine on without SSLCertificateFile".into(),
                        ..at
                    }),
                }
            } else {
                let redirects = a
                    .in_vhost(vh, "Redirect")
                    .is_some_and(|r| r.args.iter().any(|x| x.starts_with("https://")))
                    || a.in_vhost(vh, "RewriteRule")
                        .is_some_and(|r| r.args.iter().any(|x| x.starts_with("https://")));
                if redirects {
                    seen.push(Evidence {
                        detail: "plain HTTP only redirects to HTTPS".into(),
                        ..at
                    });
                } else {
                    bad.push(Evidence {
                        detail: "serves content over plain HTTP".into(),
                        ..at
                    });
                }
            }
        }
    }
    if https == 0 {
        return fail(
            "no site is served over HTTPS",
            if bad.is_empty() {
                vec![Evidence::file("/etc/nginx/nginx.conf", "no TLS listener")]
            } else {
                bad
            },
        );
    }
    verdict(
        bad,
        "every site serves HTTPS with a certificate valid for 30+ days, a strong key and its issuer; HTTP only redirects",
        "sites are served without sound HTTPS",
        seen,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &str) -> Vec<&'static str> {
        expand(s).iter().map(|s| s.name).collect()
    }

    #[test]
    fn cipher_strings_expand_with_openssl_rules() {
        let strong = names("ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL");
        assert_eq!(strong.len(), 6);
        assert!(strong.iter().all(|n| n.starts_with("ECDHE")));
        assert!(
            expand("ECDHE+AESGCM:ECDHE+CHACHA20")
                .iter()
                .all(|s| weak_suite(s).is_none())
        );
        let default = names(NGINX_DEFAULT_CIPHERS);
        assert!(default.contains(&"AES128-SHA"), "HIGH includes static RSA");
        assert!(
            !default.contains(&"ADH-AES128-SHA"),
            "!aNULL removes anonymous suites"
        );
        assert!(
            !names("HIGH:!ADH-AES128-SHA:ADH-AES128-SHA").contains(&"ADH-AES128-SHA"),
            "! is permanent"
        );
        assert!(
            names("HIGH:-AES128-SHA:AES128-SHA").contains(&"AES128-SHA"),
            "- can be re-added"
        );
        assert_eq!(
            names("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:+AES128"),
            vec!["ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256"]
        );
        assert!(
            names("ALL").iter().all(|n| !n.contains("NULL-")),
            "ALL leaves out eNULL"
        );
    }
}
