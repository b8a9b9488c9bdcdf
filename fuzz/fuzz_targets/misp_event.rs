//! MISP feed event files.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let path = std::path::Path::new("fuzz.json");
        let mut report = kexin_intel::LoadReport::new(path, kexin_intel::Format::MispFeed);
        let _ = kexin_intel::misp::parse_event(text, path, &mut report);
    }
});
