//! The transfer syntaxes radflow knows: how a file's dataset is encoded (VR explicit or
//! implicit, byte order, deflate) and how its pixel data is compressed.

/// The byte order of native (uncompressed) pixel data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    Little,
    Big,
}

/// How the pixel data of a transfer syntax is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Native samples, in the given byte order (deflate works on the dataset, so a
    /// deflated file's pixel data is native too).
    Native(ByteOrder),
    /// RLE Lossless (PS3.5 Annex G).
    Rle,
    /// JPEG baseline (process 1), extended (processes 2 and 4) and lossless (14, SV1).
    Jpeg,
    /// JPEG-LS lossless and near-lossless.
    JpegLs,
    /// JPEG 2000 (reversible or not; HTJ2K is not read).
    Jpeg2000,
}

/// A transfer syntax UID with its name and how radflow decodes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferSyntax {
    pub uid: String,
    pub name: &'static str,
    /// `None` when radflow does not decode this syntax.
    pub compression: Option<Compression>,
    /// Lossy codings decode to slightly different values in every decoder.
    pub lossy: bool,
}

/// (UID, name, compression, lossy), from PS3.6 Annex A.
const KNOWN: &[(&str, &str, Option<Compression>, bool)] = &[
    (
        "1.2.840.10008.1.2",
        "Implicit VR Little Endian",
        Some(Compression::Native(ByteOrder::Little)),
        false,
    ),
    (
        "1.2.840.10008.1.2.1",
        "Explicit VR Little Endian",
        Some(Compression::Native(ByteOrder::Little)),
        false,
    ),
    (
        "1.2.840.10008.1.2.1.99",
        "Deflated Explicit VR Little Endian",
        Some(Compression::Native(ByteOrder::Little)),
        false,
    ),
    (
        "1.2.840.10008.1.2.2",
        "Explicit VR Big Endian",
        Some(Compression::Native(ByteOrder::Big)),
        false,
    ),
    (
        "1.2.840.10008.1.2.4.50",
        "JPEG Baseline (Process 1)",
        Some(Compression::Jpeg),
        true,
    ),
    (
        "1.2.840.10008.1.2.4.51",
        "JPEG Extended (Process 2 and 4)",
        Some(Compression::Jpeg),
        true,
    ),
    (
        "1.2.840.10008.1.2.4.57",
        "JPEG Lossless, Non-Hierarchical (Process 14)",
        Some(Compression::Jpeg),
        false,
    ),
    (
        "1.2.840.10008.1.2.4.70",
        "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, SV1)",
        Some(Compression::Jpeg),
        false,
    ),
    (
        "1.2.840.10008.1.2.4.80",
        "JPEG-LS Lossless",
        Some(Compression::JpegLs),
        false,
    ),
    (
        "1.2.840.10008.1.2.4.81",
        "JPEG-LS Near-Lossless",
        Some(Compression::JpegLs),
        false,
    ),
    (
        "1.2.840.10008.1.2.4.90",
        "JPEG 2000 Lossless",
        Some(Compression::Jpeg2000),
        false,
    ),
    (
        "1.2.840.10008.1.2.4.91",
        "JPEG 2000",
        Some(Compression::Jpeg2000),
        true,
    ),
    (
        "1.2.840.10008.1.2.5",
        "RLE Lossless",
        Some(Compression::Rle),
        false,
    ),
    (
        "1.2.840.10008.1.2.4.201",
        "High-Throughput JPEG 2000 Lossless",
        None,
        false,
    ),
    (
        "1.2.840.10008.1.2.4.202",
        "High-Throughput JPEG 2000 with RPCL Lossless",
        None,
        false,
    ),
    (
        "1.2.840.10008.1.2.4.203",
        "High-Throughput JPEG 2000",
        None,
        true,
    ),
    ("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile", None, true),
    ("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264", None, true),
    ("1.2.840.10008.1.2.4.110", "JPEG XL Lossless", None, false),
    ("1.2.840.10008.1.2.4.112", "JPEG XL", None, true),
];

impl TransferSyntax {
    /// Looks a UID up (trailing NUL and space padding removed); an unknown UID reads as
    /// a syntax radflow does not decode, named by its UID.
    pub fn from_uid(uid: &str) -> TransferSyntax {
        let uid = uid.trim_end_matches(['\0', ' ']);
        match KNOWN.iter().find(|(known, ..)| *known == uid) {
            Some((_, name, compression, lossy)) => TransferSyntax {
                uid: uid.to_string(),
                name,
                compression: *compression,
                lossy: *lossy,
            },
            None => TransferSyntax {
                uid: uid.to_string(),
                name: "an unknown transfer syntax",
                compression: None,
                lossy: false,
            },
        }
    }

    pub fn is_encapsulated(&self) -> bool {
        !matches!(self.compression, Some(Compression::Native(_)) | None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_resolve_to_their_names_and_codecs() {
        let cases: &[(&str, &str, Option<Compression>)] = &[
            (
                "1.2.840.10008.1.2\0",
                "Implicit VR Little Endian",
                Some(Compression::Native(ByteOrder::Little)),
            ),
            (
                "1.2.840.10008.1.2.2",
                "Explicit VR Big Endian",
                Some(Compression::Native(ByteOrder::Big)),
            ),
            (
                "1.2.840.10008.1.2.5 ",
                "RLE Lossless",
                Some(Compression::Rle),
            ),
            (
                "1.2.840.10008.1.2.4.201",
                "High-Throughput JPEG 2000 Lossless",
                None,
            ),
            ("1.2.3.4", "an unknown transfer syntax", None),
        ];
        for (uid, name, compression) in cases {
            let syntax = TransferSyntax::from_uid(uid);
            assert_eq!(
                (syntax.name, syntax.compression),
                (*name, *compression),
                "{uid}"
            );
            assert!(!syntax.uid.ends_with(['\0', ' ']));
        }
    }
}
