//! Packs each vendor folder of a corpus into one deflated zip archive,
//! the way a vendor's "export all data" button hands it over:
//! `SRC/<vendor>/...` becomes `DST/<vendor>/export.zip`, members keeping
//! their paths below the vendor folder. For measuring what scanning
//! through archives costs against the same files unpacked.
//!
//! ```text
//! cargo run --release --example zip_tree -- target/corpus target/corpus-zip
//! ```

use std::io::Write as _;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(src), Some(dst)) = (args.next(), args.next()) else {
        return Err("usage: zip_tree SRC DST".into());
    };
    let (src, dst) = (Path::new(&src), Path::new(&dst));
    let mut vendors: Vec<_> = std::fs::read_dir(src)?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .collect();
    vendors.sort_by_key(|e| e.file_name());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let (mut members, mut bytes) = (0u64, 0u64);
    for vendor in vendors {
        let out = dst.join(vendor.file_name());
        std::fs::create_dir_all(&out)?;
        let file = std::fs::File::create(out.join("export.zip"))?;
        let mut w = zip::ZipWriter::new(std::io::BufWriter::new(file));
        let mut files: Vec<_> = walk(&vendor.path())?;
        files.sort();
        for f in files {
            let name = f
                .strip_prefix(vendor.path())?
                .to_string_lossy()
                .replace('\\', "/");
            let data = std::fs::read(&f)?;
            w.start_file(name, opts)?;
            w.write_all(&data)?;
            members += 1;
            bytes += data.len() as u64;
        }
        w.finish()?.flush()?;
    }
    eprintln!(
        "packed {members} files, {bytes} bytes into {}",
        dst.display()
    );
    Ok(())
}

fn walk(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            out.extend(walk(&p)?);
        } else {
            out.push(p);
        }
    }
    Ok(out)
}
