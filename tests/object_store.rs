//! Scanning `s3://` against a real S3-compatible server the test starts
//! on localhost (moto's `moto_server`, installed by `.ci/run`; the test
//! says why it skipped when it is missing). Objects are uploaded with the
//! `object_store` crate sandsift reads them with.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{fixtures, sandsift};
use object_store::ObjectStore;
use object_store::path::Path as ObjectPath;
use serde_json::Value;

struct Server {
    child: Child,
    endpoint: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts moto's S3 server on a free port; `None` (with the reason
/// printed) when it is not installed.
fn start() -> Option<Server> {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = match Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "skipped: moto_server is not installed ({e}); `python3 -m pip install 'moto[server]'` (.ci/run does)"
            );
            return None;
        }
    };
    let server = Server {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "moto_server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(server)
}

/// Creates a bucket with a plain request (moto does not check signatures).
fn create_bucket(endpoint: &str, bucket: &str) {
    let host = endpoint.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).unwrap();
    write!(
        s,
        "PUT /{bucket} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

const ENV: [(&str, &str); 4] = [
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_ALLOW_HTTP", "true"),
];

fn store(endpoint: &str, bucket: &str) -> Arc<dyn ObjectStore> {
    let mut b = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_virtual_hosted_style_request(false);
    for (k, v) in ENV {
        if let Ok(key) = k.to_ascii_lowercase().parse() {
            b = b.with_config(key, v);
        }
    }
    Arc::new(b.build().unwrap())
}

fn upload(store: &Arc<dyn ObjectStore>, files: &[(String, Vec<u8>)]) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for (key, data) in files {
            store
                .put(&ObjectPath::from(key.as_str()), data.clone().into())
                .await
                .unwrap();
        }
    });
}

/// Every file below `dir`, as (path relative to it, bytes).
fn tree(dir: &Path, rel: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir.join(rel)).unwrap() {
        let e = e.unwrap();
        let r = rel.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            tree(dir, &r, out);
        } else {
            out.push((
                r.to_str().unwrap().to_string(),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
}

fn scan(endpoint: &str, args: &[&str]) -> (Value, String, Option<i32>) {
    let out = sandsift()
        .envs(ENV)
        .env("AWS_ENDPOINT", endpoint)
        .env("SANDSIFT_FINGERPRINT_KEY", "s3-test")
        .arg("scan")
        .args(args)
        .args(["-f", "json", "-q", "--fail-on", "never"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (report, stderr, out.status.code())
}

/// The report's rows as (vendor, file without its root, field, detector,
/// count) — what must not depend on where the data lives.
fn rows(r: &Value, root: &str) -> Vec<String> {
    let mut v = Vec::new();
    for vendor in r["vendors"].as_array().unwrap() {
        for f in vendor["fields"].as_array().unwrap() {
            let file = f["first"]["file"].as_str().unwrap();
            v.push(format!(
                "{} {} {} {} {} {}",
                vendor["vendor"],
                file.strip_prefix(root).unwrap_or(file),
                f["field"],
                f["detector"],
                f["count"],
                f["values"]
            ));
        }
    }
    v.sort();
    v
}

#[test]
fn an_s3_prefix_scans_like_the_same_files_on_disk() {
    let Some(server) = start() else { return };
    create_bucket(&server.endpoint, "exports");
    let s3 = store(&server.endpoint, "exports");

    // The fixtures under `fixtures/`, so vendors come out the same.
    let mut files = Vec::new();
    tree(&fixtures(), Path::new(""), &mut files);
    // A large NDJSON object (streamed in ranged reads at a small chunk
    // size), a gzipped one, and a CSV read whole.
    let mut big = String::new();
    for i in 0..5_000 {
        big.push_str(&format!(
            "{{\"id\":{i},\"email\":\"user{i}@example.com\",\"note\":\"ok\"}}\n"
        ));
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(big.as_bytes()).unwrap();
    let extra = [
        ("bulk/events.ndjson".to_string(), big.clone().into_bytes()),
        ("bulk/events2.ndjson.gz".to_string(), gz.finish().unwrap()),
        (
            "bulk/users.csv".to_string(),
            b"id,ssn\n1,512-44-0133\n2,287-65-4321\n".to_vec(),
        ),
    ];
    let local = tempfile::tempdir().unwrap();
    let data = local.path().join("fixtures");
    let mut all = files.clone();
    all.extend(extra.iter().cloned());
    for (rel, bytes) in &all {
        let p = data.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let keyed: Vec<(String, Vec<u8>)> = all
        .iter()
        .map(|(k, v)| (format!("fixtures/{k}"), v.clone()))
        .collect();
    upload(&s3, &keyed);

    let chunked = ["--chunk-size", "16KiB", "--threads", "2"];
    let (remote, err, code) = scan(
        &server.endpoint,
        &[&["s3://exports/fixtures"][..], &chunked].concat(),
    );
    assert_eq!(code, Some(0), "{err}");
    let (disk, _, _) = scan(
        &server.endpoint,
        &[&[data.to_str().unwrap()][..], &chunked].concat(),
    );
    assert_eq!(
        rows(&remote, "s3://exports/fixtures/"),
        rows(&disk, &format!("{}/", data.display()))
    );
    for k in [
        "files_scanned",
        "files_skipped",
        "records",
        "values",
        "findings",
    ] {
        assert_eq!(remote["summary"][k], disk["summary"][k], "{k}");
    }
    let bulk = remote["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["vendor"] == "bulk")
        .unwrap();
    let email = bulk["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "$.email")
        .unwrap();
    assert_eq!(
        email["count"], 10_000,
        "both the plain and the gzipped object"
    );
    assert_eq!(email["files"], 2);
    assert!(
        email["first"]["file"]
            .as_str()
            .unwrap()
            .starts_with("s3://exports/fixtures/bulk/events")
    );

    // Shards of the bucket merge into the whole.
    let dir = tempfile::tempdir().unwrap();
    for i in 0..2 {
        let (r, err, code) = scan(
            &server.endpoint,
            &["s3://exports/fixtures", "--shard", &format!("{i}/2")],
        );
        assert_eq!(code, Some(0), "{err}");
        std::fs::write(dir.path().join(format!("{i}.json")), r.to_string()).unwrap();
    }
    let merged = sandsift()
        .args([
            "merge",
            dir.path().to_str().unwrap(),
            "-f",
            "json",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    let merged: Value = serde_json::from_slice(&merged.stdout).unwrap();
    let (whole, _, _) = scan(&server.endpoint, &["s3://exports/fixtures"]);
    assert_eq!(merged["vendors"], whole["vendors"]);

    // A manifest naming objects by URI (sizes from the store when absent).
    let manifest = dir.path().join("inputs.jsonl");
    std::fs::write(
        &manifest,
        "{\"uri\": \"s3://exports/fixtures/bulk/users.csv\", \"vendor\": \"hr\"}\n\
         {\"uri\": \"s3://exports/fixtures/bulk/events.ndjson\", \"size\": 0}\n\
         {\"uri\": \"s3://exports/fixtures/bulk/absent.csv\"}\n",
    )
    .unwrap();
    let (r, err, code) = scan(
        &server.endpoint,
        &["--manifest", manifest.to_str().unwrap()],
    );
    assert_eq!(code, Some(0), "{err}");
    let vendors: Vec<&str> = r["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["vendor"].as_str().unwrap())
        .collect();
    assert_eq!(vendors, ["fixtures", "hr"]);
    assert_eq!(r["vendors"][1]["fields"][0]["detector"], "us_ssn");
    let failed = r["failed"].to_string();
    assert!(
        failed.contains("s3://exports/fixtures/bulk/absent.csv") && failed.contains("not found"),
        "{failed}"
    );
}

#[test]
fn a_missing_bucket_or_bad_url_fails_clearly_and_other_paths_are_scanned() {
    let Some(server) = start() else { return };
    let (r, err, code) = scan(
        &server.endpoint,
        &["s3://no-such-bucket/x", fixtures().to_str().unwrap()],
    );
    assert_eq!(code, Some(0), "{err}");
    let failed = r["failed"].to_string();
    assert!(failed.contains("s3://no-such-bucket/x"), "{failed}");
    assert!(r["summary"]["files_scanned"].as_u64().unwrap() > 5);
    // Nothing of the request (signatures, endpoints with secrets) leaks
    // into the error.
    assert!(
        !failed.contains("X-Amz") && !failed.contains("testing"),
        "{failed}"
    );
}

#[test]
fn a_file_url_is_the_local_folder() {
    let dir = fixtures();
    let url = format!("file://{}", dir.display());
    let (by_url, err, code) = scan("http://127.0.0.1:9", &[&url]);
    assert_eq!(code, Some(0), "{err}");
    let (by_path, _, _) = scan("http://127.0.0.1:9", &[dir.to_str().unwrap()]);
    assert_eq!(by_url["vendors"], by_path["vendors"]);
    assert_eq!(
        by_url["summary"]["files_scanned"],
        by_path["summary"]["files_scanned"]
    );
}
