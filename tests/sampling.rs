//! Sampled scans: `--sample RATE`, `--sample-files N`, `--seed`; the
//! estimated prevalence's 95% interval covers the true prevalence.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::sandsift;
use serde_json::Value;

/// A tiny deterministic generator (the tests must not depend on a
/// random crate's stream staying the same).
struct Lcg(u64);

impl Lcg {
    fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Writes `records` NDJSON events whose `contact` holds an email with
/// probability `p`; returns how many do.
fn events(path: &Path, records: usize, p: f64, seed: u64) -> u64 {
    let mut r = Lcg(seed);
    let mut text = String::new();
    let mut emails = 0;
    for i in 0..records {
        let contact = if r.unit() < p {
            emails += 1;
            format!("user{i}@example.com")
        } else {
            "none".to_string()
        };
        text.push_str(&format!(
            "{{\"id\":{i},\"kind\":\"signup\",\"contact\":\"{contact}\"}}\n"
        ));
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    emails
}

fn scan(dir: &Path, args: &[&str]) -> Value {
    let out = sandsift()
        .arg("scan")
        .arg(dir)
        .args(args)
        .args(["-f", "json", "-q", "--fail-on", "never"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn row<'a>(r: &'a Value, field: &str) -> &'a Value {
    r["vendors"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == field)
        .unwrap_or_else(|| panic!("no row for {field}: {r}"))
}

#[test]
fn the_95_percent_interval_covers_the_true_prevalence_in_at_least_90_of_100_runs() {
    let dir = tempfile::tempdir().unwrap();
    let records = 20_000;
    let emails = events(&dir.path().join("crm/events.ndjson"), records, 0.3, 7);
    let truth = emails as f64 / records as f64;
    let mut covered = 0;
    let mut estimates = Vec::new();
    for seed in 0..100 {
        let r = scan(
            dir.path(),
            &["--sample", "0.05", "--seed", &seed.to_string()],
        );
        let e = &row(&r, "$.contact")["estimate"];
        let (low, high) = (
            e["prevalence_low"].as_f64().unwrap(),
            e["prevalence_high"].as_f64().unwrap(),
        );
        assert!(
            low <= e["prevalence"].as_f64().unwrap() && e["prevalence"].as_f64().unwrap() <= high
        );
        if low <= truth && truth <= high {
            covered += 1;
        }
        estimates.push(e["values"].as_u64().unwrap() as f64);
    }
    eprintln!("the interval covered the truth ({truth}) in {covered} of 100 runs");
    assert!(
        covered >= 90,
        "covered in {covered} of 100 runs (truth {truth})"
    );
    // The estimated totals centre on the true number of emails.
    let mean = estimates.iter().sum::<f64>() / estimates.len() as f64;
    assert!(
        (mean - emails as f64).abs() < 0.05 * emails as f64,
        "mean estimate {mean}, truth {emails}"
    );
}

#[test]
fn a_sample_is_the_same_for_a_seed_on_any_thread_count_and_says_it_is_a_sample() {
    let dir = tempfile::tempdir().unwrap();
    events(&dir.path().join("crm/events.ndjson"), 30_000, 0.2, 1);
    let a = scan(
        dir.path(),
        &[
            "--sample",
            "10%",
            "--seed",
            "4",
            "--threads",
            "1",
            "--chunk-size",
            "64KiB",
        ],
    );
    let b = scan(
        dir.path(),
        &[
            "--sample",
            "0.1",
            "--seed",
            "4",
            "--threads",
            "2",
            "--chunk-size",
            "64KiB",
        ],
    );
    assert_eq!(a["vendors"], b["vendors"]);
    assert_eq!(a["summary"]["sample"], b["summary"]["sample"]);
    let c = scan(
        dir.path(),
        &["--sample", "0.1", "--seed", "5", "--chunk-size", "64KiB"],
    );
    assert_ne!(
        a["summary"]["sample"]["records_sampled"],
        c["summary"]["sample"]["records_sampled"]
    );
    let s = &a["summary"]["sample"];
    assert_eq!(s["rate"], 0.1);
    assert_eq!(a["summary"]["records"], 30_000);
    let sampled = s["records_sampled"].as_u64().unwrap();
    assert!((2_600..3_400).contains(&sampled), "{sampled}");
    // Values are counted in sampled records only.
    assert_eq!(row(&a, "$.contact")["values"].as_u64().unwrap(), sampled);
    // A whole scan has no sample and no estimates.
    let whole = scan(dir.path(), &[]);
    assert!(whole["summary"].get("sample").is_none());
    assert!(row(&whole, "$.contact").get("estimate").is_none());
    // The table and the summary line say so.
    let out = sandsift()
        .arg("scan")
        .arg(dir.path())
        .args(["--sample", "0.1", "-f", "table", "--fail-on", "never"])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("SAMPLE 10% of records (seed 0)"), "{table}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("a sample: 10% of records"));
}

#[test]
fn sampled_files_scale_the_estimate_by_the_bytes_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut total = 0;
    for i in 0..20 {
        total += events(
            &dir.path().join(format!("crm/part-{i:02}.ndjson")),
            500,
            0.3,
            i,
        );
    }
    let r = scan(dir.path(), &["--sample-files", "5", "--seed", "2"]);
    assert_eq!(r["summary"]["files_scanned"], 5);
    let s = &r["summary"]["sample"];
    assert_eq!(
        (s["files"].as_u64(), s["files_not_sampled"].as_u64()),
        (Some(5), Some(15))
    );
    assert!(s["rate"].is_null());
    let estimate = row(&r, "$.contact")["estimate"]["values"].as_u64().unwrap() as f64;
    assert!(
        (estimate - total as f64).abs() < 0.25 * total as f64,
        "estimate {estimate}, truth {total}"
    );
    // The same seed picks the same files; another seed other files.
    let again = scan(dir.path(), &["--sample-files", "5", "--seed", "2"]);
    assert_eq!(r["vendors"], again["vendors"]);
    let files = |r: &Value| r["vendors"][0]["fields"][0]["first"]["file"].clone();
    let other: Vec<Value> = (3..8)
        .map(|seed| {
            files(&scan(
                dir.path(),
                &["--sample-files", "5", "--seed", &seed.to_string()],
            ))
        })
        .collect();
    assert!(other.iter().any(|f| *f != files(&r)));
}

#[test]
fn parquet_rows_are_sampled_too() {
    use parquet::data_type::{ByteArray, ByteArrayType};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    let schema = Arc::new(
        parquet::schema::parser::parse_message_type(
            "message t { required binary contact (UTF8); }",
        )
        .unwrap(),
    );
    let mut buf = Vec::new();
    let mut w = SerializedFileWriter::new(
        &mut buf,
        schema,
        Arc::new(WriterProperties::builder().build()),
    )
    .unwrap();
    let mut rg = w.next_row_group().unwrap();
    let mut col = rg.next_column().unwrap().unwrap();
    let values: Vec<ByteArray> = (0..10_000)
        .map(|i| ByteArray::from(format!("user{i}@example.com").as_str()))
        .collect();
    col.typed::<ByteArrayType>()
        .write_batch(&values, None, None)
        .unwrap();
    col.close().unwrap();
    rg.close().unwrap();
    w.close().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("lake")).unwrap();
    std::fs::write(dir.path().join("lake/t.parquet"), buf).unwrap();
    let r = scan(dir.path(), &["--sample", "0.2", "--seed", "1"]);
    let row = row(&r, "$.contact");
    let n = row["values"].as_u64().unwrap();
    assert!((1_700..2_300).contains(&n), "{n}");
    assert_eq!(row["count"].as_u64().unwrap(), n);
    assert_eq!(row["estimate"]["prevalence"], 1.0);
    let total = row["estimate"]["values"].as_u64().unwrap();
    assert!((8_500..11_500).contains(&total), "{total}");
}

#[test]
fn enough_stops_counting_a_row_but_not_its_values() {
    let dir = tempfile::tempdir().unwrap();
    events(&dir.path().join("crm/events.ndjson"), 30_000, 0.2, 9);
    std::fs::write(
        dir.path().join("crm/few.ndjson"),
        "{\"phone\":\"+1 202-555-0143\"}\n{\"phone\":\"+1 202-555-0178\"}\n",
    )
    .unwrap();
    let one = scan(
        dir.path(),
        &["--enough", "25", "--threads", "1", "--chunk-size", "64KiB"],
    );
    let two = scan(
        dir.path(),
        &["--enough", "25", "--threads", "2", "--chunk-size", "64KiB"],
    );
    assert_eq!(one["vendors"], two["vendors"]);
    let email = row(&one, "$.contact");
    assert_eq!(email["count"], 25);
    assert_eq!(email["stopped"], true);
    assert_eq!(email["values"], 30_000);
    let phone = row(&one, "$.phone");
    assert_eq!(phone["count"], 2);
    assert!(phone.get("stopped").is_none());
    assert_eq!(one["summary"]["findings"], 27);
    // The finding stream stops where the report stops counting, over the
    // whole scan (not per chunk of the file).
    for threads in ["1", "2"] {
        let out = sandsift()
            .arg("scan")
            .arg(dir.path())
            .args([
                "--enough",
                "25",
                "--format",
                "jsonl",
                "--chunk-size",
                "64KiB",
            ])
            .args(["--threads", threads])
            .output()
            .unwrap();
        let lines = String::from_utf8(out.stdout).unwrap();
        assert_eq!(lines.lines().count(), 27, "{threads} threads");
    }
    let bad = sandsift()
        .arg("scan")
        .arg(dir.path())
        .args(["--enough", "0"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
