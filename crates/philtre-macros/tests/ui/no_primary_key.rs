use philtre_orm::prelude::*;

declarative_base!(Base);

#[derive(Model)]
struct Note {
    id: Option<i64>,
    text: String,
}

fn main() {}
