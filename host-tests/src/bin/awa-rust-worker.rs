//! Awa's own Rust worker (the `awa` 0.6.9 crate) for tests and the demo of every host:
//!   awa-rust-worker DATABASE_URL QUEUES KINDS COUNT TIMEOUT_S [STOP_FILE]
//! runs a real Awa worker for the comma-separated queues and kinds until COUNT jobs ran, the
//! timeout passed or STOP_FILE exists, completing each, and prints
//! {"seen":[{"id":..,"kind":..,"queue":..,"args":..}]}.

use awa::{Client, JobContext, JobError, JobResult, QueueConfig, Worker};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Recorder {
    kind: &'static str,
    seen: Arc<Mutex<Vec<Value>>>,
}

#[async_trait::async_trait]
impl Worker for Recorder {
    fn kind(&self) -> &'static str {
        self.kind
    }
    async fn perform(&self, ctx: &JobContext) -> Result<JobResult, JobError> {
        let j = &ctx.job;
        self.seen.lock().expect("lock").push(json!({"id": j.id, "kind": j.kind, "queue": j.queue, "args": j.args}));
        Ok(JobResult::Completed)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (url, queues, kinds, count, timeout, stop_file) = match args.as_slice() {
        [u, q, k, c, t] => (u, q, k, c, t, None),
        [u, q, k, c, t, s] => (u, q, k, c, t, Some(std::path::PathBuf::from(s))),
        _ => anyhow::bail!("usage: awa-rust-worker DATABASE_URL QUEUES KINDS COUNT TIMEOUT_S [STOP_FILE]"),
    };
    let (count, timeout): (usize, f64) = (count.parse()?, timeout.parse()?);
    // Awa's client holds connections per queue (dispatchers, heartbeat, maintenance): size the pool for them.
    let connections = 8 + 2 * queues.split(',').count() as u32;
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(connections).connect(url).await?;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut builder = Client::builder(pool);
    for queue in queues.split(',') {
        let config = QueueConfig { max_workers: 4, poll_interval: Duration::from_millis(100), ..Default::default() };
        builder = builder.queue(queue, config);
    }
    for kind in kinds.split(',') {
        builder = builder
            .register_worker(Recorder { kind: Box::leak(kind.to_string().into_boxed_str()), seen: seen.clone() });
    }
    let client = builder.build()?;
    client.start().await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(timeout);
    let stopped = || stop_file.as_ref().is_some_and(|f| f.exists());
    while seen.lock().expect("lock").len() < count && tokio::time::Instant::now() < deadline && !stopped() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await; // let completions land
    client.shutdown(Duration::from_secs(5)).await;
    let seen = seen.lock().expect("lock").clone();
    println!("{}", json!({ "seen": seen }));
    if seen.len() < count && !stopped() {
        std::process::exit(1);
    }
    Ok(())
}
