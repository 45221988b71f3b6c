//! Awa's own Rust producer (awa-model 0.6.9 `insert_many`, the raw-args path) for live dedup
//! tests of every host:
//!   awa-rust-insert DATABASE_URL '{"kind":..,"queue":..,"args":{..},"unique_opts":{..}}'
//! unique_opts keys as awa-pg's: by_queue, by_args, by_period (bucket), states (u8 mask).
//! Prints {"inserted":true,"id":N,"unique_key":"hex"} or {"inserted":false,"conflict":true}.

use awa_model::{AwaError, InsertOpts, InsertParams, UniqueOpts};
use serde_json::{json, Value};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut argv = std::env::args().skip(1);
    let (url, spec) = match (argv.next(), argv.next()) {
        (Some(u), Some(s)) => (u, s),
        _ => anyhow::bail!("usage: awa-rust-insert DATABASE_URL SPEC_JSON"),
    };
    let spec: Value = serde_json::from_str(&spec)?;
    let unique = spec.get("unique_opts").filter(|u| !u.is_null()).map(|u| {
        let d = UniqueOpts::default();
        UniqueOpts {
            by_queue: u["by_queue"].as_bool().unwrap_or(d.by_queue),
            by_args: u["by_args"].as_bool().unwrap_or(d.by_args),
            by_period: u["by_period"].as_i64(),
            states: u["states"].as_u64().map(|s| s as u8).unwrap_or(d.states),
        }
    });
    let job = InsertParams {
        kind: spec["kind"].as_str().unwrap_or_default().to_string(),
        args: spec.get("args").cloned().unwrap_or_else(|| json!({})),
        opts: InsertOpts {
            queue: spec["queue"].as_str().unwrap_or("default").to_string(),
            unique,
            ..Default::default()
        },
    };
    let pool = sqlx::PgPool::connect(&url).await?;
    let out = match awa_model::insert_many(&pool, &[job]).await {
        Ok(rows) => json!({
            "inserted": true,
            "id": rows[0].id,
            "unique_key": rows[0].unique_key.as_deref().map(host_tests::cases::to_hex),
        }),
        Err(AwaError::Database(sqlx::Error::Database(e))) if e.code().as_deref() == Some("23505") => {
            json!({"inserted": false, "conflict": true, "error": e.to_string()})
        }
        Err(e) => anyhow::bail!("awa-model insert failed: {e}"),
    };
    println!("{out}");
    Ok(())
}
