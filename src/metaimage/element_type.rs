//! MetaIO `ElementType` names and the sample types radflow stores them as.
//!
//! Sizes follow MetaIO's table (`metaTypes.h`): `MET_LONG` and `MET_ULONG` are 4 bytes,
//! `MET_LONG_LONG` and `MET_ULONG_LONG` 8, whatever the platform's `long`.

use crate::nrrd::ScalarType;

/// The sample type of an `ElementType` value; `None` for names radflow cannot hold.
pub fn parse(name: &str) -> Option<ScalarType> {
    Some(match name {
        "MET_CHAR" => ScalarType::I8,
        "MET_UCHAR" => ScalarType::U8,
        "MET_SHORT" => ScalarType::I16,
        "MET_USHORT" => ScalarType::U16,
        "MET_INT" | "MET_LONG" => ScalarType::I32,
        "MET_UINT" | "MET_ULONG" => ScalarType::U32,
        "MET_LONG_LONG" => ScalarType::I64,
        "MET_ULONG_LONG" => ScalarType::U64,
        "MET_FLOAT" => ScalarType::F32,
        "MET_DOUBLE" => ScalarType::F64,
        _ => return None,
    })
}

/// The `ElementType` name SimpleITK writes for a sample type.
pub fn name(scalar_type: ScalarType) -> &'static str {
    match scalar_type {
        ScalarType::I8 => "MET_CHAR",
        ScalarType::U8 => "MET_UCHAR",
        ScalarType::I16 => "MET_SHORT",
        ScalarType::U16 => "MET_USHORT",
        ScalarType::I32 => "MET_INT",
        ScalarType::U32 => "MET_UINT",
        ScalarType::I64 => "MET_LONG_LONG",
        ScalarType::U64 => "MET_ULONG_LONG",
        ScalarType::F32 => "MET_FLOAT",
        ScalarType::F64 => "MET_DOUBLE",
        ScalarType::Block(_) => "MET_OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for scalar in [
            ScalarType::I8,
            ScalarType::U8,
            ScalarType::I16,
            ScalarType::U16,
            ScalarType::I32,
            ScalarType::U32,
            ScalarType::I64,
            ScalarType::U64,
            ScalarType::F32,
            ScalarType::F64,
        ] {
            assert_eq!(parse(name(scalar)), Some(scalar));
        }
        assert_eq!(parse("MET_LONG"), Some(ScalarType::I32));
        assert_eq!(parse("MET_FLOAT_ARRAY"), None);
    }
}
