//! SQL functions: `func::count_star()`, `func::max(users.c("id"))`, `func::call("name", args)`.

use std::borrow::Cow;

use super::Expr;

/// Any SQL function by name. The name is written as given (it is code, not data).
pub fn call(name: &str, args: impl IntoIterator<Item = Expr>) -> Expr {
    function(Cow::Owned(name.to_owned()), args)
}

/// A function philtre names: its name is borrowed, not allocated in every statement.
fn builtin(name: &'static str, args: impl IntoIterator<Item = Expr>) -> Expr {
    function(Cow::Borrowed(name), args)
}

fn function(name: Cow<'static, str>, args: impl IntoIterator<Item = Expr>) -> Expr {
    Expr::Function {
        name,
        args: args.into_iter().collect(),
        distinct: false,
    }
}

/// `count(*)`.
pub fn count_star() -> Expr {
    builtin("count", [Expr::Star])
}

/// `count(e)`.
pub fn count(e: Expr) -> Expr {
    builtin("count", [e])
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
        pub fn $name(e: Expr) -> Expr { builtin(stringify!($name), [e]) }
    )*};
}
unary_fns!(max, min, sum, avg, lower, upper, length, abs);

/// `coalesce(a, b, ...)`.
pub fn coalesce(items: impl IntoIterator<Item = Expr>) -> Expr {
    builtin("coalesce", items)
}
