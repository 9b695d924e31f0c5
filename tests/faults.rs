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
