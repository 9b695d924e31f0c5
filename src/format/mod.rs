//! Extraction: bytes of one file (or one chunk of it) in, a stream of
//! values out, each with its field path and its span in the file.
//!
//! One module per format. An extractor never decides what is PII: it hands
//! every scalar value to a [`ValueSink`] together with a [`RawSpan`] that can
//! map any range of the (decoded) value back to the raw bytes it came from.
//! Offsets given to the sink are relative to the slice the extractor was
//! given; the engine adds the chunk's base offset.

pub mod csv;
pub mod decode;
pub mod excel;
pub mod har;
pub mod json;
pub mod ndjson;
pub mod parquet;
pub mod path;
pub mod text;

use std::path::Path;

use serde::Serialize;

pub use decode::{Encoding, Layers};
pub use path::{ExpectedKey, Field, FieldId, FieldTable};

/// An input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One JSON document.
    Json,
    /// One JSON value per line.
    Ndjson,
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// Plain text and logs, line by line.
    Text,
    /// An HTTP Archive (HAR 1.2) capture.
    Har,
    /// A zip archive, whose members are scanned as what they are.
    Zip,
    /// An Excel or OpenDocument workbook: each sheet a table.
    Excel,
    /// A Parquet file: columns are fields, rows records.
    Parquet,
}

impl Format {
    /// The lower-case name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Text => "text",
            Format::Har => "har",
            Format::Zip => "zip",
            Format::Excel => "excel",
            Format::Parquet => "parquet",
        }
    }

    /// Whether a large file of this format can be cut into chunks at record
    /// boundaries and scanned in parallel.
    pub fn chunkable(self) -> bool {
        !matches!(
            self,
            Format::Json | Format::Har | Format::Zip | Format::Excel | Format::Parquet
        )
    }

    /// The format an extension names, for extensions that are reliable.
    /// `.txt`, `.log` and unknown extensions return `None`: sniff them.
    /// A trailing `.gz` is looked through.
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = file_name(path)?;
        let name = match name.rsplit_once('.') {
            Some((stem, gz)) if gz.eq_ignore_ascii_case("gz") => stem,
            _ => name,
        };
        let ext = name.rsplit_once('.')?.1;
        // Lower-cased on the stack: the extensions we know are short.
        let mut lower = [0u8; 16];
        let buf = lower.get_mut(..ext.len())?;
        buf.copy_from_slice(ext.as_bytes());
        buf.make_ascii_lowercase();
        let ext = std::str::from_utf8(buf).ok()?;
        Some(match ext {
            "json" => Format::Json,
            "har" => Format::Har,
            "zip" => Format::Zip,
            "parquet" => Format::Parquet,
            e if excel::EXTENSIONS.contains(&e) => Format::Excel,
            "ndjson" | "jsonl" | "ldjson" => Format::Ndjson,
            "csv" => Format::Csv,
            "tsv" | "tab" => Format::Tsv,
            _ => return None,
        })
    }
}

/// The file name of `path` as text: read from the bytes after the last
/// `/` where that is plain (called once or twice per file: `file_name`
/// parses every component of the path), else as `Path::file_name` reads
/// it.
fn file_name(path: &Path) -> Option<&str> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        let name = memchr::memrchr(b'/', bytes).map_or(bytes, |i| &bytes[i + 1..]);
        if !name.is_empty() && name != b"." && name != b".." {
            return std::str::from_utf8(name).ok();
        }
    }
    path.file_name()?.to_str()
}

/// Decides the format of a file from its extension and its first bytes.
/// The extension wins, except that a `.json` file holding one JSON value
/// per line is NDJSON and one holding a HAR capture is HAR; files without
/// a reliable extension are sniffed.
pub fn detect_format(path: &Path, head: &[u8]) -> Format {
    match Format::from_path(path) {
        Some(Format::Json) if matches!(sniff(head), Format::Ndjson | Format::Har) => sniff(head),
        Some(f) => f,
        None => sniff(head),
    }
}

/// Guesses a format from the first bytes of a file.
pub fn sniff(head: &[u8]) -> Format {
    if crate::archive::is_zip(head) {
        return Format::Zip;
    }
    if head.starts_with(b"PAR1") {
        return Format::Parquet;
    }
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let body = &head[start..];
    match body.first() {
        Some(b'{') => {
            if ndjson::looks_like_ndjson(body) {
                Format::Ndjson
            } else if har::looks_like_har(body) {
                Format::Har
            } else {
                Format::Json
            }
        }
        Some(b'[') => Format::Json,
        Some(_) => csv::sniff_delimited(body).unwrap_or(Format::Text),
        None => Format::Text,
    }
}

/// Where a value's bytes came from in the raw input, able to map a range of
/// the value back to raw offsets.
#[derive(Debug, Clone, Copy)]
pub enum RawSpan<'a> {
    /// The value is the raw bytes at `start`, unchanged.
    Verbatim {
        /// Offset of the value's first byte.
        start: usize,
    },
    /// A JSON string body at `start` (after the quote) whose escapes were
    /// decoded.
    JsonEscaped {
        /// Offset of the raw string body.
        start: usize,
        /// The raw string body, escapes and all.
        raw: &'a [u8],
    },
    /// A quoted CSV field whose doubled quotes were undone (or with
    /// bytes after its closing quote).
    Delimited {
        /// Offset of the field's content (after the opening quote).
        start: usize,
        /// The raw content, to the field's end.
        raw: &'a [u8],
    },
    /// A percent-encoded run at `start` that was decoded (`+` as a space
    /// when `plus` is set).
    Percent {
        /// Offset of the raw run.
        start: usize,
        /// The raw run.
        raw: &'a [u8],
        /// Whether `+` stands for a space.
        plus: bool,
    },
    /// Bytes decoded from the encoded run `start..end` (base64, a JWT
    /// segment, gzip): any part of the value maps to the whole run.
    Whole {
        /// Offset of the run.
        start: usize,
        /// End of the run.
        end: usize,
    },
    /// A value inside a decoded value: `inner` maps into the decoded
    /// value, `parent` maps that to the raw input.
    Within {
        /// The span of the decoded value.
        parent: &'a RawSpan<'a>,
        /// The span inside it.
        inner: &'a RawSpan<'a>,
    },
}

impl RawSpan<'_> {
    /// Maps `start..end` of the decoded value to a raw `(offset, length)`.
    pub fn map(&self, start: usize, end: usize) -> (usize, usize) {
        match *self {
            RawSpan::Verbatim { start: s } => (s + start, end - start),
            RawSpan::JsonEscaped { start: s, raw } => {
                let (a, b) = json::decoded_span_to_raw(raw, start, end);
                (s + a, b - a)
            }
            RawSpan::Delimited { start: s, raw } => {
                let (a, len) = csv::quoted_span_to_raw(raw, start, end);
                (s + a, len)
            }
            RawSpan::Percent {
                start: s,
                raw,
                plus,
            } => {
                let a = decode::percent_decoded_to_raw(raw, plus, start);
                let b = decode::percent_decoded_to_raw(raw, plus, end);
                (s + a, b - a)
            }
            RawSpan::Whole { start: s, end: e } => (s, e - s),
            RawSpan::Within { parent, inner } => {
                let (o, l) = inner.map(start, end);
                parent.map(o, o + l)
            }
        }
    }
}

/// One scalar value handed to a sink.
#[derive(Debug, Clone, Copy)]
pub struct Value<'a> {
    /// The interned field path, or `None` for free text.
    pub field: Option<FieldId>,
    /// The decoded value.
    pub bytes: &'a [u8],
    /// Where it came from.
    pub raw: RawSpan<'a>,
    /// The encodings decoded to get it, outermost first.
    pub layers: Layers,
}

/// Whether a value of an API capture went to the vendor or came back.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// We sent it to the vendor.
    Request,
    /// The vendor sent it back.
    Response,
}

impl Direction {
    /// The lower-case name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Request => "request",
            Direction::Response => "response",
        }
    }
}

/// Where the values that follow were sent, in an API capture.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The request host (no port).
    pub host: &'a str,
    /// Method, host and path template (`POST api.example.com/v1/users/{id}`).
    pub endpoint: &'a str,
    /// Request or response.
    pub direction: Direction,
}

/// A problem in the input that did not stop extraction (a malformed NDJSON
/// line, a ragged CSV row) or that did (truncated JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Offset in the slice where it was noticed.
    pub offset: usize,
    /// What is wrong; never quotes file content.
    pub message: String,
}

/// Receives what an extractor finds.
pub trait ValueSink {
    /// A scalar value.
    fn value(&mut self, fields: &mut FieldTable, value: &Value<'_>);
    /// The start of a record (a line, a row, a document).
    fn record(&mut self);
    /// A problem in the input.
    fn problem(&mut self, problem: Problem);
    /// The values that follow belong to this exchange of an API capture
    /// (`None`: to the file's own vendor again).
    fn origin(&mut self, origin: Option<&Origin<'_>>) {
        let _ = origin;
    }
    /// A part of the input that was deliberately not scanned (a binary
    /// body in a capture), counted by reason.
    fn skipped(&mut self, reason: &'static str) {
        let _ = reason;
    }
    /// The values that follow sit at this 1-based line and column (a
    /// spreadsheet cell's row and column), not at their byte offset;
    /// `(0, 0)` ends that.
    fn at(&mut self, line: u64, column: u64) {
        let _ = (line, column);
    }
    /// The record that follows is the line at `start..end` of the data
    /// the offsets are in, with `newlines` line breaks before it: finding
    /// locations inside it need no counting.
    fn line(&mut self, start: usize, end: usize, newlines: u64) {
        let _ = (start, end, newlines);
    }
    /// `n` records start (a Parquet row group's rows).
    fn records(&mut self, n: u64) {
        for _ in 0..n {
            self.record();
        }
    }
    /// Whether no detector can match any integer in `min..=max` written
    /// out in `field`: then those values need not be handed over.
    fn integers_clear(
        &mut self,
        fields: &mut FieldTable,
        field: FieldId,
        min: i64,
        max: i64,
    ) -> bool {
        let _ = (fields, field, min, max);
        false
    }
    /// `n` values of `field` that were not handed over because
    /// [`ValueSink::integers_clear`] said they cannot hold a finding:
    /// counted as seen.
    fn unscanned(&mut self, fields: &mut FieldTable, field: FieldId, n: u64) {
        let _ = (fields, field, n);
    }
}

/// Whether two byte strings are equal, compared in place by words for
/// strings of up to 32 bytes and by 16-byte vectors for longer ones: a call
/// of the C library's `memcmp` for each value the engine's memo holds cost
/// about 3% of the time on dense records (a call, and branches on a length
/// that changes from value to value), for each key looked up among a
/// field's children about 1%, and for the long gaps of pretty-printed JSON
/// records (indentation and key, see `json::shapes`) 11% of a JSON
/// export's time.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n > 32 {
        return same_long(a, b);
    }
    if n < 8 {
        // Two four-byte words that may overlap, or bytes one by one.
        if n >= 4 {
            let word = |s: &[u8], at: usize| {
                let mut w = [0u8; 4];
                w.copy_from_slice(&s[at..at + 4]);
                u32::from_le_bytes(w)
            };
            return (word(a, 0) ^ word(b, 0)) | (word(a, n - 4) ^ word(b, n - 4)) == 0;
        }
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(w)
    };
    // Words at 0, 8 and 16 as far as they fit, and the last eight bytes.
    let mut diff = word(a, n - 8) ^ word(b, n - 8);
    let mut at = 0;
    while at + 8 < n {
        diff |= word(a, at) ^ word(b, at);
        at += 8;
    }
    diff == 0
}

/// [`same_bytes`] for two strings of one length of 16 bytes or more: 16
/// bytes at a time and the last 16, with SSE2 (the x86-64 baseline).
#[cfg(target_arch = "x86_64")]
#[inline]
fn same_long(a: &[u8], b: &[u8]) -> bool {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8};
    let n = a.len().min(b.len());
    if n < 16 {
        return a == b;
    }
    let same = |at: usize| {
        let (x, y) = (&a[at..at + 16], &b[at..at + 16]);
        // SAFETY: SSE2 is part of the x86-64 baseline; each load reads
        // the 16 bytes of a slice just bounds-checked, unaligned loads
        // allowed.
        unsafe {
            let eq = _mm_cmpeq_epi8(
                _mm_loadu_si128(x.as_ptr().cast()),
                _mm_loadu_si128(y.as_ptr().cast()),
            );
            _mm_movemask_epi8(eq) == 0xFFFF
        }
    };
    let mut at = 0;
    while at + 16 < n {
        if !same(at) {
            return false;
        }
        at += 16;
    }
    a.len() == b.len() && same(n - 16)
}

#[cfg(not(target_arch = "x86_64"))]
fn same_long(a: &[u8], b: &[u8]) -> bool {
    a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_compared_by_words_are_equal_exactly_when_they_are() {
        let mut next = crate::test_numbers(7);
        for n in (0..100).chain([255, 256, 257]) {
            let a: Vec<u8> = (0..n).map(|_| (next() % 4) as u8).collect();
            assert!(same_bytes(&a, &a.clone()));
            for i in 0..n {
                let mut b = a.clone();
                b[i] ^= 1 << (next() % 8);
                assert!(!same_bytes(&a, &b), "{a:?} {b:?}");
            }
            assert!(!same_bytes(&a, &a[..n.saturating_sub(1)]) || n == 0);
        }
    }

    #[test]
    fn extensions_are_read_as_the_file_name_says() {
        // The reading before names were taken from the path's bytes.
        fn by_components(path: &Path) -> Option<Format> {
            let name = path.file_name()?.to_str()?.to_ascii_lowercase();
            let name = name.strip_suffix(".gz").unwrap_or(&name);
            let ext = name.rsplit_once('.')?.1;
            Format::from_path(Path::new(&format!("x.{ext}")))
        }
        let names = [
            "users.json",
            "USERS.JSON.GZ",
            "a.ndjson",
            "b.JsonL",
            "c.csv.gz",
            "d.tsv",
            "e.tab",
            "f.har",
            "g.zip",
            "h.xlsx",
            "i.XLS",
            "j.parquet",
            "k.txt",
            "l.log",
            "m",
            ".json",
            "x.gz",
            ".gz",
            "n.json/",
            "dir/o.csv",
            "./p.har",
            "q.",
            "r.averyveryverylongextension",
            "caf\u{e9}.json",
            "s.gz.json",
            "/",
            ".",
            "..",
        ];
        for name in names {
            let path = Path::new(name);
            assert_eq!(Format::from_path(path), by_components(path), "{name}");
        }
        assert_eq!(
            Format::from_path(Path::new("a/USERS.JSON.GZ")),
            Some(Format::Json)
        );
        assert_eq!(Format::from_path(Path::new("b.TSV")), Some(Format::Tsv));
    }

    #[test]
    fn sniffing_tells_json_ndjson_csv_tsv_and_text_apart() {
        assert_eq!(sniff(b"  {\"a\": 1,\n \"b\": 2}\n"), Format::Json);
        assert_eq!(sniff(b"[1, 2]"), Format::Json);
        assert_eq!(sniff(b"{\"a\":1}\n{\"a\":2}\n"), Format::Ndjson);
        assert_eq!(
            sniff(b"id,email,name\n1,a@example.com,A\n2,b@example.com,B\n"),
            Format::Csv
        );
        assert_eq!(sniff(b"id\temail\n1\ta@example.com\n"), Format::Tsv);
        assert_eq!(
            sniff(b"2026-10-01 INFO started, all good\nnext line\n"),
            Format::Text
        );
    }

    #[test]
    fn the_extension_wins_but_a_json_file_of_lines_is_ndjson() {
        let p = Path::new;
        assert_eq!(detect_format(p("a.csv"), b"hello"), Format::Csv);
        assert_eq!(
            detect_format(p("a.json.gz"), b"{\"a\":1}\n{\"a\":2}\n"),
            Format::Ndjson
        );
        assert_eq!(
            detect_format(p("a.txt"), b"{\"a\":1}\n{\"a\":2}\n"),
            Format::Ndjson
        );
        assert_eq!(detect_format(p("events"), b"plain words"), Format::Text);
        let har = b"{\n  \"log\": {\"version\": \"1.2\", \"entries\": []}}";
        assert_eq!(detect_format(p("capture.json"), har), Format::Har);
        assert_eq!(detect_format(p("capture.har"), b"{}"), Format::Har);
    }
}

/// A sink that records everything, for the extractors' unit tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    #[derive(Default)]
    pub struct Collect {
        pub values: Vec<(String, String)>,
        pub field_keys: Vec<String>,
        pub spans: Vec<(usize, usize)>,
        pub first_words: Vec<(usize, usize)>,
        pub records: usize,
        pub problems: Vec<Problem>,
    }

    impl Collect {
        pub fn pairs(&self) -> Vec<(&str, &str)> {
            self.values
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect()
        }

        pub fn keys(&self) -> Vec<&str> {
            self.field_keys.iter().map(String::as_str).collect()
        }

        /// Asserts that two readings gave the same values, spans, records
        /// and problems (offsets and messages).
        pub fn assert_same(&self, other: &Collect, what: &str) {
            assert_eq!(self.values, other.values, "{what}");
            assert_eq!(self.spans, other.spans, "{what}");
            assert_eq!(self.records, other.records, "{what}");
            let problems = |c: &Collect| {
                c.problems
                    .iter()
                    .map(|p| (p.offset, p.message.clone()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(problems(self), problems(other), "{what}");
        }
    }

    impl ValueSink for Collect {
        fn value(&mut self, fields: &mut FieldTable, v: &Value<'_>) {
            let (path, key) = match v.field {
                Some(id) => (
                    fields.get(id).path.clone(),
                    String::from_utf8_lossy(&fields.get(id).key).into_owned(),
                ),
                None => ("null".to_string(), String::new()),
            };
            self.values
                .push((path, String::from_utf8_lossy(v.bytes).into_owned()));
            self.field_keys.push(key);
            self.spans.push(v.raw.map(0, v.bytes.len()));
            let word = v
                .bytes
                .iter()
                .position(|&b| b == b' ')
                .unwrap_or(v.bytes.len());
            self.first_words.push(v.raw.map(0, word));
        }

        fn record(&mut self) {
            self.records += 1;
        }

        fn problem(&mut self, problem: Problem) {
            self.problems.push(problem);
        }
    }
}
