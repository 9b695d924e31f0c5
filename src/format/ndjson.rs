//! NDJSON / JSON Lines: one JSON value per line, each line a record.
//!
//! A malformed line is reported as a [`Problem`] with its offset (the engine
//! turns it into a line number) and the next line is scanned as usual.

use super::json::{self, JsonScratch};
use super::path::FieldTable;
use super::{Problem, ValueSink};

/// Extracts every line of `data`. Blank lines are skipped.
pub fn extract<S: ValueSink>(
    data: &[u8],
    fields: &mut FieldTable,
    scratch: &mut JsonScratch,
    sink: &mut S,
) {
    let mut start = 0;
    let mut newlines = 0;
    while start < data.len() {
        let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
        let line = &data[..end];
        let first = data[start..end]
            .iter()
            .position(|b| !b.is_ascii_whitespace());
        if let Some(first) = first {
            sink.line(start, end, newlines);
            let line_start = start + first;
            // A BOM on the first line of a file is not part of the record.
            let skip = if line[line_start..].starts_with(b"\xEF\xBB\xBF") {
                3
            } else {
                0
            };
            if let Err(p) = json::walk(
                line,
                line_start + skip,
                FieldTable::ROOT,
                fields,
                scratch,
                sink,
                false,
            ) {
                sink.problem(Problem {
                    offset: p.offset,
                    message: p.message,
                });
            }
        }
        start = end + 1;
        newlines += 1;
    }
}

/// True when the first line is one complete JSON value and another line
/// follows: the signature of NDJSON.
pub fn looks_like_ndjson(head: &[u8]) -> bool {
    let Some(nl) = memchr::memchr(b'\n', head) else {
        return false;
    };
    if !json::is_one_value(&head[..nl]) {
        return false;
    }
    head[nl + 1..]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{' || b == b'[')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::tests_support::Collect;

    #[test]
    fn a_malformed_line_is_reported_and_the_rest_is_scanned() {
        let data = b"{\"user\":{\"email\":\"a@example.com\"}}\n{\"user\": oops}\n\n{\"n\":5}\n";
        let mut c = Collect::default();
        extract(
            data,
            &mut FieldTable::default(),
            &mut JsonScratch::default(),
            &mut c,
        );
        assert_eq!(c.pairs(), [("$.user.email", "a@example.com"), ("$.n", "5")]);
        assert_eq!(c.problems.len(), 1);
        assert!(c.problems[0].offset > 36 && c.problems[0].offset < 50);
        assert_eq!(c.records, 3);
        let (o, l) = c.spans[1];
        assert_eq!(&data[o..o + l], b"5");
    }

    #[test]
    fn crlf_line_endings_are_accepted() {
        let data = b"{\"a\":\"x\"}\r\n{\"a\":\"y\"}\r\n";
        let mut c = Collect::default();
        extract(
            data,
            &mut FieldTable::default(),
            &mut JsonScratch::default(),
            &mut c,
        );
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.values.len(), 2);
    }
}
