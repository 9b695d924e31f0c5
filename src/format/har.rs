//! HAR 1.2 captures of API traffic: which of our endpoints send which
//! personal data to which vendor, and what comes back.
//!
//! The capture is read in one pass by the `read` module, on the JSON
//! extractor's tokenizer: every string keeps its place in the file,
//! entries are scanned as they come, and only the members the walker uses
//! are taken from an entry (the rest is skipped without being decoded).
//! An entry of the wrong shape is reported and skipped, the rest still
//! scanned; a capture that breaks (truncated, invalid JSON) yields every
//! entry before the break and reports where it broke. A capture split
//! across threads is first sliced into entries by the same reader,
//! skipping each entry whole.
//!
//! The entries were first read with `serde_json` into borrowed
//! `RawValue`s. Callgrind, 8 MB generated capture, one thread: 543.0M
//! instructions for the whole scan with it, 457.8M with `read` (the
//! reading itself from about 177M to about 61M: `serde_json` checked
//! every string for UTF-8 and control characters and stopped at every
//! escape of the JSON bodies held in strings).
//!
//! Per entry the extractor announces an [`Origin`] (request host, endpoint
//! template, direction) and emits, with HAR field paths:
//! - URL path segments (`…request.url.path`), raw: the engine's decode
//!   layer undoes percent-escapes and records it;
//! - query parameters (`…request.queryString[email]`), from the
//!   `queryString` array or, when that is empty, from the URL;
//! - headers (`…request.headers[Authorization]`); the `Cookie` and
//!   `Set-Cookie` headers are split into cookies (`…request.cookies[sid]`),
//!   and the `cookies` arrays are read only when those headers are absent
//!   (browsers export the same cookies twice);
//! - `postData`: its `params` when present, else `text` by its MIME type —
//!   JSON (`…postData.text$.customer.email`), form data
//!   (`…postData.text[email]`), multipart text parts, or plain text;
//! - `response.content.text`, base64-decoded (and gunzipped) when its
//!   `encoding` says so, then by MIME type like a request body.
//!
//! Binary bodies (images, fonts, media, archives) and bodies larger than
//! the limit are skipped and counted. A body whose MIME type says JSON but
//! which does not parse is reported, read as JSON up to its last whole
//! value and scanned as text from there (it is walked without a check of
//! its own first: that pass took a tenth of a HAR scan).

use std::borrow::Cow;

use base64::Engine as _;

use super::decode::{self, Embedded, Encoding, Layers};
use super::json::{self, JsonScratch};
use super::path::{FieldId, FieldTable, Segment};
use super::{Direction, Origin, Problem, RawSpan, Value, ValueSink};

mod read;

use read::{Entry, Fail, Pair, Reader, Request, Response};

/// Limits for HAR bodies.
#[derive(Debug, Clone, Copy)]
pub struct HarOptions {
    /// Bodies longer than this (encoded) are skipped and counted.
    pub max_body: usize,
    /// Most bytes a gzip body may decompress to.
    pub max_decompressed: u64,
}

impl Default for HarOptions {
    fn default() -> Self {
        HarOptions {
            max_body: 64 << 20,
            max_decompressed: 256 << 20,
        }
    }
}

/// Why a body was not scanned; counted in the report.
pub const SKIPPED_BINARY: &str = "HAR body of a binary type";
/// Why a body was not scanned; counted in the report.
pub const SKIPPED_LARGE: &str = "HAR body over the size limit";

/// True when a JSON document starts like a HAR capture: its first key is
/// `log` and the head mentions the HAR keys.
pub fn looks_like_har(head: &[u8]) -> bool {
    let Some(rest) = head.strip_prefix(b"{") else {
        return false;
    };
    let rest = rest.trim_ascii_start();
    rest.starts_with(b"\"log\"")
        && [&b"\"entries\""[..], b"\"creator\"", b"\"version\""]
            .iter()
            .any(|k| memchr::memmem::find(head, k).is_some())
}

/// The capture has no `log.entries` array: it is not HAR.
#[derive(Debug)]
pub struct NotHar;

/// Extracts every entry of the HAR capture in `data`. Returns `Err` when
/// the document has no `log.entries` array (scan it as plain JSON then).
pub fn extract<S: ValueSink>(
    data: &[u8],
    fields: &mut FieldTable,
    scratch: &mut JsonScratch,
    options: &HarOptions,
    sink: &mut S,
) -> Result<(), NotHar> {
    let mut walker = Walker::new(fields, scratch, options, sink);
    let mut reader = Reader::new(data, 0);
    let mut found = false;
    let mut done = 0;
    let read = reader.capture(&mut found, &mut |r| {
        walker.read_entry(r, done)?;
        done += 1;
        Ok(())
    });
    if !found {
        return Err(NotHar);
    }
    if let Err(e) = read {
        walker.sink.problem(Problem {
            offset: e.offset(),
            message: format!(
                "{} after {done} HAR entries; the rest was not scanned",
                e.describe(data.len())
            ),
        });
    }
    Ok(())
}

/// The byte spans of the entries of a well-formed capture, for scanning
/// it in parts on several threads; `None` when `data` is not HAR or does
/// not parse whole (scan it with [`extract`], which reports where it
/// breaks).
pub fn entry_spans(data: &[u8]) -> Option<Vec<(usize, usize)>> {
    let mut spans = Vec::new();
    let mut found = false;
    let mut reader = Reader::new(data, 0);
    reader
        .capture(&mut found, &mut |r| {
            let start = r.pos();
            r.skip()?;
            spans.push((start, r.pos()));
            Ok(())
        })
        .ok()?;
    found.then_some(spans)
}

/// Extracts the entries at `spans` of the capture `data` (from
/// [`entry_spans`]); the first is entry number `first` of the capture.
pub fn extract_entries<S: ValueSink>(
    data: &[u8],
    spans: &[(usize, usize)],
    first: usize,
    fields: &mut FieldTable,
    scratch: &mut JsonScratch,
    options: &HarOptions,
    sink: &mut S,
) {
    let mut walker = Walker::new(fields, scratch, options, sink);
    for (k, &(start, _)) in spans.iter().enumerate() {
        let mut reader = Reader::new(data, start);
        if let Err(e) = walker.read_entry(&mut reader, first + k) {
            walker.sink.problem(Problem {
                offset: e.offset(),
                message: format!(
                    "HAR entry {}: {}; the entry was skipped",
                    first + k,
                    e.describe(data.len())
                ),
            });
        }
    }
}

/// A JSON string of the capture: the offset of its body (after the
/// quote) and the raw body, escapes and all.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Str<'a> {
    start: usize,
    raw: &'a [u8],
    /// The body holds a backslash (the reader knows it from its scan).
    escaped: bool,
}

impl<'a> Str<'a> {
    fn span(&self) -> RawSpan<'a> {
        RawSpan::JsonEscaped {
            start: self.start,
            raw: self.raw,
        }
    }

    /// The decoded string: the raw body when it has no escapes, else
    /// decoded into `buf`.
    fn decode_in<'s>(&self, buf: &'s mut Vec<u8>) -> &'s [u8]
    where
        'a: 's,
    {
        if !self.escaped {
            return self.raw;
        }
        json::unescape(self.raw, buf);
        buf
    }

    /// The decoded string (borrowed when it has no escapes).
    fn decode(&self) -> Cow<'a, [u8]> {
        if !self.escaped {
            return Cow::Borrowed(self.raw);
        }
        let mut out = Vec::new();
        json::unescape(self.raw, &mut out);
        Cow::Owned(out)
    }
}

/// Field ids every entry uses.
struct Ids {
    request: FieldId,
    response: FieldId,
}

impl Ids {
    fn new(fields: &mut FieldTable) -> Ids {
        let log = fields.child(FieldTable::ROOT, Segment::Key(b"log"));
        let entries = fields.child(log, Segment::Key(b"entries"));
        let entry = fields.child(entries, Segment::Element);
        Ids {
            request: fields.child(entry, Segment::Key(b"request")),
            response: fields.child(entry, Segment::Key(b"response")),
        }
    }
}

struct Walker<'d, 'x, S: ValueSink> {
    fields: &'x mut FieldTable,
    scratch: &'x mut JsonScratch,
    options: &'x HarOptions,
    sink: &'x mut S,
    ids: Ids,
    /// The pairs of the entry being read, reused.
    pair_buf: Vec<Pair<'d>>,
    /// Buffers reused across entries: the request host and endpoint, a
    /// decoded path segment, a decoded body, a parameter name.
    host: String,
    endpoint: String,
    segment: Vec<u8>,
    body_buf: Vec<u8>,
    name_buf: Vec<u8>,
    /// The pairs of a request URL's query.
    form_buf: Vec<decode::Pair>,
}

/// Lower-case ASCII (borrowed when it already is).
fn lower(v: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(v) {
        Ok(s) if !s.bytes().any(|b| b.is_ascii_uppercase()) => Cow::Borrowed(s),
        _ => Cow::Owned(String::from_utf8_lossy(v).to_ascii_lowercase()),
    }
}

impl<'d, 'x, S: ValueSink> Walker<'d, 'x, S> {
    fn new(
        fields: &'x mut FieldTable,
        scratch: &'x mut JsonScratch,
        options: &'x HarOptions,
        sink: &'x mut S,
    ) -> Self {
        let ids = Ids::new(fields);
        Walker {
            fields,
            scratch,
            options,
            sink,
            ids,
            pair_buf: Vec::new(),
            host: String::new(),
            endpoint: String::new(),
            segment: Vec::new(),
            body_buf: Vec::new(),
            name_buf: Vec::new(),
            form_buf: Vec::new(),
        }
    }

    /// Reads entry number `index` where the reader stands and scans it.
    /// An entry of the wrong shape is reported and skipped; an error is
    /// returned only when the capture itself breaks.
    fn read_entry(&mut self, r: &mut Reader<'d>, index: usize) -> Result<(), Fail> {
        let start = r.pos();
        let mut pairs = std::mem::take(&mut self.pair_buf);
        pairs.clear();
        self.sink.record();
        let read = match r.entry(&mut pairs) {
            Ok(entry) => {
                self.entry(index, &entry, &pairs);
                Ok(())
            }
            Err(Fail::Shape(_)) => {
                r.set_pos(start);
                r.skip().map(|()| {
                    self.sink.problem(Problem {
                        offset: start,
                        message: format!(
                            "HAR entry {index}: unexpected structure (a field of the wrong type or given twice); the entry was skipped"
                        ),
                    })
                })
            }
            Err(e) => Err(e),
        };
        self.sink.origin(None);
        self.pair_buf = pairs;
        read
    }

    fn entry(&mut self, index: usize, entry: &Entry<'_>, pairs: &[Pair<'_>]) {
        // Host and endpoint are built in buffers kept across entries.
        let mut host = std::mem::take(&mut self.host);
        let mut endpoint = std::mem::take(&mut self.endpoint);
        host.clear();
        endpoint.clear();
        // The request's URL, decoded and split once (for the endpoint and
        // the request's values).
        let url = entry
            .request
            .as_ref()
            .map(|r| r.url.map(|s| s.decode()).unwrap_or_default());
        let parsed = url.as_deref().map(|u| (u, Url::parse(u)));
        match (&entry.request, &parsed) {
            (Some(r), Some((url, parts))) => {
                match r.method {
                    Some(m) => {
                        endpoint.push_str(&String::from_utf8_lossy(&m.decode()));
                        endpoint.make_ascii_uppercase();
                    }
                    None => endpoint.push_str("GET"),
                }
                endpoint.push(' ');
                host.push_str(&String::from_utf8_lossy(&url[parts.host.0..parts.host.1]));
                host.make_ascii_lowercase();
                endpoint.push_str(&host);
                template_into(
                    &url[parts.path.0..parts.path.1],
                    &mut endpoint,
                    &mut self.segment,
                );
            }
            _ => endpoint.push_str("unknown"),
        }
        if let Some(r) = &entry.request {
            self.sink.origin(Some(&Origin {
                host: &host,
                endpoint: &endpoint,
                direction: Direction::Request,
            }));
            self.request(index, r, pairs, parsed.as_ref().map(|(u, p)| (*u, p)));
        }
        if let Some(r) = &entry.response {
            self.sink.origin(Some(&Origin {
                host: &host,
                endpoint: &endpoint,
                direction: Direction::Response,
            }));
            self.response(index, r, pairs);
        }
        self.host = host;
        self.endpoint = endpoint;
    }

    fn child(&mut self, parent: FieldId, key: &[u8]) -> FieldId {
        self.fields.child(parent, Segment::Key(key))
    }

    /// Emits a decoded string value.
    fn emit(&mut self, field: FieldId, s: Str<'_>) {
        let bytes = s.decode();
        self.emit_bytes(field, &bytes, &s.span(), Layers::NONE);
    }

    fn emit_bytes(&mut self, field: FieldId, bytes: &[u8], raw: &RawSpan<'_>, layers: Layers) {
        if bytes.is_empty() {
            return;
        }
        self.sink.value(
            self.fields,
            &Value {
                field: Some(field),
                bytes,
                raw: *raw,
                layers,
            },
        );
    }

    /// Emits `bytes[start..end]` of a decoded string whose span is `parent`.
    fn emit_part(
        &mut self,
        field: FieldId,
        bytes: &[u8],
        (start, end): (usize, usize),
        parent: &RawSpan<'_>,
        layers: Layers,
    ) {
        let inner = RawSpan::Verbatim { start };
        let raw = RawSpan::Within {
            parent,
            inner: &inner,
        };
        self.emit_bytes(field, &bytes[start..end], &raw, layers);
    }

    /// Emits a request's values; `parsed` is its URL decoded and split.
    fn request(
        &mut self,
        index: usize,
        r: &Request<'_>,
        pairs: &[Pair<'_>],
        parsed: Option<(&[u8], &Url)>,
    ) {
        let base = self.ids.request;
        if let (Some(url), Some((decoded, parts))) = (r.url, parsed) {
            let span = url.span();
            let url_field = self.child(base, b"url");
            let path_field = self.child(url_field, b"path");
            let (ps, pe) = parts.path;
            let mut at = ps;
            for seg in decoded[ps..pe].split(|&b| b == b'/') {
                if !seg.is_empty() {
                    self.emit_part(
                        path_field,
                        decoded,
                        (at, at + seg.len()),
                        &span,
                        Layers::NONE,
                    );
                }
                at += seg.len() + 1;
            }
            if r.query_string.is_empty() && parts.query.0 < parts.query.1 {
                let qs = self.child(base, b"queryString");
                let (qs0, qe) = parts.query;
                let mut found = std::mem::take(&mut self.form_buf);
                if !decode::form_pairs_into(&decoded[qs0..qe], true, &mut found) {
                    found.clear();
                }
                for p in found.drain(..) {
                    let name = percent(&decoded[qs0 + p.name.0..qs0 + p.name.1]);
                    let f = self.fields.child(qs, Segment::Param(&name));
                    self.emit_part(
                        f,
                        decoded,
                        (qs0 + p.value.0, qs0 + p.value.1),
                        &span,
                        Layers::NONE,
                    );
                }
                self.form_buf = found;
            }
        }
        let cookie_header = self.headers(base, &pairs[r.headers.clone()], b"cookie");
        if !cookie_header {
            self.pairs(base, b"cookies", &pairs[r.cookies.clone()]);
        }
        self.pairs(base, b"queryString", &pairs[r.query_string.clone()]);
        if let Some(post) = &r.post_data {
            let post_field = self.child(base, b"postData");
            let all = &pairs[post.params.clone()];
            if !all.is_empty() {
                let params: Vec<&Pair<'_>> = all.iter().filter(|p| p.file_name.is_none()).collect();
                let skipped = all.len() - params.len();
                for _ in 0..skipped {
                    self.sink.skipped(SKIPPED_BINARY);
                }
                let pf = self.child(post_field, b"params");
                for p in params {
                    self.pair(pf, p);
                }
            } else if let Some(text) = post.text {
                // The multipart boundary is case-sensitive: keep the case.
                let mime = post.mime_type.map(|m| m.decode());
                let mime = mime.as_deref().map(String::from_utf8_lossy);
                let tf = self.child(post_field, b"text");
                let mut buf = std::mem::take(&mut self.body_buf);
                let bytes = text.decode_in(&mut buf);
                if bytes.len() > self.options.max_body {
                    self.sink.skipped(SKIPPED_LARGE);
                } else {
                    self.body(
                        index,
                        "request",
                        tf,
                        bytes,
                        &text.span(),
                        mime.as_deref().unwrap_or(""),
                        Layers::NONE,
                    );
                }
                self.body_buf = buf;
            }
        }
    }

    fn response(&mut self, index: usize, r: &Response<'_>, pairs: &[Pair<'_>]) {
        let base = self.ids.response;
        let cookie_header = self.headers(base, &pairs[r.headers.clone()], b"set-cookie");
        if !cookie_header {
            self.pairs(base, b"cookies", &pairs[r.cookies.clone()]);
        }
        let Some(content) = &r.content else {
            return;
        };
        let Some(text) = content.text else {
            return;
        };
        let content_field = self.child(base, b"content");
        let tf = self.child(content_field, b"text");
        let mime = content.mime_type.map(|m| m.decode());
        let mime = mime.as_deref().map(lower).unwrap_or_default();
        if text.raw.len() > self.options.max_body {
            self.sink.skipped(SKIPPED_LARGE);
            return;
        }
        if is_binary_mime(&mime) {
            self.sink.skipped(SKIPPED_BINARY);
            return;
        }
        let base64 = content
            .encoding
            .is_some_and(|e| lower(&e.decode()) == "base64");
        if !base64 {
            let mut buf = std::mem::take(&mut self.body_buf);
            let bytes = text.decode_in(&mut buf);
            self.body(
                index,
                "response",
                tf,
                bytes,
                &text.span(),
                &mime,
                Layers::NONE,
            );
            self.body_buf = buf;
            return;
        }
        let bytes = text.decode();
        let compact: Vec<u8> = bytes
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let Ok(mut decoded) = base64::engine::general_purpose::STANDARD.decode(&compact) else {
            self.sink.problem(Problem {
                offset: text.start,
                message: format!(
                    "HAR entry {index}: the response body is marked base64 but does not decode; it was not scanned"
                ),
            });
            return;
        };
        let mut layers = Layers::NONE.with(Encoding::Base64);
        if decode::is_gzip(&decoded) {
            let mut out = Vec::new();
            match decode::gunzip(&decoded, self.options.max_decompressed, &mut out) {
                Ok(()) => {
                    decoded = out;
                    layers = layers.with(Encoding::Gzip);
                }
                Err(e) => {
                    self.sink.problem(Problem {
                        offset: text.start,
                        message: format!("HAR entry {index}: response body: {e}"),
                    });
                    return;
                }
            }
        }
        if !decode::is_text(&decoded) {
            self.sink.skipped(SKIPPED_BINARY);
            return;
        }
        let whole = RawSpan::Whole {
            start: 0,
            end: bytes.len(),
        };
        let outer = text.span();
        let span = RawSpan::Within {
            parent: &outer,
            inner: &whole,
        };
        self.body(index, "response", tf, &decoded, &span, &mime, layers);
    }

    /// Emits headers; `cookie` names the header that holds cookies, split
    /// into `…cookies[name]`. Returns whether that header was present.
    fn headers(&mut self, base: FieldId, headers: &[Pair<'_>], cookie: &[u8]) -> bool {
        let hf = self.child(base, b"headers");
        let mut saw_cookie = false;
        for h in headers {
            let (Some(name), Some(value)) = (h.name, h.value) else {
                continue;
            };
            let name = name.decode();
            // HTTP/2 pseudo-headers repeat the request line.
            if name.starts_with(b":") {
                continue;
            }
            if name.eq_ignore_ascii_case(cookie) {
                saw_cookie = true;
                self.cookie_header(base, value, cookie == &b"set-cookie"[..]);
                continue;
            }
            let f = self.fields.child(hf, Segment::Param(&name));
            self.emit(f, value);
        }
        saw_cookie
    }

    /// Splits `a=1; b=2` (a `Cookie` header) or `a=1; Path=/` (one
    /// `Set-Cookie`, whose attributes are not cookies).
    fn cookie_header(&mut self, base: FieldId, value: Str<'_>, set: bool) {
        let cf = self.child(base, b"cookies");
        let bytes = value.decode();
        let span = value.span();
        let mut at = 0;
        for (i, part) in bytes.split(|&b| b == b';').enumerate() {
            let start = at;
            at += part.len() + 1;
            if set && i > 0 {
                break;
            }
            let lead = part.len() - part.trim_ascii_start().len();
            let part_start = start + lead;
            let part = part.trim_ascii();
            let Some(eq) = memchr::memchr(b'=', part) else {
                continue;
            };
            let f = self
                .fields
                .child(cf, Segment::Param(part[..eq].trim_ascii()));
            let vs = part_start + eq + 1;
            self.emit_part(
                f,
                &bytes,
                (vs, part_start + part.len()),
                &span,
                Layers::NONE,
            );
        }
    }

    /// Emits `name`/`value` pairs as `…key[name]`.
    fn pairs(&mut self, base: FieldId, key: &[u8], pairs: &[Pair<'_>]) {
        if pairs.is_empty() {
            return;
        }
        let f = self.child(base, key);
        for p in pairs {
            self.pair(f, p);
        }
    }

    fn pair(&mut self, parent: FieldId, p: &Pair<'_>) {
        let (Some(name), Some(value)) = (p.name, p.value) else {
            return;
        };
        let mut buf = std::mem::take(&mut self.name_buf);
        decode::percent_decode(&name.decode(), true, &mut buf);
        let f = self.fields.child(parent, Segment::Param(&buf));
        self.name_buf = buf;
        self.emit(f, value);
    }

    /// Scans a body by its MIME type.
    #[allow(clippy::too_many_arguments)]
    fn body(
        &mut self,
        index: usize,
        which: &str,
        field: FieldId,
        bytes: &[u8],
        span: &RawSpan<'_>,
        mime: &str,
        layers: Layers,
    ) {
        if bytes.trim_ascii().is_empty() {
            return;
        }
        // Case-blind byte checks of the type (lowering it into a string
        // and searching that was 1.1% of a HAR scan's instructions).
        let m = mime.as_bytes();
        let starts = |prefix: &[u8]| {
            m.len() >= prefix.len() && m[..prefix.len()].eq_ignore_ascii_case(prefix)
        };
        if m.windows(4).any(|w| w.eq_ignore_ascii_case(b"json")) {
            // Walked without checking it first (a pass of its own, a
            // tenth of a HAR scan): a body that breaks is read as JSON up
            // to its last whole value, and the rest is scanned as text.
            let doc = self.fields.child(field, Segment::Document);
            let mut sink = Reached {
                inner: Embedded {
                    inner: &mut *self.sink,
                    parent: span,
                    layers: layers.with(Encoding::Json),
                    report_problems: true,
                    failed: false,
                },
                end: 0,
            };
            let walked = json::walk(bytes, 0, doc, self.fields, self.scratch, &mut sink, false);
            let Err(broke) = walked else {
                return;
            };
            let rest = sink.end;
            let (offset, _) = span.map(broke.offset, broke.offset);
            self.sink.problem(Problem {
                offset,
                message: format!(
                    "HAR entry {index}: the {which} body claims JSON but is not valid JSON; read as JSON up to where it breaks, the rest scanned as text"
                ),
            });
            if bytes[rest..].trim_ascii().is_empty() {
                return;
            }
            self.emit_part(field, bytes, (rest, bytes.len()), span, layers);
            return;
        } else if starts(b"application/x-www-form-urlencoded") {
            if let Some(pairs) = decode::form_pairs(bytes, true) {
                let layers = layers.with(Encoding::Form);
                for p in pairs {
                    let name = percent(&bytes[p.name.0..p.name.1]);
                    let f = self.fields.child(field, Segment::Param(&name));
                    self.emit_part(f, bytes, p.value, span, layers);
                }
                return;
            }
        } else if starts(b"multipart/form-data")
            && let Some(boundary) = boundary(mime)
        {
            let layers = layers.with(Encoding::Multipart);
            for part in multipart(bytes, boundary.as_bytes()) {
                if !part.text {
                    self.sink.skipped(SKIPPED_BINARY);
                    continue;
                }
                let f = self.fields.child(field, Segment::Param(&part.name));
                self.emit_part(f, bytes, part.body, span, layers);
            }
            return;
        }
        self.emit_bytes(field, bytes, span, layers);
    }
}

/// Passes values on, noting where the last one ends (in the coordinates
/// of the walked bytes).
struct Reached<S> {
    inner: S,
    end: usize,
}

impl<S: ValueSink> ValueSink for Reached<S> {
    fn value(&mut self, fields: &mut FieldTable, value: &Value<'_>) {
        let end = match value.raw {
            RawSpan::Verbatim { start } => start + value.bytes.len(),
            RawSpan::JsonEscaped { start, raw } => start + raw.len(),
            ref other => {
                let (start, len) = other.map(0, value.bytes.len());
                start + len
            }
        };
        self.end = self.end.max(end);
        self.inner.value(fields, value);
    }

    /// A body is part of its entry's record (as an embedded document is
    /// part of its value's): it neither counts as a record nor is
    /// sampled apart from its entry.
    fn record(&mut self) {}

    fn problem(&mut self, problem: Problem) {
        self.inner.problem(problem);
    }

    fn origin(&mut self, origin: Option<&Origin<'_>>) {
        self.inner.origin(origin);
    }

    fn skipped(&mut self, reason: &'static str) {
        self.inner.skipped(reason);
    }

    fn at(&mut self, line: u64, column: u64) {
        self.inner.at(line, column);
    }
}

/// Percent-decodes a parameter name (`+` as a space).
fn percent(v: &[u8]) -> Cow<'_, [u8]> {
    if memchr::memchr2(b'%', b'+', v).is_none() {
        return Cow::Borrowed(v);
    }
    let mut out = Vec::new();
    decode::percent_decode(v, true, &mut out);
    Cow::Owned(out)
}

/// Types whose bodies hold no text worth scanning.
fn is_binary_mime(mime: &str) -> bool {
    ["image/", "audio/", "video/", "font/", "application/font"]
        .iter()
        .any(|p| mime.starts_with(p))
        && !mime.starts_with("image/svg")
        || [
            "application/octet-stream",
            "application/pdf",
            "application/zip",
            "application/gzip",
            "application/wasm",
            "application/x-protobuf",
            "application/vnd.ms-fontobject",
        ]
        .iter()
        .any(|p| mime.starts_with(p))
}

/// The end of a URL's scheme, searched for with a searcher built once
/// (`memmem::find` builds one per call).
static SCHEME_END: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"://"));

/// Byte ranges of the parts of a URL.
#[derive(Debug, PartialEq, Eq)]
struct Url {
    host: (usize, usize),
    path: (usize, usize),
    query: (usize, usize),
}

impl Url {
    fn parse(u: &[u8]) -> Url {
        // The fragment ends the URL; a `://` inside it is no scheme.
        let end = memchr::memchr(b'#', u).unwrap_or(u.len());
        let after_scheme = SCHEME_END.find(&u[..end]).map_or(0, |i| i + 3);
        let auth_end = u[after_scheme..end]
            .iter()
            .position(|&b| b == b'/' || b == b'?')
            .map_or(end, |i| after_scheme + i);
        let auth = &u[after_scheme..auth_end];
        let host_start = memchr::memrchr(b'@', auth).map_or(after_scheme, |i| after_scheme + i + 1);
        let host_end = if u.get(host_start) == Some(&b'[') {
            memchr::memchr(b']', &u[host_start..auth_end]).map_or(auth_end, |i| host_start + i + 1)
        } else {
            memchr::memchr(b':', &u[host_start..auth_end]).map_or(auth_end, |i| host_start + i)
        };
        let q = memchr::memchr(b'?', &u[auth_end..end]).map(|i| auth_end + i);
        Url {
            host: (host_start, host_end),
            path: (auth_end, q.unwrap_or(end)),
            query: q.map_or((end, end), |q| (q + 1, end)),
        }
    }
}

/// The path with id-like segments replaced by `{id}`: numbers, UUIDs,
/// emails and other values with digits (`cus_9f8e7d6c`, dates, hashes).
#[cfg(test)]
fn template(path: &[u8]) -> String {
    let mut out = String::new();
    template_into(path, &mut out, &mut Vec::new());
    out
}

/// Appends the template of `path` (see [`template`]) to `out`;
/// `decoded` is scratch.
fn template_into(path: &[u8], out: &mut String, decoded: &mut Vec<u8>) {
    let before = out.len();
    for seg in path.split(|&b| b == b'/').filter(|s| !s.is_empty()) {
        out.push('/');
        decode::percent_decode(seg, false, decoded);
        // A file name's extension (`inter.woff2`) says nothing of an id.
        let stem = match memchr::memrchr(b'.', decoded) {
            Some(i)
                if i > 0
                    && decoded.len() - i <= 6
                    && decoded[i + 1..].iter().all(u8::is_ascii_alphanumeric) =>
            {
                &decoded[..i]
            }
            _ => &decoded[..],
        };
        let digits = stem.iter().filter(|b| b.is_ascii_digit()).count();
        let id_like = decoded.contains(&b'@')
            || (digits > 0 && (digits == stem.len() || stem.len() >= 8 || digits >= 3))
            || stem.len() >= 24;
        if id_like {
            out.push_str("{id}");
        } else {
            out.push_str(&String::from_utf8_lossy(decoded));
        }
    }
    if out.len() == before {
        out.push('/');
    }
}

/// The `boundary` parameter of a multipart content type.
fn boundary(mime: &str) -> Option<String> {
    let i = mime.to_ascii_lowercase().find("boundary=")?;
    let b = mime[i + 9..].split(';').next()?.trim().trim_matches('"');
    (!b.is_empty()).then(|| b.to_string())
}

struct Part {
    name: Vec<u8>,
    body: (usize, usize),
    text: bool,
}

/// The parts of a multipart body: name, body range, and whether it is
/// text (no file name, no binary content type).
fn multipart(body: &[u8], boundary: &[u8]) -> Vec<Part> {
    let mut delim = b"--".to_vec();
    delim.extend_from_slice(boundary);
    let finder = memchr::memmem::Finder::new(&delim);
    let starts: Vec<usize> = finder.find_iter(body).collect();
    let mut parts = Vec::new();
    for w in starts.windows(2) {
        let start = w[0] + delim.len();
        let mut end = w[1];
        // The CRLF before a delimiter belongs to the delimiter.
        if body[..end].ends_with(b"\r\n") {
            end -= 2;
        } else if body[..end].ends_with(b"\n") {
            end -= 1;
        }
        let part = &body[start..end.max(start)];
        let (head_end, body_start) = match memchr::memmem::find(part, b"\r\n\r\n") {
            Some(i) => (i, i + 4),
            None => match memchr::memmem::find(part, b"\n\n") {
                Some(i) => (i, i + 2),
                None => continue,
            },
        };
        // ASCII lower-casing keeps positions, so the name keeps its case.
        let head_bytes = part[..head_end].to_ascii_lowercase();
        let head = String::from_utf8_lossy(&head_bytes).into_owned();
        let name = memchr::memmem::find(&head_bytes, b" name=\"")
            .or_else(|| memchr::memmem::find(&head_bytes, b";name=\""))
            .map(|i| {
                let rest = &part[i + 7..head_end];
                rest[..memchr::memchr(b'"', rest).unwrap_or(rest.len())].to_vec()
            })
            .unwrap_or_default();
        let content_type = head
            .lines()
            .find_map(|l| l.trim().strip_prefix("content-type:"))
            .map(str::trim)
            .unwrap_or("text/plain");
        let text = !head.contains("filename=")
            && (content_type.starts_with("text/") || content_type.contains("json"));
        parts.push(Part {
            name,
            body: (start + body_start, end.max(start + body_start)),
            text,
        });
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_host_path_and_query() {
        let u =
            b"https://user@api.eu.example.com:8443/v1/users/jane%40example.com?email=a&x=1#frag";
        let p = Url::parse(u);
        assert_eq!(&u[p.host.0..p.host.1], b"api.eu.example.com");
        assert_eq!(&u[p.path.0..p.path.1], b"/v1/users/jane%40example.com");
        assert_eq!(&u[p.query.0..p.query.1], b"email=a&x=1");
        let p = Url::parse(b"http://[::1]:80");
        assert_eq!(p.host, (7, 12));
        assert_eq!(p.path, (15, 15));
    }

    /// Every URL of up to six bytes drawn from the bytes that delimit its
    /// parts splits into ordered ranges inside it (a `#` before `://` once
    /// put the host's start past the URL's end).
    #[test]
    fn any_arrangement_of_delimiters_parses_inside_the_url() {
        crate::each_string(b":/#?@[]a", 6, |u| {
            let p = Url::parse(u);
            for (a, b) in [p.host, p.path, p.query] {
                assert!(
                    a <= b && b <= u.len(),
                    "{:?}: {p:?}",
                    String::from_utf8_lossy(u)
                );
            }
            assert!(
                p.host.1 <= p.path.0,
                "{:?}: {p:?}",
                String::from_utf8_lossy(u)
            );
        });
        let p = Url::parse(b"/a#b://c/d");
        assert_eq!((p.host, p.path, p.query), ((0, 0), (0, 2), (2, 2)));
    }

    #[test]
    fn endpoint_templates_hide_ids() {
        assert_eq!(
            template(b"/v1/users/123/orders/9"),
            "/v1/users/{id}/orders/{id}"
        );
        assert_eq!(
            template(b"/v1/users/456/orders/10"),
            "/v1/users/{id}/orders/{id}"
        );
        assert_eq!(
            template(b"/v2/contacts/jane%40example.com"),
            "/v2/contacts/{id}"
        );
        assert_eq!(
            template(b"/api/items/3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f/notes"),
            "/api/items/{id}/notes"
        );
        assert_eq!(template(b"/customers/cus_9f8e7d6c"), "/customers/{id}");
        assert_eq!(template(b""), "/");
        assert_eq!(template(b"/v1/search"), "/v1/search");
        assert_eq!(
            template(b"/s/inter/v13/inter.woff2"),
            "/s/inter/v13/inter.woff2"
        );
        assert_eq!(template(b"/exports/20261120.csv"), "/exports/{id}");
    }

    #[test]
    fn multipart_bodies_split_into_named_parts() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"Email\"\r\n\r\njane@example.com\r\n--XyZ\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--XyZ--\r\n";
        let parts = multipart(body, b"XyZ");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, b"Email");
        assert_eq!(&body[parts[0].body.0..parts[0].body.1], b"jane@example.com");
        assert!(parts[0].text);
        assert!(!parts[1].text);
        assert_eq!(
            boundary("multipart/form-data; boundary=\"XyZ\"").as_deref(),
            Some("XyZ")
        );
    }

    #[test]
    fn har_is_sniffed_by_its_first_key() {
        assert!(looks_like_har(b"{\n  \"log\": {\n    \"version\": \"1.2\""));
        assert!(!looks_like_har(b"{\"logs\": []}"));
        assert!(!looks_like_har(b"{\"user\": {\"log\": 1}}"));
    }
}
