//! CSV and TSV with a header row: each row a record, the header names the
//! field (`$.email`; a column without a name, or beyond the header, is
//! `$[7]` by zero-based index).
//!
//! Parsing is the `csv` crate's. It reports where each record starts but
//! not where each field does, so a field's raw span is worked out only when
//! a finding needs it ([`map_field_range`]), by re-reading that one record.

use super::path::{FieldId, FieldTable, Segment};
use super::{Format, Layers, Problem, RawSpan, Value, ValueSink};

/// The header row of a delimited file.
#[derive(Debug, Clone, Default)]
pub struct Header {
    /// Column names as written (BOM stripped).
    pub names: Vec<Vec<u8>>,
    /// Offset of the first byte after the header row.
    pub body_start: usize,
}

/// The delimiter of a delimited format.
pub fn delimiter(format: Format) -> u8 {
    if format == Format::Tsv { b'\t' } else { b',' }
}

fn reader(data: &[u8], delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(data)
}

/// Reads the header row at the start of `data`.
pub fn read_header(data: &[u8], delimiter: u8) -> Header {
    let mut rdr = reader(data, delimiter);
    let mut rec = csv::ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => {
            let mut names: Vec<Vec<u8>> = rec.iter().map(<[u8]>::to_vec).collect();
            if let Some(first) = names.first_mut()
                && first.starts_with(b"\xEF\xBB\xBF")
            {
                first.drain(..3);
            }
            Header {
                names,
                body_start: (rdr.position().byte() as usize).min(data.len()),
            }
        }
        _ => Header {
            names: Vec::new(),
            body_start: data.len(),
        },
    }
}

fn column(header: &Header, index: usize, fields: &mut FieldTable) -> FieldId {
    match header.names.get(index) {
        Some(name) if !name.is_empty() => fields.child(FieldTable::ROOT, Segment::Key(name)),
        _ => fields.child(FieldTable::ROOT, Segment::Column(index)),
    }
}

/// Extracts every non-empty field of the rows in `data` (a body slice: no
/// header row, starting at a record boundary).
pub fn extract<S: ValueSink>(
    data: &[u8],
    header: &Header,
    delimiter: u8,
    fields: &mut FieldTable,
    sink: &mut S,
) {
    let mut columns: Vec<FieldId> = (0..header.names.len())
        .map(|i| column(header, i, fields))
        .collect();
    let mut rdr = reader(data, delimiter);
    let mut rec = csv::ByteRecord::new();
    loop {
        let record_start = rdr.position().byte() as usize;
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                sink.problem(Problem {
                    offset: record_start,
                    message: format!("unreadable CSV record: {}", describe(&e)),
                });
                continue;
            }
        }
        let record_start = rec.position().map_or(record_start, |p| p.byte() as usize);
        sink.record();
        if rec.len() != header.names.len() {
            sink.problem(Problem {
                offset: record_start,
                message: format!(
                    "ragged row: {} fields, the header has {}",
                    rec.len(),
                    header.names.len()
                ),
            });
        }
        for (index, bytes) in rec.iter().enumerate() {
            if bytes.is_empty() {
                continue;
            }
            while columns.len() <= index {
                columns.push(column(header, columns.len(), fields));
            }
            sink.value(
                fields,
                &Value {
                    field: Some(columns[index]),
                    bytes,
                    raw: RawSpan::Delimited {
                        record_start,
                        index,
                        delimiter,
                        data,
                    },
                    layers: Layers::NONE,
                },
            );
        }
    }
}

/// Describes a csv error without quoting any content.
fn describe(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_string(),
        csv::ErrorKind::UnequalLengths { .. } => "unequal lengths".to_string(),
        _ => "malformed record".to_string(),
    }
}

/// Maps `start..end` of the decoded field `index` of the record at
/// `record_start` to a raw `(offset, length)` in `data`.
pub fn map_field_range(
    data: &[u8],
    record_start: usize,
    index: usize,
    delimiter: u8,
    start: usize,
    end: usize,
) -> (usize, usize) {
    let mut pos = record_start;
    for _ in 0..index {
        pos = skip_field(data, pos, delimiter) + 1;
    }
    if data.get(pos) != Some(&b'"') {
        return (pos + start, end - start);
    }
    // Quoted: walk the content, where `""` decodes to one `"`.
    let content = pos + 1;
    let (mut raw, mut decoded) = (content, 0);
    let mut raw_start = content;
    loop {
        if decoded == start {
            raw_start = raw;
        }
        if decoded == end || raw >= data.len() {
            return (raw_start, raw - raw_start);
        }
        if data[raw] == b'"' {
            if data.get(raw + 1) == Some(&b'"') {
                raw += 2;
            } else {
                return (raw_start, raw - raw_start);
            }
        } else {
            raw += 1;
        }
        decoded += 1;
    }
}

/// Offset of the delimiter or line end that closes the field at `pos`.
fn skip_field(data: &[u8], mut pos: usize, delimiter: u8) -> usize {
    if data.get(pos) == Some(&b'"') {
        pos += 1;
        while pos < data.len() {
            if data[pos] == b'"' {
                if data.get(pos + 1) == Some(&b'"') {
                    pos += 2;
                    continue;
                }
                pos += 1;
                break;
            }
            pos += 1;
        }
    }
    while pos < data.len() && data[pos] != delimiter && data[pos] != b'\n' {
        pos += 1;
    }
    pos
}

/// Offsets at which `data` can be cut into chunks of about `target` bytes
/// without splitting a record (a newline outside quotes). Returns the chunk
/// starts after the first, in order.
pub fn record_boundaries(data: &[u8], target: usize) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut next = target;
    let mut quoted = false;
    let mut pos = 0;
    while next < data.len() {
        let Some(i) = memchr::memchr2(b'"', b'\n', &data[pos..]) else {
            break;
        };
        pos += i;
        if data[pos] == b'"' {
            quoted = !quoted;
        } else if !quoted && pos >= next {
            cuts.push(pos + 1);
            next = pos + 1 + target;
        }
        pos += 1;
    }
    cuts.retain(|&c| c < data.len());
    cuts
}

/// Recognises CSV or TSV: the first lines have the same non-zero number of
/// delimiters outside quotes.
pub fn sniff_delimited(head: &[u8]) -> Option<Format> {
    let lines: Vec<&[u8]> = head
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .take(6)
        .collect();
    // The last line of a head may be cut short.
    let complete = if lines.len() > 2 {
        &lines[..lines.len() - 1]
    } else {
        &lines[..]
    };
    if complete.len() < 2 {
        return None;
    }
    for (delim, format) in [(b'\t', Format::Tsv), (b',', Format::Csv)] {
        let count = |line: &[u8]| {
            let mut quoted = false;
            line.iter()
                .filter(|&&b| {
                    if b == b'"' {
                        quoted = !quoted;
                    }
                    b == delim && !quoted
                })
                .count()
        };
        let first = count(complete[0]);
        if first > 0 && complete[1..].iter().all(|l| count(l) == first) {
            return Some(format);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::tests_support::Collect;

    fn run(data: &[u8]) -> Collect {
        let header = read_header(data, b',');
        let mut c = Collect::default();
        let body = &data[header.body_start..];
        extract(body, &header, b',', &mut FieldTable::default(), &mut c);
        c
    }

    #[test]
    fn quoted_fields_with_commas_and_newlines_keep_their_column() {
        let data = b"id,email,note\n1,a@example.com,\"hi, there\nsecond line\"\n2,\"b@example.com\",plain\n";
        let c = run(data);
        assert_eq!(
            c.pairs(),
            [
                ("$.id", "1"),
                ("$.email", "a@example.com"),
                ("$.note", "hi, there\nsecond line"),
                ("$.id", "2"),
                ("$.email", "b@example.com"),
                ("$.note", "plain"),
            ]
        );
        let body_start = read_header(data, b',').body_start;
        for (i, (o, l)) in c.spans.iter().enumerate() {
            let raw = &data[body_start + o..body_start + o + l];
            assert_eq!(raw, c.values[i].1.as_bytes());
        }
    }

    #[test]
    fn doubled_quotes_map_back_to_raw_bytes() {
        let data = b"a,b\nx,\"say \"\"hi\"\" to c@example.com\"\n";
        let header = read_header(data, b',');
        let body = &data[header.body_start..];
        let (o, l) = map_field_range(body, 0, 1, b',', 12, 25);
        assert_eq!(&body[o..o + l], b"c@example.com");
        let (o, l) = map_field_range(body, 0, 1, b',', 0, 8);
        assert_eq!(&body[o..o + l], b"say \"\"hi\"\"");
    }

    #[test]
    fn ragged_rows_are_reported_and_extra_columns_get_an_index() {
        let c = run(b"a,b\n1,2,3\n4\n");
        assert_eq!(c.problems.len(), 2);
        assert_eq!(
            c.pairs(),
            [("$.a", "1"), ("$.b", "2"), ("$[2]", "3"), ("$.a", "4")]
        );
    }

    #[test]
    fn boundaries_never_fall_inside_quotes() {
        let data = b"a,b\n1,\"x\ny\nz\"\n2,q\n3,r\n";
        for target in 1..data.len() {
            for cut in record_boundaries(data, target) {
                let before = &data[..cut];
                assert_eq!(
                    before.iter().filter(|&&b| b == b'"').count() % 2,
                    0,
                    "target {target} cut {cut}"
                );
                assert_eq!(data[cut - 1], b'\n');
            }
        }
    }

    #[test]
    fn header_names_become_field_paths_and_keys() {
        let c = run(b"\xEF\xBB\xBFFirst Name,email\nJane,j@example.com\n");
        assert_eq!(c.pairs()[0], ("$['First Name']", "Jane"));
        assert_eq!(c.keys(), ["First Name", "email"]);
    }
}
