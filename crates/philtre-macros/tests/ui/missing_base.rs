use philtre_orm::prelude::*;

#[derive(Model)]
struct User {
    #[column(primary_key)]
    id: Option<i64>,
}

fn main() {}
