//! The `orm` command line: `orm migrate run | revert | status` on a folder
//! of migrations, and `orm generate models` for an existing database.
//! Installed with `cargo install orm --features cli`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    orm::cli::tool().await
}
