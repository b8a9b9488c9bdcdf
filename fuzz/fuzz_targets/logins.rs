#![no_main]
use kexin_hostscan::FileText;
use kexin_hostscan::parse::logins::{parse_auth_log, parse_wtmp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_wtmp("/var/log/wtmp", data);
    let _ = parse_auth_log(&FileText::from_bytes("/var/log/auth.log", data), 1_795_521_600);
});
