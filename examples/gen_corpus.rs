//! Generates a synthetic benchmark corpus of vendor data, spread over
//! vendor folders. `--formats mixed` (the default) cycles file by file
//! through every kind a vendor integration leaves behind: NDJSON event
//! streams (four files in ten), CSV exports of the same events (two), a
//! pretty-printed JSON export, a minified JSON list document, a HAR
//! capture of API traffic (JSON request and response bodies, query
//! strings, cookies, bearer tokens, base64 image bodies) and an
//! application log (one each). `events` is NDJSON with one pretty export
//! in five (the mix of earlier sessions' figures); `ndjson`, `har`,
//! `csv` and `logs` give one kind only; `json` one pretty-printed export
//! of the whole size (`{"exported_at": ..., "records": [...]}`). About
//! one PII value per 2 KB (configurable) among realistic non-PII values
//! (ids, timestamps, prices, URLs, user agents, text).
//! Deterministic for a seed. Every PII value is synthetic (example.com
//! addresses, 555-01xx numbers, test cards, documentation IPs).
//!
//! ```text
//! cargo run --release --example gen_corpus -- --size 1GiB --out target/corpus --seed 1
//! cargo run --release --example gen_corpus -- --size 512MiB --out target/corpus-har --formats har
//! cargo run --release --example gen_corpus -- --size 512MiB --out target/corpus-logs --formats logs
//! cargo run --release --example gen_corpus -- --size 256MiB --out target/dense --pii-per-kb 10
//! ```

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;
#[path = "support/vocab.rs"]
mod vocab;
use vocab::{AGENTS, CARDS, WORDS, parse_size};

const IBANS: &[&str] = &[
    "DE59100700240934851700",
    "NL20INGB0001234567",
    "ES6621000418401234567891",
    "DE44 5001 0517 5407 3249 31",
];
fn ts(r: &mut Rng) -> String {
    format!(
        "2026-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        1 + r.below(12),
        1 + r.below(28),
        r.below(24),
        r.below(60),
        r.below(60),
        r.below(1000)
    )
}

/// One PII value as a (key, JSON value) pair.
fn pii(r: &mut Rng) -> (&'static str, String) {
    match r.below(7) {
        0 => (
            "email",
            format!("\"user{}@example.com\"", r.below(1_000_000)),
        ),
        1 => ("phone", format!("\"(212) 555-01{:02}\"", r.below(100))),
        2 => (
            "ssn",
            format!(
                "\"{:03}-{:02}-{:04}\"",
                100 + r.below(500),
                1 + r.below(98),
                1 + r.below(9998)
            ),
        ),
        3 => ("card_number", format!("\"{}\"", r.pick(CARDS))),
        4 => ("iban", format!("\"{}\"", r.pick(IBANS))),
        5 => ("ip", format!("\"203.0.113.{}\"", r.below(255))),
        _ => (
            "ip",
            format!("\"2001:db8::{:x}:{:x}\"", r.below(65535), r.below(65535)),
        ),
    }
}

/// The PII columns of a CSV export, in the keys [`pii`] gives.
const CSV_PII: [&str; 6] = ["email", "phone", "ssn", "card_number", "iban", "ip"];

/// An event's identity: ids, time, type, user. Drawn before its PII.
struct Head {
    event_id: String,
    ts: String,
    kind: &'static str,
    session: String,
    user: u64,
    plan: &'static str,
}

impl Head {
    fn new(r: &mut Rng) -> Self {
        Head {
            event_id: r.uuid(),
            ts: ts(r),
            kind: r.pick(&["page_view", "click", "add_to_cart", "purchase", "search"]),
            session: r.uuid(),
            user: r.below(10_000_000),
            plan: r.pick(&["free", "pro", "enterprise"]),
        }
    }
}

/// An event's properties and client. Drawn after its PII.
struct Props {
    product: u64,
    price: String,
    sku: u64,
    order_ref: u64,
    qty: u64,
    note: String,
    ua: &'static str,
    version: String,
}

impl Props {
    fn new(r: &mut Rng) -> Self {
        Props {
            product: r.below(100_000),
            price: format!("{}.{:02}", r.below(500), r.below(100)),
            sku: r.below(1_000_000),
            order_ref: r.below(10_000_000_000_000_000),
            qty: 1 + r.below(5),
            note: sentence(r, 6),
            ua: r.pick(AGENTS),
            version: format!("{}.{}.{}", r.below(5), r.below(20), r.below(10)),
        }
    }
}

/// One CSV export row: the event's fields as columns, and the PII
/// columns empty but for about `350 × density` of them.
fn csv_row(r: &mut Rng, pii_per_byte: f64, out: &mut String) {
    let mut cells: [String; 6] = Default::default();
    for _ in 0..pii_count(r, 350.0 * pii_per_byte) {
        let (k, v) = pii(r);
        if let Some(i) = CSV_PII.iter().position(|c| *c == k) {
            cells[i] = v.trim_matches('"').to_string();
        }
    }
    let (h, p) = (Head::new(r), Props::new(r));
    writeln!(
        out,
        "{},{},{},{},{},{},/products/{}/reviews,{},SKU-{:06},{},{},{},\"{}\",{},{}",
        h.event_id,
        h.ts,
        h.kind,
        h.session,
        h.user,
        h.plan,
        p.product,
        p.price,
        p.sku,
        p.order_ref,
        p.qty,
        p.note,
        p.ua,
        p.version,
        cells.join(",")
    )
    .unwrap();
}

fn sentence(r: &mut Rng, words: usize) -> String {
    (0..words)
        .map(|_| r.pick(WORDS))
        .collect::<Vec<_>>()
        .join(" ")
}

fn event(r: &mut Rng, pii_per_byte: f64, out: &mut String) {
    let h = Head::new(r);
    write!(
        out,
        r#"{{"event_id":"{}","ts":"{}","type":"{}","session":"{}","user":{{"id":{},"plan":"{}""#,
        h.event_id, h.ts, h.kind, h.session, h.user, h.plan
    )
    .unwrap();
    // Record length is about 420 bytes: 420 × density PII members on
    // average (a dense corpus has several per record).
    for j in 0..pii_count(r, 420.0 * pii_per_byte) {
        let (k, v) = pii(r);
        write!(out, r#","{k}{}":{v}"#, suffix(j)).unwrap();
    }
    let p = Props::new(r);
    write!(
        out,
        r#"}},"props":{{"path":"/products/{}/reviews","price":{},"sku":"SKU-{:06}","order_ref":"{}","qty":{},"note":"{}"}},"ua":"{}","v":"{}"}}"#,
        p.product, p.price, p.sku, p.order_ref, p.qty, p.note, p.ua, p.version
    )
    .unwrap();
    out.push('\n');
}

/// How many PII members a record of which `expected` are wanted on
/// average gets: the whole part, and one more with the fraction's chance.
fn pii_count(r: &mut Rng, expected: f64) -> usize {
    let whole = expected.floor();
    whole as usize + usize::from(r.chance(expected - whole))
}

/// Keeps the keys of several PII members of one object apart
/// (`email`, `email_2`).
fn suffix(j: usize) -> String {
    if j == 0 {
        String::new()
    } else {
        format!("_{}", j + 1)
    }
}

fn export(r: &mut Rng, pii_per_byte: f64, records: usize, out: &mut String) {
    out.push_str("{\n  \"exported_at\": \"2026-11-01T00:00:00Z\",\n  \"records\": [\n");
    for i in 0..records {
        if i > 0 {
            out.push_str(",\n");
        }
        write!(
            out,
            "    {{\n      \"id\": {},\n      \"created\": \"{}\",\n      \"status\": \"{}\",\n      \"total\": {}.{:02},\n      \"items\": [\n        {{ \"sku\": \"SKU-{:06}\", \"qty\": {} }}\n      ],\n      \"comment\": \"{}\"",
            r.below(1 << 40),
            ts(r),
            r.pick(&["open", "paid", "refunded"]),
            r.below(900),
            r.below(100),
            r.below(1_000_000),
            1 + r.below(4),
            sentence(r, 8)
        )
        .unwrap();
        let n = pii_count(r, 330.0 * pii_per_byte);
        for j in 0..n {
            let (k, v) = pii(r);
            let open = if j == 0 {
                ",\n      \"customer\": { "
            } else {
                ", "
            };
            write!(out, "{open}\"{k}{}\": {v}", suffix(j)).unwrap();
        }
        if n > 0 {
            out.push_str(" }");
        }
        out.push_str("\n    }");
    }
    out.push_str("\n  ]\n}\n");
}

/// A HAR string member's value: `s` escaped for a JSON string.
fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

/// One HAR entry: an API call to `host` with its request and response.
fn har_entry(r: &mut Rng, host: &str, pii_per_byte: f64, out: &mut String) {
    let id = r.below(10_000_000);
    let method = r.pick(&["GET", "POST", "POST", "PUT"]);
    let path = format!(
        "/v{}/{}/{id}",
        1 + r.below(3),
        r.pick(&["users", "orders", "events", "carts"])
    );
    let query = format!(
        "?page={}&_={}",
        1 + r.below(20),
        1_732_000_000_000 + r.below(1 << 30)
    );
    let mut headers = format!(
        r#"{{"name":"accept","value":"application/json"}},{{"name":"user-agent","value":"{}"}},{{"name":"x-request-id","value":"{}"}},{{"name":"cookie","value":"sid={}; theme=dark"}}"#,
        r.pick(AGENTS),
        r.uuid(),
        r.digits(24)
    );
    if r.chance(0.2) {
        // A bearer token; its claims carry an email one time in ten.
        let claims = if r.chance(0.1) {
            format!(r#"{{"sub":"{id}","email":"user{id}@example.com"}}"#)
        } else {
            format!(r#"{{"sub":"{id}","scope":"read write"}}"#)
        };
        use base64::Engine as _;
        let b = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        write!(
            headers,
            r#",{{"name":"authorization","value":"Bearer {}.{}.{}"}}"#,
            b(br#"{"alg":"HS256","typ":"JWT"}"#),
            b(claims.as_bytes()),
            b(r.digits(32).as_bytes())
        )
        .unwrap();
    }
    let mut body = String::new();
    if method != "GET" {
        event(r, pii_per_byte, &mut body);
        body.pop();
    }
    let post = if body.is_empty() {
        String::new()
    } else {
        format!(
            r#","postData":{{"mimeType":"application/json","text":{}}}"#,
            json_str(&body)
        )
    };
    let content = if r.chance(0.1) {
        // An image: skipped by the scanner, still read.
        let png: String = (0..600)
            .map(|_| r.pick(&["iVBO", "Rw0K", "GgoA", "AAAN", "SUhE"]))
            .collect();
        format!(r#"{{"size":1800,"mimeType":"image/png","encoding":"base64","text":"{png}"}}"#)
    } else {
        let mut doc = String::new();
        let records = 1 + r.below(3) as usize;
        export(r, pii_per_byte, records, &mut doc);
        format!(
            r#"{{"size":{},"mimeType":"application/json; charset=utf-8","text":{}}}"#,
            doc.len(),
            json_str(&doc)
        )
    };
    write!(
        out,
        r#"    {{"startedDateTime":"{}","time":{}.{},"request":{{"method":"{method}","url":"https://{host}{path}{query}","httpVersion":"HTTP/2","headers":[{headers}],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":{}{post}}},"response":{{"status":200,"statusText":"","httpVersion":"HTTP/2","headers":[{{"name":"content-type","value":"application/json"}},{{"name":"x-request-id","value":"{}"}}],"cookies":[],"content":{content},"redirectURL":"","headersSize":-1,"bodySize":-1}},"cache":{{}},"timings":{{"send":0.1,"wait":{},"receive":1.2}}}}"#,
        ts(r),
        r.below(900),
        r.below(10),
        body.len(),
        r.uuid(),
        r.below(500)
    )
    .unwrap();
}

/// One HAR capture of about `want` bytes.
fn har(r: &mut Rng, pii_per_byte: f64, want: u64, out: &mut String) {
    out.push_str(
        "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"gen_corpus\",\"version\":\"1\"},\"entries\":[\n",
    );
    let hosts = [
        "api.eu.acme-crm.example",
        "collect.tracklytics.example",
        "api.paystream.example",
        "hooks.mailbird.example",
    ];
    let mut first = true;
    while (out.len() as u64) < want {
        if !first {
            out.push_str(",\n");
        }
        first = false;
        let host = r.pick(&hosts);
        har_entry(r, host, pii_per_byte, out);
    }
    out.push_str("\n]}}\n");
}

/// One minified JSON document of about `want` bytes, as a vendor's list
/// endpoint returns it: the events as one array on one line.
fn list_doc(r: &mut Rng, pii_per_byte: f64, want: u64, out: &mut String) {
    out.push_str(r#"{"object":"list","url":"/v1/events","data":["#);
    let mut first = true;
    while (out.len() as u64) < want {
        if !first {
            out.push(',');
        }
        first = false;
        event(r, pii_per_byte, out);
        out.pop();
    }
    out.push_str("],\"has_more\":false}\n");
}

/// A log line's PII: the value as a service would print it.
fn log_pii(r: &mut Rng, out: &mut String) {
    let (k, v) = pii(r);
    let v = v.trim_matches('"');
    let line = match k {
        "email" => format!(" password reset sent to {v}"),
        "phone" => format!(" sms code sent to {v}"),
        "ssn" => format!(" identity check ssn={v}"),
        "card_number" => format!(" charge declined card={v}"),
        "iban" => format!(" payout scheduled iban={v}"),
        _ => format!(" login from {v}"),
    };
    out.push_str(&line);
}

/// One application log line: time, level, service, a message and
/// key=value context, with about `200 × density` PII values.
fn log_line(r: &mut Rng, pii_per_byte: f64, out: &mut String) {
    let level = r.pick(&["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"]);
    let service = r.pick(&["checkout.api", "auth.worker", "billing.sync", "search.svc"]);
    write!(out, "{} {level:<5} [{service}]", ts(r)).unwrap();
    match r.below(5) {
        0 => write!(
            out,
            " {} /v{}/orders/{} {} in {}ms",
            r.pick(&["GET", "POST", "PUT"]),
            1 + r.below(3),
            r.below(10_000_000),
            r.pick(&["200", "201", "404", "500"]),
            r.below(900)
        ),
        1 => write!(out, " cache miss key=product:{}", r.below(100_000)),
        2 => write!(
            out,
            " payment authorised amount={}.{:02} currency=EUR order={}",
            r.below(500),
            r.below(100),
            r.below(10_000_000_000_000_000)
        ),
        3 => write!(out, " job finished: {}", sentence(r, 6)),
        _ => write!(out, " client ua=\"{}\"", r.pick(AGENTS)),
    }
    .unwrap();
    for _ in 0..pii_count(r, 200.0 * pii_per_byte) {
        log_pii(r, out);
    }
    write!(
        out,
        " request_id={} user_id={} build={}.{}.{}",
        r.uuid(),
        r.below(10_000_000),
        r.below(5),
        r.below(20),
        r.below(10)
    )
    .unwrap();
    out.push('\n');
}

/// What one generated file holds.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Ndjson,
    Pretty,
    List,
    Csv,
    Har,
    Log,
}

/// The kinds `--formats mixed` cycles through, file by file: of ten files
/// four NDJSON streams, two CSV exports, and one each of a pretty JSON
/// export, a minified JSON document, a HAR capture and a log.
const MIXED: [Kind; 10] = [
    Kind::Ndjson,
    Kind::Csv,
    Kind::Ndjson,
    Kind::Har,
    Kind::Pretty,
    Kind::Ndjson,
    Kind::Log,
    Kind::List,
    Kind::Ndjson,
    Kind::Csv,
];

/// The kinds `--formats events` cycles through: NDJSON streams and one
/// pretty JSON export in five (the mixed corpus before logs, CSV, HAR and
/// minified documents joined it; the dense corpus keeps it).
const EVENTS: [Kind; 5] = [
    Kind::Ndjson,
    Kind::Ndjson,
    Kind::Ndjson,
    Kind::Ndjson,
    Kind::Pretty,
];

/// The kind of the `n`th file for `--formats`.
fn kind(formats: &str, n: usize) -> Kind {
    match formats {
        "mixed" => MIXED[n % MIXED.len()],
        "events" => EVENTS[n % EVENTS.len()],
        "har" => Kind::Har,
        "csv" => Kind::Csv,
        "json" => Kind::Pretty,
        "logs" => Kind::Log,
        _ => Kind::Ndjson,
    }
}

/// Writes one file of `kind` of about `want` bytes into `buf`; its name.
fn file(r: &mut Rng, kind: Kind, density: f64, want: u64, n: usize, buf: &mut String) -> String {
    match kind {
        Kind::Har => {
            har(r, density, want, buf);
            format!("capture-{n:04}.har")
        }
        Kind::Csv => {
            buf.push_str("event_id,ts,type,session,user_id,plan,path,price,sku,order_ref,qty,note,ua,version,");
            buf.push_str(&CSV_PII.join(","));
            buf.push('\n');
            while (buf.len() as u64) < want {
                csv_row(r, density, buf);
            }
            format!("export-{n:04}.csv")
        }
        Kind::Pretty => {
            // One document per file; a record is about 330 bytes.
            export(r, density, (want / 330).max(1) as usize, buf);
            format!("export-{n:04}.json")
        }
        Kind::List => {
            list_doc(r, density, want, buf);
            format!("list-{n:04}.json")
        }
        Kind::Log => {
            while (buf.len() as u64) < want {
                log_line(r, density, buf);
            }
            format!("app-{n:04}.log")
        }
        Kind::Ndjson => {
            while (buf.len() as u64) < want {
                event(r, density, buf);
            }
            format!("events-{n:04}.ndjson")
        }
    }
}

const FORMATS: [&str; 7] = ["mixed", "events", "ndjson", "har", "csv", "json", "logs"];

const USAGE: &str = "usage: gen_corpus [--size 1GiB] [--out target/corpus] [--seed 1] \
[--pii-per-kb 0.5] [--formats mixed|events|ndjson|har|csv|json|logs]";
fn fail(message: &str) -> ! {
    eprintln!("gen_corpus: {message}\n{USAGE}");
    std::process::exit(2);
}

fn main() -> std::io::Result<()> {
    let mut size = 1u64 << 30;
    let mut out = PathBuf::from("target/corpus");
    let mut seed = 1u64;
    let mut density = 1.0 / 2048.0;
    let mut formats = "mixed".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "-h" || a == "--help" {
            println!("{USAGE}");
            return Ok(());
        }
        let Some(v) = args.next() else {
            fail(&format!("{a} needs a value"));
        };
        match a.as_str() {
            "--size" => size = parse_size(&v).unwrap_or_else(|e| fail(&e)),
            "--out" => out = PathBuf::from(v),
            "--seed" => seed = v.parse().unwrap_or_else(|_| fail("--seed takes a number")),
            "--pii-per-kb" => match v.parse::<f64>() {
                Ok(d) if d >= 0.0 => density = d / 1024.0,
                _ => fail("--pii-per-kb takes a number of PII values per KiB"),
            },
            "--formats" if FORMATS.contains(&v.as_str()) => formats = v,
            "--formats" => fail(&format!("--formats is one of {}", FORMATS.join(", "))),
            other => fail(&format!("unknown flag {other}")),
        }
    }
    let mut r = Rng(seed);
    let vendors = ["acme-crm", "paystream", "tracklytics", "mailbird"];
    let file_target: u64 = if formats == "json" { size } else { 32 << 20 };
    let mut written = 0u64;
    let mut n = 0;
    let mut buf = String::with_capacity(file_target as usize + (1 << 20));
    while written < size {
        let vendor = vendors[n % vendors.len()];
        let dir = out.join(vendor);
        std::fs::create_dir_all(&dir)?;
        let want = file_target.min(size - written);
        buf.clear();
        let name = file(&mut r, kind(&formats, n), density, want, n, &mut buf);
        let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join(name))?);
        f.write_all(buf.as_bytes())?;
        written += buf.len() as u64;
        n += 1;
        if formats == "json" {
            // One document, whatever its records came to.
            break;
        }
    }
    eprintln!("wrote {n} files, {written} bytes to {}", out.display());
    Ok(())
}
