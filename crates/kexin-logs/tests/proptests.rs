//! No parser panics, on arbitrary bytes or on mutations of valid lines; and
//! round-trips of generated RFC 3164 lines and octet-counted frames.

use kexin_logs::audit::{AuditJoiner, JoinConfig, encode_hex, parse_audit_str, record_views};
use kexin_logs::{
    Normalizer, OctetFrames, decode_octet_frame, parse_audit_record, parse_auth, parse_rfc3164,
    parse_rfc5424, parse_syslog,
};
use proptest::prelude::*;
use time::OffsetDateTime;
use time::macros::datetime;

const REF: OffsetDateTime = datetime!(2024-03-10 12:00:00 UTC);

const VALID: &[&str] = &[
    "Mar  9 06:25:03 bastion sshd[20114]: Failed password for invalid user oracle from 198.51.100.23 port 41870 ssh2",
    "2024-03-09T08:01:44.000123+01:00 bastion sshd[20300]: Accepted publickey for deploy from 10.0.4.7 port 50122 ssh2: ED25519 SHA256:abc",
    "<38>Mar  9 08:30:02 bastion sshd[20300]: Connection closed by authenticating user root 203.0.113.9 port 33112 [preauth]",
    "Mar  9 09:12:00 db02 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id",
    "Mar  9 09:13:10 db02 sudo:    alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash",
    "Mar  9 10:00:00 web01 su[4410]: FAILED SU (to root) mallory on pts/2",
    "Mar  9 10:05:00 web01 useradd[4500]: new user: name=svc, UID=0, GID=0, home=/root, shell=/bin/bash, from=/dev/pts/1",
    "Mar  9 10:06:00 web01 usermod[4510]: add 'svc' to shadow group 'sudo'",
    "Mar  9 10:07:00 web01 sshd[4600]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root",
    "<86>1 2024-03-09T11:00:00.5Z bastion sshd 20999 ID1 [origin ip=\"10.0.0.2\" x=\"a\\\"b\\]c\"][y@1 z=\"\"] \u{feff}Invalid user pi from 203.0.113.77 port 52200",
    "<34>1 - - - - - -",
    r#"{"@timestamp":"2024-03-09T12:00:00Z","host":{"name":"n3"},"message":"hello","a":[1,{"b":2}]}"#,
    r#"{"eventTime":"2024-03-09T13:14:15Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","userIdentity":{"type":"Root","arn":"x"},"sourceIPAddress":"1.2.3.4","errorCode":"E"}"#,
    r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"create","user":{"username":"u"},"sourceIPs":["10.0.0.1"],"objectRef":{"resource":"pods","subresource":"exec"},"responseStatus":{"code":201},"requestReceivedTimestamp":"2024-03-09T12:00:00Z"}"#,
    r#"{"Records":[{"eventTime":"2024-03-09T13:14:15Z","eventSource":"s3","eventName":"GetObject"}]}"#,
    "type=SYSCALL msg=audit(1709971200.123:8412): arch=c000003e syscall=59 success=yes a0=55d0 items=2 pid=20201 auid=1001 comm=\"curl\" exe=\"/usr/bin/curl\" key=\"k\"\u{1d}ARCH=x86_64 SYSCALL=execve AUID=\"alice\"",
    "type=EXECVE msg=audit(1709971200.123:8412): argc=3 a0=\"sh\" a1=\"-c\" a2_len=4 a2[0]=6563 a2[1]=686F",
    "type=SOCKADDR msg=audit(1709971200.123:8412): saddr=0A0001BB00000000200109B800000000000000000000000100000000",
    "type=USER_AUTH msg=audit(1709971300.456:8420): pid=1 uid=0 auid=1001 ses=12 msg='op=PAM:authentication acct=\"root\" exe=\"/usr/bin/su\" hostname=? addr=? terminal=pts/0 res=failed'",
    "Mar  9 10:30:00 web01 kernel: [ 3512.1] audit: type=1400 audit(1709980200.111:9100): apparmor=\"DENIED\" name=\"/etc/shadow\"",
    "Mar  9 10:20:00 web01 audispd: node=web01 type=PROCTITLE msg=audit(1709979600.500:9001): proctitle=746565002F6574",
    r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{"code":7},"authenticationInfo":{"principalEmail":"a@b"},"serviceName":"s","methodName":"x.y.Delete","authorizationInfo":[{"permission":"p","granted":false}]},"resource":{"labels":{"project_id":"p"}},"timestamp":"2024-03-09T14:02:11Z"}"#,
    r#"{"data":{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","methodName":"m"}}}"#,
    r#"{"uuid":"u","published":"2024-03-09T15:00:01Z","eventType":"user.session.start","actor":{"alternateId":"a@b"},"client":{"ipAddress":"198.51.100.1"},"outcome":{"result":"FAILURE"},"target":[{"displayName":"t"}]}"#,
    r#"{"time":"2024-03-09T16:00:00Z","resourceId":"/subscriptions/abc/x","operationName":{"value":"A/B/write"},"category":{"value":"Administrative"},"caller":"c","status":{"value":"Failed"}}"#,
    r#"{"time":"2024-03-09T17:00:00Z","category":"SignInLogs","resultType":"50126","properties":{"userPrincipalName":"a@b","status":{"errorCode":50126},"deviceDetail":{"isCompliant":false}}}"#,
    r#"{"category":"AuditLogs","operationName":"Update user","properties":{"result":"success","operationType":"Update","targetResources":[{"type":"User","modifiedProperties":[{"displayName":"d","newValue":"n"}]}],"initiatedBy":{"user":{"userPrincipalName":"u"}}}}"#,
];

fn exercise(bytes: &[u8]) {
    let n = Normalizer::new(REF);
    let _ = parse_syslog(bytes, REF);
    let _ = parse_rfc3164(bytes, REF);
    let _ = parse_rfc5424(bytes);
    let _ = decode_octet_frame(bytes);
    for f in OctetFrames::new(bytes) {
        let _ = f;
    }
    for e in n.octet_stream(bytes) {
        let _ = e;
    }
    let mut out = Vec::new();
    let _ = n.line(bytes, &mut out);
    let _ = n.json_line(bytes);
    let _ = n.cloudtrail(bytes);
    let _ = kexin_logs::normalize_reader(&n, bytes, |e| {
        let _ = record_views(&e);
    })
    .unwrap();
    let _ = parse_audit_record(bytes);
    for e in &out {
        let _ = serde_json::to_string(e).unwrap();
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        for app in [
            "sshd", "sudo", "su", "useradd", "usermod", "userdel", "groupadd", "passwd", "x",
        ] {
            let _ = parse_auth(app, s);
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
    Splice(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop::sample::select(vec![
        b' ', b'[', b']', b'"', b'\\', b':', b'<', b'>', b'=', b'-', b'0', b'9', b'{', b'}', 0xEF,
        0xFF, b'\n',
    ]);
    prop_oneof![
        (any::<usize>(), interesting.clone()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<usize>(), interesting).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 0..8))
            .prop_map(|(i, v)| Mutation::Splice(i, v)),
    ]
}

fn apply(line: &mut Vec<u8>, m: &Mutation) {
    let len = line.len().max(1);
    match m {
        Mutation::Replace(i, b) => {
            if !line.is_empty() {
                line[i % len] = *b;
            }
        }
        Mutation::Insert(i, b) => line.insert(i % (line.len() + 1), *b),
        Mutation::Delete(i) => {
            if !line.is_empty() {
                line.remove(i % len);
            }
        }
        Mutation::Truncate(i) => line.truncate(i % (line.len() + 1)),
        Mutation::Splice(i, v) => {
            let at = i % (line.len() + 1);
            line.splice(at..at, v.iter().copied());
        }
    }
}

/// JSON values built from the keys and values the vendor shapes look at, so
/// detection and mapping see every type in every position.
fn vendor_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec![
            "type.googleapis.com/google.cloud.audit.AuditLog",
            "SignInLogs",
            "AuditLogs",
            "Administrative",
            "AzureActivity",
            "user.session.start",
            "user.authentication.sso",
            "0",
            "50126",
            "Success",
            "Failed",
            "FAILURE",
            "Add",
            "a/b/write",
            "/subscriptions/x",
            "2024-03-09T14:02:11Z",
            "",
        ])
        .prop_map(Value::from),
    ];
    let keys = prop::sample::select(vec![
        "protoPayload",
        "@type",
        "data",
        "methodName",
        "serviceName",
        "status",
        "code",
        "authenticationInfo",
        "principalEmail",
        "resource",
        "labels",
        "eventType",
        "actor",
        "uuid",
        "published",
        "outcome",
        "result",
        "target",
        "displayName",
        "category",
        "Type",
        "operationName",
        "value",
        "resourceId",
        "caller",
        "properties",
        "targetResources",
        "modifiedProperties",
        "newValue",
        "activityDisplayName",
        "loggedByService",
        "userPrincipalName",
        "appDisplayName",
        "resultType",
        "time",
        "operationType",
        "initiatedBy",
        "user",
    ]);
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..6).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        exercise(&bytes);
    }

    #[test]
    fn no_panic_on_prefixed_noise(prefix in prop::sample::select(vec!["<13>", "<13>1 ", "Mar  9 ", "2024-03-09T", "12 ", "{\"", "<86>1 - h a p m ["]),
                                   bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut v = prefix.as_bytes().to_vec();
        v.extend_from_slice(&bytes);
        exercise(&v);
    }

    #[test]
    fn no_panic_on_mutated_valid_lines(idx in 0..VALID.len(), muts in prop::collection::vec(mutation(), 1..6)) {
        let mut line = VALID[idx].as_bytes().to_vec();
        for m in &muts {
            apply(&mut line, m);
        }
        exercise(&line);
        // And octet-framed.
        let mut framed = format!("{} ", line.len()).into_bytes();
        framed.extend_from_slice(&line);
        exercise(&framed);
    }

    #[test]
    fn auth_parser_never_panics(app in prop::sample::select(vec!["sshd", "sudo", "su", "useradd", "usermod", "userdel", "groupadd", "passwd"]),
                                prefix in prop::sample::select(vec!["", "Accepted ", "Failed ", "Invalid user ", "Connection closed by ", "Disconnected from ",
                                    "Received disconnect from ", "Disconnecting ", "PAM ", "pam_unix(", "pam_unix(sshd:auth): authentication failure; ",
                                    "error: maximum authentication attempts exceeded for ", "(to ", "FAILED SU (to ", "FAILED su for ", "new user: ",
                                    "add ", "delete user ", "removed group ", "change user ", "group added to ", "password for ", " alice : "]),
                                rest in "[ -~]{0,60}") {
        let msg = format!("{prefix}{rest}");
        let _ = parse_auth(app, &msg);
    }

    #[test]
    fn timestamp_autodetect_never_panics(key in prop::sample::select(vec!["@timestamp", "timestamp", "ts", "time"]),
                                         s in "(20[0-9]{2}-[0-9]{2}-[0-9]{2}[ T])?[0-9 .:+\\-Zzé€]{0,30}",
                                         x in any::<f64>(), i in any::<i64>()) {
        let n = Normalizer::new(REF);
        for v in [serde_json::json!(s), serde_json::json!(x), serde_json::json!(i)] {
            let line = serde_json::json!({ key: v }).to_string();
            let _ = n.json_line(line.as_bytes()).unwrap();
        }
    }

    #[test]
    fn rfc3164_round_trip(host in "[a-z][a-z0-9.-]{0,20}", app in "[a-zA-Z][a-zA-Z0-9_-]{0,15}", pid in 1u32..4_000_000,
                          msg in "[ -~]{0,80}", month in 0usize..12, day in 1u8..29, h in 0u8..24, m in 0u8..60, s in 0u8..60) {
        const M: [&str; 12] = ["Jan","Feb","Mar","Apr","May","Jun","Jul","Aug","Sep","Oct","Nov","Dec"];
        let line = format!("{} {:>2} {:02}:{:02}:{:02} {host} {app}[{pid}]: {msg}", M[month], day, h, m, s);
        let p = parse_syslog(line.as_bytes(), REF).unwrap();
        prop_assert_eq!(p.hostname, Some(host.as_str()));
        prop_assert_eq!(p.app_name, Some(app.as_str()));
        prop_assert_eq!(p.pid(), Some(pid));
        prop_assert_eq!(&*p.msg, msg.as_str());
        let t = p.timestamp.unwrap();
        prop_assert!(t <= REF + time::Duration::DAY);
        prop_assert_eq!((u8::from(t.month()) as usize - 1, t.day(), t.hour(), t.minute(), t.second()), (month, day, h, m, s));
    }

    #[test]
    fn audit_hex_and_quoted_values_round_trip(text in "\\PC{1,40}", quoted in "[^\"\\x1d]{0,40}", serial in any::<u64>(), secs in 0i64..4_000_000_000, ms in 0u16..1000) {
        let line = format!(
            "type=EXECVE msg=audit({secs}.{ms:03}:{serial}): argc=2 a0=\"{quoted}\" a1={}",
            encode_hex(text.as_bytes())
        );
        let r = parse_audit_str(&line).unwrap();
        prop_assert_eq!(r.get("a0").map(|v| v.into_owned()), Some(quoted.clone()));
        prop_assert_eq!(r.get("a1").map(|v| v.into_owned()), Some(text.clone()));
        prop_assert_eq!((r.stamp.seconds, r.stamp.millis, r.stamp.serial), (secs, ms, serial));
    }

    #[test]
    fn vendor_shapes_never_panic(v in vendor_json()) {
        let line = v.to_string();
        let n = Normalizer::new(REF);
        let _ = n.json_line(line.as_bytes());
        if let serde_json::Value::Object(m) = &v
            && let Some(shape) = kexin_logs::cloud::detect(m)
        {
            let e = kexin_logs::cloud::event_from_shape(shape, m, line.clone());
            prop_assert!(e.ocsf.is_some());
            prop_assert!(e.logsource.product.is_some());
        }
    }

    #[test]
    fn joiner_keeps_every_record_once(records in prop::collection::vec((0u64..6, 0u16..3000, prop::sample::select(vec!["SYSCALL", "EXECVE", "PATH", "CWD", "PROCTITLE", "EOE", "USER_AUTH", "AVC"])), 0..60),
                                      max_pending in 1usize..5, grace in 0u32..3000) {
        let n = Normalizer::new(REF);
        let mut j = AuditJoiner::new(JoinConfig { grace_ms: grace, max_pending, max_records: 1000 });
        let mut out = Vec::new();
        let mut kept = 0;
        for (serial, ms, t) in &records {
            let line = format!("type={t} msg=audit(1709971200.{:03}:{serial}): pid=1 item=0", ms % 1000);
            let at = out.len();
            n.line_joining(line.as_bytes(), &mut j, &mut out).unwrap();
            prop_assert!(j.pending() <= max_pending);
            prop_assert!(out[at..].iter().all(|e| e.field("record_types").is_some()));
            if *t != "EOE" {
                kept += 1;
            }
        }
        j.finish(&mut out);
        // EXECVE continuation records are merged into the first of their event.
        let counted: usize = out.iter().map(|e| {
            e.raw.lines().count()
        }).sum();
        prop_assert_eq!(counted, kept);
    }

    #[test]
    fn octet_frames_round_trip(frames in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..50), 0..10)) {
        let mut buf = Vec::new();
        for f in &frames {
            buf.extend_from_slice(format!("{} ", f.len()).as_bytes());
            buf.extend_from_slice(f);
        }
        let got: Vec<&[u8]> = OctetFrames::new(&buf).collect::<Result<_, _>>().unwrap();
        let want: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
        prop_assert_eq!(got, want);
    }
}

#[test]
fn valid_corpus_parses() {
    let n = Normalizer::new(REF);
    for line in VALID {
        let mut out = Vec::new();
        n.line(line.as_bytes(), &mut out)
            .unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(!out.is_empty());
    }
}
