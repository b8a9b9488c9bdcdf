//! dpkg status and apk installed databases read from untrusted roots.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = kexin_vulndb::parse_dpkg_status(&text);
    let _ = kexin_vulndb::parse_apk_installed(&text);
});
