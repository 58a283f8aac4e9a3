//! The values that cross between the store and either database: arguments bound to
//! `$n` placeholders, result rows read by column name, and why a statement failed. A
//! leaf: it imports nothing else of this crate, so every other module may use it.

use latchkey_core::error::Error;
use std::borrow::Cow;
use std::sync::Arc;

/// An argument bound to a `$n` placeholder; `None` binds SQL `NULL` of that type.
#[derive(Debug, Clone)]
pub enum Value<'a> {
    Int(Option<i64>),
    Text(Option<Cow<'a, str>>),
}

impl Value<'_> {
    /// The same value, owning its text.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Int(v) => Value::Int(v),
            Value::Text(v) => Value::Text(v.map(|t| Cow::Owned(t.into_owned()))),
        }
    }
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}

/// A flag, stored as 0 or 1 on both databases.
impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Int(Some(i64::from(v)))
    }
}

impl From<Option<i64>> for Value<'_> {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(Some(Cow::Borrowed(v)))
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(Some(Cow::Borrowed(v)))
    }
}

impl From<String> for Value<'_> {
    fn from(v: String) -> Self {
        Value::Text(Some(Cow::Owned(v)))
    }
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Value::Text(v.map(Cow::Borrowed))
    }
}

impl<'a> From<&'a Option<String>> for Value<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Value::Text(v.as_deref().map(Cow::Borrowed))
    }
}

impl From<Option<String>> for Value<'_> {
    fn from(v: Option<String>) -> Self {
        Value::Text(v.map(Cow::Owned))
    }
}

/// `args![a, b]`: the arguments of a statement, each converted to a [`Value`].
macro_rules! args {
    ($($arg:expr),* $(,)?) => {
        &[$($crate::value::Value::from($arg)),*][..]
    };
}
pub(crate) use args;

/// One value of a result row.
#[derive(Debug, Clone)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
}

/// A result row whose cells are read by column name.
#[derive(Debug)]
pub struct Row {
    columns: Arc<[String]>,
    cells: Vec<Cell>,
}

impl Row {
    pub(crate) fn new(columns: Arc<[String]>, cells: Vec<Cell>) -> Self {
        Self { columns, cells }
    }

    /// The value of `column` as `T`.
    pub fn get<T: FromCell>(&self, column: &str) -> Result<T, Error> {
        let cell = self
            .columns
            .iter()
            .position(|c| c == column)
            .map(|i| &self.cells[i])
            .ok_or_else(|| Error::internal(format!("no column {column}")))?;
        T::from_cell(cell).ok_or_else(|| Error::internal(format!("column {column}: {cell:?}")))
    }
}

/// A Rust type a [`Cell`] reads as.
pub trait FromCell: Sized {
    fn from_cell(cell: &Cell) -> Option<Self>;
}

impl FromCell for i64 {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Int(v) => Some(*v),
            _ => None,
        }
    }
}

impl FromCell for String {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Text(v) => Some(v.clone()),
            _ => None,
        }
    }
}

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Null => Some(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

/// Why a statement failed.
#[derive(Debug)]
pub enum DbError {
    /// A unique constraint refused the write.
    Unique,
    /// The database cannot be reached or is busy.
    Unavailable(String),
    /// The statement refused itself (`latchkey_refuse`) with this code.
    Refused(String),
    Other(String),
}

impl From<DbError> for Error {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Unique => Error::internal("unique constraint violated"),
            DbError::Unavailable(message) => Error::Unavailable(message),
            DbError::Refused(code) => Error::Internal(format!("refused: {code}")),
            DbError::Other(message) => Error::Internal(message),
        }
    }
}

/// Maps a unique violation to `on_unique`, anything else as usual.
pub fn unique(on_unique: Error) -> impl FnOnce(DbError) -> Error {
    move |err| match err {
        DbError::Unique => on_unique,
        other => other.into(),
    }
}
