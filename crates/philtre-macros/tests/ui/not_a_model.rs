use philtre_orm::prelude::*;

declarative_base!(Base);

#[derive(Model)]
enum Status {
    Active,
}

#[derive(Model)]
struct Pair(i64, String);

#[derive(Model)]
struct Wrapper<T> {
    #[column(primary_key)]
    id: i64,
    value: T,
}

fn main() {}
