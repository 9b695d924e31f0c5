//! A fault matrix through the binary: each broken or hostile input ends in
//! a clear per-file outcome, everything else is still scanned, and the
//! totals reconcile.

mod common;

use std::path::Path;

use common::sandsift;
use serde_json::Value;

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

fn utf16(text: &str, little: bool) -> Vec<u8> {
    let mark: [u8; 2] = if little { [0xFF, 0xFE] } else { [0xFE, 0xFF] };
    mark.into_iter()
        .chain(text.encode_utf16().flat_map(|u| {
            if little {
                u.to_le_bytes()
            } else {
                u.to_be_bytes()
            }
        }))
        .collect()
}

#[test]
fn the_fault_matrix_ends_in_clear_outcomes_and_reconciles() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Empty and blank documents of every format: scanned, nothing wrong.
    for f in [
        "v/empty.json",
        "v/empty.ndjson",
        "v/empty.csv",
        "v/empty.log",
    ] {
        write(d, f, b"");
    }
    write(d, "v/blank.json", b"  \n\t\n");
    write(d, "v/bom.json", b"\xEF\xBB\xBF{\"ssn\": \"512-44-0133\"}");
    // UTF-16 with a byte-order mark is decoded, both byte orders.
    write(
        d,
        "v/utf16le.json",
        &utf16("{\"email\": \"jane@example.org\"}", true),
    );
    write(
        d,
        "v/utf16be.txt",
        &utf16("mail omar@example.org now", false),
    );
    // Invalid UTF-8 inside a value does not hide the rest.
    write(
        d,
        "v/latin1.ndjson",
        b"{\"note\":\"caf\xe9\",\"email\":\"li@example.com\"}\n",
    );
    // Truncated and absurdly nested JSON.
    write(
        d,
        "v/truncated.json",
        b"{\"a\": {\"email\": \"a@example.com\", \"b\": [",
    );
    let deep = format!(
        "{}\"x@example.com\"{}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    write(d, "v/deep.json", deep.as_bytes());
    // A CSV with 100,000 columns.
    let header: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
    let mut row = vec![String::new(); 100_000];
    row[99_999] = "wide@example.com".to_string();
    write(
        d,
        "v/wide.csv",
        format!("{}\n{}\n", header.join(","), row.join(",")).as_bytes(),
    );
    // Binary, a decompression bomb, a corrupt gzip.
    write(d, "v/blob.bin", b"\x00\x01\x02binary");
    write(d, "v/corrupt.json.gz", b"\x1f\x8b\x08\x00garbage");
    let bomb = {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&vec![b' '; 4 << 20]).unwrap();
        enc.finish().unwrap()
    };
    write(d, "v/bomb.json.gz", &bomb);
    #[cfg(unix)]
    {
        // A FIFO is never opened; a symlink loop fails with --follow.
        let fifo = d.join("v/pipe");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        // A device behind a followed link is never opened (reading
        // /dev/zero would never end).
        std::os::unix::fs::symlink("/dev/zero", d.join("v/zero.log")).unwrap();
        std::os::unix::fs::symlink(d.join("v/loop1"), d.join("v/loop2")).unwrap();
        std::os::unix::fs::symlink(d.join("v/loop2"), d.join("v/loop1")).unwrap();
    }

    let out = sandsift()
        .current_dir(d)
        .args([
            "scan",
            ".",
            "-f",
            "json",
            "-q",
            "--follow",
            "--max-decompressed-size",
            "1MiB",
            "--reveal",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &r["summary"];
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(
        n("files_seen"),
        n("files_scanned") + n("files_skipped") + n("files_failed")
    );
    assert_eq!(
        n("bytes_seen"),
        n("bytes_scanned") + n("bytes_skipped") + n("bytes_failed")
    );

    let reasons: Vec<String> = r["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| format!("{} {}", x["file"], x["reason"]).replace('"', ""))
        .collect();
    let errors: Vec<String> = r["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| format!("{} {}", x["file"], x["error"]).replace('"', ""))
        .collect();
    let problems: Vec<String> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| format!("{} {}", x["file"], x["message"]).replace('"', ""))
        .collect();
    assert!(
        reasons.iter().any(|x| x.starts_with("./v/blob.bin binary")),
        "{reasons:?}"
    );
    #[cfg(unix)]
    assert!(
        reasons.iter().any(|x| x == "./v/pipe not a regular file"),
        "{reasons:?}"
    );
    #[cfg(unix)]
    assert!(
        reasons
            .iter()
            .any(|x| x == "./v/zero.log not a regular file"),
        "{reasons:?}"
    );
    assert!(
        errors
            .iter()
            .any(|x| x.starts_with("./v/bomb.json.gz decompressed size exceeds the limit")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|x| x.starts_with("./v/corrupt.json.gz corrupt gzip stream")),
        "{errors:?}"
    );
    #[cfg(unix)]
    assert!(
        errors
            .iter()
            .any(|x| x.contains("loop1") && x.contains("symbolic links")),
        "{errors:?}"
    );
    assert_eq!(
        problems.len(),
        1,
        "only the truncated document is malformed: {problems:?}"
    );
    assert!(
        problems[0].starts_with("./v/truncated.json invalid JSON"),
        "{problems:?}"
    );

    // Everything else was scanned: every planted value is found.
    let mut values: Vec<String> = r["vendors"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| {
            row["examples"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["file"].as_str().unwrap().to_string())
        })
        .collect();
    values.sort();
    values.dedup();
    for f in [
        "./v/bom.json",
        "./v/utf16le.json",
        "./v/utf16be.txt",
        "./v/latin1.ndjson",
        "./v/truncated.json",
        "./v/deep.json",
        "./v/wide.csv",
    ] {
        assert!(
            values.iter().any(|v| v == f),
            "nothing found in {f}: {values:?}"
        );
    }
}

/// Runs `sandsift scan . -f json -q ARGS` in `dir` and parses the report.
fn report(dir: &Path, args: &[&str]) -> (Value, i32) {
    let out = sandsift()
        .current_dir(dir)
        .args(["scan", ".", "-f", "json", "-q", "--fail-on", "never"])
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    let r = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    (r, code)
}

fn messages(r: &Value, key: &str, field: &str) -> Vec<String> {
    r[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            format!(
                "{} {}",
                x["file"].as_str().unwrap(),
                x[field].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_one_gigabyte_line_is_scanned_in_pieces() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v/one-line.log");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let block = "order 12345 shipped to locker 7 at 10:42 ".repeat(1 << 14);
    let mut written = 0u64;
    while written < 1 << 30 {
        f.write_all(block.as_bytes()).unwrap();
        written += block.len() as u64;
    }
    // One address at the very end, after a gigabyte without a newline.
    f.write_all(b"contact jane.doe@example.org").unwrap();
    f.flush().unwrap();
    drop(f);
    let (r, _) = report(dir.path(), &[]);
    assert_eq!(r["summary"]["files_scanned"], 1);
    assert_eq!(
        r["summary"]["findings"], 1,
        "the address after the gigabyte"
    );
    let problems = messages(&r, "problems", "message");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("is longer than --max-line-length (16777216 bytes)"),
        "{problems:?}"
    );
}

#[test]
fn limits_are_reported_when_hit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A capture with a 200 MB base64 body, and an ordinary entry after it.
    let body = "QUFB".repeat(50 << 20);
    let har = format!(
        r#"{{"log": {{"version": "1.2", "entries": [
{{"request": {{"method": "GET", "url": "https://cdn.example.com/big", "headers": []}},
  "response": {{"status": 200, "headers": [], "content": {{"mimeType": "application/json", "encoding": "base64", "text": "{body}"}}}}}},
{{"request": {{"method": "POST", "url": "https://api.example.com/v1/users", "headers": [],
  "postData": {{"mimeType": "application/json", "text": "{{\"email\": \"after.big@example.org\"}}"}}}}}}
]}}}}"#
    );
    write(d, "v/big-body.har", har.as_bytes());
    // Fifty addresses in one field, with a cap of ten per field.
    let lines: String = (0..50)
        .map(|i| format!("{{\"email\": \"user{i}@example.com\"}}\n"))
        .collect();
    write(d, "w/users.ndjson", lines.as_bytes());
    let (r, _) = report(d, &["--max-findings-per-field", "10"]);
    let s = &r["summary"];
    assert_eq!(s["parts_skipped"]["HAR body over the size limit"], 1);
    assert_eq!(s["findings_unlisted"], 40);
    let rows: Vec<(String, u64)> = r["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|v| {
            v["fields"].as_array().unwrap().iter().map(|row| {
                (
                    format!(
                        "{} {}",
                        row["field"].as_str().unwrap(),
                        row["detector"].as_str().unwrap()
                    ),
                    row["count"].as_u64().unwrap(),
                )
            })
        })
        .collect();
    assert!(
        rows.contains(&(
            "$.log.entries[*].request.postData.text$.email email".into(),
            1
        )),
        "the entry after the big body is scanned: {rows:?}"
    );
    assert!(rows.contains(&("$.email email".into(), 50)), "{rows:?}");
    // The listing holds the ten kept.
    let (findings, _) = common::scan_jsonl(d, &["w", "--max-findings-per-field", "10"]);
    assert_eq!(findings.len(), 10);
    // Decoding depth 0 is a limit too: nothing decoded, nothing wrong.
    let (r, _) = report(d, &["--max-decode-depth", "0"]);
    assert_eq!(r["summary"]["problems"], 0);
}

#[test]
fn bad_pattern_files_fail_clearly_and_linear_regexes_stay_fast() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "v/a.log",
        format!("{}b\n", "a".repeat(100_000)).as_bytes(),
    );
    write(
        d,
        "bad.toml",
        b"[[detector]]\nid = \"broken\"\nname = \"Broken\"\ncategory = \"identity\"\nconfidence = \"medium\"\npattern = '''(unclosed'''\n",
    );
    let out = sandsift()
        .current_dir(d)
        .args(["scan", "v", "--patterns", "bad.toml", "-q"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("broken"), "{err}");
    // A pattern that backtracking engines take exponential time on.
    write(
        d,
        "slow.toml",
        b"[[detector]]\nid = \"nested\"\nname = \"Nested\"\ncategory = \"identity\"\nconfidence = \"medium\"\npattern = '''(a+)+$'''\n",
    );
    let started = std::time::Instant::now();
    let out = sandsift()
        .current_dir(d)
        .args([
            "scan",
            "v",
            "--patterns",
            "slow.toml",
            "-q",
            "-f",
            "json",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(started.elapsed().as_secs() < 60, "linear-time regexes");
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_broken_links_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    write(d, "v/ok.json", br#"{"email": "ok@example.org"}"#);
    write(d, "v/locked.json", br#"{"email": "locked@example.org"}"#);
    std::fs::set_permissions(d.join("v"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        d.join("v/locked.json"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    std::os::unix::fs::symlink(d.join("v/nowhere.json"), d.join("v/dangling.json")).unwrap();
    // Root reads anything: run the scan as `nobody` then, when possible.
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let bin = assert_cmd::cargo::cargo_bin("sandsift");
    let mut cmd = if root {
        if std::process::Command::new("setpriv")
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!("skipped: running as root and setpriv(1) is missing to drop privileges");
            return;
        }
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let out = cmd
        .current_dir(d)
        .args([
            "scan",
            ".",
            "-f",
            "json",
            "-q",
            "--follow",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    let failed = messages(&r, "failed", "error");
    let skipped = messages(&r, "skipped", "reason");
    assert!(
        failed
            .iter()
            .any(|x| x.starts_with("./v/locked.json") && x.contains("ermission denied")),
        "{failed:?}"
    );
    assert!(
        failed
            .iter()
            .chain(&skipped)
            .any(|x| x.starts_with("./v/dangling.json")),
        "a dangling link is accounted for: {failed:?} {skipped:?}"
    );
    assert_eq!(r["summary"]["files_scanned"], 1);
    assert_eq!(r["summary"]["findings"], 1);
    let s = &r["summary"];
    assert_eq!(
        s["files_seen"].as_u64().unwrap(),
        s["files_scanned"].as_u64().unwrap()
            + s["files_skipped"].as_u64().unwrap()
            + s["files_failed"].as_u64().unwrap()
    );
}
