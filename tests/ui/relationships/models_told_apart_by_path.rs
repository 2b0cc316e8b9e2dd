use orm::prelude::*;

mod billing {
    use orm::prelude::*;
    use orm::HasMany;

    #[derive(Model)]
    pub struct User {
        #[model(primary_key)]
        pub id: i64,
        #[has_many(super::Post, back_populates = "user")]
        pub posts: HasMany<super::Post>,
    }
}

mod accounts {
    use orm::prelude::*;
    use orm::HasMany;

    #[derive(Model)]
    pub struct User {
        #[model(primary_key)]
        pub id: i64,
        #[has_many(super::Post, back_populates = "user")]
        pub posts: HasMany<super::Post>,
    }
}

/// The post belongs to a billing user; an accounts user of the same name
/// claims it too.
#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    pub user_id: i64,
    #[belongs_to(billing::User, back_populates = "posts")]
    pub user: orm::BelongsTo<billing::User>,
}

fn main() {}
