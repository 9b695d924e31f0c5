//! Loading the bytes of one file: memory-mapped above a size threshold,
//! read into a reused buffer below it, decompressed for `.gz`. Nothing here
//! parses.

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;
use std::path::Path;

use memmap2::Mmap;

/// How to load files.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// Map files at least this large; `None` never maps.
    pub mmap_threshold: Option<u64>,
    /// Refuse to decompress more than this many bytes.
    pub max_decompressed: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            mmap_threshold: Some(64 * 1024),
            max_decompressed: 1 << 30,
        }
    }
}

/// Why a file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Opening, reading or mapping failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The decompressed stream is larger than allowed.
    #[error("decompressed size exceeds the limit of {limit} bytes (possible decompression bomb)")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The gzip stream is corrupt.
    #[error("corrupt gzip stream: {0}")]
    Gzip(io::Error),
}

/// The bytes of a loaded file.
#[derive(Debug)]
pub enum Bytes<'b> {
    /// A memory map of the whole file.
    Mapped(Mmap),
    /// The caller's reused buffer.
    Buffer(&'b [u8]),
    /// Owned bytes (decompressed data).
    Owned(Vec<u8>),
}

impl Deref for Bytes<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Buffer(b) => b,
            Bytes::Owned(v) => v,
        }
    }
}

/// Whether a path names a gzip file by its extension.
pub fn is_gzip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// Loads `path`, of `size` bytes according to its metadata, using `buf`
/// for small files.
pub fn load<'b>(
    path: &Path,
    size: u64,
    opts: &LoadOptions,
    buf: &'b mut Vec<u8>,
) -> Result<Bytes<'b>, LoadError> {
    let mut file = File::open(path)?;
    if is_gzip(path) {
        return gunzip(file, opts.max_decompressed).map(Bytes::Owned);
    }
    if opts.mmap_threshold.is_some_and(|t| size >= t) {
        // SAFETY: the map is read-only and private to this process. If
        // another process truncates the file while it is mapped, reading
        // the lost pages raises SIGBUS; `--no-mmap` avoids that risk for
        // files that may change during a scan.
        let map = unsafe { Mmap::map(&file)? };
        return Ok(Bytes::Mapped(map));
    }
    read_sized(&mut file, size, buf)?;
    Ok(Bytes::Buffer(buf))
}

/// Reads a file whose size discovery found into `buf`, with room made
/// for that size (and one byte more, to see the end). Through `Take`,
/// which reads into that room as it is: `File::read_to_end` would first
/// ask the file its size and position again (a `statx` and an `lseek`,
/// two of seven system calls for each small file).
fn read_sized(file: &mut File, size: u64, buf: &mut Vec<u8>) -> std::io::Result<()> {
    buf.clear();
    buf.reserve(usize::try_from(size).unwrap_or(0).saturating_add(1));
    Read::take(file, u64::MAX).read_to_end(buf).map(|_| ())
}

/// Whether `head` starts with a UTF-16 byte-order mark.
pub fn is_utf16(head: &[u8]) -> bool {
    head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF])
}

/// Decodes UTF-16 text that starts with a byte-order mark into UTF-8
/// (unpaired surrogates become U+FFFD); `None` without a mark. Offsets and
/// columns of findings then refer to the decoded text.
pub fn decode_utf16(bytes: &[u8]) -> Option<Vec<u8>> {
    let little = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let units = bytes[2..].chunks_exact(2).map(|p| {
        if little {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    let text: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or('\u{FFFD}'))
        .collect();
    Some(text.into_bytes())
}

/// Reads a whole file into owned memory (for large files when mapping is
/// off and the file must be shared between chunks).
pub fn read_owned(path: &Path) -> Result<Bytes<'static>, LoadError> {
    Ok(Bytes::Owned(std::fs::read(path)?))
}

/// Maps a whole file.
pub fn map(path: &Path) -> Result<Bytes<'static>, LoadError> {
    let file = File::open(path)?;
    // SAFETY: as in `load`: read-only, private; truncation by another
    // process during the scan is the documented SIGBUS risk.
    let map = unsafe { Mmap::map(&file)? };
    Ok(Bytes::Mapped(map))
}

/// Reads an object from object storage whole (gunzipped when its name
/// ends in `.gz`), by ranged reads.
pub fn load_remote<'b>(
    object: &crate::remote::Object,
    name: &Path,
    opts: &LoadOptions,
    buf: &'b mut Vec<u8>,
) -> Result<Bytes<'b>, LoadError> {
    let mut reader = object.reader();
    if is_gzip(name) {
        return gunzip(reader, opts.max_decompressed).map(Bytes::Owned);
    }
    buf.clear();
    reader.read_to_end(buf)?;
    Ok(Bytes::Buffer(buf))
}

fn gunzip(file: impl Read, limit: u64) -> Result<Vec<u8>, LoadError> {
    let decoder = flate2::read::MultiGzDecoder::new(io::BufReader::new(file));
    let mut out = Vec::new();
    decoder
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(LoadError::Gzip)?;
    if out.len() as u64 > limit {
        return Err(LoadError::TooLarge { limit });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn small_files_use_the_buffer_and_large_ones_are_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, vec![b'x'; 100]).unwrap();
        let mut buf = Vec::new();
        let opts = LoadOptions {
            mmap_threshold: Some(50),
            ..LoadOptions::default()
        };
        assert!(matches!(
            load(&p, 100, &opts, &mut buf).unwrap(),
            Bytes::Mapped(_)
        ));
        let opts = LoadOptions {
            mmap_threshold: None,
            ..opts
        };
        assert_eq!(load(&p, 100, &opts, &mut buf).unwrap().len(), 100);
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a@é".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("a@é".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode_utf16(&le).unwrap(), "a@é".as_bytes());
        assert_eq!(decode_utf16(&be).unwrap(), "a@é".as_bytes());
        assert!(decode_utf16(b"plain").is_none());
    }

    #[test]
    fn a_gzip_bomb_is_an_error_not_an_allocation() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bomb.json.gz");
        let mut enc =
            flate2::write::GzEncoder::new(File::create(&p).unwrap(), flate2::Compression::best());
        enc.write_all(&vec![b' '; 10 << 20]).unwrap();
        enc.finish().unwrap();
        let opts = LoadOptions {
            max_decompressed: 1 << 20,
            ..LoadOptions::default()
        };
        let err = load(&p, 0, &opts, &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("exceeds the limit"), "{err}");
    }
}
