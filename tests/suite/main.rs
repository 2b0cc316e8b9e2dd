//! The scenario suite. Every scenario runs on SQLite, and on PostgreSQL and
//! MySQL/MariaDB when `ORM_TEST_POSTGRES_URL` / `ORM_TEST_MYSQL_URL` are
//! set. Each run gets a database of its own (an in-memory SQLite database,
//! a PostgreSQL schema, a MySQL database), so scenarios run in parallel.

#[macro_use]
mod harness;
mod models;

mod aggregates;
mod aliases;
mod bulk;
mod crud;
mod direct;
mod enums;
mod errors;
mod evolution;
mod faults;
mod galera;
mod loading;
mod many_to_many;
mod observability;
mod pages;
mod pgbouncer;
mod query;
mod relationships;
mod replicas;
mod retries;
mod saving;
mod schema;
mod strings;
mod transactions;
mod tutorials;
mod types;
mod upsert;
mod writes;
