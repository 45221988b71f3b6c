//! Conformance runner (docs/conformance.md) through the wasm component in wasmtime: case lines
//! on stdin, one result line per case on stdout, in order.
//!   conformance             derive only
//!   conformance --enqueue   with DATABASE_URL: every `prepare` case is enqueued with the core's
//!                           duplicate-safe SQL and every `prepare_many` case with its batch SQL,
//!                           through sqlx, each in its own committed transaction

use awa_enqueue::Placeholders;
use host_tests::cases::{error_line, parse_case, run_line, Case};
use host_tests::component::WasmCore;
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection, Row};
use std::io::{BufRead, BufWriter, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

struct Sql {
    try_insert: String,
    insert_many: String,
}

/// A database error as a result line: `db_error` with its SQLSTATE.
fn db_error(id: Value, e: &sqlx::Error) -> Value {
    let sqlstate = match e {
        sqlx::Error::Database(d) => d.code().map(|c| c.to_string()),
        _ => None,
    };
    json!({"id": id, "error": {"code": "db_error", "field": "", "sqlstate": sqlstate, "message": e.to_string()}})
}

/// Enqueue one job the way a Rust producer would with this crate: try-insert-sql in a
/// transaction; a duplicate is a row with `inserted` false (or, in a race, Awa's 23505).
async fn enqueue(conn: &mut PgConnection, core: &mut WasmCore, sql: &Sql, id: Value, job: &awa_enqueue::Job) -> Value {
    let binds = match core.prepare_with_binds(job) {
        Ok((_, binds)) => binds,
        Err(e) => return error_line(id, e.code.as_str(), &e.field, &e.message),
    };
    let failed = id.clone();
    let result = async {
        let mut tx = conn.begin().await?;
        let line = match host_tests::db::fetch_all(&mut tx, &sql.try_insert, &binds).await {
            Ok(rows) => match rows.first() {
                Some(row) if row.get::<bool, _>("inserted") => {
                    json!({"id": id, "ok": {"job_id": row.get::<i64, _>("id").to_string()}})
                }
                Some(row) => {
                    json!({"id": id, "duplicate": true, "existing_job_id": row.get::<i64, _>("id").to_string()})
                }
                None => json!({"id": id, "duplicate": true}),
            },
            Err(e) if host_tests::db::is_unique_conflict(&e) => {
                tx.rollback().await?;
                return Ok(json!({"id": id, "duplicate": true}));
            }
            Err(e) => return Err(e),
        };
        tx.commit().await?;
        Ok::<_, sqlx::Error>(line)
    }
    .await;
    result.unwrap_or_else(|e| db_error(failed, &e))
}

/// Enqueue a batch in one statement and transaction.
async fn enqueue_many(
    conn: &mut PgConnection,
    core: &mut WasmCore,
    sql: &Sql,
    id: Value,
    jobs: &[awa_enqueue::Job],
) -> Value {
    let binds = match core.insert_many_binds(jobs) {
        Ok(binds) => binds,
        Err(e) => return error_line(id, e.code.as_str(), &e.field, &e.message),
    };
    let failed = id.clone();
    let result = async {
        let mut tx = conn.begin().await?;
        let rows = host_tests::db::insert_many(&mut tx, &sql.insert_many, &binds).await?;
        tx.commit().await?;
        let ids: Vec<String> = rows.iter().map(|r| r.get::<i64, _>("id").to_string()).collect();
        Ok::<_, sqlx::Error>(json!({"id": id, "ok": {"job_ids": ids}}))
    }
    .await;
    result.unwrap_or_else(|e| db_error(failed, &e))
}

fn main() -> anyhow::Result<()> {
    let enqueue_mode = std::env::args().skip(1).any(|a| a == "--enqueue");
    let mut core = WasmCore::load()?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut conn = if enqueue_mode {
        let url = host_tests::db::database_url().ok_or_else(|| anyhow::anyhow!("--enqueue needs DATABASE_URL"))?;
        Some(rt.block_on(PgConnection::connect(&url))?)
    } else {
        None
    };
    let sql = Sql {
        try_insert: core.try_insert_sql(Placeholders::Dollar),
        insert_many: core.insert_many_sql(Placeholders::Dollar),
    };
    let stdin = std::io::stdin();
    let mut out = BufWriter::new(std::io::stdout().lock());
    std::panic::set_hook(Box::new(|_| {}));
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let result = match (&mut conn, parse_case(&line)) {
            (Some(conn), (id, Ok(Case::Prepare(job)))) => {
                let run =
                    catch_unwind(AssertUnwindSafe(|| rt.block_on(enqueue(conn, &mut core, &sql, id.clone(), &job))));
                run.map_err(|_| id)
            }
            (Some(conn), (id, Ok(Case::PrepareMany(jobs)))) => {
                let run = catch_unwind(AssertUnwindSafe(|| {
                    rt.block_on(enqueue_many(conn, &mut core, &sql, id.clone(), &jobs))
                }));
                run.map_err(|_| id)
            }
            _ => catch_unwind(AssertUnwindSafe(|| run_line(&mut core, &line))).map_err(|_| {
                serde_json::from_str::<Value>(&line).ok().and_then(|v| v.get("id").cloned()).unwrap_or_default()
            }),
        };
        let result = result.unwrap_or_else(|id| {
            core = WasmCore::load().expect("reload the core module");
            error_line(id, "module_trap", "", "the module trapped on this case")
        });
        writeln!(out, "{result}")?;
    }
    out.flush()?;
    Ok(())
}
