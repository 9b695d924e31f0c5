//! Zip archives: the members a vendor's "export all data" button hands
//! over, each to be scanned as the format it is.
//!
//! [`visit`] walks an archive's members in archive order and hands each
//! one's bytes, or the reason it was not read, to a callback. A member
//! named `users/2026.csv` of `export.zip` is shown as
//! `export.zip!/users/2026.csv`; a nested archive's members as
//! `outer.zip!/inner.zip!/a.csv`, down to `max_depth` levels. Nested
//! `.gz` members are decompressed.
//!
//! Limits, each hit reported as a skipped member with its reason, never an
//! out-of-memory or a silent stop: the total size decompressed from one
//! archive (members, nested archives and `.gz` members together), the
//! member count, the compression ratio of a member (a bomb's is in the
//! thousands), and the nesting depth. A member's declared size is not
//! trusted: reading stops at the remaining budget. Encrypted members are
//! skipped, not failures of the archive.

use std::io::{Cursor, Read};

/// Limits for one archive.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most bytes decompressed from one archive, members of nested
    /// archives included.
    pub max_total: u64,
    /// Most members read from one archive (nested ones included).
    pub max_members: usize,
    /// A member whose size is more than this many times its compressed
    /// size is skipped.
    pub max_ratio: u64,
    /// Most levels of archives inside archives (1: members of the file
    /// itself only).
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_total: 1 << 30,
            max_members: 100_000,
            max_ratio: 1000,
            max_depth: 2,
        }
    }
}

/// Zip's local-file-header signature.
pub fn is_zip(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06")
}

/// One member, as the callback sees it.
#[derive(Debug)]
pub enum Member<'a> {
    /// A member's content, decompressed.
    File {
        /// `archive!/path`.
        name: &'a str,
        /// The content.
        bytes: &'a [u8],
    },
    /// A member that was not read.
    Skipped {
        /// `archive!/path`.
        name: &'a str,
        /// Why (never quotes content).
        reason: String,
    },
}

/// What stays of the budget while an archive is visited.
struct Budget {
    total: u64,
    members: usize,
}

/// Visits the members of the archive `data`, shown as `shown`. Returns an
/// error when `data` is not a readable zip archive at all.
pub fn visit(
    data: &[u8],
    shown: &str,
    limits: &Limits,
    on: &mut dyn FnMut(Member<'_>),
) -> Result<(), String> {
    let mut budget = Budget {
        total: limits.max_total,
        members: limits.max_members,
    };
    visit_at(data, shown, limits, 1, &mut budget, on)
}

fn visit_at(
    data: &[u8],
    shown: &str,
    limits: &Limits,
    depth: usize,
    budget: &mut Budget,
    on: &mut dyn FnMut(Member<'_>),
) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(data))
        .map_err(|e| format!("not a readable zip archive ({})", describe(&e)))?;
    let mut buf = Vec::new();
    for i in 0..archive.len() {
        let (name, size, compressed, encrypted, dir) = match archive.by_index_raw(i) {
            Ok(f) => (
                f.name()
                    .map(|n| n.into_owned())
                    .unwrap_or_else(|_| format!("[member {i}]")),
                f.size(),
                f.compressed_size(),
                f.encrypted(),
                f.is_dir(),
            ),
            Err(e) => {
                let name = format!("{shown}!/[member {i}]");
                on(Member::Skipped {
                    name: &name,
                    reason: format!("unreadable member ({})", describe(&e)),
                });
                continue;
            }
        };
        if dir {
            continue;
        }
        let full = format!("{shown}!/{name}");
        let skip = |on: &mut dyn FnMut(Member<'_>), reason: String| {
            on(Member::Skipped {
                name: &full,
                reason,
            })
        };
        if budget.members == 0 {
            skip(
                on,
                format!("over the member limit ({} per archive)", limits.max_members),
            );
            continue;
        }
        budget.members -= 1;
        if encrypted {
            skip(on, "encrypted member".to_string());
            continue;
        }
        if size > compressed.max(1).saturating_mul(limits.max_ratio) {
            skip(
                on,
                format!(
                    "compression ratio over {}:1 (a decompression bomb?)",
                    limits.max_ratio
                ),
            );
            continue;
        }
        if size > budget.total {
            skip(
                on,
                "over the archive's decompressed-size budget (--max-decompressed-size)".to_string(),
            );
            continue;
        }
        buf.clear();
        let read = match archive.by_index(i) {
            Ok(f) => f.take(budget.total.saturating_add(1)).read_to_end(&mut buf),
            Err(e) => {
                skip(on, format!("unreadable member ({})", describe(&e)));
                continue;
            }
        };
        if let Err(e) = read {
            skip(on, format!("corrupt member ({})", e.kind()));
            continue;
        }
        if buf.len() as u64 > budget.total {
            skip(
                on,
                "over the archive's decompressed-size budget (--max-decompressed-size)".to_string(),
            );
            continue;
        }
        budget.total -= buf.len() as u64;
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".gz") || crate::format::decode::is_gzip(&buf) {
            let mut out = Vec::new();
            match crate::format::decode::gunzip(&buf, budget.total, &mut out) {
                Ok(()) => {
                    budget.total -= out.len() as u64;
                    buf = out;
                }
                Err(e) => {
                    skip(on, e);
                    continue;
                }
            }
        }
        // A workbook is zip inside too, but it is read as a workbook.
        let named = crate::format::Format::from_path(std::path::Path::new(&name));
        let archive = match named {
            Some(f) => f == crate::format::Format::Zip,
            None => is_zip(&buf),
        };
        if archive {
            if depth >= limits.max_depth {
                skip(
                    on,
                    format!(
                        "archive nested deeper than --max-archive-depth ({})",
                        limits.max_depth
                    ),
                );
                continue;
            }
            let inner = std::mem::take(&mut buf);
            if let Err(e) = visit_at(&inner, &full, limits, depth + 1, budget, on) {
                skip(on, e);
            }
            continue;
        }
        on(Member::File {
            name: &full,
            bytes: &buf,
        });
    }
    Ok(())
}

/// A zip error without file content.
fn describe(e: &zip::result::ZipError) -> String {
    match e {
        zip::result::ZipError::Io(io) => format!("read error: {}", io.kind()),
        zip::result::ZipError::InvalidArchive(m) => format!("invalid archive: {m}"),
        zip::result::ZipError::UnsupportedArchive(m) => format!("unsupported: {m}"),
        zip::result::ZipError::FileNotFound => "member not found".to_string(),
        _ => "invalid archive".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in members {
            w.start_file(*name, opts).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn seen(data: &[u8], limits: &Limits) -> Vec<String> {
        let mut out = Vec::new();
        visit(data, "x.zip", limits, &mut |m| match m {
            Member::File { name, bytes } => out.push(format!("{name} {}", bytes.len())),
            Member::Skipped { name, reason } => out.push(format!("{name} skipped: {reason}")),
        })
        .unwrap();
        out
    }

    #[test]
    fn members_nested_archives_and_limits() {
        let inner = zip_of(&[("a.csv", b"email\nx@example.com\n")]);
        let outer = zip_of(&[
            ("users/2026.csv", b"id,email\n1,a@example.com\n"),
            ("nested.zip", &inner),
            ("bomb.txt", &vec![b'0'; 5_000_000]),
        ]);
        let got = seen(&outer, &Limits::default());
        assert_eq!(got[0], "x.zip!/users/2026.csv 25");
        assert_eq!(got[1], "x.zip!/nested.zip!/a.csv 20");
        assert!(
            got[2].starts_with("x.zip!/bomb.txt skipped: compression ratio"),
            "{got:?}"
        );
        let shallow = Limits {
            max_depth: 1,
            ..Limits::default()
        };
        assert!(seen(&outer, &shallow)[1].contains("nested deeper"));
        let few = Limits {
            max_members: 1,
            ..Limits::default()
        };
        assert!(seen(&outer, &few)[1].contains("member limit"));
        let small = Limits {
            max_total: 10,
            ..Limits::default()
        };
        assert!(seen(&outer, &small)[0].contains("budget"));
        assert!(
            visit(
                b"PK\x03\x04 not really",
                "y.zip",
                &Limits::default(),
                &mut |_| {}
            )
            .is_err()
        );
    }
}
