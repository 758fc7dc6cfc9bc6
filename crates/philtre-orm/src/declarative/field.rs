//! Which Rust types a model field may have, the column type each maps to, and which values
//! each may be compared with. The compiler checks these, so a misuse is a compile error
//! whose message (`#[diagnostic::on_unimplemented]`) says what to write instead.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use philtre::{Expr, FromValue, SqlType, Value};
use rust_decimal::Decimal;
use uuid::Uuid;

/// A Rust type that can be the field of a `#[derive(Model)]` struct.
///
/// | field type | column type | | field type | column type |
/// |---|---|---|---|---|
/// | `bool` | `Boolean` | | `String` | `Text`, or `String(n)` with `length = n` |
/// | `i8`, `i16`, `u8` | `SmallInteger` | | `Vec<u8>` | `LargeBinary` |
/// | `i32`, `u16` | `Integer` | | `Decimal` | `Numeric`, or `Numeric(p, s)` with `precision`/`scale` |
/// | `i64`, `u32` | `BigInteger` | | `NaiveDate`, `NaiveTime`, `NaiveDateTime` | `Date`, `Time`, `DateTime` |
/// | `f32`, `f64` | `Float` | | `Uuid`, `serde_json::Value` | `Uuid`, `Json` |
///
/// `Option<T>` of any of these is the same column, nullable. `#[column(sql_type = ...)]`
/// overrides the column type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the type of a #[derive(Model)] field",
    label = "unsupported field type",
    note = "use one of: bool, i8, i16, i32, i64, u8, u16, u32, f32, f64, String, Vec<u8>, Decimal, NaiveDate, NaiveTime, NaiveDateTime, Uuid, serde_json::Value, or Option<T> of these (u64 and usize do not fit every database: use i64)",
    note = "or keep this struct's mapping by hand: impl Mapped for it instead of deriving Model"
)]
pub trait SqlField: Into<Value> + FromValue + Clone + Send + Sync + 'static {
    /// The column type when the attributes say nothing else.
    const SQL_TYPE: SqlType;
    /// Whether the column is nullable when the attributes say nothing else: `Option<T>` is.
    const NULLABLE: bool;
    /// The type without its `Option`: columns compare when their bases agree.
    type Base: SqlField;

    /// Whether `value` is this field's value (`Value::from(self.clone()) == *value`),
    /// found without building a `Value`: flush compares every field of a written object.
    fn eq_value(&self, value: &Value) -> bool;
}

/// [`SqlField::eq_value`] of a base type, by the `Value` variant it converts to.
macro_rules! eq_value {
    ($($field:ty => $variant:ident($v:ident) => $eq:expr;)*) => {$(
        impl EqValue for $field {
            fn eq_value(&self, value: &Value) -> bool {
                #[allow(clippy::float_cmp)]
                match value {
                    Value::$variant($v) => $eq(self),
                    _ => false,
                }
            }
        }
    )*};
}

trait EqValue {
    fn eq_value(&self, value: &Value) -> bool;
}

eq_value! {
    bool => Bool(v) => |f: &bool| f == v;
    i8 => Int(v) => |f: &i8| i64::from(*f) == *v;
    i16 => Int(v) => |f: &i16| i64::from(*f) == *v;
    i32 => Int(v) => |f: &i32| i64::from(*f) == *v;
    i64 => Int(v) => |f: &i64| f == v;
    u8 => Int(v) => |f: &u8| i64::from(*f) == *v;
    u16 => Int(v) => |f: &u16| i64::from(*f) == *v;
    u32 => Int(v) => |f: &u32| i64::from(*f) == *v;
    f32 => Float(v) => |f: &f32| f64::from(*f) == *v;
    f64 => Float(v) => |f: &f64| f == v;
    String => Text(v) => |f: &String| f == v;
    Vec<u8> => Bytes(v) => |f: &Vec<u8>| f == v;
    Decimal => Decimal(v) => |f: &Decimal| f == v;
    NaiveDate => Date(v) => |f: &NaiveDate| f == v;
    NaiveTime => Time(v) => |f: &NaiveTime| f == v;
    NaiveDateTime => DateTime(v) => |f: &NaiveDateTime| f == v;
    Uuid => Uuid(v) => |f: &Uuid| f == v;
    serde_json::Value => Json(v) => |f: &serde_json::Value| f == v;
}

/// Fields that take `length = n`: `String` and `Option<String>`.
#[diagnostic::on_unimplemented(
    message = "`length` applies to String fields, not to `{Self}`",
    label = "not a String field",
    note = "remove `length`, or make the field a String (or Option<String>)"
)]
pub trait StringField: SqlField {}

/// Fields that take `precision` and `scale`: `Decimal` and `Option<Decimal>`.
#[diagnostic::on_unimplemented(
    message = "`precision` and `scale` apply to Decimal fields, not to `{Self}`",
    label = "not a Decimal field",
    note = "remove them, or make the field a rust_decimal::Decimal (or Option<Decimal>)"
)]
pub trait DecimalField: SqlField {}

/// Fields that may autoincrement: the integer types.
#[diagnostic::on_unimplemented(
    message = "`autoincrement` applies to integer fields, not to `{Self}`",
    label = "not an integer field",
    note = "remove `autoincrement` (the database cannot generate this key), or use an integer key such as `id: Option<i64>`"
)]
pub trait IntegerField: SqlField {}

/// Fields that may be `NULL`: `Option<T>`.
#[diagnostic::on_unimplemented(
    message = "a nullable column needs an `Option` field, not `{Self}`",
    label = "cannot hold NULL",
    note = "write the field as `Option<{Self}>` (an Option field is nullable without saying so), or remove `nullable`"
)]
pub trait OptionField: SqlField {}

/// Base types a column can be keyed or indexed on whole: not text, bytes or JSON, which
/// MySQL cannot index without a length.
#[diagnostic::on_unimplemented(
    message = "a primary key, unique or indexed `{Self}` column needs a length",
    label = "MySQL cannot index a TEXT, BLOB or JSON column whole",
    note = "for a String, give it one: #[column(length = 50, unique)] makes it VARCHAR(50) (or set sql_type = String(50)); bytes and JSON cannot be keys or indexed portably"
)]
pub trait KeyBase {}

/// A value that may be stored in a field of type `T`: `&str` for a `String`, any integer
/// for an integer, `T` itself, and `Option` of these for an `Option<T>`. Used for defaults.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value of a `{T}` field",
    label = "expected a value of type `{T}`",
    note = "use a value of the field's type (a String field takes &str or String, an integer field any integer)"
)]
pub trait IntoField<T> {
    fn into_value(self) -> Value;
}

/// What a column of field type `T` may be compared with: a value that [`IntoField<T>`]
/// accepts, another column whose field has the same base type, or any [`Expr`].
///
/// So `User::name.eq("admin")` compiles and `User::name.eq(5)` does not.
#[diagnostic::on_unimplemented(
    message = "a `{T}` column cannot be compared with `{Self}`",
    label = "expected a value of type `{T}`, a column of that type, or an Expr",
    note = "compare with a value of the field's type: &str or String for a String field, any integer for an integer field"
)]
pub trait Operand<T> {
    fn into_expr(self) -> Expr;
}

impl<T> Operand<T> for Expr {
    fn into_expr(self) -> Expr {
        self
    }
}

/// Implements the field traits for a base type and its `Option`, and the values each takes.
macro_rules! field_types {
    ($($field:ty => $sql:expr, [$($value:ty),*] $(, $marker:ident)*;)*) => {$(
        impl SqlField for $field {
            const SQL_TYPE: SqlType = $sql;
            const NULLABLE: bool = false;
            type Base = $field;
            fn eq_value(&self, value: &Value) -> bool {
                EqValue::eq_value(self, value)
            }
        }
        impl SqlField for Option<$field> {
            const SQL_TYPE: SqlType = $sql;
            const NULLABLE: bool = true;
            type Base = $field;
            fn eq_value(&self, value: &Value) -> bool {
                match self {
                    Some(field) => EqValue::eq_value(field, value),
                    None => value.is_null(),
                }
            }
        }
        impl OptionField for Option<$field> {}
        $(
            impl $marker for $field {}
            impl $marker for Option<$field> {}
        )*
        $(
            impl IntoField<$field> for $value {
                fn into_value(self) -> Value { Value::from(self) }
            }
            impl IntoField<Option<$field>> for $value {
                fn into_value(self) -> Value { Value::from(self) }
            }
            impl IntoField<Option<$field>> for Option<$value> {
                fn into_value(self) -> Value { self.map_or(Value::Null, Value::from) }
            }
            impl Operand<$field> for $value {
                fn into_expr(self) -> Expr { Expr::Bind(Value::from(self)) }
            }
            impl Operand<Option<$field>> for $value {
                fn into_expr(self) -> Expr { Expr::Bind(Value::from(self)) }
            }
            impl Operand<Option<$field>> for Option<$value> {
                fn into_expr(self) -> Expr { Expr::Bind(self.map_or(Value::Null, Value::from)) }
            }
        )*
    )*};
}

// Any integer compares with and fills any integer field: the database checks the range
// (an error, never a silent wrap), and integer literals need no suffix.
field_types! {
    bool => SqlType::Boolean, [bool], KeyBase;
    i8 => SqlType::SmallInteger, [i8, i16, i32, i64, u8, u16, u32], KeyBase, IntegerField;
    i16 => SqlType::SmallInteger, [i8, i16, i32, i64, u8, u16, u32], KeyBase, IntegerField;
    i32 => SqlType::Integer, [i8, i16, i32, i64, u8, u16, u32], KeyBase, IntegerField;
    i64 => SqlType::BigInteger, [i8, i16, i32, i64, u8, u16, u32], KeyBase, IntegerField;
    u8 => SqlType::SmallInteger, [i8, i16, i32, i64, u8, u16, u32], KeyBase, IntegerField;
    u16 => SqlType::Integer, [i8, i16, i32, i64, u8, u16, u32], KeyBase, IntegerField;
    u32 => SqlType::BigInteger, [i8, i16, i32, i64, u8, u16, u32], KeyBase, IntegerField;
    f32 => SqlType::Float, [f32, i8, i16, i32, u8, u16], KeyBase;
    f64 => SqlType::Float, [f64, f32, i8, i16, i32, u8, u16, u32], KeyBase;
    String => SqlType::Text, [String, &str, &String], StringField;
    Vec<u8> => SqlType::LargeBinary, [Vec<u8>, &[u8]];
    Decimal => SqlType::Numeric(None), [Decimal, i8, i16, i32, i64, u8, u16, u32], KeyBase, DecimalField;
    NaiveDate => SqlType::Date, [NaiveDate], KeyBase;
    NaiveTime => SqlType::Time, [NaiveTime], KeyBase;
    NaiveDateTime => SqlType::DateTime, [NaiveDateTime], KeyBase;
    Uuid => SqlType::Uuid, [Uuid], KeyBase;
    serde_json::Value => SqlType::Json, [serde_json::Value];
}
