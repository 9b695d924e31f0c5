//! The sarif, csv and markdown outputs, through the binary.

mod common;

use common::{fixtures, sandsift, success_stdout};
use serde_json::Value;

fn scan(format: &str, extra: &[&str]) -> String {
    success_stdout(
        sandsift()
            .current_dir(fixtures())
            .args(["scan", ".", "-q", "--fail-on", "never", "--format", format])
            .args(extra),
    )
}

fn json_rows() -> usize {
    let report: Value = serde_json::from_str(&scan("json", &[])).unwrap();
    report["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["fields"].as_array().unwrap().len())
        .sum()
}

#[test]
fn sarif_validates_against_the_oasis_schema() {
    let schema: Value = serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("the schema compiles");
    for extra in [&[][..], &["--vendors", "../docs/vendors.example.toml"][..]] {
        let log: Value = serde_json::from_str(&scan("sarif", extra)).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        assert_eq!(log["version"], "2.1.0");
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), json_rows(), "one result per inventory row");
        let rules = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        for r in results {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], r["ruleId"]);
            let region = &r["locations"][0]["physicalLocation"]["region"];
            assert!(region["startLine"].as_u64().unwrap() >= 1);
        }
    }
}

#[test]
fn sarif_levels_follow_the_policy_and_fingerprints_are_stable() {
    let with = |key: &str| -> Value {
        serde_json::from_str(&scan(
            "sarif",
            &[
                "--vendors",
                "../docs/vendors.example.toml",
                "--fingerprint-key",
                key,
            ],
        ))
        .unwrap()
    };
    let (a, b) = (with("one"), with("two"));
    let prints = |log: &Value| -> Vec<String> {
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["sandsift/row/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(
        prints(&a),
        prints(&b),
        "row ids do not depend on the fingerprint key"
    );
    let level = |vendor: &str, field: &str, rule: &str| -> String {
        a["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["properties"]["vendor"] == vendor
                    && r["properties"]["field"] == field
                    && r["ruleId"] == rule
            })
            .map(|r| r["level"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(level("tracklytics", "$.auth.token", "jwt"), "error");
    assert_eq!(level("tracklytics", "$.user.phone", "phone"), "warning");
    assert_eq!(level("acme-crm", "$.email", "email"), "note", "allowed");
    let policy = &a["runs"][0]["properties"]["policy"];
    assert_eq!(policy["violations"], 22);
    assert_eq!(policy["checklist"]["acme-crm"][1]["verdict"], "fail");
}

#[test]
fn csv_has_one_row_per_field_and_kind() {
    let text = scan("csv", &["--vendors", "../docs/vendors.example.toml"]);
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(&header[..4], ["vendor", "field", "detector", "category"]);
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), json_rows());
    let jwt = rows
        .iter()
        .find(|r| &r[0] == "tracklytics" && &r[2] == "jwt")
        .unwrap();
    assert_eq!(
        (&jwt[0], &jwt[1], &jwt[16], &jwt[17]),
        ("tracklytics", "$.auth.token", "critical", "fail")
    );
    let email = rows
        .iter()
        .find(|r| &r[0] == "acme-crm" && &r[2] == "email")
        .unwrap();
    assert_eq!((&email[16], &email[17]), ("", "pass"));
}

#[test]
fn markdown_summarises_for_a_ticket() {
    let text = scan("markdown", &["--vendors", "../docs/vendors.example.toml"]);
    assert!(text.starts_with("# sandsift report\n"), "{text}");
    assert!(text.contains("## Policy violations (22)"), "{text}");
    assert!(
        text.contains("| critical | tracklytics | `$.auth.token` | jwt | 1 |"),
        "{text}"
    );
    assert!(text.contains("## peoplehub"), "{text}");
    assert!(
        text.contains("| `$.nino` | uk_nino | 3 | 100.0% | 2 clear, 1 test |"),
        "{text}"
    );
    assert!(
        text.contains("Policy checklist: contact pass (28), government_id **FAIL** (6 of 7), financial **FAIL** (2 of 2), identity pass (6), credential **FAIL** (3 of 3)."),
        "{text}"
    );
    assert!(
        text.contains("| paystream | government_id never appears | broken |"),
        "{text}"
    );
}

#[test]
fn jsonl_into_a_closed_pipe_ends_quietly() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;

    // Far more findings than a pipe holds, so writing fails once the
    // reader has gone (as with `sandsift scan | head`).
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..20_000)
        .map(|i| format!("contact user{i}@example.com today\n"))
        .collect();
    std::fs::write(dir.path().join("log.txt"), text).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("sandsift"))
        .args(["scan", "-q", "--format", "jsonl"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("\"detector\":\"email\""), "{first}");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}
