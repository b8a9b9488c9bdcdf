//! passwd/shadow/group/gshadow: the same input as all four files.
#![no_main]
use kexin_hostscan::parse::{MemRoot, accounts::Accounts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = MemRoot::new()
        .with("/etc/passwd", data)
        .with("/etc/shadow", data)
        .with("/etc/group", data)
        .with("/etc/gshadow", data);
    let a = Accounts::load(&root);
    for s in a.shadow.iter().flat_map(|s| s.entries.iter()) {
        let _ = s.state();
    }
    let _ = (a.uid0(), a.group_members("sudo"));
});
