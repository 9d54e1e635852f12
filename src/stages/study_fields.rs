//! The study's field names: `sample_filter` makes each patient record's class field (the
//! tumour grade) and group field (the patient id), and says so in its output's roles; every
//! stage after it finds them through the roles of its input, never by these names.

use crate::dataset::Roles;

/// The class field `sample_filter` writes.
pub const CLASS_FIELD: &str = "grade";
/// The group field `sample_filter` writes (slices inherit it).
pub const PATIENT_FIELD: &str = "patient";

/// The roles of the study's datasets.
pub fn study_roles() -> Roles {
    Roles::new(CLASS_FIELD, PATIENT_FIELD)
}
