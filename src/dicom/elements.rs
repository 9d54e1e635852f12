//! Building elements for the writers: decimal strings that fit DICOM's 16 characters,
//! and short constructors for the VRs radflow writes.

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_object::InMemDicomObject;

/// A DS value of at most 16 characters (PS3.5 6.2), as precise as that allows.
pub fn decimal(value: f64) -> String {
    let value = if value == 0.0 { 0.0 } else { value }; // no "-0"
    let shortest = format!("{value}");
    if shortest.len() <= 16 {
        return shortest;
    }
    // Fixed notation with as many decimals as fit, else scientific.
    let integer_digits = format!("{:.0}", value.abs()).len() + usize::from(value < 0.0);
    if integer_digits + 2 <= 16 {
        let decimals = 16 - integer_digits - 1;
        let fixed = format!("{value:.decimals$}");
        let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
        if trimmed.len() <= 16 && trimmed.parse::<f64>().is_ok() {
            return trimmed.to_string();
        }
    }
    for precision in (1..=10).rev() {
        let scientific = format!("{value:.precision$e}");
        if scientific.len() <= 16 {
            return scientific;
        }
    }
    format!("{value:.0e}")
}

pub fn decimals(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| decimal(*v))
        .collect::<Vec<_>>()
        .join("\\")
}

pub fn text(tag: Tag, vr: VR, value: impl Into<String>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(value.into()))
}

pub fn us(tag: Tag, value: u16) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::US, PrimitiveValue::from(value))
}

pub fn sequence(tag: Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, DataSetSequence::from(items))
}

pub fn object(elements: Vec<DataElement<InMemDicomObject>>) -> InMemDicomObject {
    InMemDicomObject::from_element_iter(elements)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_fit_sixteen_characters_and_round_trip_closely() {
        let cases = [
            0.0,
            -0.0,
            1.5,
            -123.456_789_012_345_68,
            0.000012345678901234,
            1e20,
            -98765432109876.5,
            1.0 / 3.0,
        ];
        for value in cases {
            let text = decimal(value);
            assert!(text.len() <= 16, "{value}: {text}");
            let back: f64 = text.parse().expect(&text);
            assert!(
                (back - value).abs() <= 1e-9 * value.abs().max(1.0),
                "{value}: {text}"
            );
        }
        assert_eq!(decimal(-0.0), "0");
        assert_eq!(decimal(2.5), "2.5");
    }
}
