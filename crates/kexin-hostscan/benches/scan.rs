//! The full host scan (87 checks, enhanced profile) on the hardened fixture
//! as an offline root, beside an anchor measured in the same run: reading
//! every file of the same tree once with `std::fs` (what any scanner must
//! at least do), so the figure shows the cost of parsing and judging.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use kexin_hostscan::Root;

#[path = "../tests/common/mod.rs"]
mod common;

fn read_everything(dir: &Path) -> usize {
    let mut bytes = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            bytes += read_everything(&entry.path());
        } else if kind.is_file() {
            bytes += std::fs::read(entry.path()).map_or(0, |b| b.len());
        }
    }
    bytes
}

fn scan(c: &mut Criterion) {
    let dir = common::fixture("hardened", common::HARDENED_MODES);
    let db = common::vulndb();
    let root = Root::offline(dir.path()).unwrap();
    let mut g = c.benchmark_group("host-scan");
    g.bench_function("scan_with: 87 checks, hardened fixture, offline", |b| {
        b.iter(|| common::scan_root(&root, &db))
    });
    g.bench_function("anchor: read every file of the same tree", |b| {
        b.iter(|| read_everything(dir.path()))
    });
    g.finish();
}

criterion_group!(benches, scan);
criterion_main!(benches);
