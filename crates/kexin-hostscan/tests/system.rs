//! sudoers, sysctl and audit rules on Debian 12 style samples.

use kexin_hostscan::parse::MemRoot;
use kexin_hostscan::parse::auditd::{AuditRules, Rule};
use kexin_hostscan::parse::sudoers::{AliasKind, DefaultsScope, Sudoers};
use kexin_hostscan::parse::sysctl::{SysctlConfig, live_value, normalize_key};
use kexin_hostscan::{ReadError, Root};

const SUDOERS: &str = "\
# Sample sudoers in the Debian 12 layout (written for tests).
Defaults\tenv_reset
Defaults\tmail_badpass
Defaults\tsecure_path=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"
Defaults\tuse_pty
Defaults:OPS !lecture, timestamp_timeout=5

User_Alias OPS = carol, dave : WEB = %www-admins
Cmnd_Alias EVERYTHING = ALL
Cmnd_Alias SERVICES = /usr/bin/systemctl restart nginx, \\
    /usr/bin/systemctl reload nginx

root\tALL=(ALL:ALL) ALL
%sudo\tALL=(ALL:ALL) ALL
OPS ALL = (root) NOPASSWD: SERVICES, PASSWD: /usr/bin/apt
deploy, ci  ALL=(ALL) NOPASSWD:SETENV: EVERYTHING  # automation
#1001 ALL=(ALL) ALL

@includedir /etc/sudoers.d
";

#[test]
fn sudoers() {
    let root = MemRoot::new()
        .with("/etc/sudoers", SUDOERS)
        .with(
            "/etc/sudoers.d/README",
            "# ignored: contains a dot? no, but is comments only\n",
        )
        .with(
            "/etc/sudoers.d/90-cloud",
            "ubuntu ALL=(ALL) NOPASSWD:ALL\nDefaults logfile=/var/log/sudo.log\n",
        )
        .with("/etc/sudoers.d/skip.conf", "eve ALL=(ALL) NOPASSWD: ALL\n")
        .with("/etc/sudoers.d/skip~", "eve ALL=(ALL) NOPASSWD: ALL\n")
        .with(
            "/etc/sudoers.d/zz-bad",
            "this is not valid\n#include ../sudoers\n",
        );
    let s = Sudoers::load(&root).unwrap();
    assert_eq!(
        s.files,
        vec![
            "/etc/sudoers",
            "/etc/sudoers.d/90-cloud",
            "/etc/sudoers.d/README",
            "/etc/sudoers.d/zz-bad"
        ]
    );
    assert_eq!(s.defaults_flag("use_pty"), Some(true));
    assert_eq!(s.defaults_flag("requiretty"), None);
    assert_eq!(s.defaults_value("logfile"), Some("/var/log/sudo.log"));
    assert_eq!(
        s.defaults_entry("logfile").unwrap().loc.file,
        "/etc/sudoers.d/90-cloud"
    );
    assert!(
        s.defaults_value("secure_path")
            .unwrap()
            .starts_with("/usr/local/sbin")
    );
    let lecture = s.defaults.iter().find(|d| d.name == "lecture").unwrap();
    assert_eq!(lecture.scope, DefaultsScope::User("OPS".into()));
    assert!(lecture.negated);
    assert_eq!(
        s.expand(AliasKind::User, &["OPS".into()]),
        vec!["carol", "dave"]
    );
    assert_eq!(
        s.alias(AliasKind::Cmnd, "SERVICES").unwrap().members.len(),
        2
    );

    let np: Vec<(String, usize)> = s
        .nopasswd_all()
        .into_iter()
        .map(|g| (g.who, g.loc.line))
        .collect();
    assert_eq!(
        np,
        vec![
            ("deploy".into(), 16),
            ("ci".into(), 16),
            ("ubuntu".into(), 1)
        ]
    );
    let all: Vec<String> = s.all_commands().into_iter().map(|g| g.who).collect();
    assert_eq!(
        all,
        vec!["root", "%sudo", "deploy", "ci", "#1001", "ubuntu"]
    );

    let ops = &s.specs[2];
    assert_eq!(ops.users, vec!["OPS"]);
    assert_eq!(ops.commands[0].runas.as_deref(), Some("root"));
    assert!(ops.commands[0].has_tag("NOPASSWD"));
    assert!(ops.commands[1].has_tag("PASSWD") && !ops.commands[1].has_tag("NOPASSWD"));
    assert_eq!(
        ops.commands[1].runas.as_deref(),
        Some("root"),
        "run-as carries over"
    );
    assert_eq!(s.specs[3].commands[0].tags, vec!["NOPASSWD", "SETENV"]);
    assert_eq!(
        s.specs[3].commands[0].command, "EVERYTHING",
        "trailing comment stripped"
    );

    assert_eq!(s.problems.len(), 2, "{:?}", s.problems);
    assert_eq!(
        (s.problems[0].file.as_str(), s.problems[0].line),
        ("/etc/sudoers.d/zz-bad", 1)
    );
    assert!(s.problems[1].message.contains("loop"));
}

#[test]
fn sudoers_without_authenticate() {
    let s = Sudoers::parse_str(
        "/etc/sudoers",
        "Defaults !authenticate\nalice ALL=(ALL) ALL\n",
    );
    assert_eq!(s.nopasswd_all().len(), 1);
    let s = Sudoers::parse_str(
        "/etc/sudoers",
        "alice ALL=(ALL) NOPASSWD: /bin/ls, PASSWD: ALL\n",
    );
    assert!(s.nopasswd_all().is_empty());
}

#[test]
fn sysctl_precedence() {
    let root = MemRoot::new()
        .with("/usr/lib/sysctl.d/50-default.conf", "net.ipv4.conf.all.rp_filter = 2\nkernel.kptr_restrict = 1\n")
        .with("/usr/lib/sysctl.d/99-masked.conf", "kernel.sysrq = 1\n")
        .with("/etc/sysctl.d/99-masked.conf", "# local override replaces the vendor file\n")
        .with("/run/sysctl.d/60-run.conf", "-net.ipv4.ip_forward = 1\n")
        .with(
            "/etc/sysctl.d/70-hardening.conf",
            "net/ipv4/conf/all/rp_filter=1\n; comment\nkernel.randomize_va_space = 2\nbroken line\n",
        )
        .with("/etc/sysctl.conf", "net.ipv4.ip_forward=0\n");
    let c = SysctlConfig::load(&root);
    assert_eq!(
        c.files,
        vec![
            "/usr/lib/sysctl.d/50-default.conf",
            "/run/sysctl.d/60-run.conf",
            "/etc/sysctl.d/70-hardening.conf",
            "/etc/sysctl.d/99-masked.conf",
            "/etc/sysctl.conf"
        ]
    );
    let rp = c.get("net.ipv4.conf.all.rp_filter").unwrap();
    assert_eq!(rp.value, "1");
    assert_eq!(rp.loc.file, "/etc/sysctl.d/70-hardening.conf");
    assert_eq!(rp.overridden[0].file, "/usr/lib/sysctl.d/50-default.conf");
    assert_eq!(
        c.value("kernel.sysrq"),
        None,
        "masked by /etc file of the same name"
    );
    assert_eq!(c.value("net.ipv4.ip_forward"), Some("0"));
    assert_eq!(c.value("kernel/randomize_va_space"), Some("2"));
    assert_eq!(c.problems.len(), 1);
    assert_eq!(c.problems[0].line, 4);
    assert_eq!(
        normalize_key("net/ipv4/conf/eth0.1/rp_filter"),
        "net.ipv4.conf.eth0/1.rp_filter"
    );
    assert_eq!(
        normalize_key("net.ipv4.conf.eth0/1.rp_filter"),
        "net.ipv4.conf.eth0/1.rp_filter"
    );
}

#[test]
fn sysctl_live_values() {
    let tmp = tempfile::tempdir().unwrap();
    let offline = Root::offline(tmp.path()).unwrap();
    assert!(matches!(
        live_value(&offline, "kernel.ostype"),
        Err(ReadError::InvalidPath { .. })
    ));
    if let Ok(v) = live_value(&Root::live(), "kernel.ostype") {
        assert_eq!(v, "Linux");
    }
    for bad in [
        "kernel..x",
        "kernel/../../etc/shadow",
        "kernel.//.//.etc.shadow",
        ".",
        "",
    ] {
        assert!(
            matches!(
                live_value(&Root::live(), bad),
                Err(ReadError::InvalidPath { .. })
            ),
            "{bad}"
        );
    }
}

const AUDIT: &str = "\
## Sample rules (written for tests)
-D
-b 8192
--backlog_wait_time 60000
-f 1
-w /etc/shadow -p wa -k identity
-w /etc/sudoers.d/ -p wa -k scope
-a always,exit -F arch=b64 -S adjtimex,settimeofday -k time-change
-a exit,always -F arch=b32 -S clock_settime -F a0=0x0 -F key=time-change
-a always,exit -F path=/usr/bin/passwd -F perm=x -F auid>=1000 -F auid!=unset -k privileged
-a never,task
-w /var/log/lastlog -p rw -k logins -x
-a always,sometimes -S open
-e 2
";

#[test]
fn audit_rules() {
    let root = MemRoot::new()
        .with("/etc/audit/rules.d/50-sample.rules", AUDIT)
        .with(
            "/etc/audit/rules.d/10-base.rules",
            "-a always,exit -F arch=b64 -S execve -k exec\n",
        )
        .with("/etc/audit/audit.rules", "-e 0\n");
    let r = AuditRules::load(&root);
    assert_eq!(
        r.files,
        vec![
            "/etc/audit/rules.d/10-base.rules",
            "/etc/audit/rules.d/50-sample.rules"
        ]
    );
    assert!(r.immutable());
    assert_eq!(r.watching("/etc/shadow").len(), 1);
    assert_eq!(r.watching("/etc/sudoers.d").len(), 1);
    assert_eq!(r.watching("/usr/bin/passwd").len(), 1);
    assert_eq!(r.syscall("execve").len(), 1);
    assert_eq!(r.syscall("clock_settime").len(), 1);
    assert_eq!(r.with_key("time-change").len(), 2);
    let priv_rule = &r.with_key("privileged")[0];
    let auid = priv_rule.field("auid").unwrap();
    assert_eq!((auid.op.as_str(), auid.value.as_str()), (">=", "1000"));
    assert!(matches!(r.rules[1], Rule::DeleteAll { .. }));
    assert!(matches!(r.rules[2], Rule::Buffer { size: 8192, .. }));
    assert!(matches!(&r.rules[3], Rule::Control { option, .. } if option == "--backlog_wait_time"));
    match &r.rules[5] {
        Rule::Watch {
            path,
            perms,
            keys,
            loc,
        } => {
            assert_eq!(
                (path.as_str(), perms.as_deref(), keys[0].as_str()),
                ("/etc/shadow", Some("wa"), "identity")
            );
            assert_eq!(
                (loc.file.as_str(), loc.line),
                ("/etc/audit/rules.d/50-sample.rules", 6)
            );
        }
        other => panic!("{other:?}"),
    }
    let lines: Vec<usize> = r.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![12, 13], "{:?}", r.problems);

    let fallback = AuditRules::load(&MemRoot::new().with("/etc/audit/audit.rules", "-e 1\n"));
    assert_eq!(fallback.enabled_mode(), Some(1));
    assert!(AuditRules::load(&MemRoot::new()).rules.is_empty());
}
