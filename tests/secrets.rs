//! A database password never appears in an error, a `Debug` or `Display`
//! text, or a log line, whatever the URL looks like: encoded or not,
//! parsable or not, in the user part or as a query parameter. Its own test
//! binary: it captures every log event of the process.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orm::{ConnectOptions, Db};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The secret every URL below carries, and its parts as they may be
/// encoded or cut.
const SECRET: &str = "Zq8xK2";

/// URLs whose password holds characters that need encoding, written
/// without it, and passwords given as a parameter.
fn urls(scheme: &str, hostport: &str, db: &str) -> Vec<String> {
    let s = SECRET;
    vec![
        format!("{scheme}://root:{s}@{hostport}/{db}"),
        format!("{scheme}://root:{s}%2Fx@{hostport}/{db}"),
        format!("{scheme}://root:{s}/x@{hostport}/{db}"),
        format!("{scheme}://root:x/{s}@{hostport}/{db}"),
        format!("{scheme}://root:{s}#x@{hostport}/{db}"),
        format!("{scheme}://root:x#{s}@{hostport}/{db}"),
        format!("{scheme}://root:{s}?x@{hostport}/{db}"),
        format!("{scheme}://root:x?{s}@{hostport}/{db}"),
        format!("{scheme}://root:{s}@x@{hostport}/{db}"),
        format!("{scheme}://root:x@{s}@{hostport}/{db}"),
        format!("{scheme}://root:{s}:x@{hostport}/{db}"),
        format!("{scheme}://root@{hostport}/{db}?password={s}"),
        format!("{scheme}://root@{hostport}/{db}?sslmode=disable&password={s}&x=1"),
        format!("{scheme}://root@{hostport}/{db}?password={s}%2Fx"),
        format!("{scheme}://root:{s}@[::1/{db}"),
        format!("{scheme}://root:{s}@{hostport}:notaport/{db}"),
        format!("{scheme}:/root:{s}@{hostport}/{db}"),
        format!("{scheme}://:{s}@{hostport}/{db}"),
        format!("{scheme}://root:{s}@"),
        format!("{scheme}://root:{s}"),
    ]
}

/// Every text a failed or successful connection to `url` produces.
async fn texts(url: &str) -> Vec<String> {
    let opts = ConnectOptions::new(url)
        .connect_timeout(Duration::from_secs(3))
        .acquire_timeout(Duration::from_secs(3));
    let mut out = vec![format!("{opts:?}")];
    match Db::connect_with(opts).await {
        Ok(db) => {
            out.push(format!("{db:?}"));
            out.push(format!("{db}"));
            if let Err(e) = orm::raw("SELECT nothing FROM nowhere").execute(&db).await {
                out.push(format!("{e}"));
                out.push(format!("{e:?}"));
            }
            db.close().await;
        }
        Err(e) => {
            out.push(format!("{e}"));
            out.push(format!("{e:?}"));
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                out.push(format!("{s}"));
                out.push(format!("{s:?}"));
                source = s.source();
            }
        }
    }
    out
}

#[tokio::test]
async fn passwords_never_show() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let mut targets = vec![("sqlite", "localhost", "x.db")];
    if std::env::var("ORM_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty()) {
        targets.push(("postgres", "127.0.0.1:5432", "test"));
    }
    if std::env::var("ORM_TEST_MYSQL_URL").is_ok_and(|u| !u.is_empty()) {
        targets.push(("mysql", "127.0.0.1:3306", "test"));
        targets.push(("mariadb", "127.0.0.1:3306", "test"));
    }
    let mut leaks = Vec::new();
    let mut checked = 0;
    for (scheme, hostport, db) in targets {
        for url in urls(scheme, hostport, db) {
            for text in texts(&url).await {
                checked += 1;
                if text.contains(SECRET) {
                    leaks.push(format!("{url}\n    -> {text}"));
                }
            }
        }
    }
    // Give the pools' background tasks time to log.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for line in log.lines().filter(|l| l.contains(SECRET)) {
        leaks.push(format!("log: {line}"));
    }
    assert!(
        leaks.is_empty(),
        "{} of {checked} texts show the password:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
    // SQLite files that the sqlite: URLs above may have made.
    for entry in std::fs::read_dir(".").unwrap().flatten() {
        if entry.file_name().to_string_lossy().contains(SECRET) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
