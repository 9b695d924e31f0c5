//! Vendor policies through the binary: violations, checklists, exit codes,
//! suppressions and errors that name the line.

mod common;

use std::path::Path;

use common::sandsift;
use serde_json::Value;

/// Vendor `alpha` holds emails and an SSN; vendor `beta` holds emails (one
/// only masked) and a card.
fn sandbox() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "exports/alpha/users.ndjson",
        "{\"email\":\"a@example.com\",\"ssn\":\"512-44-0133\"}\n{\"email\":\"b@example.com\"}\n",
    );
    write(
        "exports/beta/orders.ndjson",
        "{\"contact\":\"c@example.org\",\"card\":\"4539 5785 3456 1045\",\"masked\":\"j***@example.com\"}\n",
    );
    dir
}

const POLICY: &str = "\
[vendors.alpha]
allow = [\"email\"]

[vendors.beta]
allow = []
";

fn run(dir: &Path, args: &[&str]) -> (Value, i32) {
    let out = sandsift()
        .current_dir(dir)
        .args(["scan", "exports", "-f", "json", "-q"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::String(stderr));
    (report, out.status.code().unwrap_or(-1))
}

fn violations(report: &Value) -> Vec<String> {
    report["policy"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            format!(
                "{} {} {} {} {} {}",
                v["severity"], v["vendor"], v["field"], v["detector"], v["count"], v["rule"]
            )
            .replace('"', "")
        })
        .collect()
}

#[test]
fn a_policy_yields_exactly_the_expected_violations() {
    let dir = sandbox();
    std::fs::write(dir.path().join("policy.toml"), POLICY).unwrap();
    let (report, code) = run(dir.path(), &["--vendors", "policy.toml"]);
    assert_eq!(
        code, 1,
        "violations exit 1 by default when a policy is given"
    );
    assert_eq!(
        violations(&report),
        [
            "high alpha $.ssn us_ssn 1 not_allowed",
            "high beta $.card credit_card 1 not_allowed",
            "medium beta $.contact email 1 not_allowed",
        ]
    );
    // The masked email is inventoried but is not a violation.
    let beta = &report["policy"]["checklist"]["beta"];
    let contact = beta
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "contact")
        .unwrap();
    assert_eq!(
        (
            contact["verdict"].as_str(),
            contact["findings"].as_u64(),
            contact["violations"].as_u64()
        ),
        (Some("fail"), Some(2), Some(1))
    );
    let alpha = &report["policy"]["checklist"]["alpha"];
    let verdicts: Vec<String> = alpha
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {}", c["category"], c["verdict"]).replace('"', ""))
        .collect();
    assert_eq!(verdicts, ["contact pass", "government_id fail"]);
}

#[test]
fn fail_on_chooses_what_sets_the_exit_code() {
    let dir = sandbox();
    let allow_all = "[defaults]\nallow = [\"contact\", \"government_id\", \"financial\"]\n";
    std::fs::write(dir.path().join("strict.toml"), POLICY).unwrap();
    std::fs::write(dir.path().join("lenient.toml"), allow_all).unwrap();
    let code = |args: &[&str]| run(dir.path(), args).1;
    assert_eq!(code(&["--vendors", "strict.toml"]), 1);
    assert_eq!(code(&["--vendors", "strict.toml", "--fail-on", "never"]), 0);
    assert_eq!(
        code(&["--vendors", "strict.toml", "--fail-on", "findings"]),
        1
    );
    assert_eq!(
        code(&["--vendors", "lenient.toml"]),
        0,
        "everything allowed: no violation"
    );
    assert_eq!(
        code(&["--vendors", "lenient.toml", "--fail-on", "findings"]),
        1,
        "clear leaks still count as findings"
    );
    assert_eq!(code(&[]), 1, "without a policy: findings");
    assert_eq!(
        code(&["--fail-on", "violations"]),
        0,
        "without a policy nothing is a violation"
    );
}

#[test]
fn a_policy_file_in_the_working_directory_is_found() {
    let dir = sandbox();
    std::fs::write(dir.path().join("vendors.toml"), POLICY).unwrap();
    let (report, _) = run(dir.path(), &[]);
    assert_eq!(report["policy"]["source"], "vendors.toml");
    assert_eq!(violations(&report).len(), 3);
}

#[test]
fn suppressions_accept_a_violation_with_its_reason() {
    let dir = sandbox();
    let text = format!(
        "{POLICY}\n[[vendors.beta.suppress]]\nfield = \"$.contact\"\ndetector = \"email\"\nreason = \"order contact, covered by the DPA\"\n"
    );
    std::fs::write(dir.path().join("p.toml"), text).unwrap();
    let (report, _) = run(dir.path(), &["--vendors", "p.toml"]);
    assert_eq!(violations(&report).len(), 2);
    assert_eq!(
        report["policy"]["suppressed"][0]["reason"],
        "order contact, covered by the DPA"
    );
    let out = sandsift()
        .current_dir(dir.path())
        .args([
            "scan",
            "exports",
            "-f",
            "table",
            "--color",
            "never",
            "--vendors",
            "p.toml",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("2 violations (2 high)"), "{text}");
    assert!(
        text.contains("suppressed: beta $.contact email (1) — order contact, covered by the DPA"),
        "{text}"
    );
    assert!(
        text.contains("policy: contact pass, financial FAIL (1)"),
        "{text}"
    );
}

#[test]
fn an_invalid_policy_is_an_error_that_names_the_line() {
    let dir = sandbox();
    for (text, want) in [
        (
            "[vendors.alpha]\nallow = [\"email\",\n  \"emial\"]\n",
            "p.toml:3: vendor `alpha`: `emial`",
        ),
        ("[vendors.alpha]\nalow = [\"email\"]\n", "line 2"),
        (
            "\n\n[[vendors.alpha.suppress]]\ndetector = \"email\"\n",
            "p.toml:3: vendor `alpha`: a suppression needs a non-empty `reason`",
        ),
    ] {
        std::fs::write(dir.path().join("p.toml"), text).unwrap();
        let (report, code) = run(dir.path(), &["--vendors", "p.toml"]);
        assert_eq!(code, 2);
        let message = report.as_str().unwrap();
        assert!(message.contains(want), "{message}");
    }
    let (_, code) = run(dir.path(), &["--vendors", "missing.toml"]);
    assert_eq!(code, 2);
}

#[test]
fn the_documented_example_policy_works_on_the_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = sandsift()
        .current_dir(root)
        .args([
            "scan",
            "fixtures",
            "-f",
            "json",
            "-q",
            "--vendors",
            "docs/vendors.example.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let v = violations(&report);
    assert_eq!(v.len(), 22, "{v:#?}");
    // The capture's traffic to the CRM's hosts is the CRM's (`hosts`).
    assert_eq!(
        v[0],
        "critical acme-crm $.log.entries[*].request.headers[authorization] jwt 1 not_allowed"
    );
    assert!(v.contains(&"critical tracklytics $.auth.token jwt 1 denied".to_string()));
    assert!(
        v.contains(
            &"high acme-crm $.log.entries[*].response.content.text$.data.ssn us_ssn 1 not_allowed"
                .to_string()
        )
    );
    assert_eq!(report["policy"]["suppressed"][0]["field"], "$.user.email");
    let claims: Vec<String> = report["policy"]["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {} {} {}",
                c["vendor"], c["claim"], c["verdict"], c["fields"]
            )
            .replace('"', "")
        })
        .collect();
    assert_eq!(
        claims,
        [
            "paystream credit_card appears only masked broken [$.card.number]",
            "paystream government_id never appears broken [$.customer.ssn]",
            "peoplehub credential never appears no_evidence []",
        ]
    );
}

#[test]
fn policy_paths_assign_files_to_vendors() {
    let dir = sandbox();
    std::fs::write(
        dir.path().join("p.toml"),
        "[vendors.payments]\npaths = [\"**/orders.ndjson\"]\nallow = [\"financial\", \"contact\"]\n",
    )
    .unwrap();
    let (report, code) = run(dir.path(), &["--vendors", "p.toml"]);
    let vendors: Vec<&str> = report["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["vendor"].as_str().unwrap())
        .collect();
    assert_eq!(vendors, ["alpha", "payments"]);
    assert_eq!(
        code, 1,
        "alpha is not in the policy: nothing allowed by default"
    );
    assert!(violations(&report).iter().all(|v| v.contains(" alpha ")));
}

#[test]
fn init_writes_a_starter_policy_that_loads() {
    let dir = sandbox();
    sandsift()
        .current_dir(dir.path())
        .args(["init", "exports", "-o", "vendors.toml"])
        .assert()
        .code(0);
    let text = std::fs::read_to_string(dir.path().join("vendors.toml")).unwrap();
    assert!(
        text.contains("[vendors.alpha]") && text.contains("[vendors.beta]"),
        "{text}"
    );
    assert!(
        text.contains("# found: email (contact, 2), us_ssn (government_id, 1)"),
        "{text}"
    );
    assert!(
        !text.contains("512-44-0133") && !text.contains("a@example.com"),
        "no values in the starter file"
    );
    // It loads (found as ./vendors.toml) and allows nothing yet.
    let (report, code) = run(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        violations(&report).len(),
        4,
        "alpha email and ssn, beta email and card; the masked email is no violation"
    );
    // An existing file is kept unless --force.
    sandsift()
        .current_dir(dir.path())
        .args(["init", "exports", "-o", "vendors.toml"])
        .assert()
        .code(2);
    sandsift()
        .current_dir(dir.path())
        .args(["init", "exports", "-o", "vendors.toml", "--force"])
        .assert()
        .code(0);
}

#[test]
fn init_names_the_hosts_of_capture_vendors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = sandsift()
        .current_dir(root)
        .args(["init", "fixtures/captures"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("[vendors.\"acme-crm.example\"]")
            && text.contains("# hosts = [\"api.eu.acme-crm.example\"]"),
        "{text}"
    );
    // Uncommented, the suggestion loads.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.toml"),
        text.replace("# hosts = ", "hosts = "),
    )
    .unwrap();
    let catalogue = sandsift::Catalogue::builtin().unwrap();
    sandsift::policy::Policy::load(&dir.path().join("p.toml"), &catalogue).unwrap();
}
