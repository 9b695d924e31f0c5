//! JSON documents: every string and number, with its field path and span.
//!
//! Built on `jiter`'s pull parser. We evaluated three readers that give byte
//! positions: `serde_json`'s `StreamDeserializer` with `RawValue` gives spans
//! of top-level values only; `struson` gives positions but decodes every
//! string into UTF-8; `jiter` exposes `current_index` and returns raw string
//! bodies (`known_bytes`) without UTF-8 validation, so a value's span is a
//! pointer difference and escapes are decoded only for strings that have a
//! backslash. The walk is iterative (an explicit stack), so nesting depth
//! never grows the call stack; paths stop growing past
//! [`MAX_PATH_DEPTH`] levels.

use jiter::{Jiter, JiterError, Peek};

use super::path::{FieldId, FieldTable, Segment};
use super::{Problem, RawSpan, Value, ValueSink};

/// Deeper levels than this share the field path of this level.
pub const MAX_PATH_DEPTH: usize = 64;

/// Reused buffers for the walk.
#[derive(Debug, Default)]
pub struct JsonScratch {
    stack: Vec<Frame>,
    decoded: Vec<u8>,
    key_decoded: Vec<u8>,
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    object: bool,
    /// The container's own field.
    field: FieldId,
    /// The field of the element or member being read.
    current: FieldId,
}

/// Extracts every scalar of one JSON value in `data` (which may carry
/// trailing whitespace). Arrays at the top level count each element as a
/// record; any other document is one record. Returns the problem that
/// stopped extraction, if any; values before it were already delivered.
pub fn extract<S: ValueSink>(
    data: &[u8],
    fields: &mut FieldTable,
    scratch: &mut JsonScratch,
    sink: &mut S,
) -> Result<(), Problem> {
    walk(data, 0, fields, scratch, sink, true)
}

/// Like [`extract`] for one value at `data[base..]` whose offsets are
/// reported relative to `data`; `top_records` says whether top-level array
/// elements count as records.
pub(crate) fn walk<S: ValueSink>(
    data: &[u8],
    base: usize,
    fields: &mut FieldTable,
    scratch: &mut JsonScratch,
    sink: &mut S,
    top_records: bool,
) -> Result<(), Problem> {
    let mut jiter = Jiter::new(&data[base..]);
    let err = |e: JiterError| Problem {
        offset: base + e.index,
        message: format!("invalid JSON: {}", e.error_type),
    };
    scratch.stack.clear();
    let mut peek = jiter.peek().map_err(err)?;
    if !(peek == Peek::Array && top_records) {
        sink.record();
    }
    loop {
        let here = scratch.stack.last().map_or(FieldTable::ROOT, |f| f.current);
        // Descend into containers or emit a scalar.
        let mut descended = false;
        match peek {
            Peek::Object => {
                fields.start_object(here);
                if let Some(key) = jiter.next_object_bytes().map_err(err)? {
                    let current = member(fields, scratch, here, key);
                    scratch.stack.push(Frame {
                        object: true,
                        field: here,
                        current,
                    });
                    peek = jiter.peek().map_err(err)?;
                    descended = true;
                }
            }
            Peek::Array => {
                if let Some(p) = jiter.known_array().map_err(err)? {
                    let current = element(fields, scratch, here);
                    scratch.stack.push(Frame {
                        object: false,
                        field: here,
                        current,
                    });
                    if top_records && scratch.stack.len() == 1 {
                        sink.record();
                    }
                    peek = p;
                    descended = true;
                }
            }
            Peek::String => {
                let raw = jiter.known_bytes().map_err(err)?;
                let start = raw.as_ptr() as usize - data.as_ptr() as usize;
                emit_string(data, start, raw.len(), here, fields, scratch, sink);
            }
            Peek::Null => jiter.known_null().map_err(err)?,
            Peek::True | Peek::False => {
                jiter.known_bool(peek).map_err(err)?;
            }
            _ => {
                let raw = jiter.known_number_bytes(peek).map_err(err)?;
                let start = raw.as_ptr() as usize - data.as_ptr() as usize;
                sink.value(
                    fields,
                    &Value {
                        field: Some(here),
                        bytes: &data[start..start + raw.len()],
                        raw: RawSpan::Verbatim { start },
                    },
                );
            }
        }
        if descended {
            continue;
        }
        // Climb until a container has a next element.
        loop {
            let Some(&frame) = scratch.stack.last() else {
                return jiter.finish().map_err(err);
            };
            if frame.object {
                if let Some(key) = jiter.next_key_bytes().map_err(err)? {
                    let current = member(fields, scratch, frame.field, key);
                    if let Some(top) = scratch.stack.last_mut() {
                        top.current = current;
                    }
                    peek = jiter.peek().map_err(err)?;
                    break;
                }
            } else if let Some(p) = jiter.array_step().map_err(err)? {
                if top_records && scratch.stack.len() == 1 {
                    sink.record();
                }
                peek = p;
                break;
            }
            scratch.stack.pop();
        }
    }
}

/// The field of member `raw` (an object key, escapes decoded only if it
/// has any) of the object whose field is `parent`.
fn member(
    fields: &mut FieldTable,
    scratch: &mut JsonScratch,
    parent: FieldId,
    raw: &[u8],
) -> FieldId {
    if scratch.stack.len() >= MAX_PATH_DEPTH {
        return parent;
    }
    if !has_backslash(raw) {
        return fields.child(parent, Segment::Key(raw));
    }
    let mut buf = std::mem::take(&mut scratch.key_decoded);
    unescape(raw, &mut buf);
    let id = fields.child(parent, Segment::Key(&buf));
    scratch.key_decoded = buf;
    id
}

fn element(fields: &mut FieldTable, scratch: &JsonScratch, parent: FieldId) -> FieldId {
    if scratch.stack.len() >= MAX_PATH_DEPTH {
        return parent;
    }
    fields.child(parent, Segment::Element)
}

fn emit_string<S: ValueSink>(
    data: &[u8],
    start: usize,
    len: usize,
    field: FieldId,
    fields: &mut FieldTable,
    scratch: &mut JsonScratch,
    sink: &mut S,
) {
    let raw = &data[start..start + len];
    let field = Some(field);
    if !has_backslash(raw) {
        sink.value(
            fields,
            &Value {
                field,
                bytes: raw,
                raw: RawSpan::Verbatim { start },
            },
        );
        return;
    }
    let mut decoded = std::mem::take(&mut scratch.decoded);
    unescape(raw, &mut decoded);
    sink.value(
        fields,
        &Value {
            field,
            bytes: &decoded,
            raw: RawSpan::JsonEscaped { start, raw },
        },
    );
    scratch.decoded = decoded;
}

/// Whether a string body has an escape; short strings (most keys and
/// values) are checked inline, which beats a call into `memchr`.
#[inline]
fn has_backslash(raw: &[u8]) -> bool {
    if raw.len() < 32 {
        raw.contains(&b'\\')
    } else {
        memchr::memchr(b'\\', raw).is_some()
    }
}

/// Length of the escape sequence at `raw[i]` (a backslash) and the UTF-8
/// bytes it decodes to.
fn escape_at(raw: &[u8], i: usize) -> (usize, [u8; 4], usize) {
    let mut buf = [0u8; 4];
    let simple = |b: u8| (2, [b, 0, 0, 0], 1);
    match raw.get(i + 1) {
        Some(b'"') => simple(b'"'),
        Some(b'\\') => simple(b'\\'),
        Some(b'/') => simple(b'/'),
        Some(b'b') => simple(0x08),
        Some(b'f') => simple(0x0c),
        Some(b'n') => simple(b'\n'),
        Some(b'r') => simple(b'\r'),
        Some(b't') => simple(b'\t'),
        Some(b'u') => {
            let hex = |at: usize| -> Option<u32> {
                let s = raw.get(at..at + 4)?;
                u32::from_str_radix(std::str::from_utf8(s).ok()?, 16).ok()
            };
            let Some(hi) = hex(i + 2) else {
                return (1, [b'\\', 0, 0, 0], 1);
            };
            let (code, used) =
                if (0xD800..0xDC00).contains(&hi) && raw.get(i + 6..i + 8) == Some(b"\\u") {
                    match hex(i + 8) {
                        Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                            (0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00), 12)
                        }
                        _ => (0xFFFD, 6),
                    }
                } else {
                    (hi, 6)
                };
            let c = char::from_u32(code).unwrap_or('\u{FFFD}');
            let n = c.encode_utf8(&mut buf).len();
            (used, buf, n)
        }
        _ => (1, [b'\\', 0, 0, 0], 1),
    }
}

/// Decodes the escapes of a JSON string body into `out` (cleared first).
pub fn unescape(raw: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while let Some(j) = memchr::memchr(b'\\', &raw[i..]) {
        out.extend_from_slice(&raw[i..i + j]);
        let (used, bytes, n) = escape_at(raw, i + j);
        out.extend_from_slice(&bytes[..n]);
        i += j + used;
    }
    out.extend_from_slice(&raw[i..]);
}

/// Maps an offset in the decoded string to the offset in the raw body of
/// the escape or byte that produced it.
pub fn decoded_to_raw(raw: &[u8], decoded: usize) -> usize {
    let (mut r, mut d) = (0, 0);
    while r < raw.len() && d < decoded {
        if raw[r] == b'\\' {
            let (used, _, n) = escape_at(raw, r);
            if d + n > decoded {
                break;
            }
            r += used;
            d += n;
        } else {
            r += 1;
            d += 1;
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::FieldTable;
    use crate::format::tests_support::Collect;

    #[test]
    fn paths_follow_the_design_table() {
        let doc = br#"{"customers":[{"contact":{"email":"a@example.com"},"age":41}],"ok":true}"#;
        let mut c = Collect::default();
        extract(
            doc,
            &mut FieldTable::default(),
            &mut JsonScratch::default(),
            &mut c,
        )
        .unwrap();
        assert_eq!(
            c.pairs(),
            [
                ("$.customers[*].contact.email", "a@example.com"),
                ("$.customers[*].age", "41")
            ]
        );
        assert_eq!(c.keys(), ["contact.email", "customers.age"]);
    }

    #[test]
    fn top_level_arrays_count_each_element_as_a_record() {
        let doc = br#"[{"a":"x"},{"a":"y"},{"a":["p","q"]}]"#;
        let mut c = Collect::default();
        extract(
            doc,
            &mut FieldTable::default(),
            &mut JsonScratch::default(),
            &mut c,
        )
        .unwrap();
        assert_eq!(c.records, 3);
        assert_eq!(c.pairs().last().unwrap(), &("$[*].a[*]", "q"));
        assert_eq!(*c.keys().last().unwrap(), "a");
        let mut c = Collect::default();
        let doc = br#"{"x":{"a":{"b":1},"c":{"d":2}},"e":3}"#;
        extract(
            doc,
            &mut FieldTable::default(),
            &mut JsonScratch::default(),
            &mut c,
        )
        .unwrap();
        assert_eq!(c.keys(), ["a.b", "c.d", "e"]);
    }

    #[test]
    fn escaped_strings_are_decoded_and_spans_map_back() {
        let doc = br#"{"n":"jane\u0040example.com \"x\""}"#;
        let mut c = Collect::default();
        extract(
            doc,
            &mut FieldTable::default(),
            &mut JsonScratch::default(),
            &mut c,
        )
        .unwrap();
        assert_eq!(c.values[0].1, "jane@example.com \"x\"");
        let (off, len) = c.spans[0];
        // "jane@example.com" is decoded bytes 0..16, raw `jane\u0040example.com`.
        let (o, l) = c.first_words[0];
        assert_eq!(&doc[o..o + l], br"jane\u0040example.com");
        assert_eq!(&doc[off..off + len], br#"jane\u0040example.com \"x\""#);
    }

    #[test]
    fn truncated_documents_report_where_they_broke() {
        let mut c = Collect::default();
        let err = extract(
            br#"{"a":"x","b":"#,
            &mut FieldTable::default(),
            &mut JsonScratch::default(),
            &mut c,
        )
        .unwrap_err();
        assert_eq!(c.values.len(), 1);
        assert!(err.message.starts_with("invalid JSON"), "{}", err.message);
        assert_eq!(err.offset, 13);
    }

    #[test]
    fn deep_nesting_does_not_overflow_and_caps_the_path() {
        let depth = 100_000;
        let mut doc = "[".repeat(depth);
        doc.push_str("\"v\"");
        doc.push_str(&"]".repeat(depth));
        let mut c = Collect::default();
        extract(
            doc.as_bytes(),
            &mut FieldTable::default(),
            &mut JsonScratch::default(),
            &mut c,
        )
        .unwrap();
        assert_eq!(c.values.len(), 1);
        assert!(c.values[0].0.len() <= 3 * MAX_PATH_DEPTH + 8);
    }
}
