//! Sharded scans: `scan --shard I/N` on each shard, `sandsift merge` of
//! their reports, compared with the report of one whole scan.

mod common;

use std::path::{Path, PathBuf};

use common::{fixtures, sandsift};
use serde_json::Value;

const KEY: &str = "shard-test-key";

fn policy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/vendors.example.toml")
}

/// A json report of `args`, run in `dir` with the fingerprint key pinned.
fn report(dir: &Path, args: &[&str]) -> Value {
    let out = sandsift()
        .current_dir(dir)
        .env("SANDSIFT_FINGERPRINT_KEY", KEY)
        .args(args)
        .args(["--format", "json", "-q", "--fail-on", "never"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The report without what depends on the run rather than the data.
fn comparable(mut r: Value) -> Value {
    let s = r["summary"].as_object_mut().unwrap();
    for k in ["duration_ms", "throughput_mb_s", "threads"] {
        s.remove(k);
    }
    r
}

/// Scans `root` in `n` shards and merges them; returns the merged report
/// and the shard reports.
fn sharded(root: &Path, n: u32, extra: &[&str]) -> (Value, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut shards = Vec::new();
    for i in 0..n {
        let shard = format!("{i}/{n}");
        let mut args = vec!["scan", root.to_str().unwrap(), "--shard", &shard];
        args.extend_from_slice(extra);
        let r = report(dir.path(), &args);
        assert_eq!(r["shard"]["index"], i);
        let path = dir.path().join(format!("shard-{i}.json"));
        std::fs::write(&path, serde_json::to_vec(&r).unwrap()).unwrap();
        files.push(path.to_str().unwrap().to_string());
        shards.push(r);
    }
    let vendors = policy();
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    if extra.contains(&"--vendors") {
        args.extend(["--vendors", vendors.to_str().unwrap()]);
    }
    (report(dir.path(), &args), shards)
}

#[test]
fn merged_shards_reproduce_the_whole_report() {
    let root = fixtures();
    let here = tempfile::tempdir().unwrap();
    let vendors = policy();
    for extra in [
        &["--examples", "2"][..],
        &["--vendors", vendors.to_str().unwrap()][..],
    ] {
        let mut args = vec!["scan", root.to_str().unwrap()];
        args.extend_from_slice(extra);
        let whole = report(here.path(), &args);
        assert!(whole.get("shard").is_none());
        assert!(whole["summary"]["findings"].as_u64().unwrap() > 50);
        for n in [1, 2, 5] {
            let (merged, shards) = sharded(&root, n, extra);
            assert_eq!(
                comparable(merged.clone()),
                comparable(whole.clone()),
                "{n} shards, {extra:?}"
            );
            // Every file is in exactly one shard.
            let seen: u64 = shards
                .iter()
                .map(|s| s["summary"]["files_seen"].as_u64().unwrap())
                .sum();
            assert_eq!(seen, whole["summary"]["files_seen"].as_u64().unwrap());
            if n == 5 {
                let busy = shards
                    .iter()
                    .filter(|s| s["summary"]["files_seen"].as_u64().unwrap() > 0)
                    .count();
                assert!(busy >= 3, "files spread over {busy} of 5 shards");
            }
        }
    }
}

#[test]
fn merge_refuses_incomplete_duplicate_and_unsharded_reports() {
    let root = fixtures();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, args: &[&str]| {
        let r = report(dir.path(), args);
        let p = dir.path().join(name);
        std::fs::write(&p, serde_json::to_vec(&r).unwrap()).unwrap();
        p.to_str().unwrap().to_string()
    };
    let root = root.to_str().unwrap();
    let s0 = write("s0.json", &["scan", root, "--shard", "0/3"]);
    let s1 = write("s1.json", &["scan", root, "--shard", "1/3"]);
    let whole = write("whole.json", &["scan", root]);
    let merge = |files: &[&str]| {
        let out = sandsift().arg("merge").args(files).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = merge(&[&s0, &s1]);
    assert_eq!(code, Some(2));
    assert!(err.contains("shard(s) 2 of 3 are missing"), "{err}");
    let (code, err) = merge(&[&s0, &s0, &s1]);
    assert_eq!(code, Some(2));
    assert!(err.contains("given twice"), "{err}");
    let (code, err) = merge(&[&whole]);
    assert_eq!(code, Some(2));
    assert!(err.contains("is not the report of one shard"), "{err}");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"schema\": 1").unwrap();
    let (code, err) = merge(&[bad.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("bad.json is not a sandsift JSON report"),
        "{err}"
    );
}

#[test]
fn shard_specs_are_checked_and_need_a_key() {
    let root = fixtures();
    let run = |args: &[&str], env: Option<(&str, &str)>| {
        let mut cmd = sandsift();
        cmd.env_remove("SANDSIFT_FINGERPRINT_KEY")
            .arg("scan")
            .arg(&root)
            .args(args)
            .args(["-f", "json", "-q", "--fail-on", "never"]);
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.stdout,
        )
    };
    let (code, err, _) = run(&["--shard", "0/2"], None);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--shard needs a pinned fingerprint key"),
        "{err}"
    );
    for (spec, says) in [
        ("2/2", "from 0 to 1"),
        ("0/0", "from 0 to 0"),
        ("x/2", "not a shard index"),
        ("1", "not I/N"),
        (
            "env:SANDSIFT_NO_SUCH_VAR/2",
            "SANDSIFT_NO_SUCH_VAR is not set",
        ),
    ] {
        let (code, err, _) = run(&["--shard", spec, "--fingerprint-key", "k"], None);
        assert_eq!(code, Some(2), "{spec}");
        assert!(err.contains(says), "{spec}: {err}");
    }
    // The index from the environment, as an Indexed Job sets it.
    let (code, err, out) = run(
        &[
            "--shard",
            "env:JOB_COMPLETION_INDEX/4",
            "--fingerprint-key",
            "k",
        ],
        Some(("JOB_COMPLETION_INDEX", "3")),
    );
    assert_eq!(code, Some(0), "{err}");
    let r: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        (r["shard"]["index"].as_u64(), r["shard"]["count"].as_u64()),
        (Some(3), Some(4))
    );
}

#[test]
fn the_local_shard_script_reproduces_the_whole_report() {
    if std::process::Command::new("bash")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: bash is not installed");
        return;
    }
    let root = fixtures();
    let out = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/local-shards.sh");
    let status = std::process::Command::new("bash")
        .arg(&script)
        .arg("3")
        .arg(out.path())
        .arg(&root)
        .env("SANDSIFT", env!("CARGO_BIN_EXE_sandsift"))
        .env("SANDSIFT_FINGERPRINT_KEY", KEY)
        .env("PARALLEL", "1")
        .status()
        .unwrap();
    assert!(status.success());
    let merged: Value =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    let whole = report(out.path(), &["scan", root.to_str().unwrap()]);
    assert_eq!(comparable(merged), comparable(whole));
}

/// Copies a folder tree; returns the files' paths relative to `to`.
fn copy_tree(from: &Path, to: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(from.join(rel)).unwrap() {
        let e = e.unwrap();
        let r = rel.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(to.join(&r)).unwrap();
            copy_tree(from, to, &r, out);
        } else if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(&r)).unwrap();
            out.push(r);
        }
    }
}

#[test]
fn a_manifest_lists_the_inputs_and_balances_shards_by_size() {
    let data = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    copy_tree(&fixtures(), data.path(), Path::new(""), &mut files);
    files.sort();
    let mut lines: Vec<String> = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let size = std::fs::metadata(data.path().join(f)).unwrap().len();
            if i == 0 {
                // A vendor given by the entry wins over the folder.
                format!(
                    "{{\"path\": {:?}, \"size\": {size}, \"vendor\": \"listed-vendor\"}}",
                    f.to_str().unwrap()
                )
            } else if i % 2 == 0 {
                format!("{{\"path\": {:?}}}", f.to_str().unwrap())
            } else {
                format!("{{\"path\": {:?}, \"size\": {size}}}", f.to_str().unwrap())
            }
        })
        .collect();
    lines.push("{\"uri\": \"ftp://files.example.com/acme/users.json\", \"size\": 10}".into());
    lines.push("not json".into());
    lines.push("{\"path\": \"missing/file.json\"}".into());
    let manifest = data.path().join("inputs.jsonl");
    std::fs::write(&manifest, lines.join("\n")).unwrap();
    let m = manifest.to_str().unwrap();

    let here = tempfile::tempdir().unwrap();
    let whole = report(here.path(), &["scan", "--manifest", m]);
    assert_eq!(
        whole["summary"]["files_scanned"].as_u64().unwrap()
            + whole["summary"]["files_skipped"].as_u64().unwrap(),
        files.len() as u64
    );
    assert!(
        whole["vendors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["vendor"] == "listed-vendor")
    );
    let failed = whole["failed"].to_string();
    assert!(
        failed.contains("inputs.jsonl:") && failed.contains("is not a URI sandsift reads"),
        "{failed}"
    );
    assert!(failed.contains("not a manifest entry"), "{failed}");
    assert!(failed.contains("missing/file.json"), "{failed}");
    assert!(
        !failed.contains("acme/users.json"),
        "no object key in errors: {failed}"
    );

    // Three shards by size, merged: the whole report again.
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    let mut bytes = Vec::new();
    for i in 0..3 {
        let shard = format!("{i}/3");
        let r = report(here.path(), &["scan", "--manifest", m, "--shard", &shard]);
        bytes.push(r["summary"]["bytes_seen"].as_u64().unwrap());
        let p = dir.path().join(format!("s{i}.json"));
        std::fs::write(&p, serde_json::to_vec(&r).unwrap()).unwrap();
        paths.push(p);
    }
    let merged = report(here.path(), &["merge", dir.path().to_str().unwrap()]);
    assert_eq!(comparable(merged), comparable(whole));
    let (max, min) = (bytes.iter().max().unwrap(), bytes.iter().min().unwrap());
    let largest = files
        .iter()
        .map(|f| std::fs::metadata(data.path().join(f)).unwrap().len())
        .max()
        .unwrap();
    // Greedy balancing: shards differ by at most the largest file.
    assert!(
        max - min <= largest,
        "shard bytes {bytes:?}, largest file {largest}"
    );
}
