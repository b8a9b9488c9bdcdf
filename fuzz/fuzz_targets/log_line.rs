//! Every log input path: auto-detected lines, syslog, octet-counted streams and CloudTrail documents.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let reference = time::OffsetDateTime::UNIX_EPOCH;
    let normalizer = kexin_logs::Normalizer::new(reference);
    let mut out = Vec::new();
    let _ = normalizer.line(data, &mut out);
    let _ = kexin_logs::parse_syslog(data, reference);
    for frame in kexin_logs::OctetFrames::new(data) {
        let _ = frame;
    }
    let _ = kexin_logs::json::cloudtrail_records(data);
});
