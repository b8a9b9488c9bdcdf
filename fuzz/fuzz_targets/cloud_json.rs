//! The vendor JSON shapes (GCP audit, Okta, Azure Activity/sign-in/audit):
//! shape detection and mapping on arbitrary objects, and via the line path.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kexin_logs::json::event_from_json_line(data);
    if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice(data) {
        if let Some(shape) = kexin_logs::cloud::detect(&m) {
            let _ = kexin_logs::cloud::event_from_shape(shape, &m, String::new());
        }
        let mut fields = std::collections::BTreeMap::new();
        kexin_logs::json::flatten_deep(&m, &mut fields);
    }
});
