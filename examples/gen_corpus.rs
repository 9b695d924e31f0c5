//! Generates a synthetic benchmark corpus of vendor data: NDJSON event
//! streams and pretty-printed JSON exports, spread over vendor folders,
//! with about one PII value per 2 KB (configurable) among realistic
//! non-PII values (ids, timestamps, prices, URLs, user agents, text).
//! Deterministic for a seed. Every PII value is synthetic (example.com
//! addresses, 555-01xx numbers, test cards, documentation IPs).
//!
//! ```text
//! cargo run --release --example gen_corpus -- --size 1GiB --out target/corpus --seed 1
//! ```

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

const WORDS: &[&str] = &[
    "order", "shipped", "cart", "checkout", "item", "review", "delivery", "return", "invoice",
    "discount", "coupon", "account", "settings", "search", "results", "premium", "trial",
    "support", "ticket", "resolved", "pending", "update", "sync", "batch",
];
const CARDS: &[&str] = &[
    "4111 1111 1111 1111",
    "5555555555554444",
    "378282246310005",
    "6011111111111117",
    "4242-4242-4242-4242",
];
const IBANS: &[&str] = &[
    "DE59100700240934851700",
    "NL20INGB0001234567",
    "ES6621000418401234567891",
    "DE44 5001 0517 5407 3249 31",
];
const AGENTS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148",
    "okhttp/4.12.0",
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

fn sentence(r: &mut Rng, words: usize) -> String {
    (0..words)
        .map(|_| r.pick(WORDS))
        .collect::<Vec<_>>()
        .join(" ")
}

fn event(r: &mut Rng, pii_per_byte: f64, out: &mut String) {
    write!(
        out,
        r#"{{"event_id":"{}","ts":"{}","type":"{}","session":"{}","user":{{"id":{},"plan":"{}""#,
        r.uuid(),
        ts(r),
        r.pick(&["page_view", "click", "add_to_cart", "purchase", "search"]),
        r.uuid(),
        r.below(10_000_000),
        r.pick(&["free", "pro", "enterprise"])
    )
    .unwrap();
    // Record length is about 420 bytes: PII with probability 420 × density.
    if r.chance(420.0 * pii_per_byte) {
        let (k, v) = pii(r);
        write!(out, r#","{k}":{v}"#).unwrap();
    }
    write!(
        out,
        r#"}},"props":{{"path":"/products/{}/reviews","price":{}.{:02},"sku":"SKU-{:06}","order_ref":"{}","qty":{},"note":"{}"}},"ua":"{}","v":"{}.{}.{}"}}"#,
        r.below(100_000),
        r.below(500),
        r.below(100),
        r.below(1_000_000),
        r.below(10_000_000_000_000_000),
        1 + r.below(5),
        sentence(r, 6),
        r.pick(AGENTS),
        r.below(5),
        r.below(20),
        r.below(10)
    )
    .unwrap();
    out.push('\n');
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
        if r.chance(330.0 * pii_per_byte) {
            let (k, v) = pii(r);
            write!(out, ",\n      \"customer\": {{ \"{k}\": {v} }}").unwrap();
        }
        out.push_str("\n    }");
    }
    out.push_str("\n  ]\n}\n");
}

fn parse_size(s: &str) -> u64 {
    let s = s.to_ascii_lowercase();
    let (n, mult) = if let Some(n) = s.strip_suffix("gib") {
        (n, 1u64 << 30)
    } else if let Some(n) = s.strip_suffix("mib") {
        (n, 1 << 20)
    } else if let Some(n) = s.strip_suffix("kib") {
        (n, 1 << 10)
    } else {
        (s.as_str(), 1)
    };
    n.trim()
        .parse::<u64>()
        .expect("size like 1GiB, 512MiB or bytes")
        * mult
}

fn main() -> std::io::Result<()> {
    let mut size = 1u64 << 30;
    let mut out = PathBuf::from("target/corpus");
    let mut seed = 1u64;
    let mut density = 1.0 / 2048.0;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().expect("flag needs a value");
        match a.as_str() {
            "--size" => size = parse_size(&val()),
            "--out" => out = PathBuf::from(val()),
            "--seed" => seed = val().parse().expect("numeric seed"),
            "--pii-per-kb" => density = val().parse::<f64>().expect("number") / 1024.0,
            other => panic!("unknown flag {other}; use --size, --out, --seed, --pii-per-kb"),
        }
    }
    let mut r = Rng(seed);
    let vendors = ["acme-crm", "paystream", "tracklytics", "mailbird"];
    let file_target: u64 = 32 << 20;
    let mut written = 0u64;
    let mut n = 0;
    let mut buf = String::with_capacity(file_target as usize + (1 << 20));
    while written < size {
        let vendor = vendors[n % vendors.len()];
        let dir = out.join(vendor);
        std::fs::create_dir_all(&dir)?;
        let want = file_target.min(size - written);
        buf.clear();
        let pretty = n % 5 == 4;
        let name = if pretty {
            // One document per file; a record is about 330 bytes.
            export(&mut r, density, (want / 330).max(1) as usize, &mut buf);
            format!("export-{n:04}.json")
        } else {
            while (buf.len() as u64) < want {
                event(&mut r, density, &mut buf);
            }
            format!("events-{n:04}.ndjson")
        };
        let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join(name))?);
        f.write_all(buf.as_bytes())?;
        written += buf.len() as u64;
        n += 1;
    }
    eprintln!("wrote {n} files, {written} bytes to {}", out.display());
    Ok(())
}
