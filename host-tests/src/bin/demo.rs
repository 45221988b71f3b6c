//! Demo: jobs built by the wasm component (wasmtime) are inserted into an Awa database through
//! `awa.insert_job_compat`; the returned rows are printed, and a duplicate shows Awa's outcome.
//!   demo DATABASE_URL_OF_AN_AWA_DATABASE

use awa_enqueue::{Job, Placeholders, UniqueOpts};
use host_tests::cases::to_hex;
use host_tests::component::WasmCore;
use host_tests::db::{insert, is_unique_conflict};
use sqlx::{Connection, PgConnection, Row};

fn sample_jobs() -> Vec<Job> {
    vec![
        Job {
            kind: "send_email".into(),
            args_json: Some(r#"{ "to": "ada@example.com", "subject": "Welcome", "retry_after": 1.50 }"#.into()),
            unique: Some(UniqueOpts::default()),
            tags: vec!["onboarding".into()],
            ..Default::default()
        },
        Job {
            kind: "send_invoice".into(),
            args_json: Some(r#"{"invoice_id": 42, "amount": 1e2}"#.into()),
            priority: Some(1),
            metadata_json: Some(r#"{"source": "demo"}"#.into()),
            ..Default::default()
        },
        Job {
            kind: "sync_order".into(),
            args_json: Some(r#"{"order": "order-7"}"#.into()),
            queue: Some("orders".into()),
            ordering_key: Some(b"customer-42".to_vec()),
            ..Default::default()
        },
    ]
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let url = std::env::args().nth(1).ok_or_else(|| anyhow::anyhow!("usage: demo DATABASE_URL"))?;
    let mut wasm = WasmCore::load()?;
    let contract = wasm.contract();
    println!("core module: Awa {} contract, ABI {}", contract.awa_version, contract.abi_version);
    let mut conn = PgConnection::connect(&url).await?;
    let (version, args): (Option<i32>, Option<String>) =
        sqlx::query_as(&wasm.schema_check_sql()).fetch_one(&mut conn).await?;
    let (v, tested) = wasm.check_schema(version, args.as_deref()).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("schema check: awa.schema_version {v} (tested: {tested}), insert_job_compat signature matches\n");

    let sql = wasm.insert_sql(Placeholders::Dollar);
    println!("SQL: {sql}\n");
    for job in sample_jobs() {
        let (p, binds) = wasm.prepare_with_binds(&job).map_err(|e| anyhow::anyhow!("{e}"))?;
        println!(
            "values: kind={:?} queue={:?} args={} state={} priority={} max_attempts={} run_at={:?} metadata={} tags={:?} unique_key={:?} unique_states={:?} ordering_key={:?}",
            p.kind, p.queue, p.args_json, p.state, p.priority, p.max_attempts, p.run_at, p.metadata_json, p.tags,
            p.unique_key.as_deref().map(to_hex), p.unique_states, p.ordering_key.as_deref().map(to_hex)
        );
        let row = insert(&mut conn, &sql, &binds).await?;
        println!(
            "  -> row id={} kind={} queue={} state={} args={}",
            row.get::<i64, _>("id"),
            row.get::<String, _>("kind"),
            row.get::<String, _>("queue"),
            row.get::<String, _>("state_str"),
            row.get::<serde_json::Value, _>("args")
        );
    }
    let again = Job {
        args_json: Some(r#"{"retry_after":1.5,"subject":"Welcome","to":"ada@example.com"}"#.into()),
        ..sample_jobs().remove(0)
    };
    let (_, binds) = wasm.prepare_with_binds(&again).map_err(|e| anyhow::anyhow!("{e}"))?;
    match insert(&mut conn, &sql, &binds).await {
        Err(e) if is_unique_conflict(&e) => {
            println!("\nsame send_email job, other spelling: duplicate (23505 idx_awa_jobs_unique), nothing inserted")
        }
        other => anyhow::bail!("expected a duplicate, got {other:?}"),
    }
    Ok(())
}
