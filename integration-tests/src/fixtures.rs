//! Tables the tests share, each created under the test's unique names.

use philtre::prelude::*;
use philtre::ReferentialAction;

use crate::TestDb;

impl TestDb {
    /// The seed's `users(id, name, email)`, created in the database.
    pub async fn users_table(&self) -> philtre::Result<Table> {
        self.users_table_on(&self.engine).await
    }

    /// `users`, created through another engine on the same database (an in-memory SQLite
    /// engine is its own database, so a test with its own engine creates its tables there).
    pub async fn users_table_on(&self, engine: &Engine) -> philtre::Result<Table> {
        let users = Table::new(
            self.name("users"),
            &self.metadata,
            [
                Column::new("id", Integer).primary_key(),
                Column::new("name", String(50)).unique(),
                Column::new("email", String(120)).unique(),
            ],
        );
        self.metadata.create_all(engine).await?;
        Ok(users)
    }

    /// `users`, and `posts(user_id → users.id ON DELETE CASCADE)`, created.
    pub async fn users_and_posts(&self) -> philtre::Result<(Table, Table)> {
        let users = Table::new(
            self.name("users"),
            &self.metadata,
            [
                Column::new("id", Integer).primary_key(),
                Column::new("name", String(50)).unique().not_null(),
                Column::new("age", Integer),
            ],
        );
        let posts = Table::new(
            self.name("posts"),
            &self.metadata,
            [
                Column::new("id", Integer).primary_key(),
                Column::new("user_id", Integer)
                    .not_null()
                    .foreign_key(&format!("{}.id", users.name()))
                    .on_delete(ReferentialAction::Cascade),
                Column::new("title", String(100)).not_null(),
            ],
        );
        self.metadata.create_all(&self.engine).await?;
        Ok((users, posts))
    }
}
