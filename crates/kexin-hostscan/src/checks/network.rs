//! Services and ports: what listens (live: the kernel's socket tables and
//! the owning processes; offline: enabled units and inetd), which optional
//! services run, and whether the host firewall filters east-west traffic.

use std::collections::HashMap;
use std::net::IpAddr;

use super::baseline::register_error;
use super::{
    Evidence, HOST_ROLE_PATH, Host, Outcome, error, fail, key_values, not_applicable, verdict,
};
use crate::parse::procnet::{Socket, parse_table, socket_inode};
use crate::root::{FileKind, ReadError};

/// A listening socket and the process that owns it, if it could be found.
#[derive(Debug, Clone)]
pub(super) struct Listener {
    pub socket: Socket,
    pub process: Option<String>,
}

impl Listener {
    fn describe(&self) -> String {
        let addr = match self.socket.addr {
            IpAddr::V6(a) => format!("[{a}]"),
            a => a.to_string(),
        };
        format!(
            "{} {addr}:{} ({})",
            self.socket.proto,
            self.socket.port,
            self.process.as_deref().unwrap_or("process unknown")
        )
    }

    fn evidence(&self, detail: impl Into<String>) -> Evidence {
        Evidence::at(
            &format!("live:{}", self.socket.loc.file),
            self.socket.loc.line,
            format!("{}: {}", self.describe(), detail.into()),
        )
    }
}

fn load_listeners(h: &Host) -> Result<Vec<Listener>, ReadError> {
    let mut sockets = Vec::new();
    for (table, udp) in [
        ("/proc/net/tcp", false),
        ("/proc/net/tcp6", false),
        ("/proc/net/udp", true),
        ("/proc/net/udp6", true),
    ] {
        match h.root.read(table) {
            Ok(t) => sockets.extend(parse_table(&t, udp).0),
            // IPv6 or UDP tables may be absent (ipv6.disable=1); TCP may not.
            Err(e) if e.is_not_found() && table != "/proc/net/tcp" => {}
            Err(e) => return Err(e),
        }
    }
    let mut owner: HashMap<u64, String> = HashMap::new();
    let wanted: std::collections::HashSet<u64> = sockets.iter().map(|s| s.inode).collect();
    for p in h.root.read_dir("/proc")? {
        if p.kind != FileKind::Dir || !p.name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(fds) = h.root.read_dir(&format!("{}/fd", p.path)) else {
            continue;
        };
        for fd in fds {
            let Some(inode) = h
                .root
                .metadata(&fd.path)
                .ok()
                .and_then(|m| m.symlink_target)
                .and_then(|t| socket_inode(&t))
            else {
                continue;
            };
            if wanted.contains(&inode) && !owner.contains_key(&inode) {
                let comm = h
                    .root
                    .read(&format!("{}/comm", p.path))
                    .map(|t| t.text.trim().to_string())
                    .unwrap_or_default();
                owner.insert(inode, format!("{comm}, pid {}", p.name));
            }
        }
    }
    Ok(sockets
        .into_iter()
        .map(|s| Listener {
            process: owner.get(&s.inode).cloned(),
            socket: s,
        })
        .collect())
}

impl Host<'_> {
    /// Non-loopback listeners of a live host.
    fn exposed_listeners(&self) -> Result<Vec<&Listener>, &ReadError> {
        self.sockets
            .get_or_init(|| load_listeners(self))
            .as_ref()
            .map(|l| l.iter().filter(|l| !l.socket.is_loopback()).collect())
    }

    /// Running processes' names (`/proc/<pid>/comm`) on a live host.
    fn processes(&self) -> Vec<String> {
        self.root
            .read_dir("/proc")
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.name.bytes().all(|b| b.is_ascii_digit()))
            .filter_map(|p| self.root.read(&format!("{}/comm", p.path)).ok())
            .map(|t| t.text.trim().to_string())
            .collect()
    }
}

/// Units enabled through `/etc/systemd/system/*.wants/` links: (unit, link path).
pub(super) fn enabled_units(h: &Host) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in h
        .root
        .glob("/etc/systemd/system/*.wants")
        .unwrap_or_default()
    {
        for e in h.root.read_dir(&dir).unwrap_or_default() {
            out.push((e.name, e.path));
        }
    }
    out
}

/// FTP without TLS: vsftpd without `ssl_enable=YES`.
fn ftp_without_tls(h: &Host) -> bool {
    !h.root
        .read_optional("/etc/vsftpd.conf")
        .ok()
        .flatten()
        .and_then(|t| key_values(&t, "ssl_enable"))
        .is_some_and(|(v, _)| v.eq_ignore_ascii_case("yes"))
}

const PLAINTEXT_UNITS: &[&str] = &[
    "telnet.socket",
    "telnetd.socket",
    "rsh.socket",
    "rlogin.socket",
    "rexec.socket",
    "tftpd-hpa.service",
    "atftpd.service",
    "tftp.socket",
    "vsftpd.service",
    "proftpd.service",
    "pure-ftpd.service",
];

const INETD_PLAINTEXT: &[&str] = &["telnet", "login", "shell", "exec", "tftp", "ftp"];

pub(super) fn plaintext_services(h: &Host) -> Outcome {
    let mut bad = Vec::new();
    if h.root.is_live() {
        let listeners = match h.exposed_listeners() {
            Ok(l) => l,
            Err(e) => return error(e),
        };
        for l in listeners {
            let s = &l.socket;
            let what = match (s.proto, s.port) {
                ("tcp", 23) => Some("telnet"),
                ("tcp", 512..=514) => Some("rexec/rlogin/rsh"),
                ("udp", 69) => Some("TFTP"),
                ("tcp", 21) if ftp_without_tls(h) => Some("FTP without AUTH TLS"),
                _ => None,
            };
            if let Some(w) = what {
                bad.push(l.evidence(format!("{w} on a non-loopback address")));
            }
        }
        return verdict(
            bad,
            "no plaintext remote-access or file-transfer service listens",
            "plaintext services listen on the network",
            Vec::new(),
        );
    }
    let systemd = h.root.exists("/etc/systemd/system");
    let inetd = h.root.read_optional("/etc/inetd.conf").ok().flatten();
    if !systemd && inetd.is_none() {
        return not_applicable(
            "offline root without /etc/systemd/system or /etc/inetd.conf: nothing says what would listen",
        );
    }
    for (unit, path) in enabled_units(h) {
        if PLAINTEXT_UNITS.contains(&unit.as_str())
            && (!unit.contains("ftpd") || unit.contains("tftp") || ftp_without_tls(h))
        {
            bad.push(Evidence::file(
                &path,
                format!("{unit} is enabled: a plaintext service"),
            ));
        }
    }
    if let Some(t) = inetd {
        for (n, l) in t.numbered_lines() {
            let l = l.trim();
            let service = l.split_whitespace().next().unwrap_or("");
            if !l.starts_with('#') && INETD_PLAINTEXT.contains(&service) {
                bad.push(Evidence::at(
                    "/etc/inetd.conf",
                    n,
                    format!("inetd serves {service}"),
                ));
            }
        }
    }
    verdict(
        bad,
        "no plaintext remote-access or file-transfer service is enabled",
        "plaintext services are enabled",
        Vec::new(),
    )
}

pub(super) fn listening_sockets(h: &Host) -> Outcome {
    if !h.root.is_live() {
        return not_applicable(
            "listening sockets exist only on a running host; an offline root has none to list",
        );
    }
    let role = match h.host_role() {
        Ok(r) => r,
        Err(e) => return register_error(e),
    };
    let listeners = match h.exposed_listeners() {
        Ok(l) => l,
        Err(e) => return error(e),
    };
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    for l in listeners {
        if role.is_some_and(|r| r.allows_listener(l.socket.proto, l.socket.port)) {
            seen.push(l.evidence("registered"));
        } else {
            bad.push(l.evidence(format!("not a registered listener in {HOST_ROLE_PATH}")));
        }
    }
    verdict(
        bad,
        "every non-loopback listener is registered for the host's role",
        "unregistered services listen on the network",
        seen,
    )
}

/// Optional services with their units and process names.
const OPTIONAL_SERVICES: &[(&str, &[&str], &str)] = &[
    (
        "avahi-daemon",
        &["avahi-daemon.service", "avahi-daemon.socket"],
        "avahi-daemon",
    ),
    (
        "cups",
        &["cups.service", "cups.socket", "cups-browsed.service"],
        "cupsd",
    ),
    ("rpcbind", &["rpcbind.service", "rpcbind.socket"], "rpcbind"),
    (
        "nfs-server",
        &["nfs-server.service", "nfs-kernel-server.service"],
        "nfsd",
    ),
    ("snmpd", &["snmpd.service"], "snmpd"),
    (
        "display manager",
        &[
            "gdm.service",
            "gdm3.service",
            "lightdm.service",
            "sddm.service",
            "display-manager.service",
        ],
        "Xorg",
    ),
    (
        "DHCP server",
        &[
            "isc-dhcp-server.service",
            "kea-dhcp4-server.service",
            "dhcpd.service",
        ],
        "dhcpd",
    ),
    (
        "DNS server",
        &[
            "bind9.service",
            "named.service",
            "dnsmasq.service",
            "unbound.service",
        ],
        "named",
    ),
];

pub(super) fn unneeded_services(h: &Host) -> Outcome {
    if !h.root.is_live() && !h.root.exists("/etc/systemd/system") {
        return not_applicable("no /etc/systemd/system: no enabled units to inspect");
    }
    let role = match h.host_role() {
        Ok(r) => r,
        Err(e) => return register_error(e),
    };
    let registered = |unit: &str| {
        role.is_some_and(|r| {
            r.services.iter().any(|s| {
                s == unit || s.trim_end_matches(".service") == unit.split('.').next().unwrap_or("")
            })
        })
    };
    let mut bad = Vec::new();
    let mut seen = Vec::new();
    let units = enabled_units(h);
    let processes = if h.root.is_live() {
        h.processes()
    } else {
        Vec::new()
    };
    for (what, unit_names, process) in OPTIONAL_SERVICES {
        for (unit, path) in units
            .iter()
            .filter(|(u, _)| unit_names.contains(&u.as_str()))
        {
            let ev = Evidence::file(path, format!("{unit} ({what}) is enabled"));
            if registered(unit) {
                seen.push(ev)
            } else {
                bad.push(ev)
            }
        }
        if processes.iter().any(|p| p == process) && !unit_names.iter().any(|u| registered(u)) {
            bad.push(Evidence::file(
                "live:/proc",
                format!("{process} ({what}) is running"),
            ));
        }
    }
    verdict(
        bad,
        "no optional network service runs unless registered for the host's role",
        "optional services run without being registered",
        seen,
    )
}

fn is_private(net: &str) -> Option<u8> {
    let (addr, len) = net.split_once('/').unwrap_or((net, "32"));
    let a: std::net::Ipv4Addr = addr.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    a.is_private().then_some(len)
}

/// A rule of an nftables input chain or an iptables INPUT chain.
struct FilterRule {
    file: String,
    line: usize,
    text: String,
    saddr: Option<String>,
    dport: Option<String>,
    accept: bool,
}

/// The input chain of `/etc/nftables.conf` (policy, rules) or iptables rules.v4.
fn input_chain(h: &Host) -> Result<Option<(bool, Evidence, Vec<FilterRule>)>, ReadError> {
    if let Some(t) = h.root.read_optional("/etc/nftables.conf")? {
        let mut in_input = false;
        let mut depth = 0i32;
        let mut policy: Option<(bool, Evidence)> = None;
        let mut rules = Vec::new();
        for (n, l) in t.numbered_lines() {
            let l = l.split('#').next().unwrap_or("").trim();
            if !in_input && l.starts_with("chain ") && l.ends_with('{') {
                in_input = true;
                depth = 1;
                continue;
            }
            if !in_input {
                continue;
            }
            depth += l.matches('{').count() as i32 - l.matches('}').count() as i32;
            if depth <= 0 {
                in_input = false;
                continue;
            }
            if l.contains("hook") {
                if !l.contains("hook input") {
                    in_input = false;
                    continue;
                }
                policy = Some((
                    l.contains("policy drop") || l.contains("policy reject"),
                    Evidence::at(&t.path, n, l),
                ));
                continue;
            }
            let word_after = |key: &str| {
                let w: Vec<&str> = l.split_whitespace().collect();
                w.windows(2).find(|p| p[0] == key).map(|p| p[1].to_string())
            };
            if !l.is_empty() {
                rules.push(FilterRule {
                    file: t.path.clone(),
                    line: n,
                    text: l.to_string(),
                    saddr: word_after("saddr"),
                    dport: word_after("dport"),
                    accept: l.split_whitespace().last() == Some("accept"),
                });
            }
        }
        if let Some((drop, ev)) = policy {
            return Ok(Some((drop, ev, rules)));
        }
    }
    if let Some(t) = h.root.read_optional("/etc/iptables/rules.v4")? {
        let mut policy = None;
        let mut rules = Vec::new();
        for (n, l) in t.numbered_lines() {
            let l = l.trim();
            if let Some(p) = l.strip_prefix(":INPUT ") {
                policy = Some((
                    p.starts_with("DROP") || p.starts_with("REJECT"),
                    Evidence::at(&t.path, n, l),
                ));
            } else if l.starts_with("-A INPUT") {
                let w: Vec<&str> = l.split_whitespace().collect();
                let after = |k: &str| w.windows(2).find(|p| p[0] == k).map(|p| p[1].to_string());
                rules.push(FilterRule {
                    file: t.path.clone(),
                    line: n,
                    text: l.to_string(),
                    saddr: after("-s"),
                    dport: after("--dport"),
                    accept: after("-j").as_deref() == Some("ACCEPT"),
                });
            }
        }
        if let Some((drop, ev)) = policy {
            return Ok(Some((drop, ev, rules)));
        }
    }
    Ok(None)
}

pub(super) fn east_west_filtering(h: &Host) -> Outcome {
    let role = match h.host_role() {
        Ok(r) => r,
        Err(e) => return register_error(e),
    };
    let (default_drop, policy_ev, rules) = match input_chain(h) {
        Ok(Some(c)) => c,
        Ok(None) => {
            return fail(
                "no host firewall input chain: traffic from the same subnet reaches every port",
                vec![Evidence::file(
                    "/etc/nftables.conf",
                    "no nftables input hook or iptables INPUT chain",
                )],
            );
        }
        Err(e) => return error(&e),
    };
    let mut bad = Vec::new();
    if !default_drop {
        bad.push(Evidence {
            detail: format!("{}: input policy is not drop", policy_ev.detail),
            ..policy_ev.clone()
        });
    }
    let peers: Vec<&str> =
        role.map_or(Vec::new(), |r| r.peers.iter().map(String::as_str).collect());
    for r in rules.iter().filter(|r| r.accept) {
        let stateful =
            r.text.contains("established") || r.text.contains("iif lo") || r.text.contains("-i lo");
        if stateful {
            continue;
        }
        match (&r.saddr, &r.dport) {
            (Some(s), None) if is_private(s).is_some_and(|len| len <= 16) => {
                bad.push(Evidence::at(
                    &r.file,
                    r.line,
                    format!("{}: accepts every port from the private range {s}", r.text),
                ));
            }
            (Some(s), _) if !peers.contains(&s.as_str()) => {
                bad.push(Evidence::at(
                    &r.file,
                    r.line,
                    format!(
                        "{}: {s} is not a registered peer in {HOST_ROLE_PATH}",
                        r.text
                    ),
                ));
            }
            (None, Some(port)) => {
                let proto = if r.text.contains("udp") { "udp" } else { "tcp" };
                let registered = port
                    .parse::<u16>()
                    .ok()
                    .is_some_and(|p| role.is_some_and(|ro| ro.allows_listener(proto, p)));
                if !registered {
                    bad.push(Evidence::at(
                        &r.file,
                        r.line,
                        format!(
                            "{}: port {port} open to every address and not a registered listener",
                            r.text
                        ),
                    ));
                }
            }
            (None, None) => {
                bad.push(Evidence::at(
                    &r.file,
                    r.line,
                    format!("{}: accepts everything", r.text),
                ));
            }
            _ => {}
        }
    }
    verdict(
        bad,
        "inbound traffic is denied by default and admitted only from registered peers and ports",
        "the host firewall admits east-west traffic beyond the registered peers and ports",
        vec![policy_ev],
    )
}
