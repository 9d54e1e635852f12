//! Image operations of the study's `resize` stage: the square lesion crop, the
//! intensity window, and a separable bicubic resize that matches Pillow.
//!
//! Every operation works on [`Image`], one channel, row-major (x fastest); an image is
//! never empty and never larger than [`MAX_SIDE`] per side, so no parameter from a
//! pipeline file can make an unbounded allocation. Channel expansion for colour
//! networks is a separate last step ([`expand_channels`]).

mod axis_weights;
mod bicubic;
mod channels;
mod crop;
mod error;
mod image;
mod lesion_crop;
mod mix_rows;
mod resize;
mod window;

pub use bicubic::{Bicubic, EdgeMode};
pub use channels::{ChannelLayout, MAX_CHANNELS, expand_channels};
pub use crop::{BoundingBox, CropBox, DEFAULT_MARGIN, crop_box};
pub use error::ImagingError;
pub use image::{Image, MAX_SIDE};
pub use lesion_crop::LesionCrop;
pub use resize::{Resampler, resize};
pub use window::Window;
