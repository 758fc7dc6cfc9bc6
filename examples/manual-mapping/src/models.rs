//! The seed's `models.py`: a plain class, a table defined apart, and `mapper(User, users)`.

use std::fmt;

use philtre_orm::prelude::*;

use crate::database::DB_SESSION;

/// `class User(object)`: no base class, no macro.
#[derive(Clone, PartialEq)]
pub struct User {
    pub id: Option<i64>,
    pub name: Option<String>,
    pub email: Option<String>,
}

impl User {
    /// `def __init__(self, name=None, email=None)`
    pub fn new(name: &str, email: &str) -> Self {
        User {
            id: None,
            name: Some(name.into()),
            email: Some(email.into()),
        }
    }
}

/// `def __repr__(self): return f'<User {self.name!r}>'`
impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<User {:?}>", Value::from(self.name.clone()))
    }
}

/// `query = db_session.query_property()`: `User::query()`.
impl QueryProperty for User {
    fn scoped_session() -> &'static ScopedSession {
        &DB_SESSION
    }
}

/// `users = Table('users', metadata, ...)`
pub fn users_table(metadata: &MetaData) -> Table {
    Table::new(
        "users",
        metadata,
        [
            Column::new("id", Integer).primary_key(),
            Column::new("name", String(50)).unique(),
            Column::new("email", String(120)).unique(),
        ],
    )
}

/// The mapping's hand-written half: which columns, and how a row becomes a `User`.
impl Mapped for User {
    const COLUMNS: &'static [&'static str] = &["id", "name", "email"];

    fn from_row(row: &Row) -> philtre_orm::Result<Self> {
        Ok(User {
            id: row.get("id")?,
            name: row.get("name")?,
            email: row.get("email")?,
        })
    }

    fn to_values(&self) -> Vec<Value> {
        field_values![self.id, self.name, self.email]
    }
}

/// `mapper(User, users)`
pub fn map(users: &Table) -> philtre_orm::Result<()> {
    mapper::<User>(users)
}
