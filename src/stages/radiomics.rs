//! `radiomics`: PyRadiomics' first order, shape, GLCM, GLRLM and GLSZM features of each lesion
//! (the study's baseline, METHOD.md "What the study itself says is missing").
//!
//! `mode: 2d` reads the `slices` of `slice_extract` (or any dataset with `pixels`, `mask`):
//! one item per lesion slice, keyed by its pixel and mask blobs (and spacing fields when
//! present) plus the settings, so changing `bin_width` recomputes radiomics only.
//! `mode: 3d` reads the `patients` of `sample_filter`: one item per patient, the scan and its
//! segmentation aligned as `slice_extract` does, the volume in file order (as PyRadiomics
//! holds the NRRD).
//!
//! Each record gets `features`, a float64 tensor blob `[n]` in the order of the dataset meta
//! `feature_names`. A lesion PyRadiomics refuses (one pixel, a one-pixel-wide line, ...) or
//! whose features come out non-finite is skipped: a warning names the record (patient and
//! slice) and the reason, and the dataset meta `refused` lists them. Never a NaN. The meta
//! `feature_family` says `radiomics` (2d) or `radiomics 3D`, for the report's comparison.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::dropped::dropped_value;
use super::feature_family;
use super::patient_images::PatientImages;
use super::sample_filter::ImageRef;
use super::study_fields::PATIENT_FIELD;
use crate::dataset::{DType, Dataset, Record, Tensor, Value};
use crate::nrrd::Samples;
use crate::radiomics::{
    Features, Intensity, NAMES_2D, NAMES_3D, RadiomicsError, Settings, extract_2d, extract_3d,
};
use crate::report_page::RADIOMICS_FAMILY;
use crate::seg::{AlignTolerance, LesionSelector, align_lesion};
use crate::stage_api::{
    Emit, MapRequest, OnError, ParamError, Port, Stage, StageContext, StageError,
};
use crate::volume::{read_scan, read_segmentation};

/// Field a cached item carries instead of `features` when the lesion was refused.
const REFUSED: &str = "radiomics_refused";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    /// One feature vector per lesion slice (`shape2D`, 83 features).
    #[serde(rename = "2d")]
    TwoD,
    /// One feature vector per patient volume (`shape`, 88 features).
    #[serde(rename = "3d")]
    ThreeD,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// `2d` (per lesion slice) or `3d` (per patient).
    pub mode: Mode,
    /// Width of a gray-level bin (PyRadiomics `binWidth`).
    #[serde(default = "default_bin_width")]
    pub bin_width: f64,
    /// GLCM distances (PyRadiomics `distances`).
    #[serde(default = "default_distances")]
    pub distances: Vec<u32>,
    /// Symmetric GLCM (PyRadiomics `symmetricalGLCM`).
    #[serde(default = "default_true")]
    pub symmetric_glcm: bool,
    /// Added to intensities for Energy, TotalEnergy, RootMeanSquared (`voxelArrayShift`).
    #[serde(default)]
    pub voxel_array_shift: f64,
    /// 2-D only: `[between rows, between columns]` in mm for slices that carry no `spacing`
    /// field (a slice's own field wins).
    #[serde(default)]
    pub spacing: Option<[f64; 2]>,
    /// 2-D only: slice thickness in mm for slices that carry no `thickness` field.
    #[serde(default)]
    pub thickness: Option<f64>,
    /// 3-D only: which segments are lesion, as in `slice_extract`.
    #[serde(default = "default_lesion")]
    pub lesion: LesionSelector,
    /// 3-D only: how far the label grid may differ from the scan's and still be aligned.
    #[serde(default)]
    pub tolerance: AlignTolerance,
    /// `stop` at the first unreadable record, or `skip` it and list it.
    #[serde(default)]
    pub on_error: OnError,
}

fn default_bin_width() -> f64 {
    Settings::default().bin_width
}
fn default_distances() -> Vec<u32> {
    Settings::default().distances
}
fn default_true() -> bool {
    true
}
fn default_lesion() -> LesionSelector {
    LesionSelector::AllSegments
}

impl Params {
    fn settings(&self) -> Settings {
        Settings {
            bin_width: self.bin_width,
            distances: self.distances.clone(),
            symmetric_glcm: self.symmetric_glcm,
            voxel_array_shift: self.voxel_array_shift,
            label: 1,
        }
    }
}

pub struct Radiomics {
    params: Params,
    settings: Settings,
}

impl Stage for Radiomics {
    const KIND: &'static str = "radiomics";
    /// 2: the output's meta names its feature family (`radiomics`, `radiomics 3D`).
    const VERSION: u32 = 2;
    const ABOUT: &'static str =
        "PyRadiomics first order, shape, GLCM, GLRLM, GLSZM per lesion slice (2d) or patient (3d)";
    const PORTS: &'static [Port] = &[Port::one("lesions")];
    type Params = Params;

    fn is_map(&self) -> bool {
        true
    }

    /// Yes: a record's features come from its own image and mask.
    fn runs_ahead(&self) -> bool {
        true
    }

    fn feature_family(&self) -> Option<String> {
        Some(match self.params.mode {
            Mode::TwoD => RADIOMICS_FAMILY.to_string(),
            Mode::ThreeD => format!("{RADIOMICS_FAMILY} 3D"),
        })
    }

    fn new(params: Params) -> Result<Self, ParamError> {
        let settings = params.settings();
        settings.check().map_err(|e| match e {
            RadiomicsError::BadSetting { name, message } => ParamError::new(name, message),
            other => ParamError::new("", other.to_string()),
        })?;
        if let Some(s) = params.spacing
            && s.iter().any(|v| !(v.is_finite() && *v > 0.0))
        {
            return Err(ParamError::new(
                "spacing",
                format!("expected two positive numbers [row, column] in mm, found {s:?}"),
            ));
        }
        if let Some(t) = params.thickness
            && !(t.is_finite() && t > 0.0)
        {
            return Err(ParamError::new(
                "thickness",
                format!("expected a positive number of mm, found {t}"),
            ));
        }
        Ok(Self { params, settings })
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError> {
        let input = ctx.input("lesions")?;
        let compute = |batch: &[&Record],
                       ctx: &StageContext<'_>|
         -> Result<Vec<Vec<Emit>>, StageError> {
            batch
                .iter()
                .map(|record| {
                    let features = match self.params.mode {
                        Mode::TwoD => self.slice_features(ctx, record),
                        Mode::ThreeD => self.volume_features(ctx, record),
                    }
                    .map_err(|e| e.for_item(&record.id))?;
                    let field = match features {
                        Ok(f) => (
                            "features".to_string(),
                            Value::from(
                                ctx.put_tensor(&Tensor::from_f64(vec![f.values.len()], &f.values))?,
                            ),
                        ),
                        Err(reason) => (REFUSED.to_string(), Value::from(reason.to_string())),
                    };
                    Ok(vec![Emit::same(BTreeMap::from([field]))])
                })
                .collect()
        };
        let key_fields: &[&str] = match self.params.mode {
            Mode::TwoD => &["pixels", "mask", "spacing?", "thickness?"],
            Mode::ThreeD => &["scan", "segmentation", "scan_data?", "segmentation_data?"],
        };
        let output = ctx.map(MapRequest {
            records: input.records(),
            key_fields,
            shared_key: serde_json::Value::Null,
            batch: match self.params.mode {
                Mode::TwoD => 16,
                Mode::ThreeD => 1,
            },
            parallel: true,
            on_error: self.params.on_error,
            compute: &compute,
        })?;
        // Refusals are cached like results, so their warning is repeated on every run.
        let mut refused = Vec::new();
        let mut records = Vec::with_capacity(output.records.len());
        for record in output.records {
            match record.fields.get(REFUSED).and_then(Value::as_str) {
                Some(reason) => {
                    ctx.warn(format!("{}: skipped, {reason}", describe(&record)));
                    refused.push((record.id.clone(), reason.to_string()));
                }
                None => records.push(record),
            }
        }
        if records.is_empty() {
            return Err(StageError::invalid(format!(
                "no lesion gave radiomics features ({} refused)",
                refused.len()
            )));
        }
        let names = match self.params.mode {
            Mode::TwoD => &*NAMES_2D,
            Mode::ThreeD => &*NAMES_3D,
        };
        let mut meta = BTreeMap::from([(
            "feature_names".to_string(),
            Value::List(names.iter().map(|n| Value::from(n.clone())).collect()),
        )]);
        let family = self.feature_family().expect("radiomics names its family");
        meta.extend([feature_family::meta_entry(&family)]);
        if !refused.is_empty() {
            meta.insert("refused".into(), dropped_value(&refused));
        }
        if !output.dropped.is_empty() {
            meta.insert("dropped".into(), dropped_value(&output.dropped));
        }
        Ok(Dataset::new(records, meta)?.with_roles(&input.roles()))
    }
}

/// "patient `P01`, slice 42" when the record says so, else its id.
fn describe(record: &Record) -> String {
    let patient = record.str(PATIENT_FIELD).ok();
    let slice = record.int("slice").ok();
    match (patient, slice) {
        (Some(p), Some(s)) => format!("patient `{p}`, slice {s} (`{}`)", record.id),
        (Some(p), None) => format!("patient `{p}` (`{}`)", record.id),
        _ => format!("`{}`", record.id),
    }
}

type Outcome = Result<Features, RadiomicsError>;

impl Radiomics {
    fn slice_features(
        &self,
        ctx: &StageContext<'_>,
        slice: &Record,
    ) -> Result<Outcome, StageError> {
        let pixels = ctx.read_tensor(slice.blob("pixels")?)?;
        let mask = ctx.read_tensor(slice.blob("mask")?)?;
        let [height, width] = <[usize; 2]>::try_from(pixels.shape.clone()).map_err(|s| {
            StageError::invalid(format!(
                "slice pixels have shape {s:?}, expected [height, width]"
            ))
        })?;
        if mask.shape != pixels.shape {
            return Err(StageError::invalid(format!(
                "slice mask has shape {:?}, pixels {:?}",
                mask.shape, pixels.shape
            )));
        }
        let mask = mask.to_u8()?;
        let spacing = match slice.fields.get("spacing") {
            Some(value) => {
                let numbers: Option<Vec<f64>> = value
                    .as_list()
                    .map(|l| l.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>())
                    .unwrap_or(None);
                numbers
                    .and_then(|s| <[f64; 2]>::try_from(s.as_slice()).ok())
                    .ok_or_else(|| {
                        StageError::invalid(format!(
                            "`spacing` is {}, expected two numbers [row, column] in mm",
                            value.type_name()
                        ))
                    })?
            }
            None => self.params.spacing.ok_or_else(|| {
                StageError::invalid(
                    "the slice carries no `spacing` field: set `spacing: [row, column]` (mm) \
                     in the stage's `with`",
                )
            })?,
        };
        let thickness = match slice.fields.get("thickness") {
            Some(_) => slice.float("thickness")?,
            None => self.params.thickness.ok_or_else(|| {
                StageError::invalid(
                    "the slice carries no `thickness` field: set `thickness` (mm) in the \
                     stage's `with`",
                )
            })?,
        };
        let shape = [height, width];
        let s = &self.settings;
        Ok(match pixels.dtype {
            DType::U8 => extract_2d(&pixels.to_u8()?, &mask, shape, spacing, thickness, s),
            DType::I16 => extract_2d(&pixels.to_i16()?, &mask, shape, spacing, thickness, s),
            DType::U16 => extract_2d(&pixels.to_u16()?, &mask, shape, spacing, thickness, s),
            DType::I32 => extract_2d(&pixels.to_i32()?, &mask, shape, spacing, thickness, s),
            DType::F32 => extract_2d(&pixels.to_f32_exact()?, &mask, shape, spacing, thickness, s),
            DType::F64 => extract_2d(&pixels.to_f64_exact()?, &mask, shape, spacing, thickness, s),
        })
    }

    fn volume_features(
        &self,
        ctx: &StageContext<'_>,
        patient: &Record,
    ) -> Result<Outcome, StageError> {
        let images = PatientImages::open(ctx, patient)?;
        let (scan_ref, seg_ref) = (&images.scan, &images.segmentation);
        let (scan_path, seg_path) = (&images.scan_path, &images.segmentation_path);
        let relative = |message: String| images.relative(message);
        let file_error = |image: &ImageRef, e: &dyn std::fmt::Display| {
            StageError::file(image.name(), relative(e.to_string()))
        };
        let volume = read_scan(scan_path).map_err(|e| file_error(scan_ref, &e))?;
        let geometry = &volume.geometry;
        let labels = read_segmentation(seg_path).map_err(|e| file_error(seg_ref, &e))?;
        let (mask, _alignment) = align_lesion(
            &labels,
            &self.params.lesion,
            geometry,
            scan_path,
            &self.params.tolerance,
        )
        .map_err(|e| StageError::invalid(relative(e.to_string())))?;
        // Physical values where the format stores a rescale (DICOM, NIfTI), as SimpleITK
        // hands PyRadiomics the image.
        let physical = match volume.rescale {
            Some(rescale) => Some(Samples::F32(rescale.apply(&volume.samples).ok_or_else(
                || file_error(scan_ref, &"its samples have no numeric value to rescale"),
            )?)),
            None => None,
        };
        let samples = physical.as_ref().unwrap_or(&volume.samples);
        // Axis 0 is fastest in memory: as numpy's [z][y][x] the axes reverse.
        let sizes = geometry.sizes();
        let spacing = geometry.spacing();
        let shape = [sizes[2], sizes[1], sizes[0]];
        let spacing = [spacing[2], spacing[1], spacing[0]];
        let voxels = mask.voxels();
        fn run<T: Intensity>(
            samples: &[T],
            mask: &[u8],
            shape: [usize; 3],
            spacing: [f64; 3],
            settings: &Settings,
        ) -> Outcome {
            extract_3d(samples, mask, shape, spacing, settings)
        }
        let s = &self.settings;
        Ok(match samples {
            Samples::I8(v) => run(v, voxels, shape, spacing, s),
            Samples::U8(v) => run(v, voxels, shape, spacing, s),
            Samples::I16(v) => run(v, voxels, shape, spacing, s),
            Samples::U16(v) => run(v, voxels, shape, spacing, s),
            Samples::I32(v) => run(v, voxels, shape, spacing, s),
            Samples::U32(v) => run(v, voxels, shape, spacing, s),
            Samples::F32(v) => run(v, voxels, shape, spacing, s),
            Samples::F64(v) => run(v, voxels, shape, spacing, s),
            other => {
                let values = other.to_f64().map_err(|e| file_error(scan_ref, &e))?;
                run(&values, voxels, shape, spacing, s)
            }
        })
    }
}
