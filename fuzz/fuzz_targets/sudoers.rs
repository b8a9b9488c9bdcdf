//! sudoers: the input is /etc/sudoers and a file of /etc/sudoers.d.
#![no_main]
use kexin_hostscan::parse::{MemRoot, sudoers::Sudoers};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = MemRoot::new()
        .with("/etc/sudoers", data)
        .with("/etc/sudoers.d/local", data);
    if let Ok(s) = Sudoers::load(&root) {
        let _ = (
            s.nopasswd_all(),
            s.all_commands(),
            s.defaults_flag("use_pty"),
            s.defaults_value("logfile"),
        );
    }
});
