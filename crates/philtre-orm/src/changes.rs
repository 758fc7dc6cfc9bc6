//! [`Changes`]: the columns of an object that differ from its snapshot, with their new
//! values, which is what an UPDATE writes.

use philtre::Value;
use smallvec::SmallVec;

use crate::declarative::SqlField;

/// Column positions, on the stack for tables of up to 8 columns: a flush of many objects
/// makes one list per object.
pub(crate) type Columns = SmallVec<[usize; 8]>;

/// The columns of an object whose values differ from a snapshot (positions in
/// [`Mapped::COLUMNS`](crate::Mapped::COLUMNS)), each with the object's value for it, in
/// increasing column order. [`Mapped::changes`](crate::Mapped::changes) returns it.
///
/// ```
/// use philtre_orm::{Changes, Value};
///
/// let snapshot = [Value::Int(1), Value::from("admin"), Value::Null];
/// let now = vec![Value::Int(1), Value::from("root"), Value::Null];
/// let changes = Changes::between(now, &snapshot);
/// assert_eq!(changes.columns(), &[1]);
/// assert_eq!(changes.values(), &[Value::from("root")]);
/// ```
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Changes {
    columns: Columns,
    values: Vec<Value>,
}

impl Changes {
    /// No changes, with room for `n` changed values.
    pub fn with_capacity(n: usize) -> Self {
        Changes {
            columns: Columns::new(),
            values: Vec::with_capacity(n),
        }
    }

    /// The columns of `values` (a whole row, in column order) that differ from
    /// `snapshot`; a column past the snapshot's end counts as changed. The changed values
    /// move out of `values`, and its buffer is kept.
    pub fn between(values: Vec<Value>, snapshot: &[Value]) -> Self {
        let mut columns = Columns::new();
        let mut values = values;
        let mut i = 0;
        values.retain(|v| {
            let changed = snapshot.get(i) != Some(v);
            if changed {
                columns.push(i);
            }
            i += 1;
            changed
        });
        Changes { columns, values }
    }

    /// Records column `column` as changed to `value`. Columns must come in increasing order.
    pub fn push(&mut self, column: usize, value: Value) {
        debug_assert!(self.columns.last().is_none_or(|&last| last < column));
        self.columns.push(column);
        self.values.push(value);
    }

    /// Compares one field with the snapshot's value of its column (a column past the
    /// snapshot's end counts as changed) and records it if it differs, copying only then.
    /// Columns must come in increasing order. [`field_changes!`](crate::field_changes)
    /// calls it for each field.
    pub fn compare<T: SqlField>(&mut self, column: usize, field: &T, snapshot: &[Value]) {
        if !snapshot.get(column).is_some_and(|old| field.eq_value(old)) {
            self.push(column, field.clone().into());
        }
    }

    /// The changed columns' positions, in increasing order.
    pub fn columns(&self) -> &[usize] {
        &self.columns
    }

    /// The new values, one per [`columns`](Self::columns) entry.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    pub(crate) fn into_parts(self) -> (Columns, Vec<Value>) {
        (self.columns, self.values)
    }
}

/// The body of a field-by-field [`Mapped::changes`](crate::Mapped::changes), one field
/// per column in [`COLUMNS`](crate::Mapped::COLUMNS) order:
/// `Ok(field_changes!(snapshot; self.id, self.name, self.email))`. Only changed fields are
/// copied. The fields must be of the types `#[derive(Model)]` accepts
/// ([`SqlField`](crate::declarative::SqlField)).
#[macro_export]
macro_rules! field_changes {
    ($snapshot:expr; $($field:expr),* $(,)?) => {{
        let snapshot: &[$crate::Value] = $snapshot;
        let mut changes = $crate::Changes::default();
        let mut columns = 0usize..;
        $(changes.compare(columns.next().unwrap_or_default(), &$field, snapshot);)*
        changes
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_snapshot_counts_the_rest_as_changed() {
        let changes = Changes::between(vec![Value::Int(1), Value::from("a")], &[]);
        assert_eq!(changes.columns(), &[0, 1]);
        assert_eq!(changes.values(), &[Value::Int(1), Value::from("a")]);
    }

    #[test]
    fn equal_rows_have_no_changes() {
        let row = vec![Value::Int(1), Value::Null];
        let changes = Changes::between(row.clone(), &row);
        assert!(changes.is_empty());
        assert!(changes.values().is_empty());
    }
}
