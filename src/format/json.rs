//! JSON documents: every string and number, with its field path and span.
//!
//! The tokenizer is our own. We first used `jiter` (its pull parser gives
//! byte positions and raw string bodies); with it, extraction alone ran at
//! about 250-300 MiB/s per thread on short event records (`cargo bench`,
//! `extract/ndjson`), which caps a whole scan well below the throughput
//! target. The tokenizer here does only what extraction needs: it finds
//! the bounds of strings (decoding escapes only for strings that have a
//! backslash), numbers and literals, checks the structure, and reports
//! where malformed input breaks (numbers by the RFC 8259 grammar); it
//! validates neither UTF-8 nor escape sequences, and accepts raw control
//! characters inside strings (vendor data is read, not certified). It is
//! tested against `serde_json` on generated documents (tests/properties.rs).
//! `Tokenizer::skip_value` consumes a value without delivering it (the
//! HAR reader's unused members, `is_one_value`).
//!
//! The walk is iterative (an explicit stack), so nesting depth never grows
//! the call stack; paths stop growing past [`MAX_PATH_DEPTH`] levels.
//!
//! Records of one shape repeat their keys in one order, so the field
//! table knows which key to expect next in an object
//! ([`FieldTable::expected`]). The reader matches that key in place — one
//! 16-byte compare of the key and its closing quote for keys of up to 15
//! bytes — and takes its field without searching for the string's end or
//! looking among the siblings; any other key is read in full. Callgrind,
//! 8 MB of events: 447.2M -> 415.1M instructions for the whole scan.
//!
//! Whole records of one shape are not walked at all where the shape was
//! seen before: an NDJSON line ([`record`]) or an object element of an
//! array is first matched against the record shapes kept (the bytes
//! between its scalars), and delivered from the match (see [`shapes`]).

use super::path::{ExpectedKey, FieldId, FieldTable, Link, Segment};
use super::{Layers, Problem, RawSpan, Value, ValueSink};

mod shapes;
mod split;

use shapes::{Delivered, Kind, Shapes, Token};
pub(crate) use split::{Piece, Splitter};

/// Deeper levels than this share the field path of this level.
pub const MAX_PATH_DEPTH: usize = 64;

/// Reused buffers for the walk.
#[derive(Debug, Default)]
pub struct JsonScratch {
    stack: Vec<Frame>,
    decoded: Vec<u8>,
    key_decoded: Vec<u8>,
    /// Record shapes of the lines read by [`record`].
    shapes: Shapes,
    /// Whether the walk notes its scalars in `tokens` (to learn a shape).
    learning: bool,
    tokens: Vec<Token>,
    /// Where the walk's top-level value ended.
    value_end: usize,
    /// The array element whose shape is being learned: the depth of its
    /// array's frame, where it starts and its field.
    element: Option<(usize, usize, FieldId)>,
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    object: bool,
    /// The container's own field.
    field: FieldId,
    /// The field of the element or member being read.
    current: FieldId,
}

#[cfg(test)]
impl JsonScratch {
    /// Lines and elements delivered by their shape rather than walked.
    pub(crate) fn shaped_lines(&self) -> usize {
        self.shapes.delivered
    }

    /// Lines whose first scalars a shape delivered, the rest walked.
    pub(crate) fn partial_lines(&self) -> usize {
        self.shapes.partial
    }

    /// Lines delivered in part whose last scalars a shape delivered too.
    pub(crate) fn rejoined_lines(&self) -> usize {
        self.shapes.rejoined
    }

    /// A scratch that walks every value, never matching shapes.
    pub(crate) fn without_shapes() -> JsonScratch {
        let mut s = JsonScratch::default();
        s.shapes.off = true;
        s
    }
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
    walk(data, 0, FieldTable::ROOT, fields, scratch, sink, true)
}

/// Extracts the record at `data[base..]` (a line of NDJSON, which may
/// carry trailing whitespace), as [`walk`] does with root fields, but
/// delivering a line of a known shape without walking it (see
/// [`shapes`]).
pub(crate) fn record<S: ValueSink>(
    data: &[u8],
    base: usize,
    fields: &mut FieldTable,
    scratch: &mut JsonScratch,
    sink: &mut S,
) -> Result<(), Problem> {
    let base = if data[base..].starts_with(b"\xEF\xBB\xBF") {
        base + 3
    } else {
        base
    };
    let (walked, learn) = match Shapes::deliver(data, base, FieldTable::ROOT, fields, scratch, sink)
    {
        Delivered::Yes { .. } => return Ok(()),
        Delivered::Partial { resume, learn } => {
            scratch.learning = learn;
            scratch.element = None;
            let mut t = Tokenizer { data, pos: resume };
            let walked = walk_from(
                &mut t,
                None,
                FieldTable::ROOT,
                fields,
                scratch,
                sink,
                false,
                Bounds::WHOLE,
            );
            (walked.map(|_| ()), learn)
        }
        Delivered::No { learn } => {
            scratch.learning = learn;
            scratch.tokens.clear();
            let walked = walk(data, base, FieldTable::ROOT, fields, scratch, sink, false);
            (walked, learn)
        }
    };
    scratch.learning = false;
    scratch.shapes.line_done();
    if learn && walked.is_ok() {
        let tokens = std::mem::take(&mut scratch.tokens);
        scratch
            .shapes
            .learn(data, base, FieldTable::ROOT, &tokens, scratch.value_end);
        scratch.tokens = tokens;
    }
    walked
}

/// Opens on `stack` the containers of `last`'s field path (the objects
/// and arrays it leads through from the root), as a walk of a line has
/// them open right after a scalar of field `last`: the line's own bytes up
/// to there are those of a line the walk read, so they opened exactly
/// those. False, the stack left cleared, when the path goes through other
/// segments or reaches the depth where paths stop growing (past it the
/// path no longer names every container).
fn open_path(fields: &FieldTable, last: FieldId, stack: &mut Vec<Frame>) -> bool {
    stack.clear();
    let mut current = last;
    while let Some((up, link)) = fields.up(current) {
        if link == Link::Other || stack.len() + 4 >= MAX_PATH_DEPTH {
            stack.clear();
            return false;
        }
        stack.push(Frame {
            object: link == Link::Member,
            field: up,
            current,
        });
        current = up;
    }
    stack.reverse();
    true
}

/// Like [`extract`] for one value at `data[base..]` whose offsets are
/// reported relative to `data` and whose field paths start at `root`;
/// `top_records` says whether top-level array elements count as records.
pub(crate) fn walk<S: ValueSink>(
    data: &[u8],
    base: usize,
    root: FieldId,
    fields: &mut FieldTable,
    scratch: &mut JsonScratch,
    sink: &mut S,
    top_records: bool,
) -> Result<(), Problem> {
    // A UTF-8 byte-order mark is not part of the document.
    let base = if data[base..].starts_with(b"\xEF\xBB\xBF") {
        base + 3
    } else {
        base
    };
    let mut t = Tokenizer { data, pos: base };
    scratch.stack.clear();
    // An element left half learned by a walk that broke off.
    if scratch.element.take().is_some() {
        scratch.learning = false;
    }
    let next = t.peek()?;
    if !(next == b'[' && top_records) {
        sink.record();
    }
    walk_from(
        &mut t,
        Some(next),
        root,
        fields,
        scratch,
        sink,
        top_records,
        Bounds::WHOLE,
    )
    .map(|_| ())
}

/// Walks a piece of a document cut by a [`Splitter`] (whose keys lead to
/// its record array): delivers what a walk of the whole document
/// delivers from the piece, with the same fields and records; the
/// caller counts the records before the piece. True when the walk
/// stopped where the piece ends; false when it read on to the end of the
/// document (the last piece; or a piece of a broken document the cutter
/// misjudged, which found what a whole walk finds from its start: the
/// later pieces are not to be used).
pub(crate) fn walk_piece<S: ValueSink>(
    data: &[u8],
    keys: &[(usize, usize)],
    piece: Piece,
    fields: &mut FieldTable,
    scratch: &mut JsonScratch,
    sink: &mut S,
) -> Result<bool, Problem> {
    scratch.stack.clear();
    if scratch.element.take().is_some() {
        scratch.learning = false;
    }
    let root = FieldTable::ROOT;
    let (start, run_end) = match piece {
        Piece::Head { stop_at } => {
            let bom = if data.starts_with(b"\xEF\xBB\xBF") {
                3
            } else {
                0
            };
            let mut t = Tokenizer { data, pos: bom };
            let next = t.peek()?;
            // The document is an object: one record.
            sink.record();
            let bounds = Bounds {
                stop_at,
                ..Bounds::WHOLE
            };
            return walk_from(
                &mut t,
                Some(next),
                root,
                fields,
                scratch,
                sink,
                true,
                bounds,
            );
        }
        Piece::Run { start, end, .. } => (start, end),
        Piece::Last { start, .. } => (start, usize::MAX),
    };
    // The containers around the elements, as the whole walk has them.
    let mut here = root;
    for &(s, e) in keys {
        let current = fields.child(here, Segment::Key(&data[s..e]));
        scratch.stack.push(Frame {
            object: true,
            field: here,
            current,
        });
        here = current;
    }
    let current = element(fields, scratch, here);
    scratch.stack.push(Frame {
        object: false,
        field: here,
        current,
    });
    if keys.is_empty() {
        sink.record();
    }
    let mut t = Tokenizer { data, pos: start };
    let next = if shaped_element(&mut t, current, fields, scratch, sink) {
        None
    } else {
        Some(t.peek()?)
    };
    let bounds = Bounds {
        run_end,
        run_depth: keys.len() + 1,
        ..Bounds::WHOLE
    };
    walk_from(&mut t, next, root, fields, scratch, sink, true, bounds)
}

/// Where a walk of part of a document stops (see [`walk_piece`]).
#[derive(Debug, Clone, Copy)]
struct Bounds {
    /// The offset of an array the walk stops at, before its `[`.
    stop_at: usize,
    /// Where the elements of the array of the frame at depth `run_depth`
    /// stop being read.
    run_end: usize,
    run_depth: usize,
}

impl Bounds {
    /// No bound: the walk reads to the document's end.
    const WHOLE: Bounds = Bounds {
        stop_at: usize::MAX,
        run_end: usize::MAX,
        run_depth: 0,
    };
}

/// The walk's loop, from `t`: at a value when `next` is its first byte,
/// else (`None`) after one, with `scratch.stack` holding the containers
/// around it. Returns false at the end of the document (checking that
/// only whitespace follows), true at one of `bounds`. A run that does not
/// end exactly at its bound is read on to the end of the document.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn walk_from<S: ValueSink>(
    t: &mut Tokenizer<'_>,
    mut next: Option<u8>,
    root: FieldId,
    fields: &mut FieldTable,
    scratch: &mut JsonScratch,
    sink: &mut S,
    top_records: bool,
    mut bounds: Bounds,
) -> Result<bool, Problem> {
    let data = t.data;
    loop {
        if let Some(first) = next {
            let here = scratch.stack.last().map_or(root, |f| f.current);
            // Descend into containers or emit a scalar.
            let mut descended = false;
            // Where the scalar read ends (a string's closing quote), and
            // whether it is a number.
            let mut scalar = None;
            match first {
                b'{' => {
                    fields.start_object(here);
                    let expected = expected(fields, scratch, here);
                    if let Some(key) = t.object_first(expected)? {
                        let current = member(fields, scratch, here, data, key);
                        scratch.stack.push(Frame {
                            object: true,
                            field: here,
                            current,
                        });
                        next = Some(t.peek()?);
                        descended = true;
                    }
                }
                b'[' => {
                    if t.pos == bounds.stop_at {
                        return Ok(true);
                    }
                    if t.array_first()? {
                        let current = element(fields, scratch, here);
                        scratch.stack.push(Frame {
                            object: false,
                            field: here,
                            current,
                        });
                        if top_records && scratch.stack.len() == 1 {
                            sink.record();
                        }
                        if !shaped_element(t, current, fields, scratch, sink) {
                            next = Some(t.peek()?);
                            descended = true;
                        }
                    }
                }
                b'"' => {
                    let (start, end, escaped) = t.string()?;
                    if scratch.learning {
                        scratch.tokens.push(Token {
                            start,
                            end,
                            field: here,
                            kind: if escaped { Kind::Escaped } else { Kind::String },
                        });
                    }
                    emit_string(
                        data,
                        start,
                        end - start,
                        escaped,
                        here,
                        fields,
                        scratch,
                        sink,
                    );
                    scalar = Some((end, false));
                }
                b't' => t.literal(b"true")?,
                b'f' => t.literal(b"false")?,
                b'n' => t.literal(b"null")?,
                b'-' | b'0'..=b'9' => {
                    let (start, end) = t.number()?;
                    if scratch.learning {
                        scratch.tokens.push(Token {
                            start,
                            end,
                            field: here,
                            kind: Kind::Number,
                        });
                    }
                    sink.value(
                        fields,
                        &Value {
                            field: Some(here),
                            bytes: &data[start..end],
                            raw: RawSpan::Verbatim { start },
                            layers: Layers::NONE,
                        },
                    );
                    scalar = Some((end, true));
                }
                _ => return Err(t.error("expected a value")),
            }
            if descended {
                continue;
            }
            // The rest of a line delivered in part may have the rest of
            // its shape (see `Shapes::rejoin`); the walk is then done.
            if scratch.shapes.rejoining()
                && let Some((end, number)) = scalar
                && let Some(frame) = scratch.stack.last()
                && !scratch.learning
                && scratch.element.is_none()
                && scratch.stack.len() + 4 < MAX_PATH_DEPTH
                && let Some(done) =
                    Shapes::rejoin(data, end, frame.field, number, fields, scratch, sink)
            {
                t.pos = done;
                scratch.stack.clear();
                scratch.value_end = done;
                return t.finish().map(|()| false);
            }
        }
        // Climb until a container has a next element.
        loop {
            let Some(&frame) = scratch.stack.last() else {
                scratch.value_end = t.pos;
                return t.finish().map(|()| false);
            };
            if let Some((depth, start, field)) = scratch.element
                && depth == scratch.stack.len()
            {
                // The element being learned was read whole.
                scratch.element = None;
                scratch.learning = false;
                let tokens = std::mem::take(&mut scratch.tokens);
                scratch.shapes.learn(data, start, field, &tokens, t.pos);
                scratch.tokens = tokens;
            }
            if frame.object {
                let expected = expected(fields, scratch, frame.field);
                if let Some(key) = t.object_next(expected)? {
                    let current = member(fields, scratch, frame.field, data, key);
                    if let Some(top) = scratch.stack.last_mut() {
                        top.current = current;
                    }
                    next = Some(t.peek()?);
                    break;
                }
            } else {
                if t.pos >= bounds.run_end && scratch.stack.len() == bounds.run_depth {
                    if t.pos == bounds.run_end {
                        return Ok(true);
                    }
                    bounds.run_end = usize::MAX;
                }
                if t.array_next()? {
                    if top_records && scratch.stack.len() == 1 {
                        sink.record();
                    }
                    if shaped_element(t, frame.current, fields, scratch, sink) {
                        continue;
                    }
                    next = Some(t.peek()?);
                    break;
                }
            }
            scratch.stack.pop();
        }
    }
}

/// At an element of field `field` of an array (whose frame is on top of
/// the stack): an object element of a kept shape is delivered, leaving
/// `t` after it, and true returned. Otherwise the walk is set to learn
/// the element's shape, unless it is learning one already (a record's,
/// an outer element's) or the element is no object (arrays of scalars
/// cost little to walk).
#[inline]
fn shaped_element<S: ValueSink>(
    t: &mut Tokenizer<'_>,
    field: FieldId,
    fields: &mut FieldTable,
    scratch: &mut JsonScratch,
    sink: &mut S,
) -> bool {
    if scratch.learning {
        return false;
    }
    t.skip_ws();
    if t.data.get(t.pos) != Some(&b'{') {
        return false;
    }
    match Shapes::deliver(t.data, t.pos, field, fields, scratch, sink) {
        Delivered::Yes { end } => {
            t.pos = end;
            true
        }
        Delivered::Partial { .. } => unreachable!("only lines are delivered in part"),
        Delivered::No { learn } => {
            if learn {
                scratch.learning = true;
                scratch.tokens.clear();
                scratch.element = Some((scratch.stack.len(), t.pos, field));
            }
            false
        }
    }
}

/// The byte-level reader under [`walk`] (and under the HAR reader).
pub(crate) struct Tokenizer<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) pos: usize,
}

/// Containers deeper than this are not skipped by [`Tokenizer::skip_value`]
/// (an error, as in `serde_json`, whose limit is 128).
const MAX_SKIP_DEPTH: usize = 1024;

impl<'a> Tokenizer<'a> {
    pub(crate) fn new(data: &'a [u8], pos: usize) -> Self {
        Tokenizer { data, pos }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn error(&self, what: &str) -> Problem {
        let message = if self.pos >= self.data.len() {
            format!("invalid JSON: unexpected end of input ({what})")
        } else {
            format!("invalid JSON: {what}")
        };
        Problem {
            offset: self.pos.min(self.data.len()),
            message,
        }
    }

    #[inline]
    pub(crate) fn skip_ws(&mut self) {
        while let Some(&b) = self.data.get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                break;
            }
            self.pos += 1;
        }
    }

    /// The next significant byte, not consumed.
    #[inline]
    pub(crate) fn peek(&mut self) -> Result<u8, Problem> {
        self.skip_ws();
        self.data
            .get(self.pos)
            .copied()
            .ok_or_else(|| self.error("expected a value"))
    }

    pub(crate) fn expect(&mut self, byte: u8, what: &str) -> Result<(), Problem> {
        self.skip_ws();
        if self.data.get(self.pos) == Some(&byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    /// At `"`: consumes a string and returns its body's bounds and whether
    /// it has escapes.
    ///
    /// Sixteen bytes at a time: one SSE2 compare finds every quote and
    /// backslash of a block, and the escapes among them are stepped over
    /// from the block's bit mask without loading it again (a JSON body
    /// held in a string has an escaped quote every few bytes). After 64
    /// bytes without either, `memchr2` takes over for the rest of the run.
    /// Callgrind, 8 MB HAR capture: 457.8M -> 452.1M instructions for the
    /// whole scan. Always inlined: as a call (the compiler's choice once
    /// the block loop made it larger) it cost 8 MB of events 276.5M
    /// against 266.1M inlined, dense 472.3M against 462.8M, the HAR
    /// capture 405.9M against 395.0M.
    #[inline(always)]
    pub(crate) fn string(&mut self) -> Result<(usize, usize, bool), Problem> {
        let data = self.data;
        let start = self.pos + 1;
        let mut at = start;
        let mut escaped = false;
        #[cfg(target_arch = "x86_64")]
        {
            let mut clean = 0;
            'blocks: while at + 16 <= data.len() {
                let (quotes, backslashes) = quote_and_backslash_masks(&data[at..at + 16]);
                if backslashes == 0 {
                    if quotes != 0 {
                        let i = quotes.trailing_zeros() as usize;
                        self.pos = at + i + 1;
                        return Ok((start, at + i, escaped));
                    }
                    at += 16;
                    clean += 16;
                    if clean >= 64 {
                        match memchr::memchr2(b'"', b'\\', &data[at..]) {
                            Some(i) => at += i,
                            None => break 'blocks,
                        }
                        clean = 0;
                    }
                    continue;
                }
                clean = 0;
                // No two backslashes in a row: each escapes the byte after
                // it, and the quotes of the others end the string. All
                // escapes at once, without a branch each.
                if backslashes & (backslashes << 1) == 0 {
                    let ends = quotes & !(backslashes << 1);
                    if ends != 0 {
                        let i = ends.trailing_zeros() as usize;
                        self.pos = at + i + 1;
                        let before = backslashes & ((1 << i) - 1) != 0;
                        return Ok((start, at + i, escaped || before));
                    }
                    escaped = true;
                    // A backslash in the last byte escapes the next block's
                    // first.
                    at += 16 + (backslashes >> 15) as usize;
                    continue;
                }
                let mut bits = quotes | backslashes;
                while bits != 0 {
                    let i = bits.trailing_zeros() as usize;
                    if data[at + i] == b'"' {
                        self.pos = at + i + 1;
                        return Ok((start, at + i, escaped));
                    }
                    escaped = true;
                    if i >= 14 {
                        // The escaped byte ends this block or lies in the next.
                        at += i + 2;
                        continue 'blocks;
                    }
                    // Drop the backslash and the byte it escapes.
                    bits &= !((4u32 << i) - 1);
                }
                at += 16;
            }
        }
        // The last bytes (or any other target): one at a time.
        while at < data.len() {
            match data[at] {
                b'"' => {
                    self.pos = at + 1;
                    return Ok((start, at, escaped));
                }
                b'\\' => {
                    escaped = true;
                    at += 2;
                }
                _ => at += 1,
            }
        }
        self.pos = data.len();
        Err(self.error("unterminated string"))
    }

    /// At `-` or a digit: consumes a number (RFC 8259 grammar) and returns
    /// its bounds. Always inlined (callgrind, 8 MB events: 266.1M as a
    /// call, 260.4M inlined; dense 462.8M -> 457.6M).
    #[inline(always)]
    pub(crate) fn number(&mut self) -> Result<(usize, usize), Problem> {
        let start = self.pos;
        let digits = |t: &mut Self| {
            let from = t.pos;
            while t.data.get(t.pos).is_some_and(u8::is_ascii_digit) {
                t.pos += 1;
            }
            t.pos - from
        };
        if self.data.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let int = digits(self);
        if int == 0 || (int > 1 && self.data[self.pos - int] == b'0') {
            return Err(self.error("invalid number"));
        }
        if self.data.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if matches!(self.data.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.data.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.error("invalid number"));
            }
        }
        Ok((start, self.pos))
    }

    pub(crate) fn literal(&mut self, word: &[u8]) -> Result<(), Problem> {
        if self.data[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.error("expected a value"))
        }
    }

    /// A key and its colon; the tokenizer is left before the member's
    /// value. A key equal to `expected` (which holds no backslash) is
    /// matched as it stands, without looking for the string's end.
    #[inline]
    fn key(&mut self, expected: Option<ExpectedKey<'_>>) -> Result<Key, Problem> {
        self.skip_ws();
        if self.data.get(self.pos) != Some(&b'"') {
            return Err(self.error("expected a key"));
        }
        let start = self.pos + 1;
        let key = match expected {
            Some(k) if self.quoted_at(start, k) => {
                self.pos = start + k.key.len() + 1;
                Key::Expected(start, start + k.key.len())
            }
            _ => {
                let (s, e, escaped) = self.string()?;
                Key::Read(s, e, escaped)
            }
        };
        self.expect(b':', "expected ':' after a key")?;
        Ok(key)
    }

    /// Whether the input at `start` is `k` and a closing quote.
    #[inline]
    fn quoted_at(&self, start: usize, k: ExpectedKey<'_>) -> bool {
        #[cfg(target_arch = "x86_64")]
        if let Some(q) = k.quoted
            && let Some(block) = self.data.get(start..start + 16)
        {
            return same_16(block, q, k.key.len() + 1);
        }
        let end = start + k.key.len();
        self.data.get(start..end) == Some(k.key) && self.data.get(end) == Some(&b'"')
    }

    /// At `{`: the first key, or `None` for `{}`.
    fn object_first(&mut self, expected: Option<ExpectedKey<'_>>) -> Result<Option<Key>, Problem> {
        self.pos += 1;
        self.skip_ws();
        if self.data.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(None);
        }
        self.key(expected).map(Some)
    }

    /// After a member's value: the next key, or `None` at `}`.
    fn object_next(&mut self, expected: Option<ExpectedKey<'_>>) -> Result<Option<Key>, Problem> {
        self.skip_ws();
        match self.data.get(self.pos) {
            Some(b',') => {
                self.pos += 1;
                self.key(expected).map(Some)
            }
            Some(b'}') => {
                self.pos += 1;
                Ok(None)
            }
            _ => Err(self.error("expected ',' or '}' after an object member")),
        }
    }

    /// At `[`: whether an element follows (false for `[]`).
    fn array_first(&mut self) -> Result<bool, Problem> {
        self.pos += 1;
        self.skip_ws();
        if self.data.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(false);
        }
        Ok(true)
    }

    /// After an element: whether another follows (false at `]`).
    fn array_next(&mut self) -> Result<bool, Problem> {
        self.skip_ws();
        match self.data.get(self.pos) {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b']') => {
                self.pos += 1;
                Ok(false)
            }
            _ => Err(self.error("expected ',' or ']' after an array element")),
        }
    }

    /// Consumes one value of any kind, checking its structure as the walk
    /// does, without looking inside strings beyond their ends. Iterative:
    /// one bit per open container.
    pub(crate) fn skip_value(&mut self) -> Result<(), Problem> {
        let mut objects = [0u64; MAX_SKIP_DEPTH / 64];
        let mut depth = 0usize;
        loop {
            // A value is expected here.
            match self.peek()? {
                b'"' => {
                    self.string()?;
                }
                open @ (b'{' | b'[') => {
                    self.pos += 1;
                    self.skip_ws();
                    let close = if open == b'{' { b'}' } else { b']' };
                    if self.data.get(self.pos) == Some(&close) {
                        self.pos += 1;
                    } else {
                        if depth == MAX_SKIP_DEPTH {
                            return Err(self.error("nesting too deep"));
                        }
                        let (word, bit) = (depth / 64, 1u64 << (depth % 64));
                        if open == b'{' {
                            objects[word] |= bit;
                            self.skip_key()?;
                        } else {
                            objects[word] &= !bit;
                        }
                        depth += 1;
                        continue;
                    }
                }
                b'-' | b'0'..=b'9' => {
                    self.number()?;
                }
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                _ => return Err(self.error("expected a value")),
            }
            // After a value: close what ends here, up to the next value.
            loop {
                if depth == 0 {
                    return Ok(());
                }
                let top = depth - 1;
                let object = objects[top / 64] & (1u64 << (top % 64)) != 0;
                self.skip_ws();
                match (self.data.get(self.pos), object) {
                    (Some(b','), true) => {
                        self.pos += 1;
                        self.skip_key()?;
                        break;
                    }
                    (Some(b','), false) => {
                        self.pos += 1;
                        break;
                    }
                    (Some(b'}'), true) | (Some(b']'), false) => {
                        self.pos += 1;
                        depth -= 1;
                    }
                    (_, true) => {
                        return Err(self.error("expected ',' or '}' after an object member"));
                    }
                    (_, false) => {
                        return Err(self.error("expected ',' or ']' after an array element"));
                    }
                }
            }
        }
    }

    /// A key and its colon, not kept.
    fn skip_key(&mut self) -> Result<(), Problem> {
        self.skip_ws();
        if self.data.get(self.pos) != Some(&b'"') {
            return Err(self.error("expected a key"));
        }
        self.string()?;
        self.expect(b':', "expected ':' after a key")
    }

    /// After the top-level value: only whitespace may follow.
    pub(crate) fn finish(&mut self) -> Result<(), Problem> {
        self.skip_ws();
        if self.pos < self.data.len() {
            return Err(self.error("trailing characters after the document"));
        }
        Ok(())
    }
}

/// The first `"` or `\\` in `rest`. Most strings are short: the first
/// 64 bytes are checked 16 at a time with SSE2 (where 16 bytes are left;
/// byte by byte otherwise), the rest with `memchr2`, whose setup costs
/// more than it saves on a handful of bytes.
///
/// Callgrind, 8 MB of generated events, whole scan: 506M instructions
/// with the first 24 bytes checked byte by byte, 475M with 16-byte
/// compares.
#[inline]
fn find_quote_or_backslash(rest: &[u8]) -> Option<usize> {
    const INLINE: usize = 64;
    let mut at = 0;
    #[cfg(target_arch = "x86_64")]
    while at + 16 <= rest.len() && at < INLINE {
        if let Some(i) = quote_or_backslash_16(&rest[at..at + 16]) {
            return Some(at + i);
        }
        at += 16;
    }
    if rest.len() - at < 16 {
        return rest[at..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\')
            .map(|i| i + at);
    }
    memchr::memchr2(b'"', b'\\', &rest[at..]).map(|i| i + at)
}

/// One bit per `"` and one per `\\` among the first 16 bytes of `block`
/// (bit `i` for `block[i]`), with one SSE2 compare each.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn quote_and_backslash_masks(block: &[u8]) -> (u32, u32) {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    assert!(block.len() >= 16);
    // SAFETY: SSE2 is part of the x86-64 baseline; the load reads the
    // first 16 bytes of `block`, which has them.
    unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast());
        (
            _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8))) as u32,
            _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8))) as u32,
        )
    }
}

/// The first `"` or `\\` among 16 bytes, with one SSE2 compare each.
#[cfg(target_arch = "x86_64")]
#[inline]
fn quote_or_backslash_16(block: &[u8]) -> Option<usize> {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let block: &[u8; 16] = block.try_into().ok()?;
    // SAFETY: SSE2 is part of the x86-64 baseline; the load reads exactly
    // the 16 bytes of `block`, unaligned loads allowed.
    let bits = unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast());
        let hits = _mm_or_si128(
            _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8)),
            _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8)),
        );
        _mm_movemask_epi8(hits) as u32
    };
    (bits != 0).then(|| bits.trailing_zeros() as usize)
}

/// One bit per backslash among 16 bytes (bit `i` for `block[i]`), with one
/// SSE2 compare.
#[cfg(target_arch = "x86_64")]
#[inline]
fn backslashes_16(block: &[u8]) -> u32 {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    assert!(block.len() >= 16);
    // SAFETY: SSE2 is part of the x86-64 baseline; the load reads the
    // first 16 bytes of `block`, which has them.
    unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast());
        _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8))) as u32
    }
}

/// Whether the first `n` (at most 16) bytes of `block` and `q` agree, with
/// one SSE2 compare.
#[cfg(target_arch = "x86_64")]
#[inline]
fn same_16(block: &[u8], q: &[u8; 16], n: usize) -> bool {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8};
    let Ok(block) = <&[u8; 16]>::try_from(block) else {
        return false;
    };
    // SAFETY: SSE2 is part of the x86-64 baseline; each load reads exactly
    // one 16-byte array, unaligned loads allowed.
    let same = unsafe {
        let a = _mm_loadu_si128(block.as_ptr().cast());
        let b = _mm_loadu_si128(q.as_ptr().cast());
        _mm_movemask_epi8(_mm_cmpeq_epi8(a, b)) as u32
    };
    let wanted = (1u32 << n) - 1;
    same & wanted == wanted
}

/// True when `line` holds exactly one JSON value (whitespace around it
/// allowed).
pub(crate) fn is_one_value(line: &[u8]) -> bool {
    let mut t = Tokenizer::new(line, 0);
    t.skip_value().is_ok() && t.finish().is_ok()
}

/// The field of member `raw` (an object key, escapes decoded only if it
/// has any) of the object whose field is `parent`.
/// A key as the tokenizer met it.
#[derive(Debug, Clone, Copy)]
enum Key {
    /// The key [`expected`] said comes next: its raw bounds.
    Expected(usize, usize),
    /// Another key: its raw bounds and whether it has escapes.
    Read(usize, usize, bool),
}

/// The key expected next in an object of field `parent` (records of one
/// shape repeat their keys in one order), unless paths stopped growing.
#[inline]
fn expected<'f>(
    fields: &'f FieldTable,
    scratch: &JsonScratch,
    parent: FieldId,
) -> Option<ExpectedKey<'f>> {
    if scratch.stack.len() >= MAX_PATH_DEPTH {
        return None;
    }
    fields.expected(parent).map(|(k, _)| k)
}

fn member(
    fields: &mut FieldTable,
    scratch: &mut JsonScratch,
    parent: FieldId,
    data: &[u8],
    key: Key,
) -> FieldId {
    if scratch.stack.len() >= MAX_PATH_DEPTH {
        return parent;
    }
    let (raw, escaped) = match key {
        Key::Read(s, e, escaped) => (&data[s..e], escaped),
        Key::Expected(s, e) => match fields.expected(parent) {
            Some((_, id)) => {
                fields.take_expected(parent);
                return id;
            }
            None => (&data[s..e], false),
        },
    };
    if !escaped {
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

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn emit_string<S: ValueSink>(
    data: &[u8],
    start: usize,
    len: usize,
    escaped: bool,
    field: FieldId,
    fields: &mut FieldTable,
    scratch: &mut JsonScratch,
    sink: &mut S,
) {
    let raw = &data[start..start + len];
    let field = Some(field);
    if !escaped {
        sink.value(
            fields,
            &Value {
                field,
                bytes: raw,
                raw: RawSpan::Verbatim { start },
                layers: Layers::NONE,
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
            layers: Layers::NONE,
        },
    );
    scratch.decoded = decoded;
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

/// What a backslash and the byte indexed decode to, for the escapes of
/// one byte (`\"`, `\n`, …); zero for the others.
const SIMPLE_ESCAPES: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t[b'/' as usize] = b'/';
    t[b'b' as usize] = 0x08;
    t[b'f' as usize] = 0x0c;
    t[b'n' as usize] = b'\n';
    t[b'r' as usize] = b'\r';
    t[b't' as usize] = b'\t';
    t
};

/// Decodes the escapes of a JSON string body into `out` (cleared first).
///
/// On x86-64, 16 bytes at a time: each block is stored whole at the
/// write position and the position advanced to its first backslash, so
/// the bytes between escapes cost no copy call of their own. A JSON
/// document held in a string (a HAR body) has an escape every few bytes.
/// Callgrind, 8 MB of HAR captures: unescaping took 49.5M instructions
/// with a search and a copy call per escape, 19.4M this way.
pub fn unescape(raw: &[u8], out: &mut Vec<u8>) {
    #[cfg(target_arch = "x86_64")]
    unescape_sse2(raw, out);
    #[cfg(not(target_arch = "x86_64"))]
    unescape_bytes(raw, out);
}

#[cfg(target_arch = "x86_64")]
fn unescape_sse2(raw: &[u8], out: &mut Vec<u8>) {
    out.clear();
    // An escape never decodes to more bytes than it takes (at most 3 for
    // 6, 4 for 12), so the write position `w` never passes the read
    // position `i`; 16 bytes of slack take the whole-block stores.
    out.reserve(raw.len() + 16);
    let dst = out.as_mut_ptr();
    let (mut i, mut w) = (0, 0);
    while i + 16 <= raw.len() {
        let block = &raw[i..i + 16];
        // SAFETY: 16 bytes written at `w <= i`, below `raw.len() + 16`,
        // the capacity; `block` is another allocation.
        unsafe { std::ptr::copy_nonoverlapping(block.as_ptr(), dst.add(w), 16) };
        let backslashes = backslashes_16(block);
        if backslashes == 0 {
            i += 16;
            w += 16;
            continue;
        }
        let k = backslashes.trailing_zeros() as usize;
        i += k;
        w += k;
        // The one-byte escapes (a quote, mostly) without a call.
        if let Some(&next) = raw.get(i + 1) {
            let b = SIMPLE_ESCAPES[usize::from(next)];
            if b != 0 {
                // SAFETY: one byte at `w <= i < raw.len()`.
                unsafe { *dst.add(w) = b };
                i += 2;
                w += 1;
                continue;
            }
        }
        let (used, bytes, n) = escape_at(raw, i);
        // SAFETY: four bytes at `w <= i < raw.len()`, within the capacity.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst.add(w), 4) };
        i += used;
        w += n;
    }
    while i < raw.len() {
        let (used, bytes, n) = if raw[i] == b'\\' {
            escape_at(raw, i)
        } else {
            (1, [raw[i], 0, 0, 0], 1)
        };
        // SAFETY: as above.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst.add(w), 4) };
        i += used;
        w += n;
    }
    // SAFETY: the first `w` bytes were written above (`w <= raw.len()`).
    unsafe { out.set_len(w) };
}

/// Like [`unescape`], byte run by byte run (the reference the 16-byte
/// version is tested against, and the version off x86-64).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn unescape_bytes(raw: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.reserve(raw.len());
    let mut i = 0;
    // Escapes come every few bytes in a JSON document held in a string
    // (every quote is one): the 16-byte search finds them cheaper than a
    // `memchr` call each. A `"` (none in a well-formed string body) is
    // copied like any byte.
    while let Some(j) = find_quote_or_backslash(&raw[i..]) {
        let at = i + j;
        if raw[at] == b'"' {
            out.extend_from_slice(&raw[i..=at]);
            i = at + 1;
            continue;
        }
        out.extend_from_slice(&raw[i..at]);
        let (used, bytes, n) = escape_at(raw, at);
        out.extend_from_slice(&bytes[..n]);
        i = at + used;
    }
    out.extend_from_slice(&raw[i..]);
}

/// Maps an offset in the decoded string to the offset in the raw body of
/// the escape or byte that produced it.
pub fn decoded_to_raw(raw: &[u8], decoded: usize) -> usize {
    advance_to(raw, (0, 0), decoded).0
}

/// Maps a span of the decoded string to raw offsets in one walk (the
/// end's walk goes on from the start's).
///
/// A finding in a HAR body was mapped by two walks from the body's start,
/// byte by byte; these skip 16 bytes without a backslash at a time.
/// Callgrind, 8 MB of HAR captures: mapping 2,414 findings took 18.7M
/// instructions, then 6.5M.
pub fn decoded_span_to_raw(raw: &[u8], start: usize, end: usize) -> (usize, usize) {
    let (a, d) = advance_to(raw, (0, 0), start);
    (a, advance_to(raw, (a, d), end.max(start)).0)
}

/// Walks `raw` from the raw and decoded offsets `at` until `decoded`
/// bytes are decoded, or to the escape whose bytes would pass it.
fn advance_to(raw: &[u8], at: (usize, usize), decoded: usize) -> (usize, usize) {
    let (mut r, mut d) = at;
    while r < raw.len() && d < decoded {
        #[cfg(target_arch = "x86_64")]
        if r + 16 <= raw.len() && d + 16 <= decoded {
            let backslashes = backslashes_16(&raw[r..r + 16]);
            if backslashes == 0 {
                r += 16;
                d += 16;
                continue;
            }
            // Plain bytes up to the backslash: `d` stays below `decoded`.
            let k = backslashes.trailing_zeros() as usize;
            r += k;
            d += k;
        }
        if raw[r] == b'\\' {
            // A one-byte escape (a quote, mostly) without a call.
            if raw
                .get(r + 1)
                .is_some_and(|&b| SIMPLE_ESCAPES[usize::from(b)] != 0)
            {
                r += 2;
                d += 1;
                continue;
            }
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
    (r, d)
}

/// [`decoded_to_raw`] byte by byte (the reference for the tests).
#[cfg(test)]
fn decoded_to_raw_bytes(raw: &[u8], decoded: usize) -> usize {
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

    /// A document of records: an array of objects of a few shapes (at the
    /// top or under a key, pretty or not, with nested arrays of objects),
    /// values of every kind, and now and then one place broken.
    fn generated_document(seed: u64) -> Vec<u8> {
        let mut next = crate::test_numbers(seed);
        let strings = [
            "a@example.com",
            "",
            "say \\\"hi\\\"",
            "caf\\u00e9",
            "a phrase longer than sixteen bytes",
            "commas, [brackets] and {braces}",
            "a backslash at the end \\\\",
        ];
        let numbers = ["0", "-12", "3.25", "1e9", "4111111111111111"];
        let pretty = next().is_multiple_of(2);
        let (nl, ind) = if pretty { ("\n", "  ") } else { ("", "") };
        let mut out = String::new();
        let top = next().is_multiple_of(2);
        out.push_str(&if top {
            format!("[{nl}")
        } else {
            format!("{{{nl}{ind}\"exported_at\": \"2026-11-01\",{nl}{ind}\"records\": [{nl}")
        });
        let records = 50 + next() % 100;
        for r in 0..records {
            let mut rec = format!(
                "{ind}{ind}{{{nl}{ind}{ind}{ind}\"id\": {}",
                numbers[next() % numbers.len()]
            );
            let s = |next: &mut dyn FnMut() -> usize| strings[next() % strings.len()];
            rec.push_str(&format!(
                ",{nl}{ind}{ind}{ind}\"name\": \"{}\"",
                s(&mut next)
            ));
            if next().is_multiple_of(4) {
                rec.push_str(&format!(
                    ",{nl}{ind}{ind}{ind}\"email\": \"{}\"",
                    s(&mut next)
                ));
            }
            let items = next() % 3;
            rec.push_str(&format!(",{nl}{ind}{ind}{ind}\"items\": ["));
            for i in 0..items {
                if i > 0 {
                    rec.push(',');
                }
                rec.push_str(&format!(
                    "{{ \"sku\": \"{}\", \"qty\": {} }}",
                    s(&mut next),
                    numbers[next() % numbers.len()]
                ));
            }
            rec.push_str(&format!(
                "],{nl}{ind}{ind}{ind}\"ok\": {}{nl}{ind}{ind}}}",
                ["true", "null", "\"yes\""][next() % 3]
            ));
            if next().is_multiple_of(400) {
                let at = next() % rec.len();
                if rec.is_char_boundary(at) {
                    match next() % 4 {
                        0 => rec.insert(at, '"'),
                        1 => rec.insert(at, ' '),
                        2 => rec.insert_str(at, "01"),
                        _ => rec.insert(at, '}'),
                    }
                }
            }
            out.push_str(&rec);
            if r + 1 < records {
                out.push(',');
            }
            out.push_str(nl);
        }
        out.push_str(if top { "]\n" } else { "  ]\n}\n" });
        out.into_bytes()
    }

    #[test]
    fn elements_of_a_kept_shape_give_what_the_walk_gives() {
        let mut shaped = 0;
        let mut broken = 0;
        for seed in 0..60 {
            let data = generated_document(seed);
            let read = |mut scratch: JsonScratch| {
                let mut c = Collect::default();
                let mut fields = FieldTable::default();
                if let Err(p) = extract(&data, &mut fields, &mut scratch, &mut c) {
                    c.problems.push(p);
                }
                (c, scratch.shaped_lines())
            };
            let (c, n) = read(JsonScratch::default());
            let (w, _) = read(JsonScratch::without_shapes());
            shaped += n;
            broken += usize::from(!w.problems.is_empty());
            c.assert_same(&w, &format!("seed {seed}"));
        }
        assert!(shaped > 2000 && broken >= 3, "{shaped} {broken}");
    }

    /// Walks `data` piece by piece as the engine does (pieces alternating
    /// between two workers' tables and scratches; none used after one
    /// that read on to the document's end), or `None` when it is not cut.
    /// Also says how many pieces read on to the end before the last.
    fn read_in_pieces(data: &[u8], chunk: usize) -> Option<(Collect, usize, usize)> {
        let mut splitter = Splitter::find(data, chunk)?;
        let mut c = Collect::default();
        let mut workers = [
            (FieldTable::default(), JsonScratch::default()),
            (FieldTable::default(), JsonScratch::default()),
        ];
        let (mut pieces, mut covered, mut read_on) = (0, 0, 0);
        let mut rest_read = false;
        while let Some((piece, bytes)) = splitter.next_piece(data) {
            assert_eq!(bytes.start, covered, "pieces cover the document in order");
            covered = bytes.end;
            let (fields, scratch) = &mut workers[pieces % 2];
            let mut one = Collect::default();
            let walked = walk_piece(data, splitter.keys(), piece, fields, scratch, &mut one);
            if let Err(p) = &walked {
                one.problems.push(p.clone());
            }
            pieces += 1;
            if rest_read {
                continue;
            }
            if !matches!(walked, Ok(true)) && !matches!(piece, Piece::Last { .. }) {
                rest_read = true;
                read_on += 1;
            }
            c.values.extend(one.values);
            c.field_keys.extend(one.field_keys);
            c.spans.extend(one.spans);
            c.records += one.records;
            c.problems.extend(one.problems);
        }
        assert_eq!(covered, data.len());
        Some((c, pieces, read_on))
    }

    #[test]
    fn a_document_read_in_pieces_gives_what_the_whole_walk_gives() {
        let (mut cut, mut broken, mut read_on) = (0, 0, 0);
        for seed in 0..80 {
            let doc = generated_document(seed);
            let mut docs = vec![doc.clone()];
            if doc.starts_with(b"[") {
                // The array deeper, with members before and after it.
                let inner = String::from_utf8_lossy(doc.trim_ascii_end()).into_owned();
                docs.push(
                    format!(
                        "\u{feff}{{\"a\": 1, \"meta\": {{\"n\": [1, 2], \"x\": {{}}}}, \"e\": [], \
                         \"outer\": {{\"k\": \"v\", \"items\": {inner}, \"after\": [3]}}, \
                         \"tail\": \"z@example.com\"}}\n"
                    )
                    .into_bytes(),
                );
            }
            // And with bytes that mislead the cutter put anywhere: a
            // stray quote, backslash or bracket, or a cut-off end.
            let mut next = crate::test_numbers(seed + 1000);
            for doc in docs.clone() {
                let mut bad = doc.clone();
                for _ in 0..1 + next() % 3 {
                    let at = next() % bad.len();
                    bad.insert(at, b"\"\\[]{},"[next() % 7]);
                }
                docs.push(bad);
                docs.push(doc[..doc.len() * (1 + next() % 9) / 10].to_vec());
            }
            for data in &docs {
                let mut whole = Collect::default();
                if let Err(p) = extract(
                    data,
                    &mut FieldTable::default(),
                    &mut JsonScratch::default(),
                    &mut whole,
                ) {
                    whole.problems.push(p);
                }
                for chunk in [1, 200, 1500, 6000] {
                    let Some((c, pieces, misjudged)) = read_in_pieces(data, chunk) else {
                        continue;
                    };
                    read_on += misjudged;
                    // Well-formed documents are cut where their elements end.
                    assert!(misjudged == 0 || !whole.problems.is_empty(), "seed {seed}");
                    c.assert_same(&whole, &format!("seed {seed}, chunk {chunk}"));
                    assert_eq!(c.field_keys, whole.field_keys, "seed {seed}");
                    cut += usize::from(pieces > 2);
                    broken += usize::from(!whole.problems.is_empty());
                }
            }
        }
        assert!(
            cut > 300 && broken >= 3 && read_on > 0,
            "{cut} {broken} {read_on}"
        );
    }

    #[test]
    fn documents_without_a_large_record_array_are_not_cut() {
        for doc in [
            &b"{\"a\": [1, 2, 3], \"b\": \"x\"}"[..],
            b"[1, 2, 3]",
            b"[[1, 2, 3], {\"a\": 4}]",
            b"\"just a string\"",
            b"{\"a\": [1, 2, 3 \"b\": 1}",
            b"{\"a\": {\"b\": 1}, \"c\": [1,",
            b"",
        ] {
            assert!(Splitter::find(doc, 64).is_none(), "{doc:?}");
        }
        // Small arrays before the large one are passed over; a key with an
        // escape is not followed.
        let doc = b"{\"s\": [1], \"k\\u0041\": [10, 20, 30, 40], \"big\": [100, 200, 300, 400]}";
        let mut s = Splitter::find(doc, 4).expect("the array under big");
        assert_eq!(s.keys().len(), 1);
        let (k0, k1) = s.keys()[0];
        assert_eq!(&doc[k0..k1], b"big");
        let pieces: Vec<Piece> = std::iter::from_fn(|| s.next_piece(doc).map(|p| p.0)).collect();
        assert!(matches!(pieces[0], Piece::Head { .. }), "{pieces:?}");
        assert!(
            matches!(pieces.last(), Some(Piece::Last { .. })),
            "{pieces:?}"
        );
        assert_eq!(
            pieces[1..],
            [
                Piece::Run {
                    start: 48,
                    end: 56,
                    before: 0
                },
                Piece::Last {
                    start: 58,
                    before: 2
                }
            ]
        );
    }

    #[test]
    fn skipping_a_value_accepts_what_serde_json_accepts() {
        let (mut ok, mut broken) = (0, 0);
        for seed in 0..200 {
            let doc = generated_document(seed);
            let cut = &doc[..doc.len() - (seed as usize % 7) * (seed as usize % 3)];
            let serde = match serde_json::from_slice::<serde::de::IgnoredAny>(cut) {
                // Raw control characters in strings and escapes are not
                // checked, by design (see the module docs).
                Err(e)
                    if e.to_string().contains("control character")
                        || e.to_string().contains("escape") =>
                {
                    continue;
                }
                parsed => parsed.is_ok(),
            };
            let mut t = Tokenizer::new(cut, 0);
            let skipped = t.skip_value().is_ok() && t.finish().is_ok();
            assert_eq!(skipped, serde, "seed {seed}");
            assert_eq!(is_one_value(cut), serde, "seed {seed}");
            if serde { ok += 1 } else { broken += 1 }
        }
        assert!(ok > 50 && broken > 50, "{ok} {broken}");
        // Nesting beyond the limit is refused, not a stack overflow.
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        assert!(Tokenizer::new(deep.as_bytes(), 0).skip_value().is_err());
        let ok_deep = format!("{}1{}", "[{\"a\":".repeat(400), "}]".repeat(400));
        assert!(is_one_value(ok_deep.as_bytes()));
    }

    #[test]
    fn unescaping_by_blocks_agrees_with_the_byte_version() {
        let pieces: [&[u8]; 14] = [
            b"\\\"",
            b"\\\\",
            b"\\n",
            b"\\/",
            b"\\u00e9",
            b"\\ud83d\\ude00",
            b"\\ud83d",
            b"\\udc00x",
            b"\\uZZZZ",
            b"\\q",
            b"abcdefghijklmnopq",
            b"{",
            b"\xc3\xa9",
            b"\"",
        ];
        let mut next = crate::test_numbers(9);
        let (mut fast, mut slow) = (Vec::new(), Vec::new());
        for len in 0..300 {
            for _ in 0..8 {
                let mut raw = Vec::new();
                while raw.len() < len {
                    raw.extend_from_slice(pieces[next() % pieces.len()]);
                }
                // A lone backslash at the very end, too.
                for raw in [&raw[..], &[&raw[..], b"\\"].concat()[..]] {
                    unescape(raw, &mut fast);
                    unescape_bytes(raw, &mut slow);
                    assert_eq!(fast, slow, "{:?}", String::from_utf8_lossy(raw));
                    // Every decoded offset and span maps back alike.
                    let n = fast.len();
                    let step = 1 + next() % 5;
                    for a in (0..=n + 1).step_by(step) {
                        let want = decoded_to_raw_bytes(raw, a);
                        assert_eq!(decoded_to_raw(raw, a), want);
                        for b in [a, a + 1, a + 7, n] {
                            let end = decoded_to_raw_bytes(raw, b.max(a));
                            assert_eq!(decoded_span_to_raw(raw, a, b), (want, end));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn strings_end_where_a_byte_scan_ends_them() {
        // Byte by byte: a backslash escapes the byte after it.
        fn reference(data: &[u8]) -> Option<(usize, bool)> {
            let (mut at, mut escaped) = (1, false);
            while at < data.len() {
                match data[at] {
                    b'"' => return Some((at, escaped)),
                    b'\\' => {
                        escaped = true;
                        at += 2;
                    }
                    _ => at += 1,
                }
            }
            None
        }
        let mut next = crate::test_numbers(11);
        for len in 0..300 {
            for round in 0..60 {
                // Mostly plain bytes, with backslashes (runs of them too)
                // and quotes at every place of a block, dense or rare.
                let sparse = [23, 200, 2000][round % 3];
                let mut data = vec![b'"'];
                for _ in 0..len {
                    data.push(match next() % sparse {
                        0..=2 => b'\\',
                        3 => b'"',
                        _ => b'a',
                    });
                }
                let mut t = Tokenizer::new(&data, 0);
                let got = t.string().ok().map(|(s, e, esc)| {
                    assert_eq!(s, 1);
                    assert_eq!(t.pos, e + 1);
                    (e, esc)
                });
                assert_eq!(
                    got,
                    reference(&data),
                    "{:?}",
                    String::from_utf8_lossy(&data)
                );
            }
        }
    }

    #[test]
    fn quote_search_agrees_with_a_byte_scan_at_every_length_and_place() {
        for len in 0..200 {
            for place in (0..len).chain([len]) {
                for mark in [b'"', b'\\'] {
                    let mut bytes = vec![b'a'; len];
                    if place < len {
                        bytes[place] = mark;
                    }
                    let want = bytes.iter().position(|&b| b == b'"' || b == b'\\');
                    assert_eq!(find_quote_or_backslash(&bytes), want, "{len} {place}");
                }
            }
        }
    }

    /// Extracts `doc` with fresh tables into a collecting sink.
    fn collect(doc: &[u8]) -> (Collect, Result<(), Problem>) {
        let mut c = Collect::default();
        let result = extract(
            doc,
            &mut FieldTable::default(),
            &mut JsonScratch::default(),
            &mut c,
        );
        (c, result)
    }

    #[test]
    fn paths_follow_the_design_table() {
        let doc = br#"{"customers":[{"contact":{"email":"a@example.com"},"age":41}],"ok":true}"#;
        let (c, result) = collect(doc);
        result.unwrap();
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
    fn keys_expected_from_earlier_records_are_still_read_exactly() {
        // The second record's keys start like the first's (`id` before
        // `id2`, `a\\` before `a\\"`), come in another order, or are the
        // same keys spelled with escapes.
        let doc = br#"[{"id":1,"a\\":2,"n":{"x":3}},
            {"id2":4,"a\\\"":5,"n":{"x":6}},
            {"\u0069d":7,"n":{"y":8},"a\\":9},
            {"id":10,"a\\":11,"n":{"x":12,"x":13}},
            {"fifteen_bytes_k":14,"sixteen_bytes_ke":15,"a_key_of_twenty_bytes":16},
            {"fifteen_bytes_k":17,"sixteen_bytes_ke":18,"a_key_of_twenty_bytes":19},
            {"fifteen_bytes_kx":20,"sixteen_bytes_k":21,"a_key_of_twenty_byte":22}]"#;
        let (c, result) = collect(doc);
        result.unwrap();
        assert_eq!(
            c.pairs(),
            [
                ("$[*].id", "1"),
                ("$[*]['a\\\\']", "2"),
                ("$[*].n.x", "3"),
                ("$[*].id2", "4"),
                ("$[*]['a\\\\\"']", "5"),
                ("$[*].n.x", "6"),
                ("$[*].id", "7"),
                ("$[*].n.y", "8"),
                ("$[*]['a\\\\']", "9"),
                ("$[*].id", "10"),
                ("$[*]['a\\\\']", "11"),
                ("$[*].n.x", "12"),
                ("$[*].n.x", "13"),
                ("$[*].fifteen_bytes_k", "14"),
                ("$[*].sixteen_bytes_ke", "15"),
                ("$[*].a_key_of_twenty_bytes", "16"),
                ("$[*].fifteen_bytes_k", "17"),
                ("$[*].sixteen_bytes_ke", "18"),
                ("$[*].a_key_of_twenty_bytes", "19"),
                ("$[*].fifteen_bytes_kx", "20"),
                ("$[*].sixteen_bytes_k", "21"),
                ("$[*].a_key_of_twenty_byte", "22"),
            ]
        );
        // A key cut short by the end of the input is still an error.
        for doc in [
            &br#"[{"id":1},{"id"#[..],
            br#"[{"id":1},{"id":"#,
            br#"[{"id":1},{"id"}]"#,
        ] {
            let (_, result) = collect(doc);
            assert!(result.is_err(), "{}", String::from_utf8_lossy(doc));
        }
    }

    #[test]
    fn top_level_arrays_count_each_element_as_a_record() {
        let doc = br#"[{"a":"x"},{"a":"y"},{"a":["p","q"]}]"#;
        let (c, result) = collect(doc);
        result.unwrap();
        assert_eq!(c.records, 3);
        assert_eq!(c.pairs().last().unwrap(), &("$[*].a[*]", "q"));
        assert_eq!(*c.keys().last().unwrap(), "a");
        let doc = br#"{"x":{"a":{"b":1},"c":{"d":2}},"e":3}"#;
        let (c, result) = collect(doc);
        result.unwrap();
        assert_eq!(c.keys(), ["a.b", "c.d", "e"]);
    }

    #[test]
    fn escaped_strings_are_decoded_and_spans_map_back() {
        let doc = br#"{"n":"jane\u0040example.com \"x\""}"#;
        let (c, result) = collect(doc);
        result.unwrap();
        assert_eq!(c.values[0].1, "jane@example.com \"x\"");
        let (off, len) = c.spans[0];
        // "jane@example.com" is decoded bytes 0..16, raw `jane\u0040example.com`.
        let (o, l) = c.first_words[0];
        assert_eq!(&doc[o..o + l], br"jane\u0040example.com");
        assert_eq!(&doc[off..off + len], br#"jane\u0040example.com \"x\""#);
    }

    #[test]
    fn truncated_documents_report_where_they_broke() {
        let (c, result) = collect(br#"{"a":"x","b":"#);
        let err = result.unwrap_err();
        assert_eq!(c.values.len(), 1);
        assert!(err.message.starts_with("invalid JSON"), "{}", err.message);
        assert_eq!(err.offset, 13);
    }

    #[test]
    fn malformed_documents_are_rejected_where_they_break() {
        let cases: [(&[u8], usize); 10] = [
            (br#"{"a": 01}"#, 8),
            (br#"{"a": -}"#, 7),
            (br#"{"a": 1.}"#, 8),
            (br#"{"a": 1e}"#, 8),
            (br#"{"a": 512-44-0133}"#, 9),
            (br#"{"a": "x\"}"#, 11),
            (br#"{"a" 1}"#, 5),
            (br#"{"a": tru}"#, 6),
            (br#"[1, 2,]"#, 6),
            (br#"{"a": 1} x"#, 9),
        ];
        for (doc, offset) in cases {
            let (_, result) = collect(doc);
            let err = result.unwrap_err();
            assert_eq!(
                err.offset,
                offset,
                "{} -> {}",
                String::from_utf8_lossy(doc),
                err.message
            );
            assert!(err.message.starts_with("invalid JSON"), "{}", err.message);
        }
    }

    #[test]
    fn numbers_and_literals_follow_the_grammar() {
        let doc = br#"[0, -0.5, 1e10, 2E-3, 123456789012345678901234567890, true, false, null]"#;
        let (c, result) = collect(doc);
        result.unwrap();
        let values: Vec<&str> = c.values.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(
            values,
            [
                "0",
                "-0.5",
                "1e10",
                "2E-3",
                "123456789012345678901234567890"
            ]
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow_and_caps_the_path() {
        let depth = 100_000;
        let mut doc = "[".repeat(depth);
        doc.push_str("\"v\"");
        doc.push_str(&"]".repeat(depth));
        let (c, result) = collect(doc.as_bytes());
        result.unwrap();
        assert_eq!(c.values.len(), 1);
        assert!(c.values[0].0.len() <= 3 * MAX_PATH_DEPTH + 8);
    }
}
