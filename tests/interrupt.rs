//! Ctrl-C: an interrupted scan still writes what it found, marked
//! incomplete, with the unfinished files listed.

#![cfg(unix)]

mod common;

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;

#[test]
fn an_interrupted_scan_writes_an_incomplete_report() {
    let dir = tempfile::tempdir().unwrap();
    let vendor = dir.path().join("exports/v");
    std::fs::create_dir_all(&vendor).unwrap();
    let mut chunk = String::new();
    for i in 0..8000 {
        let _ = writeln!(
            chunk,
            r#"{{"id":{i},"email":"user{i}@example.com","ts":"2026-10-01T00:00:00Z","note":"some ordinary words here"}}"#
        );
    }
    for f in 0..150 {
        std::fs::write(vendor.join(format!("part-{f:03}.ndjson")), &chunk).unwrap();
    }
    let bin = assert_cmd::cargo::cargo_bin("sandsift");
    let mut child = std::process::Command::new(bin)
        .current_dir(dir.path())
        .args([
            "scan",
            "exports",
            "--threads",
            "1",
            "-q",
            "-o",
            "report.json",
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2), "an interrupted scan exits 2");
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    let s = &report["summary"];
    assert_eq!(s["incomplete"], true);
    assert!(
        s["findings"].as_u64().unwrap() > 0,
        "what was found before the interrupt is kept"
    );
    let interrupted = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["reason"] == "not scanned: the scan was interrupted")
        .count();
    assert!(interrupted > 0);
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(n("files_seen"), 150);
    assert_eq!(
        n("files_seen"),
        n("files_scanned") + n("files_skipped") + n("files_failed")
    );
}
