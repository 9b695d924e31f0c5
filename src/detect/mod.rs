//! The detector catalogue: compiled from TOML data, run over one value at a
//! time with its field name as context.
//!
//! A detector never knows file formats: it sees a byte slice and a
//! [`FieldContext`] computed once per field, and yields [`Match`]es with a
//! byte range inside the slice.
//!
//! Per value the work is in two phases. First one pass over the bytes
//! counts cheap byte classes ([`ValueStats`]): the longest separated digit
//! run, `@`, `.`, `:`, capitals, mask characters. Each detector declares in
//! its file the minimum counts it needs (`requires`), so most values wake
//! no regex at all (a UUID or a price never reaches the card detector).
//! The detectors whose counts pass and that also need a literal (`eyJ`,
//! ` St`, a separator) or a context word (`dob`, `ssn`) are then checked
//! together: one automaton holds the literals and context words of the
//! whole catalogue and is searched at most once per value (single bytes
//! with `memchr`). Only then do the detector's exact regexes and its
//! validator run, each free pattern behind a lazy DFA of itself that says
//! first whether it can match the value at all ([`screen`]).
//!
//! Measured with callgrind (8 MB of generated events, whole scan): one
//! literal automaton per detector, searched by each gated detector in
//! turn, cost 823M instructions; the shared automaton 735M. One
//! multi-pattern lazy DFA of every free pattern instead of statistics and
//! literals cost 950M (it kept determinising new states, and overlapping
//! searches are slower per byte), so it was not kept. Detection results of
//! repeated values are reused by the engine (see `engine`).

pub mod hints;
pub mod mask;
pub mod schema;
pub mod screen;
pub mod stats;
pub mod validate;

use aho_corasick::AhoCorasick;
use regex::bytes::{Regex, RegexBuilder};

use hints::{Hint, HintIndex, HintKind};
pub use schema::{Category, Confidence, DetectorSpec, MaskStyle, PatternFile, Requires};
pub use stats::ValueStats;
pub use validate::{Validator, Verdict};

/// Whether `text` holds one of the automaton's words as a whole word
/// (`tel` in `tel: …`, not in `hotel`).
fn has_word(words: &AhoCorasick, text: &[u8]) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric();
    words.find_overlapping_iter(text).any(|m| {
        let before = m.start().checked_sub(1).map(|i| text[i]);
        let after = text.get(m.end()).copied();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// Name tokens that say a field holds digests.
const HASH_WORDS: &[&[u8]] = &[
    b"hash", b"hashed", b"sha", b"sha1", b"sha256", b"sha512", b"md5", b"digest", b"hmac",
];

/// Whether a value is a hex digest (MD5, SHA-1, SHA-256 or SHA-512 length).
fn is_hex_digest(value: &[u8]) -> bool {
    matches!(value.len(), 32 | 40 | 64 | 128) && value.iter().all(u8::is_ascii_hexdigit)
}

/// Bytes before a value in which a context word counts.
const CONTEXT_WINDOW: usize = 24;

/// The built-in detector files, embedded in the binary.
pub const BUILTIN_PATTERNS: &[(&str, &str)] = &[
    (
        "patterns/core.toml",
        include_str!("../../patterns/core.toml"),
    ),
    (
        "patterns/government_ids.toml",
        include_str!("../../patterns/government_ids.toml"),
    ),
    (
        "patterns/financial.toml",
        include_str!("../../patterns/financial.toml"),
    ),
    (
        "patterns/network.toml",
        include_str!("../../patterns/network.toml"),
    ),
    (
        "patterns/credentials.toml",
        include_str!("../../patterns/credentials.toml"),
    ),
    (
        "patterns/identity.toml",
        include_str!("../../patterns/identity.toml"),
    ),
    (
        "patterns/sensitive.toml",
        include_str!("../../patterns/sensitive.toml"),
    ),
];

/// An error compiling a detector file.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// `--detectors` names no detector id or category.
    #[error("`{0}` is neither a detector id nor a category (see `sandsift detectors`)")]
    Unknown(String),
    /// The file is not valid TOML for the schema.
    #[error("{file}: {message}")]
    Parse {
        /// The file name.
        file: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A regex does not compile.
    #[error("{file}: detector `{id}`: {which} does not compile: {message}")]
    Regex {
        /// The file name.
        file: String,
        /// The detector id.
        id: String,
        /// Which regex (`pattern`, `hinted_pattern`, `masked_pattern`).
        which: &'static str,
        /// The regex compiler's message.
        message: String,
    },
    /// A validator name is unknown.
    #[error("{file}: detector `{id}`: unknown validator `{name}`")]
    UnknownValidator {
        /// The file name.
        file: String,
        /// The detector id.
        id: String,
        /// The unknown name.
        name: String,
    },
    /// Two detectors share an id.
    #[error("{file}: detector id `{id}` is defined twice")]
    DuplicateId {
        /// The file name.
        file: String,
        /// The repeated id.
        id: String,
    },
    /// A detector has no way to match anything.
    #[error("{file}: detector `{id}` has neither `pattern` nor `hinted_pattern`")]
    NoPattern {
        /// The file name.
        file: String,
        /// The detector id.
        id: String,
    },
    /// A pattern uses a Unicode class without `unicode = true`.
    #[error(
        "{file}: detector `{id}`: {which} uses a Unicode class (`\\p{{…}}` or `(?u)`); detectors match bytes with ASCII classes: write [0-9] or [A-Za-z], or set `unicode = true` if Unicode is meant"
    )]
    Unicode {
        /// The file name.
        file: String,
        /// The detector id.
        id: String,
        /// Which regex.
        which: &'static str,
    },
    /// A detector file or folder could not be read.
    #[error("reading {file}: {message}")]
    Read {
        /// The path.
        file: String,
        /// The I/O error.
        message: String,
    },
    /// The hint automaton could not be built.
    #[error("building the field-hint automaton: {0}")]
    Hints(String),
}

/// Reads detector files: a file, or every `*.toml` file of a folder (sorted
/// by name), as `(name, text)` sources for [`Catalogue::from_sources`].
pub fn read_pattern_sources(
    path: &std::path::Path,
) -> Result<Vec<(String, String)>, CatalogueError> {
    let read_err = |p: &std::path::Path, e: std::io::Error| CatalogueError::Read {
        file: p.display().to_string(),
        message: e.to_string(),
    };
    let mut files = Vec::new();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).map_err(|e| read_err(path, e))? {
            let p = entry.map_err(|e| read_err(path, e))?.path();
            if p.extension().is_some_and(|e| e == "toml") {
                files.push(p);
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(|e| read_err(&p, e))?;
            Ok((p.display().to_string(), text))
        })
        .collect()
}

/// A compiled detector.
#[derive(Debug, Clone)]
pub struct Detector {
    /// Stable id.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Category.
    pub category: Category,
    /// Confidence of a validated match with no hint.
    pub confidence: Confidence,
    /// Masking style for samples.
    pub mask: MaskStyle,
    /// Validator, if any.
    pub validator: Option<Validator>,
    /// Prefilter requirements.
    pub requires: Requires,
    /// The definition as written (examples, hints).
    pub spec: DetectorSpec,
    /// The file it came from.
    pub source: String,
    /// The `requires.literals` automaton.
    literals: Option<AhoCorasick>,
    /// Context words (case-insensitive) and the unanchored field-only shape.
    context: Option<(AhoCorasick, LazyRegex)>,
    pattern: Option<Regex>,
    /// A DFA of `pattern`, asked first whether it can match at all.
    screen: Option<screen::Screen>,
    /// Where in a long value `pattern` can match, when that can be told
    /// from its runs of digits.
    window: Option<Window>,
    hinted: Option<LazyRegex>,
    masked: Option<Regex>,
}

/// Whether a value is real-looking, already masked, or a published test
/// value.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A real-looking value in clear text.
    Clear,
    /// A value already masked (`***-**-1234`).
    Masked,
    /// A published test or documentation value.
    TestValue,
}

impl Status {
    /// The name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Clear => "clear",
            Status::Masked => "masked",
            Status::TestValue => "test_value",
        }
    }
}

/// Which rule produced a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchRule {
    /// The detector's free pattern.
    Pattern,
    /// The whole value matched the field-only pattern under a field hint.
    FieldPattern,
    /// The value has the shape of a masked value of this kind.
    MaskedShape,
    /// The field-only shape, right after a context word in the text.
    Context,
    /// A hex digest in a field named for a kind and a hash (`email_sha256`):
    /// the vendor holds the kind, hashed.
    Hashed,
}

/// Why a match has its confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Evidence {
    /// The rule that matched.
    pub rule: MatchRule,
    /// The validator that passed.
    pub validator: Option<Validator>,
    /// The index of the field hint that agreed, in the catalogue's hints.
    pub hint: Option<usize>,
    /// The validator called the value weak (private IP, bare digits).
    pub weak: bool,
}

/// One detector match inside a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// Index of the detector in the catalogue.
    pub detector: usize,
    /// Start of the match in the value.
    pub start: usize,
    /// End (exclusive) of the match in the value.
    pub end: usize,
    /// Confidence.
    pub confidence: Confidence,
    /// Clear, masked or test value.
    pub status: Status,
    /// What produced the confidence.
    pub evidence: Evidence,
}

/// What a field name says to each detector, computed once per field: the
/// detectors worth running on its values, each with the hint that agreed.
/// A detector contradicted by the name (an SSN shape in `invoice_number`)
/// is left out, and so is one that only counts under a hint when no hint
/// agrees, so values pay only for the detectors that can fire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldContext {
    active: Vec<(usize, Option<usize>)>,
    /// `active` as a bit set, and the active detectors that have a hint
    /// (catalogues of at most 128 detectors).
    active_set: u128,
    hinted_set: u128,
    /// The name says the values are digests (`email_hash`, `phone_sha256`).
    hashed: bool,
}

/// What a value's shape statistics decide in a field (see
/// [`Catalogue::gates`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gates {
    passing: u128,
    /// Detectors one of whose literals of punctuation the value holds.
    literal_found: u128,
    /// Detectors still wanting a literal spelled with letters or digits.
    literal_wanted: u128,
    context_wanted: u128,
    masks: bool,
}

/// What scanning one value runs: the detectors left by the gates, and
/// which of their rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    todo: u128,
    gate: u128,
    context: u128,
    masks: bool,
}

impl Plan {
    /// True when no detector is left to run.
    pub fn is_empty(&self) -> bool {
        self.todo == 0
    }
}

/// Which of a detector's rules can match a value, by the gates.
#[derive(Debug, Clone, Copy)]
struct Run {
    /// The free pattern.
    pattern: bool,
    /// The free pattern can match (its screen need not be asked).
    screened: bool,
    /// The field-only shape after a context word.
    context: bool,
    /// The masked shape.
    masked: bool,
}

/// A detector's statistic thresholds, packed for the per-value loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Gate([u32; 7]);

impl Gate {
    fn of(r: &Requires) -> Self {
        Gate([
            r.digits,
            r.at,
            r.dot,
            r.colon,
            r.upper,
            r.letters_digits,
            r.streak,
        ])
    }

    #[inline]
    fn passes(&self, s: &[u32; 7]) -> bool {
        self.0.iter().zip(s).all(|(need, have)| have >= need)
    }
}

fn stat_array(s: &ValueStats) -> [u32; 7] {
    [
        s.digit_run,
        s.at,
        s.dotted,
        s.colon,
        s.upper,
        s.letters_digits,
        s.streak,
    ]
}

/// A regex checked when the catalogue is built and compiled the first time
/// it is needed: field-only patterns (Unicode name classes are costly to
/// compile) run only where a field hint agrees, which many scans never
/// meet.
#[derive(Debug, Clone)]
struct LazyRegex {
    src: String,
    unicode: bool,
    compiled: std::sync::OnceLock<Option<Regex>>,
}

impl LazyRegex {
    fn get(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| {
                RegexBuilder::new(&self.src)
                    .unicode(self.unicode)
                    .build()
                    .ok()
            })
            .as_ref()
    }
}

/// Values of a statistic the gates read their blocked detectors off a
/// table for; a detector file may ask for more (a search then).
const BLOCKED_TABLE: usize = 256;

/// The compiled catalogue: detectors plus one hint automaton.

#[derive(Debug, Clone)]
pub struct Catalogue {
    detectors: Vec<Detector>,
    gates: Vec<Gate>,
    /// Per statistic, its distinct thresholds in ascending order, each with
    /// the detectors that need at least that much: the first threshold a
    /// value's statistic falls below names every detector it rules out.
    thresholds: [Vec<(u32, u128)>; 7],
    /// The same read off by value: per statistic, the detectors ruled
    /// out at each value below its largest threshold (or below
    /// [`BLOCKED_TABLE`]), so the gates take one load per statistic
    /// rather than a search.
    blocked_at: [Box<[u128]>; 7],
    /// Detectors with a masked shape.
    masked_set: u128,
    /// Detectors with a free pattern.
    pattern_set: u128,
    /// Every detector's `requires.literals` and context words in one
    /// automaton, run at most once per value (see [`Words`]).
    words: Words,
    hints: HintIndex,
    /// The free patterns of the first 128 detectors with ASCII classes in
    /// one lazy DFA, asked once per long value (see [`LONG_VALUE`]).
    multi: screen::MultiScreen,
    /// Per pattern of `multi`, its detector.
    multi_of: Vec<usize>,
    /// The detectors in `multi`.
    multi_set: u128,
    /// Per detector, whether its free pattern cannot match anywhere in a
    /// UUID (see [`Catalogue::run`]), worked out the first time a plan
    /// would run it on one.
    uuid_free: Vec<std::sync::OnceLock<bool>>,
}

/// Values of at least this many bytes (a log line, a sentence) have their
/// free patterns screened together when three or more are to run.
///
/// Each pattern's own screen reads the value until a match could start
/// to end, about 8 instructions a byte; the DFA of all of them about 18
/// a byte to the end, and it determinises more states (a new state costs
/// about 11,000 instructions, most on the first megabytes of a scan).
/// Callgrind, one thread, whole scans: 8 MB of application logs (one
/// value a line, four or five screens each) 948M -> 792M instructions
/// (with the cheaper run statistics of `stats`); with two screens as the bound, 8 MB
/// of HAR captures went 377M -> 408M (base64 bodies of 2,400 bytes
/// walked through new states), with three 382M (the DFA's build, about
/// 5M, once a scan).
const LONG_VALUE: usize = 64;

/// The literal requirements and context words of the first 128 detectors
/// in one case-insensitive automaton. A value that passes the shape
/// statistics of several literal- or context-gated detectors (two capitals
/// wake the JWT, bearer, basic-auth and street-address gates; a timestamp's
/// four digits wake the date-of-birth context) is searched once, not once
/// per detector. Single-byte literals (`,`, ` `) are looked up with
/// `memchr` instead: in the automaton they would defeat its prefilter.
///
/// Callgrind, 8 MB of generated NDJSON events, whole scan: 823M
/// instructions with one search per detector, 735M with this one.
#[derive(Debug, Clone, Default)]
struct Words {
    automaton: Option<WordDfa>,
    /// Where the automaton's words that count may occur (see
    /// [`WordPrefilter`]); `None` where the processor lacks the SIMD it
    /// needs, or the words do not suit it.
    prefilter: Option<WordPrefilter>,
    /// Per automaton pattern: the word as written, the detectors that
    /// require it as a literal (byte for byte) and those for which it is a
    /// context word (any case).
    patterns: Vec<(Vec<u8>, u128, u128)>,
    /// Single-byte literals and the detectors that require them.
    bytes: Vec<(u8, u128)>,
    /// Detectors with literals; detectors with context words.
    literal_set: u128,
    context_set: u128,
    /// Detectors with a word in the automaton.
    automaton_set: u128,
    /// Detectors with a literal holding a letter or digit.
    spelled_set: u128,
    /// Those literals as their class keys would show them (see
    /// [`stats::CLASS_KEY`]), and the detectors requiring each: a value
    /// whose key holds none of a detector's images holds none of its
    /// literals.
    images: Option<AhoCorasick>,
    image_sets: Vec<u128>,
    /// Per byte, its bit in a [`GateKey`]'s marks: one bit per
    /// single-byte literal of punctuation (`punct_sets` holds the
    /// detectors requiring it), and [`SEPARATOR`] for ` ` and `=`.
    /// `None` when there are more such literals than bits.
    marks: Option<Box<[u32; 256]>>,
    punct_sets: Vec<u128>,
}

/// The words of [`Words`] as a case-insensitive Aho-Corasick DFA, built
/// by the `aho-corasick` crate and repacked into one compact table that
/// [`WordDfa::each`] walks.
///
/// Log lines wake the date-of-birth and passport context (a timestamp's
/// digits), so every line was searched for every word: callgrind, 8 MB of
/// generated logs, the crate's overlapping iterator took 163M instructions
/// (16 a byte: it keeps its place in a state struct between matches), and
/// a loop over its DFA's own `next_state` still 153M (18 a byte: the
/// table's bounds and the special-state bounds are loaded and checked at
/// every byte). Here the states are renumbered so that the match states
/// come last (one comparison a byte says whether a word ends), a
/// transition is one load from a table of byte classes by states, and a
/// long text is walked as two halves at once (see [`WordDfa::each`]):
/// 101M instructions, and the 8 MB of logs 824M -> 755M in all. In time
/// (perf, 268 MB of logs, one thread) the search went from 17.7% of 4.37
/// s to 9.4% of 3.96 s; one walk at a time, with fewer instructions (84M),
/// had saved little (4.25 s): each step waits for the load of the last.
#[derive(Debug, Clone)]
struct WordDfa {
    /// Per byte, its class (a column of `next`).
    classes: [u8; 256],
    /// Per state and class, the next state, premultiplied by the number
    /// of classes (so it indexes `next` directly).
    next: Box<[u32]>,
    /// The number of classes.
    width: u32,
    start: u32,
    /// States from this one (premultiplied) on are match states.
    first_match: u32,
    /// Per match state (in order from `first_match`), its words.
    matches: Vec<Vec<u32>>,
    /// The length of the longest word.
    longest: usize,
}

/// Texts at least this long are walked as two overlapping halves at once.
const TWO_WAY: usize = 48;

impl WordDfa {
    fn new(words: &[(Vec<u8>, u128, u128)]) -> Result<Self, CatalogueError> {
        use aho_corasick::{Anchored, StartKind, automaton::Automaton, dfa::DFA};
        use rustc_hash::FxHashMap;
        let error = |e: &dyn std::fmt::Display| CatalogueError::Hints(e.to_string());
        let dfa = DFA::builder()
            .ascii_case_insensitive(true)
            .prefilter(false)
            .start_kind(StartKind::Unanchored)
            .build(words.iter().map(|p| &p.0))
            .map_err(|e| error(&e))?;
        let start = dfa.start_state(Anchored::No).map_err(|e| error(&e))?;
        // Every state reachable from the start, in the crate's IDs, and
        // each one's 256 moves as indexes into `states`.
        let mut states = vec![start];
        let mut index = FxHashMap::from_iter([(start, 0usize)]);
        let mut moves: Vec<usize> = Vec::new();
        let mut at = 0;
        while at < states.len() {
            let sid = states[at];
            at += 1;
            for b in 0..=255u8 {
                let to = dfa.next_state(Anchored::No, sid, b);
                let n = states.len();
                let i = *index.entry(to).or_insert(n);
                if i == n {
                    states.push(to);
                }
                moves.push(i);
            }
        }
        // Unanchored standard search never dies; should it, stop there
        // rather than walk on from a state the table does not hold.
        if states.iter().any(|&s| dfa.is_dead(s)) {
            return Err(error(&"the context-word automaton has a dead state"));
        }
        // Match states last: `order` lists the old indexes in the new
        // order, `renumber` maps an old index to its new one.
        let mut order: Vec<usize> = (0..states.len()).collect();
        order.sort_by_key(|&i| dfa.is_match(states[i]));
        let mut renumber = vec![0; states.len()];
        for (new, &old) in order.iter().enumerate() {
            renumber[old] = new;
        }
        let first_match = order
            .iter()
            .position(|&i| dfa.is_match(states[i]))
            .unwrap_or(states.len());
        // Bytes are in one class when every state moves alike on them.
        let mut classes = [0u8; 256];
        let mut columns: FxHashMap<Vec<usize>, u8> = FxHashMap::default();
        let mut firsts: Vec<u8> = Vec::new();
        for b in 0..256 {
            let col: Vec<usize> = order.iter().map(|&i| moves[i * 256 + b]).collect();
            let n = columns.len();
            let class = *columns.entry(col).or_insert_with(|| n as u8);
            if usize::from(class) == n {
                firsts.push(b as u8);
            }
            classes[b] = class;
        }
        let width = firsts.len();
        let too_big = || error(&"the context-word automaton is too large");
        let premultiplied = |i: usize| u32::try_from(i * width).map_err(|_| too_big());
        let mut next = Vec::with_capacity(order.len() * width);
        for &old in &order {
            for &b in &firsts {
                next.push(premultiplied(renumber[moves[old * 256 + usize::from(b)]])?);
            }
        }
        let matches = order[first_match..]
            .iter()
            .map(|&i| {
                (0..dfa.match_len(states[i]))
                    .map(|k| dfa.match_pattern(states[i], k).as_u32())
                    .collect()
            })
            .collect();
        Ok(WordDfa {
            classes,
            next: next.into_boxed_slice(),
            width: width as u32,
            start: premultiplied(renumber[0])?,
            first_match: premultiplied(first_match)?,
            matches,
            longest: words.iter().map(|w| w.0.len()).max().unwrap_or(0),
        })
    }

    /// Calls `found` with each word occurring in `text` (as its pattern
    /// index) and where that occurrence ends, overlapping occurrences
    /// included; an occurrence may be reported twice.
    ///
    /// A long text is walked as two halves at once, the first running on
    /// past the middle by the longest word less one byte (so that it holds
    /// every word starting in it): a step of the walk is a load whose
    /// address is the previous step's result, and two independent walks
    /// overlap their loads.
    #[inline]
    fn each(&self, text: &[u8], mut found: impl FnMut(usize, usize)) {
        let mut report = |end: usize, s: u32| self.report(end, s, &mut found);
        let n = text.len();
        let mut walks = [(0, self.start, n), (n, self.start, n)];
        if n >= TWO_WAY.max(4 * self.longest) {
            let over = self.longest.saturating_sub(1);
            let mid = (n - over) / 2;
            walks = [(0, self.start, mid + over), (mid, self.start, n)];
            while let Some((end, s)) = self.next_match_two(text, &mut walks) {
                report(end, s);
            }
        }
        for (mut at, mut state, end) in walks {
            let part = &text[..end];
            while let Some((stop, s)) = self.next_match(part, at, state) {
                report(stop, s);
                (at, state) = (stop, s);
            }
        }
    }

    /// Like [`WordDfa::next_match`] for two walks at once, each `(at,
    /// state, end)`, until one of them reaches a word's end (returned as
    /// `next_match` does) or its own end (`None`); the walks are left
    /// where they are, to go on from.
    #[inline(never)]
    fn next_match_two(
        &self,
        text: &[u8],
        walks: &mut [(usize, u32, usize); 2],
    ) -> Option<(usize, u32)> {
        let first = self.first_match;
        let [(mut i, mut a, i_end), (mut j, mut b, j_end)] = *walks;
        let (i_end, j_end) = (i_end.min(text.len()), j_end.min(text.len()));
        let step = |state, byte| self.step(state, byte);
        let mut hit = None;
        while i < i_end && j < j_end {
            let (a2, b2) = (step(a, text[i]), step(b, text[j]));
            if a2 >= first {
                // The other walk's step is taken again next time.
                (i, a) = (i + 1, a2);
                hit = Some((i, a));
                break;
            }
            (i, a, j, b) = (i + 1, a2, j + 1, b2);
            if b2 >= first {
                hit = Some((j, b));
                break;
            }
        }
        walks[0] = (i, a, walks[0].2);
        walks[1] = (j, b, walks[1].2);
        hit
    }

    /// Calls `found` with each word of match state `s`, reached at `end`.
    #[inline]
    fn report(&self, end: usize, s: u32, found: &mut impl FnMut(usize, usize)) {
        let k = ((s - self.first_match) / self.width) as usize;
        for &p in &self.matches[k] {
            found(p as usize, end);
        }
    }

    /// The state after `state` on `byte`.
    #[inline(always)]
    fn step(&self, state: u32, byte: u8) -> u32 {
        let to = state as usize + usize::from(self.classes[usize::from(byte)]);
        debug_assert!(to < self.next.len());
        // SAFETY: `state` is an entry of `next` (or the start), each a
        // state's row premultiplied by the row width, and a class is below
        // the width: `WordDfa::new` built every row whole.
        unsafe { *self.next.get_unchecked(to) }
    }

    /// Walks `text` from `at` in `state` to the end of the next word:
    /// where it ends and the match state there. Kept out of line so that
    /// its loop holds its few values in registers (inlined into
    /// [`Catalogue::plan`], it kept them on the stack).
    #[inline(never)]
    fn next_match(&self, text: &[u8], at: usize, mut state: u32) -> Option<(usize, u32)> {
        let first = self.first_match;
        let rest = text.get(at..).unwrap_or_default();
        for (k, &b) in rest.iter().enumerate() {
            state = self.step(state, b);
            if state >= first {
                return Some((at + k + 1, state));
            }
        }
        None
    }
}

/// Values at least this long have their words found by [`WordPrefilter`].
const PREFILTERED: usize = 64;

/// Bytes of a value folded at a time for [`WordPrefilter`]'s search of
/// context words (on the stack).
const FOLD_CHUNK: usize = 512;

/// Finds, with SIMD, the places where a word that counts may occur, so that
/// [`WordDfa`] walks only round them. A literal counts only byte for byte
/// (see [`Words::find_spelled`]) and is looked for as it is; a context word
/// counts in any case and is looked for folded (every byte `| 0x20`) in
/// the value folded alike, a chunk at a time. The searches are the
/// `aho-corasick` crate's packed searcher (Teddy), which reads 16 or 32
/// bytes a step, against the automaton's one byte a step, each waiting for
/// the last.
///
/// Every occurrence that counts is found: the searches find leftmost
/// occurrences without overlaps, so an occurrence not reported starts
/// within one that is (or is reported itself), and the automaton walks
/// from the start of each reported occurrence on past its end by the
/// longest word less one byte, from its start state (or on from an earlier
/// walk not yet past that start): through every word starting there.
///
/// Log lines wake the date-of-birth and passport context with a
/// timestamp's digits, and the street-address literals with their
/// capitals, so the words were looked for on every line: about a fifth
/// of a log line's time (537 MB of generated logs, one thread: 4.1 s,
/// and 3.2 s with no word search at all), though only 8% of those lines
/// hold a word in any case and none a literal as written. Callgrind, 8
/// MB of those logs: 751M -> 715M instructions (the searches take 87M
/// where the walks took 124M: Teddy's three-byte fingerprints of some
/// fifty short words still pass many places in such text, each checked
/// against its bucket's words); the other corpora within 0.5%. Values
/// shorter than [`PREFILTERED`] are walked whole.
#[derive(Debug, Clone)]
struct WordPrefilter {
    /// The literals that are no context word, as they are.
    exact: Option<aho_corasick::packed::Searcher>,
    /// The context words, folded.
    folded: Option<aho_corasick::packed::Searcher>,
}

impl WordPrefilter {
    /// The prefilter of the automaton's `words`, the longest `longest`
    /// bytes long; `None` when a search cannot be built (too many words
    /// for Teddy, or no SIMD for it) or the words are too long to fold a
    /// chunk at a time.
    fn new(words: &[(Vec<u8>, u128, u128)], longest: usize) -> Option<Self> {
        use aho_corasick::packed::{Config, MatchKind};
        if longest == 0 || longest >= FOLD_CHUNK / 2 {
            return None;
        }
        let build = |list: Vec<Vec<u8>>| -> Option<Option<aho_corasick::packed::Searcher>> {
            if list.is_empty() {
                return Some(None);
            }
            let searcher = Config::new()
                .match_kind(MatchKind::LeftmostFirst)
                .builder()
                .extend(list)
                .build()?;
            Some(Some(searcher))
        };
        let exact = words
            .iter()
            .filter(|w| w.2 == 0)
            .map(|w| w.0.clone())
            .collect();
        let folded = words
            .iter()
            .filter(|w| w.2 != 0)
            .map(|w| w.0.iter().map(|&b| b | 0x20).collect())
            .collect();
        Some(WordPrefilter {
            exact: build(exact)?,
            folded: build(folded)?,
        })
    }

    /// Calls `found` as [`WordDfa::each`] does, at least with each
    /// occurrence in `text` of a literal (byte for byte) when `wanted[0]`
    /// and of a context word (in any case) when `wanted[1]`.
    fn each(
        &self,
        dfa: &WordDfa,
        text: &[u8],
        wanted: [bool; 2],
        mut found: impl FnMut(usize, usize),
    ) {
        let reach = dfa.longest - 1;
        if let Some(exact) = self.exact.as_ref().filter(|_| wanted[0]) {
            let mut walk = Walk::new(dfa);
            for m in exact.find_iter(text) {
                walk.cover(dfa, text, m.start(), m.end() + reach, &mut found);
            }
        }
        if let Some(folded) = self.folded.as_ref().filter(|_| wanted[1]) {
            let mut walk = Walk::new(dfa);
            let mut chunk = [0u8; FOLD_CHUNK];
            let mut at = 0;
            loop {
                let end = (at + FOLD_CHUNK).min(text.len());
                let part = &mut chunk[..end - at];
                for (f, &b) in part.iter_mut().zip(&text[at..end]) {
                    *f = b | 0x20;
                }
                for m in folded.find_iter(&*part) {
                    walk.cover(dfa, text, at + m.start(), at + m.end() + reach, &mut found);
                }
                if end == text.len() {
                    break;
                }
                // The next chunk takes up every word that does not end in
                // this one.
                at = end - reach;
            }
        }
    }
}

/// A walk of [`WordDfa`] over parts of a text in order: where it has got
/// to and its state there.
struct Walk {
    at: usize,
    state: u32,
}

impl Walk {
    fn new(dfa: &WordDfa) -> Self {
        Walk {
            at: 0,
            state: dfa.start,
        }
    }

    /// Walks through `text[start..end]` (`end` clipped to the text),
    /// from the start state at `start` unless the walk is already past it.
    #[inline]
    fn cover(
        &mut self,
        dfa: &WordDfa,
        text: &[u8],
        start: usize,
        end: usize,
        found: &mut impl FnMut(usize, usize),
    ) {
        let end = end.min(text.len());
        if start >= self.at {
            (self.at, self.state) = (start, dfa.start);
        }
        while self.at < end {
            self.state = dfa.step(self.state, text[self.at]);
            self.at += 1;
            if self.state >= dfa.first_match {
                dfa.report(self.at, self.state, found);
            }
        }
    }
}

/// The mark of the bytes that may separate a context word from a value.
const SEPARATOR: u32 = 1 << 31;

/// What the gates of a value depend on, short of its letters: its shape
/// statistics, which single-byte literals of punctuation it holds, and
/// whether it holds a separator. Values of one key get the same
/// [`Gates`] from [`Catalogue::gates_of`] as from [`Catalogue::gates`]
/// without a class key; hex ids and tokens, whose class keys hardly
/// repeat, take a few keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateKey {
    stats: ValueStats,
    marks: u32,
}

/// Hashed as one word mixed from the fields in pairs, each pair by its
/// own multiplier: a hasher fed the nine fields one by one (the derived
/// `Hash`) chains nine multiplications, each waiting for the one before,
/// and the memo of gate keys looks one up for most ids and words.
impl std::hash::Hash for GateKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let s = &self.stats;
        let pair = |a: u32, b: u32| u64::from(a) | u64::from(b) << 32;
        let mixed = pair(s.digit_run, s.at).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ pair(s.dotted, s.colon).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            ^ pair(s.upper, s.letters_digits).wrapping_mul(0x1656_67B1_9E37_79F9)
            ^ pair(s.streak, s.mask).wrapping_mul(0x85EB_CA77_C2B2_AE63)
            ^ u64::from(self.marks).wrapping_mul(0x27D4_EB2F_1656_67C5);
        state.write_u64(mixed ^ mixed >> 29);
    }
}

impl Words {
    fn new(detectors: &[Detector]) -> Result<Self, CatalogueError> {
        let mut words = Words::default();
        for (i, d) in detectors.iter().enumerate().take(128) {
            let bit = 1u128 << i;
            for lit in &d.spec.requires.literals {
                words.literal_set |= bit;
                match lit.as_bytes() {
                    [b] => match words.bytes.iter_mut().find(|(x, _)| x == b) {
                        Some(e) => e.1 |= bit,
                        None => words.bytes.push((*b, bit)),
                    },
                    w => words.add(w, bit, 0),
                }
            }
            if d.context.is_some() {
                words.context_set |= bit;
                for w in &d.spec.context {
                    words.add(w.as_bytes(), 0, bit);
                }
            }
        }
        words.automaton_set = words.patterns.iter().fold(0, |m, p| m | p.1 | p.2);
        words.spelled_set = words.patterns.iter().fold(0, |m, p| m | p.1)
            | words
                .bytes
                .iter()
                .filter(|(b, _)| b.is_ascii_alphanumeric())
                .fold(0, |m, (_, set)| m | set);
        let mut images: Vec<(Vec<u8>, u128)> = Vec::new();
        let spelled = words
            .patterns
            .iter()
            .filter(|p| p.1 != 0)
            .map(|p| (p.0.clone(), p.1))
            .chain(
                words
                    .bytes
                    .iter()
                    .filter(|(b, _)| b.is_ascii_alphanumeric())
                    .map(|&(b, set)| (vec![b], set)),
            );
        for (word, set) in spelled {
            let image: Vec<u8> = word
                .iter()
                .map(|&b| stats::CLASS_KEY[usize::from(b)])
                .collect();
            match images.iter_mut().find(|(i, _)| *i == image) {
                Some(e) => e.1 |= set,
                None => images.push((image, set)),
            }
        }
        if !images.is_empty() {
            words.images = Some(
                AhoCorasick::new(images.iter().map(|i| &i.0))
                    .map_err(|e| CatalogueError::Hints(e.to_string()))?,
            );
            words.image_sets = images.into_iter().map(|i| i.1).collect();
        }
        let punct: Vec<(u8, u128)> = words
            .bytes
            .iter()
            .filter(|(b, _)| !b.is_ascii_alphanumeric())
            .copied()
            .collect();
        if punct.len() < 31 {
            let mut marks = Box::new([0u32; 256]);
            marks[usize::from(b' ')] |= SEPARATOR;
            marks[usize::from(b'=')] |= SEPARATOR;
            for (k, &(b, set)) in punct.iter().enumerate() {
                marks[usize::from(b)] |= 1 << k;
                words.punct_sets.push(set);
            }
            words.marks = Some(marks);
        }
        if !words.patterns.is_empty() {
            let dfa = WordDfa::new(&words.patterns)?;
            words.prefilter = WordPrefilter::new(&words.patterns, dfa.longest);
            words.automaton = Some(dfa);
        }
        Ok(words)
    }

    fn add(&mut self, word: &[u8], literal: u128, context: u128) {
        match self.patterns.iter_mut().find(|p| p.0 == word) {
            Some(p) => {
                p.1 |= literal;
                p.2 |= context;
            }
            None => self.patterns.push((word.to_vec(), literal, context)),
        }
    }

    /// The detectors among `wanted` one of whose single-byte literals that
    /// are neither letters nor digits `value` holds: a function of its
    /// class key, in which those bytes stand for themselves.
    fn find_punctuation(&self, value: &[u8], wanted: u128) -> u128 {
        let mut literal = 0u128;
        for &(b, set) in &self.bytes {
            if !b.is_ascii_alphanumeric()
                && set & wanted & !literal != 0
                && memchr::memchr(b, value).is_some()
            {
                literal |= set;
            }
        }
        literal & wanted
    }

    /// The detectors with a literal whose image the class key `key` holds.
    fn possible(&self, key: &[u8]) -> u128 {
        match &self.images {
            Some(ac) => ac
                .find_overlapping_iter(key)
                .fold(0, |m, hit| m | self.image_sets[hit.pattern().as_usize()]),
            None => 0,
        }
    }

    /// The detectors among `literal_wanted` one of whose literals with a
    /// letter or digit `value` holds (the others are `find_punctuation`'s),
    /// and those among `context_wanted` one of whose context words it
    /// holds.
    fn find_spelled(
        &self,
        value: &[u8],
        literal_wanted: u128,
        context_wanted: u128,
    ) -> (u128, u128) {
        self.find_spelled_with(value, literal_wanted, context_wanted, true)
    }

    /// [`Words::find_spelled`], walking the whole value when `prefiltered`
    /// is false (to test the prefilter against).
    fn find_spelled_with(
        &self,
        value: &[u8],
        literal_wanted: u128,
        context_wanted: u128,
        prefiltered: bool,
    ) -> (u128, u128) {
        let literal_wanted = literal_wanted & self.spelled_set;
        if literal_wanted | context_wanted == 0 {
            return (0, 0);
        }
        let (mut literal, mut context) = (0u128, 0u128);
        for &(b, set) in &self.bytes {
            if b.is_ascii_alphanumeric()
                && set & literal_wanted & !literal != 0
                && memchr::memchr(b, value).is_some()
            {
                literal |= set;
            }
        }
        if let Some(ac) = &self.automaton
            && (literal_wanted & !literal | context_wanted) & self.automaton_set != 0
        {
            // A search for words that cannot count is left out.
            let exact = literal_wanted & !literal & self.automaton_set != 0;
            let folded = context_wanted & self.context_set != 0;
            let found = |pattern: usize, end: usize| {
                let (word, lit, ctx) = &self.patterns[pattern];
                context |= ctx;
                if *lit != 0 && value[..end].ends_with(word) {
                    literal |= lit;
                }
            };
            match &self.prefilter {
                Some(p) if prefiltered && value.len() >= PREFILTERED => {
                    p.each(ac, value, [exact, folded], found);
                }
                _ => ac.each(value, found),
            }
        }
        (literal & literal_wanted, context & context_wanted)
    }
}

fn compile(
    file: &str,
    id: &str,
    which: &'static str,
    src: &Option<String>,
    unicode: bool,
) -> Result<Option<Regex>, CatalogueError> {
    let Some(src) = src else { return Ok(None) };
    if !unicode && uses_unicode_class(src) {
        return Err(CatalogueError::Unicode {
            file: file.to_string(),
            id: id.to_string(),
            which,
        });
    }
    RegexBuilder::new(src)
        .unicode(unicode)
        .build()
        .map(Some)
        .map_err(|e| CatalogueError::Regex {
            file: file.to_string(),
            id: id.to_string(),
            which,
            message: e.to_string(),
        })
}

/// Whether a regex asks for Unicode classes (`\p{…}`, `\P{…}`, `(?u)`).
fn uses_unicode_class(src: &str) -> bool {
    let bytes = src.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'\\' {
            if matches!(bytes[i + 1], b'p' | b'P') {
                return true;
            }
            i += 2;
            continue;
        }
        if bytes[i] == b'(' && bytes[i + 1] == b'?' {
            let flags = bytes[i + 2..]
                .iter()
                .take_while(|b| b.is_ascii_alphabetic() || **b == b'-');
            let mut negated = false;
            for &f in flags {
                if f == b'-' {
                    negated = true;
                } else if f == b'u' && !negated {
                    return true;
                }
            }
        }
        i += 1;
    }
    false
}

/// Checks a regex's syntax (and the Unicode rule) without compiling it.
fn check_syntax(
    file: &str,
    id: &str,
    which: &'static str,
    src: &str,
    unicode: bool,
) -> Result<(), CatalogueError> {
    if !unicode && uses_unicode_class(src) {
        return Err(CatalogueError::Unicode {
            file: file.to_string(),
            id: id.to_string(),
            which,
        });
    }
    regex_syntax::ParserBuilder::new()
        .unicode(unicode)
        .utf8(false)
        .build()
        .parse(src)
        .map(|_| ())
        .map_err(|e| CatalogueError::Regex {
            file: file.to_string(),
            id: id.to_string(),
            which,
            message: e.to_string(),
        })
}

impl Catalogue {
    /// Compiles every lazily compiled regex now and reports the first that
    /// fails (for `sandsift detectors check`).
    pub fn compile_all(&self) -> Result<(), CatalogueError> {
        for d in &self.detectors {
            if let Some(h) = &d.hinted
                && let Err(e) = RegexBuilder::new(&h.src).unicode(h.unicode).build()
            {
                return Err(CatalogueError::Regex {
                    file: d.source.clone(),
                    id: d.id.clone(),
                    which: "hinted_pattern",
                    message: e.to_string(),
                });
            }
        }
        Ok(())
    }

    /// The built-in catalogue plus the detector files (or folders of
    /// them) at `paths`.
    pub fn with_user_files(paths: &[std::path::PathBuf]) -> Result<Self, CatalogueError> {
        Self::with_user_files_selected(paths, &[])
    }

    /// Like [`Catalogue::with_user_files`], keeping only the detectors
    /// whose id or category is in `only` (all of them when it is empty).
    /// An entry that names no detector is an error.
    pub fn with_user_files_selected(
        paths: &[std::path::PathBuf],
        only: &[String],
    ) -> Result<Self, CatalogueError> {
        let mut sources: Vec<(String, String)> = BUILTIN_PATTERNS
            .iter()
            .map(|&(n, t)| (n.to_string(), t.to_string()))
            .collect();
        for p in paths {
            sources.extend(read_pattern_sources(p)?);
        }
        if only.is_empty() {
            return Self::from_sources(sources);
        }
        let mut named = vec![false; only.len()];
        let catalogue = Self::from_sources_where(sources, |spec| {
            let mut keep = false;
            for (i, o) in only.iter().enumerate() {
                if *o == spec.id || o.as_str() == spec.category.as_str() {
                    named[i] = true;
                    keep = true;
                }
            }
            keep
        })?;
        if let Some(i) = named.iter().position(|n| !n) {
            return Err(CatalogueError::Unknown(only[i].clone()));
        }
        Ok(catalogue)
    }

    /// The built-in catalogue.
    pub fn builtin() -> Result<Self, CatalogueError> {
        Self::from_sources(
            BUILTIN_PATTERNS
                .iter()
                .map(|&(n, t)| (n.to_string(), t.to_string())),
        )
    }

    /// Compiles detector files given as `(name, TOML text)`, in order.
    pub fn from_sources(
        sources: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, CatalogueError> {
        Self::from_sources_where(sources, |_| true)
    }

    /// Compiles the detectors of `sources` that `keep` selects.
    pub fn from_sources_where(
        sources: impl IntoIterator<Item = (String, String)>,
        mut keep: impl FnMut(&DetectorSpec) -> bool,
    ) -> Result<Self, CatalogueError> {
        let mut specs: Vec<(std::sync::Arc<str>, DetectorSpec)> = Vec::new();
        for (file, text) in sources {
            let parsed: PatternFile = toml::from_str(&text).map_err(|e| CatalogueError::Parse {
                file: file.clone(),
                message: e.to_string(),
            })?;
            let file: std::sync::Arc<str> = file.into();
            for spec in parsed.detectors {
                if keep(&spec) {
                    specs.push((file.clone(), spec));
                }
            }
        }
        let detectors = Self::compile_specs(specs)?;
        let mut hints = Vec::new();
        for (i, d) in detectors.iter().enumerate() {
            let words = d
                .spec
                .hints
                .iter()
                .map(|w| (w, HintKind::Supports))
                .chain(d.spec.not_hints.iter().map(|w| (w, HintKind::Contradicts)));
            for (word, kind) in words {
                hints.push(Hint {
                    detector: i,
                    word: hints::normalise(word),
                    kind,
                });
            }
        }
        let hints = HintIndex::new(hints).map_err(|e| CatalogueError::Hints(e.to_string()))?;
        let gates: Vec<Gate> = detectors.iter().map(|d| Gate::of(&d.requires)).collect();
        let mut thresholds: [Vec<(u32, u128)>; 7] = Default::default();
        for (stat, list) in thresholds.iter_mut().enumerate() {
            let mut needs: Vec<u32> = gates.iter().take(128).map(|g| g.0[stat]).collect();
            needs.retain(|&n| n > 0);
            needs.sort_unstable();
            needs.dedup();
            *list = needs
                .into_iter()
                .map(|need| {
                    let set = gates
                        .iter()
                        .take(128)
                        .enumerate()
                        .filter(|(_, g)| g.0[stat] >= need)
                        .fold(0u128, |b, (i, _)| b | 1 << i);
                    (need, set)
                })
                .collect();
        }
        let blocked_at = thresholds.clone().map(|list| {
            let top = list.last().map_or(0, |&(need, _)| need as usize);
            (0..top.min(BLOCKED_TABLE))
                .map(|have| {
                    list.iter()
                        .find(|&&(need, _)| (have as u32) < need)
                        .map_or(0, |&(_, set)| set)
                })
                .collect()
        });
        let masked_set = detectors
            .iter()
            .enumerate()
            .take(128)
            .filter(|(_, d)| d.masked.is_some())
            .fold(0u128, |m, (i, _)| m | 1 << i);
        let words = Words::new(&detectors)?;
        let pattern_set = detectors
            .iter()
            .enumerate()
            .take(128)
            .filter(|(_, d)| d.pattern.is_some())
            .fold(0u128, |m, (i, _)| m | 1 << i);
        let multi_of: Vec<usize> = detectors
            .iter()
            .enumerate()
            .take(128)
            .filter(|(_, d)| d.pattern.is_some() && !d.spec.unicode)
            .map(|(i, _)| i)
            .collect();
        let multi = screen::MultiScreen::new(
            multi_of
                .iter()
                .filter_map(|&i| detectors[i].pattern.as_ref())
                .map(|re| re.as_str().to_string())
                .collect(),
        );
        let multi_set = multi_of.iter().fold(0u128, |m, &i| m | 1 << i);
        let detectors_len = detectors.len();
        Ok(Catalogue {
            detectors,
            gates,
            thresholds,
            blocked_at,
            masked_set,
            pattern_set,
            words,
            hints,
            multi,
            multi_of,
            multi_set,
            uuid_free: (0..detectors_len)
                .map(|_| std::sync::OnceLock::new())
                .collect(),
        })
    }

    /// Compiles detectors in order, on rayon's threads (their regexes are
    /// most of a scan's start-up: about 60M instructions for the built-in
    /// catalogue; a scan of an empty folder took 18.1 ms compiling them
    /// one by one); the first error in file order is the one returned, as
    /// if they were compiled one by one.
    fn compile_specs(
        specs: Vec<(std::sync::Arc<str>, DetectorSpec)>,
    ) -> Result<Vec<Detector>, CatalogueError> {
        use rayon::prelude::*;
        let mut seen = std::collections::HashSet::new();
        let duplicate: Vec<bool> = specs
            .iter()
            .map(|(_, s)| !seen.insert(s.id.clone()))
            .collect();
        specs
            .into_par_iter()
            .zip(duplicate)
            .map(|((file, spec), duplicate)| {
                if duplicate {
                    Err(CatalogueError::DuplicateId {
                        file: file.to_string(),
                        id: spec.id,
                    })
                } else {
                    Self::compile_one(&file, spec)
                }
            })
            // Collected in order first: rayon's own collect into a
            // `Result` returns any one of the errors, not the first.
            .collect::<Vec<_>>()
            .into_iter()
            .collect()
    }

    fn compile_one(file: &str, spec: DetectorSpec) -> Result<Detector, CatalogueError> {
        let id = spec.id.clone();
        if spec.pattern.is_none() && spec.hinted_pattern.is_none() {
            return Err(CatalogueError::NoPattern {
                file: file.into(),
                id,
            });
        }
        let validator = match &spec.validator {
            Some(name) => Some(Validator::from_name(name).ok_or_else(|| {
                CatalogueError::UnknownValidator {
                    file: file.into(),
                    id: id.clone(),
                    name: name.clone(),
                }
            })?),
            None => None,
        };
        let hinted_src = spec
            .hinted_pattern
            .as_ref()
            .map(|p| format!("^(?:{})$", p.trim_start_matches('^').trim_end_matches('$')));
        let pattern = compile(file, &id, "pattern", &spec.pattern, spec.unicode)?;
        Ok(Detector {
            window: pattern
                .as_ref()
                .and_then(|re| Window::of(re.as_str(), spec.unicode, &spec.requires)),
            screen: pattern
                .as_ref()
                .map(|re| screen::Screen::new(re.as_str(), spec.unicode)),
            pattern,
            hinted: match hinted_src {
                Some(src) => {
                    check_syntax(file, &id, "hinted_pattern", &src, spec.unicode)?;
                    Some(LazyRegex {
                        src,
                        unicode: spec.unicode,
                        compiled: std::sync::OnceLock::new(),
                    })
                }
                None => None,
            },
            masked: compile(
                file,
                &id,
                "masked_pattern",
                &spec.masked_pattern,
                spec.unicode,
            )?,
            source: file.to_string(),
            context: match (spec.context.as_slice(), &spec.hinted_pattern) {
                ([], _) | (_, None) => None,
                (words, Some(p)) => Some((
                    AhoCorasick::builder()
                        .ascii_case_insensitive(true)
                        .build(words)
                        .map_err(|e| CatalogueError::Hints(e.to_string()))?,
                    LazyRegex {
                        src: format!(
                            "(?-u:\\b)(?:{})(?-u:\\b)",
                            p.trim_start_matches('^').trim_end_matches('$')
                        ),
                        unicode: spec.unicode,
                        compiled: std::sync::OnceLock::new(),
                    },
                )),
            },
            literals: match spec.requires.literals.as_slice() {
                [] => None,
                words => Some(
                    AhoCorasick::new(words).map_err(|e| CatalogueError::Hints(e.to_string()))?,
                ),
            },
            id,
            name: spec.name.clone(),
            category: spec.category,
            confidence: spec.confidence,
            mask: spec.mask,
            validator,
            requires: spec.requires.clone(),
            spec,
        })
    }

    /// All detectors, in priority order.
    pub fn detectors(&self) -> &[Detector] {
        &self.detectors
    }

    /// The normalised hint word with this index.
    pub fn hint_word(&self, index: usize) -> &str {
        &self.hints.hint(index).word
    }

    /// What a field name says to each detector. `scratch` is reused for the
    /// normalised name. `None` (free text) says nothing: every detector with
    /// a free pattern runs.
    pub fn field_context(&self, name: Option<&[u8]>, scratch: &mut Vec<u8>) -> FieldContext {
        let mut supports: Vec<(usize, usize)> = Vec::new();
        // Per contradicted detector, the length of its longest matching
        // not-hint: a more specific not-hint (`password_changed`) beats a
        // shorter hint (`password`); otherwise the hint wins.
        let mut contradicts: Vec<(usize, usize)> = Vec::new();
        let mut hashed = false;
        if let Some(name) = name {
            hints::normalise_into(name, scratch);
            hashed = scratch
                .split(|&b| b == b'_')
                .any(|t| HASH_WORDS.contains(&t));
            self.hints.for_each_match(scratch, |i| {
                let hint = self.hints.hint(i);
                match hint.kind {
                    HintKind::Supports => {
                        match supports.iter_mut().find(|(d, _)| *d == hint.detector) {
                            Some(s) if self.hints.hint(s.1).word.len() < hint.word.len() => s.1 = i,
                            Some(_) => {}
                            None => supports.push((hint.detector, i)),
                        }
                    }
                    HintKind::Contradicts => contradicts.push((hint.detector, hint.word.len())),
                }
            });
        }
        let mut ctx = FieldContext {
            hashed,
            ..FieldContext::default()
        };
        for (i, d) in self.detectors.iter().enumerate() {
            let contradiction = contradicts
                .iter()
                .filter(|&&(d, _)| d == i)
                .map(|&(_, len)| len)
                .max();
            let hint = supports
                .iter()
                .find(|&&(d, _)| d == i)
                .map(|&(_, h)| h)
                .filter(|&h| contradiction.is_none_or(|len| len <= self.hints.hint(h).word.len()));
            let free = d.pattern.is_some() || d.masked.is_some() || d.context.is_some();
            let applies = match hint {
                Some(_) => true,
                None => free && contradiction.is_none(),
            };
            if applies {
                ctx.active.push((i, hint));
                if i < 128 {
                    ctx.active_set |= 1 << i;
                    if hint.is_some() {
                        ctx.hinted_set |= 1 << i;
                    }
                }
            }
        }
        ctx
    }

    /// Runs every detector over `value`, appending non-overlapping matches
    /// in order of position to `out`.
    pub fn scan_value(&self, ctx: &FieldContext, value: &[u8], out: &mut Vec<Match>) {
        let base = out.len();
        if self.scan_hashed(ctx, value, out) {
            return;
        }
        if let Some(gates) = self.gates(ctx, value, None) {
            self.run(ctx, self.plan(ctx, gates, value), value, out);
            return;
        }
        let stats = ValueStats::of(value);
        let have = stat_array(&stats);
        let masks = stats.mask >= 3;
        for &(i, hint) in &ctx.active {
            let passes = self.gates[i].passes(&have);
            if !passes && hint.is_none() && !masks {
                continue;
            }
            let d = &self.detectors[i];
            let gate = passes && d.literals.as_ref().is_none_or(|ac| ac.is_match(value));
            let run = Run {
                pattern: gate,
                screened: false,
                context: passes
                    && hint.is_none()
                    && memchr::memchr2(b' ', b'=', value).is_some()
                    && d.context.as_ref().is_some_and(|(w, _)| w.is_match(value)),
                masked: masks,
            };
            self.scan_one(i, hint, run, value, out);
        }
        if out.len() - base > 1 {
            self.resolve_overlaps(out, base);
        }
    }

    /// A digest in a field whose name says it holds hashed values: held
    /// by the first detector the name points at. True when `value` was
    /// such a digest (and its match pushed).
    fn scan_hashed(&self, ctx: &FieldContext, value: &[u8], out: &mut Vec<Match>) -> bool {
        if !(ctx.hashed && ctx.hinted_set != 0) {
            return false;
        }
        let (s, e) = trim(value);
        if !is_hex_digest(&value[s..e]) {
            return false;
        }
        if let Some(&(i, hint)) = ctx.active.iter().find(|(_, h)| h.is_some()) {
            out.push(Match {
                detector: i,
                start: s,
                end: e,
                confidence: Confidence::High,
                status: Status::Masked,
                evidence: Evidence {
                    rule: MatchRule::Hashed,
                    validator: None,
                    hint,
                    weak: false,
                },
            });
        }
        true
    }

    /// What the shape statistics of `value` decide in a field: which
    /// detectors pass their gates, and which literals and context words
    /// are still to be looked for. A function of the value's byte classes
    /// alone (digits, capitals but `X`, small letters, each other byte
    /// itself; see [`stats::CLASS_KEY`]), so it can be remembered by them.
    /// `None` for catalogues of more than 128 detectors.
    ///
    /// When the caller has the value's class key, `key` rules out the
    /// literals spelled with letters whose class images it does not hold.
    pub fn gates(&self, ctx: &FieldContext, value: &[u8], key: Option<&[u8]>) -> Option<Gates> {
        if self.detectors.len() > 128 {
            return None;
        }
        let stats = ValueStats::of(value);
        let w = &self.words;
        let mut gates = self.gates_with(
            ctx,
            &stats,
            || memchr::memchr2(b' ', b'=', value).is_some(),
            |wanted| w.find_punctuation(value, wanted),
        );
        if gates.literal_wanted != 0
            && let Some(key) = key
        {
            gates.literal_wanted &= w.possible(key);
        }
        Some(gates)
    }

    /// The gates of a value of statistics `stats`, given whether it holds
    /// a separator and which of the detectors wanting a literal of
    /// punctuation it has one of.
    #[inline]
    fn gates_with(
        &self,
        ctx: &FieldContext,
        stats: &ValueStats,
        separator: impl FnOnce() -> bool,
        punctuation: impl FnOnce(u128) -> u128,
    ) -> Gates {
        let have = stat_array(stats);
        let masks = stats.mask >= 3;
        // Most detectors fail their gate on most values and have nothing
        // else to try: the gate sets rule them out together, and only the
        // rest are visited.
        let passing = ctx.active_set & !self.blocked(&have);
        let w = &self.words;
        // A context word and a value are separated by a space or `=`
        // (`SSN: 512440133`, `dob=1985-03-14`); timestamps are not.
        let context_wanted = passing & w.context_set & !ctx.hinted_set;
        let context_wanted = if context_wanted != 0 && separator() {
            context_wanted
        } else {
            0
        };
        let literal_wanted = passing & w.literal_set;
        let literal_found = punctuation(literal_wanted);
        Gates {
            passing,
            literal_found,
            literal_wanted: literal_wanted & !literal_found & w.spelled_set,
            context_wanted,
            masks,
        }
    }

    /// The [`GateKey`] of `value`, unless the catalogue has too many
    /// literals of punctuation to mark them all.
    pub fn gate_key(&self, value: &[u8]) -> Option<GateKey> {
        let table = self.words.marks.as_deref()?;
        let marks = value.iter().fold(0u32, |m, &b| m | table[usize::from(b)]);
        Some(GateKey {
            stats: ValueStats::of(value),
            marks,
        })
    }

    /// The [`GateKey`] of a value [`ValueStats::of_hex_id`] reads (a UUID,
    /// a hex id or digest; always inert, see
    /// [`crate::format::decode::Shape::inert`]), at a fraction of
    /// [`Catalogue::gate_key`]'s work; `None` for any other value, or like
    /// it. Letters and digits have no mark, so only a `-` can have one.
    #[inline]
    pub fn hex_gate_key(&self, value: &[u8]) -> Option<GateKey> {
        let table = self.words.marks.as_deref()?;
        let (stats, dashed) = ValueStats::of_hex_id(value)?;
        Some(GateKey {
            stats,
            marks: if dashed { table[usize::from(b'-')] } else { 0 },
        })
    }

    /// The gates of any value of `key`: those [`Catalogue::gates`] gives
    /// it without a class key (a value in a field of digests aside; see
    /// [`Catalogue::gates_by_shape`]).
    pub fn gates_of(&self, ctx: &FieldContext, key: &GateKey) -> Gates {
        let w = &self.words;
        self.gates_with(
            ctx,
            &key.stats,
            || key.marks & SEPARATOR != 0,
            |wanted| {
                let mut found = 0u128;
                let mut marks = key.marks & !SEPARATOR;
                while marks != 0 {
                    found |= w.punct_sets[marks.trailing_zeros() as usize];
                    marks &= marks - 1;
                }
                found & wanted
            },
        )
    }

    /// Which detectors and rules can match `value`, from its gates: the
    /// literals and context words wanted are looked for here.
    pub fn plan(&self, ctx: &FieldContext, gates: Gates, value: &[u8]) -> Plan {
        let w = &self.words;
        let (spelled, context) = if gates.literal_wanted | gates.context_wanted != 0 {
            w.find_spelled(value, gates.literal_wanted, gates.context_wanted)
        } else {
            (0, 0)
        };
        let literal = gates.literal_found | spelled;
        let masked = if gates.masks { self.masked_set } else { 0 };
        let gate = gates.passing & !(w.literal_set & !literal);
        let todo = ctx.active_set & (ctx.hinted_set | masked | gate & self.pattern_set | context);
        Plan {
            todo,
            gate,
            context,
            masks: gates.masks,
        }
    }

    /// The plan of `gates` when it does not depend on the value: no
    /// literal spelled with letters or digits and no context word is
    /// left to look for. Remembered with the gates, it spares the value
    /// [`Catalogue::plan`].
    pub fn settled(&self, ctx: &FieldContext, gates: Gates) -> Option<Plan> {
        let w = &self.words;
        if gates.literal_wanted & w.spelled_set | gates.context_wanted != 0 {
            return None;
        }
        Some(self.plan(ctx, gates, &[]))
    }

    /// Whether [`Catalogue::gates`] may be remembered by byte classes in
    /// this field: not in a field of digests, whose values are first
    /// checked for being one.
    pub fn gates_by_shape(&self, ctx: &FieldContext) -> bool {
        self.detectors.len() <= 128 && !(ctx.hashed && ctx.hinted_set != 0)
    }

    /// Whether no UUID written in lowercase hex (see
    /// [`stats::is_lower_uuid`]) can give a match in a field of context
    /// `ctx`, so such values need not be scanned there. Every such UUID
    /// has statistics at most those of `00000000-0000-…` (32 digits in
    /// one run of digits and dashes, runs of at most 12 digits, nothing
    /// else counted) and the same marks (a `-`), and the gates only open
    /// as statistics grow: the detectors that value's plan leaves are a
    /// superset of those of any UUID. It is true when none of them has a
    /// hint, a context word or a mask to try, and each pattern left can
    /// match in no UUID ([`Catalogue::run`] sets those aside on UUIDs).
    pub fn uuids_clear(&self, ctx: &FieldContext) -> bool {
        if !self.gates_by_shape(ctx) || ctx.hinted_set != 0 {
            return false;
        }
        let Some(table) = self.words.marks.as_deref() else {
            return false;
        };
        let key = GateKey {
            stats: ValueStats::of(b"00000000-0000-0000-0000-000000000000"),
            marks: table[usize::from(b'-')],
        };
        let Some(plan) = self.settled(ctx, self.gates_of(ctx, &key)) else {
            return false;
        };
        if plan.context != 0 || plan.masks || plan.todo & ctx.hinted_set != 0 {
            return false;
        }
        let gated = plan.todo & plan.gate;
        gated & !self.uuid_free(gated) == 0
    }

    /// Runs a plan on `value` (of a field that is not one of digests).
    pub fn run(&self, ctx: &FieldContext, plan: Plan, value: &[u8], out: &mut Vec<Match>) {
        let base = out.len();
        let mut todo = plan.todo;
        let mut gate = plan.gate;
        // A UUID's digits can run nine long between dashes, which the
        // gates take for an SSN's or a phone number's; the patterns that
        // cannot match in any UUID are not searched.
        if is_uuid(value) {
            gate &= !self.uuid_free(todo & gate);
        }
        // Detectors whose pattern the multi-screen says can match.
        let mut screened = 0u128;
        if value.len() >= LONG_VALUE
            && (todo & gate & self.multi_set).count_ones() >= 3
            && let Some(found) = self.multi.which(value)
        {
            let mut rest = found;
            while rest != 0 {
                screened |= 1 << self.multi_of[rest.trailing_zeros() as usize];
                rest &= rest - 1;
            }
            gate &= !self.multi_set | screened;
        }
        while todo != 0 {
            let i = todo.trailing_zeros() as usize;
            todo &= todo - 1;
            let hint = if ctx.hinted_set >> i & 1 == 1 {
                ctx.active
                    .iter()
                    .find(|&&(d, _)| d == i)
                    .and_then(|&(_, h)| h)
            } else {
                None
            };
            let bit = |set: u128| set >> i & 1 == 1;
            let run = Run {
                pattern: bit(gate),
                screened: bit(screened),
                context: bit(plan.context),
                masked: plan.masks,
            };
            self.scan_one(i, hint, run, value, out);
        }
        if out.len() - base > 1 {
            self.resolve_overlaps(out, base);
        }
    }

    /// Of the detectors in `set`, those whose free pattern cannot match
    /// anywhere in any UUID: each pattern's screen is asked once, the
    /// first time its detector would run on a UUID (asking all of them
    /// built DFAs a scan may never need, about 13M instructions).
    fn uuid_free(&self, set: u128) -> u128 {
        let mut free = 0u128;
        let mut rest = set;
        while rest != 0 {
            let i = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            let cannot = *self.uuid_free[i].get_or_init(|| {
                self.detectors[i]
                    .screen
                    .as_ref()
                    .is_some_and(|s| !s.may_match_shape(&uuid_shape()))
            });
            free |= u128::from(cannot) << i;
        }
        free
    }

    /// The detectors some threshold of which the statistics miss.
    #[inline]
    fn blocked(&self, have: &[u32; 7]) -> u128 {
        self.blocked_at.iter().zip(have).zip(&self.thresholds).fold(
            0u128,
            |b, ((table, &have), list)| {
                b | match table.get(have as usize) {
                    Some(&set) => set,
                    // Past the table: only a threshold above it is left.
                    None => list
                        .iter()
                        .find(|&&(need, _)| have < need)
                        .map_or(0, |&(_, set)| set),
                }
            },
        )
    }

    /// Runs detector `i` on a value: its field-only pattern under a hint,
    /// and the rules `run` says can match.
    fn scan_one(
        &self,
        i: usize,
        hint: Option<usize>,
        run: Run,
        value: &[u8],
        out: &mut Vec<Match>,
    ) {
        let d = &self.detectors[i];
        self.scan_clear(i, d, hint, value, run, out);
        if run.masked
            && let Some(re) = &d.masked
        {
            for m in re.find_iter(value) {
                out.push(Match {
                    detector: i,
                    start: m.start(),
                    end: m.end(),
                    confidence: if hint.is_some() {
                        Confidence::High
                    } else {
                        d.confidence
                    },
                    status: Status::Masked,
                    evidence: Evidence {
                        rule: MatchRule::MaskedShape,
                        validator: None,
                        hint,
                        weak: false,
                    },
                });
            }
        }
    }

    /// Runs the field-only pattern (under a hint, whatever the prefilter
    /// says: hinted fields are few) and, where the prefilter passed, the
    /// free pattern, and where a context word is in the value, the
    /// field-only shape right after it.
    fn scan_clear(
        &self,
        i: usize,
        d: &Detector,
        hint: Option<usize>,
        value: &[u8],
        run: Run,
        out: &mut Vec<Match>,
    ) {
        if let (Some(h), Some(re)) = (hint, d.hinted.as_ref().and_then(LazyRegex::get)) {
            let (s, e) = trim(value);
            if re.is_match(&value[s..e])
                && let Some(m) = confirm(i, d, value, s, e, MatchRule::FieldPattern, Some(h))
            {
                out.push(m);
                return;
            }
        }
        if run.pattern
            && let Some(re) = &d.pattern
        {
            let screen = d.screen.as_ref().map(|s| (s, d.window));
            each_match(re, screen, run.screened, value, |start, end| {
                if let Some(m) = confirm(i, d, value, start, end, MatchRule::Pattern, hint) {
                    out.push(m);
                }
            });
        }
        if run.context
            && hint.is_none()
            && let Some((words, shape)) = &d.context
            && let Some(re) = shape.get()
        {
            for m in re.find_iter(value) {
                // The context word must end within a short window before
                // the value ("SSN: 512440133", "born on 14/03/1985").
                let window = &value[m.start().saturating_sub(CONTEXT_WINDOW)..m.start()];
                if has_word(words, window)
                    && let Some(found) =
                        confirm(i, d, value, m.start(), m.end(), MatchRule::Context, None)
                {
                    out.push(found);
                }
            }
        }
    }

    /// Runs every detector's examples and negative examples; returns one
    /// message per example that does not behave.
    pub fn check_examples(&self) -> Vec<String> {
        self.check_examples_where(|_| true)
    }

    /// Like [`Catalogue::check_examples`], for the detectors `select` picks.
    pub fn check_examples_where(&self, select: impl Fn(&Detector) -> bool) -> Vec<String> {
        let mut failures = Vec::new();
        let mut scratch = Vec::new();
        let mut found = Vec::new();
        for (i, d) in self.detectors.iter().enumerate().filter(|(_, d)| select(d)) {
            let mut run = |field: Option<&str>, value: &str, expect: bool| {
                let ctx = self.field_context(field.map(str::as_bytes), &mut scratch);
                found.clear();
                self.scan_value(&ctx, value.as_bytes(), &mut found);
                let hit = found.iter().any(|m| m.detector == i);
                if hit != expect {
                    let what = if expect {
                        "example not found"
                    } else {
                        "negative example matched"
                    };
                    let field = field
                        .map(|f| format!(" in field `{f}`"))
                        .unwrap_or_default();
                    failures.push(format!("{}: {what}: {value:?}{field}", d.id));
                }
            };
            for v in &d.spec.examples {
                run(None, v, true);
            }
            for v in &d.spec.negatives {
                run(None, v, false);
            }
            for (f, v) in &d.spec.field_examples {
                run(Some(f), v, true);
            }
            for (f, v) in &d.spec.field_negatives {
                run(Some(f), v, false);
            }
        }
        failures
    }
}

fn trim(value: &[u8]) -> (usize, usize) {
    let start = value
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    (start, end)
}

/// The dashes of a UUID in its canonical text form (8-4-4-4-12 hex
/// digits).
const UUID_DASHES: [usize; 4] = [8, 13, 18, 23];

/// Whether `value` is a UUID in its canonical text form, in either case.
#[inline]
fn is_uuid(value: &[u8]) -> bool {
    value.len() == 36
        && value.iter().enumerate().all(|(i, &b)| {
            if UUID_DASHES.contains(&i) {
                b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        })
}

/// The bytes each position of a UUID can hold (see [`is_uuid`]), as
/// [`screen::Screen::may_match_shape`] takes them.
fn uuid_shape() -> Vec<[u64; 4]> {
    let set = |pick: fn(u8) -> bool| {
        let mut set = [0u64; 4];
        for b in (0..=255u8).filter(|&b| pick(b)) {
            set[usize::from(b / 64)] |= 1 << (b % 64);
        }
        set
    };
    let (hex, dash) = (set(|b| b.is_ascii_hexdigit()), set(|b| b == b'-'));
    (0..36)
        .map(|i| if UUID_DASHES.contains(&i) { dash } else { hex })
        .collect()
}

/// Where a pattern can match in a value, told from the value's runs of
/// bare digits: a pattern that `requires` a run of `streak` digits (a
/// necessary condition, so one its own match holds, the byte on either
/// side of the match aside, which look-around may read) and whose matches
/// are at most `reach - 1` bytes long matches only within `reach` bytes
/// of such a run. In a log line the runs are few and short (an order
/// number, a user id), so a screen reads a few dozen bytes, not the line:
/// the Spanish DNI's screen (8 digits, or a letter and 7, then a
/// capital) read nearly every generated log line whole, about 9% of
/// their scan.
#[derive(Debug, Clone, Copy)]
struct Window {
    streak: usize,
    reach: usize,
}

impl Window {
    /// The window of a pattern of source `src`, if it requires a run of
    /// digits and its matches have a bounded length.
    fn of(src: &str, unicode: bool, requires: &Requires) -> Option<Self> {
        if requires.streak == 0 {
            return None;
        }
        let hir = regex_syntax::ParserBuilder::new()
            .unicode(unicode)
            .utf8(false)
            .build()
            .parse(src)
            .ok()?;
        let longest = hir.properties().maximum_len()?;
        Some(Window {
            streak: requires.streak as usize,
            reach: longest + 1,
        })
    }

    /// Calls `each` with the byte ranges of `value` a match can lie in,
    /// overlapping ones joined, in order, until `each` returns false.
    fn ranges(self, value: &[u8], each: &mut dyn FnMut(usize, usize) -> bool) {
        let mut pending: Option<(usize, usize)> = None;
        let mut go_on = true;
        stats::digit_runs(value, self.streak, |start, end| {
            let from = start.saturating_sub(self.reach);
            let to = (end + self.reach).min(value.len());
            pending = match pending {
                Some((s, e)) if from <= e => Some((s, to)),
                Some((s, e)) => {
                    go_on = each(s, e);
                    Some((from, to))
                }
                None => Some((from, to)),
            };
            go_on
        });
        if go_on && let Some((s, e)) = pending {
            each(s, e);
        }
    }
}

/// Calls `found` with each match of `re` in `value`, as `find_iter`
/// gives them, unless its screen says there is none (`screened`: the
/// multi-screen said there is one).
///
/// A value that begins with a match (a field of the detector's own
/// kind) has it found by one anchored pass of the screen's DFA, and the
/// rest of the value, if any, searched from its end as `find_iter` goes
/// on. A long value (a log line) seldom begins with one.
///
/// A long value is screened only in the windows of `Window` where the
/// detector has one.
fn each_match(
    re: &Regex,
    screen: Option<(&screen::Screen, Option<Window>)>,
    screened: bool,
    value: &[u8],
    mut found: impl FnMut(usize, usize),
) {
    let anchored = match screen {
        Some((s, _)) if value.len() < LONG_VALUE => s.anchored_end(value),
        _ => None,
    };
    if let Some(end) = anchored {
        found(0, end);
        // From the last match's end, where an empty match is passed over.
        let (mut at, mut last) = (end, end);
        while at <= value.len()
            && let Some(m) = re.find_at(value, at)
        {
            if m.is_empty() && m.end() == last {
                at = m.end() + 1;
                continue;
            }
            found(m.start(), m.end());
            (at, last) = (m.end(), m.end());
        }
    } else if screened
        || screen.is_none_or(|(s, window)| match window {
            Some(w) if value.len() >= LONG_VALUE => {
                s.may_match_within(value, |each| w.ranges(value, each))
            }
            _ => s.may_match(value),
        })
    {
        for m in re.find_iter(value) {
            found(m.start(), m.end());
        }
    }
}

fn confirm(
    i: usize,
    d: &Detector,
    value: &[u8],
    start: usize,
    end: usize,
    rule: MatchRule,
    hint: Option<usize>,
) -> Option<Match> {
    let (test, weak) = match d.validator {
        Some(v) => match v.check(value, start, end) {
            Verdict::Invalid => return None,
            Verdict::Valid { test, weak } => (test, weak),
        },
        None => (false, false),
    };
    // A field hint that agrees with a validated value is the strongest
    // evidence we have; without a hint, a weak value (private address,
    // bare digits) loses a level.
    // A context word in the text counts like a field hint.
    let supported = hint.is_some() || rule == MatchRule::Context;
    let confidence = match (supported, weak) {
        (true, _) if d.validator.is_some() => Confidence::High,
        (true, _) => Confidence::Medium,
        (false, false) => d.confidence,
        (false, true) => d.confidence.lower(),
    };
    Some(Match {
        detector: i,
        start,
        end,
        confidence,
        status: if test {
            Status::TestValue
        } else {
            Status::Clear
        },
        evidence: Evidence {
            rule,
            validator: d.validator,
            hint,
            weak,
        },
    })
}

/// Whether a validator checks digits (a checksum), not only a shape.
fn is_checksum(v: Validator) -> bool {
    use Validator as V;
    matches!(
        v,
        V::CreditCard
            | V::Iban
            | V::Luhn
            | V::AbaRouting
            | V::Aadhaar
            | V::BrCpf
            | V::NlBsn
            | V::EsDniNie
            | V::CaSin
            | V::UkNhs
            | V::AuTfn
            | V::FrInsee
            | V::ItCodiceFiscale
            | V::DeTaxId
    )
}

impl Catalogue {
    /// Keeps, among overlapping matches, the one with the higher confidence,
    /// then one found by its own shape over one found only by a field-only
    /// pattern (a JWT over a generic token in `auth_token`), then the more
    /// specific field hint (`postcode` over `address` in
    /// `address.postcode`), then the earlier detector, then the longer
    /// span. Where both passed a check-digit validator and one span holds
    /// the other,
    /// the longer wins first: a valid IBAN over the Luhn-valid card
    /// number that its digits happen to contain.
    fn resolve_overlaps(&self, out: &mut Vec<Match>, base: usize) {
        let specificity = |m: &Match| m.evidence.hint.map_or(0, |h| self.hints.hint(h).word.len());
        let rank = |m: &Match| {
            (
                m.confidence,
                m.evidence.rule != MatchRule::FieldPattern,
                specificity(m),
                std::cmp::Reverse(m.detector),
                m.end - m.start,
            )
        };
        let tail = &mut out[base..];
        tail.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
        // Kept in place: the first `kept` matches of the tail are those
        // kept so far (no list allocated per value).
        let mut kept: usize = 0;
        for at in 0..tail.len() {
            let m = tail[at];
            match kept.checked_sub(1).map(|i| &mut tail[i]) {
                Some(last) if m.start < last.end => {
                    let validated = m.evidence.validator.is_some_and(is_checksum)
                        && last.evidence.validator.is_some_and(is_checksum)
                        && m.confidence == last.confidence;
                    let holds = |a: &Match, b: &Match| {
                        a.start <= b.start && b.end <= a.end && a.end - a.start > b.end - b.start
                    };
                    let better = if validated && holds(&m, last) {
                        true
                    } else if validated && holds(last, &m) {
                        false
                    } else {
                        rank(&m) > rank(last)
                    };
                    if better {
                        *last = m;
                    }
                }
                _ => {
                    tail[kept] = m;
                    kept += 1;
                }
            }
        }
        out.truncate(base + kept);
    }
}

impl Catalogue {
    /// The evidence of a match as the strings every output shows
    /// (`["pattern", "validator:luhn", "field:card_number"]`).
    pub fn evidence_strings(&self, e: &Evidence) -> Vec<String> {
        let mut out = vec![
            match e.rule {
                MatchRule::Pattern => "pattern",
                MatchRule::FieldPattern => "field_pattern",
                MatchRule::MaskedShape => "masked_shape",
                MatchRule::Context => "context",
                MatchRule::Hashed => "hashed",
            }
            .to_string(),
        ];
        if let Some(v) = e.validator {
            out.push(v.evidence().to_string());
        }
        if let Some(h) = e.hint {
            out.push(format!("field:{}", self.hint_word(h)));
        }
        if e.weak {
            out.push("weak".to_string());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The patterns set aside for UUIDs find nothing in any: on UUIDs of
    /// random hex digits, of digits only, of capitals, and on UUIDs
    /// whose groups are digits of the lengths the patterns look for.
    /// Patterns that can match in one are not set aside.
    #[test]
    fn the_patterns_set_aside_for_uuids_find_nothing_in_them() {
        let catalogue = Catalogue::builtin().expect("builtin");
        let all = (0..catalogue.detectors().len().min(128)).fold(0u128, |s, i| s | 1 << i);
        let free = catalogue.uuid_free(all);
        let id = |name: &str| {
            catalogue
                .detectors()
                .iter()
                .position(|d| d.id == name)
                .expect("detector")
        };
        for name in ["us_ssn", "us_itin", "phone"] {
            assert_eq!(free >> id(name) & 1, 1, "{name} is set aside");
        }
        let mut rng = crate::test_rng(11);
        let mut uuids: Vec<Vec<u8>> = vec![
            b"12345678-1234-5678-9012-345678901234".to_vec(),
            b"99999999-9999-9999-9999-999999999999".to_vec(),
            b"00000000-0000-0000-0000-000000000000".to_vec(),
            b"ABCDEF01-2345-6789-ABCD-EF0123456789".to_vec(),
            b"41111111-1111-1111-4111-111111111111".to_vec(),
        ];
        for k in 0..3000 {
            let digits: &[u8] = match k % 3 {
                0 => b"0123456789abcdef",
                1 => b"0123456789",
                _ => b"0123456789ABCDEF",
            };
            let u: Vec<u8> = (0..36)
                .map(|i| {
                    if UUID_DASHES.contains(&i) {
                        b'-'
                    } else {
                        digits[(rng() % digits.len() as u64) as usize]
                    }
                })
                .collect();
            uuids.push(u);
        }
        for u in &uuids {
            assert!(is_uuid(u));
        }
        let mut set_aside = 0;
        for (i, d) in catalogue.detectors().iter().enumerate() {
            let Some(re) = d.pattern.as_ref() else {
                continue;
            };
            let aside = free >> i & 1 == 1;
            let found = uuids.iter().find(|u| re.is_match(u));
            if aside {
                set_aside += 1;
                assert!(found.is_none(), "{} matched {:?}", d.id, found);
            }
        }
        assert!(set_aside >= 3);
    }

    /// Where a field lets lowercase UUIDs by unscanned, no UUID gives a
    /// match there: random ones, ones of digits only, and ones whose
    /// groups hold the digit runs the detectors look for. A field with a
    /// hint, and a catalogue with a pattern that can match in a UUID, do
    /// not let them by.
    #[test]
    fn a_field_lets_uuids_by_only_where_none_can_match() {
        let catalogue = Catalogue::builtin().expect("builtin");
        let mut rng = crate::test_rng(12);
        let mut uuids: Vec<Vec<u8>> = vec![
            b"12345678-1234-5678-9012-345678901234".to_vec(),
            b"41111111-1111-1111-4111-111111111111".to_vec(),
            b"55501234-0000-0000-0000-005550123456".to_vec(),
        ];
        for k in 0..3000 {
            let digits: &[u8] = if k % 2 == 0 {
                b"0123456789abcdef"
            } else {
                b"0123456789"
            };
            uuids.push(
                (0..36)
                    .map(|i| {
                        if UUID_DASHES.contains(&i) {
                            b'-'
                        } else {
                            digits[(rng() % digits.len() as u64) as usize]
                        }
                    })
                    .collect(),
            );
        }
        let mut clear = 0;
        for name in [
            "request_id",
            "session",
            "event_id",
            "trace",
            "id",
            "ref",
            "phone",
            "ssn",
        ] {
            let ctx = catalogue.field_context(Some(name.as_bytes()), &mut Vec::new());
            if !catalogue.uuids_clear(&ctx) {
                continue;
            }
            clear += 1;
            for u in &uuids {
                assert!(stats::is_lower_uuid(u));
                let mut out = Vec::new();
                catalogue.scan_value(&ctx, u, &mut out);
                assert!(
                    out.is_empty(),
                    "{name}: {} matched",
                    String::from_utf8_lossy(u)
                );
            }
        }
        assert!(clear >= 5, "plain id fields let UUIDs by");
        for name in ["phone", "ssn"] {
            let ctx = catalogue.field_context(Some(name.as_bytes()), &mut Vec::new());
            assert!(!catalogue.uuids_clear(&ctx), "{name} has a hint");
        }
        let src = "[[detector]]\nid='x'\nname='x'\ncategory='contact'\nconfidence='low'\npattern='[0-9a-f]{4}-[0-9a-f]{4}'\n";
        let mine = Catalogue::from_sources([("mine.toml".to_string(), src.to_string())])
            .expect("catalogue");
        let ctx = mine.field_context(Some(b"request_id"), &mut Vec::new());
        assert!(!mine.uuids_clear(&ctx));
    }

    /// A shape's answer on patterns that can and cannot match in it.
    #[test]
    fn a_pattern_may_match_a_shape_only_where_some_value_of_it_matches() {
        let shape = uuid_shape();
        for (src, may) in [
            (r"[0-9]{4}-[0-9]{4}", true),
            (r"(?-u:\b)[0-9a-f]{12}(?-u:\b)", true),
            (r"[a-f]{12}$", true),
            (r"^[0-9]{8}-", true),
            (r"(?-u:\b)[0-9]{3}-", false),
            (r"(?-u:\b)[0-9]{5}(?-u:\b)", false),
            (r"[g-z]", false),
            (r"--", false),
            (r"^x", false),
            (r"[0-9a-f]{13}", false),
        ] {
            let screen = screen::Screen::new(src, false);
            assert_eq!(screen.may_match_shape(&shape), may, "{src}");
        }
        assert!(!is_uuid(b"12345678-1234-5678-9012-34567890123"));
        assert!(!is_uuid(b"12345678-1234-5678-9012-34567890123g"));
        assert!(!is_uuid(b"12345678_1234-5678-9012-345678901234"));
    }

    /// The matches of `each_match`, anchored pass or search.
    fn matches_of(re: &Regex, screen: &screen::Screen, value: &[u8]) -> Vec<(usize, usize)> {
        let mut got = Vec::new();
        each_match(re, Some((screen, None)), false, value, |s, e| {
            got.push((s, e))
        });
        got
    }

    /// A pattern with a window is screened in the windows round its runs
    /// of digits only: the windowed screen says "may match" exactly when
    /// the regex matches, on long values with examples and negatives cut
    /// into noise of digits, capitals and separators (runs of digits
    /// joining the examples' own, across 64-byte blocks).
    #[test]
    fn a_windowed_screen_says_what_the_regex_says() {
        let catalogue = Catalogue::builtin().expect("builtin");
        let mut rng = crate::test_rng(23);
        let alphabet: &[u8] = b"0123456789XYZABCabc -.,:";
        let mut windowed = 0;
        let (mut yes, mut no) = (0, 0);
        for (i, d) in catalogue.detectors().iter().enumerate() {
            let (Some(re), Some(window)) = (d.pattern.as_ref(), d.window) else {
                continue;
            };
            windowed += 1;
            // The requirement the window rests on holds of every match of
            // the examples, with the byte on either side.
            for e in &d.spec.examples {
                let e = e.as_bytes();
                for m in re.find_iter(e) {
                    let around = &e[m.start().saturating_sub(1)..(m.end() + 1).min(e.len())];
                    let have = stat_array(&ValueStats::of(around));
                    assert!(catalogue.gates[i].passes(&have), "{}: {:?}", d.id, m);
                }
            }
            let written: Vec<&String> = d.spec.examples.iter().chain(&d.spec.negatives).collect();
            for k in 0..300 {
                let len = 64 + (rng() % 200) as usize;
                let mut v: Vec<u8> = (0..len)
                    .map(|_| alphabet[(rng() % alphabet.len() as u64) as usize])
                    .collect();
                for _ in 0..(k % 3) {
                    let e = written[(rng() as usize) % written.len()].as_bytes();
                    let at = (rng() as usize) % (v.len() + 1);
                    v.splice(at..at, e.iter().copied());
                }
                // A fresh screen: one that stands aside says "may match".
                let screen = screen::Screen::new(re.as_str(), d.spec.unicode);
                let may = screen.may_match_within(&v, |each| window.ranges(&v, each));
                assert_eq!(
                    may,
                    re.is_match(&v),
                    "{}: {:?}",
                    d.id,
                    String::from_utf8_lossy(&v)
                );
                if may {
                    yes += 1;
                } else {
                    no += 1;
                }
                let want: Vec<(usize, usize)> =
                    re.find_iter(&v).map(|m| (m.start(), m.end())).collect();
                let mut got = Vec::new();
                each_match(re, Some((&screen, Some(window))), false, &v, |s, e| {
                    got.push((s, e))
                });
                assert_eq!(got, want, "{}", d.id);
            }
        }
        assert!(
            windowed >= 1 && yes > 25 && no > 200,
            "{windowed} {yes} {no}"
        );
    }

    /// Each built-in pattern's matches, where the anchored pass finds
    /// the first, are the matches `find_iter` gives: on its examples and
    /// negatives as written, followed by noise, by a separator and an
    /// example again, run together with another example, and in noise.
    #[test]
    fn the_anchored_pass_and_the_search_find_the_same_matches() {
        let catalogue = Catalogue::builtin().expect("builtin");
        let mut rng = crate::test_rng(7);
        let alphabet: &[u8] = b"0123456789abcdefXYZ-. ()+@:_/#*";
        let mut anchored = 0;
        for d in catalogue.detectors() {
            let Some(re) = d.pattern.as_ref() else {
                continue;
            };
            let screen = screen::Screen::new(re.as_str(), d.spec.unicode);
            let written: Vec<&String> = d.spec.examples.iter().chain(&d.spec.negatives).collect();
            let mut values: Vec<Vec<u8>> = Vec::new();
            for (k, e) in written.iter().enumerate() {
                let other = written[(k + 1) % written.len()];
                let noise: Vec<u8> = (0..rng() % 12)
                    .map(|_| alphabet[(rng() % alphabet.len() as u64) as usize])
                    .collect();
                values.push(e.as_bytes().to_vec());
                values.push([e.as_bytes(), &noise].concat());
                values.push([e.as_bytes(), b" ", other.as_bytes()].concat());
                values.push([e.as_bytes(), other.as_bytes()].concat());
                values.push([&noise, e.as_bytes()].concat());
            }
            for v in &values {
                let want: Vec<(usize, usize)> =
                    re.find_iter(v).map(|m| (m.start(), m.end())).collect();
                assert_eq!(
                    matches_of(re, &screen, v),
                    want,
                    "{}: {:?}",
                    d.id,
                    String::from_utf8_lossy(v)
                );
                anchored += usize::from(v.len() < LONG_VALUE && screen.anchored_end(v).is_some());
            }
        }
        // The anchored pass did its part (it stands aside where it
        // seldom finds a match, and then the search runs).
        assert!(anchored > 200, "{anchored}");
    }

    /// Patterns that match empty text go on past an empty match the way
    /// `find_iter` does, after a match the anchored pass found.
    #[test]
    fn the_anchored_pass_goes_on_past_empty_matches_like_the_search() {
        for src in ["a*", "a*b?", r"(?-u:\b)", "x|", "(?:ab)*"] {
            let re = RegexBuilder::new(src)
                .unicode(false)
                .build()
                .expect("regex");
            let screen = screen::Screen::new(src, false);
            for v in [
                "",
                "a",
                "aab",
                "baa",
                "abab",
                "xaxb",
                "b a b",
                "aaa bbb aaa",
            ] {
                let want: Vec<(usize, usize)> = re
                    .find_iter(v.as_bytes())
                    .map(|m| (m.start(), m.end()))
                    .collect();
                assert_eq!(matches_of(&re, &screen, v.as_bytes()), want, "{src}: {v:?}");
            }
        }
    }

    /// Calls `check` with each detector's examples and negatives (in no
    /// field) and field examples (in their field), as written, after a
    /// context word, after `id=` and in capitals, and with two UUIDs, in
    /// the context of their field.
    fn each_example(cat: &Catalogue, mut check: impl FnMut(&FieldContext, &str)) {
        let mut scratch = Vec::new();
        for d in cat.detectors() {
            let s = &d.spec;
            let fields = s.field_examples.iter().chain(&s.field_negatives);
            let values = s.examples.iter().chain(&s.negatives).map(|v| (None, v));
            for (field, value) in values.chain(fields.map(|(f, v)| (Some(f), v))) {
                let ctx = cat.field_context(field.map(|f| f.as_bytes()), &mut scratch);
                for v in [
                    value.as_str(),
                    &format!("note: {value}"),
                    &format!("id={value}"),
                    &value.to_uppercase(),
                    "910a2dec-8902-4cc1-beeb-8da1658eec67",
                    "12345678-1234-1234-1234-123456789012",
                ] {
                    check(&ctx, v);
                }
            }
        }
    }

    /// Each word and end `WordDfa::each` reports, as a sorted set, next
    /// to those of the crate's own overlapping search.
    fn word_ends(words: &Words, text: &[u8]) -> [Vec<(usize, usize)>; 2] {
        let dfa = words.automaton.as_ref().unwrap();
        let mut ours = Vec::new();
        dfa.each(text, |p, end| ours.push((p, end)));
        ours.sort_unstable();
        ours.dedup();
        let crate_ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(words.patterns.iter().map(|p| &p.0))
            .unwrap();
        let mut theirs: Vec<_> = crate_ac
            .find_overlapping_iter(text)
            .map(|m| (m.pattern().as_usize(), m.end()))
            .collect();
        theirs.sort_unstable();
        [ours, theirs]
    }

    proptest::proptest! {
        /// Texts of the catalogue's words (in any case, cut, run
        /// together) and other bytes, short (one walk) and long (two
        /// walks meeting anywhere, a word across the middle).
        #[test]
        fn the_word_dfa_finds_what_aho_corasick_finds(
            parts in proptest::collection::vec((0usize..64, 0usize..12, proptest::bool::ANY), 0..60),
            filler in "[ a-zA-Z0-9=:_.-]{0,8}",
        ) {
            let cat = Catalogue::builtin().unwrap();
            let words = &cat.words;
            let mut text = Vec::new();
            for (w, cut, upper) in parts {
                let word = &words.patterns[w % words.patterns.len()].0;
                let mut piece = word[..word.len().saturating_sub(cut % 3)].to_vec();
                if upper {
                    piece.make_ascii_uppercase();
                }
                text.extend_from_slice(&piece);
                text.extend_from_slice(&filler.as_bytes()[..cut.min(filler.len())]);
            }
            let [ours, theirs] = word_ends(words, &text);
            proptest::prop_assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(&text));
        }
    }

    proptest::proptest! {
        /// Long texts of the catalogue's words (in any case, cut, run
        /// together, some across the prefilter's chunks) and other bytes:
        /// the words found round the prefilter's finds are those a walk of
        /// the whole text finds, for any words wanted.
        #[test]
        fn the_prefilter_finds_every_word_that_counts(
            parts in proptest::collection::vec((0usize..64, 0usize..12, 0u8..4), 1..40),
            filler in "[ a-zA-Z0-9=:_.-]{0,40}",
            wanted in proptest::array::uniform2(proptest::num::u128::ANY),
            stretch in 0usize..600,
        ) {
            let cat = Catalogue::builtin().unwrap();
            let words = &cat.words;
            proptest::prop_assert!(words.prefilter.is_some() || !cfg!(target_arch = "x86_64"));
            let mut text = filler.as_bytes().repeat(stretch / filler.len().max(1));
            for (w, cut, case) in parts {
                let word = &words.patterns[w % words.patterns.len()].0;
                let mut piece = word[..word.len().saturating_sub(cut % 3)].to_vec();
                match case {
                    0 => piece.make_ascii_uppercase(),
                    1 => piece.make_ascii_lowercase(),
                    2 => piece.iter_mut().step_by(2).for_each(|b| *b ^= 0x20 * u8::from(b.is_ascii_alphabetic())),
                    _ => {}
                }
                text.extend_from_slice(&piece);
                text.extend_from_slice(&filler.as_bytes()[..cut.min(filler.len())]);
            }
            for wanted in [[u128::MAX, u128::MAX], wanted] {
                let with = words.find_spelled_with(&text, wanted[0], wanted[1], true);
                let without = words.find_spelled_with(&text, wanted[0], wanted[1], false);
                proptest::prop_assert_eq!(with, without, "{:?}", String::from_utf8_lossy(&text));
            }
        }
    }

    #[test]
    fn the_prefilter_finds_words_across_its_chunks() {
        let cat = Catalogue::builtin().unwrap();
        let words = &cat.words;
        for (word, _, _) in &words.patterns {
            for at in FOLD_CHUNK - 2 * word.len() - 20..FOLD_CHUNK + 4 {
                let mut text = b"x".repeat(at);
                text.extend_from_slice(&word.to_ascii_uppercase());
                text.extend_from_slice(b" tail");
                for case in [text.clone(), text.to_ascii_lowercase()] {
                    let with = words.find_spelled_with(&case, u128::MAX, u128::MAX, true);
                    let without = words.find_spelled_with(&case, u128::MAX, u128::MAX, false);
                    assert_eq!(with, without, "{:?} at {at}", String::from_utf8_lossy(word));
                }
            }
        }
    }

    #[test]
    fn the_word_dfa_reads_a_word_across_the_middle() {
        let cat = Catalogue::builtin().unwrap();
        for n in [TWO_WAY, 60, 61, 97, 200, 201] {
            for at in 0..n.saturating_sub(12) {
                let mut text = vec![b'x'; n];
                text[at..at + 13].copy_from_slice(b"date of birth");
                let [ours, theirs] = word_ends(&cat.words, &text);
                assert!(!theirs.is_empty());
                assert_eq!(ours, theirs, "{n} {at}");
            }
        }
    }

    /// Detectors compile on several threads, and the error reported is
    /// still the first in file order, whichever thread met it.
    #[test]
    fn the_first_error_in_file_order_is_reported() {
        let det = |id: &str, pattern: &str| {
            format!(
                "[[detector]]\nid='{id}'\nname='x'\ncategory='contact'\nconfidence='low'\npattern='{pattern}'\n"
            )
        };
        let fine: String = (0..9).map(|i| det(&format!("d{i}"), "[0-9]{4}")).collect();
        let broken = det("broken", "[0-9");
        let again = det("d3", "[a-z]{4}");
        for (files, want) in [
            (vec![fine.clone() + &broken, again.clone()], "broken"),
            (vec![fine.clone() + &again, broken.clone()], "d3"),
            (vec![again.clone() + &fine + &broken], "d3"),
        ] {
            let sources = files
                .into_iter()
                .enumerate()
                .map(|(i, text)| (format!("f{i}.toml"), text));
            let err = Catalogue::from_sources(sources).unwrap_err().to_string();
            assert!(err.contains(want), "{want}: {err}");
        }
        let all: Vec<_> = (0..3)
            .map(|i| {
                (
                    format!("f{i}.toml"),
                    fine.replace("id='d", &format!("id='f{i}d")),
                )
            })
            .collect();
        let ids: Vec<String> = Catalogue::from_sources(all)
            .unwrap()
            .detectors()
            .iter()
            .map(|d| d.id.clone())
            .collect();
        let want: Vec<String> = (0..3)
            .flat_map(|f| (0..9).map(move |d| format!("f{f}d{d}")))
            .collect();
        assert_eq!(ids, want);
    }

    #[test]
    fn a_gate_key_gives_the_gates_of_its_value() {
        let cat = Catalogue::builtin().unwrap();
        let mut checked = 0;
        each_example(&cat, |ctx, v| {
            let b = v.as_bytes();
            let key = cat.gate_key(b).unwrap();
            assert_eq!(
                Some(cat.gates_of(ctx, &key)),
                cat.gates(ctx, b, None),
                "{v}"
            );
            checked += 1;
        });
        assert!(checked > 1000, "{checked}");
    }

    #[test]
    fn a_hex_id_is_keyed_like_any_value_and_is_inert() {
        let cat = Catalogue::builtin().unwrap();
        let mut next = crate::test_numbers(21);
        let alphabet = b"0123456789abcdef-0123456789";
        let mut checked = 0;
        for len in 0..=64 {
            for _ in 0..50 {
                let v: Vec<u8> = (0..len)
                    .map(|_| alphabet[next() % alphabet.len()])
                    .collect();
                let key = cat.hex_gate_key(&v).expect("a hex id");
                assert_eq!(
                    Some(key),
                    cat.gate_key(&v),
                    "{:?}",
                    String::from_utf8_lossy(&v)
                );
                if len < crate::format::decode::INERT_BELOW {
                    assert!(crate::format::decode::Shape::of(&v).inert(&v));
                }
                checked += 1;
            }
        }
        assert!(checked > 3000);
        for v in [&b"3F2B8C1E-9D4A"[..], b"9d4a.4c6b", b"ab cd", &[b'a'; 65]] {
            assert_eq!(cat.hex_gate_key(v), None);
        }
    }

    #[test]
    fn a_settled_plan_is_the_plan_of_every_value_with_those_gates() {
        let cat = Catalogue::builtin().unwrap();
        let mut key = Vec::new();
        let (mut settled, mut open) = (0, 0);
        each_example(&cat, |ctx, v| {
            let b = v.as_bytes();
            crate::format::decode::Shape::of_keyed(b, &stats::CLASS_KEY, &mut key);
            let Some(gates) = cat.gates(ctx, b, Some(&key)) else {
                return;
            };
            match cat.settled(ctx, gates) {
                Some(plan) => {
                    settled += 1;
                    assert_eq!(plan, cat.plan(ctx, gates, b), "{v}");
                }
                None => open += 1,
            }
        });
        // Both kinds occur among the examples.
        assert!(settled > 100 && open > 10, "{settled} {open}");
    }

    #[test]
    fn threshold_sets_agree_with_each_gate() {
        thresholds_agree(&Catalogue::builtin().unwrap());
        // A detector file asking for more than the blocked table holds.
        let mut sources: Vec<(String, String)> = BUILTIN_PATTERNS
            .iter()
            .map(|&(n, t)| (n.to_string(), t.to_string()))
            .collect();
        sources.push((
            "long.toml".to_string(),
            "[[detector]]\nid='long'\nname='x'\ncategory='contact'\nconfidence='low'\n\
             pattern='[0-9]{300}'\nrequires = { digits = 300 }\n"
                .to_string(),
        ));
        let cat = Catalogue::from_sources(sources).unwrap();
        assert!(cat.thresholds[0].last().unwrap().0 as usize > BLOCKED_TABLE);
        thresholds_agree(&cat);
    }

    fn thresholds_agree(cat: &Catalogue) {
        // Every statistic at, around and between the thresholds in use.
        let mut probes: Vec<u32> = vec![0, 1, 2, 100, 255, 256, 257];
        for list in &cat.thresholds {
            for &(need, _) in list {
                probes.extend([need.saturating_sub(1), need, need + 1]);
            }
        }
        let mut seed = 7u64;
        for _ in 0..20_000 {
            let mut have = [0u32; 7];
            for h in &mut have {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                *h = probes[(seed >> 33) as usize % probes.len()];
            }
            let blocked = cat.blocked(&have);
            for (i, gate) in cat.gates.iter().enumerate() {
                assert_eq!(
                    blocked >> i & 1 == 0,
                    gate.passes(&have),
                    "{have:?} detector {i}"
                );
            }
        }
    }

    fn scan(cat: &Catalogue, field: Option<&str>, value: &str) -> Vec<(String, String)> {
        let ctx = cat.field_context(field.map(str::as_bytes), &mut Vec::new());
        let mut out = Vec::new();
        cat.scan_value(&ctx, value.as_bytes(), &mut out);
        out.iter()
            .map(|m| {
                (
                    cat.detectors()[m.detector].id.clone(),
                    value[m.start..m.end].to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn every_builtin_example_behaves() {
        let cat = Catalogue::builtin().unwrap();
        let failures = cat.check_examples();
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn every_builtin_detector_has_five_examples_and_five_negatives() {
        for d in Catalogue::builtin().unwrap().detectors() {
            assert!(
                d.spec.examples.len() + d.spec.field_examples.len() >= 5,
                "{}",
                d.id
            );
            assert!(
                d.spec.negatives.len() + d.spec.field_negatives.len() >= 5,
                "{}",
                d.id
            );
        }
    }

    #[test]
    fn the_same_nine_digits_are_an_ssn_only_in_an_ssn_field() {
        let cat = Catalogue::builtin().unwrap();
        assert_eq!(
            scan(&cat, Some("ssn"), "512440133"),
            vec![("us_ssn".into(), "512440133".into())]
        );
        assert!(scan(&cat, Some("invoice_number"), "512440133").is_empty());
    }

    #[test]
    fn free_text_yields_every_value_in_position_order() {
        let cat = Catalogue::builtin().unwrap();
        let found = scan(
            &cat,
            None,
            "mail jane@example.com or call +1 212 555 0142, ssn 512-44-0133",
        );
        let ids: Vec<&str> = found.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["email", "phone", "us_ssn"]);
    }

    #[test]
    fn masked_values_are_reported_as_masked() {
        let cat = Catalogue::builtin().unwrap();
        let ctx = cat.field_context(Some(b"ssn"), &mut Vec::new());
        let mut out = Vec::new();
        cat.scan_value(&ctx, b"***-**-6789", &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Masked);
    }

    #[test]
    fn unicode_classes_need_an_explicit_opt_in() {
        assert!(uses_unicode_class(r"\p{L}+"));
        assert!(uses_unicode_class(r"(?u:\w)"));
        assert!(uses_unicode_class(r"(?iu)x"));
        assert!(!uses_unicode_class(r"(?-u:\b)[0-9]"));
        assert!(!uses_unicode_class(r"\\p"));
        let src = |extra: &str| {
            format!(
                "[[detector]]\nid='x'\nname='x'\ncategory='contact'\nconfidence='low'\npattern='\\p{{Lu}}+'\n{extra}"
            )
        };
        let err = Catalogue::from_sources([("u.toml".to_string(), src(""))]).unwrap_err();
        assert!(err.to_string().contains("Unicode class"), "{err}");
        assert!(Catalogue::from_sources([("u.toml".to_string(), src("unicode = true"))]).is_ok());
    }

    #[test]
    fn a_bad_user_regex_names_the_file_and_detector() {
        let src =
            "[[detector]]\nid='x'\nname='x'\ncategory='contact'\nconfidence='low'\npattern='(['\n";
        let err =
            Catalogue::from_sources([("mine.toml".to_string(), src.to_string())]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("mine.toml") && msg.contains("`x`"), "{msg}");
    }
}
