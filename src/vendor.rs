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
        let rel = file.strip_prefix(root).unwrap_or(file);
        if let Some((vendor, _)) = self
            .paths
            .iter()
            .find(|(_, set)| set.is_match(file) || set.is_match(rel))
        {
            return vendor.clone();
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
