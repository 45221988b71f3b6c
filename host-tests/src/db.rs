//! PostgreSQL helpers for tests and the demo: fresh Awa databases (Awa's own migrator) and
//! execution of the component's SQL with the prepared values.

use sqlx::postgres::PgRow;
use sqlx::PgConnection;
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

/// Run the core's SQL with its text binds, in order (`None` = NULL).
pub async fn fetch_all<S: AsRef<str>>(
    conn: &mut PgConnection,
    sql: &str,
    binds: &[Option<S>],
) -> Result<Vec<PgRow>, sqlx::Error> {
    binds.iter().fold(sqlx::query(sql), |q, b| q.bind(b.as_ref().map(AsRef::as_ref))).fetch_all(conn).await
}

/// One job: insert-sql with `Prepared.binds`.
pub async fn insert(conn: &mut PgConnection, sql: &str, binds: &[Option<String>]) -> Result<PgRow, sqlx::Error> {
    let mut rows = fetch_all(conn, sql, binds).await?;
    Ok(rows.remove(0))
}

/// A batch: insert-many-sql with insert-many-binds.
pub async fn insert_many(conn: &mut PgConnection, sql: &str, binds: &[String]) -> Result<Vec<PgRow>, sqlx::Error> {
    let binds: Vec<Option<&str>> = binds.iter().map(|b| Some(b.as_str())).collect();
    fetch_all(conn, sql, &binds).await
}

/// Awa's duplicate outcome: SQLSTATE 23505 on constraint `idx_awa_jobs_unique`.
pub fn is_unique_conflict(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") && db.constraint() == Some("idx_awa_jobs_unique"))
}

/// Run `host-tests/fixtures/awa_py.py` (Awa's Python client/worker) and parse its JSON output.
pub fn awa_py(args: &[&str]) -> serde_json::Value {
    let root = crate::repo_root();
    let out = Command::new(root.join(".venv-awa/bin/python"))
        .arg(root.join("host-tests/fixtures/awa_py.py"))
        .args(args)
        .output()
        .expect("run .venv-awa/bin/python (scripts/setup-python.sh creates it)");
    let text = String::from_utf8_lossy(&out.stdout);
    match text.lines().last().map(serde_json::from_str::<serde_json::Value>) {
        Some(Ok(v)) => v,
        _ => panic!("awa_py {args:?} failed; stdout {text}; stderr {}", String::from_utf8_lossy(&out.stderr)),
    }
}
