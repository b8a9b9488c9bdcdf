//! PAM: the input is /etc/pam.d/sshd and common-auth (include cycles).
#![no_main]
use kexin_hostscan::parse::{
    MemRoot,
    pam::{PamConfig, PamType},
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = MemRoot::new()
        .with("/etc/pam.d/sshd", data)
        .with("/etc/pam.d/common-auth", data);
    if let Ok(cfg) = PamConfig::load(&root) {
        for ty in [
            PamType::Auth,
            PamType::Account,
            PamType::Password,
            PamType::Session,
        ] {
            let st = cfg.stack("sshd", ty);
            let _ = st.first("pam_faillock.so").map(|e| e.arg("deny"));
        }
    }
});
