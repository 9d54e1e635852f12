//! The writer: a volume to an attached `.nrrd`, or a detached header plus its data file,
//! in raw, ascii, hex, gzip or bzip2, little- or big-endian.
//!
//! Every file is written to a temporary name in the target folder, synced, then renamed
//! into place, so a crash never leaves a half-written file under the final name. A
//! detached data file is renamed into place before its header, so a header never points
//! at missing data.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::Nrrd;
use super::emit::emit_header;
use super::error::NrrdError;
use super::field::format_f64;
use super::header::{DataFile, Header};
use super::samples::{Samples, each_numeric};
use super::types::{Encoding, Endian};
use crate::durable::{AtomicFile, Durability};

/// Whether the samples follow the header in one file or sit in a file of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One `.nrrd` file: header, blank line, data.
    Attached,
    /// A header (conventionally `.nhdr`) with `data file:` naming a file beside it,
    /// called after the header with the encoding's extension (`x.nhdr` -> `x.raw.gz`).
    Detached,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    pub encoding: Encoding,
    /// Byte order of binary data (ignored for 1-byte types and ascii).
    pub endian: Endian,
    pub layout: Layout,
    /// 0 (fastest) to 9 (smallest) for gzip, 1 to 9 for bzip2.
    pub compression_level: u32,
}

impl Default for WriteOptions {
    /// Attached, gzip level 6, little-endian: what 3D Slicer and pynrrd write.
    fn default() -> Self {
        WriteOptions {
            encoding: Encoding::Gzip,
            endian: Endian::Little,
            layout: Layout::Attached,
            compression_level: 6,
        }
    }
}

impl WriteOptions {
    pub fn new(encoding: Encoding) -> WriteOptions {
        WriteOptions {
            encoding,
            ..WriteOptions::default()
        }
    }
}

/// Writes `volume` to `path`. The header's geometry, per-axis fields, comments and
/// key/values are written as they are; the type, encoding, endian, skips and `data file`
/// come from the samples and `options`.
pub fn write(path: &Path, volume: &Nrrd, options: &WriteOptions) -> Result<(), NrrdError> {
    let fail = |message: String| NrrdError::Write {
        file: path.to_path_buf(),
        message,
    };
    let header = output_header(path, volume, options).map_err(&fail)?;
    header.validate(path)?;
    let text = emit_header(&header).map_err(&fail)?;

    match &header.data_file {
        DataFile::Single(name) => {
            let data_path = path.with_file_name(name);
            write_atomically(&data_path, |out| encode(&volume.samples, options, out))?;
            write_atomically(path, |out| out.write_all(text.as_bytes()))
        }
        _ => write_atomically(path, |out| {
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")?;
            encode(&volume.samples, options, out)
        }),
    }
}

/// The header as it will be written.
fn output_header(path: &Path, volume: &Nrrd, options: &WriteOptions) -> Result<Header, String> {
    let mut header = volume.header.clone();
    let scalar_type = volume.samples.scalar_type();
    if header.scalar_type != scalar_type {
        return Err(format!(
            "the header says `{}` but the samples are `{scalar_type}`",
            header.scalar_type
        ));
    }
    if header.sample_count() != Some(volume.samples.len()) {
        return Err(format!(
            "{} samples do not fill sizes {:?} ({})",
            volume.samples.len(),
            header.sizes,
            header.describe_payload()
        ));
    }
    // NRRD0005 is the current format; pynrrd, teem 1.11+ and 3D Slicer read it.
    header.version = 5;
    header.encoding = options.encoding;
    header.endian =
        (scalar_type.needs_endian() && options.encoding.is_binary()).then_some(options.endian);
    header.line_skip = 0;
    header.byte_skip = 0;
    header.data_file = match options.layout {
        Layout::Attached => DataFile::Attached,
        Layout::Detached => {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .filter(|s| !s.is_empty())
                .ok_or_else(|| "a detached header needs a file name".to_string())?;
            let extension = options.encoding.data_file_extension();
            DataFile::Single(PathBuf::from(format!("{stem}.{extension}")))
        }
    };
    Ok(header)
}

/// Writes the samples in `options`' encoding and byte order.
fn encode(samples: &Samples, options: &WriteOptions, out: &mut dyn Write) -> io::Result<()> {
    match options.encoding {
        Encoding::Raw => write_binary(samples, options.endian, out),
        Encoding::Gzip => {
            let level = flate2::Compression::new(options.compression_level.min(9));
            let mut encoder = flate2::write::GzEncoder::new(out, level);
            write_binary(samples, options.endian, &mut encoder)?;
            encoder.finish()?;
            Ok(())
        }
        Encoding::Bzip2 => {
            let level = bzip2::Compression::new(options.compression_level.clamp(1, 9));
            let mut encoder = bzip2::write::BzEncoder::new(out, level);
            write_binary(samples, options.endian, &mut encoder)?;
            encoder.finish()?;
            Ok(())
        }
        Encoding::Hex => write_hex(samples, options.endian, out),
        Encoding::Ascii => write_ascii(samples, out),
    }
}

/// Sample bytes in `endian` order, swapped a chunk at a time when that differs from
/// the machine's order.
fn write_binary(samples: &Samples, endian: Endian, out: &mut dyn Write) -> io::Result<()> {
    for_each_chunk(samples, endian, &mut |bytes| out.write_all(bytes))
}

/// Calls `emit` with the samples' bytes in `endian` order, in chunks of about 1 MiB.
fn for_each_chunk(
    samples: &Samples,
    endian: Endian,
    emit: &mut dyn FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    const CHUNK: usize = 1 << 20;
    let size = samples.scalar_type().size_bytes();
    let bytes = samples.as_bytes();
    if endian == Endian::native() || !samples.scalar_type().needs_endian() {
        return bytes.chunks(CHUNK).try_for_each(emit);
    }
    let mut swapped = Vec::with_capacity(CHUNK.min(bytes.len()));
    for chunk in bytes.chunks(CHUNK - CHUNK % size) {
        swapped.clear();
        swapped.extend_from_slice(chunk);
        swapped.chunks_exact_mut(size).for_each(<[u8]>::reverse);
        emit(&swapped)?;
    }
    Ok(())
}

/// Two lowercase hex digits a byte, 32 bytes a line.
fn write_hex(samples: &Samples, endian: Endian, out: &mut dyn Write) -> io::Result<()> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    const PER_LINE: usize = 32;
    let mut column = 0;
    let mut line = Vec::with_capacity(PER_LINE * 2 + 1);
    for_each_chunk(samples, endian, &mut |bytes| {
        for &byte in bytes {
            line.push(DIGITS[usize::from(byte >> 4)]);
            line.push(DIGITS[usize::from(byte & 0xf)]);
            column += 1;
            if column == PER_LINE {
                line.push(b'\n');
                out.write_all(&line)?;
                line.clear();
                column = 0;
            }
        }
        Ok(())
    })?;
    if column > 0 {
        line.push(b'\n');
        out.write_all(&line)?;
    }
    Ok(())
}

/// Decimal numbers, 16 a line. Floats print in their shortest round-trip form.
fn write_ascii(samples: &Samples, out: &mut dyn Write) -> io::Result<()> {
    const PER_LINE: usize = 16;
    let mut out = BufWriter::new(out);
    each_numeric!(samples,
        values => {
            for row in values.chunks(PER_LINE) {
                let texts: Vec<String> = row.iter().map(|v| ascii_number(*v)).collect();
                writeln!(out, "{}", texts.join(" "))?;
            }
        },
        _size, _bytes => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "`block` samples cannot be written as ascii",
            ));
        }
    );
    out.flush()
}

/// Integers print exactly; floats through f64, whose shortest form of an f32 value also
/// parses back to the same f32.
fn ascii_number<T: AsciiNumber>(value: T) -> String {
    value.ascii()
}

trait AsciiNumber {
    fn ascii(self) -> String;
}

macro_rules! ascii_int {
    ($($t:ty),*) => {$(impl AsciiNumber for $t { fn ascii(self) -> String { self.to_string() } })*};
}
ascii_int!(i8, u8, i16, u16, i32, u32, i64, u64);

impl AsciiNumber for f32 {
    fn ascii(self) -> String {
        // f32's own Display/Debug gives the shortest form that reads back as this f32.
        if self.is_finite() {
            format!("{self:?}")
        } else {
            format_f64(f64::from(self))
        }
    }
}

impl AsciiNumber for f64 {
    fn ascii(self) -> String {
        format_f64(self)
    }
}

/// Writes through `fill` to a temporary file beside `path`, flushed to disk, then renamed
/// into place (`crate::durable`, the one atomic writer); the temporary file is removed if
/// anything fails.
fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), NrrdError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = AtomicFile::create(dir, Durability::Safe)
        .map_err(|e| NrrdError::io("create a temporary file in", dir, e))?;
    let temp_path = temp.path().to_path_buf();
    let mut out = BufWriter::with_capacity(1 << 16, temp.file());
    fill(&mut out).map_err(|e| NrrdError::io("write", &temp_path, e))?;
    out.flush()
        .map_err(|e| NrrdError::io("write", &temp_path, e))?;
    drop(out);
    temp.commit(path)
        .map_err(|e| NrrdError::io("rename into", path, e))?;
    Ok(())
}
