//! Decoding one compressed frame to little-endian samples, interleaved (frame, row,
//! column, sample), at BitsAllocated width. One file per codec; each checks the stream's
//! own size fields against Rows, Columns and SamplesPerPixel before decoding, so a
//! codec never allocates for a size the DICOM header did not declare.

mod failure;
mod jpeg;
mod jpeg2000;
mod jpeg_ls;
mod le_bytes;
mod rle;

pub use failure::CodecFailure;

use super::pixel_format::PixelFormat;
use super::transfer_syntax::Compression;

/// Decodes one frame. `budget` bounds the decoded bytes (see `Limits::frame_budget`).
pub fn decode_frame(
    compression: Compression,
    data: &[u8],
    format: &PixelFormat,
    budget: u64,
) -> Result<Vec<u8>, CodecFailure> {
    let codec = codec_name(compression);
    if format.frame_bytes() as u64 > budget {
        return Err(CodecFailure::new(
            codec,
            format!(
                "{} decoded bytes from a {}-byte fragment is more than the compression ratio \
                 limit allows",
                format.frame_bytes(),
                data.len()
            ),
        ));
    }
    if format.bits_allocated == 1
        || (format.bits_allocated == 32 && compression != Compression::Rle)
    {
        return Err(CodecFailure::new(
            codec,
            format!(
                "BitsAllocated {} is not supported in {codec}",
                format.bits_allocated
            ),
        ));
    }
    match compression {
        Compression::Rle => rle::decode(data, format),
        Compression::Jpeg => jpeg::decode(data, format),
        Compression::JpegLs => jpeg_ls::decode(data, format),
        Compression::Jpeg2000 => jpeg2000::decode(data, format),
        Compression::Native(_) => Err(CodecFailure::new(codec, "native data is not compressed")),
    }
}

pub fn codec_name(compression: Compression) -> &'static str {
    match compression {
        Compression::Rle => "RLE Lossless",
        Compression::Jpeg => "JPEG",
        Compression::JpegLs => "JPEG-LS",
        Compression::Jpeg2000 => "JPEG 2000",
        Compression::Native(_) => "native",
    }
}
