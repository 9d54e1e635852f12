//! A parameter value a kind refuses.

/// A refused parameter, with the dotted path below the stage's `with:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    pub path: String,
    pub message: String,
}

impl ParamError {
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.to_string(),
            message: message.into(),
        }
    }
}
