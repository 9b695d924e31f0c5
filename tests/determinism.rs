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
    // A JSON export read whole, which the planner takes ahead of its
    // place in path order on two threads.
    let records: Vec<String> = (0..1500u32)
        .map(|i| format!(r#"{{"id":{i},"contact":{{"email":"export{i}@example.com"}}}}"#))
        .collect();
    std::fs::write(
        root.join("bulk/export.json"),
        format!("{{\"records\": [\n{}\n]}}\n", records.join(",\n")),
    )
    .unwrap();
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
fn findings_stream_in_path_order_whatever_is_scanned_first() {
    let dir = corpus();
    let out = run(
        dir.path(),
        "jsonl",
        &["--chunk-size", "4096", "--threads", "2"],
    );
    let files: Vec<String> = out
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["file"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(files.iter().any(|f| f.ends_with("bulk/export.json")));
    assert!(
        files.windows(2).all(|w| w[0] <= w[1]),
        "findings out of path order"
    );
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

/// The report of a library scan, without its timings; and how many
/// findings were passed to the callback.
fn library_report(config: &sandsift::ScanConfig) -> (serde_json::Value, u64) {
    let catalogue = sandsift::Catalogue::builtin().unwrap();
    let mut passed = 0u64;
    let report = sandsift::scan(config, &catalogue, &Default::default(), &mut |_| {
        passed += 1;
        Ok(())
    })
    .unwrap();
    let mut v = serde_json::to_value(&report).unwrap();
    for k in ["duration_ms", "throughput_mb_s"] {
        v["summary"][k] = serde_json::Value::Null;
    }
    (v, passed)
}

/// The report of a library scan streamed into jsonl lines (written by
/// the workers), without its timings, and the lines.
fn library_lines(config: &sandsift::ScanConfig) -> (serde_json::Value, Vec<u8>) {
    let catalogue = sandsift::Catalogue::builtin().unwrap();
    let mut lines = Vec::new();
    let report = sandsift::scan_into(
        config,
        &catalogue,
        &Default::default(),
        sandsift::FindingStream::Jsonl(&mut lines),
    )
    .unwrap();
    let mut v = serde_json::to_value(&report).unwrap();
    for k in ["duration_ms", "throughput_mb_s"] {
        v["summary"][k] = serde_json::Value::Null;
    }
    (v, lines)
}

/// The findings of a library scan written one by one as jsonl lines.
fn finding_lines(config: &sandsift::ScanConfig) -> Vec<u8> {
    let catalogue = sandsift::Catalogue::builtin().unwrap();
    let mut writer = sandsift::report::jsonl::LineWriter::default();
    let mut lines = Vec::new();
    sandsift::scan(config, &catalogue, &Default::default(), &mut |f| {
        writer.write(&mut lines, f)
    })
    .unwrap();
    lines
}

#[test]
fn a_report_tallied_where_findings_are_found_equals_the_report_of_every_finding() {
    let dir = corpus();
    // Archive members tally under their own names.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in [
        (
            "a/users.ndjson",
            "{\"email\":\"ann@example.com\",\"ssn\":\"512-44-0133\"}\n",
        ),
        (
            "b/users.ndjson",
            "{\"email\":\"bob@example.com\",\"ssn\":\"512-44-0134\"}\n",
        ),
    ] {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, body.as_bytes()).unwrap();
    }
    let zip = zip.finish().unwrap().into_inner();
    std::fs::write(dir.path().join("bulk/export.zip"), zip).unwrap();
    // Two findings at one place (base64 decoded as a whole): the masked
    // value decides which comes first, and it is the later one.
    std::fs::write(
        dir.path().join("bulk/blob.ndjson"),
        "{\"blob\":\"Y29udGFjdCB6ZWRAZXhhbXBsZS5jb20gYW5kIGFteUBleGFtcGxlLmNvbQ==\"}\n",
    )
    .unwrap();
    // One row with more distinct values than the report counts, cut into
    // many units: which values are counted depends on their order.
    let mut many = String::new();
    for i in 0..(sandsift::report::DISTINCT_LIMIT + 40) {
        writeln!(many, r#"{{"contact":"c{i}@example.com"}}"#).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("many")).unwrap();
    std::fs::write(dir.path().join("many/contacts.ndjson"), many).unwrap();
    // Values that repeat in their fields: their findings are replayed
    // from the field's memo (into jsonl, with the fingerprint it kept).
    let mut repeats = String::new();
    for i in 0..600 {
        writeln!(
            repeats,
            r#"{{"email":"r{}@example.com","ssn":"512-44-{:04}","note":"call {} or mail r{}@example.org"}}"#,
            i % 7,
            130 + i % 5,
            ["(212) 555-0142", "(212) 555-0143"][i % 2],
            i % 3
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("many/repeats.ndjson"), repeats).unwrap();

    let variants: [(usize, usize, u64, sandsift::detect::Confidence, bool); 4] = [
        (1, 5, 1_000_000, sandsift::detect::Confidence::Medium, false),
        (2, 0, 1_000_000, sandsift::detect::Confidence::Low, true),
        (2, 1, 2, sandsift::detect::Confidence::Medium, false),
        (1, 50, 1_000_000, sandsift::detect::Confidence::High, false),
    ];
    for (threads, examples, cap, min_confidence, reveal) in variants {
        let config = sandsift::ScanConfig {
            reveal,
            paths: vec![dir.path().to_path_buf()],
            threads,
            chunk_size: 64 * 1024,
            examples,
            max_findings_per_field: cap,
            min_confidence,
            fingerprint_key: Some(b"k".to_vec()),
            ..Default::default()
        };
        let (every, passed) = library_report(&config);
        let (tallied, none) = library_report(&sandsift::ScanConfig {
            report_only: true,
            ..config.clone()
        });
        let summary = &every["summary"];
        assert_eq!(
            passed,
            summary["findings"].as_u64().unwrap() - summary["findings_unlisted"].as_u64().unwrap()
        );
        if cap > 1000 && min_confidence <= sandsift::detect::Confidence::Medium {
            assert!(passed > sandsift::report::DISTINCT_LIMIT as u64);
            assert!(
                every.to_string().contains(r#""distinct_capped":true"#),
                "a row counts more distinct values than the limit"
            );
        }
        assert_eq!(
            none, 0,
            "no finding is passed on when only the report is wanted"
        );
        assert_eq!(
            every, tallied,
            "threads {threads}, examples {examples}, cap {cap}, {min_confidence:?}"
        );
        // Streamed as lines by the workers: the same report, and the
        // lines the findings make.
        let (streamed, lines) = library_lines(&config);
        assert_eq!(every, streamed, "the report of a jsonl stream");
        let expected = finding_lines(&config);
        assert_eq!(lines.iter().filter(|&&b| b == b'\n').count() as u64, passed);
        assert!(
            lines == expected,
            "jsonl lines written by the workers differ from the findings' (threads {threads}, cap {cap}, reveal {reveal})"
        );
        // Under a random key only the report can be compared.
        let random = sandsift::ScanConfig {
            fingerprint_key: None,
            ..config
        };
        let (mut a, _) = library_lines(&random);
        let (mut b, _) = library_report(&random);
        for v in [&mut a, &mut b] {
            v["fingerprint_key_id"] = serde_json::Value::Null;
        }
        assert_eq!(a, b, "the report of a jsonl stream under a random key");
    }
}

#[test]
fn a_capture_read_in_parts_on_two_threads_finds_what_it_finds_whole() {
    // Alone in the scan, the capture is all there is to share between the
    // threads, so it is sliced into entries.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("captures")).unwrap();
    std::fs::copy(
        common::fixtures().join("captures/checkout.har"),
        dir.path().join("captures/checkout.har"),
    )
    .unwrap();
    let whole = run(
        dir.path(),
        "jsonl",
        &["--chunk-size", "1GiB", "--threads", "2"],
    );
    let parts = run(
        dir.path(),
        "jsonl",
        &["--chunk-size", "4096", "--threads", "2"],
    );
    assert!(whole.lines().count() > 10);
    assert_eq!(whole, parts);
    // Entries are sampled, and rows stop at `--enough`, as in a whole
    // reading.
    for extra in [
        &["--sample", "0.5", "--seed", "3"][..],
        &["--enough", "2"][..],
    ] {
        for format in ["jsonl", "json"] {
            let args = |chunk| [&["--chunk-size", chunk, "--threads", "2"][..], extra].concat();
            let whole = run(dir.path(), format, &args("1GiB"));
            assert!(!whole.is_empty());
            assert_eq!(
                whole,
                run(dir.path(), format, &args("4096")),
                "{extra:?} {format}"
            );
        }
    }
}

#[test]
fn a_json_document_read_in_pieces_on_two_threads_finds_what_it_finds_whole() {
    // Alone in its scan, a large document is cut at its records: the
    // elements of a top-level array, or of an array inside its objects
    // with members before and after it. One is broken late in its array.
    let records = |from: u32, n: u32| -> Vec<String> {
        (from..from + n)
            .map(|i| {
                format!(
                    r#"{{"id":{i},"contact":{{"email":"export{i}@example.com","phone":"+1 202-555-01{:02}"}},"tags":["a","b"],"note":"ssn 512-44-{:04}"}}"#,
                    i % 100,
                    1000 + i
                )
            })
            .collect()
    };
    let docs = [
        (
            "top.json",
            format!("[\n{}\n]\n", records(0, 1200).join(",\n")),
        ),
        (
            "wrapped.json",
            format!(
                "{{\"exported_by\": \"admin@example.org\", \"data\": {{\"page\": 1, \"users\": [\n{}\n], \"next\": null}}, \"contact\": \"ops@example.com\"}}\n",
                records(0, 1200).join(",\n")
            ),
        ),
        (
            "broken.json",
            format!(
                "{{\"records\": [\n{},\n{{\"id\": 1 \"email\": \"late@example.com\"}},\n{}\n]}}\n",
                records(0, 900).join(",\n"),
                records(900, 300).join(",\n")
            ),
        ),
    ];
    for (name, body) in docs {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), body).unwrap();
        for format in ["jsonl", "json"] {
            for extra in [&[][..], &["--sample", "0.3"][..], &["--enough", "3"][..]] {
                let args = |threads, chunk| {
                    [&["--threads", threads, "--chunk-size", chunk][..], extra].concat()
                };
                let whole = run(dir.path(), format, &args("1", "1GiB"));
                let pieces = run(dir.path(), format, &args("2", "4096"));
                // A wrapped document is one record, sampled or not.
                assert!(whole.len() > 1000 || !extra.is_empty(), "{name}: {whole}");
                assert_eq!(whole, pieces, "{name}, {format}, {extra:?}");
            }
        }
    }
}

#[test]
fn a_large_json_document_after_other_files_is_cut_in_its_turn() {
    // The document is more than a thread's share of the scan and a file
    // comes before it in path order: cut into many more pieces than the
    // planner keeps in flight, it must be planned in its turn (taken
    // ahead of that file, its pieces would wait for it forever).
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a-first")).unwrap();
    std::fs::create_dir_all(dir.path().join("b-export")).unwrap();
    std::fs::write(
        dir.path().join("a-first/users.ndjson"),
        "{\"email\":\"first@example.com\"}\n",
    )
    .unwrap();
    let records: Vec<String> = (0..4000u32)
        .map(|i| format!(r#"{{"id":{i},"email":"user{i}@example.com"}}"#))
        .collect();
    std::fs::write(
        dir.path().join("b-export/export.json"),
        format!("{{\"records\": [\n{}\n]}}\n", records.join(",\n")),
    )
    .unwrap();
    let scan = |threads: &str| {
        let out = sandsift()
            .current_dir(dir.path())
            .args([
                "scan",
                ".",
                "-q",
                "--fingerprint-key",
                "k",
                "--format",
                "jsonl",
            ])
            .args(["--threads", threads, "--chunk-size", "4096"])
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        assert!(out.status.code().is_some(), "the scan did not finish");
        String::from_utf8(out.stdout).unwrap()
    };
    let one = scan("1");
    assert_eq!(one.lines().count(), 4001);
    assert_eq!(one, scan("2"));
}

#[test]
fn a_file_lists_its_first_problems_however_it_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("events")).unwrap();
    std::fs::create_dir_all(dir.path().join("captures")).unwrap();
    // 60 malformed lines among 3,000, across many chunks.
    let mut nd = String::new();
    for i in 0..3000u32 {
        if i % 50 == 7 {
            writeln!(nd, r#"{{"id":{i},"email":"broken{i}@example.com""#).unwrap();
        } else {
            writeln!(nd, r#"{{"id":{i},"email":"user{i}@example.com"}}"#).unwrap();
        }
    }
    std::fs::write(dir.path().join("events/events.ndjson"), nd).unwrap();
    // A capture of 120 entries, 40 of them of the wrong shape.
    let entries: Vec<String> = (0..120u32)
        .map(|i| {
            if i % 3 == 0 {
                format!(r#"{{"startedDateTime": "2026-11-20T09:14:01Z", "request": {i}, "response": {{}}}}"#)
            } else {
                format!(
                    r#"{{"startedDateTime": "2026-11-20T09:14:01Z", "request": {{"method": "GET", "url": "https://api.example.com/v1/users/{i}?email=u{i}%40example.com", "headers": [], "queryString": [], "cookies": []}}, "response": {{"status": 200, "headers": [], "cookies": [], "content": {{"mimeType": "application/json", "text": "{{\"email\": \"r{i}@example.com\"}}"}}}}}}"#
                )
            }
        })
        .collect();
    std::fs::write(
        dir.path().join("captures/api.har"),
        format!(
            "{{\"log\": {{\"version\": \"1.2\", \"entries\": [\n{}\n]}}}}\n",
            entries.join(",\n")
        ),
    )
    .unwrap();
    let whole = run(
        dir.path(),
        "json",
        &["--chunk-size", "1GiB", "--threads", "1"],
    );
    let cut = run(
        dir.path(),
        "json",
        &["--chunk-size", "4096", "--threads", "2"],
    );
    assert_eq!(whole, cut);
    let report: serde_json::Value = serde_json::from_str(&whole).unwrap();
    assert_eq!(report["summary"]["problems"], 100);
    let listed = report["problems"].as_array().unwrap();
    assert_eq!(listed.len(), 40, "20 listed per file");
}
