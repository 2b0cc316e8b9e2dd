//! Load-state slots: a relationship field is unloaded or loaded. Reading
//! never does I/O; an unloaded read is [`Error::NotLoaded`] naming the
//! model and relationship.

use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::value::{HashKey, Value};

/// Which model and relationship a slot belongs to, for error messages.
/// Slots made by the ORM know it; `Default` ones do not.
/// One pointer wide, so that a slot adds little to a model's size.
#[derive(Clone, Copy, Default)]
struct Origin(Option<&'static (&'static str, &'static str)>);

impl Origin {
    fn not_loaded(self) -> Error {
        let (model, relation) = *self.0.unwrap_or(&("(unsaved model)", "(relationship)"));
        Error::NotLoaded { model, relation }
    }
}

/// An `Option` whose drop, when it is `None`, is one test in line: a
/// model dropped with its relationship slots unloaded (every row read
/// without `include`, every row built to be inserted) pays no call per
/// slot, where the drop glue of an `Option` of a collection is a call of
/// its own.
struct Lean<X>(ManuallyDrop<Option<X>>);

impl<X> Lean<X> {
    const NONE: Self = Lean(ManuallyDrop::new(None));

    fn new(value: Option<X>) -> Self {
        Lean(ManuallyDrop::new(value))
    }
}

impl<X> Deref for Lean<X> {
    type Target = Option<X>;

    #[inline]
    fn deref(&self) -> &Option<X> {
        &self.0
    }
}

impl<X> DerefMut for Lean<X> {
    #[inline]
    fn deref_mut(&mut self) -> &mut Option<X> {
        &mut self.0
    }
}

impl<X> Drop for Lean<X> {
    #[inline]
    fn drop(&mut self) {
        #[inline(never)]
        fn drop_value<X>(value: &mut ManuallyDrop<Option<X>>) {
            // SAFETY: called once, from `drop`; the value is not used
            // after it.
            unsafe { ManuallyDrop::drop(value) }
        }
        if self.0.is_some() {
            drop_value(&mut self.0);
        }
    }
}

impl<X: Clone> Clone for Lean<X> {
    fn clone(&self) -> Self {
        Lean::new((*self.0).clone())
    }
}

impl<X: PartialEq> PartialEq for Lean<X> {
    fn eq(&self, other: &Self) -> bool {
        *self.0 == *other.0
    }
}

macro_rules! slot_common {
    ($slot:ident, $field:ident) => {
        #[allow(clippy::needless_update)]
        impl<T> Default for $slot<T> {
            fn default() -> Self {
                $slot {
                    $field: Lean::NONE,
                    fresh: Default::default(),
                    origin: Origin::default(),
                    ..$slot::extra()
                }
            }
        }

        #[allow(clippy::needless_update)]
        impl<T: Clone> Clone for $slot<T> {
            fn clone(&self) -> Self {
                let mut copy = $slot {
                    $field: self.$field.clone(),
                    fresh: self.fresh.clone(),
                    origin: self.origin,
                    ..$slot::extra()
                };
                copy.copy_extra(self);
                copy
            }
        }

        impl<T: PartialEq> PartialEq for $slot<T> {
            fn eq(&self, other: &Self) -> bool {
                self.$field == other.$field
            }
        }

        impl<T: fmt::Debug> fmt::Debug for $slot<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match &*self.$field {
                    None => f.write_str("<not loaded>"),
                    Some(v) => v.fmt(f),
                }
            }
        }

        #[allow(clippy::needless_update)]
        impl<T> $slot<T> {
            /// An unloaded slot of `(model, relation)`. Made by the derive.
            #[doc(hidden)]
            pub fn unloaded(origin: &'static (&'static str, &'static str)) -> Self {
                $slot {
                    $field: Lean::NONE,
                    fresh: Default::default(),
                    origin: Origin(Some(origin)),
                    ..$slot::extra()
                }
            }

            /// True once something loaded (or assigned) the slot.
            pub fn is_loaded(&self) -> bool {
                self.$field.is_some()
            }

            /// True when nothing loaded the slot; for
            /// `#[serde(skip_serializing_if = "HasMany::is_unloaded")]`.
            pub fn is_unloaded(&self) -> bool {
                self.$field.is_none()
            }

            /// True when the slot holds rows to write with its model: a new
            /// target, or a loaded collection or row.
            #[doc(hidden)]
            pub fn __pending(&self) -> bool {
                self.pending()
            }

            /// Forgets the loaded value.
            pub fn unload(&mut self) {
                *self.$field = None;
                self.fresh = Default::default();
            }
        }
    };
}

/// A one-to-many collection: `user.posts`.
///
/// ```
/// use orm_core::HasMany;
/// let mut posts: HasMany<&str> = HasMany::default();
/// assert!(posts.get().is_err());
/// posts.set(vec!["hello"]);
/// assert_eq!(posts.get().unwrap(), ["hello"]);
/// ```
pub struct HasMany<T> {
    items: Lean<Vec<T>>,
    /// Which items are new and which keys the collection was loaded with.
    fresh: Track<T>,
    origin: Origin,
}

/// Reads the key of one member: `Model::column_value`.
pub(crate) type KeyOf<T> = fn(&T, usize) -> Result<Value>;

/// What a save needs to know of a collection beyond its rows: which of
/// them are new, and the members' keys as loaded (to find the rows removed
/// since, the orphans). A collection as the ORM loads it pays no
/// allocation for either: its rows are all old and its keys are read from
/// them when first needed.
struct Track<T> {
    /// Positions below this hold rows that exist.
    old: u32,
    /// The column of a member's key, for `key`.
    member: u32,
    /// Reads a member's key, for a collection the ORM loaded: while no
    /// keys are recorded the first `old` rows are as loaded, and their keys
    /// are the loaded keys, read on demand.
    key: Option<KeyOf<T>>,
    /// Marks past `old`, and keys recorded once the rows could change.
    cold: Lean<Box<Cold>>,
}

#[derive(Clone, Default)]
struct Cold {
    /// Whether each position from `old` on is new; positions past the end
    /// (pushed through `get_mut`) are new too.
    marks: Vec<bool>,
    /// The members' keys as loaded.
    keys: Option<Vec<Value>>,
    /// The keys of rows pushed as existing, for a collection the ORM
    /// loaded: such a row stays existing wherever `get_mut` moves it.
    adopted: Vec<Value>,
}

impl<T> Default for Track<T> {
    fn default() -> Self {
        Track {
            old: 0,
            member: 0,
            key: None,
            cold: Lean::NONE,
        }
    }
}

impl<T> Clone for Track<T> {
    fn clone(&self) -> Self {
        Track {
            old: self.old,
            member: self.member,
            key: self.key,
            cold: self.cold.clone(),
        }
    }
}

impl<T> Track<T> {
    /// Every one of `len` rows exists; no record of keys.
    fn existing(len: usize) -> Self {
        Track {
            old: u32::try_from(len).unwrap_or(u32::MAX),
            ..Track::default()
        }
    }

    fn cold(&mut self) -> &mut Cold {
        self.cold.get_or_insert_with(Box::default)
    }

    /// Marks the row about to be pushed at `position` (the current length).
    fn push(&mut self, position: usize, is_new: bool) {
        let old = self.old as usize;
        if position < old {
            // Rows were removed (through `get_mut` or `take`, which kept
            // the loaded keys first): the marks restart there.
            self.old = position as u32;
            if let Some(cold) = &mut *self.cold {
                cold.marks.clear();
            }
        }
        let from = self.old as usize;
        let marks = &mut self.cold().marks;
        marks.resize(position - from, true);
        marks.push(is_new);
    }

    /// Records the loaded keys from `rows` before they can change; a no-op
    /// once recorded.
    fn keep_keys(&mut self, rows: Option<&[T]>) -> Result<()> {
        let (Some(key), Some(rows)) = (self.key, rows) else {
            return Ok(());
        };
        if self.kept_keys() {
            return Ok(());
        }
        let keys = self.read_keys(rows, key)?;
        self.cold().keys = Some(keys);
        Ok(())
    }

    fn kept_keys(&self) -> bool {
        self.cold.as_ref().is_some_and(|c| c.keys.is_some())
    }

    /// Records the key of `row`, about to be pushed as existing, when the
    /// ORM loaded the collection.
    fn adopt(&mut self, row: &T) {
        let Some(key) = self.key else {
            return;
        };
        // A key the ORM located reads without fail; were it not to, the
        // row would count as new and its insert meet its own key.
        if let Ok(value) = key(row, self.member as usize) {
            self.cold().adopted.push(value);
        }
    }

    /// The members' keys as loaded: recorded, or read from the rows while
    /// they are as loaded; `None` when the ORM did not load the collection.
    fn loaded_keys(&mut self, rows: &[T]) -> Result<Option<Vec<Value>>> {
        if let Some(keys) = self.cold.as_mut().and_then(|c| c.keys.take()) {
            return Ok(Some(keys));
        }
        match self.key {
            Some(key) => self.read_keys(rows, key).map(Some),
            None => Ok(None),
        }
    }

    /// Whether each of `rows` is new, for a collection the ORM loaded (read
    /// by `key`): a row is new unless its key is one the collection was
    /// loaded with or one of a row pushed as existing, wherever `get_mut`
    /// has moved it since.
    fn marks_by_key(&self, rows: &[T], key: KeyOf<T>, loaded: &[Value]) -> Result<Vec<bool>> {
        let adopted = self.cold.as_ref().map_or(&[][..], |c| &c.adopted[..]);
        let known: rustc_hash::FxHashSet<HashKey> =
            loaded.iter().chain(adopted).cloned().map(HashKey).collect();
        rows.iter()
            .map(|row| Ok(!known.contains(&HashKey(key(row, self.member as usize)?))))
            .collect()
    }

    fn read_keys(&self, rows: &[T], key: KeyOf<T>) -> Result<Vec<Value>> {
        let old = (self.old as usize).min(rows.len());
        rows[..old]
            .iter()
            .map(|row| key(row, self.member as usize))
            .collect()
    }

    /// Whether each of `len` rows is new.
    fn marks(&self, len: usize) -> Vec<bool> {
        let old = self.old as usize;
        let marks = self.cold.as_ref().map_or(&[][..], |c| &c.marks[..]);
        (0..len)
            .map(|i| i >= old && marks.get(i - old).copied().unwrap_or(true))
            .collect()
    }
}

slot_common!(HasMany, items);

impl<T> HasMany<T> {
    fn extra() -> Self {
        HasMany {
            items: Lean::NONE,
            fresh: Track::default(),
            origin: Origin::default(),
        }
    }

    fn copy_extra(&mut self, _other: &Self) {}

    /// A loaded collection of rows that exist in the database.
    pub fn loaded(items: Vec<T>) -> Self {
        HasMany {
            fresh: Track::existing(items.len()),
            items: Lean::new(Some(items)),
            origin: Origin::default(),
        }
    }

    /// A collection of new rows: inserting or saving the parent inserts
    /// them (SQLAlchemy's pending objects), with their key set to the
    /// parent.
    pub fn new(items: Vec<T>) -> Self {
        HasMany {
            fresh: Track::default(),
            items: Lean::new(Some(items)),
            origin: Origin::default(),
        }
    }

    /// Adds a new row, inserted with the parent.
    pub fn push_new(&mut self, item: T) {
        let items = self.items.get_or_insert_with(Vec::new);
        self.fresh.push(items.len(), true);
        items.push(item);
    }

    /// Adds a row that exists: saving the parent links it (re-parents it,
    /// or writes the association row of a many-to-many).
    pub fn push_existing(&mut self, item: T) {
        self.fresh.adopt(&item);
        let items = self.items.get_or_insert_with(Vec::new);
        self.fresh.push(items.len(), false);
        items.push(item);
    }

    fn pending(&self) -> bool {
        self.items.as_ref().is_some_and(|i| !i.is_empty())
    }

    /// Takes the items out with whether each is new, and the members' keys
    /// as loaded (`None` when the ORM did not load the collection); the
    /// slot is left unloaded.
    #[allow(clippy::type_complexity)]
    pub(crate) fn take_marked(
        &mut self,
    ) -> Result<Option<(Vec<T>, Vec<bool>, Option<Vec<Value>>)>> {
        let Some(items) = &*self.items else {
            return Ok(None);
        };
        let keys = self.fresh.loaded_keys(items)?;
        let marks = match (self.fresh.key, &keys) {
            (Some(key), Some(loaded)) => self.fresh.marks_by_key(items, key, loaded)?,
            _ => self.fresh.marks(items.len()),
        };
        // The key reader stays, for `restore`.
        self.fresh = Track {
            key: self.fresh.key,
            member: self.fresh.member,
            ..Track::default()
        };
        Ok(self.items.take().map(|items| (items, marks, keys)))
    }

    /// The loaded rows, or [`Error::NotLoaded`].
    pub fn get(&self) -> Result<&[T]> {
        self.items
            .as_deref()
            .ok_or_else(|| self.origin.not_loaded())
    }

    /// The loaded rows, mutably.
    pub fn get_mut(&mut self) -> Result<&mut Vec<T>> {
        let origin = self.origin;
        let items = self.items.as_mut().ok_or_else(|| origin.not_loaded())?;
        // The rows may change from here: keep the keys they were loaded
        // with for the next save.
        self.fresh.keep_keys(Some(items))?;
        Ok(items)
    }

    /// Loads the slot with `items`, rows that exist in the database.
    pub fn set(&mut self, items: Vec<T>) {
        self.fresh = Track::existing(items.len());
        *self.items = Some(items);
    }

    /// Loads the slot with rows read from the database, remembering that
    /// their keys (column `member`, read by `key`) are the loaded ones, so
    /// that a later save knows which were removed.
    pub(crate) fn set_loaded(&mut self, items: Vec<T>, member: usize, key: KeyOf<T>) {
        self.fresh = Track {
            key: Some(key),
            member: u32::try_from(member).unwrap_or(u32::MAX),
            ..Track::existing(items.len())
        };
        *self.items = Some(items);
    }

    /// Puts back what `take_marked` took. A collection the ORM loaded
    /// keeps telling its rows by key: the rows taken as existing count as
    /// added with `push_existing`.
    pub(crate) fn restore(&mut self, items: Vec<T>, fresh: Vec<bool>, keys: Option<Vec<Value>>) {
        let (key, member) = match keys {
            Some(_) => (self.fresh.key, self.fresh.member),
            None => (None, 0),
        };
        let adopted = match key {
            Some(key) => items
                .iter()
                .zip(&fresh)
                .filter(|(_, is_new)| !**is_new)
                .filter_map(|(row, _)| key(row, member as usize).ok())
                .collect(),
            None => Vec::new(),
        };
        *self.items = Some(items);
        self.fresh = Track {
            key,
            member,
            cold: Lean::new(Some(Box::new(Cold {
                marks: fresh,
                keys,
                adopted,
            }))),
            ..Track::default()
        };
    }

    /// Takes the loaded rows out, leaving the slot unloaded.
    pub fn take(&mut self) -> Option<Vec<T>> {
        // Rows pushed afterwards replace these: a save then removes them.
        // Reading a key the ORM located cannot fail.
        let _ = self.fresh.keep_keys(self.items.as_deref());
        self.items.take()
    }
}

impl<T> From<Vec<T>> for HasMany<T> {
    /// Rows that exist: the same as [`HasMany::loaded`].
    fn from(items: Vec<T>) -> Self {
        HasMany::loaded(items)
    }
}

/// A one-to-one relationship seen from the side without the key:
/// `user.profile`. Loaded, it holds the row or `None`.
pub struct HasOne<T> {
    item: Lean<Option<Box<T>>>,
    /// The row is new (to insert with the parent).
    fresh: bool,
    /// The slot was given its row (or none) by hand (`set`, `new`) since
    /// the ORM loaded or wrote it: saving the parent removes any other row
    /// pointing at the parent.
    replaced: bool,
    origin: Origin,
}

slot_common!(HasOne, item);

impl<T> HasOne<T> {
    fn extra() -> Self {
        HasOne {
            item: Lean::NONE,
            fresh: false,
            replaced: false,
            origin: Origin::default(),
        }
    }

    fn copy_extra(&mut self, other: &Self) {
        self.replaced = other.replaced;
    }

    /// A loaded slot holding a row that exists (or none).
    pub fn loaded(item: Option<T>) -> Self {
        HasOne {
            item: Lean::new(Some(item.map(Box::new))),
            fresh: false,
            replaced: false,
            origin: Origin::default(),
        }
    }

    /// A new row, inserted with the parent, its key set to the parent.
    /// Saving a parent that had another row removes that one (deleted
    /// under `delete-orphan`, its key set to NULL when nullable).
    pub fn new(item: T) -> Self {
        HasOne {
            item: Lean::new(Some(Some(Box::new(item)))),
            fresh: true,
            replaced: true,
            origin: Origin::default(),
        }
    }

    /// True when the slot was given its row (or none) by hand since the
    /// ORM loaded or wrote it.
    pub(crate) fn replaced(&self) -> bool {
        self.replaced
    }

    /// True when the slot's row was given by [`HasOne::new`].
    pub(crate) fn is_new(&self) -> bool {
        self.fresh
    }

    fn pending(&self) -> bool {
        matches!(*self.item, Some(Some(_)))
    }

    /// Takes the row out with whether it is new; a slot holding no row
    /// (or unloaded) keeps what it holds.
    pub(crate) fn take_marked(&mut self) -> Option<(T, bool)> {
        if !self.pending() {
            return None;
        }
        let item = self.item.take()??;
        Some((*item, std::mem::take(&mut self.fresh)))
    }

    /// The loaded row (`None` when there is none), or
    /// [`Error::NotLoaded`].
    pub fn get(&self) -> Result<Option<&T>> {
        match &*self.item {
            Some(item) => Ok(item.as_deref()),
            None => Err(self.origin.not_loaded()),
        }
    }

    /// Makes `item` the parent's row (or none): saving the parent writes
    /// it (updated when its key exists, inserted when its generated key is
    /// still 0) and removes any other row pointing at the parent (deleted
    /// under `delete-orphan`, its key set to NULL when nullable, else the
    /// save is refused).
    pub fn set(&mut self, item: Option<T>) {
        *self.item = Some(item.map(Box::new));
        self.fresh = false;
        self.replaced = true;
    }

    /// Loads the slot with the row the database holds (or none).
    pub(crate) fn set_loaded(&mut self, item: Option<T>) {
        *self.item = Some(item.map(Box::new));
        self.fresh = false;
        self.replaced = false;
    }

    /// Takes the loaded row out, leaving the slot unloaded.
    pub fn take(&mut self) -> Option<Option<T>> {
        self.item.take().map(|i| i.map(|b| *b))
    }
}

impl<T> From<T> for HasOne<T> {
    fn from(item: T) -> Self {
        HasOne::loaded(Some(item))
    }
}

/// The target a `BelongsTo` holds: its own, or shared with its siblings
/// (the parent a collection load gave each child). Cloning a slot copies
/// the target, as a slot of its own would.
pub(crate) struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    fn new(target: T) -> Self {
        Shared(Arc::new(target))
    }

    /// The target, when no sibling shares it.
    fn into_inner(self) -> Option<T> {
        Arc::try_unwrap(self.0).ok()
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared::new((*self.0).clone())
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        *self.0 == *other.0
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (*self.0).fmt(f)
    }
}

/// A many-to-one relationship: `post.author`. Loaded, it holds the target
/// (or `None` for a NULL key).
///
/// Assigning a target and saving writes the key from it: the relationship
/// wins over a hand-set key field.
pub struct BelongsTo<T> {
    item: Lean<Option<Shared<T>>>,
    /// The target is new (inserted before the row pointing at it).
    fresh: bool,
    origin: Origin,
}

slot_common!(BelongsTo, item);

impl<T> BelongsTo<T> {
    fn extra() -> Self {
        BelongsTo {
            item: Lean::NONE,
            fresh: false,
            origin: Origin::default(),
        }
    }

    fn copy_extra(&mut self, _other: &Self) {}

    /// A slot loaded with `target`, a row that exists: saving writes the
    /// key from it.
    pub fn loaded(target: T) -> Self {
        BelongsTo {
            item: Lean::new(Some(Some(Shared::new(target)))),
            fresh: false,
            origin: Origin::default(),
        }
    }

    /// A new target: inserting the row inserts it first and takes the key
    /// from it (SQLAlchemy's `Product(creator=User(...))`).
    pub fn new(target: T) -> Self {
        BelongsTo {
            item: Lean::new(Some(Some(Shared::new(target)))),
            fresh: true,
            origin: Origin::default(),
        }
    }

    /// A slot loaded with no target (a NULL key).
    pub fn loaded_none() -> Self {
        BelongsTo {
            item: Lean::new(Some(None)),
            fresh: false,
            origin: Origin::default(),
        }
    }

    /// The new target, taken out; the slot keeps nothing until it is put
    /// back.
    pub(crate) fn take_new(&mut self) -> Option<T> {
        if !self.fresh {
            return None;
        }
        self.fresh = false;
        // A new target is never shared (only loads share a parent).
        self.item.take()?.and_then(Shared::into_inner)
    }

    /// True when a new target waits to be inserted.
    pub fn is_new(&self) -> bool {
        self.fresh && matches!(*self.item, Some(Some(_)))
    }

    fn pending(&self) -> bool {
        self.is_new()
    }

    /// The loaded target, or [`Error::NotLoaded`]; a loaded NULL key is
    /// [`Error::NotFound`] (use [`BelongsTo::get_optional`] for nullable
    /// keys).
    pub fn get(&self) -> Result<&T> {
        match &*self.item {
            Some(Some(t)) => Ok(t),
            Some(None) => Err(Error::NotFound {
                model: self.origin.0.map_or("(relationship)", |o| o.1),
            }),
            None => Err(self.origin.not_loaded()),
        }
    }

    /// The loaded target or `None`, or [`Error::NotLoaded`].
    pub fn get_optional(&self) -> Result<Option<&T>> {
        match &*self.item {
            Some(item) => Ok(item.as_deref()),
            None => Err(self.origin.not_loaded()),
        }
    }

    /// The target when loaded, without an error for an unloaded slot.
    pub fn loaded_target(&self) -> Option<&T> {
        self.item.as_ref().and_then(|i| i.as_deref())
    }

    /// Loads the slot with a parent shared with its siblings: what a
    /// collection load writes into each child's inverse slot.
    pub(crate) fn set_shared(&mut self, target: Arc<T>) {
        *self.item = Some(Some(Shared(target)));
        self.fresh = false;
    }

    /// Loads the slot with `target`, a row that exists (or none).
    pub fn set(&mut self, target: Option<T>) {
        *self.item = Some(target.map(Shared::new));
        self.fresh = false;
    }
}

impl<T> From<T> for BelongsTo<T> {
    fn from(target: T) -> Self {
        BelongsTo::loaded(target)
    }
}

#[cfg(feature = "serde")]
mod serde_impls {
    use super::*;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    impl<T: Serialize> Serialize for HasMany<T> {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            self.items.serialize(s)
        }
    }

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for HasMany<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
            Ok(match Option::<Vec<T>>::deserialize(d)? {
                Some(items) => HasMany::loaded(items),
                None => HasMany::default(),
            })
        }
    }

    impl<T: Serialize> Serialize for HasOne<T> {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            self.item.as_ref().and_then(|i| i.as_deref()).serialize(s)
        }
    }

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for HasOne<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
            Ok(HasOne::loaded(Option::<T>::deserialize(d)?))
        }
    }

    impl<T: Serialize> Serialize for BelongsTo<T> {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            self.item.as_ref().and_then(|i| i.as_deref()).serialize(s)
        }
    }

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for BelongsTo<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
            Ok(match Option::<T>::deserialize(d)? {
                Some(t) => BelongsTo::loaded(t),
                None => BelongsTo::loaded_none(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A loaded slot drops what it holds (its `Lean` storage drops by
    /// hand), an unloaded or taken one holds nothing.
    #[test]
    fn slots_drop_what_they_hold() {
        let held = Arc::new(());
        let count = || Arc::strong_count(&held);
        {
            let mut many = HasMany::loaded(vec![held.clone(), held.clone()]);
            many.push_new(held.clone());
            let _one = HasOne::new(held.clone());
            let _target = BelongsTo::new(held.clone());
            let _unloaded: HasMany<Arc<()>> = HasMany::default();
            assert_eq!(count(), 6);
        }
        assert_eq!(count(), 1);
        let mut many = HasMany::new(vec![held.clone()]);
        let taken = many.take();
        assert_eq!(count(), 2);
        drop(many);
        drop(taken);
        assert_eq!(count(), 1);
        let mut copied = HasMany::loaded(vec![held.clone()]);
        copied.push_new(held.clone());
        let copy = copied.clone();
        assert_eq!(copy, copied);
        drop((copy, copied));
        assert_eq!(count(), 1);
    }
}
