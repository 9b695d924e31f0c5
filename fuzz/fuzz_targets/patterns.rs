#![no_main]
//! The pattern-file parser and compiler on arbitrary text: an error or a
//! catalogue, never a panic; a catalogue that compiles scans a value.

use sandsift::Catalogue;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(c) = Catalogue::from_sources([("fuzz.toml".to_string(), text.to_string())])
    {
        let ctx = c.field_context(Some(b"email"), &mut Vec::new());
        let mut out = Vec::new();
        c.scan_value(&ctx, b"jane.doe@example.com 212-555-0142", &mut out);
    }
});
