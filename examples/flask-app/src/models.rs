//! The seed's `models.py`: `class User(Base)`.

use std::fmt;

use philtre_orm::prelude::*;
use serde::Serialize;

use crate::database::Base;

/// `class User(Base)`, also serialized as the JSON the API returns.
#[derive(Model, Clone, PartialEq, Serialize)]
#[model(table = "users")] // __tablename__ = 'users'
pub struct User {
    /// `id = Column(Integer, primary_key=True)`
    #[column(primary_key)]
    pub id: Option<i64>,
    /// `name = Column(String(50), unique=True)`
    #[column(length = 50, unique)]
    pub name: Option<String>,
    /// `email = Column(String(120), unique=True)`
    #[column(length = 120, unique)]
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
