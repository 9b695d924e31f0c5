//! Parquet files, read with the `parquet` crate's record API.
//!
//! Columns are fields: `$.customer.email` for a column inside a struct,
//! `$.tags[*]` for list elements, `$.attrs[*].key` / `.value` for maps.
//! Each row is a record. Only values whose type can hold personal data are
//! scanned: strings, UTF-8 binary, integers (an SSN or card stored as a
//! number) and decimals; floats, booleans, dates and times are skipped.
//! Values have no byte position (pages are encoded and compressed): a
//! finding's line is its row (1-based), its column the top-level column's
//! position, its offset and length 0. Compression: none, Snappy and gzip;
//! a file using another codec fails with that reason.
//!
//! Not yet: reading only the PII-capable columns, in parallel across row
//! groups, and scanning a dictionary page once with its counts multiplied;
//! a file is read whole, row by row, on one thread (the bytes are copied
//! once into the reader).

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, Row};

use super::path::{FieldId, FieldTable, Segment};
use super::{Layers, Problem, RawSpan, Value, ValueSink};

/// Extracts every row of the Parquet file in `data`. Returns an error when
/// the file cannot be opened; a row that cannot be decoded is a problem
/// and stops the file there.
pub fn extract<S: ValueSink>(
    data: &[u8],
    fields: &mut FieldTable,
    sink: &mut S,
) -> Result<(), String> {
    // The reader is a large third-party decoder of untrusted input: a
    // panic in it fails this file, never the scan.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(data, fields, sink)))
        .unwrap_or_else(|_| Err("the Parquet reader failed on this file".to_string()))
}

fn read<S: ValueSink>(data: &[u8], fields: &mut FieldTable, sink: &mut S) -> Result<(), String> {
    let reader = SerializedFileReader::new(bytes::Bytes::copy_from_slice(data))
        .map_err(|e| format!("not a readable Parquet file ({})", describe(&e)))?;
    let rows = reader
        .get_row_iter(None)
        .map_err(|e| format!("unreadable Parquet schema ({})", describe(&e)))?;
    let mut text = String::new();
    for (i, row) in rows.enumerate() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                sink.problem(Problem {
                    offset: 0,
                    message: format!(
                        "row {}: {}; the rest of the file was not scanned",
                        i + 1,
                        describe(&e)
                    ),
                });
                break;
            }
        };
        sink.record();
        for (c, (name, value)) in row.get_column_iter().enumerate() {
            sink.at(i as u64 + 1, c as u64 + 1);
            let field = fields.child(FieldTable::ROOT, Segment::Key(name.as_bytes()));
            emit(value, field, fields, &mut text, sink);
        }
    }
    sink.at(0, 0);
    Ok(())
}

fn emit<S: ValueSink>(
    value: &Field,
    field: FieldId,
    fields: &mut FieldTable,
    text: &mut String,
    sink: &mut S,
) {
    use std::fmt::Write as _;
    text.clear();
    match value {
        Field::Str(s) => text.push_str(s),
        Field::Bytes(b) => match std::str::from_utf8(b.data()) {
            Ok(s) => text.push_str(s),
            Err(_) => return,
        },
        Field::Byte(v) => write!(text, "{v}").unwrap_or(()),
        Field::Short(v) => write!(text, "{v}").unwrap_or(()),
        Field::Int(v) => write!(text, "{v}").unwrap_or(()),
        Field::Long(v) => write!(text, "{v}").unwrap_or(()),
        Field::UByte(v) => write!(text, "{v}").unwrap_or(()),
        Field::UShort(v) => write!(text, "{v}").unwrap_or(()),
        Field::UInt(v) => write!(text, "{v}").unwrap_or(()),
        Field::ULong(v) => write!(text, "{v}").unwrap_or(()),
        Field::Decimal(_) => write!(text, "{value}").unwrap_or(()),
        Field::Group(row) => return group(row, field, fields, text, sink),
        Field::ListInternal(list) => {
            let element = fields.child(field, Segment::Element);
            for v in list.elements() {
                emit(v, element, fields, text, sink);
            }
            return;
        }
        Field::MapInternal(map) => {
            let entry = fields.child(field, Segment::Element);
            let (k, v) = (
                fields.child(entry, Segment::Key(b"key")),
                fields.child(entry, Segment::Key(b"value")),
            );
            for (key, value) in map.entries() {
                emit(key, k, fields, text, sink);
                emit(value, v, fields, text, sink);
            }
            return;
        }
        _ => return,
    }
    if text.is_empty() {
        return;
    }
    sink.value(
        fields,
        &Value {
            field: Some(field),
            bytes: text.as_bytes(),
            raw: RawSpan::Whole { start: 0, end: 0 },
            layers: Layers::NONE,
        },
    );
}

fn group<S: ValueSink>(
    row: &Row,
    field: FieldId,
    fields: &mut FieldTable,
    text: &mut String,
    sink: &mut S,
) {
    for (name, value) in row.get_column_iter() {
        let child = fields.child(field, Segment::Key(name.as_bytes()));
        emit(value, child, fields, text, sink);
    }
}

/// A Parquet error in our words: the library's messages may quote
/// decoded data, so none of their text is passed on.
fn describe(e: &parquet::errors::ParquetError) -> &'static str {
    use parquet::errors::ParquetError as E;
    match e {
        E::General(m) | E::NYI(m) if m.to_ascii_lowercase().contains("codec") => {
            "a compression codec the reader does not support"
        }
        E::NYI(_) => "a feature the reader does not support",
        E::EOF(_) => "unexpected end of file (truncated?)",
        _ => "invalid Parquet data",
    }
}
