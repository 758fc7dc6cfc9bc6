use philtre_orm::prelude::*;

declarative_base!(Base);

#[derive(Model)]
struct Account {
    #[column(primary_key, autoincrement, length = 36)]
    id: String,
    #[column(length = 10)]
    age: i32,
    #[column(nullable)]
    name: String,
    #[column(unique)]
    email: String,
    #[column(precision = 10, scale = 2)]
    balance: f64,
    #[column(default = "none")]
    score: Option<i32>,
}

fn main() {}
