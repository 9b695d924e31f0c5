//! Shared by the scan targets: the built-in catalogue compiled once, and a
//! scan of the input as one format through the whole engine (extraction,
//! decode layers, detection, masking), checking every span.

use std::sync::OnceLock;

use sandsift::format::Format;
use sandsift::{Catalogue, ScanConfig};

fn catalogue() -> &'static Catalogue {
    static C: OnceLock<Catalogue> = OnceLock::new();
    C.get_or_init(|| Catalogue::builtin().expect("the built-in catalogue compiles"))
}

fn config() -> &'static ScanConfig {
    static C: OnceLock<ScanConfig> = OnceLock::new();
    C.get_or_init(|| ScanConfig {
        fingerprint_key: Some(b"fuzz".to_vec()),
        ..Default::default()
    })
}

pub fn scan(format: Format, data: &[u8]) {
    let out = sandsift::scan_bytes(config(), catalogue(), "v/input", Some(format), data)
        .expect("a scan of a buffer cannot fail");
    for f in &out.findings {
        assert!(
            f.offset + f.length <= data.len() as u64,
            "span {}+{} outside {} bytes",
            f.offset,
            f.length,
            data.len()
        );
    }
}
