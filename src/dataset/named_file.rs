//! Finding one named file in a dataset, for a file parameter that reads another stage's output
//! (`model: {from: quantize, file: model.onnx}`).

use super::dataset::Dataset;
use super::value::{BlobRef, Value};

impl Dataset {
    /// The one blob called `name`: a field of that name (a `command` stage's declared
    /// output), a file inside a folder field (`plots/roc.png`), or a blob published under that
    /// name. `Err` lists the names the dataset has when none, or more than one, matches.
    pub fn file(&self, name: &str) -> Result<BlobRef, Vec<String>> {
        let mut found: Vec<&BlobRef> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for record in self.records() {
            for (field, value) in &record.fields {
                match value {
                    Value::Blob(blob) => {
                        let published = blob.name.as_deref().unwrap_or(field);
                        names.push(format!("`{published}`"));
                        if field == name || published == name {
                            found.push(blob);
                        }
                    }
                    Value::Map(files) => {
                        for (rel, inner) in files {
                            if let Value::Blob(blob) = inner {
                                let path = format!("{field}/{rel}");
                                if path == name {
                                    found.push(blob);
                                }
                                names.push(format!("`{path}`"));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        match found.as_slice() {
            [one] => Ok((*one).clone()),
            // The same bytes reached through two names (field and published name) are one file.
            [first, rest @ ..] if rest.iter().all(|b| b.digest == first.digest) => {
                Ok((*first).clone())
            }
            _ => {
                names.sort();
                names.dedup();
                if names.len() > 12 {
                    let more = names.len() - 12;
                    names.truncate(12);
                    names.push(format!("and {more} more"));
                }
                Err(names)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::dataset::Record;
    use crate::digest::Digest;

    fn blob(bytes: &[u8], name: Option<&str>) -> BlobRef {
        BlobRef {
            digest: Digest::of(bytes),
            size: bytes.len() as u64,
            name: name.map(str::to_string),
        }
    }

    #[test]
    fn a_file_is_found_by_field_folder_path_or_published_name() {
        let plots = BTreeMap::from([("roc.png".to_string(), Value::from(blob(b"png", None)))]);
        let record = Record::new("output")
            .with("model.onnx", Value::from(blob(b"onnx", Some("model.onnx"))))
            .with("metrics", Value::from(blob(b"{}", Some("metrics.json"))))
            .with("plots", Value::Map(plots));
        let data = Dataset::from_records(vec![record]).unwrap();
        assert_eq!(data.file("model.onnx").unwrap().digest, Digest::of(b"onnx"));
        assert_eq!(data.file("metrics.json").unwrap().digest, Digest::of(b"{}"));
        assert_eq!(data.file("metrics").unwrap().digest, Digest::of(b"{}"));
        assert_eq!(
            data.file("plots/roc.png").unwrap().digest,
            Digest::of(b"png")
        );
        let names = data.file("model.pt").unwrap_err();
        assert_eq!(names, ["`metrics.json`", "`model.onnx`", "`plots/roc.png`"]);
    }

    #[test]
    fn a_name_on_several_records_with_different_bytes_is_ambiguous() {
        let records = vec![
            Record::new("a").with("features", Value::from(blob(b"1", None))),
            Record::new("b").with("features", Value::from(blob(b"2", None))),
        ];
        let data = Dataset::from_records(records).unwrap();
        assert!(data.file("features").is_err());
    }
}
