#![no_main]
use kexin_hostscan::parse::{MemRoot, sysctl::SysctlConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = MemRoot::new()
        .with("/etc/sysctl.d/99-local.conf", data)
        .with("/usr/lib/sysctl.d/50-default.conf", data)
        .with("/etc/sysctl.conf", data);
    let c = SysctlConfig::load(&root);
    let _ = c.value("net.ipv4.ip_forward");
});
