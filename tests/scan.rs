//! `sandsift scan` on the shipped fixtures, through the real binary.

mod common;

use common::{fixtures, sandsift, scan_jsonl, tally};
use serde_json::Value;

/// Every finding on the fixtures: (vendor, file, field, detector, status)
/// and its count. Each line was checked by hand against the fixture files.
#[rustfmt::skip]
const EXPECTED: &[(&str, &str, &str, &str, &str, u64)] = &[
    ("acme-crm", "contacts.csv", "$.email", "email", "test_value", 4),
    ("acme-crm", "contacts.csv", "$.first_name", "person_name", "clear", 4),
    ("acme-crm", "contacts.csv", "$.phone", "phone", "test_value", 3),
    ("acme-crm", "contacts.csv", "$.ssn", "us_ssn", "clear", 3),
    ("acme-crm", "contacts.csv", "$.zip", "postal_code", "clear", 4),
    ("acme-crm", "customers.json", "$.customers[*].contact.email", "email", "test_value", 3),
    ("acme-crm", "customers.json", "$.customers[*].contact.phone", "phone", "test_value", 3),
    ("acme-crm", "customers.json", "$.customers[*].ssn", "us_ssn", "clear", 2),
    ("acme-crm", "customers.json", "$.customers[*].ssn", "us_ssn", "masked", 1),
    ("paystream", "payouts.tsv", "$.iban", "iban", "clear", 2),
    ("paystream", "payouts.tsv", "$.iban", "iban", "test_value", 1),
    ("paystream", "payouts.tsv", "$.beneficiary", "person_name", "clear", 2),
    ("paystream", "payouts.tsv", "$.beneficiary", "person_name", "test_value", 1),
    ("paystream", "settlements.ndjson.gz", "$.payee.email", "email", "test_value", 2),
    ("paystream", "settlements.ndjson.gz", "$.payee.iban", "iban", "clear", 2),
    ("paystream", "transactions.ndjson", "$.card.number", "credit_card", "masked", 1),
    ("paystream", "transactions.ndjson", "$.card.number", "credit_card", "test_value", 4),
    ("paystream", "transactions.ndjson", "$.customer.email", "email", "test_value", 2),
    ("paystream", "transactions.ndjson", "$.customer.ssn", "us_ssn", "clear", 1),
    ("paystream", "transactions.ndjson", "$.note", "email", "test_value", 1),
    ("paystream", "transactions.ndjson", "$.payout.iban", "iban", "clear", 2),
    ("peoplehub", "employees.csv", "$.aadhaar", "in_aadhaar", "clear", 2),
    ("peoplehub", "employees.csv", "$.bsn", "nl_bsn", "clear", 2),
    ("peoplehub", "employees.csv", "$.cpf", "br_cpf", "clear", 2),
    ("peoplehub", "employees.csv", "$.dni", "es_dni_nie", "clear", 2),
    ("peoplehub", "employees.csv", "$.full_name", "person_name", "clear", 3),
    ("peoplehub", "employees.csv", "$.full_name", "person_name", "test_value", 1),
    ("peoplehub", "employees.csv", "$.nino", "uk_nino", "clear", 2),
    ("peoplehub", "employees.csv", "$.nino", "uk_nino", "test_value", 1),
    ("peoplehub", "employees.csv", "$.routing_number", "aba_routing", "clear", 2),
    ("peoplehub", "employees.csv", "$.sin", "ca_sin", "clear", 2),
    ("tracklytics", "devices.ndjson", "$.auth.token", "jwt", "clear", 1),
    ("tracklytics", "devices.ndjson", "$.config.aws_access_key_id", "aws_access_key", "test_value", 1),
    ("tracklytics", "devices.ndjson", "$.device.imei", "imei", "clear", 2),
    ("tracklytics", "devices.ndjson", "$.device.mac", "mac_address", "clear", 3),
    ("tracklytics", "devices.ndjson", "$.log", "aws_access_key", "clear", 1),
    ("tracklytics", "devices.ndjson", "$.log", "email", "test_value", 1),
    ("tracklytics", "events.txt", "$.ip", "ipv4", "test_value", 2),
    ("tracklytics", "events.txt", "$.ip", "ipv6", "test_value", 1),
    ("tracklytics", "events.txt", "$.user.email", "email", "test_value", 2),
    ("tracklytics", "events.txt", "$.user.phone", "phone", "test_value", 1),
    ("tracklytics", "export.min.json", "$[*].device.ipv6", "ipv6", "test_value", 1),
    ("tracklytics", "export.min.json", "$[*].email", "email", "test_value", 2),
    ("tracklytics", "export.min.json", "$[*].last_ip", "ipv4", "clear", 1),
    ("tracklytics", "export.min.json", "$[*].last_ip", "ipv4", "test_value", 1),
    ("tracklytics", "server.log", "null", "credit_card", "test_value", 1),
    ("tracklytics", "server.log", "null", "email", "test_value", 2),
    ("tracklytics", "server.log", "null", "ipv4", "test_value", 2),
    ("tracklytics", "server.log", "null", "phone", "test_value", 1),
    // The HAR capture: vendors by request host (tests/har.rs pins the
    // endpoints and directions).
    ("acme-crm.example", "checkout.har", "$.log.entries[*].request.cookies[last_login_email]", "email", "test_value", 1),
    ("acme-crm.example", "checkout.har", "$.log.entries[*].request.headers[authorization]", "jwt", "clear", 3),
    ("acme-crm.example", "checkout.har", "$.log.entries[*].request.headers[authorization]$.email", "email", "test_value", 3),
    ("acme-crm.example", "checkout.har", "$.log.entries[*].request.postData.text$.card.number", "credit_card", "test_value", 2),
    ("acme-crm.example", "checkout.har", "$.log.entries[*].request.postData.text$.customer.email", "email", "test_value", 2),
    ("acme-crm.example", "checkout.har", "$.log.entries[*].request.postData.text$.customer.first_name", "person_name", "clear", 2),
    ("acme-crm.example", "checkout.har", "$.log.entries[*].request.url.path", "email", "test_value", 1),
    ("acme-crm.example", "checkout.har", "$.log.entries[*].response.content.text$.data.email", "email", "test_value", 1),
    ("acme-crm.example", "checkout.har", "$.log.entries[*].response.content.text$.data.phone", "phone", "test_value", 1),
    ("acme-crm.example", "checkout.har", "$.log.entries[*].response.content.text$.data.ssn", "us_ssn", "clear", 1),
    ("acme-crm.example", "checkout.har", "$.log.entries[*].response.cookies[acme_uid]", "email", "test_value", 1),
    ("acme-crm.example", "checkout.har", "$.log.entries[*].response.headers[x-acme-account-owner]", "email", "test_value", 1),
    ("mailrelay.example", "checkout.har", "$.log.entries[*].request.postData.text$.payload$.full_name", "person_name", "clear", 1),
    ("mailrelay.example", "checkout.har", "$.log.entries[*].request.postData.text$.payload$.to", "email", "test_value", 1),
    ("paystream.example", "checkout.har", "$.log.entries[*].request.postData.text[cardholder_email]", "email", "test_value", 1),
    ("paystream.example", "checkout.har", "$.log.entries[*].response.content.text$.customer.email", "email", "test_value", 1),
    ("paystream.example", "checkout.har", "$.log.entries[*].response.content.text$.customer.iban", "iban", "clear", 1),
    ("tracklytics.example", "checkout.har", "$.log.entries[*].request.postData.params[email]", "email", "test_value", 1),
    ("tracklytics.example", "checkout.har", "$.log.entries[*].request.postData.text", "email", "test_value", 1),
    ("tracklytics.example", "checkout.har", "$.log.entries[*].request.postData.params[ip]", "ipv4", "test_value", 1),
    ("tracklytics.example", "checkout.har", "$.log.entries[*].request.queryString[d]$.email", "email", "test_value", 1),
    ("tracklytics.example", "checkout.har", "$.log.entries[*].request.queryString[d]$.phone", "phone", "test_value", 1),
];

#[test]
fn fixtures_yield_exactly_the_expected_findings() {
    let (findings, code) = scan_jsonl(&fixtures(), &["."]);
    assert_eq!(code, 1, "clear findings exit 1");
    let got = tally(&findings);
    let want: std::collections::BTreeMap<_, _> = EXPECTED
        .iter()
        .map(|&(v, f, p, d, s, n)| ((v.into(), f.into(), p.into(), d.into(), s.into()), n))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn no_decoy_is_reported() {
    let (findings, _) = scan_jsonl(&fixtures(), &["."]);
    let fixtures = fixtures();
    let decoy_fields = [
        "invoice_number",
        "order_id",
        "order_number",
        "app_version",
        "sdk_version",
        "request_id",
        "txn_id",
        "tracking",
        "session",
        "employee_id",
        "build",
        "serial",
        "model",
    ];
    let timestamp =
        regex::Regex::new(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T|[0-9]{2}:[0-9]{2}:[0-9]{2}").unwrap();
    let uuid =
        regex::Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").unwrap();
    for f in &findings {
        let field = f["field"].as_str().unwrap_or("");
        assert!(
            !decoy_fields.iter().any(|d| field.ends_with(d)),
            "decoy field reported: {f}"
        );
        // Spans of plain files point at the value; none is a UUID or a
        // timestamp.
        let file = fixtures.join(f["file"].as_str().unwrap());
        if file.to_string_lossy().ends_with(".gz") {
            continue;
        }
        let bytes = std::fs::read(&file).unwrap();
        let (o, l) = (
            f["offset"].as_u64().unwrap() as usize,
            f["length"].as_u64().unwrap() as usize,
        );
        let raw = String::from_utf8_lossy(&bytes[o..o + l]).to_string();
        assert!(
            !timestamp.is_match(&raw) && !uuid.is_match(&raw),
            "decoy value reported: {raw}"
        );
    }
    // The row of ids that fail their checks yields nothing but its name.
    assert!(
        !findings
            .iter()
            .any(|f| f["file"].as_str().unwrap().ends_with("employees.csv")
                && f["line"] == 5
                && f["detector"] != "person_name")
    );
}

#[test]
fn every_offset_points_at_the_revealed_value() {
    let (findings, _) = scan_jsonl(&fixtures(), &[".", "--reveal"]);
    assert!(!findings.is_empty());
    for f in &findings {
        let file = f["file"].as_str().unwrap();
        if file.ends_with(".gz") {
            continue;
        }
        let bytes = std::fs::read(fixtures().join(file)).unwrap();
        let (o, l) = (
            f["offset"].as_u64().unwrap() as usize,
            f["length"].as_u64().unwrap() as usize,
        );
        assert!(
            common::raw_holds(
                &bytes[o..o + l],
                f["value"].as_str().unwrap(),
                &f["decoded"]
            ),
            "{f}"
        );
        // Line and column agree with the offset.
        let line = bytes[..o].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let col = (o - bytes[..o]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)) as u64
            + 1;
        assert_eq!(
            (f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap()),
            (line, col),
            "{f}"
        );
    }
}

#[test]
fn findings_carry_every_documented_key() {
    let (findings, _) = scan_jsonl(&fixtures(), &["."]);
    let keys = [
        "vendor",
        "file",
        "format",
        "field",
        "detector",
        "category",
        "confidence",
        "evidence",
        "status",
        "offset",
        "length",
        "line",
        "column",
        "masked",
        "fingerprint",
    ];
    for f in &findings {
        for k in keys {
            assert!(f.get(k).is_some(), "missing {k} in {f}");
        }
        assert!(f.get("value").is_none(), "raw value without --reveal: {f}");
    }
}

#[test]
fn json_report_has_schema_summary_inventory_and_accounting() {
    let out = sandsift()
        .current_dir(fixtures())
        .args(["scan", ".", "--format", "json", "-q", "--examples", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["schema"], "sandsift.report/v1");
    assert_eq!(report["tool"]["name"], "sandsift");
    let s = &report["summary"];
    assert_eq!(s["files_seen"], 13);
    assert_eq!(s["files_scanned"], 12);
    assert_eq!(s["files_skipped"], 1);
    assert_eq!(s["files_failed"], 0);
    assert_eq!(
        s["bytes_seen"].as_u64().unwrap(),
        s["bytes_scanned"].as_u64().unwrap()
            + s["bytes_skipped"].as_u64().unwrap()
            + s["bytes_failed"].as_u64().unwrap()
    );
    assert_eq!(s["problems"], 1);
    assert_eq!(
        report["skipped"][0]["reason"],
        "binary (NUL bytes in the first 8 KiB)"
    );
    assert_eq!(report["problems"][0]["line"], 4);
    let vendors: Vec<&str> = report["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["vendor"].as_str().unwrap())
        .collect();
    assert_eq!(
        vendors,
        [
            "acme-crm",
            "acme-crm.example",
            "captures",
            "fixtures",
            "fontfarm.example",
            "mailrelay.example",
            "paystream",
            "paystream.example",
            "peoplehub",
            "tracklytics",
            "tracklytics.example"
        ]
    );
    let vendor = |name: &str| {
        report["vendors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["vendor"] == name)
            .unwrap()
    };
    let cards = vendor("paystream")["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["detector"] == "credit_card")
        .unwrap();
    assert_eq!(cards["count"], 5);
    assert_eq!(cards["examples"].as_array().unwrap().len(), 2);
    // Prevalence: three of the four values of the TSV's iban column are
    // IBANs (one fails mod-97); distinct values by fingerprint.
    let iban = vendor("paystream")["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["field"] == "$.iban")
        .unwrap();
    assert_eq!(
        (
            iban["count"].as_u64(),
            iban["values"].as_u64(),
            iban["prevalence"].as_f64()
        ),
        (Some(3), Some(4), Some(0.75))
    );
    assert_eq!(iban["distinct"], 3);
    // Two different emails in one field: two distinct values.
    let tracklytics = &vendor("tracklytics")["fields"];
    let emails = tracklytics
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["field"] == "$.user.email")
        .unwrap();
    assert_eq!(
        (emails["count"].as_u64(), emails["distinct"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(cards["status"]["masked"], 1);
}

#[test]
fn table_lists_vendors_fields_and_skips() {
    let out = sandsift()
        .current_dir(fixtures())
        .args(["scan", ".", "--format", "table", "--color", "never"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("acme-crm — 2 files, 27 findings"), "{text}");
    assert!(text.contains("$.customers[*].ssn"), "{text}");
    assert!(text.contains("***-**-0133"), "{text}");
    assert!(text.contains("pixel.png — binary"), "{text}");
    assert!(text.contains("transactions.ndjson:4:"), "{text}");
    assert!(!text.contains("\x1b["), "no colour with --color never");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("scanned 12 file(s)"), "{stderr}");
}

#[test]
fn colour_is_off_with_no_color_and_on_when_forced() {
    let run = |args: &[&str], no_color: bool| {
        let mut cmd = sandsift();
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let out = cmd
            .current_dir(fixtures())
            .args(["scan", "acme-crm", "-f", "table", "-q"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(run(&["--color", "always"], false).contains("\x1b["));
    assert!(!run(&[], true).contains("\x1b["));
}

#[test]
fn exit_codes_follow_the_contract() {
    // Leaks: 1. Nothing: 0. --fail-on never: 0. Usage error: 2.
    sandsift()
        .current_dir(fixtures())
        .args(["scan", "paystream", "-q", "-f", "json"])
        .assert()
        .code(1);
    sandsift()
        .current_dir(fixtures())
        .args(["scan", "README.txt", "-q", "-f", "json"])
        .assert()
        .code(0);
    sandsift()
        .current_dir(fixtures())
        .args(["scan", ".", "-q", "-f", "json", "--fail-on", "never"])
        .assert()
        .code(0);
    sandsift()
        .args(["scan", "--format", "xml"])
        .assert()
        .code(2);
    sandsift()
        .args(["scan", "--include", "[", "."])
        .assert()
        .code(2);
}

#[test]
fn only_test_and_masked_values_do_not_fail_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("v")).unwrap();
    std::fs::write(
        dir.path().join("v/a.json"),
        r#"{"email":"a@example.com","ssn":"***-**-1234"}"#,
    )
    .unwrap();
    let (findings, code) = scan_jsonl(dir.path(), &["."]);
    assert_eq!(findings.len(), 2);
    assert_eq!(code, 0);
}

#[test]
fn vendor_is_the_first_folder_below_the_root_or_forced() {
    let (findings, _) = scan_jsonl(&fixtures(), &["paystream/payouts.tsv"]);
    assert!(findings.iter().all(|f| f["vendor"] == "paystream"));
    let (findings, _) = scan_jsonl(&fixtures(), &["acme-crm", "--vendor", "someone"]);
    assert!(findings.iter().all(|f| f["vendor"] == "someone"));
    // Scanning a vendor folder itself: files below its subfolders belong to
    // that subfolder's name, files at its root to the folder.
    let (findings, _) = scan_jsonl(&fixtures(), &["acme-crm"]);
    let vendors: std::collections::BTreeSet<_> = findings
        .iter()
        .map(|f| f["vendor"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        vendors,
        ["2026-10", "acme-crm"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
}

#[test]
fn include_and_exclude_globs_select_files() {
    let (findings, _) = scan_jsonl(&fixtures(), &[".", "--include", "*.csv"]);
    assert!(
        findings
            .iter()
            .all(|f| f["file"].as_str().unwrap().ends_with(".csv"))
    );
    assert!(!findings.is_empty());
    let (findings, _) = scan_jsonl(
        &fixtures(),
        &[".", "--exclude", "paystream", "--exclude", "*.log"],
    );
    assert!(
        findings
            .iter()
            .all(|f| f["vendor"] != "paystream" && !f["file"].as_str().unwrap().ends_with(".log"))
    );
}

#[test]
fn a_txt_file_holding_ndjson_is_read_as_ndjson() {
    let (findings, _) = scan_jsonl(&fixtures(), &["tracklytics/events.txt"]);
    assert!(findings.iter().all(|f| f["format"] == "ndjson"));
    assert!(findings.iter().any(|f| f["field"] == "$.user.email"));
}

#[test]
fn max_file_size_skips_with_a_reason() {
    let out = sandsift()
        .current_dir(fixtures())
        .args(["scan", ".", "-f", "json", "-q", "--max-file-size", "1KB"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let reasons: Vec<&str> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("larger than --max-file-size")),
        "{reasons:?}"
    );
}

#[test]
fn output_file_is_written_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    sandsift()
        .current_dir(fixtures())
        .args(["scan", ".", "-q", "--fail-on", "never", "-o"])
        .arg(&path)
        .assert()
        .code(0);
    let report: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        report["schema"], "sandsift.report/v1",
        "format guessed from the .json extension"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn unreadable_and_corrupt_files_are_reported_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("v");
    std::fs::create_dir(&v).unwrap();
    std::fs::write(v.join("ok.json"), r#"{"ssn":"512-44-0133"}"#).unwrap();
    std::fs::write(v.join("broken.json.gz"), b"\x1f\x8b\x08\x00not really gzip").unwrap();
    std::fs::write(
        v.join("truncated.json"),
        br#"{"a":{"email":"x@example.com","b":["#,
    )
    .unwrap();
    let out = sandsift()
        .current_dir(dir.path())
        .args(["scan", ".", "-f", "json", "-q"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["files_failed"], 1);
    assert!(
        report["failed"][0]["error"]
            .as_str()
            .unwrap()
            .contains("gzip")
    );
    assert_eq!(report["summary"]["files_scanned"], 2);
    assert_eq!(
        report["summary"]["findings"], 2,
        "the truncated file's email before the break is still found"
    );
    assert!(
        report["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("invalid JSON")
    );
}

#[test]
fn version_and_help_work() {
    sandsift()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicates::str::contains(env!("CARGO_PKG_VERSION")));
    sandsift()
        .args(["scan", "--help"])
        .assert()
        .success()
        .stdout(predicates::str::contains("--fingerprint-key"));
}

#[test]
fn min_confidence_hides_weak_findings_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("v")).unwrap();
    // A private address in free text is weak evidence (low); a public one
    // in free text is medium; an email is high.
    std::fs::write(
        dir.path().join("v/app.log"),
        "from 10.1.2.3 and 81.2.69.160 by a@example.com\n",
    )
    .unwrap();
    let ids = |args: &[&str]| -> Vec<String> {
        let (findings, _) = scan_jsonl(dir.path(), &[&["."][..], args].concat());
        findings
            .iter()
            .map(|f| {
                f["detector"].as_str().unwrap().to_string()
                    + ":"
                    + f["confidence"].as_str().unwrap()
            })
            .collect()
    };
    assert_eq!(ids(&[]), ["ipv4:medium", "email:high"]);
    assert_eq!(
        ids(&["--min-confidence", "low"]),
        ["ipv4:low", "ipv4:medium", "email:high"]
    );
    assert_eq!(ids(&["--min-confidence", "high"]), ["email:high"]);
    let out = sandsift()
        .current_dir(dir.path())
        .args(["scan", ".", "-f", "json", "-q"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["below_min_confidence"], 1);
}

#[test]
fn context_words_in_free_text_stand_in_for_a_field_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("v")).unwrap();
    std::fs::write(
        dir.path().join("v/support.log"),
        "ticket 88: customer SSN: 512440133, born on 14/03/1985\nticket 89: invoice 512440133 paid 14/03/1985\n",
    )
    .unwrap();
    let (findings, _) = scan_jsonl(dir.path(), &["."]);
    let got: Vec<(String, u64, bool)> = findings
        .iter()
        .map(|f| {
            let ctx = f["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e == "context");
            (
                f["detector"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                ctx,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("us_ssn".to_string(), 1, true),
            ("date_of_birth".to_string(), 1, true)
        ]
    );
}

/// Values that repeat in a field are scanned once and their result reused
/// (a per-field memo): every occurrence must still be its own finding at
/// its own place, a repeated value holding JSON is still decoded each
/// time, and a field whose values never repeat is still scanned in full.
#[test]
fn repeated_values_are_each_reported_at_their_own_place() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    let emails = ["ana@example.com", "bo@example.org", "cy@example.net"];
    for i in 0..1500 {
        // Unique order ids (the memo of `id` gives up), a repeating email,
        // a repeating plan, and a repeating string holding JSON.
        lines.push_str(&format!(
            r#"{{"id":"ord-{i:06}","email":"{}","plan":"pro","meta":"{{\"ssn\":\"512-44-0133\"}}","card":"{}"}}"#,
            emails[i % 3],
            if i == 1400 { "4111 1111 1111 1111" } else { "none" },
        ));
        lines.push('\n');
    }
    std::fs::write(dir.path().join("events.ndjson"), lines).unwrap();
    let (findings, code) = scan_jsonl(dir.path(), &["events.ndjson", "--reveal"]);
    assert_eq!(code, 1);
    let of = |field: &str| -> Vec<&Value> {
        findings
            .iter()
            .filter(|f| f["field"] == field)
            .collect::<Vec<_>>()
    };
    let email = of("$.email");
    assert_eq!(email.len(), 1500);
    for (i, f) in email.iter().enumerate() {
        assert_eq!(f["line"], (i + 1) as u64, "{f}");
        assert_eq!(f["value"], emails[i % 3]);
    }
    assert_eq!(of("$.meta$.ssn").len(), 1500, "decoded every time");
    let card = of("$.card");
    assert_eq!(card.len(), 1);
    assert_eq!(card[0]["line"], 1401);
    assert!(of("$.plan").is_empty() && of("$.id").is_empty());
}

/// Values inside decoded text (a string holding JSON, in a string
/// holding JSON) repeat as values do anywhere, and are remembered too:
/// each is still its own finding at its own place, and a value at the
/// last decoding depth is never decoded, however often it repeats.
#[test]
fn repeated_values_inside_decoded_text_are_each_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    for i in 0..600 {
        lines.push_str(&format!(
            r#"{{"n":{i},"meta":"{{\"ua\":\"Mozilla/5.0 (X11; Linux x86_64)\",\"email\":\"ana@example.com\",\"inner\":\"{{\\\"ssn\\\":\\\"512-44-0133\\\"}}\"}}"}}"#
        ));
        lines.push('\n');
    }
    std::fs::write(dir.path().join("events.ndjson"), lines).unwrap();
    let at = |findings: &[Value], field: &str| -> Vec<(u64, u64)> {
        findings
            .iter()
            .filter(|f| f["field"] == field)
            .map(|f| (f["line"].as_u64().unwrap(), f["offset"].as_u64().unwrap()))
            .collect()
    };
    let (deep, _) = scan_jsonl(dir.path(), &["events.ndjson"]);
    let emails = at(&deep, "$.meta$.email");
    let ssns = at(&deep, "$.meta$.inner$.ssn");
    assert_eq!(emails.len(), 600);
    assert_eq!(ssns.len(), 600);
    for (k, ((line, offset), (ssn_line, ssn_offset))) in emails.iter().zip(&ssns).enumerate() {
        assert_eq!(*line, k as u64 + 1);
        assert_eq!(*ssn_line, k as u64 + 1);
        // Each line's values sit at the same place within their line.
        assert_eq!(offset - emails[0].1, ssn_offset - ssns[0].1);
    }
    let (shallow, _) = scan_jsonl(dir.path(), &["events.ndjson", "--max-decode-depth", "1"]);
    assert_eq!(at(&shallow, "$.meta$.email").len(), 600);
    assert!(at(&shallow, "$.meta$.inner$.ssn").is_empty());
    // The undecoded inner text is scanned as it is, alike on every line.
    let inner = at(&shallow, "$.meta$.inner");
    assert_eq!(inner.len() % 600, 0);
}

/// A CSV export with `\r\n` line ends, blank lines and a quoted field
/// with doubled quotes (as spreadsheets write them): each finding's
/// offset, line and column are those of its value's bytes.
#[test]
fn crlf_csv_findings_are_placed_at_their_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let data = "id,email,note\r\n1,ana@example.com,plain\r\n\r\n2,bo@example.org,\"say \"\"hi\"\" to cy@example.net\"\r\n";
    std::fs::write(dir.path().join("users.csv"), data).unwrap();
    let (findings, _) = scan_jsonl(dir.path(), &["users.csv", "--reveal"]);
    let mut got: Vec<(String, u64, u64)> = Vec::new();
    for f in &findings {
        let (offset, length) = (f["offset"].as_u64().unwrap(), f["length"].as_u64().unwrap());
        let raw = &data.as_bytes()[offset as usize..(offset + length) as usize];
        assert_eq!(raw, f["value"].as_str().unwrap().as_bytes(), "{f}");
        got.push((
            f["value"].as_str().unwrap().to_string(),
            f["line"].as_u64().unwrap(),
            f["column"].as_u64().unwrap(),
        ));
    }
    got.sort();
    assert_eq!(
        got,
        [
            ("ana@example.com".to_string(), 2, 3),
            ("bo@example.org".to_string(), 4, 3),
            ("cy@example.net".to_string(), 4, 33),
        ]
    );
}

/// A worker keeps field paths, contexts and memos from file to file, and
/// starts again empty once they hold more than 65,536 fields: the findings
/// of the files after that, and of files sharing fields and values, are
/// those of each file scanned alone.
#[test]
fn files_after_many_fields_and_shared_fields_report_as_alone() {
    let dir = tempfile::tempdir().unwrap();
    let vendor = dir.path().join("v");
    std::fs::create_dir(&vendor).unwrap();
    // a-wide: 70,000 distinct keys in one record (and one email).
    let mut wide = String::from("{");
    for i in 0..70_000 {
        wide.push_str(&format!("\"k{i}\":\"x\","));
    }
    wide.push_str("\"email\":\"wide@example.com\"}\n");
    std::fs::write(vendor.join("a-wide.ndjson"), wide).unwrap();
    for name in ["b-users.ndjson", "c-users.ndjson"] {
        let rows: String = (0..50)
            .map(|i| {
                format!(
                    "{{\"email\":\"u{}@example.com\",\"ssn\":\"512-44-0133\",\"plan\":\"pro\"}}\n",
                    i % 5
                )
            })
            .collect();
        std::fs::write(vendor.join(name), rows).unwrap();
    }
    let key = |f: &Value| {
        format!(
            "{} {} {} {} {}",
            f["file"], f["field"], f["detector"], f["line"], f["offset"]
        )
    };
    let (together, _) = scan_jsonl(dir.path(), &["v", "--threads", "1"]);
    let mut alone = Vec::new();
    for name in ["a-wide.ndjson", "b-users.ndjson", "c-users.ndjson"] {
        let (found, _) = scan_jsonl(dir.path(), &[&format!("v/{name}"), "--vendor", "v"]);
        alone.extend(found);
    }
    let mut a: Vec<String> = together.iter().map(key).collect();
    let mut b: Vec<String> = alone.iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert_eq!(together.len(), 1 + 2 * 100);
}

/// The gates' decisions are remembered per field by a value's class key
/// (digits as `0`, letters as `A`/`a`): values of one shape that differ
/// only in letters — a street suffix, a key prefix, a context word — must
/// each be judged by their own letters, however many came before.
#[test]
fn values_of_one_shape_are_judged_by_their_letters() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    for i in 0..2000 {
        // The first line and every other one hold the shapes without PII
        // (what a memo would remember first), the others the PII.
        let (suffix, key, word, dob) = if i % 2 == 1 {
            ("St", "AKIA", "ssn", "dob")
        } else {
            ("Sx", "BKIA", "abc", "abc")
        };
        lines.push_str(&format!(
            r#"{{"a":"{n} Main {suffix}","b":"{key}IOSFODNN7EXAMPLE","c":"{word} 512440133","d":"{dob} 1985-03-14","e":"2026-07-08T09:08:{s:02}.533Z"}}"#,
            n = 10 + i % 80,
            s = i % 60,
        ));
        lines.push('\n');
    }
    std::fs::write(dir.path().join("events.ndjson"), lines).unwrap();
    let (findings, code) = scan_jsonl(dir.path(), &["events.ndjson"]);
    assert_eq!(code, 1);
    for (field, detector) in [
        ("$.a", "street_address"),
        ("$.b", "aws_access_key"),
        ("$.c", "us_ssn"),
        ("$.d", "date_of_birth"),
    ] {
        let lines: Vec<u64> = findings
            .iter()
            .filter(|f| f["field"] == field)
            .map(|f| {
                assert_eq!(f["detector"], detector, "{f}");
                f["line"].as_u64().unwrap()
            })
            .collect();
        let expected: Vec<u64> = (2..=2000).step_by(2).collect();
        assert_eq!(lines, expected, "{field}");
    }
    assert!(findings.iter().all(|f| f["field"] != "$.e"));
}
