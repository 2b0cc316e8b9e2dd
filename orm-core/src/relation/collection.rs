//! What the two collection kinds (has_many, many-to-many) share: taking
//! the loaded collections out of their parents, inserting their new rows in
//! one batch, putting them back with the keys that a later save compares
//! against, and telling added from removed members.

use rustc_hash::FxHashSet;

use crate::backend::Target;
use crate::error::Result;
use crate::model::{HasMany, Model};
use crate::value::{HashKey, Value};

/// One parent's collection, taken out of its slot.
pub(crate) struct Taken<T> {
    /// The parent's position among the models.
    pub parent: usize,
    /// The parent's key (the value children point at).
    pub owner: Value,
    /// The rows: existing ones first, then the new ones (with their keys
    /// once inserted).
    pub rows: Vec<T>,
    /// How many of `rows` existed before.
    pub existing: usize,
}

/// Takes the collections of `models` out of `slot`, readies every row for
/// its parent with `claim`, and inserts the new rows of all parents in one
/// graph insert.
pub(crate) async fn take_and_insert<P: Model, T: Model>(
    models: &mut [P],
    slot: fn(&mut P) -> &mut HasMany<T>,
    owner_column: usize,
    claim: impl Fn(&mut T, &Value) -> Result<()>,
    target: Target<'_>,
) -> Result<Vec<Taken<T>>> {
    let mut taken = Vec::new();
    let mut new_rows: Vec<T> = Vec::new();
    let mut new_counts = Vec::new();
    for (parent, m) in models.iter_mut().enumerate() {
        let Some((items, fresh, _)) = slot(m).take_marked()? else {
            continue;
        };
        let owner = m.column_value(owner_column)?;
        let mut rows = Vec::with_capacity(items.len());
        let mut count = 0;
        for (mut item, is_new) in items.into_iter().zip(fresh) {
            claim(&mut item, &owner)?;
            if is_new {
                new_rows.push(item);
                count += 1;
            } else {
                rows.push(item);
            }
        }
        let existing = rows.len();
        new_counts.push(count);
        taken.push(Taken {
            parent,
            owner,
            rows,
            existing,
        });
    }
    super::graph::insert_graph(&mut new_rows, target).await?;
    let mut new_rows = new_rows.into_iter();
    for (t, count) in taken.iter_mut().zip(new_counts) {
        t.rows.extend(new_rows.by_ref().take(count));
    }
    Ok(taken)
}

/// Puts each collection back into its parent's slot, loaded, remembering
/// the members' keys (at `member_column` of each row) for a later save.
pub(crate) fn put_back<P: Model, T: Model>(
    models: &mut [P],
    slot: fn(&mut P) -> &mut HasMany<T>,
    taken: Vec<Taken<T>>,
    member_column: usize,
) -> Result<()> {
    for t in taken {
        slot(&mut models[t.parent]).set_loaded(t.rows, member_column, T::column_value);
    }
    Ok(())
}

/// What is in `now` but not in `before`, and the reverse; with no record of
/// `before`, everything is added.
pub(crate) fn diff(now: &[Value], before: Option<&[Value]>) -> (Vec<Value>, Vec<Value>) {
    let Some(before) = before else {
        return (now.to_vec(), Vec::new());
    };
    let now_set: FxHashSet<HashKey> = now.iter().cloned().map(HashKey).collect();
    let before_set: FxHashSet<HashKey> = before.iter().cloned().map(HashKey).collect();
    let added = now
        .iter()
        .filter(|v| !before_set.contains(&HashKey((*v).clone())))
        .cloned()
        .collect();
    let removed = before
        .iter()
        .filter(|v| !now_set.contains(&HashKey((*v).clone())))
        .cloned()
        .collect();
    (added, removed)
}

/// A saved parent's collection, taken out of its slot: the rows, which of
/// them are new, and the member keys it was loaded with (`None` when the
/// ORM did not load it: no record of what was there before).
pub(crate) struct Marked<T> {
    pub items: Vec<T>,
    pub fresh: Vec<bool>,
    pub before: Option<Vec<Value>>,
}

/// Takes `model`'s collection out of `slot` for a save; `None` when the
/// slot is not loaded (nothing to write).
pub(crate) fn take_marked<P, T>(
    model: &mut P,
    slot: fn(&mut P) -> &mut HasMany<T>,
) -> Result<Option<Marked<T>>> {
    Ok(slot(model)
        .take_marked()?
        .map(|(items, fresh, before)| Marked {
            items,
            fresh,
            before,
        }))
}

impl<T: Model> Marked<T> {
    /// Tells new rows from existing ones by their key where the database
    /// generates it (`member` is a generated key): a row holding one (not
    /// 0) came from the database — added through `get_mut` rather than
    /// `push_existing`, an insert would make a second copy of it under a
    /// new key — and a row whose key is still 0 has never been inserted,
    /// however it was added.
    pub(crate) fn by_generated_keys(&mut self, member: usize) -> Result<()> {
        for (item, is_new) in self.items.iter().zip(self.fresh.iter_mut()) {
            if let Some(set) = generated_key(item, member)? {
                *is_new = !set;
            }
        }
        Ok(())
    }
}

impl<T> Marked<T> {
    /// The rows that existed, the new ones, the member keys as loaded, and
    /// whether each position held a new row (for [`rejoin`]).
    #[allow(clippy::type_complexity)]
    pub(crate) fn split(self) -> (Vec<T>, Vec<T>, Option<Vec<Value>>, Vec<bool>) {
        let mut existing = Vec::new();
        let mut new_rows = Vec::new();
        for (item, &is_new) in self.items.into_iter().zip(&self.fresh) {
            if is_new {
                new_rows.push(item);
            } else {
                existing.push(item);
            }
        }
        (existing, new_rows, self.before, self.fresh)
    }

    /// Puts the collection back as it was taken (a save refused before
    /// writing anything).
    pub(crate) fn restore<P>(self, model: &mut P, slot: fn(&mut P) -> &mut HasMany<T>) {
        slot(model).restore(self.items, self.fresh, self.before);
    }
}

/// The rows [`Marked::split`] parted, back in the order the collection
/// held them: `fresh` tells, position by position, which of the two each
/// came from.
pub(crate) fn rejoin<T>(existing: Vec<T>, new_rows: Vec<T>, fresh: &[bool]) -> Vec<T> {
    let mut existing = existing.into_iter();
    let mut new_rows = new_rows.into_iter();
    let mut out: Vec<T> = fresh
        .iter()
        .filter_map(|&is_new| {
            if is_new {
                new_rows.next()
            } else {
                existing.next()
            }
        })
        .collect();
    out.extend(existing);
    out.extend(new_rows);
    out
}

/// Whether `row` holds a key the database generated in column `column`
/// (not 0): `None` when the column is not a generated key.
pub(crate) fn generated_key<T: Model>(row: &T, column: usize) -> Result<Option<bool>> {
    if !T::META.columns.get(column).is_some_and(|c| c.auto) {
        return Ok(None);
    }
    let unset = matches!(
        row.column_value(column)?,
        Value::I16(0) | Value::I32(0) | Value::I64(0)
    );
    Ok(Some(!unset))
}
