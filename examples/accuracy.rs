//! The accuracy harness: writes a labelled synthetic sandbox corpus and
//! scores a scan against the labels.
//!
//! ```text
//! cargo run --release --example accuracy -- run --out target/accuracy --seed 1
//! cargo run --release --example accuracy -- generate --out target/accuracy --seed 1
//! cargo run --release --example accuracy -- score --out target/accuracy
//! ```
//!
//! The corpus has four vendors (NDJSON events, a JSON export, a CSV export,
//! application logs) whose records mix labelled PII values with realistic
//! decoys (UUIDs, order numbers, timestamps, versions, prices, product
//! names in `name` fields, invoice numbers shaped like SSNs), and a fifth
//! vendor with decoys only. Every value is synthetic: example.com
//! addresses, 555-01xx numbers, generated ids with valid check digits.
//! `labels.jsonl` lists every PII value with its file, field and kind.
//!
//! Scoring is at value level — a finding counts when the same file, field
//! and detector hold the same (revealed) value as a label — and at field
//! level (vendor, field path, detector). False findings in the decoy-only
//! vendor are reported per MB.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

const FIRST: &[&str] = &[
    "Amara", "Bruno", "Chiara", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ines", "Jonas",
    "Keiko", "Lucía", "Mateo", "Nia", "Oskar",
];
const LAST: &[&str] = &[
    "Okafor",
    "Lindqvist",
    "Rossi",
    "Petrov",
    "Yılmaz",
    "Haddad",
    "Novak",
    "Sato",
    "Moreau",
    "Schmidt",
    "Tanaka",
    "García",
    "Silva",
    "Mensah",
    "Berg",
];
const STREETS: &[&str] = &[
    "Maple Street",
    "Harbor Road",
    "Linden Avenue",
    "Mill Lane",
    "Station Road",
];
const PRODUCTS: &[&str] = &[
    "Pro plan",
    "Starter",
    "Enterprise",
    "Team bundle",
    "Basic support",
];
const WORDS: &[&str] = &[
    "order", "shipped", "refund", "pending", "review", "delivery", "updated", "synced", "invoice",
    "batch",
];

fn luhn_digit(body: &str) -> char {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let mut d = u32::from(b - b'0');
            if i % 2 == 0 {
                d *= 2;
                if d > 9 {
                    d -= 9;
                }
            }
            d
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

fn ssn(r: &mut Rng) -> String {
    format!(
        "{:03}-{:02}-{:04}",
        100 + r.below(565),
        1 + r.below(98),
        1 + r.below(9998)
    )
}

fn card(r: &mut Rng) -> String {
    let body = format!("4{}", r.digits(14));
    let n = format!("{body}{}", luhn_digit(&body));
    format!("{} {} {} {}", &n[0..4], &n[4..8], &n[8..12], &n[12..16])
}

fn iban(r: &mut Rng) -> String {
    let bban = r.digits(18);
    let rearranged = format!("{bban}131400");
    let rem = rearranged
        .bytes()
        .fold(0u64, |acc, b| (acc * 10 + u64::from(b - b'0')) % 97);
    format!("DE{:02}{bban}", 98 - rem)
}

fn decoy_order(r: &mut Rng) -> String {
    // Sixteen digits that fail Luhn.
    let body = format!("5{}", r.digits(14));
    let good = luhn_digit(&body);
    let bad = char::from(b'0' + ((good as u8 - b'0' + 1) % 10));
    format!("{body}{bad}")
}

fn ts(r: &mut Rng) -> String {
    format!(
        "2026-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        1 + r.below(12),
        1 + r.below(28),
        r.below(24),
        r.below(60),
        r.below(60)
    )
}

/// One labelled PII value.
struct Label {
    file: String,
    vendor: String,
    field: Option<String>,
    detector: &'static str,
    value: String,
}

struct Corpus {
    labels: Vec<Label>,
}

impl Corpus {
    fn pii(
        &mut self,
        r: &mut Rng,
        file: &str,
        vendor: &str,
        field: Option<&str>,
        kind: u64,
    ) -> (&'static str, String) {
        let (detector, value) = match kind % 10 {
            0 => {
                // Local parts are ASCII: internationalised addresses are rare
                // in vendor data and not what this measures.
                let first: String = r
                    .pick(FIRST)
                    .to_lowercase()
                    .chars()
                    .filter(char::is_ascii_alphabetic)
                    .collect();
                (
                    "email",
                    format!(
                        "{first}.{}{}@example.com",
                        r.below(100),
                        r.pick(&["", "x", "q"])
                    ),
                )
            }
            1 => ("phone", format!("+1 212 555 01{:02}", r.below(100))),
            2 => ("us_ssn", ssn(r)),
            3 => ("credit_card", card(r)),
            4 => ("iban", iban(r)),
            5 => ("ipv4", format!("198.51.100.{}", 1 + r.below(254))),
            6 => ("person_name", format!("{} {}", r.pick(FIRST), r.pick(LAST))),
            7 => (
                "date_of_birth",
                format!(
                    "19{}-{:02}-{:02}",
                    50 + r.below(50),
                    1 + r.below(12),
                    1 + r.below(28)
                ),
            ),
            8 => (
                "street_address",
                format!("{} {}", 1 + r.below(900), r.pick(STREETS)),
            ),
            _ => ("postal_code", format!("{:05}", 10000 + r.below(89999))),
        };
        self.labels.push(Label {
            file: file.to_string(),
            vendor: vendor.to_string(),
            field: field.map(str::to_string),
            detector,
            value: value.clone(),
        });
        (detector, value)
    }
}

/// The kinds the generator writes, indexed by `Corpus::pii`'s `kind`.
const KINDS: [&str; 10] = [
    "email",
    "phone",
    "us_ssn",
    "credit_card",
    "iban",
    "ipv4",
    "person_name",
    "date_of_birth",
    "street_address",
    "postal_code",
];

/// The field each kind is stored under in structured records.
fn key_for(detector: &str) -> &'static str {
    match detector {
        "email" => "email",
        "phone" => "phone",
        "us_ssn" => "ssn",
        "credit_card" => "card_number",
        "iban" => "iban",
        "ipv4" => "client_ip",
        "person_name" => "full_name",
        "date_of_birth" => "dob",
        "street_address" => "address",
        _ => "zip",
    }
}

fn generate(out: &Path, seed: u64, records: usize) -> std::io::Result<()> {
    let mut r = Rng(seed);
    let mut c = Corpus { labels: Vec::new() };
    for v in ["crm", "payments", "hr", "logs", "decoys"] {
        std::fs::create_dir_all(out.join(v))?;
    }
    // NDJSON events: two PII fields per record, decoys around them.
    let file = "crm/events.ndjson";
    let mut text = String::new();
    for i in 0..records {
        let mut rec = format!(
            r#"{{"event_id":"{}","ts":"{}","order_ref":"{}","name":"{}","version":"4.{}.{}.0""#,
            r.uuid(),
            ts(&mut r),
            decoy_order(&mut r),
            r.pick(PRODUCTS),
            r.below(9),
            r.below(9)
        );
        for kind in [i as u64 % 10, (i as u64 + 3) % 10] {
            let key = key_for(KINDS[kind as usize]);
            let (_, val) = c.pii(
                &mut r,
                file,
                "crm",
                Some(&format!("$.customer.{key}")),
                kind,
            );
            // Each value in its own `customer` object: duplicate keys are
            // legal JSON and common in hand-built exports.
            let _ = write!(rec, r#","customer":{{"{key}":"{val}"}}"#);
        }
        rec.push_str("}\n");
        text.push_str(&rec);
    }
    std::fs::write(out.join(file), &text)?;
    // JSON export (payments): an array of records.
    let file = "payments/export.json";
    let mut text = String::from("[\n");
    for i in 0..records {
        let kind = [3u64, 4, 0, 6][i % 4];
        let key = key_for(KINDS[kind as usize]);
        let (_, val) = c.pii(&mut r, file, "payments", Some(&format!("$[*].{key}")), kind);
        let _ = writeln!(
            text,
            "  {{\"id\": {}, \"invoice_number\": \"{}\", \"amount\": {}.{:02}, \"{key}\": \"{val}\", \"created\": \"{}\"}}{}",
            r.below(1 << 40),
            r.digits(9),
            r.below(900),
            r.below(100),
            ts(&mut r),
            if i + 1 < records { "," } else { "" }
        );
    }
    text.push_str("]\n");
    std::fs::write(out.join(file), &text)?;
    // CSV export (hr).
    let file = "hr/employees.csv";
    let mut text = String::from("employee_id,full_name,dob,ssn,zip,department,salary\n");
    for _ in 0..records {
        let (_, name) = c.pii(&mut r, file, "hr", Some("$.full_name"), 6);
        let (_, dob) = c.pii(&mut r, file, "hr", Some("$.dob"), 7);
        let (_, s) = c.pii(&mut r, file, "hr", Some("$.ssn"), 2);
        let (_, zip) = c.pii(&mut r, file, "hr", Some("$.zip"), 9);
        let _ = writeln!(
            text,
            "E-{},{name},{dob},{s},{zip},{},{}",
            r.digits(5),
            r.pick(WORDS),
            40000 + r.below(90000)
        );
    }
    std::fs::write(out.join(file), &text)?;
    // Logs: PII in free text.
    let file = "logs/app.log";
    let mut text = String::new();
    for i in 0..records {
        let kind = [0u64, 1, 5, 3][i % 4];
        let (_, val) = c.pii(&mut r, file, "logs", None, kind);
        let _ = writeln!(
            text,
            "{} INFO request {} {} by {val} took {}ms v{}.{}.{}",
            ts(&mut r),
            r.uuid(),
            r.pick(WORDS),
            r.below(900),
            r.below(5),
            r.below(20),
            r.below(10)
        );
    }
    std::fs::write(out.join(file), &text)?;
    // Decoys only.
    let mut text = String::new();
    for _ in 0..records * 4 {
        let _ = writeln!(
            text,
            r#"{{"id":"{}","order":"{}","invoice_number":"{}","ts":"{}","name":"{}","sku":"SKU-{}","price":{}.{:02},"version":"{}.{}.{}","note":"{} {} {}"}}"#,
            r.uuid(),
            decoy_order(&mut r),
            r.digits(9),
            ts(&mut r),
            r.pick(PRODUCTS),
            r.digits(6),
            r.below(500),
            r.below(100),
            r.below(9),
            r.below(20),
            r.below(10),
            r.pick(WORDS),
            r.pick(WORDS),
            r.pick(WORDS)
        );
    }
    std::fs::write(out.join("decoys/noise.ndjson"), &text)?;
    let mut labels = String::new();
    for l in &c.labels {
        let _ = writeln!(
            labels,
            "{}",
            serde_json::json!({"file": l.file, "vendor": l.vendor, "field": l.field, "detector": l.detector, "value": l.value})
        );
    }
    std::fs::write(out.join("labels.jsonl"), labels)?;
    eprintln!(
        "wrote {} labelled values to {}",
        c.labels.len(),
        out.display()
    );
    Ok(())
}

#[derive(Default)]
struct Tally {
    tp: u64,
    fp: u64,
    fn_: u64,
}

impl Tally {
    fn row(&self) -> (f64, f64, f64) {
        let p = self.tp as f64 / (self.tp + self.fp).max(1) as f64;
        let r = self.tp as f64 / (self.tp + self.fn_).max(1) as f64;
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        (p, r, f)
    }
}

fn score(out: &Path) -> anyhow::Result<()> {
    let labels: Vec<serde_json::Value> = std::fs::read_to_string(out.join("labels.jsonl"))?
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let catalogue = sandsift::Catalogue::builtin()?;
    let mut config = sandsift::ScanConfig {
        paths: vec![out.to_path_buf()],
        reveal: true,
        ..Default::default()
    };
    // The labels hold the values themselves.
    config.discover.exclude = vec!["labels.jsonl".to_string()];
    let mut findings = Vec::new();
    let report = sandsift::scan(&config, &catalogue, &Default::default(), &mut |f| {
        findings.push(f.clone());
        Ok(())
    })?;
    let rel = |file: &str| {
        Path::new(file)
            .strip_prefix(out)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| file.to_string())
    };
    type Key = (String, Option<String>, String, String);
    let mut want: BTreeMap<Key, u64> = BTreeMap::new();
    let mut want_fields: BTreeSet<(String, Option<String>, String)> = BTreeSet::new();
    for l in &labels {
        let s = |k: &str| l[k].as_str().unwrap_or("").to_string();
        *want
            .entry((
                s("file"),
                l["field"].as_str().map(str::to_string),
                s("detector"),
                s("value"),
            ))
            .or_default() += 1;
        want_fields.insert((
            s("vendor"),
            l["field"].as_str().map(str::to_string),
            s("detector"),
        ));
    }
    let mut per: BTreeMap<String, Tally> = BTreeMap::new();
    let mut got_fields: BTreeSet<(String, Option<String>, String)> = BTreeSet::new();
    let mut decoy_findings = 0u64;
    for f in &findings {
        let file = rel(&f.file);
        if f.vendor.as_ref() == "decoys" {
            decoy_findings += 1;
        }
        got_fields.insert((
            f.vendor.to_string(),
            f.field.as_deref().map(str::to_string),
            f.detector.to_string(),
        ));
        let key = (
            file,
            f.field.as_deref().map(str::to_string),
            f.detector.to_string(),
            f.value.clone().unwrap_or_default(),
        );
        let t = per.entry(f.detector.to_string()).or_default();
        match want.get_mut(&key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                t.tp += 1;
            }
            _ => t.fp += 1,
        }
    }
    for ((_, _, det, _), n) in &want {
        per.entry(det.clone()).or_default().fn_ += n;
    }
    let mut total = Tally::default();
    println!("| detector | TP | FP | FN | precision | recall | F1 |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (det, t) in &per {
        let (p, r, f) = t.row();
        println!(
            "| {det} | {} | {} | {} | {p:.3} | {r:.3} | {f:.3} |",
            t.tp, t.fp, t.fn_
        );
        total.tp += t.tp;
        total.fp += t.fp;
        total.fn_ += t.fn_;
    }
    let (p, r, f) = total.row();
    println!(
        "| **all (value level)** | {} | {} | {} | {p:.3} | {r:.3} | {f:.3} |",
        total.tp, total.fp, total.fn_
    );
    let field_tp = got_fields.intersection(&want_fields).count() as u64;
    let fields = Tally {
        tp: field_tp,
        fp: got_fields.len() as u64 - field_tp,
        fn_: want_fields.len() as u64 - field_tp,
    };
    let (p, r, f) = fields.row();
    println!(
        "| **all (field level)** | {} | {} | {} | {p:.3} | {r:.3} | {f:.3} |",
        fields.tp, fields.fp, fields.fn_
    );
    let decoy_bytes = std::fs::metadata(out.join("decoys/noise.ndjson"))?.len() as f64;
    println!(
        "\nDecoy-only data: {decoy_findings} finding(s) in {:.2} MB ({:.2} per MB). Scanned {} files, {} values.",
        decoy_bytes / 1e6,
        decoy_findings as f64 / (decoy_bytes / 1e6),
        report.summary.files_scanned,
        report.summary.values
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_else(|| "run".to_string());
    let (mut out, mut seed, mut records) = (PathBuf::from("target/accuracy"), 1u64, 2000usize);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_default();
        match a.as_str() {
            "--out" => out = PathBuf::from(val()),
            "--seed" => seed = val().parse()?,
            "--records" => records = val().parse()?,
            other => anyhow::bail!("unknown flag {other}; use --out, --seed, --records"),
        }
    }
    match command.as_str() {
        "generate" => generate(&out, seed, records)?,
        "score" => score(&out)?,
        "run" => {
            let _ = std::fs::remove_dir_all(&out);
            generate(&out, seed, records)?;
            score(&out)?;
        }
        other => anyhow::bail!("unknown command {other}; use generate, score or run"),
    }
    Ok(())
}
