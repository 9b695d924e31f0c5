//! The `jsonl` output: one finding per line, streamed as findings arrive.
//!
//! A line is written by hand into a reused buffer and handed to the output
//! in one call. serde_json writing the derived `Serialize` straight into
//! the boxed output made a dynamic call per token — about 9,400
//! instructions per finding (callgrind: 3,731 findings from 8 MB of
//! events, 35 M instructions) on the thread that also merges the workers'
//! results; into a `Vec` it still took 5,800, escaping byte by byte. This
//! writer copies strings that need no escape whole. Its bytes are those of
//! `serde_json::to_vec(&finding)`, which the tests check.

use std::io::{self, Write};
use std::sync::Arc;

use crate::detect::{Category, Confidence, Status};
use crate::finding::{Finding, Fingerprint};
use crate::format::{Direction, Encoding, Format};

/// Rows of encoded pieces kept before the cache starts over (a scan
/// has far fewer (field, detector) rows than this).
const MAX_ROWS: usize = 4096;

/// Writes findings as lines of JSON, reusing one line buffer.
///
/// A file's findings share their first keys (vendor, endpoint,
/// direction, file, format) and a row's findings the next ones (field,
/// detector, category, confidence, evidence, status): both are encoded
/// once and copied, found by the identity of the finding's shared
/// strings (the pieces keep those strings alive, so an address is never
/// that of another string). Callgrind, 3,731 findings from 8 MB of
/// events: about 1,930 instructions a line when every string was
/// encoded, on the thread that also merges the workers' results.
#[derive(Debug, Default)]
pub struct LineWriter {
    line: Vec<u8>,
    head: Option<Head>,
    rows: rustc_hash::FxHashMap<RowKey, Row>,
}

/// The encoded keys a file's findings share, up to `"field":`.
#[derive(Debug)]
struct Head {
    vendor: Arc<str>,
    endpoint: Option<Arc<str>>,
    direction: Option<Direction>,
    file: Arc<str>,
    format: Format,
    bytes: Vec<u8>,
}

impl Head {
    fn of(f: &Finding) -> Head {
        let mut bytes = Vec::with_capacity(64 + f.file.len());
        head(&mut bytes, &Keys::of(f));
        Head {
            vendor: Arc::clone(&f.vendor),
            endpoint: f.endpoint.clone(),
            direction: f.direction,
            file: Arc::clone(&f.file),
            format: f.format,
            bytes,
        }
    }

    fn fits(&self, f: &Finding) -> bool {
        Arc::ptr_eq(&self.file, &f.file)
            && Arc::ptr_eq(&self.vendor, &f.vendor)
            && self.format == f.format
            && self.direction == f.direction
            && match (&self.endpoint, &f.endpoint) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => false,
            }
    }
}

/// A row's shared strings by address, and its plain keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct RowKey {
    field: usize,
    detector: usize,
    category: Category,
    confidence: Confidence,
    status: Status,
}

impl RowKey {
    fn of(f: &Finding) -> RowKey {
        RowKey {
            field: f
                .field
                .as_ref()
                .map_or(0, |a| Arc::as_ptr(a).cast::<u8>() as usize),
            detector: Arc::as_ptr(&f.detector).cast::<u8>() as usize,
            category: f.category,
            confidence: f.confidence,
            status: f.status,
        }
    }
}

/// The encoded keys a row's findings share, from the field's value to
/// the status's, one variant per evidence list; the row's strings are
/// held so that their addresses stay theirs.
#[derive(Debug)]
struct Row {
    _field: Option<Arc<str>>,
    _detector: Arc<str>,
    variants: Vec<(Arc<[String]>, Vec<u8>)>,
}

/// Evidence lists a row keeps encoded before it starts over.
const MAX_VARIANTS: usize = 8;

impl Row {
    fn of(f: &Finding) -> Row {
        Row {
            _field: f.field.clone(),
            _detector: Arc::clone(&f.detector),
            variants: Vec::new(),
        }
    }

    /// The row's encoded keys with the evidence of `f`. Evidence lists
    /// are shared by a unit's findings, not a scan's: a list of the same
    /// words from another unit takes the place of the one kept.
    fn bytes(&mut self, f: &Finding) -> &[u8] {
        let at = match self
            .variants
            .iter()
            .position(|(e, _)| Arc::ptr_eq(e, &f.evidence))
        {
            Some(at) => at,
            None => match self.variants.iter().position(|(e, _)| *e == f.evidence) {
                Some(at) => {
                    self.variants[at].0 = Arc::clone(&f.evidence);
                    at
                }
                None => {
                    if self.variants.len() >= MAX_VARIANTS {
                        self.variants.clear();
                    }
                    let mut bytes = Vec::with_capacity(128);
                    row(&mut bytes, &Keys::of(f));
                    self.variants.push((Arc::clone(&f.evidence), bytes));
                    self.variants.len() - 1
                }
            },
        };
        &self.variants[at].1
    }
}

impl LineWriter {
    /// Writes one finding as a line of JSON.
    pub fn write(&mut self, out: &mut dyn Write, f: &Finding) -> io::Result<()> {
        let line = &mut self.line;
        line.clear();
        let head = (self.head.take())
            .filter(|h| h.fits(f))
            .unwrap_or_else(|| Head::of(f));
        line.extend_from_slice(&head.bytes);
        self.head = Some(head);
        if self.rows.len() >= MAX_ROWS {
            self.rows.clear();
        }
        let row = self.rows.entry(RowKey::of(f)).or_insert_with(|| Row::of(f));
        line.extend_from_slice(row.bytes(f));
        tail(line, f);
        out.write_all(line)
    }
}

// A line is `head`, `row` and `tail`: the keys in the order of the
// struct (as serde derives it), optional keys left out when empty.

/// The keys of a finding before its place, borrowed: what a line's
/// `head` and `row` show. The scan's workers encode lines from these
/// without making a [`Finding`] (see [`crate::engine`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keys<'a> {
    pub vendor: &'a str,
    pub endpoint: Option<&'a str>,
    pub direction: Option<Direction>,
    pub file: &'a str,
    pub format: Format,
    pub field: Option<&'a str>,
    pub detector: &'a str,
    pub category: Category,
    pub confidence: Confidence,
    pub evidence: &'a [String],
    pub status: Status,
}

impl<'a> Keys<'a> {
    fn of(f: &'a Finding) -> Keys<'a> {
        Keys {
            vendor: &f.vendor,
            endpoint: f.endpoint.as_deref(),
            direction: f.direction,
            file: &f.file,
            format: f.format,
            field: f.field.as_deref(),
            detector: &f.detector,
            category: f.category,
            confidence: f.confidence,
            evidence: &f.evidence,
            status: f.status,
        }
    }
}

/// The keys of a finding from its column on, borrowed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct After<'a> {
    pub column: u64,
    pub masked: &'a str,
    pub decoded: &'a [Encoding],
    pub fingerprint: Fingerprint,
    pub value: Option<&'a str>,
}

/// Appends the keys a file's findings share, up to `"field":`.
fn head(out: &mut Vec<u8>, k: &Keys<'_>) {
    out.extend_from_slice(b"{\"vendor\":");
    string(out, k.vendor);
    if let Some(endpoint) = k.endpoint {
        out.extend_from_slice(b",\"endpoint\":");
        string(out, endpoint);
    }
    if let Some(direction) = k.direction {
        out.extend_from_slice(b",\"direction\":");
        plain(out, direction.as_str());
    }
    out.extend_from_slice(b",\"file\":");
    string(out, k.file);
    out.extend_from_slice(b",\"format\":");
    plain(out, k.format.as_str());
    out.extend_from_slice(b",\"field\":");
}

/// Appends the keys a row's findings share, from the field's value to
/// the status's.
fn row(out: &mut Vec<u8>, k: &Keys<'_>) {
    match k.field {
        Some(field) => string(out, field),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"detector\":");
    string(out, k.detector);
    out.extend_from_slice(b",\"category\":");
    plain(out, k.category.as_str());
    out.extend_from_slice(b",\"confidence\":");
    plain(out, k.confidence.as_str());
    out.extend_from_slice(b",\"evidence\":[");
    for (i, e) in k.evidence.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, e);
    }
    out.extend_from_slice(b"],\"status\":");
    plain(out, k.status.as_str());
}

/// Appends a line's start: its keys up to the status's value.
pub(crate) fn keys(out: &mut Vec<u8>, k: &Keys<'_>) {
    head(out, k);
    row(out, k);
}

/// Appends the offset and length keys and the line key's name: the
/// line's number follows.
pub(crate) fn to_line(out: &mut Vec<u8>, offset: u64, length: u64) {
    let mut n = itoa::Buffer::new();
    out.extend_from_slice(b",\"offset\":");
    out.extend_from_slice(n.format(offset).as_bytes());
    out.extend_from_slice(b",\"length\":");
    out.extend_from_slice(n.format(length).as_bytes());
    out.extend_from_slice(b",\"line\":");
}

/// Appends the keys after the line's number, the closing brace and the
/// newline.
pub(crate) fn after_line(out: &mut Vec<u8>, a: &After<'_>) {
    let mut n = itoa::Buffer::new();
    out.extend_from_slice(b",\"column\":");
    out.extend_from_slice(n.format(a.column).as_bytes());
    out.extend_from_slice(b",\"masked\":");
    string(out, a.masked);
    if !a.decoded.is_empty() {
        out.extend_from_slice(b",\"decoded\":[");
        for (i, e) in a.decoded.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            plain(out, e.as_str());
        }
        out.push(b']');
    }
    out.extend_from_slice(b",\"fingerprint\":\"");
    out.extend_from_slice(&a.fingerprint.hex());
    out.push(b'"');
    if let Some(value) = a.value {
        out.extend_from_slice(b",\"value\":");
        string(out, value);
    }
    out.extend_from_slice(b"}\n");
}

/// Appends the keys of `f` from `"offset"` on, the closing brace and
/// the newline.
fn tail(out: &mut Vec<u8>, f: &Finding) {
    to_line(out, f.offset, f.length);
    out.extend_from_slice(itoa::Buffer::new().format(f.line).as_bytes());
    after_line(
        out,
        &After {
            column: f.column,
            masked: &f.masked,
            decoded: &f.decoded,
            fingerprint: f.fingerprint,
            value: f.value.as_deref(),
        },
    );
}

/// Appends `s`, one of the crate's own names (a format, category,
/// status…: letters, digits, `_` and `-`), as a JSON string: nothing in
/// it needs escaping, so it is not looked at.
fn plain(out: &mut Vec<u8>, s: &'static str) {
    debug_assert!(
        s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
    );
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// Appends `s` as a JSON string, escaped as serde_json escapes: `"`, `\`
/// and control characters, with the short forms where JSON has them.
fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let b = s.as_bytes();
    // Without early exit the check is vectorised; most strings pass it.
    let needs_escape = b.iter().fold(false, |acc, &c| {
        acc | (c < 0x20) | (c == b'"') | (c == b'\\')
    });
    if !needs_escape {
        out.extend_from_slice(b);
        out.push(b'"');
        return;
    }
    let mut done = 0;
    for (i, &c) in b.iter().enumerate() {
        let short = match c {
            b'"' => b'"',
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x08 => b'b',
            0x0c => b'f',
            0..0x20 => 0,
            _ => continue,
        };
        out.extend_from_slice(&b[done..i]);
        if short == 0 {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(c >> 4)]);
            out.push(HEX[usize::from(c & 15)]);
        } else {
            out.push(b'\\');
            out.push(short);
        }
        done = i + 1;
    }
    out.extend_from_slice(&b[done..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::detect::{Category, Confidence, Status};
    use crate::format::{Direction, Encoding, Format};

    fn finding(text: &str, i: usize) -> Finding {
        const FORMATS: [Format; 9] = [
            Format::Json,
            Format::Ndjson,
            Format::Csv,
            Format::Tsv,
            Format::Text,
            Format::Har,
            Format::Zip,
            Format::Excel,
            Format::Parquet,
        ];
        const CATEGORIES: [Category; 8] = [
            Category::Contact,
            Category::GovernmentId,
            Category::Financial,
            Category::Network,
            Category::Identity,
            Category::Location,
            Category::Credential,
            Category::Sensitive,
        ];
        const ENCODINGS: [Encoding; 7] = [
            Encoding::Json,
            Encoding::Percent,
            Encoding::Form,
            Encoding::Multipart,
            Encoding::Base64,
            Encoding::Jwt,
            Encoding::Gzip,
        ];
        Finding {
            vendor: Arc::from(format!("v{text}")),
            endpoint: (!i.is_multiple_of(2))
                .then(|| Arc::from(format!("GET api.example.com/{text}"))),
            direction: [None, Some(Direction::Request), Some(Direction::Response)][i % 3],
            file: Arc::from(format!("dir/{text}.json")),
            format: FORMATS[i % FORMATS.len()],
            field: (!i.is_multiple_of(4)).then(|| Arc::from(format!("$.a[*].{text}"))),
            detector: Arc::from("email"),
            category: CATEGORIES[i % CATEGORIES.len()],
            confidence: [Confidence::Low, Confidence::Medium, Confidence::High][i % 3],
            evidence: (0..i % 3).map(|k| format!("field:{text}{k}")).collect(),
            status: [Status::Clear, Status::Masked, Status::TestValue][i % 3],
            offset: (i as u64) << 40,
            length: i as u64,
            line: u64::MAX - i as u64,
            column: 1,
            masked: format!("j***{text}").into(),
            decoded: ENCODINGS[..i % (ENCODINGS.len() + 1)].to_vec(),
            fingerprint: crate::finding::Fingerprint([0, 255].repeat(8).try_into().unwrap()),
            value: (i.is_multiple_of(5)).then(|| text.to_string()),
        }
    }

    /// Writes `f` and checks the line against serde_json's bytes.
    fn writes_as_serde(w: &mut LineWriter, f: &Finding, i: impl std::fmt::Display) {
        let mut expected = serde_json::to_vec(f).unwrap();
        expected.push(b'\n');
        let mut got = Vec::new();
        w.write(&mut got, f).unwrap();
        assert_eq!(
            String::from_utf8(got).unwrap(),
            String::from_utf8(expected).unwrap(),
            "finding {i}"
        );
    }

    #[test]
    fn lines_are_the_bytes_serde_json_writes() {
        let mut texts: Vec<String> = [
            "",
            "plain",
            "quote \" and \\ backslash",
            "new\nline\ttab\rreturn\u{8}\u{c}",
            "\u{0}\u{1}\u{1f} controls \u{7f}",
            "ünïcödé ✓ 𝄞",
            "\\\"\\\"",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        texts.push((0u8..0x80).map(char::from).collect());
        let mut w = LineWriter::default();
        for (i, text) in texts.iter().cycle().take(60).enumerate() {
            let f = finding(text, i);
            writes_as_serde(&mut w, &f, i);
        }
    }

    /// Findings that share their strings the way a scan's do (a file's,
    /// a row's, a unit's evidence list, equal lists of other units) are
    /// written as serde_json writes them, from the pieces kept, past the
    /// bounds on rows and evidence lists.
    #[test]
    fn shared_pieces_give_the_bytes_serde_json_writes() {
        let arcs =
            |names: &[&str]| -> Vec<Arc<str>> { names.iter().map(|&n| Arc::from(n)).collect() };
        let vendors = arcs(&["acme", "a\"b"]);
        let files = arcs(&["x/1.json", "x/2.ndjson", "x/\\3"]);
        let fields = arcs(&["$.email", "$.user.phone", "$[\"q\"]"]);
        let endpoints = arcs(&["GET api.example.com/v1"]);
        let detectors = arcs(&["email", "phone", "credit_card"]);
        let words = [
            vec![],
            vec!["pattern".to_string()],
            vec!["pattern".to_string(), "field:email".to_string()],
        ];
        let mut next = crate::test_numbers(11);
        let mut evidence: Vec<Arc<[String]>> = words.iter().map(|w| w.clone().into()).collect();
        let mut w = LineWriter::default();
        let mut made = 0;
        for i in 0..20_000u64 {
            let r = &mut next;
            if r().is_multiple_of(50) {
                // Another unit: the same lists, new shared copies.
                evidence = words.iter().map(|w| w.clone().into()).collect();
            }
            let pick = |v: &Vec<Arc<str>>, k: usize| Arc::clone(&v[k % v.len()]);
            // Many detectors of one name, to pass the bound on rows.
            let detector = if i.is_multiple_of(3) {
                made += 1;
                Arc::from(format!("d{}", r() % 5000))
            } else {
                pick(&detectors, r())
            };
            // Many evidence lists of one row, to pass the bound on them.
            let list = if i.is_multiple_of(11) {
                vec![format!("field:f{}", r() % 20)].into()
            } else {
                Arc::clone(&evidence[r() % evidence.len()])
            };
            let f = Finding {
                vendor: pick(&vendors, r()),
                endpoint: r().is_multiple_of(3).then(|| pick(&endpoints, 0)),
                direction: [None, Some(Direction::Request), Some(Direction::Response)][r() % 3],
                file: pick(&files, r()),
                format: [Format::Json, Format::Ndjson, Format::Har][r() % 3],
                field: (!r().is_multiple_of(5)).then(|| pick(&fields, r())),
                detector,
                category: [Category::Contact, Category::Financial][r() % 2],
                confidence: [Confidence::Low, Confidence::High][r() % 2],
                evidence: list,
                status: [Status::Clear, Status::TestValue][r() % 2],
                offset: i * 31,
                length: i % 40,
                line: i,
                column: i % 200 + 1,
                masked: format!("j***{}", r() % 100).into(),
                decoded: Vec::new(),
                fingerprint: crate::finding::Fingerprint((r() as u128).to_be_bytes()),
                value: None,
            };
            writes_as_serde(&mut w, &f, i);
        }
        assert!(made > MAX_ROWS && w.rows.len() < MAX_ROWS);
    }
}
