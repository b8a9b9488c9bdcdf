//! STIX 2.1 bundles.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = kexin_intel::stix::parse_bundle(text, std::path::Path::new("fuzz.json"));
    }
});
