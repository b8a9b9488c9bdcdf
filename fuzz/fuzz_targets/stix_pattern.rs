//! STIX 2.1 patterns: parse, lower to indicators, and check that a parsed
//! pattern prints as text that parses back to the same tree.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(tree) = kexin_intel::stix::pattern::parse(text) {
        let mut values = Vec::new();
        let _ = kexin_intel::stix::lower(&tree, &mut values);
        let printed = tree.to_string();
        assert_eq!(
            kexin_intel::stix::pattern::parse(&printed).as_ref(),
            Ok(&tree),
            "{printed}"
        );
    }
});
