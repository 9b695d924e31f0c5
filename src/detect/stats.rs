//! The first phase of detection: cheap shape statistics of a value, used
//! as necessary conditions (`requires` in detector files) before any regex
//! runs.
//!
//! A value is classified 64 bytes at a time into bit planes (one bit per
//! byte: digits, number separators, dots, capitals) and byte-lane counts,
//! with SSE2 on x86-64 (16 bytes per compare) and a portable `u64` fallback
//! elsewhere. The sequential statistics are then read off the bit planes
//! run by run (the digits inside each run of digits and separators, the
//! dots inside each run of digits and dots), never byte by byte.
//!
//! Measured with callgrind on 4 MB of generated NDJSON events (instructions
//! for the whole scan): with a branch-free per-byte state machine the scan
//! took 340 M; with these bit planes and a byte-by-byte pass for the runs,
//! 293 M; reading the runs off the planes, 279 M. Of those, this phase is
//! now about a quarter, the JSON parse about a third.

const DIGIT: u8 = 1;
const KEEP: u8 = 2;
const DOTTED: u8 = 4;
const UPPER: u8 = 8;
const AT: u8 = 16;
const DOT: u8 = 32;
const COLON: u8 = 64;
const MASK: u8 = 128;

const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = b'0';
    while b <= b'9' {
        t[b as usize] = DIGIT | KEEP | DOTTED;
        b += 1;
    }
    let mut b = b'A';
    while b <= b'Z' {
        t[b as usize] = UPPER;
        b += 1;
    }
    t[b' ' as usize] = KEEP;
    t[b'-' as usize] = KEEP;
    t[b'(' as usize] = KEEP;
    t[b')' as usize] = KEEP;
    t[b'+' as usize] = KEEP;
    t[b'.' as usize] = KEEP | DOTTED | DOT;
    t[b'@' as usize] = AT;
    t[b':' as usize] = COLON;
    t[b'*' as usize] = MASK;
    t[b'#' as usize] = MASK;
    t[b'X' as usize] = UPPER | MASK;
    t
};

/// Each byte's stand-in in a value's class key: the statistics, and so
/// the gates, depend on the bytes only through these classes — digits
/// are `0`, capitals but `X` are `A`, small letters `a`, every other byte
/// stands for itself — so two values with the same key get the same
/// statistics. (Literals and context words, which the gates also look
/// for, are spelled in letters; see [`crate::detect::Catalogue::plan`].)
pub const CLASS_KEY: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = match c {
            b'0'..=b'9' => b'0',
            b'X' => b'X',
            b'A'..=b'Z' => b'A',
            b'a'..=b'z' => b'a',
            _ => c,
        };
        b += 1;
    }
    t
};

/// True when `key` is the class key of `value` ([`CLASS_KEY`] of each
/// byte), without writing it: a field's last shape is checked this way
/// before its key is built and looked up. SSE2 on x86-64, 16 bytes per
/// step (a value's tail by an overlapping last step); byte by byte
/// elsewhere.
#[inline]
pub fn same_class_key(value: &[u8], key: &[u8]) -> bool {
    if value.len() != key.len() {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86-64 baseline (see `classify`).
        unsafe { same_class_key_sse2(value, key) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        same_class_key_bytes(value, key)
    }
}

#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn same_class_key_bytes(value: &[u8], key: &[u8]) -> bool {
    value.len() == key.len()
        && value
            .iter()
            .zip(key)
            .all(|(&b, &k)| CLASS_KEY[usize::from(b)] == k)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn same_class_key_sse2(value: &[u8], key: &[u8]) -> bool {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_or_si128, _mm_set_epi64x, _mm_set1_epi8,
    };
    let n = value.len();
    let select = |m: __m128i, class: u8, v: __m128i| {
        _mm_or_si128(
            _mm_and_si128(m, _mm_set1_epi8(class as i8)),
            _mm_andnot_si128(m, v),
        )
    };
    // The class of each byte: digits `0`, capitals but `X` `A`, small
    // letters `a`, the rest themselves.
    let same = |v: __m128i, k: __m128i| {
        let digit = within(v, b'0', b'9');
        let x = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'X' as i8));
        let upper = _mm_andnot_si128(x, within(v, b'A', b'Z'));
        let lower = within(v, b'a', b'z');
        let c = select(lower, b'a', select(upper, b'A', select(digit, b'0', v)));
        _mm_movemask_epi8(_mm_cmpeq_epi8(c, k)) == 0xFFFF
    };
    if n < 16 {
        // Both gathered into a register by overlapping loads of the same
        // places (no copy through memory, whose narrow stores a wide load
        // waits on); zero bytes above are their own class in both.
        let ((vl, vh), (kl, kh)) = (short_words(value), short_words(key));
        let v = _mm_set_epi64x(vh as i64, vl as i64);
        let k = _mm_set_epi64x(kh as i64, kl as i64);
        return same(v, k);
    }
    let mut i = 0;
    loop {
        // The last step overlaps the one before when `n` is not a
        // multiple of 16.
        let at = i.min(n - 16);
        // SAFETY: `at + 16 <= n`, the length of both slices.
        let (v, k) = unsafe {
            (
                _mm_loadu_si128(value.as_ptr().add(at).cast()),
                _mm_loadu_si128(key.as_ptr().add(at).cast()),
            )
        };
        if !same(v, k) {
            return false;
        }
        if at + 16 == n {
            return true;
        }
        i += 16;
    }
}

/// The bytes of a slice shorter than 16 as two words, by loads that may
/// overlap (bytes `0..8` and `n-8..n`, or narrower for shorter slices):
/// two slices of one length give equal words byte for byte where their
/// bytes are equal, and a byte function applied to the words (zero bytes
/// above the slice aside) is applied to every byte of the slice.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn short_words(b: &[u8]) -> (u64, u64) {
    let n = b.len();
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or_default());
    let half = |at: usize| {
        u64::from(u32::from_le_bytes(
            b[at..at + 4].try_into().unwrap_or_default(),
        ))
    };
    match n {
        8.. => (word(0), word(n - 8)),
        4..=7 => (half(0) | half(n - 4) << 32, 0),
        1..=3 => (
            u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
            0,
        ),
        0 => (0, 0),
    }
}

const LOW: u64 = 0x0101_0101_0101_0101;

/// Gathers bit `plane` of eight class bytes into eight bits (byte j → bit j).
#[inline(always)]
fn plane(w: u64, plane: u32) -> u64 {
    (((w >> plane) & LOW).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// Cheap shape statistics of one value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ValueStats {
    /// Digits in the longest run of digits joined by separators (space,
    /// `-`, `.`, `(`, `)`, `+`); a bound below the smallest requirement
    /// when no run of that many bytes exists.
    pub digit_run: u32,
    /// `@` count.
    pub at: u32,
    /// Most dots inside one run of digits and dots (3 for `10.0.0.1`);
    /// likewise a bound when no such run is long enough.
    pub dotted: u32,
    /// `:` count, where each `::` adds five more (any IPv6 text form scores
    /// at least 7, a time of day 2).
    pub colon: u32,
    /// ASCII capitals.
    pub upper: u32,
    /// Places where two capitals are followed by two digits, maybe after
    /// one space (`DE89`, `AB 12`).
    pub letters_digits: u32,
    /// The longest run of digits with nothing between them.
    pub streak: u32,
    /// Mask characters (`*`, `#`, `X`).
    pub mask: u32,
}

/// The largest count of marked bytes inside one run of run bytes, across
/// 64-byte blocks.
#[derive(Default)]
struct RunMax {
    max: u32,
    /// Marked bytes of a run that reached the end of the previous block.
    open: Option<u32>,
}

impl RunMax {
    /// Like `feed` where every byte of a run is marked: the count is the
    /// run's length. The runs at the block's two ends are measured with
    /// bit counts (the first going on from the previous block, the last
    /// into the next); the longest of the block by shifting it onto
    /// itself, a step per byte of its length, not a step per run: a log
    /// line's blocks hold a dozen short runs of digits.
    #[inline(always)]
    fn feed_lengths(&mut self, runs: u64) {
        if runs == u64::MAX {
            let n = 64 + self.open.unwrap_or(0);
            self.max = self.max.max(n);
            self.open = Some(n);
            return;
        }
        let head = runs.trailing_ones();
        if head > 0 {
            self.max = self.max.max(head + self.open.unwrap_or(0));
        }
        let tail = runs.leading_ones();
        self.open = (tail > 0).then_some(tail);
        let mut rest = runs;
        let mut n = 0;
        while rest != 0 {
            rest &= rest >> 1;
            n += 1;
        }
        self.max = self.max.max(n);
    }

    /// Counts the marked bytes of each run holding one (a run without
    /// any adds nothing: in text, the words' single spaces are runs of
    /// separators, most of them without a digit), a run at bit 0 going
    /// on from the previous block's last. The runs at the block's ends
    /// are counted first; of the others, only while the marked bytes not
    /// yet counted could make a run longer than the longest.
    #[inline(always)]
    fn feed(&mut self, runs: u64, marked: u64) {
        let marked = marked & runs;
        let mut rest = marked;
        if runs & 1 == 1
            && let Some(c) = self.open
        {
            // The run going on from the previous block.
            let len = runs.trailing_ones();
            let mask = u64::MAX >> (64 - len);
            let n = (marked & mask).count_ones() + c;
            self.max = self.max.max(n);
            if len == 64 {
                self.open = Some(n);
                return;
            }
            rest &= !mask;
        }
        self.open = None;
        if runs >> 63 == 1 {
            // The run going on into the next block (when it also began
            // this block and no run came in, all of it).
            let start = 64 - runs.leading_ones();
            let mask = u64::MAX << start;
            let n = (rest & mask).count_ones();
            self.max = self.max.max(n);
            self.open = Some(n);
            rest &= !mask;
        }
        let mut left = rest.count_ones();
        while left > self.max {
            let p = rest.trailing_zeros();
            // The run holding bit `p` starts above the last gap below it.
            let gaps = !runs & ((1u64 << p) - 1);
            let start = 64 - gaps.leading_zeros();
            let len = (runs >> start).trailing_ones();
            // `start` is at most `p`, a run bit, so `len` is 1..=64.
            let mask = (u64::MAX >> (64 - len)) << start;
            let n = (rest & mask).count_ones();
            self.max = self.max.max(n);
            left -= n;
            rest &= !mask;
        }
    }
}

impl ValueStats {
    /// Computes the statistics of `value`.
    pub fn of(value: &[u8]) -> Self {
        if value.len() <= 64 {
            return Self::of_block(value);
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("popcnt")
            && std::arch::is_x86_feature_detected!("lzcnt")
            && std::arch::is_x86_feature_detected!("bmi1")
        {
            // SAFETY: the processor has these instructions, checked just
            // above.
            return unsafe { Self::of_long_bits(value) };
        }
        Self::of_long(value)
    }

    /// [`ValueStats::of_long`] with the bit-counting instructions (see
    /// [`max_marked`]): a long value's runs are counted and found with
    /// `popcnt`, `lzcnt` and `tzcnt`, which the x86-64 baseline lacks.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt,lzcnt,bmi1")]
    fn of_long_bits(value: &[u8]) -> Self {
        Self::of_long(value)
    }

    /// The statistics of a value longer than 64 bytes, block by block.
    #[inline(always)]
    fn of_long(value: &[u8]) -> Self {
        let mut totals = [0u32; 6];
        let (mut digit_run, mut dotted, mut streak) =
            (RunMax::default(), RunMax::default(), RunMax::default());
        let (mut ld, mut carry_upper, mut carry_digit, mut carry_space) =
            (0u32, 0u128, 0u128, 0u128);
        let (mut doubles, mut carry_colon) = (0u32, 0u64);
        for block in value.chunks(64) {
            let b = classify(block);
            if b.colon != 0 {
                // A `::` across the boundary: the last block's last byte
                // (every block but the last is 64 bytes) and this one's first.
                doubles += b.doubles() + (carry_colon & b.colon & 1) as u32;
            }
            carry_colon = b.colon >> 63;
            for (t, c) in totals.iter_mut().zip(b.counts) {
                *t += c;
            }
            digit_run.feed(b.keep, b.digit);
            streak.feed_lengths(b.digit);
            dotted.feed(b.dotted, b.dot);
            // Two capitals then two digits, maybe after one space, with
            // the last four bytes of the previous block in front.
            if b.upper != 0 || carry_upper != 0 {
                let u = carry_upper | (u128::from(b.upper) << 4);
                let d = carry_digit | (u128::from(b.digit) << 4);
                let sp = carry_space | (u128::from(b.space) << 4);
                let caps = u & (u >> 1);
                // A four-byte place starting in the carried bytes lies
                // wholly in the previous block, which counted it.
                let hits = caps & (d >> 2) & (d >> 3) & !1 | caps & (sp >> 2) & (d >> 3) & (d >> 4);
                if hits != 0 {
                    ld += hits.count_ones();
                }
            }
            carry_upper = u128::from(b.upper >> 60);
            carry_digit = u128::from(b.digit >> 60);
            carry_space = u128::from(b.space >> 60);
        }
        let [_, upper, at, _, colons, mask] = totals;
        let colon = colon_score(colons, doubles);
        ValueStats {
            digit_run: digit_run.max,
            at,
            dotted: dotted.max,
            colon,
            upper,
            letters_digits: ld,
            streak: streak.max,
            mask,
        }
    }
}

impl ValueStats {
    /// The statistics of a value of at most 64 bytes (most values): one
    /// block, so no run crosses a block boundary, and each statistic whose
    /// bytes do not occur is known without looking at runs.
    fn of_block(value: &[u8]) -> Self {
        let b = classify(value);
        let [_, upper, at, _, colons, mask] = b.counts;
        let (digit_run, streak) = match b.digit {
            0 => (0, 0),
            // Runs of digits only: both are the longest run.
            d if b.keep == d => {
                let n = longest_run(d);
                (n, n)
            }
            d => (max_marked(b.keep, d), longest_run(d)),
        };
        let dotted = if b.dot == 0 {
            0
        } else {
            max_marked(b.dotted, b.dot)
        };
        let letters_digits = if upper >= 2 && b.digit != 0 {
            let caps = b.upper & (b.upper >> 1);
            let hits = caps & (b.digit >> 2) & (b.digit >> 3)
                | caps & (b.space >> 2) & (b.digit >> 3) & (b.digit >> 4);
            hits.count_ones()
        } else {
            0
        };
        let colon = colon_score(colons, if colons < 2 { 0 } else { b.doubles() });
        ValueStats {
            digit_run,
            at,
            dotted,
            colon,
            upper,
            letters_digits,
            streak,
            mask,
        }
    }
}

impl ValueStats {
    /// The statistics of a value of at most 64 bytes made only of digits,
    /// the small letters `a` to `f` and `-` (a UUID, a hex id or digest),
    /// and whether it holds a `-`; `None` for any other value. Equal to
    /// [`ValueStats::of`] on those values: none holds a capital, `@`, `.`,
    /// `:` or mask character, so only the two digit statistics are left,
    /// read off two bit planes (digits, dashes) made with SSE2.
    ///
    /// Such ids are the commonest values that are not PII, and each is
    /// new: callgrind, 100,000 UUIDs in NDJSON took 282.6M instructions
    /// with their statistics, punctuation and shape read by the general
    /// path, 237.6M this way (8 MB of events, two UUIDs a record: 342.2M
    /// -> 326.1M).
    #[inline]
    pub fn of_hex_id(value: &[u8]) -> Option<(Self, bool)> {
        if value.len() > 64 {
            return None;
        }
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of the x86-64 baseline (see `classify`).
        let planes = unsafe { hex_planes_sse2(value) };
        #[cfg(not(target_arch = "x86_64"))]
        let planes = hex_planes_bytes(value);
        let (digit, dash) = planes?;
        let (digit_run, streak) = match digit {
            0 => (0, 0),
            d if dash == 0 => {
                let n = longest_run(d);
                (n, n)
            }
            d => (max_marked(d | dash, d), longest_run(d)),
        };
        let stats = ValueStats {
            digit_run,
            streak,
            ..ValueStats::default()
        };
        Some((stats, dash != 0))
    }
}

/// Whether `value` is a UUID in its canonical text form written in
/// lowercase (8-4-4-4-12 digits and `a`-`f`), read off the same bit
/// planes as [`ValueStats::of_hex_id`]: the commonest id in records, which
/// a field may let by unscanned (see
/// [`crate::detect::Catalogue::uuids_clear`]).
#[inline]
pub fn is_lower_uuid(value: &[u8]) -> bool {
    const DASHES: u64 = 1 << 8 | 1 << 13 | 1 << 18 | 1 << 23;
    if value.len() != 36 {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of the x86-64 baseline (see `classify`).
    let planes = unsafe { hex_planes_sse2(value) };
    #[cfg(not(target_arch = "x86_64"))]
    let planes = hex_planes_bytes(value);
    planes.is_some_and(|(_, dash)| dash == DASHES)
}

/// The digit and dash planes of a value of at most 64 bytes of digits,
/// `a`-`f` and `-`; `None` when any other byte occurs.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn hex_planes_bytes(value: &[u8]) -> Option<(u64, u64)> {
    let (mut digit, mut dash) = (0u64, 0u64);
    for (i, &b) in value.iter().enumerate() {
        match b {
            b'0'..=b'9' => digit |= 1 << i,
            b'-' => dash |= 1 << i,
            b'a'..=b'f' => {}
            _ => return None,
        }
    }
    Some((digit, dash))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn hex_planes_sse2(value: &[u8]) -> Option<(u64, u64)> {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let n = value.len();
    // The digit, dash and other-byte bits of 16 bytes.
    let planes = |v: __m128i| {
        let digit = within(v, b'0', b'9');
        let dash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'-' as i8));
        let ok = _mm_or_si128(_mm_or_si128(digit, dash), within(v, b'a', b'f'));
        (
            _mm_movemask_epi8(digit) as u32 as u64,
            _mm_movemask_epi8(dash) as u32 as u64,
            !(_mm_movemask_epi8(ok) as u32) & 0xFFFF,
        )
    };
    if n < 16 {
        let mut padded = [b'a'; 16];
        padded[..n].copy_from_slice(value);
        // SAFETY: the array is 16 bytes.
        let (digit, dash, bad) = planes(unsafe { _mm_loadu_si128(padded.as_ptr().cast()) });
        return (bad == 0).then_some((digit, dash));
    }
    let (mut digit, mut dash) = (0u64, 0u64);
    let mut at = 0;
    while at < n {
        // A last partial step reads the 16 bytes ending at `n` and keeps
        // the bits of the bytes from `at` on.
        let from = at.min(n - 16);
        // SAFETY: `from + 16 <= n`, the length of `value`.
        let (d, m, bad) = planes(unsafe { _mm_loadu_si128(value.as_ptr().add(from).cast()) });
        let skip = at - from;
        if bad >> skip != 0 {
            return None;
        }
        digit |= (d >> skip) << at;
        dash |= (m >> skip) << at;
        at += 16;
    }
    Some((digit, dash))
}

/// The `colon` statistic from the count of `:` and of the places where
/// `::` starts (read off the blocks' bit planes; a `memchr` walk over a
/// log line's colons had taken 4% of a scan of logs): each `::` adds five
/// more.
fn colon_score(colons: u32, doubles: u32) -> u32 {
    if colons < 2 {
        return colons;
    }
    colons + 5 * doubles
}

/// The length of the longest run of set bits.
fn longest_run(mut bits: u64) -> u32 {
    let mut n = 0;
    while bits != 0 {
        bits &= bits >> 1;
        n += 1;
    }
    n
}

/// The most `marked` bits inside one run of `runs` bits.
///
/// A bit count per run: with the `popcnt` instruction where the processor
/// has it (checked once and cached by std), which the x86-64 baseline
/// this is built for lacks (its bit count is a dozen instructions).
/// Callgrind, 100,000 UUIDs: 237.6M -> 227.0M instructions; 8 MB of
/// events 326.1M -> 322.5M.
#[inline]
fn max_marked(runs: u64, marked: u64) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the processor has `popcnt`, checked just above.
        return unsafe { max_marked_popcnt(runs, marked) };
    }
    max_marked_any(runs, marked)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn max_marked_popcnt(runs: u64, marked: u64) -> u32 {
    max_marked_any(runs, marked)
}

#[inline(always)]
fn max_marked_any(runs: u64, marked: u64) -> u32 {
    let mut rest = runs;
    // Marked bits in the runs not yet counted: once no more than the
    // most found so far are left, no run can hold more.
    let mut left = (marked & runs).count_ones();
    let mut max = 0;
    while left > max {
        let start = rest.trailing_zeros();
        let len = (rest >> start).trailing_ones();
        let mask = (u64::MAX >> (64 - len)) << start;
        let n = (marked & mask).count_ones();
        max = max.max(n);
        left -= n;
        rest &= !mask;
    }
    max
}

/// One bit per byte of a block of up to 64 bytes for the classes the
/// sequential statistics need, and the counts of the counted classes
/// (digits, capitals, `@`, `.`, `:`, mask characters).
#[derive(Default)]
struct Block {
    digit: u64,
    keep: u64,
    dotted: u64,
    dot: u64,
    upper: u64,
    space: u64,
    colon: u64,
    counts: [u32; 6],
}

impl Block {
    /// Places in the block where `::` starts (the second `:` may be the
    /// next block's first byte: see [`ValueStats::of_long`]).
    fn doubles(&self) -> u32 {
        (self.colon & (self.colon >> 1)).count_ones()
    }
}

/// The lanes of `v` holding a byte in `lo..=hi` (ASCII bounds), all ones.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn within(v: std::arch::x86_64::__m128i, lo: u8, hi: u8) -> std::arch::x86_64::__m128i {
    use std::arch::x86_64::{_mm_and_si128, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_set1_epi8};
    _mm_and_si128(
        _mm_cmpgt_epi8(v, _mm_set1_epi8(lo as i8 - 1)),
        _mm_cmplt_epi8(v, _mm_set1_epi8(hi as i8 + 1)),
    )
}

/// Calls `f` with the start and end of each run of bare digits in `value`
/// at least `min` long (`min` at least 1), in order, until `f` returns
/// false. A 64-byte block's digits are one bit plane (SSE2 on x86-64),
/// and runs are read off it with bit counts, a run reaching a block's
/// end going on into the next.
pub fn digit_runs(value: &[u8], min: usize, mut f: impl FnMut(usize, usize) -> bool) {
    let min = min.max(1);
    // Where the run reaching the previous block's end began.
    let mut open: Option<usize> = None;
    for (n, block) in value.chunks(64).enumerate() {
        let base = n * 64;
        let bits = digit_bits(block);
        let mut rest = bits;
        // The run going on from the previous block, when bit 0 is set
        // (a block's padding is no digit, so only a whole block of 64
        // bytes can leave a run open).
        let carried = open.take();
        if let Some(from) = carried
            && bits & 1 == 0
            && base - from >= min
            && !f(from, base)
        {
            return;
        }
        while rest != 0 {
            let start = rest.trailing_zeros() as usize;
            let len = (rest >> start).trailing_ones() as usize;
            let from = match carried {
                Some(c) if start == 0 => c,
                _ => base + start,
            };
            if start + len == 64 {
                open = Some(from);
                break;
            }
            let end = base + start + len;
            if end - from >= min && !f(from, end) {
                return;
            }
            rest &= !(((1u64 << len) - 1) << start);
        }
    }
    if let Some(from) = open
        && value.len() - from >= min
    {
        f(from, value.len());
    }
}

/// The digits of a block of at most 64 bytes, bit `i` for byte `i`.
#[cfg(target_arch = "x86_64")]
fn digit_bits(block: &[u8]) -> u64 {
    // SAFETY: SSE2 is part of the x86-64 baseline (see `classify`).
    unsafe { digit_bits_sse2(block) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn digit_bits_sse2(block: &[u8]) -> u64 {
    use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_movemask_epi8};
    let mut padded = [0u8; 64];
    let bytes: &[u8] = if block.len() == 64 {
        block
    } else {
        padded[..block.len()].copy_from_slice(block);
        &padded
    };
    let mut bits = 0u64;
    for (i, chunk) in bytes.chunks_exact(16).enumerate() {
        // SAFETY: `chunk` is 16 readable bytes; the load is unaligned.
        let v = unsafe { _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>()) };
        bits |= u64::from(_mm_movemask_epi8(within(v, b'0', b'9')) as u16) << (16 * i);
    }
    bits
}

#[cfg(not(target_arch = "x86_64"))]
fn digit_bits(block: &[u8]) -> u64 {
    block
        .iter()
        .enumerate()
        .fold(0, |m, (i, b)| m | u64::from(b.is_ascii_digit()) << i)
}

/// Classifies a block with SSE2, which every x86-64 processor has: 16
/// bytes per compare, `movemask` for the bit planes, byte-lane sums for the
/// counts.
#[cfg(target_arch = "x86_64")]
fn classify(block: &[u8]) -> Block {
    // SAFETY: SSE2 is part of the x86-64 baseline: every processor this
    // target runs on has it, and the build enables it statically.
    unsafe { classify_sse2(block) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn classify_sse2(block: &[u8]) -> Block {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi64, _mm_cmpeq_epi8, _mm_cvtsi128_si64, _mm_movemask_epi8, _mm_or_si128,
        _mm_sad_epu8, _mm_set_epi64x, _mm_set1_epi8, _mm_setzero_si128, _mm_sub_epi8,
        _mm_unpackhi_epi64,
    };
    let mut padded = [0u8; 64];
    padded[..block.len()].copy_from_slice(block);
    let (halves, _) = padded.as_chunks::<8>();
    let eq = |v: __m128i, b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
    let mut acc = [_mm_setzero_si128(); 6];
    let mut out = Block::default();
    // Blocks are at most 64 bytes: the zero padding matches no class.
    let vectors = block.len().div_ceil(16);
    for i in 0..vectors {
        let lo = u64::from_le_bytes(halves[2 * i]);
        let hi = u64::from_le_bytes(halves[2 * i + 1]);
        let v = _mm_set_epi64x(hi as i64, lo as i64);
        let digit = within(v, b'0', b'9');
        let upper = within(v, b'A', b'Z');
        let dot = eq(v, b'.');
        let seps = _mm_or_si128(
            _mm_or_si128(eq(v, b' '), eq(v, b'-')),
            _mm_or_si128(within(v, b'(', b')'), eq(v, b'+')),
        );
        let dotted = _mm_or_si128(digit, dot);
        let keep = _mm_or_si128(dotted, seps);
        let mask = _mm_or_si128(_mm_or_si128(eq(v, b'*'), eq(v, b'#')), eq(v, b'X'));
        for (a, m) in acc
            .iter_mut()
            .zip([digit, upper, eq(v, b'@'), dot, eq(v, b':'), mask])
        {
            // A match is all ones, -1 per lane: subtracting it counts it.
            *a = _mm_sub_epi8(*a, m);
        }
        let shift = 16 * i as u32;
        let bits = |m: __m128i| u64::from(_mm_movemask_epi8(m) as u16) << shift;
        out.digit |= bits(digit);
        out.keep |= bits(keep);
        out.dotted |= bits(dotted);
        out.dot |= bits(dot);
        out.upper |= bits(upper);
        out.space |= bits(eq(v, b' '));
        out.colon |= bits(eq(v, b':'));
    }
    for (count, a) in out.counts.iter_mut().zip(acc) {
        let sums = _mm_sad_epu8(a, _mm_setzero_si128());
        let total = _mm_add_epi64(sums, _mm_unpackhi_epi64(sums, sums));
        *count = _mm_cvtsi128_si64(total) as u32;
    }
    out
}

/// Classifies a block eight bytes at a time in a `u64` (the portable
/// fallback): one class byte per input byte, then bit planes.
#[cfg(not(target_arch = "x86_64"))]
fn classify(block: &[u8]) -> Block {
    classify_words(block)
}

#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn classify_words(block: &[u8]) -> Block {
    let mut lanes = [0u64; 6];
    let mut out = Block::default();
    for (i, word) in block.chunks(8).enumerate() {
        let mut w = 0u64;
        for (j, &byte) in word.iter().enumerate() {
            w |= u64::from(CLASS[byte as usize]) << (8 * j);
        }
        lanes[0] += w & LOW;
        lanes[1] += (w >> 3) & LOW;
        lanes[2] += (w >> 4) & LOW;
        lanes[3] += (w >> 5) & LOW;
        lanes[4] += (w >> 6) & LOW;
        lanes[5] += (w >> 7) & LOW;
        let shift = 8 * i as u32;
        out.digit |= plane(w, 0) << shift;
        out.keep |= plane(w, 1) << shift;
        out.dotted |= plane(w, 2) << shift;
        out.dot |= plane(w, 5) << shift;
        out.upper |= plane(w, 3) << shift;
        for (j, &byte) in word.iter().enumerate() {
            out.space |= u64::from(byte == b' ') << (shift + j as u32);
            out.colon |= u64::from(byte == b':') << (shift + j as u32);
        }
    }
    flush(&mut lanes, &mut out.counts);
    out
}

/// Adds the byte lanes of each counter into its total and clears them.
fn flush(lanes: &mut [u64; 6], totals: &mut [u32; 6]) {
    for (lane, total) in lanes.iter_mut().zip(totals.iter_mut()) {
        let pairs = (*lane & 0x00FF_00FF_00FF_00FF) + ((*lane >> 8) & 0x00FF_00FF_00FF_00FF);
        *total += (pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48) as u32;
        *lane = 0;
    }
}

/// Digits in the longest run of digits and separators, byte by byte (the
/// reference the block version is tested against).
#[cfg(test)]
fn digit_run(value: &[u8]) -> u32 {
    let (mut run, mut max) = (0u32, 0u32);
    for &b in value {
        let c = CLASS[b as usize];
        run = (run + u32::from(c & DIGIT)) & 0u32.wrapping_sub(u32::from((c & KEEP) >> 1));
        max = max.max(run);
    }
    max
}

/// Most dots inside one run of digits and dots, byte by byte.
#[cfg(test)]
fn max_dotted(value: &[u8]) -> u32 {
    let (mut run, mut max) = (0u32, 0u32);
    for &b in value {
        let c = CLASS[b as usize];
        run = (run + u32::from((c & DOT) >> 5)) & 0u32.wrapping_sub(u32::from((c & DOTTED) >> 2));
        max = max.max(run);
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lowercase_uuids_in_their_canonical_form_are_uuids() {
        assert!(is_lower_uuid(b"cd613e30-d8f1-6adf-91b7-584a2265b1f5"));
        assert!(is_lower_uuid(b"00000000-0000-0000-0000-000000000000"));
        for not in [
            &b"CD613E30-D8F1-6ADF-91B7-584A2265B1F5"[..],
            b"cd613e30-d8f1-6adf-91b7-584a2265b1f",
            b"cd613e30-d8f1-6adf-91b7-584a2265b1f5a",
            b"cd613e30d-8f1-6adf-91b7-584a2265b1f5",
            b"cd613e30-d8f1-6adf-91b7-584a2265b1g5",
            b"cd613e30-d8f1-6adf-91b7-584a2265b1-5",
            b"cd613e30 d8f1 6adf 91b7 584a2265b1f5",
            b"cd613e30d8f16adf91b7584a2265b1f5",
        ] {
            assert!(!is_lower_uuid(not), "{}", String::from_utf8_lossy(not));
        }
    }

    /// Every run of bare digits, byte by byte.
    fn runs_reference(value: &[u8], min: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < value.len() {
            if value[i].is_ascii_digit() {
                let start = i;
                while i < value.len() && value[i].is_ascii_digit() {
                    i += 1;
                }
                if i - start >= min.max(1) {
                    out.push((start, i));
                }
            } else {
                i += 1;
            }
        }
        out
    }

    #[test]
    fn digit_runs_are_found_across_blocks() {
        let mut rng = crate::test_rng(77);
        for _ in 0..3000 {
            let len = (rng() % 300) as usize;
            // Long runs of digits, letters and dashes, so that runs cross
            // and fill blocks.
            let mut v = Vec::with_capacity(len);
            while v.len() < len {
                let run = 1 + (rng() % 70) as usize;
                let digit = rng().is_multiple_of(2);
                for _ in 0..run.min(len - v.len()) {
                    v.push(if digit {
                        b'0' + (rng() % 10) as u8
                    } else {
                        b"a-Z "[(rng() % 4) as usize]
                    });
                }
            }
            // Half the values have a run of digits ending or starting
            // at a block's edge.
            if rng().is_multiple_of(2) && v.len() > 64 {
                let edge = 64 * (1 + (rng() as usize % (v.len() / 64)));
                let from = edge.saturating_sub((rng() % 80) as usize);
                let to = (edge + (rng() % 3) as usize).min(v.len());
                for b in &mut v[from..to.max(from)] {
                    *b = b'7';
                }
                if to < v.len() {
                    v[to] = b'x';
                }
            }
            for min in [1, 4, 7, 64] {
                let mut got = Vec::new();
                digit_runs(&v, min, |s, e| {
                    got.push((s, e));
                    true
                });
                assert_eq!(
                    got,
                    runs_reference(&v, min),
                    "{min} {:?}",
                    String::from_utf8_lossy(&v)
                );
            }
        }
        let mut v = vec![b'a'; 60];
        v.extend(b"1234xyz");
        let mut got = Vec::new();
        digit_runs(&v, 1, |s, e| {
            got.push((s, e));
            true
        });
        assert_eq!(got, [(60, 64)]);
        // Stopping early.
        let mut seen = 0;
        digit_runs(b"12 34 56", 1, |_, _| {
            seen += 1;
            false
        });
        assert_eq!(seen, 1);
    }

    /// The plain definition of every statistic, byte by byte.
    fn reference(value: &[u8]) -> ValueStats {
        let count = |f: fn(&u8) -> bool| value.iter().filter(|b| f(b)).count() as u32;
        let colons = count(|&b| b == b':');
        let doubles = value.windows(2).filter(|w| w == b"::").count() as u32;
        let caps = |w: &[u8]| w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase();
        let digits = |w: &[u8]| w[0].is_ascii_digit() && w[1].is_ascii_digit();
        let ld = (0..value.len())
            .filter(|&i| {
                let w = &value[i..];
                w.len() >= 4 && caps(w) && digits(&w[2..])
                    || w.len() >= 5 && caps(w) && w[2] == b' ' && digits(&w[3..])
            })
            .count() as u32;
        ValueStats {
            digit_run: digit_run(value),
            at: count(|&b| b == b'@'),
            dotted: max_dotted(value),
            colon: if colons >= 2 {
                colons + 5 * doubles
            } else {
                colons
            },
            upper: count(u8::is_ascii_uppercase),
            letters_digits: ld,
            streak: value
                .split(|b| !b.is_ascii_digit())
                .map(|r| r.len() as u32)
                .max()
                .unwrap_or(0),
            mask: count(|&b| b == b'*' || b == b'#' || b == b'X'),
        }
    }

    #[test]
    fn statistics_describe_the_shapes_detectors_need() {
        let ts = ValueStats::of(b"2026-10-01T12:30:45.120Z");
        assert_eq!((ts.digit_run, ts.colon, ts.dotted), (8, 2, 1));
        assert_eq!(ValueStats::of(b"+1 (212) 555-0142").digit_run, 11);
        assert_eq!(ValueStats::of(b"ip 10.0.0.1 v1.2").dotted, 3);
        assert_eq!(ValueStats::of(b"fe80::1").colon, 7);
        assert_eq!(ValueStats::of(b"00:1a:2b:3c:4d:5e").colon, 5);
        assert_eq!(ValueStats::of(b"x DE89 3704").letters_digits, 1);
        assert_eq!(ValueStats::of(b"QQ 12 34 56 C").letters_digits, 1);
        assert_eq!(ValueStats::of(b"SKU-120241").letters_digits, 0);
        assert_eq!(ValueStats::of(b"Mozilla/5.0 (KHTML) AB1").letters_digits, 0);
        assert_eq!(ValueStats::of(b"***-**-1234").mask, 5);
    }

    #[test]
    fn blocks_agree_with_the_byte_by_byte_definition() {
        // Values crossing 8- and 64-byte boundaries at every offset.
        let pieces: [&[u8]; 9] = [
            b"DE89 3704 0044",
            b"a",
            b"12-34-56",
            b"...",
            b"::",
            b"XX99",
            b"AB 1",
            b"(212) 555-0142",
            b"zz",
        ];
        // Values of `pick`ed pieces, of every length up to 400, each
        // against the definition.
        let mut next = crate::test_numbers(7);
        let mut agree = |pick: &dyn Fn(usize) -> &'static [u8]| {
            for len in 0..400 {
                let mut v = Vec::new();
                while v.len() < len {
                    v.extend_from_slice(pick(next()));
                }
                assert_eq!(
                    ValueStats::of(&v),
                    reference(&v),
                    "{:?}",
                    String::from_utf8_lossy(&v)
                );
            }
        };
        agree(&|n| pieces[n % pieces.len()]);
        // Runs of digits as long as blocks and longer, at every offset.
        let long: [&[u8]; 5] = [b"1", b"0123456789", b"x", b" ", b"-"];
        agree(&|n| long.get(n % 12).copied().unwrap_or(b"1234567"));
        // Runs longer than a block: separators and dots with few digits,
        // and whole blocks without one.
        let sparse: [&[u8]; 6] = [b" ", b"-", b"  ", b".", b"(", b"1"];
        agree(&|n| sparse.get(n % (sparse.len() + 6)).copied().unwrap_or(b" "));
    }

    #[test]
    fn a_class_key_is_recognised_exactly() {
        let mut next = crate::test_numbers(5);
        let alphabet = b"09AZXWaz@.:-/ \x00\x80\xff{\"";
        for len in 0..=80 {
            for _ in 0..40 {
                let value: Vec<u8> = (0..len)
                    .map(|_| alphabet[next() % alphabet.len()])
                    .collect();
                let key: Vec<u8> = value.iter().map(|&b| CLASS_KEY[usize::from(b)]).collect();
                assert!(same_class_key(&value, &key), "{value:?}");
                assert!(same_class_key_bytes(&value, &key));
                // One byte of another class anywhere is seen.
                if len > 0 {
                    let mut other = value.clone();
                    let at = next() % len;
                    other[at] = alphabet[next() % alphabet.len()];
                    let expect = CLASS_KEY[usize::from(other[at])] == key[at];
                    assert_eq!(same_class_key(&other, &key), expect, "{other:?}");
                    assert_eq!(same_class_key_bytes(&other, &key), expect);
                }
                assert!(!same_class_key(&value, &key[..len.saturating_sub(1)]) || len == 0);
            }
        }
    }

    #[test]
    fn runs_are_counted_alike_with_and_without_popcnt() {
        let mut rng = crate::test_rng(17);
        for _ in 0..20_000 {
            let seed = rng();
            let runs = seed ^ (seed << 7);
            // Marked bits outside the runs, in every other case, count
            // for nothing.
            let outside = if seed & 1 == 1 {
                seed.rotate_left(29)
            } else {
                0
            };
            let marked = runs & (seed.rotate_left(13) | seed >> 3) | outside & !runs;
            let want = {
                let (mut max, mut n) = (0, 0);
                for i in 0..64 {
                    if runs >> i & 1 == 1 {
                        n += (marked >> i & 1) as u32;
                        max = u32::max(max, n);
                    } else {
                        n = 0;
                    }
                }
                max
            };
            assert_eq!(max_marked_any(runs, marked), want);
            assert_eq!(max_marked(runs, marked), want);
        }
    }

    #[test]
    fn hex_ids_have_the_statistics_of_any_value() {
        let mut next = crate::test_numbers(13);
        let hex = b"0123456789abcdef-";
        let (mut hexes, mut others) = (0, 0);
        for len in 0..=70 {
            for _ in 0..60 {
                // Digits and dashes in runs, so digit runs cross dashes.
                let mut v: Vec<u8> = (0..len)
                    .map(|_| match next() % 4 {
                        0 | 1 => b'0' + (next() % 10) as u8,
                        2 => hex[next() % hex.len()],
                        _ => b'-',
                    })
                    .collect();
                if len > 0 && next().is_multiple_of(3) {
                    // One byte of another kind anywhere.
                    let other = b"gAF:.@ X*#+/\x80";
                    v[next() % len] = other[next() % other.len()];
                }
                match ValueStats::of_hex_id(&v) {
                    Some((stats, dashed)) => {
                        hexes += 1;
                        assert!(len <= 64);
                        assert_eq!(
                            stats,
                            ValueStats::of(&v),
                            "{:?}",
                            String::from_utf8_lossy(&v)
                        );
                        assert_eq!(dashed, v.contains(&b'-'));
                    }
                    None => {
                        others += 1;
                        assert!(
                            len > 64 || v.iter().any(|b| !hex.contains(b)),
                            "{:?}",
                            String::from_utf8_lossy(&v)
                        );
                    }
                }
                #[cfg(target_arch = "x86_64")]
                if len <= 64 {
                    // SAFETY: SSE2 is part of the x86-64 baseline.
                    assert_eq!(unsafe { hex_planes_sse2(&v) }, hex_planes_bytes(&v));
                }
            }
        }
        assert!(hexes > 1000 && others > 500, "{hexes} {others}");
    }

    #[test]
    fn both_block_classifiers_agree() {
        let mut next = crate::test_numbers(11);
        for len in 0..=64 {
            let block: Vec<u8> = (0..len)
                .map(|_| {
                    let alphabet = b"09AZX@.:*#- ()+az\x80\xff";
                    alphabet[next() % alphabet.len()]
                })
                .collect();
            let (a, b) = (classify(&block), classify_words(&block));
            assert_eq!(
                (a.digit, a.keep, a.dotted, a.dot, a.upper, a.space, a.counts),
                (b.digit, b.keep, b.dotted, b.dot, b.upper, b.space, b.counts),
                "{block:?}"
            );
        }
    }
}
