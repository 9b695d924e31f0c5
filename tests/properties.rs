//! Property tests of the extractors against libraries as oracles: random
//! JSON is extracted the way `serde_json` parses it, random CSV the way the
//! `csv` crate reads it, and every span points at the bytes of its value.

use proptest::prelude::*;
use sandsift::format::json::{JsonScratch, unescape};
use sandsift::format::path::push_key;
use sandsift::format::{
    FieldTable, Problem, Value as Extracted, ValueSink, csv as csvfmt, decode, har, ndjson, text,
};
use serde_json::Value;

#[derive(Default)]
struct Sink {
    /// (path, decoded value, raw span)
    values: Vec<(String, Vec<u8>, (usize, usize))>,
    problems: Vec<Problem>,
}

impl ValueSink for Sink {
    fn value(&mut self, fields: &mut FieldTable, v: &Extracted<'_>) {
        let path = v
            .field
            .map_or_else(|| "null".to_string(), |id| fields.get(id).path.clone());
        self.values
            .push((path, v.bytes.to_vec(), v.raw.map(0, v.bytes.len())));
    }
    fn record(&mut self) {}
    fn problem(&mut self, p: Problem) {
        self.problems.push(p);
    }
}

/// `default` cases per property, or `PROPTEST_CASES` when it is set (a
/// long hunt for panics: `PROPTEST_CASES=20000 cargo test --release --test
/// properties`).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-z@. \\\\\"\\n\\t\u{e9}\u{1F600}]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z_ .'\"\\\\-]{0,8}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The (path, text) pairs serde_json's tree yields, in document order.
fn oracle(v: &Value, path: &mut Vec<u8>, out: &mut Vec<(String, Vec<u8>)>) {
    match v {
        Value::String(s) => out.push((
            String::from_utf8_lossy(path).into_owned(),
            s.as_bytes().to_vec(),
        )),
        Value::Number(n) => out.push((
            String::from_utf8_lossy(path).into_owned(),
            n.to_string().into_bytes(),
        )),
        Value::Array(items) => {
            for item in items {
                let len = path.len();
                path.extend_from_slice(b"[*]");
                oracle(item, path, out);
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let len = path.len();
                push_key(path, k.as_bytes());
                oracle(item, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

fn expected(v: &Value) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    oracle(v, &mut b"$".to_vec(), &mut out);
    out
}

/// Extracts `doc` as NDJSON with one field table for all its lines and
/// checks it yields exactly `want` (paths and values), without problems,
/// each span pointing at its value.
fn ndjson_extracts(doc: &str, want: Vec<(String, Vec<u8>)>) -> Result<(), TestCaseError> {
    let mut sink = Sink::default();
    ndjson::extract(
        doc.as_bytes(),
        &mut FieldTable::default(),
        &mut JsonScratch::default(),
        &mut sink,
    );
    prop_assert!(sink.problems.is_empty());
    let got: Vec<(String, Vec<u8>)> = sink
        .values
        .iter()
        .map(|(p, v, _)| (p.clone(), v.clone()))
        .collect();
    prop_assert_eq!(got, want);
    spans_point_at_values(doc.as_bytes(), &sink, json_decode);
    Ok(())
}

/// A member's value for the key-order property: a number, an object or
/// an array of objects, whose own keys are expected in turn.
fn member_value(k: usize, inner: u32) -> Value {
    match inner {
        0 => serde_json::json!(k),
        1 => serde_json::json!({ "x": k, "id": "v" }),
        _ => serde_json::json!([{ "id": k }, { "i": k }]),
    }
}

/// Checks every span decodes to its value with the format's rule.
fn spans_point_at_values(data: &[u8], sink: &Sink, decode: impl Fn(&[u8]) -> Vec<u8>) {
    for (_, value, (o, l)) in &sink.values {
        assert_eq!(&decode(&data[*o..*o + *l]), value);
    }
}

fn json_decode(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    unescape(raw, &mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn json_is_extracted_as_serde_json_parses_it(v in json_value(), pretty in any::<bool>()) {
        let doc = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) }.unwrap();
        let mut sink = Sink::default();
        sandsift::format::json::extract(doc.as_bytes(), &mut FieldTable::default(), &mut JsonScratch::default(), &mut sink).unwrap();
        let got: Vec<(String, Vec<u8>)> = sink.values.iter().map(|(p, v, _)| (p.clone(), v.clone())).collect();
        prop_assert_eq!(got, expected(&v));
        spans_point_at_values(doc.as_bytes(), &sink, json_decode);
    }

    #[test]
    fn ndjson_lines_are_extracted_one_record_each(values in prop::collection::vec(json_value(), 1..6)) {
        let mut doc = String::new();
        let mut want = Vec::new();
        for v in &values {
            doc.push_str(&serde_json::to_string(v).unwrap());
            doc.push('\n');
            want.extend(expected(v));
        }
        ndjson_extracts(&doc, want)?;
    }

    #[test]
    fn records_that_repeat_reorder_and_respell_keys_are_extracted_as_serde_json_parses_them(
        records in prop::collection::vec(
            prop::collection::vec((0usize..9, any::<bool>(), 0u32..3), 0..7), 1..12),
    ) {
        // Keys that are prefixes of each other, hold escapes, or are too
        // long for one 16-byte compare; each record picks some, in any
        // order, and may spell a key with a `\u` escape.
        const KEYS: [&str; 9] = [
            "id", "id2", "i", "a\\", "a\\\"", "fifteen_bytes_k", "sixteen_bytes_ke",
            "a_key_of_twenty_bytes", "n",
        ];
        let mut doc = String::new();
        let mut want = Vec::new();
        for record in &records {
            let mut members = Vec::new();
            for &(k, escape, inner) in record {
                let key = KEYS[k];
                let raw = serde_json::to_string(key).unwrap();
                let raw = if escape && key.starts_with('i') {
                    raw.replacen('i', "\\u0069", 1)
                } else {
                    raw
                };
                let value = member_value(k, inner);
                members.push(format!("{raw}:{value}"));
                // A repeated key is extracted each time it is met.
                let mut one = serde_json::Map::new();
                one.insert(key.to_string(), value);
                want.extend(expected(&Value::Object(one)));
            }
            doc.push_str(&format!("{{{}}}\n", members.join(",")));
        }
        ndjson_extracts(&doc, want)?;
    }

    #[test]
    fn csv_is_extracted_as_the_csv_crate_reads_it(
        rows in prop::collection::vec(prop::collection::vec("[a-z0-9@., \"\\n]{0,10}", 3), 1..8)
    ) {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["a", "b", "c"]).unwrap();
        for r in &rows {
            w.write_record(r).unwrap();
        }
        let data = w.into_inner().unwrap();
        let header = csvfmt::read_header(&data, b',');
        let body = &data[header.body_start..];
        let mut sink = Sink::default();
        csvfmt::extract(body, &header, b',', &mut FieldTable::default(), &mut sink);
        let mut want = Vec::new();
        for r in csv::Reader::from_reader(&data[..]).byte_records() {
            for (i, field) in r.unwrap().iter().enumerate() {
                if !field.is_empty() {
                    want.push((format!("$.{}", ["a", "b", "c"][i]), field.to_vec()));
                }
            }
        }
        let got: Vec<(String, Vec<u8>)> = sink.values.iter().map(|(p, v, _)| (p.clone(), v.clone())).collect();
        prop_assert_eq!(got, want);
        spans_point_at_values(body, &sink, |raw| String::from_utf8_lossy(raw).replace("\"\"", "\"").into_bytes());
    }

    #[test]
    fn text_spans_are_the_lines(lines in prop::collection::vec("[ -~]{0,30}", 0..10), crlf in any::<bool>()) {
        let data = lines.join(if crlf { "\r\n" } else { "\n" });
        let mut sink = Sink::default();
        text::extract(data.as_bytes(), &mut FieldTable::default(), &mut sink);
        spans_point_at_values(data.as_bytes(), &sink, <[u8]>::to_vec);
        let want: Vec<&str> = lines.iter().map(String::as_str).filter(|l| !l.trim().is_empty()).collect();
        let got: Vec<String> = sink.values.iter().map(|(_, v, _)| String::from_utf8_lossy(v).into_owned()).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn arbitrary_bytes_never_panic_any_extractor(data in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut sink = Sink::default();
        let _ = sandsift::format::json::extract(&data, &mut FieldTable::default(), &mut JsonScratch::default(), &mut sink);
        ndjson::extract(&data, &mut FieldTable::default(), &mut JsonScratch::default(), &mut sink);
        let header = csvfmt::read_header(&data, b',');
        csvfmt::extract(&data[header.body_start..], &header, b',', &mut FieldTable::default(), &mut sink);
        text::extract(&data, &mut FieldTable::default(), &mut sink);
        for (_, v, (o, l)) in &sink.values {
            prop_assert!(o + l <= data.len(), "span out of bounds for a value of {} bytes", v.len());
        }
    }
}

/// A deterministic generator (xorshift64) for the damage done to inputs.
fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// The shipped capture, for mutation.
fn capture() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/captures/checkout.har"
    ))
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    /// Truncated and corrupted captures: no panic, every span inside the
    /// file, and the entries before the damage still yield values.
    #[test]
    fn damaged_captures_never_panic_the_har_extractor(
        cut in 0.0f64..1.0,
        flips in prop::collection::vec((0.0f64..1.0, any::<u8>()), 0..8),
    ) {
        let mut data = capture();
        for (at, b) in flips {
            let i = ((data.len() - 1) as f64 * at) as usize;
            data[i] = b;
        }
        data.truncate(((data.len() as f64) * cut) as usize);
        let mut sink = Sink::default();
        let _ = har::extract(&data, &mut FieldTable::default(), &mut JsonScratch::default(), &har::HarOptions::default(), &mut sink);
        for (_, v, (o, l)) in &sink.values {
            prop_assert!(o + l <= data.len(), "span out of bounds for a value of {} bytes", v.len());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_decoders(data in prop::collection::vec(any::<u8>(), 0..256)) {
        let mut out = Vec::new();
        let _ = decode::Shape::of(&data);
        let _ = decode::base64_decode(&data, &mut out);
        let _ = decode::jwt(&data);
        let _ = decode::is_json(&data);
        let _ = decode::gunzip(&data, 1 << 16, &mut out);
        if let Some(pairs) = decode::form_pairs(&data, true) {
            for p in pairs {
                prop_assert!(p.name.1 <= data.len() && p.value.1 <= data.len());
            }
        }
        decode::percent_decode(&data, true, &mut out);
        prop_assert!(decode::percent_decoded_to_raw(&data, true, out.len()) <= data.len());
        let mut sink = Sink::default();
        let _ = har::extract(&data, &mut FieldTable::default(), &mut JsonScratch::default(), &har::HarOptions::default(), &mut sink);
    }

    /// Any range of a percent-decoded string maps to raw bytes that decode
    /// to exactly that range.
    #[test]
    fn percent_spans_map_back_exactly(s in "[a-z@%+ .]{0,8}[a-z@%+ .0-9A-F]{0,24}", plus in any::<bool>(), a in 0usize..40, b in 0usize..40) {
        let raw = s.as_bytes();
        let mut decoded = Vec::new();
        decode::percent_decode(raw, plus, &mut decoded);
        let (a, b) = (a.min(decoded.len()), b.min(decoded.len()));
        let (a, b) = (a.min(b), a.max(b));
        let ra = decode::percent_decoded_to_raw(raw, plus, a);
        let rb = decode::percent_decoded_to_raw(raw, plus, b);
        let mut again = Vec::new();
        decode::percent_decode(&raw[ra..rb], plus, &mut again);
        prop_assert_eq!(&again[..], &decoded[a..b]);
    }
}

/// Finding offsets through the whole scan: generated records embedding PII
/// with escapes and quoting; every finding's raw bytes decode to its value.
#[test]
fn finding_offsets_point_at_their_values_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("v");
    std::fs::create_dir(&v).unwrap();
    let mut json = String::from("[");
    let mut nd = String::new();
    let mut csv = String::from("note,ssn\n");
    let mut log = String::new();
    for i in 0..200u32 {
        let email = format!("user{i}@example.com");
        let escaped = if i % 3 == 0 {
            email.replace('@', "\\u0040")
        } else {
            email.clone()
        };
        let note = format!("say \\\"hi\\\" to {escaped} \\n now");
        let ssn = format!("{:03}-{:02}-{:04}", 101 + i, 1 + i % 90, 1000 + i);
        json.push_str(&format!(
            r#"{}{{"note":"{note}","ssn":"{ssn}"}}"#,
            if i > 0 { "," } else { "" }
        ));
        nd.push_str(&format!("{{\"note\":\"{note}\",\"ssn\":\"{ssn}\"}}\n"));
        csv.push_str(&format!("\"say \"\"hi\"\" to {email}, ok\",{ssn}\n"));
        log.push_str(&format!("{i} mail {email} ssn {ssn}\n"));
    }
    json.push(']');
    std::fs::write(v.join("a.json"), &json).unwrap();
    std::fs::write(v.join("b.ndjson"), &nd).unwrap();
    std::fs::write(v.join("c.csv"), &csv).unwrap();
    std::fs::write(v.join("d.log"), &log).unwrap();
    let config = sandsift::ScanConfig {
        paths: vec![dir.path().to_path_buf()],
        reveal: true,
        chunk_size: 4096,
        ..Default::default()
    };
    let catalogue = sandsift::Catalogue::builtin().unwrap();
    let mut findings = Vec::new();
    sandsift::scan(&config, &catalogue, &Default::default(), &mut |f| {
        findings.push(f.clone());
        Ok(())
    })
    .unwrap();
    assert_eq!(findings.len(), 4 * 400);
    for f in &findings {
        let data = std::fs::read(&*f.file).unwrap();
        let raw = &data[f.offset as usize..(f.offset + f.length) as usize];
        let decoded = match f.format {
            sandsift::format::Format::Json | sandsift::format::Format::Ndjson => json_decode(raw),
            _ => raw.to_vec(),
        };
        assert_eq!(
            decoded,
            f.value.as_deref().unwrap().as_bytes(),
            "{}:{}",
            f.file,
            f.line
        );
    }
}

/// Damaged captures through the whole engine (decode layers included):
/// every file is scanned or reported, never failed by an internal error,
/// and every finding's span lies inside its file.
#[test]
fn damaged_captures_scan_cleanly_through_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let base = capture();
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15u64);
    let mut sizes = std::collections::BTreeMap::new();
    for i in 0..40 {
        let mut data = base.clone();
        for _ in 0..(next() % 6) {
            let at = (next() % data.len() as u64) as usize;
            data[at] = (next() % 256) as u8;
        }
        let keep = data.len() - (next() % (data.len() as u64 / 2)) as usize;
        data.truncate(keep);
        let name = format!("c{i:02}.har");
        sizes.insert(name.clone(), data.len() as u64);
        std::fs::write(dir.path().join(&name), &data).unwrap();
    }
    let catalogue = sandsift::Catalogue::builtin().unwrap();
    let config = sandsift::ScanConfig {
        paths: vec![dir.path().to_path_buf()],
        fingerprint_key: Some(b"k".to_vec()),
        ..Default::default()
    };
    let mut spans = Vec::new();
    let report = sandsift::scan(&config, &catalogue, &Default::default(), &mut |f| {
        spans.push((f.file.to_string(), f.offset + f.length));
        Ok(())
    })
    .unwrap();
    assert_eq!(report.summary.files_scanned, 40, "{:?}", report.failed);
    assert!(report.summary.findings > 0);
    for (file, end) in spans {
        let name = file.rsplit('/').next().unwrap();
        assert!(end <= sizes[name], "{file}: span ends at {end}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(128)))]

    /// The policy and pattern parsers return an error or a value for any
    /// text, TOML-shaped or not; never a panic.
    #[test]
    fn config_parsers_never_panic(
        lines in prop::collection::vec(
            prop_oneof![
                Just("[defaults]".to_string()),
                Just("[vendors.a]".to_string()),
                Just("[[vendors.a.suppress]]".to_string()),
                Just("[[detector]]".to_string()),
                "[a-z_]{1,10} = \"[a-z_(|)*+?\\\\\\[\\]{}.]{0,12}\"",
                "[a-z_]{1,10} = \\[\"[a-z_]{0,8}\"\\]",
                "[ -~]{0,30}",
            ],
            0..12,
        )
    ) {
        let text = lines.join("\n");
        let catalogue = sandsift::Catalogue::builtin().unwrap();
        let _ = sandsift::policy::Policy::parse("p.toml", &text, &catalogue);
        let _ = sandsift::Catalogue::from_sources([("d.toml".to_string(), text)]);
    }
}

/// Damaged zip archives and workbooks through the whole engine: a
/// failure or findings, never a panic; spans inside the buffer.
#[test]
fn damaged_archives_and_workbooks_never_panic() {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file("users.csv", opts).unwrap();
    w.write_all(b"id,email\n1,jane@example.com\n").unwrap();
    w.start_file("events.ndjson", opts).unwrap();
    w.write_all(b"{\"email\":\"li@example.org\"}\n").unwrap();
    let archive = w.finish().unwrap().into_inner();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "email").unwrap();
    ws.write_string(1, 0, "jane@example.com").unwrap();
    let workbook = wb.save_to_buffer().unwrap();
    let catalogue = sandsift::Catalogue::builtin().unwrap();
    let config = sandsift::ScanConfig {
        fingerprint_key: Some(b"k".to_vec()),
        ..Default::default()
    };
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for (name, format, base) in [
        ("v/a.zip", sandsift::format::Format::Zip, &archive),
        ("v/a.xlsx", sandsift::format::Format::Excel, &workbook),
    ] {
        let whole = sandsift::scan_bytes(&config, &catalogue, name, Some(format), base).unwrap();
        assert!(!whole.findings.is_empty(), "{name} intact: findings");
        for _ in 0..200 {
            let mut data = base.clone();
            for _ in 0..1 + seed % 4 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed % data.len() as u64) as usize;
                data[at] = (seed >> 32) as u8;
            }
            if seed.is_multiple_of(3) {
                data.truncate((seed >> 20) as usize % data.len());
            }
            let out = sandsift::scan_bytes(&config, &catalogue, name, Some(format), &data).unwrap();
            for f in &out.findings {
                assert!(f.offset + f.length <= data.len() as u64 || f.file.contains('!'));
            }
        }
    }
}

/// Every shipped fixture, damaged many ways (bytes replaced by random or
/// structural bytes, bytes inserted and removed, the end cut off), through
/// the engine with the whole catalogue: findings or problems, never a
/// panic, and every finding of an undecoded file inside it.
/// `PROPTEST_CASES` sets the damaged copies per fixture (default 40).
#[test]
fn damaged_fixtures_never_panic_the_engine() {
    const STRUCTURAL: &[u8] = b"{}[]\",:\\\n\r\t 0-9.eE+/?#@=&%u";
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 10, "fixtures found: {files:?}");
    let catalogue = sandsift::Catalogue::builtin().unwrap();
    let config = sandsift::ScanConfig {
        fingerprint_key: Some(b"k".to_vec()),
        ..Default::default()
    };
    let mut next = xorshift(0x853c_49e6_748f_ea9bu64);
    let copies = cases(40);
    for path in &files {
        let base = std::fs::read(path).unwrap();
        let name = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .to_string();
        let compressed = name.ends_with(".gz");
        for _ in 0..copies {
            let mut data = base.clone();
            for _ in 0..1 + next() % 6 {
                if data.is_empty() {
                    break;
                }
                let at = (next() % data.len() as u64) as usize;
                let byte = if next().is_multiple_of(2) {
                    STRUCTURAL[(next() % STRUCTURAL.len() as u64) as usize]
                } else {
                    next() as u8
                };
                match next() % 4 {
                    0 => data.insert(at, byte),
                    1 => {
                        data.remove(at);
                    }
                    _ => data[at] = byte,
                }
            }
            if next().is_multiple_of(3) && !data.is_empty() {
                data.truncate((next() % data.len() as u64) as usize);
            }
            let out = sandsift::scan_bytes(&config, &catalogue, &name, None, &data)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            if !compressed {
                for f in &out.findings {
                    assert!(
                        f.offset + f.length <= data.len() as u64,
                        "{name}: a finding ends at {} past {} bytes",
                        f.offset + f.length,
                        data.len()
                    );
                }
            }
        }
    }
}
