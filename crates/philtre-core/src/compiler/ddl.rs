//! Writing `CREATE TABLE` and `CREATE INDEX`.

use crate::compiler::SqlWriter;
use crate::error::{Error, Result};
use crate::schema::Index;
use crate::Table;

impl SqlWriter<'_> {
    pub(crate) fn create_table(&mut self, table: &Table) -> Result<()> {
        if table.columns().is_empty() {
            return Err(Error::InvalidStatement(format!(
                "table {:?} has no columns",
                table.name()
            )));
        }
        let d = self.dialect();
        self.push("CREATE TABLE ");
        self.ident(table.name());
        self.push(" (\n\t");
        self.list(table.columns(), ",\n\t", |w, c| {
            d.write_column_ddl(w, table, c)
        })?;
        if !table.primary_key().is_empty() {
            self.push(",\n\tPRIMARY KEY (");
            self.ident_list(table.primary_key());
            self.push(")");
        }
        for u in table.uniques() {
            self.push(",\n\t");
            self.constraint_name(u.name.as_deref());
            self.push("UNIQUE (");
            self.ident_list(&u.columns);
            self.push(")");
        }
        for fk in table.foreign_keys() {
            self.push(",\n\t");
            self.constraint_name(fk.name.as_deref());
            self.push("FOREIGN KEY (");
            self.ident_list(&fk.columns);
            self.push(") REFERENCES ");
            self.ident(&fk.ref_table);
            self.push(" (");
            self.ident_list(&fk.ref_columns);
            self.push(")");
            if let Some(a) = fk.on_delete {
                self.push(" ON DELETE ");
                self.push(a.sql());
            }
            if let Some(a) = fk.on_update {
                self.push(" ON UPDATE ");
                self.push(a.sql());
            }
        }
        for ck in table.checks() {
            self.push(",\n\t");
            self.constraint_name(ck.name.as_deref());
            self.push("CHECK (");
            self.push(&ck.sql);
            self.push(")");
        }
        self.push("\n)");
        Ok(())
    }

    pub(crate) fn create_index(&mut self, table: &Table, index: &Index) {
        self.push(if index.unique {
            "CREATE UNIQUE INDEX "
        } else {
            "CREATE INDEX "
        });
        self.ident(&index.name);
        self.push(" ON ");
        self.ident(table.name());
        self.push(" (");
        self.ident_list(&index.columns);
        self.push(")");
    }

    fn constraint_name(&mut self, name: Option<&str>) {
        if let Some(n) = name {
            self.push("CONSTRAINT ");
            self.ident(n);
            self.push(" ");
        }
    }

    fn ident_list(&mut self, names: &[String]) {
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.ident(n);
        }
    }
}
