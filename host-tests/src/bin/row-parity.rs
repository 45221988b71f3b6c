//! Stored-row parity on the database path: the `prepare` cases of a case set go through each
//! host's conformance runner in `--enqueue` mode (its public duplicate-safe helper, one committed
//! transaction per case) into a fresh Awa database, and the same jobs go through awa-model's own
//! `insert_with` into a second one. For every case the outcome (inserted / duplicate / rejected)
//! must agree, and every stored row must be equal column by column. Both storage modes.
//!
//!   row-parity --cases DIR [--modes canonical,queue_storage] NAME=COMMAND...
//!       DIR holds cases.jsonl and expected.jsonl (gen-cases); COMMAND is a runner command line
//!       to which `--enqueue` is appended, run with DATABASE_URL set. Needs DATABASE_URL.

use awa_model::{AwaError, InsertOpts, JobState, UniqueOpts};
use host_tests::cases::{parse_case, Case};
use host_tests::db::{database_url, new_awa_db};
use serde_json::{json, Value};
use sqlx::{PgPool, Row};
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

/// A job with a kind chosen at run time, for awa-model's typed `insert_with`.
struct DynJob {
    kind: &'static str,
    args: Value,
}

impl serde::Serialize for DynJob {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.args.serialize(s)
    }
}

impl awa_model::JobArgs for DynJob {
    fn kind() -> &'static str {
        ""
    }
    fn kind_str(&self) -> &'static str {
        self.kind
    }
    fn to_args(&self) -> Result<Value, serde_json::Error> {
        Ok(self.args.clone())
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Inserted(i64),
    Duplicate,
    Rejected(String),
}

/// The case's job in awa-model's terms: args and metadata parsed by serde_json (as Awa's own
/// producers hold them), run_at as a UTC time, unique options with awa-model's defaults.
fn awa_job(job: &awa_enqueue::Job) -> (DynJob, InsertOpts) {
    let d = InsertOpts::default();
    let parse = |t: &Option<String>| t.as_deref().map(|t| serde_json::from_str::<Value>(t).expect("valid JSON"));
    let unique = job.unique.as_ref().map(|u| {
        let du = UniqueOpts::default();
        let names = u.state_names.as_ref().map(|names| {
            names.iter().map(|n| n.parse::<JobState>().expect("state").bit_position()).fold(0u8, |m, b| m | (1 << b))
        });
        UniqueOpts {
            by_queue: u.by_queue.unwrap_or(du.by_queue),
            by_args: u.by_args.unwrap_or(du.by_args),
            by_period: u.by_period,
            states: u.states.or(names).unwrap_or(du.states),
        }
    });
    let opts = InsertOpts {
        queue: job.queue.clone().unwrap_or(d.queue),
        priority: job.priority.map(|p| p as i16).unwrap_or(d.priority),
        max_attempts: job.max_attempts.map(|m| m as i16).unwrap_or(d.max_attempts),
        run_at: job.run_at.as_deref().map(|t| chrono::DateTime::parse_from_rfc3339(t).expect("run_at").to_utc()),
        metadata: parse(&job.metadata_json).unwrap_or(d.metadata),
        tags: job.tags.clone(),
        unique,
        ordering_key: job.ordering_key.clone(),
        ..InsertOpts::default()
    };
    let kind: &'static str = Box::leak(job.kind.clone().into_boxed_str());
    (DynJob { kind, args: parse(&job.args_json).unwrap_or_else(|| json!({})) }, opts)
}

const COLUMNS: &str = "kind, queue, args::text, metadata::text, tags, priority, max_attempts, state::text, \
    run_at, unique_key, unique_states::text";

async fn stored(pool: &PgPool, id: i64) -> anyhow::Result<Vec<String>> {
    let row = sqlx::query(
        "SELECT kind, queue, args::text, metadata::text, tags::text, priority::text, max_attempts::text, \
         state::text, to_char(run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), \
         encode(unique_key, 'hex'), unique_states::text FROM awa.jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    Ok((0..11).map(|i| row.get::<Option<String>, _>(i).unwrap_or_else(|| "NULL".into())).collect())
}

fn run_host(command: &str, url: &str, input: &str) -> anyhow::Result<Vec<Value>> {
    let mut child = Command::new("sh")
        .args(["-c", &format!("{command} --enqueue")])
        .env("DATABASE_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().expect("stdin");
    let text = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child.wait_with_output()?;
    writer.join().expect("writer")?;
    anyhow::ensure!(out.status.success(), "{command} --enqueue failed ({})", out.status);
    String::from_utf8(out.stdout)?.lines().map(|l| Ok(serde_json::from_str(l)?)).collect()
}

fn host_outcome(line: &Value) -> Outcome {
    if let Some(id) = line["ok"]["job_id"].as_str() {
        return id.parse().map(Outcome::Inserted).unwrap_or_else(|_| Outcome::Rejected(format!("bad job_id {id}")));
    }
    if line["duplicate"] == json!(true) {
        return Outcome::Duplicate;
    }
    Outcome::Rejected(line["error"]["code"].as_str().unwrap_or("?").to_string())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut modes, mut hosts) =
        (None, vec!["canonical".to_string(), "queue_storage".to_string()], Vec::new());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--cases" => dir = args.next(),
            "--modes" => modes = args.next().unwrap_or_default().split(',').map(str::to_string).collect(),
            spec => {
                let (name, cmd) =
                    spec.split_once('=').ok_or_else(|| anyhow::anyhow!("expected NAME=COMMAND, got {spec}"))?;
                hosts.push((name.to_string(), cmd.to_string()));
            }
        }
    }
    let dir = std::path::PathBuf::from(dir.ok_or_else(|| anyhow::anyhow!("--cases DIR is required"))?);
    anyhow::ensure!(database_url().is_some(), "row-parity needs DATABASE_URL");
    anyhow::ensure!(!hosts.is_empty(), "name at least one host as NAME=COMMAND");

    // The prepare cases and what the contract expects of each.
    let cases = std::fs::read_to_string(dir.join("cases.jsonl"))?;
    let expected = std::fs::read_to_string(dir.join("expected.jsonl"))?;
    let mut input = String::new();
    let mut jobs = Vec::new();
    for (line, exp) in cases.lines().zip(expected.lines()) {
        if let (_, Ok(Case::Prepare(job))) = parse_case(line) {
            let exp: Value = serde_json::from_str(exp)?;
            input.push_str(line);
            input.push('\n');
            jobs.push((job, exp.get("ok").is_some()));
        }
    }

    let mut differences = 0;
    for mode in &modes {
        // awa-model's own producer, once per mode: the reference outcomes and rows.
        let awa_url = new_awa_db(&format!("parity_awa_{mode}"), mode);
        let awa_pool = PgPool::connect(&awa_url).await?;
        let mut reference = Vec::new();
        for (job, valid) in &jobs {
            if !valid {
                reference.push(Outcome::Rejected("(contract error)".into()));
                continue;
            }
            let (args, opts) = awa_job(job);
            reference.push(match awa_model::insert_with(&awa_pool, &args, opts).await {
                Ok(row) => Outcome::Inserted(row.id),
                Err(AwaError::UniqueConflict { .. }) => Outcome::Duplicate,
                Err(e) => Outcome::Rejected(e.to_string()),
            });
        }
        for (name, command) in &hosts {
            let url = new_awa_db(&format!("parity_{name}_{mode}"), mode);
            let pool = PgPool::connect(&url).await?;
            let lines = run_host(command, &url, &input)?;
            anyhow::ensure!(lines.len() == jobs.len(), "{name}: {} result lines for {} cases", lines.len(), jobs.len());
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            let mut diffs = Vec::new();
            for (i, (line, want)) in lines.iter().zip(&reference).enumerate() {
                let got = host_outcome(line);
                let id = &line["id"];
                match (&got, want) {
                    (Outcome::Inserted(ours), Outcome::Inserted(theirs)) => {
                        *counts.entry("inserted").or_default() += 1;
                        let (a, b) = (stored(&pool, *ours).await?, stored(&awa_pool, *theirs).await?);
                        let run_at_given = jobs[i].0.run_at.is_some();
                        for (k, (x, y)) in COLUMNS.split(", ").zip(a.iter().zip(&b)) {
                            let clock = k == "run_at" && !run_at_given;
                            if (clock && (x == "NULL") != (y == "NULL")) || (!clock && x != y) {
                                diffs.push(format!("{id}: {k}: {name} stored {x}, awa-model {y}"));
                            }
                        }
                    }
                    (Outcome::Duplicate, Outcome::Duplicate) => *counts.entry("duplicate").or_default() += 1,
                    (Outcome::Rejected(_), Outcome::Rejected(_)) if !jobs[i].1 => {
                        *counts.entry("rejected").or_default() += 1
                    }
                    _ => diffs.push(format!("{id}: {name} {got:?}, awa-model {want:?}")),
                }
            }
            println!("row-parity {mode} {name}: {} prepare cases, {counts:?}, {} differences", jobs.len(), diffs.len());
            for d in diffs.iter().take(15) {
                println!("  {d}");
            }
            differences += diffs.len();
            pool.close().await;
        }
        awa_pool.close().await;
    }
    if differences > 0 {
        anyhow::bail!("{differences} differences between stored rows");
    }
    Ok(())
}
