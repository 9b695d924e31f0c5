//! Review cycles: `--baseline` and `sandsift diff`, through the binary.

mod common;

use std::path::Path;

use common::{sandsift, success_stdout};
use serde_json::Value;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Scans `dir/exports` with a pinned key; returns the json report text.
fn report(dir: &Path, key: &str, extra: &[&str]) -> String {
    success_stdout(
        sandsift()
            .current_dir(dir)
            .args([
                "scan",
                "exports",
                "-f",
                "json",
                "-q",
                "--fail-on",
                "never",
                "--fingerprint-key",
                key,
            ])
            .args(extra),
    )
}

fn cycle_one(dir: &Path) {
    write(
        dir,
        "exports/crm/users.ndjson",
        "{\"email\":\"a@example.com\",\"phone\":\"+1 212 555 0142\"}\n{\"email\":\"b@example.com\"}\n",
    );
    write(
        dir,
        "exports/pay/cards.ndjson",
        "{\"card\":\"4539 5785 3456 1045\"}\n",
    );
}

fn cycle_two(dir: &Path) {
    // crm: one new email in the old field, a new SSN field, the phone gone;
    // pay: unchanged.
    write(
        dir,
        "exports/crm/users.ndjson",
        "{\"email\":\"a@example.com\"}\n{\"email\":\"b@example.com\"}\n{\"email\":\"c@example.com\",\"ssn\":\"512-44-0133\"}\n",
    );
}

#[test]
fn a_baseline_hides_old_findings_and_shows_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    cycle_one(dir.path());
    std::fs::write(dir.path().join("old.json"), report(dir.path(), "k", &[])).unwrap();
    cycle_two(dir.path());
    let new: Value =
        serde_json::from_str(&report(dir.path(), "k", &["--baseline", "old.json"])).unwrap();
    assert_eq!(new["baseline"], "old.json");
    assert_eq!(
        new["summary"]["baseline_known"], 3,
        "a, b and the card were known"
    );
    let rows: Vec<String> = new["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|v| {
            v["fields"].as_array().unwrap().iter().map(move |r| {
                format!(
                    "{} {} {} {}",
                    v["vendor"], r["field"], r["detector"], r["count"]
                )
                .replace('"', "")
            })
        })
        .collect();
    assert_eq!(
        rows,
        ["crm $.email email 1", "crm $.ssn us_ssn 1"],
        "the new email and the new field"
    );

    // With another key values cannot be compared: an old row's findings are
    // all known, a new row is still news.
    let other: Value =
        serde_json::from_str(&report(dir.path(), "other", &["--baseline", "old.json"])).unwrap();
    let crm = &other["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["vendor"] == "crm")
        .unwrap()["fields"];
    assert_eq!(crm.as_array().unwrap().len(), 1);
    assert_eq!(crm[0]["detector"], "us_ssn");
}

#[test]
fn diff_reports_new_resolved_and_changed_rows() {
    let dir = tempfile::tempdir().unwrap();
    cycle_one(dir.path());
    std::fs::write(dir.path().join("old.json"), report(dir.path(), "k", &[])).unwrap();
    cycle_two(dir.path());
    std::fs::write(dir.path().join("new.json"), report(dir.path(), "k", &[])).unwrap();
    let out = sandsift()
        .current_dir(dir.path())
        .args(["diff", "old.json", "new.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "news exits 1");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "sandsift diff old.json -> new.json\n\
         \n\
         crm\n  \
         ~ $.email  email  2 -> 3, 1 new value(s)\n  \
         - $.phone  phone  resolved (was 1)\n  \
         + $.ssn  us_ssn  new: 1 finding(s), 1 new value(s)\n"
    );
    let same = sandsift()
        .current_dir(dir.path())
        .args(["diff", "new.json", "new.json", "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(same.status.code(), Some(0));
    let d: Value = serde_json::from_slice(&same.stdout).unwrap();
    assert_eq!(d["vendors"], serde_json::json!({}));
    assert_eq!(d["values_compared"], true);
}

#[test]
fn a_report_of_another_schema_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    cycle_one(dir.path());
    let text = report(dir.path(), "k", &[]).replace("sandsift.report/v1", "sandsift.report/v0");
    std::fs::write(dir.path().join("old.json"), text).unwrap();
    std::fs::write(dir.path().join("junk.json"), "{\"not\": \"a report\"}").unwrap();
    for (args, want) in [
        (
            &["diff", "old.json", "old.json"][..],
            "report schema `sandsift.report/v0`, but this sandsift reads `sandsift.report/v1`",
        ),
        (
            &["scan", "exports", "--baseline", "old.json"][..],
            "report schema `sandsift.report/v0`",
        ),
        (
            &["diff", "junk.json", "junk.json"][..],
            "not a sandsift JSON report",
        ),
    ] {
        let out = sandsift()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{err}");
    }
}
