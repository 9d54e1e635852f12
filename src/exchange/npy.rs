//! `.npy` files to and from radflow tensors.
//!
//! Reading goes through `ndarray-npy`'s zero-copy view of a byte buffer, after a bound of our
//! own: its header reader allocates `HEADER_LEN` bytes (up to 4 GiB in format 2 and 3) before
//! reading them, and its `read_npy` allocates what the header's shape asks for before reading
//! the data. Here the whole file is read first (so nothing larger than the file is ever
//! allocated), the declared header length is checked against the file and capped at
//! [`MAX_HEADER`], and the view then checks that the data length matches the shape exactly.
//!
//! Writing streams: `ndarray-npy` writes the header (the same bytes `numpy.save` writes) and
//! the samples follow row by row, so a stacked `[N, ...]` array of a large dataset never has
//! to be held in memory.
//!
//! Supported types are the tensor types: `uint8`, `int16`, `uint16`, `int32`, `float32`,
//! `float64`, little-endian (`<`) or byte-order-free (`|`); C or Fortran order (Fortran is
//! reordered to row-major on reading).

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use ndarray::{ArrayViewD, IxDyn};
use ndarray_npy::{ViewNpyError, ViewNpyExt, WritableElement, write_zeroed_npy};

use crate::dataset::{DType, Tensor};

const MAGIC: &[u8] = b"\x93NUMPY";

/// The longest header accepted. numpy's own `np.load` refuses headers over 10,000 bytes
/// unless told otherwise; this leaves room and keeps the header parser's input small.
pub const MAX_HEADER: usize = 65_536;

/// Most dimensions of a radflow tensor.
const MAX_DIMS: usize = 8;

/// Reads a `.npy` file into a tensor. Errors are one line, without the path (the caller
/// names the file).
pub fn read_npy(path: &Path) -> Result<Tensor, String> {
    let mut file = File::open(path).map_err(|e| e.to_string())?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let len = usize::try_from(len).map_err(|_| "the file is too large".to_string())?;
    // Eight-byte alignment so the samples can be viewed in place whatever their type.
    let mut words = vec![0u64; len.div_ceil(8)];
    let bytes = &mut bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..len];
    file.read_exact(bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    let mut rest = [0u8; 1];
    if file.read(&mut rest).map_err(|e| e.to_string())? != 0 {
        return Err("the file grew while it was read".into());
    }
    decode_aligned(bytes)
}

/// Decodes `.npy` bytes (copied to an aligned buffer first).
pub fn decode_npy(bytes: &[u8]) -> Result<Tensor, String> {
    let mut words = vec![0u64; bytes.len().div_ceil(8)];
    let aligned = &mut bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..bytes.len()];
    aligned.copy_from_slice(bytes);
    decode_aligned(aligned)
}

fn decode_aligned(bytes: &[u8]) -> Result<Tensor, String> {
    check_prefix(bytes)?;
    macro_rules! attempt {
        ($ty:ty, $make:path) => {
            match ArrayViewD::<$ty>::view_npy(bytes) {
                Ok(view) => {
                    let shape = view.shape().to_vec();
                    if shape.len() > MAX_DIMS {
                        return Err(format!(
                            "the array has {} dimensions, at most {MAX_DIMS} are supported",
                            shape.len()
                        ));
                    }
                    let samples: Vec<$ty> = match view.as_slice() {
                        Some(slice) => slice.to_vec(),
                        None => view.iter().copied().collect(),
                    };
                    return Ok($make(shape, &samples));
                }
                Err(ViewNpyError::WrongDescriptor(_)) => {}
                Err(error) => return Err(view_error(error)),
            }
        };
    }
    attempt!(u8, Tensor::from_u8);
    attempt!(i16, Tensor::from_i16);
    attempt!(u16, Tensor::from_u16);
    attempt!(i32, Tensor::from_i32);
    attempt!(f32, Tensor::from_f32);
    attempt!(f64, Tensor::from_f64);
    // Every supported type refused the descriptor; one more view names it.
    let found = match ArrayViewD::<u8>::view_npy(bytes) {
        Err(ViewNpyError::WrongDescriptor(descr)) => descr.to_string(),
        _ => "unknown".into(),
    };
    Err(format!(
        "dtype {found} is not supported; save it as uint8, int16, uint16, int32, float32 or \
         float64 (e.g. `a.astype(np.float32)`)"
    ))
}

/// Magic, version and a header length that fits the file and [`MAX_HEADER`], checked before
/// `ndarray-npy` allocates the header.
fn check_prefix(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < MAGIC.len() + 2 || &bytes[..MAGIC.len()] != MAGIC {
        return Err("not a .npy file (no `\\x93NUMPY` magic)".into());
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let (header_len, prefix) = match major {
        1 if bytes.len() >= 10 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        1..=3 => return Err("the header is truncated".into()),
        _ => {
            return Err(format!(
                ".npy format version {major}.{minor} is not supported"
            ));
        }
    };
    if header_len > MAX_HEADER {
        return Err(format!(
            "the header claims {header_len} bytes, at most {MAX_HEADER} are accepted"
        ));
    }
    if prefix + header_len > bytes.len() {
        return Err(format!(
            "the header claims {header_len} bytes, the file has {} after the prefix",
            bytes.len() - prefix
        ));
    }
    Ok(())
}

fn view_error(error: ViewNpyError) -> String {
    match error {
        ViewNpyError::NonNativeEndian => {
            "the array is big-endian; save it little-endian (`a.astype('<f4')`)".into()
        }
        ViewNpyError::MissingBytes(n) => {
            format!("the data is {n} bytes shorter than the header's shape and dtype need")
        }
        ViewNpyError::ExtraBytes(n) => {
            format!("{n} bytes follow the data the header's shape and dtype describe")
        }
        ViewNpyError::MisalignedData => {
            "the data does not start at an aligned offset (not written by numpy?)".into()
        }
        ViewNpyError::ParseHeader(e) => format!("malformed header: {e}"),
        ViewNpyError::LengthOverflow => "the header's shape is too large".into(),
        other => other.to_string(),
    }
}

/// Writes one tensor as a `.npy` file.
pub fn write_npy(path: &Path, tensor: &Tensor) -> io::Result<()> {
    let mut writer = NpyWriter::create(path, tensor.dtype, &tensor.shape)?;
    writer.write(tensor.le_bytes())?;
    writer.finish()
}

/// A `.npy` file written row by row: the header first, then exactly the bytes its shape
/// needs, in row-major order.
pub struct NpyWriter {
    out: BufWriter<File>,
    remaining: usize,
}

impl NpyWriter {
    pub fn create(path: &Path, dtype: DType, shape: &[usize]) -> io::Result<Self> {
        if cfg!(target_endian = "big") {
            return Err(io::Error::other(
                "writing .npy files needs a little-endian machine",
            ));
        }
        let remaining = dtype
            .byte_len(shape)
            .filter(|&n| u64::try_from(n).is_ok())
            .ok_or_else(|| io::Error::other("the array is too large"))?;
        let file = File::create(path)?;
        let dim = IxDyn(shape);
        match dtype {
            DType::U8 => header::<u8>(&file, dim)?,
            DType::I16 => header::<i16>(&file, dim)?,
            DType::U16 => header::<u16>(&file, dim)?,
            DType::I32 => header::<i32>(&file, dim)?,
            DType::F32 => header::<f32>(&file, dim)?,
            DType::F64 => header::<f64>(&file, dim)?,
        }
        Ok(Self {
            out: BufWriter::with_capacity(1 << 20, file),
            remaining,
        })
    }

    /// Appends samples (little-endian bytes).
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.len() > self.remaining {
            return Err(io::Error::other(
                "more samples than the array's shape holds",
            ));
        }
        self.remaining -= bytes.len();
        self.out.write_all(bytes)
    }

    /// Checks that every sample was written and flushes.
    pub fn finish(self) -> io::Result<()> {
        if self.remaining != 0 {
            return Err(io::Error::other(format!(
                "{} bytes of samples missing",
                self.remaining
            )));
        }
        self.out.into_inner().map_err(|e| e.into_error())?;
        Ok(())
    }
}

/// The header `numpy.save` writes, then the file extended (sparse) to its final length; the
/// file position stays at the start of the data.
fn header<A: WritableElement>(file: &File, dim: IxDyn) -> io::Result<()> {
    write_zeroed_npy::<A, _>(file, dim).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(tensor: &Tensor) -> Tensor {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npy");
        write_npy(&path, tensor).unwrap();
        read_npy(&path).unwrap()
    }

    #[test]
    fn every_tensor_type_round_trips() {
        let tensors = [
            Tensor::from_u8(vec![2, 2], &[0, 1, 254, 255]),
            Tensor::from_i16(vec![3], &[i16::MIN, 0, i16::MAX]),
            Tensor::from_u16(vec![1, 2], &[0, u16::MAX]),
            Tensor::from_i32(vec![2], &[i32::MIN, 7]),
            Tensor::from_f32(vec![2, 1, 2], &[0.5, -1.0, 1e-30, 3.25]),
            Tensor::from_f64(vec![], &[std::f64::consts::PI]),
            Tensor::from_f32(vec![0, 4], &[]),
        ];
        for tensor in &tensors {
            assert_eq!(&round_trip(tensor), tensor);
        }
    }

    #[test]
    fn rows_written_one_by_one_make_one_stacked_array() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.npy");
        let mut writer = NpyWriter::create(&path, DType::I32, &[3, 2]).unwrap();
        for row in [[1i32, 2], [3, 4], [5, 6]] {
            writer
                .write(Tensor::from_i32(vec![2], &row).le_bytes())
                .unwrap();
        }
        writer.finish().unwrap();
        assert_eq!(
            read_npy(&path).unwrap(),
            Tensor::from_i32(vec![3, 2], &[1, 2, 3, 4, 5, 6])
        );
    }

    #[test]
    fn a_short_stacked_array_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = NpyWriter::create(&dir.path().join("s.npy"), DType::U8, &[2, 2]).unwrap();
        writer.write(&[1, 2]).unwrap();
        assert!(writer.write(&[1, 2, 3]).is_err());
        assert!(writer.finish().is_err());
    }

    fn header_bytes(version: u8, header_len: u32) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        bytes.extend([version, 0]);
        if version == 1 {
            bytes.extend((header_len as u16).to_le_bytes());
        } else {
            bytes.extend(header_len.to_le_bytes());
        }
        bytes
    }

    #[test]
    fn hostile_headers_are_refused_before_anything_is_allocated() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"PK\x03\x04".to_vec(), "not a .npy file"),
            (header_bytes(2, u32::MAX), "at most 65536"),
            (header_bytes(1, 100), "the file has 0 after the prefix"),
            (header_bytes(9, 1), "version 9.0"),
            (MAGIC.to_vec(), "not a .npy file"),
        ];
        for (bytes, expected) in cases {
            let error = decode_npy(&bytes).unwrap_err();
            assert!(error.contains(expected), "{error}");
        }
    }

    fn npy_with(header: &str, data: &[u8]) -> Vec<u8> {
        let mut dict = header.to_string();
        while !(10 + dict.len() + 1).is_multiple_of(64) {
            dict.push(' ');
        }
        dict.push('\n');
        let mut bytes = MAGIC.to_vec();
        bytes.extend([1, 0]);
        bytes.extend((dict.len() as u16).to_le_bytes());
        bytes.extend(dict.as_bytes());
        bytes.extend(data);
        bytes
    }

    #[test]
    fn lying_or_unsupported_arrays_get_one_line_errors() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (
                npy_with(
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }",
                    &[0; 8],
                ),
                "shorter than",
            ),
            (
                npy_with(
                    "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }",
                    &[0; 8],
                ),
                "dtype '<i8' is not supported",
            ),
            (
                npy_with(
                    "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
                    &[0; 4],
                ),
                "big-endian",
            ),
            (
                npy_with(
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
                    &[0; 8],
                ),
                "4 bytes follow",
            ),
            (
                npy_with(
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }",
                    &[0; 4],
                ),
                "9 dimensions",
            ),
            (npy_with("{'descr': '<f4'}", &[]), "malformed header"),
        ];
        for (bytes, expected) in cases {
            let error = decode_npy(&bytes).unwrap_err();
            assert!(error.contains(expected), "{expected}: {error}");
        }
    }

    #[test]
    fn fortran_order_is_read_in_row_major_order() {
        let data: Vec<u8> = [1i16, 2, 3, 4, 5, 6]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let bytes = npy_with(
            "{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }",
            &data,
        );
        // Column-major [[1, 3, 5], [2, 4, 6]].
        assert_eq!(
            decode_npy(&bytes).unwrap(),
            Tensor::from_i16(vec![2, 3], &[1, 3, 5, 2, 4, 6])
        );
    }
}
