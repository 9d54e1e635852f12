//! A small self-describing array format for blobs: slice pixels, masks, feature vectors.
//!
//! Layout (all little-endian): magic `RFT1`, dtype (u8), ndim (u8), two reserved zero bytes,
//! `ndim` u64 sizes (slowest axis first, row-major), then the samples. Canonical: the same
//! array always encodes to the same bytes, so equal arrays deduplicate in the object store.

use std::fmt;

const MAGIC: &[u8; 4] = b"RFT1";
const MAX_DIMS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    U8,
    I16,
    U16,
    I32,
    F32,
    F64,
}

impl DType {
    fn code(self) -> u8 {
        match self {
            DType::U8 => 1,
            DType::I16 => 2,
            DType::U16 => 3,
            DType::I32 => 4,
            DType::F32 => 5,
            DType::F64 => 6,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => DType::U8,
            2 => DType::I16,
            3 => DType::U16,
            4 => DType::I32,
            5 => DType::F32,
            6 => DType::F64,
            _ => return None,
        })
    }

    /// Every type, in code order.
    pub const ALL: [DType; 6] = [
        DType::U8,
        DType::I16,
        DType::U16,
        DType::I32,
        DType::F32,
        DType::F64,
    ];

    /// The type numpy calls `name` (`uint8`, `float32`, ...).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.to_string() == name)
    }

    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }

    /// Bytes of `shape` samples of this type; `None` on overflow.
    pub fn byte_len(self, shape: &[usize]) -> Option<usize> {
        shape
            .iter()
            .try_fold(self.size(), |acc, &s| acc.checked_mul(s))
    }

    pub fn size(self) -> usize {
        match self {
            DType::U8 => 1,
            DType::I16 | DType::U16 => 2,
            DType::I32 | DType::F32 => 4,
            DType::F64 => 8,
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DType::U8 => "uint8",
            DType::I16 => "int16",
            DType::U16 => "uint16",
            DType::I32 => "int32",
            DType::F32 => "float32",
            DType::F64 => "float64",
        })
    }
}

/// A decoded tensor: its type, shape and raw little-endian sample bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub dtype: DType,
    pub shape: Vec<usize>,
    data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TensorError {
    #[error("not a radflow tensor (bad magic)")]
    Magic,
    #[error("tensor header is truncated")]
    Truncated,
    #[error("unknown tensor dtype code {0}")]
    DType(u8),
    #[error("tensor has {0} dimensions, at most {MAX_DIMS} are supported")]
    Dims(usize),
    #[error("tensor data has {found} bytes, its shape {shape:?} of {dtype} needs {expected}")]
    Size {
        found: usize,
        expected: usize,
        shape: Vec<usize>,
        dtype: DType,
    },
    #[error("tensor is {found}, expected {expected}")]
    WrongType { found: DType, expected: DType },
}

macro_rules! typed_constructor {
    ($name:ident, $to:ident, $ty:ty, $dtype:expr) => {
        pub fn $name(shape: Vec<usize>, samples: &[$ty]) -> Tensor {
            assert_eq!(
                shape.iter().product::<usize>(),
                samples.len(),
                "shape/sample mismatch"
            );
            let mut data = Vec::with_capacity(samples.len() * std::mem::size_of::<$ty>());
            for s in samples {
                data.extend_from_slice(&s.to_le_bytes());
            }
            Tensor {
                dtype: $dtype,
                shape,
                data,
            }
        }

        pub fn $to(&self) -> Result<Vec<$ty>, TensorError> {
            if self.dtype != $dtype {
                return Err(TensorError::WrongType {
                    found: self.dtype,
                    expected: $dtype,
                });
            }
            const N: usize = std::mem::size_of::<$ty>();
            Ok(self
                .data
                .chunks_exact(N)
                .map(|c| <$ty>::from_le_bytes(c.try_into().expect("chunk of N bytes")))
                .collect())
        }
    };
}

impl Tensor {
    typed_constructor!(from_u8, to_u8, u8, DType::U8);
    typed_constructor!(from_i16, to_i16, i16, DType::I16);
    typed_constructor!(from_u16, to_u16, u16, DType::U16);
    typed_constructor!(from_i32, to_i32, i32, DType::I32);
    typed_constructor!(from_f32, to_f32_exact, f32, DType::F32);
    typed_constructor!(from_f64, to_f64_exact, f64, DType::F64);

    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The samples as f32, whatever the stored type (f64 rounds).
    pub fn to_f32(&self) -> Vec<f32> {
        let d = &self.data;
        match self.dtype {
            DType::U8 => d.iter().map(|&b| f32::from(b)).collect(),
            DType::I16 => d
                .chunks_exact(2)
                .map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])))
                .collect(),
            DType::U16 => d
                .chunks_exact(2)
                .map(|c| f32::from(u16::from_le_bytes([c[0], c[1]])))
                .collect(),
            DType::I32 => d
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f32)
                .collect(),
            DType::F32 => d
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            DType::F64 => d
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32)
                .collect(),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + 8 * self.shape.len() + self.data.len());
        out.extend_from_slice(MAGIC);
        out.push(self.dtype.code());
        out.push(self.shape.len() as u8);
        out.extend_from_slice(&[0, 0]);
        for &size in &self.shape {
            out.extend_from_slice(&(size as u64).to_le_bytes());
        }
        out.extend_from_slice(&self.data);
        out
    }

    /// The dtype, shape and header length of an encoded tensor, from its first bytes only
    /// (at most [`Tensor::MAX_HEADER`]); the samples are neither read nor checked.
    pub fn peek(bytes: &[u8]) -> Result<(DType, Vec<usize>, usize), TensorError> {
        if bytes.len() < 8 {
            return Err(TensorError::Truncated);
        }
        if &bytes[..4] != MAGIC {
            return Err(TensorError::Magic);
        }
        let dtype = DType::from_code(bytes[4]).ok_or(TensorError::DType(bytes[4]))?;
        let ndim = bytes[5] as usize;
        if ndim > MAX_DIMS {
            return Err(TensorError::Dims(ndim));
        }
        let header = 8 + 8 * ndim;
        if bytes.len() < header {
            return Err(TensorError::Truncated);
        }
        let shape: Vec<usize> = bytes[8..header]
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")) as usize)
            .collect();
        Ok((dtype, shape, header))
    }

    /// The most bytes [`Tensor::peek`] needs.
    pub const MAX_HEADER: usize = 8 + 8 * MAX_DIMS;

    pub fn decode(bytes: &[u8]) -> Result<Tensor, TensorError> {
        let (dtype, shape, header) = Self::peek(bytes)?;
        Self::from_le_bytes(dtype, shape, bytes[header..].to_vec())
    }

    /// A tensor from its samples as little-endian bytes, row-major; the length must match.
    pub fn from_le_bytes(
        dtype: DType,
        shape: Vec<usize>,
        data: Vec<u8>,
    ) -> Result<Tensor, TensorError> {
        if shape.len() > MAX_DIMS {
            return Err(TensorError::Dims(shape.len()));
        }
        let expected = dtype.byte_len(&shape).unwrap_or(usize::MAX);
        if data.len() != expected {
            return Err(TensorError::Size {
                found: data.len(),
                expected,
                shape,
                dtype,
            });
        }
        Ok(Tensor { dtype, shape, data })
    }

    /// The samples as little-endian bytes, row-major.
    pub fn le_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Whether any sample is NaN or infinite (always false for integer types).
    pub fn has_non_finite(&self) -> bool {
        match self.dtype {
            DType::F32 => self
                .data
                .chunks_exact(4)
                .any(|c| !f32::from_le_bytes([c[0], c[1], c[2], c[3]]).is_finite()),
            DType::F64 => self
                .data
                .chunks_exact(8)
                .any(|c| !f64::from_le_bytes(c.try_into().expect("8 bytes")).is_finite()),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensors_round_trip() {
        let t = Tensor::from_i16(vec![2, 3], &[1, -2, 3, -4, 5, i16::MIN]);
        let back = Tensor::decode(&t.encode()).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.to_i16().unwrap(), vec![1, -2, 3, -4, 5, i16::MIN]);
        assert_eq!(back.to_f32()[5], -32768.0);
    }

    #[test]
    fn truncated_or_lying_tensors_are_refused() {
        let bytes = Tensor::from_f32(vec![4], &[1.0, 2.0, 3.0, 4.0]).encode();
        assert_eq!(
            Tensor::decode(&bytes[..bytes.len() - 1])
                .unwrap_err()
                .to_string(),
            "tensor data has 15 bytes, its shape [4] of float32 needs 16"
        );
        assert_eq!(Tensor::decode(&bytes[..6]), Err(TensorError::Truncated));
        let mut huge = bytes.clone();
        huge[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            Tensor::decode(&huge),
            Err(TensorError::Size { .. })
        ));
    }

    #[test]
    fn asking_for_the_wrong_type_is_an_error() {
        let t = Tensor::from_u8(vec![1], &[7]);
        assert!(matches!(
            t.to_f32_exact(),
            Err(TensorError::WrongType { .. })
        ));
    }
}
