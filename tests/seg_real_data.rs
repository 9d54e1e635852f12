//! `seg` on real files: 3D Slicer's own segmentations with their CT, and the
//! slicerio-generated segmentations of the pyradiomics brains (see
//! shared/data/README.md). Expected numbers come from pynrrd + numpy and from
//! `expected_values.json`, not from radflow.

use std::path::{Path, PathBuf};

use radflow::seg::{
    AlignTolerance, Alignment, AxialAxis, Geometry, LesionMask, LesionSelector, Mismatch, SegError,
    Segmentation, SelectionError, Space, align_lesion, load_lesion,
};

/// `$RADFLOW_SHARED_DATA`, else `<crate>/../shared/data`.
fn data_dir() -> PathBuf {
    let dir = std::env::var_os("RADFLOW_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    assert!(
        dir.join("slicer").is_dir(),
        "the shared test data is missing: expected `{}` (set RADFLOW_SHARED_DATA to the \
         folder that holds `slicer/` and `pyradiomics/`)",
        dir.display()
    );
    dir
}

fn data(relative: &str) -> PathBuf {
    data_dir().join(relative)
}

fn names(names: &[&str]) -> LesionSelector {
    LesionSelector::SegmentNames(names.iter().map(|s| s.to_string()).collect())
}

/// Reads both files and aligns the selected lesion to the scan.
fn lesion(
    seg: &str,
    scan: &str,
    selector: &LesionSelector,
) -> Result<(LesionMask, Alignment), SegError> {
    let segmentation = Segmentation::read(&data(seg))?;
    let scan_path = data(scan);
    let geometry = Geometry::read(&scan_path)?;
    align_lesion(
        &segmentation,
        selector,
        &geometry,
        &scan_path,
        &AlignTolerance::default(),
    )
}

#[test]
fn the_cropped_brain1_segmentation_gives_the_same_mask_as_the_full_grid_one_and_the_labelmap() {
    let tumor = names(&["tumor"]);
    let (cropped, cropped_alignment) = lesion(
        "slicer/generated/brain1_tumor_cropped.seg.nrrd",
        "pyradiomics/brain1_image.nrrd",
        &tumor,
    )
    .expect("cropped aligns");
    let (full, full_alignment) = lesion(
        "slicer/generated/brain1_tumor.seg.nrrd",
        "pyradiomics/brain1_image.nrrd",
        &tumor,
    )
    .expect("full aligns");
    let (label, _) = lesion(
        "pyradiomics/brain1_label.nrrd",
        "pyradiomics/brain1_image.nrrd",
        &LesionSelector::AnyNonzero,
    )
    .expect("labelmap aligns");

    assert_eq!(cropped_alignment.offset, [162, 84, 11]);
    assert_eq!(cropped_alignment.declared_offset, Some([162, 84, 11]));
    assert_eq!(full_alignment.offset, [0, 0, 0]);
    for alignment in [&cropped_alignment, &full_alignment] {
        assert_eq!(
            (alignment.selected_voxels, alignment.dropped_voxels),
            (4137, 0)
        );
    }
    assert_eq!(cropped.voxel_count(), 4137);
    assert!(
        cropped.voxels() == full.voxels(),
        "cropped and full masks differ"
    );
    assert!(
        cropped.voxels() == label.voxels(),
        "segmentation and labelmap masks differ"
    );
    assert_eq!(cropped.geometry().sizes(), [256, 256, 25]);
}

#[test]
fn the_brain1_lesion_spans_slices_11_to_17_with_areas_from_the_voxels() {
    let (mask, _) = lesion(
        "slicer/generated/brain1_tumor_cropped.seg.nrrd",
        "pyradiomics/brain1_image.nrrd",
        &LesionSelector::AllSegments,
    )
    .expect("aligns");
    let axial = mask
        .geometry()
        .axial_axis(AxialAxis::Auto)
        .expect("axial axis");
    assert_eq!(axial, 2);
    assert_eq!(mask.slice_range(axial), Some((11, 17)));
    let slices = mask.slices(axial);
    assert_eq!(slices.len(), 25);
    let total: u64 = slices.iter().map(|s| s.area_pixels).sum();
    assert_eq!(total, 4137);
    let pixel_area = 0.78125 * 0.78125;
    for slice in &slices {
        assert!((slice.area_mm2 - slice.area_pixels as f64 * pixel_area).abs() < 1e-6);
        assert_eq!(
            slice.bounding_box.is_some(),
            (11..=17).contains(&slice.index)
        );
    }
    // The union of the slice boxes is pyradiomics' bounding box (162, 84, 11, 47, 70, 7).
    let boxes: Vec<_> = slices.iter().filter_map(|s| s.bounding_box).collect();
    let min = [0, 1].map(|c| boxes.iter().map(|b| b.min[c]).min());
    let max = [0, 1].map(|c| boxes.iter().map(|b| b.max[c]).max());
    assert_eq!((min, max), ([Some(162), Some(84)], [Some(208), Some(153)]));
}

#[test]
fn brain2_segments_are_selected_by_name_label_value_or_all() {
    let scan = "pyradiomics/brain2_image.nrrd";
    let file = "slicer/generated/brain2_tumor_ring.seg.nrrd";
    let (label, _) = lesion(
        "pyradiomics/brain2_label.nrrd",
        scan,
        &LesionSelector::AnyNonzero,
    )
    .expect("labelmap aligns");
    let cases: &[(LesionSelector, u64)] = &[
        (names(&["tumor"]), 453),
        (names(&["peritumoral ring (synthetic)"]), 564),
        (names(&["Tumor", "peritumoral ring (synthetic)"]), 1017),
        (LesionSelector::LabelValues(vec![2]), 564),
        (LesionSelector::AllSegments, 1017),
    ];
    for (selector, expected) in cases {
        let (mask, _) = lesion(file, scan, selector).expect("aligns");
        assert_eq!(mask.voxel_count(), *expected, "{selector:?}");
    }
    let (tumor, _) = lesion(file, scan, &names(&["tumor"])).expect("aligns");
    assert!(
        tumor.voxels() == label.voxels(),
        "tumor segment differs from brain2_label"
    );
    assert_eq!(tumor.slice_range(2), Some((8, 10)));
}

#[test]
fn slicer_segment_metadata_is_read_from_the_real_file() {
    let segmentation = Segmentation::read(&data("slicer/Segmentation.seg.nrrd")).expect("reads");
    let segments = segmentation.segments();
    assert_eq!(segments.len(), 7);
    assert_eq!(segmentation.layers().len(), 1);
    let lumbar = &segments[3];
    assert_eq!(lumbar.name, "lumbar vertebral column");
    assert_eq!(
        (lumbar.id.as_str(), lumbar.label_value, lumbar.layer),
        ("Segment_4", 4, 0)
    );
    assert_eq!(lumbar.color, Some([0.831373, 0.737255, 0.4]));
    assert_eq!(
        lumbar.tags[0],
        ("Segmentation.Status".to_string(), "inprogress".to_string())
    );
    assert!(lumbar.tags[1].1.contains("SCT^122496007^Lumbar spine"));
    assert_eq!(segmentation.reference_extent_offset(), Some([0, 0, 0]));
    assert_eq!(segmentation.geometry().space(), Space::Lps);
}

#[test]
fn the_lesion_slice_range_comes_from_voxels_not_from_slicers_loose_extent() {
    // Every segment of this real Slicer file says `Extent 0 124 0 127 0 33`.
    let cases: &[(&str, u64, (usize, usize))] = &[
        ("ribs", 8487, (1, 33)),
        ("cervical vertebral column", 1216, (26, 33)),
        ("thoracic vertebral column", 2712, (11, 27)),
        ("lumbar vertebral column", 3259, (0, 12)),
        ("tissue", 154589, (0, 33)),
    ];
    let segmentation = Segmentation::read(&data("slicer/Segmentation.seg.nrrd")).expect("reads");
    let extent = segmentation.segments()[3].extent.expect("extent");
    assert_eq!((extent.min[2], extent.max[2]), (0, 33));
    for (name, voxels, range) in cases {
        let (mask, alignment) = lesion(
            "slicer/Segmentation.seg.nrrd",
            "slicer/CTChest4.nrrd",
            &names(&[name]),
        )
        .expect("aligns");
        assert_eq!(alignment.offset, [0, 0, 0]);
        assert_eq!(mask.voxel_count(), *voxels, "{name}");
        assert_eq!(mask.slice_range(2), Some(*range), "{name}");
    }
    let (lumbar, _) = lesion(
        "slicer/Segmentation.seg.nrrd",
        "slicer/CTChest4.nrrd",
        &names(&["lumbar vertebral column"]),
    )
    .expect("aligns");
    let areas: Vec<u64> = lumbar
        .slices(2)
        .iter()
        .take(14)
        .map(|s| s.area_pixels)
        .collect();
    assert_eq!(
        areas,
        [
            367, 305, 317, 320, 282, 244, 241, 223, 219, 205, 240, 224, 72, 0
        ]
    );
    let pixel_area = 3.04687595367432f64.powi(2);
    assert!((lumbar.slices(2)[0].area_mm2 - 367.0 * pixel_area).abs() < 1e-6);
}

#[test]
fn overlapping_segments_of_a_real_layered_file_keep_their_own_voxels() {
    let file = "slicer/SegmentationOverlapping.seg.nrrd";
    let segmentation = Segmentation::read(&data(file)).expect("reads");
    assert_eq!(segmentation.layers().len(), 2);
    assert_eq!(segmentation.geometry().sizes(), [128, 128, 34]);
    let sphere = &segmentation.segments()[7];
    assert_eq!(
        (sphere.name.as_str(), sphere.layer, sphere.label_value),
        ("overlapping sphere", 1, 1)
    );
    let scan = "slicer/CTChest4.nrrd";
    let (sphere_mask, _) = lesion(file, scan, &names(&["overlapping sphere"])).expect("aligns");
    let (ribs_mask, _) = lesion(file, scan, &names(&["ribs"])).expect("aligns");
    assert_eq!(sphere_mask.voxel_count(), 19139);
    assert_eq!(sphere_mask.slice_range(2), Some((16, 30)));
    assert_eq!(ribs_mask.voxel_count(), 8487, "label 1 on layer 0 only");
    let (both, _) = lesion(file, scan, &LesionSelector::LabelValues(vec![1])).expect("aligns");
    let overlap = sphere_mask
        .voxels()
        .iter()
        .zip(ribs_mask.voxels())
        .filter(|(a, b)| **a == 1 && **b == 1)
        .count() as u64;
    assert_eq!(both.voxel_count(), 19139 + 8487 - overlap);
    // Layer 0 holds the same labels as the non-overlapping file.
    let flat = Segmentation::read(&data("slicer/Segmentation.seg.nrrd")).expect("reads");
    assert_eq!(segmentation.layers()[0], flat.layers()[0]);
}

#[test]
fn a_segmentation_from_another_patient_is_refused_naming_both_files() {
    let error = lesion(
        "slicer/generated/brain1_tumor.seg.nrrd",
        "pyradiomics/brain2_image.nrrd",
        &names(&["tumor"]),
    )
    .expect_err("brain1 on brain2");
    let SegError::Misaligned { mismatch, .. } = &error else {
        panic!("unexpected error {error}");
    };
    assert!(
        matches!(mismatch, Mismatch::FractionalOffset { .. }),
        "{mismatch}"
    );
    let message = error.to_string();
    assert!(
        message.contains("brain1_tumor.seg.nrrd` cannot be aligned to `"),
        "{message}"
    );
    assert!(
        message.contains("brain2_image.nrrd`: the label grid starts at scan voxel ("),
        "{message}"
    );

    let error = lesion(
        "slicer/Segmentation.seg.nrrd",
        "pyradiomics/brain1_image.nrrd",
        &LesionSelector::AllSegments,
    )
    .expect_err("chest on brain");
    let message = error.to_string();
    assert!(
        message.ends_with("spacing (3.046876, 3.046876, 10.0) vs (0.78125, 0.78125, 6.5) mm"),
        "{message}"
    );
}

#[test]
fn selecting_by_name_in_a_plain_labelmap_says_how_to_select_instead() {
    let error = lesion(
        "pyradiomics/brain1_label.nrrd",
        "pyradiomics/brain1_image.nrrd",
        &names(&["tumor"]),
    )
    .expect_err("no names in a labelmap");
    assert!(matches!(
        error,
        SegError::Selection {
            source: SelectionError::NoSegments,
            ..
        }
    ));
    assert!(
        error
            .to_string()
            .contains("`label_values: [1]` or `any_nonzero`"),
        "{error}"
    );
}

#[test]
fn a_missing_file_is_a_read_error_that_names_it() {
    let error = Segmentation::read(&data("slicer/no_such.seg.nrrd")).expect_err("missing");
    assert!(matches!(error, SegError::Read { .. }));
    assert!(error.to_string().contains("no_such.seg.nrrd"), "{error}");
}

#[test]
fn scan_geometry_is_read_from_the_header_in_lps() {
    let geometry = Geometry::read(&data("pyradiomics/brain1_image.nrrd")).expect("reads");
    assert_eq!(geometry.sizes(), [256, 256, 25]);
    assert_eq!(geometry.space(), Space::Lps);
    assert_eq!(geometry.axial_axis(AxialAxis::Auto), Ok(2));
    let corner = geometry.index_to_space([255.0, 255.0, 24.0]);
    let expected = [
        -99.609375 + 255.0 * 0.78125,
        99.609375 - 255.0 * 0.78125,
        -78.0 + 24.0 * 6.5,
    ];
    for axis in 0..3 {
        assert!((corner[axis] - expected[axis]).abs() < 1e-9, "{corner:?}");
    }
    let prostate =
        Geometry::read(&data("pyradiomics/prostate_phantom_subvolume.nrrd")).expect("reads");
    assert!(prostate.directions()[0][0] < 0.0, "negative i step is kept");
}

#[test]
fn load_lesion_reads_both_files_and_aligns_in_one_call() {
    let (mask, alignment) = load_lesion(
        &data("slicer/generated/brain1_tumor_cropped.seg.nrrd"),
        &data("pyradiomics/brain1_image.nrrd"),
        &names(&["tumor"]),
        &AlignTolerance::default(),
    )
    .expect("aligns");
    assert_eq!(
        (mask.voxel_count(), alignment.offset),
        (4137, [162, 84, 11])
    );
    assert_eq!(alignment.note(Path::new("a"), Path::new("b")), None);
}
