/// What the database does to referencing rows when the referenced row goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferentialAction {
    Cascade,
    SetNull,
    SetDefault,
    Restrict,
    NoAction,
}

impl ReferentialAction {
    pub fn sql(self) -> &'static str {
        match self {
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::SetDefault => "SET DEFAULT",
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::NoAction => "NO ACTION",
        }
    }

    /// Parses the spelling catalogs report (`"CASCADE"`, `"SET NULL"`, ...).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().replace('_', " ").as_str() {
            "CASCADE" => Some(ReferentialAction::Cascade),
            "SET NULL" => Some(ReferentialAction::SetNull),
            "SET DEFAULT" => Some(ReferentialAction::SetDefault),
            "RESTRICT" => Some(ReferentialAction::Restrict),
            "NO ACTION" => Some(ReferentialAction::NoAction),
            _ => None,
        }
    }
}

/// `FOREIGN KEY (columns) REFERENCES table (ref_columns)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: Option<ReferentialAction>,
    pub on_update: Option<ReferentialAction>,
}

impl ForeignKey {
    pub fn new<C: Into<String>, R: Into<String>>(
        columns: impl IntoIterator<Item = C>,
        ref_table: impl Into<String>,
        ref_columns: impl IntoIterator<Item = R>,
    ) -> Self {
        ForeignKey {
            name: None,
            columns: columns.into_iter().map(Into::into).collect(),
            ref_table: ref_table.into(),
            ref_columns: ref_columns.into_iter().map(Into::into).collect(),
            on_delete: None,
            on_update: None,
        }
    }

    #[must_use]
    pub fn on_delete(mut self, action: ReferentialAction) -> Self {
        self.on_delete = Some(action);
        self
    }

    #[must_use]
    pub fn on_update(mut self, action: ReferentialAction) -> Self {
        self.on_update = Some(action);
        self
    }

    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// `CREATE [UNIQUE] INDEX name ON table (columns)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
}

/// `UNIQUE (columns)` inside the table definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueConstraint {
    pub name: Option<String>,
    pub columns: Vec<String>,
}

/// `CHECK (sql)`: the expression is DDL written by the schema author, not user data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckConstraint {
    pub name: Option<String>,
    pub sql: String,
}
