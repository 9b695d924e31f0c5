//! Large JSON documents read by several threads: a document whose records
//! are the elements of one array — the document itself (`[{...}, ...]`)
//! or an array inside its objects (`{"exported_at": ..., "records":
//! [...]}`) — is cut between elements into pieces of about a chunk's
//! size, each walked on its own with the field paths, records and
//! problems a walk of the whole document gives.
//!
//! The cutting is incremental and cheap: [`Splitter::find`] follows the
//! objects from the root, skipping every other member's value, to the
//! first array whose elements fill a chunk; [`Splitter::next_piece`] then
//! skips elements ([`Tokenizer::skip_value`], which checks the structure
//! as the walk does) to the end of the next chunk. So the planner hands
//! out the first pieces long before it has read a multi-gigabyte export
//! to its end. The members before the array are walked as a head piece
//! that stops at the array; the last piece walks its elements to the
//! array's end and then the rest of the document, so a document broken
//! after the array (or inside the last piece) reports what a whole walk
//! reports. A document that breaks before its array fills a chunk is not
//! cut at all.

use std::sync::Arc;

use super::Tokenizer;

/// Objects deeper than this are not followed to find the record array.
const MAX_NEST: usize = 8;

/// A piece of a document cut by a [`Splitter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// The document up to the record array, which it stops at (a wrapped
    /// array only; a top-level array has nothing before it).
    Head {
        /// The offset of the array's `[`.
        stop_at: usize,
    },
    /// Elements from `start` (the first's first byte) to `end` (just
    /// after the last), `before` elements preceding them.
    Run {
        start: usize,
        end: usize,
        before: u64,
    },
    /// Elements from `start` to the array's end, then the rest of the
    /// document.
    Last { start: usize, before: u64 },
}

/// Where a document's record array lies and how far it has been cut.
#[derive(Debug)]
pub struct Splitter {
    /// The raw bounds of the keys (none with escapes) of the members
    /// leading from the root object to the array; empty when the document
    /// is the array.
    keys: Arc<[(usize, usize)]>,
    /// The array's `[`.
    open: usize,
    /// The first run, found while deciding the array is large.
    first: Option<(usize, usize)>,
    /// Where the next piece's first element starts.
    next: usize,
    /// Elements before `next`.
    before: u64,
    chunk: usize,
    head_given: bool,
    done: bool,
}

/// What a look at an array's elements found.
enum Array {
    /// Its elements fill a chunk: the first run's bounds, how many
    /// elements it holds and where the next element starts.
    Large {
        first: (usize, usize),
        count: u64,
        next: usize,
    },
    /// It ends (after `]`) before filling a chunk.
    Small(usize),
    Broken,
}

impl Splitter {
    /// The record array of `data` if it has one whose elements fill more
    /// than a chunk of `chunk` bytes: the document itself, or the first
    /// such array among the members of its objects.
    pub fn find(data: &[u8], chunk: usize) -> Option<Splitter> {
        let chunk = chunk.max(1);
        let bom = if data.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let mut t = Tokenizer::new(data, bom);
        let found = |keys: Vec<(usize, usize)>, open, array| match array {
            Array::Large { first, count, next } => Some(Splitter {
                keys: keys.into(),
                open,
                first: Some(first),
                next,
                before: count,
                chunk,
                head_given: false,
                done: false,
            }),
            _ => None,
        };
        match t.peek().ok()? {
            b'[' => {
                let open = t.pos;
                let array = large_array(&mut t, chunk);
                return found(Vec::new(), open, array);
            }
            b'{' => t.pos += 1,
            _ => return None,
        }
        // The members of the objects from the root, in order; `keys`
        // leads to the object being read.
        let mut keys: Vec<(usize, usize)> = Vec::new();
        let mut first_member = true;
        loop {
            t.skip_ws();
            let b = *data.get(t.pos)?;
            if b == b'}' {
                t.pos += 1;
                keys.pop()?;
                first_member = false;
                continue;
            }
            if !first_member {
                if b != b',' {
                    return None;
                }
                t.pos += 1;
                t.skip_ws();
            }
            first_member = false;
            if data.get(t.pos) != Some(&b'"') {
                return None;
            }
            let (start, end, escaped) = t.string().ok()?;
            t.expect(b':', "").ok()?;
            match t.peek().ok()? {
                b'{' if !escaped && keys.len() < MAX_NEST => {
                    keys.push((start, end));
                    t.pos += 1;
                    first_member = true;
                }
                b'[' if !escaped && keys.len() < MAX_NEST => {
                    let open = t.pos;
                    match large_array(&mut t, chunk) {
                        Array::Small(after) => t.pos = after,
                        Array::Broken => return None,
                        large => {
                            keys.push((start, end));
                            return found(keys, open, large);
                        }
                    }
                }
                _ => t.skip_value().ok()?,
            }
        }
    }

    /// The raw bounds of the keys leading to the array (see
    /// [`super::walk_piece`]).
    pub fn keys(&self) -> &Arc<[(usize, usize)]> {
        &self.keys
    }

    /// The next piece to walk, with the bytes it accounts for (the
    /// pieces' bytes follow each other and cover the document); `None`
    /// after the last.
    pub fn next_piece(&mut self, data: &[u8]) -> Option<(Piece, std::ops::Range<usize>)> {
        if self.done {
            return None;
        }
        if let Some((start, end)) = self.first {
            if !self.keys.is_empty() && !self.head_given {
                self.head_given = true;
                return Some((Piece::Head { stop_at: self.open }, 0..start));
            }
            self.first = None;
            // A top-level array's run accounts for the bytes before it.
            let from = if self.keys.is_empty() { 0 } else { start };
            let run = Piece::Run {
                start,
                end,
                before: 0,
            };
            return Some((run, from..self.next));
        }
        let start = self.next;
        let before = self.before;
        match next_cut(data, start, self.chunk) {
            Some(cut) => {
                self.next = cut.next;
                self.before += cut.elements;
                let run = Piece::Run {
                    start,
                    end: cut.end,
                    before,
                };
                Some((run, start..cut.next))
            }
            None => {
                // The array's end: the rest is one piece.
                self.done = true;
                Some((Piece::Last { start, before }, start..data.len()))
            }
        }
    }
}

/// Where a run of elements is cut.
#[derive(Debug, PartialEq, Eq)]
struct Cut {
    /// Just after the run's last element.
    end: usize,
    /// The next element's first byte.
    next: usize,
    /// Elements in the run.
    elements: u64,
}

/// From `start`, the first byte of an element of an array: the first
/// comma between two of its elements at least `min` bytes on, or `None`
/// when the array (or the input) ends first. Only strings, escapes and
/// brackets are followed, not the grammar: pieces cut where a broken
/// document misleads this are found out by their walks (see
/// [`super::walk_piece`]).
///
/// 64 bytes at a time, the quotes, backslashes, brackets and commas are
/// found with SSE2 compares (AVX2 where the processor has it). A block
/// whose closing brackets (outside strings) are fewer than the depth at
/// its start lies inside one element: its brackets are counted, not
/// stepped over. In the others the brackets and commas outside strings
/// are stepped over one by one; blocks with a backslash, and the input's
/// last bytes, byte by byte. Cutting a 213 MB pretty-printed export
/// (perf, 2 threads): with [`Tokenizer::skip_value`] a sixth of the
/// scan's time; stepping over every quote and structural byte, 14%;
/// stepping over the structural bytes outside strings, 7% (about 2.4
/// GB/s on one core). Callgrind, a 36 MB export cut on the planning
/// thread: 77.8M instructions that way, 69.1M counting the blocks inside
/// an element, 40.9M with AVX2 compares.
fn next_cut(data: &[u8], start: usize, min: usize) -> Option<Cut> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx2") && has!("popcnt") {
            // SAFETY: the processor has both, checked just above.
            return unsafe { next_cut_avx2(data, start, min) };
        }
        next_cut_any(data, start, min, masks_64)
    }
    #[cfg(not(target_arch = "x86_64"))]
    next_cut_any(data, start, min)
}

/// [`next_cut`] with 32-byte compares, and each block's brackets counted
/// by `popcnt`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
fn next_cut_avx2(data: &[u8], start: usize, min: usize) -> Option<Cut> {
    // SAFETY: this function runs only where the processor has AVX2.
    next_cut_any(data, start, min, |block| unsafe { masks_64_avx2(block) })
}

#[inline(always)]
fn next_cut_any(
    data: &[u8],
    start: usize,
    min: usize,
    #[cfg(target_arch = "x86_64")] masks: impl Fn(&[u8]) -> Masks,
) -> Option<Cut> {
    let mut scan = CutScan {
        depth: 0,
        in_string: false,
        escaped: false,
        elements: 0,
    };
    let mut at = start;
    #[cfg(target_arch = "x86_64")]
    while at + 64 <= data.len() {
        let Masks {
            quotes,
            backslashes,
            opens,
            closes,
            commas,
        } = masks(&data[at..at + 64]);
        if backslashes != 0 || scan.escaped {
            for i in at..at + 64 {
                if let Some(comma) = scan.byte(data[i])
                    && let Some(cut) = scan.cut(data, start, i, min, comma)
                {
                    return cut;
                }
            }
        } else {
            // Without escapes, the bytes inside strings run from each
            // opening quote to the next quote: a prefix XOR of the quotes,
            // inverted when a string is open at the block's start.
            let mut inside = prefix_xor(quotes);
            if scan.in_string {
                inside = !inside;
            }
            let (opens, closes) = (opens & !inside, closes & !inside);
            let (up, down) = (opens.count_ones() as usize, closes.count_ones() as usize);
            if scan.depth > down {
                // Inside an element all through the block (each close
                // at most one level down): no comma of the array's, not
                // its end.
                scan.depth = scan.depth + up - down;
                scan.in_string = inside >> 63 == 1;
                at += 64;
                continue;
            }
            let mut bits = (opens | closes | commas) & !inside;
            while bits != 0 {
                let i = at + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if let Some(comma) = scan.structural(data[i])
                    && let Some(cut) = scan.cut(data, start, i, min, comma)
                {
                    return cut;
                }
            }
            scan.in_string = inside >> 63 == 1;
        }
        at += 64;
    }
    for i in at..data.len() {
        if let Some(comma) = scan.byte(data[i])
            && let Some(cut) = scan.cut(data, start, i, min, comma)
        {
            return cut;
        }
    }
    None
}

/// The state of [`next_cut`].
struct CutScan {
    depth: usize,
    in_string: bool,
    /// The last byte was a backslash in a string.
    escaped: bool,
    elements: u64,
}

impl CutScan {
    /// Steps over one byte: `Some(true)` at a comma between elements,
    /// `Some(false)` at the array's end.
    #[inline(always)]
    fn byte(&mut self, b: u8) -> Option<bool> {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
            }
            return None;
        }
        if b == b'"' {
            self.in_string = true;
            return None;
        }
        self.structural(b)
    }

    /// Steps over a byte outside strings, as [`CutScan::byte`] does.
    #[inline(always)]
    fn structural(&mut self, b: u8) -> Option<bool> {
        match b {
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => {
                if self.depth == 0 {
                    return Some(false);
                }
                self.depth -= 1;
            }
            b',' if self.depth == 0 => return Some(true),
            _ => {}
        }
        None
    }

    /// At a comma (`comma`) or the array's end at `i`: the cut, if the
    /// run is long enough (`Some(None)`: the array ended first).
    #[inline(always)]
    fn cut(
        &mut self,
        data: &[u8],
        start: usize,
        i: usize,
        min: usize,
        comma: bool,
    ) -> Option<Option<Cut>> {
        if !comma {
            return Some(None);
        }
        self.elements += 1;
        if i - start < min {
            return None;
        }
        let end = start + data[start..i].trim_ascii_end().len();
        let next = i + 1 + (data[i + 1..].len() - data[i + 1..].trim_ascii_start().len());
        Some(Some(Cut {
            end,
            next,
            elements: self.elements,
        }))
    }
}

/// Each bit of `x` XORed with all the bits below it.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

/// The bytes of 64 that [`next_cut`] looks at, as bit masks.
#[cfg(target_arch = "x86_64")]
#[derive(Default)]
struct Masks {
    quotes: u64,
    backslashes: u64,
    /// `{` and `[`.
    opens: u64,
    /// `}` and `]`.
    closes: u64,
    commas: u64,
}

#[cfg(target_arch = "x86_64")]
impl Masks {
    /// Adds the bytes of one vector, `eq(c)` giving the bits (in place in
    /// the 64) of those equal to `c`.
    #[inline(always)]
    fn add(&mut self, eq: impl Fn(u8) -> u64) {
        self.quotes |= eq(b'"');
        self.backslashes |= eq(b'\\');
        self.opens |= eq(b'{') | eq(b'[');
        self.closes |= eq(b'}') | eq(b']');
        self.commas |= eq(b',');
    }
}

/// The quotes, backslashes, brackets and commas of 64 bytes, 16 at a
/// time (SSE2).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn masks_64(block: &[u8]) -> Masks {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    assert!(block.len() >= 64);
    let mut m = Masks::default();
    for k in 0..4 {
        // SAFETY: SSE2 is part of the x86-64 baseline; the load reads
        // bytes `16 * k..16 * k + 16` of `block`, which has 64.
        let v = unsafe { _mm_loadu_si128(block.as_ptr().add(16 * k).cast()) };
        m.add(|c| {
            // SAFETY: SSE2, as above.
            let bits = unsafe { _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8))) };
            u64::from(bits as u16) << (16 * k)
        });
    }
    m
}

/// [`masks_64`] 32 bytes at a time (AVX2).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn masks_64_avx2(block: &[u8]) -> Masks {
    use std::arch::x86_64::{
        _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8,
    };
    assert!(block.len() >= 64);
    let mut m = Masks::default();
    for k in 0..2 {
        // SAFETY: the caller checked AVX2; the load reads bytes
        // `32 * k..32 * k + 32` of `block`, which has 64.
        let v = unsafe { _mm256_loadu_si256(block.as_ptr().add(32 * k).cast()) };
        m.add(|c| {
            let bits = _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(c as i8)));
            u64::from(bits as u32) << (32 * k)
        });
    }
    m
}

/// At an array's `[`: whether its elements fill a chunk (leaving `t`
/// anywhere), or where it ends.
fn large_array(t: &mut Tokenizer<'_>, chunk: usize) -> Array {
    t.pos += 1;
    t.skip_ws();
    if t.data.get(t.pos) == Some(&b']') {
        return Array::Small(t.pos + 1);
    }
    let first = t.pos;
    let mut count = 0u64;
    loop {
        if t.skip_value().is_err() {
            return Array::Broken;
        }
        count += 1;
        let end = t.pos;
        t.skip_ws();
        match t.data.get(t.pos) {
            Some(b',') => {
                t.pos += 1;
                if end - first >= chunk {
                    t.skip_ws();
                    return Array::Large {
                        first: (first, end),
                        count,
                        next: t.pos,
                    };
                }
            }
            Some(b']') => return Array::Small(t.pos + 1),
            _ => return Array::Broken,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`next_cut`] byte by byte: the definition its blocks must agree
    /// with.
    fn next_cut_bytes(data: &[u8], start: usize, min: usize) -> Option<Cut> {
        let mut scan = CutScan {
            depth: 0,
            in_string: false,
            escaped: false,
            elements: 0,
        };
        for i in start..data.len() {
            if let Some(comma) = scan.byte(data[i])
                && let Some(cut) = scan.cut(data, start, i, min, comma)
            {
                return cut;
            }
        }
        None
    }

    /// Arrays of records, pretty and minified, with strings holding
    /// brackets, commas, quotes and backslashes, and bytes that mislead
    /// the cutter put anywhere, cut from every element start at every
    /// minimum length: the blocks cut where the bytes do, with as many
    /// elements.
    #[test]
    fn cuts_in_blocks_are_the_cuts_byte_by_byte() {
        let mut next = crate::test_numbers(7);
        let pieces = [
            "{\"a\": 1, \"b\": [1, 2, {\"c\": \"x,y\"}]}",
            "{\"s\": \"br[ack]{ets},\"}",
            "{\"e\": \"q\\\"uote\\\\\", \"n\": null}",
            "[1, [2, 3], []]",
            "\"plain, string\"",
            "12.5",
            "{}",
            "{\"long\": [{\"k\": [1, 2, 3], \"v\": {\"w\": \"a, b\"}}, {\"k\": [4, [5, 6]], \"v\": {}}, \
             {\"k\": [7, 8, 9], \"v\": {\"w\": \"c]d\"}}, {\"k\": [], \"v\": {\"x\": [[[1]]]}}], \
             \"tail\": {\"a\": {\"b\": {\"c\": \"deep, deeper, deepest\"}}}}",
        ];
        let (mut cuts, mut ends) = (0, 0);
        for round in 0..300 {
            let mut doc = String::new();
            let pretty = round % 2 == 0;
            let n = 1 + next() % 40;
            for k in 0..n {
                if k > 0 {
                    doc.push(',');
                    doc.push_str(if pretty { "\n  " } else { "" });
                }
                let p = pieces[next() % pieces.len()];
                if pretty {
                    doc.push_str(&p.replace(", ", ",\n    "));
                } else {
                    doc.push_str(p);
                }
            }
            doc.push_str(if round % 3 == 0 {
                "]"
            } else {
                "], \"after\": [1, 2]}"
            });
            let mut data = doc.into_bytes();
            if round % 5 == 1 {
                for _ in 0..1 + next() % 3 {
                    let at = next() % data.len();
                    data.insert(at, b"\"\\[]{},"[next() % 7]);
                }
            }
            for start in 0..data.len().min(400) {
                for min in [0, 1, 7, 63, 64, 65, 130, 300] {
                    let want = next_cut_bytes(&data, start, min);
                    cuts += usize::from(want.is_some());
                    ends += usize::from(want.is_none());
                    #[cfg(target_arch = "x86_64")]
                    assert_eq!(
                        next_cut_any(&data, start, min, masks_64),
                        want,
                        "SSE2: round {round}, start {start}, min {min}"
                    );
                    assert_eq!(
                        next_cut(&data, start, min),
                        want,
                        "round {round}, start {start}, min {min}: {}",
                        String::from_utf8_lossy(&data)
                    );
                }
            }
        }
        assert!(cuts > 10_000 && ends > 10_000, "{cuts} {ends}");
    }
}
