//! Golden SQL: what the MySQL dialect compiles each statement to.

use philtre_core::types::*;
use philtre_core::{
    params, select, text, Column, CreateTable, DropIndex, Error, Executable, ForeignKey, Index,
    InsertedKey, ReferentialAction, Result, SqlType, Table, Value,
};

use super::MYSQL_DIALECT as MY;

fn users() -> Table {
    Table::builder("users")
        .column(Column::new("id", Integer).primary_key())
        .column(Column::new("name", String(50)).not_null())
        .column(Column::new("email", String(120)).unique())
        .build()
}

#[test]
fn create_table_with_every_type_and_constraint() -> Result<()> {
    let posts = Table::builder("posts")
        .column(Column::new("id", BigInteger).primary_key())
        .column(Column::new("user_id", Integer).not_null())
        .column(Column::new("title", String(200)).server_default("it's a \\ title"))
        .column(Column::new("body", Text).server_default("empty"))
        .column(Column::new("score", Numeric(10, 2)).server_default_sql("0"))
        .column(Column::new("exact", SqlType::Numeric(None)))
        .column(Column::new("ratio", Float))
        .column(Column::new("published", Boolean).server_default(false))
        .column(Column::new("created", DateTime).server_default_sql("CURRENT_TIMESTAMP"))
        .column(Column::new("meta", Json))
        .column(Column::new("token", Uuid))
        .column(Column::new("blob", LargeBinary).server_default(vec![0xde_u8, 0xad]))
        .column(Column::new("day", Date))
        .column(Column::new("at", Time))
        .column(Column::new("small", SmallInteger))
        .unique(["user_id", "title"])
        .foreign_key(
            ForeignKey::new(["user_id"], "users", ["id"])
                .on_delete(ReferentialAction::Cascade)
                .named("fk_posts_user"),
        )
        .check(Some("score_positive"), "score >= 0")
        .build();
    let sql = CreateTable(posts).to_sql(&MY)?;
    assert_eq!(
        sql,
        "CREATE TABLE `posts` (\n\
         \t`id` BIGINT NOT NULL AUTO_INCREMENT,\n\
         \t`user_id` INTEGER NOT NULL,\n\
         \t`title` VARCHAR(200) DEFAULT 'it''s a \\\\ title',\n\
         \t`body` LONGTEXT DEFAULT ('empty'),\n\
         \t`score` NUMERIC(10, 2) DEFAULT (0),\n\
         \t`exact` NUMERIC(65, 30),\n\
         \t`ratio` DOUBLE,\n\
         \t`published` BOOL DEFAULT FALSE,\n\
         \t`created` DATETIME(6) DEFAULT (CURRENT_TIMESTAMP),\n\
         \t`meta` JSON,\n\
         \t`token` CHAR(36) CHARACTER SET ascii COLLATE ascii_bin,\n\
         \t`blob` LONGBLOB DEFAULT (X'DEAD'),\n\
         \t`day` DATE,\n\
         \t`at` TIME(6),\n\
         \t`small` SMALLINT,\n\
         \tPRIMARY KEY (`id`),\n\
         \tUNIQUE (`user_id`, `title`),\n\
         \tCONSTRAINT `fk_posts_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE,\n\
         \tCONSTRAINT `score_positive` CHECK (score >= 0)\n\
         )"
    );
    Ok(())
}

#[test]
fn varchar_without_length_names_the_column() -> Result<()> {
    let t = Table::builder("notes")
        .column(Column::new("id", Integer).primary_key())
        .column(Column::new("label", SqlType::String(None)))
        .build();
    match CreateTable(t).to_sql(&MY) {
        Err(Error::InvalidStatement(msg)) => {
            assert!(msg.contains("\"label\"") && msg.contains("length"), "{msg}");
        }
        other => panic!("expected InvalidStatement, got {other:?}"),
    }
    Ok(())
}

#[test]
fn identifiers_double_backticks() -> Result<()> {
    let t = Table::builder("we`ird")
        .column(Column::new("a`b", Integer))
        .build();
    let sql = t.select().to_sql(&MY)?;
    assert_eq!(sql, "SELECT `we``ird`.`a``b` FROM `we``ird`");
    Ok(())
}

#[test]
fn select_with_limit_and_offset() -> Result<()> {
    let u = users();
    let q = u.select().where_(u.c("id").eq(1)).limit(10).offset(20);
    let c = q.compile(&MY)?;
    assert_eq!(
        c.sql,
        "SELECT `users`.`id`, `users`.`name`, `users`.`email` FROM `users` \
         WHERE `users`.`id` = ? LIMIT 10 OFFSET 20"
    );
    assert_eq!(c.params, params![1]);
    let only_offset = u.select().offset(5).to_sql(&MY)?;
    assert!(
        only_offset.ends_with(" LIMIT 18446744073709551615 OFFSET 5"),
        "{only_offset}"
    );
    let only_limit = u.select().limit(3).to_sql(&MY)?;
    assert!(only_limit.ends_with("FROM `users` LIMIT 3"), "{only_limit}");
    Ok(())
}

#[test]
fn insert_uses_last_insert_id_and_empty_insert() -> Result<()> {
    let u = users();
    let c = u
        .insert()
        .value("name", "admin")
        .value("email", "admin@localhost")
        .compile(&MY)?;
    assert_eq!(c.sql, "INSERT INTO `users` (`name`, `email`) VALUES (?, ?)");
    assert_eq!(c.params, params!["admin", "admin@localhost"]);
    assert_eq!(c.primary_key, Some(InsertedKey::LastInsertId));
    assert!(!c.returns_rows);

    let empty = u.insert().to_sql(&MY)?;
    assert_eq!(empty, "INSERT INTO `users` () VALUES ()");
    Ok(())
}

#[test]
fn update_and_delete() -> Result<()> {
    let u = users();
    let c = u
        .update()
        .value("name", "root")
        .where_(u.c("id").eq(7))
        .compile(&MY)?;
    assert_eq!(
        c.sql,
        "UPDATE `users` SET `name` = ? WHERE `users`.`id` = ?"
    );
    assert_eq!(c.params, params!["root", 7]);
    let d = u.delete().where_(u.c("name").like("a%")).compile(&MY)?;
    assert_eq!(d.sql, "DELETE FROM `users` WHERE `users`.`name` LIKE ?");
    assert_eq!(d.params, params!["a%"]);
    Ok(())
}

#[test]
fn concat_is_a_function() -> Result<()> {
    let u = users();
    let q = select([u.c("name").concat("@").concat(u.c("email"))]).select_from(&u);
    let c = q.compile(&MY)?;
    assert!(
        c.sql
            .starts_with("SELECT CONCAT(CONCAT(`users`.`name`, ?), `users`.`email`)"),
        "{}",
        c.sql
    );
    assert_eq!(c.params, params!["@"]);
    Ok(())
}

#[test]
fn text_binds_become_question_marks_and_repeat_values() -> Result<()> {
    let t = text("SELECT * FROM t WHERE a = :x OR b = :x AND c = ':x'").bind("x", 5);
    let c = t.compile(&MY)?;
    assert_eq!(c.sql, "SELECT * FROM t WHERE a = ? OR b = ? AND c = ':x'");
    assert_eq!(c.params, vec![Value::Int(5), Value::Int(5)]);
    Ok(())
}

#[test]
fn drop_index_names_the_table() -> Result<()> {
    let index = Index {
        name: "ix_users_name".into(),
        columns: vec!["name".into()],
        unique: false,
    };
    let sql = DropIndex {
        table: users(),
        index,
    }
    .to_sql(&MY)?;
    assert_eq!(sql, "DROP INDEX `ix_users_name` ON `users`");
    Ok(())
}

#[test]
fn flags() -> Result<()> {
    use philtre_core::Dialect;
    assert!(!MY.supports_returning());
    assert!(!MY.implicit_returning());
    assert_eq!(MY.begin_sql(), "START TRANSACTION");
    assert_eq!(MY.name(), "mysql");
    Ok(())
}

#[test]
fn cast_uses_mysql_target_names() -> Result<()> {
    let users = users();
    let q = select([
        users.c("name").cast(Integer),
        users.c("id").cast(String(10)),
        users.c("id").cast(Text),
        users.c("id").cast(Numeric(10, 2)),
    ]);
    assert_eq!(
        q.to_sql(&MY)?,
        "SELECT CAST(`users`.`name` AS SIGNED), CAST(`users`.`id` AS CHAR(10)), \
         CAST(`users`.`id` AS CHAR), CAST(`users`.`id` AS DECIMAL(10, 2)) FROM `users`"
    );
    Ok(())
}
