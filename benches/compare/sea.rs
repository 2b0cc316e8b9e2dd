//! SeaORM 2, through its idiomatic API: dense entities, `find`,
//! `find_also_related`, `insert_many`, the Entity Loader and nested
//! ActiveModel saves.

#![allow(clippy::all)]

pub mod user {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub hair_color: Option<String>,
        #[sea_orm(has_many)]
        pub posts: HasMany<super::post::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod post {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "posts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub user_id: i32,
        pub title: String,
        pub body: Option<String>,
        #[sea_orm(belongs_to, from = "user_id", to = "id")]
        pub user: BelongsTo<super::user::Entity>,
        #[sea_orm(has_many)]
        pub comments: HasMany<super::comment::Entity>,
        #[sea_orm(has_many, via = "post_tag")]
        pub tags: HasMany<super::tag::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod comment {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "comments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub post_id: i32,
        pub text: String,
        #[sea_orm(belongs_to, from = "post_id", to = "id")]
        pub post: BelongsTo<super::post::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod tag {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tags")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        #[sea_orm(has_many, via = "post_tag")]
        pub posts: HasMany<super::post::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod post_tag {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "post_tags")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub post_id: i32,
        #[sea_orm(primary_key, auto_increment = false)]
        pub tag_id: i32,
        #[sea_orm(belongs_to, from = "post_id", to = "id")]
        pub post: BelongsTo<super::post::Entity>,
        #[sea_orm(belongs_to, from = "tag_id", to = "id")]
        pub tag: BelongsTo<super::tag::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

use sea_orm::{ActiveValue::Set, DatabaseConnection, TransactionTrait, entity::*, query::*};

use crate::fixture::{hair_color, user_name};

pub async fn trivial(db: &DatabaseConnection) -> Vec<user::Model> {
    user::Entity::find().all(db).await.unwrap()
}

pub async fn get(db: &DatabaseConnection, id: i32) -> user::Model {
    user::Entity::find_by_id(id).one(db).await.unwrap().unwrap()
}

pub async fn medium(db: &DatabaseConnection) -> Vec<(user::Model, Option<post::Model>)> {
    user::Entity::find()
        .find_also_related(post::Entity)
        .filter(user::Column::HairColor.eq("black"))
        .all(db)
        .await
        .unwrap()
}

pub async fn insert(db: &DatabaseConnection, n: usize) {
    let users = (0..n).map(|i| user::ActiveModel {
        name: Set(user_name(i)),
        hair_color: Set(Some(hair_color(i).to_string())),
        ..Default::default()
    });
    user::Entity::insert_many(users).exec(db).await.unwrap();
}

pub async fn associations(db: &DatabaseConnection) -> Vec<user::ModelEx> {
    user::Entity::load()
        .with((post::Entity, comment::Entity))
        .all(db)
        .await
        .unwrap()
}

pub async fn posts_with_tags(db: &DatabaseConnection) -> Vec<post::ModelEx> {
    post::Entity::load()
        .with(tag::Entity)
        .all(db)
        .await
        .unwrap()
}

/// Nested ActiveModel saves (SeaORM's graph persistence), one user at a
/// time, in one transaction.
pub async fn graph_insert(db: &DatabaseConnection, users: usize, per_user: usize) {
    let tx = db.begin().await.unwrap();
    for i in 0..users {
        let mut user = user::ActiveModel::builder()
            .set_name(user_name(i))
            .set_hair_color(Some(hair_color(i).to_string()));
        for j in 0..per_user {
            user = user.add_post(
                post::ActiveModel::builder()
                    .set_title(format!("Post {j}"))
                    .set_body(None),
            );
        }
        user.save(&tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}
