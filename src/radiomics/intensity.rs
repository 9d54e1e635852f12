//! The sample types an image may hold, and the one place their arithmetic differs.

/// A sample type radiomics accepts. PyRadiomics computes every feature in float64 except the
/// lower bin edge, `min - (min mod binWidth)`, which numpy evaluates in the image's own type
/// (float32 for a float32 image). [`Intensity::bin_floor`] reproduces that.
pub trait Intensity: Copy + Send + Sync + 'static {
    fn to_f64(self) -> f64;

    /// `minimum - (minimum % bin_width)` as numpy computes it for this type (floored modulo).
    fn bin_floor(minimum: Self, bin_width: f64) -> f64 {
        let minimum = minimum.to_f64();
        minimum - floored_mod_f64(minimum, bin_width)
    }
}

/// numpy's `remainder` for float64 (result takes the divisor's sign).
fn floored_mod_f64(a: f64, b: f64) -> f64 {
    let m = a % b;
    if m != 0.0 && ((m < 0.0) != (b < 0.0)) {
        m + b
    } else if m == 0.0 {
        0.0f64.copysign(b)
    } else {
        m
    }
}

macro_rules! exact_in_f64 {
    ($($t:ty),*) => {$(
        impl Intensity for $t {
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}

exact_in_f64!(u8, i8, u16, i16, u32, i32, f64);

impl Intensity for f32 {
    fn to_f64(self) -> f64 {
        self as f64
    }

    fn bin_floor(minimum: Self, bin_width: f64) -> f64 {
        // numpy 2 keeps a float32 scalar in float32 when combined with a Python number.
        let b = bin_width as f32;
        let mut m = minimum % b;
        if m != 0.0 && ((m < 0.0) != (b < 0.0)) {
            m += b;
        } else if m == 0.0 {
            m = 0.0f32.copysign(b);
        }
        (minimum - m) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_floor_is_the_multiple_of_the_width_at_or_below_the_minimum() {
        assert_eq!(i16::bin_floor(54, 25.0), 50.0);
        assert_eq!(i16::bin_floor(-37, 25.0), -50.0);
        assert_eq!(i16::bin_floor(-50, 25.0), -50.0);
        assert_eq!(f64::bin_floor(0.3, 25.0), 0.0);
        assert_eq!(f32::bin_floor(-0.5, 25.0), -25.0);
    }
}
