//! Evidence for Awa (docs/upstream-findings.md, finding 4; driven by scripts/upstream-copy-gap.sh):
//! throughput of queue storage's internal COPY path, `QueueStorage::enqueue_params_copy`, against
//! the SQL entry point `awa.insert_job_compat` as awa-model itself drives it (`insert_many`, one
//! multi-row statement per batch), the same with `client_min_messages = warning` on the connection
//! (no NOTICEs), and awa-model's `insert_many_copy_from_pool` (COPY into a staging table, then
//! `insert_job_compat` per row). awa-model 0.6.9 public API only.
//!   awa-copy-bench DATABASE_URL [ROUNDS] [ROWS] [BATCHES]
//! The database must be in queue storage. Interleaved: reference (insert_many), copy, reference,
//! quiet, reference, compat_copy, reference, … after one unreported warm-up run of each arm.
//! Prints one `RUN <arm> <seconds> <rows>` line per run, in run order.

use awa_model::{InsertOpts, InsertParams, QueueStorage};
use serde_json::json;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::time::Instant;

const QUEUE: &str = "upstream_copy";

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some(url) = argv.first() else {
        anyhow::bail!("usage: awa-copy-bench DATABASE_URL [ROUNDS] [ROWS] [BATCHES]");
    };
    let arg = |i: usize, d: usize| argv.get(i).map(|s| s.parse::<usize>()).transpose().map(|v| v.unwrap_or(d));
    let (rounds, rows, batches) = (arg(1, 6)?, arg(2, 1000)?, arg(3, 3)?);

    let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
    let opts: PgConnectOptions = url.parse()?;
    let quiet_pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(opts.options([("client_min_messages", "warning")]))
        .await?;
    let engine: String = sqlx::query_scalar("SELECT awa.active_storage_engine()").fetch_one(&pool).await?;
    anyhow::ensure!(engine == "queue_storage", "expected a queue-storage database, got {engine}");
    // The default config is the one a default Awa worker fleet uses on schema `awa`.
    let store = QueueStorage::from_existing_schema("awa")?;

    let params: Vec<InsertParams> = (0..rows)
        .map(|n| InsertParams {
            kind: "upstream_copy_bench".into(),
            args: json!({ "n": n }),
            opts: InsertOpts { queue: QUEUE.into(), ..Default::default() },
        })
        .collect();

    let run = |arm: &'static str| {
        let (pool, quiet_pool, store, params) = (&pool, &quiet_pool, &store, &params);
        async move {
            let start = Instant::now();
            let mut stored = 0usize;
            for _ in 0..batches {
                stored += match arm {
                    "insert_many" => awa_model::insert_many(pool, params).await?.len(),
                    "quiet" => awa_model::insert_many(quiet_pool, params).await?.len(),
                    "copy" => store.enqueue_params_copy(pool, params).await?,
                    "compat_copy" => awa_model::insert_many_copy_from_pool(pool, params).await?.len(),
                    _ => unreachable!(),
                };
            }
            let secs = start.elapsed().as_secs_f64();
            anyhow::ensure!(stored == rows * batches, "{arm}: stored {stored} of {} rows", rows * batches);
            anyhow::Ok(secs)
        }
    };

    // Warm-up: lanes, caches and plans of every arm (not reported).
    for arm in ["insert_many", "copy", "quiet", "compat_copy"] {
        run(arm).await?;
    }
    let report = |s: f64, arm: &str| println!("RUN {arm} {s:.6} {}", rows * batches);
    report(run("insert_many").await?, "insert_many");
    for round in 0..rounds {
        for arm in ["copy", "quiet", "compat_copy"] {
            report(run(arm).await?, arm);
            report(run("insert_many").await?, "insert_many");
        }
        eprintln!("awa-copy-bench: round {} of {rounds} done", round + 1);
    }
    Ok(())
}
