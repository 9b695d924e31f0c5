//! Discovery: walking the scan paths, applying globs and limits, and
//! assigning each file its vendor.
//!
//! Version-control folders (`.git`, `.hg`, `.svn`, `.bzr`, `_darcs`, `.jj`)
//! are never entered. Everything else that is not scanned is accounted
//! for: symbolic links not followed, special files, files over the size
//! limit are *skipped* with a reason; paths that cannot be read are
//! *failed* with the error. Files excluded by `--include`/`--exclude` are
//! not counted: the user asked not to see them.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

use crate::vendor::VendorMap;

/// Folders of version-control systems, never entered.
const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn", ".bzr", "_darcs", ".jj"];

/// What to walk and what to leave out.
#[derive(Debug, Clone, Default)]
pub struct DiscoverOptions {
    /// Only files matching one of these globs (relative to the scan root)
    /// are scanned; empty means all.
    pub include: Vec<String>,
    /// Files and folders matching one of these globs are left out.
    pub exclude: Vec<String>,
    /// Files larger than this are skipped.
    pub max_file_size: Option<u64>,
    /// Follow symbolic links.
    pub follow_symlinks: bool,
    /// Keep only the files of this shard.
    pub shard: Option<Shard>,
    /// Keep a deterministic sample of this many files (`--sample-files`),
    /// chosen by the seed.
    pub sample_files: Option<(usize, u64)>,
    /// Read the inputs from this manifest instead of walking the roots.
    pub manifest: Option<PathBuf>,
}

/// A stable hash of a path below its scan root (FNV-1a of its components
/// joined by `/`), the same on every machine and in every version.
pub fn path_key(relative: &Path) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut first = true;
    for part in relative.components() {
        if !first {
            h = (h ^ u64::from(b'/')).wrapping_mul(0x0100_0000_01b3);
        }
        first = false;
        for b in part.as_os_str().to_string_lossy().bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// splitmix64: mixes a key and a seed into a uniform 64-bit value.
pub fn mix(key: u64, seed: u64) -> u64 {
    let mut z = key ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One of `count` shards of a scan (`--shard I/N`): the files whose
/// path relative to their scan root hashes to `index`. The hash is
/// stable across machines, runs and versions (FNV-1a of the path with
/// `/` separators), so N processes given the same roots split the files
/// between them with none left out and none scanned twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// This shard, from 0 to `count - 1`.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

impl Shard {
    /// Parses `I/N`, or `env:VAR/N` taking I from the environment
    /// variable VAR (`JOB_COMPLETION_INDEX` in a Kubernetes Indexed Job,
    /// `AWS_BATCH_JOB_ARRAY_INDEX` in an AWS Batch array job).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (index, count) = s
            .rsplit_once('/')
            .ok_or_else(|| format!("`{s}` is not I/N or env:VAR/N"))?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| format!("`{count}` in `{s}` is not a shard count"))?;
        let index = match index.strip_prefix("env:") {
            Some(var) => std::env::var(var)
                .map_err(|_| format!("--shard {s}: the environment variable {var} is not set"))?,
            None => index.to_string(),
        };
        let index: u32 = index
            .trim()
            .parse()
            .map_err(|_| format!("--shard {s}: `{index}` is not a shard index"))?;
        if count == 0 || index >= count {
            return Err(format!(
                "--shard {s}: the index must be from 0 to {} (shards count from 0)",
                count.saturating_sub(1)
            ));
        }
        Ok(Shard { index, count })
    }

    /// Whether the file at `relative` (its path below its scan root)
    /// belongs to this shard.
    pub fn holds(&self, relative: &Path) -> bool {
        path_key(relative) % u64::from(self.count) == u64::from(self.index)
    }
}

/// A file to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The path to open.
    pub path: PathBuf,
    /// The path as shown in reports.
    pub display: String,
    /// The vendor it belongs to.
    pub vendor: String,
    /// Its size according to its metadata.
    pub size: u64,
    /// [`path_key`] of its path below its scan root.
    pub key: u64,
    /// The object, when it lives in object storage (`path` is then its
    /// URL, for names and extensions only).
    pub remote: Option<crate::remote::Object>,
}

/// A file not scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skipped {
    /// The path as shown in reports.
    pub file: String,
    /// Why it was skipped.
    pub reason: String,
    /// Its size, when known.
    pub bytes: u64,
}

/// A path that could not be read, and the error.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Failed {
    /// The path as shown in reports.
    pub file: String,
    /// The error.
    pub error: String,
}

/// The outcome of walking all scan paths.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Files to scan, sorted by display path.
    pub candidates: Vec<Candidate>,
    /// Files skipped during the walk.
    pub skipped: Vec<Skipped>,
    /// Paths that failed during the walk.
    pub failed: Vec<Failed>,
    /// Files left out of a `--sample-files` sample: how many, how many
    /// bytes.
    pub not_sampled: (u64, u64),
}

/// An invalid glob.
#[derive(Debug, thiserror::Error)]
#[error("invalid glob `{glob}`: {message}")]
pub struct GlobError {
    /// The glob as given.
    pub glob: String,
    /// What is wrong with it.
    pub message: String,
}

fn globset(globs: &[String]) -> Result<Option<GlobSet>, GlobError> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(Glob::new(g).map_err(|e| GlobError {
            glob: g.clone(),
            message: e.kind().to_string(),
        })?);
    }
    b.build().map(Some).map_err(|e| GlobError {
        glob: globs.join(", "),
        message: e.to_string(),
    })
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Walks every root and classifies what it finds.
pub fn discover(
    roots: &[PathBuf],
    opts: &DiscoverOptions,
    vendors: &VendorMap,
) -> Result<Discovery, GlobError> {
    let include = globset(&opts.include)?;
    let exclude = globset(&opts.exclude)?;
    let mut out = Discovery::default();
    if let Some(manifest) = &opts.manifest {
        from_manifest(manifest, opts, vendors, &mut out);
    }
    for root in roots.iter().filter(|_| opts.manifest.is_none()) {
        // `file:///data/exports` is the local folder `/data/exports`.
        let local;
        let root = match root.to_str().and_then(|r| r.strip_prefix("file://")) {
            Some(path) => {
                local = PathBuf::from(path);
                &local
            }
            None => root,
        };
        if let Some(url) = root.to_str().filter(|r| crate::remote::is_remote(r)) {
            walk_remote(
                url,
                opts,
                vendors,
                include.as_ref(),
                exclude.as_ref(),
                &mut out,
            );
            continue;
        }
        walk_root(
            root,
            opts,
            vendors,
            include.as_ref(),
            exclude.as_ref(),
            &mut out,
        );
    }
    out.candidates.sort_by(|a, b| a.display.cmp(&b.display));
    out.candidates.dedup_by(|a, b| a.display == b.display);
    if let Some((n, seed)) = opts.sample_files
        && out.candidates.len() > n
    {
        // The n files whose mixed path key is smallest: the same files
        // for the same seed, wherever the data is mounted.
        let mut ranked: Vec<(u64, usize)> = out
            .candidates
            .iter()
            .enumerate()
            .map(|(i, c)| (mix(c.key, seed), i))
            .collect();
        ranked.sort_unstable();
        let mut keep = vec![false; out.candidates.len()];
        for &(_, i) in &ranked[..n] {
            keep[i] = true;
        }
        let mut i = 0;
        out.candidates.retain(|c| {
            let k = keep[i];
            i += 1;
            if !k {
                out.not_sampled.0 += 1;
                out.not_sampled.1 += c.size;
            }
            k
        });
    }
    // The walk's order is the file system's: whatever depends on order
    // is put in order here.
    out.skipped
        .sort_by(|a, b| (&a.file, &a.reason).cmp(&(&b.file, &b.reason)));
    out.failed
        .sort_by(|a, b| (&a.file, &a.error).cmp(&(&b.file, &b.error)));
    Ok(out)
}

/// Whether a file is over `--max-file-size`; if so it is listed as
/// skipped with that reason.
fn too_large(opts: &DiscoverOptions, file: &str, size: u64, out: &mut Discovery) -> bool {
    match opts.max_file_size.filter(|&m| size > m) {
        Some(max) => {
            out.skipped.push(Skipped {
                file: file.to_string(),
                reason: format!("larger than --max-file-size ({size} > {max} bytes)"),
                bytes: size,
            });
            true
        }
        None => false,
    }
}

/// Where a manifest entry lives.
enum Input {
    Local(PathBuf),
    Remote(String),
}

/// A manifest entry in object storage: opened (one store per bucket),
/// sized, and added with its vendor (the entry's, else the key's first
/// segment).
fn remote_entry(
    uri: &str,
    vendor: Option<String>,
    vendors: &VendorMap,
    opts: &DiscoverOptions,
    roots: &mut std::collections::HashMap<String, std::sync::Arc<crate::remote::Root>>,
    out: &mut Discovery,
) {
    let parsed = match url::Url::parse(uri) {
        Ok(u) => u,
        Err(e) => {
            out.failed.push(Failed {
                file: uri.to_string(),
                error: format!("not a valid URL ({e})"),
            });
            return;
        }
    };
    let bucket = format!("{}://{}", parsed.scheme(), parsed.host_str().unwrap_or(""));
    let key = parsed.path().trim_start_matches('/').to_string();
    let display = format!("{bucket}/{key}");
    let root = match roots.get(&bucket) {
        Some(r) => std::sync::Arc::clone(r),
        None => match crate::remote::open(&bucket) {
            Ok(r) => {
                let r = std::sync::Arc::new(r);
                roots.insert(bucket.clone(), std::sync::Arc::clone(&r));
                r
            }
            Err(error) => {
                out.failed.push(Failed {
                    file: display,
                    error,
                });
                return;
            }
        },
    };
    let object = match root.object(&key) {
        Ok(o) => o,
        Err(error) => {
            out.failed.push(Failed {
                file: display,
                error,
            });
            return;
        }
    };
    if too_large(opts, &display, object.size, out) {
        return;
    }
    let rel = Path::new(&key);
    let bucket_root = Path::new(parsed.host_str().unwrap_or(""));
    out.candidates.push(Candidate {
        key: path_key(rel),
        vendor: match (vendors.forced_name(), vendor) {
            (None, Some(v)) => v,
            _ => vendors.vendor_for(bucket_root, &bucket_root.join(rel)),
        },
        path: PathBuf::from(&display),
        display,
        size: object.size,
        remote: Some(object),
    });
}

/// One line of an input manifest.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestEntry {
    /// A local path, relative to the manifest's folder unless absolute.
    path: Option<PathBuf>,
    /// An object URI; only `file://` is read for now.
    uri: Option<String>,
    /// Its size in bytes, for balancing shards; read from the file when
    /// absent.
    size: Option<u64>,
    /// Its vendor; else the first folder of `path` below the manifest's
    /// folder.
    vendor: Option<String>,
}

/// Reads the inputs listed in a manifest (JSON lines of `{path|uri,
/// size, vendor?}`). With `--shard`, entries are spread over the shards by
/// size — largest first, each to the shard with the fewest bytes so far,
/// ties by position — so shards get about the same number of bytes. A
/// line that cannot be used is a failure naming the line; the others are
/// still read.
fn from_manifest(
    manifest: &Path,
    opts: &DiscoverOptions,
    vendors: &VendorMap,
    out: &mut Discovery,
) {
    let shown = display(manifest);
    let text = match std::fs::read_to_string(manifest) {
        Ok(t) => t,
        Err(e) => {
            out.failed.push(Failed {
                file: shown,
                error: format!("reading the manifest: {e}"),
            });
            return;
        }
    };
    let base = manifest.parent().unwrap_or(Path::new(""));
    let mut entries: Vec<(Input, Option<u64>, Option<String>)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fail = |out: &mut Discovery, error: String| {
            // Reported once, by shard 0.
            if opts.shard.is_none_or(|s| s.index == 0) {
                out.failed.push(Failed {
                    file: format!("{shown}:{}", i + 1),
                    error,
                });
            }
        };
        let entry: ManifestEntry = match serde_json::from_str(line) {
            Ok(e) => e,
            Err(e) => {
                fail(out, format!("not a manifest entry ({e})"));
                continue;
            }
        };
        let path = match (entry.path, entry.uri) {
            (Some(p), None) => Input::Local(p),
            (None, Some(uri)) if crate::remote::is_remote(&uri) => Input::Remote(uri),
            (None, Some(uri)) => match uri.strip_prefix("file://") {
                Some(p) => Input::Local(PathBuf::from(p)),
                None => {
                    fail(
                        out,
                        format!(
                            "`{}` is not a URI sandsift reads (file://, s3://, gs://, az://)",
                            uri.split('/').take(3).collect::<Vec<_>>().join("/")
                        ),
                    );
                    continue;
                }
            },
            _ => {
                fail(out, "an entry needs exactly one of `path` and `uri`".into());
                continue;
            }
        };
        let path = match path {
            Input::Local(p) if p.is_absolute() => Input::Local(p),
            Input::Local(p) => Input::Local(base.join(p)),
            remote => remote,
        };
        entries.push((path, entry.size, entry.vendor));
    }
    let sizes: Vec<Option<u64>> = entries
        .iter()
        .map(|(p, size, _)| match p {
            Input::Local(p) => size.or_else(|| std::fs::metadata(p).ok().map(|m| m.len())),
            Input::Remote(_) => *size,
        })
        .collect();
    let mut roots: std::collections::HashMap<String, std::sync::Arc<crate::remote::Root>> =
        std::collections::HashMap::new();
    let mine: Vec<bool> = match opts.shard {
        None => vec![true; entries.len()],
        Some(shard) => {
            let mut order: Vec<usize> = (0..entries.len()).collect();
            order.sort_by_key(|&i| (std::cmp::Reverse(sizes[i].unwrap_or(0)), i));
            let mut load = vec![0u64; shard.count as usize];
            let mut mine = vec![false; entries.len()];
            for i in order {
                let (s, _) = load
                    .iter()
                    .enumerate()
                    .min_by_key(|&(s, l)| (*l, s))
                    .unwrap_or((0, &0));
                load[s] += sizes[i].unwrap_or(0);
                mine[i] = s == shard.index as usize;
            }
            mine
        }
    };
    for (i, (input, _, vendor)) in entries.into_iter().enumerate() {
        if !mine[i] {
            continue;
        }
        let path = match input {
            Input::Local(p) => p,
            Input::Remote(uri) => {
                remote_entry(&uri, vendor, vendors, opts, &mut roots, out);
                continue;
            }
        };
        let file = display(&path);
        let meta = match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => m,
            Ok(_) => {
                out.skipped.push(Skipped {
                    file,
                    reason: "not a regular file".into(),
                    bytes: 0,
                });
                continue;
            }
            Err(e) => {
                out.failed.push(Failed {
                    file,
                    error: e.to_string(),
                });
                continue;
            }
        };
        let size = meta.len();
        if too_large(opts, &file, size, out) {
            continue;
        }
        let rel = path.strip_prefix(base).unwrap_or(&path).to_path_buf();
        out.candidates.push(Candidate {
            key: path_key(&rel),
            remote: None,
            // `--vendor` wins, then the entry's vendor, then the folder.
            vendor: match (vendors.forced_name(), vendor) {
                (None, Some(v)) => v,
                _ => vendors.vendor_for(base, &path),
            },
            path,
            display: file,
            size,
        });
    }
}

/// Lists the objects below an object-storage URL, as `walk_root` walks a
/// folder: the same globs, size limit and shard selection on the key
/// below the prefix, the vendor from its first segment.
fn walk_remote(
    url: &str,
    opts: &DiscoverOptions,
    vendors: &VendorMap,
    include: Option<&GlobSet>,
    exclude: Option<&GlobSet>,
    out: &mut Discovery,
) {
    let listed = crate::remote::open(url).and_then(|root| {
        let root = std::sync::Arc::new(root);
        root.list().map(|l| (root, l))
    });
    let (root, listed) = match listed {
        Ok(l) => l,
        Err(error) => {
            if opts.shard.is_none_or(|s| s.index == 0) {
                out.failed.push(Failed {
                    file: url.to_string(),
                    error,
                });
            }
            return;
        }
    };
    let name = root.name();
    for item in listed {
        // "Folder" markers some tools create are not objects to scan.
        if item.relative.is_empty() || item.relative.ends_with('/') {
            continue;
        }
        let rel = Path::new(&item.relative);
        if exclude.is_some_and(|x| {
            rel.ancestors()
                .filter(|a| !a.as_os_str().is_empty())
                .any(|a| x.is_match(a))
        }) || include.is_some_and(|i| !i.is_match(rel))
        {
            continue;
        }
        if opts.shard.is_some_and(|s| !s.holds(rel)) {
            continue;
        }
        let size = item.object.size;
        if too_large(opts, &item.display, size, out) {
            continue;
        }
        let fake_root = Path::new(&name);
        out.candidates.push(Candidate {
            key: path_key(rel),
            vendor: vendors.vendor_for(fake_root, &fake_root.join(rel)),
            path: PathBuf::from(&item.display),
            display: item.display,
            size,
            remote: Some(item.object),
        });
    }
}

fn walk_root(
    root: &Path,
    opts: &DiscoverOptions,
    vendors: &VendorMap,
    include: Option<&GlobSet>,
    exclude: Option<&GlobSet>,
    out: &mut Discovery,
) {
    let relative = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_path_buf();
    // A file given directly is its own root: its name decides its shard.
    // A path that is not below the root (the root itself failing) goes
    // to shard 0, so it is reported once.
    let mine = |p: &Path| match &opts.shard {
        None => true,
        Some(shard) => {
            let rel = relative(p);
            if rel.as_os_str().is_empty() {
                match p.file_name() {
                    Some(name) => shard.holds(Path::new(name)),
                    None => shard.index == 0,
                }
            } else {
                shard.holds(&rel)
            }
        }
    };
    // Not sorted while walking (walkdir's sort takes the file name apart
    // for every comparison: 11,000 instructions a file in a folder of
    // 10,000); every list is sorted once found.
    let walker = WalkDir::new(root)
        .follow_links(opts.follow_symlinks)
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let is_dir = e.file_type().is_dir();
            let name = e.file_name().to_string_lossy();
            if is_dir && VCS_DIRS.contains(&name.as_ref()) {
                return false;
            }
            !exclude.is_some_and(|x| x.is_match(relative(e.path())))
        });
    let mut found: Vec<Found> = Vec::new();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                if !err
                    .path()
                    .map_or(opts.shard.is_none_or(|s| s.index == 0), mine)
                {
                    continue;
                }
                let file = err.path().map_or_else(|| display(root), display);
                let error = match err.io_error() {
                    Some(io) => io.to_string(),
                    None => err.to_string(),
                };
                out.failed.push(Failed { file, error });
                continue;
            }
        };
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        let path = entry.path();
        let rel = relative(path);
        if entry.depth() > 0 && include.is_some_and(|i| !i.is_match(&rel)) {
            continue;
        }
        if !mine(path) {
            continue;
        }
        let file = display(path);
        if ft.is_symlink() {
            out.skipped.push(Skipped {
                file,
                reason: "symbolic link (not followed; use --follow)".into(),
                bytes: 0,
            });
            continue;
        }
        if !ft.is_file() {
            out.skipped.push(Skipped {
                file,
                reason: "not a regular file".into(),
                bytes: 0,
            });
            continue;
        }
        found.push(Found {
            path: path.to_path_buf(),
            rel,
            file,
        });
    }
    let sizes = sizes_of(&found, opts.follow_symlinks);
    for (f, size) in found.into_iter().zip(sizes) {
        let size = match size {
            Ok(size) => size,
            Err(e) => {
                out.failed.push(Failed {
                    file: f.file,
                    error: e.to_string(),
                });
                continue;
            }
        };
        if too_large(opts, &f.file, size, out) {
            continue;
        }
        let key = if f.rel.as_os_str().is_empty() {
            path_key(Path::new(f.path.file_name().unwrap_or_default()))
        } else {
            path_key(&f.rel)
        };
        out.candidates.push(Candidate {
            key,
            remote: None,
            vendor: vendors.vendor_for(root, &f.path),
            path: f.path,
            display: f.file,
            size,
        });
    }
}

/// A regular file found by the walk, to be sized.
struct Found {
    path: PathBuf,
    /// Its path below the root.
    rel: PathBuf,
    /// Its path as reports show it.
    file: String,
}

/// The sizes of the files found, asked of the file system on rayon's
/// threads: a `statx` by path is most of discovering many small files,
/// and discovery is done before the first file is read (10,000 files of
/// 3 KB on 2 threads, perf: the workers started 65 ms after the program,
/// 50 ms with the sizes asked on two threads; the whole scan 0.242 ->
/// 0.232 s, `perf stat` of 10 runs each). A link is sized as the walk
/// would size it: its target's when links are followed.
fn sizes_of(found: &[Found], follow: bool) -> Vec<std::io::Result<u64>> {
    use rayon::prelude::*;
    found
        .par_iter()
        // Below a few hundred files a thread costs more than it saves.
        .with_min_len(256)
        .map(|f| {
            let meta = if follow {
                std::fs::metadata(&f.path)
            } else {
                std::fs::symlink_metadata(&f.path)
            };
            meta.map(|m| m.len())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Enough files that their sizes are asked on several threads: each
    /// candidate has its own file's size, in path order, and a file over
    /// the size limit is skipped with its size.
    #[test]
    fn many_files_are_sized_each_as_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("v")).unwrap();
        for i in 0..700 {
            std::fs::write(root.join(format!("v/{i:04}.txt")), "x".repeat(i % 97)).unwrap();
        }
        let opts = DiscoverOptions {
            max_file_size: Some(95),
            ..Default::default()
        };
        let d = discover(&[root.to_path_buf()], &opts, &VendorMap::by_directory()).unwrap();
        let too_big = (0..700).filter(|i| i % 97 > 95).count();
        assert_eq!(d.candidates.len(), 700 - too_big);
        assert_eq!(d.skipped.len(), too_big);
        assert!(d.skipped.iter().all(|s| s.bytes == 96));
        for c in &d.candidates {
            let name = c.path.file_stem().unwrap().to_str().unwrap();
            let i: u64 = name.parse().unwrap();
            assert_eq!(c.size, i % 97, "{name}");
        }
        assert!(d.candidates.windows(2).all(|w| w[0].display < w[1].display));
    }

    #[test]
    fn walks_sorted_skips_vcs_and_applies_globs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for p in [
            "acme/b.json",
            "acme/a.csv",
            ".git/config",
            "zeta/x.log",
            "top.txt",
        ] {
            let p = root.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "x").unwrap();
        }
        let d = discover(
            &[root.to_path_buf()],
            &DiscoverOptions::default(),
            &VendorMap::by_directory(),
        )
        .unwrap();
        let names: Vec<_> = d
            .candidates
            .iter()
            .map(|c| c.path.strip_prefix(root).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            names,
            ["acme/a.csv", "acme/b.json", "top.txt", "zeta/x.log"].map(PathBuf::from)
        );
        assert_eq!(d.candidates[0].vendor, "acme");
        let opts = DiscoverOptions {
            exclude: vec!["zeta".into(), "*.csv".into()],
            ..Default::default()
        };
        let d = discover(&[root.to_path_buf()], &opts, &VendorMap::by_directory()).unwrap();
        assert_eq!(d.candidates.len(), 2);
        let opts = DiscoverOptions {
            include: vec!["*.json".into()],
            ..Default::default()
        };
        let d = discover(&[root.to_path_buf()], &opts, &VendorMap::by_directory()).unwrap();
        assert_eq!(d.candidates.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_skipped_unless_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("real.txt"), "x").unwrap();
        std::os::unix::fs::symlink(root.join("real.txt"), root.join("link.txt")).unwrap();
        std::os::unix::fs::symlink(root.join("missing"), root.join("broken.txt")).unwrap();
        let d = discover(
            &[root.to_path_buf()],
            &DiscoverOptions::default(),
            &VendorMap::by_directory(),
        )
        .unwrap();
        assert_eq!(d.candidates.len(), 1);
        assert_eq!(d.skipped.len(), 2);
        let opts = DiscoverOptions {
            follow_symlinks: true,
            ..Default::default()
        };
        let d = discover(&[root.to_path_buf()], &opts, &VendorMap::by_directory()).unwrap();
        assert_eq!(d.candidates.len(), 2);
        assert_eq!(d.failed.len(), 1);
    }

    #[test]
    fn a_missing_root_is_a_failure_not_a_panic() {
        let d = discover(
            &[PathBuf::from("/nonexistent/sandsift")],
            &DiscoverOptions::default(),
            &VendorMap::by_directory(),
        )
        .unwrap();
        assert_eq!(d.failed.len(), 1);
    }
}
