//! A quick "can this pattern match here at all?" before a detector's
//! regex searches a value.
//!
//! Most values that reach a detector's regex hold no match: the gates
//! (see [`super::stats`]) only rule out values whose byte classes cannot
//! hold one, so a UUID whose last group has nine digits in a row still
//! reaches the SSN pattern. The `regex` crate's searcher pays a fixed
//! cost per search (its strategy, cache and prefilter set-up) that
//! dwarfs the work on a value of a few dozen bytes: measured on 20,000
//! UUIDs against the SSN, ITIN and phone patterns, about 280 ns per
//! search, where a fully built DFA of the same pattern answered
//! "no match" in about 77 ns.
//!
//! So each pattern gets a lazy DFA from `regex-automata`, built from the
//! same source with the same syntax settings as the regex (bytes, ASCII
//! or Unicode classes alike). It runs first, stopping at the first match
//! state; only when it says a match exists (or cannot tell: a pattern it
//! cannot build, or a Unicode word boundary meeting a non-ASCII byte)
//! does the regex search for the matches themselves. A DFA and the regex
//! of one pattern agree on whether a match exists, so the findings are
//! the same either way.
//!
//! A DFA built whole before the scan answered as fast, but building the
//! 23 free patterns of the catalogue took 23 ms (the email pattern, with
//! its bounded repetitions, not even within 1 MiB); the lazy one builds
//! only the states the values visit. Its states live in a cache per
//! thread, kept in a thread-local table by the screen's slot: taking the
//! cache from a `regex_automata` pool instead cost about 40 ns a search,
//! as much as the search itself on a UUID.
//!
//! Measured with callgrind on 8 MB of generated events, whole scan on one
//! thread: 260.7M instructions before, 25.3M of them in the detectors'
//! searches (16,747 searches, most finding nothing); with the screens
//! 254.0M, the searches 18.8M. Outputs are identical.
//!
//! Where nearly every value a screen sees may match (dense records,
//! where the values of the detectors' own fields reach them), its search
//! only adds to the regex's: a screen that could not rule out at least
//! 9 of a trial of 64 values stands aside for the next 1,024 (answering
//! "may match" unsearched), then is tried again. 8 MB of dense records
//! (callgrind, one thread, without link-time optimisation): 464.9M ->
//! 460.0M instructions; the events and HAR captures hardly move.
//!
//! A value that begins with a match (a field of the detector's own kind:
//! an SSN, a phone number, an address) is answered by one anchored pass
//! of the same DFA from its first byte ([`Screen::anchored_end`]): the
//! match a search would find first, without the screen's pass and the
//! regex's two (forwards to the match's end, backwards to its start).
//! Alone, on such values: 40-70 ns against 90-140 ns for `find_iter`.
//! Bytes that cannot start a match are known from the DFA's start state,
//! and where values seldom begin with a match the pass stands aside as
//! the screen does. Callgrind, whole scans on one thread (no link-time
//! optimisation): 8 MB of dense records (json report) 452.4M -> 432.1M
//! to 436.8M; the events, HAR captures, CSV exports and logs within
//! 0.3% (the events and CSV a little fewer).
//!
//! A long value (a log line, 64 bytes or more) reaching three or more
//! screens is read once by a [`MultiScreen`] instead: one lazy DFA of every
//! free pattern with ASCII classes (`MatchKind::All`), stepped byte by byte
//! to the end, collecting the patterns whose match states it passes. It
//! names every pattern that matches somewhere, so a pattern it names
//! runs its regex unscreened. On 8 MB of generated logs the screens had
//! read 36 MB (4.6 screens a line, nearly all finding nothing). Its
//! patterns are loosened first (a bound above 32 dropped: see
//! `loosened`), so it may also name one whose regex then finds nothing:
//! with the email pattern's `{1,64}` counted from every word boundary,
//! random base64url (a bearer JWT's signature) made a new state nearly
//! every step and cleared the cache every ~450 tokens. Callgrind, one
//! thread: 4,000 `authorization: Bearer <JWT>` headers 649.3M -> 313.2M
//! instructions, 8 MB of generated logs 656.6M -> 633.7M; findings
//! identical on every sample kind.
//!
//! Each step of that walk waits for the load of the step before it, so
//! one walk leaves most of the core idle: a value of 64 bytes or more is
//! walked as two chains at once, one over each half (see
//! `walk_chains`, which also says why the two find exactly what one
//! walk finds). On 8 MB of generated log lines, the screen alone: 2.7 ->
//! 2.1 ns a byte; 268 MB of logs on one thread 2.63 -> 2.46 s (the
//! median of six runs each). Three and four chains were slower than two
//! (2.9 ns a byte). A screen of only the patterns a line's gates leave
//! (no email pattern without an `@`), with a DFA of a fifth the states,
//! walked faster alone (1.65 ns a byte) but made no difference inside a
//! scan, and was not kept.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use regex_automata::hybrid::LazyStateID;
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::{Anchored, Input, MatchKind, util::syntax};

/// The most memory one screen's cache holds on one thread before it is
/// cleared (its states are built again as values need them): the short
/// patterns of the catalogue visit a few dozen states; the bound keeps a
/// user's pattern from holding the default 2 MiB per thread.
const CACHE_BYTES: usize = 512 << 10;

/// Tells screens apart for the caches: never reused.
static GENERATION: AtomicU64 = AtomicU64::new(1);

/// Slots of the thread-local cache table: those of dropped screens are
/// reused, so the table is as long as the most screens alive at once.
static SLOTS: Mutex<(usize, Vec<usize>)> = Mutex::new((0, Vec::new()));

/// Searches a screen or its anchored pass is judged on: when fewer
/// than its share of a trial were of use, it stands aside for the next
/// [`ASIDE`] values (then it is tried again).
const TRIAL: u32 = 64;
const ASIDE: u32 = 1024;
/// Values a screen must rule out in a trial to go on searching.
const SCREEN_USEFUL: u32 = 9;
/// Values the anchored pass must find a match at the start of in a
/// trial to go on being tried first.
const ANCHORED_USEFUL: u32 = 32;

/// How a search has done lately on one thread (see [`TRIAL`]).
#[derive(Default)]
struct Trial {
    /// Searches in this trial, and those of use.
    tried: u32,
    useful: u32,
    /// Values still to let by unsearched.
    aside: u32,
}

impl Trial {
    /// Whether the search stands aside for this value.
    #[inline]
    fn aside(&mut self) -> bool {
        if self.aside == 0 {
            return false;
        }
        self.aside -= 1;
        true
    }

    /// Counts a search, of use or not; at a trial's end, sets the search
    /// aside when fewer than `needed` were.
    #[inline]
    fn judge(&mut self, useful: bool, needed: u32) {
        self.tried += 1;
        self.useful += u32::from(useful);
        if self.tried == TRIAL {
            if self.useful < needed {
                self.aside = ASIDE;
            }
            self.tried = 0;
            self.useful = 0;
        }
    }
}

/// One screen's state on one thread.
struct Local {
    /// The screen generation the cache belongs to.
    generation: u64,
    cache: Cache,
    /// The screen's searches: of use when they rule a value out.
    screen: Trial,
    /// The anchored pass ([`Screen::anchored_end`]): of use when it
    /// finds a match.
    anchored: Trial,
}

thread_local! {
    /// Per slot, the state of the screen in it.
    static CACHES: RefCell<Vec<Option<Local>>> = const { RefCell::new(Vec::new()) };
}

/// A pattern's lazy DFA, built on first use.
pub struct Screen {
    src: String,
    unicode: bool,
    place: Place,
    dfa: OnceLock<Option<Built>>,
}

/// A screen's DFA and what is known of it at once.
struct Built {
    dfa: DFA,
    /// The bytes a match at a value's first byte can start with (bit `b`
    /// of word `b / 64`): the others are ruled out without a search.
    first: [u64; 4],
}

impl Built {
    fn new(dfa: DFA) -> Self {
        // Each byte stepped from the anchored start state of a value's
        // first position; a byte leading nowhere (the dead state) cannot
        // start a match there. A step the DFA cannot take (it gave up)
        // leaves every byte possible.
        let mut first = [u64::MAX; 4];
        let mut cache = dfa.create_cache();
        let input = Input::new(&[]).anchored(Anchored::Yes);
        if let Ok(start) = dfa.start_state_forward(&mut cache, &input) {
            // One step per byte class: bytes of a class move alike.
            let classes = dfa.byte_classes();
            let mut dead: [Option<bool>; 256] = [None; 256];
            for b in 0..=255u8 {
                let class = usize::from(classes.get(b));
                let is_dead = *dead[class].get_or_insert_with(|| {
                    dfa.next_state(&mut cache, start, b)
                        .is_ok_and(|next| next.is_dead())
                });
                if is_dead {
                    first[usize::from(b / 64)] &= !(1 << (b % 64));
                }
            }
        }
        Built { dfa, first }
    }

    #[inline]
    fn may_start(&self, b: u8) -> bool {
        in_set(&self.first, b)
    }
}

impl std::fmt::Debug for Screen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screen").field("src", &self.src).finish()
    }
}

impl Clone for Screen {
    /// A clone is a screen of its own (with its own caches).
    fn clone(&self) -> Self {
        Screen::new(&self.src, self.unicode)
    }
}

/// A screen's place in the thread-local cache table: a slot, free
/// again when the screen is dropped, and a generation telling its caches
/// from those an earlier screen left in the slot.
struct Place {
    slot: usize,
    generation: u64,
}

impl Place {
    /// A free slot (a dropped screen's, or a new one) and a new generation.
    fn new() -> Self {
        let mut slots = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
        let slot = slots.1.pop().unwrap_or_else(|| {
            slots.0 += 1;
            slots.0 - 1
        });
        Place {
            slot,
            generation: GENERATION.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Runs `f` with this thread's state of the screen in this place
    /// (made for `dfa` when the slot holds none, or another screen's);
    /// `None` when the table is in use (a screen asked from inside
    /// another's search).
    fn with_local<T>(&self, dfa: &DFA, f: impl FnOnce(&mut Local) -> T) -> Option<T> {
        CACHES.with(|caches| {
            let mut caches = caches.try_borrow_mut().ok()?;
            if caches.len() <= self.slot {
                caches.resize_with(self.slot + 1, || None);
            }
            let entry = &mut caches[self.slot];
            let local = match entry {
                Some(local) if local.generation == self.generation => local,
                _ => entry.insert(Local {
                    generation: self.generation,
                    cache: dfa.create_cache(),
                    screen: Trial::default(),
                    anchored: Trial::default(),
                }),
            };
            Some(f(local))
        })
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut slots = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
        slots.1.push(self.slot);
    }
}

impl Screen {
    /// A screen for `src`, compiled as `regex::bytes::RegexBuilder` with
    /// `.unicode(unicode)` compiles it.
    pub fn new(src: &str, unicode: bool) -> Self {
        Screen {
            src: src.to_string(),
            unicode,
            place: Place::new(),
            dfa: OnceLock::new(),
        }
    }

    fn built(&self) -> Option<&Built> {
        self.dfa
            .get_or_init(|| {
                let dfa = DFA::builder()
                    .syntax(syntax::Config::new().unicode(self.unicode).utf8(false))
                    .configure(
                        DFA::config()
                            .unicode_word_boundary(true)
                            .cache_capacity(CACHE_BYTES)
                            .skip_cache_capacity_check(true),
                    )
                    .build(&self.src)
                    .ok()?;
                Some(Built::new(dfa))
            })
            .as_ref()
    }

    fn dfa(&self) -> Option<&DFA> {
        self.built().map(|b| &b.dfa)
    }

    /// Where the pattern's first match in `value` ends when that match
    /// starts at the value's first byte; `None` when no match starts
    /// there, or only an empty one, or the DFA cannot tell. No match can start before the first byte, so this is
    /// the match a search would find first, found by one anchored pass
    /// of the DFA: a search of the regex runs forwards to the match's
    /// end and then backwards to its start, and costs two to three times
    /// as much on a value that is one match (an SSN, a phone number).
    #[inline]
    pub fn anchored_end(&self, value: &[u8]) -> Option<usize> {
        let built = self.built()?;
        if !built.may_start(*value.first()?) {
            return None;
        }
        self.place
            .with_local(&built.dfa, |local| {
                // Where values seldom begin with a match (log lines that
                // begin with a timestamp), the anchored pass only adds to
                // the search: it stands aside for a while.
                if local.anchored.aside() {
                    return None;
                }
                let input = Input::new(value).anchored(Anchored::Yes);
                let end = match built.dfa.try_search_fwd(&mut local.cache, &input) {
                    Ok(Some(end)) if end.offset() > 0 => Some(end.offset()),
                    _ => None,
                };
                local.anchored.judge(end.is_some(), ANCHORED_USEFUL);
                end
            })
            .flatten()
    }

    /// False only when the pattern cannot match anywhere in any value of
    /// `shape`: values of `shape.len()` bytes, the byte at each position
    /// one of its set (bit `b` of word `b / 64`). The DFA is stepped over
    /// every byte a position allows, from every state the positions
    /// before could leave it in; a match state reached anywhere, or a
    /// question it cannot answer (it gave up, or its cache was cleared),
    /// says "may match".
    pub fn may_match_shape(&self, shape: &[[u64; 4]]) -> bool {
        let Some(built) = self.built() else {
            return true;
        };
        let dfa = &built.dfa;
        let mut cache = dfa.create_cache();
        let Ok(start) = dfa.start_state_forward(&mut cache, &Input::new(&[])) else {
            return true;
        };
        let classes = dfa.byte_classes();
        let mut states = vec![start];
        for set in shape {
            // One byte of each class the set holds.
            let mut bytes = Vec::new();
            let mut seen = [false; 256];
            for b in 0..=255u8 {
                let class = usize::from(classes.get(b));
                if in_set(set, b) && !seen[class] {
                    seen[class] = true;
                    bytes.push(b);
                }
            }
            let mut next = Vec::new();
            for &q in &states {
                for &b in &bytes {
                    let Ok(n) = uncleared(&mut cache, |cache| dfa.next_state(cache, q, b)) else {
                        return true;
                    };
                    if n.is_match() || n.is_quit() {
                        return true;
                    }
                    if !n.is_dead() && !next.contains(&n) {
                        next.push(n);
                    }
                }
            }
            states = next;
            if states.is_empty() {
                return false;
            }
        }
        states.iter().any(|&q| {
            uncleared(&mut cache, |cache| dfa.next_eoi_state(cache, q))
                .map_or(true, |n| n.is_match())
        })
    }

    /// False only when the pattern cannot match anywhere in `value`.
    #[inline]
    pub fn may_match(&self, value: &[u8]) -> bool {
        let Some(dfa) = self.dfa() else {
            return true;
        };
        self.place
            .with_local(dfa, |local| {
                // Where almost every value may match (a field of the
                // detector's own kind), the search only adds to the regex's.
                if local.screen.aside() {
                    return true;
                }
                let input = Input::new(value).earliest(true);
                let may = !matches!(dfa.try_search_fwd(&mut local.cache, &input), Ok(None));
                local.screen.judge(!may, SCREEN_USEFUL);
                may
            })
            .unwrap_or(true)
    }

    /// [`Screen::may_match`] asked only of the parts of `value` a match
    /// can lie in: the byte ranges `windows` gives, in order (each
    /// searched with the bytes around it seen for look-around). The
    /// caller vouches that every match lies inside one.
    pub fn may_match_within(
        &self,
        value: &[u8],
        windows: impl FnOnce(&mut dyn FnMut(usize, usize) -> bool),
    ) -> bool {
        let Some(dfa) = self.dfa() else {
            return true;
        };
        self.place
            .with_local(dfa, |local| {
                if local.screen.aside() {
                    return true;
                }
                let mut may = false;
                windows(&mut |start, end| {
                    let input = Input::new(value).range(start..end).earliest(true);
                    may = !matches!(dfa.try_search_fwd(&mut local.cache, &input), Ok(None));
                    // On to the next window while this one has no match.
                    !may
                });
                local.screen.judge(!may, SCREEN_USEFUL);
                may
            })
            .unwrap_or(true)
    }

    /// Whether the DFA could be built.
    #[cfg(test)]
    fn is_built(&self) -> bool {
        self.dfa().is_some()
    }

    /// What a search of the DFA says, whether or not the screen stands
    /// aside.
    #[cfg(test)]
    fn searched(&self, value: &[u8]) -> bool {
        let Some(dfa) = self.dfa() else {
            return true;
        };
        let input = Input::new(value).earliest(true);
        !matches!(
            dfa.try_search_fwd(&mut dfa.create_cache(), &input),
            Ok(None)
        )
    }
}

/// One lazy DFA of many patterns (ASCII classes), asked in one pass over
/// a value which of them can match in it: for long values, which most
/// single-pattern screens would each read to the end.
pub struct MultiScreen {
    srcs: Vec<String>,
    /// The most memory its cache holds on one thread.
    cache_bytes: usize,
    place: Place,
    dfa: OnceLock<Option<DFA>>,
}

impl std::fmt::Debug for MultiScreen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultiScreen")
            .field("srcs", &self.srcs)
            .finish()
    }
}

impl Clone for MultiScreen {
    /// A clone is a screen of its own (with its own caches).
    fn clone(&self) -> Self {
        MultiScreen {
            srcs: self.srcs.clone(),
            cache_bytes: self.cache_bytes,
            place: Place::new(),
            dfa: OnceLock::new(),
        }
    }
}

impl MultiScreen {
    /// A screen of at most 128 patterns, compiled as
    /// `regex::bytes::RegexBuilder` with `.unicode(false)` compiles each.
    pub fn new(srcs: Vec<String>) -> Self {
        assert!(
            srcs.len() <= 128,
            "a multi-screen holds at most 128 patterns"
        );
        MultiScreen {
            srcs,
            cache_bytes: MULTI_CACHE_BYTES,
            place: Place::new(),
            dfa: OnceLock::new(),
        }
    }

    fn dfa(&self) -> Option<&DFA> {
        self.dfa
            .get_or_init(|| {
                if self.srcs.is_empty() {
                    return None;
                }
                let mut hirs = Vec::with_capacity(self.srcs.len());
                for src in &self.srcs {
                    hirs.push(loosened(src)?);
                }
                let nfa = regex_automata::nfa::thompson::Compiler::new()
                    .syntax(syntax::Config::new().unicode(false).utf8(false))
                    .configure(
                        regex_automata::nfa::thompson::Config::new()
                            .which_captures(regex_automata::nfa::thompson::WhichCaptures::None),
                    )
                    .build_many_from_hir(&hirs)
                    .ok()?;
                DFA::builder()
                    .configure(
                        DFA::config()
                            .match_kind(MatchKind::All)
                            .cache_capacity(self.cache_bytes)
                            .skip_cache_capacity_check(true),
                    )
                    .build_from_nfa(nfa)
                    .ok()
            })
            .as_ref()
    }

    /// The patterns that can match somewhere in `value` (bit `k` for the
    /// `k`th); `None` when the screen cannot tell (it could not be
    /// built, or its search gave up).
    pub fn which(&self, value: &[u8]) -> Option<u128> {
        let dfa = self.dfa()?;
        self.place
            .with_local(dfa, |local| {
                let cache = &mut local.cache;
                if value.len() >= TWO_CHAINS {
                    match walk_chains(dfa, cache, value) {
                        Ok(found) => return Some(found),
                        Err(Stop::Quit) => return None,
                        // The cache was cleared under the chains' feet.
                        Err(Stop::Cleared) => {}
                    }
                }
                walk_one(dfa, cache, value)
            })
            .flatten()
    }
}

/// The longest bounded repetition the multi-screen keeps bounded: one
/// of more (`{1,64}`) becomes unbounded (`{1,}`).
const LOOSEN_ABOVE: u32 = 32;

/// `src` parsed with ASCII classes, as the multi-screen reads it: each
/// repetition bounded above [`LOOSEN_ABOVE`] made unbounded. Every value
/// a pattern matches in, its loosened form matches in too (a repetition
/// without its bound accepts all it did, and the rest of the pattern is
/// unchanged), so the screen still names every pattern that can match;
/// it may name one whose bound a value exceeds, whose regex then finds
/// nothing.
///
/// A long bound started at every word boundary makes the lazy DFA count
/// each start apart: the email pattern's local part
/// (`\b[A-Za-z0-9._%+\-]{1,64}@`) in a random base64url signature (a
/// `-` in 64 bytes, each a new start) gave nearly every step a state of
/// its own, so the cache filled and was cleared every ~450 bearer
/// tokens, and a JWT in an `authorization` header cost ~135,000
/// instructions. Unbounded, the starts merge into one loop state.
fn loosened(src: &str) -> Option<regex_syntax::hir::Hir> {
    use regex_syntax::hir::{Capture, Hir, HirKind, Repetition};
    fn loosen(hir: Hir) -> Hir {
        match hir.into_kind() {
            HirKind::Repetition(r) => Hir::repetition(Repetition {
                max: r.max.filter(|&max| max <= LOOSEN_ABOVE || max == r.min),
                sub: Box::new(loosen(*r.sub)),
                ..r
            }),
            HirKind::Concat(subs) => Hir::concat(subs.into_iter().map(loosen).collect()),
            HirKind::Alternation(subs) => Hir::alternation(subs.into_iter().map(loosen).collect()),
            HirKind::Capture(c) => Hir::capture(Capture {
                sub: Box::new(loosen(*c.sub)),
                ..c
            }),
            HirKind::Empty => Hir::empty(),
            HirKind::Literal(l) => Hir::literal(l.0),
            HirKind::Class(c) => Hir::class(c),
            HirKind::Look(l) => Hir::look(l),
        }
    }
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(src)
        .ok()?;
    Some(loosen(hir))
}

/// Why a chained walk stopped before the end.
enum Stop {
    /// The DFA gave up (a quit byte, a cache cleared too often).
    Quit,
    /// The cache was cleared: the other chains' states are stale.
    Cleared,
}

/// Runs a step of the DFA that may compute states (and so clear the
/// cache): `Stop::Quit` when the DFA gives up, `Stop::Cleared` when the
/// cache was cleared.
fn uncleared<T, E>(
    cache: &mut Cache,
    step: impl FnOnce(&mut Cache) -> Result<T, E>,
) -> Result<T, Stop> {
    let clears = cache.clear_count();
    let out = step(cache).map_err(|_| Stop::Quit)?;
    if cache.clear_count() != clears {
        return Err(Stop::Cleared);
    }
    Ok(out)
}

/// Whether byte `b` is in `set` (bit `b % 64` of word `b / 64`).
#[inline]
fn in_set(set: &[u64; 4], b: u8) -> bool {
    set[usize::from(b / 64)] >> (b % 64) & 1 == 1
}

/// Adds to `found` the patterns whose matches end where `sid` was
/// reached.
#[inline(never)]
fn add_matches(dfa: &DFA, cache: &Cache, sid: LazyStateID, found: &mut u128) {
    for i in 0..dfa.match_len(cache, sid) {
        *found |= 1 << dfa.match_pattern(cache, sid, i).as_usize();
    }
}

/// The multi-screen's walk of `value` in one chain of steps, from its
/// start to its end.
fn walk_one(dfa: &DFA, cache: &mut Cache, value: &[u8]) -> Option<u128> {
    let mut sid = dfa.start_state_forward(cache, &Input::new(value)).ok()?;
    let mut found = 0u128;
    for &b in value {
        let mut next = if sid.is_tagged() {
            dfa.next_state(cache, sid, b).ok()?
        } else {
            // SAFETY: `sid` is an untagged state of this cache, returned
            // by its last call.
            unsafe { dfa.next_state_untagged_unchecked(cache, sid, b) }
        };
        if next.is_tagged() {
            if next.is_unknown() {
                next = dfa.next_state(cache, sid, b).ok()?;
            }
            if next.is_match() {
                add_matches(dfa, cache, next, &mut found);
            } else if next.is_quit() {
                return None;
            }
        }
        sid = next;
    }
    sid = dfa.next_eoi_state(cache, sid).ok()?;
    if sid.is_match() {
        add_matches(dfa, cache, sid, &mut found);
    }
    Some(found)
}

/// The shortest value walked as two chains.
const TWO_CHAINS: usize = 64;

/// States a chain keeps of its first steps, for the chain before it to
/// meet.
const MEET: usize = 48;

/// One step of a chain from `sid` over `b`, adding the patterns of a
/// match state to `found`.
#[inline(always)]
fn chain_step(
    dfa: &DFA,
    cache: &mut Cache,
    sid: LazyStateID,
    b: u8,
    found: &mut u128,
) -> Result<LazyStateID, Stop> {
    if !sid.is_tagged() {
        let next = dfa.next_state_untagged(cache, sid, b);
        if !next.is_tagged() {
            return Ok(next);
        }
    }
    chain_slow(dfa, cache, sid, b, found)
}

/// A step from a tagged state, or to one: a state not yet computed
/// (which may clear the cache), a match, dead or quit.
#[inline(never)]
fn chain_slow(
    dfa: &DFA,
    cache: &mut Cache,
    sid: LazyStateID,
    b: u8,
    found: &mut u128,
) -> Result<LazyStateID, Stop> {
    let next = uncleared(cache, |cache| dfa.next_state(cache, sid, b))?;
    if next.is_match() {
        add_matches(dfa, cache, next, found);
    } else if next.is_quit() {
        return Err(Stop::Quit);
    }
    Ok(next)
}

/// The multi-screen's walk of `value` as two chains of steps at once,
/// one over each half: a step waits for the load of the one before it,
/// so one chain leaves the core idle most of the time, and a second,
/// independent one fills it.
///
/// The second chain starts at the middle with the DFA's start state there
/// (the byte before it read for look-behind), so every match it passes is
/// a real one (starting in the second half or later), but it misses
/// matches begun before the middle. The first, having walked the first
/// half, steps on into the second until its state is the one the second
/// had at the same place: from there on the two walks are the same, and
/// the first stops. A value walked from its start passes the states of
/// the first chain and then of the second from where it was met, so the
/// patterns found are exactly those one walk finds. A first chain not met
/// within the states kept ([`MEET`]) walks on to the end alone.
///
/// Cleared caches make state ids stale: the walk gives up
/// ([`Stop::Cleared`]) for a walk in one chain.
fn walk_chains(dfa: &DFA, cache: &mut Cache, value: &[u8]) -> Result<u128, Stop> {
    let half = value.len() / 2;
    let (first, second) = value.split_at(half);
    let mut found = 0u128;
    let start = |cache: &mut Cache, at: usize| {
        uncleared(cache, |cache| {
            dfa.start_state_forward(cache, &Input::new(value).range(at..))
        })
    };
    let mut a = start(cache, 0)?;
    let mut b = start(cache, half)?;
    // The second chain's first states, for the first to meet.
    let mut kept = [b; MEET];
    let keep = half.min(MEET - 1);
    for (i, (&x, &y)) in first[..keep].iter().zip(&second[..keep]).enumerate() {
        a = chain_step(dfa, cache, a, x, &mut found)?;
        b = chain_step(dfa, cache, b, y, &mut found)?;
        kept[i + 1] = b;
    }
    for (&x, &y) in first[keep..].iter().zip(&second[keep..half]) {
        a = chain_step(dfa, cache, a, x, &mut found)?;
        b = chain_step(dfa, cache, b, y, &mut found)?;
    }
    // The second chain walks the rest of the value.
    for &y in &second[half..] {
        b = chain_step(dfa, cache, b, y, &mut found)?;
    }
    eoi(dfa, cache, b, &mut found)?;
    // The first chain steps on until it meets the second.
    for (i, &x) in second.iter().enumerate() {
        if i <= keep && kept[i] == a {
            return Ok(found);
        }
        a = chain_step(dfa, cache, a, x, &mut found)?;
    }
    eoi(dfa, cache, a, &mut found)?;
    Ok(found)
}

/// The end of a chain's walk: the patterns matching at the value's end.
fn eoi(dfa: &DFA, cache: &mut Cache, sid: LazyStateID, found: &mut u128) -> Result<(), Stop> {
    let eoi = uncleared(cache, |cache| dfa.next_eoi_state(cache, sid))?;
    if eoi.is_match() {
        add_matches(dfa, cache, eoi, found);
    }
    Ok(())
}

/// The most memory the multi-screen's cache holds on one thread before it
/// is cleared.
const MULTI_CACHE_BYTES: usize = 2 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    /// `len` bytes drawn from `alphabet`.
    fn noise(rng: &mut impl FnMut() -> u64, alphabet: &[u8], len: usize) -> Vec<u8> {
        (0..len)
            .map(|_| alphabet[(rng() % alphabet.len() as u64) as usize])
            .collect()
    }

    /// Every built-in pattern has a DFA, and the DFA agrees with the regex on generated values, matching or not.
    #[test]
    fn the_screen_agrees_with_the_regex_on_whether_a_match_exists() {
        let catalogue = crate::detect::Catalogue::builtin().expect("builtin");
        let mut rng = crate::test_rng(41);
        let alphabet: &[u8] = b"0123456789abcdefXYZ-. ()+@:_/#*\xc3\xa9\n";
        let (mut built, mut patterns) = (0, 0);
        for d in catalogue.detectors() {
            let Some(re) = d.pattern.as_ref() else {
                continue;
            };
            let screen = Screen::new(re.as_str(), d.spec.unicode);
            patterns += 1;
            built += usize::from(screen.is_built());
            let mut values: Vec<Vec<u8>> = d
                .spec
                .examples
                .iter()
                .map(|e| e.as_bytes().to_vec())
                .collect();
            for _ in 0..400 {
                let len = (rng() % 40) as usize;
                let mut v: Vec<u8> = noise(&mut rng, alphabet, len);
                // Half the values hold an example, cut into noise.
                if rng().is_multiple_of(2)
                    && let Some(e) = d.spec.examples.first()
                {
                    let at = (rng() as usize) % (v.len() + 1);
                    v.splice(at..at, e.bytes());
                }
                values.push(v);
            }
            for v in &values {
                assert!(
                    screen.may_match(v) || !re.is_match(v),
                    "{}: the screen said no to {:?}",
                    d.id,
                    String::from_utf8_lossy(v)
                );
                if screen.is_built() && v.is_ascii() {
                    assert_eq!(screen.searched(v), re.is_match(v), "{}: {v:?}", d.id);
                }
            }
        }
        // Every built-in pattern is screened.
        assert_eq!(built, patterns);
        assert!(patterns >= 20);
    }

    /// The multi-screen says of each built-in pattern with ASCII classes
    /// what the pattern's regex says: whether it matches somewhere in a
    /// long value (noise with examples of several detectors cut in).
    #[test]
    fn the_multi_screen_agrees_with_each_regex() {
        let catalogue = crate::detect::Catalogue::builtin().expect("builtin");
        let detectors: Vec<_> = catalogue
            .detectors()
            .iter()
            .filter(|d| d.pattern.is_some() && !d.spec.unicode)
            .collect();
        let srcs: Vec<String> = detectors
            .iter()
            .map(|d| d.pattern.as_ref().expect("filtered").as_str().to_string())
            .collect();
        let multi = MultiScreen::new(srcs.clone());
        let loose = loosened_regexes(&srcs);
        let examples: Vec<&str> = detectors
            .iter()
            .flat_map(|d| d.spec.examples.iter().chain(&d.spec.negatives))
            .map(String::as_str)
            .collect();
        let mut rng = crate::test_rng(43);
        let alphabet: &[u8] = b"0123456789abcdefXYZ-. ()+@:_/#*=\n";
        let (mut hits, mut values) = (0, 0);
        for _ in 0..600 {
            let len = 40 + (rng() % 200) as usize;
            let mut v: Vec<u8> = noise(&mut rng, alphabet, len);
            for _ in 0..rng() % 4 {
                let e = examples[(rng() as usize) % examples.len()];
                let at = (rng() as usize) % (v.len() + 1);
                v.splice(at..at, e.bytes().chain([b' ']));
            }
            let found = multi.which(&v).expect("an ASCII value is always screened");
            for (k, d) in detectors.iter().enumerate() {
                let matched = d.pattern.as_ref().expect("filtered").is_match(&v);
                let named = found >> k & 1 == 1;
                assert!(
                    named || !matched,
                    "{}: {:?}",
                    d.id,
                    String::from_utf8_lossy(&v)
                );
                assert_eq!(
                    named,
                    loose[k].is_match(&v),
                    "{}: {:?}",
                    d.id,
                    String::from_utf8_lossy(&v)
                );
                hits += usize::from(matched);
            }
            values += 1;
        }
        // The values did hold matches, of many patterns.
        assert!(hits > values / 2, "{hits} matches in {values} values");
    }

    /// Regexes of `srcs` as the multi-screen reads them.
    fn loosened_regexes(srcs: &[String]) -> Vec<regex::bytes::Regex> {
        srcs.iter()
            .map(|s| {
                let src = loosened(s).expect("parses").to_string();
                regex::bytes::RegexBuilder::new(&src)
                    .unicode(false)
                    .build()
                    .expect("compiles")
            })
            .collect()
    }

    /// Bounds above [`LOOSEN_ABOVE`] are dropped; the others, exact
    /// counts and the rest of the pattern are kept.
    #[test]
    fn only_long_bounds_are_loosened() {
        let loose = |s: &str| loosened_regexes(&[s.to_string()]).remove(0);
        let email = loose(r"(?-u:\b)[a-z.\-]{1,64}@[a-z]{2,24}(?-u:\b)");
        let long = format!("{}@example", "a".repeat(100));
        assert!(email.is_match(long.as_bytes()));
        assert!(
            !regex::bytes::Regex::new(r"(?-u:\b)[a-z.\-]{1,64}@[a-z]{2,24}(?-u:\b)")
                .expect("compiles")
                .is_match(long.as_bytes())
        );
        // {2,24} is kept.
        assert!(!email.is_match(format!("a@{}", "b".repeat(30)).as_bytes()));
        let kept = loose(r"^(?:[0-9]{40}|(?:ab){1,32}x|(?:cd){33}|(?:ef){1,33})$");
        assert!(kept.is_match("1".repeat(40).as_bytes()));
        assert!(!kept.is_match("1".repeat(41).as_bytes()));
        assert!(kept.is_match(format!("{}x", "ab".repeat(32)).as_bytes()));
        assert!(!kept.is_match(format!("{}x", "ab".repeat(33)).as_bytes()));
        assert!(!kept.is_match("cd".repeat(34).as_bytes()));
        assert!(kept.is_match("ef".repeat(40).as_bytes()));
    }

    /// Random base64url signatures after the same bearer JWT: every
    /// `-` a word boundary, where the email pattern's local part could
    /// start. The multi-screen's cache holds the states they visit (it
    /// was cleared every ~450 tokens with the email pattern's bounds).
    #[test]
    fn bearer_tokens_do_not_fill_the_multi_screens_cache() {
        let catalogue = crate::detect::Catalogue::builtin().expect("builtin");
        let srcs: Vec<String> = catalogue
            .detectors()
            .iter()
            .filter(|d| !d.spec.unicode)
            .filter_map(|d| d.pattern.as_ref())
            .map(|re| re.as_str().to_string())
            .collect();
        let multi = MultiScreen::new(srcs);
        let mut rng = crate::test_rng(59);
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let head = b"Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI3NzMxMzYyIn0.";
        for _ in 0..2000 {
            let mut v = head.to_vec();
            v.extend(noise(&mut rng, alphabet, 43));
            assert!(multi.which(&v).is_some());
        }
        let dfa = multi.dfa().expect("built");
        let clears = multi
            .place
            .with_local(dfa, |local| local.cache.clear_count())
            .expect("a cache");
        assert_eq!(clears, 0);
    }

    /// What one chain of steps over the whole value finds.
    fn walked_once(multi: &MultiScreen, value: &[u8]) -> Option<u128> {
        let dfa = multi.dfa().expect("built");
        multi
            .place
            .with_local(dfa, |local| walk_one(dfa, &mut local.cache, value))
            .flatten()
    }

    /// The multi-screen's two chains find what one walk finds: where the
    /// first chain meets the second at once, late (a run of letters and
    /// digits crossing the middle, which an email address may be in
    /// progress through), or not within the states kept; with matches
    /// across the middle, at either end, and none.
    #[test]
    fn two_chains_find_what_one_walk_finds() {
        let srcs = vec![
            r"(?-u:\b)[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})*\.[A-Za-z]{2,24}(?-u:\b)".to_string(),
            r"(?-u:\b)[0-9]{3}-[0-9]{2}-[0-9]{4}(?-u:\b)".to_string(),
            r"(?-u:\b)[0-9]{13,19}(?-u:\b)".to_string(),
            r"(?:[0-9A-Fa-f]{1,4}|:)(?::[0-9A-Fa-f]{0,4}){2,8}".to_string(),
            r"^start".to_string(),
            r"end$".to_string(),
        ];
        let multi = MultiScreen::new(srcs.clone());
        let regexes = loosened_regexes(&srcs);
        let mut rng = crate::test_rng(47);
        let alphabet: &[u8] = b"0123456789abcdefXYZ-. :_@";
        let pieces: [&[u8]; 6] = [
            b"jane.doe@example.com",
            b"512-44-0133",
            b"4242424242424242",
            b"09:08:45",
            b"start",
            b"end",
        ];
        let mut values: Vec<Vec<u8>> = Vec::new();
        // A run of letters crossing the middle, with an address at its
        // end or not: the first chain is met late or never.
        for run in [10, 40, 47, 48, 49, 60, 120, 300] {
            for tail in [&b"@example.com"[..], b" x"] {
                let mut v = b"start ".to_vec();
                v.extend(std::iter::repeat_n(b'a', run));
                v.extend_from_slice(tail);
                v.extend_from_slice(b" 512-44-0133 - - - - - - - - - - - - - - - - - - - - end");
                values.push(v);
            }
        }
        for _ in 0..2000 {
            let len = 64 + (rng() % 200) as usize;
            let mut v: Vec<u8> = noise(&mut rng, alphabet, len);
            for _ in 0..rng() % 3 {
                let p = pieces[(rng() as usize) % pieces.len()];
                // Often right across the middle.
                let at = if rng().is_multiple_of(2) {
                    (v.len() / 2).saturating_sub((rng() as usize) % p.len())
                } else {
                    (rng() as usize) % (v.len() + 1)
                };
                v.splice(at..at, p.iter().copied());
            }
            values.push(v);
        }
        for v in &values {
            assert!(v.len() >= TWO_CHAINS);
            let found = multi.which(v).expect("ASCII values are screened");
            assert_eq!(
                Some(found),
                walked_once(&multi, v),
                "{:?}",
                String::from_utf8_lossy(v)
            );
            for (k, re) in regexes.iter().enumerate() {
                assert_eq!(
                    found >> k & 1 == 1,
                    re.is_match(v),
                    "{k}: {:?}",
                    String::from_utf8_lossy(v)
                );
            }
        }
    }

    /// A cache too small for the walk is cleared under the chains' feet:
    /// the screen then walks in one chain (or cannot tell), and never
    /// gives a wrong answer.
    #[test]
    fn a_cleared_cache_never_gives_a_wrong_answer() {
        let srcs = vec![
            r"(?-u:\b)[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}\.[A-Za-z]{2,24}(?-u:\b)"
                .to_string(),
            r"(?-u:\b)[0-9]{13,19}(?-u:\b)".to_string(),
        ];
        let mut multi = MultiScreen::new(srcs.clone());
        multi.cache_bytes = 0;
        let regexes = loosened_regexes(&srcs);
        let mut rng = crate::test_rng(53);
        let alphabet: &[u8] = b"0123456789abcdefghijklmnop.@ -";
        let mut answered = 0;
        for _ in 0..300 {
            let len = 64 + (rng() % 300) as usize;
            let v: Vec<u8> = noise(&mut rng, alphabet, len);
            if let Some(found) = multi.which(&v) {
                answered += 1;
                for (k, re) in regexes.iter().enumerate() {
                    assert_eq!(found >> k & 1 == 1, re.is_match(&v));
                }
            }
        }
        assert!(answered > 0);
    }

    /// A screen that can rule out hardly any value stands aside for a
    /// while (saying "may match" unsearched), then searches again.
    #[test]
    fn a_screen_that_rules_nothing_out_stands_aside_for_a_while() {
        let screen = Screen::new("[0-9]{3}", false);
        for _ in 0..TRIAL {
            assert!(screen.may_match(b"order 123"));
        }
        // Aside: a value without three digits is not searched.
        for _ in 0..ASIDE {
            assert!(screen.may_match(b"no digits"));
        }
        // Searching again, and judged on the next trial.
        assert!(!screen.may_match(b"no digits"));
        for _ in 1..TRIAL {
            assert!(!screen.may_match(b"none"));
        }
        assert!(!screen.may_match(b"still none"));

        // A screen that rules out most values never stands aside.
        let useful = Screen::new("[0-9]{3}", false);
        for i in 0..10 * TRIAL {
            let v: &[u8] = if i % 4 == 0 { b"123" } else { b"abc" };
            assert_eq!(useful.may_match(v), i % 4 == 0);
        }
    }

    /// The anchored pass rules out a value by its first byte without a
    /// search, finds a match at the start, and stands aside for a while
    /// where values that could begin with one seldom do.
    #[test]
    fn the_anchored_pass_stands_aside_where_it_seldom_finds_a_match() {
        let screen = Screen::new(r"(?-u:\b)[0-9]{3}-[0-9]{2}-[0-9]{4}(?-u:\b)", false);
        assert_eq!(screen.anchored_end(b"123-45-6789"), Some(11));
        assert_eq!(screen.anchored_end(b"123-45-6789 and more"), Some(11));
        // No match at the first byte (one later does not count).
        assert_eq!(screen.anchored_end(b"x 123-45-6789"), None);
        // Timestamps begin with digits but not with a match: after a
        // trial of them the pass stands aside, even for a match.
        let times = Screen::new(r"(?-u:\b)[0-9]{3}-[0-9]{2}-[0-9]{4}(?-u:\b)", false);
        for _ in 0..TRIAL {
            assert_eq!(times.anchored_end(b"2026-10-01T12:30:45Z"), None);
        }
        for _ in 0..ASIDE {
            assert_eq!(times.anchored_end(b"123-45-6789"), None);
        }
        assert_eq!(times.anchored_end(b"123-45-6789"), Some(11));
        // Values ruled out by their first byte are not judged: a field
        // of words does not set the pass aside.
        let other = Screen::new(r"(?-u:\b)[0-9]{3}-[0-9]{2}-[0-9]{4}(?-u:\b)", false);
        for _ in 0..4 * TRIAL {
            assert_eq!(other.anchored_end(b"pending"), None);
        }
        assert_eq!(other.anchored_end(b"123-45-6789"), Some(11));
    }

    /// A screen that takes a dropped screen's slot does not use the cache
    /// that screen left on this thread.
    #[test]
    fn a_reused_slot_gets_a_cache_of_its_own() {
        for _ in 0..4 {
            let a = Screen::new("abc[0-9]", false);
            assert!(a.may_match(b"xx abc1"));
            assert!(!a.may_match(b"xyz1"));
            drop(a);
            let b = Screen::new("xyz[0-9]", false);
            assert!(b.may_match(b"xyz1"));
            assert!(!b.may_match(b"xx abc1"));
            let c = b.clone();
            assert!(c.may_match(b"-xyz9-"));
        }
    }
}
