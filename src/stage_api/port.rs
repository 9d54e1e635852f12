//! The named inputs of a stage kind.

/// How many upstream outputs a port takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    /// Exactly one dataset. Bound to a swept stage, the reader is swept along with it: one
    /// instance per upstream instance.
    One,
    /// Any number of datasets, gathered: all instances of a swept stage, or several stages.
    Many,
}

/// A named input of a kind.
#[derive(Debug, Clone, Copy)]
pub struct Port {
    pub name: &'static str,
    pub arity: Arity,
    pub required: bool,
}

impl Port {
    pub const fn one(name: &'static str) -> Self {
        Self {
            name,
            arity: Arity::One,
            required: true,
        }
    }
    pub const fn many(name: &'static str) -> Self {
        Self {
            name,
            arity: Arity::Many,
            required: true,
        }
    }
    pub const fn optional(self) -> Self {
        Self {
            required: false,
            ..self
        }
    }
}
