//! Parallel orchestration: plan units of work, scan them on a rayon pool,
//! and hand results to the caller in a deterministic order.
//!
//! A unit is a whole file, or a chunk of a large line-oriented file (NDJSON,
//! CSV/TSV, text) cut at a record boundary, so one 5 GB file keeps every
//! core busy. Units are planned on the calling thread in file order and
//! processed on the pool within a sliding window of a few units per
//! thread; the calling thread emits results in plan order as they
//! complete, so output is byte-identical for any thread count and
//! findings stream out without being held for the whole scan. Chunk
//! boundaries depend only on `chunk_size`, never on the thread count.
//! Files the planner reads into memory (without mmap) count against a
//! budget of two chunks a thread while units hold them, and a scanned
//! unit drops its bytes before its result waits for its turn: with
//! `--no-mmap`, 2 GiB of every kind on 2 threads peaked at 690 MB RSS
//! before, 229-277 MB after (see `docs/performance.md`, session 19).
//!
//! Runs of small files (under 64 KiB) go to a worker together, up to 64
//! files or 256 KiB: a folder of 10,000 small files is then 160 tasks
//! and hand-overs between threads rather than 10,000 (futex calls fell
//! from 37,000 to 750).
//!
//! Each worker owns its scratch buffers (read buffer, JSON walk state,
//! match list); the only shared state is the read-only catalogue.
//!
//! A value that repeats in its field (a status, a plan, a user agent, a
//! dictionary-encoded Parquet column) is detected once per worker: its
//! matches are remembered per field and replayed at each occurrence's own
//! place. A field whose values hardly repeat (ids, timestamps) gives its
//! memo up after 256 distinct values. On generated event streams a third
//! of the values are repeats, and the memo took a scan of 8 MB from 735M
//! to 573M instructions (callgrind). Field paths, field contexts and memos
//! stay with the worker from unit to unit (`FieldCache`): 10,000 small
//! files of the same export then cost 3.5G instructions instead of 5.2G.
//!
//! Values that do not repeat often still repeat their shape: a timestamp,
//! a price, a SKU, a numeric id or a URL path takes a handful of shapes
//! once digits are read as `0` and letters as `A`/`a`. The shape
//! statistics and so the gates depend only on that class key, so each
//! field also remembers the gates' decision per key (`GateMemo`), for
//! values no decoder can touch; a value of a known shape goes straight to
//! the literals still wanted and the detectors left (usually none). On 8
//! MB of events 99% of the values that reach it hit, and the scan fell
//! from 511M to 461M instructions. With the gates the memo keeps their
//! plan when no literal of letters or context word is left to look for
//! (the plan is then the same for every value of the key): 413.8M ->
//! 407.7M.
//!
//! Most values of such a field take the class key of the value before
//! them, so each field keeps its last key and that key's gates, and a
//! value is first compared with it in place, 16 bytes at a time
//! ([`stats::same_class_key`]), before its key is built and looked up:
//! 8 MB of events 360.1M -> 342.2M instructions.
//!
//! A field whose class keys do not repeat either (UUIDs, hex tokens:
//! letters and digits fall anywhere) then keys its gates by what they
//! read of a value, a [`GateKey`]: the shape statistics, the literals of
//! punctuation held, a separator or not. A UUID takes one of a few dozen
//! such keys; 100,000 of them fell from 321M to 287M instructions (the
//! gates alone had been about 1,000 a value, and 85% end with no
//! detector to run). A value of digits, `a`-`f` and dashes (a UUID, a hex
//! id) has its key read off two bit planes instead
//! ([`Catalogue::hex_gate_key`]): 282.6M -> 237.6M for the UUIDs, 342.2M
//! -> 326.1M for the events. Where no lowercase UUID can match at all
//! (the field has no hint, and every pattern the gates of the largest
//! UUID leave is one [`crate::detect::Catalogue::run`] sets aside on UUIDs:
//! [`crate::detect::Catalogue::uuids_clear`]), a UUID is counted and not
//! scanned: with its key, gates and plan it had still cost about 600
//! instructions (8 MB of events 243.0M -> 216.3M, CSV exports 310.6M ->
//! 275.1M). A value of the field's last class key, whose settled plan
//! runs nothing, returns as soon as the key is compared, and any value
//! whose plan runs nothing returns before its empty list of matches is
//! handed on to be recorded (8 MB of events 216.6M -> 203.7M).
//! A repeated value's matches are copied out of its
//! memo to be recorded; moving the field's memo out and back around
//! them had cost two copies of the struct per value (8 MB of events:
//! 388.7M -> 370.1M with four codegen units).
//!
//! When only the report is wanted ([`ScanConfig::report_only`]: every
//! output but jsonl), a worker does not build a [`Finding`] per match for
//! the calling thread to fold into the report: it tallies the unit's
//! findings per report row (`report::tally`), fingerprinting each
//! but masking only the few locations a row keeps, and the calling thread
//! adds one tally per row and unit. On 8 MB of dense records (60,000
//! findings) that took the scan from 766M to 632M instructions, and the
//! dense corpus from 91-100 to 142-164 MB/s on 2 threads; a test holds
//! the tallied report equal to the one built from every finding. A
//! tally counts distinct values by a 64-bit print: the fingerprint's
//! start under a pinned key (reports list those), else a cheaper hash
//! of the run's own ([`Fingerprinter::print`]).
//!
//! The jsonl output ([`FindingStream::Jsonl`]) is tallied the same way,
//! and each kept finding is also encoded as its line on the worker: the
//! keys up to its place (vendor, file, field, detector, evidence…) once
//! per report row, confidence, status and evidence of the unit, the rest
//! (place, mask, fingerprint) per finding, and the line's number, which
//! counts from the file's first line and so depends on the units before,
//! put in by the calling thread as it writes the lines in path order.
//! Before, each finding was a [`Finding`] (two heap strings and five
//! shared-string counts) that the calling thread folded into the report,
//! encoded and freed: 2 GiB of every kind (a million findings) took 15%
//! longer into jsonl than into the json report, the calling thread held
//! 7% of the samples of a 2-thread scan and a fifth of its merging
//! samples were one cache miss on a fingerprint's bytes written by the
//! other core. With the lines written here: 8 MB of dense records (60,000
//! findings) 602.7M -> 499.1M instructions (the json report: 362.7M),
//! the calling thread under 3% of the samples, and the jsonl scan of 2
//! GiB 7-8% longer than the json report.
//!
//! A HAR capture is sliced into runs of entries for several threads only
//! when it is more than a thread's share of what is left to scan: the
//! slicing is a parse of its own, and 32 MB captures among others cost a
//! fifth more that way than read whole.
//!
//! A JSON document is cut into pieces at the elements of its record array
//! (`jsonfmt::Splitter`) on the same condition. The planner cuts it one
//! piece ahead of the workers, so the first pieces are scanned while the
//! rest is still being cut; a piece of a broken document that its walk
//! finds cut in the wrong place reads on to the document's end, and the
//! pieces after it are dropped when results are emitted (`FileState::rest_read`).
//! A 213 MB pretty-printed export alone: 2 threads 0.60 s against 1
//! thread 1.04 s (1.73×), where it had been read by one thread.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Instant;

use crate::archive;
use crate::detect::mask::mask_with;
use crate::detect::{
    Catalogue, Confidence, FieldContext, GateKey, Gates, Match, MatchRule, Plan, Status, stats,
};
use crate::discover::{self, Candidate, DiscoverOptions, Failed, Skipped};
use crate::finding::{Finding, Fingerprinter};
use crate::format::csv::{self as csvfmt, Header};
use crate::format::decode::{self, Embedded, Encoding};
use crate::format::har::HarOptions;
use crate::format::json::{self as jsonfmt, JsonScratch};
use crate::format::path::Segment;
use crate::format::{
    self, Direction, FieldTable, Format, Layers, Origin, Problem, RawSpan, Value, ValueSink,
};
use crate::load::{self, Bytes, LoadOptions};
use crate::report::baseline::Baseline;
use crate::report::jsonl;
use crate::report::tally::{Counted, Place, Tally};
use crate::report::{FileProblem, Report, RowKey};
use crate::vendor::VendorMap;
use compact_str::CompactString;

/// Bytes sniffed and checked for NUL to tell binary files.
const SNIFF_LEN: usize = 8 * 1024;

/// Everything a scan needs besides the catalogue.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Files and folders to scan.
    pub paths: Vec<std::path::PathBuf>,
    /// Globs, size limit, symlinks.
    pub discover: DiscoverOptions,
    /// Vendor assignment.
    pub vendors: VendorMap,
    /// mmap threshold and decompression limit.
    pub load: LoadOptions,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Target chunk size for large line-oriented files.
    pub chunk_size: usize,
    /// Put raw values into findings.
    pub reveal: bool,
    /// Secret for fingerprints; random per run when `None`.
    pub fingerprint_key: Option<Vec<u8>>,
    /// Example locations kept per field and detector in the report.
    pub examples: usize,
    /// Findings below this confidence are counted, not reported.
    pub min_confidence: Confidence,
    /// A previous report: findings it already had are left out.
    pub baseline: Option<Arc<Baseline>>,
    /// Most layers of encoding decoded inside one value.
    pub max_decode_depth: usize,
    /// Limits for HAR bodies.
    pub har: HarOptions,
    /// Log each file's outcome to stderr (names, formats, counts; never
    /// a value).
    pub verbose: bool,
    /// Findings of one field and detector kept per unit of work; more are
    /// counted in the report, not listed.
    pub max_findings_per_field: u64,
    /// Text lines longer than this are scanned in pieces.
    pub max_line_length: usize,
    /// Limits for zip archives (the decompressed total comes from
    /// `load.max_decompressed`).
    pub archive: archive::Limits,
    /// Scan only a deterministic sample of the records.
    pub sample: Option<Sampling>,
    /// Stop counting a (vendor, field, detector) row after this many
    /// findings (`--enough`); values seen are still counted.
    pub enough: Option<u64>,
    /// Only the returned report is wanted: findings are tallied into it
    /// where they are found, and `on_finding` is not called. Much less
    /// work per finding on dense data; the report is the same. Ignored
    /// with a `baseline` or `enough`, which judge findings one by one.
    pub report_only: bool,
}

/// Record sampling (`--sample`): each record is kept or passed over by a
/// hash of the seed, its file and its position, so the same seed keeps
/// the same records on any number of threads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampling {
    /// The fraction of records kept, in (0, 1].
    pub rate: f64,
    /// The seed.
    pub seed: u64,
}

impl Sampling {
    /// Whether the record with this key is in the sample.
    fn keeps(&self, key: u64) -> bool {
        let unit = (crate::discover::mix(key, self.seed) >> 11) as f64 / (1u64 << 53) as f64;
        unit < self.rate
    }
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            paths: vec![".".into()],
            discover: DiscoverOptions::default(),
            vendors: VendorMap::by_directory(),
            load: LoadOptions::default(),
            threads: 0,
            chunk_size: 8 << 20,
            reveal: false,
            fingerprint_key: None,
            examples: 5,
            min_confidence: Confidence::Medium,
            baseline: None,
            max_decode_depth: 3,
            har: HarOptions::default(),
            verbose: false,
            max_findings_per_field: 1_000_000,
            max_line_length: 16 << 20,
            archive: archive::Limits::default(),
            sample: None,
            enough: None,
            report_only: false,
        }
    }
}

/// A scan that could not run at all (per-file problems are not errors).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// An include or exclude glob is invalid.
    #[error(transparent)]
    Glob(#[from] discover::GlobError),
    /// The thread pool could not be built.
    #[error("starting worker threads: {0}")]
    Threads(String),
    /// No randomness for the fingerprint key.
    #[error("generating a fingerprint key: {0}")]
    Random(String),
    /// Writing findings failed.
    #[error("writing findings: {0}")]
    Output(#[from] io::Error),
}

/// Counters the caller can poll to show progress.
#[derive(Debug, Default)]
pub struct Progress {
    /// Files to scan (known after discovery).
    pub files_total: AtomicU64,
    /// Bytes to scan (known after discovery).
    pub bytes_total: AtomicU64,
    /// Files finished.
    pub files_done: AtomicU64,
    /// Bytes finished.
    pub bytes_done: AtomicU64,
    /// Set (from a signal handler, say) to stop the scan: no new unit
    /// starts, the ones running finish, and the report is marked
    /// incomplete.
    pub cancel: AtomicBool,
}

/// Runs a scan. Every finding is passed to `on_finding` in a deterministic
/// order as soon as its window of work is done; the aggregated report is
/// returned at the end.
pub fn scan(
    config: &ScanConfig,
    catalogue: &Catalogue,
    progress: &Progress,
    on_finding: &mut dyn FnMut(&Finding) -> io::Result<()>,
) -> Result<Report, ScanError> {
    scan_into(
        config,
        catalogue,
        progress,
        FindingStream::Findings(on_finding),
    )
}

/// Where a scan's findings go as they are found, in path order.
pub enum FindingStream<'a> {
    /// Each finding to a callback.
    Findings(&'a mut dyn FnMut(&Finding) -> io::Result<()>),
    /// Each finding as a line of JSON (the `jsonl` output), the bytes
    /// [`crate::report::jsonl::LineWriter`] writes.
    ///
    /// The workers write the lines as they find the values, and tally
    /// the report as for [`ScanConfig::report_only`]: no [`Finding`] is
    /// made, and the calling thread only puts in each line's number
    /// (which needs the lines of the units before) and writes. Findings
    /// had cost that thread about 2,000 instructions each (the report's
    /// row, the line, freeing the finding's strings) and the worker
    /// another 1,900; 8 MB of dense records into jsonl: see the module
    /// doc. With a baseline or `--enough`, which judge findings one by
    /// one on that thread, findings are made and written there.
    Jsonl(&'a mut dyn io::Write),
}

/// Runs a scan like [`scan`], sending findings to `stream`.
pub fn scan_into(
    config: &ScanConfig,
    catalogue: &Catalogue,
    progress: &Progress,
    stream: FindingStream<'_>,
) -> Result<Report, ScanError> {
    match stream {
        FindingStream::Findings(each) => run(config, catalogue, progress, Sink::Findings(each)),
        FindingStream::Jsonl(out) if config.baseline.is_some() || config.enough.is_some() => {
            let mut lines = crate::report::jsonl::LineWriter::default();
            let mut each = |f: &Finding| lines.write(out, f);
            run(config, catalogue, progress, Sink::Findings(&mut each))
        }
        FindingStream::Jsonl(out) => run(
            config,
            catalogue,
            progress,
            Sink::Lines {
                out,
                line: Vec::new(),
            },
        ),
    }
}

/// Where [`emit`] sends findings.
enum Sink<'a, 'f> {
    Findings(&'a mut (dyn FnMut(&Finding) -> io::Result<()> + 'f)),
    /// Lines written by the workers, their numbers put in here.
    Lines {
        out: &'a mut dyn io::Write,
        /// Lines numbered and waiting to be written (64 KiB at most).
        line: Vec<u8>,
    },
}

fn run(
    config: &ScanConfig,
    catalogue: &Catalogue,
    progress: &Progress,
    mut sink: Sink<'_, '_>,
) -> Result<Report, ScanError> {
    let started = Instant::now();
    let discovery = discover::discover(&config.paths, &config.discover, &config.vendors)?;
    let fingerprinter = match &config.fingerprint_key {
        Some(k) => Fingerprinter::with_key(k),
        None => Fingerprinter::random().map_err(|e| ScanError::Random(e.to_string()))?,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .map_err(|e| ScanError::Threads(e.to_string()))?;
    let threads = pool.current_num_threads();
    progress
        .files_total
        .store(discovery.candidates.len() as u64, Ordering::Relaxed);
    progress.bytes_total.store(
        discovery.candidates.iter().map(|c| c.size).sum(),
        Ordering::Relaxed,
    );

    let mut report = Report::new(config.examples);
    report.set_enough(config.enough);
    report.shard = config.discover.shard.map(|s| crate::report::ShardData {
        index: s.index,
        count: s.count,
        examples: config.examples,
        field_values: Vec::new(),
    });
    if config.fingerprint_key.is_some() {
        report.fingerprint_key_id = Some(fingerprinter.key_id());
    }
    if let Some(b) = &config.baseline {
        report.baseline = Some(b.source.clone());
    }
    report.detectors = catalogue
        .detectors()
        .iter()
        .map(|d| crate::report::DetectorInfo {
            id: d.id.clone(),
            name: d.name.clone(),
            category: d.category,
        })
        .collect();
    if config.sample.is_some() || config.discover.sample_files.is_some() {
        report.summary.sample = Some(crate::report::SampleInfo {
            rate: config.sample.map(|s| s.rate),
            files: config.discover.sample_files.map(|(n, _)| n),
            seed: config
                .sample
                .map(|s| s.seed)
                .or(config.discover.sample_files.map(|(_, seed)| seed))
                .unwrap_or(0),
            files_not_sampled: discovery.not_sampled.0,
            bytes_not_sampled: discovery.not_sampled.1,
            records_sampled: 0,
        });
    }
    for s in discovery.skipped {
        if config.verbose {
            eprintln!("sandsift: {}: skipped: {}", s.file, s.reason);
        }
        report.file_skipped(s);
    }
    for f in discovery.failed {
        if config.verbose {
            eprintln!("sandsift: {}: failed: {}", f.file, f.error);
        }
        report.file_failed(f);
    }
    let mut shared = Shared::new(config, catalogue, fingerprinter);
    if matches!(sink, Sink::Lines { .. }) {
        shared.tally = true;
        shared.lines = true;
    }
    let shared = shared;
    let files: Vec<FileInfo> = discovery
        .candidates
        .iter()
        .map(|c| FileInfo {
            display: Arc::from(c.display.as_str()),
            vendor: Arc::from(c.vendor.as_str()),
            key: c.key,
        })
        .collect();
    let mut planner = Planner::new(&discovery.candidates, config, threads);
    let mut states: Vec<FileState> = (0..files.len()).map(|_| FileState::default()).collect();
    // A sliding window: at most `window` batches of units are planned but
    // not yet emitted, so memory stays bounded when one unit is slow, and
    // workers never wait for the whole window. The files the planner takes
    // out of path order wait for their turn outside the window.
    let window = (threads * 4).max(8) + planner.ahead;
    // Files read into memory by the planner (without mmap) and not yet
    // scanned are held to two chunks per thread, unless fewer than one
    // batch a thread (and one) is in flight: the files the planner takes
    // ahead would otherwise all be read at once (on 2 GiB of every kind
    // with `--no-mmap`, 2 threads: 690 MB peak RSS).
    let held_budget = (2 * threads * config.chunk_size.max(4096)) as u64;
    let candidates = &discovery.candidates;
    let (tx, rx) = mpsc::channel::<Vec<(Unit, UnitResult)>>();
    let mut failure = None;
    pool.in_place_scope(|scope| {
        let (mut planned, mut received, mut emitted) = (0usize, 0usize, 0usize);
        // Results wait here, by their first unit's (file, part), until
        // everything before them in path order is emitted.
        let mut ready: BTreeMap<(usize, usize), Vec<(Unit, UnitResult)>> = BTreeMap::new();
        let mut expected = (0usize, 0usize);
        let mut exhausted = false;
        loop {
            while !exhausted
                && planned - emitted < window
                && (planned - received <= threads || planner.held() < held_budget)
            {
                if progress.cancel.load(Ordering::Relaxed) {
                    exhausted = true;
                    break;
                }
                let Some(batch) = planner.next_batch() else {
                    exhausted = true;
                    break;
                };
                let tx = tx.clone();
                let (shared, files) = (&shared, &files);
                scope.spawn(move |_| {
                    let results = batch
                        .into_iter()
                        .map(|mut unit| {
                            let candidate = &candidates[unit.file];
                            let result =
                                process_guarded(&unit, candidate, &files[unit.file], shared);
                            // The file's bytes are freed once its last
                            // unit is scanned, not when it is emitted.
                            unit.source = Source::Done {
                                bytes: unit.bytes(candidate),
                            };
                            (unit, result)
                        })
                        .collect();
                    // The receiver outlives the scope; a send cannot fail.
                    let _ = tx.send(results);
                });
                planned += 1;
            }
            if planned == emitted {
                break;
            }
            let mut due = Vec::new();
            if exhausted && received == planned {
                // Nothing more comes (the scan was interrupted): what
                // waits is emitted in path order; the files never planned
                // are reported as not scanned.
                due.extend(std::mem::take(&mut ready).into_values());
            } else {
                let Ok(results) = rx.recv() else {
                    break;
                };
                received += 1;
                let key = results.first().map_or(expected, |(u, _)| (u.file, u.index));
                ready.insert(key, results);
                while let Some(results) = ready.remove(&expected) {
                    if let Some((u, _)) = results.last() {
                        expected = if u.last {
                            (u.file + 1, 0)
                        } else {
                            (u.file, u.index + 1)
                        };
                    }
                    due.push(results);
                }
            }
            for results in due {
                emitted += 1;
                for (unit, result) in results {
                    if failure.is_none()
                        && let Err(e) = emit(
                            &unit,
                            result,
                            candidates,
                            &mut states,
                            &mut Destination {
                                report: &mut report,
                                progress,
                                baseline: config.baseline.as_deref(),
                                sink: &mut sink,
                                verbose: config.verbose,
                            },
                            |lines| shared.recycle_lines(lines),
                        )
                    {
                        failure = Some(e);
                    }
                }
            }
        }
    });
    if let Some(e) = failure {
        return Err(ScanError::Output(e));
    }
    if progress.cancel.load(Ordering::Relaxed) {
        report.summary.incomplete = true;
        for (state, c) in states.iter().zip(candidates) {
            if !state.done {
                report.file_skipped(Skipped {
                    file: c.display.clone(),
                    reason: "not scanned: the scan was interrupted".to_string(),
                    bytes: c.size,
                });
            }
        }
    }
    report.finish(started.elapsed(), threads);
    Ok(report)
}

struct Shared<'c> {
    catalogue: &'c Catalogue,
    /// The context of free text (no field name).
    free: FieldContext,
    fingerprinter: Fingerprinter,
    detector_ids: Vec<Arc<str>>,
    reveal: bool,
    load: LoadOptions,
    min_confidence: Confidence,
    vendors: &'c VendorMap,
    max_decode_depth: usize,
    max_findings_per_field: u64,
    max_line_length: usize,
    archive: archive::Limits,
    /// Finds the start of a JWT (`eyJ`, base64url of `{"`) in text.
    jwt_anchor: memchr::memmem::Finder<'static>,
    har: HarOptions,
    sample: Option<Sampling>,
    enough: Option<u64>,
    /// Findings are tallied into report rows (see [`ScanConfig::report_only`]).
    tally: bool,
    /// Kept findings are also written as jsonl lines (see [`FindingStream::Jsonl`]).
    lines: bool,
    /// Example locations kept per row.
    examples: usize,
    /// Line buffers of units already written, for the next units: see
    /// [`Shared::spare_lines`].
    spare_lines: std::sync::Mutex<Vec<Lines>>,
    /// Spare line buffers kept at most (one a thread, and one).
    spare_limit: usize,
}

/// A spare [`Lines`] larger than this is dropped rather than kept (the
/// spares add to the peak memory: 2 GiB of every kind with `--no-mmap`,
/// 2 threads, peaked 20-30 MB higher with four spares of up to 64 MB).
const SPARE_LINES_BYTES: usize = 16 << 20;

impl<'c> Shared<'c> {
    fn new(config: &'c ScanConfig, catalogue: &'c Catalogue, fingerprinter: Fingerprinter) -> Self {
        Shared {
            catalogue,
            free: catalogue.field_context(None, &mut Vec::new()),
            fingerprinter,
            detector_ids: catalogue
                .detectors()
                .iter()
                .map(|d| Arc::from(d.id.as_str()))
                .collect(),
            reveal: config.reveal,
            load: config.load,
            min_confidence: config.min_confidence,
            vendors: &config.vendors,
            max_decode_depth: config.max_decode_depth,
            max_findings_per_field: config.max_findings_per_field,
            max_line_length: config.max_line_length,
            archive: archive::Limits {
                max_total: config.load.max_decompressed,
                ..config.archive
            },
            jwt_anchor: memchr::memmem::Finder::new(b"eyJ"),
            har: config.har,
            sample: config.sample,
            enough: config.enough,
            tally: config.report_only && config.baseline.is_none() && config.enough.is_none(),
            lines: false,
            examples: config.examples,
            spare_lines: std::sync::Mutex::new(Vec::new()),
            spare_limit: config.threads.max(1) + 1,
        }
    }

    /// Empty line buffers for a unit, grown by an earlier unit when one
    /// was written: a unit's lines grew by doubling into fresh memory
    /// every time (an 8 MB capture's into 3 MB in 60 steps), and the
    /// copies were a sixth of its misses in a 1 MB cache (cachegrind).
    fn spare_lines(&self) -> Lines {
        if !self.lines {
            return Lines::default();
        }
        self.spare_lines
            .lock()
            .map(|mut spare| spare.pop().unwrap_or_default())
            .unwrap_or_default()
    }

    /// Takes back the line buffers of a unit written.
    fn recycle_lines(&self, mut lines: Lines) {
        if lines.capacity_bytes() > SPARE_LINES_BYTES {
            return;
        }
        lines.clear();
        if let Ok(mut spare) = self.spare_lines.lock()
            && spare.len() < self.spare_limit
        {
            spare.push(lines);
        }
    }
}

struct FileInfo {
    display: Arc<str>,
    vendor: Arc<str>,
    /// A stable key of the file (its path below the scan root), for
    /// record sampling.
    key: u64,
}

/// What [`scan_bytes`] found in one buffer.
#[derive(Debug, Default)]
pub struct BytesScan {
    /// The findings, in order. Their vendor is decided as for a file at
    /// the path `file` relative to the scan root (its first folder), by
    /// the request host in a capture, or forced by the config.
    pub findings: Vec<Finding>,
    /// Problems in the input (at most 20 listed; `problems_total` counts all).
    pub problems: Vec<FileProblem>,
    /// Every problem, listed or not.
    pub problems_total: u64,
    /// Values extracted.
    pub values: u64,
    /// Why the buffer could not be read at all (not an archive, workbook
    /// or Parquet file after all, say).
    pub failed: Option<String>,
}

/// Scans one in-memory buffer as `format` (sniffed from `file` and the
/// bytes when `None`) on the calling thread: the same extraction,
/// decoding and detection as a file scan, without discovery or
/// threads. For embedding and for fuzzing.
pub fn scan_bytes(
    config: &ScanConfig,
    catalogue: &Catalogue,
    file: &str,
    format: Option<Format>,
    data: &[u8],
) -> Result<BytesScan, ScanError> {
    let fingerprinter = match &config.fingerprint_key {
        Some(k) => Fingerprinter::with_key(k),
        None => Fingerprinter::random().map_err(|e| ScanError::Random(e.to_string()))?,
    };
    // The caller wants the findings themselves.
    let shared = Shared {
        tally: false,
        ..Shared::new(config, catalogue, fingerprinter)
    };
    let vendor = config.vendors.vendor_for(Path::new(""), Path::new(file));
    let info = FileInfo {
        display: Arc::from(file),
        vendor: Arc::from(vendor.as_str()),
        key: crate::discover::path_key(Path::new(file)),
    };
    let format = format.unwrap_or_else(|| {
        format::detect_format(Path::new(file), &data[..data.len().min(SNIFF_LEN)])
    });
    let mut scratch = WorkerScratch::default();
    let result = scan_slice(
        data,
        format,
        None,
        None,
        true,
        0,
        &info,
        &shared,
        &mut scratch.json,
        &mut scratch.matches,
        &mut scratch.text,
        &mut scratch.fields,
    );
    let failed = match &result.outcome {
        Outcome::Failed(e) => Some(e.clone()),
        _ => None,
    };
    Ok(BytesScan {
        failed,
        findings: result.findings,
        problems: result.problems,
        problems_total: result.problems_total,
        values: result.values,
    })
}

/// What a unit reads.
enum Source {
    /// Load the whole file in the worker.
    Whole,
    /// A range of a file loaded by the planner.
    Chunk {
        bytes: Arc<Bytes<'static>>,
        start: usize,
        end: usize,
        /// Offset in the file of `bytes[start]`.
        offset: u64,
        format: Format,
        /// The header of a delimited file; chunk 0 starts with it.
        header: Option<Arc<Header>>,
    },
    /// Some entries of a large HAR capture loaded by the planner.
    HarEntries {
        bytes: Arc<Bytes<'static>>,
        part: HarPart,
    },
    /// A piece of a large JSON document loaded by the planner.
    JsonPiece {
        bytes: Arc<Bytes<'static>>,
        piece: JsonPiece,
    },
    /// Some row groups of a large Parquet file opened by the planner.
    Parquet {
        file: Arc<format::parquet::File>,
        groups: ParquetGroups,
        /// Index in the file of the first row of `groups`.
        first_row: u64,
    },
    /// The planner could not load the file.
    Failed(String),
    /// Scanned: the unit no longer holds the bytes it covered (its result
    /// may wait for its turn in path order), only their count.
    Done {
        /// The bytes of the file the unit covered.
        bytes: u64,
    },
}

impl Unit {
    /// The bytes of its file the unit covers.
    fn bytes(&self, candidate: &Candidate) -> u64 {
        match &self.source {
            Source::Chunk { start, end, .. } => (end - start) as u64,
            Source::HarEntries { part, .. } => part.bytes(),
            Source::JsonPiece { piece, .. } => piece.bytes.len() as u64,
            Source::Done { bytes } => *bytes,
            _ => candidate.size,
        }
    }
}

/// Row groups `range` of a Parquet file, counted as `bytes` of it.
struct ParquetGroups {
    range: std::ops::Range<usize>,
    bytes: u64,
}

/// A part of a file planned by the planner, for [`scan_slice`].
#[derive(Clone, Copy)]
enum Part<'p> {
    Har(&'p HarPart),
    Json(&'p JsonPiece),
    Parquet {
        file: &'p format::parquet::File,
        groups: &'p ParquetGroups,
        first_row: u64,
    },
}

/// Lets a `bytes::Bytes` share a loaded file without copying it.
struct SharedFile(Arc<Bytes<'static>>);

impl AsRef<[u8]> for SharedFile {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Entries `spans[range]` of a capture, whose first entry starts after
/// `newlines_before` newlines of the file.
struct HarPart {
    spans: Arc<Vec<(usize, usize)>>,
    range: std::ops::Range<usize>,
    newlines_before: u64,
}

impl HarPart {
    fn bytes(&self) -> u64 {
        let s = &self.spans[self.range.clone()];
        match (s.first(), s.last()) {
            (Some(a), Some(b)) => (b.1 - a.0) as u64,
            _ => 0,
        }
    }
}

/// A piece of a JSON document cut at its record array's elements (see
/// [`jsonfmt::Splitter`]), accounting for `bytes` of the file, which has
/// `newlines_before` newlines before them.
struct JsonPiece {
    keys: Arc<[(usize, usize)]>,
    piece: jsonfmt::Piece,
    bytes: std::ops::Range<usize>,
    newlines_before: u64,
}

/// A large JSON document being cut into pieces by the planner.
struct JsonSplit {
    file: usize,
    bytes: Arc<Bytes<'static>>,
    splitter: jsonfmt::Splitter,
    index: usize,
    /// Newlines before `counted`.
    newlines: u64,
    counted: usize,
}

struct Unit {
    file: usize,
    index: usize,
    last: bool,
    source: Source,
}

/// Cuts the candidate list into units.
struct Planner<'a> {
    candidates: &'a [Candidate],
    /// The candidates in the order they are planned: large files that
    /// cannot be cut into parts first (largest first), then the rest in
    /// path order. Results are still emitted in path order.
    order: Vec<usize>,
    /// How many files lead `order` out of path order.
    ahead: usize,
    /// Bytes of the candidates from each place in `order` to the last.
    left: Vec<u64>,
    threads: usize,
    /// The next place in `order`.
    next: usize,
    pending: VecDeque<Unit>,
    chunk_size: usize,
    mmap: bool,
    stream: Option<Stream>,
    json: Option<JsonSplit>,
    /// Files and chunks read into memory (not mapped).
    held: Held,
}

/// Bytes read into memory by the planner, counted while a unit (or the
/// planner) still holds them.
#[derive(Default)]
struct Held(Vec<(std::sync::Weak<Bytes<'static>>, u64)>);

impl Held {
    /// Shares loaded bytes, counting them when they were read into memory.
    fn hold(&mut self, bytes: Bytes<'static>) -> Arc<Bytes<'static>> {
        let owned = match &bytes {
            Bytes::Owned(v) => Some(v.len() as u64),
            _ => None,
        };
        let bytes = Arc::new(bytes);
        if let Some(n) = owned {
            self.0.push((Arc::downgrade(&bytes), n));
        }
        bytes
    }

    /// The bytes still held.
    fn total(&mut self) -> u64 {
        self.0.retain(|(w, _)| w.strong_count() > 0);
        self.0.iter().map(|(_, n)| n).sum()
    }
}

/// A large line-oriented file read chunk by chunk (without mmap), so memory
/// stays at a few chunks whatever the file's size.
struct Stream {
    file: usize,
    reader: Box<dyn std::io::Read + Send>,
    /// Bytes read but not yet handed out (the start of an unfinished line).
    carry: Vec<u8>,
    /// File offset of `carry[0]`.
    offset: u64,
    index: usize,
    format: Format,
}

impl<'a> Planner<'a> {
    fn new(candidates: &'a [Candidate], config: &ScanConfig, threads: usize) -> Self {
        let chunk_size = config.chunk_size.max(4096);
        // A file read whole by one thread, planned last, keeps the other
        // threads waiting for it at the end of the scan (a 29 MB JSON
        // export last of a 1 GiB corpus: a twentieth of its time on two
        // threads): such files go first.
        // A JSON document more than a thread's share of the whole scan is
        // likely cut into pieces (see `next_unit`): it stays in path order,
        // for only files read whole may be taken ahead (their results wait
        // for their turn, one unit each, past the window).
        let total: u64 = candidates.iter().map(|c| c.size).sum();
        let whole = |c: &Candidate| {
            c.size >= 2 * chunk_size as u64
                && (load::is_gzip(&c.path)
                    || match Format::from_path(&c.path) {
                        Some(Format::Json) => c.size.saturating_mul(threads as u64) <= total,
                        format => matches!(format, Some(Format::Zip | Format::Excel)),
                    })
        };
        let mut order: Vec<usize> = (0..candidates.len())
            .filter(|&i| threads > 1 && whole(&candidates[i]))
            .collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(candidates[i].size), i));
        let ahead = order.len();
        let mut first = vec![false; candidates.len()];
        for &i in &order {
            first[i] = true;
        }
        order.extend((0..candidates.len()).filter(|&i| !first[i]));
        let mut left = vec![0; candidates.len() + 1];
        for (k, &i) in order.iter().enumerate().rev() {
            left[k] = left[k + 1] + candidates[i].size;
        }
        Planner {
            candidates,
            order,
            ahead,
            left,
            threads,
            next: 0,
            pending: VecDeque::new(),
            chunk_size,
            mmap: config.load.mmap_threshold.is_some(),
            stream: None,
            json: None,
            held: Held::default(),
        }
    }

    /// Bytes read into memory by the planner that units not yet scanned
    /// (or the planner) still hold.
    fn held(&mut self) -> u64 {
        self.held.total()
    }

    /// The candidate at the next place of the plan.
    fn upcoming(&self) -> Option<&Candidate> {
        self.order.get(self.next).map(|&i| &self.candidates[i])
    }

    /// The next chunk of the open stream, cut after its last newline.
    fn next_streamed(&mut self) -> Option<Unit> {
        use std::io::Read;
        let chunk_size = self.chunk_size;
        let st = self.stream.as_mut()?;
        let mut eof = false;
        loop {
            let want = (chunk_size.saturating_sub(st.carry.len())).max(4096) as u64;
            match st.reader.by_ref().take(want).read_to_end(&mut st.carry) {
                Ok(n) if (n as u64) < want => eof = true,
                Ok(_) => {}
                Err(e) => {
                    let unit = Unit {
                        file: st.file,
                        index: st.index,
                        last: true,
                        source: Source::Failed(format!("reading at byte {}: {e}", st.offset)),
                    };
                    self.stream = None;
                    return Some(unit);
                }
            }
            if eof || memchr::memrchr(b'\n', &st.carry).is_some() {
                break;
            }
        }
        let cut = if eof {
            st.carry.len()
        } else {
            memchr::memrchr(b'\n', &st.carry).map_or(st.carry.len(), |i| i + 1)
        };
        let rest = st.carry.split_off(cut);
        let bytes = std::mem::replace(&mut st.carry, rest);
        let len = bytes.len();
        let bytes = self.held.hold(Bytes::Owned(bytes));
        let unit = Unit {
            file: st.file,
            index: st.index,
            last: eof,
            source: Source::Chunk {
                bytes,
                start: 0,
                end: len,
                offset: st.offset,
                format: st.format,
                header: None,
            },
        };
        st.offset += len as u64;
        st.index += 1;
        if eof {
            self.stream = None;
        }
        Some(unit)
    }

    /// Opens a large NDJSON or text file for streaming; `None` when it is
    /// another format (or UTF-16), which is then loaded whole.
    fn start_stream(&mut self, file: usize, c: &Candidate) -> Result<bool, String> {
        use std::io::Read;
        let path = c.path.as_path();
        let mut reader: Box<dyn Read + Send> = match &c.remote {
            Some(object) => Box::new(object.reader()),
            None => Box::new(std::fs::File::open(path).map_err(|e| e.to_string())?),
        };
        let mut head = Vec::with_capacity(SNIFF_LEN);
        reader
            .by_ref()
            .take(SNIFF_LEN as u64)
            .read_to_end(&mut head)
            .map_err(|e| e.to_string())?;
        let format = format::detect_format(path, &head);
        if load::is_utf16(&head) || !matches!(format, Format::Ndjson | Format::Text) {
            return Ok(false);
        }
        self.stream = Some(Stream {
            file,
            reader,
            carry: head,
            offset: 0,
            index: 0,
            format,
        });
        Ok(true)
    }

    /// The next units to hand one worker: one unit, or a run of small
    /// files read whole, so that a folder of 10,000 small files is not
    /// 10,000 tasks and hand-overs between threads.
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        /// Files below this size are batched.
        const SMALL: u64 = 64 * 1024;
        /// A batch ends at this many bytes or files.
        const BATCH_BYTES: u64 = 256 * 1024;
        const BATCH_FILES: usize = 64;
        let small = |p: &Self| {
            p.pending.is_empty()
                && p.stream.is_none()
                && p.json.is_none()
                && p.upcoming().is_some_and(|c| c.size < SMALL)
        };
        if !small(self) {
            return self.next_unit().map(|u| vec![u]);
        }
        let mut batch = Vec::new();
        let mut bytes = 0;
        // A batch holds files that follow each other in path order (it is
        // emitted as one).
        let mut after: Option<usize> = None;
        while small(self)
            && bytes < BATCH_BYTES
            && batch.len() < BATCH_FILES
            && after.is_none_or(|f| self.order[self.next] == f + 1)
        {
            bytes += self.upcoming().map_or(0, |c| c.size);
            match self.next_unit() {
                Some(u) => {
                    after = Some(u.file);
                    batch.push(u);
                }
                None => break,
            }
        }
        Some(batch)
    }

    fn next_unit(&mut self) -> Option<Unit> {
        if let Some(u) = self.pending.pop_front() {
            return Some(u);
        }
        if self.stream.is_some() {
            return self.next_streamed();
        }
        if self.json.is_some() {
            return self.next_json_piece();
        }
        let place = self.next;
        let file = *self.order.get(place)?;
        let c = &self.candidates[file];
        self.next += 1;
        let whole = |source| Unit {
            file,
            index: 0,
            last: true,
            source,
        };
        if c.size < 2 * self.chunk_size as u64 || load::is_gzip(&c.path) {
            return Some(whole(Source::Whole));
        }
        // Objects in object storage stream like files read without mmap.
        if !self.mmap || c.remote.is_some() {
            match self.start_stream(file, c) {
                Ok(true) => return self.next_streamed(),
                Ok(false) => {}
                Err(e) => return Some(whole(Source::Failed(e))),
            }
        }
        let loaded = match &c.remote {
            Some(object) => {
                use std::io::Read;
                let mut all = Vec::with_capacity(usize::try_from(c.size).unwrap_or(0));
                object
                    .reader()
                    .read_to_end(&mut all)
                    .map(|_| Bytes::Owned(all))
                    .map_err(load::LoadError::from)
            }
            None if self.mmap => load::map(&c.path),
            None => load::read_owned(&c.path),
        };
        let bytes = match loaded {
            Ok(b) => self.held.hold(b),
            Err(e) => return Some(whole(Source::Failed(e.to_string()))),
        };
        if load::is_utf16(&bytes) {
            // Decoded whole in the worker: UTF-16 is not cut at byte lines.
            return Some(whole(Source::Whole));
        }
        let format = format::detect_format(&c.path, &bytes[..bytes.len().min(SNIFF_LEN)]);
        // Slicing a capture into entries costs a parse of its own (a
        // fifth of a HAR scan): worth it only when the capture is more
        // than a thread's share of what is left to scan, so that other
        // threads would otherwise wait for it; else it is read whole.
        if format == Format::Har
            && c.size.saturating_mul(self.threads as u64) > self.left[place]
            && let Some(spans) = format::har::entry_spans(&bytes)
            && spans.len() > 1
        {
            self.plan_har(file, &bytes, spans);
            return self.pending.pop_front();
        }
        // A JSON document more than a thread's share of what is left is
        // cut at its records (as a HAR capture is), when it has an array
        // of them large enough.
        if format == Format::Json
            && place >= self.ahead
            && c.size.saturating_mul(self.threads as u64) > self.left[place]
            && let Some(splitter) = jsonfmt::Splitter::find(&bytes, self.chunk_size)
        {
            self.json = Some(JsonSplit {
                file,
                bytes,
                splitter,
                index: 0,
                newlines: 0,
                counted: 0,
            });
            return self.next_json_piece();
        }
        if format == Format::Parquet {
            let shared = bytes::Bytes::from_owner(SharedFile(Arc::clone(&bytes)));
            // A file that does not open is scanned whole, which reports why.
            if let Ok(parquet) = format::parquet::File::open(shared) {
                self.plan_parquet(file, parquet);
                return self.pending.pop_front();
            }
        }
        let (cuts, header) = match format {
            Format::Json | Format::Har | Format::Zip | Format::Excel | Format::Parquet => {
                (Vec::new(), None)
            }
            Format::Csv | Format::Tsv => {
                let header = csvfmt::read_header(&bytes, csvfmt::delimiter(format));
                let body = header.body_start;
                let cuts = csvfmt::record_boundaries(&bytes[body..], self.chunk_size);
                (
                    cuts.into_iter().map(|c| c + body).collect(),
                    Some(Arc::new(header)),
                )
            }
            Format::Ndjson | Format::Text => {
                (format::text::line_boundaries(&bytes, self.chunk_size), None)
            }
        };
        let mut starts = vec![0];
        starts.extend(cuts);
        let n = starts.len();
        for (index, &start) in starts.iter().enumerate() {
            let end = starts.get(index + 1).copied().unwrap_or(bytes.len());
            self.pending.push_back(Unit {
                file,
                index,
                last: index + 1 == n,
                source: Source::Chunk {
                    bytes: Arc::clone(&bytes),
                    start,
                    end,
                    offset: start as u64,
                    format,
                    header: header.clone(),
                },
            });
        }
        self.pending.pop_front()
    }
}

impl Planner<'_> {
    /// The next piece of the JSON document being cut.
    fn next_json_piece(&mut self) -> Option<Unit> {
        let split = self.json.as_mut()?;
        let Some((piece, bytes)) = split.splitter.next_piece(&split.bytes) else {
            self.json = None;
            return self.next_unit();
        };
        let seg = &split.bytes[split.counted..bytes.start];
        split.newlines += memchr::memchr_iter(b'\n', seg).count() as u64;
        split.counted = bytes.start;
        let last = matches!(piece, jsonfmt::Piece::Last { .. });
        let unit = Unit {
            file: split.file,
            index: split.index,
            last,
            source: Source::JsonPiece {
                bytes: Arc::clone(&split.bytes),
                piece: JsonPiece {
                    keys: Arc::clone(split.splitter.keys()),
                    piece,
                    bytes,
                    newlines_before: split.newlines,
                },
            },
        };
        split.index += 1;
        if last {
            self.json = None;
        }
        Some(unit)
    }

    /// Cuts a Parquet file into runs of row groups of about `chunk_size`
    /// compressed bytes of the columns read.
    fn plan_parquet(&mut self, file: usize, parquet: format::parquet::File) {
        let parquet = Arc::new(parquet);
        let mut parts = parquet.plan(self.chunk_size);
        if parts.is_empty() {
            parts.push((0..0, 0));
        }
        let n = parts.len();
        let mut counted = 0u64;
        for (index, (range, first_row)) in parts.into_iter().enumerate() {
            let mut bytes: u64 = range.clone().map(|g| parquet.group_size(g)).sum();
            if index + 1 == n {
                // The footer and anything between groups: the whole file
                // is counted once.
                bytes = (parquet.len() as u64).saturating_sub(counted);
            }
            counted += bytes;
            self.pending.push_back(Unit {
                file,
                index,
                last: index + 1 == n,
                source: Source::Parquet {
                    file: Arc::clone(&parquet),
                    groups: ParquetGroups { range, bytes },
                    first_row,
                },
            });
        }
    }

    /// Cuts a well-formed capture into units of whole entries of about
    /// `chunk_size` bytes, so one large capture keeps every core busy.
    fn plan_har(&mut self, file: usize, bytes: &Arc<Bytes<'static>>, spans: Vec<(usize, usize)>) {
        let spans = Arc::new(spans);
        let mut groups = Vec::new();
        let mut first = 0;
        for i in 1..=spans.len() {
            let size = spans[i - 1].1 - spans[first].0;
            if i == spans.len() || size >= self.chunk_size {
                groups.push(first..i);
                first = i;
            }
        }
        let n = groups.len();
        let (mut pos, mut newlines) = (0usize, 0u64);
        for (index, range) in groups.into_iter().enumerate() {
            let start = spans[range.start].0;
            newlines += memchr::memchr_iter(b'\n', &bytes[pos..start]).count() as u64;
            pos = start;
            self.pending.push_back(Unit {
                file,
                index,
                last: index + 1 == n,
                source: Source::HarEntries {
                    bytes: Arc::clone(bytes),
                    part: HarPart {
                        spans: Arc::clone(&spans),
                        range,
                        newlines_before: newlines,
                    },
                },
            });
        }
    }
}

thread_local! {
    /// Each worker thread's reusable buffers.
    static SCRATCH: RefCell<WorkerScratch> = RefCell::new(WorkerScratch::default());
}

#[derive(Default)]
struct WorkerScratch {
    read: Vec<u8>,
    json: JsonScratch,
    matches: Vec<Match>,
    text: Vec<u8>,
    fields: FieldCache,
}

/// Field paths, what their names say to the detectors, and the memos of
/// their repeated values, kept by a worker from one unit to the next:
/// files of one export share their fields, and interning paths, matching
/// names against the hints and starting memos afresh per file made 10,000
/// small files cost four times the same data in one file. Cleared when it
/// grows past [`FIELD_CACHE_LIMIT`] fields, so files with ever new keys
/// cannot grow it without bound.
#[derive(Default)]
struct FieldCache {
    fields: FieldTable,
    /// Per field id: its context and path, once seen.
    contexts: Vec<Option<(FieldContext, Arc<str>)>>,
    /// Per field id: values counted in the current unit (zero between
    /// units), and the ids counted, to reset.
    counts: Vec<u64>,
    touched: Vec<usize>,
    /// Per field id: detection results of repeated values.
    memos: Vec<FieldMemo>,
    /// Bytes the memos hold.
    memo_bytes: usize,
    /// A unit's tallies and line keys (see [`UnitScanner`]), empty
    /// between units: kept for their room, which grew by rehashing into
    /// fresh memory in every unit (see [`reusable`]).
    tallies: rustc_hash::FxHashMap<KeptKey, Tally>,
    line_keys: rustc_hash::FxHashMap<LineKey, (usize, usize)>,
}

/// Fields a [`FieldCache`] holds before it starts again empty.
const FIELD_CACHE_LIMIT: usize = 1 << 16;

enum Outcome {
    Scanned(Format),
    Skipped(String),
    Failed(String),
}

/// Values seen in a field: vendor and endpoint (of a capture's exchange;
/// `None` for the file's own vendor), field (`None`: free text), count.
type FieldValues = (Option<Arc<str>>, Option<Arc<str>>, Option<Arc<str>>, u64);

struct UnitResult {
    outcome: Outcome,
    findings: Vec<Finding>,
    /// The kept findings as jsonl lines (see [`FindingStream::Jsonl`]).
    lines: Lines,
    /// The findings, tallied by report row (instead of `findings`, when
    /// only the report is wanted).
    tallies: Vec<Tallied>,
    /// Values seen per field (`None`: free text), for prevalence, with
    /// the vendor and endpoint of an API capture's exchange.
    field_values: Vec<FieldValues>,
    /// Parts not scanned on purpose, by reason.
    skipped_parts: BTreeMap<&'static str, u64>,
    /// Findings counted but not kept.
    unlisted: Vec<Unlisted>,
    problems: Vec<FileProblem>,
    problems_total: u64,
    below_min_confidence: u64,
    newlines: u64,
    records: u64,
    /// Records in the sample (with `--sample`).
    records_sampled: u64,
    values: u64,
    bytes: u64,
    /// A piece of a JSON document walked on past its own bytes to the
    /// document's end (see [`jsonfmt::walk_piece`]).
    ends_document: bool,
}

/// A unit's kept findings as jsonl lines (see [`FindingStream::Jsonl`]),
/// held compactly until the calling thread writes them: each line's keys
/// up to its place once per row (about 250 of a line's 400 bytes), the
/// rest of each line (its tail) but for the line's number, which counts
/// from the file's first line and is put in by [`Lines::write`].
#[derive(Debug, Default)]
struct Lines {
    keys: Vec<u8>,
    tails: Vec<u8>,
    index: Vec<LineRef>,
}

/// One line of [`Lines`]: its keys' span in `keys`, where its tail
/// starts in `tails` (it ends where the next starts), where its number
/// goes, and the number counted from the unit's first line.
#[derive(Debug, Clone, Copy)]
struct LineRef {
    keys: (usize, usize),
    tail: usize,
    number_at: usize,
    line: u64,
}

impl Lines {
    /// Adds `other`'s lines after these (an archive member's).
    fn append(&mut self, other: Lines) {
        let (keys, tails) = (self.keys.len(), self.tails.len());
        self.keys.extend_from_slice(&other.keys);
        self.tails.extend_from_slice(&other.tails);
        self.index.extend(other.index.iter().map(|r| LineRef {
            keys: (r.keys.0 + keys, r.keys.1),
            tail: r.tail + tails,
            number_at: r.number_at + tails,
            line: r.line,
        }));
    }

    /// Empties the buffers, keeping their room.
    fn clear(&mut self) {
        self.keys.clear();
        self.tails.clear();
        self.index.clear();
    }

    /// Gives back the room of buffers mostly unused (more than 1 MiB
    /// beyond four times what they hold).
    fn shrink_if_idle(&mut self) {
        fn shrink<T>(v: &mut Vec<T>) {
            let size = std::mem::size_of::<T>();
            if v.capacity() * size > 4 * v.len() * size + (1 << 20) {
                v.shrink_to_fit();
            }
        }
        shrink(&mut self.keys);
        shrink(&mut self.tails);
        shrink(&mut self.index);
    }

    /// The bytes the buffers hold room for.
    fn capacity_bytes(&self) -> usize {
        self.keys.capacity()
            + self.tails.capacity()
            + self.index.capacity() * std::mem::size_of::<LineRef>()
    }

    /// Writes the lines to `out`, numbered from `base`, through `buf`
    /// 64 KiB at a time: a unit's lines whole (1.5 MB of an 8 MB capture)
    /// were copied into memory past the cache before being written.
    fn write(&self, base: u64, buf: &mut Vec<u8>, out: &mut dyn io::Write) -> io::Result<()> {
        const FLUSH_AT: usize = 64 << 10;
        let mut n = itoa::Buffer::new();
        for (i, r) in self.index.iter().enumerate() {
            if buf.len() >= FLUSH_AT {
                out.write_all(buf)?;
                buf.clear();
            }
            let end = self
                .index
                .get(i + 1)
                .map_or(self.tails.len(), |next| next.tail);
            buf.extend_from_slice(&self.keys[r.keys.0..r.keys.0 + r.keys.1]);
            buf.extend_from_slice(&self.tails[r.tail..r.number_at]);
            buf.extend_from_slice(n.format(r.line + base).as_bytes());
            buf.extend_from_slice(&self.tails[r.number_at..end]);
        }
        out.write_all(buf)?;
        buf.clear();
        Ok(())
    }
}

impl UnitResult {
    fn empty(outcome: Outcome) -> Self {
        UnitResult {
            outcome,
            findings: Vec::new(),
            lines: Lines::default(),
            tallies: Vec::new(),
            field_values: Vec::new(),
            skipped_parts: BTreeMap::new(),
            unlisted: Vec::new(),
            problems: Vec::new(),
            problems_total: 0,
            below_min_confidence: 0,
            newlines: 0,
            records: 0,
            records_sampled: 0,
            values: 0,
            bytes: 0,
            ends_document: false,
        }
    }
}

/// [`process`] on this worker's scratch. A bug that panics on one input
/// fails that file, not the scan (and never leaves the emitter waiting).
fn process_guarded(
    unit: &Unit,
    candidate: &Candidate,
    info: &FileInfo,
    shared: &Shared<'_>,
) -> UnitResult {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        SCRATCH.with(|s| process(unit, candidate, info, shared, &mut s.borrow_mut()))
    }))
    .unwrap_or_else(|_| {
        // The scratch may be half-updated: start afresh.
        SCRATCH.with(|s| *s.borrow_mut() = WorkerScratch::default());
        UnitResult::empty(Outcome::Failed(
            "internal error while scanning this file (a sandsift bug; please report it)"
                .to_string(),
        ))
    })
}

fn process(
    unit: &Unit,
    candidate: &Candidate,
    info: &FileInfo,
    shared: &Shared<'_>,
    scratch: &mut WorkerScratch,
) -> UnitResult {
    let WorkerScratch {
        read,
        json,
        matches,
        text,
        fields,
    } = scratch;
    // What to scan: bytes, format, a CSV chunk's header, a planned part.
    let loaded;
    let (data, format, header, part): (&[u8], _, _, _) = match &unit.source {
        Source::Failed(e) => return UnitResult::empty(Outcome::Failed(e.clone())),
        Source::Done { .. } => {
            return UnitResult::empty(Outcome::Failed(
                "internal error: a part of this file was scanned twice (a sandsift bug; please report it)"
                    .into(),
            ));
        }
        Source::Parquet {
            file,
            groups,
            first_row,
        } => (
            &[],
            Format::Parquet,
            None,
            Some(Part::Parquet {
                file,
                groups,
                first_row: *first_row,
            }),
        ),
        Source::JsonPiece { bytes, piece } => (bytes, Format::Json, None, Some(Part::Json(piece))),
        Source::HarEntries { bytes, part } => (bytes, Format::Har, None, Some(Part::Har(part))),
        Source::Chunk {
            bytes,
            start,
            end,
            format,
            header,
            ..
        } => (&bytes[*start..*end], *format, header.as_deref(), None),
        Source::Whole => {
            let got = match &candidate.remote {
                Some(object) => load::load_remote(object, &candidate.path, &shared.load, read),
                None => load::load(&candidate.path, candidate.size, &shared.load, read),
            };
            let mut bytes = match got {
                Ok(b) => b,
                Err(e) => return UnitResult::empty(Outcome::Failed(e.to_string())),
            };
            if let Some(utf8) = load::decode_utf16(&bytes) {
                bytes = Bytes::Owned(utf8);
            }
            let head = &bytes[..bytes.len().min(SNIFF_LEN)];
            let inner = candidate.path.with_extension("");
            let named = if load::is_gzip(&candidate.path) {
                inner.as_path()
            } else {
                candidate.path.as_path()
            };
            if Format::from_path(named).is_none()
                && memchr::memchr(0, head).is_some()
                && !matches!(format::sniff(head), Format::Zip | Format::Parquet)
            {
                return UnitResult::empty(Outcome::Skipped(
                    "binary (NUL bytes in the first 8 KiB)".into(),
                ));
            }
            let format = format::detect_format(named, head);
            loaded = bytes;
            (&loaded[..], format, None, None)
        }
    };
    // Whether this is the file's first unit (a whole file is one), and
    // where in the file its bytes start.
    let first = unit.index == 0;
    let base = match &unit.source {
        Source::Chunk { offset, .. } => *offset,
        _ => 0,
    };
    let mut result = scan_slice(
        data, format, header, part, first, base, info, shared, json, matches, text, fields,
    );
    if matches!(unit.source, Source::Chunk { .. }) && !unit.last {
        result.newlines = memchr::memchr_iter(b'\n', data).count() as u64;
    }
    result
}

#[allow(clippy::too_many_arguments)]
fn scan_slice(
    data: &[u8],
    format: Format,
    header: Option<&Header>,
    part: Option<Part<'_>>,
    first: bool,
    base: u64,
    info: &FileInfo,
    shared: &Shared<'_>,
    json: &mut JsonScratch,
    matches: &mut Vec<Match>,
    text: &mut Vec<u8>,
    cache: &mut FieldCache,
) -> UnitResult {
    if format == Format::Zip {
        return scan_archive(data, info, shared, json, matches, text, cache);
    }
    if cache.fields.len() > FIELD_CACHE_LIMIT {
        *cache = FieldCache::default();
    }
    let mut fields = std::mem::take(&mut cache.fields);
    let mut scanner = UnitScanner {
        shared,
        info,
        format,
        data,
        base,
        shift: 0,
        contexts: std::mem::take(&mut cache.contexts),
        field_counts: std::mem::take(&mut cache.counts),
        touched: std::mem::take(&mut cache.touched),
        text_values: 0,
        matches: std::mem::take(matches),
        replay: Vec::new(),
        replay_prints: Vec::new(),
        prints: Vec::new(),
        text: std::mem::take(text),
        cursor: LineCursor::default(),
        result: UnitResult::empty(Outcome::Scanned(format)),
        origin: None,
        hosts: Default::default(),
        origins: Vec::new(),
        origin_index: Default::default(),
        last_origin: (String::new(), String::new(), None),
        origin_counts: Default::default(),
        kept: Default::default(),
        tallies: std::mem::take(&mut cache.tallies),
        line_keys: std::mem::take(&mut cache.line_keys),
        overflow: Default::default(),
        stopped: Default::default(),
        nested: Vec::new(),
        decoded: Vec::new(),
        position: None,
        evidence: Default::default(),
        last_evidence: Vec::new(),
        memos: std::mem::take(&mut cache.memos),
        memo_bytes: cache.memo_bytes,
        decodes: 0,
        sampled: true,
        local_records: 0,
        record_base: base,
        clear_ints: Default::default(),
    };
    scanner.result.bytes = data.len() as u64;
    scanner.result.lines = shared.spare_lines();
    if let Some(Part::Parquet {
        file,
        groups,
        first_row,
    }) = part
    {
        scanner.result.bytes = groups.bytes;
        if let Err(e) = file.extract(groups.range.clone(), first_row, &mut fields, &mut scanner) {
            scanner.result.outcome = Outcome::Failed(e);
        }
        return finish_unit(scanner, matches, text, cache, fields);
    }
    if let Some(Part::Har(part)) = part {
        // Lines count from the file's start: the cursor starts where the
        // part does, with the newlines before it.
        let pos = part.spans[part.range.start].0;
        scanner.cursor = LineCursor {
            pos,
            newlines: part.newlines_before,
            line_start: memchr::memrchr(b'\n', &data[..pos]).map_or(0, |i| i + 1),
            line_end: pos,
        };
        scanner.result.bytes = part.bytes();
        // Entries are numbered as in a reading of the whole capture (for
        // `--sample`).
        scanner.local_records = part.range.start as u64;
        let har = shared.har;
        format::har::extract_entries(
            data,
            &part.spans[part.range.clone()],
            part.range.start,
            &mut fields,
            json,
            &har,
            &mut scanner,
        );
        return finish_unit(scanner, matches, text, cache, fields);
    }
    if let Some(Part::Json(piece)) = part {
        let pos = piece.bytes.start;
        scanner.cursor = LineCursor {
            pos,
            newlines: piece.newlines_before,
            line_start: memchr::memrchr(b'\n', &data[..pos]).map_or(0, |i| i + 1),
            line_end: pos,
        };
        scanner.result.bytes = piece.bytes.len() as u64;
        // Records are numbered as in a walk of the whole document (for
        // `--sample`): the elements of a top-level array are its records;
        // a document that is an object is one record, which a piece of
        // its array lies inside.
        match piece.piece {
            jsonfmt::Piece::Head { .. } => {}
            jsonfmt::Piece::Run { before, .. } | jsonfmt::Piece::Last { before, .. } => {
                if piece.keys.is_empty() {
                    scanner.local_records = before;
                } else if let Some(sample) = &shared.sample {
                    scanner.local_records = 1;
                    let key = crate::discover::mix(info.key, scanner.record_base) ^ 1;
                    scanner.sampled = sample.keeps(key);
                }
            }
        }
        let walked = jsonfmt::walk_piece(
            data,
            &piece.keys,
            piece.piece,
            &mut fields,
            json,
            &mut scanner,
        );
        if let Err(p) = &walked {
            scanner.problem(Problem {
                offset: p.offset,
                message: format!("{}; the rest of the document was not scanned", p.message),
            });
        }
        let stopped = matches!(walked, Ok(true));
        let mut result = finish_unit(scanner, matches, text, cache, fields);
        result.ends_document = !stopped && !matches!(piece.piece, jsonfmt::Piece::Last { .. });
        return result;
    }
    match format {
        // Archives were handled above.
        Format::Zip => {}
        Format::Excel => {
            if let Err(e) = format::excel::extract(data, &mut fields, &mut scanner) {
                scanner.result.outcome = Outcome::Failed(e);
            }
        }
        Format::Parquet => {
            if let Err(e) = format::parquet::extract(data, &mut fields, &mut scanner) {
                scanner.result.outcome = Outcome::Failed(e);
            }
        }
        // An empty document holds nothing; it is not malformed.
        Format::Json if data.iter().all(|b| b.is_ascii_whitespace()) || data == b"\xEF\xBB\xBF" => {
        }
        Format::Json => {
            if let Err(p) = format::json::extract(data, &mut fields, json, &mut scanner) {
                scanner.problem(Problem {
                    offset: p.offset,
                    message: format!("{}; the rest of the document was not scanned", p.message),
                });
            }
        }
        Format::Ndjson => format::ndjson::extract(data, &mut fields, json, &mut scanner),
        Format::Csv | Format::Tsv => {
            let delimiter = csvfmt::delimiter(format);
            let own;
            let header = match header {
                Some(h) => h,
                None => {
                    own = csvfmt::read_header(data, delimiter);
                    &own
                }
            };
            let body = if first {
                header.body_start.min(data.len())
            } else {
                0
            };
            scanner.shift = body;
            csvfmt::extract(&data[body..], header, delimiter, &mut fields, &mut scanner);
        }
        Format::Text => {
            format::text::extract_with(data, &mut fields, shared.max_line_length, &mut scanner)
        }
        Format::Har => {
            let har = shared.har;
            if format::har::extract(data, &mut fields, json, &har, &mut scanner).is_err() {
                scanner.format = Format::Json;
                scanner.result.outcome = Outcome::Scanned(Format::Json);
                if let Err(p) = format::json::extract(data, &mut fields, json, &mut scanner) {
                    scanner.problem(Problem {
                        offset: p.offset,
                        message: format!("{}; the rest of the document was not scanned", p.message),
                    });
                }
            }
        }
    }
    finish_unit(scanner, matches, text, cache, fields)
}

/// Scans every member of a zip archive as the format it is; members are
/// shown as `archive.zip!/path`, belong to the archive's vendor, and
/// those not read are reported with their reason.
fn scan_archive(
    data: &[u8],
    info: &FileInfo,
    shared: &Shared<'_>,
    json: &mut JsonScratch,
    matches: &mut Vec<Match>,
    text: &mut Vec<u8>,
    fields: &mut FieldCache,
) -> UnitResult {
    let mut total = UnitResult::empty(Outcome::Scanned(Format::Zip));
    total.bytes = data.len() as u64;
    let skipped = |total: &mut UnitResult, name: &str, reason: &str| {
        *total.skipped_parts.entry(SKIPPED_MEMBER).or_default() += 1;
        total.problems_total += 1;
        if total.problems.len() < PROBLEMS_LISTED {
            total.problems.push(FileProblem {
                file: name.to_string(),
                line: 1,
                column: 1,
                message: format!("archive member not scanned: {reason}"),
            });
        }
    };
    let visited = archive::visit(data, &info.display, &shared.archive, &mut |m| match m {
        archive::Member::Skipped { name, reason } => skipped(&mut total, name, &reason),
        archive::Member::File { name, bytes } => {
            let decoded = load::decode_utf16(bytes);
            let bytes = decoded.as_deref().unwrap_or(bytes);
            let head = &bytes[..bytes.len().min(SNIFF_LEN)];
            let path = Path::new(name);
            if Format::from_path(path).is_none() && memchr::memchr(0, head).is_some() {
                skipped(&mut total, name, "binary (NUL bytes in the first 8 KiB)");
                return;
            }
            let format = format::detect_format(path, head);
            if format == Format::Zip {
                skipped(&mut total, name, "an archive the reader does not open");
                return;
            }
            let member = FileInfo {
                display: Arc::from(name),
                vendor: Arc::clone(&info.vendor),
                key: crate::discover::mix(info.key, crate::discover::path_key(path)),
            };
            let r = scan_slice(
                bytes, format, None, None, true, 0, &member, shared, json, matches, text, fields,
            );
            merge(&mut total, r);
        }
    });
    match visited {
        Ok(()) => total,
        Err(e) => UnitResult::empty(Outcome::Failed(e)),
    }
}

/// Why archive members were not scanned, in `summary.parts_skipped`.
const SKIPPED_MEMBER: &str = "archive member (see problems)";

/// Adds a member's result to its archive's.
fn merge(total: &mut UnitResult, r: UnitResult) {
    total.findings.extend(r.findings);
    total.lines.append(r.lines);
    total.tallies.extend(r.tallies);
    total.field_values.extend(r.field_values);
    for (reason, n) in r.skipped_parts {
        *total.skipped_parts.entry(reason).or_default() += n;
    }
    total.unlisted.extend(r.unlisted);
    for p in r.problems {
        if total.problems.len() < PROBLEMS_LISTED {
            total.problems.push(p);
        }
    }
    total.problems_total += r.problems_total;
    total.below_min_confidence += r.below_min_confidence;
    total.records += r.records;
    total.records_sampled += r.records_sampled;
    total.values += r.values;
}

/// Hands the scratch back and turns a scanner's state into the unit's
/// result.
fn finish_unit(
    mut scanner: UnitScanner<'_, '_>,
    matches: &mut Vec<Match>,
    text: &mut Vec<u8>,
    cache: &mut FieldCache,
    fields: FieldTable,
) -> UnitResult {
    *matches = std::mem::take(&mut scanner.matches);
    *text = std::mem::take(&mut scanner.text);
    let mut result = std::mem::replace(
        &mut scanner.result,
        UnitResult::empty(Outcome::Scanned(scanner.format)),
    );
    // A unit's lines wait for their turn to be written; a small unit
    // does not hold the room a large one's spare buffers grew into.
    result.lines.shrink_if_idle();
    scanner.touched.sort_unstable();
    result.field_values = scanner
        .touched
        .iter()
        .filter_map(|&i| {
            let n = std::mem::take(&mut scanner.field_counts[i]);
            scanner.contexts[i]
                .as_ref()
                .map(|c| (None, None, Some(Arc::clone(&c.1)), n))
        })
        .collect();
    scanner.touched.clear();
    if scanner.text_values > 0 {
        result
            .field_values
            .push((None, None, None, scanner.text_values));
    }
    // In key order, each tally moved once: sorting the tallies moved
    // them (a few hundred bytes each) a dozen times.
    let mut keys: Vec<KeptKey> = scanner.tallies.keys().copied().collect();
    keys.sort_unstable();
    result.tallies.reserve_exact(keys.len());
    for key in keys {
        if let Some(tally) = scanner.tallies.remove(&key) {
            let (vendor, row) = scanner.row(key);
            result.tallies.push(Tallied { vendor, row, tally });
        }
    }
    // Empty, without the marks the removals left (kept for the next unit).
    scanner.tallies.clear();
    // Findings past the cap (counted), then rows that reached `--enough`
    // (marked): both named like findings.
    let mut overflow: Vec<(OverflowKey, u64)> = scanner.overflow.drain().collect();
    overflow.sort_unstable();
    let mut stopped: Vec<KeptKey> = scanner.stopped.drain().collect();
    stopped.sort_unstable();
    let rows = overflow
        .into_iter()
        .map(|((o, s, d, status, confidence), count)| ((o, s, d), status, confidence, count, false))
        .chain(
            stopped
                .into_iter()
                .map(|key| (key, Status::Clear, Confidence::Low, 0, true)),
        );
    for (key, status, confidence, count, stopped) in rows {
        let (vendor, (endpoint, direction, field, detector)) = scanner.row(key);
        result.unlisted.push(Unlisted {
            vendor,
            endpoint,
            direction,
            field,
            detector,
            category: scanner.shared.catalogue.detectors()[key.2].category,
            status,
            confidence,
            count,
            stopped,
        });
    }
    // By origin, as the tables are: the report sums the counts (sorting
    // them first was 1% of an 8 MB HAR scan's instructions).
    for (origin, slots) in std::mem::take(&mut scanner.origin_counts)
        .into_iter()
        .enumerate()
    {
        let (vendor, endpoint) = &scanner.origins[origin];
        for SlotCount { slot, n, .. } in slots.counts {
            let field = scanner.contexts[slot].as_ref().map(|c| Arc::clone(&c.1));
            result.field_values.push((
                Some(Arc::clone(vendor)),
                Some(Arc::clone(endpoint)),
                field,
                n,
            ));
        }
    }
    scanner.line_keys.clear();
    *cache = FieldCache {
        fields,
        contexts: scanner.contexts,
        counts: scanner.field_counts,
        touched: scanner.touched,
        memos: scanner.memos,
        memo_bytes: scanner.memo_bytes,
        tallies: reusable(scanner.tallies),
        line_keys: reusable(scanner.line_keys),
    };
    result
}

/// An empty map kept for the next unit, unless it grew past 8,192
/// entries (a unit of ever new rows): then it is dropped.
fn reusable<K, V>(map: rustc_hash::FxHashMap<K, V>) -> rustc_hash::FxHashMap<K, V> {
    if map.capacity() > 1 << 13 {
        Default::default()
    } else {
        map
    }
}

/// Finds lines and columns for increasing offsets without rescanning.
#[derive(Default)]
struct LineCursor {
    pos: usize,
    newlines: u64,
    line_start: usize,
    /// No line break lies in `line_start..line_end`.
    line_end: usize,
}

impl LineCursor {
    /// The line at `start..end` has `newlines` line breaks before it (the
    /// NDJSON reader knows its records' lines).
    fn known_line(&mut self, start: usize, end: usize, newlines: u64) {
        self.pos = start;
        self.line_start = start;
        self.line_end = end;
        self.newlines = newlines;
    }

    /// 1-based line (relative to the slice) and byte column of `offset`.
    fn locate(&mut self, data: &[u8], offset: usize) -> (u64, u64) {
        let offset = offset.min(data.len());
        if (self.line_start..=self.line_end).contains(&offset) {
            self.pos = offset;
            return (self.newlines + 1, (offset - self.line_start) as u64 + 1);
        }
        if offset < self.pos {
            // Back up (a token's claims are located before the token):
            // uncount the newlines between, find the line's start again.
            let seg = &data[offset..self.pos];
            let n = memchr::memchr_iter(b'\n', seg).count() as u64;
            if n > 0 {
                self.newlines -= n;
                self.line_start = memchr::memrchr(b'\n', &data[..offset]).map_or(0, |i| i + 1);
            }
            self.pos = offset;
        }
        let seg = &data[self.pos..offset];
        let n = memchr::memchr_iter(b'\n', seg).count() as u64;
        if n > 0
            && let Some(i) = memchr::memrchr(b'\n', seg)
        {
            self.line_start = self.pos + i + 1;
        }
        self.newlines += n;
        self.pos = offset;
        self.line_end = offset;
        (self.newlines + 1, (offset - self.line_start) as u64 + 1)
    }
}

/// The detectors' context of field slot `i` (worked out on the field's
/// first value), or `free` where there is none.
#[inline]
fn slot_context<'s>(
    contexts: &'s [Option<(FieldContext, Arc<str>)>],
    free: &'s FieldContext,
    i: usize,
) -> &'s FieldContext {
    contexts[i].as_ref().map_or(free, |c| &c.0)
}

/// Problems listed per file (the first ones, kept by each unit); the rest
/// are counted.
const PROBLEMS_LISTED: usize = 20;

struct UnitScanner<'a, 'c> {
    shared: &'a Shared<'c>,
    info: &'a FileInfo,
    format: Format,
    data: &'a [u8],
    base: u64,
    shift: usize,
    contexts: Vec<Option<(FieldContext, Arc<str>)>>,
    /// Values seen per context slot, and in free text.
    field_counts: Vec<u64>,
    /// The slots counted in `field_counts` in this unit.
    touched: Vec<usize>,
    text_values: u64,
    matches: Vec<Match>,
    /// A remembered value's matches, copied out of its memo to be recorded.
    replay: Vec<Match>,
    /// The prints of the replayed matches, as remembered (0 where none).
    replay_prints: Vec<u128>,
    /// The prints made of the last value's matches (0 where none), for
    /// the memo.
    prints: Vec<u128>,
    text: Vec<u8>,
    cursor: LineCursor,
    result: UnitResult,
    /// The exchange of an API capture the values belong to.
    origin: Option<OriginState>,
    /// The host and endpoint of the last exchange side and their index in
    /// `origins`: a response follows its request, so most sides are
    /// known by two comparisons, without hashing.
    last_origin: (String, String, Option<u32>),
    /// Vendors of request hosts already resolved.
    hosts: rustc_hash::FxHashMap<String, Arc<str>>,
    /// Distinct (vendor, endpoint) pairs of capture exchanges, and their
    /// index.
    origins: Vec<(Arc<str>, Arc<str>)>,
    origin_index: rustc_hash::FxHashMap<Arc<str>, rustc_hash::FxHashMap<String, u32>>,
    /// Values seen per field slot of capture exchanges, one list per
    /// origin (by its index): see [`SlotCounts`].
    origin_counts: Vec<SlotCounts>,
    /// Findings kept per (origin, field slot, detector).
    kept: rustc_hash::FxHashMap<KeptKey, u64>,
    /// The kept findings, tallied (when only the report is wanted).
    tallies: rustc_hash::FxHashMap<KeptKey, Tally>,
    /// The encoded keys of jsonl lines (see [`FindingStream::Jsonl`]), by row,
    /// confidence, status and evidence: where in the result's
    /// [`Lines::keys`].
    line_keys: rustc_hash::FxHashMap<LineKey, (usize, usize)>,
    /// Findings past the cap, counted by (origin, field slot, detector,
    /// status, confidence).
    overflow: rustc_hash::FxHashMap<OverflowKey, u64>,
    /// Rows that reached `--enough` in this unit.
    stopped: rustc_hash::FxHashSet<KeptKey>,
    /// Walk state for JSON found inside values, one per nesting level.
    nested: Vec<JsonScratch>,
    /// Buffers for decoded values, one per nesting level.
    decoded: Vec<Vec<u8>>,
    /// A spreadsheet cell's row and column, for values without a byte
    /// position.
    position: Option<(u64, u64)>,
    /// Evidence lists made so far, shared by the findings that have them.
    evidence: rustc_hash::FxHashMap<crate::detect::Evidence, Arc<[String]>>,
    /// The evidence list last asked for of each detector (most findings
    /// of a detector in a unit have the same evidence).
    last_evidence: Vec<Option<EvidenceList>>,
    /// Per field slot, detection results of repeated values.
    memos: Vec<FieldMemo>,
    /// Bytes the memos hold.
    memo_bytes: usize,
    /// Values decoded so far (rescanned, walked as JSON, JWT claims).
    decodes: u64,
    /// Whether the current record is in the sample (always, without
    /// `--sample`).
    sampled: bool,
    /// Records started in this unit, and the key that sets this unit's
    /// records apart from other units' of the same file.
    local_records: u64,
    record_base: u64,
    /// Per field slot, integer ranges known to hold nothing a detector
    /// matches.
    clear_ints: rustc_hash::FxHashMap<usize, (i64, i64)>,
}

/// The values of one origin's fields counted by field slot. The
/// exchanges of one endpoint mostly carry the same fields in the same
/// order, so each slot remembers the slot that came after it last time,
/// and each side of an exchange its first slot: the next value's slot is
/// looked for there first, and counting mostly follows the list (a
/// body's records repeating their fields, or a header present in some
/// requests, are learned like any order). A hash table per origin
/// (before) missed the cache on about every value: its lookups were 3%
/// of a HAR scan's cycles (perf, one thread, 32 MB capture); following
/// each slot's place in order instead missed the guess on 14% of values.
struct SlotCounts {
    /// Slots and their counts, in the order first seen.
    counts: Vec<SlotCount>,
    /// Where the next slot is looked for first.
    cursor: u32,
    /// Where the last slot counted is (`NONE` at a side's start).
    last: u32,
    /// Where the first slot of a request and of a response side is.
    starts: [u32; 2],
    /// The side being counted.
    side: usize,
    /// Each slot's place in `counts`, once the list is long.
    index: rustc_hash::FxHashMap<usize, u32>,
}

#[derive(Clone, Copy)]
struct SlotCount {
    slot: usize,
    n: u64,
    /// Where the slot counted after this one last time is, and the other
    /// one before that.
    next: u32,
    alt: u32,
}

impl Default for SlotCounts {
    fn default() -> Self {
        SlotCounts {
            counts: Vec::new(),
            cursor: 0,
            last: Self::NONE,
            starts: [0; 2],
            side: 0,
            index: Default::default(),
        }
    }
}

impl SlotCounts {
    /// A list this long is searched by `index`, not read through.
    const SEARCHED: usize = 16;
    const NONE: u32 = u32::MAX;
    /// Bytes of a side's slots fetched ahead.
    const PREFETCHED: usize = 512;

    #[inline]
    fn add(&mut self, slot: usize, n: u64) {
        let at = self.cursor;
        if let Some(e) = self.counts.get_mut(at as usize)
            && e.slot == slot
        {
            e.n += n;
            self.last = at;
            self.cursor = e.next;
            return;
        }
        self.add_elsewhere(slot, n);
    }

    #[inline(never)]
    fn add_elsewhere(&mut self, slot: usize, n: u64) {
        // The other slot seen after the last one (an optional field).
        if let Some(last) = self.counts.get(self.last as usize)
            && let alt = last.alt
            && let Some(e) = self.counts.get_mut(alt as usize)
            && e.slot == slot
        {
            e.n += n;
            self.last = alt;
            self.cursor = e.next;
            return;
        }
        let found = if self.counts.len() > Self::SEARCHED {
            self.index.get(&slot).map(|&i| i as usize)
        } else {
            self.counts.iter().position(|e| e.slot == slot)
        };
        let at = match found {
            Some(i) => {
                self.counts[i].n += n;
                i
            }
            None => {
                let i = self.counts.len();
                self.counts.push(SlotCount {
                    slot,
                    n,
                    next: i as u32 + 1,
                    alt: Self::NONE,
                });
                if i == Self::SEARCHED {
                    self.index = (self.counts.iter().enumerate())
                        .map(|(i, e)| (e.slot, i as u32))
                        .collect();
                } else if i > Self::SEARCHED {
                    self.index.insert(slot, i as u32);
                }
                i
            }
        } as u32;
        match self.last {
            Self::NONE => self.starts[self.side] = at,
            last => {
                let e = &mut self.counts[last as usize];
                if e.next != at {
                    e.alt = e.next;
                    e.next = at;
                }
            }
        }
        self.last = at;
        self.cursor = self.counts[at as usize].next;
    }

    /// A new side of an exchange. Its slots are fetched into the cache
    /// now: an origin's list has mostly left it since its last exchange.
    fn rewind(&mut self, direction: Direction) {
        self.side = direction as usize;
        self.cursor = self.starts[self.side];
        self.last = Self::NONE;
        #[cfg(target_arch = "x86_64")]
        if let Some(from) = self.counts.get(self.cursor as usize..) {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            let bytes = std::mem::size_of_val(from).min(Self::PREFETCHED);
            let at = from.as_ptr().cast::<i8>();
            for line in (0..bytes).step_by(64) {
                // SAFETY: a prefetch only hints; the addresses lie in `from`.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(at.add(line)) };
            }
        }
    }
}

/// Detection results of one field's values, reused when a value repeats
/// (a status, a plan, a user agent, a dictionary-encoded Parquet column):
/// only for values that decoded to nothing, so replaying the matches is
/// all their scan did. A field whose values hardly repeat (ids,
/// timestamps) gives up its memo after [`MEMO_TRIAL`] distinct values.
///
/// Values of decoded text (a HAR body's JSON, a JWT's claims) are
/// remembered too, but not at the last decoding depth: there a value is
/// not decoded, and a value of the same bytes and field found less deep
/// would be. (Callgrind, 8 MB HAR capture whose bodies carry the events:
/// 1,801 request bodies' user agents and 772 JWT `alg` claims had each
/// run their patterns.)
#[derive(Default)]
struct FieldMemo {
    /// By value: its matches.
    results: ValueMemo,
    /// Bytes held for this field.
    bytes: usize,
    /// Values found in `results`.
    hits: u64,
    /// Given up: the values do not repeat enough.
    off: bool,
    /// What the gates decided for values by their class key.
    gates: GateMemo,
    /// What they decided by [`GateKey`], once class keys gave up.
    keyed: GateMemo<GateKey>,
    /// No lowercase UUID can match in this field (see
    /// [`crate::detect::Catalogue::uuids_clear`]): such values are
    /// counted and not scanned.
    uuids_clear: bool,
}

/// Values and their matches, each kept in one buffer (the table holds
/// where they are): remembering a value allocates nothing but the
/// buffers' growth. With a boxed value and a boxed list of matches per
/// entry, callgrind, whole scans on one thread, release build: 8 MB of
/// dense records (27,700 values remembered) 411.2M -> 403.3M
/// instructions, the HAR capture 368.0M -> 363.5M, the events 253.3M
/// -> 252.9M; the CSV export, whose values mostly repeat, 320.5M ->
/// 321.8M (a lookup costs a few instructions more).
#[derive(Default)]
struct ValueMemo {
    table: hashbrown::HashTable<Remembered>,
    values: Vec<u8>,
    matches: Vec<Match>,
    /// Each match's print, when the report's tally made one (else 0):
    /// a repeated value's findings are counted without hashing it again.
    /// Into jsonl, where each line shows the whole fingerprint, it is
    /// the fingerprint's 128 bits: about half of all findings repeat a
    /// value (8 MB of events: 1,910 distinct values in 3,749 findings),
    /// and a replayed one is then not hashed again either.
    prints: Vec<u128>,
}

/// Where a remembered value and its matches are in [`ValueMemo`]'s
/// buffers, and the value's hash.
#[derive(Clone, Copy)]
struct Remembered {
    hash: u64,
    at: u32,
    len: u32,
    from: u32,
    n: u32,
}

impl ValueMemo {
    fn hash(value: &[u8]) -> u64 {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(value)
    }

    /// Where `value` (whose hash is `hash`) is remembered, if it is.
    #[inline]
    fn get(&self, hash: u64, value: &[u8]) -> Option<Remembered> {
        self.table
            .find(hash, |r| {
                r.hash == hash
                    && format::same_bytes(&self.values[r.at as usize..][..r.len as usize], value)
            })
            .copied()
    }

    /// The matches of a remembered value and their prints.
    fn found(&self, r: Remembered) -> (&[Match], &[u128]) {
        let (from, n) = (r.from as usize, r.n as usize);
        (&self.matches[from..][..n], &self.prints[from..][..n])
    }

    /// Remembers a value not remembered yet, with its matches and their
    /// prints (as many). The buffers stay within `u32` offsets: the
    /// memos of a worker hold at most [`MEMO_BYTES`].
    fn insert(&mut self, hash: u64, value: &[u8], matches: &[Match], prints: &[u128]) {
        debug_assert_eq!(matches.len(), prints.len());
        let r = Remembered {
            hash,
            at: self.values.len() as u32,
            len: value.len() as u32,
            from: self.matches.len() as u32,
            n: matches.len() as u32,
        };
        self.values.extend_from_slice(value);
        self.matches.extend_from_slice(matches);
        self.prints.extend_from_slice(prints);
        self.table.insert_unique(hash, r, |r| r.hash);
    }

    fn len(&self) -> usize {
        self.table.len()
    }
}

/// The gates' decisions in one field by class key (digits as `0`, letters
/// as `A`/`a`; see [`stats::CLASS_KEY`]): timestamps, prices, numeric ids,
/// SKUs and paths take few shapes, and a value whose shape was seen skips
/// the shape statistics and the gates, looks only for the literals they
/// still want, and runs only the detectors left (usually none). Only
/// values no decoder can touch ([`decode::Shape::inert`]) go by their
/// shape; a field whose shapes hardly repeat (UUIDs, free text) gives it
/// up like [`FieldMemo`], and then keys its values by [`GateKey`]: their
/// statistics and punctuation, which the gates read but not the value.
/// A hex id's class key is one of 2^32; its gate key one of a few dozen.
struct GateMemo<K = Box<[u8]>> {
    /// The gates of a key, and their plan when it does not depend on the
    /// value ([`Catalogue::settled`]).
    gates: rustc_hash::FxHashMap<K, (Gates, Option<Plan>)>,
    bytes: usize,
    hits: u64,
    off: bool,
    /// The class key last found or remembered (by class keys only), and
    /// its gates: most values of a field of timestamps, numeric ids or
    /// SKUs take the shape of the value before them, which is checked in
    /// place ([`stats::same_class_key`]) before a key is built and
    /// looked up.
    last_key: Vec<u8>,
    last: Option<LastShape>,
}

/// What [`GateMemo::last_key`] decided.
#[derive(Clone, Copy)]
struct LastShape {
    found: (Gates, Option<Plan>),
    /// The key is spelled like `eyJ…` or `bearer …` (in any case), which
    /// a value of that key may or may not be, and a JWT or bearer token
    /// is not inert; or it is long enough to hold a JWT in running text,
    /// with capitals: such a value is checked again.
    spelled: bool,
    /// The plan is settled and runs nothing: a value of the key has no
    /// match (most timestamps, prices, counts, words).
    idle: bool,
}

impl<K> Default for GateMemo<K> {
    fn default() -> Self {
        GateMemo {
            gates: Default::default(),
            bytes: 0,
            hits: 0,
            off: false,
            last_key: Vec::new(),
            last: None,
        }
    }
}

impl<K: std::hash::Hash + Eq> GateMemo<K> {
    /// The gates remembered for `key`, counted as a hit.
    #[inline]
    fn find<Q>(&mut self, key: &Q) -> Option<(Gates, Option<Plan>)>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        let found = *self.gates.get(key)?;
        self.hits += 1;
        Some(found)
    }

    /// Remembers the gates of a new key at `cost` bytes, within the
    /// worker's budget; gives up when the keys hardly repeat.
    fn remember(&mut self, key: K, found: (Gates, Option<Plan>), cost: usize, held: &mut usize) {
        if *held >= MEMO_BYTES {
            return;
        }
        *held += cost;
        self.bytes += cost;
        self.gates.insert(key, found);
        let n = self.gates.len();
        if n.is_multiple_of(MEMO_TRIAL) && self.hits * 8 < n as u64 {
            *held -= self.bytes;
            *self = GateMemo {
                off: true,
                ..GateMemo::default()
            };
        }
    }
}

/// True for a class key a JWT (`eyJ…`) or a bearer token (`bearer …`,
/// any case) may have: the only values [`decode::Shape::inert`] tells
/// apart from others of their class key.
fn spelled_like_a_token(key: &[u8]) -> bool {
    key.starts_with(b"aaA")
        || key.len() > 7 && key[6] == b' ' && key[..6].iter().all(|c| matches!(c, b'a' | b'A'))
}

/// True for a class key whose values [`decode::Shape::inert`] may tell
/// apart (one spelled like a token; a long one with capitals, which may
/// hold `eyJ`): a value of that key is checked again.
fn checked_again(key: &[u8], shape: decode::Shape) -> bool {
    spelled_like_a_token(key) || key.len() >= decode::INERT_BELOW && shape.upper()
}

/// Distinct values a field's memo holds between checks that it is hit at
/// least once per eight values it remembers.
const MEMO_TRIAL: usize = 256;

/// Longer values are not remembered.
const MEMO_VALUE: usize = 1024;

/// Key bytes the memos of one worker hold at most.
const MEMO_BYTES: usize = 16 << 20;

/// Integer ranges longer than this are not probed for
/// [`ValueSink::integers_clear`].
const INT_PROBE: i64 = 4096;

/// (capture origin and direction, field slot, detector).
type KeptKey = (Option<(u32, Direction)>, Option<usize>, usize);

/// What a jsonl line's keys up to its place depend on in a unit.
type LineKey = (KeptKey, Confidence, Status, crate::detect::Evidence);

/// A [`KeptKey`] with status and confidence.
type OverflowKey = (
    Option<(u32, Direction)>,
    Option<usize>,
    usize,
    Status,
    Confidence,
);

/// A unit's findings of one report row.
struct Tallied {
    /// The vendor of a capture's exchange; `None` for the file's.
    vendor: Option<Arc<str>>,
    row: RowKey,
    tally: Tally,
}

/// Findings counted but not kept (past `--max-findings-per-field`).
#[derive(Debug, Clone)]
pub struct Unlisted {
    /// The vendor (a capture's host vendor), or `None` for the file's.
    pub vendor: Option<Arc<str>>,
    /// A capture's endpoint.
    pub endpoint: Option<Arc<str>>,
    /// A capture's direction.
    pub direction: Option<Direction>,
    /// The field path; `None` for free text.
    pub field: Option<Arc<str>>,
    /// The detector id.
    pub detector: Arc<str>,
    /// The detector's category.
    pub category: crate::detect::Category,
    /// Their status.
    pub status: Status,
    /// Their confidence.
    pub confidence: Confidence,
    /// How many.
    pub count: u64,
    /// The row reached `--enough` in this unit: findings past it were
    /// neither kept nor counted (`count` is 0).
    pub stopped: bool,
}

/// The exchange of the values being scanned: its vendor and endpoint (by
/// index into `UnitScanner::origins`) and its direction.
struct OriginState {
    index: u32,
    direction: Direction,
}

impl UnitScanner<'_, '_> {
    /// The context slot of a field: its index, the context worked out on
    /// the field's first value.
    #[inline]
    fn context(&mut self, fields: &FieldTable, id: format::FieldId) -> usize {
        let i = id.0 as usize;
        if !matches!(self.contexts.get(i), Some(Some(_))) {
            self.new_context(fields, id);
        }
        i
    }

    #[cold]
    #[inline(never)]
    fn new_context(&mut self, fields: &FieldTable, id: format::FieldId) {
        let i = id.0 as usize;
        // Contexts, counts and memos outlive the unit (see `FieldCache`).
        if self.contexts.len() <= i {
            self.contexts.resize_with(i + 1, || None);
            self.field_counts.resize(i + 1, 0);
            self.memos.resize_with(i + 1, FieldMemo::default);
        }
        let field = fields.get(id);
        let ctx = self
            .shared
            .catalogue
            .field_context(Some(&field.key), &mut self.text);
        self.memos[i].uuids_clear = self.shared.catalogue.uuids_clear(&ctx);
        self.contexts[i] = Some((ctx, Arc::from(field.path.as_str())));
    }
}

impl ValueSink for UnitScanner<'_, '_> {
    fn value(&mut self, fields: &mut FieldTable, value: &Value<'_>) {
        if !self.sampled {
            return;
        }
        self.result.values += 1;
        let slot = value.field.map(|id| self.context(fields, id));
        match (slot, &self.origin) {
            (Some(i), Some(o)) => {
                self.origin_counts[o.index as usize].add(i, 1);
            }
            (Some(i), None) => {
                if self.field_counts[i] == 0 {
                    self.touched.push(i);
                }
                self.field_counts[i] += 1;
            }
            (None, _) => self.text_values += 1,
        }
        // UUIDs, the commonest ids, are let by where none can match:
        // the value memo would not hold them, and their statistics, gates
        // and plan cost 600 instructions each (callgrind).
        if let Some(i) = slot
            && value.bytes.len() == 36
            && self.memos[i].uuids_clear
            && stats::is_lower_uuid(value.bytes)
        {
            return;
        }
        if let Some(i) = slot
            && value.layers.len() < self.shared.max_decode_depth
            && value.bytes.len() <= MEMO_VALUE
            && !self.memos[i].off
        {
            let memo = &mut self.memos[i];
            let hash = ValueMemo::hash(value.bytes);
            if let Some(r) = memo.results.get(hash, value.bytes) {
                memo.hits += 1;
                // Most repeats have no match; the others are copied out to
                // be recorded (moving the memo out and back cost more).
                if r.n > 0 {
                    let (found, prints) = memo.results.found(r);
                    let mut replay = std::mem::take(&mut self.replay);
                    let mut replay_prints = std::mem::take(&mut self.replay_prints);
                    replay.clear();
                    replay.extend_from_slice(found);
                    replay_prints.clear();
                    replay_prints.extend_from_slice(prints);
                    self.record_matches_with(&replay, &replay_prints, value, slot);
                    self.replay = replay;
                    self.replay_prints = replay_prints;
                }
                return;
            }
            let before = (self.result.values, self.decodes, self.result.problems_total);
            self.prints.clear();
            self.scan_value(fields, value, slot);
            // Only a value whose scan was its own matches is reused: one
            // that decoded into more values is scanned every time.
            let memo = &mut self.memos[i];
            if before == (self.result.values, self.decodes, self.result.problems_total)
                && self.memo_bytes < MEMO_BYTES
            {
                let cost = value.bytes.len() + 32;
                self.memo_bytes += cost;
                memo.bytes += cost;
                // The prints are those of the matches just recorded,
                // unless the value's scan recorded none (no match).
                if self.prints.len() != self.matches.len() {
                    self.prints.clear();
                    self.prints.resize(self.matches.len(), 0);
                }
                memo.results
                    .insert(hash, value.bytes, &self.matches, &self.prints);
                // Mostly distinct values (ids, timestamps): remembering
                // costs more than it saves.
                let n = memo.results.len();
                if n.is_multiple_of(MEMO_TRIAL) && memo.hits * 8 < n as u64 {
                    self.memo_bytes -= memo.bytes;
                    *memo = FieldMemo {
                        off: true,
                        gates: std::mem::take(&mut memo.gates),
                        keyed: std::mem::take(&mut memo.keyed),
                        uuids_clear: memo.uuids_clear,
                        ..FieldMemo::default()
                    };
                }
            }
            return;
        }
        self.scan_value(fields, value, slot);
    }

    fn record(&mut self) {
        self.result.records += 1;
        if let Some(sample) = &self.shared.sample {
            self.local_records += 1;
            let key = crate::discover::mix(self.info.key, self.record_base) ^ self.local_records;
            self.sampled = sample.keeps(key);
            if self.sampled {
                self.result.records_sampled += 1;
            }
        }
    }

    fn records(&mut self, n: u64) {
        self.result.records += n;
    }

    fn integers_clear(
        &mut self,
        fields: &mut FieldTable,
        field: format::FieldId,
        min: i64,
        max: i64,
    ) -> bool {
        // Under sampling every value is read, so each row is sampled.
        if min > max || self.shared.sample.is_some() {
            return false;
        }
        let slot = self.context(fields, field);
        if let Some(&(lo, hi)) = self.clear_ints.get(&slot)
            && lo <= min
            && max <= hi
        {
            return true;
        }
        if max.saturating_sub(min) >= INT_PROBE {
            return false;
        }
        // Every integer of the range, written out, through the field's
        // detectors: the range is clear only when none matches at all.
        let ctx = slot_context(&self.contexts, &self.shared.free, slot);
        let mut text = String::new();
        for v in min..=max {
            use std::fmt::Write as _;
            text.clear();
            let _ = write!(text, "{v}");
            self.matches.clear();
            self.shared
                .catalogue
                .scan_value(ctx, text.as_bytes(), &mut self.matches);
            if !self.matches.is_empty() {
                return false;
            }
        }
        let range = match self.clear_ints.get(&slot) {
            // Two clear ranges that touch make one.
            Some(&(lo, hi)) if min <= hi.saturating_add(1) && lo <= max.saturating_add(1) => {
                (lo.min(min), hi.max(max))
            }
            _ => (min, max),
        };
        self.clear_ints.insert(slot, range);
        true
    }

    fn unscanned(&mut self, fields: &mut FieldTable, field: format::FieldId, n: u64) {
        let slot = self.context(fields, field);
        self.result.values += n;
        match &self.origin {
            Some(o) => self.origin_counts[o.index as usize].add(slot, n),
            None => {
                if self.field_counts[slot] == 0 && n > 0 {
                    self.touched.push(slot);
                }
                self.field_counts[slot] += n;
            }
        }
    }

    fn problem(&mut self, problem: Problem) {
        self.result.problems_total += 1;
        if self.result.problems.len() < PROBLEMS_LISTED {
            let (line, column) = self.cursor.locate(self.data, self.shift + problem.offset);
            self.result.problems.push(FileProblem {
                file: self.info.display.to_string(),
                line,
                column,
                message: problem.message,
            });
        }
    }

    fn origin(&mut self, origin: Option<&Origin<'_>>) {
        self.origin = origin.map(|o| {
            let last = &mut self.last_origin;
            if let Some(index) = last.2
                && last.0 == o.host
                && last.1 == o.endpoint
            {
                self.origin_counts[index as usize].rewind(o.direction);
                return OriginState {
                    index,
                    direction: o.direction,
                };
            }
            let vendor = match self.hosts.get(o.host) {
                Some(v) => Arc::clone(v),
                None => {
                    let v: Arc<str> = match self.shared.vendors.vendor_for_host(o.host) {
                        Some(v) => Arc::from(v),
                        None => Arc::clone(&self.info.vendor),
                    };
                    self.hosts.insert(o.host.to_string(), Arc::clone(&v));
                    v
                }
            };
            // Looked up by the borrowed endpoint: no allocation per entry.
            let endpoints = self.origin_index.entry(Arc::clone(&vendor)).or_default();
            let index = match endpoints.get(o.endpoint) {
                Some(&i) => i,
                None => {
                    let i = self.origins.len() as u32;
                    self.origins
                        .push((Arc::clone(&vendor), Arc::from(o.endpoint)));
                    self.origin_counts.push(Default::default());
                    endpoints.insert(o.endpoint.to_string(), i);
                    i
                }
            };
            let last = &mut self.last_origin;
            last.0.clear();
            last.0.push_str(o.host);
            last.1.clear();
            last.1.push_str(o.endpoint);
            last.2 = Some(index);
            self.origin_counts[index as usize].rewind(o.direction);
            OriginState {
                index,
                direction: o.direction,
            }
        });
    }

    fn skipped(&mut self, reason: &'static str) {
        *self.result.skipped_parts.entry(reason).or_default() += 1;
    }

    fn line(&mut self, start: usize, end: usize, newlines: u64) {
        self.cursor.known_line(start, end, newlines);
    }

    fn at(&mut self, line: u64, column: u64) {
        self.position = (line > 0).then_some((line, column));
        // Parquet rows are read column by column: a row is sampled by its
        // number in the file.
        if self.format == Format::Parquet
            && line > 0
            && let Some(sample) = &self.shared.sample
        {
            self.sampled = sample.keeps(crate::discover::mix(self.info.key, line));
        }
    }
}

impl UnitScanner<'_, '_> {
    /// Scans a value already counted: decodes a layer of encoding when
    /// one is there, else (and for JWTs and base64, also) runs the
    /// detectors on it.
    fn scan_value(&mut self, fields: &mut FieldTable, value: &Value<'_>, slot: Option<usize>) {
        if let Some(i) = slot
            && value.bytes.len() <= MEMO_VALUE
        {
            let memo = &self.memos[i];
            let done = if !memo.gates.off {
                self.scan_by_shape(value, i)
            } else {
                !memo.keyed.off && self.scan_by_key(value, i)
            };
            if done {
                return;
            }
        }
        if value.layers.len() < self.shared.max_decode_depth && self.decode(fields, value) {
            return;
        }
        let ctx = match slot {
            Some(i) => slot_context(&self.contexts, &self.shared.free, i),
            None => &self.shared.free,
        };
        let mut matches = std::mem::take(&mut self.matches);
        matches.clear();
        self.shared
            .catalogue
            .scan_value(ctx, value.bytes, &mut matches);
        self.record_matches(&matches, value, slot);
        self.matches = matches;
    }

    /// Scans a value of field slot `i` no decoder can touch by the gates
    /// its class key has in the field (see [`GateMemo`]), working them
    /// out and remembering them when the key is new. False, having done
    /// nothing, when the value is not inert or the field's context does
    /// not allow gates by shape (a field of digests).
    fn scan_by_shape(&mut self, value: &Value<'_>, i: usize) -> bool {
        let catalogue = &self.shared.catalogue;
        let ctx = slot_context(&self.contexts, &self.shared.free, i);
        if !catalogue.gates_by_shape(ctx) {
            return false;
        }
        let b = value.bytes;
        let memo = &mut self.memos[i].gates;
        // A value of the last value's class key has its shape (a class
        // key decides the shape), so it is inert too unless it is spelled
        // like a JWT or bearer token.
        if let Some(last) = &memo.last
            && stats::same_class_key(b, &memo.last_key)
            && (!last.spelled || decode::Shape::of(b).inert(b))
        {
            memo.hits += 1;
            if last.idle {
                // Left empty for the value memo, as `run_plan` leaves it.
                self.matches.clear();
                return true;
            }
            let (gates, settled) = last.found;
            self.run_plan(value, i, gates, settled);
            return true;
        }
        let mut key = std::mem::take(&mut self.text);
        let shape = decode::Shape::of_keyed(b, &stats::CLASS_KEY, &mut key);
        if !shape.inert(b) {
            self.text = key;
            return false;
        }
        let (gates, settled) = match memo.find(key.as_slice()) {
            Some(found) => found,
            None => {
                let Some(gates) = catalogue.gates(ctx, b, Some(&key)) else {
                    self.text = key;
                    return false;
                };
                let found = (gates, catalogue.settled(ctx, gates));
                let cost = key.len() + 96;
                memo.remember(key.as_slice().into(), found, cost, &mut self.memo_bytes);
                found
            }
        };
        if !memo.off {
            memo.last_key.clear();
            memo.last_key.extend_from_slice(&key);
            memo.last = Some(LastShape {
                found: (gates, settled),
                idle: settled.is_some_and(|p| p.is_empty()),
                spelled: checked_again(&key, shape),
            });
        }
        self.text = key;
        self.run_plan(value, i, gates, settled);
        true
    }

    /// Like [`UnitScanner::scan_by_shape`], by [`GateKey`]: for fields
    /// whose class keys did not repeat (see [`GateMemo`]).
    fn scan_by_key(&mut self, value: &Value<'_>, i: usize) -> bool {
        let catalogue = &self.shared.catalogue;
        let ctx = slot_context(&self.contexts, &self.shared.free, i);
        let b = value.bytes;
        if !catalogue.gates_by_shape(ctx) {
            return false;
        }
        // A hex id (inert) is keyed at a glance.
        let key = match catalogue.hex_gate_key(b) {
            Some(key) => key,
            None => {
                if !decode::Shape::of(b).inert(b) {
                    return false;
                }
                let Some(key) = catalogue.gate_key(b) else {
                    return false;
                };
                key
            }
        };
        let memo = &mut self.memos[i].keyed;
        let (gates, settled) = match memo.find(&key) {
            Some(found) => found,
            None => {
                let gates = catalogue.gates_of(ctx, &key);
                let found = (gates, catalogue.settled(ctx, gates));
                let cost = std::mem::size_of::<GateKey>() + 96;
                memo.remember(key, found, cost, &mut self.memo_bytes);
                found
            }
        };
        self.run_plan(value, i, gates, settled);
        true
    }

    /// Runs on a value of field slot `i` the plan its gates make, and
    /// records its matches.
    fn run_plan(&mut self, value: &Value<'_>, i: usize, gates: Gates, settled: Option<Plan>) {
        let catalogue = &self.shared.catalogue;
        let ctx = slot_context(&self.contexts, &self.shared.free, i);
        let b = value.bytes;
        let plan = settled.unwrap_or_else(|| catalogue.plan(ctx, gates, b));
        // Most values have nothing to run, and so no match to record (the
        // matches are left empty: the value memo reads them).
        if plan.is_empty() {
            self.matches.clear();
            return;
        }
        let mut matches = std::mem::take(&mut self.matches);
        matches.clear();
        catalogue.run(ctx, plan, b, &mut matches);
        self.record_matches(&matches, value, Some(i));
        self.matches = matches;
    }

    /// Turns a value's matches into findings, or counts them (below the
    /// minimum confidence, past the per-field cap).
    fn record_matches(&mut self, matches: &[Match], value: &Value<'_>, slot: Option<usize>) {
        self.record_matches_with(matches, &[], value, slot);
    }

    /// Like [`UnitScanner::record_matches`], with the prints of the
    /// matches where known (`prints[k]` of `matches[k]`, 0 when not: a
    /// replayed value's, see [`ValueMemo`]). The prints of the matches
    /// tallied are left in `self.prints` for the memo.
    fn record_matches_with(
        &mut self,
        matches: &[Match],
        prints: &[u128],
        value: &Value<'_>,
        slot: Option<usize>,
    ) {
        if matches.is_empty() {
            return;
        }
        if self.shared.tally {
            self.prints.clear();
            self.prints.resize(matches.len(), 0);
        }
        for (k, m) in matches.iter().enumerate() {
            if m.confidence < self.shared.min_confidence {
                self.result.below_min_confidence += 1;
                continue;
            }
            // Past the cap, a (field, detector) of this unit is counted,
            // not kept: memory stays bounded on a huge unsplittable file.
            let origin = self.origin.as_ref().map(|o| (o.index, o.direction));
            let key = (origin, slot, m.detector);
            if self.shared.tally {
                // The tally counts what it keeps: one lookup a finding.
                let known = prints.get(k).copied().filter(|&p| p != 0);
                self.prints[k] = self.tally(m, value, key, known);
                continue;
            }
            let kept = self.kept.entry(key).or_default();
            if self.shared.enough.is_some_and(|n| *kept >= n) {
                self.stopped.insert(key);
                continue;
            }
            if *kept >= self.shared.max_findings_per_field {
                *self
                    .overflow
                    .entry((origin, slot, m.detector, m.status, m.confidence))
                    .or_default() += 1;
                continue;
            }
            *kept += 1;
            let finding = self.finding(m, value, slot);
            self.result.findings.push(finding);
        }
    }

    /// Decodes one layer of `value` and scans what it holds. Returns true
    /// when the decoded form replaces the value (JSON, form data,
    /// percent-escapes); false when the value is still to be scanned as
    /// it is (nothing decoded, or a JWT or base64 whose encoded form
    /// detectors also know).
    fn decode(&mut self, fields: &mut FieldTable, value: &Value<'_>) -> bool {
        let b = value.bytes;
        if b.len() < 4 {
            return false;
        }
        let doc_root = |fields: &mut FieldTable| match value.field {
            Some(f) => fields.child(f, Segment::Document),
            None => FieldTable::ROOT,
        };
        if decode::looks_like_json(b) && decode::is_json(b) {
            let root = doc_root(fields);
            self.walk_embedded(
                fields,
                b,
                root,
                &value.raw,
                value.layers.with(Encoding::Json),
            );
            return true;
        }
        if (b[0] == b'e' || b[0] == b'B' || b[0] == b'b')
            && let Some(jwt) = decode::jwt(b)
        {
            self.jwt_claims(fields, value, &jwt, 0);
            return false;
        }
        let shape = decode::Shape::of(b);
        if shape.form()
            && let Some(pairs) = decode::form_pairs(b, false)
        {
            let parent = value.field.unwrap_or(FieldTable::ROOT);
            let layers = value.layers.with(Encoding::Form);
            let mut buf = self.decoded.pop().unwrap_or_default();
            for p in pairs {
                decode::percent_decode(&b[p.name.0..p.name.1], true, &mut buf);
                let field = fields.child(parent, Segment::Param(&buf));
                let raw_value = &b[p.value.0..p.value.1];
                if raw_value.is_empty() {
                    continue;
                }
                decode::percent_decode(raw_value, true, &mut buf);
                let inner = RawSpan::Percent {
                    start: p.value.0,
                    raw: raw_value,
                    plus: true,
                };
                let raw = RawSpan::Within {
                    parent: &value.raw,
                    inner: &inner,
                };
                self.value(
                    fields,
                    &Value {
                        field: Some(field),
                        bytes: &buf,
                        raw,
                        layers,
                    },
                );
            }
            self.decoded.push(buf);
            return true;
        }
        let mut buf = self.decoded.pop().unwrap_or_default();
        let mut replaced = false;
        if shape.percent() && decode::has_percent_escape(b) {
            decode::percent_decode(b, false, &mut buf);
            if std::str::from_utf8(&buf).is_ok() {
                let inner = RawSpan::Percent {
                    start: 0,
                    raw: b,
                    plus: false,
                };
                self.rescan(
                    fields,
                    value,
                    &buf,
                    &inner,
                    value.layers.with(Encoding::Percent),
                );
                replaced = true;
            }
        } else if b.len() >= 16 && shape.base64() && decode::base64_decode(b, &mut buf) {
            let mut layers = value.layers.with(Encoding::Base64);
            if decode::is_gzip(&buf) {
                let mut out = Vec::new();
                match decode::gunzip(&buf, self.shared.load.max_decompressed, &mut out) {
                    Ok(()) => {
                        buf = out;
                        layers = layers.with(Encoding::Gzip);
                    }
                    Err(_) => buf.clear(),
                }
            }
            if !buf.is_empty() && decode::is_text(&buf) {
                let whole = RawSpan::Whole {
                    start: 0,
                    end: b.len(),
                };
                self.rescan(fields, value, &buf, &whole, layers);
            }
        }
        self.decoded.push(buf);
        // Tokens inside running text (`Authorization: Bearer eyJ…` in a
        // log line): their claims too.
        if !replaced && b.len() >= decode::INERT_BELOW {
            let mut at = 0;
            while let Some(i) = self.shared.jwt_anchor.find(&b[at..]) {
                let start = at + i;
                let len = b[start..]
                    .iter()
                    .position(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')))
                    .unwrap_or(b.len() - start);
                if let Some(jwt) = decode::jwt(&b[start..start + len]) {
                    self.jwt_claims(fields, value, &jwt, start);
                }
                at = start + len.max(3);
            }
        }
        replaced
    }

    /// Scans the header and payload claims of a JWT found at `base` in
    /// `value`, as documents below the value's field.
    fn jwt_claims(
        &mut self,
        fields: &mut FieldTable,
        value: &Value<'_>,
        jwt: &decode::Jwt,
        base: usize,
    ) {
        self.decodes += 1;
        if !jwt.signature_ok {
            let (offset, _) = value.raw.map(base, base);
            self.problem(Problem {
                offset,
                message: "a JWT has a malformed signature segment; its claims were scanned"
                    .to_string(),
            });
        }
        let layers = value.layers.with(Encoding::Jwt);
        let docs = [
            (jwt.header, Some(&jwt.header_json)),
            (jwt.payload, jwt.payload_json.as_ref()),
        ];
        for ((start, end), doc) in docs {
            let Some(doc) = doc.filter(|d| decode::looks_like_json(d) && decode::is_json(d)) else {
                continue;
            };
            let whole = RawSpan::Whole {
                start: base + start,
                end: base + end,
            };
            let parent = RawSpan::Within {
                parent: &value.raw,
                inner: &whole,
            };
            let root = match value.field {
                Some(f) => fields.child(f, Segment::Document),
                None => FieldTable::ROOT,
            };
            self.walk_embedded(fields, doc, root, &parent, layers);
        }
    }

    /// Scans `bytes`, decoded from `value`, as a value of the same field;
    /// `inner` maps its ranges into `value`.
    fn rescan(
        &mut self,
        fields: &mut FieldTable,
        value: &Value<'_>,
        bytes: &[u8],
        inner: &RawSpan<'_>,
        layers: Layers,
    ) {
        self.decodes += 1;
        let slot = value.field.map(|id| self.context(fields, id));
        let decoded = Value {
            field: value.field,
            bytes,
            raw: RawSpan::Within {
                parent: &value.raw,
                inner,
            },
            layers,
        };
        self.scan_value(fields, &decoded, slot);
    }

    /// Walks a JSON document found inside a value.
    fn walk_embedded(
        &mut self,
        fields: &mut FieldTable,
        doc: &[u8],
        root: format::FieldId,
        parent: &RawSpan<'_>,
        layers: Layers,
    ) {
        self.decodes += 1;
        let mut scratch = self.nested.pop().unwrap_or_default();
        let mut sink = Embedded {
            inner: &mut *self,
            parent,
            layers,
            report_problems: false,
            failed: false,
        };
        let _ = jsonfmt::walk(doc, 0, root, fields, &mut scratch, &mut sink, false);
        self.nested.push(scratch);
    }
}

impl UnitScanner<'_, '_> {
    /// The report row of a (origin, field slot, detector), and the vendor
    /// of a capture's exchange (`None`: the file's).
    fn row(&self, (origin, slot, detector): KeptKey) -> (Option<Arc<str>>, RowKey) {
        let exchange = origin.map(|(i, d)| (&self.origins[i as usize], d));
        (
            exchange.map(|((v, _), _)| Arc::clone(v)),
            (
                exchange.map(|((_, e), _)| Arc::clone(e)),
                exchange.map(|(_, d)| d),
                slot.and_then(|i| self.contexts[i].as_ref().map(|c| Arc::clone(&c.1))),
                Arc::clone(&self.shared.detector_ids[detector]),
            ),
        )
    }

    /// Where a match is in the unit (lines relative to the unit).
    fn place(&mut self, m: &Match, value: &Value<'_>) -> Place {
        let (off, len) = value.raw.map(m.start, m.end);
        let local = self.shift + off;
        let (line, column) = match self.position {
            Some(p) => p,
            None => self.cursor.locate(self.data, local),
        };
        Place {
            line,
            column,
            offset: self.base + local as u64,
            length: len as u64,
        }
    }

    /// The evidence list of a match, shared by the unit's findings.
    fn evidence(&mut self, m: &Match) -> Arc<[String]> {
        Arc::clone(evidence_of(
            &mut self.evidence,
            &mut self.last_evidence,
            self.shared.catalogue,
            m,
        ))
    }

    /// Writes a kept finding's jsonl line, but for its number, into the
    /// unit's result (see [`FindingStream::Jsonl`]). The keys before its place
    /// are encoded once per row, confidence, status and evidence.
    fn line(
        &mut self,
        m: &Match,
        value: &Value<'_>,
        key: KeptKey,
        place: &Place,
        fingerprint: crate::finding::Fingerprint,
    ) {
        let shared = self.shared;
        let d = &shared.catalogue.detectors()[m.detector];
        let line_key = (key, m.confidence, m.status, m.evidence);
        let (start, len) = match self.line_keys.get(&line_key) {
            Some(&at) => at,
            None => {
                let evidence = evidence_of(
                    &mut self.evidence,
                    &mut self.last_evidence,
                    shared.catalogue,
                    m,
                );
                let (vendor, endpoint, direction) = match &self.origin {
                    Some(o) => {
                        let (vendor, endpoint) = &self.origins[o.index as usize];
                        (&**vendor, Some(&**endpoint), Some(o.direction))
                    }
                    None => (&*self.info.vendor, None, None),
                };
                let keys = &mut self.result.lines.keys;
                let start = keys.len();
                jsonl::keys(
                    keys,
                    &jsonl::Keys {
                        vendor,
                        endpoint,
                        direction,
                        file: &self.info.display,
                        format: self.format,
                        field: key.1.and_then(|i| self.contexts[i].as_ref().map(|c| &*c.1)),
                        detector: &d.id,
                        category: d.category,
                        confidence: m.confidence,
                        evidence,
                        status: m.status,
                    },
                );
                let at = (start, keys.len() - start);
                self.line_keys.insert(line_key, at);
                at
            }
        };
        let lines = &mut self.result.lines;
        let tail = lines.tails.len();
        jsonl::to_line(&mut lines.tails, place.offset, place.length);
        lines.index.push(LineRef {
            keys: (start, len),
            tail,
            number_at: lines.tails.len(),
            line: place.line,
        });
        let out = &mut lines.tails;
        let matched = &value.bytes[m.start..m.end];
        let mut decoded = [Encoding::Json; 8];
        let mut layers = 0;
        for (slot, e) in decoded.iter_mut().zip(value.layers.iter()) {
            *slot = e;
            layers += 1;
        }
        let revealed = shared.reveal.then(|| String::from_utf8_lossy(matched));
        jsonl::after_line(
            out,
            &jsonl::After {
                column: place.column,
                masked: &masked(m, d, matched, &mut self.text),
                decoded: &decoded[..layers],
                fingerprint,
                value: revealed.as_deref(),
            },
        );
    }

    /// Adds a match to the tally of its report row, or counts it past
    /// the row's cap (see [`UnitScanner::record_matches_with`]); `known`
    /// is what the memo remembered of it (see [`ValueMemo`]). Returns what
    /// the memo is to remember (0 when nothing was made).
    fn tally(&mut self, m: &Match, value: &Value<'_>, key: KeptKey, known: Option<u128>) -> u128 {
        let shared = self.shared;
        // Under `--enough`, many findings stop at the row's count: it is
        // looked up first. Otherwise the finding is worked out first and
        // the row looked up once (its cap, a million, is seldom reached).
        if let Some(n) = shared.enough
            && self.tallies.get(&key).map_or(0, Tally::findings) >= n
        {
            self.stopped.insert(key);
            return 0;
        }
        let d = &shared.catalogue.detectors()[m.detector];
        let matched = &value.bytes[m.start..m.end];
        let place = self.place(m, value);
        // A streamed finding's line shows its fingerprint, whose start is
        // then its print (the same under a pinned key; a run's own print
        // otherwise, as the other is).
        let fingerprint = shared.lines.then(|| match known {
            Some(k) => crate::finding::Fingerprint(k.to_be_bytes()),
            None => shared
                .fingerprinter
                .fingerprint(&d.id, d.mask, matched, &mut self.text),
        });
        let print = match fingerprint {
            Some(f) => f.prefix(),
            None => known.map_or_else(
                || {
                    shared
                        .fingerprinter
                        .print(&d.id, d.mask, matched, &mut self.text)
                },
                |k| k as u64,
            ),
        };
        // What the memo keeps of the match: all a replay needs.
        let remembered = match fingerprint {
            Some(f) => u128::from_be_bytes(f.0),
            None => u128::from(print),
        };
        // Borrowed, not cloned: a finding costs no count on the list.
        let evidence = evidence_of(
            &mut self.evidence,
            &mut self.last_evidence,
            shared.catalogue,
            m,
        );
        let counted = Counted {
            place,
            status: m.status,
            confidence: m.confidence,
            evidence,
            print,
        };
        use std::collections::hash_map::Entry;
        let scratch = &mut self.text;
        let row = self.tallies.entry(key);
        let kept = match &row {
            Entry::Occupied(t) => t.get().findings(),
            Entry::Vacant(_) => 0,
        };
        if kept >= shared.max_findings_per_field {
            let (origin, slot, detector) = key;
            *self
                .overflow
                .entry((origin, slot, detector, m.status, m.confidence))
                .or_default() += 1;
            return 0;
        }
        match row {
            Entry::Occupied(t) => {
                t.into_mut()
                    .add(counted, || masked(m, d, matched, scratch), shared.examples)
            }
            Entry::Vacant(t) => {
                t.insert(Tally::new(
                    &self.info.display,
                    d.category,
                    counted,
                    masked(m, d, matched, scratch),
                    shared.examples,
                ));
            }
        }
        if let Some(fingerprint) = fingerprint {
            self.line(m, value, key, &place, fingerprint);
        }
        remembered
    }

    fn finding(&mut self, m: &Match, value: &Value<'_>, slot: Option<usize>) -> Finding {
        let shared = self.shared;
        let d = &shared.catalogue.detectors()[m.detector];
        let place = self.place(m, value);
        let matched = &value.bytes[m.start..m.end];
        let (vendor, endpoint, direction) = match &self.origin {
            Some(o) => {
                let (vendor, endpoint) = &self.origins[o.index as usize];
                (
                    Arc::clone(vendor),
                    Some(Arc::clone(endpoint)),
                    Some(o.direction),
                )
            }
            None => (Arc::clone(&self.info.vendor), None, None),
        };
        Finding {
            vendor,
            endpoint,
            direction,
            decoded: value.layers.to_vec(),
            file: Arc::clone(&self.info.display),
            format: self.format,
            field: slot.and_then(|i| self.contexts[i].as_ref().map(|c| Arc::clone(&c.1))),
            detector: Arc::clone(&shared.detector_ids[m.detector]),
            category: d.category,
            confidence: m.confidence,
            evidence: self.evidence(m),
            status: m.status,
            offset: place.offset,
            length: place.length,
            line: place.line,
            column: place.column,
            masked: masked(m, d, matched, &mut self.text),
            fingerprint: shared
                .fingerprinter
                .fingerprint(&d.id, d.mask, matched, &mut self.text),
            value: shared
                .reveal
                .then(|| String::from_utf8_lossy(matched).into_owned()),
        }
    }
}

/// How a matched value is shown: masked by kind; an already-masked value
/// as the vendor masked it; a digest only by its start (an unsalted hash
/// of an email can be reversed by guessing, so the whole digest is not
/// repeated).
/// An evidence and the strings every output shows of it.
type EvidenceList = (crate::detect::Evidence, Arc<[String]>);

/// The evidence list of a match, shared by the unit's findings: the one
/// last asked for of its detector, or the unit's list for its evidence.
fn evidence_of<'a>(
    lists: &mut rustc_hash::FxHashMap<crate::detect::Evidence, Arc<[String]>>,
    last: &'a mut Vec<Option<EvidenceList>>,
    catalogue: &Catalogue,
    m: &Match,
) -> &'a Arc<[String]> {
    if last.len() <= m.detector {
        last.resize(m.detector + 1, None);
    }
    let slot = &mut last[m.detector];
    if slot.as_ref().is_some_and(|(e, _)| *e != m.evidence) {
        *slot = None;
    }
    let (_, list) = slot.get_or_insert_with(|| {
        let list = lists
            .entry(m.evidence)
            .or_insert_with(|| catalogue.evidence_strings(&m.evidence).into());
        (m.evidence, Arc::clone(list))
    });
    list
}

fn masked(
    m: &Match,
    d: &crate::detect::Detector,
    matched: &[u8],
    scratch: &mut Vec<u8>,
) -> CompactString {
    match (m.status, m.evidence.rule) {
        (_, MatchRule::Hashed) => compact_str::format_compact!(
            "{}… ({} hex digits)",
            String::from_utf8_lossy(&matched[..matched.len().min(8)]),
            matched.len()
        ),
        (Status::Masked, _) => CompactString::from_utf8_lossy(matched),
        _ => mask_with(d.mask, matched, scratch),
    }
}

#[derive(Default)]
struct FileState {
    /// The file's last unit was emitted.
    done: bool,
    /// A unit read the file on to its end: the units after it are not
    /// emitted.
    rest_read: bool,
    /// Problems of the file listed in the report.
    problems_listed: usize,
    lines: u64,
    format: Option<Format>,
    outcome: Option<Outcome>,
    records: u64,
    values: u64,
    bytes: u64,
    findings: u64,
    problems: u64,
}

/// Where emitted results go, on the calling thread.
struct Destination<'a, 's, 'f> {
    report: &'a mut Report,
    progress: &'a Progress,
    baseline: Option<&'a Baseline>,
    sink: &'a mut Sink<'s, 'f>,
    verbose: bool,
}

fn emit(
    unit: &Unit,
    mut result: UnitResult,
    candidates: &[Candidate],
    states: &mut [FileState],
    dest: &mut Destination<'_, '_, '_>,
    recycle: impl FnOnce(Lines),
) -> io::Result<()> {
    let Destination {
        report,
        progress,
        baseline,
        sink,
        verbose,
    } = dest;
    let state = &mut states[unit.file];
    let candidate = &candidates[unit.file];
    if state.rest_read {
        // An earlier piece of this document read on to its end (the
        // document is broken where its pieces were cut), finding what
        // this one found: only its bytes count.
        let outcome = std::mem::replace(&mut result.outcome, Outcome::Scanned(Format::Json));
        result = UnitResult {
            bytes: result.bytes,
            ..UnitResult::empty(outcome)
        };
    }
    state.rest_read |= result.ends_document;
    let base = state.lines;
    for f in &mut result.findings {
        f.line += base;
        if baseline.is_some_and(|b| b.knows(f, report.fingerprint_key_id.as_deref())) {
            report.add_baseline_known();
            continue;
        }
        // Past `--enough` for its row (counted over the whole scan, not
        // per unit) a finding is neither counted nor streamed.
        if report.add_finding(f) {
            if let Sink::Findings(each) = sink {
                each(f)?;
            }
            state.findings += 1;
        }
    }
    if let Sink::Lines { out, line } = sink
        && !result.lines.index.is_empty()
    {
        line.clear();
        result.lines.write(base, line, &mut **out)?;
    }
    recycle(std::mem::take(&mut result.lines));
    for t in result.tallies.drain(..) {
        state.findings += t.tally.findings();
        let vendor = t.vendor.as_deref().unwrap_or(&candidate.vendor);
        report.add_tally(vendor, t.row, t.tally, base);
    }
    state.problems += result.problems_total;
    for u in result.unlisted.drain(..) {
        state.findings += u.count;
        report.add_unlisted(&candidate.vendor, &u);
    }
    report.add_below_min_confidence(result.below_min_confidence);
    report.add_records_sampled(result.records_sampled);
    // The counts come by origin, so a vendor's are together: one vendor
    // lookup a run (one a count was 2.4% of an 8 MB HAR scan's
    // instructions, with its origins' 8,000 counts).
    let mut values = std::mem::take(&mut result.field_values);
    let mut rest = &mut values[..];
    while let Some(((vendor, ..), _)) = rest.split_first() {
        let vendor = vendor.clone();
        let run = rest
            .iter()
            .position(|(v, ..)| *v != vendor)
            .unwrap_or(rest.len());
        let (this, after) = std::mem::take(&mut rest).split_at_mut(run);
        if let Some(v) = vendor.as_deref()
            && *v != *candidate.vendor
        {
            report.add_capture(v, &candidate.display);
        }
        let vendor = vendor.as_deref().unwrap_or(&candidate.vendor);
        report.add_field_values(
            vendor,
            this.iter_mut()
                .map(|(_, endpoint, field, n)| (endpoint.take(), field.take(), *n)),
        );
        rest = after;
    }
    for (reason, n) in std::mem::take(&mut result.skipped_parts) {
        report.add_parts_skipped(reason, n);
    }
    // A file's first problems are listed, however it was cut into units
    // (so the report does not depend on the thread count or chunk size);
    // the rest are counted.
    let mut listed = 0u64;
    for mut p in result.problems {
        if state.problems_listed < PROBLEMS_LISTED {
            p.line += base;
            report.add_problem(p);
            state.problems_listed += 1;
            listed += 1;
        }
    }
    report.add_unlisted_problems(result.problems_total.saturating_sub(listed));
    state.lines += result.newlines;
    state.records += result.records;
    state.values += result.values;
    state.bytes += result.bytes;
    match result.outcome {
        Outcome::Scanned(f) => state.format = Some(f),
        other => state.outcome = Some(other),
    }
    progress
        .bytes_done
        .fetch_add(unit.bytes(candidate), Ordering::Relaxed);
    if !unit.last {
        return Ok(());
    }
    progress.files_done.fetch_add(1, Ordering::Relaxed);
    state.done = true;
    let file = candidate.display.clone();
    if *verbose {
        match &state.outcome {
            Some(Outcome::Skipped(reason)) => eprintln!("sandsift: {file}: skipped: {reason}"),
            Some(Outcome::Failed(error)) => eprintln!("sandsift: {file}: failed: {error}"),
            _ => eprintln!(
                "sandsift: {file}: scanned as {} (vendor {}): {} bytes, {} records, {} values, {} findings, {} problems",
                state.format.unwrap_or(Format::Text).as_str(),
                candidate.vendor,
                candidate.size,
                state.records,
                state.values,
                state.findings,
                state.problems
            ),
        }
    }
    match state.outcome.take() {
        Some(Outcome::Skipped(reason)) => report.file_skipped(Skipped {
            file,
            reason,
            bytes: candidate.size,
        }),
        Some(Outcome::Failed(error)) => report.file_failed(Failed { file, error }),
        _ => report.file_scanned(
            &candidate.vendor,
            state.format.unwrap_or(Format::Text),
            candidate.size,
            state.records,
            state.values,
        ),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slot counts add up what they were given, whether the slots come
    /// in the order seen before, out of it, rewound or not, in short
    /// lists and in long ones (searched by their index), each slot
    /// listed once.
    #[test]
    fn slot_counts_add_up_in_any_order() {
        let mut next = crate::test_numbers(7);
        for round in 0..200 {
            let kinds = 1 + round % 60;
            let mut counts = SlotCounts::default();
            let mut want = std::collections::BTreeMap::<usize, u64>::new();
            let order: Vec<usize> = (0..kinds).map(|k| k * 3 + 1).collect();
            for _ in 0..50 {
                if next().is_multiple_of(3) {
                    counts.rewind([Direction::Request, Direction::Response][next() % 2]);
                }
                for &slot in &order {
                    // Mostly in order, sometimes skipping or jumping.
                    let slot = match next() % 8 {
                        0 => continue,
                        1 => order[next() % order.len()],
                        _ => slot,
                    };
                    let n = (next() % 3) as u64;
                    counts.add(slot, n);
                    *want.entry(slot).or_default() += n;
                }
            }
            let mut got = std::collections::BTreeMap::new();
            for &SlotCount { slot, n, .. } in &counts.counts {
                assert!(got.insert(slot, n).is_none(), "slot {slot} listed twice");
            }
            assert_eq!(got, want, "{kinds} kinds of slot");
        }
    }

    /// The value memo gives back each value's own matches (none, one or
    /// several), tells values that differ by a byte or by length apart,
    /// and finds nothing it was not given.
    #[test]
    fn the_value_memo_gives_back_what_it_was_given() {
        use crate::detect::{Confidence, Evidence, MatchRule, Status};
        let m = |detector: usize, start: usize| Match {
            detector,
            start,
            end: start + 3,
            confidence: Confidence::Medium,
            status: Status::Clear,
            evidence: Evidence {
                rule: MatchRule::Pattern,
                validator: None,
                hint: None,
                weak: false,
            },
        };
        let mut memo = ValueMemo::default();
        let mut given = Vec::new();
        for k in 0..3000usize {
            let value = format!("value-{k}").into_bytes();
            let matches: Vec<Match> = (0..k % 3).map(|j| m(k % 7, j)).collect();
            let prints: Vec<u128> = (0..k % 3).map(|j| (k * 10 + j) as u128).collect();
            memo.insert(ValueMemo::hash(&value), &value, &matches, &prints);
            given.push((value, matches, prints));
        }
        assert_eq!(memo.len(), 3000);
        for (value, matches, prints) in &given {
            let r = memo.get(ValueMemo::hash(value), value).expect("remembered");
            assert_eq!(memo.found(r), (matches.as_slice(), prints.as_slice()));
            for other in [
                &value[..value.len() - 1],
                &[value.as_slice(), b"0"].concat(),
            ] {
                let known = given.iter().any(|(v, _, _)| v == other);
                assert_eq!(memo.get(ValueMemo::hash(other), other).is_some(), known);
            }
        }
        // A hash that agrees with a remembered value's, bytes that do not.
        let (value, _, _) = &given[0];
        assert!(memo.get(ValueMemo::hash(value), b"value-X").is_none());
    }

    /// Without mmap, the bytes the planner reads into memory are counted
    /// while any unit of their file (or the planner) holds them, and no
    /// longer once every unit is scanned (it then holds only its count).
    #[test]
    fn read_bytes_are_held_until_their_last_unit_is_scanned() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut sizes = Vec::new();
        for (name, row) in [("a.csv", "x,1\n"), ("b.ndjson", "{\"x\":1}\n")] {
            let body = format!("k,v\n{}", row.repeat(5000));
            std::fs::write(dir.path().join(name), &body).expect("write");
            sizes.push(body.len() as u64);
        }
        let config = ScanConfig {
            paths: vec![dir.path().to_path_buf()],
            chunk_size: 4096,
            load: LoadOptions {
                mmap_threshold: None,
                ..LoadOptions::default()
            },
            ..ScanConfig::default()
        };
        let found =
            discover::discover(&config.paths, &config.discover, &config.vendors).expect("discover");
        let mut planner = Planner::new(&found.candidates, &config, 2);
        // The CSV file is read whole and cut into chunks.
        let first = planner.next_batch().expect("a unit");
        assert_eq!(planner.held(), sizes[0]);
        let mut units = vec![first];
        while units.last().and_then(|b| b.last()).is_some_and(|u| !u.last) {
            units.push(planner.next_batch().expect("the file's next unit"));
        }
        assert!(units.len() > 4, "{} units", units.len());
        // Scanned one by one: held until the last is done.
        let candidate = &found.candidates[0];
        let mut covered = 0;
        for (k, batch) in units.iter_mut().enumerate() {
            assert_eq!(planner.held(), sizes[0], "before unit {k}");
            for unit in batch.iter_mut() {
                let bytes = unit.bytes(candidate);
                unit.source = Source::Done { bytes };
                covered += bytes;
            }
        }
        assert_eq!(planner.held(), 0);
        // The units still count the file's bytes.
        assert_eq!(covered, sizes[0]);
        assert_eq!(
            units
                .iter()
                .flatten()
                .map(|u| u.bytes(candidate))
                .sum::<u64>(),
            sizes[0]
        );
        // The NDJSON file is streamed chunk by chunk: only the chunks
        // handed out are held.
        let chunk = planner.next_batch().expect("a chunk");
        let held = planner.held();
        assert!(held > 0 && held < sizes[1], "{held} of {}", sizes[1]);
        drop(chunk);
        assert_eq!(planner.held(), 0);
    }

    #[test]
    fn line_cursor_counts_lines_and_columns() {
        let data = b"ab\ncd\n\nef";
        let mut c = LineCursor::default();
        assert_eq!(c.locate(data, 0), (1, 1));
        assert_eq!(c.locate(data, 4), (2, 2));
        assert_eq!(c.locate(data, 8), (4, 2));
        assert_eq!(c.locate(data, 1), (1, 2));
        assert_eq!(c.locate(data, 8), (4, 2));
        assert_eq!(c.locate(data, 4), (2, 2));
        assert_eq!(c.locate(data, 7), (4, 1));
    }

    /// The last shape's shortcut takes a value of the same class key as
    /// inert as the value before it: true unless that key is checked
    /// again (spelled like a token, or long with capitals), whatever the
    /// letters and digits, short or long.
    #[test]
    fn values_of_one_class_key_are_inert_alike_unless_checked_again() {
        let mut next = crate::test_numbers(3);
        let starts: [&[u8]; 7] = [b"eyJ", b"Bearer ", b"bEaReR ", b"eyj", b"{\"", b"ab", b"a "];
        // Half the values have no capital letter.
        let alphabets: [&[u8]; 2] = [b"09azAZXJey %&=+/-_.{}[]\"", b"09azey %&=+/-_.{}[]\""];
        let (mut checked, mut again, mut long) = (0, 0, 0);
        for round in 0..40_000u32 {
            let mut v = starts[next() % starts.len()].to_vec();
            let most = if round.is_multiple_of(2) {
                decode::INERT_BELOW
            } else {
                160
            };
            let len = next() % (most - v.len());
            let alphabet = alphabets[next() % 2];
            v.extend((0..len).map(|_| alphabet[next() % alphabet.len()]));
            // Some long values hold a JWT's start inside.
            if v.len() > 20 && next().is_multiple_of(4) {
                let at = next() % (v.len() - 3);
                v[at..at + 3].copy_from_slice(b"eyJ");
            }
            // Another value of the same class key: each letter or digit
            // replaced by one of its class.
            let w: Vec<u8> = v
                .iter()
                .map(|&b| match b {
                    b'0'..=b'9' => b'0' + (next() % 10) as u8,
                    b'X' => b'X',
                    b'A'..=b'Z' => b"ABCDEFGHIJKLMNOPQRSTUVWYZ"[next() % 25],
                    b'a'..=b'z' => b'a' + (next() % 26) as u8,
                    other => other,
                })
                .collect();
            let key: Vec<u8> = v
                .iter()
                .map(|&b| stats::CLASS_KEY[usize::from(b)])
                .collect();
            assert!(stats::same_class_key(&w, &key));
            let inert = |x: &[u8]| decode::Shape::of(x).inert(x);
            if checked_again(&key, decode::Shape::of(&v)) {
                again += 1;
            } else {
                checked += 1;
                long += usize::from(v.len() >= decode::INERT_BELOW);
                assert_eq!(inert(&v), inert(&w), "{v:?} {w:?}");
            }
        }
        assert!(
            checked > 5000 && again > 5000 && long > 500,
            "{checked} {again} {long}"
        );
        // The keys checked again include those of real tokens.
        for token in [
            &b"eyJhbGciOiJIUzI1NiJ9"[..],
            b"Bearer abc",
            b"BEARER x",
            b"see the token eyJhbGciOiJIUzI1NiJ9.e30.sig in the log",
        ] {
            let key: Vec<u8> = token
                .iter()
                .map(|&b| stats::CLASS_KEY[usize::from(b)])
                .collect();
            assert!(checked_again(&key, decode::Shape::of(token)), "{token:?}");
        }
    }

    #[test]
    fn line_cursor_agrees_with_a_count_whatever_lines_it_is_told() {
        let data = b"{\"a\":1}\n\n  {\"b\":\"x\ny\"}\nzz\n\nlast";
        let naive = |offset: usize| {
            let before = &data[..offset];
            let newlines = before.iter().filter(|&&b| b == b'\n').count() as u64;
            let start = before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            (newlines + 1, (offset - start) as u64 + 1)
        };
        let lines: Vec<(usize, usize)> = {
            let mut v = Vec::new();
            let mut start = 0;
            for (i, &b) in data.iter().enumerate() {
                if b == b'\n' {
                    v.push((start, i));
                    start = i + 1;
                }
            }
            v.push((start, data.len()));
            v
        };
        let mut seed = 11u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize % n
        };
        for _ in 0..200 {
            let mut c = LineCursor::default();
            for _ in 0..30 {
                if next(3) == 0 {
                    let k = next(lines.len());
                    let (start, end) = lines[k];
                    c.known_line(start, end, k as u64);
                }
                let offset = next(data.len() + 1);
                assert_eq!(c.locate(data, offset), naive(offset), "{offset}");
            }
        }
    }
}
