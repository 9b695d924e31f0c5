//! `sandsift scan`: builds a [`ScanConfig`] from the arguments, runs the
//! scan with a progress bar, writes the chosen output and picks the exit
//! code.

use std::fs::OpenOptions;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use sandsift::detect::Confidence;
use sandsift::discover::DiscoverOptions;
use sandsift::load::LoadOptions;
use sandsift::policy::Policy;
use sandsift::report::baseline::Baseline;
use sandsift::report::table::{self, Colour, human_bytes};
use sandsift::report::{csv, html, json, markdown, sarif};
use sandsift::vendor::VendorMap;
use sandsift::{Catalogue, Progress, Report, ScanConfig};

use crate::cli::{ColorChoice, FailOn, MinConfidence, OutputFormat, ScanArgs};

/// Runs the scan subcommand.
pub fn run(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let catalogue = Catalogue::with_user_files_selected(&args.patterns, &args.detectors)
        .context("compiling the detectors")?;
    // A policy may name detectors `--detectors` left out: it is checked
    // against the whole catalogue.
    let full = if args.detectors.is_empty() {
        None
    } else {
        Some(Catalogue::with_user_files(&args.patterns).context("compiling the detectors")?)
    };
    let policy = policy_file(args.vendors.as_deref())
        .map(|p| Policy::load(&p, full.as_ref().unwrap_or(&catalogue)))
        .transpose()
        .context("loading the vendor policy")?;
    let mut config = config(args);
    if let Some(policy) = &policy
        && args.vendor.is_none()
    {
        config.vendors = config
            .vendors
            .with_paths(&policy.vendor_paths())
            .context("loading the vendor policy")?
            .with_hosts(&policy.vendor_hosts());
    }
    if let Some(path) = &args.baseline {
        config.baseline = Some(std::sync::Arc::new(
            Baseline::load(path).context("loading the baseline")?,
        ));
    }
    if args.shard.is_some() && args.fingerprint_key.is_none() {
        anyhow::bail!(
            "--shard needs a pinned fingerprint key (--fingerprint-key or SANDSIFT_FINGERPRINT_KEY), \
             the same for every shard: `sandsift merge` unites the shards' distinct values by it"
        );
    }
    // `{shard}` in the output path is the shard index: one command line
    // serves every shard of an array job.
    let output = args.output.as_ref().map(|p| match &args.shard {
        Some(s) => {
            std::path::PathBuf::from(p.to_string_lossy().replace("{shard}", &s.index.to_string()))
        }
        None => p.clone(),
    });
    let to_terminal = output.is_none() && io::stdout().is_terminal();
    let format = args
        .format
        .unwrap_or_else(|| default_format(output.as_deref(), to_terminal));
    let colour = colour(args.color, to_terminal);
    // Only jsonl lists the findings themselves.
    config.report_only = format != OutputFormat::Jsonl;
    let mut out = open_output(output.as_deref())?;

    let progress = Arc::new(Progress::default());
    {
        // Ctrl-C stops the scan; what was found is still written, marked
        // incomplete. A second Ctrl-C ends the process at once.
        let progress = Arc::clone(&progress);
        let _ = ctrlc::set_handler(move || {
            if progress
                .cancel
                .swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                std::process::exit(130);
            }
        });
    }
    let bar = (!args.quiet && io::stderr().is_terminal())
        .then(|| ProgressBar::start(Arc::clone(&progress)));
    let stream = match format {
        OutputFormat::Jsonl => sandsift::FindingStream::Jsonl(&mut out),
        _ => sandsift::FindingStream::Findings(&mut |_| Ok(())),
    };
    let result = sandsift::scan_into(&config, &catalogue, &progress, stream);
    if let Some(bar) = bar {
        bar.stop();
    }
    let mut report = match result {
        Ok(r) => r,
        Err(sandsift::ScanError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            return Ok(ExitCode::SUCCESS);
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(policy) = &policy {
        report.policy = Some(policy.evaluate(&report));
    }
    deliver(
        &report,
        out,
        Delivery {
            format,
            colour,
            quiet: args.quiet,
            fail_on: args.fail_on,
            has_policy: policy.is_some(),
        },
    )
}

/// How a finished report is written and judged.
pub struct Delivery {
    /// The output format.
    pub format: OutputFormat,
    /// Colours in the table.
    pub colour: Colour,
    /// No summary line.
    pub quiet: bool,
    /// What makes the exit code 1.
    pub fail_on: Option<FailOn>,
    /// Whether a policy was checked.
    pub has_policy: bool,
}

/// Writes a finished report (jsonl findings were streamed already) and
/// picks the exit code.
pub fn deliver(report: &Report, mut out: Box<dyn Write>, d: Delivery) -> anyhow::Result<ExitCode> {
    let written = match d.format {
        OutputFormat::Table => table::write(&mut out, report, d.colour),
        OutputFormat::Json => json::write(&mut out, report),
        OutputFormat::Sarif => sarif::write(&mut out, report),
        OutputFormat::Csv => csv::write(&mut out, report),
        OutputFormat::Markdown => markdown::write(&mut out, report),
        OutputFormat::Html => html::write(&mut out, report),
        OutputFormat::Jsonl => Ok(()),
    }
    .and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        other => other.context("writing the report")?,
    }
    if !d.quiet {
        eprintln!("{}", summary_line(report));
    }
    if report.summary.incomplete {
        eprintln!(
            "sandsift: interrupted: the report covers only what was scanned before (summary.incomplete)"
        );
        return Ok(ExitCode::from(2));
    }
    let leaks = report.summary.status.clear > 0;
    let violated = report
        .policy
        .as_ref()
        .is_some_and(|p| !p.violations.is_empty());
    let fail_on = d.fail_on.unwrap_or(if d.has_policy {
        FailOn::Violations
    } else {
        FailOn::Findings
    });
    Ok(match fail_on {
        FailOn::Findings if leaks => ExitCode::from(1),
        FailOn::Violations if violated => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

/// Whether to colour the table.
pub fn colour(choice: ColorChoice, to_terminal: bool) -> Colour {
    match choice {
        ColorChoice::Always => Colour::Always,
        ColorChoice::Never => Colour::Never,
        ColorChoice::Auto
            if to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) =>
        {
            Colour::Always
        }
        ColorChoice::Auto => Colour::Never,
    }
}

/// The report's destination: FILE (created private), else stdout.
pub fn open_output(output: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match output {
        Some(path) => Box::new(BufWriter::new(
            create_private(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    })
}

fn config(args: &ScanArgs) -> ScanConfig {
    ScanConfig {
        paths: args.paths.clone(),
        discover: DiscoverOptions {
            include: args.include.clone(),
            exclude: args.exclude.clone(),
            max_file_size: args.max_file_size,
            follow_symlinks: args.follow,
            shard: args.shard,
            sample_files: args.sample_files.map(|n| (n, args.seed)),
            manifest: args.manifest.clone(),
        },
        enough: args.enough,
        sample: args.sample.map(|rate| sandsift::engine::Sampling {
            rate,
            seed: args.seed,
        }),
        vendors: match &args.vendor {
            Some(v) => VendorMap::forced(v.clone()),
            None => VendorMap::by_directory(),
        },
        load: LoadOptions {
            mmap_threshold: (!args.no_mmap).then_some(64 * 1024),
            max_decompressed: args.max_decompressed_size,
        },
        threads: args.threads,
        chunk_size: usize::try_from(args.chunk_size).unwrap_or(usize::MAX),
        reveal: args.reveal,
        fingerprint_key: args.fingerprint_key.as_ref().map(|k| k.as_bytes().to_vec()),
        examples: args.examples,
        baseline: None,
        max_decode_depth: args.max_decode_depth,
        verbose: args.verbose,
        max_findings_per_field: args.max_findings_per_field,
        max_line_length: usize::try_from(args.max_line_length).unwrap_or(usize::MAX),
        archive: sandsift::archive::Limits {
            max_total: args.max_decompressed_size,
            max_members: args.max_archive_members,
            max_ratio: args.max_compression_ratio,
            max_depth: args.max_archive_depth,
        },
        har: sandsift::format::har::HarOptions {
            max_body: usize::try_from(args.max_har_body).unwrap_or(usize::MAX),
            max_decompressed: args.max_decompressed_size,
        },
        min_confidence: match args.min_confidence {
            MinConfidence::Low => Confidence::Low,
            MinConfidence::Medium => Confidence::Medium,
            MinConfidence::High => Confidence::High,
        },
        // Set once the output format is known.
        report_only: false,
    }
}

/// The policy file: the one given, else `./sandsift.toml` or
/// `./vendors.toml` when present.
pub fn policy_file(given: Option<&Path>) -> Option<std::path::PathBuf> {
    if let Some(p) = given {
        return Some(p.to_path_buf());
    }
    ["sandsift.toml", "vendors.toml"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.is_file())
}

pub fn default_format(output: Option<&Path>, to_terminal: bool) -> OutputFormat {
    let ext = output
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("json") => OutputFormat::Json,
        Some("sarif") => OutputFormat::Sarif,
        Some("csv") => OutputFormat::Csv,
        Some("md") => OutputFormat::Markdown,
        Some("html" | "htm") => OutputFormat::Html,
        Some("txt") => OutputFormat::Table,
        Some(_) => OutputFormat::Jsonl,
        None if to_terminal => OutputFormat::Table,
        None => OutputFormat::Jsonl,
    }
}

/// Creates a report file readable by its owner only: reports describe
/// where personal data is.
fn create_private(path: &Path) -> io::Result<std::fs::File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

fn summary_line(r: &Report) -> String {
    let s = &r.summary;
    let secs = s.duration_ms as f64 / 1000.0;
    let mut line = format!(
        "scanned {} file(s) ({}) in {secs:.2} s, {:.1} MB/s — {} finding(s) ({} clear, {} masked, {} test) in {} vendor(s)",
        s.files_scanned,
        human_bytes(s.bytes_scanned),
        s.throughput_mb_s,
        s.findings,
        s.status.clear,
        s.status.masked,
        s.status.test_value,
        r.vendors.len(),
    );
    if let Some(sample) = &s.sample {
        line.push_str(&format!(
            " — a sample: {}",
            sandsift::report::table::sample_text(sample)
        ));
    }
    if s.below_min_confidence > 0 {
        line.push_str(&format!(
            "; {} below --min-confidence not shown",
            s.below_min_confidence
        ));
    }
    if s.files_skipped + s.files_failed + s.problems > 0 {
        let problems = if s.problems == 1 {
            "problem"
        } else {
            "problems"
        };
        line.push_str(&format!(
            "; {} skipped, {} failed, {} {problems} in files",
            s.files_skipped, s.files_failed, s.problems
        ));
    }
    line
}

/// A progress bar on stderr, drawn from the scan's counters by a
/// background thread; it appears only for scans that last over a moment.
struct ProgressBar {
    done: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl ProgressBar {
    fn start(progress: Arc<Progress>) -> Self {
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        let thread = std::thread::spawn(move || {
            let tick = Duration::from_millis(100);
            // Short scans finish before the bar would be useful.
            for _ in 0..5 {
                if flag.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(tick);
            }
            let total = progress.bytes_total.load(Ordering::Relaxed);
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total),
                indicatif::ProgressDrawTarget::stderr(),
            );
            let style = indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta}) {msg}",
            );
            if let Ok(style) = style {
                bar.set_style(style);
            }
            while !flag.load(Ordering::Relaxed) {
                bar.set_length(progress.bytes_total.load(Ordering::Relaxed));
                bar.set_position(progress.bytes_done.load(Ordering::Relaxed));
                bar.set_message(format!(
                    "{}/{} files",
                    progress.files_done.load(Ordering::Relaxed),
                    progress.files_total.load(Ordering::Relaxed)
                ));
                std::thread::sleep(tick);
            }
            bar.finish_and_clear();
        });
        ProgressBar { done, thread }
    }

    fn stop(self) {
        self.done.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}
