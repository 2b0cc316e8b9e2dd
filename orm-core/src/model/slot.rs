//! Load-state slots: a relationship field is unloaded or loaded. Reading
//! never does I/O; an unloaded read is [`Error::NotLoaded`] naming the
//! model and relationship.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use crate::error::{Error, Result};

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

macro_rules! slot_common {
    ($slot:ident, $field:ident) => {
        #[allow(clippy::needless_update)]
        impl<T> Default for $slot<T> {
            fn default() -> Self {
                $slot {
                    $field: None,
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
                match &self.$field {
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
                    $field: None,
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
                self.$field = None;
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
    items: Option<Vec<T>>,
    /// The keys of the rows as the ORM loaded them, to find the rows
    /// removed since (orphans) when the parent is saved.
    loaded_keys: Option<Vec<crate::value::Value>>,
    /// Which items are new (to insert), by position; items past its end
    /// (pushed through `get_mut`) are new too.
    fresh: Vec<bool>,
    origin: Origin,
}

slot_common!(HasMany, items);

impl<T> HasMany<T> {
    fn extra() -> Self {
        HasMany {
            items: None,
            loaded_keys: None,
            fresh: Vec::new(),
            origin: Origin::default(),
        }
    }

    fn copy_extra(&mut self, other: &Self) {
        self.loaded_keys.clone_from(&other.loaded_keys);
    }

    /// A loaded collection of rows that exist in the database.
    pub fn loaded(items: Vec<T>) -> Self {
        HasMany {
            loaded_keys: None,
            fresh: vec![false; items.len()],
            items: Some(items),
            origin: Origin::default(),
        }
    }

    /// A collection of new rows: inserting or saving the parent inserts
    /// them (SQLAlchemy's pending objects), with their key set to the
    /// parent.
    pub fn new(items: Vec<T>) -> Self {
        HasMany {
            loaded_keys: None,
            fresh: vec![true; items.len()],
            items: Some(items),
            origin: Origin::default(),
        }
    }

    /// Adds a new row, inserted with the parent.
    pub fn push_new(&mut self, item: T) {
        let items = self.items.get_or_insert_with(Vec::new);
        self.fresh.resize(items.len(), true);
        items.push(item);
        self.fresh.push(true);
    }

    /// Adds a row that exists: saving the parent links it (re-parents it,
    /// or writes the association row of a many-to-many).
    pub fn push_existing(&mut self, item: T) {
        let items = self.items.get_or_insert_with(Vec::new);
        self.fresh.resize(items.len(), true);
        items.push(item);
        self.fresh.push(false);
    }

    /// The items with whether each is new; the slot is left unloaded.
    fn pending(&self) -> bool {
        self.items.as_ref().is_some_and(|i| !i.is_empty())
    }

    pub(crate) fn take_marked(&mut self) -> Option<(Vec<T>, Vec<bool>)> {
        let items = self.items.take()?;
        let mut fresh = std::mem::take(&mut self.fresh);
        fresh.resize(items.len(), true);
        Some((items, fresh))
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
        self.items.as_mut().ok_or_else(|| origin.not_loaded())
    }

    /// Loads the slot with `items`, rows that exist in the database.
    pub fn set(&mut self, items: Vec<T>) {
        self.fresh = vec![false; items.len()];
        self.items = Some(items);
        self.loaded_keys = None;
    }

    /// Loads the slot with rows read from the database, remembering their
    /// keys so that a later save knows which were removed.
    pub(crate) fn set_loaded(&mut self, items: Vec<T>, keys: Vec<crate::value::Value>) {
        self.set(items);
        self.loaded_keys = Some(keys);
    }

    pub(crate) fn take_loaded_keys(&mut self) -> Option<Vec<crate::value::Value>> {
        self.loaded_keys.take()
    }

    /// Puts back what `take_marked` and `take_loaded_keys` took.
    pub(crate) fn restore(
        &mut self,
        items: Vec<T>,
        fresh: Vec<bool>,
        keys: Option<Vec<crate::value::Value>>,
    ) {
        self.items = Some(items);
        self.fresh = fresh;
        self.loaded_keys = keys;
    }

    /// Takes the loaded rows out, leaving the slot unloaded.
    pub fn take(&mut self) -> Option<Vec<T>> {
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
    item: Option<Option<Box<T>>>,
    /// The row is new (to insert with the parent).
    fresh: bool,
    origin: Origin,
}

slot_common!(HasOne, item);

impl<T> HasOne<T> {
    fn extra() -> Self {
        HasOne {
            item: None,
            fresh: false,
            origin: Origin::default(),
        }
    }

    fn copy_extra(&mut self, _other: &Self) {}

    /// A loaded slot holding a row that exists (or none).
    pub fn loaded(item: Option<T>) -> Self {
        HasOne {
            item: Some(item.map(Box::new)),
            fresh: false,
            origin: Origin::default(),
        }
    }

    /// A new row, inserted with the parent, its key set to the parent.
    pub fn new(item: T) -> Self {
        HasOne {
            item: Some(Some(Box::new(item))),
            fresh: true,
            origin: Origin::default(),
        }
    }

    fn pending(&self) -> bool {
        matches!(self.item, Some(Some(_)))
    }

    pub(crate) fn take_marked(&mut self) -> Option<(T, bool)> {
        let item = self.item.take()??;
        Some((*item, std::mem::take(&mut self.fresh)))
    }

    /// The loaded row (`None` when there is none), or
    /// [`Error::NotLoaded`].
    pub fn get(&self) -> Result<Option<&T>> {
        match &self.item {
            Some(item) => Ok(item.as_deref()),
            None => Err(self.origin.not_loaded()),
        }
    }

    /// Loads the slot with a row that exists (or none).
    pub fn set(&mut self, item: Option<T>) {
        self.item = Some(item.map(Box::new));
        self.fresh = false;
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
    item: Option<Option<Shared<T>>>,
    /// The target is new (inserted before the row pointing at it).
    fresh: bool,
    origin: Origin,
}

slot_common!(BelongsTo, item);

impl<T> BelongsTo<T> {
    fn extra() -> Self {
        BelongsTo {
            item: None,
            fresh: false,
            origin: Origin::default(),
        }
    }

    fn copy_extra(&mut self, _other: &Self) {}

    /// A slot loaded with `target`, a row that exists: saving writes the
    /// key from it.
    pub fn loaded(target: T) -> Self {
        BelongsTo {
            item: Some(Some(Shared::new(target))),
            fresh: false,
            origin: Origin::default(),
        }
    }

    /// A new target: inserting the row inserts it first and takes the key
    /// from it (SQLAlchemy's `Product(creator=User(...))`).
    pub fn new(target: T) -> Self {
        BelongsTo {
            item: Some(Some(Shared::new(target))),
            fresh: true,
            origin: Origin::default(),
        }
    }

    /// A slot loaded with no target (a NULL key).
    pub fn loaded_none() -> Self {
        BelongsTo {
            item: Some(None),
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
        self.fresh && matches!(self.item, Some(Some(_)))
    }

    fn pending(&self) -> bool {
        self.is_new()
    }

    /// The loaded target, or [`Error::NotLoaded`]; a loaded NULL key is
    /// [`Error::NotFound`] (use [`BelongsTo::get_optional`] for nullable
    /// keys).
    pub fn get(&self) -> Result<&T> {
        match &self.item {
            Some(Some(t)) => Ok(t),
            Some(None) => Err(Error::NotFound {
                model: self.origin.0.map_or("(relationship)", |o| o.1),
            }),
            None => Err(self.origin.not_loaded()),
        }
    }

    /// The loaded target or `None`, or [`Error::NotLoaded`].
    pub fn get_optional(&self) -> Result<Option<&T>> {
        match &self.item {
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
        self.item = Some(Some(Shared(target)));
        self.fresh = false;
    }

    /// Loads the slot with `target`, a row that exists (or none).
    pub fn set(&mut self, target: Option<T>) {
        self.item = Some(target.map(Shared::new));
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
