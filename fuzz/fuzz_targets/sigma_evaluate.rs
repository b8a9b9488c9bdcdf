//! Arbitrary JSON events (and arbitrary log lines) evaluated against rules
//! that use every kind of matcher: the engine must never panic.
#![no_main]
use kexin_detect::{Engine, EngineConfig, LogsourceRef, Pipeline, Scratch};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const RULES: &[&str] = &[
    "title: a\nid: 00000000-0000-4000-8000-000000000001\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    Image|endswith: ['\\cmd.exe', '\\powershell.exe']\n    CommandLine|contains|windash: ' -enc '\n  filter:\n    User|re|i: '^adm_[a-z]+$'\n  condition: sel and not filter\n",
    "title: b\nid: 00000000-0000-4000-8000-000000000002\nlogsource: {product: windows}\ndetection:\n  sel:\n    EventID|gte: 4000\n    Ip|cidr: ['10.0.0.0/8', 'fe80::/10']\n  kw:\n    - 'mimi*katz'\n    - 'a?b'\n  condition: 1 of them\n",
    "title: c\nid: 00000000-0000-4000-8000-000000000003\nlogsource: {product: windows, service: security}\ndetection:\n  sel:\n    A|fieldref|contains: B\n    T|hour|lt: 3\n    F|wide|base64offset|contains: 'whoami'\n    N: null\n    E|exists: true\n    X|neq: ''\n  condition: all of them\n",
    "title: d\nid: 00000000-0000-4000-8000-000000000004\nlogsource: {product: linux, service: auth}\ndetection:\n  keywords:\n    - 'Failed password'\n  sel:\n    SourceIp|cidr: 198.51.100.0/24\n  condition: keywords or sel\n",
];

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut b = Engine::builder(EngineConfig {
            pipelines: vec![Pipeline::windows_evtx_json(), Pipeline::kexin_logs()],
            ..Default::default()
        });
        for r in RULES {
            for d in kexin_sigma::parse_str(r, "fuzz.yml").expect("fuzz rules parse") {
                b.add(&d, "fuzz.yml");
            }
        }
        b.build()
    })
}

fuzz_target!(|data: &[u8]| {
    let e = engine();
    let mut scratch = Scratch::new();
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        e.evaluate_json(&v, &mut scratch, &mut out);
        let ls = LogsourceRef {
            product: Some("windows"),
            category: Some("process_creation"),
            service: Some("security"),
        };
        e.evaluate(&v, ls, &mut scratch, &mut out);
    }
    let normalizer = kexin_logs::Normalizer::new(time::OffsetDateTime::UNIX_EPOCH);
    let mut events = Vec::new();
    if normalizer.line(data, &mut events).is_ok() {
        for ev in &events {
            e.evaluate_log_event(ev, &mut scratch, &mut out);
        }
    }
});
