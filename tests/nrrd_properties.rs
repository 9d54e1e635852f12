//! Property tests of the NRRD reader and writer:
//! - random volumes of every type round-trip through write -> read in every encoding,
//!   byte order and layout, with their geometry and key/values;
//! - arbitrary bytes, and valid files with bytes flipped, inserted, deleted or cut off,
//!   never make the reader panic or allocate past its limits.

use std::path::Path;

use proptest::prelude::*;
use radflow::nrrd::{
    self, Encoding, Endian, Header, Kind, Layout, Limits, Nrrd, Samples, ScalarType, Space,
    WriteOptions,
};

const NUMERIC: [ScalarType; 10] = [
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
];

/// Samples of `scalar` from raw random bytes (so floats include NaN, infinities and
/// subnormals).
fn samples_from_bytes(scalar: ScalarType, bytes: &[u8]) -> Samples {
    let mut samples = Samples::zeros(scalar, bytes.len() / scalar.size_bytes());
    let target = samples.as_bytes_mut();
    let len = target.len();
    target.copy_from_slice(&bytes[..len]);
    samples
}

fn scalar_type() -> impl Strategy<Value = ScalarType> {
    prop_oneof![
        9 => proptest::sample::select(NUMERIC.to_vec()),
        1 => (1usize..6).prop_map(ScalarType::Block),
    ]
}

fn volume() -> impl Strategy<Value = Nrrd> {
    (
        scalar_type(),
        proptest::collection::vec(1usize..5, 1..4),
        any::<bool>(),
        proptest::collection::vec(any::<u8>(), 0..1),
    )
        .prop_flat_map(|(scalar, sizes, geometry, _)| {
            let count: usize = sizes.iter().product();
            let bytes = proptest::collection::vec(any::<u8>(), count * scalar.size_bytes());
            let key_values = proptest::collection::vec(
                ("[A-Za-z][A-Za-z0-9_ ]{0,8}", "[ -~\n\\\\μ]{0,12}"),
                0..3,
            );
            let origin = proptest::collection::vec(-1e6f64..1e6, 3);
            (
                Just(scalar),
                Just(sizes),
                Just(geometry),
                bytes,
                key_values,
                origin,
            )
        })
        .prop_map(|(scalar, sizes, geometry, bytes, key_values, origin)| {
            let dimension = sizes.len();
            let mut header = Header::new(scalar, sizes);
            if geometry {
                header.space = Some(Space::LeftPosteriorSuperior);
                header.space_dimension = Some(3);
                header.space_directions = Some(
                    (0..dimension)
                        .map(|axis| {
                            (axis < 3).then(|| {
                                let mut v = vec![0.0; 3];
                                v[axis] = -0.781_249_999_999_999_9 * (axis + 1) as f64;
                                v
                            })
                        })
                        .collect(),
                );
                header.space_origin = Some(origin);
                header.kinds = Some(
                    (0..dimension)
                        .map(|axis| if axis < 3 { Kind::Domain } else { Kind::List })
                        .collect(),
                );
            }
            header.key_values = key_values;
            Nrrd {
                header,
                samples: samples_from_bytes(scalar, &bytes),
            }
        })
}

fn options() -> impl Strategy<Value = WriteOptions> {
    (
        proptest::sample::select(Encoding::ALL.to_vec()),
        prop_oneof![Just(Endian::Little), Just(Endian::Big)],
        prop_oneof![Just(Layout::Attached), Just(Layout::Detached)],
        0u32..10,
    )
        .prop_map(|(encoding, endian, layout, level)| WriteOptions {
            encoding,
            endian,
            layout,
            compression_level: level,
        })
}

/// Samples equal as values: bit for bit, except that ascii cannot keep NaN payloads.
fn same_samples(a: &Samples, b: &Samples, encoding: Encoding) -> bool {
    if encoding != Encoding::Ascii {
        return a.as_bytes() == b.as_bytes() && a.scalar_type() == b.scalar_type();
    }
    match (a.to_f64(), b.to_f64()) {
        (Ok(x), Ok(y)) => {
            a.scalar_type() == b.scalar_type()
                && x.len() == y.len()
                && x.iter()
                    .zip(&y)
                    .all(|(p, q)| (p.is_nan() && q.is_nan()) || p.to_bits() == q.to_bits())
        }
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_volumes_round_trip_through_every_encoding(volume in volume(), options in options()) {
        let is_block = matches!(volume.samples.scalar_type(), ScalarType::Block(_));
        prop_assume!(!(is_block && options.encoding == Encoding::Ascii));
        let dir = tempfile::tempdir().expect("temp dir");
        let name = match options.layout {
            Layout::Attached => "volume.nrrd",
            Layout::Detached => "volume.nhdr",
        };
        let path = dir.path().join(name);
        nrrd::write(&path, &volume, &options).expect("write");
        let back = nrrd::read(&path).expect("read back");

        prop_assert!(same_samples(&volume.samples, &back.samples, options.encoding));
        let (h, b) = (&volume.header, &back.header);
        prop_assert_eq!(&h.sizes, &b.sizes);
        prop_assert_eq!(h.space, b.space);
        prop_assert_eq!(&h.space_directions, &b.space_directions);
        prop_assert_eq!(&h.space_origin, &b.space_origin);
        prop_assert_eq!(&h.kinds, &b.kinds);
        prop_assert_eq!(&h.key_values, &b.key_values);
        prop_assert_eq!(b.encoding, options.encoding);
        let files = nrrd::data_files(b, &path);
        prop_assert_eq!(files.len(), usize::from(options.layout == Layout::Detached));
        for file in files {
            prop_assert!(file.is_file());
        }
        // No temporary files are left behind.
        let leftovers = std::fs::read_dir(dir.path()).expect("list").filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp")).count();
        prop_assert_eq!(leftovers, 0);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = nrrd::read_from_bytes(&bytes, None, &small_limits());
        let mut with_magic = b"NRRD0004\n".to_vec();
        with_magic.extend_from_slice(&bytes);
        let _ = nrrd::read_from_bytes(&with_magic, None, &small_limits());
    }

    #[test]
    fn headers_built_from_field_fragments_never_panic(
        lines in proptest::collection::vec(header_line(), 0..14),
        tail in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut bytes = b"NRRD0005\n".to_vec();
        for line in lines {
            bytes.extend_from_slice(line.as_bytes());
            bytes.push(b'\n');
        }
        bytes.push(b'\n');
        bytes.extend_from_slice(&tail);
        let dir = tempfile::tempdir().expect("temp dir");
        let _ = nrrd::read_from_bytes(&bytes, Some(dir.path()), &small_limits());
    }

    #[test]
    fn mutated_valid_files_never_panic(
        volume in volume(),
        options in options(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..6),
    ) {
        prop_assume!(!(matches!(volume.samples.scalar_type(), ScalarType::Block(_))
            && options.encoding == Encoding::Ascii));
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("v.nrrd");
        let attached = WriteOptions { layout: Layout::Attached, ..options };
        nrrd::write(&path, &volume, &attached).expect("write");
        let mut bytes = std::fs::read(&path).expect("read file");
        for (index, byte, action) in edits {
            if bytes.is_empty() {
                break;
            }
            let at = index.index(bytes.len());
            match action {
                0 => bytes[at] ^= byte | 1,
                1 => bytes.insert(at, byte),
                2 => { bytes.remove(at); }
                _ => bytes.truncate(at),
            }
        }
        let _ = nrrd::read_from_bytes(&bytes, Some(dir.path()), &small_limits());
    }
}

/// Limits small enough that a hostile size claim is refused quickly.
fn small_limits() -> Limits {
    Limits {
        max_bytes: 1 << 20,
        max_header_bytes: 1 << 16,
    }
}

/// A header line: a real field name (in some spelling) with a plausible or hostile value,
/// a key/value pair, a comment, or noise.
fn header_line() -> impl Strategy<Value = String> {
    let names = proptest::sample::select(vec![
        "type",
        "dimension",
        "sizes",
        "encoding",
        "endian",
        "space",
        "space dimension",
        "spacedirections",
        "space origin",
        "kinds",
        "spacings",
        "labels",
        "units",
        "space units",
        "centers",
        "byte skip",
        "line skip",
        "data file",
        "block size",
        "measurement frame",
        "min",
        "old max",
        "content",
        "axis mins",
    ]);
    let values = proptest::sample::select(vec![
        "3",
        "1",
        "0",
        "-1",
        "-2",
        "16",
        "17",
        "99999999999999999999",
        "2 3 4",
        "1 1 1",
        "4000000000 4000000000 4000000000",
        "short",
        "uchar",
        "block",
        "float",
        "raw",
        "gzip",
        "bz2",
        "hex",
        "ascii",
        "little",
        "big",
        "LPS",
        "RAS-time",
        "(1,0,0) (0,1,0) (0,0,1)",
        "none (1,0) (0,1)",
        "(1,2,3)",
        "(nan,1e308,-inf)",
        "domain space list",
        "\"mm\" \"μm\"",
        "\"open",
        "nan 2 3.5",
        "LIST",
        "slice_%03d.raw 0 6 1",
        "slice_%d_%d.raw 0 2 1",
        "x.raw",
        "../x.raw",
        "%n 0 9223372036854775807 1",
        "cell node ???",
        "",
    ]);
    prop_oneof![
        6 => (names, values).prop_map(|(n, v)| format!("{n}: {v}")),
        1 => "[a-z ]{1,8}:=[ -~]{0,10}".prop_map(String::from),
        1 => "# [ -~]{0,10}".prop_map(String::from),
        1 => "[ -~]{0,16}".prop_map(String::from),
    ]
}

#[test]
fn a_written_big_endian_file_states_its_endian_and_reads_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.nrrd");
    let volume =
        Nrrd::from_samples(vec![2, 2], Samples::from(vec![1u16, 2, 3, 0xff00])).expect("volume");
    let options = WriteOptions {
        encoding: Encoding::Raw,
        endian: Endian::Big,
        ..WriteOptions::default()
    };
    nrrd::write(&path, &volume, &options).expect("write");
    let bytes = std::fs::read(&path).expect("file");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("endian: big\n"), "{text}");
    assert!(bytes.ends_with(&[0, 1, 0, 2, 0, 3, 0xff, 0]));
    assert_eq!(nrrd::read(&path).expect("read").samples, volume.samples);
}

#[test]
fn writing_samples_that_do_not_fill_the_sizes_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bad.nrrd");
    let mut volume = Nrrd::from_samples(vec![3], Samples::from(vec![1u8, 2, 3])).expect("volume");
    volume.header.sizes = vec![4];
    let error = nrrd::write(&path, &volume, &WriteOptions::default()).expect_err("refused");
    assert_eq!(
        error.to_string(),
        format!(
            "cannot write `{}`: 3 samples do not fill sizes [4] (4 x uint8)",
            path.display()
        )
    );
    assert!(!Path::new(&path).exists());
}
