//! Reading a MetaImage (`.mha`, or `.mhd` with its data files) into the header and the
//! stored samples.
//!
//! Every data file is checked (present, long enough; for compressed data, able to expand
//! to its share) before the sample buffer is allocated, so a hostile header costs no
//! memory. Compressed data is zlib (gzip is accepted too), one stream per data file.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::error::MetaImageError;
use super::header::{DataFile, Header, MAX_HEADER_BYTES};
use crate::nrrd::Samples;

/// The most sample bytes one volume may have (as for NRRD and NIfTI).
pub const MAX_BYTES: u64 = 16 << 30;

/// deflate cannot expand its input more than this.
const MAX_DEFLATE_RATIO: u64 = 1032;

/// A decoded MetaImage: header and stored samples (axis 0 fastest, native byte order).
#[derive(Debug, Clone, PartialEq)]
pub struct MetaImage {
    pub header: Header,
    pub samples: Samples,
    /// The files the samples came from, in order (the header itself for `LOCAL`).
    pub data_files: Vec<PathBuf>,
}

/// Reads the header of a `.mha` or `.mhd`.
pub fn read_header(path: &Path) -> Result<Header, MetaImageError> {
    let file = File::open(path).map_err(|e| MetaImageError::io("open", path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_HEADER_BYTES as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| MetaImageError::io("read", path, e))?;
    Header::parse(&bytes, path)
}

/// The files holding the samples: the header itself for `LOCAL`, else the named files
/// resolved against the header's folder.
pub fn data_files(path: &Path, header: &Header) -> Vec<PathBuf> {
    let folder = path.parent().unwrap_or(Path::new(""));
    match &header.data_file {
        DataFile::Local => vec![path.to_path_buf()],
        DataFile::One(name) => vec![folder.join(name)],
        DataFile::List { files, .. } => files.iter().map(|f| folder.join(f)).collect(),
    }
}

/// One data file's share of the samples.
struct Chunk {
    path: PathBuf,
    /// Where its data starts.
    start: u64,
    /// How many bytes of the file follow `start`.
    available: u64,
}

/// Reads a MetaImage.
pub fn read(path: &Path) -> Result<MetaImage, MetaImageError> {
    let header = read_header(path)?;
    let files = data_files(path, &header);
    let total = total_bytes(&header, path)?;
    let share = total / files.len().max(1) as u64;
    if share * files.len() as u64 != total {
        return Err(MetaImageError::DataSize {
            file: path.to_path_buf(),
            found: files.len() as u64,
            expected: header.sizes.last().copied().unwrap_or(1) as u64,
            payload: "data files for the slices".to_string(),
        });
    }
    let mut chunks = Vec::with_capacity(files.len());
    for file in &files {
        let length = std::fs::metadata(file)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => MetaImageError::MissingData {
                    file: path.to_path_buf(),
                    data: file.clone(),
                },
                _ => MetaImageError::io("inspect", file, e),
            })?
            .len();
        let local = header.data_file == DataFile::Local;
        let base = if local { header.length as u64 } else { 0 };
        let start = match header.header_size {
            -1 if !header.compressed => base.max(length.saturating_sub(share)),
            -1 => base,
            skip => base + skip as u64,
        };
        let chunk = Chunk {
            path: file.clone(),
            start,
            available: length.saturating_sub(start),
        };
        check_capacity(&header, &chunk, share, path)?;
        chunks.push(chunk);
    }
    let count = header.sample_count() as usize;
    let sample_bytes = header.element_type.size_bytes() as u64;
    if !header.compressed && sample_bytes > 0 && share.is_multiple_of(sample_bytes) {
        return read_raw(header, &chunks, count, share, files);
    }
    let mut samples = Samples::zeros(header.element_type, count);
    let buffer = samples.as_bytes_mut();
    for (chunk, out) in chunks.iter().zip(buffer.chunks_mut(share.max(1) as usize)) {
        let mut file =
            File::open(&chunk.path).map_err(|e| MetaImageError::io("open", &chunk.path, e))?;
        file.seek(SeekFrom::Start(chunk.start))
            .map_err(|e| MetaImageError::io("read", &chunk.path, e))?;
        decode_into(&header, file.take(chunk.available), out, &chunk.path)?;
    }
    finish(header, samples, files)
}

/// Uncompressed data: each file's share is read straight into the samples, which are not
/// cleared first (as ITK reads them; zeroing 1.4x'd the read, see `raw_read`).
fn read_raw(
    header: Header,
    chunks: &[Chunk],
    count: usize,
    share: u64,
    files: Vec<PathBuf>,
) -> Result<MetaImage, MetaImageError> {
    let mut samples = Samples::with_capacity(header.element_type, count);
    let per_chunk = (share / header.element_type.size_bytes() as u64) as usize;
    for chunk in chunks {
        let mut file =
            File::open(&chunk.path).map_err(|e| MetaImageError::io("open", &chunk.path, e))?;
        file.seek(SeekFrom::Start(chunk.start))
            .map_err(|e| MetaImageError::io("read", &chunk.path, e))?;
        let got = samples
            .append_from_file(&file, per_chunk)
            .map_err(|e| MetaImageError::io("read", &chunk.path, e))?;
        if (got as u64) < share {
            return Err(MetaImageError::DataSize {
                file: chunk.path.clone(),
                found: got as u64,
                expected: share,
                payload: format!("data of {}; the file is truncated", payload(&header)),
            });
        }
    }
    finish(header, samples, files)
}

/// Reads a `.mha` (`ElementDataFile = LOCAL`) from memory; for fuzzing and tests.
pub fn read_from_bytes(bytes: &[u8]) -> Result<MetaImage, MetaImageError> {
    let path = Path::new("<memory>");
    let header = Header::parse(bytes, path)?;
    if header.data_file != DataFile::Local {
        return Err(MetaImageError::Field {
            file: path.to_path_buf(),
            line: 0,
            key: "ElementDataFile".to_string(),
            found: format!("{:?}", header.data_file),
            expected: "`LOCAL` in memory".to_string(),
        });
    }
    let total = total_bytes(&header, path)?;
    let rest = &bytes[header.length.min(bytes.len())..];
    let start = match header.header_size {
        -1 if !header.compressed => rest.len().saturating_sub(total as usize),
        -1 => 0,
        skip => (skip as usize).min(rest.len()),
    };
    let data = &rest[start..];
    let chunk = Chunk {
        path: path.to_path_buf(),
        start: 0,
        available: data.len() as u64,
    };
    check_capacity(&header, &chunk, total, path)?;
    let mut samples = Samples::zeros(header.element_type, header.sample_count() as usize);
    decode_into(&header, data, samples.as_bytes_mut(), path)?;
    finish(header, samples, vec![path.to_path_buf()])
}

fn payload(header: &Header) -> String {
    format!(
        "{} x {}",
        header
            .sizes
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(" x "),
        header.element_type_name
    )
}

fn total_bytes(header: &Header, path: &Path) -> Result<u64, MetaImageError> {
    let bytes = header.sample_count() * header.element_type.size_bytes() as u128;
    if bytes > u128::from(MAX_BYTES) {
        return Err(MetaImageError::TooLarge {
            file: path.to_path_buf(),
            bytes,
            limit: MAX_BYTES,
            payload: payload(header),
        });
    }
    Ok(bytes as u64)
}

/// Refuses a data file that cannot hold its share, before anything is allocated.
fn check_capacity(
    header: &Header,
    chunk: &Chunk,
    share: u64,
    path: &Path,
) -> Result<(), MetaImageError> {
    let capacity = if header.compressed {
        chunk.available.saturating_mul(MAX_DEFLATE_RATIO)
    } else {
        chunk.available
    };
    if capacity < share {
        return Err(MetaImageError::DataSize {
            file: if chunk.path == path {
                path.to_path_buf()
            } else {
                chunk.path.clone()
            },
            found: chunk.available,
            expected: share,
            payload: format!(
                "{} data of {}",
                if header.compressed {
                    "compressed"
                } else {
                    "raw"
                },
                payload(header)
            ),
        });
    }
    Ok(())
}

/// Fills `out` from `input`, inflating when the header says the data is compressed.
fn decode_into(
    header: &Header,
    input: impl Read,
    out: &mut [u8],
    file: &Path,
) -> Result<(), MetaImageError> {
    let mut input = std::io::BufReader::new(input);
    let got = if header.compressed {
        // The compressed data is read whole (the caller bounded it by the file's length) and
        // inflated at once by libdeflate when it fills `out` exactly; anything else (several
        // gzip members, a wrong size, damage) goes through the flate2 stream, which names it.
        let mut compressed = Vec::new();
        input
            .read_to_end(&mut compressed)
            .map_err(|e| MetaImageError::io("read", file, e))?;
        let gzip = compressed.starts_with(&[0x1f, 0x8b]);
        let whole = if gzip {
            crate::inflate::gunzip_into(&compressed, out)
        } else {
            crate::inflate::zlib_into(&compressed, out)
        };
        if whole {
            out.len()
        } else {
            let mut decoder: Box<dyn Read + '_> = if gzip {
                Box::new(flate2::bufread::MultiGzDecoder::new(&compressed[..]))
            } else {
                Box::new(flate2::bufread::ZlibDecoder::new(&compressed[..]))
            };
            fill(&mut *decoder, out, file, true)?
        }
    } else {
        fill(&mut input, out, file, false)?
    };
    if got < out.len() {
        return Err(MetaImageError::DataSize {
            file: file.to_path_buf(),
            found: got as u64,
            expected: out.len() as u64,
            payload: format!(
                "{}data of {}; the file is truncated",
                if header.compressed {
                    "decompressed "
                } else {
                    ""
                },
                payload(header)
            ),
        });
    }
    Ok(())
}

fn fill(
    reader: &mut dyn Read,
    out: &mut [u8],
    file: &Path,
    compressed: bool,
) -> Result<usize, MetaImageError> {
    let mut filled = 0;
    while filled < out.len() {
        match reader.read(&mut out[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if compressed => {
                return Err(MetaImageError::Decode {
                    file: file.to_path_buf(),
                    message: e.to_string(),
                });
            }
            Err(e) => return Err(MetaImageError::io("read", file, e)),
        }
    }
    Ok(filled)
}

fn finish(
    header: Header,
    mut samples: Samples,
    data_files: Vec<PathBuf>,
) -> Result<MetaImage, MetaImageError> {
    if header.big_endian == cfg!(target_endian = "little") {
        samples.swap_bytes();
    }
    Ok(MetaImage {
        header,
        samples,
        data_files,
    })
}
