//! Plain text and logs: each line is a record and a value with no field
//! path. Line terminators (`\n`, `\r\n`) are not part of the value.

use super::path::FieldTable;
use super::{Layers, RawSpan, Value, ValueSink};

/// Extracts every non-blank line of `data`.
pub fn extract<S: ValueSink>(data: &[u8], fields: &mut FieldTable, sink: &mut S) {
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
        if !line.iter().all(u8::is_ascii_whitespace) {
            sink.value(
                fields,
                &Value {
                    field: None,
                    bytes: line,
                    raw: RawSpan::Verbatim { start },
                    layers: Layers::NONE,
                },
            );
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
