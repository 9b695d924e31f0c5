//! Plain text and logs: each line is a record and a value with no field
//! path. Line terminators (`\n`, `\r\n`) are not part of the value.
//!
//! A line longer than the limit (`--max-line-length`) is scanned in
//! pieces of at most that size, cut at a space near the end of each piece
//! when there is one, and reported: a value across a hard cut may be
//! missed, but memory per value stays bounded.

use super::path::FieldTable;
use super::{Layers, Problem, RawSpan, Value, ValueSink};

/// How far back from a piece's end a cut looks for whitespace.
const CUT_WINDOW: usize = 4096;

/// Extracts every non-blank line of `data`.
pub fn extract<S: ValueSink>(data: &[u8], fields: &mut FieldTable, sink: &mut S) {
    extract_with(data, fields, usize::MAX, sink);
}

/// Extracts every non-blank line of `data`, lines longer than `max_line`
/// in pieces.
pub fn extract_with<S: ValueSink>(
    data: &[u8],
    fields: &mut FieldTable,
    max_line: usize,
    sink: &mut S,
) {
    let max_line = max_line.max(1);
    let mut start = 0;
    while start < data.len() {
        let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
        let line_end = if end > start && data[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        let line = &data[start..line_end];
        sink.record();
        if line.len() > max_line {
            sink.problem(Problem {
                offset: start,
                message: format!(
                    "a line of {} bytes is longer than --max-line-length ({max_line} bytes): scanned in pieces cut at spaces where possible; a value across a cut may be missed",
                    line.len()
                ),
            });
        }
        let mut at = 0;
        while at < line.len() {
            let mut cut = line.len().min(at + max_line);
            if cut < line.len() {
                let window = &line[cut.saturating_sub(CUT_WINDOW).max(at)..cut];
                if let Some(i) = window.iter().rposition(u8::is_ascii_whitespace) {
                    cut = cut - window.len() + i + 1;
                }
            }
            let piece = &line[at..cut];
            if !piece.iter().all(u8::is_ascii_whitespace) {
                sink.value(
                    fields,
                    &Value {
                        field: None,
                        bytes: piece,
                        raw: RawSpan::Verbatim { start: start + at },
                        layers: Layers::NONE,
                    },
                );
            }
            at = cut;
        }
        start = end + 1;
    }
}

/// Offsets at which `data` can be cut into chunks of about `target` bytes at
/// line boundaries. Returns the chunk starts after the first.
pub fn line_boundaries(data: &[u8], target: usize) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut next = target;
    while next < data.len() {
        match memchr::memchr(b'\n', &data[next..]) {
            Some(i) if next + i + 1 < data.len() => {
                cuts.push(next + i + 1);
                next = next + i + 1 + target;
            }
            _ => break,
        }
    }
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::tests_support::Collect;

    #[test]
    fn long_lines_are_cut_at_spaces_and_reported() {
        let data = b"aaaa bbbb cccc\nshort\n";
        let mut c = Collect::default();
        extract_with(data, &mut FieldTable::default(), 8, &mut c);
        assert_eq!(
            c.pairs(),
            [
                ("null", "aaaa "),
                ("null", "bbbb "),
                ("null", "cccc"),
                ("null", "short")
            ]
        );
        assert_eq!(c.spans[1], (5, 5));
        assert_eq!(c.problems.len(), 1);
        assert!(c.problems[0].message.contains("14 bytes"));
        let mut c = Collect::default();
        extract_with(b"abcdefghij", &mut FieldTable::default(), 4, &mut c);
        assert_eq!(
            c.pairs(),
            [("null", "abcd"), ("null", "efgh"), ("null", "ij")]
        );
    }

    #[test]
    fn lines_are_values_without_terminators() {
        let data = b"first a@example.com\r\n\nthird\n";
        let mut c = Collect::default();
        extract(data, &mut FieldTable::default(), &mut c);
        assert_eq!(
            c.pairs(),
            [("null", "first a@example.com"), ("null", "third")]
        );
        assert_eq!(c.records, 3);
        assert_eq!(c.spans[1], (22, 5));
    }

    #[test]
    fn line_boundaries_cut_after_newlines() {
        let data = b"aaaa\nbbbb\ncccc\ndddd";
        assert_eq!(line_boundaries(data, 4), vec![5, 10, 15]);
        assert_eq!(line_boundaries(data, 100), Vec::<usize>::new());
    }
}
