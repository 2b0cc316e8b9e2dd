//! A set of models whose tables live together ([`Schema`], built with
//! [`models!`](crate::models)), in foreign-key order. The DDL it renders
//! and the operations that run it live in the layers above.

use crate::error::{Error, Result};
use crate::model::ModelMeta;

/// A set of models whose tables are created and dropped together.
///
/// Models referenced through foreign keys are included even when not
/// listed, so the DDL always runs.
#[derive(Debug, Clone)]
pub struct Schema {
    models: Vec<&'static ModelMeta>,
}

/// Builds a [`Schema`] from model types: `orm::models![User, Post]`.
#[macro_export]
macro_rules! models {
    ($($model:ty),* $(,)?) => {
        $crate::Schema::new(&[$(<$model as $crate::Model>::META),*])
    };
}

impl Schema {
    /// A schema of these models (and the models they reference).
    pub fn new(models: &[&'static ModelMeta]) -> Schema {
        let mut all: Vec<&'static ModelMeta> = Vec::new();
        let mut pending: Vec<&'static ModelMeta> = models.to_vec();
        while let Some(m) = pending.pop() {
            if all.iter().any(|seen| seen.is(m)) {
                continue;
            }
            pending.extend(m.dependencies());
            // Association tables of many-to-many relationships come along.
            pending.extend(
                m.relations
                    .iter()
                    .filter_map(|r| r.secondary.map(|s| (s.table)())),
            );
            all.push(m);
        }
        // Keep the caller's order for listed models, dependencies after.
        all.sort_by_key(|m| models.iter().position(|l| l.is(m)).unwrap_or(usize::MAX));
        Schema { models: all }
    }

    /// The models, referenced tables before the tables referencing them.
    pub fn ordered(&self) -> Result<Vec<&'static ModelMeta>> {
        let mut done: Vec<&'static ModelMeta> = Vec::with_capacity(self.models.len());
        let mut left = self.models.clone();
        while !left.is_empty() {
            let before = left.len();
            left.retain(|m| {
                let ready = m.dependencies().all(|d| done.iter().any(|x| x.is(d)));
                if ready {
                    done.push(m);
                }
                !ready
            });
            if left.len() == before {
                let names: Vec<&str> = left.iter().map(|m| m.name).collect();
                return Err(Error::Config(format!(
                    "foreign keys form a cycle between {}: make one of them nullable and add it after creation",
                    names.join(", ")
                )));
            }
        }
        Ok(done)
    }
}
