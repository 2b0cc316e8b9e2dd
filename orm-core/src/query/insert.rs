//! INSERT: one row, or many rows as multi-row statements chunked under the
//! backend's bind limit, reading back what the database filled in.
//!
//! What the database fills in (generated keys, and nullable columns whose
//! SQL default stands in for `None`) is read back in the same statement
//! with `RETURNING` on SQLite, PostgreSQL and MariaDB 10.5+. MySQL has no
//! `RETURNING`: the first key is `LAST_INSERT_ID()` and the others follow
//! it by `@@auto_increment_increment`, which InnoDB guarantees for a single
//! multi-row `INSERT ... VALUES` (a "simple insert": its row count is
//! known up front, so its keys are allocated as one block); defaults are
//! then re-read by key in the same transaction.

use crate::backend::Atomic;
use crate::backend::{self, Sql, Target};
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::model::Model;
use crate::query::select::Select;
use crate::sql::{self, Dialect, Rendered, ast};
use crate::value::{HashKey, RowRef, Value, ValueRef};

/// Inserts one row and reads back what the database filled in.
pub(crate) async fn insert_one<M: Model>(target: Target<'_>, mut model: M) -> Result<M> {
    model.validate()?;
    let stmts = crate::sql::statements::<M>(target.dialect());
    backend::store_as_written(target, &mut model, &stmts.coarsened)?;
    if stmts.returned.is_empty() {
        let mut binds = Vec::with_capacity(stmts.insert_columns);
        model.insert_refs(&mut binds);
        backend::execute_validated(target, Sql::Static(&stmts.insert_one), binds).await?;
        return Ok(model);
    }
    let mut binds = Vec::with_capacity(stmts.insert_columns);
    model.insert_values(&mut binds);
    if target.shared().server.insert_returning {
        let mut read = None;
        backend::fetch_optional(
            target,
            Sql::Static(&stmts.insert_one_returning),
            binds,
            |row| {
                read = Some(read_returned(&mut model, &stmts.returned, row));
                Ok(())
            },
        )
        .await?;
        read.unwrap_or_else(|| {
            Err(Error::Config(format!(
                "an insert of one `{}` row read back no row",
                M::META.name
            )))
        })?;
    } else {
        let atomic = Atomic::begin(target).await?;
        let outcome = insert_then_reread(
            atomic.target(),
            std::slice::from_mut(&mut model),
            Sql::Static(&stmts.insert_one),
            binds,
        )
        .await;
        atomic.finish(outcome).await?;
    }
    Ok(model)
}

/// Stores the cells of an insert's `RETURNING` row into `model`.
fn read_returned<M: Model>(model: &mut M, returned: &[usize], row: RowRef<'_>) -> Result<()> {
    for (idx, &column) in returned.iter().enumerate() {
        model.read_column(column, row, idx)?;
    }
    Ok(())
}

/// True in a caller's transaction on PostgreSQL, where any failed
/// statement aborts the transaction: a write of many rows then runs from a
/// savepoint even when it takes one statement, so that its failure undoes
/// it alone, as on the other backends.
fn aborts_the_transaction(target: Target<'_>) -> bool {
    matches!(target, Target::Tx(_)) && target.dialect() == Dialect::Postgres
}

/// Rows per statement for a model with `columns` bound columns.
pub(crate) fn rows_per_chunk(dialect: Dialect, columns: usize) -> usize {
    (dialect.max_binds() / columns.max(1)).max(1)
}

/// Inserts rows (validated by the caller) in as few statements as the
/// bind limit allows, all or nothing, reading back what the database
/// filled in.
pub(crate) async fn insert_many<M: Model>(
    target: Target<'_>,
    mut models: Vec<M>,
) -> Result<Vec<M>> {
    insert_rows(target, &mut models).await?;
    Ok(models)
}

/// [`insert_many`] of rows in place (a graph's level): on PostgreSQL by
/// `COPY` from [`COPY_READ_BACK_MIN_ROWS`], else one multi-row INSERT per
/// chunk under the bind limit, all or nothing.
pub(crate) async fn insert_rows<M: Model>(target: Target<'_>, models: &mut [M]) -> Result<()> {
    if models.is_empty() {
        return Ok(());
    }
    if aborts_the_transaction(target) {
        let atomic = Atomic::begin(target).await?;
        let outcome = Box::pin(insert_rows(atomic.target(), models)).await;
        return atomic.finish(outcome).await;
    }
    #[cfg(feature = "postgres")]
    if target.dialect() == Dialect::Postgres && models.len() >= COPY_READ_BACK_MIN_ROWS {
        let stmts = crate::sql::statements::<M>(target.dialect());
        for row in models.iter_mut() {
            backend::store_as_written(target, row, &stmts.coarsened)?;
        }
        if let Some(done) = copy_with_drawn_keys(target, models).await {
            return done;
        }
        if let Some(plan) = copy_plan(target.dialect(), models, true) {
            let expected = models.len();
            run_copy(target, plan?, models, expected).await?;
            return Ok(());
        }
    }
    let dialect = target.dialect();
    let stmts = crate::sql::statements::<M>(dialect);
    let chunk = rows_per_chunk(dialect, stmts.insert_columns);
    let reread = !stmts.returned.is_empty() && !target.shared().server.insert_returning;
    // One statement of them all, refused as too large: split at once.
    let mut refused = false;
    if models.len() <= chunk && !reread {
        match insert_chunk(target, models).await {
            Err(Error::StatementTooLarge { .. }) if models.len() > 1 => refused = true,
            done => return done,
        }
    }
    // Several statements: all or nothing.
    let atomic = Atomic::begin(target).await?;
    let outcome = async {
        for part in models.chunks_mut(chunk) {
            let mut halves = Halves::new(part.len(), refused);
            while let Some(rows) = halves.next() {
                if let Err(e) = insert_chunk(atomic.target(), &mut part[rows.clone()]).await {
                    halves.failed(rows, e)?;
                }
            }
        }
        Ok(())
    }
    .await;
    atomic.finish(outcome).await
}

/// `INSERT INTO ... VALUES (..), (..)` for `rows`, with their values bound,
/// reading back what the database fills in when `returning`.
fn render_rows<M: Model>(dialect: Dialect, rows: &[M], returning: bool) -> Rendered {
    let columns = crate::sql::statements::<M>(dialect).insert_columns;
    let mut values = Vec::with_capacity(rows.len() * columns);
    for row in rows {
        row.insert_values(&mut values);
    }
    sql::insert(
        dialect,
        ast::Insert {
            table: M::META,
            rows: rows.len(),
            values: ast::InsertValues::Bound(values),
            returning,
        },
    )
}

/// [`render_rows`] reading nothing back, its values borrowed from `rows`
/// (text and bytes bind without a copy).
fn render_rows_borrowed<'a, M: Model>(
    dialect: Dialect,
    rows: &'a [M],
) -> (String, Vec<ValueRef<'a>>) {
    let columns = crate::sql::statements::<M>(dialect).insert_columns;
    let mut values = Vec::with_capacity(rows.len() * columns);
    for row in rows {
        row.insert_refs(&mut values);
    }
    let rendered = sql::insert(
        dialect,
        ast::Insert {
            table: M::META,
            rows: rows.len(),
            values: ast::InsertValues::Placeholders,
            returning: false,
        },
    );
    (rendered.sql, values)
}

/// Inserts the rows of `models` without reading anything back: one
/// multi-row INSERT per chunk under the bind limit, in one transaction
/// when there are several. Returns the number of rows inserted.
pub(crate) async fn bulk_insert<M: Model>(target: Target<'_>, models: &[M]) -> Result<u64> {
    if models.is_empty() {
        return Ok(0);
    }
    if aborts_the_transaction(target) {
        let atomic = Atomic::begin(target).await?;
        let outcome = Box::pin(bulk_insert(atomic.target(), models)).await;
        return atomic.finish(outcome).await;
    }
    for m in models {
        m.validate()?;
    }
    #[cfg(feature = "postgres")]
    if let Some(plan) = copy_plan(target.dialect(), models, false) {
        return run_copy::<M>(target, plan?, &mut [], models.len()).await;
    }
    let dialect = target.dialect();
    let chunk = rows_per_chunk(dialect, crate::sql::statements::<M>(dialect).insert_columns);
    let statement = async |target: Target<'_>, rows: &[M]| -> Result<u64> {
        let (sql, binds) = render_rows_borrowed(dialect, rows);
        // Every row was validated above.
        Ok(backend::execute_validated(target, Sql::Owned(sql), binds)
            .await?
            .rows_affected)
    };
    // One statement of them all, refused as too large: split at once.
    let mut refused = false;
    if models.len() <= chunk {
        match statement(target, models).await {
            Err(Error::StatementTooLarge { .. }) if models.len() > 1 => refused = true,
            done => return done,
        }
    }
    let atomic = Atomic::begin(target).await?;
    let outcome = async {
        let mut total = 0;
        for part in models.chunks(chunk) {
            let mut halves = Halves::new(part.len(), refused);
            while let Some(rows) = halves.next() {
                match statement(atomic.target(), &part[rows.clone()]).await {
                    Ok(n) => total += n,
                    Err(e) => halves.failed(rows, e)?,
                }
            }
        }
        Ok(total)
    }
    .await;
    atomic.finish(outcome).await
}

/// The statements that write rows `0..len`: all of them in one at
/// first; where the server would not take a statement so large
/// ([`Error::StatementTooLarge`], refused before anything was sent),
/// each half instead, in order, down to single rows. Several statements
/// may run: the caller holds a transaction or savepoint around them.
/// A statement must be refused only before it wrote anything (see
/// [`read_back_error`]).
pub(crate) struct Halves {
    pending: Vec<std::ops::Range<usize>>,
}

impl Halves {
    /// All `len` rows first; or, when `refused` (a statement of them all
    /// was just refused), their halves.
    pub(crate) fn new(len: usize, refused: bool) -> Self {
        let mut halves = Halves {
            pending: std::iter::once(0..len).collect(),
        };
        if refused && len > 1 {
            let all = halves.pending.pop().unwrap_or_default();
            halves.split(all);
        }
        halves
    }

    fn split(&mut self, rows: std::ops::Range<usize>) {
        let middle = rows.start + rows.len() / 2;
        self.pending.push(middle..rows.end);
        self.pending.push(rows.start..middle);
    }

    /// After the statement of `rows` failed with `e`: its halves go next
    /// when it was too large and they are rows apart, else `e`.
    pub(crate) fn failed(&mut self, rows: std::ops::Range<usize>, e: Error) -> Result<()> {
        match e {
            Error::StatementTooLarge { .. } if rows.len() > 1 => {
                self.split(rows);
                Ok(())
            }
            e => Err(e),
        }
    }
}

impl Iterator for Halves {
    type Item = std::ops::Range<usize>;

    /// The rows of the next statement.
    fn next(&mut self) -> Option<Self::Item> {
        self.pending.pop()
    }
}

/// An error of the statement that reads back rows a write of the same
/// call just wrote: [`Error::StatementTooLarge`] becomes a configuration
/// error, so that [`Halves`] does not write those rows again in
/// halves (the caller's transaction or savepoint undoes the write).
pub(crate) fn read_back_error(e: Error) -> Error {
    match e {
        Error::StatementTooLarge { bytes, limit } => Error::Config(format!(
            "reading back the rows just written takes a statement of about {bytes} bytes, larger than the server takes (max_allowed_packet = {limit} bytes); nothing was written: raise max_allowed_packet or write fewer rows at a time"
        )),
        e => e,
    }
}

/// Inserts `rows` (validated by the caller) in one statement and stores
/// what the database filled in (keys, defaults) into them. Several chunks,
/// or a re-read on MySQL, need the caller's transaction.
pub(crate) async fn insert_chunk<M: Model>(target: Target<'_>, rows: &mut [M]) -> Result<()> {
    let dialect = target.dialect();
    let stmts = crate::sql::statements::<M>(dialect);
    for row in rows.iter_mut() {
        backend::store_as_written(target, row, &stmts.coarsened)?;
    }
    if stmts.returned.is_empty() {
        let (sql, binds) = render_rows_borrowed(dialect, rows);
        backend::execute_validated(target, Sql::Owned(sql), binds).await?;
        return Ok(());
    }
    let returning = target.shared().server.insert_returning;
    let w = render_rows(dialect, rows, returning);
    if returning {
        let mut next = rows.iter_mut();
        let mut failure = None;
        let mut count = 0;
        backend::fetch_all(target, Sql::Owned(w.sql), w.binds, |row| {
            count += 1;
            if let Some(model) = next.next()
                && let Err(e) = read_returned(model, &stmts.returned, row)
            {
                failure.get_or_insert(e);
            }
            Ok(())
        })
        .await?;
        if let Some(e) = failure {
            return Err(e);
        }
        if count != rows.len() {
            return Err(Error::Config(format!(
                "an insert of {} `{}` rows returned {count}",
                rows.len(),
                M::META.name
            )));
        }
    } else {
        insert_then_reread(target, rows, Sql::Owned(w.sql), w.binds).await?;
    }
    Ok(())
}

/// MySQL without `RETURNING`: runs the insert, takes the generated keys
/// from `LAST_INSERT_ID()`, then re-reads the columns filled by defaults
/// by key (in the caller's transaction).
async fn insert_then_reread<M: Model>(
    target: Target<'_>,
    rows: &mut [M],
    sql: Sql,
    binds: Vec<Value>,
) -> Result<()> {
    let done = backend::execute(target, sql, binds).await?;
    if M::META.auto_column().is_some() {
        let first = done.last_insert_id.unwrap_or_default();
        let step = target.shared().auto_increment_step;
        for (i, model) in rows.iter_mut().enumerate() {
            model.set_last_insert_id(first, i as u64 * step)?;
        }
    }
    let defaults: Vec<usize> = crate::sql::statements::<M>(target.dialect())
        .returned
        .iter()
        .copied()
        .filter(|&i| !M::META.columns[i].auto)
        .collect();
    if defaults.is_empty() {
        return Ok(());
    }
    let key_of = |m: &M| {
        let mut key = Vec::new();
        m.key_values(&mut key);
        key.into_iter().map(HashKey).collect::<Vec<_>>()
    };
    let by_key = Expr::Or(
        rows.iter()
            .map(|m| {
                let mut key = Vec::new();
                m.key_values(&mut key);
                Expr::And(
                    M::META
                        .primary_key()
                        .zip(key)
                        .map(|(col, value)| Expr::column_eq(M::META, col, value))
                        .collect(),
                )
            })
            .collect(),
    );
    let stored = Select::<M>::new()
        .filter(by_key)
        .all_plain(target)
        .await
        .map_err(read_back_error)?;
    let mut stored: rustc_hash::FxHashMap<Vec<HashKey>, M> =
        stored.into_iter().map(|m| (key_of(&m), m)).collect();
    for model in rows.iter_mut() {
        let Some(row) = stored.remove(&key_of(model)) else {
            return Err(Error::Config(format!(
                "a `{}` row just inserted could not be read back by its key",
                M::META.name
            )));
        };
        for &i in &defaults {
            model.set_column_value(i, row.column_value(i)?)?;
        }
    }
    Ok(())
}

#[cfg(feature = "postgres")]
/// Rows from which `bulk_insert` on PostgreSQL goes by `COPY` (see
/// [`copy_plan`]) rather than by multi-row `INSERT`s. Against the
/// hand-written multi-row INSERT, on 1,000 users COPY took 1.17-1.23x and
/// the INSERT path 0.97x; on 2,000, COPY 0.87-0.95x; on 10,000, 0.45-0.71x
/// (docs/benchmarks.md).
pub(crate) const COPY_MIN_ROWS: usize = 2_000;

#[cfg(feature = "postgres")]
/// Rows from which `insert_many` on PostgreSQL goes by `COPY`: reading
/// keys back costs a transaction and a statement more, which 1,000 rows
/// do not repay (a graph insert of 1,000 posts: 1.25x the INSERT path).
pub(crate) const COPY_READ_BACK_MIN_ROWS: usize = 2_000;

/// PostgreSQL's bulk path for `rows`. With nothing to read back (and no
/// NULL meant to take a column's default) the rows go straight into the
/// model's table by `COPY` in the text format. Otherwise their values,
/// encoded in COPY's binary format, go into a staging table and from there
/// into the model's table by one `INSERT .. SELECT`, which reads back what
/// the database filled in when `read_back`. `None` when the rows do not go this way
/// (another backend, fewer than [`COPY_MIN_ROWS`], a model with no column
/// to write, a value of a type the staging table cannot hold): the caller
/// takes the INSERT path.
#[cfg(feature = "postgres")]
fn copy_plan<M: Model>(
    dialect: Dialect,
    rows: &[M],
    read_back: bool,
) -> Option<Result<(sql::CopyInsert, Vec<u8>)>> {
    if dialect != Dialect::Postgres || rows.len() < COPY_MIN_ROWS {
        return None;
    }
    let stmts = crate::sql::statements::<M>(dialect);
    let columns = stmts.insert_columns;
    if columns == 0 {
        return None;
    }
    let values = match bound_values(rows, columns) {
        Ok(values) => values,
        Err(e) => return Some(Err(e)),
    };
    // The staging table's types: what each column's values are sent as.
    let mut types = Vec::with_capacity(columns);
    for value in &values[..columns] {
        types.push(sql::postgres_bind_type(value)?);
    }
    if values
        .iter()
        .enumerate()
        .any(|(n, value)| sql::postgres_bind_type(value) != Some(types[n % columns]))
    {
        return None;
    }
    if !read_back {
        // Nothing to read back: straight into the table, unless a NULL is
        // meant to give way to a column's default (COPY would store it).
        let defaulted: Vec<bool> = M::META
            .columns
            .iter()
            .filter(|c| !c.auto)
            .map(|c| c.nullable && c.default.is_some())
            .collect();
        let null_for_default = values
            .iter()
            .enumerate()
            .any(|(n, v)| defaulted[n % columns] && matches!(v, Value::Null(_)));
        if !null_for_default && let Some(data) = backend::copy_text(&values, columns, None) {
            return Some(Ok((sql::copy_into(M::META), data)));
        }
    }
    let returned: &[usize] = if read_back { &stmts.returned } else { &[] };
    let plan = sql::copy_insert(M::META, &types, returned);
    Some(backend::copy_data(values, columns).map(|data| (plan, data)))
}

/// The values `rows` bind to an INSERT, `columns` per row, refused as
/// binding would refuse them.
#[cfg(feature = "postgres")]
fn bound_values<M: Model>(rows: &[M], columns: usize) -> Result<Vec<Value>> {
    let mut values = Vec::with_capacity(rows.len() * columns);
    for row in rows {
        row.insert_values(&mut values);
    }
    values.iter().try_for_each(backend::check_bound)?;
    Ok(values)
}

/// Runs a bulk insert planned by [`copy_plan`] in a transaction (the
/// caller's, or one of its own), reading what it returns into `rows` in
/// order (empty when nothing is read back). Returns the rows inserted,
/// `expected` of them.
#[cfg(feature = "postgres")]
async fn run_copy<M: Model>(
    target: Target<'_>,
    (plan, data): (sql::CopyInsert, Vec<u8>),
    rows: &mut [M],
    expected: usize,
) -> Result<u64> {
    let returned = &crate::sql::statements::<M>(target.dialect()).returned;
    if plan.create.is_none() {
        // One COPY: atomic by itself.
        let n = backend::copy_insert(target, &plan, data, |_| Ok(())).await?;
        if n as usize != expected {
            return Err(Error::Config(format!(
                "an insert of {expected} `{}` rows wrote {n}",
                M::META.name
            )));
        }
        return Ok(n);
    }
    let atomic = Atomic::begin(target).await?;
    let mut next = rows.iter_mut();
    let mut failure = None;
    let outcome = backend::copy_insert(atomic.target(), &plan, data, |row| {
        if let Some(model) = next.next()
            && let Err(e) = read_returned(model, returned, row)
        {
            failure.get_or_insert(e);
        }
        Ok(())
    })
    .await;
    let outcome = match (outcome, failure) {
        (Ok(_), Some(e)) => Err(e),
        (Ok(n), None) if n as usize != expected => Err(Error::Config(format!(
            "an insert of {expected} `{}` rows wrote {n}",
            M::META.name
        ))),
        (outcome, _) => outcome,
    };
    atomic.finish(outcome).await
}

/// PostgreSQL's bulk path for rows whose only column filled by the
/// database is a generated key: the keys are drawn from the key's sequence
/// in one statement, given to the rows, and the rows go straight into the
/// table by `COPY` with them, all in one transaction. `None` when the rows
/// do not go this way (other columns to read back, no sequence behind the
/// key, a value without a faithful text form): the caller goes on.
#[cfg(feature = "postgres")]
async fn copy_with_drawn_keys<M: Model>(target: Target<'_>, rows: &mut [M]) -> Option<Result<()>> {
    let dialect = target.dialect();
    let stmts = crate::sql::statements::<M>(dialect);
    let auto = M::META.columns.iter().position(|c| c.auto)?;
    if stmts.returned.as_slice() != [auto] {
        return None;
    }
    let columns = stmts.insert_columns;
    if columns == 0 {
        return None;
    }
    let (draw, table, column) = sql::draw_keys(M::META)?;
    let values = match bound_values(rows, columns) {
        Ok(values) => values,
        Err(e) => return Some(Err(e)),
    };
    let atomic = match Atomic::begin(target).await {
        Ok(atomic) => atomic,
        Err(e) => return Some(Err(e)),
    };
    let outcome = async {
        let n = i64::try_from(rows.len()).map_err(|e| Error::Config(e.to_string()))?;
        let keys = backend::fetch_all(
            atomic.target(),
            Sql::Owned(draw),
            vec![Value::String(table), Value::String(column), Value::I64(n)],
            |row| Ok(<Option<i64> as crate::value::ColumnType>::decode(row, 0)?),
        )
        .await?;
        let Some(keys) = keys.into_iter().collect::<Option<Vec<i64>>>() else {
            return Ok(false);
        };
        // A value without a faithful text form (rare: a year outside
        // 1-9999) leaves the rows to the INSERT path; the drawn keys are
        // burned, as a rolled-back insert burns them.
        let Some(data) = backend::copy_text(&values, columns, Some(&keys)) else {
            return Ok(false);
        };
        let plan = sql::copy_into_with_keys(M::META);
        let copied = backend::copy_insert(atomic.target(), &plan, data, |_| Ok(())).await?;
        if copied as usize != rows.len() {
            return Err(Error::Config(format!(
                "an insert of {} `{}` rows wrote {copied}",
                rows.len(),
                M::META.name
            )));
        }
        for (row, key) in rows.iter_mut().zip(keys) {
            row.set_last_insert_id(
                u64::try_from(key).map_err(|e| Error::Config(e.to_string()))?,
                0,
            )?;
        }
        Ok(true)
    }
    .await;
    match outcome {
        Ok(true) => Some(atomic.finish(Ok(())).await),
        // No sequence behind the key: nothing was written; the INSERT path
        // takes the rows.
        Ok(false) => {
            let _ = atomic.finish(Ok(())).await;
            None
        }
        Err(e) => Some(atomic.finish(Err(e)).await),
    }
}
