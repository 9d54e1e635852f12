//! Field values of dataset records.
//!
//! A value is JSON-like (null, bool, integer, float, string, list, map) plus two references:
//! a [`BlobRef`] to bytes in the cache's object store and a [`FileRef`] to a workspace file
//! read by content. Both serialize as maps with a `$`-prefixed tag (`{"$blob": "<hex>", ...}`,
//! `{"$file": "<path>", ...}`); plain maps may not use keys starting with `$`.
//!
//! Serialization is canonical: maps are sorted (`BTreeMap`), integers and floats keep their
//! kind (`3` vs `3.0`), floats are written in their shortest round-trip form, and non-finite
//! floats are refused where values are built ([`Value::float`]), so equal values always give
//! equal bytes.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::digest::Digest;

/// A field value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
    /// Boxed, as is `File`: a reference is 64 bytes where every other variant is 24, and a
    /// manifest of 100k records holds a map node of values per record.
    Blob(Box<BlobRef>),
    File(Box<FileRef>),
}

/// Bytes in the object store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    pub digest: Digest,
    pub size: u64,
    /// The file name the blob gets when it is published as an ordinary file.
    pub name: Option<String>,
}

/// A workspace file, identified by its root-relative path and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    /// Root-relative, `/`-separated.
    pub path: String,
    pub digest: Digest,
    pub size: u64,
}

impl Value {
    /// A float value; `None` for NaN and infinities, which have no canonical JSON form.
    pub fn float(x: f64) -> Option<Value> {
        x.is_finite().then_some(Value::Float(x))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// Integers convert too.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(x) => Some(*x),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_blob(&self) -> Option<&BlobRef> {
        match self {
            Value::Blob(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_file(&self) -> Option<&FileRef> {
        match self {
            Value::File(f) => Some(f),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// A short name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Blob(_) => "blob",
            Value::File(_) => "file",
        }
    }

    /// Calls `visit` for every blob this value references, depth first.
    pub fn for_each_blob(&self, visit: &mut dyn FnMut(&BlobRef)) {
        match self {
            Value::Blob(blob) => visit(blob),
            Value::List(items) => items.iter().for_each(|v| v.for_each_blob(visit)),
            Value::Map(map) => map.values().for_each(|v| v.for_each_blob(visit)),
            _ => {}
        }
    }

    /// The value as it enters an item key: like the value itself, except that a file counts by
    /// its content only, so moving a data folder does not invalidate items, and a blob by its
    /// digest only.
    pub fn key_material(&self) -> serde_json::Value {
        match self {
            Value::File(file) => serde_json::json!({"$content": file.digest}),
            Value::Blob(blob) => serde_json::json!({"$content": blob.digest}),
            Value::List(items) => items.iter().map(Value::key_material).collect(),
            Value::Map(map) => map
                .iter()
                .map(|(k, v)| (k.clone(), v.key_material()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
            other => serde_json::to_value(other).unwrap_or(serde_json::Value::Null),
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<usize> for Value {
    fn from(i: usize) -> Self {
        Value::Int(i as i64)
    }
}
impl From<u32> for Value {
    fn from(i: u32) -> Self {
        Value::Int(i64::from(i))
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}
impl From<BlobRef> for Value {
    fn from(b: BlobRef) -> Self {
        Value::Blob(Box::new(b))
    }
}
impl From<FileRef> for Value {
    fn from(f: FileRef) -> Self {
        Value::File(Box::new(f))
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Self {
        Value::List(items.into_iter().map(Into::into).collect())
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Float(x) => {
                if !x.is_finite() {
                    return Err(serde::ser::Error::custom("non-finite float in a record"));
                }
                serializer.serialize_f64(*x)
            }
            Value::Str(s) => serializer.serialize_str(s),
            Value::List(items) => serializer.collect_seq(items),
            Value::Map(map) => serializer.collect_map(map),
            Value::Blob(blob) => {
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("$blob", &blob.digest)?;
                if let Some(name) = &blob.name {
                    map.serialize_entry("name", name)?;
                }
                map.serialize_entry("size", &blob.size)?;
                map.end()
            }
            Value::File(file) => {
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("$file", &file.path)?;
                map.serialize_entry("blake3", &file.digest)?;
                map.serialize_entry("size", &file.size)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }
    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        i64::try_from(u)
            .map(Value::Int)
            .map_err(|_| E::custom(format!("integer {u} is too large")))
    }
    fn visit_f64<E>(self, x: f64) -> Result<Value, E> {
        Ok(Value::Float(x))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Str(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        match access.next_key_seed(KeySeed)? {
            None => return Ok(Value::Map(map)),
            // A manifest holds one blob reference per array and file: read the common
            // shape (`$blob` first, as `Serialize` writes it) without building a map.
            Some(Key::Blob) => return blob_after_tag(access),
            Some(Key::Other(key)) => {
                map.insert(key, access.next_value()?);
            }
        }
        while let Some((key, value)) = access.next_entry::<String, Value>()? {
            map.insert(key, value);
        }
        reference_from_map(map).map_err(de::Error::custom)
    }
}

/// A map key as [`ValueVisitor::visit_map`] sees its first one.
enum Key {
    Blob,
    Other(String),
}

struct KeySeed;

impl<'de> de::DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map key")
    }
    fn visit_str<E>(self, key: &str) -> Result<Key, E> {
        Ok(match key {
            "$blob" => Key::Blob,
            other => Key::Other(other.to_string()),
        })
    }
    fn visit_string<E>(self, key: String) -> Result<Key, E> {
        Ok(match key.as_str() {
            "$blob" => Key::Blob,
            _ => Key::Other(key),
        })
    }
}

/// A digest read from a string without copying it first.
struct DigestSeed;

impl<'de> de::DeserializeSeed<'de> for DigestSeed {
    type Value = Digest;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Digest, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for DigestSeed {
    type Value = Digest;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a digest string")
    }
    fn visit_str<E: de::Error>(self, hex: &str) -> Result<Digest, E> {
        hex.parse().map_err(|e| E::custom(format!("`$blob`: {e}")))
    }
}

/// The rest of a blob reference whose `$blob` key was just read: the same checks as
/// [`reference_from_map`] (`size` a non-negative integer, `name` a string, nothing else).
fn blob_after_tag<'de, A: MapAccess<'de>>(mut access: A) -> Result<Value, A::Error> {
    let digest = access.next_value_seed(DigestSeed)?;
    let mut size = None;
    let mut name = None;
    while let Some(key) = access.next_key_seed(KeySeed)? {
        match key {
            Key::Other(key) if key == "size" && size.is_none() => size = Some(access.next_value()?),
            Key::Other(key) if key == "name" && name.is_none() => name = Some(access.next_value()?),
            Key::Other(key) => return Err(de::Error::custom(unexpected_blob_key(&key))),
            Key::Blob => return Err(de::Error::custom(unexpected_blob_key("$blob"))),
        }
    }
    Ok(Value::from(BlobRef {
        digest,
        size: size_of(size).map_err(de::Error::custom)?,
        name: blob_name_of(name).map_err(de::Error::custom)?,
    }))
}

/// A reference's `size` (absent: 0).
fn size_of(value: Option<Value>) -> Result<u64, String> {
    match value {
        Some(Value::Int(n)) if n >= 0 => Ok(n as u64),
        None => Ok(0),
        _ => Err("`size` must be a non-negative integer".into()),
    }
}

/// A blob reference's optional `name`.
fn blob_name_of(value: Option<Value>) -> Result<Option<String>, String> {
    match value {
        Some(Value::Str(name)) => Ok(Some(name)),
        None => Ok(None),
        _ => Err("blob `name` must be a string".into()),
    }
}

fn unexpected_blob_key(key: &str) -> String {
    format!("unexpected key `{key}` in a blob reference")
}

/// Turns a `$blob`/`$file` tagged map into its reference; other maps stay maps.
fn reference_from_map(mut map: BTreeMap<String, Value>) -> Result<Value, String> {
    let digest_of = |value: Option<Value>, what: &str| -> Result<Digest, String> {
        match value {
            Some(Value::Str(hex)) => hex.parse().map_err(|e| format!("{what}: {e}")),
            _ => Err(format!("{what}: expected a digest string")),
        }
    };
    if let Some(tagged) = map.remove("$blob") {
        let digest = digest_of(Some(tagged), "`$blob`")?;
        let size = size_of(map.remove("size"))?;
        let name = blob_name_of(map.remove("name"))?;
        if let Some(extra) = map.keys().next() {
            return Err(unexpected_blob_key(extra));
        }
        return Ok(Value::from(BlobRef { digest, size, name }));
    }
    if let Some(tagged) = map.remove("$file") {
        let Value::Str(path) = tagged else {
            return Err("`$file` must be a path string".into());
        };
        let digest = digest_of(map.remove("blake3"), "`blake3`")?;
        let size = size_of(map.remove("size"))?;
        if let Some(extra) = map.keys().next() {
            return Err(format!("unexpected key `{extra}` in a file reference"));
        }
        return Ok(Value::from(FileRef { path, digest, size }));
    }
    if let Some(key) = map.keys().find(|k| k.starts_with('$')) {
        return Err(format!("unknown reference tag `{key}`"));
    }
    Ok(Value::Map(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: &Value) -> Value {
        let text = serde_json::to_string(value).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn every_kind_of_value_round_trips_through_json() {
        let blob = BlobRef {
            digest: Digest::of(b"x"),
            size: 1,
            name: Some("a.png".into()),
        };
        let file = FileRef {
            path: "data/a.nrrd".into(),
            digest: Digest::of(b"y"),
            size: 9,
        };
        let values = [
            Value::Null,
            Value::Bool(true),
            Value::Int(-3),
            Value::Float(0.1),
            Value::Float(3.0),
            Value::Str("II".into()),
            Value::List(vec![Value::Int(1), Value::Float(2.5)]),
            Value::Map(BTreeMap::from([("a".into(), Value::Int(1))])),
            Value::from(blob),
            Value::from(file),
        ];
        for value in &values {
            assert_eq!(&round_trip(value), value);
        }
    }

    #[test]
    fn integers_and_floats_keep_their_kind() {
        assert_eq!(serde_json::to_string(&Value::Int(3)).unwrap(), "3");
        assert_eq!(serde_json::to_string(&Value::Float(3.0)).unwrap(), "3.0");
        assert_eq!(round_trip(&Value::Float(3.0)), Value::Float(3.0));
    }

    #[test]
    fn non_finite_floats_are_not_values() {
        assert_eq!(Value::float(f64::NAN), None);
        assert_eq!(Value::float(f64::INFINITY), None);
        assert!(serde_json::to_string(&Value::Float(f64::NAN)).is_err());
    }

    #[test]
    fn unknown_reference_tags_are_refused() {
        assert!(serde_json::from_str::<Value>(r#"{"$blub": 1}"#).is_err());
        assert!(serde_json::from_str::<Value>(r#"{"$blob": "zz"}"#).is_err());
    }

    #[test]
    fn blob_references_read_alike_whatever_their_key_order() {
        let hex = Digest::of(b"x").to_hex();
        let expected = Value::from(BlobRef {
            digest: Digest::of(b"x"),
            size: 7,
            name: Some("a.png".into()),
        });
        for text in [
            format!(r#"{{"$blob": "{hex}", "name": "a.png", "size": 7}}"#),
            format!(r#"{{"$blob": "{hex}", "size": 7, "name": "a.png"}}"#),
            format!(r#"{{"size": 7, "$blob": "{hex}", "name": "a.png"}}"#),
            format!(r#"{{"name": "a.png", "size": 7, "$blob": "{hex}"}}"#),
        ] {
            assert_eq!(
                serde_json::from_str::<Value>(&text).unwrap(),
                expected,
                "{text}"
            );
        }
        let bare = format!(r#"{{"$blob": "{hex}"}}"#);
        assert!(matches!(
            serde_json::from_str::<Value>(&bare).unwrap(),
            Value::Blob(blob) if matches!(*blob, BlobRef {
                size: 0,
                name: None,
                ..
            })
        ));
        for (bad, why) in [
            (
                format!(r#"{{"$blob": "{hex}", "size": -1}}"#),
                "non-negative",
            ),
            (
                format!(r#"{{"$blob": "{hex}", "name": 3}}"#),
                "must be a string",
            ),
            (
                format!(r#"{{"$blob": "{hex}", "extra": 1}}"#),
                "unexpected key `extra`",
            ),
            (
                format!(r#"{{"$blob": "{hex}", "size": 1, "size": 2}}"#),
                "unexpected key `size`",
            ),
            (
                format!(r#"{{"size": 1, "$blob": "{hex}", "x": 2}}"#),
                "unexpected key `x`",
            ),
            (r#"{"$blob": 5}"#.to_string(), "digest"),
        ] {
            let error = serde_json::from_str::<Value>(&bad).unwrap_err().to_string();
            assert!(error.contains(why), "{bad}: {error}");
        }
    }

    #[test]
    fn file_key_material_ignores_the_path() {
        let a = FileRef {
            path: "a/x.nrrd".into(),
            digest: Digest::of(b"1"),
            size: 1,
        };
        let b = FileRef {
            path: "b/x.nrrd".into(),
            ..a.clone()
        };
        assert_eq!(Value::from(a).key_material(), Value::from(b).key_material());
    }
}
