#![no_main]
//! The policy (vendors.toml) parser on arbitrary text: an error or a
//! policy, never a panic.

use std::sync::OnceLock;

use sandsift::Catalogue;
use sandsift::policy::Policy;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    static C: OnceLock<Catalogue> = OnceLock::new();
    let catalogue = C.get_or_init(|| Catalogue::builtin().expect("compiles"));
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Policy::parse("fuzz.toml", text, catalogue);
    }
});
