//! Criterion micro-benchmarks: the detector catalogue per family of values,
//! and each format extractor over generated in-memory data.
//!
//! `cargo bench`; for whole-scan throughput against ripgrep use
//! `benches/compare.sh`.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sandsift::Catalogue;
use sandsift::format::json::JsonScratch;
use sandsift::format::{FieldTable, Problem, Value, ValueSink, csv as csvfmt, ndjson, text};

/// Counts values, so extraction is measured without detection.
#[derive(Default)]
struct Count(u64);

impl ValueSink for Count {
    fn value(&mut self, _: &mut FieldTable, v: &Value<'_>) {
        self.0 += v.bytes.len() as u64;
    }
    fn record(&mut self) {}
    fn problem(&mut self, _: Problem) {}
}

fn detectors(c: &mut Criterion) {
    let catalogue = Catalogue::builtin().expect("built-in catalogue compiles");
    let families: [(&str, Option<&str>, &[&str]); 6] = [
        (
            "email",
            Some("email"),
            &[
                "jane.doe@example.com",
                "omar+news@example.org",
                "no at sign here",
            ],
        ),
        (
            "phone",
            Some("phone"),
            &["+1 212 555 0142", "(415) 555-0187", "2026-10-01"],
        ),
        (
            "ids_numeric",
            Some("ssn"),
            &[
                "512-44-0133",
                "401234567",
                "4111 1111 1111 1111",
                "DE59100700240934851700",
            ],
        ),
        (
            "network",
            Some("ip"),
            &["203.0.113.42", "2001:db8::8a2e:370:7334", "10.0.0.1"],
        ),
        (
            "decoys",
            Some("event_id"),
            &[
                "910a2dec-8902-4cc1-beeb-8da1658eec67",
                "2026-07-08T09:08:45.533Z",
                "SKU-120241",
                "3.14.2",
            ],
        ),
        (
            "free_text",
            None,
            &[
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
                "sync settings update pending premium return",
            ],
        ),
    ];
    let mut group = c.benchmark_group("detect");
    for (name, field, values) in families {
        let ctx = catalogue.field_context(field.map(str::as_bytes), &mut Vec::new());
        let bytes: usize = values.iter().map(|v| v.len()).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        let mut out = Vec::new();
        group.bench_function(name, |b| {
            b.iter(|| {
                for v in values {
                    out.clear();
                    catalogue.scan_value(&ctx, black_box(v.as_bytes()), &mut out);
                }
                out.len()
            })
        });
    }
    group.finish();
}

fn corpus_ndjson() -> String {
    let mut s = String::new();
    for i in 0..5000u32 {
        writeln!(
            s,
            r#"{{"id":"{i:08x}-8902-4cc1-beeb-8da1658eec67","ts":"2026-07-08T09:08:{:02}.533Z","user":{{"email":"user{i}@example.com","plan":"pro"}},"props":{{"price":19.99,"note":"say \"hi\" to the team"}}}}"#,
            i % 60
        )
        .expect("write to string");
    }
    s
}

fn extractors(c: &mut Criterion) {
    let nd = corpus_ndjson();
    let json = format!("[{}]", nd.trim_end().replace('\n', ","));
    let mut csv = String::from("id,email,note,amount\n");
    let mut log = String::new();
    for i in 0..5000u32 {
        writeln!(
            csv,
            "{i},user{i}@example.org,\"a, quoted\nnote\",{}.50",
            i % 300
        )
        .expect("write");
        writeln!(
            log,
            "2026-10-01T00:00:00Z INFO request {i} from 203.0.113.{} user{i}@example.net",
            i % 250
        )
        .expect("write");
    }
    let mut group = c.benchmark_group("extract");
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function("json", |b| {
        let mut scratch = JsonScratch::default();
        b.iter(|| {
            let mut sink = Count::default();
            let _ = sandsift::format::json::extract(
                json.as_bytes(),
                &mut FieldTable::default(),
                &mut scratch,
                &mut sink,
            );
            sink.0
        })
    });
    group.throughput(Throughput::Bytes(nd.len() as u64));
    group.bench_function("ndjson", |b| {
        let mut scratch = JsonScratch::default();
        b.iter(|| {
            let mut sink = Count::default();
            ndjson::extract(
                nd.as_bytes(),
                &mut FieldTable::default(),
                &mut scratch,
                &mut sink,
            );
            sink.0
        })
    });
    group.throughput(Throughput::Bytes(csv.len() as u64));
    group.bench_function("csv", |b| {
        b.iter(|| {
            let header = csvfmt::read_header(csv.as_bytes(), b',');
            let mut sink = Count::default();
            csvfmt::extract(
                &csv.as_bytes()[header.body_start..],
                &header,
                b',',
                &mut FieldTable::default(),
                &mut sink,
            );
            sink.0
        })
    });
    group.throughput(Throughput::Bytes(log.len() as u64));
    group.bench_function("text", |b| {
        b.iter(|| {
            let mut sink = Count::default();
            text::extract(log.as_bytes(), &mut FieldTable::default(), &mut sink);
            sink.0
        })
    });
    group.finish();
}

criterion_group!(benches, detectors, extractors);
criterion_main!(benches);
