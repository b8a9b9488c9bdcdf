#![no_main]
use kexin_hostscan::parse::{MemRoot, auditd::AuditRules};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = MemRoot::new().with("/etc/audit/rules.d/audit.rules", data);
    let r = AuditRules::load(&root);
    let _ = (
        r.immutable(),
        r.watching("/etc/shadow"),
        r.syscall("execve"),
    );
});
