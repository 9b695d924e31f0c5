#![no_main]
//! Scans arbitrary bytes as a Parquet file: no panic, every span inside the input.

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::scan(sandsift::format::Format::Parquet, data));
