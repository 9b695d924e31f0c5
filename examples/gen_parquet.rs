//! Generates one Parquet file of event records (Snappy, dictionary
//! encoding where the writer chooses it, row groups of 128 Ki rows) and,
//! with `--ndjson`, the same records as NDJSON, so the two formats can
//! be compared on identical data. About one PII value per 2 KB of NDJSON
//! (configurable), in typed columns (`email`, `phone`, `ssn`,
//! `card_number`, `ip`) that are null otherwise; the rest is realistic
//! non-PII: ids, timestamps, prices, paths, user agents, words, tags.
//! Deterministic for a seed. Every PII value is synthetic.
//!
//! ```text
//! cargo run --release --example gen_parquet -- --size 1GiB \
//!     --out target/bench-formats/parquet/lake/events.parquet \
//!     --ndjson target/bench-formats/ndjson/lake/events.ndjson
//! ```

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;
#[path = "support/vocab.rs"]
mod vocab;
use vocab::{AGENTS, CARDS, WORDS, parse_size};

const SCHEMA: &str = "message events {
    required binary event_id (UTF8);
    required int64 ts (TIMESTAMP_MILLIS);
    required binary type (UTF8);
    required int64 user_id;
    required binary plan (UTF8);
    optional binary email (UTF8);
    optional binary phone (UTF8);
    optional binary ssn (UTF8);
    optional binary card_number (UTF8);
    optional binary ip (UTF8);
    required binary path (UTF8);
    required double price;
    required binary sku (UTF8);
    required int64 order_ref;
    required int32 qty;
    required binary note (UTF8);
    required binary ua (UTF8);
    optional group tags (LIST) {
        repeated group list { required binary element (UTF8); }
    }
}";
/// The columns holding PII, in schema order after `plan`.
const PII: [&str; 5] = ["email", "phone", "ssn", "card_number", "ip"];
const ROWS_PER_GROUP: usize = 128 * 1024;

#[derive(Default)]
struct Batch {
    event_id: Vec<ByteArray>,
    ts: Vec<i64>,
    kind: Vec<ByteArray>,
    user_id: Vec<i64>,
    plan: Vec<ByteArray>,
    /// Per PII column: the values and the definition levels.
    pii: [(Vec<ByteArray>, Vec<i16>); 5],
    path: Vec<ByteArray>,
    price: Vec<f64>,
    sku: Vec<ByteArray>,
    order_ref: Vec<i64>,
    qty: Vec<i32>,
    note: Vec<ByteArray>,
    ua: Vec<ByteArray>,
    tags: (Vec<ByteArray>, Vec<i16>, Vec<i16>),
}

fn pii(r: &mut Rng) -> (usize, String) {
    match r.below(5) {
        0 => (0, format!("user{}@example.com", r.below(1_000_000))),
        1 => (1, format!("(212) 555-01{:02}", r.below(100))),
        2 => (
            2,
            format!(
                "{:03}-{:02}-{:04}",
                100 + r.below(500),
                1 + r.below(98),
                1 + r.below(9998)
            ),
        ),
        3 => (3, r.pick(CARDS).to_string()),
        _ => (4, format!("203.0.113.{}", r.below(255))),
    }
}

/// Adds one record to the batch and, when `json` is given, writes it
/// there as one NDJSON line.
fn record(r: &mut Rng, density: f64, b: &mut Batch, json: Option<&mut String>) {
    let event_id = r.uuid();
    let ts = 1_767_225_600_000 + r.below(31_536_000_000) as i64;
    let kind = r.pick(&["page_view", "click", "add_to_cart", "purchase", "search"]);
    let user_id = r.below(10_000_000) as i64;
    let plan = r.pick(&["free", "pro", "enterprise"]);
    // An NDJSON record is about 420 bytes: PII with probability 420 × density.
    let found = r.chance(420.0 * density).then(|| pii(r));
    let path = format!("/products/{}/reviews", r.below(100_000));
    let price = r.below(50_000) as f64 / 100.0;
    let sku = format!("SKU-{:06}", r.below(1_000_000));
    let order_ref = r.below(10_000_000_000_000_000) as i64;
    let qty = 1 + r.below(5) as i32;
    let note: Vec<&str> = (0..6).map(|_| r.pick(WORDS)).collect();
    let note = note.join(" ");
    let ua = r.pick(AGENTS);
    let tags: Vec<&str> = (0..r.below(4)).map(|_| r.pick(WORDS)).collect();
    if let Some(out) = json {
        write!(
            out,
            r#"{{"event_id":"{event_id}","ts":{ts},"type":"{kind}","user_id":{user_id},"plan":"{plan}""#
        )
        .unwrap();
        if let Some((i, v)) = &found {
            write!(out, r#","{}":"{v}""#, PII[*i]).unwrap();
        }
        write!(
            out,
            r#","path":"{path}","price":{price},"sku":"{sku}","order_ref":{order_ref},"qty":{qty},"note":"{note}","ua":"{ua}","tags":["#
        )
        .unwrap();
        for (i, t) in tags.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write!(out, "\"{t}\"").unwrap();
        }
        out.push_str("]}\n");
    }
    b.event_id.push(event_id.as_str().into());
    b.ts.push(ts);
    b.kind.push(kind.into());
    b.user_id.push(user_id);
    b.plan.push(plan.into());
    for (i, (values, def)) in b.pii.iter_mut().enumerate() {
        match &found {
            Some((j, v)) if *j == i => {
                values.push(v.as_str().into());
                def.push(1);
            }
            _ => def.push(0),
        }
    }
    b.path.push(path.as_str().into());
    b.price.push(price);
    b.sku.push(sku.as_str().into());
    b.order_ref.push(order_ref);
    b.qty.push(qty);
    b.note.push(note.as_str().into());
    b.ua.push(ua.into());
    if tags.is_empty() {
        b.tags.1.push(0);
        b.tags.2.push(0);
    }
    for (i, t) in tags.iter().enumerate() {
        b.tags.0.push((*t).into());
        b.tags.1.push(1);
        b.tags.2.push(if i == 0 { 0 } else { 1 });
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut size = 1u64 << 30;
    let mut out = PathBuf::from("target/bench-formats/parquet/lake/events.parquet");
    let mut ndjson: Option<PathBuf> = None;
    let mut seed = 1u64;
    let mut density = 1.0 / 2048.0;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().expect("flag needs a value");
        match a.as_str() {
            "--size" => size = parse_size(&val())?,
            "--out" => out = PathBuf::from(val()),
            "--ndjson" => ndjson = Some(PathBuf::from(val())),
            "--seed" => seed = val().parse()?,
            "--pii-per-kb" => density = val().parse::<f64>()? / 1024.0,
            other => {
                return Err(format!(
                    "unknown flag {other}; use --size, --out, --ndjson, --seed, --pii-per-kb"
                )
                .into());
            }
        }
    }
    for p in [Some(&out), ndjson.as_ref()].into_iter().flatten() {
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir)?;
        }
    }
    let schema = Arc::new(parquet::schema::parser::parse_message_type(SCHEMA)?);
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let file = std::fs::File::create(&out)?;
    let mut w = SerializedFileWriter::new(std::io::BufWriter::new(file), schema, Arc::new(props))?;
    let mut json_out = match &ndjson {
        Some(p) => Some(std::io::BufWriter::new(std::fs::File::create(p)?)),
        None => None,
    };
    let mut r = Rng(seed);
    let (mut rows, mut json_bytes) = (0u64, 0u64);
    let mut line = String::new();
    while (w.bytes_written() as u64) < size {
        let mut b = Batch::default();
        line.clear();
        for _ in 0..ROWS_PER_GROUP {
            record(
                &mut r,
                density,
                &mut b,
                json_out.as_ref().map(|_| &mut line),
            );
        }
        if let Some(j) = &mut json_out {
            j.write_all(line.as_bytes())?;
            json_bytes += line.len() as u64;
        }
        rows += ROWS_PER_GROUP as u64;
        let mut rg = w.next_row_group()?;
        let mut index = 0;
        let text = |v: &[ByteArray]| -> Vec<ByteArray> { v.to_vec() };
        while let Some(mut col) = rg.next_column()? {
            let w = &mut col;
            let _values = match index {
                0 => w
                    .typed::<ByteArrayType>()
                    .write_batch(&b.event_id, None, None)?,
                1 => w.typed::<Int64Type>().write_batch(&b.ts, None, None)?,
                2 => w
                    .typed::<ByteArrayType>()
                    .write_batch(&b.kind, None, None)?,
                3 => w.typed::<Int64Type>().write_batch(&b.user_id, None, None)?,
                4 => w
                    .typed::<ByteArrayType>()
                    .write_batch(&b.plan, None, None)?,
                5..=9 => {
                    let (values, def) = &b.pii[index - 5];
                    w.typed::<ByteArrayType>()
                        .write_batch(&text(values), Some(def), None)?
                }
                10 => w
                    .typed::<ByteArrayType>()
                    .write_batch(&b.path, None, None)?,
                11 => w.typed::<DoubleType>().write_batch(&b.price, None, None)?,
                12 => w.typed::<ByteArrayType>().write_batch(&b.sku, None, None)?,
                13 => w
                    .typed::<Int64Type>()
                    .write_batch(&b.order_ref, None, None)?,
                14 => w.typed::<Int32Type>().write_batch(&b.qty, None, None)?,
                15 => w
                    .typed::<ByteArrayType>()
                    .write_batch(&b.note, None, None)?,
                16 => w.typed::<ByteArrayType>().write_batch(&b.ua, None, None)?,
                _ => w.typed::<ByteArrayType>().write_batch(
                    &b.tags.0,
                    Some(&b.tags.1),
                    Some(&b.tags.2),
                )?,
            };
            col.close()?;
            index += 1;
        }
        rg.close()?;
    }
    w.close()?;
    if let Some(mut j) = json_out {
        j.flush()?;
    }
    let parquet_bytes = std::fs::metadata(&out)?.len();
    eprintln!(
        "wrote {rows} rows: {parquet_bytes} bytes of Parquet to {}{}",
        out.display(),
        match &ndjson {
            Some(p) => format!(", {json_bytes} bytes of NDJSON to {}", p.display()),
            None => String::new(),
        }
    );
    Ok(())
}
