//! Tells the test suite which database servers it may use, so that the
//! PostgreSQL and MySQL runs of each scenario show as ignored (with the
//! variable that enables them) rather than as passed when no server is
//! configured.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(orm_test_postgres)");
    println!("cargo::rustc-check-cfg=cfg(orm_test_mysql)");
    println!("cargo::rustc-check-cfg=cfg(orm_test_postgres_replica)");
    println!("cargo::rustc-check-cfg=cfg(orm_test_galera)");
    println!("cargo::rustc-check-cfg=cfg(orm_test_pgbouncer)");
    println!("cargo::rustc-check-cfg=cfg(orm_test_mariadb_replication)");
    for (var, cfg) in [
        ("ORM_TEST_POSTGRES_URL", "orm_test_postgres"),
        ("ORM_TEST_MYSQL_URL", "orm_test_mysql"),
        ("ORM_TEST_POSTGRES_REPLICA_URL", "orm_test_postgres_replica"),
        ("ORM_TEST_GALERA_URLS", "orm_test_galera"),
        ("ORM_TEST_PGBOUNCER_URL", "orm_test_pgbouncer"),
        (
            "ORM_TEST_MARIADB_REPLICATION",
            "orm_test_mariadb_replication",
        ),
    ] {
        println!("cargo::rerun-if-env-changed={var}");
        if std::env::var(var).is_ok_and(|v| !v.is_empty()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
