//! Benchmark (not a test). Derivation: the job mix of bench/jobs.jsonl through awa-model's own
//! preparation (parse + prepare_raw_job_insert), our core natively, and our core in wasmtime.
//! With DATABASE_URL: batched insert throughput (1000 rows per statement) of awa-model's
//! insert_many vs the component's multi-row SQL, per storage mode, on the same server.
//! Also prints `RESULT host=... metric=...` summary lines (collected by scripts/bench.sh).

use awa_enqueue::{Job, Placeholders};
use host_tests::backend::Backend;
use host_tests::cases::{parse_case, Case};
use host_tests::component::WasmCore;
use host_tests::db::{database_url, insert_many, new_awa_db};
use std::time::{Duration, Instant};

fn job_mix() -> Vec<Job> {
    let text = std::fs::read_to_string(host_tests::repo_root().join("bench/jobs.jsonl")).expect("bench/jobs.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match parse_case(l).1 {
            Ok(Case::Prepare(job)) => job,
            _ => panic!("bench/jobs.jsonl holds prepare cases only"),
        })
        .collect()
}

/// Best of 3 rounds of ~1.5 s: calls per second.
fn measure(label: &str, mut f: impl FnMut(usize)) -> f64 {
    for i in 0..2000 {
        f(i);
    }
    let mut best = 0f64;
    for _ in 0..3 {
        let start = Instant::now();
        let mut n = 0;
        while start.elapsed() < Duration::from_millis(1500) {
            for _ in 0..200 {
                f(n);
                n += 1;
            }
        }
        best = best.max(n as f64 / start.elapsed().as_secs_f64());
    }
    println!("{label:<48} {best:>12.0} calls/s {:>8.2} µs/call", 1e6 / best);
    best
}

fn awa_model_params(job: &Job) -> awa_model::InsertParams {
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
            unique: job.unique.as_ref().map(|u| {
                let u = u.resolve().expect("unique options");
                awa_model::UniqueOpts {
                    by_queue: u.by_queue,
                    by_args: u.by_args,
                    by_period: u.by_period,
                    states: u.states,
                }
            }),
            ordering_key: job.ordering_key.clone(),
            ..Default::default()
        },
    }
}

fn main() -> anyhow::Result<()> {
    let jobs = job_mix();
    let k = jobs.len();
    println!("== derivation: {k}-job mix of bench/jobs.jsonl");
    // Same work as ours: parse the JSON text, prepare, and serialize args/metadata as bound.
    let awa = measure("awa-model (parse + prepare_raw_job_insert + serialize)", |i| {
        let p = awa_model_params(&jobs[i % k]);
        let prepared = awa_model::prepare_raw_job_insert(p.kind, p.args, p.opts).expect("prepare");
        std::hint::black_box((
            serde_json::to_string(prepared.args()).ok(),
            serde_json::to_string(prepared.metadata()).ok(),
        ));
    });
    let native = measure("awa-enqueue core, native", |i| {
        std::hint::black_box(awa_enqueue::prepare(&jobs[i % k]).expect("prepare"));
    });
    let mut wasm = WasmCore::load()?;
    let component = measure("awa-enqueue core module, wasmtime component", |i| {
        std::hint::black_box(wasm.prepare(&jobs[i % k]).expect("prepare"));
    });
    println!("ratios: wasmtime/native = {:.2}, native/awa-model = {:.2}", component / native, native / awa);
    for (host, rate) in [("awa-model", awa), ("rust-native", native), ("rust-wasmtime", component)] {
        println!("RESULT host={host} metric=prepare value={rate:.0} unit=calls/s");
    }

    let Some(_) = database_url() else {
        println!("(DATABASE_URL unset: no database throughput)");
        return Ok(());
    };
    let rows = 1000usize;
    let batches = 5usize;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        println!("== batched insert, {rows} rows per statement, {batches} statements, same server");
        for mode in ["canonical", "queue_storage"] {
            let url = new_awa_db(&format!("bench_rust_{mode}"), mode);
            let pool = sqlx::PgPool::connect(&url).await?;
            // Uniqueness off: the same mix repeats within and across batches.
            let plain: Vec<Job> = jobs.iter().map(|j| Job { unique: None, ..j.clone() }).collect();
            let params: Vec<awa_model::InsertParams> = (0..rows).map(|i| awa_model_params(&plain[i % k])).collect();
            awa_model::insert_many(&pool, &params).await?; // warm-up, as the other hosts do
            let start = Instant::now();
            for _ in 0..batches {
                awa_model::insert_many(&pool, &params).await?;
            }
            let awa_rate = (rows * batches) as f64 / start.elapsed().as_secs_f64();
            let batch: Vec<Job> = (0..rows).map(|i| plain[i % k].clone()).collect();
            let sql = wasm.insert_many_sql(Placeholders::Dollar);
            let mut conn = pool.acquire().await?;
            insert_many(&mut conn, &sql, &wasm.insert_many_binds(&batch).map_err(|e| anyhow::anyhow!("{e}"))?).await?;
            let start = Instant::now();
            for _ in 0..batches {
                let binds = wasm.insert_many_binds(&batch).map_err(|e| anyhow::anyhow!("{e}"))?;
                insert_many(&mut conn, &sql, &binds).await?;
            }
            let ours = (rows * batches) as f64 / start.elapsed().as_secs_f64();
            println!("{mode:<14} awa-model insert_many {awa_rate:>8.0} jobs/s | component + sqlx {ours:>8.0} jobs/s | ratio {:.2}", ours / awa_rate);
            println!("RESULT host=awa-model metric=enqueue_many mode={mode} value={awa_rate:.0} unit=jobs/s");
            println!("RESULT host=rust-wasmtime metric=enqueue_many mode={mode} value={ours:.0} unit=jobs/s");
        }
        anyhow::Ok(())
    })?;
    Ok(())
}
