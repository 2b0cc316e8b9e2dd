//! examples/music.rs on every backend: Chinook copied through the models,
//! and each playlist's track count through the many-to-many equal to plain
//! SQL on the original data.

#[path = "../examples/music.rs"]
#[allow(dead_code)]
mod music;

#[path = "suite/harness.rs"]
#[macro_use]
#[allow(dead_code, unused_macros)]
mod harness;

use music::*;
use orm::prelude::*;

scenario!(async fn chinook_playlists_match_plain_sql(db, backend) {
    let Some(script) = chinook_script() else {
        eprintln!("Chinook_Sqlite.sql not found (set CHINOOK_DIR): skipped");
        return Ok(());
    };
    let source = load_source(&script).await?;
    copy(&source, db).await?;

    // Plain SQL on the original data.
    let playlists: Vec<Playlist> = Playlist::query().order_by(Playlist::PLAYLIST_ID).all(&source).await?;
    assert_eq!(playlists.len(), 18);
    let rec = db.recorder();
    for p in &playlists {
        let expected: i64 = orm::raw("SELECT COUNT(*) FROM PlaylistTrack WHERE PlaylistId = ?")
            .bind(p.playlist_id)
            .scalar(&source)
            .await?;
        rec.clear();
        let through_orm = p.tracks().count(db).await?;
        assert_eq!(rec.count(), 1, "one statement per lazy read");
        assert_eq!(through_orm, expected, "playlist {}", p.playlist_id);
    }
    // The same tracks, not only the same number.
    let grunge = playlists.iter().find(|p| p.name.as_deref() == Some("Grunge")).unwrap();
    let mut expected: Vec<i64> = orm::raw("SELECT * FROM PlaylistTrack WHERE PlaylistId = ?")
        .bind(grunge.playlist_id)
        .all::<PlaylistTrack>(&source)
        .await?
        .into_iter()
        .map(|r| r.track_id)
        .collect();
    assert_eq!(expected.len(), 15);
    expected.sort();
    let mut got: Vec<i64> = grunge.tracks().all(db).await?.into_iter().map(|t| t.track_id).collect();
    got.sort();
    assert_eq!(got, expected);
    // And from the other side.
    let in_grunge = Track::query().filter(Track::PLAYLISTS.contains(grunge)).count(db).await?;
    assert_eq!(in_grunge, expected.len() as i64);
    Ok(())
});
