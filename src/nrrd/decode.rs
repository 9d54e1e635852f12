//! Stored bytes to samples: line skip, decompression, byte skip, text parsing, and the
//! byte swap, for each data piece in turn.
//!
//! Invariants:
//! - the decoded size is checked against [`Limits`] before anything is allocated;
//! - raw data is checked against the bytes actually present before allocating, then
//!   read straight into the typed vector;
//! - compressed and text data fill a buffer whose capacity is capped by what the input
//!   could possibly yield (deflate expands at most 1032:1, text needs two characters a
//!   number, hex two digits a byte) and grows only as real output arrives;
//! - compressed and text data must yield exactly the expected bytes (pynrrd's rule;
//!   teem truncates silently, which hides a wrong header). Raw data may be followed by
//!   bytes that are not used.

use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::error::NrrdError;
use super::header::Header;
use super::limits::Limits;
use super::samples::{Samples, each_numeric};
use super::types::{Encoding, Endian};

/// A readable, seekable store of bytes: an open file or bytes in memory.
pub trait Source: BufRead + Seek {}
impl<T: BufRead + Seek> Source for T {}

/// One stored piece of the data: a reader at the piece's first byte and the position
/// of its end.
pub struct Piece<'a> {
    /// The file named in errors.
    pub label: PathBuf,
    pub reader: Box<dyn Source + 'a>,
    pub end: u64,
}

/// The most a deflate stream can expand (its theoretical limit is about 1032:1).
const DEFLATE_MAX_RATIO: u64 = 1032;

/// Decodes all pieces of `header`'s data; `open(i)` gives piece `i`.
pub fn decode<'a>(
    header: &Header,
    header_file: &Path,
    limits: &Limits,
    mut open: impl FnMut(usize) -> Result<Piece<'a>, NrrdError>,
) -> Result<Samples, NrrdError> {
    let total = checked_total(header, header_file, limits)?;
    let pieces = super::detached::piece_count(header)
        .filter(|&n| n >= 1)
        .ok_or_else(|| NrrdError::Header {
            file: header_file.to_path_buf(),
            message: "the data file layout does not divide the sizes".to_string(),
        })?;
    let piece_bytes = total / pieces;
    let mut sink = Sink::new(header, total);
    for index in 0..pieces {
        let mut piece = open(index)?;
        let payload = if pieces == 1 {
            header.describe_payload()
        } else {
            format!(
                "file {} of {pieces} of {}",
                index + 1,
                header.describe_payload()
            )
        };
        let context = PieceContext {
            header,
            limits,
            label: &piece.label,
            payload: &payload,
            bytes: piece_bytes,
        };
        context.decode(&mut piece.reader, piece.end, &mut sink)?;
    }
    let mut samples = sink.finish();
    let stored_endian = header.endian.unwrap_or(Endian::native());
    if header.encoding.is_binary() && stored_endian != Endian::native() {
        samples.swap_bytes();
    }
    Ok(samples)
}

/// The decoded byte count, refused when it overflows or passes the limit.
fn checked_total(header: &Header, file: &Path, limits: &Limits) -> Result<usize, NrrdError> {
    let bytes = header
        .sizes
        .iter()
        .fold(header.scalar_type.size_bytes() as u128, |total, &size| {
            total.saturating_mul(size as u128)
        });
    if bytes > u128::from(limits.max_bytes) || usize::try_from(bytes).is_err() {
        return Err(NrrdError::TooLarge {
            file: file.to_path_buf(),
            bytes,
            limit: limits.max_bytes,
            payload: header.describe_payload(),
        });
    }
    Ok(bytes as usize)
}

/// What decoding one piece needs to know.
struct PieceContext<'a> {
    header: &'a Header,
    limits: &'a Limits,
    label: &'a Path,
    payload: &'a str,
    /// Decoded bytes this piece must yield.
    bytes: usize,
}

impl PieceContext<'_> {
    fn decode(&self, reader: &mut dyn Source, end: u64, sink: &mut Sink) -> Result<(), NrrdError> {
        self.skip_lines(reader)?;
        let position = reader
            .stream_position()
            .map_err(|e| NrrdError::io("read", self.label, e))?;
        let available = end.saturating_sub(position);
        match self.header.encoding {
            Encoding::Raw => self.raw(reader, available, end, sink),
            Encoding::Gzip => {
                let bound = available.saturating_mul(DEFLATE_MAX_RATIO);
                if self.header.byte_skip == 0 && self.bytes as u64 <= bound {
                    return self.gzip_whole(reader, available, bound, sink);
                }
                let decoder = flate2::bufread::GzDecoder::new(reader);
                self.compressed(decoder, bound, sink)
            }
            Encoding::Bzip2 => {
                let decoder = bzip2::bufread::BzDecoder::new(reader);
                self.compressed(decoder, 0, sink)
            }
            Encoding::Ascii | Encoding::Hex => {
                let mut text = Vec::new();
                reader
                    .take(available)
                    .read_to_end(&mut text)
                    .map_err(|e| NrrdError::io("read", self.label, e))?;
                let skip = usize::try_from(self.header.byte_skip.max(0)).unwrap_or(usize::MAX);
                let text = text.get(skip..).unwrap_or_default();
                if self.header.encoding == Encoding::Ascii {
                    self.ascii(text, sink)
                } else {
                    self.hex(text, sink)
                }
            }
        }
    }

    fn skip_lines(&self, reader: &mut dyn Source) -> Result<(), NrrdError> {
        for skipped in 0..self.header.line_skip {
            let bytes = reader
                .skip_until(b'\n')
                .map_err(|e| NrrdError::io("read", self.label, e))?;
            if bytes == 0 {
                return Err(NrrdError::Header {
                    file: self.label.to_path_buf(),
                    message: format!(
                        "`line skip: {}` but the data has only {skipped} lines",
                        self.header.line_skip
                    ),
                });
            }
        }
        Ok(())
    }

    fn size_error(&self, found: u64, expected: usize) -> NrrdError {
        NrrdError::DataSize {
            file: self.label.to_path_buf(),
            found,
            expected: expected as u64,
            payload: self.payload.to_string(),
        }
    }

    fn decode_error(&self, message: String) -> NrrdError {
        NrrdError::Decode {
            file: self.label.to_path_buf(),
            encoding: self.header.encoding,
            message,
        }
    }

    fn raw(
        &self,
        reader: &mut dyn Source,
        available: u64,
        end: u64,
        sink: &mut Sink,
    ) -> Result<(), NrrdError> {
        let wanted = self.bytes as u64;
        let seek = match self.header.byte_skip {
            -1 if available < wanted => return Err(self.size_error(available, self.bytes)),
            -1 => SeekFrom::Start(end - wanted),
            skip => {
                let skip = skip.unsigned_abs();
                if available < skip.saturating_add(wanted) {
                    return Err(self.size_error(available.saturating_sub(skip), self.bytes));
                }
                SeekFrom::Current(skip as i64)
            }
        };
        reader
            .seek(seek)
            .map_err(|e| NrrdError::io("seek in", self.label, e))?;
        let got = sink
            .fill(reader, self.bytes, self.bytes)
            .map_err(|e| NrrdError::io("read", self.label, e))?;
        if got < self.bytes {
            return Err(self.size_error(got as u64, self.bytes));
        }
        Ok(())
    }

    /// A gzip piece read whole and inflated at once by libdeflate (`crate::inflate`, about
    /// 1.6x faster than the `flate2` stream) when its trailer states the expected size;
    /// anything else (several members, another size, damage) goes through the stream, which
    /// names the problem. The compressed bytes are what the file holds (`available`), and
    /// the samples grow to the expected size only when the trailer claims exactly that.
    fn gzip_whole(
        &self,
        reader: &mut dyn Source,
        available: u64,
        bound: u64,
        sink: &mut Sink,
    ) -> Result<(), NrrdError> {
        let mut compressed = Vec::new();
        reader
            .take(available)
            .read_to_end(&mut compressed)
            .map_err(|e| NrrdError::io("read", self.label, e))?;
        if crate::inflate::gzip_stated_size(&compressed) == Some(self.bytes as u32)
            && sink.fill_with(self.bytes, |out| {
                crate::inflate::gunzip_into(&compressed, out)
            })
        {
            return Ok(());
        }
        let decoder = flate2::bufread::GzDecoder::new(compressed.as_slice());
        self.compressed(decoder, bound, sink)
    }

    /// `bound` caps the first allocation at what the stream could yield (0: unknown).
    fn compressed(
        &self,
        mut decoder: impl Read,
        bound: u64,
        sink: &mut Sink,
    ) -> Result<(), NrrdError> {
        let stream_error = |e: io::Error| self.decode_error(e.to_string());
        if self.header.byte_skip == -1 {
            let tail = self.stream_tail(&mut decoder)?;
            sink.fill(&mut tail.as_slice(), self.bytes, self.bytes)
                .map_err(stream_error)?;
            return Ok(());
        }
        let skip = self.header.byte_skip.unsigned_abs();
        let skipped =
            io::copy(&mut (&mut decoder).take(skip), &mut io::sink()).map_err(stream_error)?;
        if skipped < skip {
            return Err(self.decode_error(format!(
                "`byte skip: {skip}` but the stream decodes to only {skipped} bytes"
            )));
        }
        let first = if bound == 0 {
            self.bytes.min(1 << 20)
        } else {
            usize::try_from(bound).unwrap_or(usize::MAX).min(self.bytes)
        };
        let got = sink
            .fill(&mut decoder, self.bytes, first)
            .map_err(stream_error)?;
        if got < self.bytes {
            return Err(self.size_error(got as u64, self.bytes));
        }
        // Reading on also checks the stream's trailer (gzip's CRC and length).
        let extra = io::copy(&mut decoder.take(self.limits.max_bytes), &mut io::sink())
            .map_err(stream_error)?;
        if extra > 0 {
            return Err(self.size_error(self.bytes as u64 + extra, self.bytes));
        }
        Ok(())
    }

    /// The last `self.bytes` bytes of a stream (`byte skip: -1`). Memory stays within
    /// twice the piece size; the stream may not decode past the limit.
    fn stream_tail(&self, decoder: &mut impl Read) -> Result<Vec<u8>, NrrdError> {
        let keep = self.bytes;
        let mut tail: Vec<u8> = Vec::new();
        let mut chunk = vec![0u8; 1 << 16];
        let mut total: u64 = 0;
        loop {
            let read = match decoder.read(&mut chunk) {
                Ok(0) => break,
                Ok(read) => read,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.decode_error(e.to_string())),
            };
            total += read as u64;
            if total > self.limits.max_bytes {
                return Err(self.decode_error(format!(
                    "the stream decodes to more than the limit of {} bytes",
                    self.limits.max_bytes
                )));
            }
            tail.extend_from_slice(&chunk[..read]);
            if tail.len() > keep.saturating_mul(2).max(1 << 16) {
                tail.drain(..tail.len() - keep);
            }
        }
        match tail.len().checked_sub(keep) {
            Some(start) => Ok(tail.split_off(start)),
            None => Err(self.size_error(total, keep)),
        }
    }

    fn ascii(&self, text: &[u8], sink: &mut Sink) -> Result<(), NrrdError> {
        let count = self.bytes / self.header.scalar_type.size_bytes().max(1);
        let tokens = text
            .split(u8::is_ascii_whitespace)
            .filter(|token| !token.is_empty());
        let parsed = each_numeric!(&sink.samples,
            _v => parse_ascii_as(_v, tokens, count, text.len()),
            _size, _bytes => Err(AsciiError::Block));
        let bytes = match parsed {
            Ok(bytes) => bytes,
            Err(AsciiError::Token { index, token }) => {
                return Err(self.decode_error(format!(
                    "value {index} `{token}` is not a valid `{}`",
                    self.header.scalar_type
                )));
            }
            Err(AsciiError::Count { found }) => {
                return Err(self.decode_error(format!(
                    "found {found} values, expected {count} ({})",
                    self.payload
                )));
            }
            Err(AsciiError::TooMany) => {
                return Err(self.decode_error(format!(
                    "found more than the {count} values expected ({})",
                    self.payload
                )));
            }
            Err(AsciiError::Block) => {
                return Err(self.decode_error("`block` samples cannot be ascii".to_string()));
            }
        };
        sink.fill(&mut bytes.as_slice(), self.bytes, self.bytes)
            .map_err(|e| NrrdError::io("read", self.label, e))?;
        Ok(())
    }

    fn hex(&self, text: &[u8], sink: &mut Sink) -> Result<(), NrrdError> {
        let mut bytes = Vec::with_capacity(self.bytes.min(text.len() / 2));
        let mut high: Option<u8> = None;
        for (offset, &c) in text.iter().enumerate() {
            if c.is_ascii_whitespace() {
                continue;
            }
            let Some(nibble) = (c as char).to_digit(16) else {
                return Err(self.decode_error(format!(
                    "byte {offset} of the hex text is `{}`, expected a hex digit",
                    c.escape_ascii()
                )));
            };
            match high.take() {
                None => high = Some(nibble as u8),
                Some(h) => {
                    if bytes.len() == self.bytes {
                        return Err(self.decode_error(format!(
                            "the hex text holds more than the {} bytes expected ({})",
                            self.bytes, self.payload
                        )));
                    }
                    bytes.push(h << 4 | nibble as u8);
                }
            }
        }
        if high.is_some() {
            return Err(self.decode_error("the hex text has an odd number of digits".into()));
        }
        if bytes.len() < self.bytes {
            return Err(self.size_error(bytes.len() as u64, self.bytes));
        }
        sink.fill(&mut bytes.as_slice(), self.bytes, self.bytes)
            .map_err(|e| NrrdError::io("read", self.label, e))?;
        Ok(())
    }
}

enum AsciiError {
    Token { index: usize, token: String },
    Count { found: usize },
    TooMany,
    Block,
}

/// Parses `count` numbers of the sample type of `_witness` and returns their native
/// bytes. The capacity is capped by the text: each number needs two characters.
fn parse_ascii_as<'t, T>(
    _witness: &[T],
    mut tokens: impl Iterator<Item = &'t [u8]>,
    count: usize,
    text_len: usize,
) -> Result<Vec<u8>, AsciiError>
where
    T: FromStr + bytemuck::Pod,
{
    let mut values: Vec<T> = Vec::with_capacity(count.min(text_len / 2 + 1));
    for index in 0..count {
        let Some(token) = tokens.next() else {
            return Err(AsciiError::Count { found: index });
        };
        let value = std::str::from_utf8(token)
            .ok()
            .and_then(|t| t.parse::<T>().ok())
            .ok_or_else(|| AsciiError::Token {
                index,
                token: String::from_utf8_lossy(&token[..token.len().min(40)]).into_owned(),
            })?;
        values.push(value);
    }
    if tokens.next().is_some() {
        return Err(AsciiError::TooMany);
    }
    Ok(bytemuck::cast_slice(&values).to_vec())
}

/// The growing output buffer: typed samples, of which the first `filled` bytes hold
/// decoded data.
struct Sink {
    samples: Samples,
    filled: usize,
    total: usize,
    sample_size: usize,
}

impl Sink {
    fn new(header: &Header, total: usize) -> Sink {
        Sink {
            samples: Samples::zeros(header.scalar_type, 0),
            filled: 0,
            total,
            sample_size: header.scalar_type.size_bytes().max(1),
        }
    }

    /// Makes the samples hold at least `bytes` bytes (never more than `total`).
    fn grow_to(&mut self, bytes: usize) {
        let count = bytes.min(self.total).div_ceil(self.sample_size);
        resize(&mut self.samples, count);
    }

    /// Reads up to `want` bytes from `reader`, first allocating room for `first`
    /// bytes and doubling as data keeps coming. Returns the bytes read (fewer at end of
    /// stream).
    fn fill(&mut self, reader: &mut dyn Read, want: usize, first: usize) -> io::Result<usize> {
        let start = self.filled;
        let end = start.saturating_add(want).min(self.total);
        let mut room = start.saturating_add(first.max(1 << 16)).min(end);
        self.grow_to(room);
        while self.filled < end {
            if self.filled == room {
                room = room.saturating_add(room.max(1 << 20)).min(end);
                self.grow_to(room);
            }
            let filled = self.filled;
            let buffer = &mut self.samples.as_bytes_mut()[filled..room];
            match reader.read(buffer) {
                Ok(0) => break,
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.filled - start)
    }

    /// Lets `write` fill the next `bytes` bytes at once; they count as filled only when it
    /// answers true (else the next fill overwrites them).
    fn fill_with(&mut self, bytes: usize, write: impl FnOnce(&mut [u8]) -> bool) -> bool {
        let start = self.filled;
        let end = start.saturating_add(bytes);
        if end > self.total {
            return false;
        }
        self.grow_to(end);
        let done = write(&mut self.samples.as_bytes_mut()[start..end]);
        if done {
            self.filled = end;
        }
        done
    }

    fn finish(mut self) -> Samples {
        resize(&mut self.samples, self.filled / self.sample_size);
        self.samples
    }
}

fn resize(samples: &mut Samples, count: usize) {
    each_numeric!(samples,
        v => v.resize(count, bytemuck::Zeroable::zeroed()),
        size, bytes => bytes.resize(count.saturating_mul(*size), 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nrrd::types::ScalarType;
    use std::io::{Cursor, Write};

    fn decode_bytes(header: &Header, stored: &[u8]) -> Result<Samples, String> {
        decode(header, Path::new("t.nrrd"), &Limits::default(), |_| {
            Ok(Piece {
                label: PathBuf::from("t.nrrd"),
                reader: Box::new(Cursor::new(stored.to_vec())),
                end: stored.len() as u64,
            })
        })
        .map_err(|e| e.to_string())
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).expect("in-memory write");
        encoder.finish().expect("in-memory write")
    }

    fn header(scalar: ScalarType, sizes: Vec<usize>, encoding: Encoding) -> Header {
        let mut header = Header::new(scalar, sizes);
        header.encoding = encoding;
        header
    }

    #[test]
    fn raw_big_endian_is_swapped_to_native() {
        let mut h = header(ScalarType::U16, vec![2], Encoding::Raw);
        h.endian = Some(Endian::Big);
        assert_eq!(
            decode_bytes(&h, &[0x01, 0x02, 0x00, 0x03]),
            Ok(Samples::U16(vec![0x0102, 0x0003]))
        );
    }

    #[test]
    fn raw_may_be_followed_by_unused_bytes_but_not_cut_short() {
        let h = header(ScalarType::U8, vec![3], Encoding::Raw);
        assert_eq!(
            decode_bytes(&h, &[1, 2, 3, 4]),
            Ok(Samples::U8(vec![1, 2, 3]))
        );
        assert_eq!(
            decode_bytes(&h, &[1, 2]),
            Err("`t.nrrd`: decoded 2 bytes, expected 3 (3 x uint8)".into())
        );
    }

    #[test]
    fn byte_skip_minus_one_takes_the_last_bytes() {
        let mut h = header(ScalarType::U8, vec![2], Encoding::Raw);
        h.byte_skip = -1;
        assert_eq!(
            decode_bytes(&h, &[9, 9, 9, 1, 2]),
            Ok(Samples::U8(vec![1, 2]))
        );
        h.encoding = Encoding::Gzip;
        assert_eq!(
            decode_bytes(&h, &gzip(&[9, 9, 9, 1, 2])),
            Ok(Samples::U8(vec![1, 2]))
        );
    }

    #[test]
    fn byte_skip_minus_one_keeps_only_the_tail_of_a_long_stream() {
        let mut h = header(ScalarType::U8, vec![10], Encoding::Gzip);
        h.byte_skip = -1;
        let mut stored: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        stored.extend(1..=10u8);
        assert_eq!(
            decode_bytes(&h, &gzip(&stored)),
            Ok(Samples::U8((1..=10).collect()))
        );
        h.sizes = vec![20];
        assert_eq!(
            decode_bytes(&h, &gzip(&[1, 2, 3])),
            Err("`t.nrrd`: decoded 3 bytes, expected 20 (20 x uint8)".into())
        );
    }

    #[test]
    fn line_skip_comes_before_decompression_and_byte_skip_after() {
        let mut h = header(ScalarType::U8, vec![2], Encoding::Gzip);
        h.line_skip = 2;
        h.byte_skip = 1;
        let mut stored = b"junk line\nanother\n".to_vec();
        stored.extend(gzip(&[7, 1, 2]));
        assert_eq!(decode_bytes(&h, &stored), Ok(Samples::U8(vec![1, 2])));
    }

    #[test]
    fn compressed_data_must_have_exactly_the_expected_size() {
        let h = header(ScalarType::U8, vec![2], Encoding::Gzip);
        assert_eq!(
            decode_bytes(&h, &gzip(&[1, 2, 3])),
            Err("`t.nrrd`: decoded 3 bytes, expected 2 (2 x uint8)".into())
        );
        assert_eq!(
            decode_bytes(&h, &gzip(&[1])),
            Err("`t.nrrd`: decoded 1 bytes, expected 2 (2 x uint8)".into())
        );
    }

    #[test]
    fn a_corrupt_gzip_stream_is_a_decode_error() {
        let h = header(ScalarType::U8, vec![4], Encoding::Gzip);
        let mut stored = gzip(&[1, 2, 3, 4]);
        let last = stored.len() - 5;
        stored[last] ^= 0xff; // inside the CRC
        let message = decode_bytes(&h, &stored).expect_err("bad crc");
        assert!(message.starts_with("`t.nrrd`: gzip data:"), "{message}");
        assert!(decode_bytes(&h, b"not gzip at all").is_err());
    }

    #[test]
    fn gzip_is_inflated_whole_or_through_the_stream_with_the_same_answers() {
        // Whole: the trailer states the expected size.
        let values: Vec<u16> = (0..50_000u32).map(|i| (i * 37 % 65_521) as u16).collect();
        let h = header(ScalarType::U16, vec![values.len()], Encoding::Gzip);
        let stored = gzip(bytemuck::cast_slice(&values));
        assert_eq!(decode_bytes(&h, &stored), Ok(Samples::U16(values.clone())));
        // Two members (the first alone has the expected size): the stream reads the first
        // member only and ignores the rest, as before.
        let mut two = stored.clone();
        two.extend(gzip(&[1, 2]));
        assert_eq!(decode_bytes(&h, &two), Ok(Samples::U16(values)));
        // A trailer claiming the expected size over data that does not inflate to it.
        let h = header(ScalarType::U8, vec![3], Encoding::Gzip);
        let mut short = gzip(&[1, 2]);
        let at = short.len() - 4;
        short[at..].copy_from_slice(&3u32.to_le_bytes());
        let message = decode_bytes(&h, &short).expect_err("short");
        assert!(message.starts_with("`t.nrrd`: gzip data:"), "{message}");
    }

    #[test]
    fn ascii_parses_any_whitespace_and_reports_bad_values() {
        let h = header(ScalarType::I16, vec![4], Encoding::Ascii);
        assert_eq!(
            decode_bytes(&h, b"1 -2\n\t3\r\n4\n"),
            Ok(Samples::I16(vec![1, -2, 3, 4]))
        );
        assert_eq!(
            decode_bytes(&h, b"1 2 x 4"),
            Err("`t.nrrd`: ascii data: value 2 `x` is not a valid `int16`".into())
        );
        assert_eq!(
            decode_bytes(&h, b"1 2 3"),
            Err("`t.nrrd`: ascii data: found 3 values, expected 4 (4 x int16)".into())
        );
        assert!(decode_bytes(&h, b"1 2 3 4 5").is_err());
        let f = header(ScalarType::F64, vec![3], Encoding::Ascii);
        let decoded = decode_bytes(&f, b"nan 1e3 -0.5").expect("floats");
        assert_eq!(decoded.get_f64(1), Some(1000.0));
        assert!(decoded.get_f64(0).is_some_and(f64::is_nan));
    }

    #[test]
    fn hex_accepts_either_case_and_whitespace() {
        let mut h = header(ScalarType::U16, vec![2], Encoding::Hex);
        h.endian = Some(Endian::Big);
        assert_eq!(
            decode_bytes(&h, b"0A0b\n FF 01\n"),
            Ok(Samples::U16(vec![0x0a0b, 0xff01]))
        );
        assert!(decode_bytes(&h, b"0a0b ff0").is_err());
        assert!(decode_bytes(&h, b"0a0b ff0g").is_err());
        assert!(decode_bytes(&h, b"0a0b ff01 00").is_err());
    }

    #[test]
    fn a_claim_past_the_limit_is_refused_before_allocating() {
        let h = header(ScalarType::U16, vec![100_000, 100_000, 100], Encoding::Gzip);
        let message = decode_bytes(&h, &gzip(&[0])).expect_err("too large");
        assert_eq!(
            message,
            "`t.nrrd`: the data needs 2000000000000 bytes (100000 x 100000 x 100 x uint16), \
             more than the limit of 17179869184 bytes"
        );
    }

    #[test]
    fn a_small_stream_claiming_a_big_volume_fails_without_filling_it() {
        // 1 GiB claimed, a few bytes stored: the buffer stays at the deflate bound.
        let h = header(ScalarType::U8, vec![1 << 30], Encoding::Gzip);
        let message = decode_bytes(&h, &gzip(&[1, 2, 3])).expect_err("short");
        assert!(
            message.contains("decoded 3 bytes, expected 1073741824"),
            "{message}"
        );
    }
}
