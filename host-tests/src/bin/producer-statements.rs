//! Every statement a producer sends, as a psql script with literal binds (for
//! scripts/producer-grants.sh): single, duplicate-safe (insert and duplicate), holder lookup,
//! scheduled, ordering-keyed, a multi-queue batch, and the schema and engine checks.

use awa_enqueue::*;

/// A SQL literal for a text bind (NULL for none).
fn lit(s: &Option<String>) -> String {
    s.as_ref().map(|v| format!("'{}'", v.replace('\'', "''"))).unwrap_or("NULL".into())
}
fn main() {
    let t12 = ["text"; 12].join(",");
    let t13 = ["text"; 13].join(",");
    println!("PREPARE one({t12}) AS {};", insert_sql(Placeholders::Dollar));
    println!("PREPARE try({t12}) AS {};", try_insert_sql(Placeholders::Dollar));
    println!("PREPARE many({t13}) AS {};", insert_many_sql(Placeholders::Dollar));
    println!("PREPARE holder(text) AS {};", existing_job_sql(Placeholders::Dollar));
    println!("{};", schema::SCHEMA_CHECK_SQL);
    println!("{};", sql::STORAGE_ENGINE_SQL);
    let u = Some(UniqueOpts::default());
    let jobs = [
        Job { kind: "lp".into(), args_json: Some("{\"n\":1}".into()), unique: u.clone(), ..Default::default() },
        Job { kind: "lp".into(), args_json: Some("{\"n\":1}".into()), unique: u.clone(), ..Default::default() },
        Job {
            kind: "lp".into(),
            queue: Some("lp_q2".into()),
            run_at: Some("2030-01-01T00:00:00Z".into()),
            unique: u.clone(),
            ..Default::default()
        },
        Job { kind: "lp".into(), queue: Some("lp_q3".into()), ordering_key: Some(b"k".to_vec()), ..Default::default() },
    ];
    for (i, j) in jobs.iter().enumerate() {
        let b = prepare(j).unwrap().binds();
        let args = b.iter().map(lit).collect::<Vec<_>>().join(",");
        println!("EXECUTE {}({args});", if i == 3 { "one" } else { "try" });
        if i == 1 {
            println!("EXECUTE holder({});", lit(&b[9]));
        }
    }
    let batch: Vec<Job> = (0..6)
        .map(|i| Job {
            kind: "lpb".into(),
            queue: Some(format!("lpb_{}", i % 3)),
            ordering_key: (i % 2 == 0).then(|| vec![i as u8]),
            ..Default::default()
        })
        .collect();
    let b = insert_many_binds(&batch).unwrap();
    println!("EXECUTE many({});", b.iter().map(|s| lit(&Some(s.clone()))).collect::<Vec<_>>().join(","));
}
