//! Output does not depend on the thread count or on chunking.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::sandsift;

/// Copies the fixtures and adds files large enough to be chunked at the
/// smallest chunk size.
fn corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let copy = |from: &Path, to: &Path| {
        for entry in walkdir::WalkDir::new(from) {
            let entry = entry.unwrap();
            let rel = entry.path().strip_prefix(from).unwrap();
            let dest = to.join(rel);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&dest).unwrap();
            } else {
                std::fs::copy(entry.path(), &dest).unwrap();
            }
        }
    };
    copy(&common::fixtures(), root);
    std::fs::create_dir_all(root.join("bulk")).unwrap();
    let (mut nd, mut csv, mut log) = (
        String::new(),
        String::from("id,email,ssn,note\n"),
        String::new(),
    );
    for i in 0..3000u32 {
        let ssn = format!("{:03}-{:02}-{:04}", 100 + i % 500, 1 + i % 98, 1 + i);
        writeln!(nd, r#"{{"id":{i},"user":{{"email":"user{i}@example.com","ssn":"{ssn}"}},"ts":"2026-10-01T00:00:{:02}Z"}}"#, i % 60).unwrap();
        writeln!(
            csv,
            "{i},user{i}@example.org,{ssn},\"multi\nline, note {i}\""
        )
        .unwrap();
        writeln!(
            log,
            "2026-10-01 INFO request {i} from 203.0.113.{} by user{i}@example.net",
            i % 250
        )
        .unwrap();
    }
    std::fs::write(root.join("bulk/events.ndjson"), nd).unwrap();
    std::fs::write(root.join("bulk/users.csv"), csv).unwrap();
    std::fs::write(root.join("bulk/app.log"), log).unwrap();
    dir
}

fn run(dir: &Path, format: &str, extra: &[&str]) -> String {
    let out = sandsift()
        .current_dir(dir)
        .args([
            "scan",
            ".",
            "-q",
            "--fingerprint-key",
            "k",
            "--format",
            format,
        ])
        .args(extra)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    if format != "json" {
        return text;
    }
    // Timings differ between runs; everything else must not.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    for k in ["duration_ms", "throughput_mb_s", "threads"] {
        v["summary"][k] = serde_json::Value::Null;
    }
    v.to_string()
}

#[test]
fn output_is_identical_for_one_and_two_threads() {
    let dir = corpus();
    for format in ["jsonl", "json", "table"] {
        let chunked = ["--chunk-size", "4096"];
        let one = run(
            dir.path(),
            format,
            &[&["--threads", "1"][..], &chunked].concat(),
        );
        let two = run(
            dir.path(),
            format,
            &[&["--threads", "2"][..], &chunked].concat(),
        );
        assert!(!one.is_empty());
        assert_eq!(one, two, "{format} differs between 1 and 2 threads");
    }
}

#[test]
fn chunked_scans_find_the_same_things_at_the_same_places() {
    let dir = corpus();
    let whole = run(dir.path(), "jsonl", &["--chunk-size", "1GiB"]);
    let chunked = run(dir.path(), "jsonl", &["--chunk-size", "4096"]);
    assert!(whole.lines().count() > 9000);
    assert_eq!(whole, chunked);
    let mmap = run(dir.path(), "jsonl", &["--no-mmap", "--chunk-size", "4096"]);
    assert_eq!(whole, mmap);
}
