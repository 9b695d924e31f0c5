//! Helpers shared by the CLI tests: run the real binary, parse its output.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The repository's fixtures folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// `sandsift` with a pinned fingerprint key and no progress output.
pub fn sandsift() -> Command {
    let mut cmd = Command::cargo_bin("sandsift").expect("binary built");
    cmd.env_remove("SANDSIFT_FINGERPRINT_KEY")
        .env_remove("NO_COLOR");
    cmd
}

/// Runs `cmd`, asserts it succeeded (showing its stderr if not) and
/// returns its standard output.
pub fn success_stdout(cmd: &mut Command) -> String {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Runs `sandsift scan ARGS --format jsonl -q` in `dir` and returns the
/// findings and the exit code.
pub fn scan_jsonl(dir: &Path, args: &[&str]) -> (Vec<Value>, i32) {
    let out = sandsift()
        .current_dir(dir)
        .arg("scan")
        .args(args)
        .args(["--format", "jsonl", "-q", "--fingerprint-key", "test-key"])
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8 output");
    let findings = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    (findings, out.status.code().unwrap_or(-1))
}

/// Counts findings by (vendor, file name, field, detector, status).
pub fn tally(findings: &[Value]) -> BTreeMap<(String, String, String, String, String), u64> {
    let mut out = BTreeMap::new();
    for f in findings {
        let s = |k: &str| {
            f[k].as_str()
                .map(str::to_string)
                .unwrap_or_else(|| "null".to_string())
        };
        let file = s("file");
        let name = file.rsplit('/').next().unwrap_or(&file).to_string();
        *out.entry((s("vendor"), name, s("field"), s("detector"), s("status")))
            .or_default() += 1;
    }
    out
}

/// Whether the raw bytes a finding points at hold its revealed value,
/// through the finding's decode chain: the same bytes when nothing was
/// decoded, the percent-decoded bytes after `percent`, and, after
/// `base64` or `jwt`, an encoded run whose decoding (then gunzipped for
/// `gzip`) contains the value.
pub fn raw_holds(raw: &[u8], value: &str, decoded: &Value) -> bool {
    use base64::Engine as _;
    let chain: Vec<&str> = decoded
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut bytes = raw.to_vec();
    if chain.contains(&"percent") || chain.contains(&"form") {
        bytes = percent_decode(&bytes, chain.contains(&"form"));
    }
    if !(chain.contains(&"base64") || chain.contains(&"jwt")) {
        return bytes == value.as_bytes();
    }
    let text = String::from_utf8_lossy(&bytes)
        .trim_end_matches('=')
        .to_string();
    let engines = [
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let Some(mut plain) = engines.iter().find_map(|e| e.decode(&text).ok()) else {
        return false;
    };
    if chain.contains(&"gzip") {
        use std::io::Read;
        let mut out = Vec::new();
        if flate2::read::GzDecoder::new(&plain[..])
            .read_to_end(&mut out)
            .is_err()
        {
            return false;
        }
        plain = out;
    }
    String::from_utf8_lossy(&plain).contains(value)
}

fn percent_decode(v: &[u8], plus: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            v[i],
            v.get(i + 1).copied().and_then(hex),
            v.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(a), Some(b)) => {
                out.push((a * 16 + b) as u8);
                i += 3;
            }
            (b'+', _, _) if plus => {
                out.push(b' ');
                i += 1;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}
