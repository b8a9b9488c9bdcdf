//! OSV advisories and Debian security tracker exports.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kexin_vulndb::parse_osv("fuzz.json", data);
    let _ = kexin_vulndb::parse_debian_tracker("fuzz.json", data);
});
