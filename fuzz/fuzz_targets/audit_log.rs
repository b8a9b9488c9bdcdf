//! The auditd path: record parser, value decoding, syslog-carried records and
//! the joiner (with tight limits so eviction paths run).
#![no_main]
use kexin_logs::audit::{
    AuditJoiner, JoinConfig, decode_sockaddr, parse_audit_record, record_views,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = parse_audit_record(data) {
        for f in &r.fields {
            let _ = f.value(r.record_type);
        }
        let _ = r.is_standalone();
        if let Some(s) = r.get("saddr") {
            let _ = decode_sockaddr(&s);
        }
    }
    let normalizer = kexin_logs::Normalizer::new(time::OffsetDateTime::UNIX_EPOCH);
    let mut joiner = AuditJoiner::new(JoinConfig {
        grace_ms: 1000,
        max_pending: 3,
        max_records: 4,
    });
    let mut out = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        let _ = normalizer.line_joining(line, &mut joiner, &mut out);
    }
    joiner.finish(&mut out);
    for e in &out {
        for v in record_views(e) {
            let _ = v.field("name");
        }
    }
});
