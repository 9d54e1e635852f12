//! `resize`: the lesion crop of each slice, windowed and resized for the network (METHOD.md
//! stage 4).
//!
//! Per slice: the lesion box plus `margin` (share of its size on each side), made square
//! around its centre and kept inside the image; intensities clipped to `window` and scaled
//! linearly to its output range; bicubic resize to `size` (W x H). Stored compactly, one
//! channel of f32 (`image`, a `[H, W]` tensor); `channels` records how many channels the next
//! stage makes from it (grey copied), which is where the copies are made.
//! One item per slice, keyed by its pixels and lesion box only.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::dropped::dropped_value;
use crate::dataset::{DType, Dataset, Record, Tensor, Value};
use crate::imaging::{
    Bicubic, BoundingBox, DEFAULT_MARGIN, Image, LesionCrop, MAX_CHANNELS, MAX_SIDE, Window,
};
use crate::stage_api::StageError;
use crate::stage_api::{Emit, MapRequest, OnError, StageContext};
use crate::stage_api::{ParamError, Port, Stage};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Margin around the lesion box, as a share of its size on each side.
    #[serde(default = "default_margin")]
    pub margin: f64,
    /// Intensity window and output range: `{lo: 0, hi: 1024, out_lo: -1, out_hi: 1}`.
    #[serde(default)]
    pub window: Window,
    /// Output `[width, height]`.
    #[serde(default = "default_size")]
    pub size: [usize; 2],
    /// Channels the network gets (grey copied); stored once, expanded when read.
    #[serde(default = "default_channels")]
    pub channels: usize,
    /// Keys' cubic `a`, edge handling and antialiasing when shrinking.
    #[serde(default)]
    pub bicubic: Bicubic,
    #[serde(default)]
    pub on_error: OnError,
}

fn default_margin() -> f64 {
    DEFAULT_MARGIN
}
fn default_size() -> [usize; 2] {
    [299, 299]
}
fn default_channels() -> usize {
    3
}

pub struct Resize {
    crop: LesionCrop,
    params: Params,
}

impl Stage for Resize {
    const KIND: &'static str = "resize";
    const VERSION: u32 = 1;
    const ABOUT: &'static str =
        "square lesion crop with margin, intensity window, bicubic resize to W x H";
    const PORTS: &'static [Port] = &[Port::one("slices")];
    type Params = Params;

    fn is_map(&self) -> bool {
        true
    }

    /// Yes: a slice's resize reads that slice alone.
    fn runs_ahead(&self) -> bool {
        true
    }

    fn new(params: Params) -> Result<Self, ParamError> {
        if !(0.0..=10.0).contains(&params.margin) {
            return Err(ParamError::new(
                "margin",
                format!("{} is not between 0 and 10", params.margin),
            ));
        }
        for (i, side) in params.size.iter().enumerate() {
            if *side == 0 || *side > MAX_SIDE {
                return Err(ParamError::new(
                    &format!("size.{i}"),
                    format!("{side} is not between 1 and {MAX_SIDE}"),
                ));
            }
        }
        if !(1..=MAX_CHANNELS).contains(&params.channels) {
            return Err(ParamError::new(
                "channels",
                format!("{} is not between 1 and {MAX_CHANNELS}", params.channels),
            ));
        }
        params
            .window
            .validate()
            .map_err(|e| ParamError::new("window", e.to_string()))?;
        let crop = LesionCrop {
            margin: params.margin,
            window: params.window,
            width: params.size[0],
            height: params.size[1],
            bicubic: params.bicubic,
        };
        Ok(Self { crop, params })
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<Dataset, StageError> {
        let slices = ctx.input("slices")?;
        let compute =
            |batch: &[&Record], ctx: &StageContext<'_>| -> Result<Vec<Vec<Emit>>, StageError> {
                batch
                    .iter()
                    .map(|slice| {
                        self.resize_slice(ctx, slice)
                            .map(|e| vec![e])
                            .map_err(|e| e.for_item(&slice.id))
                    })
                    .collect()
            };
        let output = ctx.map(MapRequest {
            records: slices.records(),
            key_fields: &["pixels", "bbox"],
            shared_key: serde_json::Value::Null,
            batch: 8,
            parallel: true,
            on_error: self.params.on_error,
            compute: &compute,
        })?;
        let mut meta = BTreeMap::new();
        if !output.dropped.is_empty() {
            meta.insert("dropped".into(), dropped_value(&output.dropped));
        }
        Ok(Dataset::new(output.records, meta)?.with_roles(&slices.roles()))
    }
}

impl Resize {
    fn resize_slice(&self, ctx: &StageContext<'_>, slice: &Record) -> Result<Emit, StageError> {
        let pixels = ctx.read_tensor(slice.blob("pixels")?)?;
        let [x0, y0, x1, y1] = <[i64; 4]>::try_from(slice.ints("bbox")?).map_err(|v| {
            StageError::invalid(format!("`bbox` has {} numbers, expected 4", v.len()))
        })?;
        let bbox = |v: i64| {
            usize::try_from(v).map_err(|_| StageError::invalid(format!("`bbox` holds {v}")))
        };
        let lesion = BoundingBox {
            x_min: bbox(x0)?,
            y_min: bbox(y0)?,
            x_max: bbox(x1)?,
            y_max: bbox(y1)?,
        };
        let [height, width] = <[usize; 2]>::try_from(pixels.shape.clone()).map_err(|s| {
            StageError::invalid(format!(
                "slice pixels have shape {s:?}, expected [height, width]"
            ))
        })?;
        let imaging = |e: crate::imaging::ImagingError| StageError::invalid(e.to_string());
        let out = match pixels.dtype {
            DType::U8 => self.crop.apply(
                &Image::new(width, height, pixels.to_u8()?).map_err(imaging)?,
                lesion,
            ),
            DType::I16 => self.crop.apply(
                &Image::new(width, height, pixels.to_i16()?).map_err(imaging)?,
                lesion,
            ),
            DType::U16 => self.crop.apply(
                &Image::new(width, height, pixels.to_u16()?).map_err(imaging)?,
                lesion,
            ),
            DType::I32 => self.crop.apply(
                &Image::new(width, height, pixels.to_i32()?).map_err(imaging)?,
                lesion,
            ),
            DType::F32 => self.crop.apply(
                &Image::new(width, height, pixels.to_f32_exact()?).map_err(imaging)?,
                lesion,
            ),
            DType::F64 => self.crop.apply(
                &Image::new(width, height, pixels.to_f64_exact()?).map_err(imaging)?,
                lesion,
            ),
        }
        .map_err(imaging)?;
        let tensor = Tensor::from_f32(vec![out.height(), out.width()], out.pixels());
        let fields = BTreeMap::from([
            ("image".to_string(), Value::from(ctx.put_tensor(&tensor)?)),
            ("channels".to_string(), Value::from(self.params.channels)),
        ]);
        Ok(Emit::same(fields))
    }
}
