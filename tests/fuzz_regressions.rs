//! Inputs the fuzzers flagged, kept as regression tests: each must end in
//! a clear per-file outcome, quickly.

use sandsift::format::Format;

fn scan(format: Format, data: &[u8]) -> sandsift::BytesScan {
    let catalogue = sandsift::Catalogue::builtin().unwrap();
    let config = sandsift::ScanConfig {
        fingerprint_key: Some(b"k".to_vec()),
        ..Default::default()
    };
    sandsift::scan_bytes(&config, &catalogue, "v/input", Some(format), data).unwrap()
}

/// `fuzz/artifacts/parquet/timeout-3a753f85…` (2026-11-28): reported as a
/// 10-second timeout while the machine was saturated by a build; it reads
/// in milliseconds. A corrupt footer: the file fails, nothing is found.
#[test]
fn parquet_with_a_corrupt_footer_fails_fast() {
    let input = b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x94\x00\x00\x31\xe5\xe5\x8b\xe5\xe5\x60\x22\x1a\x1a\xf1\xff\xff\xff\x1a\x1a\x1a\x12\x1a\x7b\x31\x2c\xe5\xe5\x00\x00\x00\xaf\xbe\xad\x8e\x00\x00\x00\x50\x41\x52\x21\x01\x24\x00\x00\x00\x50\x41\x52\x31";
    let started = std::time::Instant::now();
    let out = scan(Format::Parquet, input);
    assert!(out.findings.is_empty());
    assert!(out.failed.unwrap().contains("not a readable Parquet file"));
    assert!(started.elapsed().as_secs() < 10);
}
