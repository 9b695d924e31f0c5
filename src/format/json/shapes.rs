//! Record shapes: the lines of an NDJSON stream, and the records of an
//! export's array, mostly repeat a few shapes, and two records of one
//! shape differ only inside their scalars. The bytes between one scalar
//! and the next (`","ts":"`, `},"ua":"`, a newline and its indentation)
//! are the same, and so are the fields they lead to.
//!
//! After the walk has read a line, or an object element of an array, its
//! shape is kept: for each scalar, the bytes before it, its kind (string
//! or number) and its field, then the bytes after the last one. A later
//! line or element of that array is first matched against the shapes
//! kept: each gap is compared in place (one 16-byte compare for gaps of up
//! to 16 bytes), each string's end found as the walk finds it, each number
//! read by the walk's grammar, and what follows the last scalar must be
//! the shape's tail (and, for a line, then whitespace). A value that
//! matches is valid JSON whose scalars have exactly the fields the walk
//! would give them, so they go to the sink without reading keys, objects
//! and arrays; any other value is walked, and its shape learned. A match
//! is complete before anything is delivered, so a value that breaks off
//! late costs its partial match and a walk, never a scalar twice. Shapes
//! of one stream share their first steps: a shape is matched from where it
//! parts from the last one tried, and skipped when it shares that one's
//! failed step. Tests compare the values, spans, records and problems with
//! a reading that walks everything, on generated streams and documents
//! with broken lines and elements.
//!
//! Where shapes hardly repeat (records of ever new keys, arrays of varying
//! length, dense records whose personal fields vary), a reader that
//! matched under a quarter of 64 values is walked without trying shapes
//! for the next 16,384, twice as many after each such window in a row (up
//! to about a million).
//!
//! Lines that share their first fields and then go each their own way
//! (dense records: the same event id, time, type and session, then
//! personal fields of varying names) match a kept shape in part. Where
//! under a quarter of a window's lines matched whole but a quarter or
//! more matched at least [`MIN_PARTIAL`] scalars, the reader stops
//! learning shapes for 16,384 lines and delivers each line's first
//! scalars from the first shape that matches them, then walks the rest
//! of the line from right after the last one, with the containers of that
//! scalar's field path open (`open_path`): the bytes up to there are
//! those of a line the walk read, so they opened exactly those. Callgrind
//! (release build, one thread, 8 MB of dense records into the json
//! report): 427.7M -> 411.6M; events, the pretty export and the HAR
//! capture within 0.2%. Where lines match whole often enough, nothing
//! changes: a line matched in part is walked and learned as before
//! (delivering its first scalars there cost the events 0.3% and the HAR
//! capture 1%: the shapes' best match kept aside, and the lines' shapes
//! learned anyway).
//!
//! Such lines mostly end alike too (`},"props":{...},"ua":"...","v":"..."}`
//! after the personal fields). While the walk reads the rest of a line
//! delivered in part, after each scalar it asks the shape that delivered
//! the first ones whether the rest of the line is that shape's rest from
//! one of its steps where a container closes, the scalar before that
//! step having been in the same container (see [`Shapes::rejoin`]); if
//! so, the shape delivers the rest. Only where a container closes, and
//! then the other shapes of lines too (the line's own may have ended
//! unlike most). Callgrind (release build, one thread, 8 MB of dense
//! records into the json report): 390.8M -> 373.0M with the one shape
//! (14,551 of 14,618 lines joined again), 366.9M with the others; the
//! events and the HAR capture within 0.3%.
//!
//! Callgrind, whole scan, 1 thread, 8 MB each: generated events 323.8M ->
//! 276.5M instructions, a pretty-printed export 303.7M -> 256.7M; the walk
//! and tokenizer on the events fell from about 108M to about 65M. Dense
//! records (every line its own shape) 465.5M -> 468.5M.

use super::{JsonScratch, Tokenizer, emit_string};
use crate::format::path::{FieldId, FieldTable, Link};
use crate::format::{Layers, RawSpan, Value, ValueSink};

/// Shapes kept per reader, most recently matched first.
const MAX_SHAPES: usize = 16;
/// A line of more scalars than this is not kept as a shape.
const MAX_STEPS: usize = 512;
/// Values (lines, elements) per tally of matches.
const WINDOW: u32 = 64;
/// Values walked without trying shapes after a window of few matches; it
/// doubles with each such window in a row, up to [`MAX_COOLDOWN`].
const COOLDOWN: u32 = 16 * 1024;
const MAX_COOLDOWN: u32 = 1 << 20;

/// One scalar of a record: its body's bounds (a string's without its
/// quotes) and its field.
#[derive(Debug, Clone, Copy)]
pub(super) struct Token {
    pub start: usize,
    pub end: usize,
    pub field: FieldId,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Number,
    String,
    /// A string with a backslash in its body.
    Escaped,
}

/// The shapes of one reader, for the field ids of one [`FieldTable`].
#[derive(Debug, Default)]
pub(super) struct Shapes {
    table: u64,
    kept: Vec<Shape>,
    /// How many first steps the shapes in two slots share (see
    /// [`Shape::common_steps`]), worked out when a shape is learned.
    common: [[u16; MAX_SHAPES]; MAX_SHAPES],
    /// The scalars of the line being matched.
    found: Vec<Token>,
    /// While the walk reads the rest of a line delivered in part: the
    /// slot in `kept` of the shape that delivered it (see
    /// [`Shapes::rejoin`]).
    rejoin: Option<usize>,
    lines: u32,
    hits: u32,
    /// Lines of the window matched whole (the others of `hits` matched
    /// in part).
    whole: u32,
    /// Lines left to read without learning their shapes (see
    /// [`Shapes::tally`]).
    unlearnt: u32,
    cooldown: u32,
    /// The next cooldown (zero: [`COOLDOWN`]).
    backoff: u32,
    /// Values delivered by shape, for tests.
    #[cfg(test)]
    pub delivered: usize,
    /// Lines whose last scalars a shape delivered after the walk, for
    /// tests.
    #[cfg(test)]
    pub rejoined: usize,
    /// Lines delivered in part, for tests.
    #[cfg(test)]
    pub partial: usize,
    /// Tests read with shapes off, to compare.
    #[cfg(test)]
    pub off: bool,
}

#[derive(Debug)]
struct Shape {
    /// The field of the values of this shape: the root for lines, an
    /// array's element field for its elements.
    field: FieldId,
    /// Its row and column in [`Shapes::common`]; no two kept shapes
    /// share one.
    slot: usize,
    steps: Vec<Step>,
    /// The steps (past the first) whose gap, after the closing quote of
    /// a string before it and any whitespace, closes a container: where
    /// the walk of a line delivered in part may join this shape again.
    closes: Vec<u16>,
    /// Gaps longer than 16 bytes, then the tail.
    long: Vec<u8>,
    /// Where the tail starts in `long`.
    tail: usize,
}

#[derive(Debug)]
struct Step {
    /// The gap before the scalar, zero-padded, when it fits.
    gap: [u8; 16],
    len: usize,
    /// Where the gap starts in the shape's `long` bytes, when it does not fit.
    long: usize,
    field: FieldId,
    number: bool,
}

impl Shape {
    /// Learns the shape of the value at `data[base..end]` from its scalars.
    fn learn(
        data: &[u8],
        base: usize,
        field: FieldId,
        slot: usize,
        tokens: &[Token],
        end: usize,
    ) -> Shape {
        let mut steps = Vec::with_capacity(tokens.len());
        let mut long = Vec::new();
        let mut prev = base;
        for t in tokens {
            let gap = &data[prev..t.start];
            let mut padded = [0u8; 16];
            let at = long.len();
            if gap.len() <= 16 {
                padded[..gap.len()].copy_from_slice(gap);
            } else {
                long.extend_from_slice(gap);
            }
            steps.push(Step {
                gap: padded,
                len: gap.len(),
                long: at,
                field: t.field,
                number: t.kind == Kind::Number,
            });
            prev = t.end;
        }
        let tail = long.len();
        long.extend_from_slice(&data[prev..end]);
        let mut shape = Shape {
            field,
            slot,
            steps,
            closes: Vec::new(),
            long,
            tail,
        };
        // At most MAX_STEPS steps: the index fits.
        shape.closes = (1..shape.steps.len())
            .filter(|&k| {
                let gap = shape.gap(&shape.steps[k]);
                let after_string = !shape.steps[k - 1].number;
                let gap = gap
                    .strip_prefix(b"\"")
                    .filter(|_| after_string)
                    .unwrap_or(gap);
                gap.iter()
                    .find(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
                    .is_some_and(|&b| b == b'}' || b == b']')
            })
            .map(|k| k as u16)
            .collect();
        shape
    }

    /// Whether the value at `data[base..]` has this shape (and, when it
    /// is a whole line, only whitespace after it): `Ok` with where it ends,
    /// or `Err` with the step that failed (the number of steps for the
    /// tail). The match starts at step `from`, the scalars of the steps
    /// before it being the first in `found` (as a shape with the same
    /// first steps left them); `found` is left with the scalars matched.
    fn matches(
        &self,
        data: &[u8],
        base: usize,
        whole: bool,
        from: usize,
        found: &mut Vec<Token>,
    ) -> Result<usize, usize> {
        found.truncate(from);
        let pos = from.checked_sub(1).map_or(base, |k| found[k].end);
        self.matches_at(data, pos, whole, from, found)
    }

    /// Like [`Shape::matches`] from step `from` at `data[pos..]` (the end
    /// of the scalar before it: a string's closing quote), pushing the
    /// scalars matched onto `found`.
    fn matches_at(
        &self,
        data: &[u8],
        pos: usize,
        whole: bool,
        from: usize,
        found: &mut Vec<Token>,
    ) -> Result<usize, usize> {
        let mut t = Tokenizer { data, pos };
        for (k, step) in self.steps.iter().enumerate().skip(from) {
            if !self.gap_at(data, t.pos, step) {
                return Err(k);
            }
            t.pos += step.len;
            if step.number {
                if !matches!(data.get(t.pos), Some(b'-' | b'0'..=b'9')) {
                    return Err(k);
                }
                let Ok((start, end)) = t.number() else {
                    return Err(k);
                };
                found.push(Token {
                    start,
                    end,
                    field: step.field,
                    kind: Kind::Number,
                });
            } else {
                // The gap ended with the string's opening quote.
                t.pos -= 1;
                let Ok((start, end, escaped)) = t.string() else {
                    return Err(k);
                };
                // The next gap starts with the closing quote.
                t.pos = end;
                found.push(Token {
                    start,
                    end,
                    field: step.field,
                    kind: if escaped { Kind::Escaped } else { Kind::String },
                });
            }
        }
        let tail = &self.long[self.tail..];
        let failed = Err(self.steps.len());
        if !data
            .get(t.pos..t.pos + tail.len())
            .is_some_and(|d| crate::format::same_bytes(d, tail))
        {
            return failed;
        }
        let end = t.pos + tail.len();
        let rest_blank = || {
            data[end..]
                .iter()
                .all(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
        };
        if whole && !rest_blank() {
            return failed;
        }
        Ok(end)
    }

    /// How many first steps this shape and `other` share: the same gap
    /// before a scalar of the same kind and field.
    fn common_steps(&self, other: &Shape) -> usize {
        self.steps
            .iter()
            .zip(&other.steps)
            .take_while(|(a, b)| {
                a.len == b.len
                    && a.field == b.field
                    && a.number == b.number
                    && self.gap(a) == other.gap(b)
            })
            .count()
    }

    fn gap<'s>(&'s self, step: &'s Step) -> &'s [u8] {
        if step.len > 16 {
            &self.long[step.long..step.long + step.len]
        } else {
            &step.gap[..step.len]
        }
    }

    #[inline]
    fn gap_at(&self, data: &[u8], pos: usize, step: &Step) -> bool {
        if step.len > 16 {
            let gap = &self.long[step.long..step.long + step.len];
            return data
                .get(pos..pos + step.len)
                .is_some_and(|d| crate::format::same_bytes(d, gap));
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(block) = data.get(pos..pos + 16) {
            return super::same_16(block, &step.gap, step.len);
        }
        data[pos..].starts_with(&step.gap[..step.len])
    }
}

impl Shapes {
    /// Delivers the value of field `field` at `data[base..]` if it has a
    /// kept shape: a whole line (a record) when `field` is the root, else
    /// an array's element (whose start as a record, if it is one, the
    /// caller told the sink). Otherwise says whether the walk should note
    /// the value's scalars to learn its shape.
    pub(super) fn deliver<S: ValueSink>(
        data: &[u8],
        base: usize,
        field: FieldId,
        fields: &mut FieldTable,
        scratch: &mut JsonScratch,
        sink: &mut S,
    ) -> Delivered {
        let shapes = &mut scratch.shapes;
        // A delivery (of an array's element inside the line) may move the
        // kept shapes.
        shapes.rejoin = None;
        if shapes.table != fields.id() {
            *shapes = Shapes {
                table: fields.id(),
                #[cfg(test)]
                off: shapes.off,
                ..Shapes::default()
            };
        }
        #[cfg(test)]
        if shapes.off {
            return Delivered::No { learn: false };
        }
        if shapes.cooldown > 0 {
            shapes.cooldown -= 1;
            return Delivered::No { learn: false };
        }
        let line = field == FieldTable::ROOT;
        let mut found = std::mem::take(&mut shapes.found);
        found.clear();
        // Shapes of one stream share first steps: a shape is matched from
        // where it parts from the last one tried, and skipped when it
        // shares that one's failed step.
        let mut failed: Option<(&Shape, usize)> = None;
        let mut hit = None;
        // A shape matched the line's first scalars (at least
        // MIN_PARTIAL), and whether `found` holds them to be delivered.
        let (mut part, mut deliver_part) = (false, false);
        let mut part_slot = 0;
        for (i, s) in shapes.kept.iter().enumerate() {
            if s.field != field {
                continue;
            }
            let from = match failed {
                Some((last, k)) => {
                    let common = usize::from(shapes.common[last.slot][s.slot]).min(k + 1);
                    if common > k {
                        continue;
                    }
                    common
                }
                None => 0,
            };
            match s.matches(data, base, line, from, &mut found) {
                Ok(end) => {
                    hit = Some((i, end));
                    break;
                }
                Err(k) => {
                    if line && k >= MIN_PARTIAL {
                        part = true;
                        // Where lines hardly match whole (and shapes are
                        // not learned), the first shape that matches in
                        // part will do; `found` holds its scalars.
                        if shapes.unlearnt > 0 {
                            deliver_part = true;
                            part_slot = i;
                            break;
                        }
                    }
                    failed = Some((s, k));
                }
            }
        }
        let Some((i, end)) = hit else {
            let learn = shapes.unlearnt == 0;
            shapes.unlearnt = shapes.unlearnt.saturating_sub(1);
            if deliver_part
                && let Some(last) = found.last()
                && super::open_path(fields, last.field, &mut scratch.stack)
            {
                shapes.tally(Outcome::Part);
                #[cfg(test)]
                {
                    shapes.partial += 1;
                }
                sink.record();
                let resume = found
                    .last()
                    .map_or(base, |t| t.end + usize::from(t.kind != Kind::Number));
                Self::emit(&found, data, fields, scratch, sink);
                scratch.tokens.clear();
                if learn {
                    scratch.tokens.extend_from_slice(&found);
                }
                scratch.shapes.found = found;
                scratch.shapes.rejoin = Some(part_slot);
                return Delivered::Partial { resume, learn };
            }
            shapes.tally(if part { Outcome::Part } else { Outcome::Miss });
            shapes.found = found;
            return Delivered::No { learn };
        };
        shapes.tally(Outcome::Whole);
        shapes.kept[..=i].rotate_right(1);
        #[cfg(test)]
        {
            shapes.delivered += 1;
        }
        if line {
            sink.record();
        }
        Self::emit(&found, data, fields, scratch, sink);
        scratch.shapes.found = found;
        Delivered::Yes { end }
    }

    /// Whether the walk of a line delivered in part may try to join its
    /// shape again (see [`Shapes::rejoin`]).
    #[inline]
    pub(super) fn rejoining(&self) -> bool {
        self.rejoin.is_some()
    }

    /// Ends the walk's reading of a line delivered in part.
    pub(super) fn line_done(&mut self) {
        self.rejoin = None;
    }

    /// After the walk of a line delivered in part read a scalar ending at
    /// `pos` (a string's closing quote; `number` says which), in the
    /// container of field `container`, where a container closes: delivers
    /// the rest of the line by a shape of lines (first the one that
    /// delivered its first scalars) when the rest has the shape of that
    /// shape's rest from a step where a container closes, the step's
    /// scalar before it having been in the same container, and returns
    /// where the line's value ends.
    ///
    /// Dense records share their first fields and also their last ones
    /// (`},"props":{...},"ua":"...","v":"..."}`): only the personal fields
    /// between them differ. The walk from there on would open exactly
    /// the containers the shape's line had open at that step — the
    /// container's field names its path from the root, and every
    /// container on it is an object or an array as its segments say —
    /// so the bytes that follow, matching the shape's gaps, scalars and
    /// tail, give the fields the walk would give them.
    pub(super) fn rejoin<S: ValueSink>(
        data: &[u8],
        pos: usize,
        container: FieldId,
        number: bool,
        fields: &mut FieldTable,
        scratch: &mut JsonScratch,
        sink: &mut S,
    ) -> Option<usize> {
        let shapes = &mut scratch.shapes;
        let first = shapes.rejoin?;
        // Only where a container closes.
        let after = if number { pos } else { pos + 1 };
        let closing = data
            .get(after..)?
            .iter()
            .find(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'));
        if !matches!(closing, Some(b'}' | b']')) {
            return None;
        }
        let mut found = std::mem::take(&mut shapes.found);
        let mut hit = None;
        // The shape that delivered the first scalars, then the others of
        // lines: the line's own may have ended unlike most.
        let order = std::iter::once(first).chain((0..shapes.kept.len()).filter(|&j| j != first));
        'shapes: for j in order {
            let shape = &shapes.kept[j];
            if shape.field != FieldTable::ROOT {
                continue;
            }
            for &k in &shape.closes {
                let k = usize::from(k);
                let before = &shape.steps[k - 1];
                if before.number != number
                    || !matches!(fields.up(before.field), Some((up, link)) if up == container && link != Link::Other)
                {
                    continue;
                }
                found.clear();
                if let Ok(end) = shape.matches_at(data, pos, true, k, &mut found) {
                    hit = Some(end);
                    break 'shapes;
                }
            }
        }
        if hit.is_some() {
            shapes.rejoin = None;
            #[cfg(test)]
            {
                shapes.rejoined += 1;
            }
            Self::emit(&found, data, fields, scratch, sink);
        }
        scratch.shapes.found = found;
        hit
    }

    /// Hands the scalars in `found` to the sink. Always inlined: as a
    /// call the sink's own `value` was no longer inlined into the loop
    /// (8 MB HAR capture: 379.3M instructions against 375.7M).
    #[inline(always)]
    fn emit<S: ValueSink>(
        found: &[Token],
        data: &[u8],
        fields: &mut FieldTable,
        scratch: &mut JsonScratch,
        sink: &mut S,
    ) {
        for t in found {
            match t.kind {
                Kind::Number => sink.value(
                    fields,
                    &Value {
                        field: Some(t.field),
                        bytes: &data[t.start..t.end],
                        raw: RawSpan::Verbatim { start: t.start },
                        layers: Layers::NONE,
                    },
                ),
                Kind::String | Kind::Escaped => emit_string(
                    data,
                    t.start,
                    t.end - t.start,
                    t.kind == Kind::Escaped,
                    t.field,
                    fields,
                    scratch,
                    sink,
                ),
            }
        }
    }

    /// Keeps the shape of the value the walk just read at `data[base..end]`.
    pub(super) fn learn(
        &mut self,
        data: &[u8],
        base: usize,
        field: FieldId,
        tokens: &[Token],
        end: usize,
    ) {
        if tokens.len() > MAX_STEPS {
            return;
        }
        // The new shape takes the slot of the one it evicts, or the next.
        let slot = match self.kept.len() {
            MAX_SHAPES => self.kept.pop().map_or(0, |s| s.slot),
            n => n,
        };
        let shape = Shape::learn(data, base, field, slot, tokens, end);
        for other in &self.kept {
            // At most MAX_STEPS steps: the count fits.
            let n = shape.common_steps(other) as u16;
            self.common[slot][other.slot] = n;
            self.common[other.slot][slot] = n;
        }
        self.kept.insert(0, shape);
    }

    /// Counts a line or element. Past a window where under a quarter
    /// matched even in part, shapes rest (see [`COOLDOWN`]); where under a
    /// quarter matched whole but more in part (records that share their
    /// first fields and go on each their own way), the shapes kept are
    /// matched but no new one learned for [`COOLDOWN`] lines: learning
    /// every line would cost more than its first fields save.
    fn tally(&mut self, outcome: Outcome) {
        self.lines += 1;
        self.hits += u32::from(outcome != Outcome::Miss);
        self.whole += u32::from(outcome == Outcome::Whole);
        if self.lines == WINDOW {
            if self.hits * 4 < self.lines {
                self.cooldown = self.backoff.max(COOLDOWN);
                self.backoff = (self.cooldown * 2).min(MAX_COOLDOWN);
            } else {
                self.backoff = 0;
                if self.whole * 4 < self.lines {
                    self.unlearnt = COOLDOWN;
                }
            }
            self.lines = 0;
            self.hits = 0;
            self.whole = 0;
        }
    }
}

/// How a line or element fared against the shapes kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Whole,
    Part,
    Miss,
}

/// What [`Shapes::deliver`] did.
pub(super) enum Delivered {
    /// Delivered; the value ends at `end`.
    Yes {
        end: usize,
    },
    /// A line's first scalars delivered (its record counted); the walk
    /// goes on at `resume`, right after the last of them, with the
    /// containers of its field path open on the walk's stack. With
    /// `learn`, their tokens are the first of the walk's.
    Partial {
        resume: usize,
        learn: bool,
    },
    No {
        learn: bool,
    },
}

/// Fewer scalars matched than this are not delivered in part.
const MIN_PARTIAL: usize = 3;
