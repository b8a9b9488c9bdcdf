//! Assessment answers files (CSV and YAML) against the shipped cloud-host standard.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let standard = kexin_catalog::Catalog::embedded().standard("cloud-host").expect("shipped");
    let _ = kexin_assess::import::parse_answers("fuzz.csv", data, standard, None);
    let _ = kexin_assess::import::parse_answers("fuzz.yaml", data, standard, None);
});
