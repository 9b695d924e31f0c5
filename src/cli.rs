//! Command-line definitions (clap derive). Only definitions live here; the
//! subcommand modules act on them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Find personal data (PII) leaking to vendors.
#[derive(Debug, Parser)]
#[command(name = "sandsift", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and folders and report, per vendor, which fields carry
    /// which kinds of personal data.
    Scan(ScanArgs),
    /// List the detectors, or check detector files (`detectors check`).
    Detectors(DetectorsArgs),
    /// Compare two JSON reports: new leaks, resolved ones, changed volumes,
    /// per vendor. Exit 1 when the new report has news.
    Diff(DiffArgs),
    /// Write a starter vendor policy from a scan: every vendor found,
    /// nothing allowed yet.
    Init(InitArgs),
    /// Combine the JSON reports of a sharded scan (`scan --shard I/N`)
    /// into the report of the whole scan.
    Merge(MergeArgs),
}

/// Arguments of `sandsift merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard reports (`sandsift scan --shard I/N --format json`), one
    /// per shard, or folders holding them (every `*.json` inside).
    #[arg(value_name = "REPORT.json|DIR", required = true)]
    pub reports: Vec<PathBuf>,

    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<OutputFormat>,

    /// Write the report to FILE (its extension picks the format).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Vendor policy file to check the merged report against [default:
    /// ./sandsift.toml or ./vendors.toml when present].
    #[arg(long, value_name = "FILE")]
    pub vendors: Option<PathBuf>,

    /// Detector files the shards were scanned with (for the policy).
    #[arg(long, value_name = "FILE|DIR")]
    pub patterns: Vec<PathBuf>,

    /// What makes the exit code 1 [default: violations with a policy,
    /// findings without].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    /// No summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Colour the table.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, alias = "colour")]
    pub color: ColorChoice,
}

/// Arguments of `sandsift init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Files and folders to scan for vendors.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Write the policy to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `sandsift diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier report (`sandsift scan --format json`).
    #[arg(value_name = "OLD.json")]
    pub old: PathBuf,
    /// The later report.
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

/// Arguments of `sandsift detectors`.
#[derive(Debug, Args)]
pub struct DetectorsArgs {
    /// Check detector files instead of listing.
    #[command(subcommand)]
    pub action: Option<DetectorsAction>,

    /// Output format of the list.
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// Also list the detectors of these files or folders of `*.toml` files.
    #[arg(long, value_name = "FILE|DIR")]
    pub patterns: Vec<PathBuf>,
}

/// What `sandsift detectors` can do besides listing.
#[derive(Debug, Subcommand)]
pub enum DetectorsAction {
    /// Compile detector files and run their examples; exit 1 when an
    /// example does not behave, 2 when a file does not compile.
    Check {
        /// Detector files or folders of `*.toml` files.
        #[arg(value_name = "FILE|DIR", required = true)]
        files: Vec<PathBuf>,
    },
}

/// Formats of the detector list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns.
    Table,
    /// A JSON array.
    Json,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Per-vendor inventory for people (default on a terminal).
    Table,
    /// One JSON report document (schema sandsift.report/v1).
    Json,
    /// One finding per line, streamed (default when not a terminal).
    Jsonl,
    /// SARIF 2.1.0, one result per field and kind, for code-scanning
    /// dashboards.
    Sarif,
    /// One row per vendor, field and kind.
    Csv,
    /// A summary to paste into a ticket or a vendor review.
    Markdown,
    /// One self-contained page for people (use with -o report.html).
    Html,
}

/// When to colour the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// A confidence threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MinConfidence {
    /// Everything, weak evidence included.
    Low,
    /// Validated shapes and field-supported matches.
    Medium,
    /// Only corroborated matches.
    High,
}

/// What makes the exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 0 whatever is found (errors still exit 2).
    Never,
    /// Exit 1 when a leak is found: a clear (not masked, not test) value.
    Findings,
    /// Exit 1 when the vendor policy is violated.
    Violations,
}

/// Arguments of `sandsift scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and folders to scan. A file's vendor is the first folder
    /// below the scan path it was found under.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format [default: table on a terminal, otherwise jsonl, or
    /// guessed from the --output extension].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<OutputFormat>,

    /// Write the report to FILE (created with mode 0600) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Worker threads [default: one per core].
    #[arg(
        long,
        short = 'j',
        value_name = "N",
        default_value_t = 0,
        hide_default_value = true
    )]
    pub threads: usize,

    /// Scan only files matching GLOB (relative to the scan path; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,

    /// Leave out files and folders matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Skip files larger than SIZE (e.g. 500MB, 2GiB).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,

    /// Refuse to decompress a .gz file beyond SIZE.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "1GiB")]
    pub max_decompressed_size: u64,

    /// Decode at most N nested layers of encoding inside a value (JSON in
    /// a string, percent-escapes, form data, base64, JWT claims, gzip).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub max_decode_depth: usize,

    /// Skip (and count) HAR request and response bodies larger than SIZE.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "64MiB")]
    pub max_har_body: u64,

    /// Keep at most N findings of one field and detector per unit of work
    /// (a file, or an 8 MiB chunk of a large one); more are counted in the
    /// report but not listed (summary.findings_unlisted).
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub max_findings_per_field: u64,

    /// Open zip archives inside zip archives down to N levels (1: members
    /// of the file itself only).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub max_archive_depth: usize,

    /// Read at most N members of one zip archive (nested ones included).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_archive_members: usize,

    /// Skip zip members that decompress to more than N times their
    /// compressed size (a decompression bomb).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_compression_ratio: u64,

    /// Scan text lines longer than SIZE in pieces (reported per line).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "16MiB")]
    pub max_line_length: u64,

    /// Log every file's outcome to stderr: format, vendor, counts, skip
    /// and failure reasons (never a value).
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Follow symbolic links (they are skipped by default).
    #[arg(long, short = 'L')]
    pub follow: bool,

    /// Read files instead of memory-mapping them.
    #[arg(long)]
    pub no_mmap: bool,

    /// Assign every file to this vendor.
    #[arg(long, value_name = "NAME")]
    pub vendor: Option<String>,

    /// Add the detectors of a file, or of every `*.toml` file in a folder
    /// (repeatable; see docs/patterns.md).
    #[arg(long, value_name = "FILE|DIR")]
    pub patterns: Vec<PathBuf>,

    /// Run only these detectors: ids or categories, comma-separated
    /// (`email,us_ssn`, `financial`) [default: all].
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub detectors: Vec<String>,

    /// Include raw values in the output. Off by default: samples are masked.
    #[arg(long)]
    pub reveal: bool,

    /// Secret key for fingerprints; pin it to compare fingerprints across
    /// scans [default: random per run].
    #[arg(
        long,
        value_name = "KEY",
        env = "SANDSIFT_FINGERPRINT_KEY",
        hide_env_values = true
    )]
    pub fingerprint_key: Option<String>,

    /// Report only findings of at least this confidence (the others are
    /// counted in the summary).
    #[arg(long, value_enum, default_value_t = MinConfidence::Medium)]
    pub min_confidence: MinConfidence,

    /// Example locations kept per field and detector in the json report.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub examples: usize,

    /// What makes the exit code 1 [default: violations with a policy,
    /// findings without].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    /// Report only what is new since this earlier JSON report (by vendor,
    /// field and kind; by value too when both scans pin the same
    /// --fingerprint-key).
    #[arg(long, value_name = "PREVIOUS.json")]
    pub baseline: Option<PathBuf>,

    /// Vendor policy file (see docs/policy.md) [default: ./sandsift.toml or
    /// ./vendors.toml when present].
    #[arg(long, value_name = "FILE")]
    pub vendors: Option<PathBuf>,

    /// No progress bar and no summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Colour the table.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, alias = "colour")]
    pub color: ColorChoice,

    /// Scan a deterministic sample of this fraction of records (lines,
    /// rows, array elements, capture entries), e.g. 0.05; the report then
    /// gives each field's estimated prevalence with a 95% interval and
    /// the estimated number of values in the whole dataset.
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    pub sample: Option<f64>,

    /// Scan a deterministic sample of N files (chosen by --seed).
    #[arg(long, value_name = "N")]
    pub sample_files: Option<usize>,

    /// Stop counting a vendor's field and kind after N findings (values
    /// seen are still counted): enough to know the field leaks. Rows that
    /// stopped say so (`stopped`); their counts are lower bounds.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub enough: Option<u64>,

    /// Seed of --sample and --sample-files: the same seed picks the same
    /// records and files.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,

    /// Scan the files listed in FILE (JSON lines of `{"path": …, "size":
    /// …, "vendor": …}`; paths relative to FILE's folder) instead of
    /// walking PATHs; with --shard, entries are balanced over the shards
    /// by size.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,

    /// Scan only shard I of N (I from 0): the files whose path below the
    /// scan root hashes to I. `env:VAR/N` takes I from the environment
    /// (JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX). Write each
    /// shard's report with --format json (`{shard}` in --output becomes
    /// I) and combine them with `sandsift merge`; needs --fingerprint-key.
    #[arg(long, value_name = "I/N", value_parser = sandsift::discover::Shard::parse)]
    pub shard: Option<sandsift::discover::Shard>,

    /// Target size of the chunks a large line-oriented file is cut into.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "8MiB", hide = true)]
    pub chunk_size: u64,
}

/// Parses a sampling rate: a fraction in (0, 1], or a percentage (`5%`).
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let (n, scale) = match s.trim().strip_suffix('%') {
        Some(p) => (p, 100.0),
        None => (s.trim(), 1.0),
    };
    let rate = n
        .parse::<f64>()
        .map_err(|_| format!("`{s}` is not a rate (0.05, or 5%)"))?
        / scale;
    if rate > 0.0 && rate <= 1.0 {
        Ok(rate)
    } else {
        Err(format!(
            "the rate must be above 0 and at most 1 (100%), not {s}"
        ))
    }
}

/// Parses `123`, `64KiB`, `10MB`, `1.5GiB` (case-insensitive; `K`, `M`, `G`
/// alone are binary units).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (e.g. 500MB, 2GiB)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024f64.powi(4),
        _ => {
            return Err(format!(
                "unknown size unit in `{s}` (use B, KB, MB, GB, KiB, MiB, GiB)"
            ));
        }
    };
    Ok((n * mult) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_decimal_and_binary_units() {
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("64KiB"), Ok(65536));
        assert_eq!(parse_size("10MB"), Ok(10_000_000));
        assert_eq!(parse_size("1.5g"), Ok(1_610_612_736));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
