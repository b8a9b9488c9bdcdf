#![no_main]
use kexin_hostscan::parse::x509::{parse_der, parse_pem};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_der(data);
    let _ = parse_pem(&String::from_utf8_lossy(data));
});
