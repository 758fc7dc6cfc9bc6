//! The benchmark's schema, its rows as plain structs, and the data every subject reads.

/// A row of `users`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub hair_color: Option<String>,
}

/// A row of `posts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub id: i64,
    pub user_id: i64,
    pub title: String,
    pub body: String,
}

/// A users LEFT JOIN posts row's columns, in order (the post's are NULL without a post).
pub type JoinColumns = (
    i64,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

/// A user to insert (the id is generated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub name: String,
    pub hair_color: Option<String>,
}

/// Users seeded before the run; ids 1..=USERS, and reads stay inside that range.
pub const USERS: i64 = 10_000;
/// The hair colour the join filters on: users whose id is a multiple of 1,000.
pub const JOIN_COLOR: &str = "red";
/// Posts per red user (the last red user has none, so the LEFT JOIN yields a NULL side).
pub const POSTS_PER_RED_USER: i64 = 5;

/// The seeded user with this id.
pub fn seeded_user(id: i64) -> User {
    let hair_color = if id % 1000 == 0 {
        Some(JOIN_COLOR.to_owned())
    } else {
        match id % 4 {
            0 => None,
            1 => Some("black".to_owned()),
            2 => Some("brown".to_owned()),
            _ => Some("blond".to_owned()),
        }
    };
    User {
        id,
        name: format!("user{id}"),
        hair_color,
    }
}

/// The posts seeded for each user: five for every red user but the last, two for each of
/// the first 500 users.
pub fn seeded_posts() -> Vec<Post> {
    let mut out = Vec::new();
    let mut push = |user_id: i64, n: i64| {
        for k in 0..n {
            let id = out.len() as i64 + 1;
            out.push(Post {
                id,
                user_id,
                title: format!("post {k} of user {user_id}"),
                body: "lorem ipsum dolor sit amet ".repeat(4),
            });
        }
    };
    for user_id in 1..=500 {
        push(user_id, 2);
    }
    for user_id in (1000..USERS).step_by(1000) {
        push(user_id, POSTS_PER_RED_USER);
    }
    out
}

/// The rows the insert workloads write, `n` of them, named apart from the seeded ones.
pub fn new_users(n: usize) -> Vec<NewUser> {
    (0..n)
        .map(|i| NewUser {
            name: format!("new{i}"),
            hair_color: (i % 2 == 0).then(|| "grey".to_owned()),
        })
        .collect()
}

/// Where a query's parameters go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }

    /// The schema, as DDL for this backend (tables dropped first, children before parents).
    pub fn ddl(self) -> Vec<&'static str> {
        let mut out = vec![
            "DROP TABLE IF EXISTS comments",
            "DROP TABLE IF EXISTS posts",
            "DROP TABLE IF EXISTS users",
        ];
        out.extend(match self {
            Backend::Sqlite => [
                "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(50) NOT NULL, hair_color VARCHAR(50))",
                "CREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL REFERENCES users (id), title VARCHAR(200) NOT NULL, body TEXT NOT NULL)",
                "CREATE TABLE comments (id INTEGER PRIMARY KEY AUTOINCREMENT, post_id INTEGER NOT NULL REFERENCES posts (id), text TEXT NOT NULL)",
            ],
            Backend::Postgres => [
                "CREATE TABLE users (id BIGSERIAL PRIMARY KEY, name VARCHAR(50) NOT NULL, hair_color VARCHAR(50))",
                "CREATE TABLE posts (id BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id), title VARCHAR(200) NOT NULL, body TEXT NOT NULL)",
                "CREATE TABLE comments (id BIGSERIAL PRIMARY KEY, post_id BIGINT NOT NULL REFERENCES posts (id), text TEXT NOT NULL)",
            ],
            Backend::Mysql => [
                "CREATE TABLE users (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL, hair_color VARCHAR(50)) ENGINE=InnoDB",
                "CREATE TABLE posts (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL, title VARCHAR(200) NOT NULL, body TEXT NOT NULL, FOREIGN KEY (user_id) REFERENCES users (id)) ENGINE=InnoDB",
                "CREATE TABLE comments (id BIGINT AUTO_INCREMENT PRIMARY KEY, post_id BIGINT NOT NULL, text TEXT NOT NULL, FOREIGN KEY (post_id) REFERENCES posts (id)) ENGINE=InnoDB",
            ],
        });
        out
    }
}
