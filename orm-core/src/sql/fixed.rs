//! A model's fixed statements ([`Statements`]): select all, find, insert,
//! update and delete by key, rendered once per model and dialect and kept
//! in the model's cache. Their placeholders are bound at each call.

use crate::model::{ColumnMeta, Model, ModelMeta, Statements};
use crate::value::{SqlType, Value};

use super::ast::{Delete, Insert, InsertValues, Item, Select, Update, Where};
use super::dialect::Dialect;
use super::render::with_renderer;
use super::renderer::Renderer;

/// The fixed statements of `M` in `dialect`, rendered on first use.
#[inline]
pub fn statements<M: Model>(dialect: Dialect) -> &'static Statements {
    M::__cache().get_or_init(dialect.index(), || {
        with_renderer!(dialect, |r| model_statements(r, M::META))
    })
}

/// `<column> = ?` for each column, the value bound at each call.
fn equal<'a>(
    meta: &'static ModelMeta,
    columns: impl Iterator<Item = &'static ColumnMeta>,
    qualified: bool,
) -> Option<Where<'a>> {
    Some(Where::Equal {
        table: meta,
        columns: columns.map(|c| (c, Value::Null(c.sql_type))).collect(),
        qualified,
    })
}

fn model_statements<R: Renderer>(r: &R, meta: &'static ModelMeta) -> Statements {
    let render = |s: &Select<'_>| {
        let mut w = r.writer();
        // A fixed statement holds no expression that could fail.
        let _ = r.select(&mut w, s);
        w.finish().sql
    };
    let key = || meta.primary_key();
    let key_and_version = || key().chain(meta.version_column().map(|(_, c)| c));

    let all = Select::from(meta, vec![Item::Model(meta)]);
    let select_all = render(&all);
    let find_by_key = render(&Select {
        filter: equal(meta, key(), true),
        ..all
    });
    let exists_by_key = render(&Select {
        filter: equal(meta, key(), false),
        ..Select::from(meta, vec![Item::One])
    });

    let insert_columns = meta.columns.iter().filter(|c| !c.auto).count();
    let insert = |returning: bool| {
        let mut w = r.writer();
        r.insert(
            &mut w,
            Insert {
                table: meta,
                rows: 1,
                values: InsertValues::Placeholders,
                returning,
            },
        );
        w.finish().sql
    };
    let returned: Vec<usize> = meta
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.filled_by_database())
        .map(|(i, _)| i)
        .collect();

    let set: Vec<(&'static str, Value)> = meta
        .columns
        .iter()
        .filter(|c| !c.primary_key)
        .map(|c| (c.name, Value::Null(c.sql_type)))
        .collect();
    let update_by_key = if set.is_empty() {
        String::new()
    } else {
        let mut w = r.writer();
        let _ = r.update(
            &mut w,
            Update {
                table: meta,
                set,
                filter: equal(meta, key_and_version(), false),
            },
        );
        w.finish().sql
    };
    let delete_by_key = {
        let mut w = r.writer();
        let _ = r.delete(
            &mut w,
            &Delete {
                table: meta,
                filter: equal(meta, key_and_version(), false),
            },
        );
        w.finish().sql
    };

    Statements {
        select_all,
        find_by_key,
        insert_columns,
        insert_one: insert(false),
        insert_one_returning: insert(!returned.is_empty()),
        returned,
        update_by_key,
        delete_by_key,
        exists_by_key,
        coarsened: meta
            .columns
            .iter()
            .enumerate()
            // Timestamps lose precision, zeros their sign, on some backends.
            .filter(|(_, c)| {
                matches!(
                    c.sql_type,
                    SqlType::DateTime | SqlType::DateTimeUtc | SqlType::Real | SqlType::Double
                )
            })
            .map(|(i, _)| i)
            .collect(),
    }
}
