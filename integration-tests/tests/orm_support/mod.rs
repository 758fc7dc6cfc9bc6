//! Models shared by the ORM tests. Each macro defines its types where it is called, so
//! every test gets types of its own and the global `mapper` registry never mixes two
//! tests' tables, even when a plain `cargo test` runs them in one process.

#![allow(unused_macros)]

/// `User` over the seed's `users(id, name, email)` ([`TestDb::users_table`]), mapped by
/// hand. `user_model!(Name; items)` names the type otherwise and adds the optional
/// `Mapped` methods a test gives (the documented one-liners) to its impl.
macro_rules! user_model {
    () => {
        user_model!(User;);
    };
    ($name:ident; $($optional:item)*) => {
        #[derive(Debug, Clone, PartialEq)]
        struct $name {
            id: Option<i64>,
            name: String,
            email: Option<String>,
        }

        #[allow(dead_code)]
        impl $name {
            fn new(name: &str, email: &str) -> Self {
                $name {
                    id: None,
                    name: name.into(),
                    email: Some(email.into()),
                }
            }
        }

        impl philtre_orm::Mapped for $name {
            const COLUMNS: &'static [&'static str] = &["id", "name", "email"];
            fn from_row(row: &philtre::Row) -> philtre::Result<Self> {
                Ok($name {
                    id: row.get("id")?,
                    name: row.get("name")?,
                    email: row.get("email")?,
                })
            }
            fn to_values(&self) -> Vec<philtre::Value> {
                philtre_orm::field_values![self.id, self.name, self.email]
            }
            $($optional)*
        }
    };
}

/// `Member` over `users(id, name, email)`, mapped by hand like `User`, with the optional
/// `Mapped` methods a test gives added to its impl.
macro_rules! member_model {
    ($($optional:item)*) => {
        user_model!(Member; $($optional)*);
    };
}

/// `Person` and `Post` over `users(id, name, age)` and `posts(id, user_id, title)`
/// ([`TestDb::users_and_posts`]).
macro_rules! person_post_models {
    () => {
        #[derive(Debug, Clone, PartialEq)]
        struct Person {
            id: Option<i64>,
            name: String,
            age: Option<i64>,
        }

        #[allow(dead_code)]
        impl Person {
            fn new(name: &str, age: i64) -> Self {
                Person {
                    id: None,
                    name: name.into(),
                    age: Some(age),
                }
            }
        }

        impl philtre_orm::Mapped for Person {
            const COLUMNS: &'static [&'static str] = &["id", "name", "age"];
            fn from_row(row: &philtre::Row) -> philtre::Result<Self> {
                Ok(Person {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    age: row.get(2)?,
                })
            }
            fn to_values(&self) -> Vec<philtre::Value> {
                philtre_orm::field_values![self.id, self.name, self.age]
            }
        }

        #[allow(dead_code)]
        #[derive(Debug, Clone, PartialEq)]
        struct Post {
            id: Option<i64>,
            user_id: i64,
            title: String,
        }

        impl philtre_orm::Mapped for Post {
            const COLUMNS: &'static [&'static str] = &["id", "user_id", "title"];
            fn from_row(row: &philtre::Row) -> philtre::Result<Self> {
                Ok(Post {
                    id: row.get(0)?,
                    user_id: row.get(1)?,
                    title: row.get(2)?,
                })
            }
            fn to_values(&self) -> Vec<philtre::Value> {
                philtre_orm::field_values![self.id, self.user_id, self.title]
            }
        }
    };
}

#[allow(dead_code)]
/// Rows in `table`, counted through Core on a connection of its own (committed data only).
pub async fn count_rows(engine: &philtre::Engine, table: &philtre::Table) -> philtre::Result<i64> {
    use philtre::prelude::*;
    engine
        .execute(select([func::count_star()]).select_from(table))
        .await?
        .scalar_one::<i64>()
}

#[allow(dead_code)]
/// The `name` column of `users`, in id order, through Core (committed data only).
pub async fn names_by_id(
    engine: &philtre::Engine,
    users: &philtre::Table,
) -> philtre::Result<Vec<String>> {
    engine
        .query_as::<(String,)>(philtre::select([users.c("name")]).order_by(users.c("id")))
        .await
        .map(|rows| rows.into_iter().map(|(name,)| name).collect())
}
