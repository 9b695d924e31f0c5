//! `sandsift detectors` and user detector files, through the binary.

mod common;

use common::{fixtures, sandsift};
use serde_json::Value;

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_detector_list_is_pinned() {
    let out = sandsift()
        .args(["detectors", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let rows: Vec<String> = list
        .iter()
        .map(|d| {
            format!(
                "{} {} {} {}",
                d["id"], d["category"], d["confidence"], d["validator"]
            )
            .replace('"', "")
        })
        .collect();
    assert_eq!(
        rows,
        [
            "email contact high email_syntax",
            "phone contact medium phone_plan",
            "us_ssn government_id high ssn_rules",
            "credit_card financial high luhn",
            "iban financial high iban_mod97",
            "ipv4 network medium ipv4",
            "ipv6 network medium ipv6",
            "uk_nino government_id high nino_rules",
            "in_aadhaar government_id medium verhoeff",
            "br_cpf government_id high cpf_check_digits",
            "nl_bsn government_id high eleven_proof",
            "es_dni_nie government_id high dni_check_letter",
            "ca_sin government_id high sin_luhn",
            "us_itin government_id high null",
            "passport government_id medium not_placeholder",
            "uk_nhs government_id high nhs_mod11",
            "in_pan government_id medium null",
            "au_tfn government_id high tfn_weights",
            "fr_insee government_id high nir_key",
            "it_codice_fiscale government_id high cf_check_char",
            "de_tax_id government_id high iso7064_mod11_10",
            "us_mbi government_id high null",
            "us_drivers_license government_id medium not_placeholder",
            "us_passport government_id medium not_placeholder",
            "aba_routing financial high aba_checksum",
            "bank_account financial medium not_placeholder",
            "swift_bic financial low null",
            "mac_address network medium mac",
            "imei network high luhn",
            "advertising_id network high uuid",
            "aws_access_key credential high aws_key_id",
            "jwt credential high jwt_header",
            "bearer_token credential high entropy",
            "basic_auth credential high basic_credentials",
            "password credential high not_placeholder",
            "api_key credential high entropy",
            "person_name identity medium name_shape",
            "date_of_birth identity medium calendar_date",
            "gender identity low null",
            "nationality identity low not_placeholder",
            "street_address contact medium null",
            "postal_code contact low null",
            "geo_coordinates location medium coordinate_range",
            "health_data sensitive medium not_placeholder",
            "ethnicity sensitive medium not_placeholder",
            "religion sensitive medium not_placeholder",
            "sexual_orientation sensitive medium not_placeholder",
            "biometric sensitive medium not_placeholder",
        ]
    );
    let table = sandsift().arg("detectors").output().unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.starts_with("ID") && text.contains("us_ssn"), "{text}");
}

#[test]
fn user_detectors_are_listed_with_their_source() {
    let out = sandsift()
        .args([
            "detectors",
            "-f",
            "json",
            "--patterns",
            &data("acme-customer.toml"),
        ])
        .output()
        .unwrap();
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mine = list
        .iter()
        .find(|d| d["id"] == "acme_customer_number")
        .unwrap();
    assert!(
        mine["source"]
            .as_str()
            .unwrap()
            .ends_with("acme-customer.toml")
    );
}

#[test]
fn check_passes_a_good_file_and_the_builtin_catalogue() {
    sandsift()
        .args(["detectors", "check", &data("acme-customer.toml")])
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "ok: 1 detector(s), 9 example(s) behave",
        ));
    sandsift()
        .args([
            "detectors",
            "check",
            concat!(env!("CARGO_MANIFEST_DIR"), "/patterns"),
        ])
        .assert()
        .code(0);
}

fn check_file(body: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    std::fs::write(&path, body).unwrap();
    let out = sandsift()
        .args(["detectors", "check"])
        .arg(&path)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

const HEAD: &str =
    "[[detector]]\nid = 'ticket'\nname = 'Ticket'\ncategory = 'identity'\nconfidence = 'low'\n";

#[test]
fn check_fails_loudly_on_bad_files() {
    let (code, text) = check_file(&format!(
        "{HEAD}pattern = 'TCK-[0-9'\nexamples = ['TCK-1']\n"
    ));
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("mine.toml")
            && text.contains("`ticket`")
            && text.contains("does not compile"),
        "{text}"
    );

    let (code, text) = check_file(&format!(
        "{HEAD}pattern = 'TCK-\\p{{Nd}}+'\nexamples = ['TCK-1']\n"
    ));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("Unicode class"), "{text}");

    let (code, text) = check_file(&format!(
        "{HEAD}pattern = 'TCK-[0-9]+'\nexamples = ['TCK-1', 'ticket 7']\nnegatives = ['TCK-22']\n"
    ));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("FAIL ticket: example not found: \"ticket 7\""),
        "{text}"
    );
    assert!(
        text.contains("FAIL ticket: negative example matched: \"TCK-22\""),
        "{text}"
    );

    let (code, text) = check_file(&format!("{HEAD}pattern = 'TCK-[0-9]+'\n"));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("has no examples"), "{text}");

    let (code, text) = check_file(
        "[[detector]]\nid = 'email'\nname = 'x'\ncategory = 'contact'\nconfidence = 'low'\npattern = 'x'\nexamples = ['x']\n",
    );
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("defined twice"), "{text}");

    let (code, text) = check_file(&format!("{HEAD}pattern = 'x'\nexampels = ['x']\n"));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("unknown field"), "{text}");
}

#[test]
fn scan_uses_user_detectors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("crm")).unwrap();
    std::fs::write(
        dir.path().join("crm/a.ndjson"),
        "{\"customerNumber\":\"00412345\",\"note\":\"see ACME-99887766\",\"order_number\":\"00412345\"}\n",
    )
    .unwrap();
    let (findings, _) = common::scan_jsonl(
        dir.path(),
        &[".", "--patterns", &data("acme-customer.toml")],
    );
    let got: Vec<(String, String)> = findings
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_string(),
                f["masked"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("$.customerNumber".to_string(), "****2345".to_string()),
            ("$.note".to_string(), "****-****7766".to_string())
        ]
    );
    // A missing patterns file is a configuration error.
    sandsift()
        .args(["scan", ".", "--patterns", "/nonexistent.toml"])
        .current_dir(dir.path())
        .assert()
        .code(2);
}

#[test]
fn scan_runs_only_the_detectors_asked_for() {
    let out = sandsift()
        .arg("scan")
        .arg(fixtures())
        .args([
            "--detectors",
            "email,financial",
            "-f",
            "json",
            "-q",
            "--fail-on",
            "never",
        ])
        .args([
            "--vendors",
            concat!(env!("CARGO_MANIFEST_DIR"), "/docs/vendors.example.toml"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ran: Vec<&str> = r["detectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert!(ran.contains(&"email") && ran.contains(&"credit_card") && ran.contains(&"iban"));
    assert!(
        !ran.contains(&"us_ssn") && !ran.contains(&"phone"),
        "{ran:?}"
    );
    for v in r["vendors"].as_array().unwrap() {
        for f in v["fields"].as_array().unwrap() {
            assert!(ran.contains(&f["detector"].as_str().unwrap()));
        }
    }
    let bad = sandsift()
        .arg("scan")
        .arg(fixtures())
        .args(["--detectors", "email,emial"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("`emial` is neither a detector id nor a category")
    );
}
