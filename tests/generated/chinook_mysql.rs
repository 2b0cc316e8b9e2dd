//! Models of the tables of a MySQL database, written by `orm generate models`.
//!
//! Generated with `--features chrono,rust_decimal`: the project needs those features of `orm`, and the crates `chrono`, `rust_decimal`.
//!
//! Text columns in `utf8mb3_general_ci` keep that collation in this database; the models do not declare it (`collation` takes a utf8mb4 one).

use orm::prelude::*;

#[derive(Model, Debug, Clone)]
#[model(table = "Album")]
pub struct Album {
    #[model(primary_key, auto = false, column = "AlbumId")]
    pub album_id: i32,
    #[model(column = "Title", max_length = 160)]
    pub title: String,
    #[model(column = "ArtistId", index)]
    pub artist_id: i32,
    #[belongs_to(Artist, back_populates = "albums")]
    pub artist: BelongsTo<Artist>,
    #[has_many(Track, back_populates = "album")]
    pub tracks: HasMany<Track>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "Artist")]
pub struct Artist {
    #[model(primary_key, auto = false, column = "ArtistId")]
    pub artist_id: i32,
    #[model(column = "Name", max_length = 120)]
    pub name: Option<String>,
    #[has_many(Album, back_populates = "artist")]
    pub albums: HasMany<Album>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "Customer")]
pub struct Customer {
    #[model(primary_key, auto = false, column = "CustomerId")]
    pub customer_id: i32,
    #[model(column = "FirstName", max_length = 40)]
    pub first_name: String,
    #[model(column = "LastName", max_length = 20)]
    pub last_name: String,
    #[model(column = "Company", max_length = 80)]
    pub company: Option<String>,
    #[model(column = "Address", max_length = 70)]
    pub address: Option<String>,
    #[model(column = "City", max_length = 40)]
    pub city: Option<String>,
    #[model(column = "State", max_length = 40)]
    pub state: Option<String>,
    #[model(column = "Country", max_length = 40)]
    pub country: Option<String>,
    #[model(column = "PostalCode", max_length = 10)]
    pub postal_code: Option<String>,
    #[model(column = "Phone", max_length = 24)]
    pub phone: Option<String>,
    #[model(column = "Fax", max_length = 24)]
    pub fax: Option<String>,
    #[model(column = "Email", max_length = 60)]
    pub email: String,
    #[model(column = "SupportRepId", index)]
    pub support_rep_id: Option<i32>,
    #[belongs_to(Employee, back_populates = "customers")]
    pub support_rep: BelongsTo<Employee>,
    #[has_many(Invoice, back_populates = "customer")]
    pub invoices: HasMany<Invoice>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "Employee")]
pub struct Employee {
    #[model(primary_key, auto = false, column = "EmployeeId")]
    pub employee_id: i32,
    #[model(column = "LastName", max_length = 20)]
    pub last_name: String,
    #[model(column = "FirstName", max_length = 20)]
    pub first_name: String,
    #[model(column = "Title", max_length = 30)]
    pub title: Option<String>,
    #[model(column = "ReportsTo", index)]
    pub reports_to: Option<i32>,
    #[belongs_to(Employee, key = "reports_to", back_populates = "employees")]
    pub reports_to_employee: BelongsTo<Employee>,
    #[model(column = "BirthDate")]
    pub birth_date: Option<chrono::NaiveDateTime>,
    #[model(column = "HireDate")]
    pub hire_date: Option<chrono::NaiveDateTime>,
    #[model(column = "Address", max_length = 70)]
    pub address: Option<String>,
    #[model(column = "City", max_length = 40)]
    pub city: Option<String>,
    #[model(column = "State", max_length = 40)]
    pub state: Option<String>,
    #[model(column = "Country", max_length = 40)]
    pub country: Option<String>,
    #[model(column = "PostalCode", max_length = 10)]
    pub postal_code: Option<String>,
    #[model(column = "Phone", max_length = 24)]
    pub phone: Option<String>,
    #[model(column = "Fax", max_length = 24)]
    pub fax: Option<String>,
    #[model(column = "Email", max_length = 60)]
    pub email: Option<String>,
    #[has_many(Customer, back_populates = "support_rep")]
    pub customers: HasMany<Customer>,
    #[has_many(Employee, back_populates = "reports_to_employee")]
    pub employees: HasMany<Employee>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "Genre")]
pub struct Genre {
    #[model(primary_key, auto = false, column = "GenreId")]
    pub genre_id: i32,
    #[model(column = "Name", max_length = 120)]
    pub name: Option<String>,
    #[has_many(Track, back_populates = "genre")]
    pub tracks: HasMany<Track>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "Invoice")]
pub struct Invoice {
    #[model(primary_key, auto = false, column = "InvoiceId")]
    pub invoice_id: i32,
    #[model(column = "CustomerId", index)]
    pub customer_id: i32,
    #[belongs_to(Customer, back_populates = "invoices")]
    pub customer: BelongsTo<Customer>,
    #[model(column = "InvoiceDate")]
    pub invoice_date: chrono::NaiveDateTime,
    #[model(column = "BillingAddress", max_length = 70)]
    pub billing_address: Option<String>,
    #[model(column = "BillingCity", max_length = 40)]
    pub billing_city: Option<String>,
    #[model(column = "BillingState", max_length = 40)]
    pub billing_state: Option<String>,
    #[model(column = "BillingCountry", max_length = 40)]
    pub billing_country: Option<String>,
    #[model(column = "BillingPostalCode", max_length = 10)]
    pub billing_postal_code: Option<String>,
    #[model(column = "Total")]
    pub total: rust_decimal::Decimal,
    #[has_many(InvoiceLine, back_populates = "invoice")]
    pub invoice_lines: HasMany<InvoiceLine>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "InvoiceLine")]
pub struct InvoiceLine {
    #[model(primary_key, auto = false, column = "InvoiceLineId")]
    pub invoice_line_id: i32,
    #[model(column = "InvoiceId", index)]
    pub invoice_id: i32,
    #[belongs_to(Invoice, back_populates = "invoice_lines")]
    pub invoice: BelongsTo<Invoice>,
    #[model(column = "TrackId", index)]
    pub track_id: i32,
    #[belongs_to(Track, back_populates = "invoice_lines")]
    pub track: BelongsTo<Track>,
    #[model(column = "UnitPrice")]
    pub unit_price: rust_decimal::Decimal,
    #[model(column = "Quantity")]
    pub quantity: i32,
}

#[derive(Model, Debug, Clone)]
#[model(table = "MediaType")]
pub struct MediaType {
    #[model(primary_key, auto = false, column = "MediaTypeId")]
    pub media_type_id: i32,
    #[model(column = "Name", max_length = 120)]
    pub name: Option<String>,
    #[has_many(Track, back_populates = "media_type")]
    pub tracks: HasMany<Track>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "Playlist")]
pub struct Playlist {
    #[model(primary_key, auto = false, column = "PlaylistId")]
    pub playlist_id: i32,
    #[model(column = "Name", max_length = 120)]
    pub name: Option<String>,
    #[has_many(Track, back_populates = "playlists")]
    #[secondary(PlaylistTrack)]
    pub tracks: HasMany<Track>,
}

/// Index `IFK_PlaylistTrackPlaylistId` on (PlaylistId): not declared by the model.
/// Index `IFK_PlaylistTrackTrackId` on (TrackId): not declared by the model.
#[derive(Model, Debug, Clone)]
#[model(table = "PlaylistTrack")]
pub struct PlaylistTrack {
    #[model(primary_key, column = "PlaylistId", references = Playlist)]
    pub playlist_id: i32,
    #[model(primary_key, column = "TrackId", references = Track)]
    pub track_id: i32,
}

#[derive(Model, Debug, Clone)]
#[model(table = "Track")]
pub struct Track {
    #[model(primary_key, auto = false, column = "TrackId")]
    pub track_id: i32,
    #[model(column = "Name", max_length = 200)]
    pub name: String,
    #[model(column = "AlbumId", index)]
    pub album_id: Option<i32>,
    #[belongs_to(Album, back_populates = "tracks")]
    pub album: BelongsTo<Album>,
    #[model(column = "MediaTypeId", index)]
    pub media_type_id: i32,
    #[belongs_to(MediaType, back_populates = "tracks")]
    pub media_type: BelongsTo<MediaType>,
    #[model(column = "GenreId", index)]
    pub genre_id: Option<i32>,
    #[belongs_to(Genre, back_populates = "tracks")]
    pub genre: BelongsTo<Genre>,
    #[model(column = "Composer", max_length = 220)]
    pub composer: Option<String>,
    #[model(column = "Milliseconds")]
    pub milliseconds: i32,
    #[model(column = "Bytes")]
    pub bytes: Option<i32>,
    #[model(column = "UnitPrice")]
    pub unit_price: rust_decimal::Decimal,
    #[has_many(InvoiceLine, back_populates = "track")]
    pub invoice_lines: HasMany<InvoiceLine>,
    #[has_many(Playlist, back_populates = "tracks")]
    #[secondary(PlaylistTrack)]
    pub playlists: HasMany<Playlist>,
}
