//! PAM, login.defs and account databases on Debian 12 style samples.

use kexin_hostscan::FileText;
use kexin_hostscan::parse::MemRoot;
use kexin_hostscan::parse::accounts::{Accounts, HashAlgorithm, PasswordState, parse_shadow};
use kexin_hostscan::parse::login_defs::LoginDefs;
use kexin_hostscan::parse::pam::{Control, PamConfig, PamType};

const COMMON_AUTH: &str = "\
# Sample common-auth in the pam-auth-update layout (written for tests).
auth\trequired\t\t\tpam_faillock.so preauth silent deny=5 unlock_time=900
auth\t[success=1 default=ignore]\tpam_unix.so nullok
auth\t[default=die]\t\t\tpam_faillock.so authfail deny=5 \\
\tunlock_time=900
auth\trequisite\t\t\tpam_deny.so
auth\trequired\t\t\tpam_permit.so
";

const COMMON_PASSWORD: &str = "\
password\trequisite\t\t\tpam_pwquality.so retry=3 minlen=14 dcredit=-1
password\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok try_first_pass yescrypt
password\trequisite\t\t\tpam_deny.so
password\trequired\t\t\tpam_permit.so
";

const SSHD: &str = "\
# PAM configuration for the sshd service (sample).
@include common-auth
account    required     pam_nologin.so
@include common-account
session [success=ok ignore=ignore module_unknown=ignore default=bad] pam_selinux.so close
-session   optional     pam_systemd.so
session    required     pam_limits.so
@include common-password
auth substack missing-file
bogus line
auth required pam_succeed_if.so [user ingroup wheel] quiet
";

fn pam() -> PamConfig {
    let root = MemRoot::new()
        .with("/etc/pam.d/common-auth", COMMON_AUTH)
        .with("/etc/pam.d/common-password", COMMON_PASSWORD)
        .with(
            "/etc/pam.d/common-account",
            "account required pam_unix.so\n",
        )
        .with("/etc/pam.d/sshd", SSHD)
        .with("/etc/pam.d/loop-a", "@include loop-b\n")
        .with("/etc/pam.d/loop-b", "auth include loop-a\n");
    PamConfig::load(&root).unwrap()
}

#[test]
fn pam_stack_resolves_includes_in_order() {
    let cfg = pam();
    let st = cfg.stack("sshd", PamType::Auth);
    let modules: Vec<&str> = st.entries.iter().map(|e| e.module_name()).collect();
    assert_eq!(
        modules,
        vec![
            "pam_faillock.so",
            "pam_unix.so",
            "pam_faillock.so",
            "pam_deny.so",
            "pam_permit.so",
            "pam_succeed_if.so"
        ]
    );
    let fl = st.module("pam_faillock.so");
    assert_eq!(fl[0].arg("deny"), Some("5"));
    assert!(fl[0].has_flag("preauth"));
    assert_eq!(
        fl[1].arg("unlock_time"),
        Some("900"),
        "continuation line joined"
    );
    assert_eq!(fl[1].loc.file, "/etc/pam.d/common-auth");
    assert_eq!(fl[1].loc.line, 4);
    assert_eq!(
        st.first("pam_unix.so").unwrap().control,
        Control::Complex(vec![
            ("success".into(), "1".into()),
            ("default".into(), "ignore".into())
        ])
    );
    assert_eq!(
        st.first("pam_succeed_if.so").unwrap().args,
        vec!["[user ingroup wheel]", "quiet"]
    );
    assert_eq!(st.problems.len(), 1, "{:?}", st.problems);
    assert_eq!(st.problems[0].line, 9);

    let pw = cfg.stack("sshd", PamType::Password);
    assert_eq!(
        pw.first("pam_pwquality.so").unwrap().arg("minlen"),
        Some("14")
    );
    assert!(pw.first("pam_unix.so").unwrap().has_flag("yescrypt"));
    let se = cfg.stack("sshd", PamType::Session);
    assert!(se.first("pam_systemd.so").unwrap().ignore_missing);
    let problems = cfg.all_problems();
    assert_eq!(problems.len(), 1);
    assert_eq!(
        (problems[0].file.as_str(), problems[0].line),
        ("/etc/pam.d/sshd", 10)
    );
}

#[test]
fn pam_loops_and_missing_services() {
    let cfg = pam();
    let st = cfg.stack("loop-a", PamType::Auth);
    assert!(st.entries.is_empty());
    assert!(st.problems[0].message.contains("loop"));
    assert!(
        cfg.stack("nope", PamType::Auth).problems[0]
            .message
            .contains("not found")
    );
}

#[test]
fn login_defs() {
    let t = FileText::from_bytes(
        "/etc/login.defs",
        b"# sample\nMAIL_DIR        /var/mail\nPASS_MAX_DAYS\t99999\nPASS_MIN_DAYS\t0\nPASS_WARN_AGE\t7\nUMASK\t\t022\nENCRYPT_METHOD yescrypt\nPASS_MAX_DAYS 90\nLOG_OK_LOGINS no\nBROKEN\n",
    );
    let d = LoginDefs::parse(&t);
    assert_eq!(d.pass_max_days(), Some(90));
    assert_eq!(d.get("pass_max_days").unwrap().loc.line, 8);
    assert_eq!(d.get("PASS_MAX_DAYS").unwrap().overridden[0].line, 3);
    assert_eq!(d.pass_min_days(), Some(0));
    assert_eq!(d.pass_warn_age(), Some(7));
    assert_eq!(d.umask(), Some(0o022));
    assert_eq!(d.encrypt_method().as_deref(), Some("YESCRYPT"));
    assert_eq!(d.yes_no("LOG_OK_LOGINS"), Some(false));
    assert_eq!(d.problems.len(), 1);
    assert_eq!(d.problems[0].line, 10);
    assert!(LoginDefs::load(&MemRoot::new()).is_err());
}

const PASSWD: &str = "\
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
toor:x:0:0::/root:/bin/sh
broken:x:abc:1::/:/bin/sh
short:x:5
+nisuser
";

const SHADOW: &str = "\
root:$y$j9T$abcdefghijk$0123456789abcdefghijklmnopqrstuvwxyzABCDE:19700:0:99999:7:::
daemon:*:19700:0:99999:7:::
sync:!:19700::::::
alice:$6$salt$hashhashhash:19700:1:90:14:30::
toor::19700:0:99999:7:::
bob:!$1$old$md5hash:19000:0:99999:7:::
carol:abcdefghijklm:19000::::::
dave:$6$x:notanumber::::::
erin:!*:19000::::::
frank:!:19000::::::
gina:not-a-hash:19000::::::
";

#[test]
fn accounts() {
    let root = MemRoot::new()
        .with("/etc/passwd", PASSWD)
        .with("/etc/shadow", SHADOW)
        .with(
            "/etc/group",
            "root:x:0:\nsudo:x:27:alice,bob\nalice:x:1000:\nbad:x:y:\n",
        )
        .with("/etc/gshadow", "root:*::\nsudo:*:alice:alice,bob\n");
    let a = Accounts::load(&root);
    assert!(a.errors.is_empty());
    let uid0: Vec<&str> = a.uid0().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(uid0, vec!["root", "toor"]);
    assert!(a.user("daemon").unwrap().has_nologin_shell());
    assert!(!a.user("alice").unwrap().has_nologin_shell());
    let state = |n: &str| a.shadow_of(n).unwrap().state();
    assert_eq!(state("root"), PasswordState::Hash(HashAlgorithm::Yescrypt));
    assert_eq!(state("daemon"), PasswordState::NoPassword);
    assert_eq!(state("sync"), PasswordState::NoPassword);
    assert_eq!(state("alice"), PasswordState::Hash(HashAlgorithm::Sha512));
    assert_eq!(state("toor"), PasswordState::Empty);
    assert_eq!(state("bob"), PasswordState::Locked(HashAlgorithm::Md5));
    assert_eq!(state("carol"), PasswordState::Hash(HashAlgorithm::Des));
    assert_eq!(state("erin"), PasswordState::NoPassword);
    assert_eq!(state("frank"), PasswordState::NoPassword);
    assert_eq!(state("gina"), PasswordState::Invalid);
    assert!(!HashAlgorithm::Des.is_strong());
    assert!(HashAlgorithm::Yescrypt.is_strong());
    let alice = a.shadow_of("alice").unwrap();
    assert_eq!(
        (
            alice.min_days,
            alice.max_days,
            alice.warn_days,
            alice.inactive_days
        ),
        (Some(1), Some(90), Some(14), Some(30))
    );
    assert_eq!(alice.expire, None);
    assert_eq!(a.group_members("sudo"), vec!["alice", "bob"]);
    assert_eq!(a.group_members("alice"), vec!["alice"]);
    let probs: Vec<(String, usize)> = a
        .problems()
        .iter()
        .map(|p| (p.file.clone(), p.line))
        .collect();
    assert_eq!(
        probs,
        vec![
            ("/etc/passwd".to_string(), 6),
            ("/etc/passwd".to_string(), 7),
            ("/etc/passwd".to_string(), 8),
            ("/etc/shadow".to_string(), 8),
            ("/etc/group".to_string(), 4),
        ]
    );
    assert_eq!(a.gshadow.as_ref().unwrap().entries[1].admins, vec!["alice"]);
    let missing = Accounts::load(&MemRoot::new().with("/etc/passwd", PASSWD));
    assert_eq!(missing.errors.len(), 3);
    assert!(missing.shadow.is_none());
    let s = parse_shadow(&FileText::from_bytes("/s", b"x:$2b$10$abc:1::::::\n"));
    assert_eq!(
        s.entries[0].state(),
        PasswordState::Hash(HashAlgorithm::Bcrypt)
    );
}
