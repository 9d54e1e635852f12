//! DICOM series and SEG written by radflow, read back by radflow and by readers nobody
//! here wrote: SimpleITK's ImageSeriesReader (geometry, physical values) and pydicom
//! (tags, stored samples), through `tests/dicom_reference.py`. The volumes are
//! non-square, anisotropic, oblique and rotated, with negative samples; file names and
//! InstanceNumbers are shuffled before reading. Corrupt series must fail with errors that
//! name the series and the file.
//!
//! Needs RADFLOW_PYTHON (or python3) with pydicom, numpy and SimpleITK.

use std::path::{Path, PathBuf};
use std::process::Command;

use dicom_core::{PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::OpenFileOptions;
use radflow::dicom::{
    DicomError, Identity, SegmentMask, SeriesLabels, check_reference, read_dicom_seg,
    read_dicom_series, read_series, write_seg, write_series,
};
use radflow::nrrd::Samples;
use radflow::seg::{AlignTolerance, Geometry, LesionSelector, Space, align_lesion};
use radflow::volume::{Rescale, ScanVolume};
use serde_json::Value;

fn python_json(command: &str, argument: &Path) -> Value {
    let python = std::env::var("RADFLOW_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let helper = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dicom_reference.py");
    let output = Command::new(&python)
        .arg(helper)
        .arg(command)
        .arg(argument)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{python}` ({e}); this test needs python3 with pydicom, numpy and SimpleITK (requirements-dev.txt), or RADFLOW_PYTHON"));
    assert!(
        output.status.success(),
        "tests/dicom_reference.py {command} failed; this test needs pydicom, numpy and SimpleITK (pip install -r requirements-dev.txt):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// Rotation by `angle` degrees about the unit `axis`.
fn rotation(axis: [f64; 3], angle: f64) -> [[f64; 3]; 3] {
    let n = (axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]).sqrt();
    let [x, y, z] = axis.map(|v| v / n);
    let (s, c) = angle.to_radians().sin_cos();
    let t = 1.0 - c;
    [
        [t * x * x + c, t * x * y - s * z, t * x * z + s * y],
        [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
        [t * x * z - s * y, t * y * z + s * x, t * z * z + c],
    ]
}

/// A volume whose step vectors are the rotated axes scaled by `spacing`.
fn volume(
    sizes: [usize; 3],
    spacing: [f64; 3],
    rotate: Option<([f64; 3], f64)>,
    rescale: Option<Rescale>,
) -> ScanVolume {
    let r = rotate.map_or(
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        |(axis, angle)| rotation(axis, angle),
    );
    let directions = [0, 1, 2].map(|a| {
        [
            r[0][a] * spacing[a],
            r[1][a] * spacing[a],
            r[2][a] * spacing[a],
        ]
    });
    let geometry =
        Geometry::new(sizes, [-120.25, 33.5, -7.125], directions, Space::Lps).expect("grid");
    let count = sizes.iter().product::<usize>();
    let samples = (0..count).map(|v| ((v * 37 % 1021) as i16) - 600).collect();
    ScanVolume {
        format: radflow::volume::Format::DicomSeries,
        samples: Samples::I16(samples),
        geometry,
        rescale,
    }
}

fn identity(name: &str) -> Identity {
    Identity {
        patient_id: name.to_string(),
        seed: 42,
    }
}

/// Renames every file to a shuffled name in a nested folder and rewrites InstanceNumbers
/// in reverse-shuffled order, so neither can be used to order slices.
fn shuffle(files: &[PathBuf], dir: &Path) {
    let n = files.len();
    for (index, file) in files.iter().enumerate() {
        let mut object = OpenFileOptions::new().open_file(file).expect("reopen");
        let instance = ((index * 7 + 3) % n) + 1;
        object.put_element(dicom_core::DataElement::new(
            tags::INSTANCE_NUMBER,
            VR::IS,
            PrimitiveValue::from(instance.to_string()),
        ));
        let target = dir
            .join(if index % 2 == 0 { "a" } else { "b" })
            .join(format!("x{}", (index * 5 + 1) % (n + 3)));
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        object.write_to_file(&target).expect("rewrite");
        std::fs::remove_file(file).expect("remove original");
    }
}

fn assert_close(label: &str, ours: &[f64], theirs: &[f64], tolerance: f64) {
    assert_eq!(ours.len(), theirs.len(), "{label}");
    for (a, b) in ours.iter().zip(theirs) {
        assert!(
            (a - b).abs() <= tolerance,
            "{label}: radflow {ours:?} vs reference {theirs:?}"
        );
    }
}

fn floats(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_f64().expect("number"))
        .collect()
}

#[test]
fn written_series_read_back_with_the_geometry_simpleitk_and_pydicom_see() {
    let cases: Vec<(&str, ScanVolume)> = vec![
        (
            "axial non-square anisotropic",
            volume([7, 5, 4], [0.7, 0.9, 3.0], None, None),
        ),
        (
            "oblique",
            volume(
                [6, 9, 5],
                [1.1, 0.6, 2.5],
                Some(([1.0, 0.0, 0.0], 17.0)),
                None,
            ),
        ),
        (
            "rotated about a skew axis, rescaled",
            volume(
                [8, 6, 3],
                [0.5, 0.8, 1.7],
                Some(([0.3, -0.5, 0.8], 123.0)),
                Some(Rescale {
                    slope: 1.0,
                    intercept: -1024.0,
                }),
            ),
        ),
        (
            "sagittal",
            volume(
                [5, 7, 6],
                [1.0, 1.2, 0.9],
                Some(([0.0, 1.0, 0.0], 90.0)),
                None,
            ),
        ),
    ];
    for (name, scan) in cases {
        let temp = tempfile::tempdir().expect("temp");
        let written = write_series(
            &temp.path().join("tmp"),
            &scan,
            &identity(name),
            &SeriesLabels::default(),
        )
        .expect(name);
        let dir = temp.path().join("series");
        shuffle(&written.files, &dir);
        std::fs::remove_dir(temp.path().join("tmp")).expect("emptied");

        let ours = read_series(&dir).expect(name);
        assert_eq!(ours.samples, scan.samples, "{name}: samples");
        assert_eq!(ours.rescale, scan.rescale, "{name}: rescale");
        let g = &ours.geometry;
        assert_eq!(g.sizes(), scan.geometry.sizes(), "{name}");
        for (a, b) in g.directions().iter().zip(scan.geometry.directions()) {
            assert_close(name, a, &b, 1e-9);
        }
        assert_close(name, &g.origin(), &scan.geometry.origin(), 1e-9);

        let sitk = python_json("series", &dir);
        assert_eq!(
            sitk["size"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect::<Vec<_>>(),
            g.sizes().to_vec(),
            "{name}"
        );
        assert_close(
            &format!("{name}: origin"),
            &g.origin(),
            &floats(&sitk["origin"]),
            1e-6,
        );
        assert_close(
            &format!("{name}: spacing"),
            &g.spacing(),
            &floats(&sitk["spacing"]),
            1e-6,
        );
        let spacing = g.spacing();
        let direction: Vec<f64> = (0..3)
            .flat_map(|row| (0..3).map(move |axis| (row, axis)))
            .map(|(row, axis)| g.directions()[axis][row] / spacing[axis])
            .collect();
        assert_close(
            &format!("{name}: direction"),
            &direction,
            &floats(&sitk["direction"]),
            1e-6,
        );
        let rescale = ours.rescale.unwrap_or(Rescale {
            slope: 1.0,
            intercept: 0.0,
        });
        let physical: Vec<u8> = ours
            .samples
            .to_f64()
            .unwrap()
            .iter()
            .flat_map(|v| (v * rescale.slope + rescale.intercept).to_le_bytes())
            .collect();
        let digest = sha256_hex(&physical);
        assert_eq!(
            digest,
            sitk["physical_sha256"].as_str().unwrap(),
            "{name}: physical values vs SimpleITK"
        );

        // pydicom sees the tags radflow wrote.
        for record in python_json("pydicom-series", &dir).as_array().unwrap() {
            assert_eq!(record["series_uid"], written.series_uid.as_str());
            assert_eq!(record["modality"], "MR");
            assert_close(
                &format!("{name}: orientation"),
                &floats(&record["orientation"]),
                &{
                    let d = scan.geometry.directions();
                    let s = scan.geometry.spacing();
                    [d[0].map(|v| v / s[0]), d[1].map(|v| v / s[1])].concat()
                },
                1e-9,
            );
            assert_close(
                &format!("{name}: PixelSpacing"),
                &floats(&record["spacing"]),
                &[s1(&scan), s0(&scan)],
                1e-12,
            );
        }
    }
}

fn s0(scan: &ScanVolume) -> f64 {
    scan.geometry.spacing()[0]
}
fn s1(scan: &ScanVolume) -> f64 {
    scan.geometry.spacing()[1]
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_cropped_multi_segment_seg_lands_on_its_series_by_position() {
    let scan = volume(
        [9, 7, 6],
        [0.8, 1.1, 2.0],
        Some(([0.2, 0.1, 1.0], 30.0)),
        None,
    );
    let temp = tempfile::tempdir().expect("temp");
    let written = write_series(
        &temp.path().join("scan"),
        &scan,
        &identity("P7"),
        &SeriesLabels::default(),
    )
    .expect("series");
    let count = scan.geometry.voxel_count();
    // Segment 1 on slices 1-2, segment 2 on slices 2 and 4 (slices 0, 3, 5 have no frame).
    let mut tumor = vec![0u8; count];
    let mut edema = vec![0u8; count];
    let index = |i: usize, j: usize, k: usize| i + 9 * (j + 7 * k);
    for (i, j, k) in [(1, 1, 1), (2, 1, 1), (3, 4, 2), (8, 6, 2)] {
        tumor[index(i, j, k)] = 1;
    }
    for (i, j, k) in [(3, 4, 2), (0, 0, 4), (5, 6, 4)] {
        edema[index(i, j, k)] = 1;
    }
    let seg_path = temp.path().join("seg.dcm");
    let segments = [
        SegmentMask {
            number: 1,
            label: "tumor",
            mask: &tumor,
        },
        SegmentMask {
            number: 2,
            label: "edema",
            mask: &edema,
        },
    ];
    write_seg(
        &seg_path,
        &scan.geometry,
        &segments,
        &written,
        &identity("P7"),
    )
    .expect("seg");

    let seg = read_dicom_seg(&seg_path, &Default::default()).expect("reads");
    assert_eq!(
        seg.referenced_series_uid.as_deref(),
        Some(written.series_uid.as_str())
    );
    let names: Vec<&str> = seg
        .segmentation
        .segments()
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["tumor", "edema"]);
    // The two segments overlap at (3, 4, 2): one layer each.
    assert_eq!(seg.segmentation.layers().len(), 2);
    let series =
        read_dicom_series(&temp.path().join("scan"), None, &Default::default()).expect("series");
    check_reference(&seg, &temp.path().join("scan"), &series.series_uid).expect("same series");
    for (selector, expected) in [
        (LesionSelector::SegmentNames(vec!["tumor".into()]), &tumor),
        (LesionSelector::SegmentNames(vec!["edema".into()]), &edema),
    ] {
        let (mask, alignment) = align_lesion(
            &seg.segmentation,
            &selector,
            &series.volume.geometry,
            Path::new("scan"),
            &AlignTolerance::default(),
        )
        .expect("aligns");
        assert_eq!(alignment.dropped_voxels, 0);
        assert_eq!(mask.voxels(), expected.as_slice(), "{selector:?}");
    }
    // pydicom reads the same frames: positions and voxel counts per frame.
    let reference = python_json("seg", &seg_path);
    let frames = reference["frames"].as_array().unwrap();
    assert_eq!(
        frames.len(),
        4,
        "frames of non-empty (segment, slice) pairs only"
    );
    let counts: Vec<u64> = frames
        .iter()
        .map(|f| f["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [2, 2, 1, 2]);
    assert_eq!(reference["referenced_series"], written.series_uid.as_str());

    let other = volume([9, 7, 6], [0.8, 1.1, 2.0], None, None);
    let other_series = write_series(
        &temp.path().join("other"),
        &other,
        &identity("P8"),
        &SeriesLabels::default(),
    )
    .expect("other");
    let error = check_reference(&seg, &temp.path().join("other"), &other_series.series_uid)
        .expect_err("other series");
    let message = error.to_string();
    assert!(
        message.contains(&written.series_uid) && message.contains(&other_series.series_uid),
        "{message}"
    );
    assert!(message.contains("seg.dcm"), "{message}");
}

/// Writes a small series and returns its folder and files (slice order).
fn small_series(temp: &Path, name: &str, sizes: [usize; 3]) -> (PathBuf, Vec<PathBuf>) {
    let dir = temp.join(name);
    let written = write_series(
        &dir,
        &volume(sizes, [0.5, 0.5, 2.0], None, None),
        &identity("P1"),
        &SeriesLabels::default(),
    )
    .expect("series");
    (dir, written.files)
}

fn rewrite(path: &Path, edit: impl FnOnce(&mut dicom_object::DefaultDicomObject)) {
    let mut object = OpenFileOptions::new().open_file(path).expect("open");
    edit(&mut object);
    object.write_to_file(path).expect("write");
}

#[test]
fn corrupt_series_fail_with_errors_naming_the_series_and_the_file() {
    let temp = tempfile::tempdir().expect("temp");
    type Break = Box<dyn Fn(&Path, &[PathBuf])>;
    let cases: Vec<(&str, Break, Vec<&str>)> = vec![
        (
            "missing",
            Box::new(|_, files| std::fs::remove_file(&files[2]).unwrap()),
            vec!["a missing slice", "IM0002.dcm", "IM0004.dcm", "4.0000 mm"],
        ),
        (
            "duplicate",
            Box::new(|dir, files| {
                std::fs::copy(&files[1], dir.join("copy.dcm")).unwrap();
            }),
            vec!["same position", "IM0002.dcm", "copy.dcm"],
        ),
        (
            "orientation",
            Box::new(|_, files| {
                rewrite(&files[3], |o| {
                    o.put_element(dicom_core::DataElement::new(
                        tags::IMAGE_ORIENTATION_PATIENT,
                        VR::DS,
                        PrimitiveValue::from("1\\0\\0\\0\\0.8\\-0.6"),
                    ));
                })
            }),
            vec!["IM0004.dcm", "has orientation"],
        ),
        (
            "size",
            Box::new(|dir, _| {
                let (_, others) = small_series(dir.parent().unwrap(), "bigger", [7, 7, 4]);
                std::fs::copy(&others[0], dir.join("stranger.dcm")).unwrap();
            }),
            vec!["stranger.dcm", "has size 7x7"],
        ),
        (
            "truncated",
            Box::new(|_, files| {
                let bytes = std::fs::read(&files[0]).unwrap();
                std::fs::write(&files[0], &bytes[..bytes.len() - 10]).unwrap();
            }),
            vec!["IM0001.dcm"],
        ),
        (
            "unsupported syntax",
            Box::new(|_, files| {
                rewrite(&files[0], |o| {
                    o.meta_mut().transfer_syntax = "1.2.840.10008.1.2.4.201".to_string();
                    o.meta_mut().update_information_group_length();
                })
            }),
            vec![
                "High-Throughput JPEG 2000 Lossless",
                "IM0001.dcm",
                "series 2.25.",
            ],
        ),
    ];
    for (name, corrupt, expected) in cases {
        let (dir, files) = small_series(temp.path(), name, [7, 5, 6]);
        corrupt(&dir, &files);
        let error = read_series(&dir).expect_err(name);
        let message = error.to_string();
        for part in expected {
            assert!(message.contains(part), "{name}: `{part}` not in: {message}");
        }
        if !matches!(
            error,
            DicomError::Truncated { .. }
                | DicomError::Parse { .. }
                | DicomError::UnsupportedTransferSyntax { .. }
        ) {
            assert!(message.starts_with("series 2.25."), "{name}: {message}");
        }
    }
}
