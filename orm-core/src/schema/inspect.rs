//! Reading a live database's schema into a [`Catalog`]: the introspection
//! queries of the sql layer, run on each schema the models live in.

use crate::backend::{self, Sql, Target};
use crate::error::{Error, Result};
use crate::sql::{self, Catalog, IntrospectedRows, TextRow};
use crate::value::{SqlType, Value};

/// The tables of the database in `schemas` (`None`: the connection's
/// default schema or database).
pub(crate) async fn inspect(target: Target<'_>, schemas: &[Option<&str>]) -> Result<Catalog> {
    let dialect = target.dialect();
    let mariadb = target.shared().server.mariadb;
    let q = sql::introspection(dialect);
    let current = rows(target, q.current_schema, Vec::new(), 1).await?;
    let default = current.first().and_then(|r| r[0].clone()).ok_or_else(|| {
        Error::Config(
            "the connection has no current schema or database to inspect: name one in the URL"
                .into(),
        )
    })?;
    let mut catalog = Catalog::default();
    // SQLite has one schema.
    let schemas = if dialect == crate::sql::Dialect::Sqlite {
        &[None]
    } else {
        schemas
    };
    for schema in schemas {
        let name = schema.unwrap_or(&default).to_string();
        let bind = || vec![Value::String(name.clone())];
        let found = IntrospectedRows {
            tables: rows(target, q.tables, bind(), 1).await?,
            columns: rows(target, q.columns, bind(), 8).await?,
            indexes: rows(target, q.indexes, bind(), 5).await?,
            foreign_keys: rows(target, q.foreign_keys, bind(), 8).await?,
        };
        let shown = schema.filter(|s| *s != default);
        catalog
            .tables
            .extend(sql::assemble(dialect, mariadb, shown, &default, &found).tables);
    }
    Ok(catalog)
}

/// The rows of `query`, their first `width` cells read as text.
async fn rows(
    target: Target<'_>,
    query: &'static str,
    binds: Vec<Value>,
    width: usize,
) -> Result<Vec<TextRow>> {
    backend::fetch_all(target, Sql::Static(query), binds, |row| {
        (0..width)
            .map(|i| match Value::decode(row, i, SqlType::Text)? {
                Value::String(s) => Ok(Some(s)),
                _ => Ok(None),
            })
            .collect::<std::result::Result<TextRow, sqlx::Error>>()
            .map_err(Error::from)
    })
    .await
}
