#![no_main]
use kexin_hostscan::FileText;
use kexin_hostscan::parse::procnet::{parse_table, socket_inode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = FileText::from_bytes("/proc/net/tcp", data);
    let _ = parse_table(&text, false);
    let _ = parse_table(&text, true);
    let _ = socket_inode(&text.text);
});
