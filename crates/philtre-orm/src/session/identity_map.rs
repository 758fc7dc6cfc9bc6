//! [`IdentityMap`]: one mapped type's objects by primary-key values, with integer keys
//! (the usual primary key) apart.
//!
//! A key of one integer is stored as the bare `i64`: 24 bytes an entry instead of 48, and
//! a hash of one multiplication instead of a walk of the key's values through the hasher.
//! A load of 10,000 rows hashes, probes and (rows arrive one by one, their count not known
//! ahead) rehashes its keys tens of thousands of times, so the entry's size is what
//! decides the cost. Every other key (text, uuid, composite) lives in the general map.

use std::collections::hash_map::{self, HashMap};
use std::sync::Arc;

use philtre::Value;
use rustc_hash::FxBuildHasher;

use crate::identity::KeyValues;
use crate::object::AnyObj;

type Held = Arc<dyn AnyObj>;

#[derive(Default)]
pub(crate) struct IdentityMap {
    ints: HashMap<i64, Held, FxBuildHasher>,
    other: HashMap<KeyValues, Held, FxBuildHasher>,
}

/// A key's place in the map: the object there, or the room for one.
pub(crate) enum Slot<'m> {
    Held(&'m Held),
    Vacant(Vacant<'m>),
}

pub(crate) enum Vacant<'m> {
    Int(hash_map::VacantEntry<'m, i64, Held>),
    Other(hash_map::VacantEntry<'m, KeyValues, Held>),
}

impl Vacant<'_> {
    pub(crate) fn insert(self, obj: Held) {
        match self {
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
        self.ints.len() + self.other.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn get(&self, key: &KeyValues) -> Option<&Held> {
        match int_key(key) {
            Some(n) => self.ints.get(&n),
            None => self.other.get(key),
        }
    }

    /// One hash and probe finds the object with this key or the room for a new one.
    pub(crate) fn slot(&mut self, key: MapKey) -> Slot<'_> {
        match key {
            MapKey::Int(n) => match self.ints.entry(n) {
                hash_map::Entry::Occupied(held) => Slot::Held(held.into_mut()),
                hash_map::Entry::Vacant(slot) => Slot::Vacant(Vacant::Int(slot)),
            },
            MapKey::Other(key) => match self.other.entry(key) {
                hash_map::Entry::Occupied(held) => Slot::Held(held.into_mut()),
                hash_map::Entry::Vacant(slot) => Slot::Vacant(Vacant::Other(slot)),
            },
        }
    }

    /// Files `obj` under `key`; the object it displaced, if any.
    pub(crate) fn insert(&mut self, key: KeyValues, obj: Held) -> Option<Held> {
        match int_key(&key) {
            Some(n) => self.ints.insert(n, obj),
            None => self.other.insert(key, obj),
        }
    }

    pub(crate) fn remove(&mut self, key: &KeyValues) -> Option<Held> {
        match int_key(key) {
            Some(n) => self.ints.remove(&n),
            None => self.other.remove(key),
        }
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &Held> {
        self.ints.values().chain(self.other.values())
    }

    pub(crate) fn into_values(self) -> impl Iterator<Item = Held> {
        self.ints.into_values().chain(self.other.into_values())
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
        // Each kind of key went to its own map.
        assert_eq!((map.ints.len(), map.other.len()), (1, 1));
        assert_eq!(map.into_values().count(), 2);
    }
}
