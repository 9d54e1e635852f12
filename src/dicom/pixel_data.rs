//! A file's pixel data to stored samples in (frame, row, column, sample) order: native
//! data in either byte order, 1-bit packed data, planar colour, and every encapsulated
//! syntax in [`codec`](super::codec).

use std::borrow::Cow;

use dicom_core::value::{PrimitiveValue, Value};
use dicom_dictionary_std::tags;
use rayon::prelude::*;

use super::codec::{self, codec_name};
use super::dicom_file::DicomFile;
use super::error::DicomError;
use super::frames;
use super::limits::Limits;
use super::pixel_format::PixelFormat;
use super::stored_samples::{interleave, samples_from_le, unpack_bits};
use super::transfer_syntax::{ByteOrder, Compression};
use crate::nrrd::Samples;

/// Decodes every frame of `file`. `series` names the series in an unsupported-syntax
/// error (empty when unknown).
pub fn decode(
    file: &DicomFile,
    format: &PixelFormat,
    limits: &Limits,
) -> Result<Samples, DicomError> {
    let element = file
        .dataset()
        .get(tags::PIXEL_DATA)
        .ok_or_else(|| DicomError::NoPixelData {
            path: file.path.clone(),
            sop_class: file.sop_class_uid(),
        })?;
    let syntax = &file.transfer_syntax;
    let unsupported = |reason: Option<&'static str>| DicomError::UnsupportedTransferSyntax {
        path: file.path.clone(),
        series: file.series_uid(),
        uid: syntax.uid.clone(),
        name: syntax.name.to_string(),
        reason,
    };
    let compression = syntax.compression.ok_or_else(|| unsupported(None))?;
    if format.photometric.starts_with("YBR")
        && matches!(compression, Compression::Native(_) | Compression::Rle)
    {
        return Err(unsupported(Some(
            "uncompressed YBR colour (possibly subsampled) is not read; radflow reads greyscale, palette and RGB images",
        )));
    }
    match (compression, element.value()) {
        (Compression::Native(order), Value::Primitive(value)) => native(file, format, value, order),
        (Compression::Native(_), _) => Err(file.bad_field(
            "PixelData",
            "an encapsulated sequence",
            "native samples for this transfer syntax",
        )),
        (_, Value::PixelSequence(sequence)) => {
            let extended = extended_offsets(file)?;
            let frames = frames::split(
                sequence.fragments(),
                sequence.offset_table(),
                extended.as_ref().map(|(o, l)| (o.as_slice(), l.as_slice())),
                format.frames,
            )
            .map_err(|detail| DicomError::Decode {
                path: file.path.clone(),
                frame: 0,
                codec: codec_name(compression),
                detail,
            })?;
            encapsulated(file, format, &frames, compression, limits)
        }
        (_, _) => Err(file.bad_field(
            "PixelData",
            "native samples",
            "an encapsulated fragment sequence for a compressed transfer syntax",
        )),
    }
}

fn encapsulated(
    file: &DicomFile,
    format: &PixelFormat,
    frames: &[Cow<'_, [u8]>],
    compression: Compression,
    limits: &Limits,
) -> Result<Samples, DicomError> {
    let decoded: Vec<Vec<u8>> = frames
        .par_iter()
        .enumerate()
        .map(|(index, data)| {
            codec::decode_frame(compression, data, format, limits.frame_budget(data.len())).map_err(
                |failure| DicomError::Decode {
                    path: file.path.clone(),
                    frame: index,
                    codec: failure.codec,
                    detail: failure.detail,
                },
            )
        })
        .collect::<Result<_, _>>()?;
    let bytes = decoded.concat();
    Ok(samples_from_le(&bytes, format))
}

/// The Extended Offset Table and its lengths, when the file has them.
/// Frame offsets and lengths from (7FE0,0001) and (7FE0,0002).
type ExtendedOffsets = (Vec<u64>, Vec<u64>);

fn extended_offsets(file: &DicomFile) -> Result<Option<ExtendedOffsets>, DicomError> {
    let read = |tag, name: &'static str| -> Result<Option<Vec<u64>>, DicomError> {
        let Some(element) = file.dataset().get(tag) else {
            return Ok(None);
        };
        let bytes = element
            .to_bytes()
            .map_err(|_| file.bad_field(name, "unreadable", "64-bit offsets"))?;
        Ok(Some(
            bytes
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
        ))
    };
    let offsets = read(tags::EXTENDED_OFFSET_TABLE, "ExtendedOffsetTable")?;
    let lengths = read(
        tags::EXTENDED_OFFSET_TABLE_LENGTHS,
        "ExtendedOffsetTableLengths",
    )?;
    Ok(offsets.zip(lengths))
}

fn native(
    file: &DicomFile,
    format: &PixelFormat,
    value: &PrimitiveValue,
    order: ByteOrder,
) -> Result<Samples, DicomError> {
    let total = format.total_samples().unwrap_or(usize::MAX);
    // dicom-rs reads OW values in the file's byte order; for 16-bit samples they are the
    // samples themselves.
    if let (PrimitiveValue::U16(words), 16, false) = (value, format.bits_allocated, format.planar) {
        if words.len() < total {
            return Err(truncated(file, words.len() * 2, total * 2));
        }
        return Ok(samples_from_words(&words[..total], format));
    }
    // 8-bit samples in OW words: the first sample is each word's low byte (PS3.5 8.1.1),
    // whatever the byte order.
    let bytes = match (value, format.bits_allocated) {
        (PrimitiveValue::U16(words), 8) => {
            Cow::Owned(words.iter().flat_map(|w| w.to_le_bytes()).collect())
        }
        _ => file_order_bytes(value, order),
    };
    if format.bits_allocated == 1 {
        let unpacked = unpack_bits(&bytes, 0, total)
            .ok_or_else(|| truncated(file, bytes.len(), total.div_ceil(8)))?;
        return Ok(Samples::U8(unpacked));
    }
    let width = format.sample_bytes();
    let needed = total * width;
    if bytes.len() < needed {
        return Err(truncated(file, bytes.len(), needed));
    }
    let mut le = bytes[..needed].to_vec();
    if order == ByteOrder::Big && width > 1 {
        for sample in le.chunks_exact_mut(width) {
            sample.reverse();
        }
    }
    if format.planar && format.samples_per_pixel > 1 {
        let frame = format.frame_bytes();
        le = le
            .chunks_exact(frame)
            .flat_map(|f| interleave(f, format.samples_per_pixel, width))
            .collect();
    }
    Ok(samples_from_le(&le, format))
}

fn samples_from_words(words: &[u16], format: &PixelFormat) -> Samples {
    let stored = u32::from(format.bits_stored);
    if stored == 16 {
        return if format.signed {
            Samples::I16(words.iter().map(|w| *w as i16).collect())
        } else {
            Samples::U16(words.to_vec())
        };
    }
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    samples_from_le(&bytes, format)
}

/// The value's bytes as they lay in the file.
fn file_order_bytes(value: &PrimitiveValue, order: ByteOrder) -> Cow<'_, [u8]> {
    macro_rules! words {
        ($values:expr) => {
            Cow::Owned(
                $values
                    .iter()
                    .flat_map(|v| match order {
                        ByteOrder::Little => v.to_le_bytes().to_vec(),
                        ByteOrder::Big => v.to_be_bytes().to_vec(),
                    })
                    .collect(),
            )
        };
    }
    match value {
        PrimitiveValue::U8(bytes) => Cow::Borrowed(bytes.as_slice()),
        PrimitiveValue::U16(v) => words!(v),
        PrimitiveValue::I16(v) => words!(v),
        PrimitiveValue::U32(v) => words!(v),
        PrimitiveValue::I32(v) => words!(v),
        PrimitiveValue::F32(v) => words!(v),
        PrimitiveValue::F64(v) => words!(v),
        PrimitiveValue::U64(v) => words!(v),
        PrimitiveValue::I64(v) => words!(v),
        other => other.to_bytes(),
    }
}

fn truncated(file: &DicomFile, found: usize, expected: usize) -> DicomError {
    DicomError::Truncated {
        path: file.path.clone(),
        found,
        expected,
    }
}
