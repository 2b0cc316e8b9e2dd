//! Values crossing the boundary between Rust fields and SQL: the [`Value`]
//! type binds go through, the [`ColumnType`] trait every field type
//! implements, and [`RowRef`], the backend row a model decodes from.
//!
//! Decoding never builds an intermediate [`Value`]: a field's
//! [`ColumnType::decode`] reads its cell straight out of the backend row by
//! position.

#[cfg(feature = "sqlite")]
mod sqlite_stmt;
#[cfg(feature = "sqlite")]
use sqlite_stmt::FromSqliteStmt;
#[cfg(feature = "sqlite")]
pub use sqlite_stmt::SqliteStmtRow;

/// The SQL type of a column, used for DDL and for typed NULL binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u8)]
pub enum SqlType {
    /// 16-bit integer.
    SmallInt,
    /// 32-bit integer.
    Int,
    /// 64-bit integer.
    BigInt,
    /// 32-bit float.
    Real,
    /// 64-bit float.
    Double,
    /// Boolean.
    Bool,
    /// Text; `VARCHAR(n)` when the field has `max_length`.
    Text,
    /// Binary data.
    Bytes,
    /// A calendar date.
    Date,
    /// A date and time without time zone.
    DateTime,
    /// A date and time in UTC.
    DateTimeUtc,
    /// A UUID.
    Uuid,
    /// An exact decimal number.
    Decimal,
    /// A JSON document.
    Json,
}

impl SqlType {
    /// True for the integer types a database can generate keys for.
    pub fn is_integer(self) -> bool {
        matches!(self, SqlType::SmallInt | SqlType::Int | SqlType::BigInt)
    }
}

/// One bound parameter.
///
/// Values are always sent as bind parameters, never spliced into SQL text.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// SQL NULL of the given type.
    Null(SqlType),
    /// A boolean.
    Bool(bool),
    /// A 16-bit integer.
    I16(i16),
    /// A 32-bit integer.
    I32(i32),
    /// A 64-bit integer.
    I64(i64),
    /// A 32-bit float.
    F32(f32),
    /// A 64-bit float.
    F64(f64),
    /// Text.
    String(String),
    /// Binary data.
    Bytes(Vec<u8>),
    /// A date.
    #[cfg(feature = "chrono")]
    Date(chrono::NaiveDate),
    /// A date and time without time zone.
    #[cfg(feature = "chrono")]
    DateTime(chrono::NaiveDateTime),
    /// A date and time in UTC.
    #[cfg(feature = "chrono")]
    DateTimeUtc(chrono::DateTime<chrono::Utc>),
    /// A date (the `time` crate's).
    #[cfg(feature = "time")]
    TimeDate(time::Date),
    /// A date and time without offset (the `time` crate's).
    #[cfg(feature = "time")]
    TimeDateTime(time::PrimitiveDateTime),
    /// A date and time with an offset (the `time` crate's).
    #[cfg(feature = "time")]
    TimeOffset(time::OffsetDateTime),
    /// A UUID.
    #[cfg(feature = "uuid")]
    Uuid(uuid::Uuid),
    /// A decimal number.
    #[cfg(feature = "rust_decimal")]
    Decimal(rust_decimal::Decimal),
    /// A JSON document.
    #[cfg(feature = "json")]
    Json(serde_json::Value),
    /// A list of keys of one type, bound as one array parameter on
    /// PostgreSQL (`= ANY($1)`).
    Array(SqlType, Vec<Value>),
}

impl Value {
    /// True for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null(_))
    }

    /// Decodes the cell at `idx` as a value of SQL type `ty` (for key
    /// columns whose Rust type is not known where they are read).
    pub fn decode(row: RowRef<'_>, idx: usize, ty: SqlType) -> Result<Value, sqlx::Error> {
        if row.is_null(idx)? {
            return Ok(Value::Null(ty));
        }
        Ok(match ty {
            SqlType::SmallInt => Value::I16(row.get(idx)?),
            SqlType::Int => Value::I32(row.get(idx)?),
            SqlType::BigInt => Value::I64(row.get(idx)?),
            SqlType::Real => Value::F32(row.get(idx)?),
            SqlType::Double => Value::F64(row.get(idx)?),
            SqlType::Bool => Value::Bool(row.get(idx)?),
            SqlType::Bytes => Value::Bytes(row.get(idx)?),
            #[cfg(feature = "chrono")]
            SqlType::Date => Value::Date(row.get(idx)?),
            #[cfg(feature = "chrono")]
            SqlType::DateTime => Value::DateTime(row.get(idx)?),
            #[cfg(feature = "chrono")]
            SqlType::DateTimeUtc => Value::DateTimeUtc(row.get(idx)?),
            #[cfg(all(feature = "time", not(feature = "chrono")))]
            SqlType::Date => Value::TimeDate(row.get(idx)?),
            #[cfg(all(feature = "time", not(feature = "chrono")))]
            SqlType::DateTime => Value::TimeDateTime(row.get(idx)?),
            #[cfg(all(feature = "time", not(feature = "chrono")))]
            SqlType::DateTimeUtc => Value::TimeOffset(row.get(idx)?),
            #[cfg(feature = "uuid")]
            SqlType::Uuid => Value::Uuid(row.get(idx)?),
            #[cfg(feature = "rust_decimal")]
            SqlType::Decimal => Value::Decimal(row.get(idx)?),
            _ => Value::String(row.get(idx)?),
        })
    }
}

/// A [`Value`] usable as a hash map key: keys group loaded rows by parent.
/// Integers of different widths holding the same number are equal, so a
/// parent's `i64` key matches a child's `i32` foreign key.
#[derive(Debug, Clone)]
pub struct HashKey(pub Value);

impl HashKey {
    fn as_int(&self) -> Option<i64> {
        Self::int_of(&self.0)
    }

    fn int_of(value: &Value) -> Option<i64> {
        match *value {
            Value::I16(v) => Some(v.into()),
            Value::I32(v) => Some(v.into()),
            Value::I64(v) => Some(v),
            _ => None,
        }
    }
}

impl PartialEq for HashKey {
    fn eq(&self, other: &Self) -> bool {
        match (self.as_int(), other.as_int()) {
            (Some(a), Some(b)) => a == b,
            _ => self.0 == other.0,
        }
    }
}

impl Eq for HashKey {}

impl std::hash::Hash for HashKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        if let Some(i) = self.as_int() {
            0u8.hash(state);
            i.hash(state);
            return;
        }
        match &self.0 {
            Value::String(s) => s.hash(state),
            Value::Bytes(b) => b.hash(state),
            Value::Bool(b) => b.hash(state),
            Value::F32(f) => f.to_bits().hash(state),
            Value::F64(f) => f.to_bits().hash(state),
            #[cfg(feature = "uuid")]
            Value::Uuid(u) => u.hash(state),
            #[cfg(feature = "chrono")]
            Value::Date(d) => d.hash(state),
            #[cfg(feature = "chrono")]
            Value::DateTime(d) => d.hash(state),
            #[cfg(feature = "chrono")]
            Value::DateTimeUtc(d) => d.hash(state),
            #[cfg(feature = "time")]
            Value::TimeDate(d) => d.hash(state),
            #[cfg(feature = "time")]
            Value::TimeDateTime(d) => d.hash(state),
            #[cfg(feature = "time")]
            Value::TimeOffset(d) => d.hash(state),
            #[cfg(feature = "rust_decimal")]
            Value::Decimal(d) => d.hash(state),
            // Rare key types share a bucket; equality still decides.
            _ => 1u8.hash(state),
        }
    }
}

/// Distinct keys, each with its position (the order it was first added),
/// found as [`HashKey`] compares them. Integer keys, the usual case, are
/// hashed as plain integers.
#[derive(Debug, Default)]
pub struct KeyPositions {
    ints: rustc_hash::FxHashMap<i64, usize>,
    others: rustc_hash::FxHashMap<HashKey, usize>,
}

impl KeyPositions {
    /// How many distinct keys were added.
    pub fn len(&self) -> usize {
        self.ints.len() + self.others.len()
    }

    /// Adds `key` at the next position; false when it is there already.
    pub fn insert(&mut self, key: &Value) -> bool {
        use std::collections::hash_map::Entry;
        let next = self.len();
        let vacant = match HashKey::int_of(key) {
            Some(i) => match self.ints.entry(i) {
                Entry::Vacant(e) => Some(e.insert(next)),
                Entry::Occupied(_) => None,
            },
            None => match self.others.entry(HashKey(key.clone())) {
                Entry::Vacant(e) => Some(e.insert(next)),
                Entry::Occupied(_) => None,
            },
        };
        vacant.is_some()
    }

    /// The position of `key`, if it was added.
    pub fn get(&self, key: Value) -> Option<usize> {
        match HashKey::int_of(&key) {
            Some(i) => self.ints.get(&i),
            None => self.others.get(&HashKey(key)),
        }
        .copied()
    }
}

/// A row of one of the backends, borrowed for decoding.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum RowRef<'r> {
    /// A SQLite row.
    #[cfg(feature = "sqlite")]
    Sqlite(&'r sqlx::sqlite::SqliteRow),
    /// A PostgreSQL row.
    #[cfg(feature = "postgres")]
    Postgres(&'r sqlx::postgres::PgRow),
    /// A MySQL or MariaDB row.
    #[cfg(feature = "mysql")]
    MySql(&'r sqlx::mysql::MySqlRow),
    /// A SQLite row read from its statement by the backend's direct path.
    #[cfg(feature = "sqlite")]
    #[doc(hidden)]
    SqliteStmt(SqliteStmtRow<'r>),
}

impl RowRef<'_> {
    /// True when the cell at `idx` is NULL.
    pub fn is_null(self, idx: usize) -> Result<bool, sqlx::Error> {
        use sqlx::{Row, ValueRef};
        Ok(match self {
            #[cfg(feature = "sqlite")]
            RowRef::Sqlite(r) => r.try_get_raw(idx)?.is_null(),
            #[cfg(feature = "postgres")]
            RowRef::Postgres(r) => r.try_get_raw(idx)?.is_null(),
            #[cfg(feature = "mysql")]
            RowRef::MySql(r) => r.try_get_raw(idx)?.is_null(),
            #[cfg(feature = "sqlite")]
            RowRef::SqliteStmt(r) => r.is_null(idx)?,
        })
    }

    /// The name of each column of the row's result, in order.
    pub(crate) fn column_names(self) -> Vec<String> {
        #[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))]
        fn names<R: sqlx::Row>(row: &R) -> Vec<String> {
            use sqlx::Column;
            row.columns().iter().map(|c| c.name().to_owned()).collect()
        }
        match self {
            #[cfg(feature = "sqlite")]
            RowRef::Sqlite(r) => names(r),
            #[cfg(feature = "postgres")]
            RowRef::Postgres(r) => names(r),
            #[cfg(feature = "mysql")]
            RowRef::MySql(r) => names(r),
            #[cfg(feature = "sqlite")]
            RowRef::SqliteStmt(r) => r.column_names(),
        }
    }

    /// Decodes the cell at `idx` as `T`.
    pub fn get<T: ColumnType>(self, idx: usize) -> Result<T, sqlx::Error> {
        T::decode(self, idx)
    }
}

/// A Rust type that can be stored in one column.
///
/// Implemented for the integers, floats, `bool`, `String`, `Vec<u8>`,
/// `Option<T>`, and behind features for chrono, time, uuid, rust_decimal and
/// `Json<T>` (feature `json`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a column",
    label = "unsupported field type",
    note = "supported: i16, i32, i64, f32, f64, bool, String, Vec<u8>, Option<T>, and with features chrono, time, uuid, rust_decimal and Json<T>",
    note = "a field that is not a column takes `#[model(skip)]`"
)]
pub trait ColumnType: Sized + Send + Sync + 'static {
    /// The SQL type of the column.
    const SQL_TYPE: SqlType;
    /// True for `Option<T>`: the column allows NULL.
    const NULLABLE: bool = false;
    /// The non-optional type: `T` for both `T` and `Option<T>`.
    type Scalar: ColumnType;
    /// The values an enum may hold, as stored (`#[derive(orm::Enum)]`);
    /// empty for every other type.
    const VARIANTS: &'static [&'static str] = &[];
    /// Decodes the cell at `idx` of `row`.
    fn decode(row: RowRef<'_>, idx: usize) -> Result<Self, sqlx::Error>;
    /// Decodes the cell at `idx` of `row`, `None` when it is NULL (what an
    /// `Option` of this type reads). The default asks whether the cell is
    /// NULL, then decodes it; the built-in types read both at once.
    #[doc(hidden)]
    #[inline]
    fn decode_option(row: RowRef<'_>, idx: usize) -> Result<Option<Self>, sqlx::Error> {
        decode_option_slowly(row, idx)
    }
    /// Copies the value into a bind parameter.
    fn to_value(&self) -> Value;
    /// Moves the value into a bind parameter.
    fn into_value(self) -> Value {
        self.to_value()
    }
    /// The value as a bind parameter, borrowed where it can be (text and
    /// bytes); the default copies it ([`ColumnType::to_value`]).
    #[doc(hidden)]
    #[inline]
    fn value_ref(&self) -> ValueRef<'_> {
        ValueRef::Value(self.to_value())
    }
    /// Reads a value of this type back; `None` when it holds another type.
    fn from_value(value: Value) -> Option<Self>;
    /// A copy of the value (through [`Value`] unless the type says how).
    #[doc(hidden)]
    fn clone_column(&self) -> Option<Self> {
        Self::from_value(self.to_value())
    }
    /// Refuses a value no backend can store the same way (a float NaN:
    /// SQLite turns it into NULL, MySQL refuses it; text with a NUL
    /// character, which PostgreSQL refuses), with the reason. The default
    /// checks the value [`ColumnType::to_value`] gives; a model's
    /// validation runs it on every field, so the values of a validated
    /// model are bound without a second look.
    fn check(&self) -> Result<(), String> {
        self.to_value().check_portable().map_err(String::from)
    }
}

/// The NaN check of the scalar types: floats refuse NaN, the rest accept
/// everything.
trait NanCheck {
    fn nan_check(&self) -> Result<(), String> {
        Ok(())
    }
}

macro_rules! no_nan_check {
    ($($t:ty),*) => {$(impl NanCheck for $t {})*};
}
no_nan_check!(i16, i32, i64, bool, Vec<u8>);

macro_rules! float_nan_check {
    ($($t:ty),*) => {$(
        impl NanCheck for $t {
            fn nan_check(&self) -> Result<(), String> {
                if self.is_finite() {
                    Ok(())
                } else {
                    Err(NOT_FINITE.into())
                }
            }
        }
    )*};
}
float_nan_check!(f32, f64);

impl NanCheck for String {
    #[inline]
    fn nan_check(&self) -> Result<(), String> {
        if has_nul(self) {
            Err(NUL_IN_TEXT.into())
        } else {
            Ok(())
        }
    }
}

/// Why a NaN or an infinity is refused.
const NOT_FINITE: &str = "only finite numbers can be stored: SQLite turns NaN into NULL and MySQL refuses NaN and infinity, so no backend takes them";

/// Why text with a NUL character is refused.
const NUL_IN_TEXT: &str = "text containing a NUL character (\\0) is refused on every backend, as PostgreSQL cannot store it: remove the character, or store the value as bytes (`Vec<u8>`)";

/// Whether `text` holds a NUL character. Every text value of a model is
/// looked at, so the look reads eight bytes at a time (the last word
/// overlapping the one before it, four bytes for text under eight),
/// where a byte search steps through short text a byte at a time.
#[inline]
fn has_nul(text: &str) -> bool {
    // Nonzero when a byte of `x` is zero (the classic test: only a zero
    // byte borrows into its own top bit without having it set).
    fn zero_in(x: u64, low: u64, high: u64) -> bool {
        x.wrapping_sub(low) & !x & high != 0
    }
    const LOW: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let bytes = text.as_bytes();
    let n = bytes.len();
    let word = |at: usize| match bytes.get(at..at + 8) {
        Some(w) => u64::from_ne_bytes(w.try_into().unwrap_or([1; 8])),
        None => LOW,
    };
    let half = |at: usize| match bytes.get(at..at + 4) {
        Some(w) => u64::from(u32::from_ne_bytes(w.try_into().unwrap_or([1; 4]))),
        None => LOW,
    };
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            if zero_in(word(at), LOW, HIGH) {
                return true;
            }
            at += 8;
        }
        zero_in(word(n - 8), LOW, HIGH)
    } else if n >= 4 {
        zero_in(half(0) | half(n - 4) << 32, LOW, HIGH)
    } else {
        bytes.contains(&0)
    }
}

/// A bind parameter borrowed from its field where it can be: text and
/// bytes bind without a copy (what an insert binds from its rows).
#[doc(hidden)]
#[derive(Debug, Clone)]
pub enum ValueRef<'a> {
    /// Text, borrowed.
    Str(&'a str),
    /// Binary data, borrowed.
    Bytes(&'a [u8]),
    /// Any other value, owned.
    Value(Value),
}

/// The bind parameters of one statement: owned values, or values
/// borrowed from the rows being written.
#[derive(Debug, Clone)]
pub(crate) enum Binds<'a> {
    /// Owned values.
    Values(Vec<Value>),
    /// Values borrowed where they can be.
    Refs(Vec<ValueRef<'a>>),
}

/// One bind parameter of [`Binds`], looked at in place.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bind<'b> {
    /// An owned value.
    Value(&'b Value),
    /// Text.
    Str(&'b str),
    /// Binary data.
    Bytes(&'b [u8]),
}

impl From<Vec<Value>> for Binds<'_> {
    #[inline]
    fn from(values: Vec<Value>) -> Self {
        Binds::Values(values)
    }
}

impl<'a> From<Vec<ValueRef<'a>>> for Binds<'a> {
    #[inline]
    fn from(values: Vec<ValueRef<'a>>) -> Self {
        Binds::Refs(values)
    }
}

impl Binds<'_> {
    /// How many parameters there are.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        match self {
            Binds::Values(v) => v.len(),
            Binds::Refs(v) => v.len(),
        }
    }

    /// True when there are none.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The parameter at `idx`.
    #[inline]
    pub(crate) fn get(&self, idx: usize) -> Option<Bind<'_>> {
        match self {
            Binds::Values(v) => v.get(idx).map(Bind::Value),
            Binds::Refs(v) => v.get(idx).map(Bind::of),
        }
    }

    /// The parameters in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Bind<'_>> {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

impl<'b> Bind<'b> {
    /// The parameter `value`, looked at in place.
    #[inline]
    pub(crate) fn of(value: &'b ValueRef<'_>) -> Self {
        match value {
            ValueRef::Str(s) => Bind::Str(s),
            ValueRef::Bytes(b) => Bind::Bytes(b),
            ValueRef::Value(v) => Bind::Value(v),
        }
    }

    /// As [`Value::check_portable`].
    #[inline]
    pub(crate) fn check_portable(self) -> Result<(), &'static str> {
        match self {
            Bind::Value(v) => v.check_portable(),
            Bind::Str(s) if has_nul(s) => Err(NUL_IN_TEXT),
            Bind::Str(_) | Bind::Bytes(_) => Ok(()),
        }
    }
}

impl Value {
    /// Refuses a bound value no backend stores or compares the same way: a
    /// NaN or infinite float, text with a NUL character.
    #[inline]
    pub(crate) fn check_portable(&self) -> Result<(), &'static str> {
        match self {
            Value::F32(v) if !v.is_finite() => Err(NOT_FINITE),
            Value::F64(v) if !v.is_finite() => Err(NOT_FINITE),
            Value::String(s) if has_nul(s) => Err(NUL_IN_TEXT),
            Value::Array(_, items) => items.iter().try_for_each(Value::check_portable),
            _ => Ok(()),
        }
    }
}

/// Something that can be compared with or assigned to a column of type `T`.
///
/// Lets `User::EMAIL.eq("a@b.c")` take a `&str` for a `String` column.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a value of a `{T}` column",
    label = "expected a value of type `{T}`"
)]
pub trait IntoValue<T> {
    /// Converts into a bind parameter.
    fn into_value(self) -> Value;
}

impl<T: ColumnType> IntoValue<T> for T {
    fn into_value(self) -> Value {
        ColumnType::into_value(self)
    }
}

impl<T: ColumnType> IntoValue<T> for &T {
    fn into_value(self) -> Value {
        self.to_value()
    }
}

impl IntoValue<String> for &str {
    fn into_value(self) -> Value {
        Value::String(self.to_string())
    }
}

impl IntoValue<Option<String>> for &str {
    fn into_value(self) -> Value {
        Value::String(self.to_string())
    }
}

impl IntoValue<Vec<u8>> for &[u8] {
    fn into_value(self) -> Value {
        Value::Bytes(self.to_vec())
    }
}

#[cfg(feature = "sqlite")]
fn unexpected_null(idx: usize) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: idx.to_string(),
        source: Box::new(sqlx::error::UnexpectedNullError),
    }
}

macro_rules! decode_arms {
    ($row:expr, $idx:expr, $t:ty) => {
        match $row {
            // SQLite decodes NULL as 0 or "" without complaint: refuse it here
            // as the other backends do.
            #[cfg(feature = "sqlite")]
            RowRef::Sqlite(r) => {
                sqlx::Row::try_get::<Option<$t>, _>(r, $idx)?.ok_or_else(|| unexpected_null($idx))
            }
            #[cfg(feature = "postgres")]
            RowRef::Postgres(r) => {
                sqlx::Row::try_get::<$t, _>(r, $idx).or_else(|e| <$t as PgWiden>::widen(r, $idx, e))
            }
            #[cfg(feature = "mysql")]
            RowRef::MySql(r) => sqlx::Row::try_get::<$t, _>(r, $idx),
            #[cfg(feature = "sqlite")]
            RowRef::SqliteStmt(r) => <$t as FromSqliteStmt>::from_stmt(r, $idx),
        }
    };
}

/// PostgreSQL types every value strictly: an `i64` field does not read an
/// `INTEGER` column (the others do). Integers of another width are read
/// and converted here, where they fit, so that the same field reads the
/// same column on every backend. Only the failure path pays for it.
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
trait PgWiden: Sized {
    #[cfg(feature = "postgres")]
    fn widen(
        row: &sqlx::postgres::PgRow,
        idx: usize,
        err: sqlx::Error,
    ) -> Result<Self, sqlx::Error> {
        let _ = (row, idx);
        Err(err)
    }
}

macro_rules! pg_integer {
    ($($t:ty),*) => {$(
        impl PgWiden for $t {
            #[cfg(feature = "postgres")]
            fn widen(
                row: &sqlx::postgres::PgRow,
                idx: usize,
                err: sqlx::Error,
            ) -> Result<Self, sqlx::Error> {
                use sqlx::{Row, TypeInfo, ValueRef};
                let wide: i64 = match row.try_get_raw(idx)?.type_info().name() {
                    "INT2" => row.try_get::<i16, _>(idx)?.into(),
                    "INT4" => row.try_get::<i32, _>(idx)?.into(),
                    "INT8" => row.try_get::<i64, _>(idx)?,
                    _ => return Err(err),
                };
                <$t>::try_from(wide).map_err(|e| sqlx::Error::ColumnDecode {
                    index: idx.to_string(),
                    source: Box::new(e),
                })
            }
        }
    )*};
}
pg_integer!(i16, i32, i64);

macro_rules! pg_strict {
    ($($t:ty),*) => {$(impl PgWiden for $t {})*};
}
pg_strict!(f32, f64, bool, String, Vec<u8>);

/// The NULL test, then the decode (with its widening on PostgreSQL): what
/// [`ColumnType::decode_option`] does unless a type reads both at once.
#[inline]
fn decode_option_slowly<T: ColumnType>(
    row: RowRef<'_>,
    idx: usize,
) -> Result<Option<T>, sqlx::Error> {
    if row.is_null(idx)? {
        Ok(None)
    } else {
        T::decode(row, idx).map(Some)
    }
}

macro_rules! scalar {
    (@ref $s:ident, $variant:ident) => {
        ValueRef::Value(Value::$variant($s.clone()))
    };
    (@ref $s:ident, $variant:ident, $by_ref:ident) => {
        ValueRef::$by_ref($s)
    };
    ($($t:ty => $sql:ident, $variant:ident $(, ref $by_ref:ident)?;)*) => {$(
        impl ColumnType for $t {
            const SQL_TYPE: SqlType = SqlType::$sql;
            type Scalar = $t;
            #[inline]
            fn decode(row: RowRef<'_>, idx: usize) -> Result<Self, sqlx::Error> {
                decode_arms!(row, idx, $t)
            }
            /// One look at the cell on the driver's rows (the cell's NULL
            /// test and its type check are one lookup in sqlx); on
            /// PostgreSQL a type mismatch goes the long way, which widens
            /// integers.
            #[inline]
            fn decode_option(row: RowRef<'_>, idx: usize) -> Result<Option<Self>, sqlx::Error> {
                match row {
                    #[cfg(feature = "sqlite")]
                    RowRef::Sqlite(r) => sqlx::Row::try_get::<Option<$t>, _>(r, idx),
                    #[cfg(feature = "postgres")]
                    RowRef::Postgres(r) => match sqlx::Row::try_get::<Option<$t>, _>(r, idx) {
                        Ok(value) => Ok(value),
                        Err(_) => decode_option_slowly::<$t>(row, idx),
                    },
                    #[cfg(feature = "mysql")]
                    RowRef::MySql(r) => sqlx::Row::try_get::<Option<$t>, _>(r, idx),
                    #[cfg(feature = "sqlite")]
                    RowRef::SqliteStmt(_) => decode_option_slowly::<$t>(row, idx),
                }
            }
            #[inline]
            fn to_value(&self) -> Value {
                Value::$variant(self.clone())
            }
            #[inline]
            fn into_value(self) -> Value {
                Value::$variant(self)
            }
            #[inline]
            fn value_ref(&self) -> ValueRef<'_> {
                scalar!(@ref self, $variant $(, $by_ref)?)
            }
            fn from_value(value: Value) -> Option<Self> {
                match value {
                    Value::$variant(v) => Some(v),
                    _ => None,
                }
            }
            #[inline]
            fn clone_column(&self) -> Option<Self> {
                Some(self.clone())
            }
            #[inline]
            fn check(&self) -> Result<(), String> {
                NanCheck::nan_check(self)
            }
        }
        impl IntoValue<Option<$t>> for $t {
            fn into_value(self) -> Value {
                Value::$variant(self)
            }
        }
    )*};
}

scalar! {
    i16 => SmallInt, I16;
    i32 => Int, I32;
    i64 => BigInt, I64;
    f32 => Real, F32;
    f64 => Double, F64;
    bool => Bool, Bool;
    String => Text, String, ref Str;
    Vec<u8> => Bytes, Bytes, ref Bytes;
}

#[cfg(feature = "chrono")]
no_nan_check!(
    chrono::NaiveDate,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>
);

#[cfg(feature = "uuid")]
no_nan_check!(uuid::Uuid);

#[cfg(feature = "time")]
no_nan_check!(time::Date, time::PrimitiveDateTime, time::OffsetDateTime);

#[cfg(feature = "time")]
pg_strict!(time::Date, time::PrimitiveDateTime, time::OffsetDateTime);

#[cfg(feature = "time")]
scalar! {
    time::Date => Date, TimeDate;
    time::PrimitiveDateTime => DateTime, TimeDateTime;
    time::OffsetDateTime => DateTimeUtc, TimeOffset;
}

#[cfg(feature = "chrono")]
pg_strict!(
    chrono::NaiveDate,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>
);

#[cfg(feature = "uuid")]
pg_strict!(uuid::Uuid);

#[cfg(feature = "json")]
impl<T> PgWiden for sqlx::types::Json<T> {}

#[cfg(feature = "chrono")]
scalar! {
    chrono::NaiveDate => Date, Date;
    chrono::NaiveDateTime => DateTime, DateTime;
    chrono::DateTime<chrono::Utc> => DateTimeUtc, DateTimeUtc;
}

#[cfg(feature = "uuid")]
scalar! {
    uuid::Uuid => Uuid, Uuid;
}

/// SQLite has no decimal type in sqlx: decimals are stored as text there.
#[cfg(feature = "rust_decimal")]
impl ColumnType for rust_decimal::Decimal {
    const SQL_TYPE: SqlType = SqlType::Decimal;
    type Scalar = rust_decimal::Decimal;
    /// Every decimal is stored alike.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
    fn decode(row: RowRef<'_>, idx: usize) -> Result<Self, sqlx::Error> {
        match row {
            #[cfg(feature = "sqlite")]
            RowRef::Sqlite(r) => {
                let text: String = sqlx::Row::try_get::<Option<String>, _>(r, idx)?
                    .ok_or_else(|| unexpected_null(idx))?;
                text.parse().map_err(|e| sqlx::Error::ColumnDecode {
                    index: idx.to_string(),
                    source: Box::new(e),
                })
            }
            #[cfg(feature = "postgres")]
            RowRef::Postgres(r) => sqlx::Row::try_get(r, idx),
            #[cfg(feature = "mysql")]
            RowRef::MySql(r) => sqlx::Row::try_get(r, idx),
            #[cfg(feature = "sqlite")]
            RowRef::SqliteStmt(r) => {
                String::from_stmt(r, idx)?
                    .parse()
                    .map_err(|e| sqlx::Error::ColumnDecode {
                        index: idx.to_string(),
                        source: Box::new(e),
                    })
            }
        }
    }
    fn to_value(&self) -> Value {
        Value::Decimal(*self)
    }
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Decimal(v) => Some(v),
            _ => None,
        }
    }
}

#[cfg(feature = "rust_decimal")]
impl IntoValue<Option<rust_decimal::Decimal>> for rust_decimal::Decimal {
    fn into_value(self) -> Value {
        Value::Decimal(self)
    }
}

impl<T: ColumnType<Scalar = T>> ColumnType for Option<T> {
    const SQL_TYPE: SqlType = T::SQL_TYPE;
    const NULLABLE: bool = true;
    const VARIANTS: &'static [&'static str] = T::VARIANTS;
    type Scalar = T;
    #[inline]
    fn clone_column(&self) -> Option<Self> {
        match self {
            None => Some(None),
            Some(v) => v.clone_column().map(Some),
        }
    }
    #[inline]
    fn decode(row: RowRef<'_>, idx: usize) -> Result<Self, sqlx::Error> {
        T::decode_option(row, idx)
    }
    #[inline]
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null(T::SQL_TYPE),
        }
    }
    #[inline]
    fn into_value(self) -> Value {
        match self {
            Some(v) => v.into_value(),
            None => Value::Null(T::SQL_TYPE),
        }
    }
    #[inline]
    fn value_ref(&self) -> ValueRef<'_> {
        match self {
            Some(v) => v.value_ref(),
            None => ValueRef::Value(Value::Null(T::SQL_TYPE)),
        }
    }
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Null(_) => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
    #[inline]
    fn check(&self) -> Result<(), String> {
        match self {
            Some(v) => v.check(),
            None => Ok(()),
        }
    }
}

/// A JSON column holding any serde type: `jsonb` on PostgreSQL, `JSON` on
/// MySQL, text on SQLite.
#[cfg(feature = "json")]
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Json<T>(pub T);

#[cfg(feature = "json")]
impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

#[cfg(feature = "json")]
impl<T> ColumnType for Json<T>
where
    T: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
{
    const SQL_TYPE: SqlType = SqlType::Json;
    type Scalar = Json<T>;
    fn decode(row: RowRef<'_>, idx: usize) -> Result<Self, sqlx::Error> {
        decode_arms!(row, idx, sqlx::types::Json<T>).map(|j| Json(j.0))
    }
    /// Nothing to refuse (and no serializing to find out).
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
    fn to_value(&self) -> Value {
        // Serializing a value into a `serde_json::Value` only fails for maps
        // with non-string keys; such a value is stored as JSON null.
        Value::Json(serde_json::to_value(&self.0).unwrap_or(serde_json::Value::Null))
    }
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Json(v) => serde_json::from_value(v).ok().map(Json),
            _ => None,
        }
    }
}

/// Integer types the database can generate as keys.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a database-generated key",
    label = "`auto` needs an integer key",
    note = "generated keys are i16, i32 or i64; for other key types remove `auto` or write `auto = false`"
)]
pub trait AutoKey: ColumnType + Copy {
    /// Converts the id reported by MySQL's `LAST_INSERT_ID()`.
    fn from_u64(id: u64) -> Option<Self>;
    /// The next id after this one, `step` later.
    fn offset(self, step: u64) -> Option<Self>;
}

macro_rules! auto_key {
    ($($t:ty),*) => {$(
        impl AutoKey for $t {
            fn from_u64(id: u64) -> Option<Self> {
                <$t>::try_from(id).ok()
            }
            fn offset(self, step: u64) -> Option<Self> {
                <$t>::try_from(step).ok().and_then(|s| self.checked_add(s))
            }
        }
    )*};
}
auto_key!(i16, i32, i64);

/// Types a `max_length` can be checked on.
#[diagnostic::on_unimplemented(
    message = "`max_length` does not apply to `{Self}`",
    label = "not a text or binary field",
    note = "`max_length` limits String, Vec<u8> and their Option forms"
)]
pub trait HasLength {
    /// The length in characters (text) or bytes (binary); `None` for NULL.
    fn length(&self) -> Option<usize>;
}

impl HasLength for String {
    fn length(&self) -> Option<usize> {
        Some(self.chars().count())
    }
}

impl HasLength for Vec<u8> {
    fn length(&self) -> Option<usize> {
        Some(self.len())
    }
}

impl<T: HasLength> HasLength for Option<T> {
    fn length(&self) -> Option<usize> {
        self.as_ref().and_then(HasLength::length)
    }
}

/// A field validator (`#[model(validate = path)]`): a function
/// `fn(&T) -> Result<(), E>` where `E: Display`, run before every insert
/// and update; an `Err` becomes [`Error::Validation`](crate::Error::Validation)
/// naming the field.
///
/// ```
/// fn not_blank(name: &String) -> Result<(), String> {
///     if name.trim().is_empty() { Err("must not be blank".into()) } else { Ok(()) }
/// }
/// # fn takes<V: orm::Validator<String>>(_: V) {}
/// # takes(not_blank);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a validator for a `{T}` field",
    label = "expected a function `fn(&{T}) -> Result<(), E>` where `E: Display`",
    note = "a `validate = path` function takes the field by reference and returns `Ok(())` or an error message"
)]
pub trait Validator<T> {
    /// Runs the check; the error's text on failure.
    fn check(&self, value: &T) -> Result<(), String>;
}

impl<T, E: std::fmt::Display, F: Fn(&T) -> Result<(), E>> Validator<T> for F {
    fn check(&self, value: &T) -> Result<(), String> {
        self(value).map_err(|e| e.to_string())
    }
}

/// Integer types a `#[model(version)]` counter can have.
#[diagnostic::on_unimplemented(
    message = "`#[model(version)]` needs an integer field, not `{Self}`",
    label = "not i16, i32 or i64",
    note = "the version is a counter bumped by every update: make the field i16, i32 or i64"
)]
pub trait VersionCounter {
    /// Named by generated code to require the trait.
    #[doc(hidden)]
    const IS: () = ();
}
impl VersionCounter for i16 {}
impl VersionCounter for i32 {}
impl VersionCounter for i64 {}

/// Text types a `collation` applies to.
#[diagnostic::on_unimplemented(
    message = "`collation` applies to text fields, not `{Self}`",
    label = "not String or Option<String>",
    note = "a collation decides how text compares: remove it from this field"
)]
pub trait Collatable {
    /// Named by generated code to require the trait.
    #[doc(hidden)]
    const IS: () = ();
}
impl Collatable for String {}
impl Collatable for Option<String> {}

#[cfg(test)]
mod tests {
    use super::has_nul;

    #[test]
    fn a_nul_is_found_at_every_place_of_every_length() {
        for len in 0..40 {
            let clean = "a".repeat(len);
            assert!(!has_nul(&clean), "{len}");
            let high = "é".repeat(len);
            assert!(!has_nul(&high), "{len} two-byte characters");
            for at in 0..len {
                let mut bytes = clean.clone().into_bytes();
                bytes[at] = 0;
                let text = String::from_utf8(bytes).unwrap();
                assert!(has_nul(&text), "{len} {at}");
            }
        }
        assert!(!has_nul("\u{100}\u{1}\u{80}\u{ff}"));
    }
}
