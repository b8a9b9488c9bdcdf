#![no_main]
use kexin_hostscan::{FileText, parse::login_defs::LoginDefs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let d = LoginDefs::parse(&FileText::from_bytes("/etc/login.defs", data));
    let _ = (d.pass_max_days(), d.umask(), d.encrypt_method());
});
