//! Which vendor a file belongs to.
//!
//! By default a file's vendor is the first directory below the scan root
//! it was found under (`exports/acme-crm/2026-10/users.json`, scanned as
//! `sandsift scan exports`, belongs to `acme-crm`). A file lying at the root,
//! or given directly, takes the name of the directory that holds it.
//! `--vendor NAME` forces one vendor for everything. The policy and HAR
//! work extend this type with path globs and request hosts.

use std::path::{Component, Path};

/// Decides vendors.
#[derive(Debug, Clone, Default)]
pub struct VendorMap {
    forced: Option<String>,
}

impl VendorMap {
    /// Vendors by directory layout.
    pub fn by_directory() -> Self {
        VendorMap { forced: None }
    }

    /// Every file belongs to `name`.
    pub fn forced(name: impl Into<String>) -> Self {
        VendorMap {
            forced: Some(name.into()),
        }
    }

    /// The vendor of `file`, found while walking `root` (`root` may be the
    /// file itself).
    pub fn vendor_for(&self, root: &Path, file: &Path) -> String {
        if let Some(v) = &self.forced {
            return v.clone();
        }
        if let Ok(rel) = file.strip_prefix(root) {
            let mut parts = rel
                .components()
                .filter(|c| matches!(c, Component::Normal(_)));
            if let (Some(first), Some(_)) = (parts.next(), parts.next()) {
                return first.as_os_str().to_string_lossy().into_owned();
            }
        }
        let dir = if file == root {
            file.parent().unwrap_or(Path::new("."))
        } else {
            root
        };
        dir_name(dir)
    }
}

/// The last component of a directory's name, resolving `.` and `..`.
fn dir_name(dir: &Path) -> String {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let named = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    match named {
        Some(n) if n != "." && n != ".." => n,
        _ => std::fs::canonicalize(dir)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "unknown".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_directory_below_the_root_is_the_vendor() {
        let map = VendorMap::by_directory();
        let root = Path::new("exports");
        assert_eq!(
            map.vendor_for(root, Path::new("exports/acme-crm/2026-10/users.json")),
            "acme-crm"
        );
        assert_eq!(
            map.vendor_for(root, Path::new("exports/readme.json")),
            "exports"
        );
        assert_eq!(
            VendorMap::forced("x").vendor_for(root, Path::new("exports/a/b.json")),
            "x"
        );
    }
}
