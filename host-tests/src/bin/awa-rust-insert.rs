//! Awa's own Rust producer (awa-model 0.6.9 `insert_many`, the raw-args path) for live dedup
//! tests and the demo of every host:
//!   awa-rust-insert DATABASE_URL SPEC_JSON
//! SPEC is one job or a list of jobs: {"kind", "queue", "args", "unique_opts", "ordering_key",
//! "partition": {"logical", "partitions", "key"}}; unique_opts keys as awa-pg's: by_queue,
//! by_args, by_period (bucket), states (u8 mask); with "partition" the queue is awa-model's
//! PartitionedQueue routing of the key. Prints {"inserted":true,"id":N,"queue":Q,"unique_key":"hex"}
//! or {"inserted":false,"conflict":true} (a list for a list).

use awa_model::{AwaError, InsertOpts, InsertParams, PartitionedQueue, UniqueOpts};
use serde_json::{json, Value};

fn params(spec: &Value) -> anyhow::Result<InsertParams> {
    let unique = spec.get("unique_opts").filter(|u| !u.is_null()).map(|u| {
        let d = UniqueOpts::default();
        UniqueOpts {
            by_queue: u["by_queue"].as_bool().unwrap_or(d.by_queue),
            by_args: u["by_args"].as_bool().unwrap_or(d.by_args),
            by_period: u["by_period"].as_i64(),
            states: u["states"].as_u64().map(|s| s as u8).unwrap_or(d.states),
        }
    });
    let queue = match spec.get("partition") {
        Some(p) => {
            let pq = PartitionedQueue::new(
                p["logical"].as_str().unwrap_or_default(),
                p["partitions"].as_u64().unwrap_or(1) as usize,
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            pq.queue_for_key(p["key"].as_str().unwrap_or_default().as_bytes()).to_string()
        }
        None => spec["queue"].as_str().unwrap_or("default").to_string(),
    };
    Ok(InsertParams {
        kind: spec["kind"].as_str().unwrap_or_default().to_string(),
        args: spec.get("args").cloned().unwrap_or_else(|| json!({})),
        opts: InsertOpts {
            queue,
            unique,
            ordering_key: spec["ordering_key"].as_str().map(|k| k.as_bytes().to_vec()),
            ..Default::default()
        },
    })
}

async fn insert(pool: &sqlx::PgPool, spec: &Value) -> anyhow::Result<Value> {
    let job = params(spec)?;
    let queue = job.opts.queue.clone();
    Ok(match awa_model::insert_many(pool, &[job]).await {
        Ok(rows) => json!({
            "inserted": true,
            "id": rows[0].id,
            "queue": queue,
            "unique_key": rows[0].unique_key.as_deref().map(host_tests::cases::to_hex),
        }),
        Err(AwaError::Database(sqlx::Error::Database(e))) if e.code().as_deref() == Some("23505") => {
            json!({"inserted": false, "conflict": true, "error": e.to_string()})
        }
        Err(e) => anyhow::bail!("awa-model insert failed: {e}"),
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut argv = std::env::args().skip(1);
    let (url, spec) = match (argv.next(), argv.next()) {
        (Some(u), Some(s)) => (u, s),
        _ => anyhow::bail!("usage: awa-rust-insert DATABASE_URL SPEC_JSON"),
    };
    let spec: Value = serde_json::from_str(&spec)?;
    let pool = sqlx::PgPool::connect(&url).await?;
    let out = match &spec {
        Value::Array(specs) => {
            let mut out = Vec::new();
            for s in specs {
                out.push(insert(&pool, s).await?);
            }
            Value::Array(out)
        }
        one => insert(&pool, one).await?,
    };
    println!("{out}");
    Ok(())
}
