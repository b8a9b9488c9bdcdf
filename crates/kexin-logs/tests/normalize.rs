//! End-to-end normalization of realistic lines.

use kexin_logs::{ErrorKind, Event, Normalizer, OcsfClass, SourceFormat, Status};
use time::macros::datetime;

fn n() -> Normalizer {
    Normalizer::new(datetime!(2024-03-10 12:00:00 UTC))
}

fn ev(line: &str) -> Event {
    n().syslog(line.as_bytes())
        .unwrap_or_else(|e| panic!("{line}: {e}"))
}

#[test]
fn sshd_failed_password_is_failed_authentication() {
    let e = ev(
        "2024-03-09T06:25:03.118224+00:00 bastion sshd[20114]: Failed password for invalid user oracle from 198.51.100.23 port 41870 ssh2",
    );
    assert_eq!(e.time, Some(datetime!(2024-03-09 06:25:03.118224 UTC)));
    assert_eq!(
        (e.host.as_deref(), e.app.as_deref(), e.pid),
        (Some("bastion"), Some("sshd"), Some(20114))
    );
    assert_eq!(
        (e.logsource.product, e.logsource.service),
        (Some("linux"), Some("sshd"))
    );
    let o = e.ocsf.as_ref().unwrap();
    assert_eq!(o.class, OcsfClass::Authentication);
    assert_eq!((o.class_uid, o.activity_id, o.type_uid), (3002, 1, 300201));
    assert_eq!(o.status, Some(Status::Failure));
    assert_eq!(o.user.as_ref().unwrap().name.as_deref(), Some("oracle"));
    let src = o.src_endpoint.as_ref().unwrap();
    assert_eq!(
        (src.ip.as_deref(), src.port),
        (Some("198.51.100.23"), Some(41870))
    );
    assert_eq!(o.auth_protocol.as_deref(), Some("password"));
    assert_eq!(e.field("User"), Some("oracle"));
    assert_eq!(e.field("InvalidUser"), Some("true"));
    assert_eq!(e.field("Status"), Some("failure"));
    assert_eq!(e.field("EventType"), Some("ssh_login_failure"));
    assert!(e.raw.ends_with("port 41870 ssh2"));
}

#[test]
fn sshd_accepted_and_session_lifecycle() {
    let e = ev(
        "Mar  9 08:01:44 bastion sshd[20300]: Accepted publickey for deploy from 10.0.4.7 port 50122 ssh2: ED25519 SHA256:q0vJtJ3rZ1S1fJZ5nT0m2wX7u4n1",
    );
    let o = e.ocsf.unwrap();
    assert_eq!((o.class_uid, o.status_id), (3002, Some(1)));
    assert_eq!(o.auth_protocol.as_deref(), Some("publickey"));
    assert_eq!(o.dst_endpoint.unwrap().hostname.as_deref(), Some("bastion"));
    let e = ev(
        "Mar  9 08:01:44 bastion sshd[20300]: pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)",
    );
    assert_eq!(e.ocsf.as_ref().unwrap().activity_name, "Logon");
    assert_eq!(e.field("PamService"), Some("sshd"));
    let e = ev(
        "Mar  9 08:30:02 bastion sshd[20300]: Disconnected from user deploy 10.0.4.7 port 50122",
    );
    let o = e.ocsf.unwrap();
    assert_eq!((o.class_uid, o.activity_id, o.status), (4007, 2, None));
    let e = ev(
        "Mar  9 08:30:02 bastion sshd[20300]: pam_unix(sshd:session): session closed for user deploy",
    );
    assert_eq!(e.ocsf.unwrap().activity_name, "Logoff");
}

#[test]
fn sudo_command_is_process_activity() {
    let e = ev(
        "Mar  9 09:12:00 db02 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart postgresql",
    );
    assert_eq!(e.logsource.service, Some("sudo"));
    assert_eq!(
        e.field("CommandLine"),
        Some("/usr/bin/systemctl restart postgresql")
    );
    assert_eq!(e.field("Image"), Some("/usr/bin/systemctl"));
    assert_eq!(e.field("User"), Some("root"));
    assert_eq!(e.field("SubjectUserName"), Some("alice"));
    let o = e.ocsf.unwrap();
    assert_eq!((o.class_uid, o.status), (1007, Some(Status::Success)));
    let p = o.process.unwrap();
    assert_eq!(
        (p.name.as_deref(), p.user.as_deref(), p.cwd.as_deref()),
        (Some("systemctl"), Some("root"), Some("/home/alice"))
    );
    assert_eq!(o.actor.unwrap().user.name.as_deref(), Some("alice"));

    let e = ev(
        "Mar  9 09:13:10 db02 sudo:    alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash",
    );
    let o = e.ocsf.unwrap();
    assert_eq!((o.class_uid, o.status), (3002, Some(Status::Failure)));
    assert_eq!(o.user.unwrap().name.as_deref(), Some("alice"));
    assert_eq!(e.fields.get("Attempts").map(String::as_str), Some("3"));
}

#[test]
fn su_and_account_management() {
    let e = ev("Mar  9 10:00:00 web01 su[4410]: FAILED SU (to root) mallory on pts/2");
    assert_eq!(e.logsource.service, Some("auth"));
    let o = e.ocsf.unwrap();
    assert_eq!((o.class_uid, o.status), (3002, Some(Status::Failure)));
    assert_eq!(o.actor.unwrap().user.name.as_deref(), Some("mallory"));

    let e = ev(
        "Mar  9 10:05:00 web01 useradd[4500]: new user: name=svc-backup, UID=0, GID=0, home=/root, shell=/bin/bash, from=/dev/pts/1",
    );
    assert_eq!(e.logsource.service, Some("auth"));
    let o = e.ocsf.unwrap();
    assert_eq!((o.class_uid, o.activity_id), (3001, 1));
    assert_eq!(o.user.unwrap().uid.as_deref(), Some("0"));
    // The builtin Sigma rule for privileged users matches keywords on the message.
    assert!(e.message.contains("UID=0,"));

    let e = ev("Mar  9 10:06:00 web01 usermod[4510]: add 'svc-backup' to group 'sudo'");
    let o = e.ocsf.unwrap();
    assert_eq!((o.class_uid, o.activity_id), (3006, 3));
    assert_eq!(e.fields.get("Group").map(String::as_str), Some("sudo"));

    let e = ev(
        "Mar  9 10:07:00 web01 sshd[4600]: pam_faillock(sshd:auth): Consecutive login failures for user root account temporarily locked",
    );
    assert_eq!(
        (e.ocsf.as_ref().unwrap().class_uid, e.field("User")),
        (3001, Some("root"))
    );
}

#[test]
fn unrecognised_syslog_has_no_ocsf_class() {
    let e = ev(
        "Mar  9 10:00:00 web01 systemd[1]: Started session-42.scope - Session 42 of User alice.",
    );
    assert_eq!(e.logsource.service, Some("syslog"));
    assert!(e.ocsf.is_none());
    assert_eq!(e.field("program"), Some("systemd"));
    let e = ev(
        "Mar  9 10:00:00 web01 CRON[881]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
    );
    assert_eq!(e.logsource.service, Some("cron"));
    assert_eq!(e.ocsf.unwrap().class_uid, 3002);
}

#[test]
fn rfc5424_structured_data_fields() {
    let e = ev(
        "<86>1 2024-03-09T11:00:00.5Z bastion sshd 20999 - [origin ip=\"10.0.0.2\" software=\"rsyslogd\"] Invalid user pi from 203.0.113.77 port 52200",
    );
    assert_eq!(e.format, SourceFormat::Rfc5424);
    assert_eq!(e.field("sd.origin.ip"), Some("10.0.0.2"));
    assert_eq!(e.field("facility"), Some("10"));
    assert_eq!(e.field("severity"), Some("6"));
    assert_eq!(e.ocsf.unwrap().status, Some(Status::Failure));
}

#[test]
fn octet_counted_stream() {
    let a = "<38>Mar  9 06:25:01 h sshd[1]: Invalid user x from 192.0.2.1 port 1";
    let b = "<38>1 2024-03-09T06:25:02Z h sshd 1 - - Invalid user y from 192.0.2.2 port 2";
    let buf = format!("{} {a}{} {b}", a.len(), b.len());
    let n = n();
    let evs: Vec<_> = n
        .octet_stream(buf.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(evs.len(), 2);
    assert_eq!(evs[1].field("User"), Some("y"));
    let bad: Vec<_> = n.octet_stream(b"5 abc").collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].as_ref().unwrap_err().kind, ErrorKind::Truncated);
}

#[test]
fn json_line_passthrough() {
    let mut out = Vec::new();
    let line = br#"{"@timestamp":"2024-03-09T12:00:00Z","host":{"name":"k8s-node-3"},"message":"hello","event":{"action":"login","outcome":"failure"},"tags":["a","b"],"n":3,"x":null}"#;
    assert_eq!(n().line(line, &mut out).unwrap(), 1);
    let e = &out[0];
    assert_eq!(e.format, SourceFormat::JsonLine);
    assert_eq!(e.time, Some(datetime!(2024-03-09 12:00:00 UTC)));
    assert_eq!(e.host.as_deref(), Some("k8s-node-3"));
    assert_eq!(e.message, "hello");
    assert_eq!(e.field("event.outcome"), Some("failure"));
    assert_eq!(e.field("tags"), Some(r#"["a","b"]"#));
    assert_eq!(e.field("n"), Some("3"));
    assert_eq!(e.field("x"), Some(""));
    for (line, t) in [
        (
            &br#"{"ts":1710000000}"#[..],
            datetime!(2024-03-09 16:00:00 UTC),
        ),
        (
            br#"{"time":1710000000123}"#,
            datetime!(2024-03-09 16:00:00.123 UTC),
        ),
        (
            br#"{"timestamp":"2024-03-09 16:00:00"}"#,
            datetime!(2024-03-09 16:00:00 UTC),
        ),
        (
            br#"{"date":"1710000000"}"#,
            datetime!(2024-03-09 16:00:00 UTC),
        ),
    ] {
        assert_eq!(
            n().json_line(line).unwrap().time,
            Some(t),
            "{}",
            String::from_utf8_lossy(line)
        );
    }
    let err = n().json_line(br#"{"a": tru}"#).unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Json(_)));
    assert!((6..=10).contains(&err.offset), "{err}");
    assert!(matches!(
        n().json_line(b"[1,2]").unwrap_err().kind,
        ErrorKind::JsonShape(_)
    ));
}

const CLOUDTRAIL: &str = r#"{"Records":[
 {"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEPRINCIPAL","arn":"arn:aws:iam::111122223333:user/ci-deployer","accountId":"111122223333","userName":"ci-deployer"},
  "eventTime":"2024-03-09T13:14:15Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","awsRegion":"us-east-1",
  "sourceIPAddress":"203.0.113.50","userAgent":"aws-cli/2.15.0","requestParameters":{"userName":"backup-admin"},"recipientAccountId":"111122223333"},
 {"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:sess","arn":"arn:aws:sts::111122223333:assumed-role/ReadOnly/sess","sessionContext":{"sessionIssuer":{"userName":"ReadOnly"}}},
  "eventTime":"2024-03-09T13:15:00Z","eventSource":"s3.amazonaws.com","eventName":"DeleteBucketPolicy","awsRegion":"eu-west-1",
  "sourceIPAddress":"198.51.100.8","errorCode":"AccessDenied","errorMessage":"User is not authorized","requestParameters":{"bucketName":"audit-logs"}}
]}"#;

#[test]
fn cloudtrail_records_document_and_lines() {
    let evs = n().cloudtrail(CLOUDTRAIL.as_bytes()).unwrap();
    assert_eq!(evs.len(), 2);
    let a = &evs[0];
    assert_eq!(
        (a.logsource.product, a.logsource.service),
        (Some("aws"), Some("cloudtrail"))
    );
    let o = a.ocsf.as_ref().unwrap();
    assert_eq!(
        (o.class_uid, o.activity_id, o.status),
        (6003, 1, Some(Status::Success))
    );
    assert_eq!(
        o.actor.as_ref().unwrap().user.name.as_deref(),
        Some("ci-deployer")
    );
    assert_eq!(
        o.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("203.0.113.50")
    );
    assert_eq!(a.field("requestParameters.userName"), Some("backup-admin"));
    let b = &evs[1];
    let o = b.ocsf.as_ref().unwrap();
    assert_eq!((o.activity_id, o.status), (4, Some(Status::Failure)));
    assert_eq!(
        o.status_detail.as_deref(),
        Some("AccessDenied: User is not authorized")
    );
    assert_eq!(
        o.actor.as_ref().unwrap().user.name.as_deref(),
        Some("ReadOnly")
    );
    assert_eq!(b.field("errorCode"), Some("AccessDenied"));

    // One record per line, and the auto-detecting `line`.
    let lines: String = evs.iter().map(|e| format!("{}\n", e.raw)).collect();
    let again = n().cloudtrail(lines.as_bytes()).unwrap();
    assert_eq!(again.len(), 2);
    assert_eq!(again[1].fields, evs[1].fields);
    let mut out = Vec::new();
    let compact = CLOUDTRAIL.replace('\n', "");
    assert_eq!(n().line(compact.as_bytes(), &mut out).unwrap(), 2);
    let bad = n()
        .cloudtrail(b"{\"eventSource\":\"x\",\"eventName\":\"y\",\"eventTime\":\"z\"}\n{oops}\n");
    assert_eq!(bad.unwrap_err().offset, 53);
}

#[test]
fn reader_counts_and_quotes_bad_lines() {
    let input = "Mar  9 06:25:01 h sshd[1]: Invalid user a from 192.0.2.1 port 1\n\nnot syslog at all\n{\"broken\": \n<999>x\n{\"ts\":1710000000,\"message\":\"ok\"}\n";
    let mut events = Vec::new();
    let stats = kexin_logs::normalize_reader(&n(), input.as_bytes(), |e| events.push(e)).unwrap();
    assert_eq!((stats.lines, stats.events, stats.errors), (6, 2, 3));
    assert_eq!(events.len(), 2);
    let lines: Vec<u64> = stats.first_errors.iter().map(|b| b.line).collect();
    assert_eq!(lines, vec![3, 4, 5]);
    assert_eq!(stats.first_errors[0].quote, "not syslog at all");
    assert_eq!(stats.first_errors[2].error.kind, ErrorKind::BadPri);
}

#[test]
fn octet_stream_error_offsets_are_buffer_relative() {
    let good = "<38>Mar  9 06:25:01 h a: x";
    let buf = format!("{} {good}5 <999>", good.len());
    let r: Vec<_> = n().octet_stream(buf.as_bytes()).collect();
    assert!(r[0].is_ok());
    let e = r[1].as_ref().unwrap_err();
    assert_eq!(
        (e.kind.clone(), e.offset),
        (ErrorKind::BadPri, 3 + good.len() + 2 + 1)
    );
}

#[test]
fn connection_records_are_network_activity() {
    // Zeek conn.log (JSON), an east-west SSH connection.
    let e = n()
        .json_line(br#"{"ts":1710000000.25,"uid":"CHhAvVGS1DHFjwGM9","id.orig_h":"10.0.1.15","id.orig_p":51514,"id.resp_h":"10.0.2.20","id.resp_p":22,"proto":"tcp","conn_state":"SF"}"#)
        .unwrap();
    assert_eq!(e.logsource.category, Some("network_connection"));
    let o = e.ocsf.as_ref().unwrap();
    assert_eq!((o.class_uid, o.activity_id), (4001, 6));
    assert_eq!(o.dst_endpoint.as_ref().unwrap().port, Some(22));
    assert_eq!(o.protocol_name.as_deref(), Some("tcp"));
    assert_eq!(e.field("DestinationIp"), Some("10.0.2.20"));
    assert_eq!(e.field("DestinationPort"), Some("22"));
    assert_eq!(e.field("SourcePort"), Some("51514"));
    assert_eq!(e.time, Some(datetime!(2024-03-09 16:00:00.25 UTC)));
    // AWS VPC flow log record, rejected RDP.
    let e = n()
        .json_line(br#"{"version":2,"account-id":"111122223333","srcaddr":"10.0.3.7","dstaddr":"10.0.4.9","srcport":49152,"dstport":3389,"protocol":6,"action":"REJECT","start":1710000000}"#)
        .unwrap();
    let o = e.ocsf.as_ref().unwrap();
    assert_eq!(
        (o.class_uid, o.activity_id, o.status),
        (4001, 5, Some(Status::Failure))
    );
    assert_eq!(e.field("Protocol"), Some("tcp"));
    // Not IPs: plain passthrough.
    let e = n().json_line(br#"{"src":"a.txt","dst":"b.txt"}"#).unwrap();
    assert!(e.ocsf.is_none());
}

#[test]
fn kubernetes_audit_event_is_api_activity() {
    let line = br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"6f1c0c2e-0000-4000-8000-000000000001","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/kube-system/secrets/bootstrap-token-abc","verb":"delete","user":{"username":"system:serviceaccount:ci:deployer","groups":["system:serviceaccounts"]},"sourceIPs":["10.0.7.12"],"userAgent":"kubectl/v1.29.2","objectRef":{"resource":"secrets","namespace":"kube-system","name":"bootstrap-token-abc","apiVersion":"v1"},"responseStatus":{"metadata":{},"status":"Failure","reason":"Forbidden","code":403},"requestReceivedTimestamp":"2024-03-09T12:00:00.123456Z","stageTimestamp":"2024-03-09T12:00:00.130000Z"}"#;
    let e = n().json_line(line).unwrap();
    assert_eq!(e.format, SourceFormat::K8sAudit);
    assert_eq!(
        (e.logsource.product, e.logsource.service),
        (Some("kubernetes"), Some("audit"))
    );
    assert_eq!(e.time, Some(datetime!(2024-03-09 12:00:00.123456 UTC)));
    let o = e.ocsf.as_ref().unwrap();
    assert_eq!(
        (o.class_uid, o.activity_id, o.status),
        (6003, 4, Some(Status::Failure))
    );
    assert_eq!(o.status_detail.as_deref(), Some("403 Forbidden"));
    assert_eq!(
        o.actor.as_ref().unwrap().user.name.as_deref(),
        Some("system:serviceaccount:ci:deployer")
    );
    assert_eq!(
        o.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("10.0.7.12")
    );
    assert_eq!(e.field("verb"), Some("delete"));
    assert_eq!(e.field("objectRef.resource"), Some("secrets"));
    assert_eq!(
        e.message,
        "delete /api/v1/namespaces/kube-system/secrets/bootstrap-token-abc"
    );
}
