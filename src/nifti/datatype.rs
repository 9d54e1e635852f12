//! NIfTI `datatype` codes and the sample types radflow stores them as.
//!
//! The scalar codes map one to one onto [`ScalarType`]. Complex, RGB, 128-bit float and
//! 1-bit codes have no place in a scalar scan and are refused by name.

use crate::nrrd::ScalarType;

/// The sample type of a `datatype` code, or the code's name when radflow cannot hold it.
pub fn scalar_type(code: i16) -> Result<ScalarType, &'static str> {
    Ok(match code {
        2 => ScalarType::U8,
        4 => ScalarType::I16,
        8 => ScalarType::I32,
        16 => ScalarType::F32,
        64 => ScalarType::F64,
        256 => ScalarType::I8,
        512 => ScalarType::U16,
        768 => ScalarType::U32,
        1024 => ScalarType::I64,
        1280 => ScalarType::U64,
        1 => return Err("binary (1 bit)"),
        32 => return Err("complex64"),
        128 => return Err("RGB24"),
        1536 => return Err("float128"),
        1792 => return Err("complex128"),
        2048 => return Err("complex256"),
        2304 => return Err("RGBA32"),
        _ => return Err("unknown"),
    })
}

/// The `datatype` code of a sample type; `None` for blocks.
pub fn code(scalar_type: ScalarType) -> Option<i16> {
    Some(match scalar_type {
        ScalarType::U8 => 2,
        ScalarType::I16 => 4,
        ScalarType::I32 => 8,
        ScalarType::F32 => 16,
        ScalarType::F64 => 64,
        ScalarType::I8 => 256,
        ScalarType::U16 => 512,
        ScalarType::U32 => 768,
        ScalarType::I64 => 1024,
        ScalarType::U64 => 1280,
        ScalarType::Block(_) => return None,
    })
}

/// nibabel's name for a scalar type (numpy's dtype names), used in summaries.
pub fn name(scalar_type: ScalarType) -> &'static str {
    match scalar_type {
        ScalarType::U8 => "uint8",
        ScalarType::I16 => "int16",
        ScalarType::I32 => "int32",
        ScalarType::F32 => "float32",
        ScalarType::F64 => "float64",
        ScalarType::I8 => "int8",
        ScalarType::U16 => "uint16",
        ScalarType::U32 => "uint32",
        ScalarType::I64 => "int64",
        ScalarType::U64 => "uint64",
        ScalarType::Block(_) => "block",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scalar_code_round_trips() {
        for value in [2, 4, 8, 16, 64, 256, 512, 768, 1024, 1280] {
            let scalar = scalar_type(value).expect("scalar code");
            assert_eq!(code(scalar), Some(value));
        }
    }

    #[test]
    fn non_scalar_codes_are_refused_by_name() {
        assert_eq!(scalar_type(32), Err("complex64"));
        assert_eq!(scalar_type(128), Err("RGB24"));
        assert_eq!(scalar_type(3), Err("unknown"));
    }
}
