//! Load-state slots: a relationship field is unloaded or loaded. Reading
//! never does I/O; an unloaded read is [`Error::NotLoaded`] naming the
//! model and relationship.

use std::fmt;

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
        impl<T> Default for $slot<T> {
            fn default() -> Self {
                $slot {
                    $field: None,
                    origin: Origin::default(),
                }
            }
        }

        impl<T: Clone> Clone for $slot<T> {
            fn clone(&self) -> Self {
                $slot {
                    $field: self.$field.clone(),
                    origin: self.origin,
                }
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

        impl<T> $slot<T> {
            /// An unloaded slot of `(model, relation)`. Made by the derive.
            #[doc(hidden)]
            pub fn unloaded(origin: &'static (&'static str, &'static str)) -> Self {
                $slot {
                    $field: None,
                    origin: Origin(Some(origin)),
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

            /// Forgets the loaded value.
            pub fn unload(&mut self) {
                self.$field = None;
            }
        }
    };
}

/// A one-to-many collection: `user.posts`.
///
/// ```
/// use orm_core::relation::HasMany;
/// let mut posts: HasMany<&str> = HasMany::default();
/// assert!(posts.get().is_err());
/// posts.set(vec!["hello"]);
/// assert_eq!(posts.get().unwrap(), ["hello"]);
/// ```
pub struct HasMany<T> {
    items: Option<Vec<T>>,
    origin: Origin,
}

slot_common!(HasMany, items);

impl<T> HasMany<T> {
    /// A loaded collection.
    pub fn loaded(items: Vec<T>) -> Self {
        HasMany {
            items: Some(items),
            origin: Origin::default(),
        }
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

    /// Loads the slot with `items`.
    pub fn set(&mut self, items: Vec<T>) {
        self.items = Some(items);
    }

    /// Takes the loaded rows out, leaving the slot unloaded.
    pub fn take(&mut self) -> Option<Vec<T>> {
        self.items.take()
    }
}

impl<T> From<Vec<T>> for HasMany<T> {
    fn from(items: Vec<T>) -> Self {
        HasMany::loaded(items)
    }
}

/// A one-to-one relationship seen from the side without the key:
/// `user.profile`. Loaded, it holds the row or `None`.
pub struct HasOne<T> {
    item: Option<Option<Box<T>>>,
    origin: Origin,
}

slot_common!(HasOne, item);

impl<T> HasOne<T> {
    /// A loaded slot.
    pub fn loaded(item: Option<T>) -> Self {
        HasOne {
            item: Some(item.map(Box::new)),
            origin: Origin::default(),
        }
    }

    /// The loaded row (`None` when there is none), or
    /// [`Error::NotLoaded`].
    pub fn get(&self) -> Result<Option<&T>> {
        match &self.item {
            Some(item) => Ok(item.as_deref()),
            None => Err(self.origin.not_loaded()),
        }
    }

    /// Loads the slot.
    pub fn set(&mut self, item: Option<T>) {
        self.item = Some(item.map(Box::new));
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

/// A many-to-one relationship: `post.author`. Loaded, it holds the target
/// (or `None` for a NULL key).
///
/// Assigning a target and saving writes the key from it: the relationship
/// wins over a hand-set key field.
pub struct BelongsTo<T> {
    item: Option<Option<Box<T>>>,
    origin: Origin,
}

slot_common!(BelongsTo, item);

impl<T> BelongsTo<T> {
    /// A slot loaded with `target`.
    pub fn loaded(target: T) -> Self {
        BelongsTo {
            item: Some(Some(Box::new(target))),
            origin: Origin::default(),
        }
    }

    /// A slot loaded with no target (a NULL key).
    pub fn loaded_none() -> Self {
        BelongsTo {
            item: Some(None),
            origin: Origin::default(),
        }
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

    /// Loads the slot with `target`.
    pub fn set(&mut self, target: Option<T>) {
        self.item = Some(target.map(Box::new));
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
            Ok(HasMany {
                items: Option::<Vec<T>>::deserialize(d)?,
                origin: Origin::default(),
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
