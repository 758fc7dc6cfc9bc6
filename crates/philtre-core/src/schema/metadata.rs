use std::sync::{Arc, PoisonError, RwLock};

use crate::schema::Table;

/// A collection of tables, shared by clones (like SQLAlchemy's `MetaData`).
///
/// `create_all` / `drop_all` live on the engine side (`philtre::MetaDataExt`) because they
/// need a connection; this type only knows the tables and their dependency order.
#[derive(Debug, Clone, Default)]
pub struct MetaData {
    tables: Arc<RwLock<Vec<Table>>>,
}

impl MetaData {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a table, replacing one of the same name.
    pub fn add(&self, table: Table) {
        let mut tables = self.tables.write().unwrap_or_else(PoisonError::into_inner);
        match tables.iter_mut().find(|t| t.name() == table.name()) {
            Some(slot) => *slot = table,
            None => tables.push(table),
        }
    }

    pub fn table(&self, name: &str) -> Option<Table> {
        self.read().iter().find(|t| t.name() == name).cloned()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.read().iter().any(|t| t.name() == name)
    }

    pub fn remove(&self, name: &str) -> Option<Table> {
        let mut tables = self.tables.write().unwrap_or_else(PoisonError::into_inner);
        let i = tables.iter().position(|t| t.name() == name)?;
        Some(tables.remove(i))
    }

    /// Tables in the order they were added.
    pub fn tables(&self) -> Vec<Table> {
        self.read().clone()
    }

    /// Tables ordered so that every table comes after the tables it references.
    ///
    /// References to tables outside this metadata are ignored; a cycle keeps the order in
    /// which its tables were added.
    pub fn sorted_tables(&self) -> Vec<Table> {
        sort_by_dependency(&self.tables())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Table>> {
        self.tables.read().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `tables` ordered so that every table comes after the tables it references (the order
/// of [`MetaData::sorted_tables`], for tables that may come from different metadata).
///
/// References to tables not in the list are ignored; a cycle keeps the order of the list.
pub fn sort_by_dependency(tables: &[Table]) -> Vec<Table> {
    let mut placed = vec![false; tables.len()];
    let mut out = Vec::with_capacity(tables.len());
    while out.len() < tables.len() {
        let before = out.len();
        for (i, t) in tables.iter().enumerate() {
            if placed[i] {
                continue;
            }
            let ready = t.foreign_keys().iter().all(|fk| {
                fk.ref_table == t.name()
                    || tables
                        .iter()
                        .enumerate()
                        .all(|(j, o)| o.name() != fk.ref_table || placed[j])
            });
            if ready {
                placed[i] = true;
                out.push(t.clone());
            }
        }
        if out.len() == before {
            // A cycle: place the first unplaced table and go on.
            if let Some(i) = placed.iter().position(|p| !p) {
                placed[i] = true;
                out.push(tables[i].clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::types::*;
    use crate::{Column, MetaData, Table};

    #[test]
    fn sorted_by_foreign_keys() {
        let md = MetaData::new();
        Table::new(
            "comments",
            &md,
            [Column::new("post_id", Integer).foreign_key("posts.id")],
        );
        Table::new(
            "posts",
            &md,
            [
                Column::new("id", Integer).primary_key(),
                Column::new("user_id", Integer).foreign_key("users.id"),
            ],
        );
        Table::new("users", &md, [Column::new("id", Integer).primary_key()]);
        let names: Vec<_> = md
            .sorted_tables()
            .iter()
            .map(|t| t.name().to_owned())
            .collect();
        assert_eq!(names, ["users", "posts", "comments"]);
    }
}
