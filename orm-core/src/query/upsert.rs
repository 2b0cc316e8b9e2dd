//! Upsert: insert rows, or meet the rows already holding their values in
//! a unique constraint's columns and keep them (`do_nothing`) or update
//! some of their columns (`update`). What comes back is each row as the
//! database holds it after the statement: `RETURNING` on SQLite and
//! PostgreSQL, a read by the conflict columns in the same transaction on
//! MySQL.

use rustc_hash::FxHashMap;

use super::insert::Halves;
use crate::backend::{self, Atomic, Sql, Target};
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::model::{ColumnMeta, Model};
use crate::query::select::Select;
use crate::sql::{self, Dialect, ast};
use crate::value::{HashKey, Value};

pub use crate::sql::ast::Conflict;

/// The rows of `models` upserted on `columns`: for each model, in order,
/// its row as the database holds it, or `None` where `do_nothing` kept an
/// existing row.
pub(crate) async fn upsert<M: Model>(
    target: Target<'_>,
    models: &[M],
    columns: &[&'static str],
    action: &Conflict,
) -> Result<Vec<Option<M>>> {
    if models.is_empty() {
        return Ok(Vec::new());
    }
    let conflict = conflict_columns::<M>(columns)?;
    // The same values twice would be updated twice by one statement
    // (refused by PostgreSQL, silently by MySQL, and the first row would
    // not say what the database holds).
    if matches!(action, Conflict::Update(_)) {
        let mut seen = rustc_hash::FxHashSet::default();
        for m in models {
            if !seen.insert(key_of(m, &conflict)?) {
                return Err(Error::Config(format!(
                    "an upsert of `{}` rows names the same {} twice: give each once",
                    M::META.name,
                    names(&conflict)
                )));
            }
        }
    }
    if let Conflict::Update(set) = action {
        if set.is_empty() {
            return Err(Error::Config(format!(
                "an upsert of `{}` that updates no column: name the columns to update, or use do_nothing()",
                M::META.name
            )));
        }
        for c in set {
            let col = M::META.columns.iter().find(|m| m.name == *c);
            if col.is_some_and(|c| c.auto) {
                return Err(Error::Config(format!(
                    "an upsert of `{}` cannot update its generated key `{c}`",
                    M::META.name
                )));
            }
        }
    }
    let dialect = target.dialect();
    let stmts = sql::statements::<M>(dialect);
    let chunk = super::insert::rows_per_chunk(dialect, stmts.insert_columns);
    // One statement that returns its rows needs no transaction of its own.
    if models.len() <= chunk && dialect != Dialect::MySql {
        return upsert_chunk(target, models, &conflict, action).await;
    }
    let atomic = Atomic::begin(target).await?;
    let outcome = async {
        let mut out = Vec::with_capacity(models.len());
        for part in models.chunks(chunk) {
            let mut halves = Halves::new(part.len(), false);
            while let Some(rows) = halves.next() {
                match upsert_chunk(atomic.target(), &part[rows.clone()], &conflict, action).await {
                    Ok(written) => out.extend(written),
                    Err(e) => halves.failed(rows, e)?,
                }
            }
        }
        Ok(out)
    }
    .await;
    atomic.finish(outcome).await
}

/// `(a, b)` of the columns.
fn names(columns: &[&'static ColumnMeta]) -> String {
    let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
    format!("({})", names.join(", "))
}

/// The columns of a conflict target, checked against the model: the
/// primary key (not generated: a generated key is not written, so it
/// never meets a row) or a `unique` column. Anything else would meet no
/// constraint: SQLite and PostgreSQL refuse it, and MySQL would insert
/// the row while saying it kept one.
fn conflict_columns<M: Model>(columns: &[&'static str]) -> Result<Vec<&'static ColumnMeta>> {
    let model = M::META.name;
    if columns.is_empty() {
        return Err(Error::Config(format!(
            "an upsert of `{model}` needs the columns of a unique constraint or key: `.on_conflict({model}::..)`"
        )));
    }
    let found = columns
        .iter()
        .map(|name| {
            M::META
                .columns
                .iter()
                .find(|c| c.name == *name)
                .ok_or_else(|| Error::Config(format!("`{model}` has no column `{name}`")))
        })
        .collect::<Result<Vec<&'static ColumnMeta>>>()?;
    if let Some(auto) = found.iter().find(|c| c.auto) {
        return Err(Error::Config(format!(
            "an upsert of `{model}` cannot meet rows on its generated key `{}`: the key is not written, so no row ever matches it; name a unique column with `.on_conflict({model}::..)`",
            auto.name
        )));
    }
    let key: Vec<&str> = M::META.primary_key().map(|c| c.name).collect();
    let mut given: Vec<&str> = found.iter().map(|c| c.name).collect();
    given.sort_unstable();
    let mut key_sorted = key.clone();
    key_sorted.sort_unstable();
    let unique = matches!(found.as_slice(), [one] if one.unique);
    if given != key_sorted && !unique {
        return Err(Error::Config(format!(
            "an upsert of `{model}` on {}: those columns are neither the primary key nor a `unique` column, so no constraint makes rows meet on them; mark the column `#[model(unique)]`, or name the key",
            names(&found)
        )));
    }
    Ok(found)
}

/// True when `given[i]` and `returned[i]` hold the same values in
/// `columns`, for every `i`.
fn same_keys<M: Model>(
    given: &[M],
    returned: &[M],
    columns: &[&'static ColumnMeta],
) -> Result<bool> {
    let indexes = columns
        .iter()
        .map(|c| M::META.index_of(c))
        .collect::<Result<Vec<usize>>>()?;
    for (g, r) in given.iter().zip(returned) {
        for &i in &indexes {
            if HashKey(g.column_value(i)?) != HashKey(r.column_value(i)?) {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// The values of `columns` in `model`, as a key.
fn key_of<M: Model>(model: &M, columns: &[&'static ColumnMeta]) -> Result<Vec<HashKey>> {
    columns
        .iter()
        .map(|c| crate::model::value_of(model, c).map(HashKey))
        .collect()
}

async fn upsert_chunk<M: Model>(
    target: Target<'_>,
    rows: &[M],
    columns: &[&'static ColumnMeta],
    action: &Conflict,
) -> Result<Vec<Option<M>>> {
    let dialect = target.dialect();
    let mut values = Vec::with_capacity(rows.len() * M::META.columns.len());
    for row in rows {
        row.insert_values(&mut values);
    }
    let insert = ast::Insert {
        table: M::META,
        rows: rows.len(),
        values: ast::InsertValues::Bound(values),
        returning: false,
    };
    let names: Vec<&'static str> = columns.iter().map(|c| c.name).collect();
    let returning = dialect != Dialect::MySql;
    // MySQL cannot say which rows it kept: those present before the
    // statement are read first (in this transaction).
    let existing = if !returning && *action == Conflict::DoNothing {
        Some(
            read_by(target, rows, columns)
                .await?
                .into_keys()
                .collect::<Vec<_>>(),
        )
    } else {
        None
    };
    let w = sql::upsert(
        dialect,
        ast::Upsert {
            insert,
            columns: names,
            action: action.clone(),
            returning,
        },
    );
    let mut written: FxHashMap<Vec<HashKey>, M> = FxHashMap::default();
    if returning {
        let got = backend::fetch_all(target, Sql::Owned(w.sql), w.binds, |row| {
            M::from_row(row, 0)
        })
        .await?;
        // The rows usually come back in the order they were given: then
        // they pair up without a map (the order is checked, not assumed).
        if got.len() == rows.len() && same_keys(rows, &got, columns)? {
            return Ok(got.into_iter().map(Some).collect());
        }
        for m in got {
            written.insert(key_of(&m, columns)?, m);
        }
    } else {
        backend::execute(target, Sql::Owned(w.sql), w.binds).await?;
        written = read_by(target, rows, columns)
            .await
            .map_err(super::insert::read_back_error)?;
        if let Some(existing) = existing {
            for k in existing {
                written.remove(&k);
            }
        }
    }
    // A row given twice in one call is written once: the first of them
    // gets it.
    rows.iter()
        .map(|m| Ok(written.remove(&key_of(m, columns)?)))
        .collect()
}

/// The rows of the table whose `columns` hold the values of `rows`, by
/// those values.
async fn read_by<M: Model>(
    target: Target<'_>,
    rows: &[M],
    columns: &[&'static ColumnMeta],
) -> Result<FxHashMap<Vec<HashKey>, M>> {
    let condition = match columns {
        // One column: `IN (..)` (`= ANY($1)` on PostgreSQL).
        [one] => Expr::any_of(
            M::META,
            one,
            rows.iter()
                .map(|m| crate::model::value_of(m, one))
                .collect::<Result<Vec<Value>>>()?,
        ),
        _ => {
            let mut any = Vec::with_capacity(rows.len());
            for m in rows {
                let mut all = Vec::with_capacity(columns.len());
                for c in columns {
                    let v: Value = crate::model::value_of(m, c)?;
                    all.push(Expr::column_eq(M::META, c, v));
                }
                any.push(Expr::And(all));
            }
            Expr::Or(any)
        }
    };
    let found = Select::<M>::new()
        .filter(condition)
        .all_plain(target)
        .await?;
    let mut out = FxHashMap::default();
    for m in found {
        out.insert(key_of(&m, columns)?, m);
    }
    Ok(out)
}
