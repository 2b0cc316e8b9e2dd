//! `#[belongs_to(..)]`, `#[has_many(..)]`, `#[has_one(..)]` parsed into a
//! typed relationship.

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;

use super::ctxt::Ctxt;
use super::symbol::*;

/// The kind of a relationship. A many-to-many is declared as a
/// `#[has_many]` with `#[secondary]`; it becomes `ManyToMany` once the
/// `#[secondary]` attribute is attached.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    BelongsTo,
    HasMany,
    HasOne,
    ManyToMany,
}

impl Kind {
    /// The attribute that declares it.
    pub fn attr(self) -> &'static str {
        match self {
            Kind::BelongsTo => "belongs_to",
            Kind::HasMany | Kind::ManyToMany => "has_many",
            Kind::HasOne => "has_one",
        }
    }

    /// The name of the field type that holds it.
    pub fn slot(self) -> &'static str {
        match self {
            Kind::BelongsTo => "BelongsTo",
            Kind::HasMany | Kind::ManyToMany => "HasMany",
            Kind::HasOne => "HasOne",
        }
    }

    /// The runtime's `RelationKind` variant.
    pub fn variant(self) -> &'static str {
        match self {
            Kind::BelongsTo => "BelongsTo",
            Kind::HasMany => "HasMany",
            Kind::HasOne => "HasOne",
            Kind::ManyToMany => "ManyToMany",
        }
    }

    /// How it is described in generated docs.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::BelongsTo => "many-to-one",
            Kind::HasMany => "one-to-many",
            Kind::HasOne => "one-to-one",
            Kind::ManyToMany => "many-to-many",
        }
    }
}

/// `lazy = ".."`: how a relationship loads when a query does not say.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Lazy {
    Raise,
    Selectin,
    Joined,
}

impl Lazy {
    /// The runtime's `Lazy` variant.
    pub fn variant(self) -> &'static str {
        match self {
            Lazy::Raise => "Raise",
            Lazy::Selectin => "Selectin",
            Lazy::Joined => "Joined",
        }
    }
}

/// `on_delete = ".."`: the foreign key's action.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDelete {
    #[default]
    NoAction,
    Cascade,
    SetNull,
    Restrict,
}

impl OnDelete {
    /// The runtime's `OnDelete` variant.
    pub fn variant(self) -> &'static str {
        match self {
            OnDelete::NoAction => "NoAction",
            OnDelete::Cascade => "Cascade",
            OnDelete::SetNull => "SetNull",
            OnDelete::Restrict => "Restrict",
        }
    }
}

pub struct Str {
    pub value: String,
    pub span: Span,
}

pub struct RelAttrs {
    pub kind: Kind,
    pub span: Span,
    pub target: syn::Path,
    pub key: Option<Str>,
    pub references: Option<Str>,
    pub foreign_key: Option<Str>,
    pub back_populates: Option<Str>,
    pub backref: Option<Str>,
    pub on_delete: Option<(OnDelete, Span)>,
    pub cascade_delete: bool,
    pub cascade_delete_orphan: Option<Span>,
    /// Where `cascade = ".."` was given.
    pub cascade_span: Option<Span>,
    pub order_by: Option<(String, bool)>,
    /// Where `order_by = ".."` was given.
    pub order_by_span: Option<Span>,
    pub lazy: Lazy,
    /// `#[secondary(..)]` next to a has_many: set exactly when `kind` is
    /// `ManyToMany`.
    pub secondary: Option<SecondaryAttrs>,
}

impl RelAttrs {
    /// The foreign key action (`NO ACTION` unless given).
    pub fn on_delete(&self) -> OnDelete {
        self.on_delete.map(|(action, _)| action).unwrap_or_default()
    }

    /// The target model's name: the last segment of its path.
    pub fn target_name(&self) -> String {
        self.target
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default()
    }
}

use super::attr::get_lit_str as lit_str;

/// Parses one relationship attribute of field `model.field`.
pub fn parse(
    cx: &Ctxt,
    model: &syn::Ident,
    field: &str,
    attr: &syn::Attribute,
    kind: Kind,
) -> Option<RelAttrs> {
    let owner = format!("`{model}.{field}`");
    let mut target: Option<syn::Path> = None;
    let mut rel = RelAttrs {
        kind,
        span: attr.path().span(),
        target: syn::parse_quote!(Self),
        key: None,
        references: None,
        foreign_key: None,
        back_populates: None,
        backref: None,
        on_delete: None,
        cascade_delete: false,
        cascade_delete_orphan: None,
        cascade_span: None,
        order_by: None,
        order_by_span: None,
        lazy: Lazy::Raise,
        secondary: None,
    };
    let mut seen: Vec<String> = Vec::new();
    let result = attr.parse_nested_meta(|meta| {
        let name = meta.path.to_token_stream().to_string().replace(' ', "");
        let bare = meta.input.is_empty() || meta.input.peek(syn::Token![,]);
        if bare && target.is_none() && seen.is_empty() {
            target = Some(meta.path.clone());
            seen.push("target".into());
            return Ok(());
        }
        if seen.contains(&name) {
            return Err(meta.error(format!("duplicate `{name}` in `#[{}]` on {owner}: give it once", kind.attr())));
        }
        seen.push(name.clone());
        let string = |meta: &syn::meta::ParseNestedMeta| -> syn::Result<Str> {
            let lit = lit_str(meta, &name)?;
            Ok(Str {
                value: lit.value(),
                span: lit.span(),
            })
        };
        if meta.path == KEY {
            rel.key = Some(string(&meta)?);
        } else if meta.path == REFERENCES {
            rel.references = Some(string(&meta)?);
        } else if meta.path == FOREIGN_KEY {
            rel.foreign_key = Some(string(&meta)?);
        } else if meta.path == BACK_POPULATES {
            rel.back_populates = Some(string(&meta)?);
        } else if meta.path == BACKREF {
            rel.backref = Some(string(&meta)?);
        } else if meta.path == ON_DELETE {
            let lit = lit_str(&meta, "on_delete")?;
            let action = match lit.value().to_ascii_lowercase().as_str() {
                "cascade" => OnDelete::Cascade,
                "set null" => OnDelete::SetNull,
                "restrict" => OnDelete::Restrict,
                "no action" => OnDelete::NoAction,
                other => {
                    return Err(syn::Error::new(
                        lit.span(),
                        format!(
                            "unknown on_delete action `{other}` on {owner}: expected \"cascade\", \"set null\", \"restrict\" or \"no action\""
                        ),
                    ));
                }
            };
            rel.on_delete = Some((action, lit.span()));
        } else if meta.path == CASCADE {
            let lit = lit_str(&meta, "cascade")?;
            rel.cascade_span = Some(lit.span());
            for option in lit.value().split(',').map(str::trim).filter(|o| !o.is_empty()) {
                match option {
                    "all" | "delete" => rel.cascade_delete = true,
                    "delete-orphan" => rel.cascade_delete_orphan = Some(lit.span()),
                    "save-update" | "merge" | "refresh-expire" | "expunge" => {}
                    other => cx.syn_error(syn::Error::new(
                        lit.span(),
                        format!(
                            "unknown cascade option `{other}` on {owner}: expected a comma-separated list of \"save-update\", \"merge\", \"delete\", \"delete-orphan\", \"all\""
                        ),
                    )),
                }
            }
        } else if meta.path == ORDER_BY {
            let lit = lit_str(&meta, "order_by")?;
            rel.order_by_span = Some(lit.span());
            let value = lit.value();
            let mut words = value.split_whitespace();
            let column = words.next().unwrap_or_default().to_string();
            let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(_) => {
                    return Err(syn::Error::new(
                        lit.span(),
                        format!("`order_by` on {owner} is \"column\", \"column asc\" or \"column desc\""),
                    ));
                }
            };
            if column.is_empty() || words.next().is_some() {
                return Err(syn::Error::new(
                    lit.span(),
                    format!("`order_by` on {owner} is \"column\", \"column asc\" or \"column desc\""),
                ));
            }
            rel.order_by = Some((column, desc));
        } else if meta.path == LAZY {
            let lit = lit_str(&meta, "lazy")?;
            rel.lazy = match lit.value().as_str() {
                "raise" => Lazy::Raise,
                "selectin" | "select" => Lazy::Selectin,
                "joined" => Lazy::Joined,
                other => {
                    return Err(syn::Error::new(
                        lit.span(),
                        format!("unknown lazy strategy `{other}` on {owner}: expected \"raise\", \"selectin\" or \"joined\""),
                    ));
                }
            };
        } else {
            return Err(meta.error(format!(
                "unknown `{}` option `{name}` on {owner}: expected the target model first, then any of {RELATION_ATTRS}",
                kind.attr()
            )));
        }
        Ok(())
    });
    if let Err(err) = result {
        cx.syn_error(err);
    }
    match target {
        Some(t) => {
            rel.target = t;
            Some(rel)
        }
        None => {
            cx.syn_error(syn::Error::new(
                attr.span(),
                format!(
                    "`#[{}]` on {owner} needs the target model first, e.g. `#[{}(User)]`",
                    kind.attr(),
                    kind.attr()
                ),
            ));
            None
        }
    }
}

/// `#[secondary(Assoc)]` or `#[secondary(table = "..", left = "..", right = "..")]`.
pub struct SecondaryAttrs {
    pub span: Span,
    pub model: Option<syn::Path>,
    pub table: Option<Str>,
    pub left: Option<Str>,
    pub right: Option<Str>,
}

pub fn parse_secondary(cx: &Ctxt, owner: &str, attr: &syn::Attribute) -> SecondaryAttrs {
    let mut out = SecondaryAttrs {
        span: attr.path().span(),
        model: None,
        table: None,
        left: None,
        right: None,
    };
    let result = attr.parse_nested_meta(|meta| {
        let bare = meta.input.is_empty() || meta.input.peek(syn::Token![,]);
        let name = meta.path.to_token_stream().to_string().replace(' ', "");
        let string = |slot: &mut Option<Str>| -> syn::Result<()> {
            let lit = lit_str(&meta, &name)?;
            if slot.is_some() {
                return Err(syn::Error::new(lit.span(), format!("duplicate `{name}` in `#[secondary]` on {owner}")));
            }
            *slot = Some(Str { value: lit.value(), span: lit.span() });
            Ok(())
        };
        if bare && out.model.is_none() && name != "table" {
            out.model = Some(meta.path.clone());
            Ok(())
        } else if name == "table" {
            string(&mut out.table)
        } else if name == "left" {
            string(&mut out.left)
        } else if name == "right" {
            string(&mut out.right)
        } else {
            Err(meta.error(format!(
                "unknown `secondary` option `{name}` on {owner}: expected an association model first, or `table = \"..\"`, then `left`, `right`"
            )))
        }
    });
    if let Err(e) = result {
        cx.syn_error(e);
    }
    out
}
