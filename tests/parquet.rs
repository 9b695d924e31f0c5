//! Parquet beyond the basics: row groups scanned in parallel, column
//! projection, maps and legacy lists, dictionary columns, statistics, and
//! a damaged column chunk. Files are written by the `parquet` crate at
//! test time.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{sandsift, scan_jsonl};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use serde_json::Value;

const EMAILS: [&str; 3] = ["ana@example.com", "ben@example.org", "cy@example.net"];

/// `groups` row groups of `rows` rows each: an id, a dictionary-friendly
/// email column, small quantities, a timestamp named `ssn` holding
/// SSN-shaped numbers (never read: timestamps cannot hold PII), a map,
/// a legacy repeated column and a boolean.
fn events(groups: usize, rows: usize, dictionary: bool) -> Vec<u8> {
    let schema = Arc::new(
        parquet::schema::parser::parse_message_type(
            "message events {
               required int64 id;
               required binary email (UTF8);
               required int32 quantity;
               required int64 ssn (TIMESTAMP_MILLIS);
               optional group attrs (MAP) {
                 repeated group key_value {
                   required binary key (UTF8);
                   optional binary value (UTF8);
                 }
               }
               repeated binary phones (UTF8);
               required boolean active;
             }",
        )
        .unwrap(),
    );
    let props = WriterProperties::builder()
        .set_dictionary_enabled(dictionary)
        .build();
    let mut buf = Vec::new();
    let mut w = SerializedFileWriter::new(&mut buf, schema, Arc::new(props)).unwrap();
    let text = |v: Vec<&str>| v.into_iter().map(ByteArray::from).collect::<Vec<_>>();
    for g in 0..groups {
        let first = g * rows;
        let row = |i: usize| first + i;
        let mut rg = w.next_row_group().unwrap();
        let mut index = 0;
        while let Some(mut col) = rg.next_column().unwrap() {
            match index {
                0 => {
                    let ids: Vec<i64> = (0..rows).map(|i| row(i) as i64 + 1).collect();
                    col.typed::<Int64Type>()
                        .write_batch(&ids, None, None)
                        .unwrap();
                }
                1 => {
                    let v = text((0..rows).map(|i| EMAILS[row(i) % 3]).collect());
                    col.typed::<ByteArrayType>()
                        .write_batch(&v, None, None)
                        .unwrap();
                }
                2 => {
                    let q: Vec<i32> = (0..rows).map(|i| (row(i) % 50) as i32 + 1).collect();
                    col.typed::<Int32Type>()
                        .write_batch(&q, None, None)
                        .unwrap();
                }
                3 => {
                    let t = vec![512_440_133i64; rows];
                    col.typed::<Int64Type>()
                        .write_batch(&t, None, None)
                        .unwrap();
                }
                4 => {
                    // attrs: one entry per row, {key: "note"}.
                    let keys = text(vec!["note"; rows]);
                    let def = vec![2i16; rows];
                    let rep = vec![0i16; rows];
                    col.typed::<ByteArrayType>()
                        .write_batch(&keys, Some(&def), Some(&rep))
                        .unwrap();
                }
                5 => {
                    // attrs values: the file's first row holds an email,
                    // the others "ok".
                    let values = text(
                        (0..rows)
                            .map(|i| if row(i) == 0 { "dee@example.com" } else { "ok" })
                            .collect(),
                    );
                    let def = vec![3i16; rows];
                    let rep = vec![0i16; rows];
                    col.typed::<ByteArrayType>()
                        .write_batch(&values, Some(&def), Some(&rep))
                        .unwrap();
                }
                6 => {
                    // phones: the file's last row has two, the rest none.
                    let last = row(rows - 1) == groups * rows - 1;
                    let mut def = vec![0i16; rows];
                    let mut rep = vec![0i16; rows];
                    let mut values = Vec::new();
                    if last {
                        def[rows - 1] = 1;
                        def.push(1);
                        rep.push(1);
                        values = text(vec!["+1 202-555-0143", "+1 202-555-0178"]);
                    }
                    col.typed::<ByteArrayType>()
                        .write_batch(&values, Some(&def), Some(&rep))
                        .unwrap();
                }
                _ => {
                    col.typed::<BoolType>()
                        .write_batch(&vec![true; rows], None, None)
                        .unwrap();
                }
            }
            col.close().unwrap();
            index += 1;
        }
        rg.close().unwrap();
    }
    w.close().unwrap();
    buf
}

fn scan_json(dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["scan", ".", "-f", "json", "-q", "--fail-on", "never"];
    args.extend_from_slice(extra);
    let out = sandsift().current_dir(dir).args(&args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `field detector line` of every finding, sorted.
fn located(findings: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["field"].as_str().unwrap_or("-"),
                f["detector"].as_str().unwrap(),
                f["line"]
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn row_groups_maps_and_legacy_lists_are_scanned_and_timestamps_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("v/lake");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("events.parquet"), events(3, 4, true)).unwrap();
    let (findings, _) = scan_jsonl(&dir.path().join("v"), &["."]);
    let got = located(&findings);
    let mut want: Vec<String> = (1..=12).map(|r| format!("$.email email {r}")).collect();
    want.push("$.attrs[*].value email 1".into());
    want.push("$.phones[*] phone 12".into());
    want.push("$.phones[*] phone 12".into());
    want.sort();
    assert_eq!(got, want);
    for f in &findings {
        assert_eq!(f["file"], "./lake/events.parquet");
        assert_eq!(f["format"], "parquet");
    }
    let r = scan_json(&dir.path().join("v"), &[]);
    assert_eq!(r["summary"]["records"], 12);
    // id, email, quantity, the map's keys and values, two phones; the
    // timestamp and the boolean are never read.
    assert_eq!(r["summary"]["values"], 12 * 5 + 2);
}

#[test]
fn a_large_file_is_cut_at_row_groups_and_scans_alike_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("v/lake");
    std::fs::create_dir_all(&d).unwrap();
    let (groups, rows) = (12, 1000);
    let data = events(groups, rows, false);
    assert!(data.len() > 8 * 4096, "{} bytes", data.len());
    std::fs::write(d.join("events.parquet"), &data).unwrap();
    let v = dir.path().join("v");
    let whole = scan_jsonl(&v, &[".", "--threads", "1"]).0;
    let parts = scan_jsonl(&v, &[".", "--threads", "2", "--chunk-size", "4096"]).0;
    assert_eq!(located(&whole), located(&parts));
    assert_eq!(whole.len(), groups * rows + 3);
    let lines: std::collections::BTreeSet<u64> = parts
        .iter()
        .filter(|f| f["field"] == "$.email")
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, (1..=(groups * rows) as u64).collect());
    for args in [
        &["--threads", "1"][..],
        &["--threads", "2", "--chunk-size", "4096"],
    ] {
        let r = scan_json(&v, args);
        assert_eq!(r["summary"]["records"], (groups * rows) as u64);
        assert_eq!(r["summary"]["values"], (groups * rows * 5 + 2) as u64);
        assert_eq!(r["summary"]["bytes_scanned"], data.len() as u64);
        let email = r["vendors"][0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == "$.email")
            .unwrap();
        assert_eq!(email["count"], (groups * rows) as u64);
        assert_eq!(email["values"], (groups * rows) as u64);
        assert_eq!(email["prevalence"], 1.0);
    }
}

#[test]
fn dictionary_columns_report_exactly_what_plain_columns_do() {
    let dir = tempfile::tempdir().unwrap();
    for (name, dictionary) in [("dict", true), ("plain", false)] {
        let d = dir.path().join(name).join("lake");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("events.parquet"), events(2, 300, dictionary)).unwrap();
    }
    let report = |name: &str| {
        let r = scan_json(&dir.path().join(name), &["--fingerprint-key", "k"]);
        (
            r["vendors"][0]["fields"].clone(),
            r["summary"]["values"].clone(),
            r["summary"]["findings"].clone(),
        )
    };
    let (dict, plain) = (report("dict"), report("plain"));
    assert_eq!(dict.2, 600 + 3);
    assert_eq!(dict, plain);
}

#[test]
fn a_damaged_column_chunk_is_a_problem_and_the_other_columns_are_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("v/lake");
    std::fs::create_dir_all(&d).unwrap();
    let mut data = events(1, 50, false);
    // Overwrite the middle of the email chunk's page with garbage: the
    // emails follow the 400 bytes of ids, each prefixed by its length.
    let at = memchr::memmem::find(&data, b"ana@example.com").unwrap();
    data[at - 40..at + 200].fill(0xff);
    std::fs::write(d.join("events.parquet"), &data).unwrap();
    let r = scan_json(&dir.path().join("v"), &[]);
    assert_eq!(r["summary"]["files_scanned"], 1, "{r}");
    let problems = r["problems"].to_string();
    assert!(problems.contains("row group 1"), "{problems}");
    assert!(!problems.contains("ana@"), "{problems}");
    let fields: Vec<&str> = r["vendors"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    // The map's email in row 1 was still found.
    assert!(fields.contains(&"$.attrs[*].value"), "{fields:?}");
}
