//! Snapshot of the normalized JSON for a small mixed sample.

use kexin_logs::Normalizer;
use time::macros::datetime;

const SAMPLE: &str = r#"2024-03-09T06:25:03.118224+00:00 bastion sshd[20114]: Invalid user oracle from 198.51.100.23 port 41870
2024-03-09T06:25:05.402117+00:00 bastion sshd[20114]: Failed password for invalid user oracle from 198.51.100.23 port 41870 ssh2
2024-03-09T06:25:06.002311+00:00 bastion sshd[20114]: Connection closed by invalid user oracle 198.51.100.23 port 41870 [preauth]
Mar  9 08:01:44 bastion sshd[20300]: Accepted publickey for deploy from 10.0.4.7 port 50122 ssh2: ED25519 SHA256:q0vJtJ3rZ1S1fJZ5nT0m2wX7u4n1
Mar  9 09:12:00 db02 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart postgresql
Mar  9 10:05:00 web01 useradd[4500]: new user: name=svc-backup, UID=0, GID=0, home=/root, shell=/bin/bash, from=/dev/pts/1
<86>1 2024-03-09T11:00:00.5Z bastion sshd 20999 - [origin ip="10.0.0.2"] error: maximum authentication attempts exceeded for root from 203.0.113.9 port 33112 ssh2 [preauth]
Mar  9 06:26:40 bastion sshd[20120]: message repeated 5 times: [ Failed password for root from 203.0.113.9 port 33112 ssh2]
{"ts":1710000100.5,"uid":"CkD4Gx2","id.orig_h":"10.0.1.15","id.orig_p":51514,"id.resp_h":"10.0.2.20","id.resp_p":445,"proto":"tcp","conn_state":"S0"}
{"ts":1710000000,"host":"app-7","level":"warn","message":"disk usage 91%","disk":{"mount":"/var"}}
{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/ci","accountId":"111122223333","userName":"ci"},"eventTime":"2024-03-09T13:14:15Z","eventSource":"iam.amazonaws.com","eventName":"AttachUserPolicy","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.50","requestParameters":{"userName":"ci","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}}"#;

#[test]
fn mixed_sample_normalized_json() {
    let n = Normalizer::new(datetime!(2024-03-10 12:00:00 UTC));
    let mut events = Vec::new();
    for line in SAMPLE.lines() {
        n.line(line.as_bytes(), &mut events)
            .unwrap_or_else(|e| panic!("{line}: {e}"));
    }
    assert_eq!(events.len(), 11);
    insta::assert_json_snapshot!("mixed_sample", events);
}
