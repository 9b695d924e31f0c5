//! Layers of encoding inside a value: JSON inside a JSON string,
//! percent-encoding, `application/x-www-form-urlencoded` pairs, base64 and
//! base64url text, JWT header and payload claims, gzip behind base64.
//!
//! This module only recognises and decodes; the engine decides when to
//! look (every string value, up to `--max-decode-depth` layers) and scans
//! what comes out. A decoded value keeps a [`RawSpan`] that maps back to the
//! raw file bytes: exactly, byte for byte, through JSON escapes and
//! percent-escapes; to the whole encoded run for base64, JWT and gzip,
//! where one decoded byte has no raw byte of its own. Every value also
//! carries its decode chain ([`Layers`]), which findings report
//! (`"decoded": ["base64", "jwt"]`).
//!
//! Recognition is strict on purpose, because it runs on every value: JSON
//! must parse as a whole, form data needs at least two `name=value` pairs,
//! base64 needs 16+ characters of one alphabet whose decoding is printable
//! UTF-8 (or gzip), a JWT needs a header that decodes to a JSON object. A
//! string that merely looks encoded is scanned as it is.

use std::io::Read;

use base64::Engine as _;
use serde::Serialize;

use super::path::FieldTable;
use super::{Problem, RawSpan, Value, ValueSink};

/// The start of a JWT (`{"` in base64url), searched for in long values:
/// a searcher built once (`memmem::find` builds one per call: with the
/// URL parser's, 1% of a HAR capture's cycles in perf).
static JWT_START: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"eyJ"));

/// One layer of encoding that was decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// A JSON document inside a string.
    Json,
    /// Percent-escapes (`%40`).
    Percent,
    /// `name=value&name=value` pairs.
    Form,
    /// A `multipart/form-data` body.
    Multipart,
    /// Base64 or base64url.
    Base64,
    /// The header and payload of a JSON Web Token.
    Jwt,
    /// Gzip-compressed bytes.
    Gzip,
}

impl Encoding {
    /// The lower-case name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Json => "json",
            Encoding::Percent => "percent",
            Encoding::Form => "form",
            Encoding::Multipart => "multipart",
            Encoding::Base64 => "base64",
            Encoding::Jwt => "jwt",
            Encoding::Gzip => "gzip",
        }
    }
}

/// Most layers a chain records; deeper chains keep their first layers
/// (the depth limit stops decoding long before this).
const MAX_LAYERS: usize = 8;

/// The decode chain of a value, outermost first. Small and `Copy`, so
/// values carry it without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Layers {
    items: [Option<Encoding>; MAX_LAYERS],
    len: u8,
}

impl Layers {
    /// No decoding: the value is as the file has it.
    pub const NONE: Layers = Layers {
        items: [None; MAX_LAYERS],
        len: 0,
    };

    /// Number of layers.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True for a value read as the file has it.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// This chain with one more (inner) layer.
    pub fn with(mut self, e: Encoding) -> Layers {
        if self.len() < MAX_LAYERS {
            self.items[self.len()] = Some(e);
            self.len += 1;
        }
        self
    }

    /// This chain followed by `inner`.
    pub fn then(self, inner: Layers) -> Layers {
        inner.iter().fold(self, Layers::with)
    }

    /// The layers, outermost first.
    pub fn iter(&self) -> impl Iterator<Item = Encoding> + '_ {
        self.items[..self.len()].iter().flatten().copied()
    }

    /// The layers as a vector, for findings.
    pub fn to_vec(&self) -> Vec<Encoding> {
        self.iter().collect()
    }
}

/// A sink adapter for values found inside a decoded value: their spans
/// are mapped through `parent` (the encoded value's span), their decode
/// chain is prefixed with `layers`, records are not counted (an embedded
/// document is part of its record), and problems are forwarded (mapped to
/// the parent's coordinates) only when `report_problems` is set.
pub struct Embedded<'p, 'r, S: ValueSink> {
    /// Where the values go.
    pub inner: &'p mut S,
    /// The span of the encoded value.
    pub parent: &'p RawSpan<'r>,
    /// The chain up to and including this layer.
    pub layers: Layers,
    /// Forward problems (a body that claims JSON but is not) or drop them
    /// (a string that only looked like JSON).
    pub report_problems: bool,
    /// Set when a problem was seen, reported or not.
    pub failed: bool,
}

impl<S: ValueSink> ValueSink for Embedded<'_, '_, S> {
    fn value(&mut self, fields: &mut FieldTable, value: &Value<'_>) {
        let raw = RawSpan::Within {
            parent: self.parent,
            inner: &value.raw,
        };
        self.inner.value(
            fields,
            &Value {
                field: value.field,
                bytes: value.bytes,
                raw,
                layers: self.layers.then(value.layers),
            },
        );
    }

    fn record(&mut self) {}

    fn problem(&mut self, problem: Problem) {
        self.failed = true;
        if self.report_problems {
            let (offset, _) = self.parent.map(problem.offset, problem.offset);
            self.inner.problem(Problem {
                offset,
                message: problem.message,
            });
        }
    }

    fn origin(&mut self, origin: Option<&super::Origin<'_>>) {
        self.inner.origin(origin);
    }

    fn skipped(&mut self, reason: &'static str) {
        self.inner.skipped(reason);
    }

    fn at(&mut self, line: u64, column: u64) {
        self.inner.at(line, column);
    }
}

/// Values this long may hold a JWT inside running text, which the
/// extractor looks for: [`Shape::inert`] is false from here on for a
/// value that holds `eyJ` (a value with no capital letter cannot).
pub const INERT_BELOW: usize = 40;

/// Which bytes a value holds, in one pass with a table: enough to rule
/// out every layer for the great majority of values (ids, timestamps,
/// sentences) before any closer look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape(u16);

impl Shape {
    const PERCENT: u16 = 1;
    const AMP: u16 = 1 << 1;
    const EQ: u16 = 1 << 2;
    const NOT_B64: u16 = 1 << 3;
    const STD: u16 = 1 << 4;
    const URL: u16 = 1 << 5;
    const UPPER: u16 = 1 << 6;
    const LOWER: u16 = 1 << 7;

    const TABLE: [u16; 256] = {
        let mut t = [Shape::NOT_B64; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            t[b] = match c {
                b'A'..=b'Z' => Shape::UPPER,
                b'a'..=b'z' => Shape::LOWER,
                b'0'..=b'9' => 0,
                b'+' | b'/' => Shape::STD,
                b'-' | b'_' => Shape::URL,
                b'=' => Shape::EQ,
                b'%' => Shape::PERCENT | Shape::NOT_B64,
                b'&' => Shape::AMP | Shape::NOT_B64,
                _ => Shape::NOT_B64,
            };
            b += 1;
        }
        t
    };

    /// The shape of `v`.
    #[inline]
    pub fn of(v: &[u8]) -> Shape {
        let mut bits = 0;
        for &b in v {
            bits |= Shape::TABLE[usize::from(b)];
        }
        Shape(bits)
    }

    /// The shape of `v`, and its class key (`key[i] = classes[v[i]]`)
    /// written into `key`, in one pass.
    #[inline]
    pub fn of_keyed(v: &[u8], classes: &[u8; 256], key: &mut Vec<u8>) -> Shape {
        // Sized first, then written: no capacity check per byte.
        key.clear();
        key.resize(v.len(), 0);
        let mut bits = 0;
        for (k, &b) in key.iter_mut().zip(v) {
            bits |= Shape::TABLE[usize::from(b)];
            *k = classes[usize::from(b)];
        }
        Shape(bits)
    }

    /// True when no layer can be decoded from `v`, of this shape: it is
    /// not JSON-like, not a JWT (nor `Bearer` one), not form data, holds
    /// no `%`, is not long base64, and when it is [`INERT_BELOW`] bytes
    /// or more, holds no `eyJ` (a JWT in running text). Below that length,
    /// or with no capital letter, the answer is the same for every value
    /// of the same class key (see `crate::detect::stats::CLASS_KEY`)
    /// unless the key is spelled like `eyJ` or `bearer ` at the start.
    #[inline]
    pub fn inert(self, v: &[u8]) -> bool {
        if v.len() < 4 {
            return true;
        }
        let maybe_decoded =
            (v.len() >= INERT_BELOW && self.0 & Shape::UPPER != 0 && JWT_START.find(v).is_some())
                || looks_like_json(v)
                || v.starts_with(b"eyJ")
                || (v.len() > 7 && v[..7].eq_ignore_ascii_case(b"bearer "))
                || self.form()
                || self.percent()
                || (v.len() >= 16 && self.base64());
        !maybe_decoded
    }

    /// May hold `%XX` escapes.
    pub fn percent(self) -> bool {
        self.0 & Shape::PERCENT != 0
    }

    /// May be form data (`a=1&b=2`).
    pub fn form(self) -> bool {
        self.0 & (Shape::AMP | Shape::EQ) == Shape::AMP | Shape::EQ
    }

    /// Holds a capital letter.
    pub fn upper(self) -> bool {
        self.0 & Shape::UPPER != 0
    }

    /// May be base64 (one alphabet, both cases, nothing else).
    pub fn base64(self) -> bool {
        self.0 & (Shape::NOT_B64 | Shape::UPPER | Shape::LOWER) == Shape::UPPER | Shape::LOWER
            && self.0 & (Shape::STD | Shape::URL) != Shape::STD | Shape::URL
    }
}

/// True when `v` is exactly one JSON value, by the rules of the JSON
/// extractor's tokenizer (which skips it without decoding anything):
/// what passes here the extractor reads in full. It took a sixth fewer
/// instructions than `serde_json` skipping the same bodies (8 MB HAR
/// capture, callgrind: 37.8M -> 31.7M), and unlike it does not refuse a
/// value for a raw control character in a string.
pub fn is_json(v: &[u8]) -> bool {
    super::json::is_one_value(v)
}

/// True for a value that may be a JSON object or array: `{…}` or `[…]`
/// after trimming whitespace, with a quote inside (an array of numbers
/// holds nothing a detector would not see anyway).
pub fn looks_like_json(v: &[u8]) -> bool {
    let v = v.trim_ascii();
    v.len() >= 2
        && matches!((v[0], v[v.len() - 1]), (b'{', b'}') | (b'[', b']'))
        && memchr::memchr(b'"', v).is_some()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Whether `v` holds at least one `%XX` escape.
pub fn has_percent_escape(v: &[u8]) -> bool {
    memchr::memchr_iter(b'%', v)
        .any(|i| i + 2 < v.len() && hex(v[i + 1]).is_some() && hex(v[i + 2]).is_some())
}

/// Decodes percent-escapes (and `+` as a space when `plus` is set) into
/// `out` (cleared first). A `%` not followed by two hex digits is kept.
pub fn percent_decode(v: &[u8], plus: bool, out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while i < v.len() {
        let (used, byte) = percent_at(v, i, plus);
        out.push(byte);
        i += used;
    }
}

/// The raw bytes used and the byte produced at `i`.
#[inline]
fn percent_at(v: &[u8], i: usize, plus: bool) -> (usize, u8) {
    match v[i] {
        b'%' if i + 2 < v.len() => match (hex(v[i + 1]), hex(v[i + 2])) {
            (Some(a), Some(b)) => (3, a << 4 | b),
            _ => (1, b'%'),
        },
        b'+' if plus => (1, b' '),
        b => (1, b),
    }
}

/// Maps an offset in the percent-decoded value to the raw offset of the
/// escape or byte that produced it.
pub fn percent_decoded_to_raw(raw: &[u8], plus: bool, decoded: usize) -> usize {
    let (mut r, mut d) = (0, 0);
    while r < raw.len() && d < decoded {
        r += percent_at(raw, r, plus).0;
        d += 1;
    }
    r
}

/// One `name=value` pair of form data: byte ranges in the encoded input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    /// The encoded name.
    pub name: (usize, usize),
    /// The encoded value.
    pub value: (usize, usize),
}

/// Splits `application/x-www-form-urlencoded` data into pairs. Without
/// `declared` (a content type saying so) the input must look like form
/// data all through: two or more pairs, names of URL-safe characters, no
/// spaces.
pub fn form_pairs(v: &[u8], declared: bool) -> Option<Vec<Pair>> {
    let mut pairs = Vec::new();
    form_pairs_into(v, declared, &mut pairs).then_some(pairs)
}

/// [`form_pairs`] into `pairs` (cleared first), kept by the caller across
/// values: whether `v` is form data. Callgrind, 8 MB HAR capture: a list
/// allocated per request URL's query was 3,638 allocations.
pub fn form_pairs_into(v: &[u8], declared: bool, pairs: &mut Vec<Pair>) -> bool {
    pairs.clear();
    let name_ok = |n: &[u8]| {
        !n.is_empty()
            && n.iter().all(|&b| {
                b.is_ascii_alphanumeric()
                    || matches!(b, b'_' | b'-' | b'.' | b'[' | b']' | b'%' | b'+' | b'*')
            })
    };
    let mut start = 0;
    for part in v.split(|&b| b == b'&') {
        let end = start + part.len();
        if !part.is_empty() {
            let Some(eq) = memchr::memchr(b'=', part) else {
                return false;
            };
            if !name_ok(&part[..eq]) {
                return false;
            }
            let value = &part[eq + 1..];
            if !declared && value.iter().any(|b| b.is_ascii_whitespace()) {
                return false;
            }
            pairs.push(Pair {
                name: (start, start + eq),
                value: (start + eq + 1, end),
            });
        }
        start = end + 1;
    }
    pairs.len() >= 2 || (declared && !pairs.is_empty())
}

/// The shortest run this module will try as base64.
const MIN_BASE64: usize = 16;

/// Decodes `v` as standard or URL-safe base64 (padded or not) into `out`
/// when it is plausibly base64: at least 16 characters of one alphabet,
/// not all hex digits, and not one word. Returns false otherwise.
pub fn base64_decode(v: &[u8], out: &mut Vec<u8>) -> bool {
    let v = v.trim_ascii();
    if v.len() < MIN_BASE64 {
        return false;
    }
    let body = v
        .strip_suffix(b"==")
        .or_else(|| v.strip_suffix(b"="))
        .unwrap_or(v);
    let (mut std, mut url, mut digits, mut upper, mut lower) = (false, false, false, false, false);
    for &b in body {
        match b {
            b'0'..=b'9' => digits = true,
            b'A'..=b'Z' => upper = true,
            b'a'..=b'z' => lower = true,
            b'+' | b'/' => std = true,
            b'-' | b'_' => url = true,
            _ => return false,
        }
    }
    // Hex digests, plain words and mixed alphabets are not base64.
    if (std && url) || !(upper && lower) || (!digits && !std && !url && body.len() < 24) {
        return false;
    }
    if body.len() % 4 == 1 {
        return false;
    }
    out.clear();
    let engine = if url {
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        &base64::engine::general_purpose::STANDARD_NO_PAD
    };
    engine.decode_vec(body, out).is_ok()
}

/// True for bytes that read as text: valid UTF-8, no NUL, and at most one
/// control character in 20.
pub fn is_text(v: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(v) else {
        return false;
    };
    let control = s
        .bytes()
        .filter(|&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t'))
        .count();
    !s.contains('\0') && control * 20 <= s.len()
}

/// Whether `v` starts like a gzip stream.
pub fn is_gzip(v: &[u8]) -> bool {
    v.starts_with(&[0x1f, 0x8b])
}

/// Decompresses gzip `v` into `out`, failing past `limit` bytes.
pub fn gunzip(v: &[u8], limit: u64, out: &mut Vec<u8>) -> Result<(), String> {
    out.clear();
    let mut d = flate2::read::MultiGzDecoder::new(v).take(limit.saturating_add(1));
    d.read_to_end(out)
        .map_err(|e| format!("gzip data does not decompress ({})", e.kind()))?;
    if out.len() as u64 > limit {
        return Err(format!(
            "gzip data decompresses to more than {limit} bytes (--max-decompressed-size)"
        ));
    }
    Ok(())
}

/// A JSON Web Token found in a value: byte ranges of its segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwt {
    /// The header segment.
    pub header: (usize, usize),
    /// The payload segment.
    pub payload: (usize, usize),
    /// The decoded header (a JSON object).
    pub header_json: Vec<u8>,
    /// The decoded payload, when it decodes.
    pub payload_json: Option<Vec<u8>>,
    /// False when the signature segment is not base64url.
    pub signature_ok: bool,
}

/// Recognises a JWT, alone or after `Bearer `: three `.`-separated
/// segments whose first is base64url of a JSON object.
pub fn jwt(v: &[u8]) -> Option<Jwt> {
    let start = if v.len() > 7 && v[..7].eq_ignore_ascii_case(b"bearer ") {
        7
    } else {
        0
    };
    let t = &v[start..];
    if !t.starts_with(b"eyJ") {
        return None;
    }
    let d1 = memchr::memchr(b'.', t)?;
    let d2 = d1 + 1 + memchr::memchr(b'.', &t[d1 + 1..])?;
    let (h, p, s) = (&t[..d1], &t[d1 + 1..d2], &t[d2 + 1..]);
    let b64url = |x: &[u8]| {
        x.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !b64url(h) || !b64url(p) || p.is_empty() {
        return None;
    }
    let engine = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header_json = engine.decode(h).ok()?;
    if !header_json.trim_ascii().starts_with(b"{") {
        return None;
    }
    let payload_json = engine.decode(p).ok();
    let signature_ok = b64url(s) && s.len() % 4 != 1;
    Some(Jwt {
        header: (start, start + d1),
        payload: (start + d1 + 1, start + d2),
        header_json,
        payload_json,
        signature_ok,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inert_values_are_those_no_layer_decodes() {
        let inert = |v: &[u8]| Shape::of(v).inert(v);
        for v in [
            &b"2026-07-08T09:08:45.533Z"[..],
            b"SKU-120241",
            b"910a2dec-8902-4cc1-beeb-8da1658eec67",
            b"jane@example.com",
            b"{}",
            b"abc",
            b"a value long enough to hold a token in running text, but with no capital",
            b"Customer Jane asked us to call back on Tuesday morning after the review",
        ] {
            assert!(inert(v), "{}", String::from_utf8_lossy(v));
        }
        for v in [
            &b"{\"a\":\"b\"}"[..],
            b"[\"x\"]",
            b"eyJhbGciOiJIUzI1NiJ9.e30.x",
            b"Bearer abc.def",
            b"a=1&b=2",
            b"jane%40example.com",
            b"amFuZUBleGFtcGxlLmNvbQ==",
            b"the log said Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x and more",
        ] {
            assert!(!inert(v), "{}", String::from_utf8_lossy(v));
        }
    }

    #[test]
    fn layers_record_the_chain_outermost_first() {
        let l = Layers::NONE.with(Encoding::Base64).with(Encoding::Jwt);
        assert_eq!(l.to_vec(), [Encoding::Base64, Encoding::Jwt]);
        let m = Layers::NONE.with(Encoding::Percent).then(l);
        assert_eq!(m.len(), 3);
        assert!(Layers::NONE.is_empty());
    }

    #[test]
    fn percent_decoding_maps_back_to_the_escapes() {
        let raw = b"jane%40example.com+x%2";
        let mut out = Vec::new();
        percent_decode(raw, true, &mut out);
        assert_eq!(out, b"jane@example.com x%2");
        assert!(has_percent_escape(raw));
        assert!(!has_percent_escape(b"100% sure %4"));
        // `@` is decoded byte 4; it came from raw bytes 4..7.
        assert_eq!(percent_decoded_to_raw(raw, true, 4), 4);
        assert_eq!(percent_decoded_to_raw(raw, true, 5), 7);
        assert_eq!(percent_decoded_to_raw(raw, true, out.len()), raw.len());
    }

    #[test]
    fn form_data_needs_pairs_unless_declared() {
        let p = form_pairs(b"email=a%40example.com&plan=pro", false).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].name, (0, 5));
        assert_eq!(p[0].value, (6, 21));
        assert_eq!(form_pairs(b"a=1", false), None);
        assert_eq!(form_pairs(b"a=1", true).unwrap().len(), 1);
        assert_eq!(form_pairs(b"x = y & z = w", false), None);
        assert_eq!(form_pairs(b"Tom & Jerry", false), None);
    }

    #[test]
    fn shapes_rule_layers_out_in_one_pass() {
        assert!(Shape::of(b"a%40b").percent());
        assert!(Shape::of(b"a=1&b=2").form());
        assert!(!Shape::of(b"a=1").form());
        assert!(Shape::of(b"eyJlbWFpbCI6ImFAZXhhbXBsZS5jb20ifQ==").base64());
        assert!(!Shape::of(b"3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f").base64());
        assert!(!Shape::of(b"plain words here").base64());
        assert!(!Shape::of(b"ab+cd_ef").base64());
    }

    #[test]
    fn base64_needs_one_alphabet_and_mixed_case() {
        let mut out = Vec::new();
        assert!(base64_decode(
            b"eyJlbWFpbCI6ImFAZXhhbXBsZS5jb20ifQ==",
            &mut out
        ));
        assert_eq!(out, br#"{"email":"a@example.com"}"#);
        assert!(!base64_decode(
            b"0123456789abcdef0123456789abcdef",
            &mut out
        ));
        assert!(!base64_decode(b"short", &mut out));
        assert!(!base64_decode(b"has spaces in it, so it is text", &mut out));
        assert!(!base64_decode(b"mixed+alphabets_are-not/base64", &mut out));
        assert!(!is_text(&[0xff, 0xfe, 0x00, 0x01]));
        assert!(is_text(b"plain words\n"));
    }

    #[test]
    fn jwts_are_split_and_their_header_decoded() {
        let token = b"Bearer eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFAZXhhbXBsZS5jb20ifQ.c2lnbmF0dXJl";
        let j = jwt(token).unwrap();
        assert_eq!(j.header_json, br#"{"alg":"HS256"}"#);
        assert_eq!(
            j.payload_json.as_deref(),
            Some(&br#"{"email":"a@example.com"}"#[..])
        );
        assert_eq!(&token[j.header.0..j.header.1], b"eyJhbGciOiJIUzI1NiJ9");
        assert!(j.signature_ok);
        let broken = b"eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFAZXhhbXBsZS5jb20ifQ.sig$$";
        assert!(!jwt(broken).unwrap().signature_ok);
        assert_eq!(jwt(b"eyJnot.a.token"), None);
    }

    #[test]
    fn gzip_is_bounded() {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&[b'a'; 10_000]).unwrap();
        let gz = e.finish().unwrap();
        let mut out = Vec::new();
        assert!(is_gzip(&gz));
        assert!(gunzip(&gz, 20_000, &mut out).is_ok());
        assert_eq!(out.len(), 10_000);
        assert!(
            gunzip(&gz, 100, &mut out)
                .unwrap_err()
                .contains("more than 100")
        );
    }
}
