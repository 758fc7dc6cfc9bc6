//! What `#[derive(Model)]` generates, checked without a database.

use chrono::NaiveDate;
use philtre::{Expr, ReferentialAction, Row, SqlType, Value};

use crate::prelude::*;
use crate::Changes;

declarative_base!(Base);
declarative_base!(OtherBase);

#[derive(Model, Debug, Clone, PartialEq)]
struct BlogPost {
    #[column(primary_key)]
    id: Option<i64>,
    #[column(length = 80, unique)]
    title: String,
    body: Option<String>,
    #[column(name = "author_id", foreign_key = Author, on_delete = "set null", index)]
    author: Option<i32>,
    #[column(default = 0, server_default = 0)]
    likes: Option<i32>,
    #[column(precision = 6, scale = 2, nullable = false)]
    price: Option<rust_decimal::Decimal>,
    published: Option<NaiveDate>,
    #[column(sql_type = Text)]
    slug: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(base = OtherBase, table = "writers", unique(first, last), crate = crate)]
struct Author {
    #[column(primary_key, autoincrement = false)]
    id: i32,
    #[column(length = 40)]
    first: String,
    #[column(length = 40)]
    last: String,
}

/// A tree: the key references its own table.
#[derive(Model, Debug, Clone)]
#[model(base = OtherBase)]
struct Category {
    #[column(primary_key)]
    id: Option<i64>,
    #[column(foreign_key = Self, on_delete = "cascade")]
    parent_id: Option<i64>,
    #[column(sql_type = String(36), unique)]
    code: String,
    #[column(sql_type = SqlType::Json)]
    extra: Option<serde_json::Value>,
}

#[test]
fn self_references_and_explicit_types() {
    let t = Category::table_ref();
    assert_eq!(t.name(), "categories");
    let fk = &t.foreign_keys()[0];
    assert_eq!(
        (fk.ref_table.as_str(), fk.ref_columns.as_slice()),
        ("categories", &["id".to_owned()][..])
    );
    assert_eq!(
        t.column("code").expect("code").ty,
        SqlType::String(Some(36))
    );
    assert_eq!(t.column("extra").expect("extra").ty, SqlType::Json);
}

#[test]
fn the_table_is_what_the_attributes_say() {
    let t = BlogPost::table_ref();
    assert_eq!(t.name(), "blog_posts", "snake_case plural by default");
    assert_eq!(BlogPost::TABLE_NAME, "blog_posts");
    assert_eq!(t.primary_key(), ["id"]);
    assert!(t.autoincrement_column().is_some());
    let col = |n: &str| t.column(n).expect("column").clone();
    assert_eq!(col("id").ty, SqlType::BigInteger);
    assert!(!col("id").is_nullable(), "an Option key is still NOT NULL");
    assert_eq!(col("title").ty, SqlType::String(Some(80)));
    assert!(!col("title").is_nullable() && col("title").unique);
    assert_eq!(col("body").ty, SqlType::Text);
    assert!(col("body").is_nullable());
    assert_eq!(col("author_id").ty, SqlType::Integer);
    assert!(col("author_id").index);
    let fk = col("author_id").foreign_key.expect("foreign key");
    assert_eq!(
        (fk.ref_table.as_str(), fk.ref_columns.as_slice()),
        ("writers", &["id".to_owned()][..])
    );
    assert_eq!(fk.on_delete, Some(ReferentialAction::SetNull));
    assert_eq!(col("likes").default, Some(Value::Int(0)));
    assert!(col("likes").server_default.is_some());
    assert_eq!(col("price").ty, SqlType::Numeric(Some((6, 2))));
    assert!(
        !col("price").is_nullable(),
        "nullable = false wins over Option"
    );
    assert_eq!(col("published").ty, SqlType::Date);
    assert_eq!(col("slug").ty, SqlType::Text);
    assert_eq!(t.indexes()[0].name, "ix_blog_posts_author_id");

    let a = Author::table_ref();
    assert!(a.autoincrement_column().is_none());
    assert!(a.uniques().iter().any(|u| u.columns == ["first", "last"]));
}

#[test]
fn each_base_holds_its_own_models() {
    assert!(Base::metadata().contains("blog_posts"));
    assert!(!Base::metadata().contains("writers"));
    assert!(OtherBase::metadata().contains("writers"));
    assert!(Base::metadata()
        .table("blog_posts")
        .expect("table")
        .same_as(BlogPost::table_ref()));
    assert_eq!(Base::registry().name(), "Base");
}

#[test]
fn rows_and_values_round_trip() -> philtre::Result<()> {
    let post = BlogPost {
        id: None,
        title: "Hello".into(),
        body: None,
        author: Some(7),
        likes: Some(3),
        price: None,
        published: NaiveDate::from_ymd_opt(2024, 1, 2),
        slug: "hello".into(),
    };
    let values = post.to_values();
    assert_eq!(values.len(), BlogPost::COLUMNS.len());
    assert_eq!(BlogPost::COLUMNS[3], "author_id");
    let row = Row::new(
        BlogPost::COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        values,
    );
    assert_eq!(BlogPost::from_row(&row)?, post);
    // The owned form moves the values out and builds the same object.
    assert_eq!(BlogPost::from_owned_row(row.clone())?, post);
    // A value of the wrong kind is a typed error naming the column, as from_row's is.
    let mut wrong = row.clone().into_values();
    wrong[1] = Value::Int(5);
    let wrong = Row::new(row.columns().to_vec().into(), wrong);
    let (by_ref, owned) = (
        BlogPost::from_row(&wrong).unwrap_err(),
        BlogPost::from_owned_row(wrong).unwrap_err(),
    );
    assert_eq!(owned.to_string(), by_ref.to_string());
    assert!(owned.to_string().contains("\"title\""), "{owned}");
    // A short row is an error, not a panic.
    let short = Row::new(vec!["id".to_owned()].into(), vec![Value::Int(1)]);
    assert!(BlogPost::from_owned_row(short).is_err());
    // Straight from the driver's buffer: the same object, and the same typed errors.
    let mut values = row.clone().into_values();
    assert_eq!(
        BlogPost::from_values(&mut values, &row.columns().into())?,
        post
    );
    let mut wrong = row.clone().into_values();
    wrong[1] = Value::Int(5);
    let err = BlogPost::from_values(&mut wrong, &row.columns().into()).unwrap_err();
    assert_eq!(err.to_string(), by_ref.to_string());
    assert!(BlogPost::from_values(&mut [Value::Int(1)], &row.columns().into()).is_err());

    let mut post = post;
    post.set_generated_key(&[Value::Int(41)])?;
    assert_eq!(post.id, Some(41));
    assert_eq!(post.primary_key()?, [Value::Int(41)]);
    // A key of the wrong kind is a typed error naming the column.
    let err = post.set_generated_key(&[Value::from("x")]).unwrap_err();
    assert!(err.to_string().contains("blog_posts.id"), "{err}");
    assert!(post.set_generated_key(&[]).is_err());
    Ok(())
}

#[test]
fn changes_compare_field_by_field_as_to_values_would() -> philtre::Result<()> {
    let post = BlogPost {
        id: Some(1),
        title: "Hello".into(),
        body: None,
        author: Some(7),
        likes: Some(3),
        price: Some(rust_decimal::Decimal::new(1250, 2)),
        published: NaiveDate::from_ymd_opt(2024, 1, 2),
        slug: "hello".into(),
    };
    let snapshot = post.to_values();
    assert!(post.changes(&snapshot)?.is_empty());
    let mut changed = post.clone();
    changed.title = "Bye".into();
    changed.body = Some("text".into());
    changed.likes = None;
    let changes = changed.changes(&snapshot)?;
    assert_eq!(changes.columns(), &[1, 2, 4]);
    assert_eq!(
        changes.values(),
        &[Value::from("Bye"), Value::from("text"), Value::Null]
    );
    // The same as the default, which diffs to_values.
    assert_eq!(changes, Changes::between(changed.to_values(), &snapshot));
    // A snapshot value of another kind (an integer where text was) is a change.
    let mut odd = snapshot.clone();
    odd[7] = Value::Int(1);
    assert_eq!(post.changes(&odd)?.columns(), &[7]);
    // No snapshot: every column.
    assert_eq!(post.changes(&[])?.values(), &snapshot[..]);
    Ok(())
}

#[test]
fn a_field_equals_exactly_the_values_it_converts_to() {
    use crate::declarative::private::SqlField;
    let values = [
        Value::Null,
        Value::Bool(true),
        Value::Int(7),
        Value::Int(-1),
        Value::Int(300),
        Value::Float(7.0),
        Value::Float(0.5),
        Value::from("7"),
        Value::Bytes(vec![7]),
        Value::Decimal(rust_decimal::Decimal::new(7, 0)),
        Value::Date(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap()),
        Value::Uuid(uuid::Uuid::nil()),
        Value::Json(serde_json::json!(7)),
    ];
    fn agrees<T: SqlField>(field: T, values: &[Value]) {
        let as_value: Value = field.clone().into();
        for v in values {
            assert_eq!(
                field.eq_value(v),
                as_value == *v,
                "{as_value:?} against {v:?}"
            );
        }
        assert!(field.eq_value(&as_value), "{as_value:?}");
    }
    agrees(true, &values);
    agrees(7i8, &values);
    agrees(-1i16, &values);
    agrees(7i32, &values);
    agrees(300i64, &values);
    agrees(7u8, &values);
    agrees(7u16, &values);
    agrees(7u32, &values);
    agrees(0.5f32, &values);
    agrees(7.0f64, &values);
    agrees(String::from("7"), &values);
    agrees(vec![7u8], &values);
    agrees(rust_decimal::Decimal::new(7, 0), &values);
    agrees(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap(), &values);
    agrees(chrono::NaiveTime::from_hms_opt(1, 2, 3).unwrap(), &values);
    agrees(
        NaiveDate::from_ymd_opt(2024, 1, 2)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
        &values,
    );
    agrees(uuid::Uuid::nil(), &values);
    agrees(serde_json::json!(7), &values);
    agrees(Some(7i64), &values);
    agrees(None::<i64>, &values);
    agrees(None::<String>, &values);
    agrees(Some(String::from("7")), &values);
}

#[test]
fn typed_columns_build_expressions_on_the_model_table() {
    let Expr::Binary(lhs, _, rhs) = BlogPost::title.eq("Hello") else {
        panic!("a comparison");
    };
    let Expr::Column(c) = *lhs else {
        panic!("the column")
    };
    assert_eq!(c.name(), "title");
    assert!(c.table().same_as(BlogPost::table_ref()));
    assert!(matches!(*rhs, Expr::Bind(Value::Text(ref s)) if s == "Hello"));
    assert!(matches!(
        BlogPost::body.eq(None::<String>),
        Expr::IsNull(_, false)
    ));
    assert_eq!(BlogPost::author.name(), "author_id");
    assert_eq!(format!("{:?}", BlogPost::title), "BlogPost::title");
}

#[tokio::test]
async fn query_before_set_session_is_an_error_that_says_what_to_call() {
    let err = crate::scope(async { BlogPost::query().count().await })
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid configuration: Base has no scoped session for query(): call Base::set_session(&db_session) first (the seed's `Base.query = db_session.query_property()`)"
    );
    let db_session = ScopedSession::unbound();
    OtherBase::set_session(&db_session);
    assert!(OtherBase::scoped_session().same_registry(&db_session));
    assert!(Author::scoped_session().same_registry(&db_session));
}
