//! HAR captures and nested encodings, through the real binary: endpoints,
//! directions, vendors by host, decode chains, spans, malformed captures.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use common::{fixtures, raw_holds, sandsift, scan_jsonl};
use serde_json::Value;

/// Every finding of `fixtures/captures/checkout.har`: (vendor, endpoint,
/// direction, field after `$.log.entries[*].`, detector, decode chain)
/// and its count. Each row was checked against the generator's plan:
/// request ids, CSRF tokens, cache-busters, idempotency keys, an image, a
/// font and a multipart file part must yield nothing.
#[rustfmt::skip]
const CHECKOUT: &[(&str, &str, &str, &str, &str, &str, u64)] = &[
    ("acme-crm.example", "GET api.eu.acme-crm.example/v1/users/{id}", "request", "request.cookies[last_login_email]", "email", "percent", 1),
    ("acme-crm.example", "GET api.eu.acme-crm.example/v1/users/{id}", "request", "request.headers[authorization]", "jwt", "", 1),
    ("acme-crm.example", "GET api.eu.acme-crm.example/v1/users/{id}", "request", "request.headers[authorization]$.email", "email", "jwt", 1),
    ("acme-crm.example", "GET api.eu.acme-crm.example/v1/users/{id}", "request", "request.url.path", "email", "percent", 1),
    ("acme-crm.example", "GET api.eu.acme-crm.example/v1/users/{id}", "response", "response.content.text$.data.email", "email", "json", 1),
    ("acme-crm.example", "GET api.eu.acme-crm.example/v1/users/{id}", "response", "response.content.text$.data.phone", "phone", "json", 1),
    ("acme-crm.example", "GET api.eu.acme-crm.example/v1/users/{id}", "response", "response.content.text$.data.ssn", "us_ssn", "json", 1),
    ("acme-crm.example", "GET api.eu.acme-crm.example/v1/users/{id}", "response", "response.cookies[acme_uid]", "email", "percent", 1),
    ("acme-crm.example", "GET api.eu.acme-crm.example/v1/users/{id}", "response", "response.headers[x-acme-account-owner]", "email", "", 1),
    ("acme-crm.example", "POST api.eu.acme-crm.example/v1/users/{id}/orders/{id}", "request", "request.headers[authorization]", "jwt", "", 2),
    ("acme-crm.example", "POST api.eu.acme-crm.example/v1/users/{id}/orders/{id}", "request", "request.headers[authorization]$.email", "email", "jwt", 2),
    ("acme-crm.example", "POST api.eu.acme-crm.example/v1/users/{id}/orders/{id}", "request", "request.postData.text$.card.number", "credit_card", "json", 2),
    ("acme-crm.example", "POST api.eu.acme-crm.example/v1/users/{id}/orders/{id}", "request", "request.postData.text$.customer.email", "email", "json", 2),
    ("acme-crm.example", "POST api.eu.acme-crm.example/v1/users/{id}/orders/{id}", "request", "request.postData.text$.customer.first_name", "person_name", "json", 2),
    ("mailrelay.example", "POST hooks.mailrelay.example/v1/send", "request", "request.postData.text$.payload$.full_name", "person_name", "json+json", 1),
    ("mailrelay.example", "POST hooks.mailrelay.example/v1/send", "request", "request.postData.text$.payload$.to", "email", "json+json", 1),
    ("paystream.example", "GET api.paystream.example/v1/customers/{id}", "response", "response.content.text$.customer.email", "email", "base64+gzip+json", 1),
    ("paystream.example", "GET api.paystream.example/v1/customers/{id}", "response", "response.content.text$.customer.iban", "iban", "base64+gzip+json", 1),
    ("paystream.example", "POST api.paystream.example/v1/disputes", "request", "request.postData.text[cardholder_email]", "email", "multipart", 1),
    ("tracklytics.example", "GET collect.tracklytics.example/pixel.gif", "request", "request.queryString[d]$.email", "email", "percent+base64+json", 1),
    ("tracklytics.example", "GET collect.tracklytics.example/pixel.gif", "request", "request.queryString[d]$.phone", "phone", "percent+base64+json", 1),
    ("tracklytics.example", "POST collect.tracklytics.example/v2/log", "request", "request.postData.text", "email", "", 1),
    ("tracklytics.example", "POST collect.tracklytics.example/v2/track", "request", "request.postData.params[email]", "email", "percent", 1),
    ("tracklytics.example", "POST collect.tracklytics.example/v2/track", "request", "request.postData.params[ip]", "ipv4", "", 1),
];

type Row = (String, String, String, String, String, String);

fn rows(findings: &[Value]) -> BTreeMap<Row, u64> {
    let mut out = BTreeMap::new();
    for f in findings {
        let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
        let chain: Vec<&str> = f["decoded"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let field = s("field");
        let field = field
            .strip_prefix("$.log.entries[*].")
            .unwrap_or(&field)
            .to_string();
        *out.entry((
            s("vendor"),
            s("endpoint"),
            s("direction"),
            field,
            s("detector"),
            chain.join("+"),
        ))
        .or_default() += 1;
    }
    out
}

fn expected() -> BTreeMap<Row, u64> {
    CHECKOUT
        .iter()
        .map(|&(v, e, d, f, k, c, n)| {
            (
                (v.into(), e.into(), d.into(), f.into(), k.into(), c.into()),
                n,
            )
        })
        .collect()
}

#[test]
fn a_capture_yields_exactly_the_expected_endpoint_rows() {
    let (findings, code) = scan_jsonl(&fixtures(), &["captures/checkout.har"]);
    assert_eq!(code, 1);
    assert_eq!(rows(&findings), expected());
    for f in &findings {
        assert_eq!(f["format"], "har");
        assert!(
            f["endpoint"].is_string() && f["direction"].is_string(),
            "{f}"
        );
    }
}

#[test]
fn every_span_reads_back_through_its_decode_chain() {
    let (findings, _) = scan_jsonl(&fixtures(), &["captures/checkout.har", "--reveal"]);
    let bytes = std::fs::read(fixtures().join("captures/checkout.har")).unwrap();
    assert!(!findings.is_empty());
    for f in &findings {
        let (o, l) = (
            f["offset"].as_u64().unwrap() as usize,
            f["length"].as_u64().unwrap() as usize,
        );
        let value = f["value"].as_str().unwrap();
        assert!(raw_holds(&bytes[o..o + l], value, &f["decoded"]), "{f}");
        // Exact where the decoding is byte for byte.
        let chain = f["decoded"].to_string();
        if !chain.contains("base64") && !chain.contains("jwt") && !chain.contains("percent") {
            assert_eq!(&bytes[o..o + l], value.as_bytes(), "{f}");
        }
    }
}

#[test]
fn a_vendors_file_maps_hosts_to_vendors() {
    let (findings, _) = scan_jsonl(
        &fixtures(),
        &[
            "captures/checkout.har",
            "--vendors",
            "../docs/vendors.example.toml",
            "--fail-on",
            "never",
        ],
    );
    let mut vendors: Vec<&str> = findings
        .iter()
        .map(|f| f["vendor"].as_str().unwrap())
        .collect();
    vendors.sort_unstable();
    vendors.dedup();
    // Listed hosts take the policy's vendor names; the rest their
    // registrable domain.
    assert_eq!(
        vendors,
        ["acme-crm", "mailrelay.example", "paystream", "tracklytics"]
    );
    let out = sandsift()
        .current_dir(fixtures())
        .args([
            "scan",
            "captures/checkout.har",
            "-f",
            "json",
            "-q",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = report["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["vendor"].as_str().unwrap())
        .collect();
    // Five vendors' traffic in one capture: five vendors (and the folder
    // the capture sits in, which holds no findings of its own).
    assert_eq!(
        names,
        [
            "acme-crm.example",
            "captures",
            "fontfarm.example",
            "mailrelay.example",
            "paystream.example",
            "tracklytics.example"
        ]
    );
    let acme = &report["vendors"][0];
    assert_eq!(acme["files"], 1, "the capture counts as one of its files");
    let row = acme["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["detector"] == "us_ssn")
        .unwrap();
    assert_eq!(row["endpoint"], "GET api.eu.acme-crm.example/v1/users/{id}");
    assert_eq!(row["direction"], "response");
    // Binary bodies: an image, a font and a multipart file part.
    assert_eq!(
        report["summary"]["parts_skipped"]["HAR body of a binary type"],
        3
    );
}

#[test]
fn the_table_groups_rows_by_endpoint_and_direction() {
    let out = sandsift()
        .current_dir(fixtures())
        .args(["scan", "captures", "-f", "table", "--color", "never", "-q"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let get = text
        .find("GET api.eu.acme-crm.example/v1/users/{id} sent to the vendor")
        .expect("request heading");
    let back = text
        .find("GET api.eu.acme-crm.example/v1/users/{id} returned by the vendor")
        .expect("response heading");
    let ssn = text.find("response.content.text$.data.ssn").unwrap();
    assert!(get < back && back < ssn, "{text}");
    assert!(
        text.contains("Not scanned: 3 × HAR body of a binary type"),
        "{text}"
    );
}

/// base64url without padding.
fn b64url(v: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v)
}

fn jwt(claims: &str, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64url(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64url(claims.as_bytes())
    )
}

/// One entry; `request_extra` adds members to the request (`headers`
/// among them: it replaces the empty default).
fn har_entry(url: &str, request_extra: &str, response_content: &str) -> String {
    let headers = if request_extra.contains(r#""headers""#) {
        ""
    } else {
        r#", "headers": []"#
    };
    format!(
        r#"{{"request": {{"method": "POST", "url": "{url}", "queryString": []{headers}{request_extra}}},
 "response": {{"status": 200, "headers": [], "content": {response_content}}}}}"#
    )
}

#[test]
fn malformed_entries_are_reported_one_by_one_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let good = |n: u32| {
        har_entry(
            &format!("https://api.good{n}.example/v1/me"),
            "",
            &format!(
                r#"{{"mimeType": "application/json", "text": "{{\"email\": \"user{n}@example.com\"}}"}}"#
            ),
        )
    };
    let entries = [
        good(0),
        // A body that claims JSON but is not: reported, scanned as text.
        har_entry(
            "https://api.claims.example/v1/x",
            r#", "postData": {"mimeType": "application/json", "text": "email=cut@example.org, {broken"}"#,
            r#"{"mimeType": "x-unknown"}"#,
        ),
        // A JWT whose signature segment is not base64url: reported, claims
        // still scanned.
        har_entry(
            "https://api.tokens.example/v1/x",
            &format!(
                r#", "headers": [{{"name": "Authorization", "value": "Bearer {}"}}]"#,
                jwt(r#"{"email":"holder@example.org"}"#, "sig$$*broken")
            ),
            r#"{"mimeType": "x-unknown"}"#,
        ),
        // A body marked base64 that does not decode.
        har_entry(
            "https://api.b64.example/v1/x",
            "",
            r#"{"mimeType": "application/json", "encoding": "base64", "text": "!!not base64!!"}"#,
        ),
        // An entry of the wrong shape.
        r#"{"request": {"method": "GET", "url": "https://api.shape.example/", "headers": "oops"}}"#
            .to_string(),
        good(5),
        // A JSON body that breaks in its second string: read as JSON up to
        // its last whole value, the rest scanned as text.
        har_entry(
            "https://api.partial.example/v1/x",
            "",
            r#"{"mimeType": "application/json", "text": "{\"customer\": {\"email\": \"early@example.org\"}, \"backup\": \"late@example.org"}"#,
        ),
    ];
    let mut text = format!(
        "{{\"log\": {{\"version\": \"1.2\", \"creator\": {{\"name\": \"test\"}}, \"entries\": [\n{}",
        entries.join(",\n")
    );
    // Truncated in the middle of a seventh entry.
    text.push_str(",\n{\"request\": {\"method\": \"GET\", \"url\": \"https://api.cut");
    std::fs::write(dir.path().join("broken.har"), &text).unwrap();
    let out = sandsift()
        .current_dir(dir.path())
        .args([
            "scan",
            "broken.har",
            "-f",
            "json",
            "-q",
            "--reveal",
            "--fingerprint-key",
            "k",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems: Vec<String> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}:{} {}",
                p["file"].as_str().unwrap(),
                p["line"],
                p["message"].as_str().unwrap()
            )
        })
        .collect();
    let has = |needle: &str| problems.iter().any(|p| p.contains(needle));
    assert!(
        has("HAR entry 1: the request body claims JSON but is not valid JSON"),
        "{problems:#?}"
    );
    assert!(
        has("a JWT has a malformed signature segment"),
        "{problems:#?}"
    );
    assert!(
        has("HAR entry 3: the response body is marked base64 but does not decode"),
        "{problems:#?}"
    );
    assert!(has("HAR entry 4: unexpected structure"), "{problems:#?}");
    assert!(
        has("HAR entry 6: the response body claims JSON but is not valid JSON"),
        "{problems:#?}"
    );
    assert!(
        has("the capture ends early (truncated) after 7 HAR entries"),
        "{problems:#?}"
    );
    assert_eq!(report["summary"]["problems"], 6, "{problems:#?}");
    // Problems never quote the capture.
    for p in &problems {
        assert!(
            !p.contains("example.org") && !p.contains("example.com"),
            "{p}"
        );
    }
    let mut found: Vec<(String, String)> = report["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|v| {
            v["fields"].as_array().unwrap().iter().map(|r| {
                (
                    v["vendor"].as_str().unwrap().to_string(),
                    format!(
                        "{} {}",
                        r["field"].as_str().unwrap(),
                        r["detector"].as_str().unwrap()
                    ),
                )
            })
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (
                "claims.example".to_string(),
                "$.log.entries[*].request.postData.text email".to_string()
            ),
            (
                "good0.example".to_string(),
                "$.log.entries[*].response.content.text$.email email".to_string()
            ),
            (
                "good5.example".to_string(),
                "$.log.entries[*].response.content.text$.email email".to_string()
            ),
            (
                "partial.example".to_string(),
                "$.log.entries[*].response.content.text email".to_string()
            ),
            (
                "partial.example".to_string(),
                "$.log.entries[*].response.content.text$.customer.email email".to_string()
            ),
            (
                "tokens.example".to_string(),
                "$.log.entries[*].request.headers[Authorization] jwt".to_string()
            ),
            (
                "tokens.example".to_string(),
                "$.log.entries[*].request.headers[Authorization]$.email email".to_string()
            ),
        ]
    );
}

/// Writes one NDJSON record whose fields hide PII behind encodings.
fn encoded_record(dir: &Path) {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(br#"{"contact":{"email":"zipped@example.com"}}"#)
        .unwrap();
    let gz = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
    let record = serde_json::json!({
        "profile": r#"{"email":"nested@example.com","plan":"pro"}"#,
        "query": "email=form%40example.org&plan=pro&page=2",
        "redirect": "https://shop.example.com/welcome?u=percent%40example.org",
        "blob": base64::engine::general_purpose::STANDARD.encode("contact: blob.owner@example.net, thanks"),
        "token": jwt(r#"{"sub":"42","email":"claim@example.org"}"#, "c2lnbmF0dXJl"),
        "archive": gz,
        "request_id": "3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f",
        "digest": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    });
    std::fs::write(dir.join("events.ndjson"), format!("{record}\n{record}\n")).unwrap();
}

#[test]
fn encodings_are_decoded_in_every_format_and_bounded_by_depth() {
    let dir = tempfile::tempdir().unwrap();
    encoded_record(dir.path());
    let (findings, _) = scan_jsonl(dir.path(), &["events.ndjson", "--reveal"]);
    let bytes = std::fs::read(dir.path().join("events.ndjson")).unwrap();
    let mut got: Vec<String> = findings
        .iter()
        .filter(|f| f["line"] == 1)
        .map(|f| {
            let chain: Vec<&str> = f["decoded"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            format!(
                "{} {} [{}] {}",
                f["field"].as_str().unwrap(),
                f["detector"].as_str().unwrap(),
                chain.join(","),
                f["value"].as_str().unwrap()
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "$.archive$.contact.email email [base64,gzip,json] zipped@example.com",
            "$.blob email [base64] blob.owner@example.net",
            "$.profile$.email email [json] nested@example.com",
            "$.query[email] email [form] form@example.org",
            "$.redirect email [percent] percent@example.org",
            "$.token jwt [] eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsImVtYWlsIjoiY2xhaW1AZXhhbXBsZS5vcmcifQ.c2lnbmF0dXJl",
            "$.token$.email email [jwt] claim@example.org",
        ]
    );
    for f in &findings {
        let (o, l) = (
            f["offset"].as_u64().unwrap() as usize,
            f["length"].as_u64().unwrap() as usize,
        );
        assert!(
            raw_holds(
                &bytes[o..o + l],
                f["value"].as_str().unwrap(),
                &f["decoded"]
            ),
            "{f}"
        );
    }
    // Depth 0 decodes nothing: only what the raw values show.
    let (flat, _) = scan_jsonl(dir.path(), &["events.ndjson", "--max-decode-depth", "0"]);
    let mut kinds: Vec<String> = flat
        .iter()
        .filter(|f| f["line"] == 1)
        .map(|f| {
            format!(
                "{} {}",
                f["field"].as_str().unwrap(),
                f["detector"].as_str().unwrap()
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        ["$.profile email", "$.token jwt"],
        "without decoding, escaped and encoded addresses go unseen"
    );
}

#[test]
fn tokens_inside_log_lines_have_their_claims_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let token = jwt(
        r#"{"sub":"7","email":"logged@example.org"}"#,
        "c2lnbmF0dXJl",
    );
    std::fs::write(
        dir.path().join("app.log"),
        format!(
            "2026-11-20T09:14:02Z INFO auth ok header=Authorization: Bearer {token} took 12ms\n"
        ),
    )
    .unwrap();
    let (findings, _) = scan_jsonl(dir.path(), &["app.log", "--reveal"]);
    let mut got: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["field"].as_str().unwrap_or("null"),
                f["detector"].as_str().unwrap(),
                f["decoded"]
            )
        })
        .collect();
    got.sort();
    assert!(
        got.contains(&"$.email email [\"jwt\"]".to_string()),
        "{got:?}"
    );
    let bytes = std::fs::read(dir.path().join("app.log")).unwrap();
    for f in &findings {
        let (o, l) = (
            f["offset"].as_u64().unwrap() as usize,
            f["length"].as_u64().unwrap() as usize,
        );
        assert!(
            raw_holds(
                &bytes[o..o + l],
                f["value"].as_str().unwrap(),
                &f["decoded"]
            ),
            "{f}"
        );
    }
}

/// A body's media type is matched whatever its case: JSON, form and
/// multipart bodies are split into their fields either way (a form body
/// of another type is scanned as one value, a multipart one as text).
#[test]
fn body_types_are_matched_whatever_their_case() {
    let dir = tempfile::tempdir().unwrap();
    let entries = [
        har_entry(
            "https://api.example.com/v1/a",
            r#", "postData": {"mimeType": "Application/JSON; charset=UTF-8", "text": "{\"contact\": \"json.case@example.org\"}"}"#,
            r#"{"mimeType": "TEXT/PLAIN"}"#,
        ),
        har_entry(
            "https://api.example.com/v1/b",
            r#", "postData": {"mimeType": "APPLICATION/X-WWW-FORM-URLENCODED", "text": "contact=form.case%40example.org"}"#,
            r#"{"mimeType": "text/plain"}"#,
        ),
        har_entry(
            "https://api.example.com/v1/c",
            r#", "postData": {"mimeType": "Multipart/Form-Data; boundary=XyZ", "text": "--XyZ\r\nContent-Disposition: form-data; name=\"contact\"\r\n\r\nparts.case@example.org\r\n--XyZ--\r\n"}"#,
            r#"{"mimeType": "text/plain"}"#,
        ),
    ];
    std::fs::write(
        dir.path().join("cases.har"),
        format!(r#"{{"log": {{"entries": [{}]}}}}"#, entries.join(",\n")),
    )
    .unwrap();
    let (findings, _) = scan_jsonl(dir.path(), &["cases.har"]);
    let mut got: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["field"].as_str().unwrap(),
                f["detector"].as_str().unwrap(),
                f["decoded"]
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "$.log.entries[*].request.postData.text$.contact email [\"json\"]",
            "$.log.entries[*].request.postData.text[contact] email [\"form\",\"percent\"]",
            "$.log.entries[*].request.postData.text[contact] email [\"multipart\"]",
        ],
        "{got:?}"
    );
}
