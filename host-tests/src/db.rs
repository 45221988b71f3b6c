//! PostgreSQL helpers for tests and the demo: fresh Awa databases (Awa's own migrator) and
//! execution of the component's SQL with the prepared values.

use awa_enqueue::Prepared;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{PgConnection, Postgres};
use std::process::Command;

pub fn database_url() -> Option<String> {
    std::env::var("DATABASE_URL").ok().filter(|s| !s.is_empty())
}

/// A fresh database with the Awa 0.6.9 schema, in `mode` (`canonical` or `queue_storage`).
pub fn new_awa_db(name: &str, mode: &str) -> String {
    let out = Command::new(crate::repo_root().join("scripts/new-awa-db.sh"))
        .args([name, mode])
        .output()
        .expect("run scripts/new-awa-db.sh");
    assert!(out.status.success(), "new-awa-db.sh failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf8").trim().to_string()
}

/// Bind the 12 prepared values in parameter order, as the SQL's casts expect.
pub fn bind_prepared<'q>(q: Query<'q, Postgres, PgArguments>, p: &'q Prepared) -> Query<'q, Postgres, PgArguments> {
    q.bind(&p.kind)
        .bind(&p.queue)
        .bind(&p.args_json)
        .bind(p.state)
        .bind(p.priority)
        .bind(p.max_attempts)
        .bind(&p.run_at)
        .bind(&p.metadata_json)
        .bind(&p.tags)
        .bind(&p.unique_key)
        .bind(&p.unique_states)
        .bind(&p.ordering_key)
}

pub async fn insert(conn: &mut PgConnection, sql: &str, p: &Prepared) -> Result<PgRow, sqlx::Error> {
    bind_prepared(sqlx::query(sql), p).fetch_one(conn).await
}

pub async fn insert_many(conn: &mut PgConnection, sql: &str, jobs: &[Prepared]) -> Result<Vec<PgRow>, sqlx::Error> {
    let q = jobs.iter().fold(sqlx::query(sql), |q, p| bind_prepared(q, p));
    q.fetch_all(conn).await
}

/// Awa's duplicate outcome: SQLSTATE 23505 on constraint `idx_awa_jobs_unique`.
pub fn is_unique_conflict(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") && db.constraint() == Some("idx_awa_jobs_unique"))
}

/// Run `scripts/awa_py.py` (Awa's Python client/worker) and parse its JSON output.
pub fn awa_py(args: &[&str]) -> serde_json::Value {
    let root = crate::repo_root();
    let out = Command::new(root.join(".venv-awa/bin/python"))
        .arg(root.join("scripts/awa_py.py"))
        .args(args)
        .output()
        .expect("run .venv-awa/bin/python (scripts/setup-python.sh creates it)");
    let text = String::from_utf8_lossy(&out.stdout);
    match text.lines().last().map(serde_json::from_str::<serde_json::Value>) {
        Some(Ok(v)) => v,
        _ => panic!("awa_py {args:?} failed; stdout {text}; stderr {}", String::from_utf8_lossy(&out.stderr)),
    }
}
