//! Parsing and checking: attributes become a typed model ([`ast`]), every
//! problem is recorded in a [`ctxt::Ctxt`] with its span, and the
//! cross-field rules run in [`check`].

pub mod ast;
pub mod attr;
pub mod check;
pub mod ctxt;
pub mod relation;
pub mod symbol;
