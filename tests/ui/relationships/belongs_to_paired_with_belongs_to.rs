use orm::prelude::*;
use orm::BelongsTo;

#[derive(Model)]
pub struct Husband {
    #[model(primary_key)]
    pub id: i64,
    pub wife_id: Option<i64>,
    #[belongs_to(Wife, back_populates = "husband")]
    pub wife: BelongsTo<Wife>,
}

#[derive(Model)]
pub struct Wife {
    #[model(primary_key)]
    pub id: i64,
    pub husband_id: Option<i64>,
    #[belongs_to(Husband, back_populates = "wife")]
    pub husband: BelongsTo<Husband>,
}

fn main() {}
