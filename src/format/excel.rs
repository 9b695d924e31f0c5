//! Excel workbooks (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`) and OpenDocument
//! spreadsheets (`.ods`), read with `calamine`.
//!
//! Each sheet is a table: its first row names the fields when it looks
//! like a header (every filled cell text, none of them an address or a
//! number), so a column is `$.Customers.email` (sheet, then header);
//! otherwise columns are named by their letters (`$.Sheet1.C`). Every row
//! below is a record. Cells are scanned as text: numbers stored as numbers
//! in their plain decimal form (a 16-digit card Excel holds as a float
//! reads `4111111111111111`, a 9-digit SSN `512440133`, so field hints
//! still apply), dates as ISO dates; formulas are not evaluated (their
//! cached results are read). Cells have no byte position in the workbook
//! file (it is compressed XML): a finding's line and column are the cell's
//! row and column (1-based), its offset and length 0.

use std::io::Cursor;

use calamine::{Data, Reader};

use super::path::{FieldId, FieldTable, Segment};
use super::{Layers, Problem, RawSpan, Value, ValueSink};

/// Extensions of the workbooks this module reads.
pub const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Extracts every sheet of the workbook in `data`. Returns an error when
/// the workbook cannot be opened at all; an unreadable sheet is a problem
/// and the other sheets are still read.
pub fn extract<S: ValueSink>(
    data: &[u8],
    fields: &mut FieldTable,
    sink: &mut S,
) -> Result<(), String> {
    // The reader is a large third-party decoder of untrusted input: a
    // panic in it fails this file, never the scan.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(data, fields, sink)))
        .unwrap_or_else(|_| Err("the workbook reader failed on this file".to_string()))
}

fn read<S: ValueSink>(data: &[u8], fields: &mut FieldTable, sink: &mut S) -> Result<(), String> {
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(data))
        .map_err(|e| format!("not a readable workbook ({})", describe(&e)))?;
    let names = workbook.sheet_names().to_vec();
    for (index, name) in names.iter().enumerate() {
        let range = match workbook.worksheet_range(name) {
            Ok(r) => r,
            Err(e) => {
                sink.problem(Problem {
                    offset: 0,
                    message: format!("sheet {}: unreadable ({})", index + 1, describe(&e)),
                });
                continue;
            }
        };
        let sheet = fields.child(FieldTable::ROOT, Segment::Key(name.as_bytes()));
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let mut rows = range.rows().peekable();
        let mut columns: Vec<FieldId> = Vec::new();
        let mut first_row = row0;
        if let Some(head) = rows.peek()
            && is_header(head)
        {
            for cell in head.iter() {
                let label = match cell {
                    Data::String(s) if !s.trim().is_empty() => s.trim().to_string(),
                    _ => column_letters(col0 + columns.len() as u32),
                };
                columns.push(fields.child(sheet, Segment::Key(label.as_bytes())));
            }
            rows.next();
            first_row += 1;
        }
        for (i, row) in rows.enumerate() {
            sink.record();
            for (j, cell) in row.iter().enumerate() {
                let Some(text) = cell_text(cell) else {
                    continue;
                };
                while columns.len() <= j {
                    let letters = column_letters(col0 + columns.len() as u32);
                    columns.push(fields.child(sheet, Segment::Key(letters.as_bytes())));
                }
                sink.at(
                    u64::from(first_row) + i as u64 + 1,
                    u64::from(col0) + j as u64 + 1,
                );
                sink.value(
                    fields,
                    &Value {
                        field: Some(columns[j]),
                        bytes: text.as_bytes(),
                        raw: RawSpan::Whole { start: 0, end: 0 },
                        layers: Layers::NONE,
                    },
                );
            }
        }
        sink.at(0, 0);
    }
    Ok(())
}

/// A first row is a header when it has a filled cell and every filled
/// cell is text that is neither an address nor a number.
fn is_header(row: &[Data]) -> bool {
    let mut filled = 0;
    for cell in row {
        match cell {
            Data::Empty => {}
            Data::String(s) => {
                let s = s.trim();
                if s.contains('@') || s.parse::<f64>().is_ok() {
                    return false;
                }
                if !s.is_empty() {
                    filled += 1;
                }
            }
            _ => return false,
        }
    }
    filled > 0
}

/// A cell as text; `None` for empty, boolean and error cells.
fn cell_text(cell: &Data) -> Option<String> {
    match cell {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            (!s.trim().is_empty()).then(|| s.clone())
        }
        Data::Int(i) => Some(i.to_string()),
        // Whole numbers in plain decimal (no exponent, no `.0`).
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e17 => Some(format!("{f:.0}")),
        Data::Float(f) => Some(f.to_string()),
        Data::DateTime(d) => {
            let (y, mo, day, h, mi, s, _) = d.to_ymd_hms_milli();
            Some(if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{day:02}")
            } else {
                format!("{y:04}-{mo:02}-{day:02}T{h:02}:{mi:02}:{s:02}")
            })
        }
        Data::Bool(_) | Data::Error(_) | Data::Empty => None,
    }
}

/// `A`, `B`, … `Z`, `AA`, … for a zero-based column index.
fn column_letters(mut index: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A calamine error without cell content.
fn describe(e: &calamine::Error) -> &'static str {
    match e {
        calamine::Error::Io(_) => "read error",
        calamine::Error::Xlsx(_) => "invalid xlsx",
        calamine::Error::Xls(_) => "invalid xls",
        calamine::Error::Xlsb(_) => "invalid xlsb",
        calamine::Error::Ods(_) => "invalid ods",
        _ => "invalid workbook",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_like_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn numbers_read_as_plain_decimals() {
        assert_eq!(
            cell_text(&Data::Float(4111111111111111.0)).unwrap(),
            "4111111111111111"
        );
        assert_eq!(cell_text(&Data::Float(512440133.0)).unwrap(), "512440133");
        assert_eq!(cell_text(&Data::Float(49.99)).unwrap(), "49.99");
        assert_eq!(cell_text(&Data::Int(-7)).unwrap(), "-7");
        assert_eq!(cell_text(&Data::Bool(true)), None);
    }

    #[test]
    fn headers_are_text_rows() {
        let s = |v: &str| Data::String(v.to_string());
        assert!(is_header(&[s("email"), s("ssn"), Data::Empty]));
        assert!(!is_header(&[s("a@example.com"), s("x")]));
        assert!(!is_header(&[s("name"), Data::Float(1.0)]));
        assert!(!is_header(&[s("12"), s("x")]));
        assert!(!is_header(&[Data::Empty]));
    }
}
