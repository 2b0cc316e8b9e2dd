//! The one error type of the crate, and the mapping of each backend's error
//! codes onto it.
//!
//! ```text
//!  sqlx::Error ──► map_sqlx ──► UniqueViolation / ForeignKeyViolation / NotNullViolation
//!                            └─► PoolTimedOut / Database(..)
//!  decode of a cell ─────────► Decode { model, column, .. }
//!  validate / max_length ────► Validation { model, field, .. }
//! ```
//!
//! Every variant says which model, column or constraint it is about, so a log
//! line is enough to find the cause. No variant ever carries a database
//! password: URLs are redacted before they are stored (see [`redact_url`]).

use std::fmt;

/// The result type of every fallible operation in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when talking to the database through a model.
///
/// The three backends report constraint failures with different codes
/// (SQLSTATE `23505` on PostgreSQL, `1062` on MySQL, `2067` on SQLite, ...);
/// they are mapped to the same variant here, so application code matches on
/// `Error::UniqueViolation { .. }` whatever the database.
///
/// ```
/// use orm_core::Error;
/// let err = Error::not_found("User");
/// assert!(err.is_not_found());
/// assert_eq!(err.to_string(), "no `User` row matched the query");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `get` or `one` found no row.
    #[error("no `{model}` row matched the query")]
    NotFound {
        /// The model that was queried.
        model: &'static str,
    },

    /// `one` or `optional` found more than one row.
    #[error("more than one `{model}` row matched a query that expects at most one")]
    MultipleRows {
        /// The model that was queried.
        model: &'static str,
    },

    /// A relationship slot was read before anything loaded it.
    #[error(
        "`{model}.{relation}` is not loaded: load it with `.include(..)` or await its accessor"
    )]
    NotLoaded {
        /// The model holding the slot.
        model: &'static str,
        /// The relationship field.
        relation: &'static str,
    },

    /// A unique or primary key constraint failed.
    #[error("unique constraint `{constraint}` failed: {message}")]
    UniqueViolation {
        /// The constraint (or, where the backend does not name it, the columns).
        constraint: String,
        /// The database's own message.
        message: String,
    },

    /// A foreign key constraint failed.
    #[error("foreign key constraint failed: {message}")]
    ForeignKeyViolation {
        /// The constraint, where the backend names it.
        constraint: Option<String>,
        /// The database's own message.
        message: String,
    },

    /// A NOT NULL column received NULL.
    #[error("not-null constraint failed: {message}")]
    NotNullViolation {
        /// The column, where the backend names it.
        column: Option<String>,
        /// The database's own message.
        message: String,
    },

    /// A CHECK constraint refused the row (an enum column's `CHECK` of its
    /// values, or one of your own).
    #[error("check constraint failed: {message}")]
    CheckViolation {
        /// The constraint (or the checked expression), where the backend
        /// names it.
        constraint: Option<String>,
        /// The database's own message.
        message: String,
    },

    /// A value was rejected before it was sent: a `validate` function or a
    /// `max_length` check.
    #[error("invalid `{model}.{field}`: {message}")]
    Validation {
        /// The model whose field was rejected.
        model: &'static str,
        /// The field that was rejected.
        field: &'static str,
        /// Why it was rejected.
        message: String,
    },

    /// A cell could not be decoded into its field: a type mismatch between the
    /// database column and the Rust field, or a NULL in a non-`Option` field.
    #[error("cannot decode column `{column}` of `{model}`: {message}")]
    Decode {
        /// The model being decoded.
        model: &'static str,
        /// The column that failed.
        column: &'static str,
        /// What went wrong.
        message: String,
    },

    /// A relationship operation that the relationship's declaration does
    /// not allow, e.g. removing a child whose key is NOT NULL without
    /// `cascade = "delete-orphan"`, or deleting a parent that still has
    /// such children.
    #[error("`{model}.{relation}`: {message}")]
    Relationship {
        /// The model owning the relationship.
        model: &'static str,
        /// The relationship.
        relation: &'static str,
        /// What was refused and how to allow it.
        message: String,
    },

    /// An UPDATE or DELETE of a model with a `#[model(version)]` column
    /// found its row changed by someone else since it was read: the row's
    /// version no longer matches (SQLAlchemy's `StaleDataError`). Nothing
    /// was written; reload the row and apply the change again.
    #[error(
        "`{model}` row {key} was changed by someone else since it was read (its version no longer matches): reload it and apply the change again"
    )]
    StaleData {
        /// The model whose row was stale.
        model: &'static str,
        /// The row's primary key, as text.
        key: String,
    },

    /// The connection to the server was lost while the statement ran: a
    /// server restart or failover, a killed backend, a network failure.
    /// The pool has discarded every connection opened before this one
    /// failed, so the next statement runs on a fresh connection; whether
    /// a write sent just before the loss was applied is unknown.
    #[error("the database connection was lost: {source}")]
    Disconnected {
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// SQLite: another connection held the database's write lock for
    /// longer than the busy timeout (`ConnectOptions::busy_timeout`).
    #[error("the database is busy (locked by another writer past the busy timeout): {message}")]
    Busy {
        /// SQLite's own message.
        message: String,
    },

    /// The configuration is unusable: a malformed URL, an unknown scheme, a
    /// backend whose cargo feature is off, a schema that cannot be ordered.
    #[error("configuration error: {0}")]
    Config(String),

    /// The server could not be reached or refused the connection.
    #[error("cannot connect to `{url}`: {source}")]
    Connect {
        /// The URL, with any password replaced by `***`.
        url: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// No pooled connection became free within the acquire timeout.
    #[error("timed out waiting for a pooled connection")]
    PoolTimedOut,

    /// The transaction was already committed or rolled back.
    #[error("the transaction is already finished")]
    TransactionClosed,

    /// A statement of the transaction failed and the database aborted the
    /// transaction for it: PostgreSQL at any error (SQLite and MySQL undo
    /// the failed statement alone), MySQL and MariaDB at a deadlock, which
    /// InnoDB answers by rolling the whole transaction back. Every later
    /// statement of the transaction is refused with this error (PostgreSQL's
    /// own is SQLSTATE `25P02`, "current transaction is aborted"; on MySQL
    /// nothing more is sent, as it would run outside any transaction), and
    /// its commit rolls it back and returns it, so nothing of the
    /// transaction is written. `code` (the SQLSTATE, when the server gave
    /// one) and `message` are the first failed statement's; a deadlock or
    /// serialization failure is [`Error::is_retryable`]. An error the ORM's
    /// own multi-statement operations meet on PostgreSQL is undone alone
    /// (a savepoint) and aborts nothing.
    #[error(
        "a statement of the transaction failed ({message}) and the database aborted the transaction (PostgreSQL at any error, MySQL at a deadlock): nothing of it is committed; roll it back and run it again"
    )]
    TransactionAborted {
        /// The failed statement's SQLSTATE, when the server gave one.
        code: Option<String>,
        /// The failed statement's error.
        message: String,
    },

    /// MySQL and MariaDB: a statement larger than the server reads in one
    /// command (its `max_allowed_packet`), refused before it was sent, so
    /// nothing of it was written and the connection (and any transaction)
    /// carries on. Inserts of many rows split themselves to fit and meet
    /// this only for a single row that is too large alone; raise the
    /// server's `max_allowed_packet`, or write the value in smaller pieces.
    #[error(
        "a statement of about {bytes} bytes is too large for the server (max_allowed_packet = {limit} bytes, less 1 KiB kept free); it was not sent: raise max_allowed_packet or write less at a time"
    )]
    StatementTooLarge {
        /// The statement's size as it would have been sent (an upper
        /// bound).
        bytes: usize,
        /// The server's `max_allowed_packet`.
        limit: usize,
    },

    /// A statement binding more values than the database takes in one
    /// (65,535 on PostgreSQL and MySQL, 32,766 on SQLite), refused before
    /// it was sent: an `in_list` or `not_in` that long on SQLite or MySQL
    /// (PostgreSQL binds a list of integers, floats, booleans, text, bytes or UUIDs as one array).
    /// Writes of many rows split themselves and never meet it.
    #[error(
        "a statement binds {values} values, more than the database takes in one ({limit}); nothing was sent: filter by a shorter list, or join the table that holds the values"
    )]
    TooManyValues {
        /// The values the statement would bind.
        values: usize,
        /// The most one statement takes on this database.
        limit: usize,
    },

    /// The [`Db`](crate::Db) was closed ([`Db::close`](crate::Db::close)):
    /// no statement runs on it, or on a clone of it, after that.
    #[error("the database handle was closed (`Db::close`): no statement runs on it any more")]
    Closed,

    /// A migration folder that cannot run as it is (a file changed after
    /// it was applied, a gap, a database newer than the folder, a bad file
    /// name), or a migration that failed: the message names the file and
    /// what to do. Nothing of the refused or failed step stays applied,
    /// except on MySQL, which commits DDL statement by statement.
    #[error("migration: {0}")]
    Migration(String),

    /// Any other database or driver error.
    #[error("{}", describe_database_error(.0))]
    Database(#[source] sqlx::Error),
}

/// A driver error as a reader wants it: the server's message with its code,
/// detail and hint, without the server's own source location (PostgreSQL's
/// "at line 1392" is a line of its C source, not of the SQL).
fn describe_database_error(err: &sqlx::Error) -> String {
    let sqlx::Error::Database(db) = err else {
        return err.to_string();
    };
    let mut out = db.message().to_string();
    if let Some(code) = db.code() {
        out.push_str(&format!(" (code {code})"));
    }
    #[cfg(feature = "postgres")]
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        if let Some(detail) = pg.detail() {
            out.push_str(&format!("; {detail}"));
        }
        if let Some(hint) = pg.hint() {
            out.push_str(&format!("; hint: {hint}"));
        }
    }
    out
}

/// Why a statement could not be built: a relationship or an operator used
/// in a way the models do not allow (a relationship that does not resolve,
/// a `LIKE` pattern ending in its escape character, a table joined twice).
///
/// A builder that cannot fail at the call (`User::POSTS.any(..)` returns an
/// [`Expr`](crate::Expr)) carries it inside the expression; rendering stops
/// at the first one, and the operation returns it as [`Error::Config`]
/// before anything is sent.
///
/// ```
/// let e = orm_core::BuildError::new("`User` has no relationship `posts`");
/// let err: orm_core::Error = e.into();
/// assert!(matches!(err, orm_core::Error::Config(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    message: String,
}

impl BuildError {
    /// A build error saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        BuildError {
            message: message.into(),
        }
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BuildError {}

impl From<BuildError> for Error {
    fn from(e: BuildError) -> Self {
        Error::Config(e.message)
    }
}

impl From<Error> for BuildError {
    /// An operation's error met while building (a relationship that does
    /// not resolve), kept by its message.
    fn from(e: Error) -> Self {
        match e {
            Error::Config(message) => BuildError { message },
            other => BuildError {
                message: other.to_string(),
            },
        }
    }
}

impl Error {
    /// A [`Error::NotFound`] for `model`.
    pub fn not_found(model: &'static str) -> Self {
        Error::NotFound { model }
    }

    /// A [`Error::Validation`] for `model.field`.
    ///
    /// ```
    /// let e = orm_core::Error::validation("Store", "name", "too short");
    /// assert_eq!(e.to_string(), "invalid `Store.name`: too short");
    /// ```
    pub fn validation(
        model: &'static str,
        field: &'static str,
        message: impl fmt::Display,
    ) -> Self {
        Error::Validation {
            model,
            field,
            message: message.to_string(),
        }
    }

    /// True for [`Error::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// True for [`Error::UniqueViolation`].
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Error::UniqueViolation { .. })
    }

    /// True for [`Error::ForeignKeyViolation`].
    pub fn is_foreign_key_violation(&self) -> bool {
        matches!(self, Error::ForeignKeyViolation { .. })
    }

    /// True for [`Error::NotNullViolation`].
    pub fn is_not_null_violation(&self) -> bool {
        matches!(self, Error::NotNullViolation { .. })
    }

    /// True for [`Error::Validation`].
    pub fn is_validation(&self) -> bool {
        matches!(self, Error::Validation { .. })
    }

    /// True for [`Error::StaleData`].
    ///
    /// ```
    /// let e = orm_core::Error::StaleData { model: "Post", key: "7".into() };
    /// assert!(e.is_stale_data());
    /// assert!(e.to_string().starts_with("`Post` row 7 was changed by someone else"));
    /// ```
    pub fn is_stale_data(&self) -> bool {
        matches!(self, Error::StaleData { .. })
    }

    /// True for [`Error::Disconnected`].
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Error::Disconnected { .. })
    }

    /// True for [`Error::Busy`].
    pub fn is_busy(&self) -> bool {
        matches!(self, Error::Busy { .. })
    }

    /// True when running the whole transaction again may succeed: the
    /// server gave it up for another's sake — a serialization failure or a
    /// deadlock (PostgreSQL 40001 and 40P01; MySQL and MariaDB 1213, which
    /// is also a Galera cluster's certification failure, and 1205, a lock
    /// wait timeout) — or SQLite stayed locked past the busy timeout.
    /// [`Db::transaction_with_retry`](crate::Db::transaction_with_retry)
    /// re-runs on these.
    ///
    /// ```
    /// let e = orm_core::Error::Busy { message: "database is locked".into() };
    /// assert!(e.is_retryable());
    /// assert!(!orm_core::Error::Config("a bad URL".into()).is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Busy { .. } => true,
            Error::Database(sqlx::Error::Database(db)) => {
                db.code().is_some_and(|code| is_retryable_code(&code))
                    || mysql_number(db.as_ref()).is_some_and(|n| is_retryable_code(&n.to_string()))
            }
            Error::TransactionAborted {
                code: Some(code), ..
            } => is_retryable_code(code),
            _ => false,
        }
    }

    /// True for an error the server reported with the code `code`
    /// (SQLSTATE on PostgreSQL).
    pub(crate) fn has_server_code(&self, code: &str) -> bool {
        matches!(self, Error::Database(sqlx::Error::Database(db)) if db.code().as_deref() == Some(code))
    }

    /// The SQLSTATE (when given) and message of an error the server
    /// reported for a statement; `None` for an error of the client's (a
    /// value refused before it was sent, a row that did not decode, a lost
    /// connection).
    pub(crate) fn server_failure(&self) -> Option<(Option<String>, String)> {
        // The constraint variants keep no code: theirs, as PostgreSQL
        // (the server whose failures abort a transaction) gives them.
        let code = |c: &str| Some(c.to_string());
        match self {
            Error::UniqueViolation { message, .. } => Some((code("23505"), message.clone())),
            Error::ForeignKeyViolation { message, .. } => Some((code("23503"), message.clone())),
            Error::NotNullViolation { message, .. } => Some((code("23502"), message.clone())),
            Error::CheckViolation { message, .. } => Some((code("23514"), message.clone())),
            Error::Database(sqlx::Error::Database(db)) => {
                Some((db.code().map(|c| c.into_owned()), db.message().to_string()))
            }
            _ => None,
        }
    }

    pub(crate) fn decode(model: &'static str, column: &'static str, err: sqlx::Error) -> Self {
        let message = match err {
            sqlx::Error::ColumnDecode { source, .. } => source.to_string(),
            sqlx::Error::Decode(source) => source.to_string(),
            other => other.to_string(),
        };
        Error::Decode {
            model,
            column,
            message,
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        map_sqlx(err)
    }
}

/// Maps a driver error onto the shared variants.
///
/// sqlx already classifies most codes through `DatabaseError::kind`; the
/// codes it leaves as `Other` on one backend but not another are mapped here
/// by hand so that all three agree.
fn map_sqlx(err: sqlx::Error) -> Error {
    use sqlx::error::ErrorKind;
    match err {
        sqlx::Error::PoolTimedOut => Error::PoolTimedOut,
        sqlx::Error::PoolClosed => Error::Closed,
        source @ (sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed) => {
            Error::Disconnected { source }
        }
        sqlx::Error::Database(db) => {
            let message = db.message().to_string();
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            if is_disconnect_code(&code) {
                return Error::Disconnected {
                    source: sqlx::Error::Database(db),
                };
            }
            if is_busy_code(&code) {
                return Error::Busy { message };
            }
            let kind = match db.kind() {
                ErrorKind::Other => kind_from_code(&code, &message),
                k => k,
            };
            match kind {
                ErrorKind::UniqueViolation => Error::UniqueViolation {
                    constraint: db
                        .constraint()
                        .map(str::to_string)
                        .unwrap_or_else(|| constraint_from_message(&message)),
                    message,
                },
                ErrorKind::ForeignKeyViolation => Error::ForeignKeyViolation {
                    constraint: db
                        .constraint()
                        .map(str::to_string)
                        .or_else(|| quoted_after(&message, "CONSTRAINT ")),
                    message,
                },
                ErrorKind::NotNullViolation => Error::NotNullViolation {
                    column: not_null_column(&message),
                    message,
                },
                ErrorKind::CheckViolation => Error::CheckViolation {
                    constraint: db
                        .constraint()
                        .map(str::to_string)
                        .or_else(|| {
                            message
                                .strip_prefix("CHECK constraint failed: ")
                                .map(str::to_string)
                        })
                        .or_else(|| quoted_after(&message, "CONSTRAINT ")),
                    message,
                },
                _ => Error::Database(sqlx::Error::Database(db)),
            }
        }
        other => Error::Database(other),
    }
}

/// Codes that mean the connection is gone: PostgreSQL's class 08 and the
/// administrator/crash shutdown codes (`pg_terminate_backend` sends
/// 57P01), MySQL/MariaDB's "server has gone away", "lost connection",
/// "shutdown in progress", "connection killed" and MySQL 8's inactivity
/// disconnect.
fn is_disconnect_code(code: &str) -> bool {
    matches!(
        code,
        "08000"
            | "08001"
            | "08003"
            | "08004"
            | "08006"
            | "08007"
            | "57P01"
            | "57P02"
            | "57P03"
            | "2006"
            | "2013"
            | "1053"
            | "1927"
            | "4031"
    )
}

/// MySQL's error number (1205, 1213, ..), which its SQLSTATE does not
/// always tell (a lock wait timeout is `HY000`).
fn mysql_number(db: &dyn sqlx::error::DatabaseError) -> Option<u16> {
    #[cfg(feature = "mysql")]
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return Some(my.number());
    }
    let _ = db;
    None
}

/// SQLite's SQLITE_BUSY and SQLITE_LOCKED, with their extended codes.
/// Codes of a transaction the server gave up for another's sake.
fn is_retryable_code(code: &str) -> bool {
    matches!(code, "40001" | "40P01" | "1213" | "1205")
}

fn is_busy_code(code: &str) -> bool {
    matches!(code, "5" | "6" | "261" | "262" | "517" | "518" | "773")
}

pub(crate) fn kind_from_code(code: &str, message: &str) -> sqlx::error::ErrorKind {
    use sqlx::error::ErrorKind;
    match code {
        // MySQL / MariaDB
        "1062" | "1586" => ErrorKind::UniqueViolation,
        "1216" | "1217" | "1451" | "1452" => ErrorKind::ForeignKeyViolation,
        "1048" | "1364" => ErrorKind::NotNullViolation,
        "3819" | "4025" => ErrorKind::CheckViolation,
        // PostgreSQL SQLSTATE
        "23505" => ErrorKind::UniqueViolation,
        "23503" => ErrorKind::ForeignKeyViolation,
        "23502" => ErrorKind::NotNullViolation,
        "23514" => ErrorKind::CheckViolation,
        // SQLite extended result codes
        "1555" | "2067" => ErrorKind::UniqueViolation,
        "787" => ErrorKind::ForeignKeyViolation,
        "1299" => ErrorKind::NotNullViolation,
        "275" => ErrorKind::CheckViolation,
        _ if message.starts_with("UNIQUE constraint failed") => ErrorKind::UniqueViolation,
        _ if message.starts_with("FOREIGN KEY constraint failed") => ErrorKind::ForeignKeyViolation,
        _ if message.starts_with("NOT NULL constraint failed") => ErrorKind::NotNullViolation,
        _ if message.starts_with("CHECK constraint failed") => ErrorKind::CheckViolation,
        _ => ErrorKind::Other,
    }
}

/// SQLite says `UNIQUE constraint failed: users.email`; MySQL says
/// `Duplicate entry 'x' for key 'users.email'`.
fn constraint_from_message(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("UNIQUE constraint failed: ") {
        return rest.to_string();
    }
    if let Some(idx) = message.rfind(" for key '") {
        let rest = &message[idx + " for key '".len()..];
        return rest.trim_end_matches('\'').to_string();
    }
    String::new()
}

fn quoted_after(message: &str, marker: &str) -> Option<String> {
    let start = message.find(marker)? + marker.len();
    let rest = &message[start..];
    let quote = rest.chars().next()?;
    if !matches!(quote, '`' | '"' | '\'') {
        return None;
    }
    let end = rest[1..].find(quote)?;
    Some(rest[1..1 + end].to_string())
}

fn not_null_column(message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("NOT NULL constraint failed: ") {
        return Some(rest.to_string());
    }
    // MySQL: "Column 'email' cannot be null" / "Field 'email' doesn't have a default value"
    // PostgreSQL: null value in column "email" of relation "users" violates ...
    for marker in ["Column ", "Field ", "column "] {
        if let Some(found) = quoted_after(message, marker) {
            return Some(found);
        }
    }
    None
}

/// Replaces the password of a database URL (and any password-like query
/// parameter) with `***`, so the URL can be shown in errors and logs.
///
/// It errs on the side of hiding: a password with unencoded `/`, `#`, `?`,
/// `@` or `:` makes a URL ambiguous, so everything between the user name
/// and the last `@` is hidden, and so is a "port" that is not a number.
///
/// ```
/// use orm_core::error::redact_url;
/// assert_eq!(
///     redact_url("postgres://app:s3cret@db.internal:5432/shop"),
///     "postgres://app:***@db.internal:5432/shop"
/// );
/// assert_eq!(redact_url("sqlite::memory:"), "sqlite::memory:");
/// assert_eq!(
///     redact_url("mysql://db/app?user=app&password=s3cret"),
///     "mysql://db/app?user=app&password=***"
/// );
/// // Unencoded: the password is `s/cr@t`.
/// assert_eq!(
///     redact_url("postgres://app:s/cr@t@db/shop"),
///     "postgres://app:***@db/shop"
/// );
/// ```
pub fn redact_url(url: &str) -> String {
    let parts = UrlParts::of(url);
    let mut out = String::with_capacity(url.len());
    out.push_str(parts.head);
    match parts.userinfo {
        Some((user, true)) => {
            out.push_str(user);
            out.push_str(":***@");
        }
        Some((user, false)) => {
            out.push_str(user);
            out.push('@');
        }
        None => {}
    }
    match parts.port_secret {
        Some(range) => {
            out.push_str(&parts.rest[..range.start]);
            out.push_str("***");
            out.push_str(&parts.rest[range.end..]);
        }
        None => out.push_str(parts.rest),
    }
    redact_query(&out)
}

/// The text of `message` with every secret of `url` in it (its password,
/// raw and decoded, and password-like parameters) replaced by `***`: for
/// messages of drivers and servers that echo parts of a URL.
pub(crate) fn scrub(message: &str, url: &str) -> String {
    let mut out = message.to_string();
    for secret in secrets(url) {
        // One or two characters would mangle the message and reveal
        // nothing a reader could not guess.
        if secret.chars().count() >= 3 {
            out = out.replace(&secret, "***");
        }
    }
    out
}

/// A driver error whose text shows a secret of `url` becomes a
/// configuration error with the text scrubbed.
pub(crate) fn scrub_error(err: sqlx::Error, url: &str) -> sqlx::Error {
    let shown = format!("{err} {err:?}");
    if secrets(url)
        .iter()
        .any(|s| s.chars().count() >= 3 && shown.contains(s.as_str()))
    {
        sqlx::Error::Configuration(scrub(&err.to_string(), url).into())
    } else {
        err
    }
}

/// A URL cut where its secrets may be.
struct UrlParts<'a> {
    /// `scheme://` (or `scheme:` and its slashes).
    head: &'a str,
    /// The user name (hidden when it cannot be one) and whether a password
    /// followed it.
    userinfo: Option<(&'a str, bool)>,
    /// The raw password, when there was one.
    password: Option<&'a str>,
    /// After the last `@`, or after the head.
    rest: &'a str,
    /// Where, in `rest`, a "port" that is not a number sits.
    port_secret: Option<std::ops::Range<usize>>,
}

impl<'a> UrlParts<'a> {
    fn of(url: &'a str) -> UrlParts<'a> {
        let Some(colon) = url.find(':') else {
            return UrlParts {
                head: "",
                userinfo: None,
                password: None,
                rest: url,
                port_secret: None,
            };
        };
        let after_scheme = &url[colon + 1..];
        let slashes = after_scheme.len() - after_scheme.trim_start_matches('/').len();
        let head_len = colon + 1 + slashes;
        let (head, body) = url.split_at(head_len);
        if slashes == 0 && !body.contains('@') {
            // `sqlite:path`, `sqlite::memory:`: no authority.
            return UrlParts {
                head,
                userinfo: None,
                password: None,
                rest: body,
                port_secret: None,
            };
        }
        match body.rfind('@') {
            Some(at) => {
                let (userinfo, rest) = (&body[..at], &body[at + 1..]);
                match userinfo.split_once(':') {
                    Some((user, password)) => {
                        let user = if user.contains(['/', '?', '#']) {
                            "***"
                        } else {
                            user
                        };
                        UrlParts {
                            head,
                            userinfo: Some((user, true)),
                            password: Some(password),
                            rest,
                            port_secret: None,
                        }
                    }
                    None => UrlParts {
                        head,
                        userinfo: Some((userinfo, false)),
                        password: None,
                        rest,
                        port_secret: None,
                    },
                }
            }
            None => {
                // `host:port`: a port that is not a number may be a
                // password whose `@` went missing.
                let authority_end = body.find(['/', '?', '#']).unwrap_or(body.len());
                let authority = &body[..authority_end];
                let port_secret = authority.rfind(':').and_then(|c| {
                    let port = &authority[c + 1..];
                    let numeric = port.chars().all(|ch| ch.is_ascii_digit());
                    let ipv6 = authority.starts_with('[') && !authority[..c].ends_with(']');
                    (!numeric && !ipv6 && !port.is_empty()).then_some(c + 1..authority_end)
                });
                UrlParts {
                    head,
                    userinfo: None,
                    password: None,
                    rest: body,
                    port_secret,
                }
            }
        }
    }
}

/// The password-like parameters of a query string.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["pass", "pwd", "secret", "token"]
        .iter()
        .any(|k| key.contains(k))
}

/// `password=...` and the like replaced by `***` in a URL's query.
fn redact_query(url: &str) -> String {
    let Some(q) = url.find('?') else {
        return url.to_string();
    };
    let (head, query) = url.split_at(q + 1);
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_secret_key(k) => format!("{k}=***"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{head}{}", query.join("&"))
}

/// The secrets of `url`, as written and percent-decoded.
fn secrets(url: &str) -> Vec<String> {
    let parts = UrlParts::of(url);
    let mut raw: Vec<&str> = Vec::new();
    raw.extend(parts.password);
    if let Some(range) = parts.port_secret {
        raw.push(&parts.rest[range]);
    }
    if let Some(q) = url.find('?') {
        for pair in url[q + 1..].split('&') {
            if let Some((k, v)) = pair.split_once('=')
                && is_secret_key(k)
            {
                raw.push(v);
            }
        }
    }
    let mut out = Vec::new();
    for secret in raw.into_iter().filter(|s| !s.is_empty()) {
        out.push(secret.to_string());
        let decoded = percent_decode(secret);
        if decoded != secret {
            out.push(decoded);
        }
        // A parser that cut the URL at an unencoded delimiter may echo any
        // piece of the password.
        out.extend(
            secret
                .split(['/', '?', '#', '@', ':', '&', '='])
                .filter(|piece| *piece != secret && !piece.is_empty())
                .map(str::to_string),
        );
    }
    // Longest first, so that a piece never breaks up a longer match.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_everything_but_the_password() {
        assert_eq!(
            redact_url("mysql://root:pw@127.0.0.1:3306/test"),
            "mysql://root:***@127.0.0.1:3306/test"
        );
        assert_eq!(
            redact_url("postgres://root@127.0.0.1/test"),
            "postgres://root@127.0.0.1/test"
        );
        assert_eq!(
            redact_url("postgres://u:p%40ss@h/db?sslmode=disable"),
            "postgres://u:***@h/db?sslmode=disable"
        );
    }

    #[test]
    fn ambiguous_passwords_are_hidden_whole() {
        for (url, shown) in [
            ("postgres://u:p/ss@h/db", "postgres://u:***@h/db"),
            ("postgres://u:p#ss@h:5432/db", "postgres://u:***@h:5432/db"),
            ("postgres://u:p?ss@h/db", "postgres://u:***@h/db"),
            ("postgres://u:p@ss@h/db", "postgres://u:***@h/db"),
            ("postgres://u:p:ss@h/db", "postgres://u:***@h/db"),
            ("mysql:/u:pw@h/db", "mysql:/u:***@h/db"),
            ("mysql://u:secret", "mysql://u:***"),
            ("mysql://h:3306/db", "mysql://h:3306/db"),
            ("postgres://[::1]:5432/db", "postgres://[::1]:5432/db"),
            (
                "postgres://u@h/db?sslpassword=x&passfile=y",
                "postgres://u@h/db?sslpassword=***&passfile=***",
            ),
            ("sqlite:data/app.db?mode=rwc", "sqlite:data/app.db?mode=rwc"),
            ("sqlite", "sqlite"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
        assert_eq!(
            scrub(
                "unknown parameter `secret@h/db`",
                "postgres://u:pw?secret@h/db"
            ),
            "unknown parameter `***@h/db`"
        );
    }

    #[test]
    fn constraint_names_are_read_from_messages() {
        assert_eq!(
            constraint_from_message("UNIQUE constraint failed: users.email"),
            "users.email"
        );
        assert_eq!(
            constraint_from_message("Duplicate entry 'a' for key 'users_email_key'"),
            "users_email_key"
        );
        assert_eq!(
            not_null_column("Column 'email' cannot be null").as_deref(),
            Some("email")
        );
    }
}
