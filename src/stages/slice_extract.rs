//! `slice_extract`: cuts each patient's scan and its aligned lesion mask into axial slices
//! (METHOD.md stage 2).
//!
//! One item per patient (its scan, segmentation and every data file they are read from
//! decide it), one volume in memory per worker. Scans and segmentations may come in any
//! format `crate::volume` reads (NRRD, NIfTI, MetaImage, DICOM); a scan with a rescale
//! (NIfTI `scl_slope`, DICOM RescaleSlope) is cut in physical values, as float32. The label is placed on the scan's grid through both files'
//! geometry ([`crate::seg::align_lesion`]); the lesion's slice range comes from the voxels.
//! Each output record is one slice (`<patient>/z042`) with its lesion area in pixels and mm²,
//! its lesion box `[x0, y0, x1, y1]` (inclusive; x along a row), whether it lies inside the
//! lesion's extent, and, for the slices selected by `pixels`, the scan slice and its mask as
//! tensor blobs (`[height, width]`, the scan's own sample type). Slices carry the patient's
//! id and class, not its file references, so their content depends on the samples only.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::dropped::dropped_value;
use super::patient_images::PatientImages;
use super::sample_filter::ImageRef;
use crate::dataset::{Dataset, Record, Tensor, Value};
use crate::nrrd::Samples;
use crate::seg::{
    AlignTolerance, AxialAxis, Geometry, LesionSelector, align_lesion, extract_slice,
};
use crate::stage_api::{
    Emit, MapRequest, OnError, ParamError, Port, Stage, StageContext, StageError,
};
use crate::volume::{read_scan, read_segmentation};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The axis slices are cut across: `auto` (the one closest to superior) or 0, 1, 2.
    #[serde(default)]
    pub axial_axis: AxialAxis,
    /// Which segments are lesion: `{segment_names: [tumor]}`, `{label_values: [1]}`,
    /// `all_segments` or `any_nonzero`.
    #[serde(default = "default_lesion")]
    pub lesion: LesionSelector,
    /// How far the two grids may differ and still be aligned.
    #[serde(default)]
    pub tolerance: AlignTolerance,
    /// Which slices keep their pixels: `lesion` (slices holding lesion voxels; the study
    /// uses no others) or `all`.
    #[serde(default)]
    pub pixels: PixelsFor,
    /// `stop` at the first unreadable patient, or `skip` it and list it.
    #[serde(default)]
    pub on_error: OnError,
}

fn default_lesion() -> LesionSelector {
    LesionSelector::AllSegments
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PixelsFor {
    #[default]
    Lesion,
    All,
}

pub struct SliceExtract {
    params: Params,
}

impl Stage for SliceExtract {
    const KIND: &'static str = "slice_extract";
    const VERSION: u32 = 2;
    const ABOUT: &'static str =
        "cuts each scan and its aligned lesion mask into axial slices with lesion area and box";
    const PORTS: &'static [Port] = &[Port::one("patients")];
    type Params = Params;

    fn is_map(&self) -> bool {
        true
    }

    fn new(params: Params) -> Result<Self, ParamError> {
        Ok(Self { params })
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError> {
        let patients = ctx.input("patients")?;
        let compute =
            |batch: &[&Record], ctx: &StageContext<'_>| -> Result<Vec<Vec<Emit>>, StageError> {
                batch
                    .iter()
                    .map(|patient| {
                        self.slice_patient(ctx, patient)
                            .map_err(|e| e.for_item(&patient.id))
                    })
                    .collect()
            };
        let output = ctx.map(MapRequest {
            records: patients.records(),
            key_fields: &["scan", "segmentation", "scan_data?", "segmentation_data?"],
            shared_key: serde_json::Value::Null,
            batch: 1,
            parallel: true,
            on_error: self.params.on_error,
            compute: &compute,
        })?;
        if output.records.is_empty() {
            return Err(StageError::invalid("no patient could be sliced"));
        }
        // Slices keep the patient's id and class but not its file references: a scan edited
        // without changing its samples then yields identical slices, and the rerun stops here.
        let mut output = output;
        for record in &mut output.records {
            for field in [
                "scan",
                "segmentation",
                "scan_data",
                "segmentation_data",
                "grade_text",
            ] {
                record.fields.remove(field);
            }
        }
        let mut meta = BTreeMap::new();
        if !output.dropped.is_empty() {
            meta.insert("dropped".into(), dropped_value(&output.dropped));
        }
        Ok(Dataset::new(output.records, meta)?.with_roles(&patients.roles()))
    }
}

impl SliceExtract {
    fn slice_patient(
        &self,
        ctx: &StageContext<'_>,
        patient: &Record,
    ) -> Result<Vec<Emit>, StageError> {
        let images = PatientImages::open(ctx, patient)?;
        let (scan_ref, seg_ref) = (&images.scan, &images.segmentation);
        let (scan_path, seg_path) = (&images.scan_path, &images.segmentation_path);
        let relative = |message: String| images.relative(message);
        let file_error = |image: &ImageRef, e: &dyn std::fmt::Display| {
            let message = relative(e.to_string());
            let named = format!("`{}`: ", image.name());
            let message = message.strip_prefix(&named).unwrap_or(&message).to_string();
            StageError::file(image.name(), message)
        };
        let volume = read_scan(scan_path).map_err(|e| file_error(scan_ref, &e))?;
        let geometry = &volume.geometry;
        let axial = geometry
            .axial_axis(self.params.axial_axis)
            .map_err(|e| file_error(scan_ref, &e))?;
        let labels = read_segmentation(seg_path).map_err(|e| file_error(seg_ref, &e))?;
        let (mask, alignment) = align_lesion(
            &labels,
            &self.params.lesion,
            geometry,
            scan_path,
            &self.params.tolerance,
        )
        .map_err(|e| StageError::invalid(relative(e.to_string())))?;
        let physical = match volume.rescale {
            Some(rescale) => Some(Samples::F32(rescale.apply(&volume.samples).ok_or_else(
                || file_error(scan_ref, &"its samples have no numeric value to rescale"),
            )?)),
            None => None,
        };
        let samples = physical.as_ref().unwrap_or(&volume.samples);
        if let Some(note) = alignment.note(
            std::path::Path::new(seg_ref.name()),
            std::path::Path::new(scan_ref.name()),
        ) {
            ctx.warn(format!("{}: {note}", patient.id));
        }
        let range = mask.slice_range(axial);
        let sizes = geometry.sizes();
        // What a 2-D feature of the slice needs of its grid (radiomics' shape2D): mm between
        // rows and between columns of the `[height, width]` pixels, and between slices.
        let step = geometry.spacing();
        let [across, down] = Geometry::in_plane_axes(axial);
        // Rounded to 10 nm: NIfTI stores its affine as float32, so a thickness written as
        // 13.57 mm reads back as 13.5699997; rounded, a slice's record is the same whichever
        // format its scan came in (and far below any scanner's precision).
        let mm = |v: f64| Value::float((v * 1e5).round() / 1e5).unwrap_or(Value::Null);
        let spacing = Value::List(vec![mm(step[down]), mm(step[across])]);
        let thickness = mm(step[axial]);
        let slices = mask.slices(axial);
        let digits = (slices.len().saturating_sub(1)).to_string().len().max(3);
        let mut emits = Vec::with_capacity(slices.len());
        for lesion in &slices {
            ctx.check_cancelled()?;
            let k = lesion.index;
            let in_extent = range.is_some_and(|(lo, hi)| (lo..=hi).contains(&k));
            let mut fields = BTreeMap::new();
            fields.insert("slice".to_string(), Value::from(k));
            fields.insert("axis".to_string(), Value::from(axial));
            fields.insert(
                "lesion_pixels".to_string(),
                Value::Int(lesion.area_pixels as i64),
            );
            fields.insert(
                "lesion_mm2".to_string(),
                Value::float(lesion.area_mm2).unwrap_or(Value::Null),
            );
            fields.insert("in_extent".to_string(), Value::Bool(in_extent));
            fields.insert("spacing".to_string(), spacing.clone());
            fields.insert("thickness".to_string(), thickness.clone());
            fields.insert(
                "bbox".to_string(),
                match &lesion.bounding_box {
                    Some(b) => Value::from(vec![b.min[0], b.min[1], b.max[0], b.max[1]]),
                    None => Value::Null,
                },
            );
            let keep = match self.params.pixels {
                PixelsFor::All => true,
                PixelsFor::Lesion => lesion.area_pixels > 0,
            };
            if keep {
                let pixels = slice_tensor(samples, sizes, axial, k)
                    .ok_or_else(|| file_error(scan_ref, &"cannot cut the slice"))?;
                let label = mask
                    .slice_pixels(axial, k)
                    .ok_or_else(|| file_error(seg_ref, &"cannot cut the mask slice"))?;
                fields.insert("width".to_string(), Value::from(label.width));
                fields.insert("height".to_string(), Value::from(label.height));
                fields.insert("pixels".to_string(), Value::from(ctx.put_tensor(&pixels)?));
                let mask_tensor = Tensor::from_u8(vec![label.height, label.width], &label.pixels);
                fields.insert(
                    "mask".to_string(),
                    Value::from(ctx.put_tensor(&mask_tensor)?),
                );
            }
            emits.push(Emit {
                suffix: Some(format!("z{k:0digits$}")),
                fields,
            });
        }
        Ok(emits)
    }
}

/// One slice as a tensor in the scan's sample type (types a tensor cannot hold become f32).
fn slice_tensor(samples: &Samples, sizes: [usize; 3], axis: usize, index: usize) -> Option<Tensor> {
    macro_rules! cut {
        ($data:expr, $make:ident) => {{
            let s = extract_slice($data, sizes, axis, index)?;
            Some(Tensor::$make(vec![s.height, s.width], &s.pixels))
        }};
    }
    match samples {
        Samples::U8(v) => cut!(v, from_u8),
        Samples::I16(v) => cut!(v, from_i16),
        Samples::U16(v) => cut!(v, from_u16),
        Samples::I32(v) => cut!(v, from_i32),
        Samples::F32(v) => cut!(v, from_f32),
        Samples::F64(v) => cut!(v, from_f64),
        other => {
            let floats = other.to_f32().ok()?;
            cut!(&floats, from_f32)
        }
    }
}
