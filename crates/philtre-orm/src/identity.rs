//! Identity keys: (mapped type, primary-key values), hashable although [`Value`] is not.

use std::any::TypeId;
use std::fmt;
use std::hash::{Hash, Hasher};

use philtre::Value;

/// The identity of a persistent object within a session.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub(crate) ty: TypeId,
    pub(crate) values: KeyValues,
}

/// A primary key's values, read as a slice. A single-column key (the usual case) is one
/// value, with no allocation: a load of 10,000 objects clones, hashes, compares and drops
/// 10,000 of them, and a one-value enum does each without a loop or a spilled-buffer check.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum KeyValues {
    One(Value),
    Many(Vec<Value>),
}

impl std::ops::Deref for KeyValues {
    type Target = [Value];
    fn deref(&self) -> &[Value] {
        match self {
            KeyValues::One(v) => std::slice::from_ref(v),
            KeyValues::Many(vs) => vs,
        }
    }
}

impl From<Vec<Value>> for KeyValues {
    fn from(mut values: Vec<Value>) -> Self {
        match values.pop() {
            Some(last) if values.is_empty() => KeyValues::One(last),
            Some(last) => {
                values.push(last);
                KeyValues::Many(values)
            }
            None => KeyValues::Many(values),
        }
    }
}

impl FromIterator<Value> for KeyValues {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Self {
        KeyValues::from(iter.into_iter().collect::<Vec<_>>())
    }
}

/// The kinds (variants) of a key's values.
pub(crate) type KeyKinds = smallvec::SmallVec<[std::mem::Discriminant<Value>; 1]>;

impl Key {
    pub(crate) fn new(ty: TypeId, values: impl Into<KeyValues>) -> Self {
        Key {
            ty,
            values: values.into(),
        }
    }

    /// A key with a `NULL` part identifies nothing (a pending object before its insert).
    pub(crate) fn is_complete(&self) -> bool {
        !self.values.iter().any(Value::is_null)
    }
}

impl KeyValues {
    /// Whether its values are of these kinds, in order.
    pub(crate) fn has_kinds(&self, kinds: &KeyKinds) -> bool {
        self.len() == kinds.len()
            && self
                .iter()
                .zip(kinds)
                .all(|(v, k)| std::mem::discriminant(v) == *k)
    }

    pub(crate) fn kinds(&self) -> KeyKinds {
        self.iter().map(std::mem::discriminant).collect()
    }
}

// Keys never hold NaN (a float primary key of NaN matches no row), so equality is total.
impl Eq for Key {}
impl Eq for KeyValues {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.ty.hash(state);
        self.values.hash(state);
    }
}

impl Hash for KeyValues {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for v in self.iter() {
            hash_value(v, state);
        }
    }
}

/// Hashes consistently with `Value`'s `PartialEq` (derived: equal values are of the same
/// variant): equal values hash alike.
fn hash_value<H: Hasher>(v: &Value, state: &mut H) {
    std::mem::discriminant(v).hash(state);
    match v {
        Value::Null => {}
        Value::Bool(b) => b.hash(state),
        Value::Int(i) => i.hash(state),
        Value::Float(f) => f.to_bits().hash(state),
        Value::Text(s) => s.hash(state),
        Value::Bytes(b) => b.hash(state),
        Value::Decimal(d) => d.hash(state),
        Value::Date(d) => d.hash(state),
        Value::Time(t) => t.hash(state),
        Value::DateTime(t) => t.hash(state),
        Value::Uuid(u) => u.hash(state),
        // JSON keys are rare; the kind alone keeps Hash consistent with Eq.
        _ => {}
    }
}

/// Prints the values as a tuple: `(1,)`, `(1, 'a')`.
pub(crate) struct KeyDisplay<'a>(pub(crate) &'a [Value]);

impl fmt::Display for KeyDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{v:?}")?;
        }
        if self.0.len() == 1 {
            f.write_str(",")?;
        }
        f.write_str(")")
    }
}

/// A primary key given to `get`: one value, or a tuple for a composite key.
pub trait IntoKey {
    fn into_key(self) -> Vec<Value>;
}

macro_rules! single_key {
    ($($t:ty),*) => {$(
        impl IntoKey for $t {
            fn into_key(self) -> Vec<Value> { vec![Value::from(self)] }
        }
    )*};
}
single_key!(i8, i16, i32, i64, u8, u16, u32, &str, String, &String, Value);

impl IntoKey for Vec<Value> {
    fn into_key(self) -> Vec<Value> {
        self
    }
}

impl IntoKey for &[Value] {
    fn into_key(self) -> Vec<Value> {
        self.to_vec()
    }
}

macro_rules! tuple_key {
    ($($t:ident),+) => {
        impl<$($t: Into<Value>),+> IntoKey for ($($t,)+) {
            #[allow(non_snake_case)]
            fn into_key(self) -> Vec<Value> {
                let ($($t,)+) = self;
                vec![$($t.into()),+]
            }
        }
    };
}
tuple_key!(A, B);
tuple_key!(A, B, C);
tuple_key!(A, B, C, D);
