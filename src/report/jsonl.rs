//! The `jsonl` output: one finding per line, streamed as findings arrive.

use std::io::{self, Write};

use crate::finding::Finding;

/// Writes one finding as a line of JSON.
pub fn write_finding(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    serde_json::to_writer(&mut *out, f).map_err(io::Error::other)?;
    out.write_all(b"\n")
}
