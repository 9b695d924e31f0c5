//! CSV and TSV with a header row: each row a record, the header names the
//! field (`$.email`; a column without a name, or beyond the header, is
//! `$[7]` by zero-based index).
//!
//! Records are read by [`Records`], which reads them as the `csv` crate
//! does with its defaults (`"` quotes, doubled inside a quoted field; `\r`,
//! `\n` or `\r\n` ends a record; blank lines are skipped; rows of any
//! length) and also gives where each record and field starts: an
//! unquoted field, or a quoted one without a doubled quote, is the bytes
//! of the input themselves, its end found 16 bytes at a time. A test compares the two
//! readers on every string of up to seven bytes over the bytes that
//! matter and on generated exports. The crate's reader (`csv-core`, a
//! state machine stepping byte by byte) had been 31% of a CSV scan's
//! instructions (callgrind, 8 MB of generated exports: 107M of 346M), and
//! gave only where a record starts, and that after the `\n` of a `\r\n`
//! or the blank lines before it was read: findings in files with `\r\n`
//! line ends had their offsets, lines and columns one byte early. With
//! this reader the same scan's worker ran 257.0M instructions against
//! 346.3M, and 512 MiB of exports on 2 threads took 1.87 s against 2.34
//! s. The crate cannot give field offsets, and the scan's throughput
//! targets are not met, so the reader is ours; the crate still writes
//! the `csv` report and checks this reader in the tests.

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

/// Where the value of a field read by [`Records`] lies: bytes of the
/// input, or of the reader's buffer when quotes were undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// `data[start..end]`, as it is.
    Input(usize, usize),
    /// `buf[start..end]`: a quoted field with a doubled quote, or bytes
    /// after its closing quote; its content starts at `content` in the
    /// input and runs to `end_raw`.
    Buffer {
        /// The value's first byte in the buffer.
        start: usize,
        /// Just after its last.
        end: usize,
        /// The content's first byte in the input (after the quote).
        content: usize,
        /// The field's end in the input.
        end_raw: usize,
    },
}

/// Reads the records of delimited text from a record boundary.
#[derive(Debug)]
pub struct Records<'a> {
    data: &'a [u8],
    pos: usize,
    delimiter: u8,
}

impl<'a> Records<'a> {
    /// Records of `data`, which starts at a record boundary.
    pub fn new(data: &'a [u8], delimiter: u8) -> Self {
        Records {
            data,
            pos: 0,
            delimiter,
        }
    }

    /// Where the next record would be looked for.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Reads the next record into `fields` (values undone into `buf`),
    /// and says where it starts; `None` at the end of the input.
    pub fn next_record(&mut self, fields: &mut Vec<Place>, buf: &mut Vec<u8>) -> Option<usize> {
        let data = self.data;
        let d = self.delimiter;
        fields.clear();
        buf.clear();
        // Blank lines (and the `\n` of a `\r\n`) are skipped.
        while matches!(data.get(self.pos), Some(b'\r' | b'\n')) {
            self.pos += 1;
        }
        if self.pos >= data.len() {
            return None;
        }
        let record_start = self.pos;
        loop {
            let start = self.pos;
            let value = if data.get(start) == Some(&b'"') {
                self.quoted(buf)
            } else {
                let end = field_end(data, start, d);
                self.pos = end;
                Place::Input(start, end)
            };
            fields.push(value);
            match data.get(self.pos) {
                Some(&b) if b == d => self.pos += 1,
                Some(b'\r') => {
                    self.pos += 1;
                    if data.get(self.pos) == Some(&b'\n') {
                        self.pos += 1;
                    }
                    return Some(record_start);
                }
                Some(b'\n') => {
                    self.pos += 1;
                    return Some(record_start);
                }
                // The end of the input ends the field and the record.
                _ => return Some(record_start),
            }
        }
    }

    /// Reads the quoted field at `self.pos`, up to its delimiter or line
    /// end (or the input's end).
    fn quoted(&mut self, buf: &mut Vec<u8>) -> Place {
        let data = self.data;
        let d = self.delimiter;
        let content = self.pos + 1;
        let at_end = |i: usize| match data.get(i) {
            None => true,
            Some(&b) => b == d || b == b'\n' || b == b'\r',
        };
        match memchr::memchr(b'"', &data[content..]) {
            None => {
                // Never closed: the rest of the input.
                self.pos = data.len();
                return Place::Input(content, data.len());
            }
            Some(i) if at_end(content + i + 1) => {
                self.pos = content + i + 1;
                return Place::Input(content, content + i);
            }
            Some(_) => {}
        }
        // A doubled quote, or bytes after the closing one: undone into
        // the buffer.
        let start = buf.len();
        let mut i = content;
        loop {
            match memchr::memchr(b'"', &data[i..]) {
                None => {
                    buf.extend_from_slice(&data[i..]);
                    i = data.len();
                    break;
                }
                Some(k) => {
                    buf.extend_from_slice(&data[i..i + k]);
                    i += k + 1;
                    if data.get(i) == Some(&b'"') {
                        buf.push(b'"');
                        i += 1;
                        continue;
                    }
                    // Closed: what follows, up to the field's end, is
                    // taken as it is (quotes too).
                    let end = field_end(data, i, d);
                    buf.extend_from_slice(&data[i..end]);
                    i = end;
                    break;
                }
            }
        }
        self.pos = i;
        Place::Buffer {
            start,
            end: buf.len(),
            content,
            end_raw: i,
        }
    }
}

/// The first delimiter or line end at or after `from` (or the input's
/// end). Fields are short: 16 bytes at a time with SSE2, inline, cost
/// less than a call to `memchr3` (callgrind, 8 MB of exports: the
/// reader 66.3M instructions with `memchr3`).
#[inline(always)]
fn field_end(data: &[u8], from: usize, delimiter: u8) -> usize {
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    while i + 16 <= data.len() {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        };
        // SAFETY: SSE2 is part of the x86-64 baseline; the load reads
        // `data[i..i + 16]`, in bounds.
        let found = unsafe {
            let v = _mm_loadu_si128(data.as_ptr().add(i).cast());
            let eq = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
            _mm_movemask_epi8(_mm_or_si128(
                eq(delimiter),
                _mm_or_si128(eq(b'\n'), eq(b'\r')),
            ))
        };
        if found != 0 {
            return i + found.trailing_zeros() as usize;
        }
        i += 16;
    }
    data[i..]
        .iter()
        .position(|&b| b == delimiter || b == b'\n' || b == b'\r')
        .map_or(data.len(), |k| i + k)
}

/// The bytes of a field's value.
pub fn value_bytes<'a>(data: &'a [u8], buf: &'a [u8], place: Place) -> &'a [u8] {
    match place {
        Place::Input(s, e) => &data[s..e],
        Place::Buffer { start, end, .. } => &buf[start..end],
    }
}

/// Reads the header row at the start of `data`.
pub fn read_header(data: &[u8], delimiter: u8) -> Header {
    let mut records = Records::new(data, delimiter);
    let (mut fields, mut buf) = (Vec::new(), Vec::new());
    match records.next_record(&mut fields, &mut buf) {
        Some(_) => {
            let mut names: Vec<Vec<u8>> = fields
                .iter()
                .map(|&f| value_bytes(data, &buf, f).to_vec())
                .collect();
            if let Some(first) = names.first_mut()
                && first.starts_with(b"\xEF\xBB\xBF")
            {
                first.drain(..3);
            }
            Header {
                names,
                body_start: records.position(),
            }
        }
        None => Header {
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
    let mut records = Records::new(data, delimiter);
    let (mut row, mut buf) = (Vec::new(), Vec::new());
    while let Some(record_start) = records.next_record(&mut row, &mut buf) {
        sink.record();
        if row.len() != header.names.len() {
            sink.problem(Problem {
                offset: record_start,
                message: format!(
                    "ragged row: {} fields, the header has {}",
                    row.len(),
                    header.names.len()
                ),
            });
        }
        for (index, &f) in row.iter().enumerate() {
            let bytes = value_bytes(data, &buf, f);
            if bytes.is_empty() {
                continue;
            }
            while columns.len() <= index {
                columns.push(column(header, columns.len(), fields));
            }
            let raw = match f {
                Place::Input(start, _) => RawSpan::Verbatim { start },
                Place::Buffer {
                    content, end_raw, ..
                } => RawSpan::Delimited {
                    start: content,
                    raw: &data[content..end_raw],
                },
            };
            sink.value(
                fields,
                &Value {
                    field: Some(columns[index]),
                    bytes,
                    raw,
                    layers: Layers::NONE,
                },
            );
        }
    }
}

/// Maps `start..end` of a quoted field's value (its content `raw`, from
/// after the opening quote to the field's end, with doubled quotes
/// undone and the closing quote dropped) to a raw `(offset, length)`
/// within `raw`.
pub fn quoted_span_to_raw(raw: &[u8], start: usize, end: usize) -> (usize, usize) {
    let a = quoted_to_raw(raw, start, false);
    let b = quoted_to_raw(raw, end, true).max(a);
    (a, b - a)
}

/// The offset in `raw` (see [`quoted_span_to_raw`]) of the value's byte
/// `decoded`, or of the end of the byte before it (`end`).
fn quoted_to_raw(raw: &[u8], decoded: usize, end: bool) -> usize {
    let (mut i, mut n, mut closed) = (0, 0, false);
    while i < raw.len() && n < decoded {
        if !closed && raw[i] == b'"' {
            if raw.get(i + 1) == Some(&b'"') {
                i += 2;
                n += 1;
            } else {
                // The closing quote stands for nothing.
                i += 1;
                closed = true;
            }
            continue;
        }
        i += 1;
        n += 1;
    }
    // A value byte right after the closing quote starts past it.
    if !end && !closed && n == decoded && raw.get(i) == Some(&b'"') && raw.get(i + 1) != Some(&b'"')
    {
        i += 1;
    }
    i
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
        // The field's content, from after its opening quote.
        let raw = &body[3..body.len() - 1];
        let (o, l) = quoted_span_to_raw(raw, 12, 25);
        assert_eq!(&raw[o..o + l], b"c@example.com");
        let (o, l) = quoted_span_to_raw(raw, 0, 8);
        assert_eq!(&raw[o..o + l], b"say \"\"hi\"\"");
        let c = run(data);
        let (o, l) = c.spans[1];
        assert_eq!(&body[o..o + l], b"say \"\"hi\"\" to c@example.com");
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

    /// All records of `data` as `Records` reads them, and as the `csv`
    /// crate does.
    /// Records as lists of field values.
    type Rows = Vec<Vec<Vec<u8>>>;

    fn both(data: &[u8], delimiter: u8) -> (Rows, Rows) {
        let mut ours = Vec::new();
        let mut records = Records::new(data, delimiter);
        let (mut row, mut buf) = (Vec::new(), Vec::new());
        while let Some(start) = records.next_record(&mut row, &mut buf) {
            // A field's bytes are the input's, after the record's start,
            // or map back to them.
            for &f in &row {
                let value = value_bytes(data, &buf, f);
                match f {
                    Place::Input(s, e) => {
                        assert!(s >= start);
                        assert_eq!(&data[s..e], value);
                    }
                    Place::Buffer {
                        content, end_raw, ..
                    } => {
                        assert!(content > start);
                        assert_eq!(data[content - 1], b'"');
                        let raw = &data[content..end_raw];
                        for (i, &b) in value.iter().enumerate() {
                            let (a, len) = quoted_span_to_raw(raw, i, i + 1);
                            assert_eq!(raw[a], b, "{data:?} byte {i}");
                            assert!(len >= 1, "{data:?} byte {i}");
                        }
                    }
                }
            }
            ours.push(
                row.iter()
                    .map(|&f| value_bytes(data, &buf, f).to_vec())
                    .collect(),
            );
        }
        let theirs = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(data)
            .byte_records()
            .map(|r| r.unwrap().iter().map(<[u8]>::to_vec).collect())
            .collect();
        (ours, theirs)
    }

    /// Every string of up to seven bytes over the bytes that matter reads
    /// as the `csv` crate reads it.
    #[test]
    fn records_are_read_as_the_csv_crate_reads_them() {
        crate::each_string(b"a,\"\n\r ", 7, |data| {
            let (ours, theirs) = both(data, b',');
            assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(data));
        });
        crate::each_string(b"a\t\"\n,", 6, |data| {
            let (ours, theirs) = both(data, b'\t');
            assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(data));
        });
        // Longer rows: generated fields, quoted and not, with every
        // line end.
        let mut next = crate::test_numbers(5);
        let pieces = [
            "plain",
            "",
            "\"q, uoted\"",
            "\"dou\"\"ble\"",
            "\"new\nline\"",
            "\"open",
            "mid\"quote",
            "\"after\"tail",
            "a@example.com",
            " sp ",
        ];
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..next() % 6 {
                for k in 0..next() % 5 {
                    if k > 0 {
                        text.push(',');
                    }
                    text.push_str(pieces[next() % pieces.len()]);
                }
                text.push_str(["\n", "\r\n", "\r", "\n\n", ""][next() % 5]);
            }
            let (ours, theirs) = both(text.as_bytes(), b',');
            assert_eq!(ours, theirs, "{text:?}");
        }
    }

    /// Files with `\r\n` line ends and blank lines: each finding's
    /// offset is its value's, on its own line.
    #[test]
    fn values_of_crlf_files_are_placed_at_their_bytes() {
        let data = b"email,name\r\nana@example.com,\"An\"\"a\"\r\n\r\n\nbo@example.org,Bo\r\n";
        let body = &data[read_header(data, b',').body_start..];
        let c = run(data);
        for ((_, value), &(offset, len)) in c.values.iter().zip(&c.spans) {
            let raw = &body[offset..offset + len];
            if value.contains('"') {
                assert_eq!(raw, b"An\"\"a");
            } else {
                assert_eq!(raw, value.as_bytes());
            }
        }
        assert_eq!(c.values.len(), 4);
        assert_eq!(c.records, 2);
    }
}
