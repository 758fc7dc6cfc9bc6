use philtre_orm::prelude::*;

declarative_base!(Base);

#[derive(Model)]
struct User {
    #[column(primary_key)]
    id: Option<i64>,
    #[column(length = 50)]
    name: String,
}

fn main() {
    let _ = User::name.eq(5);
    let _ = User::id.eq("1");
    let _ = User::id.like("1%");
}
