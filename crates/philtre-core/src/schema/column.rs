use crate::schema::constraint::{ForeignKey, ReferentialAction};
use crate::value::Value;
use crate::SqlType;

/// A default computed by the database, rendered into the `CREATE TABLE`.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerDefault {
    /// A constant, rendered as an escaped SQL literal.
    Value(Value),
    /// A SQL expression written by the schema author, such as `CURRENT_TIMESTAMP`.
    Sql(String),
}

/// One column of a [`Table`](crate::Table).
///
/// ```
/// use philtre_core::{Column, types::*};
/// let id = Column::new("id", Integer).primary_key();
/// let name = Column::new("name", String(50)).unique();
/// let owner = Column::new("owner_id", Integer).foreign_key("users.id").on_delete_cascade();
/// assert!(!id.is_nullable() && name.is_nullable());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub ty: SqlType,
    pub primary_key: bool,
    /// `None`: automatic (on for a lone integer primary key), as in SQLAlchemy.
    pub autoincrement: Option<bool>,
    /// `None`: not null for primary key columns, nullable otherwise.
    pub nullable: Option<bool>,
    pub unique: bool,
    pub index: bool,
    /// Applied by philtre to an INSERT that gives no value for the column.
    pub default: Option<Value>,
    pub server_default: Option<ServerDefault>,
    pub foreign_key: Option<ForeignKey>,
}

impl Column {
    pub fn new(name: impl Into<String>, ty: SqlType) -> Self {
        Column {
            name: name.into(),
            ty,
            primary_key: false,
            autoincrement: None,
            nullable: None,
            unique: false,
            index: false,
            default: None,
            server_default: None,
            foreign_key: None,
        }
    }

    #[must_use]
    pub fn primary_key(mut self) -> Self {
        self.primary_key = true;
        self
    }

    #[must_use]
    pub fn autoincrement(mut self, on: bool) -> Self {
        self.autoincrement = Some(on);
        self
    }

    #[must_use]
    pub fn nullable(mut self, on: bool) -> Self {
        self.nullable = Some(on);
        self
    }

    /// Shorthand for `nullable(false)`.
    #[must_use]
    pub fn not_null(self) -> Self {
        self.nullable(false)
    }

    #[must_use]
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    #[must_use]
    pub fn index(mut self) -> Self {
        self.index = true;
        self
    }

    #[must_use]
    pub fn default(mut self, value: impl Into<Value>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// A constant default the database applies; rendered as an escaped literal.
    #[must_use]
    pub fn server_default(mut self, value: impl Into<Value>) -> Self {
        self.server_default = Some(ServerDefault::Value(value.into()));
        self
    }

    /// A default the database computes from a SQL expression (`CURRENT_TIMESTAMP`).
    #[must_use]
    pub fn server_default_sql(mut self, sql: impl Into<String>) -> Self {
        self.server_default = Some(ServerDefault::Sql(sql.into()));
        self
    }

    /// References `"table.column"`.
    #[must_use]
    pub fn foreign_key(mut self, target: &str) -> Self {
        let (table, column) = target.rsplit_once('.').unwrap_or((target, "id"));
        self.foreign_key = Some(ForeignKey::new([self.name.clone()], table, [column]));
        self
    }

    #[must_use]
    pub fn on_delete(mut self, action: ReferentialAction) -> Self {
        if let Some(fk) = &mut self.foreign_key {
            fk.on_delete = Some(action);
        }
        self
    }

    #[must_use]
    pub fn on_delete_cascade(self) -> Self {
        self.on_delete(ReferentialAction::Cascade)
    }

    pub fn is_nullable(&self) -> bool {
        self.nullable.unwrap_or(!self.primary_key)
    }
}
