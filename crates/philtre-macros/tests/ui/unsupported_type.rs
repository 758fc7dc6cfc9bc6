use philtre_orm::prelude::*;

declarative_base!(Base);

#[derive(Model)]
struct Counter {
    #[column(primary_key)]
    id: u64,
    hits: u64,
    tags: Vec<String>,
}

fn main() {}
