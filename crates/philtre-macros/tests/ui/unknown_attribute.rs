use philtre_orm::prelude::*;

declarative_base!(Base);

#[derive(Model)]
#[model(tablename = "people")]
struct Person {
    #[column(primay_key)]
    id: Option<i64>,
    #[column(rename = "full_name", length = 50)]
    name: String,
    #[column(max_length = 20)]
    nick: Option<String>,
}

fn main() {}
