//! Reading a NIfTI-1 or NIfTI-2 file: `.nii`, `.nii.gz`, or a `.hdr`/`.img` pair (either
//! half gzipped), into the header and the stored samples.
//!
//! Allocation is bounded by what the file can hold: raw data must be present in full
//! before the sample buffer is allocated, and gzip data can expand at most 1032 times
//! (deflate's limit), so a header that claims more than its file could decompress to is
//! refused as truncated before anything is allocated.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use super::datatype;
use super::error::NiftiError;
use super::header::{Header, NIFTI1_HEADER_BYTES, NIFTI2_HEADER_BYTES, Version, sniff};
use crate::nrrd::Samples;

/// The most sample bytes one volume may have (as for NRRD).
pub const MAX_BYTES: u64 = 16 << 30;

/// deflate cannot expand its input more than this.
const MAX_DEFLATE_RATIO: u64 = 1032;

/// A decoded NIfTI image: its header, sizes (`dim[1..=dim[0]]`) and stored samples (before
/// `scl_slope`), x fastest, in native byte order.
#[derive(Debug, Clone, PartialEq)]
pub struct Nifti {
    pub header: Header,
    pub sizes: Vec<usize>,
    pub samples: Samples,
    /// Where the samples came from: the file itself, or the `.img` of a pair.
    pub data_file: PathBuf,
}

/// A file opened for reading, gunzipped when it starts with the gzip magic.
struct Source<'a> {
    reader: Box<dyn Read + 'a>,
    /// The most bytes the stream can yield: the file length, times the deflate limit
    /// when compressed.
    capacity: u64,
}

fn open(path: &Path) -> Result<Source<'static>, NiftiError> {
    let file = File::open(path).map_err(|e| NiftiError::io("open", path, e))?;
    let length = file
        .metadata()
        .map_err(|e| NiftiError::io("inspect", path, e))?
        .len();
    let mut reader = BufReader::new(file);
    let gzipped = {
        use std::io::BufRead;
        let head = reader
            .fill_buf()
            .map_err(|e| NiftiError::io("read", path, e))?;
        head.starts_with(&[0x1f, 0x8b])
    };
    Ok(if gzipped {
        Source {
            reader: Box::new(flate2::bufread::MultiGzDecoder::new(reader)),
            capacity: length.saturating_mul(MAX_DEFLATE_RATIO),
        }
    } else {
        Source {
            reader: Box::new(reader),
            capacity: length,
        }
    })
}

/// Reads as many bytes as `buffer` holds or the stream has; returns how many.
fn fill(reader: &mut dyn Read, buffer: &mut [u8], path: &Path) -> Result<usize, NiftiError> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e)
                if e.kind() == std::io::ErrorKind::InvalidInput
                    || e.kind() == std::io::ErrorKind::InvalidData
                    || e.kind() == std::io::ErrorKind::UnexpectedEof =>
            {
                return Err(NiftiError::Decode {
                    file: path.to_path_buf(),
                    message: e.to_string(),
                });
            }
            Err(e) => return Err(NiftiError::io("read", path, e)),
        }
    }
    Ok(filled)
}

fn read_header_from(source: &mut Source<'_>, path: &Path) -> Result<Header, NiftiError> {
    let mut bytes = vec![0u8; NIFTI2_HEADER_BYTES];
    let got = fill(&mut *source.reader, &mut bytes[..4], path)?;
    let wanted = match sniff(&bytes[..got]) {
        Some((Version::One, _)) => NIFTI1_HEADER_BYTES,
        Some((Version::Two, _)) => NIFTI2_HEADER_BYTES,
        None => got,
    };
    let rest = fill(&mut *source.reader, &mut bytes[got..wanted.max(got)], path)?;
    bytes.truncate(got + rest);
    Header::parse(&bytes, path)
}

/// Reads only the header of a `.nii`, `.nii.gz` or `.hdr`.
pub fn read_header(path: &Path) -> Result<Header, NiftiError> {
    read_header_from(&mut open(path)?, path)
}

/// The `.img` beside a `.hdr` (`.img.gz` beside `.hdr.gz`; the case of the extension is
/// kept). A file with another extension is its own data file.
pub fn pair_data_file(header_path: &Path) -> PathBuf {
    let name = header_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for (from, to) in [
        (".hdr.gz", ".img.gz"),
        (".HDR.GZ", ".IMG.GZ"),
        (".hdr", ".img"),
        (".HDR", ".IMG"),
    ] {
        if let Some(stem) = name.strip_suffix(from) {
            return header_path.with_file_name(format!("{stem}{to}"));
        }
    }
    header_path.to_path_buf()
}

/// The files a NIfTI image is read from: the file itself, and for a pair its `.img`.
pub fn data_files(path: &Path, header: &Header) -> Vec<PathBuf> {
    if header.single_file {
        vec![path.to_path_buf()]
    } else {
        vec![path.to_path_buf(), pair_data_file(path)]
    }
}

/// A file opened to read its samples: a gzipped one is inflated whole when it is one
/// member of a plausible size (`crate::inflate`, 1.6x faster than streaming), else
/// streamed by [`open`], which also reports every problem with the data.
fn open_whole(path: &Path) -> Result<Source<'static>, NiftiError> {
    let mut file = File::open(path).map_err(|e| NiftiError::io("open", path, e))?;
    let mut magic = [0u8; 2];
    let gzipped = file.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b];
    let length = file
        .metadata()
        .map_err(|e| NiftiError::io("inspect", path, e))?
        .len();
    // One gzip member holds at most 4 GiB (its size field is 32 bits), and deflate expands
    // at most 1032-fold: a trailer claiming more is not believed.
    if gzipped && length <= u64::from(u32::MAX) {
        // The file is open already: read it from its start rather than opening it again.
        let mut compressed = Vec::with_capacity(length as usize);
        file.rewind()
            .and_then(|_| file.read_to_end(&mut compressed))
            .map_err(|e| NiftiError::io("read", path, e))?;
        let limit = length.saturating_mul(MAX_DEFLATE_RATIO).min(MAX_BYTES);
        if let Some(bytes) = crate::inflate::gunzip_whole(&compressed, limit) {
            let capacity = bytes.len() as u64;
            return Ok(Source {
                reader: Box::new(std::io::Cursor::new(bytes)),
                capacity,
            });
        }
    }
    open(path)
}

/// Reads a NIfTI image.
pub fn read(path: &Path) -> Result<Nifti, NiftiError> {
    let mut source = open_whole(path)?;
    let header = read_header_from(&mut source, path)?;
    if header.single_file {
        let offset = single_file_offset(&header, path)?;
        let consumed = header.size_bytes() as u64;
        decode(header, source, offset - consumed, offset, path, path)
    } else {
        let data_path = pair_data_file(path);
        if data_path == path {
            return Err(NiftiError::Field {
                file: path.to_path_buf(),
                field: "magic",
                found: format!(
                    "`{}` (a header whose data is in a separate `.img`)",
                    header.magic()
                ),
                expected: "a `.hdr` file name, so the `.img` beside it can be found".to_string(),
            });
        }
        let offset = header.vox_offset;
        if !(offset.is_finite() && offset >= 0.0) {
            return Err(NiftiError::Field {
                file: path.to_path_buf(),
                field: "vox_offset",
                found: offset.to_string(),
                expected: "a byte offset into the `.img`".to_string(),
            });
        }
        if !data_path.exists() {
            return Err(NiftiError::MissingData {
                file: path.to_path_buf(),
                data: data_path,
            });
        }
        let data = open_whole(&data_path)?;
        decode(header, data, offset as u64, offset as u64, path, &data_path)
    }
}

/// Decodes the samples from `source`, after skipping `skip` bytes (the rest of the
/// header, the extensions, or the pair's offset).
fn decode(
    header: Header,
    mut source: Source<'_>,
    skip: u64,
    offset: u64,
    path: &Path,
    data_path: &Path,
) -> Result<Nifti, NiftiError> {
    let sizes = header.sizes(path)?;
    let scalar = datatype::scalar_type(header.datatype).map_err(|name| NiftiError::Field {
        file: path.to_path_buf(),
        field: "datatype",
        found: format!("{} ({name})", header.datatype),
        expected: "a scalar type (int8 to uint64, float32, float64)".to_string(),
    })?;
    let count: u128 = sizes.iter().map(|n| *n as u128).product();
    let bytes = count * scalar.size_bytes() as u128;
    let payload = format!(
        "{} x {}",
        sizes
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(" x "),
        datatype::name(scalar)
    );
    if bytes > u128::from(MAX_BYTES) {
        return Err(NiftiError::TooLarge {
            file: data_path.to_path_buf(),
            bytes,
            limit: MAX_BYTES,
            payload,
        });
    }
    let bytes = bytes as u64;
    let truncated = |found: u64| NiftiError::Truncated {
        file: data_path.to_path_buf(),
        offset,
        found,
        expected: bytes,
        payload: payload.clone(),
    };
    let available = source.capacity.saturating_sub(offset);
    if available < bytes {
        return Err(truncated(available));
    }
    let skipped = std::io::copy(&mut (&mut source.reader).take(skip), &mut std::io::sink())
        .map_err(|e| NiftiError::Decode {
            file: data_path.to_path_buf(),
            message: e.to_string(),
        })?;
    if skipped < skip {
        return Err(truncated(0));
    }
    let mut samples = Samples::zeros(scalar, count as usize);
    let got = fill(&mut *source.reader, samples.as_bytes_mut(), data_path)?;
    if (got as u64) < bytes {
        return Err(truncated(got as u64));
    }
    if header.little_endian != cfg!(target_endian = "little") {
        samples.swap_bytes();
    }
    Ok(Nifti {
        header,
        sizes,
        samples,
        data_file: data_path.to_path_buf(),
    })
}

/// Where the samples of a single-file NIfTI start: `vox_offset`, or right after the
/// header and its 4 extension bytes when it is 0 (unset); less than that is refused, as
/// nibabel refuses it.
fn single_file_offset(header: &Header, path: &Path) -> Result<u64, NiftiError> {
    let minimum = header.size_bytes() as u64 + 4;
    match header.vox_offset {
        0.0 => Ok(minimum),
        v if v.is_finite() && v >= minimum as f64 => Ok(v as u64),
        v => Err(NiftiError::Field {
            file: path.to_path_buf(),
            field: "vox_offset",
            found: v.to_string(),
            expected: format!("at least {minimum} in a single-file NIfTI"),
        }),
    }
}

/// Reads a single-file NIfTI (`.nii`, gzipped or not) from memory; for fuzzing and tests.
pub fn read_from_bytes(bytes: &[u8]) -> Result<Nifti, NiftiError> {
    let path = Path::new("<memory>");
    let mut source = if bytes.starts_with(&[0x1f, 0x8b]) {
        Source {
            reader: Box::new(flate2::read::MultiGzDecoder::new(bytes)),
            capacity: (bytes.len() as u64).saturating_mul(MAX_DEFLATE_RATIO),
        }
    } else {
        Source {
            reader: Box::new(bytes),
            capacity: bytes.len() as u64,
        }
    };
    let header = read_header_from(&mut source, path)?;
    if !header.single_file {
        return Err(NiftiError::Field {
            file: path.to_path_buf(),
            field: "magic",
            found: header.magic().to_string(),
            expected: "a single-file NIfTI (`n+1` or `n+2`) in memory".to_string(),
        });
    }
    let offset = single_file_offset(&header, path)?;
    let skip = offset - header.size_bytes() as u64;
    decode(header, source, skip, offset, path, path)
}
