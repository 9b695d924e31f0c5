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

use crate::finding::Finding;

/// Writes findings as lines of JSON, reusing one line buffer.
#[derive(Debug, Default)]
pub struct LineWriter {
    line: Vec<u8>,
}

impl LineWriter {
    /// Writes one finding as a line of JSON.
    pub fn write(&mut self, out: &mut dyn Write, f: &Finding) -> io::Result<()> {
        self.line.clear();
        encode(&mut self.line, f);
        self.line.push(b'\n');
        out.write_all(&self.line)
    }
}

/// Appends `f` as one JSON object, keys in the order of the struct (as
/// serde derives it), optional keys left out when empty.
pub fn encode(out: &mut Vec<u8>, f: &Finding) {
    out.extend_from_slice(b"{\"vendor\":");
    string(out, &f.vendor);
    if let Some(endpoint) = &f.endpoint {
        out.extend_from_slice(b",\"endpoint\":");
        string(out, endpoint);
    }
    if let Some(direction) = f.direction {
        out.extend_from_slice(b",\"direction\":");
        plain(out, direction.as_str());
    }
    out.extend_from_slice(b",\"file\":");
    string(out, &f.file);
    out.extend_from_slice(b",\"format\":");
    plain(out, f.format.as_str());
    out.extend_from_slice(b",\"field\":");
    match &f.field {
        Some(field) => string(out, field),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"detector\":");
    string(out, &f.detector);
    out.extend_from_slice(b",\"category\":");
    plain(out, f.category.as_str());
    out.extend_from_slice(b",\"confidence\":");
    plain(out, f.confidence.as_str());
    out.extend_from_slice(b",\"evidence\":[");
    for (i, e) in f.evidence.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, e);
    }
    out.extend_from_slice(b"],\"status\":");
    plain(out, f.status.as_str());
    let mut n = itoa::Buffer::new();
    out.extend_from_slice(b",\"offset\":");
    out.extend_from_slice(n.format(f.offset).as_bytes());
    out.extend_from_slice(b",\"length\":");
    out.extend_from_slice(n.format(f.length).as_bytes());
    out.extend_from_slice(b",\"line\":");
    out.extend_from_slice(n.format(f.line).as_bytes());
    out.extend_from_slice(b",\"column\":");
    out.extend_from_slice(n.format(f.column).as_bytes());
    out.extend_from_slice(b",\"masked\":");
    string(out, &f.masked);
    if !f.decoded.is_empty() {
        out.extend_from_slice(b",\"decoded\":[");
        for (i, e) in f.decoded.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            plain(out, e.as_str());
        }
        out.push(b']');
    }
    out.extend_from_slice(b",\"fingerprint\":");
    string(out, &f.fingerprint);
    if let Some(value) = &f.value {
        out.extend_from_slice(b",\"value\":");
        string(out, value);
    }
    out.push(b'}');
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
            masked: format!("j***{text}"),
            decoded: ENCODINGS[..i % (ENCODINGS.len() + 1)].to_vec(),
            fingerprint: "00ff".repeat(8),
            value: (i.is_multiple_of(5)).then(|| text.to_string()),
        }
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
            let mut expected = serde_json::to_vec(&f).unwrap();
            expected.push(b'\n');
            let mut got = Vec::new();
            w.write(&mut got, &f).unwrap();
            assert_eq!(
                String::from_utf8(got).unwrap(),
                String::from_utf8(expected).unwrap(),
                "finding {i}"
            );
        }
    }
}
