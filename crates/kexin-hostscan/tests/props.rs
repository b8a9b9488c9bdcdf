//! Property tests: no parser panics or hangs on any input. These feed the
//! same entry points as the fuzz targets in `/fuzz` (arbitrary bytes,
//! arbitrary config-like strings, and mutations of realistic samples), so CI
//! covers them without nightly.

use std::fs;
use std::os::unix::fs::symlink;

use kexin_hostscan::parse::accounts::Accounts;
use kexin_hostscan::parse::apache::ApacheConfig;
use kexin_hostscan::parse::auditd::AuditRules;
use kexin_hostscan::parse::login_defs::LoginDefs;
use kexin_hostscan::parse::logins::{parse_auth_log, parse_wtmp};
use kexin_hostscan::parse::nginx::NginxConfig;
use kexin_hostscan::parse::pam::{PamConfig, PamType};
use kexin_hostscan::parse::procnet::{parse_table, socket_inode};
use kexin_hostscan::parse::sshd::{MatchContext, SshdConfig};
use kexin_hostscan::parse::sudoers::Sudoers;
use kexin_hostscan::parse::sysctl::SysctlConfig;
use kexin_hostscan::parse::x509::{parse_der, parse_pem};
use kexin_hostscan::{FileText, MemRoot, Root};
use proptest::prelude::*;

/// Run every parser on `data`, placed as main file and as an included file.
fn all_parsers(data: &[u8]) {
    let root = MemRoot::new()
        .with("/etc/ssh/sshd_config", data)
        .with("/etc/ssh/sshd_config.d/a.conf", data);
    if let Ok(c) = SshdConfig::load(&root) {
        let e = c.effective(&MatchContext {
            user: Some("root".into()),
            groups: vec!["admins".into()],
            host: Some("h".into()),
            addr: Some("10.0.0.1".into()),
            laddr: Some("10.0.0.2".into()),
            lport: Some(22),
            rdomain: None,
        });
        let _ = (
            e.ciphers(),
            e.macs(),
            e.kex_algorithms(),
            e.seconds("LoginGraceTime"),
            e.int("MaxAuthTries"),
        );
        for p in &c.problems {
            assert!(p.line <= data.len() + 1);
        }
    }
    let root = MemRoot::new()
        .with("/etc/pam.d/sshd", data)
        .with("/etc/pam.d/common-auth", data);
    let pam = PamConfig::load(&root).unwrap();
    for ty in [
        PamType::Auth,
        PamType::Account,
        PamType::Password,
        PamType::Session,
    ] {
        let st = pam.stack("sshd", ty);
        let _ = st
            .first("pam_unix.so")
            .map(|e| (e.arg("minlen"), e.has_flag("sha512")));
    }
    let d = LoginDefs::parse(&FileText::from_bytes("/etc/login.defs", data));
    let _ = (d.umask(), d.pass_max_days());
    let root = MemRoot::new()
        .with("/etc/passwd", data)
        .with("/etc/shadow", data)
        .with("/etc/group", data)
        .with("/etc/gshadow", data);
    let a = Accounts::load(&root);
    for s in a.shadow.iter().flat_map(|s| s.entries.iter()) {
        let _ = s.state();
    }
    let _ = a.group_members("sudo");
    let root = MemRoot::new()
        .with("/etc/sudoers", data)
        .with("/etc/sudoers.d/local", data);
    if let Ok(s) = Sudoers::load(&root) {
        let _ = (
            s.nopasswd_all(),
            s.all_commands(),
            s.defaults_flag("use_pty"),
        );
    }
    let root = MemRoot::new()
        .with("/etc/sysctl.d/99-x.conf", data)
        .with("/usr/lib/sysctl.d/50-x.conf", data);
    let _ = SysctlConfig::load(&root).value("kernel.sysrq");
    let root = MemRoot::new().with("/etc/audit/rules.d/x.rules", data);
    let r = AuditRules::load(&root);
    let _ = (r.immutable(), r.watching("/etc/shadow"));
    let root = MemRoot::new()
        .with("/etc/nginx/nginx.conf", data)
        .with("/etc/nginx/conf.d/x.conf", data);
    if let Ok(c) = NginxConfig::load(&root) {
        for s in c.servers() {
            let _ = c.inherited(&[s], "add_header");
        }
        let _ = c.walk().len();
    }
    let root = MemRoot::new()
        .with("/etc/apache2/apache2.conf", data)
        .with("/etc/apache2/conf-enabled/x.conf", data);
    if let Ok(c) = ApacheConfig::load(&root) {
        for v in c.virtual_hosts() {
            let _ = c.in_vhost(v, "SSLProtocol");
        }
        let _ = c.global("ServerTokens");
    }
    let text = FileText::from_bytes("/proc/net/tcp", data);
    for udp in [false, true] {
        for sock in parse_table(&text, udp).0 {
            let _ = sock.is_loopback();
        }
    }
    let _ = socket_inode(&text.text);
    let _ = parse_wtmp("/var/log/wtmp", data);
    let _ = parse_auth_log(&text, 1_795_521_600);
    let _ = parse_der(data);
    let _ = parse_pem(&text.text);
    let _ = parse_pem(&format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        text.text
    ));
}

/// A realistic mixed sample: lines from every format, includes pointing at
/// the paths `all_parsers` uses.
const SAMPLE: &str = "\
Include /etc/ssh/sshd_config.d/*.conf
PermitRootLogin no
Ciphers -aes*-ctr
Match User backup Address 10.0.0.0/8
  PasswordAuthentication yes
@include common-auth
auth [success=1 default=ignore] pam_unix.so nullok
password requisite pam_pwquality.so minlen=14
PASS_MAX_DAYS 90
root:x:0:0:root:/root:/bin/bash
root:$y$j9T$salt$hash:19700:0:99999:7:::
sudo:x:27:alice
Defaults use_pty
User_Alias OPS = a, b
OPS ALL=(root) NOPASSWD: ALL
@includedir /etc/sudoers.d
net.ipv4.ip_forward = 0
-w /etc/shadow -p wa -k identity
-a always,exit -F arch=b64 -S execve -k exec
http { server_tokens off; include conf.d/*.conf; server { location / { autoindex on; } } }
<VirtualHost *:443>
  SSLProtocol all -SSLv3 \\
    -TLSv1
</VirtualHost>
IncludeOptional conf-enabled/*.conf
";

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, char),
    Delete(usize),
    DupLine(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let special = prop_oneof![
        Just('{'),
        Just('}'),
        Just(';'),
        Just('"'),
        Just('\''),
        Just('\\'),
        Just('\n'),
        Just('#'),
        Just('['),
        Just(']'),
        Just('<'),
        Just('>'),
        Just('='),
        Just(':'),
        Just(','),
        Just('*'),
        Just('$'),
        any::<char>(),
    ];
    prop_oneof![
        (any::<usize>(), special).prop_map(|(i, c)| Mutation::Insert(i, c)),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::DupLine),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(sample: &str, muts: &[Mutation]) -> String {
    let mut chars: Vec<char> = sample.chars().collect();
    for m in muts {
        match *m {
            Mutation::Insert(i, c) => {
                let i = i % (chars.len() + 1);
                chars.insert(i, c);
            }
            Mutation::Delete(i) if !chars.is_empty() => {
                let i = i % chars.len();
                chars.remove(i);
            }
            Mutation::DupLine(i) => {
                let s: String = chars.iter().collect();
                let lines: Vec<&str> = s.lines().collect();
                if !lines.is_empty() {
                    let l = lines[i % lines.len()].to_string();
                    chars.extend(format!("\n{l}").chars());
                }
            }
            Mutation::Truncate(i) if !chars.is_empty() => {
                chars.truncate(i % chars.len());
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        all_parsers(&data);
    }

    #[test]
    fn config_like_strings(s in "([a-zA-Z0-9_./*@%!$^+=:,;#{}<>()\\[\\]\"' \t\\\\-]{0,40}\n){0,30}") {
        all_parsers(s.as_bytes());
    }

    #[test]
    fn mutated_samples(muts in proptest::collection::vec(mutation(), 0..12)) {
        let s = apply(SAMPLE, &muts);
        all_parsers(s.as_bytes());
    }

    /// Any path asked of an offline root resolves to a path inside it or an
    /// error; never a panic.
    #[test]
    fn root_paths_stay_inside(comps in proptest::collection::vec(
        prop_oneof![Just(".."), Just("."), Just("etc"), Just("up"), Just("abs"), Just("loop"), Just("passwd"), Just(""), Just("x")],
        0..12,
    )) {
        let (_tmp, root) = test_root();
        let path = format!("/{}", comps.join("/"));
        match root.canonicalize(&path) {
            Ok(p) => {
                prop_assert!(p.starts_with('/'));
                prop_assert!(!p.split('/').any(|c| c == ".." || c == "."));
                let host = root.base().join(p.trim_start_matches('/'));
                prop_assert!(host.starts_with(root.base()));
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        let _ = root.read(&path);
        let _ = root.metadata(&path);
        let _ = root.read_dir(&path);
    }
}

fn test_root() -> (tempfile::TempDir, Root) {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("r");
    fs::create_dir_all(base.join("etc")).unwrap();
    fs::write(base.join("etc/passwd"), "root:x:0:0::/:/bin/sh\n").unwrap();
    symlink("../../../..", base.join("etc/up")).unwrap();
    symlink("/etc", base.join("etc/abs")).unwrap();
    symlink("loop", base.join("etc/loop")).unwrap();
    let root = Root::offline(&base).unwrap();
    (tmp, root)
}

#[test]
fn include_fan_out_is_bounded() {
    // Every file includes itself many times: the depth limit alone would
    // mean 20^16 reads.
    let sshd = "Include /etc/ssh/sshd_config\n".repeat(20);
    let c = SshdConfig::load(&MemRoot::new().with("/etc/ssh/sshd_config", &sshd)).unwrap();
    assert!(c.files.len() <= kexin_hostscan::parse::MAX_INCLUDE_FILES);
    let nginx = "include nginx.conf;\n".repeat(20);
    let c = NginxConfig::load(&MemRoot::new().with("/etc/nginx/nginx.conf", &nginx)).unwrap();
    assert!(c.files.len() <= kexin_hostscan::parse::MAX_INCLUDE_FILES);
    let apache = "Include apache2.conf\n".repeat(20);
    let c = ApacheConfig::load(&MemRoot::new().with("/etc/apache2/apache2.conf", &apache)).unwrap();
    assert!(c.files.len() <= kexin_hostscan::parse::MAX_INCLUDE_FILES);
    let pam = "@include a\n".repeat(20);
    let cfg = PamConfig::load(
        &MemRoot::new()
            .with("/etc/pam.d/sshd", "@include a\n@include a\n")
            .with("/etc/pam.d/a", &pam)
            .with("/etc/pam.d/b", "auth required pam_unix.so\n"),
    )
    .unwrap();
    assert!(!cfg.stack("sshd", PamType::Auth).problems.is_empty());
}

#[test]
fn deep_nesting_is_bounded() {
    let deep = "a {".repeat(100_000);
    let c = NginxConfig::parse_str("/etc/nginx/nginx.conf", &deep);
    assert!(
        c.problems
            .iter()
            .any(|p| p.message.contains("nested deeper"))
    );
    let deep = "<If x>\n".repeat(100_000);
    let c = ApacheConfig::parse_str("/etc/apache2/apache2.conf", &deep);
    assert!(
        c.problems
            .iter()
            .any(|p| p.message.contains("nested deeper"))
    );
}
