//! Rules that span several attributes or fields. Each function states its
//! rule; every violation is recorded, none stops the others.

use std::collections::HashMap;

use syn::spanned::Spanned;

use super::ast::{Container, Field};
use super::ctxt::Ctxt;
use super::relation::Kind;
use super::relation::RelAttrs;
use super::symbol::SKIP;

pub fn check(cx: &Ctxt, cont: &Container) {
    check_primary_key(cx, cont);
    check_auto(cx, cont);
    check_skip(cx, cont);
    check_unique_columns(cx, cont);
    check_version(cx, cont);
    check_relation_types(cx, cont);
    check_belongs_to_keys(cx, cont);
    check_relation_options(cx, cont);
    check_secondary_columns(cx, cont);
    check_slots_have_relationships(cx, cont);
    check_many_to_many_options(cx, cont);
    check_on_delete(cx, cont);
    check_back_populates_names(cx, cont);
    check_shared_keys(cx, cont);
}

/// A many-to-many deletes only its association rows: the targets are
/// shared, so `cascade` (delete, delete-orphan) has nothing it may delete.
fn check_many_to_many_options(cx: &Ctxt, cont: &Container) {
    for (field, rel) in cont.relations() {
        if rel.kind != Kind::ManyToMany {
            continue;
        }
        if let Some(span) = rel.cascade_span
            && (rel.cascade_delete || rel.cascade_delete_orphan.is_some())
        {
            cx.syn_error(syn::Error::new(
                span,
                format!(
                    "`cascade` on `{}.{}`, a many-to-many: deleting a `{}` or removing a `{}` from it deletes only the association rows, never a `{}` (other rows may share it); remove `cascade`, and delete the `{}` rows yourself if they should go",
                    cont.ident,
                    field.name,
                    cont.ident,
                    rel.target_name(),
                    rel.target_name(),
                    rel.target_name()
                ),
            ));
        }
    }
}

/// `on_delete` is the action of a foreign key, so it belongs on the side
/// that holds the key (the belongs_to), and `set null` needs a key that
/// can be NULL.
fn check_on_delete(cx: &Ctxt, cont: &Container) {
    use super::relation::OnDelete;
    for (field, rel) in cont.relations() {
        let Some((action, span)) = rel.on_delete else {
            continue;
        };
        let owner = format!("`{}.{}`", cont.ident, field.name);
        if rel.kind == Kind::ManyToMany {
            cx.syn_error(syn::Error::new(
                span,
                format!(
                    "`on_delete` on {owner}, a many-to-many: the keys live on the association table, whose rows go with either side (ON DELETE CASCADE); remove `on_delete` (on an association model, give it on that model's `#[belongs_to]`)"
                ),
            ));
            continue;
        }
        if rel.kind != Kind::BelongsTo {
            cx.syn_error(syn::Error::new(
                span,
                format!(
                    "`on_delete` on {owner}, a {}: it is the action of a foreign key, and the key lives on `{}`; put it on the `#[belongs_to({})]` of `{}` instead",
                    rel.kind.describe(),
                    rel.target_name(),
                    cont.ident,
                    rel.target_name()
                ),
            ));
            continue;
        }
        if action == OnDelete::SetNull
            && let Some(key) = cont.key_field(field, rel)
            && !key.is_option()
        {
            cx.syn_error(syn::Error::new(
                span,
                format!(
                    "`on_delete = \"set null\"` on {owner}, but its key `{}.{}` cannot be NULL: make the key an `Option`, or choose \"cascade\" or \"restrict\"",
                    cont.ident, key.name
                ),
            ));
        }
    }
}

/// `back_populates` names the other side's relationship.
fn check_back_populates_names(cx: &Ctxt, cont: &Container) {
    for (field, rel) in cont.relations() {
        let Some(back) = &rel.back_populates else {
            continue;
        };
        if syn::parse_str::<syn::Ident>(&back.value).is_err() {
            cx.syn_error(syn::Error::new(
                back.span,
                format!(
                    "`back_populates = \"{}\"` on `{}.{}` is not a field name: name the `{}` relationship that points back, e.g. `back_populates = \"{}\"`",
                    back.value,
                    cont.ident,
                    field.name,
                    rel.target_name(),
                    heck::ToSnakeCase::to_snake_case(cont.ident.to_string().as_str())
                ),
            ));
        }
    }
}

/// Two belongs_to writing one key column would overwrite each other's
/// value (SQLAlchemy warns of relationships that "copy column" over the
/// same one).
fn check_shared_keys(cx: &Ctxt, cont: &Container) {
    let mut seen: HashMap<String, String> = HashMap::new();
    for (field, rel) in cont.relations() {
        if rel.kind != Kind::BelongsTo {
            continue;
        }
        let Some(key) = cont.key_field(field, rel) else {
            continue;
        };
        if let Some(first) = seen.get(&key.name) {
            cx.syn_error(syn::Error::new(
                rel.key.as_ref().map_or(rel.span, |k| k.span),
                format!(
                    "`{}.{}` uses the key `{}.{}`, which `{}.{first}` already uses: two relationships writing one column overwrite each other; give `{}.{}` its own key field, or remove it",
                    cont.ident, field.name, cont.ident, key.name, cont.ident, cont.ident, field.name
                ),
            ));
        } else {
            seen.insert(key.name.clone(), field.name.clone());
        }
    }
}

/// A `HasMany`/`HasOne`/`BelongsTo` field holds a relationship, so it
/// needs the attribute saying which.
fn check_slots_have_relationships(cx: &Ctxt, cont: &Container) {
    for field in &cont.fields {
        let Some(slot) = field.slot_type() else {
            continue;
        };
        if field.relation.is_some() || field.attrs.skip.is_some() {
            continue;
        }
        let attr = match slot.as_str() {
            "HasMany" => "has_many",
            "HasOne" => "has_one",
            _ => "belongs_to",
        };
        cx.syn_error(syn::Error::new(
            field.ty.span(),
            format!(
                "`{}.{}` is a `{slot}` but has no `#[{attr}(Target)]`: add it to say which model it relates to",
                cont.ident, field.name
            ),
        ));
    }
}

/// A model needs a primary key: rows are fetched, updated and deleted by it.
fn check_primary_key(cx: &Ctxt, cont: &Container) {
    if cont.primary_key().next().is_none() {
        cx.error_spanned_by(
            cont.ident,
            format!(
                "model `{}` has no primary key: mark its key field with `#[model(primary_key)]` (several fields make a composite key)",
                cont.ident
            ),
        );
    }
}

/// `auto` belongs on the one field of a single-column primary key.
fn check_auto(cx: &Ctxt, cont: &Container) {
    let pk_count = cont.primary_key().count();
    for field in cont.columns() {
        let Some((true, span)) = field.attrs.auto else {
            continue;
        };
        if field.attrs.primary_key.is_none() {
            cx.syn_error(syn::Error::new(
                span,
                format!(
                    "`auto` on `{}.{}`, which is not the primary key: only a key is generated by the database; add `primary_key` or remove `auto`",
                    cont.ident, field.name
                ),
            ));
        } else if pk_count > 1 {
            cx.syn_error(syn::Error::new(
                span,
                format!(
                    "`auto` on `{}.{}`, part of a composite key: the database generates only single-column keys; remove `auto`",
                    cont.ident, field.name
                ),
            ));
        }
    }
}

/// A skipped field is not a column, so column attributes make no sense on it.
fn check_skip(cx: &Ctxt, cont: &Container) {
    for field in &cont.fields {
        if field.attrs.skip.is_none() {
            continue;
        }
        for (name, span) in &field.attrs.given {
            if name.0 != SKIP.0 {
                cx.syn_error(syn::Error::new(
                    *span,
                    format!(
                        "`{}` on `{}.{}`, which is `skip`: a skipped field is not a column; remove one of them",
                        name, cont.ident, field.name
                    ),
                ));
            }
        }
    }
}

/// A model has at most one version counter, and it is an ordinary
/// column: the key identifies the row, the version says which state of
/// it was read.
fn check_version(cx: &Ctxt, cont: &Container) {
    let mut first: Option<&str> = None;
    for field in cont.columns() {
        let Some(span) = field.attrs.version else {
            continue;
        };
        if let Some(first) = first {
            cx.syn_error(syn::Error::new(
                span,
                format!(
                    "`{}.{}` and `{}.{}` are both `version`: a model has one version counter; remove one",
                    cont.ident, first, cont.ident, field.name
                ),
            ));
        }
        first.get_or_insert(&field.name);
        if field.attrs.primary_key.is_some() {
            cx.syn_error(syn::Error::new(
                span,
                format!(
                    "`{}.{}` is both `primary_key` and `version`: the key names the row and the version changes with every update; use a separate field",
                    cont.ident, field.name
                ),
            ));
        }
    }
}

/// Two fields cannot map to the same column.
fn check_unique_columns(cx: &Ctxt, cont: &Container) {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for field in cont.columns() {
        if let Some(first) = seen.insert(&field.column, &field.name) {
            cx.syn_error(syn::Error::new(
                field.span,
                format!(
                    "`{}.{}` and `{}.{}` both map to column `{}`: give one a different `column = \"..\"`",
                    cont.ident, first, cont.ident, field.name, field.column
                ),
            ));
        }
    }
}

/// A relationship field's type is the slot of its kind holding its target:
/// `#[has_many(Post)]` goes on a `HasMany<Post>`.
fn check_relation_types(cx: &Ctxt, cont: &Container) {
    for (field, rel) in cont.relations() {
        let target = rel.target_name();
        let ok = slot_fits(cont.ident, field, rel);
        if !ok {
            cx.syn_error(syn::Error::new(
                field.ty.span(),
                format!(
                    "`{}.{}` is `#[{}({target})]`, so its type must be `{}<{target}>`",
                    cont.ident,
                    field.name,
                    rel.kind.attr(),
                    rel.kind.slot()
                ),
            ));
        }
    }
}

/// Whether `field`'s type is the slot of its relationship `rel`:
/// `HasMany<Target>`, `HasOne<Target>` or `BelongsTo<Target>`.
pub fn slot_fits(model: &syn::Ident, field: &Field, rel: &RelAttrs) -> bool {
    let target = rel.target_name();
    match field.ty {
        syn::Type::Path(p) if p.qself.is_none() => match p.path.segments.last() {
            Some(seg) if seg.ident == rel.kind.slot() => match &seg.arguments {
                syn::PathArguments::AngleBracketed(args) => match args.args.first() {
                    Some(syn::GenericArgument::Type(syn::Type::Path(arg))) => {
                        arg.path.segments.last().is_some_and(|s| {
                            s.ident == target || (target == "Self" && s.ident == *model)
                        })
                    }
                    _ => false,
                },
                _ => false,
            },
            _ => false,
        },
        _ => false,
    }
}

/// A belongs_to needs its key field on the same model (`key = ".."` or
/// `<field>_id`), and that field takes its foreign key from the
/// relationship, not from `references`.
fn check_belongs_to_keys(cx: &Ctxt, cont: &Container) {
    for (field, rel) in cont.relations() {
        if rel.kind != Kind::BelongsTo {
            continue;
        }
        match cont.key_field(field, rel) {
            None => {
                let wanted = rel
                    .key
                    .as_ref()
                    .map_or_else(|| format!("{}_id", field.name), |k| k.value.clone());
                let skipped = cont
                    .fields
                    .iter()
                    .any(|f| f.name == wanted && f.attrs.skip.is_some());
                let message = match &rel.key {
                    _ if skipped => format!(
                        "`{}.{wanted}`, the key of `{}.{}`, is marked `skip`, so it is not a column: remove `skip` from it",
                        cont.ident, cont.ident, field.name
                    ),
                    Some(k) => format!(
                        "`key = \"{}\"` on `{}.{}` names no column field of `{}`: name the field holding the foreign key to `{}`",
                        k.value,
                        cont.ident,
                        field.name,
                        cont.ident,
                        rel.target_name()
                    ),
                    None => format!(
                        "`{}.{}` is `#[belongs_to({})]` but `{}` has no field `{}_id`: add the key field, or name it with `key = \"..\"`",
                        cont.ident,
                        field.name,
                        rel.target_name(),
                        cont.ident,
                        field.name
                    ),
                };
                let span = rel.key.as_ref().map_or(rel.span, |k| k.span);
                cx.syn_error(syn::Error::new(span, message));
            }
            Some(key) if key.attrs.references.is_some() => {
                cx.syn_error(syn::Error::new(
                    key.span,
                    format!(
                        "`{}.{}` is the key of `{}.{}`, which already makes it a foreign key to `{}`: remove `references`",
                        cont.ident, key.name, cont.ident, field.name, rel.target_name()
                    ),
                ));
            }
            Some(_) => {}
        }
    }
}

/// Options that belong to one side only: `key`/`references` to belongs_to,
/// `foreign_key` to has_many/has_one; `delete-orphan` needs the collection
/// side; `back_populates` and `backref` exclude each other.
fn check_relation_options(cx: &Ctxt, cont: &Container) {
    for (field, rel) in cont.relations() {
        let owner = format!("`{}.{}`", cont.ident, field.name);
        if rel.kind == Kind::BelongsTo {
            if let Some(fk) = &rel.foreign_key {
                cx.syn_error(syn::Error::new(
                    fk.span,
                    format!("`foreign_key` on {owner}: a belongs_to names its own key field with `key = \"..\"`"),
                ));
            }
            if let Some(span) = rel.cascade_delete_orphan {
                cx.syn_error(syn::Error::new(
                    span,
                    format!(
                        "`delete-orphan` on {owner}, a belongs_to: a row is an orphan of its parent, so declare it on the parent's has_many/has_one (`#[has_many({}, cascade = \"all, delete-orphan\")]` on `{}`)",
                        cont.ident,
                        rel.target_name()
                    ),
                ));
            }
        } else {
            for (opt, name) in [(&rel.key, "key"), (&rel.references, "references")] {
                if let Some(v) = opt {
                    cx.syn_error(syn::Error::new(
                        v.span,
                        format!(
                            "`{name}` on {owner}, a {}: the key lives on `{}`; name it with `foreign_key = \"..\"`",
                            rel.kind.attr(),
                            rel.target_name()
                        ),
                    ));
                }
            }
        }
        if let (Some(_), Some(backref)) = (&rel.back_populates, &rel.backref) {
            cx.syn_error(syn::Error::new(
                backref.span,
                format!("{owner} has both `back_populates` and `backref`: use `back_populates` when both sides are declared, `backref` when only this one is"),
            ));
        }
        if let Some(backref) = &rel.backref
            && syn::parse_str::<syn::Ident>(&backref.value).is_err()
        {
            cx.syn_error(syn::Error::new(
                backref.span,
                format!(
                    "`backref = \"{}\"` on {owner} is not a valid method name",
                    backref.value
                ),
            ));
        }
    }
}

/// A declared association table needs two different columns; a
/// self-referential one cannot take both defaults (`<model>_id`).
fn check_secondary_columns(cx: &Ctxt, cont: &Container) {
    use heck::ToSnakeCase;
    for (field, rel) in cont.relations() {
        let Some(sec) = &rel.secondary else { continue };
        if sec.table.is_none() {
            continue;
        }
        let left = sec
            .left
            .as_ref()
            .map(|l| l.value.clone())
            .unwrap_or_else(|| format!("{}_id", cont.ident.to_string().to_snake_case()));
        let right = sec
            .right
            .as_ref()
            .map(|r| r.value.clone())
            .unwrap_or_else(|| format!("{}_id", rel.target_name().to_snake_case()));
        if left == right && (sec.left.is_none() || sec.right.is_none()) {
            cx.syn_error(syn::Error::new(
                sec.span,
                format!(
                    "`#[secondary]` on `{}.{}` relates `{}` to itself, so `left` and `right` would both be `{left}`: name them, e.g. `left = \"follower_id\", right = \"followed_id\"`",
                    cont.ident, field.name, cont.ident
                ),
            ));
        }
    }
}
