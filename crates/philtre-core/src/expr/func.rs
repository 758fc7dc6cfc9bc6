//! SQL functions: `func::count_star()`, `func::max(users.c("id"))`, `func::call("name", args)`.

use super::Expr;

/// Any SQL function by name. The name is written as given (it is code, not data).
pub fn call(name: &str, args: impl IntoIterator<Item = Expr>) -> Expr {
    Expr::Function {
        name: name.to_owned(),
        args: args.into_iter().collect(),
        distinct: false,
    }
}

/// `count(*)`.
pub fn count_star() -> Expr {
    call("count", [Expr::Star])
}

/// `count(e)`.
pub fn count(e: Expr) -> Expr {
    call("count", [e])
}

/// `count(DISTINCT e)`.
pub fn count_distinct(e: Expr) -> Expr {
    Expr::Function {
        name: "count".into(),
        args: vec![e],
        distinct: true,
    }
}

macro_rules! unary_fns {
    ($($name:ident),*) => {$(
        #[doc = concat!("`", stringify!($name), "(e)`.")]
        pub fn $name(e: Expr) -> Expr { call(stringify!($name), [e]) }
    )*};
}
unary_fns!(max, min, sum, avg, lower, upper, length, abs);

/// `coalesce(a, b, ...)`.
pub fn coalesce(items: impl IntoIterator<Item = Expr>) -> Expr {
    call("coalesce", items)
}
