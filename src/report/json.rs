//! The `json` output: the whole report as one document (schema
//! [`super::SCHEMA`]).

use std::io::{self, Write};

use super::Report;

/// Writes the report as pretty-printed JSON.
pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::other)?;
    out.write_all(b"\n")
}
