//! The SQLAlchemy tutorial scenarios of docs/relationships.md, on every
//! backend.

use orm::prelude::*;
use orm::{BelongsTo, HasMany, HasOne};

pub(crate) mod one_to_one {
    use super::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "authors")]
    pub struct Author {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
        #[has_one(Book, back_populates = "author")]
        pub book: HasOne<Book>,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "books")]
    pub struct Book {
        #[model(primary_key)]
        pub id: i64,
        pub title: String,
        pub author_id: i64,
        #[belongs_to(Author, back_populates = "book")]
        pub author: BelongsTo<Author>,
    }
}

scenario!(async fn author_and_book_one_to_one(db, backend) {
    use one_to_one::*;
    db.create_all(&orm::models![Author, Book]).await?;
    let author = db.insert(Author { id: 0, name: "J.R.R. Tolkien".into(), book: HasOne::default() }).await?;
    let book = author
        .book()
        .set(db, Book { id: 0, title: "The Hobbit".into(), author_id: 0, author: BelongsTo::default() })
        .await?;
    assert_eq!(author.book().get(db).await?.map(|b| b.title), Some("The Hobbit".into()));
    assert_eq!(book.author().get(db).await?.name, "J.R.R. Tolkien");
    // uselist=False: a second book for the same author is refused.
    let err = db
        .insert(Book { id: 0, title: "Another".into(), author_id: author.id, author: BelongsTo::default() })
        .await
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err:?}");
    Ok(())
});

pub(crate) mod one_to_many {
    use super::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "users")]
    pub struct User {
        #[model(primary_key)]
        pub id: i64,
        pub username: String,
        #[has_many(Post, back_populates = "author")]
        pub posts: HasMany<Post>,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "posts")]
    pub struct Post {
        #[model(primary_key)]
        pub id: i64,
        pub title: String,
        pub author_id: i64,
        #[belongs_to(User, back_populates = "posts")]
        pub author: BelongsTo<User>,
    }
}

scenario!(async fn user_and_posts_one_to_many(db, backend) {
    use one_to_many::*;
    db.create_all(&orm::models![User, Post]).await?;
    let user = db.insert(User { id: 0, username: "john".into(), posts: HasMany::default() }).await?;
    for title in ["First", "Second"] {
        user.posts()
            .add(db, Post { id: 0, title: title.into(), author_id: 0, author: BelongsTo::default() })
            .await?;
    }
    let posts = user.posts().order_by(Post::ID).all(db).await?;
    assert_eq!(posts.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["First", "Second"]);
    assert_eq!(posts[0].author().get(db).await?.username, "john");
    Ok(())
});

pub(crate) mod products {
    use super::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "users")]
    pub struct User {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
        #[has_many(Product, back_populates = "creator")]
        pub products: HasMany<Product>,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "products")]
    pub struct Product {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
        pub creator_id: i64,
        #[belongs_to(User, back_populates = "products")]
        pub creator: BelongsTo<User>,
    }
}

scenario!(async fn product_creator_reassigned(db, backend) {
    use products::*;
    db.create_all(&orm::models![User, Product]).await?;
    let user1 = db.insert(User { id: 0, name: "user1".into(), products: HasMany::default() }).await?;
    let user2 = db.insert(User { id: 0, name: "user2".into(), products: HasMany::default() }).await?;
    assert_eq!((user1.id, user2.id), (1, 2));
    // Product(name="Book", creator=user1): the relationship fills creator_id.
    let prod = db
        .insert(Product { id: 0, name: "Book".into(), creator_id: 0, creator: BelongsTo::loaded(user1.clone()) })
        .await?;
    assert_eq!(Product::get(db, prod.id).await?.creator_id, 1);
    // filter_by(creator=user1)
    let mine = Product::query().filter(Product::CREATOR.is(&user1)).all(db).await?;
    assert_eq!(mine.len(), 1);
    // prod.creator = user2; commit
    let mut prod = mine.into_iter().next().unwrap();
    prod.creator = BelongsTo::loaded(user2.clone());
    db.update(&mut prod).await?;
    assert_eq!(Product::get(db, prod.id).await?.creator_id, 2);
    assert_eq!(user2.products().count(db).await?, 1);
    assert_eq!(user1.products().count(db).await?, 0);
    Ok(())
});

pub(crate) mod stores {
    use super::*;

    pub fn longer_than_three(name: &String) -> Result<(), String> {
        if name.chars().count() > 3 {
            Ok(())
        } else {
            Err(format!(
                "store name `{name}` must be longer than 3 characters"
            ))
        }
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "users")]
    pub struct User {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
        #[has_one(Store, back_populates = "owner")]
        pub store: HasOne<Store>,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "stores")]
    pub struct Store {
        #[model(primary_key)]
        pub id: i64,
        #[model(validate = longer_than_three)]
        pub name: String,
        pub owner_id: i64,
        #[belongs_to(User, back_populates = "store")]
        pub owner: BelongsTo<User>,
    }
}

scenario!(async fn user_store_with_validation(db, backend) {
    use stores::*;
    db.create_all(&orm::models![User, Store]).await?;
    let user = db.insert(User { id: 0, name: "ann".into(), store: HasOne::default() }).await?;
    let err = user
        .store()
        .set(db, Store { id: 0, name: "Abc".into(), owner_id: 0, owner: BelongsTo::default() })
        .await
        .unwrap_err();
    match err {
        Error::Validation { model: "Store", field: "name", message } => assert!(message.contains("longer than 3")),
        other => panic!("{other:?}"),
    }
    assert_eq!(user.store().get(db).await?, None, "nothing was written");
    let store = user
        .store()
        .set(db, Store { id: 0, name: "Corner".into(), owner_id: 0, owner: BelongsTo::default() })
        .await?;
    assert_eq!(store.owner().get(db).await?.name, "ann");
    Ok(())
});

pub(crate) mod teams {
    use super::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "teams")]
    pub struct Team {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
        pub city: String,
        #[has_many(Player, back_populates = "team")]
        pub players: HasMany<Player>,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "players")]
    pub struct Player {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
        pub position: String,
        pub team_id: i64,
        #[belongs_to(Team, back_populates = "players")]
        pub team: BelongsTo<Team>,
    }
}

scenario!(async fn players_joined_with_teams(db, backend) {
    use teams::*;
    db.create_all(&orm::models![Team, Player]).await?;
    let team = |name: &str, city: &str| Team { id: 0, name: name.into(), city: city.into(), players: HasMany::default() };
    let lakers = db.insert(team("Lakers", "Los Angeles")).await?;
    let celtics = db.insert(team("Celtics", "Boston")).await?;
    let player = |name: &str, position: &str, t: &Team| Player {
        id: 0,
        name: name.into(),
        position: position.into(),
        team_id: t.id,
        team: BelongsTo::default(),
    };
    db.insert_many(vec![
        player("Magic Johnson", "PG", &lakers),
        player("Larry Bird", "SF", &celtics),
        player("Kareem Abdul-Jabbar", "C", &lakers),
    ])
    .await?;
    let rec = db.recorder();
    let rows = Player::query()
        .join(Player::TEAM)
        .order_by(Team::NAME)
        .order_by(Player::NAME)
        .all_with::<Team>(db)
        .await?;
    assert_eq!(rec.count(), 1);
    let listing: Vec<(String, String, String, String)> = rows
        .into_iter()
        .map(|(p, t)| (p.name, p.position, t.name, t.city))
        .collect();
    assert_eq!(
        listing,
        [
            ("Larry Bird".into(), "SF".into(), "Celtics".into(), "Boston".into()),
            ("Kareem Abdul-Jabbar".into(), "C".into(), "Lakers".into(), "Los Angeles".into()),
            ("Magic Johnson".into(), "PG".into(), "Lakers".into(), "Los Angeles".into()),
        ]
    );
    Ok(())
});

pub(crate) mod book_authors {
    use super::*;

    /// `books = relationship("Book", secondary=association_table, backref="authors")`
    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "authors")]
    pub struct Author {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
        #[has_many(Book, backref = "authors")]
        #[secondary(table = "association")]
        pub books: HasMany<Book>,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "books")]
    pub struct Book {
        #[model(primary_key)]
        pub id: i64,
        pub title: String,
    }
}

scenario!(async fn books_and_authors_through_an_association_table(db, backend) {
    use book_authors::*;
    db.create_all(&orm::models![Author]).await?;
    let pratchett = db.insert(Author { id: 0, name: "Pratchett".into(), books: HasMany::default() }).await?;
    let gaiman = db.insert(Author { id: 0, name: "Gaiman".into(), books: HasMany::default() }).await?;
    let omens = db.insert(Book { id: 0, title: "Good Omens".into() }).await?;
    let mort = db.insert(Book { id: 0, title: "Mort".into() }).await?;
    pratchett.books().add_many(db, &[omens.clone(), mort.clone()]).await?;
    gaiman.books().add(db, &omens).await?;
    // The backref: Book.authors.
    let mut authors: Vec<String> = omens.authors().all(db).await?.into_iter().map(|a| a.name).collect();
    authors.sort();
    assert_eq!(authors, ["Gaiman", "Pratchett"]);
    assert_eq!(mort.authors().count(db).await?, 1);
    // create_all declared the association table: a composite key, a
    // foreign key to each side with ON DELETE CASCADE.
    assert!(!gaiman.books().add(db, &omens).await?);
    db.delete(&omens).await?;
    assert_eq!(pratchett.books().count(db).await?, 1);
    Ok(())
});

pub(crate) mod songs {
    use super::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "playlists")]
    pub struct Playlist {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
        #[has_many(Song, back_populates = "playlists", order_by = "title")]
        #[secondary(table = "playlist_songs")]
        pub songs: HasMany<Song>,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "songs")]
    pub struct Song {
        #[model(primary_key)]
        pub id: i64,
        pub title: String,
        #[has_many(Playlist, back_populates = "songs", order_by = "name")]
        #[secondary(table = "playlist_songs")]
        pub playlists: HasMany<Playlist>,
    }
}

scenario!(async fn songs_and_playlists_from_both_sides(db, backend) {
    use songs::*;
    db.create_all(&orm::models![Playlist, Song]).await?;
    let road = db.insert(Playlist { id: 0, name: "Road trip".into(), songs: HasMany::default() }).await?;
    let chill = db.insert(Playlist { id: 0, name: "Chill".into(), songs: HasMany::default() }).await?;
    let s = |t: &str| Song { id: 0, title: t.into(), playlists: HasMany::default() };
    let songs = db.insert_many(vec![s("Africa"), s("Go Your Own Way"), s("Teardrop")]).await?;
    road.songs().add_many(db, &songs[0..2]).await?;
    // Written from the other side.
    songs[2].playlists().add_many(db, &[chill.clone(), road.clone()]).await?;
    let titles: Vec<String> = road.songs().all(db).await?.into_iter().map(|s| s.title).collect();
    assert_eq!(titles, ["Africa", "Go Your Own Way", "Teardrop"]);
    let lists: Vec<String> = songs[2].playlists().all(db).await?.into_iter().map(|p| p.name).collect();
    assert_eq!(lists, ["Chill", "Road trip"]);
    songs[2].playlists().remove(db, &road).await?;
    assert_eq!(road.songs().count(db).await?, 2);
    Ok(())
});

pub(crate) mod rosters {
    use super::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "teams")]
    pub struct Team {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
        pub city: String,
        #[has_many(Player, backref = "teams", order_by = "name")]
        #[secondary(table = "team_players")]
        pub players: HasMany<Player>,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "players")]
    pub struct Player {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
        pub position: String,
    }
}

scenario!(async fn players_and_teams_through_an_association_table(db, backend) {
    use rosters::*;
    db.create_all(&orm::models![Team]).await?;
    let lakers = db.insert(Team { id: 0, name: "Lakers".into(), city: "Los Angeles".into(), players: HasMany::default() }).await?;
    let heat = db.insert(Team { id: 0, name: "Heat".into(), city: "Miami".into(), players: HasMany::default() }).await?;
    let lebron = db.insert(Player { id: 0, name: "LeBron James".into(), position: "SF".into() }).await?;
    let wade = db.insert(Player { id: 0, name: "Dwyane Wade".into(), position: "SG".into() }).await?;
    heat.players().add_many(db, &[lebron.clone(), wade.clone()]).await?;
    lakers.players().add(db, &lebron).await?;
    // Name, position, team name and city: players joined through the
    // association to their teams.
    let rows = Player::query()
        .join(Player::TEAMS)
        .filter(Team::CITY.eq("Miami"))
        .order_by(Player::NAME)
        .all(db)
        .await?;
    assert_eq!(rows.iter().map(|p| (p.name.as_str(), p.position.as_str())).collect::<Vec<_>>(), [("Dwyane Wade", "SG"), ("LeBron James", "SF")]);
    let teams: Vec<(String, String)> = lebron.teams().order_by(Team::NAME).all(db).await?.into_iter().map(|t| (t.name, t.city)).collect();
    assert_eq!(teams, [("Heat".to_string(), "Miami".to_string()), ("Lakers".to_string(), "Los Angeles".to_string())]);
    Ok(())
});
