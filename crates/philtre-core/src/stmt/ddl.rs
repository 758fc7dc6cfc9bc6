use crate::Table;

/// `CREATE TABLE` (columns, primary key, unique, foreign key and check constraints).
#[derive(Debug, Clone)]
pub struct CreateTable(pub Table);

/// `DROP TABLE`.
#[derive(Debug, Clone)]
pub struct DropTable(pub Table);

/// `CREATE [UNIQUE] INDEX` for one of the table's indexes.
#[derive(Debug, Clone)]
pub struct CreateIndex {
    pub table: Table,
    pub index: crate::Index,
}

/// `DROP INDEX`.
#[derive(Debug, Clone)]
pub struct DropIndex {
    pub table: Table,
    pub index: crate::Index,
}
