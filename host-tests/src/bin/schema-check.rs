//! Startup compatibility check through the component: schema-check-sql, then check-schema.
//!   schema-check DATABASE_URL   -> prints a JSON verdict; exit 1 when incompatible

use host_tests::component::WasmCore;
use serde_json::json;
use sqlx::{Connection, PgConnection};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let url = std::env::args().nth(1).ok_or_else(|| anyhow::anyhow!("usage: schema-check DATABASE_URL"))?;
    let mut wasm = WasmCore::load()?;
    let mut conn = PgConnection::connect(&url).await?;
    let (version, args): (Option<i32>, Option<String>) =
        sqlx::query_as(&wasm.schema_check_sql()).fetch_one(&mut conn).await?;
    match wasm.check_schema(version, args.as_deref()) {
        Ok((v, tested)) => println!("{}", json!({"compatible": true, "schema_version": v, "tested": tested})),
        Err(e) => {
            println!(
                "{}",
                json!({"compatible": false, "schema_version": version, "code": e.code.as_str(), "message": e.message})
            );
            std::process::exit(1);
        }
    }
    Ok(())
}
