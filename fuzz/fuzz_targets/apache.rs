//! Apache: the input is apache2.conf and an included conf-enabled file.
#![no_main]
use kexin_hostscan::parse::{MemRoot, apache::ApacheConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = MemRoot::new()
        .with("/etc/apache2/apache2.conf", data)
        .with("/etc/apache2/conf-enabled/security.conf", data);
    if let Ok(c) = ApacheConfig::load(&root) {
        let _ = c.global("ServerTokens");
        for v in c.virtual_hosts() {
            let _ = c.in_vhost(v, "SSLProtocol");
        }
    }
});
