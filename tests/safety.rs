//! The scanner never becomes the leak: no raw value in any output (nor in
//! `--verbose` logging, nor in error messages) unless `--reveal`.

mod common;

use common::{fixtures, sandsift, scan_jsonl};

/// Every clear or test value on the fixtures, as revealed by `--reveal`.
fn raw_values() -> Vec<String> {
    let (findings, _) = scan_jsonl(&fixtures(), &[".", "--reveal"]);
    let mut values: Vec<String> = findings
        .iter()
        // A masked value is shown as the vendor masked it; it is no secret.
        .filter(|f| f["status"] != "masked")
        .map(|f| f["value"].as_str().unwrap().to_string())
        .collect();
    values.sort();
    values.dedup();
    assert!(values.len() > 20, "the fixtures hold many values");
    values
}

#[test]
fn no_output_format_contains_a_raw_value_without_reveal() {
    let values = raw_values();
    for format in ["table", "json", "jsonl", "sarif", "csv", "markdown", "html"] {
        let out = sandsift()
            .current_dir(fixtures())
            .args([
                "scan",
                ".",
                "--format",
                format,
                "--color",
                "always",
                "--examples",
                "100",
                "--verbose",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        for v in &values {
            // Short values (a first name like `Li`) occur inside ordinary
            // words (`startLine`): look for them as whole words.
            let leaked = if v.len() < 6 {
                regex::Regex::new(&format!(r"\b{}\b", regex::escape(v)))
                    .unwrap()
                    .is_match(&text)
            } else {
                text.contains(v.as_str())
            };
            assert!(
                !leaked,
                "{format} output leaks a raw value of length {}",
                v.len()
            );
            // Nor its digits run together (a card without its spaces).
            let digits: String = v.chars().filter(char::is_ascii_digit).collect();
            if digits.len() >= 9 {
                assert!(
                    !text.contains(&digits),
                    "{format} output leaks digits of a value"
                );
            }
        }
    }
}

#[test]
fn reveal_is_the_only_way_to_see_values() {
    let (findings, _) = scan_jsonl(&fixtures(), &["paystream", "--reveal"]);
    assert!(
        findings
            .iter()
            .any(|f| f["value"] == "DE59100700240934851700")
    );
}

#[test]
fn error_messages_do_not_quote_file_content() {
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("v");
    std::fs::create_dir(&v).unwrap();
    // Malformed NDJSON and a ragged CSV row, both carrying a value.
    std::fs::write(v.join("a.ndjson"), "{\"ssn\": 512-44-0133 }\n").unwrap();
    std::fs::write(v.join("b.csv"), "a,b\n512-44-0133,x,jane@example.org\n").unwrap();
    for format in ["table", "json"] {
        let out = sandsift()
            .current_dir(dir.path())
            .args(["scan", ".", "-f", format, "--verbose"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(text.contains("invalid JSON"), "{text}");
        assert!(
            text.contains("sandsift: ./v/b.csv: scanned as csv"),
            "{text}"
        );
        assert!(text.contains("ragged row"), "{text}");
        assert!(
            !text.contains("512-44-0133") && !text.contains("jane@example.org"),
            "{text}"
        );
    }
}

#[test]
fn fingerprints_are_keyed_and_stable_for_a_pinned_key() {
    let fp = |key: &str| {
        let out = sandsift()
            .current_dir(fixtures())
            .args([
                "scan",
                "paystream/payouts.tsv",
                "-f",
                "jsonl",
                "-q",
                "--fingerprint-key",
                key,
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["fingerprint"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(fp("alpha"), fp("alpha"));
    let (a, b) = (fp("alpha"), fp("beta"));
    assert!(a.iter().zip(&b).all(|(x, y)| x != y));
    // Without a key, each run has its own random key.
    let run = || {
        let out = sandsift()
            .current_dir(fixtures())
            .args(["scan", "paystream/payouts.tsv", "-f", "jsonl", "-q"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_ne!(run(), run());
}
