//! Operations on schema objects that need a database: `create_all`, `drop_all`,
//! reflection (`Table::autoload`, `metadata.reflect`) and implicit execution.

use async_trait::async_trait;
use philtre_core::{
    CreateIndex, CreateTable, DropTable, Error, Executable, MetaData, Result, Table,
};

use crate::engine::Engine;
use crate::result::CursorResult;

/// `create_all` / `drop_all` / `reflect` on a [`MetaData`].
#[async_trait]
pub trait MetaDataExt {
    /// Creates every table (and its indexes) that does not exist yet, referenced tables
    /// first, in one transaction where the database has transactional DDL.
    async fn create_all(&self, engine: &Engine) -> Result<()>;

    /// Like [`create_all`](Self::create_all); with `checkfirst: false`, an existing table is an error.
    async fn create_all_with(&self, engine: &Engine, checkfirst: bool) -> Result<()>;

    /// Drops every table that exists, referencing tables first.
    async fn drop_all(&self, engine: &Engine) -> Result<()>;

    /// Loads every table of the database into this metadata; returns their names. A table
    /// dropped by another session while this runs is left out.
    async fn reflect(&self, engine: &Engine) -> Result<Vec<String>>;
}

#[async_trait]
impl MetaDataExt for MetaData {
    async fn create_all(&self, engine: &Engine) -> Result<()> {
        self.create_all_with(engine, true).await
    }

    async fn create_all_with(&self, engine: &Engine, checkfirst: bool) -> Result<()> {
        let mut conn = engine.connect().await?;
        let mut tx = conn.begin().await?;
        for table in self.sorted_tables() {
            if checkfirst && tx.has_table(table.name()).await? {
                continue;
            }
            tx.execute(CreateTable(table.clone())).await?;
            for index in table.indexes() {
                tx.execute(CreateIndex {
                    table: table.clone(),
                    index: index.clone(),
                })
                .await?;
            }
        }
        tx.commit().await
    }

    async fn drop_all(&self, engine: &Engine) -> Result<()> {
        let mut conn = engine.connect().await?;
        let mut tx = conn.begin().await?;
        for table in self.sorted_tables().into_iter().rev() {
            if tx.has_table(table.name()).await? {
                tx.execute(DropTable(table)).await?;
            }
        }
        tx.commit().await
    }

    async fn reflect(&self, engine: &Engine) -> Result<Vec<String>> {
        let mut conn = engine.connect().await?;
        let mut names = conn.table_names().await?;
        let mut gone = Vec::new();
        for name in &names {
            match conn.reflect_table(name).await {
                Ok(table) => self.add(table),
                // Dropped by someone else between the listing and now: not there to load.
                Err(Error::NoSuchTable(_)) => gone.push(name.clone()),
                Err(e) => return Err(e),
            }
        }
        names.retain(|n| !gone.contains(n));
        Ok(names)
    }
}

/// `Table::autoload("users", &metadata, &engine)`: SQLAlchemy's `Table('users', metadata, autoload=True)`.
#[async_trait]
pub trait Autoload: Sized {
    /// Loads the table's columns and constraints from the database and registers it with
    /// `metadata`; [`Error::NoSuchTable`](philtre_core::Error::NoSuchTable) if it does not exist.
    async fn autoload(name: &str, metadata: &MetaData, engine: &Engine) -> Result<Self>;
}

#[async_trait]
impl Autoload for Table {
    async fn autoload(name: &str, metadata: &MetaData, engine: &Engine) -> Result<Table> {
        let table = engine.connect().await?.reflect_table(name).await?;
        metadata.add(table.clone());
        Ok(table)
    }
}

/// Implicit execution, as in the seed's `users.select(...).execute()`: run any statement
/// on an engine with `stmt.execute(&engine)`.
#[async_trait]
pub trait ExecuteExt: Executable + Sized {
    async fn execute(self, engine: &Engine) -> Result<CursorResult> {
        engine.execute(self).await
    }
}

#[async_trait]
impl<T: Executable + Sized> ExecuteExt for T {}

/// Lists what is in the database: `engine.inspect().await?.table_names()`.
#[derive(Debug)]
pub struct Inspector {
    conn: crate::Connection,
}

impl Engine {
    /// An inspector on a pooled connection.
    pub async fn inspect(&self) -> Result<Inspector> {
        Ok(Inspector {
            conn: self.connect().await?,
        })
    }
}

impl Inspector {
    pub async fn table_names(&mut self) -> Result<Vec<String>> {
        self.conn.table_names().await
    }

    pub async fn has_table(&mut self, name: &str) -> Result<bool> {
        self.conn.has_table(name).await
    }

    /// The table's definition: columns, primary key, unique constraints, foreign keys, indexes.
    pub async fn table(&mut self, name: &str) -> Result<Table> {
        self.conn.reflect_table(name).await
    }
}
