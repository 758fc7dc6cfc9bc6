use philtre_orm::prelude::*;

declarative_base!(Base);

#[derive(Model)]
struct Enrolment {
    #[column(primary_key, length = 20)]
    course: String,
    #[column(primary_key)]
    student: i32,
}

#[derive(Model)]
struct Grade {
    #[column(primary_key)]
    id: Option<i64>,
    #[column(foreign_key = Enrolment)]
    enrolment: i32,
}

fn main() {}
