//! Object storage: `s3://bucket/prefix`, `gs://…`, `az://…` (and
//! `abfs://`, `https://` forms the `object_store` crate knows) as scan
//! roots, through the `object_store` crate.
//!
//! Credentials and endpoints come from the environment the way the cloud
//! SDKs read them (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_REGION`, `AWS_ENDPOINT`, `AWS_ALLOW_HTTP`;
//! `GOOGLE_SERVICE_ACCOUNT` and friends; `AZURE_STORAGE_ACCOUNT_NAME` and
//! friends). Objects are listed below the prefix; an object's vendor is
//! the first key segment below the prefix, as a file's is the first
//! folder below a scan root. Objects are read with ranged GETs of
//! [`RANGE`] bytes: large NDJSON and text objects stream through the
//! engine chunk by chunk (cut at line ends), other formats are read whole
//! into memory (memory maps do not apply). The engine is synchronous; a
//! small Tokio runtime, started on first use, runs the requests.

use std::io::{self, Read};
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use futures::StreamExt;
use object_store::ObjectStore;
use object_store::path::Path as ObjectPath;

/// Bytes fetched per ranged read.
pub const RANGE: u64 = 8 << 20;

/// Whether a scan path names object storage rather than a local path.
pub fn is_remote(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [
        "s3://", "s3a://", "gs://", "az://", "adl://", "azure://", "abfs://", "abfss://",
    ]
    .iter()
    .any(|s| lower.starts_with(s))
}

fn runtime() -> Result<&'static tokio::runtime::Runtime, String> {
    static RT: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sandsift-io")
            .enable_all()
            .build()
            .map_err(|e| format!("starting the I/O runtime: {e}"))
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// A bucket (or container) and a prefix in it.
pub struct Root {
    store: Arc<dyn ObjectStore>,
    /// `scheme://bucket`, for showing objects.
    base: String,
    prefix: ObjectPath,
}

impl std::fmt::Debug for Root {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Root({}/{})", self.base, self.prefix)
    }
}

/// One object to scan.
#[derive(Debug, Clone)]
pub struct Object {
    root: Arc<Root>,
    location: ObjectPath,
    /// Its size.
    pub size: u64,
}

impl PartialEq for Object {
    fn eq(&self, other: &Self) -> bool {
        self.root.base == other.root.base && self.location == other.location
    }
}

impl Eq for Object {}

/// An object found below a root.
pub struct Listed {
    /// The object.
    pub object: Object,
    /// Its key below the root's prefix (`acme/2026/users.json`).
    pub relative: String,
    /// `scheme://bucket/key`.
    pub display: String,
}

/// Opens `url` with credentials and settings from the environment.
pub fn open(url: &str) -> Result<Root, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("not a valid URL ({e})"))?;
    let env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| {
            ["AWS_", "GOOGLE_", "AZURE_"]
                .iter()
                .any(|p| k.starts_with(p))
        })
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let (store, prefix) = object_store::parse_url_opts(&parsed, env)
        .map_err(|e| format!("cannot open {}: {}", redact(url), short(&e)))?;
    let base = format!("{}://{}", parsed.scheme(), parsed.host_str().unwrap_or(""));
    Ok(Root {
        store: Arc::from(store),
        base,
        prefix,
    })
}

impl Root {
    /// Every object below the prefix, sorted by key.
    pub fn list(self: &Arc<Self>) -> Result<Vec<Listed>, String> {
        let rt = runtime()?;
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        let metas = rt.block_on(async {
            let mut out = Vec::new();
            let mut stream = self.store.list(prefix);
            while let Some(item) = stream.next().await {
                out.push(item.map_err(|e| short(&e))?);
            }
            Ok::<_, String>(out)
        })?;
        let mut listed: Vec<Listed> = metas
            .into_iter()
            .map(|m| {
                let key = m.location.as_ref().to_string();
                let relative = key
                    .strip_prefix(self.prefix.as_ref())
                    .unwrap_or(&key)
                    .trim_start_matches('/')
                    .to_string();
                Listed {
                    display: format!("{}/{}", self.base, key),
                    relative,
                    object: Object {
                        root: Arc::clone(self),
                        location: m.location,
                        size: m.size,
                    },
                }
            })
            .collect();
        listed.sort_by(|a, b| a.display.cmp(&b.display));
        Ok(listed)
    }

    /// The object at `key` (below the bucket, not the prefix), sized by
    /// the store (a manifest's size only balances shards).
    pub fn object(self: &Arc<Self>, key: &str) -> Result<Object, String> {
        let location = ObjectPath::from(key);
        let rt = runtime()?;
        let size = rt
            .block_on(self.store.head(&location))
            .map_err(|e| short(&e))?
            .size;
        Ok(Object {
            root: Arc::clone(self),
            location,
            size,
        })
    }

    /// `scheme://bucket`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The name of the root for vendors of objects directly below it:
    /// the prefix's last segment, else the bucket.
    pub fn name(&self) -> String {
        self.prefix
            .parts()
            .last()
            .map(|p| p.as_ref().to_string())
            .unwrap_or_else(|| self.base.rsplit('/').next().unwrap_or("").to_string())
    }
}

impl Object {
    /// Reads `range` of the object.
    pub fn read_range(&self, range: Range<u64>) -> io::Result<bytes::Bytes> {
        let rt = runtime().map_err(io::Error::other)?;
        rt.block_on(self.root.store.get_range(&self.location, range))
            .map_err(|e| io::Error::other(short(&e)))
    }

    /// A reader of the whole object by ranged reads.
    pub fn reader(&self) -> ObjectReader {
        ObjectReader {
            object: self.clone(),
            pos: 0,
            buffer: bytes::Bytes::new(),
        }
    }
}

/// Reads an object front to back, [`RANGE`] bytes per request.
pub struct ObjectReader {
    object: Object,
    pos: u64,
    buffer: bytes::Bytes,
}

impl Read for ObjectReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.buffer.is_empty() {
            if self.pos >= self.object.size {
                return Ok(0);
            }
            let end = (self.pos + RANGE).min(self.object.size);
            self.buffer = self.object.read_range(self.pos..end)?;
            if self.buffer.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the object is shorter than listed",
                ));
            }
            self.pos += self.buffer.len() as u64;
        }
        let n = out.len().min(self.buffer.len());
        out[..n].copy_from_slice(&self.buffer[..n]);
        let _ = self.buffer.split_to(n);
        Ok(n)
    }
}

/// An object store error in a few words, without the request details
/// (URLs with signatures, response bodies) the crate's messages carry.
fn short(e: &object_store::Error) -> String {
    use object_store::Error as E;
    match e {
        E::NotFound { .. } => "not found".into(),
        E::PermissionDenied { .. } => "permission denied".into(),
        E::Unauthenticated { .. } => {
            "not authenticated (check the credentials in the environment)".into()
        }
        E::NotSupported { .. } | E::NotImplemented => "not supported by this store".into(),
        E::Generic { store, source } => format!("{store}: {}", cause(source.as_ref())),
        other => cause(other),
    }
}

/// What went wrong in a request, in a few words: the status the server
/// returned, or why no request could be made. The crate's own messages
/// quote request URLs and response bodies, which are not repeated.
fn cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = String::new();
    let mut next = Some(e);
    while let Some(err) = next {
        text.push_str(&err.to_string());
        text.push('\n');
        next = err.source();
    }
    let lower = text.to_ascii_lowercase();
    if let Some(i) = lower.find("status code: ") {
        let status: String = text[i + 13..]
            .chars()
            .take_while(|c| !matches!(c, '\n' | ',' | ':'))
            .take(40)
            .collect();
        return format!("the server answered HTTP {}", status.trim());
    }
    if lower.contains("token request") || lower.contains("credential") {
        return "no usable credentials in the environment".into();
    }
    if lower.contains("connect") || lower.contains("dns") || lower.contains("timed out") {
        return "cannot reach the endpoint".into();
    }
    "the request failed".into()
}

/// A URL without user information or query (which may hold secrets).
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.to_string()
        }
        Err(_) => url.split('?').next().unwrap_or("").to_string(),
    }
}
