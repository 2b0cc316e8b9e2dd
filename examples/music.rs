//! The Chinook sample database: playlists and tracks, many-to-many through
//! `PlaylistTrack`.
//!
//! The Chinook SQLite script (../shared/data/chinook, MIT license) is loaded
//! into an in-memory SQLite database; the models below read it as it is
//! (`rename_all = "PascalCase"` matches its column names), then copy it into
//! the database given on the command line with `create_all` and
//! `insert_many`, and walk the many-to-many there.
//!
//! ```text
//! cargo run --example music                                  # into SQLite
//! cargo run --example music -- postgres://root@127.0.0.1/test
//! cargo run --example music -- mysql://root@127.0.0.1/test
//! ```

use std::path::PathBuf;

use orm::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "Artist", rename_all = "PascalCase")]
pub struct Artist {
    #[model(primary_key, auto = false)]
    pub artist_id: i64,
    pub name: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "Album", rename_all = "PascalCase")]
pub struct Album {
    #[model(primary_key, auto = false)]
    pub album_id: i64,
    pub title: String,
    pub artist_id: i64,
    #[belongs_to(Artist)]
    pub artist: BelongsTo<Artist>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "Track", rename_all = "PascalCase")]
pub struct Track {
    #[model(primary_key, auto = false)]
    pub track_id: i64,
    pub name: String,
    pub album_id: Option<i64>,
    pub composer: Option<String>,
    pub milliseconds: i64,
    pub unit_price: f64,
    #[belongs_to(Album)]
    pub album: BelongsTo<Album>,
    #[has_many(Playlist, back_populates = "tracks")]
    #[secondary(PlaylistTrack)]
    pub playlists: HasMany<Playlist>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "Playlist", rename_all = "PascalCase")]
pub struct Playlist {
    #[model(primary_key, auto = false)]
    pub playlist_id: i64,
    pub name: Option<String>,
    #[has_many(Track, back_populates = "playlists", order_by = "Name")]
    #[secondary(PlaylistTrack)]
    pub tracks: HasMany<Track>,
}

/// The association object of Playlist and Track.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "PlaylistTrack", rename_all = "PascalCase")]
pub struct PlaylistTrack {
    #[model(primary_key, references = Playlist)]
    pub playlist_id: i64,
    #[model(primary_key, references = Track)]
    pub track_id: i64,
}

/// Where the Chinook scripts are: `$CHINOOK_DIR`, or `../shared/data/chinook`
/// beside the repository.
pub fn chinook_script() -> Option<PathBuf> {
    let dir = std::env::var_os("CHINOOK_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/chinook")
        });
    let path = dir.join("Chinook_Sqlite.sql");
    path.exists().then_some(path)
}

/// The Chinook database in an in-memory SQLite database.
pub async fn load_source(script: &std::path::Path) -> orm::Result<Db> {
    let sql = std::fs::read_to_string(script)
        .map_err(|e| Error::Config(format!("cannot read {}: {e}", script.display())))?;
    let source = Db::connect("sqlite::memory:").await?;
    source.execute_script(&sql).await?;
    Ok(source)
}

/// The models of this example, referenced tables first.
pub fn schema() -> orm::Schema {
    orm::models![Artist, Album, Track, Playlist, PlaylistTrack]
}

/// Copies Chinook's artists, albums, tracks and playlists from `source`
/// into `target` (tables created if missing), keeping their keys.
pub async fn copy(source: &Db, target: &Db) -> orm::Result<()> {
    target.drop_all(&schema()).await?;
    target.create_all(&schema()).await?;
    target
        .insert_many(Artist::query().all(source).await?)
        .await?;
    target
        .insert_many(Album::query().all(source).await?)
        .await?;
    target
        .insert_many(Track::query().all(source).await?)
        .await?;
    target
        .insert_many(Playlist::query().all(source).await?)
        .await?;
    target
        .insert_many(PlaylistTrack::query().all(source).await?)
        .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> orm::Result<()> {
    let Some(script) = chinook_script() else {
        eprintln!("Chinook_Sqlite.sql not found: set CHINOOK_DIR to the folder holding it");
        std::process::exit(2);
    };
    let source = load_source(&script).await?;
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sqlite::memory:".into());
    let db = Db::connect(&url).await?;
    copy(&source, &db).await?;
    println!("copied Chinook into {db}");

    for playlist in Playlist::query()
        .order_by(Playlist::PLAYLIST_ID)
        .all(&db)
        .await?
    {
        let tracks = playlist.tracks().count(&db).await?;
        println!(
            "{:>4} tracks  {}",
            tracks,
            playlist.name.as_deref().unwrap_or("?")
        );
    }

    let grunge = Playlist::query()
        .filter(Playlist::NAME.eq("Grunge"))
        .one(&db)
        .await?;
    println!("\nGrunge, first five by name:");
    for track in grunge.tracks().limit(5).all(&db).await? {
        let album = track
            .album()
            .get(&db)
            .await?
            .map(|a| a.title)
            .unwrap_or_default();
        println!(
            "  {} ({album}, {} s)",
            track.name,
            track.milliseconds / 1000
        );
    }

    let in_many = Track::query()
        .filter(Track::PLAYLISTS.any(Playlist::NAME.eq("Classical")))
        .filter(Track::PLAYLISTS.any(Playlist::NAME.eq("90’s Music")))
        .count(&db)
        .await?;
    println!("\ntracks both in Classical and 90’s Music: {in_many}");
    Ok(())
}
