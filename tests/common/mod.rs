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
