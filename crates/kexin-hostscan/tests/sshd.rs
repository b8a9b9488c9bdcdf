//! sshd_config semantics on a Debian 12 style tree.

use kexin_hostscan::parse::MemRoot;
use kexin_hostscan::parse::sshd::{
    DEFAULT_CIPHERS, DEFAULT_KEX, MatchContext, SUPPORTED_CIPHERS, SshdConfig, parse_time,
    resolve_algorithms,
};

const MAIN: &str = "\
# Sample server configuration in the Debian 12 layout (written for tests).

Include /etc/ssh/sshd_config.d/*.conf

#Port 22
PermitRootLogin yes # trailing comment
MaxAuthTries 6
KbdInteractiveAuthentication no
UsePAM yes
X11Forwarding yes
PrintMotd no
AcceptEnv LANG LC_*
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_rsa_key
Subsystem\tsftp\t/usr/lib/openssh/sftp-server
ClientAliveInterval=300
LoginGraceTime = 2m
Ciphers +aes128-cbc

Match User backup Address 10.0.0.0/8
\tPasswordAuthentication yes
\tForceCommand /usr/local/bin/backup-only
Match Group admins
\tMaxAuthTries 2
\tPermitRootLogin no
";

const DROPIN: &str = "\
# Local hardening drop-in.
PasswordAuthentication no
MaxAuthTries 3
Include extra.conf
Match User deploy
\tAllowTcpForwarding no
";

fn sample() -> SshdConfig {
    let root = MemRoot::new()
        .with("/etc/ssh/sshd_config", MAIN)
        .with("/etc/ssh/sshd_config.d/50-hardening.conf", DROPIN)
        .with("/etc/ssh/sshd_config.d/README", "not included")
        .with(
            "/etc/ssh/extra.conf",
            "permitemptypasswords NO\nLogLevel VERBOSE\n",
        );
    SshdConfig::load(&root).unwrap()
}

#[test]
fn include_first_value_wins_and_locations() {
    let cfg = sample();
    assert!(cfg.problems.is_empty(), "{:?}", cfg.problems);
    assert_eq!(
        cfg.files,
        vec![
            "/etc/ssh/sshd_config",
            "/etc/ssh/sshd_config.d/50-hardening.conf",
            "/etc/ssh/extra.conf"
        ]
    );
    let g = cfg.global();
    let pa = g.get("passwordauthentication").unwrap();
    assert_eq!(pa.value(), "no");
    assert_eq!(
        (pa.loc.file.as_str(), pa.loc.line),
        ("/etc/ssh/sshd_config.d/50-hardening.conf", 2)
    );
    // Drop-in comes first, so MaxAuthTries 3 wins over the main file's 6.
    assert_eq!(g.int("MaxAuthTries"), Some(3));
    assert_eq!(g.get("PermitRootLogin").unwrap().loc.line, 6);
    assert_eq!(g.get("PermitRootLogin").unwrap().args, vec!["yes"]);
    assert_eq!(g.value("PermitEmptyPasswords").as_deref(), Some("NO"));
    assert_eq!(g.yes_no("PermitEmptyPasswords"), Some(false));
    assert_eq!(g.get("loglevel").unwrap().loc.file, "/etc/ssh/extra.conf");
    // Accumulating keywords.
    assert_eq!(g.get_all("HostKey").len(), 2);
    // `Match User deploy` from the drop-in ends with the drop-in.
    assert!(g.get("X11Forwarding").is_some());
    assert_eq!(g.get("x11forwarding").unwrap().match_block, None);
    // Time values.
    assert_eq!(g.seconds("ClientAliveInterval"), Some(300));
    assert_eq!(g.seconds("LoginGraceTime"), Some(120));
    // Defaults for unset keywords.
    assert_eq!(g.value("ClientAliveCountMax"), None);
    assert_eq!(g.int("ClientAliveCountMax"), Some(3));
    assert_eq!(g.yes_no("PubkeyAuthentication"), Some(true));
}

#[test]
fn match_blocks_apply_only_to_matching_connections() {
    let cfg = sample();
    assert_eq!(cfg.matches.len(), 3);
    let backup_inside = MatchContext {
        user: Some("backup".into()),
        addr: Some("10.1.2.3".into()),
        ..MatchContext::default()
    };
    let e = cfg.effective(&backup_inside);
    assert_eq!(e.value("PasswordAuthentication").as_deref(), Some("yes"));
    assert_eq!(
        e.get("PasswordAuthentication").unwrap().match_block,
        Some(1)
    );
    let backup_outside = MatchContext {
        user: Some("backup".into()),
        addr: Some("192.168.1.5".into()),
        ..MatchContext::default()
    };
    assert_eq!(
        cfg.effective(&backup_outside)
            .value("PasswordAuthentication")
            .as_deref(),
        Some("no")
    );
    let admin = MatchContext {
        user: Some("alice".into()),
        groups: vec!["users".into(), "admins".into()],
        ..MatchContext::default()
    };
    let e = cfg.effective(&admin);
    assert_eq!(e.int("MaxAuthTries"), Some(2));
    assert_eq!(e.value("PermitRootLogin").as_deref(), Some("no"));
    let deploy = cfg.effective(&MatchContext::user("deploy"));
    assert_eq!(deploy.yes_no("AllowTcpForwarding"), Some(false));
    assert_eq!(cfg.global().yes_no("AllowTcpForwarding"), Some(true)); // default
}

#[test]
fn algorithm_lists() {
    let g = sample().global();
    let c = g.ciphers();
    assert_eq!(&c[..DEFAULT_CIPHERS.len()], DEFAULT_CIPHERS);
    assert_eq!(c.last().map(String::as_str), Some("aes128-cbc"));
    assert_eq!(g.kex_algorithms(), DEFAULT_KEX);
    let minus = resolve_algorithms(DEFAULT_CIPHERS, SUPPORTED_CIPHERS, "-aes*-ctr,chacha20*");
    assert_eq!(
        minus,
        vec!["aes128-gcm@openssh.com", "aes256-gcm@openssh.com"]
    );
    let caret = resolve_algorithms(
        DEFAULT_CIPHERS,
        SUPPORTED_CIPHERS,
        "^aes256-gcm@openssh.com",
    );
    assert_eq!(caret[0], "aes256-gcm@openssh.com");
    assert_eq!(caret.len(), DEFAULT_CIPHERS.len());
    let plus = resolve_algorithms(DEFAULT_CIPHERS, SUPPORTED_CIPHERS, "+*-cbc");
    assert_eq!(plus.len(), DEFAULT_CIPHERS.len() + 4);
    let replace = resolve_algorithms(DEFAULT_CIPHERS, SUPPORTED_CIPHERS, "aes256-ctr,bogus");
    assert_eq!(replace, vec!["aes256-ctr", "bogus"]);
    assert_eq!(parse_time("1h30m"), Some(5400));
    let cfg = SshdConfig::parse_str(
        "/x",
        "AuthenticationMethods publickey,password publickey,keyboard-interactive:pam\n",
    );
    let am = cfg.global().authentication_methods();
    assert_eq!(
        am,
        vec![
            vec!["publickey", "password"],
            vec!["publickey", "keyboard-interactive:pam"]
        ]
    );
    assert!(sample().global().authentication_methods().is_empty());
    assert_eq!(parse_time("2x"), None);
}

#[test]
fn problems_are_reported_not_fatal() {
    let root = MemRoot::new().with(
        "/etc/ssh/sshd_config",
        "PermitRootLogin\nBanner \"unterminated\nMatch Foo bar\nPasswordAuthentication yes\nInclude /etc/ssh/missing.conf\nInclude /etc/ssh/none.d/*.conf\n",
    );
    let cfg = SshdConfig::load(&root).unwrap();
    let lines: Vec<usize> = cfg.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![1, 2, 3, 5], "{:?}", cfg.problems);
    assert!(cfg.problems[3].message.contains("not found"));
    // The directive after an invalid Match belongs to a never-matching block.
    assert!(cfg.global().get("PasswordAuthentication").is_none());
    assert!(
        cfg.effective(&MatchContext::user("x"))
            .get("PasswordAuthentication")
            .is_none()
    );
}

#[test]
fn include_cycle_is_bounded() {
    let root = MemRoot::new().with("/etc/ssh/sshd_config", "Include sshd_config\nPort 22\n");
    let cfg = SshdConfig::load(&root).unwrap();
    assert!(cfg.problems.iter().any(|p| p.message.contains("deeper")));
    assert_eq!(cfg.global().get_all("Port").len(), 17);
    assert!(
        SshdConfig::load(&MemRoot::new())
            .unwrap_err()
            .is_not_found()
    );
}

#[test]
fn parse_str_without_files() {
    let cfg = SshdConfig::parse_str("/x", "Include other\nPermitRootLogin prohibit-password\n");
    assert_eq!(cfg.problems.len(), 1);
    assert_eq!(
        cfg.global().value("permitrootlogin").as_deref(),
        Some("prohibit-password")
    );
}

#[test]
fn match_address_cidr_and_negation() {
    let cfg = SshdConfig::parse_str(
        "/etc/ssh/sshd_config",
        "Match Address 2001:db8::/32,!10.9.0.0/16,10.0.0.0/8\n  PermitRootLogin yes\nMatch Address 0.0.0.0/0 LocalPort 2222\n  MaxAuthTries 1\n",
    );
    let at = |addr: &str, port: u16| {
        cfg.effective(&MatchContext {
            addr: Some(addr.into()),
            lport: Some(port),
            ..MatchContext::default()
        })
    };
    assert_eq!(
        at("2001:db8::1", 22).value("PermitRootLogin").as_deref(),
        Some("yes")
    );
    assert_eq!(at("2001:db9::1", 22).value("PermitRootLogin"), None);
    assert_eq!(
        at("10.1.1.1", 22).value("PermitRootLogin").as_deref(),
        Some("yes")
    );
    assert_eq!(at("10.9.1.1", 22).value("PermitRootLogin"), None, "negated");
    assert_eq!(at("192.0.2.1", 2222).int("MaxAuthTries"), Some(1));
    assert_eq!(at("192.0.2.1", 22).int("MaxAuthTries"), Some(6));
    assert_eq!(
        cfg.effective(&MatchContext::default())
            .value("PermitRootLogin"),
        None,
        "unknown address never matches"
    );
}
