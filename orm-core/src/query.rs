//! Statements built from models: [`select`] (the query builder), and the
//! write paths [`insert`], [`update`] and [`delete`].

pub mod delete;
pub mod insert;
pub mod select;
pub mod update;
