//! The main job (scripts/demo.sh): one Awa fleet on one queue-storage database. Awa's own Rust
//! worker (`awa` crate) and Python worker (awa-pg) run; producers in Node, Go and the JVM (the
//! awa-enqueue packages, through their runners' `--enqueue` path: the duplicate-safe helper),
//! Rust (awa-model) and Python (awa-pg) enqueue the same logical jobs. Shows that duplicates are
//! refused across languages, ordering keys land on one shard and partitioned queues route
//! alike, and which worker completed what.
//!   demo NAME=RUNNER_COMMAND...      (needs DATABASE_URL; see scripts/demo.sh)

use awa_model::{AwaError, InsertOpts, InsertParams, PartitionedQueue, UniqueOpts};
use host_tests::cases::to_hex;
use host_tests::db::{awa_py, database_url, new_awa_db};
use host_tests::gen::{self, Rng};
use serde_json::{json, Value};
use sqlx::PgPool;
use std::io::{BufRead, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

const ORDERS_SHARDS: i16 = 4;
const ORDER_KEY: &str = "order-7";
const PARTITIONS: usize = 4;

/// One logical job, as every producer describes it.
#[derive(Clone)]
struct Logical {
    label: &'static str,
    kind: &'static str,
    args: Value,
    queue: &'static str,
    /// (by_queue, by_args, by_period bucket)
    unique: Option<(bool, bool, Option<i64>)>,
    ordering_key: Option<&'static str>,
    /// Route over PARTITIONS physical queues of `queue` by this key.
    partition_key: Option<&'static str>,
}

enum Producer {
    /// An awa-enqueue host: its conformance runner's --enqueue path (the duplicate-safe helper).
    Host {
        name: String,
        command: String,
    },
    AwaModel,
    Python,
}

impl Producer {
    fn name(&self) -> &str {
        match self {
            Producer::Host { name, .. } => name,
            Producer::AwaModel => "Rust awa-model",
            Producer::Python => "Python awa-pg",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Inserted(i64),
    Duplicate,
}

fn run_lines(command: &str, url: &str, enqueue: bool, lines: &[Value]) -> anyhow::Result<Vec<Value>> {
    let cmd = if enqueue { format!("{command} --enqueue") } else { command.to_string() };
    let mut child = Command::new("sh")
        .args(["-c", &cmd])
        .env("DATABASE_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut stdin = child.stdin.take().expect("stdin");
    for l in lines {
        writeln!(stdin, "{l}")?;
    }
    drop(stdin);
    let out = child.wait_with_output()?;
    anyhow::ensure!(out.status.success(), "{cmd} failed");
    String::from_utf8(out.stdout)?.lines().map(|l| Ok(serde_json::from_str(l)?)).collect()
}

/// The queue a host routes `key` to, from its own partition function.
fn host_partition(command: &str, url: &str, logical: &str, key: &str) -> anyhow::Result<String> {
    let line = json!({"id": 0, "op": "partition", "logical_queue": logical, "partitions": PARTITIONS, "key_hex": to_hex(key.as_bytes())});
    let out = run_lines(command, url, false, &[line])?;
    out[0]["ok"]["queue"].as_str().map(str::to_string).ok_or_else(|| anyhow::anyhow!("partition: {}", out[0]))
}

fn case_job(job: &Logical, queue: &str, spelling: String) -> Value {
    let mut j = json!({"kind": job.kind, "args_json": spelling, "queue": queue});
    if let Some((by_queue, by_args, by_period)) = job.unique {
        j["unique"] = json!({"by_queue": by_queue, "by_args": by_args, "by_period": by_period.map(|b| b.to_string())});
    }
    if let Some(key) = job.ordering_key {
        j["ordering_key_hex"] = json!(to_hex(key.as_bytes()));
    }
    j
}

fn awa_unique(job: &Logical) -> Option<UniqueOpts> {
    job.unique.map(|(by_queue, by_args, by_period)| UniqueOpts {
        by_queue,
        by_args,
        by_period,
        ..UniqueOpts::default()
    })
}

fn spec_json(job: &Logical, queue: &str) -> Value {
    let mut s = json!({"kind": job.kind, "args": job.args, "queue": queue});
    if let Some((by_queue, by_args, by_period)) = job.unique {
        s["unique_opts"] = json!({"by_queue": by_queue, "by_args": by_args});
        if let Some(b) = by_period {
            s["unique_opts"]["by_period"] = json!(b);
        }
    }
    if let Some(key) = job.ordering_key {
        s["ordering_key"] = json!(key);
    }
    s
}

/// A running worker and the ids of the jobs it has run so far (it prints one line per job).
struct RunningWorker {
    child: Child,
    ran: Arc<Mutex<Vec<i64>>>,
}

fn start_worker(program: &str, args: &[&str]) -> anyhow::Result<RunningWorker> {
    let mut child = Command::new(program).args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn()?;
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
    Ok(RunningWorker { child, ran })
}

impl RunningWorker {
    fn ran(&self) -> Vec<i64> {
        self.ran.lock().expect("lock").clone()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    anyhow::ensure!(database_url().is_some(), "demo needs DATABASE_URL (run scripts/demo.sh)");
    let mut producers: Vec<Producer> = std::env::args()
        .skip(1)
        .map(|spec| {
            let (name, command) = spec.split_once('=').unwrap_or((spec.as_str(), ""));
            Producer::Host { name: name.to_string(), command: command.to_string() }
        })
        .collect();
    producers.push(Producer::AwaModel);
    producers.push(Producer::Python);

    let url = new_awa_db("awa_fleet", "queue_storage");
    let pool = PgPool::connect(&url).await?;
    sqlx::query("INSERT INTO awa.queue_meta (queue, enqueue_shards) VALUES ('orders', $1)")
        .bind(ORDERS_SHARDS)
        .execute(&pool)
        .await?;
    let bucket = chrono::Utc::now().timestamp().div_euclid(86_400);
    let unique_jobs = [
        Logical {
            label: "welcome email",
            kind: "send_email",
            args: json!({"to": "ada@example.com", "subject": "Welcome", "retry_after": 1.5}),
            queue: "email",
            unique: Some((false, true, None)),
            ordering_key: None,
            partition_key: None,
        },
        Logical {
            label: "order sync",
            kind: "sync_order",
            args: json!({"order": "order-7", "lines": [{"sku": "é-42", "qty": 2}], "total": 42.0}),
            queue: "orders",
            unique: Some((true, true, None)),
            ordering_key: Some(ORDER_KEY),
            partition_key: None,
        },
        Logical {
            label: "daily report",
            kind: "daily_report",
            args: json!({"day": bucket}),
            queue: "default",
            unique: Some((false, false, Some(bucket))),
            ordering_key: None,
            partition_key: None,
        },
        Logical {
            label: "card charge",
            kind: "charge_card",
            args: json!({"amount_cents": 1250, "currency": "NZD", "customer": "customer-42"}),
            queue: "payments",
            unique: Some((true, true, None)),
            ordering_key: Some("customer-42"),
            partition_key: Some("customer-42"),
        },
    ];
    let kinds = "send_email,sync_order,daily_report,charge_card,audit";
    let mut queues = vec!["email".to_string(), "orders".into(), "default".into(), "payments".into()];
    queues.extend((1..PARTITIONS).map(|i| format!("payments__p{i}")));
    let queues = queues.join(",");

    // The fleet's workers are running before anything is enqueued.
    let dir = tempdir()?;
    let stop = dir.join("stop");
    let stop_arg = stop.to_string_lossy().to_string();
    let root = host_tests::repo_root();
    let rust_worker =
        start_worker(&target_bin("awa-rust-worker"), &[&url, &queues, kinds, "1000000", "120", &stop_arg])?;
    let py = root.join(".venv-awa/bin/python");
    let py_worker = start_worker(
        &py.to_string_lossy(),
        &[
            &root.join("host-tests/fixtures/awa_py.py").to_string_lossy(),
            "worker",
            &url,
            &queues,
            kinds,
            "1000000",
            "120",
            &stop_arg,
        ],
    )?;

    wait_for_runtimes(&pool, 2).await?;
    println!("One Awa 0.6.9 database in queue-storage mode; running: Awa's Rust worker (awa crate) and Python worker (awa-pg).");
    println!("Producers: {}.\n", producers.iter().map(Producer::name).collect::<Vec<_>>().join(", "));

    // Partitioned queue: every producer routes with its own implementation.
    println!("PartitionedQueue(\"payments\", {PARTITIONS}), key customer-42, routed by each producer:");
    let mut routes = Vec::new();
    for p in &producers {
        let q = match p {
            Producer::Host { command, .. } => host_partition(command, &url, "payments", "customer-42")?,
            Producer::AwaModel => {
                PartitionedQueue::new("payments", PARTITIONS)?.queue_for_key(b"customer-42").to_string()
            }
            Producer::Python => python_route("payments", PARTITIONS, "customer-42")?,
        };
        println!("  {:<16} -> {q}", p.name());
        routes.push(q);
    }
    anyhow::ensure!(routes.iter().all(|q| q == &routes[0]), "producers route differently: {routes:?}");

    // Unique jobs: each producer enqueues each logical job; who goes first rotates.
    let mut rng = Rng::new(0xdeb0);
    let mut table: Vec<Vec<(Outcome, usize)>> = Vec::new();
    let mut first_ids = Vec::new();
    let mut labels = std::collections::HashMap::new();
    for (k, job) in unique_jobs.iter().enumerate() {
        let queue = if job.partition_key.is_some() { routes[0].clone() } else { job.queue.to_string() };
        let mut row = vec![(Outcome::Duplicate, 0); producers.len()];
        for step in 0..producers.len() {
            let pi = (k + step) % producers.len();
            let outcome = enqueue(&producers[pi], &url, &pool, job, &queue, &mut rng).await?;
            row[pi] = (outcome, step);
        }
        let first = row.iter().find(|(_, step)| *step == 0).map(|(o, _)| o.clone());
        let Some(Outcome::Inserted(id)) = first else {
            anyhow::bail!("{}: the first producer did not insert", job.label)
        };
        let by = row.iter().position(|(_, step)| *step == 0).map(|i| producers[i].name()).unwrap_or("?");
        labels.insert(id, format!("{}@{queue} from {by}", job.kind));
        first_ids.push(id);
        table.push(row);
    }
    println!(
        "\nUnique jobs: every producer enqueues the same logical job, args spelled its own way; the first inserts,"
    );
    println!(
        "every other one is refused by Awa's unique claim (key computed by each producer, never by the database):"
    );
    print!("  {:<14}", "job");
    for p in &producers {
        print!(" | {:<16}", p.name());
    }
    println!();
    let mut refused = 0;
    for (k, row) in table.iter().enumerate() {
        print!("  {:<14}", unique_jobs[k].label);
        for (outcome, _) in row {
            let cell = match outcome {
                Outcome::Inserted(id) => format!("#{id} inserted"),
                Outcome::Duplicate => {
                    refused += 1;
                    format!("dup of #{}", first_ids[k])
                }
            };
            print!(" | {cell:<16}");
        }
        println!();
    }
    let expected_dups = unique_jobs.len() * (producers.len() - 1);
    anyhow::ensure!(refused == expected_dups, "{refused} duplicates refused, {expected_dups} expected");

    // Ordering key: each producer's own audit job with key order-7 lands on the same shard.
    println!("\nNon-unique jobs with ordering key {ORDER_KEY} on queue orders ({ORDERS_SHARDS} enqueue shards), one per producer:");
    let audit = Logical {
        label: "audit",
        kind: "audit",
        args: json!({}),
        queue: "orders",
        unique: None,
        ordering_key: Some(ORDER_KEY),
        partition_key: None,
    };
    let mut shards = Vec::new();
    let mut inserted = first_ids.clone();
    for p in &producers {
        let job = Logical { args: json!({"producer": p.name()}), ..audit.clone() };
        let Outcome::Inserted(id) = enqueue(p, &url, &pool, &job, "orders", &mut rng).await? else {
            anyhow::bail!("audit job refused")
        };
        let shard: i16 = sqlx::query_scalar("SELECT enqueue_shard FROM awa.ready_entries WHERE job_id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await?;
        println!("  {:<16} #{id:<4} enqueue shard {shard}", p.name());
        labels.insert(id, format!("audit@orders from {}", p.name()));
        shards.push(shard);
        inserted.push(id);
    }
    let core_shard = awa_enqueue::ordering::shard_for_ordering_key(ORDER_KEY.as_bytes(), ORDERS_SHARDS);
    anyhow::ensure!(shards.iter().all(|s| *s == core_shard), "shards differ: {shards:?} (core: {core_shard})");

    // Every job is run by one of the workers (they report each job as they complete it; in
    // queue storage a completed job leaves awa.jobs once its ring slot is reused).
    let total = inserted.len();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let ran: Vec<i64> = [&rust_worker, &py_worker].iter().flat_map(|w| w.ran()).collect();
        let open = inserted.iter().filter(|id| !ran.contains(id)).count();
        if open == 0 {
            break;
        }
        anyhow::ensure!(std::time::Instant::now() < deadline, "{open} jobs not run after 60 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    std::fs::write(&stop, b"")?;
    let (by_rust, by_python) = (rust_worker.ran(), py_worker.ran());
    for mut w in [rust_worker, py_worker] {
        w.child.wait()?;
    }
    println!("\nWorkers: all {total} jobs completed.");
    for (name, ids) in [("Rust worker (awa crate)", &by_rust), ("Python worker (awa-pg)", &by_python)] {
        let list: Vec<String> =
            ids.iter().map(|id| format!("#{id} {}", labels.get(id).map(String::as_str).unwrap_or("?"))).collect();
        println!("  {name:<24} ran {:>2}: {}", ids.len(), list.join(", "));
    }
    anyhow::ensure!(
        by_rust.len() + by_python.len() == total,
        "workers ran {} of {total}",
        by_rust.len() + by_python.len()
    );

    println!("\nShown: {} producers in {} languages derived identical unique keys ({refused} cross-language duplicates refused by Awa),", producers.len(), producers.len());
    println!("the same enqueue shard ({core_shard}) and the same partition ({}); Awa's Rust and Python workers completed every job.", routes[0]);
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

/// Wait until `n` Awa runtimes (the workers) have registered and heartbeated.
async fn wait_for_runtimes(pool: &PgPool, n: i64) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let up: i64 = sqlx::query_scalar("SELECT count(*) FROM awa.runtime_instances").fetch_one(pool).await?;
        if up >= n {
            return Ok(());
        }
        anyhow::ensure!(std::time::Instant::now() < deadline, "{up} of {n} workers started after 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn target_bin(name: &str) -> String {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| host_tests::repo_root().join("target"));
    dir.join("release").join(name).to_string_lossy().to_string()
}

fn tempdir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("awa-enqueue-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn python_route(logical: &str, partitions: usize, key: &str) -> anyhow::Result<String> {
    let root = host_tests::repo_root();
    let out = Command::new(root.join(".venv-awa/bin/python"))
        .args([
            "-c",
            "import awa, sys; print(awa.PartitionedQueue(sys.argv[1], int(sys.argv[2])).queue_for_key(sys.argv[3]))",
            logical,
            &partitions.to_string(),
            key,
        ])
        .output()?;
    anyhow::ensure!(out.status.success(), "awa-pg PartitionedQueue failed");
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}

async fn enqueue(
    p: &Producer,
    url: &str,
    pool: &PgPool,
    job: &Logical,
    queue: &str,
    rng: &mut Rng,
) -> anyhow::Result<Outcome> {
    match p {
        Producer::Host { command, .. } => {
            let spelling = gen::spelled(rng, &job.args);
            let line = json!({"id": job.label, "op": "prepare", "job": case_job(job, queue, spelling)});
            let out = run_lines(command, url, true, &[line])?;
            match (&out[0]["ok"]["job_id"], &out[0]["duplicate"]) {
                (Value::String(id), _) => Ok(Outcome::Inserted(id.parse()?)),
                (_, Value::Bool(true)) => Ok(Outcome::Duplicate),
                _ => anyhow::bail!("{}: {}", p.name(), out[0]),
            }
        }
        Producer::AwaModel => {
            let params = InsertParams {
                kind: job.kind.to_string(),
                args: job.args.clone(),
                opts: InsertOpts {
                    queue: queue.to_string(),
                    unique: awa_unique(job),
                    ordering_key: job.ordering_key.map(|k| k.as_bytes().to_vec()),
                    ..Default::default()
                },
            };
            match awa_model::insert_many(pool, &[params]).await {
                Ok(rows) => Ok(Outcome::Inserted(rows[0].id)),
                Err(AwaError::Database(sqlx::Error::Database(e))) if e.code().as_deref() == Some("23505") => {
                    Ok(Outcome::Duplicate)
                }
                Err(e) => anyhow::bail!("awa-model: {e}"),
            }
        }
        Producer::Python => {
            let out = awa_py(&["insert", url, &spec_json(job, queue).to_string()]);
            match (&out["id"], &out["conflict"]) {
                (Value::Number(id), _) => Ok(Outcome::Inserted(id.as_i64().unwrap_or_default())),
                (_, Value::Bool(true)) => Ok(Outcome::Duplicate),
                _ => anyhow::bail!("awa-pg: {out}"),
            }
        }
    }
}
