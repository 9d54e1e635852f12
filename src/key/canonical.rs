//! Canonical bytes for key material.
//!
//! Keys hash compact JSON written by serde_json: struct fields in declaration order, maps
//! sorted (`BTreeMap`, and serde_json's own map, which is a `BTreeMap` since radflow never
//! enables its `preserve_order` feature), integers and floats kept apart (`3` vs `3.0`), floats
//! in ryu's shortest round-trip form (locale-free). The test below guards the map order.

use serde::Serialize;

use crate::digest::Digest;

/// Compact canonical JSON.
pub fn canonical_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing plain data (no non-finite floats reach keys: parameters are checked and
    // record floats are refused when non-finite) cannot fail.
    serde_json::to_vec(value).expect("key material serializes")
}

/// blake3 of the canonical bytes.
pub fn digest_of<T: Serialize>(value: &T) -> Digest {
    Digest::of(&canonical_bytes(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_maps_are_sorted_whatever_the_insertion_order() {
        let a: serde_json::Value =
            serde_json::from_str(r#"{"b": 1, "a": {"d": 2, "c": 3}}"#).unwrap();
        let b: serde_json::Value =
            serde_json::from_str(r#"{"a": {"c": 3, "d": 2}, "b": 1}"#).unwrap();
        assert_eq!(canonical_bytes(&a), canonical_bytes(&b));
        assert_eq!(
            String::from_utf8(canonical_bytes(&a)).unwrap(),
            r#"{"a":{"c":3,"d":2},"b":1}"#
        );
    }

    #[test]
    fn floats_are_written_shortest_and_apart_from_integers() {
        let v = serde_json::json!([0.1, 1.0, 1, 1e-7, 12345678.9]);
        assert_eq!(
            String::from_utf8(canonical_bytes(&v)).unwrap(),
            "[0.1,1.0,1,1e-7,12345678.9]"
        );
    }
}
