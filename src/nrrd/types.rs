//! The closed vocabularies of an NRRD header: sample types, encodings, endianness,
//! named spaces, axis kinds and centerings.
//!
//! Each type parses every spelling the format allows (aliases, any case) and prints
//! one canonical spelling, the one radflow writes and reports.

use std::fmt;

/// The type of one sample. `Block(size)` is teem's opaque fixed-size record: `type: block`
/// together with `block size: <size>` in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarType {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
    Block(usize),
}

impl ScalarType {
    /// Bytes per sample.
    pub fn size_bytes(self) -> usize {
        match self {
            ScalarType::I8 | ScalarType::U8 => 1,
            ScalarType::I16 | ScalarType::U16 => 2,
            ScalarType::I32 | ScalarType::U32 | ScalarType::F32 => 4,
            ScalarType::I64 | ScalarType::U64 | ScalarType::F64 => 8,
            ScalarType::Block(size) => size,
        }
    }

    /// Whether the byte order matters: multi-byte numbers do, bytes and blocks do not.
    pub fn needs_endian(self) -> bool {
        !matches!(self, ScalarType::Block(_)) && self.size_bytes() > 1
    }

    /// The canonical NRRD spelling (`int16`, `float`, `block`).
    pub fn nrrd_name(self) -> &'static str {
        match self {
            ScalarType::I8 => "int8",
            ScalarType::U8 => "uint8",
            ScalarType::I16 => "int16",
            ScalarType::U16 => "uint16",
            ScalarType::I32 => "int32",
            ScalarType::U32 => "uint32",
            ScalarType::I64 => "int64",
            ScalarType::U64 => "uint64",
            ScalarType::F32 => "float",
            ScalarType::F64 => "double",
            ScalarType::Block(_) => "block",
        }
    }

    /// Parses a `type:` value. `block` comes back as `Block(0)`: its size is a separate
    /// field, which the header parser fills in. Case and runs of spaces are ignored.
    pub fn parse(text: &str) -> Option<ScalarType> {
        let words: Vec<String> = text
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        let name = words.join(" ");
        let scalar = match name.as_str() {
            "signed char" | "int8" | "int8_t" => ScalarType::I8,
            "uchar" | "unsigned char" | "uint8" | "uint8_t" => ScalarType::U8,
            "short" | "short int" | "signed short" | "signed short int" | "int16" | "int16_t" => {
                ScalarType::I16
            }
            "ushort" | "unsigned short" | "unsigned short int" | "uint16" | "uint16_t" => {
                ScalarType::U16
            }
            "int" | "signed int" | "int32" | "int32_t" => ScalarType::I32,
            "uint" | "unsigned int" | "uint32" | "uint32_t" => ScalarType::U32,
            "longlong"
            | "long long"
            | "long long int"
            | "signed long long"
            | "signed long long int"
            | "int64"
            | "int64_t" => ScalarType::I64,
            "ulonglong"
            | "unsigned long long"
            | "unsigned long long int"
            | "uint64"
            | "uint64_t" => ScalarType::U64,
            "float" => ScalarType::F32,
            "double" => ScalarType::F64,
            "block" => ScalarType::Block(0),
            _ => return None,
        };
        Some(scalar)
    }
}

impl fmt::Display for ScalarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.nrrd_name())
    }
}

/// How the sample bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    Raw,
    /// Decimal numbers separated by whitespace (`ascii`, `text`, `txt`).
    Ascii,
    /// Two hex digits per byte, whitespace ignored.
    Hex,
    /// A gzip stream (not bare zlib).
    Gzip,
    Bzip2,
}

impl Encoding {
    pub const ALL: [Encoding; 5] = [
        Encoding::Raw,
        Encoding::Ascii,
        Encoding::Hex,
        Encoding::Gzip,
        Encoding::Bzip2,
    ];

    pub fn nrrd_name(self) -> &'static str {
        match self {
            Encoding::Raw => "raw",
            Encoding::Ascii => "ascii",
            Encoding::Hex => "hex",
            Encoding::Gzip => "gzip",
            Encoding::Bzip2 => "bzip2",
        }
    }

    pub fn parse(text: &str) -> Option<Encoding> {
        let encoding = match text.trim().to_ascii_lowercase().as_str() {
            "raw" => Encoding::Raw,
            "ascii" | "text" | "txt" => Encoding::Ascii,
            "hex" => Encoding::Hex,
            "gzip" | "gz" => Encoding::Gzip,
            "bzip2" | "bz2" => Encoding::Bzip2,
            _ => return None,
        };
        Some(encoding)
    }

    /// Whether the stored bytes are binary samples in some byte order (so `endian`
    /// matters for multi-byte types). ASCII stores numbers as text.
    pub fn is_binary(self) -> bool {
        !matches!(self, Encoding::Ascii)
    }

    pub fn is_compressed(self) -> bool {
        matches!(self, Encoding::Gzip | Encoding::Bzip2)
    }

    /// The usual file extension of a detached data file in this encoding.
    pub fn data_file_extension(self) -> &'static str {
        match self {
            Encoding::Raw => "raw",
            Encoding::Ascii => "txt",
            Encoding::Hex => "hex",
            Encoding::Gzip => "raw.gz",
            Encoding::Bzip2 => "raw.bz2",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.nrrd_name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endian {
    Little,
    Big,
}

impl Endian {
    pub fn native() -> Endian {
        if cfg!(target_endian = "little") {
            Endian::Little
        } else {
            Endian::Big
        }
    }

    pub fn nrrd_name(self) -> &'static str {
        match self {
            Endian::Little => "little",
            Endian::Big => "big",
        }
    }

    pub fn parse(text: &str) -> Option<Endian> {
        match text.trim().to_ascii_lowercase().as_str() {
            "little" => Some(Endian::Little),
            "big" => Some(Endian::Big),
            _ => None,
        }
    }
}

impl fmt::Display for Endian {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.nrrd_name())
    }
}

/// A named world space (`space:` field). Each implies a space dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Space {
    RightAnteriorSuperior,
    LeftAnteriorSuperior,
    LeftPosteriorSuperior,
    RightAnteriorSuperiorTime,
    LeftAnteriorSuperiorTime,
    LeftPosteriorSuperiorTime,
    ScannerXyz,
    ScannerXyzTime,
    RightHanded3D,
    RightHanded3DTime,
    LeftHanded3D,
    LeftHanded3DTime,
}

impl Space {
    pub fn nrrd_name(self) -> &'static str {
        match self {
            Space::RightAnteriorSuperior => "right-anterior-superior",
            Space::LeftAnteriorSuperior => "left-anterior-superior",
            Space::LeftPosteriorSuperior => "left-posterior-superior",
            Space::RightAnteriorSuperiorTime => "right-anterior-superior-time",
            Space::LeftAnteriorSuperiorTime => "left-anterior-superior-time",
            Space::LeftPosteriorSuperiorTime => "left-posterior-superior-time",
            Space::ScannerXyz => "scanner-xyz",
            Space::ScannerXyzTime => "scanner-xyz-time",
            Space::RightHanded3D => "3D-right-handed",
            Space::RightHanded3DTime => "3D-right-handed-time",
            Space::LeftHanded3D => "3D-left-handed",
            Space::LeftHanded3DTime => "3D-left-handed-time",
        }
    }

    /// The number of world coordinates: 3, or 4 for the `-time` spaces.
    pub fn dimension(self) -> usize {
        match self {
            Space::RightAnteriorSuperiorTime
            | Space::LeftAnteriorSuperiorTime
            | Space::LeftPosteriorSuperiorTime
            | Space::ScannerXyzTime
            | Space::RightHanded3DTime
            | Space::LeftHanded3DTime => 4,
            _ => 3,
        }
    }

    /// Accepts the long names, the abbreviations (`RAS`, `LPST`) and spellings with
    /// spaces instead of dashes, in any case.
    pub fn parse(text: &str) -> Option<Space> {
        let words: Vec<String> = text
            .split(|c: char| c.is_whitespace() || c == '-')
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        let space = match words.join("-").as_str() {
            "right-anterior-superior" | "ras" => Space::RightAnteriorSuperior,
            "left-anterior-superior" | "las" => Space::LeftAnteriorSuperior,
            "left-posterior-superior" | "lps" => Space::LeftPosteriorSuperior,
            "right-anterior-superior-time" | "rast" => Space::RightAnteriorSuperiorTime,
            "left-anterior-superior-time" | "last" => Space::LeftAnteriorSuperiorTime,
            "left-posterior-superior-time" | "lpst" => Space::LeftPosteriorSuperiorTime,
            "scanner-xyz" => Space::ScannerXyz,
            "scanner-xyz-time" => Space::ScannerXyzTime,
            "3d-right-handed" => Space::RightHanded3D,
            "3d-right-handed-time" => Space::RightHanded3DTime,
            "3d-left-handed" => Space::LeftHanded3D,
            "3d-left-handed-time" => Space::LeftHanded3DTime,
            _ => return None,
        };
        Some(space)
    }
}

impl fmt::Display for Space {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.nrrd_name())
    }
}

/// What an axis means (`kinds:` field). `Unknown` stands for `???` and `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Domain,
    Space,
    Time,
    List,
    Point,
    Vector,
    CovariantVector,
    Normal,
    Stub,
    Scalar,
    Complex,
    Vector2,
    Color3,
    RgbColor,
    HsvColor,
    XyzColor,
    Color4,
    RgbaColor,
    Vector3,
    Gradient3,
    Normal3,
    Vector4,
    Quaternion,
    SymmetricMatrix2D,
    MaskedSymmetricMatrix2D,
    Matrix2D,
    MaskedMatrix2D,
    SymmetricMatrix3D,
    MaskedSymmetricMatrix3D,
    Matrix3D,
    MaskedMatrix3D,
    Unknown,
}

impl Kind {
    const NAMES: [(Kind, &'static str); 31] = [
        (Kind::Domain, "domain"),
        (Kind::Space, "space"),
        (Kind::Time, "time"),
        (Kind::List, "list"),
        (Kind::Point, "point"),
        (Kind::Vector, "vector"),
        (Kind::CovariantVector, "covariant-vector"),
        (Kind::Normal, "normal"),
        (Kind::Stub, "stub"),
        (Kind::Scalar, "scalar"),
        (Kind::Complex, "complex"),
        (Kind::Vector2, "2-vector"),
        (Kind::Color3, "3-color"),
        (Kind::RgbColor, "RGB-color"),
        (Kind::HsvColor, "HSV-color"),
        (Kind::XyzColor, "XYZ-color"),
        (Kind::Color4, "4-color"),
        (Kind::RgbaColor, "RGBA-color"),
        (Kind::Vector3, "3-vector"),
        (Kind::Gradient3, "3-gradient"),
        (Kind::Normal3, "3-normal"),
        (Kind::Vector4, "4-vector"),
        (Kind::Quaternion, "quaternion"),
        (Kind::SymmetricMatrix2D, "2D-symmetric-matrix"),
        (Kind::MaskedSymmetricMatrix2D, "2D-masked-symmetric-matrix"),
        (Kind::Matrix2D, "2D-matrix"),
        (Kind::MaskedMatrix2D, "2D-masked-matrix"),
        (Kind::SymmetricMatrix3D, "3D-symmetric-matrix"),
        (Kind::MaskedSymmetricMatrix3D, "3D-masked-symmetric-matrix"),
        (Kind::Matrix3D, "3D-matrix"),
        (Kind::MaskedMatrix3D, "3D-masked-matrix"),
    ];

    pub fn nrrd_name(self) -> &'static str {
        Kind::NAMES
            .iter()
            .find(|(kind, _)| *kind == self)
            .map_or("???", |(_, name)| name)
    }

    pub fn parse(text: &str) -> Option<Kind> {
        let text = text.trim();
        if text == "???" || text.eq_ignore_ascii_case("none") {
            return Some(Kind::Unknown);
        }
        Kind::NAMES
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(text))
            .map(|(kind, _)| *kind)
    }

    /// Whether the axis is a spatial (or spatio-temporal) one, the kinds that carry a
    /// space direction.
    pub fn is_domain(self) -> bool {
        matches!(self, Kind::Domain | Kind::Space | Kind::Time)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.nrrd_name())
    }
}

/// Where samples sit on an axis (`centerings:` or its old name `centers:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Centering {
    Cell,
    Node,
    /// `???` or `none`.
    Unknown,
}

impl Centering {
    pub fn nrrd_name(self) -> &'static str {
        match self {
            Centering::Cell => "cell",
            Centering::Node => "node",
            Centering::Unknown => "???",
        }
    }

    pub fn parse(text: &str) -> Option<Centering> {
        match text.trim().to_ascii_lowercase().as_str() {
            "cell" => Some(Centering::Cell),
            "node" => Some(Centering::Node),
            "???" | "none" => Some(Centering::Unknown),
            _ => None,
        }
    }
}

impl fmt::Display for Centering {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.nrrd_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_alias_maps_to_its_scalar_type() {
        let table: &[(&str, ScalarType)] = &[
            ("signed char", ScalarType::I8),
            ("int8_t", ScalarType::I8),
            ("uchar", ScalarType::U8),
            ("Unsigned  Char", ScalarType::U8),
            ("short int", ScalarType::I16),
            ("signed short int", ScalarType::I16),
            ("ushort", ScalarType::U16),
            ("unsigned short int", ScalarType::U16),
            ("int", ScalarType::I32),
            ("signed int", ScalarType::I32),
            ("uint", ScalarType::U32),
            ("unsigned int", ScalarType::U32),
            ("longlong", ScalarType::I64),
            ("signed long long int", ScalarType::I64),
            ("ulonglong", ScalarType::U64),
            ("unsigned long long int", ScalarType::U64),
            ("float", ScalarType::F32),
            ("double", ScalarType::F64),
            ("block", ScalarType::Block(0)),
        ];
        for (text, expected) in table {
            assert_eq!(ScalarType::parse(text), Some(*expected), "{text}");
        }
    }

    #[test]
    fn plain_char_and_long_are_not_types() {
        for text in ["char", "long", "unsigned long", "int128", ""] {
            assert_eq!(ScalarType::parse(text), None, "{text}");
        }
    }

    #[test]
    fn canonical_type_names_parse_back_to_the_same_type() {
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
            assert_eq!(ScalarType::parse(scalar.nrrd_name()), Some(scalar));
        }
    }

    #[test]
    fn encoding_aliases_are_case_insensitive() {
        let table = [
            ("ASCII", Encoding::Ascii),
            ("text", Encoding::Ascii),
            ("txt", Encoding::Ascii),
            ("gz", Encoding::Gzip),
            ("GZIP", Encoding::Gzip),
            ("bz2", Encoding::Bzip2),
            ("Hex", Encoding::Hex),
            ("raw", Encoding::Raw),
        ];
        for (text, expected) in table {
            assert_eq!(Encoding::parse(text), Some(expected), "{text}");
        }
        assert_eq!(Encoding::parse("zrl"), None);
    }

    #[test]
    fn space_abbreviations_and_spaced_spellings_parse() {
        let table = [
            ("RAS", Space::RightAnteriorSuperior),
            ("left posterior superior", Space::LeftPosteriorSuperior),
            ("LPST", Space::LeftPosteriorSuperiorTime),
            ("3D-right-handed-time", Space::RightHanded3DTime),
            ("scanner xyz", Space::ScannerXyz),
        ];
        for (text, expected) in table {
            assert_eq!(Space::parse(text), Some(expected), "{text}");
        }
        assert_eq!(Space::LeftPosteriorSuperiorTime.dimension(), 4);
        assert_eq!(Space::LeftPosteriorSuperior.dimension(), 3);
    }

    #[test]
    fn kinds_parse_in_any_case_and_unknown_has_two_spellings() {
        assert_eq!(Kind::parse("rgb-color"), Some(Kind::RgbColor));
        assert_eq!(
            Kind::parse("3D-masked-symmetric-matrix"),
            Some(Kind::MaskedSymmetricMatrix3D)
        );
        assert_eq!(Kind::parse("???"), Some(Kind::Unknown));
        assert_eq!(Kind::parse("none"), Some(Kind::Unknown));
        assert_eq!(Kind::parse("colour"), None);
        for (kind, name) in Kind::NAMES {
            assert_eq!(Kind::parse(name), Some(kind));
        }
    }
}
