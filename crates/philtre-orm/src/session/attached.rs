//! [`Attached`]: every object of a session, each kept in exactly one place.
//!
//! An object with a database identity lives in its mapped type's identity map under its
//! primary-key values; any other (pending, or deleted by a flush and awaiting the commit)
//! lives in a map by object id. One map per object, not an identity map beside a map of
//! all objects: a load of 10,000 rows then makes 10,000 hash insertions, not 20,000, and
//! each object is reached by one pointer, not through an id. One identity map per type,
//! so that an entry holds no type and a lookup hashes none: a load of one type with an
//! integer primary key writes 24 bytes per object to its map ([`IdentityMap`]), not 64.
//! A session holds few types, so their maps are found by a scan of a short list: no
//! `TypeId` hashed, and a session of one or two types allocates no table of tables (a
//! one-row `get` in a new session spent a few hundred instructions growing, draining and
//! freeing one).

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::Arc;

use rustc_hash::FxBuildHasher;
use smallvec::SmallVec;

use crate::identity::Key;
use crate::object::{AnyObj, ObjectState};

pub(crate) use super::identity_map::IdentityMap;

#[derive(Default)]
pub(crate) struct Attached {
    identity: SmallVec<[(TypeId, IdentityMap); 2]>,
    /// Attached objects without an identity entry, by object id.
    loose: HashMap<u64, Arc<dyn AnyObj>, FxBuildHasher>,
}

impl Attached {
    pub(crate) fn len(&self) -> usize {
        self.maps().map(IdentityMap::len).sum::<usize>() + self.loose.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every object, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Arc<dyn AnyObj>> {
        self.maps()
            .flat_map(IdentityMap::values)
            .chain(self.loose.values())
    }

    /// Every object, oldest first (object ids grow), for work whose order must not depend
    /// on hashing.
    pub(crate) fn in_order(&self) -> Vec<Arc<dyn AnyObj>> {
        let mut all: Vec<_> = self.iter().cloned().collect();
        all.sort_unstable_by_key(|o| o.id());
        all
    }

    /// The object with this identity.
    pub(crate) fn by_key(&self, key: &Key) -> Option<&Arc<dyn AnyObj>> {
        self.map(key.ty)?.get(&key.values)
    }

    pub(crate) fn has_key(&self, key: &Key) -> bool {
        self.by_key(key).is_some()
    }

    /// Whether any object of the mapped type `ty` has an identity here.
    pub(crate) fn has_type(&self, ty: TypeId) -> bool {
        self.map(ty).is_some_and(|m| !m.is_empty())
    }

    /// The identity map of the mapped type `ty`, for a load to fill.
    pub(crate) fn of_type(&mut self, ty: TypeId) -> &mut IdentityMap {
        let at = match self.identity.iter().position(|(t, _)| *t == ty) {
            Some(at) => at,
            None => {
                self.identity.push((ty, IdentityMap::default()));
                self.identity.len() - 1
            }
        };
        &mut self.identity[at].1
    }

    fn maps(&self) -> impl Iterator<Item = &IdentityMap> {
        self.identity.iter().map(|(_, map)| map)
    }

    fn map(&self, ty: TypeId) -> Option<&IdentityMap> {
        self.identity
            .iter()
            .find(|(t, _)| *t == ty)
            .map(|(_, map)| map)
    }

    fn map_mut(&mut self, ty: TypeId) -> Option<&mut IdentityMap> {
        self.identity
            .iter_mut()
            .find(|(t, _)| *t == ty)
            .map(|(_, map)| map)
    }

    /// An attached object without an identity (a pending one), by id.
    pub(crate) fn loose(&self, id: u64) -> Option<&Arc<dyn AnyObj>> {
        self.loose.get(&id)
    }

    pub(crate) fn reserve_loose(&mut self, n: usize) {
        self.loose.reserve(n);
    }

    /// Files the object under its identity (it was inserted, or attached again).
    pub(crate) fn insert_keyed(&mut self, key: Key, any: Arc<dyn AnyObj>) {
        self.loose.remove(&any.id());
        if let Some(displaced) = self.of_type(key.ty).insert(key.values, any) {
            // Never expected (flush and add check for conflicts), but no object is lost.
            self.insert_loose(displaced);
        }
    }

    pub(crate) fn insert_loose(&mut self, any: Arc<dyn AnyObj>) {
        self.loose.insert(any.id(), any);
    }

    /// Its key changed (an UPDATE of the primary key): the object moves with it.
    pub(crate) fn rekey(&mut self, old: &Key, new: Key) {
        if let Some(any) = self.take_keyed(old) {
            self.insert_keyed(new, any);
        }
    }

    /// Its identity is gone (its DELETE was flushed); it stays attached until the commit.
    pub(crate) fn forget_key(&mut self, key: &Key) -> Option<Arc<dyn AnyObj>> {
        let any = self.take_keyed(key)?;
        self.loose.insert(any.id(), any.clone());
        Some(any)
    }

    fn take_keyed(&mut self, key: &Key) -> Option<Arc<dyn AnyObj>> {
        self.map_mut(key.ty)?.remove(&key.values)
    }

    /// Removes the object, wherever it is (`key`: its identity, if it has one).
    pub(crate) fn remove(&mut self, id: u64, key: Option<&Key>) -> Option<Arc<dyn AnyObj>> {
        if let Some(key) = key {
            if let Some(map) = self.map_mut(key.ty) {
                if map.get(&key.values).is_some_and(|held| held.id() == id) {
                    return map.remove(&key.values);
                }
            }
        }
        self.loose.remove(&id)
    }

    /// Takes every object out, handing each to `each`. Plain loops, not a chained
    /// iterator: closing a session of one object spent more moving a flattened iterator's
    /// state than visiting the object.
    pub(crate) fn drain_each(&mut self, mut each: impl FnMut(Arc<dyn AnyObj>)) {
        for (_, map) in self.identity.drain(..) {
            map.into_values().for_each(&mut each);
        }
        if !self.loose.is_empty() {
            self.loose.drain().for_each(|(_, any)| each(any));
        }
    }

    /// Puts every object back where its state says (after a rollback restored the states):
    /// a persistent object with a key under its identity, any other by id.
    pub(crate) fn rebuild(&mut self) {
        let mut all = Vec::with_capacity(self.len());
        self.drain_each(|any| all.push(any));
        for any in all {
            let key = {
                let meta = any.meta().lock();
                match (&meta.state, &meta.key) {
                    (Some(ObjectState::Persistent), Some(key)) => Some(key.clone()),
                    _ => None,
                }
            };
            match key {
                Some(key) => self.insert_keyed(key, any),
                None => self.insert_loose(any),
            }
        }
    }
}
