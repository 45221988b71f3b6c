//! Benchmark arms (not a test) for scripts/bench.sh, one measurement per run on the job mix of
//! bench/jobs.jsonl, printing `RESULT host=<h> metric=<m> value=<v> unit=<u>` lines:
//!   bench --host awa-model|awa-model-quiet|rust --metric enqueue-many|enqueue-many-parallel|single|copy
//!         [--rows 1000] [--batches 5] [--parallel 3] [--calls 2000]     (needs DATABASE_URL)
//!   bench --metric prepare     derivation only: awa-model's own preparation, the native core and
//!                              the core module in wasmtime, interleaved, ratios printed
//! awa-model is the reference: `insert_many` for batches, `insert_with` for single jobs, and
//! `QueueStorage::enqueue_params_copy` for the COPY ceiling (queue storage only). `rust` is this
//! project's SQL through sqlx with the core module in wasmtime. `awa-model-quiet` is awa-model
//! on connections with `client_min_messages = warning`: the most that silencing notices can give
//! Awa's own statement (a ceiling for the batch statement's quieting), one connection or split
//! into parts as the core splits them.

use awa_enqueue::{BatchSplit, Job, Placeholders};
use host_tests::cases::{parse_case, Case};
use host_tests::component::WasmCore;
use host_tests::db::{database_url, fetch_all, insert_many};
use sqlx::postgres::PgPoolOptions;
use std::time::{Duration, Instant};

fn job_mix() -> Vec<Job> {
    let text = std::fs::read_to_string(host_tests::repo_root().join("bench/jobs.jsonl")).expect("bench/jobs.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match parse_case(l).1 {
            // Uniqueness off: the mix repeats within and across batches.
            Ok(Case::Prepare(job)) => Job { unique: None, ..job },
            _ => panic!("bench/jobs.jsonl holds prepare cases only"),
        })
        .collect()
}

fn awa_params(job: &Job) -> awa_model::InsertParams {
    let d = awa_model::InsertOpts::default();
    awa_model::InsertParams {
        kind: job.kind.clone(),
        args: serde_json::from_str(job.args_json.as_deref().unwrap_or("{}")).expect("args"),
        opts: awa_model::InsertOpts {
            queue: job.queue.clone().unwrap_or(d.queue),
            priority: job.priority.map(|p| p as i16).unwrap_or(d.priority),
            max_attempts: job.max_attempts.map(|p| p as i16).unwrap_or(d.max_attempts),
            run_at: job.run_at.as_deref().map(|t| chrono::DateTime::parse_from_rfc3339(t).expect("run_at").to_utc()),
            metadata: job
                .metadata_json
                .as_deref()
                .map(|m| serde_json::from_str(m).expect("metadata"))
                .unwrap_or(d.metadata),
            tags: job.tags.clone(),
            ordering_key: job.ordering_key.clone(),
            ..Default::default()
        },
    }
}

struct JobArgs(serde_json::Value, &'static str);
impl serde::Serialize for JobArgs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}
impl awa_model::JobArgs for JobArgs {
    fn kind() -> &'static str {
        ""
    }
    fn kind_str(&self) -> &'static str {
        self.1
    }
    fn to_args(&self) -> Result<serde_json::Value, serde_json::Error> {
        Ok(self.0.clone())
    }
}

fn result(host: &str, metric: &str, value: f64, unit: &str) {
    println!("RESULT host={host} metric={metric} value={value:.3} unit={unit}");
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Best of 3 rounds of about a second: calls per second.
fn rate(mut f: impl FnMut(usize)) -> f64 {
    for i in 0..2000 {
        f(i);
    }
    let mut best = 0f64;
    for _ in 0..3 {
        let start = Instant::now();
        let mut n = 0;
        while start.elapsed() < Duration::from_millis(1000) {
            for _ in 0..200 {
                f(n);
                n += 1;
            }
        }
        best = best.max(n as f64 / start.elapsed().as_secs_f64());
    }
    best
}

fn prepare_only() -> anyhow::Result<()> {
    let jobs = job_mix();
    let k = jobs.len();
    let mut wasm = WasmCore::load()?;
    let awa = rate(|i| {
        let p = awa_params(&jobs[i % k]);
        let prepared = awa_model::prepare_raw_job_insert(p.kind, p.args, p.opts).expect("prepare");
        std::hint::black_box((
            serde_json::to_string(prepared.args()).ok(),
            serde_json::to_string(prepared.metadata()).ok(),
        ));
    });
    let native = rate(|i| {
        std::hint::black_box(awa_enqueue::prepare(&jobs[i % k]).expect("prepare").binds());
    });
    let component = rate(|i| {
        std::hint::black_box(wasm.prepare_with_binds(&jobs[i % k]).expect("prepare"));
    });
    result("awa-model", "prepare", awa, "calls/s");
    result("rust-native", "prepare", native, "calls/s");
    result("rust", "prepare", component, "calls/s");
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let (mut host, mut metric) = (String::from("rust"), String::new());
    let (mut rows, mut batches, mut parallel, mut calls) = (1000usize, 5usize, 3usize, 2000usize);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut v = || args.next().ok_or_else(|| anyhow::anyhow!("{a} needs a value"));
        match a.as_str() {
            "--host" => host = v()?,
            "--metric" => metric = v()?,
            "--rows" => rows = v()?.parse()?,
            "--batches" => batches = v()?.parse()?,
            "--parallel" => parallel = v()?.parse()?,
            "--calls" => calls = v()?.parse()?,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    if metric == "prepare" {
        return prepare_only();
    }
    let url = database_url().ok_or_else(|| anyhow::anyhow!("DATABASE_URL must point at an Awa database"))?;
    let jobs = job_mix();
    let batch: Vec<Job> = (0..rows).map(|i| jobs[i % jobs.len()].clone()).collect();
    let quiet = host == "awa-model-quiet";
    let pool = PgPoolOptions::new()
        .max_connections(parallel as u32 + 1)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if quiet {
                    sqlx::Executor::execute(conn, "SET client_min_messages = warning").await?;
                }
                Ok(())
            })
        })
        .connect(&url)
        .await?;
    let mut wasm = WasmCore::load()?;
    let timed = |start: Instant, n: usize| n as f64 / start.elapsed().as_secs_f64();
    match (host.as_str(), metric.as_str()) {
        ("awa-model" | "awa-model-quiet", "enqueue-many") => {
            let params: Vec<awa_model::InsertParams> = batch.iter().map(awa_params).collect();
            awa_model::insert_many(&pool, &params).await?; // warm-up
            let start = Instant::now();
            for _ in 0..batches {
                awa_model::insert_many(&pool, &params).await?;
            }
            result(&host, &metric, timed(start, rows * batches), "jobs/s");
        }
        ("rust", "enqueue-many") => {
            let sql = wasm.insert_many_sql(Placeholders::Dollar);
            let mut conn = pool.acquire().await?;
            insert_many(&mut conn, &sql, &wasm.insert_many_binds(&batch).map_err(|e| anyhow::anyhow!("{e}"))?).await?;
            let start = Instant::now();
            for _ in 0..batches {
                let binds = wasm.insert_many_binds(&batch).map_err(|e| anyhow::anyhow!("{e}"))?;
                insert_many(&mut conn, &sql, &binds).await?;
            }
            result(&host, &metric, timed(start, rows * batches), "jobs/s");
        }
        ("rust", "enqueue-many-parallel") => {
            let sql = wasm.insert_many_sql(Placeholders::Dollar);
            let engine: String = sqlx::query_scalar(&wasm.storage_engine_sql()).fetch_one(&pool).await?;
            let split = if engine == "queue_storage" { BatchSplit::ByQueue } else { BatchSplit::Contiguous };
            let run = |parts: Vec<awa_enqueue::BatchPart>| {
                let (pool, sql) = (pool.clone(), sql.clone());
                async move {
                    let tasks = parts.into_iter().map(|p| {
                        let (pool, sql) = (pool.clone(), sql.clone());
                        tokio::spawn(async move {
                            let mut conn = pool.acquire().await?;
                            insert_many(&mut conn, &sql, &p.binds).await.map(|r| r.len())
                        })
                    });
                    let mut n = 0;
                    for t in tasks.collect::<Vec<_>>() {
                        n += t.await??;
                    }
                    anyhow::Ok(n)
                }
            };
            run(wasm.insert_many_parts(&batch, parallel as u32, split).map_err(|e| anyhow::anyhow!("{e}"))?).await?;
            let start = Instant::now();
            let mut n = 0;
            for _ in 0..batches {
                n += run(wasm.insert_many_parts(&batch, parallel as u32, split).map_err(|e| anyhow::anyhow!("{e}"))?)
                    .await?;
            }
            result(&host, &metric, timed(start, n), "jobs/s");
        }
        ("awa-model-quiet", "enqueue-many-parallel") => {
            let engine: String = sqlx::query_scalar(&wasm.storage_engine_sql()).fetch_one(&pool).await?;
            let split = if engine == "queue_storage" { BatchSplit::ByQueue } else { BatchSplit::Contiguous };
            let parts: Vec<Vec<awa_model::InsertParams>> = wasm
                .insert_many_parts(&batch, parallel as u32, split)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .iter()
                .map(|p| p.jobs.iter().map(|&i| awa_params(&batch[i as usize])).collect())
                .collect();
            let run = || {
                let tasks: Vec<_> = parts
                    .iter()
                    .cloned()
                    .map(|params| {
                        let pool = pool.clone();
                        tokio::spawn(async move { awa_model::insert_many(&pool, &params).await.map(|r| r.len()) })
                    })
                    .collect();
                async move {
                    let mut n = 0;
                    for t in tasks {
                        n += t.await??;
                    }
                    anyhow::Ok(n)
                }
            };
            run().await?;
            let start = Instant::now();
            let mut n = 0;
            for _ in 0..batches {
                n += run().await?;
            }
            result(&host, &metric, timed(start, n), "jobs/s");
        }
        (_, "single") => {
            let sql = wasm.insert_sql(Placeholders::Dollar);
            let mut latencies = Vec::with_capacity(calls);
            let mut conn = pool.acquire().await?;
            for i in 0..calls + 100 {
                let job = &jobs[i % jobs.len()];
                let start = Instant::now();
                if host == "awa-model" {
                    let p = awa_params(job);
                    let kind: &'static str = Box::leak(p.kind.clone().into_boxed_str());
                    awa_model::insert_with(&mut *conn, &JobArgs(p.args, kind), p.opts).await?;
                } else {
                    let (_, binds) = wasm.prepare_with_binds(job).map_err(|e| anyhow::anyhow!("{e}"))?;
                    fetch_all(&mut conn, &sql, &binds).await?;
                }
                if i >= 100 {
                    latencies.push(start.elapsed().as_secs_f64() * 1000.0);
                }
            }
            latencies.sort_by(f64::total_cmp);
            result(&host, "single_p50", percentile(&latencies, 0.5), "ms");
            result(&host, "single_p99", percentile(&latencies, 0.99), "ms");
        }
        ("awa-model", "copy") => {
            let store = awa_model::QueueStorage::from_existing_schema("awa")?;
            let params: Vec<awa_model::InsertParams> = batch.iter().map(awa_params).collect();
            store.enqueue_params_copy(&pool, &params).await?;
            let start = Instant::now();
            for _ in 0..batches {
                store.enqueue_params_copy(&pool, &params).await?;
            }
            result(&host, &metric, timed(start, rows * batches), "jobs/s");
        }
        _ => anyhow::bail!("no metric {metric} for host {host}"),
    }
    Ok(())
}
