//! Zip archives through the binary: members scanned as what they are,
//! named `archive.zip!/member`, nested archives, and every limit reported.

mod common;

use std::io::{Cursor, Write};
use std::path::Path;

use common::{sandsift, scan_jsonl, tally};
use serde_json::Value;

/// A zip of `members`; those named in `encrypted` get the "encrypted"
/// flag (bit 0 of the general-purpose flags) in their local and central
/// headers, which is what a reader goes by.
fn zip_of(members: &[(&str, &[u8])], encrypted: &[&str]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in members {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    let mut z = w.finish().unwrap().into_inner();
    let u16_at = |z: &[u8], i: usize| usize::from(u16::from_le_bytes([z[i], z[i + 1]]));
    for i in 0..z.len().saturating_sub(46) {
        let (flags, name_len, name_at) = match &z[i..i + 4] {
            b"PK\x03\x04" => (i + 6, u16_at(&z, i + 26), i + 30),
            b"PK\x01\x02" => (i + 8, u16_at(&z, i + 28), i + 46),
            _ => continue,
        };
        if name_at + name_len <= z.len()
            && encrypted
                .iter()
                .any(|n| n.as_bytes() == &z[name_at..name_at + name_len])
        {
            z[flags] |= 1;
        }
    }
    z
}

/// `v/acme/export.zip` and a sniffed `v/acme/download` (a zip without an
/// extension), and a corrupt `v/acme/broken.zip`.
fn exports(dir: &Path) {
    let inner = zip_of(
        &[(
            "cards.json",
            br#"{"card": {"number": "4111 1111 1111 1111"}}"#,
        )],
        &[],
    );
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"{\"email\": \"gz.member@example.org\"}\n")
            .unwrap();
        e.finish().unwrap()
    };
    let export = zip_of(
        &[
            ("users/2026.csv", b"id,email,ssn\n1,jane.doe@example.com,512-44-0133\n2,omar@example.org,287-65-4321\n"),
            ("events.ndjson", b"{\"user\": {\"email\": \"li.wei@example.com\"}}\n"),
            ("archive/older.ndjson.gz", &gz),
            ("nested.zip", &inner),
            ("readme.txt", b"Exported by the vendor's data export tool.\n"),
            ("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
            ("bomb.txt", &vec![b'0'; 4_000_000]),
            ("private/payroll.csv", b"name,iban\nJane,DE59100700240934851700\n"),
        ],
        &["private/payroll.csv"],
    );
    let d = dir.join("v/acme");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("export.zip"), &export).unwrap();
    std::fs::write(
        d.join("download"),
        zip_of(
            &[("contacts.csv", b"name,phone\nJane Doe,212-555-0142\n")],
            &[],
        ),
    )
    .unwrap();
    std::fs::write(d.join("broken.zip"), b"PK\x03\x04this is not a zip archive").unwrap();
}

#[test]
fn members_are_scanned_as_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    exports(dir.path());
    let (findings, _) = scan_jsonl(&dir.path().join("v"), &["."]);
    let got = tally(&findings);
    let want: std::collections::BTreeMap<_, _> = [
        ("acme", "2026.csv", "$.email", "email", "test_value", 2),
        ("acme", "2026.csv", "$.ssn", "us_ssn", "clear", 2),
        (
            "acme",
            "events.ndjson",
            "$.user.email",
            "email",
            "test_value",
            1,
        ),
        (
            "acme",
            "older.ndjson.gz",
            "$.email",
            "email",
            "test_value",
            1,
        ),
        (
            "acme",
            "cards.json",
            "$.card.number",
            "credit_card",
            "test_value",
            1,
        ),
        ("acme", "contacts.csv", "$.phone", "phone", "test_value", 1),
    ]
    .iter()
    .map(|&(v, f, p, d, s, n)| ((v.into(), f.into(), p.into(), d.into(), s.into()), n))
    .collect();
    assert_eq!(got, want);
    let files: std::collections::BTreeSet<&str> = findings
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        [
            "./acme/download!/contacts.csv",
            "./acme/export.zip!/archive/older.ndjson.gz",
            "./acme/export.zip!/events.ndjson",
            "./acme/export.zip!/nested.zip!/cards.json",
            "./acme/export.zip!/users/2026.csv",
        ]
    );
    // Offsets and lines are within the member.
    let ssn = findings.iter().find(|f| f["detector"] == "us_ssn").unwrap();
    assert_eq!(
        (ssn["line"].as_u64(), ssn["column"].as_u64()),
        (Some(2), Some(24))
    );
}

#[test]
fn members_not_read_are_reported_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    exports(dir.path());
    let out = sandsift()
        .current_dir(dir.path().join("v"))
        .args(["scan", ".", "-f", "json", "-q", "--fail-on", "never"])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &r["summary"];
    assert_eq!(s["formats"]["zip"], 2);
    assert_eq!(s["files_failed"], 1);
    assert!(
        r["failed"][0]["error"]
            .as_str()
            .unwrap()
            .contains("not a readable zip archive"),
        "{}",
        r["failed"]
    );
    let problems: Vec<String> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["file"].as_str().unwrap(),
                p["message"].as_str().unwrap()
            )
        })
        .collect();
    let has = |needle: &str| problems.iter().any(|p| p.contains(needle));
    assert!(
        has("export.zip!/private/payroll.csv archive member not scanned: encrypted member"),
        "{problems:?}"
    );
    assert!(
        has("export.zip!/bomb.txt archive member not scanned: compression ratio over 1000:1"),
        "{problems:?}"
    );
    assert!(
        has("export.zip!/logo.png archive member not scanned: binary"),
        "{problems:?}"
    );
    assert_eq!(s["parts_skipped"]["archive member (see problems)"], 3);
    // Depth 1: the nested archive is not opened, and says so.
    let out = sandsift()
        .current_dir(dir.path().join("v"))
        .args([
            "scan",
            ".",
            "-f",
            "json",
            "-q",
            "--fail-on",
            "never",
            "--max-archive-depth",
            "1",
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        r["problems"].as_array().unwrap().iter().any(|p| p["file"]
            == "./acme/export.zip!/nested.zip"
            && p["message"]
                .as_str()
                .unwrap()
                .contains("archive nested deeper than --max-archive-depth (1)")),
        "{}",
        r["problems"]
    );
}

/// A workbook with a headed sheet (numbers stored as numbers) and a sheet
/// without a header row.
fn workbook() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Customers").unwrap();
    for (c, h) in ["id", "email", "ssn", "card_number", "plan"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let rows: [(f64, &str, f64, f64, &str); 2] = [
        (
            1.0,
            "jane.doe@example.com",
            512_440_133.0,
            4_111_111_111_111_111.0,
            "Pro plan",
        ),
        (
            2.0,
            "omar@example.org",
            287_654_321.0,
            5_555_555_555_554_444.0,
            "Free",
        ),
    ];
    for (r, (id, email, ssn, card, plan)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_number(r, 0, *id).unwrap();
        ws.write_string(r, 1, *email).unwrap();
        ws.write_number(r, 2, *ssn).unwrap();
        ws.write_number(r, 3, *card).unwrap();
        ws.write_string(r, 4, *plan).unwrap();
    }
    let raw = wb.add_worksheet();
    raw.set_name("Sheet2").unwrap();
    raw.write_string(0, 0, "li.wei@example.com").unwrap();
    raw.write_number(0, 1, 42.0).unwrap();
    raw.write_string(1, 0, "sam.lee@example.org").unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn workbook_sheets_are_tables_and_numbers_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("v/peoplehub");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("staff.xlsx"), workbook()).unwrap();
    // The same workbook inside an archive.
    std::fs::write(
        d.join("bundle.zip"),
        zip_of(&[("hr/staff.xlsx", &workbook())], &[]),
    )
    .unwrap();
    std::fs::write(d.join("broken.xlsx"), b"not a workbook").unwrap();
    let (findings, _) = scan_jsonl(&dir.path().join("v"), &[".", "--reveal"]);
    let mut got: Vec<String> = findings
        .iter()
        .filter(|f| f["file"] == "./peoplehub/staff.xlsx")
        .map(|f| {
            format!(
                "{} {} {} {}:{}",
                f["field"].as_str().unwrap(),
                f["detector"].as_str().unwrap(),
                f["value"].as_str().unwrap(),
                f["line"],
                f["column"]
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "$.Customers.card_number credit_card 4111111111111111 2:4",
            "$.Customers.card_number credit_card 5555555555554444 3:4",
            "$.Customers.email email jane.doe@example.com 2:2",
            "$.Customers.email email omar@example.org 3:2",
            "$.Customers.ssn us_ssn 287654321 3:3",
            "$.Customers.ssn us_ssn 512440133 2:3",
            "$.Sheet2.A email li.wei@example.com 1:1",
            "$.Sheet2.A email sam.lee@example.org 2:1",
        ]
    );
    let in_zip = findings
        .iter()
        .filter(|f| f["file"] == "./peoplehub/bundle.zip!/hr/staff.xlsx")
        .count();
    assert_eq!(in_zip, 8, "a workbook inside an archive is read the same");
    let out = sandsift()
        .current_dir(dir.path().join("v"))
        .args(["scan", ".", "-f", "json", "-q", "--fail-on", "never"])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["summary"]["formats"]["excel"], 1);
    assert!(
        r["failed"][0]["error"]
            .as_str()
            .unwrap()
            .contains("not a readable workbook"),
        "{}",
        r["failed"]
    );
}

/// A Parquet file with a struct column, a list column, an SSN stored as
/// an integer and a float column.
fn parquet_file() -> Vec<u8> {
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use std::sync::Arc;
    let schema = Arc::new(
        parquet::schema::parser::parse_message_type(
            "message export {
               required int64 id;
               required group customer {
                 required binary email (UTF8);
                 optional binary first_name (UTF8);
               }
               optional group contacts (LIST) {
                 repeated group list { optional binary element (UTF8); }
               }
               required int64 ssn;
               required double score;
             }",
        )
        .unwrap(),
    );
    let mut buf = Vec::new();
    let mut w = SerializedFileWriter::new(
        &mut buf,
        schema,
        Arc::new(WriterProperties::builder().build()),
    )
    .unwrap();
    let mut rg = w.next_row_group().unwrap();
    let text = |v: &[&str]| v.iter().map(|s| ByteArray::from(*s)).collect::<Vec<_>>();
    let mut index = 0;
    while let Some(mut col) = rg.next_column().unwrap() {
        match index {
            0 => drop(
                col.typed::<Int64Type>()
                    .write_batch(&[1, 2], None, None)
                    .unwrap(),
            ),
            1 => drop(
                col.typed::<ByteArrayType>()
                    .write_batch(
                        &text(&["jane.doe@example.com", "omar@example.org"]),
                        None,
                        None,
                    )
                    .unwrap(),
            ),
            2 => drop(
                col.typed::<ByteArrayType>()
                    .write_batch(&text(&["Jane"]), Some(&[1, 0]), None)
                    .unwrap(),
            ),
            3 => drop(
                col.typed::<ByteArrayType>()
                    .write_batch(
                        &text(&["mom@example.org", "dad@example.org"]),
                        Some(&[3, 3, 0]),
                        Some(&[0, 1, 0]),
                    )
                    .unwrap(),
            ),
            4 => drop(
                col.typed::<Int64Type>()
                    .write_batch(&[512_440_133, 287_654_321], None, None)
                    .unwrap(),
            ),
            _ => drop(
                col.typed::<DoubleType>()
                    .write_batch(&[0.5, 0.7], None, None)
                    .unwrap(),
            ),
        }
        col.close().unwrap();
        index += 1;
    }
    rg.close().unwrap();
    w.close().unwrap();
    buf
}

#[test]
fn parquet_columns_are_fields_with_nested_and_list_paths() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("v/lake");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("customers.parquet"), parquet_file()).unwrap();
    std::fs::write(d.join("truncated.parquet"), &parquet_file()[..40]).unwrap();
    let (findings, _) = scan_jsonl(&dir.path().join("v"), &[".", "--reveal"]);
    let mut got: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}:{}",
                f["field"].as_str().unwrap(),
                f["detector"].as_str().unwrap(),
                f["value"].as_str().unwrap(),
                f["line"],
                f["column"]
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "$.contacts[*] email dad@example.org 1:3",
            "$.contacts[*] email mom@example.org 1:3",
            "$.customer.email email jane.doe@example.com 1:2",
            "$.customer.email email omar@example.org 2:2",
            "$.customer.first_name person_name Jane 1:2",
            "$.ssn us_ssn 287654321 2:4",
            "$.ssn us_ssn 512440133 1:4",
        ]
    );
    let out = sandsift()
        .current_dir(dir.path().join("v"))
        .args(["scan", ".", "-f", "json", "-q", "--fail-on", "never"])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["summary"]["formats"]["parquet"], 1);
    assert_eq!(r["summary"]["records"], 2);
    let ssn = r["vendors"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "$.ssn")
        .unwrap();
    assert_eq!(
        (ssn["count"].as_u64(), ssn["values"].as_u64()),
        (Some(2), Some(2))
    );
    assert!(
        r["failed"][0]["error"]
            .as_str()
            .unwrap()
            .contains("Parquet"),
        "{}",
        r["failed"]
    );
}

#[test]
fn huge_member_counts_and_corrupt_directories_end_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("v/bulk");
    std::fs::create_dir_all(&d).unwrap();
    // 100,000 tiny members, one of them with an address; a limit of 50,000.
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..100_000 {
        w.start_file(format!("m/{i:06}.txt"), opts).unwrap();
        if i == 7 {
            w.write_all(b"write to first@example.org\n").unwrap();
        } else {
            w.write_all(b"ok\n").unwrap();
        }
    }
    let many = w.finish().unwrap().into_inner();
    std::fs::write(d.join("many.zip"), &many).unwrap();
    // The same small archive with its central directory cut off.
    let good = zip_of(&[("a.csv", b"email\nsecond@example.org\n")], &[]);
    let cut = &good[..good.len() - 30];
    std::fs::write(d.join("cut.zip"), cut).unwrap();
    std::fs::write(d.join("fine.csv"), "email\nthird@example.org\n").unwrap();
    let out = sandsift()
        .current_dir(dir.path().join("v"))
        .args([
            "scan",
            ".",
            "-f",
            "json",
            "-q",
            "--fail-on",
            "never",
            "--max-archive-members",
            "50000",
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &r["summary"];
    assert_eq!(
        s["findings"], 2,
        "the member before the limit and the plain file"
    );
    assert_eq!(s["parts_skipped"]["archive member (see problems)"], 50_000);
    assert_eq!(
        s["problems"], 50_000,
        "each member over the limit is counted"
    );
    assert!(
        r["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("over the member limit (50000 per archive)"),
        "{}",
        r["problems"][0]
    );
    assert_eq!(s["files_failed"], 1);
    assert!(
        r["failed"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("cut.zip")
            && r["failed"][0]["error"]
                .as_str()
                .unwrap()
                .contains("not a readable zip archive"),
        "{}",
        r["failed"]
    );
}

#[test]
fn a_corrupt_sheet_is_reported_and_the_other_sheets_scanned() {
    use std::io::Read;
    let original = workbook();
    let mut src = zip::ZipArchive::new(Cursor::new(&original[..])).unwrap();
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        if name == "xl/worksheets/sheet2.xml" {
            bytes = b"<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>".to_vec();
        }
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(&bytes).unwrap();
    }
    let broken = w.finish().unwrap().into_inner();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("v/hr");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("staff.xlsx"), broken).unwrap();
    let out = sandsift()
        .current_dir(dir.path().join("v"))
        .args(["scan", ".", "-f", "json", "-q", "--fail-on", "never"])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["summary"]["files_scanned"], 1, "{}", r["failed"]);
    assert_eq!(r["summary"]["findings"], 6, "the Customers sheet");
    assert!(
        r["problems"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("sheet 2: unreadable"),
        "{}",
        r["problems"]
    );
}
