//! Against a real PostgreSQL with the Awa 0.6.9 schema (installed by awa-cli): the component's
//! SQL and values round-trip, batches are atomic, duplicates are typed, keys dedupe live against
//! awa-model's and awa-pg's own producers, and the schema check reads the real catalog.
//! Needs DATABASE_URL (scripts/test.sh provides one); without it each test says so and returns.

use awa_enqueue::{Job, Placeholders, UniqueOpts};
use host_tests::cases::{parse_case, Case};
use host_tests::component::WasmCore;
use host_tests::db::{self, awa_py, insert, insert_many, is_unique_conflict, new_awa_db};
use host_tests::oracle;
use serde_json::json;
use sqlx::{Connection, PgConnection, Row};

const MODES: [&str; 2] = ["canonical", "queue_storage"];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio")
}

macro_rules! require_db {
    () => {
        if db::database_url().is_none() {
            eprintln!("DATABASE_URL is not set: skipping (run through scripts/test.sh)");
            return;
        }
    };
}

fn unique_job(kind: &str, queue: &str, args_json: &str, unique: UniqueOpts) -> Job {
    Job {
        kind: kind.into(),
        queue: Some(queue.into()),
        args_json: Some(args_json.into()),
        unique: Some(unique),
        ..Default::default()
    }
}

#[test]
fn round_trip_in_both_storage_modes() {
    require_db!();
    let mut wasm = WasmCore::load().expect("component");
    let sql = wasm.insert_sql(Placeholders::Dollar);
    let jobs: Vec<Job> = oracle::vectors(0x5157, 400)
        .into_iter()
        .filter_map(|(line, _)| match parse_case(&line.to_string()).1 {
            Ok(Case::Prepare(job)) => Some(job),
            _ => None,
        })
        .collect();
    assert!(jobs.len() > 200);
    runtime().block_on(async {
        for mode in MODES {
            let url = new_awa_db(&format!("rust_rt_{mode}"), mode);
            let mut conn = PgConnection::connect(&url).await.expect("connect");
            let mut claimed = std::collections::HashSet::new();
            let mut deduped = 0;
            for (i, job) in jobs.iter().enumerate() {
                let (p, binds) = wasm.prepare_with_binds(job).expect("valid job");
                let row = match insert(&mut conn, &sql, &binds).await {
                    Ok(row) => row,
                    // Generated jobs may share a key (e.g. by_args off): the database must then refuse.
                    Err(e) if is_unique_conflict(&e) && claimed.contains(&p.unique_key) => {
                        deduped += 1;
                        continue;
                    }
                    Err(e) => panic!("{mode} job {i} {job:?}: {e}"),
                };
                let claims: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM awa.job_unique_claims WHERE unique_key = $1)")
                    .bind(&p.unique_key)
                    .fetch_one(&mut conn)
                    .await
                    .expect("claims");
                if claims {
                    claimed.insert(p.unique_key.clone());
                }
                let id: i64 = row.get("id");
                assert_eq!(row.get::<String, _>("state_str"), p.state);
                // Awa's queue storage leaves a JSON null metadata out of the payload; it reads back as {}.
                let stored_metadata = match (mode, p.metadata_json.as_str()) {
                    ("queue_storage", "null") => "{}",
                    _ => p.metadata_json.as_str(),
                };
                let same: (bool, bool, bool, bool, bool, bool, bool, bool, bool, bool, bool) = sqlx::query_as(
                    "SELECT kind = $1, queue = $2, args = $3::text::jsonb, state::text = $4, priority = $5::smallint, \
                     max_attempts = $6::smallint, run_at = coalesce($7::text::timestamptz, run_at), metadata = $8::text::jsonb, \
                     tags = $9::text[], unique_key IS NOT DISTINCT FROM $10::bytea, unique_states::text IS NOT DISTINCT FROM $11 \
                     FROM awa.jobs WHERE id = $12",
                )
                .bind(&p.kind).bind(&p.queue).bind(&p.args_json).bind(p.state).bind(p.priority).bind(p.max_attempts)
                .bind(&p.run_at).bind(stored_metadata).bind(&p.tags).bind(&p.unique_key).bind(&p.unique_states).bind(id)
                .fetch_one(&mut conn)
                .await
                .expect("read back");
                assert_eq!(same, (true, true, true, true, true, true, true, true, true, true, true), "{mode} job {i}: {p:?}");
            }
            println!("round trip {mode}: {} jobs stored exactly as built, {deduped} refused as duplicates", jobs.len() - deduped);
            assert!(deduped < jobs.len() / 10);
        }
    });
}

#[test]
fn multi_row_insert_is_atomic_and_ordered() {
    require_db!();
    let mut wasm = WasmCore::load().expect("component");
    runtime().block_on(async {
        for mode in MODES {
            let url = new_awa_db(&format!("rust_batch_{mode}"), mode);
            let mut conn = PgConnection::connect(&url).await.expect("connect");
            let jobs: Vec<Job> = (0..5).map(|i| Job { kind: format!("batch_{i}"), ..Default::default() }).collect();
            let sql = wasm.insert_many_sql(Placeholders::Dollar);
            let rows =
                insert_many(&mut conn, &sql, &wasm.insert_many_binds(&jobs).expect("prepare")).await.expect("batch");
            let kinds: Vec<String> = rows.iter().map(|r| r.get("kind")).collect();
            assert_eq!(kinds, ["batch_0", "batch_1", "batch_2", "batch_3", "batch_4"]);

            let u = UniqueOpts::default();
            let dup = [
                unique_job("atomic", "default", r#"{"n":1}"#, u.clone()),
                Job { kind: "atomic".into(), ..Default::default() },
                unique_job("atomic", "default", r#"{ "n" : 1 }"#, u),
            ];
            let err = insert_many(&mut conn, &sql, &wasm.insert_many_binds(&dup).expect("prepare")).await.unwrap_err();
            assert!(is_unique_conflict(&err), "{mode}: {err}");
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM awa.jobs WHERE kind = 'atomic'")
                .fetch_one(&mut conn)
                .await
                .unwrap();
            assert_eq!(n, 0, "{mode}: a failed batch must leave nothing");
        }
    });
}

#[derive(serde::Serialize)]
struct ExtJob {
    n: i64,
    ratio: f64,
    name: String,
    tags: Vec<i64>,
}

impl awa_model::JobArgs for ExtJob {
    fn kind() -> &'static str {
        "ext_job"
    }
}

/// Our module's key equals the key awa-model's `insert_with` and awa-pg's `insert` compute for the
/// same job: whoever inserts second gets Awa's duplicate error, in both directions and modes.
#[test]
fn live_dedup_with_awa_rust_and_python_producers() {
    require_db!();
    let mut wasm = WasmCore::load().expect("component");
    let sql = wasm.insert_sql(Placeholders::Dollar);
    let bucket = awa_enqueue::unique::period_bucket(chrono::Utc::now().timestamp(), 3600).unwrap();
    let variants: [(&str, UniqueOpts); 3] = [
        ("by_args", UniqueOpts::default()),
        ("by_queue", UniqueOpts { by_queue: Some(true), ..UniqueOpts::default() }),
        (
            "by_period",
            UniqueOpts { by_queue: Some(true), by_args: Some(false), by_period: Some(bucket), ..UniqueOpts::default() },
        ),
    ];
    runtime().block_on(async {
        let mut n = 0i64;
        for mode in MODES {
            let url = new_awa_db(&format!("rust_dedup_{mode}"), mode);
            let pool = sqlx::PgPool::connect(&url).await.expect("pool");
            let mut conn = PgConnection::connect(&url).await.expect("connect");
            for (name, opts) in &variants {
                let u = opts.resolve().expect("unique options");
                let awa_opts = |queue: &str| awa_model::InsertOpts {
                    queue: queue.into(),
                    unique: Some(awa_model::UniqueOpts { by_queue: u.by_queue, by_args: u.by_args, by_period: u.by_period, states: u.states }),
                    ..Default::default()
                };
                let mut py_opts = json!({"by_queue": u.by_queue, "by_args": u.by_args, "states": u.states});
                if let Some(bucket) = u.by_period {
                    py_opts["by_period"] = json!(bucket);
                }
                for direction in ["ours_first", "theirs_first"] {
                    for producer in ["rust", "python"] {
                        n += 1;
                        let queue = format!("dedup_{n}");
                        // Same value as ExtJob { n, ratio: 1.0, name: "café", tags: [1, 2] }, spelled differently.
                        let ours = unique_job("ext_job", &queue, &format!(" {{\"tags\":[1 ,2], \"name\":\"caf\\u00E9\", \"ratio\": 1E0, \"n\": {n}}}"), opts.clone());
                        let (_, p) = wasm.prepare_with_binds(&ours).expect("prepare");
                        let theirs = |conn_pool: &sqlx::PgPool| {
                            let pool = conn_pool.clone();
                            let opts = awa_opts(&queue);
                            let py_spec = json!({"kind": "ext_job", "queue": queue, "args": {"n": n, "ratio": 1.0, "name": "café", "tags": [1, 2]}, "unique_opts": py_opts});
                            let url = url.clone();
                            async move {
                                if producer == "rust" {
                                    let job = ExtJob { n, ratio: 1.0, name: "café".into(), tags: vec![1, 2] };
                                    match awa_model::insert_with(&pool, &job, opts).await {
                                        Ok(_) => "inserted",
                                        Err(awa_model::AwaError::UniqueConflict { .. }) => "conflict",
                                        Err(e) => panic!("awa-model insert: {e}"),
                                    }
                                } else {
                                    let out = awa_py(&["insert", &url, &py_spec.to_string()]);
                                    if out["conflict"] == json!(true) { "conflict" } else if out["inserted"] == json!(true) { "inserted" } else { panic!("awa-pg: {out}") }
                                }
                            }
                        };
                        let label = format!("{mode}/{name}/{producer}/{direction}");
                        if direction == "ours_first" {
                            insert(&mut conn, &sql, &p).await.unwrap_or_else(|e| panic!("{label}: {e}"));
                            assert_eq!(theirs(&pool).await, "conflict", "{label}: Awa's producer did not see our key");
                        } else {
                            assert_eq!(theirs(&pool).await, "inserted", "{label}");
                            let err = insert(&mut conn, &sql, &p).await.expect_err(&label);
                            assert!(is_unique_conflict(&err), "{label}: {err}");
                        }
                    }
                }
            }
        }
        println!("live dedup: {n} producer pairs collided as expected");
    });
}

/// What our validation rejects, the database rejects too (awa-model itself passes these through).
#[test]
fn bad_inputs_are_rejected_by_the_database_too() {
    require_db!();
    let cases: Vec<(&str, Job, &str, &str)> = vec![
        ("kind 201 chars", Job { kind: "k".repeat(201), ..Default::default() }, "kind_too_long", "23514"),
        (
            "queue 201 chars",
            Job { kind: "k".into(), queue: Some("q".repeat(201)), ..Default::default() },
            "queue_too_long",
            "23514",
        ),
        (
            "priority 9",
            Job { kind: "k".into(), priority: Some(9), ..Default::default() },
            "priority_out_of_range",
            "23514",
        ),
        (
            "priority 0",
            Job { kind: "k".into(), priority: Some(0), ..Default::default() },
            "priority_out_of_range",
            "23514",
        ),
        (
            "max_attempts 1001",
            Job { kind: "k".into(), max_attempts: Some(1001), ..Default::default() },
            "max_attempts_out_of_range",
            "23514",
        ),
        (
            "21 tags",
            Job { kind: "k".into(), tags: vec!["t".into(); 21], ..Default::default() },
            "too_many_tags",
            "23514",
        ),
        (
            "60-byte queue",
            Job { kind: "k".into(), queue: Some("é".repeat(30)), ..Default::default() },
            "queue_channel_too_long",
            "22023",
        ),
    ];
    runtime().block_on(async {
        let url = new_awa_db("rust_bad_inputs", "queue_storage");
        let mut conn = PgConnection::connect(&url).await.expect("connect");
        for (label, job, code, sqlstate) in cases {
            assert_eq!(awa_enqueue::prepare(&job).unwrap_err().code.as_str(), code, "{label}");
            let opts = awa_model::InsertOpts {
                queue: job.queue.clone().unwrap_or_else(|| "default".into()),
                priority: job.priority.unwrap_or(2) as i16,
                max_attempts: job.max_attempts.unwrap_or(25) as i16,
                tags: job.tags.clone(),
                ..Default::default()
            };
            let p = awa_model::prepare_raw_job_insert(job.kind.clone(), json!({}), opts).expect("awa-model accepts it");
            let err = sqlx::query(awa_model::adapter::postgres::INSERT_JOB_SQL)
                .bind(p.kind())
                .bind(p.queue())
                .bind(p.args())
                .bind(p.state_db_str())
                .bind(p.priority())
                .bind(p.max_attempts())
                .bind(p.run_at())
                .bind(p.metadata())
                .bind(p.tags())
                .bind(p.unique_key())
                .bind(p.unique_states_bit_string())
                .bind(p.ordering_key())
                .fetch_one(&mut conn)
                .await
                .expect_err(label);
            let got = match &err {
                sqlx::Error::Database(d) => d.code().map(|c| c.to_string()),
                _ => None,
            };
            assert_eq!(got.as_deref(), Some(sqlstate), "{label}: {err}");
        }
        let p = awa_model::prepare_raw_job_insert("k", json!({"a": "\u{0}"}), Default::default());
        assert!(p.is_err(), "awa-model rejects NUL itself");
    });
}

#[test]
fn schema_check_reads_the_real_catalog() {
    require_db!();
    let mut wasm = WasmCore::load().expect("component");
    let sql = wasm.schema_check_sql();
    runtime().block_on(async {
        let check = |url: String| {
            let sql = sql.clone();
            async move {
                let mut conn = PgConnection::connect(&url).await.expect("connect");
                let (v, args): (Option<i32>, Option<String>) = sqlx::query_as(&sql).fetch_one(&mut conn).await.expect("schema check sql");
                (v, args, conn)
            }
        };
        for mode in MODES {
            let (v, args, _) = check(new_awa_db(&format!("rust_schema_{mode}"), mode)).await;
            assert_eq!(wasm.check_schema(v, args.as_deref()).unwrap(), (40, true), "{mode}");
        }
        let base = db::database_url().unwrap();
        let (v, args, _) = check(base).await;
        assert_eq!(wasm.check_schema(v, args.as_deref()).unwrap_err().code.as_str(), "schema_missing");

        let (_, _, mut conn) = check(new_awa_db("rust_schema_overload", "canonical")).await;
        sqlx::query("CREATE FUNCTION awa.insert_job_compat(p_kind text, p_extra int) RETURNS int LANGUAGE sql AS 'SELECT 1'")
            .execute(&mut conn).await.unwrap();
        let (v, args): (Option<i32>, Option<String>) = sqlx::query_as(&sql).fetch_one(&mut conn).await.unwrap();
        let err = wasm.check_schema(v, args.as_deref()).unwrap_err();
        assert_eq!(err.code.as_str(), "function_signature_mismatch");
        assert!(err.message.contains("2 overload(s)") && err.message.contains("p_extra integer"), "{}", err.message);

        sqlx::query("DROP FUNCTION awa.insert_job_compat(text, int)").execute(&mut conn).await.unwrap();
        sqlx::query("ALTER FUNCTION awa.insert_job_compat(text,text,jsonb,awa.job_state,smallint,smallint,timestamptz,jsonb,text[],bytea,bit,bytea) RENAME TO insert_job_compat_old")
            .execute(&mut conn).await.unwrap();
        let (v, args): (Option<i32>, Option<String>) = sqlx::query_as(&sql).fetch_one(&mut conn).await.unwrap();
        assert_eq!(wasm.check_schema(v, args.as_deref()).unwrap_err().code.as_str(), "function_missing");

        sqlx::query("DELETE FROM awa.schema_version WHERE version >= 40").execute(&mut conn).await.unwrap();
        let (v, args): (Option<i32>, Option<String>) = sqlx::query_as(&sql).fetch_one(&mut conn).await.unwrap();
        assert_eq!(wasm.check_schema(v, args.as_deref()).unwrap_err().code.as_str(), "schema_too_old");
    });
}

/// Queue storage: LISTEN "awa:<queue>" gets the wake-up on commit, not before; rollback sends none.
#[test]
fn notify_on_commit_in_queue_storage() {
    require_db!();
    let mut wasm = WasmCore::load().expect("component");
    let sql = wasm.insert_sql(Placeholders::Dollar);
    let (_, p) = wasm
        .prepare_with_binds(&Job { kind: "notify_me".into(), queue: Some("notify_q".into()), ..Default::default() })
        .unwrap();
    runtime().block_on(async {
        let url = new_awa_db("rust_notify", "queue_storage");
        let mut listener = sqlx::postgres::PgListener::connect(&url).await.expect("listener");
        listener.listen("awa:notify_q").await.expect("listen");
        let mut conn = PgConnection::connect(&url).await.expect("connect");

        let mut tx = conn.begin().await.unwrap();
        insert(&mut tx, &sql, &p).await.unwrap();
        tx.rollback().await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        insert(&mut tx, &sql, &p).await.unwrap();
        let early = tokio::time::timeout(std::time::Duration::from_millis(500), listener.recv()).await;
        assert!(early.is_err(), "no notification before commit (or after rollback)");
        tx.commit().await.unwrap();
        let note = tokio::time::timeout(std::time::Duration::from_secs(10), listener.recv())
            .await
            .expect("notified")
            .expect("recv");
        assert_eq!((note.channel(), note.payload()), ("awa:notify_q", ""));
    });
}

/// A real Awa worker (awa-pg 0.6.9) runs jobs this module built, in both storage modes.
#[test]
fn real_awa_worker_completes_our_jobs() {
    require_db!();
    let mut wasm = WasmCore::load().expect("component");
    let sql = wasm.insert_sql(Placeholders::Dollar);
    runtime().block_on(async {
        for mode in MODES {
            let url = new_awa_db(&format!("rust_worker_{mode}"), mode);
            let mut conn = PgConnection::connect(&url).await.expect("connect");
            for n in 0..3 {
                let (_, p) = wasm
                    .prepare_with_binds(&unique_job(
                        "rust_ext",
                        "rust_q",
                        &format!("{{\"n\": {n}, \"x\": 2.50}}"),
                        UniqueOpts::default(),
                    ))
                    .unwrap();
                insert(&mut conn, &sql, &p).await.unwrap();
            }
            let out = awa_py(&["worker", &url, "rust_q", "rust_ext", "3", "60"]);
            assert_eq!(out["seen"].as_array().map(Vec::len), Some(3), "{mode}: {out}");
            assert_eq!(out["seen"][0]["args"]["x"], json!(2.5));
            let done: i64 =
                sqlx::query_scalar("SELECT count(*) FROM awa.jobs WHERE kind = 'rust_ext' AND state = 'completed'")
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
            assert_eq!(done, 3, "{mode}: jobs completed by the Awa worker");
        }
    });
}

/// try-insert-sql: a duplicate it can see is not an error; it returns the job holding the key
/// (in both storage modes), so the caller's transaction goes on without a savepoint.
#[test]
fn try_insert_returns_the_job_holding_the_key() {
    require_db!();
    let mut wasm = WasmCore::load().expect("component");
    let sql = wasm.try_insert_sql(Placeholders::Dollar);
    runtime().block_on(async {
        for mode in MODES {
            let url = new_awa_db(&format!("rust_try_{mode}"), mode);
            let mut conn = PgConnection::connect(&url).await.expect("connect");
            let job = |args: &str| unique_job("try_me", "try_q", args, UniqueOpts::default());
            let (_, first) = wasm.prepare_with_binds(&job(r#"{"a":1,"b":[1.0]}"#)).unwrap();
            let rows = db::fetch_all(&mut conn, &sql, &first).await.expect("insert");
            assert_eq!(rows.len(), 1);
            assert!(rows[0].get::<bool, _>("inserted"), "{mode}");
            let id: i64 = rows[0].get("id");

            let mut tx = conn.begin().await.unwrap();
            let (_, again) = wasm.prepare_with_binds(&job(r#"{ "b": [1E0], "a": 1 }"#)).unwrap();
            let rows = db::fetch_all(&mut tx, &sql, &again).await.expect("a duplicate is not an error");
            assert_eq!(rows.len(), 1, "{mode}");
            assert!(!rows[0].get::<bool, _>("inserted"), "{mode}");
            assert_eq!(rows[0].get::<i64, _>("id"), id, "{mode}: the job holding the key");
            assert_eq!(rows[0].get::<String, _>("state_str"), "available");
            assert_eq!(rows[0].get::<String, _>("queue"), "try_q");
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM awa.jobs WHERE kind = 'try_me'")
                .fetch_one(&mut *tx)
                .await
                .expect("transaction still usable");
            assert_eq!(n, 1);
            tx.commit().await.unwrap();

            // A job without a unique key always inserts.
            let (_, plain) = wasm.prepare_with_binds(&Job { kind: "try_me".into(), ..Default::default() }).unwrap();
            for _ in 0..2 {
                let rows = db::fetch_all(&mut conn, &sql, &plain).await.unwrap();
                assert!(rows[0].get::<bool, _>("inserted"));
            }
            let (_, key) = wasm.prepare_with_binds(&job(r#"{"a":1,"b":[1.0]}"#)).unwrap();
            let existing = db::fetch_all(&mut conn, &wasm.existing_job_sql(Placeholders::Dollar), &[key[9].clone()])
                .await
                .unwrap();
            assert_eq!(existing[0].get::<i64, _>("id"), id, "{mode}: existing-job-sql");
        }
    });
}

/// psql script output, notices in place, for `statements`.
fn psql(url: &str, statements: &str) -> String {
    let out = std::process::Command::new("sh")
        .args(["-c", "psql -X -q -v ON_ERROR_STOP=1 -d \"$0\" 2>&1", url])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().expect("stdin").write_all(statements.as_bytes())?;
            child.wait_with_output()
        })
        .expect("run psql");
    assert!(out.status.success(), "psql failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sql_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The batch statement silences Awa's per-row NOTICEs in queue storage and leaves the caller's
/// client_min_messages as it was, outside and inside a transaction.
#[test]
fn batch_is_quiet_and_restores_the_callers_level() {
    require_db!();
    let url = new_awa_db("rust_quiet", "queue_storage");
    let jobs: Vec<Job> = (0..3)
        .map(|i| Job { kind: format!("quiet_{i}"), queue: Some(format!("quiet_q{}", i % 2)), ..Default::default() })
        .collect();
    let binds = awa_enqueue::insert_many_binds(&jobs).unwrap();
    let types = vec!["text"; binds.len()].join(", ");
    let args = binds.iter().map(|b| sql_literal(b)).collect::<Vec<_>>().join(", ");
    let prepare = format!("PREPARE batch({types}) AS {};\n", awa_enqueue::insert_many_sql(Placeholders::Dollar));
    let single =
        awa_enqueue::prepare(&Job { kind: "loud".into(), queue: Some("quiet_q0".into()), ..Default::default() })
            .unwrap();
    let single_args =
        single.binds().iter().map(|b| b.as_deref().map_or("NULL".into(), sql_literal)).collect::<Vec<_>>().join(", ");
    let out = psql(
        &url,
        &format!(
            "{prepare}PREPARE one({}) AS {};\nSET client_min_messages = notice;\nEXECUTE one({single_args});\n\\echo -- batch\nEXECUTE batch({args});\nSHOW client_min_messages;\nBEGIN;\nSET LOCAL client_min_messages = log;\nEXECUTE batch({args});\nSHOW client_min_messages;\nCOMMIT;\nSHOW client_min_messages;\n",
            ["text"; 12].join(", "),
            awa_enqueue::insert_sql(Placeholders::Dollar),
        ),
    );
    let (before, after) = out.split_once("-- batch").expect("marker");
    assert!(before.contains("NOTICE"), "the single-job statement is as loud as Awa makes it: {before}");
    assert!(!after.contains("NOTICE"), "no notices from the batch: {after}");
    let levels: Vec<&str> = after.lines().map(str::trim).filter(|l| ["notice", "log"].contains(l)).collect();
    assert_eq!(levels, ["notice", "log", "notice"], "caller's level after each batch: {after}");
}

/// Concurrent multi-queue batches in queue storage: rows of each batch arrive in random queue,
/// priority and ordering-key order (some queues with several enqueue shards), yet no producer
/// deadlocks and every row is stored. Awa's own insert_many on the same batches is run too and
/// its deadlocks are reported (not asserted: they depend on timing).
#[test]
fn concurrent_multi_queue_batches_do_not_deadlock() {
    require_db!();
    const PRODUCERS: usize = 8;
    const BATCHES: usize = 6;
    const ROWS: usize = 120;
    let batch = |seed: u64| -> Vec<Job> {
        let mut rng = host_tests::gen::Rng::new(seed);
        (0..ROWS)
            .map(|i| Job {
                kind: "lock_order".into(),
                queue: Some(format!("lanes_{}", rng.below(6))),
                priority: Some(1 + rng.below(2) as i64),
                ordering_key: rng.chance(50).then(|| format!("key-{}", rng.below(40)).into_bytes()),
                args_json: Some(format!("{{\"seed\":{seed},\"i\":{i}}}")),
                ..Default::default()
            })
            .collect()
    };
    runtime().block_on(async {
        let url = new_awa_db("rust_lock_order", "queue_storage");
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(PRODUCERS as u32 + 2).connect(&url).await.unwrap();
        sqlx::query("INSERT INTO awa.queue_meta (queue, enqueue_shards) SELECT 'lanes_' || n, 1 + n % 3 FROM generate_series(0, 5) AS n")
            .execute(&pool)
            .await
            .expect("shard some queues");
        let sql = awa_enqueue::insert_many_sql(Placeholders::Dollar);
        let is_deadlock = |e: &sqlx::Error| matches!(e, sqlx::Error::Database(d) if d.code().as_deref() == Some("40P01"));
        let tasks = (0..PRODUCERS).map(|p| {
            let (pool, sql) = (pool.clone(), sql.clone());
            tokio::spawn(async move {
                let (mut stored, mut deadlocks) = (0usize, 0usize);
                for b in 0..BATCHES {
                    let binds = awa_enqueue::insert_many_binds(&batch((p * 100 + b) as u64)).unwrap();
                    let mut conn = pool.acquire().await.unwrap();
                    match insert_many(&mut conn, &sql, &binds).await {
                        Ok(rows) => stored += rows.len(),
                        Err(e) if is_deadlock(&e) => deadlocks += 1,
                        Err(e) => panic!("producer {p}: {e}"),
                    }
                }
                (stored, deadlocks)
            })
        });
        let results = futures_join(tasks.collect()).await;
        let stored: usize = results.iter().map(|r| r.0).sum();
        let deadlocks: usize = results.iter().map(|r| r.1).sum();
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM awa.jobs WHERE kind = 'lock_order'").fetch_one(&pool).await.unwrap();
        println!("lock order: {PRODUCERS} producers x {BATCHES} batches x {ROWS} rows: {deadlocks} deadlocks, {count} rows stored");
        assert_eq!((deadlocks, stored, count as usize), (0, PRODUCERS * BATCHES * ROWS, PRODUCERS * BATCHES * ROWS));

        // The same batches through awa-model's insert_many (a VALUES list in the caller's order).
        let awa_tasks = (0..PRODUCERS).map(|p| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let mut deadlocks = 0usize;
                for b in 0..BATCHES {
                    let params: Vec<awa_model::InsertParams> = batch((p * 100 + b) as u64)
                        .iter()
                        .map(|j| awa_model::InsertParams {
                            kind: j.kind.clone(),
                            args: serde_json::from_str(j.args_json.as_deref().unwrap()).unwrap(),
                            opts: awa_model::InsertOpts {
                                queue: j.queue.clone().unwrap(),
                                priority: j.priority.unwrap() as i16,
                                ordering_key: j.ordering_key.clone(),
                                ..Default::default()
                            },
                        })
                        .collect();
                    if let Err(awa_model::AwaError::Database(e)) = awa_model::insert_many(&pool, &params).await {
                        if matches!(&e, sqlx::Error::Database(d) if d.code().as_deref() == Some("40P01")) {
                            deadlocks += 1;
                        }
                    }
                }
                deadlocks
            })
        });
        let awa_deadlocks: usize = futures_join(awa_tasks.collect()).await.into_iter().sum();
        println!("awa-model insert_many, same batches: {awa_deadlocks} deadlocks in {} batches", PRODUCERS * BATCHES);
    });
}

async fn futures_join<T>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}
