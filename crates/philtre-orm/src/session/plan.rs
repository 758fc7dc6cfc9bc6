//! What a flush will do, worked out before any statement runs: inserts, updates and
//! deletes, ordered by the tables' foreign keys.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use philtre::{OrmError, Result, Table, Value};

use super::Session;
use crate::changes::Changes;
pub(crate) use crate::changes::Columns;
use crate::identity::{Key, KeyDisplay};
use crate::mapping::Mapping;
use crate::object::{AnyObj, ObjectState};

/// One object's part in a flush.
pub(crate) struct Step {
    pub(crate) obj: Arc<dyn AnyObj>,
    pub(crate) mapping: Arc<Mapping>,
    /// For an insert or delete: every column's value (`to_values`, or the snapshot). For
    /// an update: the values of the `changed` columns, in that order.
    pub(crate) values: Vec<Value>,
    /// The positions of the columns the statement writes: for an update, those that
    /// changed; for an insert, those it names (see `insert_columns`).
    pub(crate) changed: Columns,
    /// For an insert: whether a column is left to its default (the row is read back).
    pub(crate) defaulted: bool,
    /// For an update or delete: the identity in the database now.
    pub(crate) key: Option<Key>,
    /// The object's write count when `values` were read: if it is the same once they are
    /// written, the object is in step with the database.
    pub(crate) writes: u64,
}

#[derive(Default)]
pub(crate) struct Plan {
    pub(crate) inserts: Vec<Step>,
    pub(crate) updates: Vec<Step>,
    pub(crate) deletes: Vec<Step>,
}

impl Plan {
    pub(crate) fn is_empty(&self) -> bool {
        self.inserts.is_empty() && self.updates.is_empty() && self.deletes.is_empty()
    }
}

impl Session {
    /// Whether a plan would surely be empty: nothing pending or marked for deletion, and
    /// no object that can have been written (none at all, or none written since a visit
    /// found none). A query's autoflush then costs no plan.
    pub(crate) fn nothing_to_flush(&self) -> bool {
        self.pending.is_empty()
            && self.deletions.is_empty()
            && (self.objects.is_empty() || self.clean_since == Some(crate::object::first_writes()))
    }

    /// Decides the statements; touches no database. Pending objects and deletions are
    /// listed; written objects are found by visiting every object, unless none can have
    /// been written since a visit found none (`clean_since`), as after a load of many
    /// objects that are only read, where each autoflush would otherwise visit them all.
    pub(crate) fn plan(&mut self) -> Result<Plan> {
        let mut plan = Plan::default();
        let mut new_keys = HashSet::new();
        let mut mappings = Mappings::default();
        plan.inserts.reserve(self.pending.len());
        for &id in &self.pending {
            let Some(obj) = self.objects.loose(id) else {
                continue;
            };
            let mapping = mappings.of(obj)?;
            let writes = obj.writes();
            let values = checked_len(&mapping, obj.values()?)?;
            let key = Key::new(mapping.type_id, mapping.key_values(&values));
            if key.is_complete() && (self.objects.has_key(&key) || !new_keys.insert(key.clone())) {
                return Err(OrmError::IdentityConflict {
                    type_name: obj.type_name(),
                    key: KeyDisplay(&key.values).to_string(),
                }
                .into());
            }
            let (changed, defaulted) = insert_columns(&mapping, &values);
            plan.inserts.push(Step {
                obj: obj.clone(),
                mapping,
                values,
                changed,
                defaulted,
                key: None,
                writes,
            });
        }

        // Only objects written to (or marked for deletion) can need a statement. Read the
        // count before the visit: a write during it moves the count for the next plan.
        let first_writes = crate::object::first_writes();
        // With their ids, read once: the sort compares them many times.
        let with_id = |o: &Arc<dyn AnyObj>| (o.id(), o.clone());
        let mut objs: Vec<(u64, Arc<dyn AnyObj>)> = if self.clean_since == Some(first_writes) {
            self.deletions.iter().map(with_id).collect()
        } else {
            let deletions: HashSet<u64> = self.deletions.iter().map(|o| o.id()).collect();
            let mut written = false;
            let objs = self
                .objects
                .iter()
                .filter(|obj| {
                    let touched = obj.touched();
                    written |= touched;
                    touched || deletions.contains(&obj.id())
                })
                .map(with_id)
                .collect();
            self.clean_since = (!written).then_some(first_writes);
            objs
        };
        objs.sort_unstable_by_key(|(id, _)| *id);
        plan.updates.reserve(objs.len());
        for (_, obj) in &objs {
            let (marked, key) = {
                let meta = obj.meta().lock();
                if meta.state != Some(ObjectState::Persistent) {
                    continue;
                }
                (meta.marked_deleted, meta.key.clone())
            };
            let mapping = mappings.of(obj)?;
            if marked {
                let values = obj.meta().lock().snapshot.clone().unwrap_or_default();
                plan.deletes.push(Step {
                    obj: obj.clone(),
                    mapping,
                    values,
                    changed: Columns::new(),
                    defaulted: false,
                    key,
                    writes: 0,
                });
                continue;
            }
            // Read before the values: a write() after it shows as a higher count.
            let writes = obj.writes();
            // Compared in place: while the object is written, only a flush replaces its
            // snapshot.
            let changes = obj.changes(obj.meta().lock().snapshot.as_deref())?;
            let (changed, values) = checked_columns(&mapping, changes)?;
            if changed.is_empty() {
                // Written back to what the database has: in step, unless written since.
                obj.settle(writes);
            } else {
                // Stays written (compared again next time) until the UPDATE succeeds.
                plan.updates.push(Step {
                    obj: obj.clone(),
                    mapping,
                    values,
                    changed,
                    defaulted: false,
                    key,
                    writes,
                });
            }
        }
        // Deletes in the order they were asked for.
        let order: HashMap<u64, usize> = self
            .deletions
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id(), i))
            .collect();
        plan.deletes
            .sort_by_cached_key(|s| order.get(&s.obj.id()).copied().unwrap_or(usize::MAX));

        // Parents before children for inserts and updates; children first for deletes.
        let mut tables: Vec<Table> = Vec::new();
        for step in plan
            .inserts
            .iter()
            .chain(&plan.updates)
            .chain(&plan.deletes)
        {
            if !tables.iter().any(|t| t.name() == step.mapping.table.name()) {
                tables.push(step.mapping.table.clone());
            }
        }
        if tables.len() > 1 {
            let rank = dependency_rank(&tables);
            // Each step's rank is looked up once, not at every comparison.
            let rank_of = |s: &Step| rank.get(s.mapping.table.name()).copied().unwrap_or(0);
            plan.inserts.sort_by_cached_key(rank_of);
            plan.updates.sort_by_cached_key(rank_of);
            plan.deletes
                .sort_by_cached_key(|s| std::cmp::Reverse(rank_of(s)));
        }
        Ok(plan)
    }
}

/// Each table's position in an order where referenced tables come first.
fn dependency_rank(tables: &[Table]) -> HashMap<String, usize> {
    philtre::sort_by_dependency(tables)
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name().to_owned(), i))
        .collect()
}

/// The mappings of the types a plan meets, looked up in the registry once per type.
#[derive(Default)]
struct Mappings(Vec<Arc<Mapping>>);

impl Mappings {
    fn of(&mut self, obj: &Arc<dyn AnyObj>) -> Result<Arc<Mapping>> {
        let ty = obj.mapped_type();
        if let Some(m) = self.0.iter().find(|m| m.type_id == ty) {
            return Ok(m.clone());
        }
        let m = obj.mapping()?;
        self.0.push(m.clone());
        Ok(m)
    }
}

/// `changes` must name mapped columns, each once, with a value for each.
fn checked_columns(mapping: &Mapping, changes: Changes) -> Result<(Columns, Vec<Value>)> {
    let (columns, values) = changes.into_parts();
    let n = mapping.columns.len();
    if columns.len() == values.len()
        && columns.windows(2).all(|w| w[0] < w[1])
        && columns.last().is_none_or(|&c| c < n)
    {
        return Ok((columns, values));
    }
    Err(OrmError::InvalidMapping {
        type_name: mapping.type_name,
        table: mapping.table.name().to_owned(),
        reason: format!(
            "changes named columns {columns:?} with {} values, for {n} columns",
            values.len()
        ),
    }
    .into())
}

/// `to_values` must give one value per mapped column.
fn checked_len(mapping: &Mapping, values: Vec<Value>) -> Result<Vec<Value>> {
    if values.len() == mapping.columns.len() {
        return Ok(values);
    }
    Err(OrmError::InvalidMapping {
        type_name: mapping.type_name,
        table: mapping.table.name().to_owned(),
        reason: format!(
            "to_values gave {} values for {} columns",
            values.len(),
            mapping.columns.len()
        ),
    }
    .into())
}

/// The type of a mapped object (for identity keys built from a mapping).
pub(crate) fn key_for(mapping: &Mapping, values: &[Value]) -> Key {
    Key::new(mapping.type_id, mapping.key_values(values))
}

/// The positions of the columns an INSERT of these values names: a `NULL` key, or a `NULL`
/// for a column with a default, is left out so that the database (or the default) fills
/// it. Also whether a default is used (the row is read back then). Worked out once per
/// object when the flush is planned: grouping compares it between neighbours.
fn insert_columns(m: &Mapping, values: &[Value]) -> (Columns, bool) {
    let mut cols = Columns::new();
    let mut defaulted = false;
    for (i, value) in values.iter().enumerate() {
        if value.is_null() {
            let is_pk = m.pk.contains(&i);
            let has_default = m
                .table_column(i)
                .is_some_and(|c| c.default.is_some() || c.server_default.is_some());
            if is_pk || has_default {
                defaulted |= !is_pk;
                continue;
            }
        }
        cols.push(i);
    }
    (cols, defaulted)
}
