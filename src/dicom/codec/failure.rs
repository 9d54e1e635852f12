//! Why a frame did not decode, shared by every codec and the dispatcher in `mod.rs`.

/// Why a frame did not decode: the codec's name and its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecFailure {
    pub codec: &'static str,
    pub detail: String,
}

impl CodecFailure {
    pub(crate) fn new(codec: &'static str, detail: impl Into<String>) -> Self {
        CodecFailure {
            codec,
            detail: detail.into(),
        }
    }
}
