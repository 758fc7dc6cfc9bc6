use philtre_orm::prelude::*;

declarative_base!(Base);

#[derive(Model)]
#[model(table = users)]
#[model(index(title))]
struct Post {
    #[column(primary_key, nullable)]
    id: Option<i64>,
    #[column(length = "50")]
    title: String,
    #[column(length = 50, length = 60)]
    slug: String,
    #[column(foreign_key = "users")]
    user_id: i64,
    #[column(foreign_key = "users.id", on_delete = "explode")]
    editor_id: i64,
    #[column(on_delete = "cascade")]
    reviewer_id: i64,
    #[column(precision = 10)]
    price: Option<i64>,
    #[column(autoincrement)]
    position: i64,
    #[model(table = "x")]
    body: String,
    #[column(name = "title")]
    heading: String,
    #[column(sql_type = Text, length = 5)]
    summary: String,
}

fn main() {}
