//! Gathering per-slice feature vectors into one matrix for the classifier stages.

use ndarray::Array2;
use rayon::prelude::*;

use crate::dataset::{Dataset, Record};
use crate::stage_api::{StageContext, StageError};

/// Rows in dataset order (records sorted by id).
pub struct FeatureMatrix {
    pub ids: Vec<String>,
    pub features: Array2<f32>,
    /// Class index per row, into `classes`.
    pub labels: Vec<usize>,
    pub patients: Vec<String>,
    pub classes: Vec<String>,
}

impl FeatureMatrix {
    /// Reads every record's `features` blob. `classes` fixes the class order; `None` takes the
    /// sorted distinct values of the class field.
    pub fn load(
        ctx: &StageContext<'_>,
        dataset: &Dataset,
        classes: Option<&[String]>,
    ) -> Result<Self, StageError> {
        let records = dataset.records();
        if records.is_empty() {
            return Err(StageError::invalid("the features input has no records"));
        }
        // The class and group fields are whatever the dataset's roles name.
        let roles = dataset.roles();
        let class_field = roles.class.as_deref().ok_or_else(|| {
            StageError::invalid(
                "the features input names no class field (its roles have no `class`)",
            )
        })?;
        let group_field = roles.group.as_deref();
        let classes: Vec<String> = match classes {
            Some(c) => c.to_vec(),
            None => {
                let mut c: Vec<String> = records
                    .iter()
                    .map(|r| r.str(class_field).map(str::to_string))
                    .collect::<Result<_, _>>()?;
                c.sort();
                c.dedup();
                c
            }
        };
        let rows: Vec<Vec<f32>> = records
            .par_iter()
            .map(|r| Ok(ctx.read_tensor(r.blob("features")?)?.to_f32()))
            .collect::<Result<_, StageError>>()?;
        let width = rows[0].len();
        if let Some((r, row)) = records
            .iter()
            .zip(&rows)
            .find(|(_, row)| row.len() != width)
        {
            return Err(StageError::invalid(format!(
                "`{}` has {} features, `{}` has {width}",
                r.id,
                row.len(),
                records[0].id
            )));
        }
        let mut labels = Vec::with_capacity(records.len());
        let mut patients = Vec::with_capacity(records.len());
        for r in records {
            labels.push(class_index(r, class_field, &classes)?);
            let group = group_field.and_then(|g| r.str(g).ok());
            patients.push(group.unwrap_or(&r.id).to_string());
        }
        let flat: Vec<f32> = rows.into_iter().flatten().collect();
        let features = Array2::from_shape_vec((records.len(), width), flat)
            .map_err(|e| StageError::invalid(e.to_string()))?;
        Ok(Self {
            ids: records.iter().map(|r| r.id.clone()).collect(),
            features,
            labels,
            patients,
            classes,
        })
    }

    /// Row indices of `ids`, in the order given.
    pub fn rows_of(&self, ids: &[String]) -> Result<Vec<usize>, StageError> {
        ids.iter()
            .map(|id| {
                self.ids.binary_search(id).map_err(|_| {
                    StageError::invalid(format!(
                        "slice `{id}` of the split is not among the features"
                    ))
                })
            })
            .collect()
    }
}

fn class_index(record: &Record, field: &str, classes: &[String]) -> Result<usize, StageError> {
    let class = record.str(field)?;
    classes.iter().position(|c| c == class).ok_or_else(|| {
        StageError::invalid(format!(
            "`{}` has class `{class}`, which is not one of {}",
            record.id,
            classes.join(", ")
        ))
    })
}
