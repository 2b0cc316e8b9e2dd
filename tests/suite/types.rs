//! Every supported field type round-trips on every backend, boundary
//! values included.

use orm::Json;
use orm::prelude::*;

use crate::harness::Backend;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    pub theme: String,
    pub tags: Vec<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Everything {
    #[model(primary_key)]
    pub id: i64,
    pub small: i16,
    pub int: i32,
    pub big: i64,
    pub float: f32,
    pub double: f64,
    pub flag: bool,
    pub text: String,
    pub bytes: Vec<u8>,
    pub date: chrono::NaiveDate,
    pub datetime: chrono::NaiveDateTime,
    pub utc: chrono::DateTime<chrono::Utc>,
    pub uuid: uuid::Uuid,
    pub decimal: rust_decimal::Decimal,
    pub json: Json<Settings>,
    pub maybe_int: Option<i32>,
    pub maybe_text: Option<String>,
    pub maybe_bytes: Option<Vec<u8>>,
    pub maybe_date: Option<chrono::NaiveDate>,
    pub maybe_uuid: Option<uuid::Uuid>,
    pub maybe_decimal: Option<rust_decimal::Decimal>,
    pub maybe_json: Option<Json<Settings>>,
}

pub(crate) fn lows() -> Everything {
    use chrono::TimeZone;
    Everything {
        id: 0,
        small: i16::MIN,
        int: i32::MIN,
        big: i64::MIN,
        float: -1.5,
        double: f64::MIN_POSITIVE,
        flag: false,
        text: String::new(),
        bytes: Vec::new(),
        date: chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(),
        datetime: chrono::NaiveDate::from_ymd_opt(2000, 2, 29)
            .unwrap()
            .and_hms_micro_opt(0, 0, 0, 1)
            .unwrap(),
        utc: chrono::Utc
            .with_ymd_and_hms(1999, 12, 31, 23, 59, 59)
            .unwrap(),
        uuid: uuid::Uuid::nil(),
        decimal: "-12345678901234567.123456789012".parse().unwrap(),
        json: Json(Settings {
            theme: String::new(),
            tags: vec![],
        }),
        maybe_int: None,
        maybe_text: None,
        maybe_bytes: None,
        maybe_date: None,
        maybe_uuid: None,
        maybe_decimal: None,
        maybe_json: None,
    }
}

pub(crate) fn highs() -> Everything {
    use chrono::TimeZone;
    Everything {
        id: 0,
        small: i16::MAX,
        int: i32::MAX,
        big: i64::MAX,
        float: 3.25,
        double: 1.0e300,
        flag: true,
        text: "日本語 ✓ emoji 🦀 and 'quotes' \"double\" `back`".into(),
        bytes: vec![0, 1, 2, 254, 255],
        date: chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
        datetime: chrono::NaiveDate::from_ymd_opt(2038, 1, 19)
            .unwrap()
            .and_hms_micro_opt(3, 14, 8, 999_999)
            .unwrap(),
        utc: chrono::Utc.with_ymd_and_hms(2100, 6, 15, 12, 0, 0).unwrap(),
        uuid: uuid::Uuid::from_u128(0xdead_beef_0123_4567_89ab_cdef_0011_2233),
        decimal: "99999999999999.999999999999".parse().unwrap(),
        json: Json(Settings {
            theme: "dark ☾".into(),
            tags: vec!["a".into(), "b\"c".into()],
        }),
        maybe_int: Some(0),
        maybe_text: Some(String::new()),
        maybe_bytes: Some(vec![]),
        maybe_date: Some(chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()),
        maybe_uuid: Some(uuid::Uuid::max()),
        maybe_decimal: Some(rust_decimal::Decimal::ZERO),
        maybe_json: Some(Json(Settings {
            theme: "light".into(),
            tags: vec![],
        })),
    }
}

scenario!(async fn every_type_round_trips(db, backend) {
    db.create_all(&orm::models![Everything]).await?;
    for original in [lows(), highs()] {
        let inserted = db.insert(original.clone()).await?;
        let loaded = Everything::get(db, inserted.id).await?;
        assert_eq!(loaded, Everything { id: inserted.id, ..original.clone() });
    }
    let both = db.insert_many(vec![lows(), highs()]).await?;
    let loaded = Everything::query().filter(Everything::ID.in_list(both.iter().map(|e| e.id))).order_by(Everything::ID).all(db).await?;
    assert_eq!(loaded, both);
    // A bulk insert binds text and bytes from the rows in place.
    assert_eq!(db.bulk_insert(&[lows(), highs()]).await?, 2);
    let mut loaded = Everything::query().filter(Everything::ID.gt(both[1].id)).order_by(Everything::ID).all(db).await?;
    for row in &mut loaded {
        row.id = 0;
    }
    assert_eq!(loaded, [lows(), highs()]);
    Ok(())
});

scenario!(async fn typed_values_filter_correctly(db, backend) {
    db.create_all(&orm::models![Everything]).await?;
    let low = db.insert(lows()).await?;
    let high = db.insert(highs()).await?;
    let q = |e: Expr| Everything::query().filter(e);
    assert_eq!(q(Everything::BIG.eq(i64::MIN)).one(db).await?.id, low.id);
    assert_eq!(q(Everything::SMALL.gt(0_i16)).one(db).await?.id, high.id);
    assert_eq!(q(Everything::FLAG.eq(true)).one(db).await?.id, high.id);
    assert_eq!(q(Everything::UUID.eq(uuid::Uuid::nil())).one(db).await?.id, low.id);
    assert_eq!(q(Everything::DATE.lt(chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap())).one(db).await?.id, low.id);
    assert_eq!(q(Everything::TEXT.eq(highs().text)).one(db).await?.id, high.id);
    assert_eq!(q(Everything::MAYBE_INT.is_null()).one(db).await?.id, low.id);
    assert_eq!(q(Everything::BYTES.eq(vec![0u8, 1, 2, 254, 255])).one(db).await?.id, high.id);
    if backend != Backend::Sqlite {
        // Decimals compare numerically where the column is numeric.
        let d: rust_decimal::Decimal = "0".parse().unwrap();
        assert_eq!(q(Everything::DECIMAL.gt(d)).one(db).await?.id, high.id);
    }
    Ok(())
});

/// The `time` crate's types (feature `time`).
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "time_values")]
pub struct Times {
    #[model(primary_key)]
    pub id: i64,
    pub date: time::Date,
    pub at: time::PrimitiveDateTime,
    pub utc: time::OffsetDateTime,
    pub maybe: Option<time::OffsetDateTime>,
}

scenario!(async fn time_crate_values_round_trip_with_their_boundaries(db, backend) {
    use time::macros::{date, datetime};
    db.create_all(&orm::models![Times]).await?;
    let cases = [
        (date!(1970-01-01), datetime!(2000-02-29 0:00:00.000_001), datetime!(1999-12-31 23:59:59 UTC), None),
        (date!(2038-01-19), datetime!(2038-01-19 3:14:07.999_999), datetime!(2024-06-01 12:00 +2), Some(datetime!(1971-01-01 0:00 UTC))),
        // Nanoseconds: PostgreSQL and MySQL keep microseconds, and the
        // value returned says so.
        (date!(9999-12-31), datetime!(2024-01-01 0:00:00.123_456_789), datetime!(2024-01-01 0:00:00.987_654_321 UTC), None),
    ];
    for (date, at, utc, maybe) in cases {
        let written = db.insert(Times { id: 0, date, at, utc, maybe }).await?;
        let read = Times::get(db, written.id).await?;
        assert_eq!(read, written, "what insert returned is what the database holds");
        assert_eq!(read.date, date);
        if backend == Backend::Sqlite {
            assert_eq!((read.at, read.utc), (at, utc));
        } else {
            assert_eq!(read.at.nanosecond() / 1000, at.nanosecond() / 1000);
            assert_eq!(read.utc.unix_timestamp_nanos() / 1000, utc.unix_timestamp_nanos() / 1000, "the same instant");
        }
    }
    let later = Times::query()
        .filter(Times::AT.gt(datetime!(2020-01-01 0:00)))
        .count(db)
        .await?;
    assert_eq!(later, 2);
    let none = Times::query().filter(Times::MAYBE.is_null()).count(db).await?;
    assert_eq!(none, 2);
    // Offsets compare as instants on every backend (12:00 +2 is 10:00 UTC).
    let at_ten = Times::query().filter(Times::UTC.eq(datetime!(2024-06-01 10:00 UTC))).count(db).await?;
    assert_eq!(at_ten, 1);
    let before = Times::query().filter(Times::UTC.lt(datetime!(2024-06-01 10:00:01 UTC))).count(db).await?;
    assert_eq!(before, 3);
    Ok(())
});

scenario!(async fn in_list_finds_rows_by_every_scalar_type(db, backend) {
    db.create_all(&orm::models![Everything]).await?;
    let (low, high) = (db.insert(lows()).await?, db.insert(highs()).await?);
    let rec = db.recorder();
    macro_rules! listed {
        ($($column:ident: $field:ident),*) => {$(
            let both = Everything::query()
                .filter(Everything::$column.in_list([low.$field.clone(), high.$field.clone()]))
                .count(db)
                .await?;
            assert_eq!(both, 2, stringify!($field));
            let others = Everything::query()
                .filter(Everything::$column.not_in([high.$field.clone()]))
                .all(db)
                .await?;
            assert_eq!(others, vec![low.clone()], stringify!($field));
        )*};
    }
    listed!(SMALL: small, INT: int, BIG: big, FLOAT: float, DOUBLE: double, FLAG: flag, TEXT: text, BYTES: bytes, UUID: uuid);
    if backend == Backend::Postgres {
        // Each list binds as one array, whatever its type.
        let sql = rec.take();
        assert_eq!(sql.len(), 18);
        for (i, s) in sql.iter().enumerate() {
            let array = if i % 2 == 0 { "= ANY($1)" } else { "<> ALL($1)" };
            assert!(s.contains(array), "{s}");
        }
    }
    Ok(())
});
