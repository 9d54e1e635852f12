//! The clinical table: one row per patient in the study, with the grade written the
//! way hospital exports write it (`II`, `2`, `G2`), sometimes empty, sometimes a
//! grade outside the study.

use std::path::Path;

use super::cohort::PatientPlan;
use super::error::SynthError;

pub const CLINICAL_CSV: &str = "clinical.csv";
/// Column names: the sample filter joins on the first and reads the second.
pub const ID_COLUMN: &str = "patient_id";
pub const GRADE_COLUMN: &str = "grade";

pub(crate) fn write_clinical_csv(path: &Path, plans: &[PatientPlan]) -> Result<(), SynthError> {
    let fail = |source: csv::Error| SynthError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut writer = csv::Writer::from_path(path).map_err(fail)?;
    writer
        .write_record([ID_COLUMN, GRADE_COLUMN, "age", "sex"])
        .map_err(fail)?;
    for plan in plans.iter().filter(|p| p.in_csv) {
        let age = plan.age.to_string();
        writer
            .write_record([
                plan.id.as_str(),
                plan.csv_grade.as_str(),
                age.as_str(),
                plan.sex,
            ])
            .map_err(fail)?;
    }
    writer.flush().map_err(|e| SynthError::io("write", path, e))
}
