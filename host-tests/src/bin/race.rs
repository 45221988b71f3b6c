//! Cross-language races: many concurrent producers (every host's runner in --enqueue mode,
//! Awa's Rust producer awa-model and Python producer awa-pg) enqueue overlapping sets of unique
//! jobs and their own non-unique jobs while Awa's Rust and Python workers drain the queues, in
//! both storage modes. Every unique job must be inserted exactly once, every non-unique job
//! inserted, and every inserted job run exactly once.
//!   race [--per-host N] NAME=RUNNER_COMMAND...     (needs DATABASE_URL)

use host_tests::db::{database_url, new_awa_db};
use host_tests::gen::Rng;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

const UNIQUE_JOBS: usize = 40;
const OWN_JOBS: usize = 12;
const QUEUES: usize = 4;

#[derive(Clone)]
enum Kind {
    Runner(String),
    AwaModel,
    Python,
}

struct Producer {
    name: String,
    kind: Kind,
}

/// One job a producer attempts: `Some(u)` for unique job u, `None` for its own job `i`.
struct Attempt {
    unique: Option<usize>,
    args: Value,
    queue: String,
    ordering_key: Option<String>,
}

fn attempts(rng: &mut Rng, p: usize) -> Vec<Attempt> {
    let mut out: Vec<Attempt> = (0..UNIQUE_JOBS)
        .filter(|_| rng.chance(60))
        .map(|u| Attempt {
            unique: Some(u),
            args: json!({"u": u, "ratio": 0.5}),
            queue: format!("race_q{}", u % QUEUES),
            ordering_key: (u % 3 == 0).then(|| format!("key-{u}")),
        })
        .chain((0..OWN_JOBS).map(|i| Attempt {
            unique: None,
            args: json!({"p": p, "i": i}),
            queue: format!("race_q{}", (p + i) % QUEUES),
            ordering_key: None,
        }))
        .collect();
    for k in (1..out.len()).rev() {
        out.swap(k, rng.below(k + 1));
    }
    out
}

fn kind_of(a: &Attempt) -> &'static str {
    if a.unique.is_some() {
        "race_unique"
    } else {
        "race_own"
    }
}

fn spawn(
    p: &Producer,
    url: &str,
    work: &[Attempt],
    root: &std::path::Path,
    target: &std::path::Path,
) -> anyhow::Result<Child> {
    let mut cmd = match &p.kind {
        Kind::Runner(c) => {
            let mut cmd = Command::new("sh");
            cmd.args(["-c", &format!("{c} --enqueue")]);
            cmd
        }
        Kind::AwaModel | Kind::Python => {
            let specs: Vec<Value> = work
                .iter()
                .map(|a| {
                    let mut s = json!({"kind": kind_of(a), "args": a.args, "queue": a.queue});
                    if a.unique.is_some() {
                        s["unique_opts"] = json!({});
                    }
                    if let Some(k) = &a.ordering_key {
                        s["ordering_key"] = json!(k);
                    }
                    s
                })
                .collect();
            let spec = Value::Array(specs).to_string();
            let mut cmd = if matches!(p.kind, Kind::AwaModel) {
                Command::new(target.join("awa-rust-insert"))
            } else {
                let mut c = Command::new(root.join(".venv-awa/bin/python"));
                c.arg(root.join("host-tests/fixtures/awa_py.py")).arg("insert");
                c
            };
            cmd.args([url, &spec]);
            cmd
        }
    };
    let mut child =
        cmd.env("DATABASE_URL", url).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn()?;
    let mut stdin = child.stdin.take().expect("stdin");
    if matches!(p.kind, Kind::Runner(_)) {
        for (i, a) in work.iter().enumerate() {
            let mut job = json!({"kind": kind_of(a), "args_json": a.args.to_string(), "queue": a.queue});
            if a.unique.is_some() {
                job["unique"] = json!({});
            }
            if let Some(k) = &a.ordering_key {
                job["ordering_key_hex"] = json!(host_tests::cases::to_hex(k.as_bytes()));
            }
            writeln!(stdin, "{}", json!({"id": i, "op": "prepare", "job": job}))?;
        }
    }
    drop(stdin);
    Ok(child)
}

/// (inserted id or None for a duplicate) per attempt, in order.
fn outcomes(p: &Producer, child: Child) -> anyhow::Result<Vec<Option<i64>>> {
    let out = child.wait_with_output()?;
    anyhow::ensure!(out.status.success(), "{} failed", p.name);
    let text = String::from_utf8(out.stdout)?;
    let parse = |v: &Value| -> anyhow::Result<Option<i64>> {
        if let Some(id) = v["ok"]["job_id"].as_str() {
            return Ok(Some(id.parse()?));
        }
        if let Some(id) = v["id"].as_i64().filter(|_| v["inserted"] == json!(true)) {
            return Ok(Some(id));
        }
        if v["duplicate"] == json!(true) || v["conflict"] == json!(true) {
            return Ok(None);
        }
        anyhow::bail!("{}: unexpected result {v}", p.name)
    };
    match &p.kind {
        Kind::Runner(_) => text.lines().map(|l| parse(&serde_json::from_str(l)?)).collect(),
        _ => {
            let v: Value = serde_json::from_str(text.lines().last().unwrap_or("[]"))?;
            v.as_array().map(|a| a.iter().map(parse).collect()).unwrap_or_else(|| Ok(vec![]))
        }
    }
}

struct Worker {
    child: Child,
    ran: Arc<Mutex<Vec<i64>>>,
}

fn start_worker(mut cmd: Command) -> anyhow::Result<Worker> {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn()?;
    let stdout = child.stdout.take().expect("stdout");
    let ran = Arc::new(Mutex::new(Vec::new()));
    let sink = ran.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(id) = serde_json::from_str::<Value>(&line).ok().and_then(|v| v["ran"]["id"].as_i64()) {
                sink.lock().expect("lock").push(id);
            }
        }
    });
    Ok(Worker { child, ran })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    anyhow::ensure!(database_url().is_some(), "race needs DATABASE_URL");
    let mut per_host = 6usize;
    let mut batch_producers = 2usize;
    let mut runners = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--per-host" {
            per_host = args.next().unwrap_or_default().parse()?;
        } else if a == "--batch-producers-per-host" {
            batch_producers = args.next().unwrap_or_default().parse()?;
        } else if let Some((name, cmd)) = a.split_once('=') {
            runners.push((name.to_string(), cmd.to_string()));
        }
    }
    let root = host_tests::repo_root();
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| root.join("target"))
        .join("release");
    let mut producers = Vec::new();
    for i in 0..per_host {
        for (name, cmd) in &runners {
            producers.push(Producer { name: format!("{name}#{i}"), kind: Kind::Runner(cmd.clone()) });
        }
        producers.push(Producer { name: format!("awa-model#{i}"), kind: Kind::AwaModel });
        producers.push(Producer { name: format!("awa-pg#{i}"), kind: Kind::Python });
    }
    let queues = (0..QUEUES).map(|q| format!("race_q{q}")).collect::<Vec<_>>().join(",");
    let mut failed = false;
    for mode in ["canonical", "queue_storage"] {
        let url = new_awa_db(&format!("race_{mode}"), mode);
        let stop = std::env::temp_dir().join(format!("awa-race-{}-{mode}", std::process::id()));
        let _ = std::fs::remove_file(&stop);
        let stop_arg = stop.to_string_lossy().to_string();
        let mut rust = Command::new(target.join("awa-rust-worker"));
        rust.args([url.as_str(), &queues, "race_unique,race_own", "1000000", "300", &stop_arg]);
        let mut py = Command::new(root.join(".venv-awa/bin/python"));
        py.arg(root.join("host-tests/fixtures/awa_py.py")).args([
            "worker",
            &url,
            &queues,
            "race_unique,race_own",
            "1000000",
            "300",
            &stop_arg,
        ]);
        let workers = [start_worker(rust)?, start_worker(py)?];

        let mut rng = Rng::new(0x4ace ^ mode.len() as u64);
        let plans: Vec<Vec<Attempt>> = (0..producers.len()).map(|p| attempts(&mut rng, p)).collect();
        let started = std::time::Instant::now();
        let children: Vec<Child> = producers
            .iter()
            .zip(&plans)
            .map(|(p, plan)| spawn(p, &url, plan, &root, &target))
            .collect::<anyhow::Result<_>>()?;
        let mut inserted_per_unique: HashMap<usize, Vec<(String, i64)>> = HashMap::new();
        let (mut inserted, mut own_missing, mut attempts_total) = (Vec::new(), 0usize, 0usize);
        let attempted: std::collections::BTreeSet<usize> = plans.iter().flatten().filter_map(|a| a.unique).collect();
        for ((p, plan), child) in producers.iter().zip(&plans).zip(children) {
            let results = outcomes(p, child)?;
            anyhow::ensure!(
                results.len() == plan.len(),
                "{}: {} results for {} jobs",
                p.name,
                results.len(),
                plan.len()
            );
            attempts_total += plan.len();
            for (a, r) in plan.iter().zip(results) {
                match (a.unique, r) {
                    (Some(u), Some(id)) => {
                        inserted_per_unique.entry(u).or_default().push((p.name.clone(), id));
                        inserted.push(id);
                    }
                    (Some(_), None) => {}
                    (None, Some(id)) => inserted.push(id),
                    (None, None) => own_missing += 1,
                }
            }
        }
        let produced = started.elapsed();
        let doubled: Vec<String> = inserted_per_unique
            .iter()
            .filter(|(_, v)| v.len() > 1)
            .map(|(u, v)| format!("unique job {u} inserted by {v:?}"))
            .collect();
        let never: Vec<&usize> = attempted.iter().filter(|u| !inserted_per_unique.contains_key(u)).collect();

        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        let ran = loop {
            let ran: Vec<i64> = workers.iter().flat_map(|w| w.ran.lock().expect("lock").clone()).collect();
            if inserted.iter().all(|id| ran.contains(id)) || std::time::Instant::now() > deadline {
                break ran;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        };
        std::fs::write(&stop, b"")?;
        let by_worker: Vec<usize> = workers.iter().map(|w| w.ran.lock().expect("lock").len()).collect();
        for mut w in workers {
            w.child.wait()?;
        }
        let not_run = inserted.iter().filter(|id| !ran.contains(id)).count();
        let mut sorted = ran.clone();
        sorted.sort_unstable();
        sorted.dedup();
        let ran_twice = ran.len() - sorted.len();
        let pool = sqlx::PgPool::connect(&url).await?;
        let claims: i64 = sqlx::query_scalar("SELECT count(*) FROM awa.job_unique_claims").fetch_one(&pool).await?;
        pool.close().await;
        println!(
            "race {mode}: {} producers ({} attempts in {:.1} s), {} unique jobs attempted: {} inserted once, {} twice, {} never; \
             {} own jobs not inserted; {} claims held; workers ran {} + {} jobs ({} not run, {} run twice)",
            producers.len(),
            attempts_total,
            produced.as_secs_f64(),
            attempted.len(),
            inserted_per_unique.values().filter(|v| v.len() == 1).count(),
            doubled.len(),
            never.len(),
            own_missing,
            claims,
            by_worker[0],
            by_worker[1],
            not_run,
            ran_twice
        );
        for d in doubled.iter().take(5) {
            println!("  {d}");
        }
        if !doubled.is_empty()
            || !never.is_empty()
            || own_missing > 0
            || not_run > 0
            || ran_twice > 0
            || claims as usize != attempted.len()
        {
            failed = true;
        }
    }
    failed |= !concurrent_batches(&runners, batch_producers).await?;
    anyhow::ensure!(!failed, "the race's counts do not balance");
    Ok(())
}

/// Queue storage: concurrent multi-queue, multi-shard batches from every host's batch helper
/// (prepare_many in --enqueue mode) must not deadlock, and every row must be stored.
async fn concurrent_batches(runners: &[(String, String)], per_host: usize) -> anyhow::Result<bool> {
    const BATCHES: usize = 4;
    const ROWS: usize = 80;
    let url = new_awa_db("race_batches", "queue_storage");
    let pool = sqlx::PgPool::connect(&url).await?;
    sqlx::query("INSERT INTO awa.queue_meta (queue, enqueue_shards) SELECT 'lanes_' || n, 1 + n % 3 FROM generate_series(0, 5) AS n")
        .execute(&pool)
        .await?;
    let mut rng = Rng::new(0xdead10c);
    let mut children = Vec::new();
    for (name, cmd) in runners {
        for i in 0..per_host {
            let mut child = Command::new("sh")
                .args(["-c", &format!("{cmd} --enqueue")])
                .env("DATABASE_URL", &url)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()?;
            let mut stdin = child.stdin.take().expect("stdin");
            for b in 0..BATCHES {
                let jobs: Vec<Value> = (0..ROWS)
                    .map(|r| {
                        let mut j = json!({"kind": "lock_order", "queue": format!("lanes_{}", rng.below(6)),
                            "priority": 1 + rng.below(2), "args_json": format!("{{\"p\":\"{name}{i}\",\"b\":{b},\"r\":{r}}}")});
                        if rng.chance(50) {
                            j["ordering_key_hex"] = json!(host_tests::cases::to_hex(format!("key-{}", rng.below(40)).as_bytes()));
                        }
                        j
                    })
                    .collect();
                writeln!(stdin, "{}", json!({"id": b, "op": "prepare_many", "jobs": jobs}))?;
            }
            drop(stdin);
            children.push((format!("{name}#{i}"), child));
        }
    }
    let producers = children.len();
    let (mut stored, mut deadlocks, mut other) = (0usize, 0usize, Vec::new());
    for (name, child) in children {
        let out = child.wait_with_output()?;
        for line in String::from_utf8(out.stdout)?.lines() {
            let v: Value = serde_json::from_str(line)?;
            if let Some(ids) = v["ok"]["job_ids"].as_array() {
                stored += ids.len();
            } else if v["error"]["sqlstate"] == json!("40P01") {
                deadlocks += 1;
            } else {
                other.push(format!("{name}: {v}"));
            }
        }
    }
    let count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM awa.jobs WHERE kind = 'lock_order'").fetch_one(&pool).await?;
    pool.close().await;
    let expected = producers * BATCHES * ROWS;
    println!(
        "race batches (queue storage): {producers} producers x {BATCHES} batches x {ROWS} rows over 6 queues, 2 priorities, \
         up to 3 shards: {deadlocks} deadlocks, {stored} rows reported, {count} stored of {expected}"
    );
    for o in other.iter().take(5) {
        println!("  {}", &o[..o.len().min(300)]);
    }
    Ok(deadlocks == 0 && other.is_empty() && stored == expected && count as usize == expected)
}
