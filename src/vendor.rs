//! Which vendor a file belongs to.
//!
//! By default a file's vendor is the first directory below the scan root
//! it was found under (`exports/acme-crm/2026-10/users.json`, scanned as
//! `sandsift scan exports`, belongs to `acme-crm`). A file lying at the root,
//! or given directly, takes the name of the directory that holds it.
//! `--vendor NAME` forces one vendor for everything. A policy file's
//! `paths` globs come before the folder rule: the first vendor (in name
//! order) with a glob matching the file's path, as shown or relative to the
//! scan root, owns the file.
//!
//! An API capture (HAR) entry belongs to the vendor of its request host:
//! the first vendor (in name order) with a `hosts` pattern matching it
//! (`api.acme-crm.com` exactly, or `*.acme-crm.com` for the domain and
//! every name below it), else the host's registrable domain from the
//! public suffix list (`api.eu.acme-crm.co.uk` → `acme-crm.co.uk`); an IP
//! address or a single-label host is its own vendor.

use std::path::{Component, Path};

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Decides vendors.
#[derive(Debug, Clone, Default)]
pub struct VendorMap {
    forced: Option<String>,
    paths: Vec<(String, GlobSet)>,
    hosts: Vec<(String, Vec<String>)>,
}

/// An invalid vendor path glob.
#[derive(Debug, thiserror::Error)]
#[error("vendor `{vendor}`: invalid path glob `{glob}`: {message}")]
pub struct VendorGlobError {
    /// The vendor.
    pub vendor: String,
    /// The glob.
    pub glob: String,
    /// What is wrong.
    pub message: String,
}

impl VendorMap {
    /// Vendors by directory layout.
    pub fn by_directory() -> Self {
        VendorMap::default()
    }

    /// Every file belongs to `name`.
    pub fn forced(name: impl Into<String>) -> Self {
        VendorMap {
            forced: Some(name.into()),
            paths: Vec::new(),
            hosts: Vec::new(),
        }
    }

    /// Adds path globs per vendor; they win over the folder rule.
    pub fn with_paths(mut self, rules: &[(String, Vec<String>)]) -> Result<Self, VendorGlobError> {
        for (vendor, globs) in rules {
            if globs.is_empty() {
                continue;
            }
            let mut b = GlobSetBuilder::new();
            for g in globs {
                b.add(Glob::new(g).map_err(|e| VendorGlobError {
                    vendor: vendor.clone(),
                    glob: g.clone(),
                    message: e.kind().to_string(),
                })?);
            }
            let set = b.build().map_err(|e| VendorGlobError {
                vendor: vendor.clone(),
                glob: globs.join(", "),
                message: e.to_string(),
            })?;
            self.paths.push((vendor.clone(), set));
        }
        Ok(self)
    }

    /// Adds request host patterns per vendor (`api.example.com`,
    /// `*.example.com`); they win over the registrable domain.
    pub fn with_hosts(mut self, rules: &[(String, Vec<String>)]) -> Self {
        for (vendor, hosts) in rules {
            if !hosts.is_empty() {
                let hosts = hosts
                    .iter()
                    .map(|h| h.trim().to_ascii_lowercase())
                    .collect();
                self.hosts.push((vendor.clone(), hosts));
            }
        }
        self
    }

    /// The vendor of a request host; `None` for an empty host.
    pub fn vendor_for_host(&self, host: &str) -> Option<String> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() {
            return None;
        }
        if let Some(v) = &self.forced {
            return Some(v.clone());
        }
        let matches = |pattern: &str| match pattern.strip_prefix("*.") {
            Some(domain) => {
                host == domain
                    || host
                        .strip_suffix(domain)
                        .is_some_and(|rest| rest.ends_with('.'))
            }
            None => host == pattern,
        };
        if let Some((vendor, _)) = self
            .hosts
            .iter()
            .find(|(_, patterns)| patterns.iter().any(|p| matches(p)))
        {
            return Some(vendor.clone());
        }
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if bare.parse::<std::net::IpAddr>().is_ok() || !host.contains('.') {
            return Some(host);
        }
        Some(psl::domain_str(&host).map_or_else(|| host.clone(), str::to_string))
    }

    /// The vendor `--vendor` forces, if any.
    pub fn forced_name(&self) -> Option<&str> {
        self.forced.as_deref()
    }

    /// The vendor of `file`, found while walking `root` (`root` may be the
    /// file itself).
    pub fn vendor_for(&self, root: &Path, file: &Path) -> String {
        if let Some(v) = &self.forced {
            return v.clone();
        }
        if !self.paths.is_empty() {
            let rel = file.strip_prefix(root).unwrap_or(file);
            if let Some((vendor, _)) = self
                .paths
                .iter()
                .find(|(_, set)| set.is_match(file) || set.is_match(rel))
            {
                return vendor.clone();
            }
        }
        if let Some(vendor) = first_directory(root, file) {
            return vendor;
        }
        self.by_folder(root, file)
    }

    /// The folder rule, component by component.
    fn by_folder(&self, root: &Path, file: &Path) -> String {
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

/// The first directory below `root` that holds `file`, read from the
/// bytes of the two paths where they are plain (`root/dir/…/name`, no
/// empty, `.` or `..` parts); `None` where the component-wise rule must
/// decide. Discovery asks once per file: on 10,000 files this took about
/// a tenth of the instructions of `Path::strip_prefix` and `components`.
#[cfg(unix)]
fn first_directory(root: &Path, file: &Path) -> Option<String> {
    use std::os::unix::ffi::OsStrExt;
    let root = root.as_os_str().as_bytes();
    let file = file.as_os_str().as_bytes();
    let root = root.strip_suffix(b"/").unwrap_or(root);
    if root.is_empty() || root.ends_with(b"/") {
        return None;
    }
    let rest = file.strip_prefix(root)?.strip_prefix(b"/")?;
    let plain = |part: &[u8]| !part.is_empty() && part != b"." && part != b"..";
    let mut parts = rest.split(|&b| b == b'/');
    let first = parts.next()?;
    let mut more = 0;
    for part in parts {
        if !plain(part) {
            return None;
        }
        more += 1;
    }
    (plain(first) && more > 0).then(|| String::from_utf8_lossy(first).into_owned())
}

#[cfg(not(unix))]
fn first_directory(_: &Path, _: &Path) -> Option<String> {
    None
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

    #[test]
    fn the_byte_reading_of_the_folder_rule_agrees_with_the_component_reading() {
        let map = VendorMap::by_directory();
        let roots = [
            "exports", "exports/", ".", "./", "/data/x", "a/./b", "/", "",
        ];
        let rests = [
            "acme/u.json",
            "acme/2026/u.json",
            "u.json",
            "./acme/u.json",
            "acme//u.json",
            "acme/./u.json",
            "../acme/u.json",
            "acme/../u.json",
            "acme/u.json/",
            "/acme/u.json",
            "caf\u{e9}/u.json",
        ];
        let mut fast = 0;
        for root in roots {
            for rest in rests {
                for join in ["/", "", "//"] {
                    let file = format!("{root}{join}{rest}");
                    let (r, f) = (Path::new(root), Path::new(&file));
                    let slow = map.by_folder(r, f);
                    if let Some(v) = first_directory(r, f) {
                        assert_eq!(v, slow, "{root:?} {file:?}");
                        fast += 1;
                    }
                    assert_eq!(map.vendor_for(r, f), slow, "{root:?} {file:?}");
                }
            }
        }
        assert!(fast > 20, "{fast}");
    }

    #[test]
    fn hosts_take_a_listed_vendor_or_their_registrable_domain() {
        let map = VendorMap::by_directory().with_hosts(&[
            (
                "acme-crm".to_string(),
                vec!["*.acme-crm.example".to_string()],
            ),
            ("pixel".to_string(), vec!["t.example.net".to_string()]),
        ]);
        let v = |h: &str| map.vendor_for_host(h);
        assert_eq!(v("api.eu.acme-crm.example").as_deref(), Some("acme-crm"));
        assert_eq!(v("acme-crm.example").as_deref(), Some("acme-crm"));
        assert_eq!(
            v("notacme-crm.example").as_deref(),
            Some("notacme-crm.example")
        );
        assert_eq!(v("t.example.net").as_deref(), Some("pixel"));
        assert_eq!(v("api.eu.example.co.uk").as_deref(), Some("example.co.uk"));
        assert_eq!(v("API.Example.COM.").as_deref(), Some("example.com"));
        assert_eq!(v("192.0.2.10").as_deref(), Some("192.0.2.10"));
        assert_eq!(v("[2001:db8::1]").as_deref(), Some("[2001:db8::1]"));
        assert_eq!(v("localhost").as_deref(), Some("localhost"));
        assert_eq!(v(""), None);
        assert_eq!(
            VendorMap::forced("x")
                .vendor_for_host("a.example.com")
                .as_deref(),
            Some("x")
        );
    }
}
