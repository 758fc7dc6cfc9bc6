//! [`IdentityMap`]: one mapped type's objects by primary-key values, with integer keys
//! (the usual primary key) apart.
//!
//! A key of one integer is stored as the bare `i64`: 24 bytes an entry instead of 48, and
//! a hash of one multiplication instead of a walk of the key's values through the hasher.
//! Every other key (text, uuid, composite) lives in the general map.
//!
//! Integer keys that arrive in ascending order, as a load ordered by its key (or read in
//! key order) gives them, are not hashed at all: they are appended to a sorted list and
//! found by binary search. A load of 10,000 rows otherwise hashes, probes and (rows
//! arrive one by one, their count not known ahead) rehashes its keys tens of thousands of
//! times; appending costs a fraction of that. A key that comes out of order goes to the
//! hash map, so the list stays sorted whatever the order of the rows.

use std::collections::hash_map::{self, HashMap};
use std::sync::Arc;

use philtre::Value;
use rustc_hash::FxBuildHasher;

use crate::identity::KeyValues;
use crate::object::AnyObj;

type Held = Arc<dyn AnyObj>;

#[derive(Default)]
pub(crate) struct IdentityMap {
    /// Integer keys in strictly ascending order, each with its object, or `None` once the
    /// object was removed (removing leaves the list sorted without moving its tail, until
    /// gaps are most of it).
    ascending: Vec<(i64, Option<Held>)>,
    /// How many entries of `ascending` are removed ones.
    removed: usize,
    /// Integer keys not in `ascending` (no key is live in both).
    ints: HashMap<i64, Held, FxBuildHasher>,
    other: HashMap<KeyValues, Held, FxBuildHasher>,
}

/// A key's place in the map: the object there, or the room for one.
pub(crate) enum Slot<'m> {
    Held(&'m Held),
    Vacant(Vacant<'m>),
}

pub(crate) enum Vacant<'m> {
    /// After every key of the ascending list.
    Append(&'m mut Vec<(i64, Option<Held>)>, i64),
    Int(hash_map::VacantEntry<'m, i64, Held>),
    Other(hash_map::VacantEntry<'m, KeyValues, Held>),
}

impl Vacant<'_> {
    pub(crate) fn insert(self, obj: Held) {
        match self {
            Vacant::Append(list, n) => list.push((n, Some(obj))),
            Vacant::Int(slot) => {
                slot.insert(obj);
            }
            Vacant::Other(slot) => {
                slot.insert(obj);
            }
        }
    }
}

/// A key as the map files it: an integer key bare, so that making one from a key's values
/// copies no value and leaves none to drop (a load of 10,000 rows makes 10,000).
pub(crate) enum MapKey {
    Int(i64),
    Other(KeyValues),
}

impl MapKey {
    pub(crate) fn of(key: &KeyValues) -> Self {
        match int_key(key) {
            Some(n) => MapKey::Int(n),
            None => MapKey::Other(key.clone()),
        }
    }
}

/// The key as a bare integer, when it is one.
fn int_key(key: &KeyValues) -> Option<i64> {
    match key {
        KeyValues::One(Value::Int(n)) => Some(*n),
        _ => None,
    }
}

impl IdentityMap {
    pub(crate) fn len(&self) -> usize {
        self.ascending.len() - self.removed + self.ints.len() + self.other.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn get(&self, key: &KeyValues) -> Option<&Held> {
        match int_key(key) {
            Some(n) => self.in_ascending(n).or_else(|| self.ints.get(&n)),
            None => self.other.get(key),
        }
    }

    /// Where `n` is in `ascending` (live or a gap).
    fn listed(&self, n: i64) -> Option<usize> {
        self.ascending.binary_search_by_key(&n, |e| e.0).ok()
    }

    /// The live object of `ascending` under `n`.
    fn in_ascending(&self, n: i64) -> Option<&Held> {
        self.ascending[self.listed(n)?].1.as_ref()
    }

    /// Finds the object with this key or the room for a new one: for an integer key above
    /// every listed one (the next row of an ordered load), with no hashing.
    pub(crate) fn slot(&mut self, key: MapKey) -> Slot<'_> {
        match key {
            MapKey::Int(n) => {
                let above = self.ascending.last().is_none_or(|e| e.0 < n);
                if above && (self.ints.is_empty() || !self.ints.contains_key(&n)) {
                    return Slot::Vacant(Vacant::Append(&mut self.ascending, n));
                }
                if let Some(at) = self.listed(n) {
                    if let Some(held) = &self.ascending[at].1 {
                        return Slot::Held(held);
                    }
                }
                match self.ints.entry(n) {
                    hash_map::Entry::Occupied(held) => Slot::Held(held.into_mut()),
                    hash_map::Entry::Vacant(slot) => Slot::Vacant(Vacant::Int(slot)),
                }
            }
            MapKey::Other(key) => match self.other.entry(key) {
                hash_map::Entry::Occupied(held) => Slot::Held(held.into_mut()),
                hash_map::Entry::Vacant(slot) => Slot::Vacant(Vacant::Other(slot)),
            },
        }
    }

    /// Files `obj` under `key`; the object it displaced, if any.
    pub(crate) fn insert(&mut self, key: KeyValues, obj: Held) -> Option<Held> {
        match int_key(&key) {
            Some(n) => match self.ascending_live_mut(n) {
                Some(held) => Some(std::mem::replace(held, obj)),
                None => self.ints.insert(n, obj),
            },
            None => self.other.insert(key, obj),
        }
    }

    fn ascending_live_mut(&mut self, n: i64) -> Option<&mut Held> {
        let at = self.listed(n)?;
        self.ascending[at].1.as_mut()
    }

    pub(crate) fn remove(&mut self, key: &KeyValues) -> Option<Held> {
        let Some(n) = int_key(key) else {
            return self.other.remove(key);
        };
        let Some(at) = self.listed(n) else {
            return self.ints.remove(&n);
        };
        let Some(held) = self.ascending[at].1.take() else {
            return self.ints.remove(&n);
        };
        self.removed += 1;
        // Once gaps are most of the list, it is compacted (order kept): a session that
        // deletes or expunges much of what it loaded does not keep carrying the gaps, and
        // each removal costs O(1) amortized.
        if self.removed * 2 > self.ascending.len() {
            self.ascending.retain(|e| e.1.is_some());
            self.removed = 0;
        }
        Some(held)
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &Held> {
        self.ascending
            .iter()
            .filter_map(|e| e.1.as_ref())
            .chain(self.ints.values())
            .chain(self.other.values())
    }

    pub(crate) fn into_values(self) -> impl Iterator<Item = Held> {
        self.ascending
            .into_iter()
            .filter_map(|e| e.1)
            .chain(self.ints.into_values())
            .chain(self.other.into_values())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::Mapped;
    use crate::object::Obj;
    use philtre::{Result, Row};

    struct Thing;

    impl Mapped for Thing {
        const COLUMNS: &'static [&'static str] = &["id"];
        fn from_row(_: &Row) -> Result<Self> {
            Ok(Thing)
        }
        fn to_values(&self) -> Vec<Value> {
            vec![Value::Int(1)]
        }
    }

    fn object() -> Held {
        Obj::transient(Thing).cell
    }

    fn one(v: impl Into<Value>) -> KeyValues {
        KeyValues::One(v.into())
    }

    #[test]
    fn every_kind_of_key_is_found_where_it_was_filed() {
        let mut map = IdentityMap::default();
        let keys = [
            one(1_i64),
            one("1"),
            KeyValues::Many(vec![Value::Int(1), Value::Int(2)]),
            one(Value::Null),
        ];
        let objects: Vec<Held> = keys.iter().map(|_| object()).collect();
        for (key, obj) in keys.iter().zip(&objects) {
            assert!(map.insert(key.clone(), obj.clone()).is_none());
        }
        assert_eq!(map.len(), 4);
        for (key, obj) in keys.iter().zip(&objects) {
            // The integer 1 and the text '1' are different identities.
            assert_eq!(map.get(key).map(|o| o.id()), Some(obj.id()));
            match map.slot(MapKey::of(key)) {
                Slot::Held(held) => assert_eq!(held.id(), obj.id()),
                Slot::Vacant(_) => panic!("{key:?} was filed, its slot is vacant"),
            }
        }
        assert_eq!(
            map.remove(&one(1_i64)).map(|o| o.id()),
            Some(objects[0].id())
        );
        assert!(map.get(&one(1_i64)).is_none());
        assert!(map.get(&one("1")).is_some());
        assert_eq!(map.values().count(), 3);
    }

    #[test]
    fn a_vacant_slot_takes_the_object() {
        let mut map = IdentityMap::default();
        for key in [one(7_i64), one("seven")] {
            let Slot::Vacant(slot) = map.slot(MapKey::of(&key)) else {
                panic!("an empty map held {key:?}");
            };
            slot.insert(object());
            assert!(matches!(map.slot(MapKey::of(&key)), Slot::Held(_)));
        }
        // Each kind of key went to its own place: the first integer to the list.
        assert_eq!(
            (map.ascending.len(), map.ints.len(), map.other.len()),
            (1, 0, 1)
        );
        assert_eq!(map.into_values().count(), 2);
    }

    /// Files `n` through `slot`, as a load does; whether it was vacant.
    fn load(map: &mut IdentityMap, n: i64, obj: &Held) -> bool {
        match map.slot(MapKey::Int(n)) {
            Slot::Vacant(slot) => {
                slot.insert(obj.clone());
                true
            }
            Slot::Held(_) => false,
        }
    }

    #[test]
    fn integer_keys_in_order_are_listed_and_the_others_hashed_each_found_once() {
        let mut map = IdentityMap::default();
        let objects: Vec<Held> = (0..8).map(|_| object()).collect();
        // Ascending, then a step back (5), a repeat (3), a jump ahead (9), and back (0).
        let keys = [1, 3, 4, 6, 5, 9, 0, 7];
        for (n, obj) in keys.iter().zip(&objects) {
            assert!(load(&mut map, *n, obj), "{n} was vacant");
        }
        assert!(!load(&mut map, 3, &object()), "3 is held");
        assert!(!load(&mut map, 5, &object()), "5 is held");
        let listed: Vec<i64> = map.ascending.iter().map(|e| e.0).collect();
        assert_eq!(listed, [1, 3, 4, 6, 9]);
        let mut hashed: Vec<i64> = map.ints.keys().copied().collect();
        hashed.sort_unstable();
        assert_eq!(hashed, [0, 5, 7]);
        assert_eq!(map.len(), 8);
        for (n, obj) in keys.iter().zip(&objects) {
            let held = map.get(&one(*n)).map(|o| o.id());
            assert_eq!(held, Some(obj.id()), "{n}");
        }

        // Removing from the list leaves a gap that a later insert of the key fills
        // through the hash map, and that a load then finds there.
        assert_eq!(
            map.remove(&one(4_i64)).map(|o| o.id()),
            Some(objects[2].id())
        );
        assert!(map.get(&one(4_i64)).is_none());
        assert!(map.remove(&one(4_i64)).is_none());
        assert_eq!(map.len(), 7);
        let again = object();
        assert!(map.insert(one(4_i64), again.clone()).is_none());
        assert!(!load(&mut map, 4, &object()), "4 is held again");
        assert_eq!(map.get(&one(4_i64)).map(|o| o.id()), Some(again.id()));
        // Filing over a listed key replaces its object in place.
        let other = object();
        let old = map.insert(one(6_i64), other.clone()).map(|o| o.id());
        assert_eq!(old, Some(objects[3].id()));
        assert_eq!(map.get(&one(6_i64)).map(|o| o.id()), Some(other.id()));
        assert_eq!(map.len(), 8);
        assert_eq!(map.values().count(), 8);

        // Once gaps are most of the list, it is compacted, in order; emptied, it starts
        // afresh.
        for n in [0, 1, 3, 5] {
            assert!(map.remove(&one(n)).is_some(), "{n}");
        }
        let listed: Vec<(i64, bool)> = map.ascending.iter().map(|e| (e.0, e.1.is_some())).collect();
        assert_eq!(listed, [(6, true), (9, true)], "1, 3 and the gap at 4 went");
        assert_eq!(map.removed, 0);
        assert_eq!(map.len(), 4);
        assert_eq!(map.get(&one(9_i64)).map(|o| o.id()), Some(objects[5].id()));
        for n in [4, 6, 7, 9] {
            assert!(map.remove(&one(n)).is_some(), "{n}");
        }
        assert!(map.is_empty());
        assert!(map.ascending.is_empty());
        assert!(load(&mut map, 2, &object()));
        assert_eq!(map.ascending.len(), 1);
    }

    #[test]
    fn a_list_mostly_removed_keeps_no_more_gaps_than_live_keys() {
        let mut map = IdentityMap::default();
        for n in 0..1000 {
            assert!(load(&mut map, n, &object()));
        }
        // Every other key, from the front: gaps never outnumber the live keys.
        for n in (0..1000).step_by(2) {
            assert!(map.remove(&one(n)).is_some());
            assert!(map.removed * 2 <= map.ascending.len(), "after {n}");
        }
        assert_eq!(map.len(), 500);
        assert!((1..1000).step_by(2).all(|n| map.get(&one(n)).is_some()));
        assert!((0..1000).step_by(2).all(|n| map.get(&one(n)).is_none()));
        // A later ordered load appends after them, with no hashing.
        assert!(load(&mut map, 1000, &object()));
        assert!(map.ints.is_empty());
    }
}
