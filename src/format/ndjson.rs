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
            if let Err(p) = json::record(line, start + first, fields, scratch, sink) {
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

    /// The reference: every line walked, no shapes.
    fn walked(data: &[u8]) -> Collect {
        let mut c = Collect::default();
        let mut fields = FieldTable::default();
        let mut scratch = JsonScratch::default();
        let mut start = 0;
        while start < data.len() {
            let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
            if let Some(first) = data[start..end]
                .iter()
                .position(|b| !b.is_ascii_whitespace())
            {
                let mut base = start + first;
                if data[base..end].starts_with(b"\xEF\xBB\xBF") {
                    base += 3;
                }
                if let Err(p) = json::walk(
                    &data[..end],
                    base,
                    FieldTable::ROOT,
                    &mut fields,
                    &mut scratch,
                    &mut c,
                    false,
                ) {
                    c.problems.push(p);
                }
            }
            start = end + 1;
        }
        c
    }

    /// Lines of a few shapes, with values of every kind and, now and
    /// then, a line broken or changed in one place.
    fn generated_lines(seed: u64, n: usize) -> Vec<u8> {
        let mut next = crate::test_numbers(seed);
        let strings = [
            "a@example.com",
            "",
            "with \\\"quotes\\\" inside",
            "caf\\u00e9 \\\\ end",
            "2026-07-08T09:08:45Z",
            "a long string of words that runs past sixteen bytes",
        ];
        let numbers = [
            "0",
            "7",
            "-12",
            "3.25",
            "1e9",
            "-0.5E-3",
            "4111111111111111",
        ];
        let shapes: [&[&str]; 4] = [
            &[
                "{\"id\":",
                "N",
                ",\"email\":\"",
                "S",
                "\",\"user\":{\"ip\":\"",
                "S",
                "\"},\"n\":",
                "N",
                "}",
            ],
            &[
                "{\"a\":[",
                "N",
                ",",
                "N",
                "],\"b\":{\"c\":{\"d\":\"",
                "S",
                "\"}},\"t\":true,\"z\":null}",
            ],
            &["[\"", "S", "\",", "N", "]"],
            &["{ \"spaced\" : \"", "S", "\" , \"k\\u0041y\": ", "N", " }"],
        ];
        let mut out = Vec::new();
        for line in 0..n {
            let mut text = String::new();
            if next().is_multiple_of(40) {
                // A shape of its own: a key never seen before.
                text = format!("{{\"k{line}\":{}}}", next() % 1000);
            } else {
                for part in shapes[next() % shapes.len()] {
                    match *part {
                        "S" => text.push_str(strings[next() % strings.len()]),
                        "N" if next().is_multiple_of(10) => text.push_str("\"not a number\""),
                        "N" => text.push_str(numbers[next() % numbers.len()]),
                        p => text.push_str(p),
                    }
                }
            }
            if next().is_multiple_of(12) && !text.is_empty() {
                let at = next() % text.len();
                if text.is_char_boundary(at) {
                    match next() % 5 {
                        0 => text.truncate(at),
                        1 => text.insert(at, '"'),
                        2 => text.insert(at, ' '),
                        3 => text.push_str(" x"),
                        _ => text.insert_str(at, "01"),
                    }
                }
            }
            if next().is_multiple_of(16) {
                text.push('\r');
            }
            out.extend_from_slice(text.as_bytes());
            out.push(b'\n');
        }
        out
    }

    #[test]
    fn lines_of_a_kept_shape_give_what_the_walk_gives() {
        for seed in 0..20 {
            let data = generated_lines(seed, 400);
            let mut c = Collect::default();
            let mut scratch = JsonScratch::default();
            extract(&data, &mut FieldTable::default(), &mut scratch, &mut c);
            assert!(scratch.shaped_lines() > 100, "{}", scratch.shaped_lines());
            let w = walked(&data);
            c.assert_same(&w, &format!("seed {seed}"));
            assert!(!w.problems.is_empty() && w.values.len() > 1000);
        }
    }

    /// Records that share their first fields and then go each their own
    /// way (personal fields of varying names, nested objects and arrays,
    /// now and then broken after the shared part): the shared part is
    /// delivered by shape, the rest walked, and everything is what a walk
    /// of every line gives.
    #[test]
    fn lines_that_share_only_their_first_fields_give_what_the_walk_gives() {
        for seed in 0..12 {
            let mut next = crate::test_numbers(100 + seed);
            let mut data = Vec::new();
            for line in 0..3000 {
                let mut text = format!(
                    "{{\"event_id\":\"e{line}\",\"ts\":\"2026-07-0{}T09:08:45Z\",\"n\":{},\"user\":{{\"id\":{},\"plan\":\"p\"",
                    next() % 9,
                    next() % 100,
                    next() % 10_000
                );
                for _ in 0..1 + next() % 4 {
                    let key = ["phone", "ip", "email", "tags", "addr"][next() % 5];
                    let value = match next() % 6 {
                        0 => format!("{}", next()),
                        1 => "[1,\"two\",{\"three\":3}]".to_string(),
                        2 => "{\"street\":\"1 Main St\",\"geo\":[1.5,-2]}".to_string(),
                        3 => "\"with \\\"escapes\\\" \\u00e9\"".to_string(),
                        4 => "null".to_string(),
                        _ => format!("\"v{}@example.com\"", next() % 50),
                    };
                    text.push_str(&format!(",\"{key}_{}\":{value}", next() % 4));
                }
                // Mostly one tail; now and then one that parts from it
                // (another container, whitespace, a scalar of another
                // kind, more fields).
                text.push_str(match next() % 24 {
                    0 => "},\"props\":{\"qty\":\"2\",\"sku\":\"SKU-1\"},\"v\":\"1.2\"}",
                    1 => "} , \"props\":{\"qty\":2,\"sku\":\"SKU-1\"},\"v\":\"1.2\"}",
                    2 => "},\"props\":[{\"qty\":2,\"sku\":\"SKU-1\"}],\"v\":\"1.2\"}",
                    3 => "},\"props\":{\"qty\":2,\"sku\":\"SKU-1\",\"x\":[1]},\"v\":\"1.2\"}",
                    4 => "},\"props\":{\"qty\":2,\"sku\":\"SKU-1\"},\"v\":\"1.2\"} x",
                    _ => "},\"props\":{\"qty\":2,\"sku\":\"SKU-1\"},\"v\":\"1.2\"}",
                });
                if next().is_multiple_of(15) {
                    // Broken somewhere after the shared fields.
                    let at = 70 + next() % (text.len() - 70);
                    if text.is_char_boundary(at) {
                        match next() % 4 {
                            0 => text.truncate(at),
                            1 => text.insert(at, '"'),
                            2 => text.insert_str(at, "}]"),
                            _ => text.push_str(" x"),
                        }
                    }
                }
                data.extend_from_slice(text.as_bytes());
                data.push(b'\n');
            }
            let mut c = Collect::default();
            let mut scratch = JsonScratch::default();
            extract(&data, &mut FieldTable::default(), &mut scratch, &mut c);
            assert!(
                scratch.partial_lines() > 1000,
                "seed {seed}: {} lines in part",
                scratch.partial_lines()
            );
            assert!(
                scratch.rejoined_lines() > 500,
                "seed {seed}: {} lines joined their shape again",
                scratch.rejoined_lines()
            );
            let w = walked(&data);
            c.assert_same(&w, &format!("seed {seed}"));
            assert!(!w.problems.is_empty());
        }
    }

    #[test]
    fn a_stream_whose_lines_never_repeat_a_shape_is_still_read_whole() {
        // Past a window of lines that match no shape, shapes rest for a
        // while, then are tried again.
        let mut data = Vec::new();
        for i in 0..300 {
            data.extend_from_slice(format!("{{\"k{i}\":\"v{i}\"}}\n").as_bytes());
        }
        for i in 0..30_000 {
            data.extend_from_slice(
                format!("{{\"id\":{i},\"e\":\"x{i}@example.com\"}}\n").as_bytes(),
            );
        }
        let mut c = Collect::default();
        let mut scratch = JsonScratch::default();
        extract(&data, &mut FieldTable::default(), &mut scratch, &mut c);
        let w = walked(&data);
        assert_eq!(c.values, w.values);
        assert_eq!(c.spans, w.spans);
        assert_eq!(c.values.len(), 300 + 60_000);
        // Tried again after the rest, the one shape of the rest is matched.
        assert!(
            scratch.shaped_lines() > 10_000,
            "{}",
            scratch.shaped_lines()
        );
    }
}
