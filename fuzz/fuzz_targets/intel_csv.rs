//! Indicator lists (CSV with a header, or one value per line).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = kexin_intel::csvlist::parse_csv(text, std::path::Path::new("fuzz.csv"));
    }
});
