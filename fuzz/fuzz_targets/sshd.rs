//! sshd_config: the input is the main file and also an included drop-in
//! (so Include recursion and Match handling are exercised).
#![no_main]
use kexin_hostscan::parse::{
    MemRoot,
    sshd::{MatchContext, SshdConfig},
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = MemRoot::new()
        .with("/etc/ssh/sshd_config", data)
        .with("/etc/ssh/sshd_config.d/a.conf", data);
    if let Ok(cfg) = SshdConfig::load(&root) {
        let eff = cfg.effective(&MatchContext::user("root"));
        let _ = (
            eff.ciphers(),
            eff.macs(),
            eff.kex_algorithms(),
            eff.seconds("LoginGraceTime"),
        );
        let _ = cfg.global();
    }
});
