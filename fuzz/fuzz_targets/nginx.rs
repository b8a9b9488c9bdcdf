//! nginx: the input is nginx.conf and an included conf.d file.
#![no_main]
use kexin_hostscan::parse::{MemRoot, nginx::NginxConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = MemRoot::new()
        .with("/etc/nginx/nginx.conf", data)
        .with("/etc/nginx/conf.d/site.conf", data);
    if let Ok(c) = NginxConfig::load(&root) {
        let _ = c.find_all("server_tokens");
        for s in c.servers() {
            let _ = c.inherited(&[s], "add_header");
        }
    }
});
