//! Models of the tables of a PostgreSQL database, written by `orm generate models`.
//!
//! Generated with `--features chrono,rust_decimal`: the project needs those features of `orm`, and the crates `chrono`, `rust_decimal`.

use orm::prelude::*;

#[derive(Model, Debug, Clone)]
#[model(table = "album")]
pub struct Album {
    #[model(primary_key, auto = false)]
    pub album_id: i32,
    #[model(max_length = 160)]
    pub title: String,
    #[model(index)]
    pub artist_id: i32,
    #[belongs_to(Artist, back_populates = "albums")]
    pub artist: BelongsTo<Artist>,
    #[has_many(Track, back_populates = "album")]
    pub tracks: HasMany<Track>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "artist")]
pub struct Artist {
    #[model(primary_key, auto = false)]
    pub artist_id: i32,
    #[model(max_length = 120)]
    pub name: Option<String>,
    #[has_many(Album, back_populates = "artist")]
    pub albums: HasMany<Album>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "customer")]
pub struct Customer {
    #[model(primary_key, auto = false)]
    pub customer_id: i32,
    #[model(max_length = 40)]
    pub first_name: String,
    #[model(max_length = 20)]
    pub last_name: String,
    #[model(max_length = 80)]
    pub company: Option<String>,
    #[model(max_length = 70)]
    pub address: Option<String>,
    #[model(max_length = 40)]
    pub city: Option<String>,
    #[model(max_length = 40)]
    pub state: Option<String>,
    #[model(max_length = 40)]
    pub country: Option<String>,
    #[model(max_length = 10)]
    pub postal_code: Option<String>,
    #[model(max_length = 24)]
    pub phone: Option<String>,
    #[model(max_length = 24)]
    pub fax: Option<String>,
    #[model(max_length = 60)]
    pub email: String,
    #[model(index)]
    pub support_rep_id: Option<i32>,
    #[belongs_to(Employee, back_populates = "customers")]
    pub support_rep: BelongsTo<Employee>,
    #[has_many(Invoice, back_populates = "customer")]
    pub invoices: HasMany<Invoice>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "employee")]
pub struct Employee {
    #[model(primary_key, auto = false)]
    pub employee_id: i32,
    #[model(max_length = 20)]
    pub last_name: String,
    #[model(max_length = 20)]
    pub first_name: String,
    #[model(max_length = 30)]
    pub title: Option<String>,
    #[model(index)]
    pub reports_to: Option<i32>,
    #[belongs_to(Employee, key = "reports_to", back_populates = "employees")]
    pub reports_to_employee: BelongsTo<Employee>,
    pub birth_date: Option<chrono::NaiveDateTime>,
    pub hire_date: Option<chrono::NaiveDateTime>,
    #[model(max_length = 70)]
    pub address: Option<String>,
    #[model(max_length = 40)]
    pub city: Option<String>,
    #[model(max_length = 40)]
    pub state: Option<String>,
    #[model(max_length = 40)]
    pub country: Option<String>,
    #[model(max_length = 10)]
    pub postal_code: Option<String>,
    #[model(max_length = 24)]
    pub phone: Option<String>,
    #[model(max_length = 24)]
    pub fax: Option<String>,
    #[model(max_length = 60)]
    pub email: Option<String>,
    #[has_many(Customer, back_populates = "support_rep")]
    pub customers: HasMany<Customer>,
    #[has_many(Employee, back_populates = "reports_to_employee")]
    pub employees: HasMany<Employee>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "genre")]
pub struct Genre {
    #[model(primary_key, auto = false)]
    pub genre_id: i32,
    #[model(max_length = 120)]
    pub name: Option<String>,
    #[has_many(Track, back_populates = "genre")]
    pub tracks: HasMany<Track>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "invoice")]
pub struct Invoice {
    #[model(primary_key, auto = false)]
    pub invoice_id: i32,
    #[model(index)]
    pub customer_id: i32,
    #[belongs_to(Customer, back_populates = "invoices")]
    pub customer: BelongsTo<Customer>,
    pub invoice_date: chrono::NaiveDateTime,
    #[model(max_length = 70)]
    pub billing_address: Option<String>,
    #[model(max_length = 40)]
    pub billing_city: Option<String>,
    #[model(max_length = 40)]
    pub billing_state: Option<String>,
    #[model(max_length = 40)]
    pub billing_country: Option<String>,
    #[model(max_length = 10)]
    pub billing_postal_code: Option<String>,
    pub total: rust_decimal::Decimal,
    #[has_many(InvoiceLine, back_populates = "invoice")]
    pub invoice_lines: HasMany<InvoiceLine>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "invoice_line")]
pub struct InvoiceLine {
    #[model(primary_key, auto = false)]
    pub invoice_line_id: i32,
    #[model(index)]
    pub invoice_id: i32,
    #[belongs_to(Invoice, back_populates = "invoice_lines")]
    pub invoice: BelongsTo<Invoice>,
    #[model(index)]
    pub track_id: i32,
    #[belongs_to(Track, back_populates = "invoice_lines")]
    pub track: BelongsTo<Track>,
    pub unit_price: rust_decimal::Decimal,
    pub quantity: i32,
}

#[derive(Model, Debug, Clone)]
#[model(table = "media_type")]
pub struct MediaType {
    #[model(primary_key, auto = false)]
    pub media_type_id: i32,
    #[model(max_length = 120)]
    pub name: Option<String>,
    #[has_many(Track, back_populates = "media_type")]
    pub tracks: HasMany<Track>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "playlist")]
pub struct Playlist {
    #[model(primary_key, auto = false)]
    pub playlist_id: i32,
    #[model(max_length = 120)]
    pub name: Option<String>,
    #[has_many(Track, back_populates = "playlists")]
    #[secondary(PlaylistTrack)]
    pub tracks: HasMany<Track>,
}

/// Index `playlist_track_playlist_id_idx` on (playlist_id): not declared by the model.
/// Index `playlist_track_track_id_idx` on (track_id): not declared by the model.
#[derive(Model, Debug, Clone)]
#[model(table = "playlist_track")]
pub struct PlaylistTrack {
    #[model(primary_key, references = Playlist)]
    pub playlist_id: i32,
    #[model(primary_key, references = Track)]
    pub track_id: i32,
}

#[derive(Model, Debug, Clone)]
#[model(table = "track")]
pub struct Track {
    #[model(primary_key, auto = false)]
    pub track_id: i32,
    #[model(max_length = 200)]
    pub name: String,
    #[model(index)]
    pub album_id: Option<i32>,
    #[belongs_to(Album, back_populates = "tracks")]
    pub album: BelongsTo<Album>,
    #[model(index)]
    pub media_type_id: i32,
    #[belongs_to(MediaType, back_populates = "tracks")]
    pub media_type: BelongsTo<MediaType>,
    #[model(index)]
    pub genre_id: Option<i32>,
    #[belongs_to(Genre, back_populates = "tracks")]
    pub genre: BelongsTo<Genre>,
    #[model(max_length = 220)]
    pub composer: Option<String>,
    pub milliseconds: i32,
    pub bytes: Option<i32>,
    pub unit_price: rust_decimal::Decimal,
    #[has_many(InvoiceLine, back_populates = "track")]
    pub invoice_lines: HasMany<InvoiceLine>,
    #[has_many(Playlist, back_populates = "tracks")]
    #[secondary(PlaylistTrack)]
    pub playlists: HasMany<Playlist>,
}
