//! Native case descriptions, their expected results computed by awa-model 0.6.9, and their
//! case lines (spelled non-canonically by `gen`).

use crate::cases::to_hex;
use crate::gen::{self, Rng};
use awa_model::{InsertOpts, JobState, PartitionedQueue, UniqueOpts};
use chrono::{DateTime, FixedOffset, SecondsFormat, TimeZone, Utc};
use serde_json::{json, Map, Value};

#[derive(Debug, Clone)]
pub struct NativeUnique {
    pub by_queue: Option<bool>,
    pub by_args: Option<bool>,
    pub by_period: Option<i64>,
    pub states: Option<u8>,
    /// States by name instead of a mask (the case line's `states` as an array).
    pub state_names: Option<Vec<String>>,
}

impl NativeUnique {
    /// awa-model's UniqueOpts: Awa's defaults for what is left out, names through JobState.
    pub fn to_awa(&self) -> UniqueOpts {
        let d = UniqueOpts::default();
        let names = self.state_names.as_ref().map(|names| {
            names
                .iter()
                .map(|n| n.parse::<JobState>().expect("valid state").bit_position())
                .fold(0u8, |m, bit| m | (1 << bit))
        });
        UniqueOpts {
            by_queue: self.by_queue.unwrap_or(d.by_queue),
            by_args: self.by_args.unwrap_or(d.by_args),
            by_period: self.by_period,
            states: self.states.or(names).unwrap_or(d.states),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NativeJob {
    pub kind: String,
    pub args: Option<Value>,
    pub queue: Option<String>,
    pub priority: Option<i16>,
    pub max_attempts: Option<i16>,
    pub run_at: Option<DateTime<Utc>>,
    pub metadata: Option<Value>,
    pub tags: Option<Vec<String>>,
    pub unique: Option<NativeUnique>,
    pub ordering_key: Option<Vec<u8>>,
    /// Exact case-line spellings, used instead of generated ones.
    pub spelled: Spelled,
}

/// Case-line text given verbatim: args JSON (e.g. with a repeated key) and run_at (RFC 3339
/// variants). The expected values come from awa-model on what this text denotes.
#[derive(Debug, Clone, Default)]
pub struct Spelled {
    pub args: Option<String>,
    pub run_at: Option<String>,
}

#[derive(Debug, Clone)]
pub enum NativeCase {
    Prepare(NativeJob),
    PrepareMany(Vec<NativeJob>),
    UniqueKey {
        kind: String,
        queue: Option<String>,
        args: Option<Value>,
        bucket: Option<i64>,
    },
    Ordering {
        key: Vec<u8>,
        shards: i16,
    },
    Kind(String),
    Canonical(Value),
    /// canonical_json of exact text (number boundaries, repeated keys, depth).
    CanonicalText(String),
    Partition {
        logical: String,
        partitions: usize,
        key: Vec<u8>,
    },
    StatesMask(u8),
    StatesNames(Vec<String>),
}

fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Expected `ok` payload, computed by awa-model 0.6.9.
pub fn expected(case: &NativeCase) -> Value {
    match case {
        NativeCase::Prepare(job) => prepared_by_awa(job),
        NativeCase::PrepareMany(jobs) => {
            json!({"jobs": jobs.iter().map(prepared_by_awa).collect::<Vec<_>>()})
        }
        NativeCase::UniqueKey { kind, queue, args, bucket } => {
            json!({"unique_key_hex": to_hex(&awa_model::unique::compute_unique_key(kind, queue.as_deref(), args.as_ref(), *bucket))})
        }
        NativeCase::Ordering { key, shards } => json!({
            "hash64": awa_model::queue_storage::ordering_key_hash64(key).to_string(),
            "shard": awa_model::queue_storage::shard_for_ordering_key(key, *shards),
        }),
        NativeCase::Kind(name) => json!({"kind": awa_model::kind::camel_to_snake(name)}),
        NativeCase::Canonical(v) => json!({"json": serde_json::to_string(v).expect("serialize")}),
        NativeCase::CanonicalText(t) => {
            let v: Value = serde_json::from_str(t).expect("valid JSON text");
            json!({"json": serde_json::to_string(&v).expect("serialize")})
        }
        NativeCase::Partition { logical, partitions, key } => {
            let pq = PartitionedQueue::new(logical.clone(), *partitions).expect("valid partitioned queue");
            json!({"index": awa_model::partition_for_ordering_key(key, *partitions), "queue": pq.queue_for_key(key)})
        }
        NativeCase::StatesMask(mask) => json!({"bits": states_bits_via_awa(*mask), "mask": mask}),
        NativeCase::StatesNames(names) => {
            let mask = names
                .iter()
                .map(|n| n.parse::<JobState>().expect("valid state").bit_position())
                .fold(0u8, |m, bit| m | (1 << bit));
            json!({"bits": states_bits_via_awa(mask), "mask": mask})
        }
    }
}

/// awa-model's InsertOpts for a job (Awa's defaults where the job leaves a value out).
pub fn insert_opts(job: &NativeJob) -> InsertOpts {
    let d = InsertOpts::default();
    InsertOpts {
        queue: job.queue.clone().unwrap_or(d.queue),
        priority: job.priority.unwrap_or(d.priority),
        max_attempts: job.max_attempts.unwrap_or(d.max_attempts),
        run_at: job.run_at.map(as_stored),
        metadata: job.metadata.clone().unwrap_or(d.metadata),
        tags: job.tags.clone().unwrap_or_default(),
        unique: job.unique.as_ref().map(NativeUnique::to_awa),
        ordering_key: job.ordering_key.clone(),
        ..InsertOpts::default()
    }
}

/// A time as awa-model's driver (sqlx) sends it to PostgreSQL: microseconds since 2000-01-01,
/// truncated toward that epoch.
pub fn as_stored(t: DateTime<Utc>) -> DateTime<Utc> {
    let epoch = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single().expect("epoch");
    let micros = (t - epoch).num_microseconds().expect("in range");
    epoch + chrono::Duration::microseconds(micros)
}

/// The result line of a prepared job, computed by awa-model's `prepare_raw_job_insert`.
fn prepared_by_awa(job: &NativeJob) -> Value {
    let args = match &job.spelled.args {
        Some(text) => serde_json::from_str(text).expect("valid args text"),
        None => job.args.clone().unwrap_or_else(|| json!({})),
    };
    let p = awa_model::prepare_raw_job_insert(job.kind.clone(), args, insert_opts(job))
        .expect("awa-model accepts generated jobs");
    json!({
        "kind": p.kind(), "queue": p.queue(),
        "args_json": serde_json::to_string(p.args()).expect("serialize"),
        "state": p.state_db_str(), "priority": p.priority(), "max_attempts": p.max_attempts(),
        "run_at": p.run_at().as_ref().map(rfc3339),
        "metadata_json": serde_json::to_string(p.metadata()).expect("serialize"),
        "tags": p.tags(),
        "unique_key_hex": p.unique_key().map(to_hex),
        "unique_states": p.unique_states_bit_string(),
        "ordering_key_hex": p.ordering_key().map(to_hex),
    })
}

fn states_bits_via_awa(mask: u8) -> String {
    let opts =
        InsertOpts { unique: Some(UniqueOpts { states: mask, ..UniqueOpts::default() }), ..InsertOpts::default() };
    awa_model::prepare_raw_job_insert("k", json!({}), opts)
        .expect("prepare")
        .unique_states_bit_string()
        .expect("states set")
        .to_string()
}

/// RFC 3339 text for `t` at a random offset, with random fraction padding and letter case.
pub fn spell_run_at(rng: &mut Rng, t: &DateTime<Utc>) -> String {
    let mut offset_min = if rng.chance(40) { 0 } else { rng.below(2 * 1439 + 1) as i32 - 1439 };
    let offset = FixedOffset::east_opt(offset_min * 60).expect("offset");
    let mut local = t.with_timezone(&offset);
    if !(1..=9999).contains(&chrono::Datelike::year(&local)) {
        offset_min = 0;
        local = t.with_timezone(&FixedOffset::east_opt(0).expect("utc"));
    }
    let micros = t.timestamp_subsec_micros();
    let frac = if micros == 0 && rng.chance(50) {
        String::new()
    } else {
        let base = format!(".{micros:06}");
        let trimmed = if rng.chance(50) { base.trim_end_matches('0').trim_end_matches('.').to_string() } else { base };
        let pad = if trimmed.is_empty() { String::new() } else { "0".repeat(rng.below(4)) };
        format!("{trimmed}{pad}")
    };
    let zone = if offset_min == 0 && rng.chance(70) {
        if rng.chance(80) {
            "Z".to_string()
        } else {
            "z".to_string()
        }
    } else {
        local.format("%:z").to_string()
    };
    let sep = if rng.chance(85) { "T" } else { "t" };
    format!("{}{sep}{}{frac}{zone}", local.format("%Y-%m-%d"), local.format("%H:%M:%S"))
}

fn opt_spelled(rng: &mut Rng, v: &Option<Value>) -> Value {
    v.as_ref().map(|v| Value::String(gen::spelled(rng, v))).unwrap_or(Value::Null)
}

/// A job as a case's `job` object, JSON inputs spelled non-canonically, absent and null
/// options chosen at random.
pub fn job_object(rng: &mut Rng, j: &NativeJob) -> Value {
    let mut job = Map::new();
    job.insert("kind".into(), json!(j.kind));
    let mut put = |k: &str, v: Value, omit_null: bool| {
        if !(omit_null && v.is_null()) {
            job.insert(k.into(), v);
        }
    };
    let coin = rng.chance(50);
    let args = j.spelled.args.as_ref().map(|t| json!(t)).unwrap_or_else(|| opt_spelled(rng, &j.args));
    put("args_json", args, coin);
    put("queue", json!(j.queue), rng.chance(50));
    put("priority", json!(j.priority), rng.chance(50));
    put("max_attempts", json!(j.max_attempts), rng.chance(50));
    let run_at = j.spelled.run_at.clone().or_else(|| j.run_at.as_ref().map(|t| spell_run_at(rng, t)));
    put("run_at", json!(run_at), rng.chance(50));
    let metadata = opt_spelled(rng, &j.metadata);
    put("metadata_json", metadata, rng.chance(50));
    if let Some(tags) = &j.tags {
        put("tags", json!(tags), false);
    }
    let unique = j.unique.as_ref().map(|u| {
        let mut o = Map::new();
        if let Some(b) = u.by_queue {
            o.insert("by_queue".into(), json!(b));
        }
        if let Some(b) = u.by_args {
            o.insert("by_args".into(), json!(b));
        }
        if u.by_period.is_some() || rng.chance(30) {
            o.insert("by_period".into(), json!(u.by_period.map(|b| b.to_string())));
        }
        if let Some(s) = u.states {
            o.insert("states".into(), json!(s));
        }
        if let Some(names) = &u.state_names {
            o.insert("states".into(), json!(names));
        }
        Value::Object(o)
    });
    put("unique", json!(unique), rng.chance(50));
    put("ordering_key_hex", json!(j.ordering_key.as_deref().map(to_hex)), rng.chance(50));
    Value::Object(job)
}

/// The case line for a native case, with every JSON input spelled non-canonically.
pub fn case_line(rng: &mut Rng, id: &str, case: &NativeCase) -> Value {
    match case {
        NativeCase::Prepare(j) => json!({"id": id, "op": "prepare", "job": job_object(rng, j)}),
        NativeCase::PrepareMany(jobs) => {
            json!({"id": id, "op": "prepare_many", "jobs": jobs.iter().map(|j| job_object(rng, j)).collect::<Vec<_>>()})
        }
        NativeCase::UniqueKey { kind, queue, args, bucket } => json!({
            "id": id, "op": "unique_key", "kind": kind, "queue": queue,
            "args_json": opt_spelled(rng, args), "period_bucket": bucket.map(|b| b.to_string()),
        }),
        NativeCase::Ordering { key, shards } => {
            json!({"id": id, "op": "ordering", "key_hex": to_hex(key), "shards": shards})
        }
        NativeCase::Kind(name) => json!({"id": id, "op": "kind_from_type_name", "name": name}),
        NativeCase::Canonical(v) => {
            json!({"id": id, "op": "canonical_json", "json": gen::spelled(rng, v)})
        }
        NativeCase::CanonicalText(t) => json!({"id": id, "op": "canonical_json", "json": t}),
        NativeCase::Partition { logical, partitions, key } => {
            json!({"id": id, "op": "partition", "logical_queue": logical, "partitions": partitions, "key_hex": to_hex(key)})
        }
        NativeCase::StatesMask(mask) => json!({"id": id, "op": "unique_states", "mask": mask}),
        NativeCase::StatesNames(names) => json!({"id": id, "op": "unique_states", "states": names}),
    }
}

const KIND_NAMES: &[&str] = &[
    "SendEmail",
    "SMTPEmail",
    "OAuthRefresh",
    "PDFRenderJob",
    "ProcessV2Import",
    "HTMLToPDF",
    "IOError",
    "Job2FA",
    "ABC",
    "getHTTPResponseCode",
    "A1B2",
    "ÉcoleJob",
    "already_snake",
    "Send_Email",
    "XMLHttpRequest",
    "V2",
    "S3Upload",
    "",
    "ǅungla",
    "ΣίσυφοςJob",
    "İstanbulJob",
    "ⅧJob",
    "aB",
    "Ab",
    "AB1c",
    "9Lives",
];

fn gen_name(rng: &mut Rng, max_chars: usize, max_bytes: usize) -> String {
    loop {
        let s = if rng.chance(30) {
            (0..1 + rng.below(20)).map(|_| (b'a' + rng.below(26) as u8) as char).collect()
        } else {
            gen::gen_string(rng, max_chars.min(40), false)
        };
        if s.chars().count() <= max_chars && s.len() <= max_bytes {
            return s;
        }
    }
}

fn gen_key(rng: &mut Rng) -> Vec<u8> {
    match rng.below(4) {
        0 => Vec::new(),
        1 => gen::gen_string(rng, 12, true).into_bytes(),
        _ => (0..rng.below(40)).map(|_| rng.next_u64() as u8).collect(),
    }
}

fn gen_run_at(rng: &mut Rng) -> DateTime<Utc> {
    let lo = Utc.with_ymd_and_hms(1, 1, 2, 0, 0, 0).single().expect("lo").timestamp();
    let hi = Utc.with_ymd_and_hms(9999, 12, 30, 0, 0, 0).single().expect("hi").timestamp();
    let secs = match rng.below(3) {
        0 => lo + (rng.next_u64() % (hi - lo) as u64) as i64,
        _ => 1_700_000_000 + (rng.next_u64() % 400_000_000) as i64,
    };
    let micros = if rng.chance(30) { 0 } else { (rng.next_u64() % 1_000_000) as u32 };
    Utc.timestamp_opt(secs, micros * 1000).single().expect("valid")
}

fn gen_bucket(rng: &mut Rng) -> i64 {
    match rng.below(4) {
        0 => *rng.pick(&[0, -1, 1, i64::MIN, i64::MAX, 493827]),
        1 => (1_700_000_000 + rng.below(100_000_000) as i64) / 3600,
        _ => rng.next_u64() as i64,
    }
}

pub fn gen_unique(rng: &mut Rng) -> NativeUnique {
    let by_names = rng.chance(15);
    NativeUnique {
        by_queue: rng.chance(70).then(|| rng.chance(50)),
        by_args: rng.chance(70).then(|| rng.chance(70)),
        by_period: rng.chance(40).then(|| gen_bucket(rng)),
        states: (!by_names && rng.chance(70)).then(|| rng.next_u64() as u8),
        state_names: by_names
            .then(|| (0..rng.below(9)).map(|_| rng.pick(&awa_enqueue::unique::STATES).to_string()).collect()),
    }
}

pub fn gen_job(rng: &mut Rng) -> NativeJob {
    NativeJob {
        kind: if rng.chance(20) {
            rng.pick(&["send_email", "k", "process_payment"]).to_string()
        } else {
            gen_name(rng, 200, usize::MAX)
        },
        args: if rng.chance(90) {
            Some(if rng.chance(80) { gen::gen_object(rng, 4, false) } else { gen::gen_value(rng, 3, false) })
        } else {
            None
        },
        queue: if rng.chance(70) { Some(gen_name(rng, 200, 59)) } else { None },
        priority: rng.chance(50).then(|| 1 + rng.below(4) as i16),
        max_attempts: rng.chance(50).then(|| *rng.pick(&[1, 2, 25, 999, 1000])),
        run_at: rng.chance(40).then(|| gen_run_at(rng)),
        metadata: rng.chance(50).then(|| {
            if rng.chance(90) {
                gen::gen_object(rng, 3, false)
            } else {
                gen::gen_value(rng, 2, false)
            }
        }),
        tags: rng.chance(60).then(|| (0..rng.below(21)).map(|_| gen::gen_string(rng, 10, false)).collect()),
        unique: rng.chance(70).then(|| gen_unique(rng)),
        ordering_key: rng.chance(40).then(|| gen_key(rng)),
        spelled: Spelled::default(),
    }
}

pub fn gen_case(rng: &mut Rng) -> NativeCase {
    match rng.below(100) {
        0..=59 => NativeCase::Prepare(gen_job(rng)),
        60..=74 => NativeCase::UniqueKey {
            kind: gen_name(rng, 40, usize::MAX),
            queue: rng.chance(50).then(|| gen_name(rng, 40, usize::MAX)),
            args: rng.chance(70).then(|| gen::gen_value(rng, 4, true)),
            bucket: rng.chance(50).then(|| gen_bucket(rng)),
        },
        75..=84 => NativeCase::Canonical(gen::gen_value(rng, 5, true)),
        85..=91 => NativeCase::Ordering {
            key: gen_key(rng),
            shards: if rng.chance(90) { 1 + rng.below(64) as i16 } else { *rng.pick(&[0, -1, i16::MAX, i16::MIN]) },
        },
        92..=94 => NativeCase::Kind(if rng.chance(50) {
            rng.pick(KIND_NAMES).to_string()
        } else {
            gen_name(rng, 30, usize::MAX)
        }),
        95..=97 => NativeCase::Partition {
            logical: loop {
                let q = gen_name(rng, 30, 50);
                if !q.is_empty() {
                    break q;
                }
            },
            partitions: if rng.chance(80) { 1 + rng.below(16) } else { *rng.pick(&[1, 2, 64, 32767]) },
            key: gen_key(rng),
        },
        _ => {
            if rng.chance(50) {
                NativeCase::StatesMask(rng.next_u64() as u8)
            } else {
                NativeCase::StatesNames(
                    (0..rng.below(9)).map(|_| rng.pick(&awa_enqueue::unique::STATES).to_string()).collect(),
                )
            }
        }
    }
}

/// `n` random cases from `seed`: (case line, expected result line).
pub fn generate(seed: u64, n: usize, id_prefix: &str) -> Vec<(Value, Value)> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let id = format!("{id_prefix}{i}");
            let case = gen_case(&mut rng);
            let line = case_line(&mut rng, &id, &case);
            (line, json!({"id": id, "ok": expected(&case)}))
        })
        .collect()
}

/// Hand-picked cases: the published golden inputs (awa-contract §12) and edge cases. Their
/// expected results are computed by awa-model like every other case.
pub fn fixed_cases() -> Vec<NativeCase> {
    let mut cases = Vec::new();
    let unique = |kind: &str, queue: Option<&str>, args: Option<Value>, bucket: Option<i64>| NativeCase::UniqueKey {
        kind: kind.into(),
        queue: queue.map(Into::into),
        args,
        bucket,
    };
    cases.push(unique("send_email", None, None, None));
    cases.push(unique("send_email", Some("default"), None, None));
    cases.push(unique("send_email", None, Some(json!({})), None));
    cases.push(unique("send_email", None, Some(json!({"to": "a@b.com"})), None));
    cases.push(unique("send_email", None, Some(json!({"to": "a@b.com", "subject": "Hi"})), None));
    cases.push(unique("send_email", Some("email"), Some(json!({"to": "a@b.com"})), Some(0)));
    cases.push(unique("send_email", Some("email"), Some(json!({"to": "a@b.com"})), Some(493827)));
    cases.push(unique("send_email", None, None, Some(-1)));
    cases.push(unique(
        "process_payment",
        None,
        Some(json!({"order_id": 12345, "amount_cents": 9999, "currency": "NZD"})),
        None,
    ));
    cases.push(unique(
        "k",
        None,
        Some(json!({"f": 1.0, "g": 0.1, "h": 1e21, "i": 1.5e-7, "j": -0.0, "n": null, "t": true})),
        None,
    ));
    cases.push(unique("k", None, Some(json!({"s": "é日本🎉/\\\"\n\t\u{1}\u{1f}\u{7f}\u{2028}"})), None));
    cases.push(unique("k", None, Some(json!({"z": {"b": [3, 2, 1], "a": {"y": 1, "x": 2}}, "a": []})), None));
    cases.push(unique("k", None, Some(json!({"a": 3, "B": 4, "😀": 2, "\u{e000}": 1})), None));
    cases.push(unique("k", None, Some(json!([1, 2, 3])), None));
    cases.push(unique("k", None, Some(json!("string-args")), None));
    cases.push(unique("k", None, Some(json!({"big": u64::MAX, "min": i64::MIN, "f": 18446744073709551616.0})), None));
    for v in [
        json!(5e-324),
        json!(2.2250738585072014e-308),
        json!(1.7976931348623157e308),
        json!(-0.0),
        json!(0.1),
        json!(1e-7),
    ] {
        cases.push(NativeCase::Canonical(json!([v])));
    }
    let pairs = [
        "SendEmail",
        "SendConfirmationEmail",
        "SMTPEmail",
        "OAuthRefresh",
        "PDFRenderJob",
        "ProcessV2Import",
        "ReconcileQ3Revenue",
        "HTMLToPDF",
        "IOError",
    ];
    for name in pairs.iter().chain(KIND_NAMES) {
        cases.push(NativeCase::Kind(name.to_string()));
    }
    let keys: Vec<Vec<u8>> = ["", "customer-42", "order-7", "a", "é", "🎉"]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .chain([vec![0x00, 0xff, 0x10]])
        .collect();
    for key in &keys {
        for shards in [0, 1, 2, 8, 16, 64] {
            cases.push(NativeCase::Ordering { key: key.clone(), shards });
        }
        for partitions in [1, 4, 8] {
            cases.push(NativeCase::Partition { logical: "orders".into(), partitions, key: key.clone() });
        }
    }
    for mask in 0..=255u8 {
        cases.push(NativeCase::StatesMask(mask));
    }
    cases.push(NativeCase::StatesNames(vec![]));
    cases.push(NativeCase::StatesNames(vec!["scheduled".into(), "waiting_external".into()]));
    let job = |kind: &str| NativeJob {
        kind: kind.into(),
        args: Some(json!({"b": 1, "a": 2})),
        queue: None,
        priority: None,
        max_attempts: None,
        run_at: None,
        metadata: None,
        tags: None,
        unique: None,
        ordering_key: None,
        spelled: Spelled::default(),
    };
    cases.push(NativeCase::Prepare(job("k")));
    cases.push(NativeCase::Prepare(NativeJob {
        run_at: Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single(),
        ..job("k")
    }));
    cases.push(NativeCase::Prepare(NativeJob { args: None, ..job("defaults_only") }));
    cases.push(NativeCase::Prepare(NativeJob {
        kind: "é".repeat(200),
        queue: Some("é".repeat(29)),
        priority: Some(4),
        max_attempts: Some(1000),
        tags: Some((0..20).map(|i| format!("t{i}")).collect()),
        unique: Some(NativeUnique {
            by_queue: Some(true),
            by_args: Some(true),
            by_period: Some(i64::MIN),
            states: Some(255),
            state_names: None,
        }),
        ordering_key: Some(vec![]),
        ..job("x")
    }));
    cases.push(NativeCase::Prepare(NativeJob {
        queue: Some("q".repeat(59)),
        priority: Some(1),
        max_attempts: Some(1),
        metadata: Some(json!({"awa:traceparent": "x", "n": [1.5, -0.0]})),
        unique: Some(NativeUnique {
            by_queue: Some(false),
            by_args: Some(false),
            by_period: None,
            states: Some(0),
            state_names: None,
        }),
        run_at: Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).single(),
        ..job("send_email")
    }));
    cases.extend(boundary_cases(job));
    cases
}

/// The boundaries docs/derivation.md states, each with awa-model's answer.
fn boundary_cases(job: impl Fn(&str) -> NativeJob) -> Vec<NativeCase> {
    let mut cases = Vec::new();
    // Numbers: underflow, the plain/exponent thresholds, integer ranges, subnormals, repeated keys, depth.
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let deep_object = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
    for text in [
        "1e-400",
        "-1e-400",
        "1e15",
        "1e16",
        "123456789012345.6",
        "1234567890123456.7",
        "1e-5",
        "1e-6",
        "0.00001",
        "0.000001",
        "9007199254740993",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "2.5e-324",
        "4.9e-324",
        "1.7976931348623158e308",
        "0e0",
        "-0",
        "1E2",
        "0.30000000000000004",
        "{\"a\":1,\"a\":2}",
        "{\"b\":{\"x\":1},\"a\":[],\"b\":{\"y\":2}}",
        "\"\\uFEFF\\u0000\\u001f\\u007f\"",
        "\"\u{feff}x\u{feff}\"",
        "\"\\ud83d\\ude00\"",
    ] {
        cases.push(NativeCase::CanonicalText(text.to_string()));
    }
    cases.push(NativeCase::CanonicalText(deep(127)));
    cases.push(NativeCase::CanonicalText(deep_object(127)));
    cases.push(NativeCase::CanonicalText("[\"scalars do not count\"]".to_string()));
    // Kind rule: Unicode Uppercase/Lowercase properties (Other_Uppercase included), previous input character.
    for name in [
        "ⅠJob",
        "ⒶJob",
        "aⅠb",
        "ⓐⒷ",
        "HTTPⅡServer",
        "ΣΑΣ",
        "İstanbul",
        "ǅungla",
        "ꭰꭱ",
        "ÀB",
        "_Leading",
        "A_B",
        "ABCdef",
        "1A",
        "a1B",
        "",
        "日本Job",
    ] {
        cases.push(NativeCase::Kind(name.to_string()));
    }
    // Unique keys with parts left out, and a state mask of 0 (a key no state claims).
    let uk = |kind: &str, queue: Option<&str>, args: Option<Value>, bucket: Option<i64>| NativeCase::UniqueKey {
        kind: kind.into(),
        queue: queue.map(Into::into),
        args,
        bucket,
    };
    cases.push(uk("k", None, None, None));
    cases.push(uk("k", Some(""), None, None));
    cases.push(uk("k", None, Some(json!({})), None));
    cases.push(uk("k", None, Some(json!(null)), None));
    cases.push(uk("k", None, None, Some(0)));
    cases.push(uk("", None, None, None));
    let unique =
        |states: Option<u8>| NativeUnique { by_queue: None, by_args: None, by_period: None, states, state_names: None };
    cases.push(NativeCase::Prepare(NativeJob { queue: Some(String::new()), unique: Some(unique(Some(0))), ..job("") }));
    cases.push(NativeCase::Prepare(NativeJob { unique: Some(unique(None)), ..job("defaults") }));
    cases.push(NativeCase::Prepare(NativeJob {
        unique: Some(NativeUnique { state_names: Some(vec!["available".into(), "available".into()]), ..unique(None) }),
        ..job("state_names")
    }));
    cases.push(NativeCase::Prepare(NativeJob {
        tags: Some(vec![]),
        metadata: Some(json!([1, "x"])),
        ..job("metadata_array")
    }));
    cases.push(NativeCase::Prepare(NativeJob {
        metadata: Some(json!(null)),
        args: Some(json!("s")),
        ..job("scalar_json")
    }));
    cases.push(NativeCase::Prepare(NativeJob {
        spelled: Spelled { args: Some("{\"a\":1,\"a\":{\"z\":1,\"y\":2}}".into()), run_at: None },
        unique: Some(unique(None)),
        ..job("repeated_keys")
    }));
    // Lengths: characters (scalar values), and bytes for the queue.
    cases.push(NativeCase::Prepare(NativeJob {
        kind: "\u{1F600}".repeat(200),
        queue: Some("é".repeat(29)),
        ..job("x")
    }));
    cases.push(NativeCase::Prepare(NativeJob { queue: Some("\u{1F600}".repeat(14)), ..job("k") }));
    // run_at: accepted RFC 3339 variants, offsets, truncation toward 2000-01-01, year bounds.
    for text in [
        "2026-11-28t10:00:00z",
        "2026-11-28 10:00:00Z",
        "2026-11-28T10:00:00.123456789123Z",
        "2026-11-28T10:00:00-00:00",
        "2026-11-28T10:00:00+14:00",
        "2026-11-28T10:00:00-23:59",
        "2026-11-28T10:00:00.0000005Z",
        "1969-07-20T20:17:40.0000005Z",
        "1999-12-31T23:59:59.9999999Z",
        "0001-01-01T00:00:00Z",
        "0001-01-01T01:00:00+01:00",
        "9999-12-31T23:59:59.999999999Z",
        "9999-12-31T22:59:59-01:00",
    ] {
        let t = chrono::DateTime::parse_from_rfc3339(text).expect("valid RFC 3339").to_utc();
        cases.push(NativeCase::Prepare(NativeJob {
            run_at: Some(t),
            spelled: Spelled { args: None, run_at: Some(text.into()) },
            ..job("run_at")
        }));
    }
    cases
}

/// Fixed cases first, then `random` generated ones: (case line, expected result line).
pub fn vectors(seed: u64, random: usize) -> Vec<(Value, Value)> {
    let mut rng = Rng::new(seed);
    let mut out: Vec<(Value, Value)> = fixed_cases()
        .iter()
        .enumerate()
        .map(|(i, case)| {
            let id = format!("fixed-{i}");
            (case_line(&mut rng, &id, case), json!({"id": id, "ok": expected(case)}))
        })
        .collect();
    out.extend(generate(seed ^ 0x5eed, random, "gen-"));
    out
}

/// Bad inputs and the typed error each must produce: (case line, code, field).
pub fn bad_inputs() -> Vec<(Value, &'static str, &'static str)> {
    let deep = format!("{}{}", "[".repeat(128), "]".repeat(128));
    let prep = |job: Value| json!({"op": "prepare", "job": job});
    let mut cases: Vec<(Value, &str, &str)> = vec![
        (prep(json!({"kind": "x".repeat(201)})), "kind_too_long", "kind"),
        (prep(json!({"kind": "é".repeat(201)})), "kind_too_long", "kind"),
        (prep(json!({"kind": "k\u{0}"})), "null_byte", "kind"),
        (prep(json!({"kind": "k", "queue": "q".repeat(201)})), "queue_too_long", "queue"),
        (prep(json!({"kind": "k", "queue": "q".repeat(60)})), "queue_channel_too_long", "queue"),
        (prep(json!({"kind": "k", "queue": "é".repeat(30)})), "queue_channel_too_long", "queue"),
        (prep(json!({"kind": "k", "queue": "a\u{0}b"})), "null_byte", "queue"),
        (prep(json!({"kind": "k", "priority": 0})), "priority_out_of_range", "priority"),
        (prep(json!({"kind": "k", "priority": 5})), "priority_out_of_range", "priority"),
        (prep(json!({"kind": "k", "priority": 9})), "priority_out_of_range", "priority"),
        (prep(json!({"kind": "k", "priority": -1})), "priority_out_of_range", "priority"),
        (prep(json!({"kind": "k", "priority": 70000})), "priority_out_of_range", "priority"),
        (prep(json!({"kind": "k", "max_attempts": 0})), "max_attempts_out_of_range", "max_attempts"),
        (prep(json!({"kind": "k", "max_attempts": 1001})), "max_attempts_out_of_range", "max_attempts"),
        (
            prep(json!({"kind": "k", "tags": (0..21).map(|i| i.to_string()).collect::<Vec<_>>()})),
            "too_many_tags",
            "tags",
        ),
        (prep(json!({"kind": "k", "tags": ["ok", "b\u{0}d"]})), "null_byte", "tags[1]"),
        (prep(json!({"kind": "k", "args_json": "{\"a\":\"\\u0000\"}"})), "null_byte", "args"),
        (prep(json!({"kind": "k", "args_json": "{\"\\u0000\":1}"})), "null_byte", "args"),
        (prep(json!({"kind": "k", "args_json": "[[\"x\\u0000\"]]"})), "null_byte", "args"),
        (prep(json!({"kind": "k", "metadata_json": "{\"m\":[\"\\u0000\"]}"})), "null_byte", "metadata"),
        (prep(json!({"kind": "k", "args_json": "{"})), "invalid_json", "args"),
        (prep(json!({"kind": "k", "args_json": ""})), "invalid_json", "args"),
        (prep(json!({"kind": "k", "args_json": "{'a':1}"})), "invalid_json", "args"),
        (prep(json!({"kind": "k", "args_json": "[1,]"})), "invalid_json", "args"),
        (prep(json!({"kind": "k", "args_json": "NaN"})), "invalid_json", "args"),
        (prep(json!({"kind": "k", "args_json": "{} {}"})), "invalid_json", "args"),
        (prep(json!({"kind": "k", "args_json": "\"\\ud800\""})), "invalid_json", "args"),
        (prep(json!({"kind": "k", "args_json": "01"})), "invalid_json", "args"),
        (prep(json!({"kind": "k", "args_json": deep})), "json_too_deep", "args"),
        (prep(json!({"kind": "k", "args_json": "{\"a\":1e400}"})), "number_out_of_range", "args"),
        (prep(json!({"kind": "k", "args_json": "-1e309"})), "number_out_of_range", "args"),
        (prep(json!({"kind": "k", "metadata_json": "{"})), "invalid_json", "metadata"),
        (prep(json!({"kind": "k", "run_at": "2026-11-28"})), "invalid_run_at", "run_at"),
        (prep(json!({"kind": "k", "run_at": "tomorrow"})), "invalid_run_at", "run_at"),
        (prep(json!({"kind": "k", "run_at": "2026-13-01T00:00:00Z"})), "invalid_run_at", "run_at"),
        (prep(json!({"kind": "k", "run_at": "2026-11-28T10:00:00"})), "invalid_run_at", "run_at"),
        (prep(json!({"kind": "k", "run_at": "2016-12-31T23:59:60Z"})), "invalid_run_at", "run_at"),
        (prep(json!({"kind": "k", "run_at": "0000-01-01T00:00:00Z"})), "invalid_run_at", "run_at"),
        (prep(json!({"kind": "k", "run_at": "0001-01-01T00:00:00+01:00"})), "invalid_run_at", "run_at"),
        (prep(json!({"kind": "k", "run_at": ""})), "invalid_run_at", "run_at"),
        (prep(json!({"kind": "x".repeat(201), "priority": 9, "args_json": "{"})), "kind_too_long", "kind"),
        (prep(json!({"kind": "k", "priority": 9, "args_json": "{"})), "priority_out_of_range", "priority"),
        (json!({"op": "canonical_json", "json": "{\"a\":}"}), "invalid_json", "json"),
        (json!({"op": "canonical_json", "json": deep}), "json_too_deep", "json"),
        (json!({"op": "unique_key", "kind": "k", "args_json": "[1"}), "invalid_json", "args"),
        (
            json!({"op": "partition", "logical_queue": "", "partitions": 4, "key_hex": "61"}),
            "empty_queue_name",
            "queue",
        ),
        (
            json!({"op": "partition", "logical_queue": "q", "partitions": 0, "key_hex": "61"}),
            "invalid_partitions",
            "partitions",
        ),
        (
            json!({"op": "partition", "logical_queue": "q", "partitions": 32768, "key_hex": "61"}),
            "invalid_partitions",
            "partitions",
        ),
        (json!({"op": "unique_states", "states": ["Scheduled"]}), "unknown_state", "unique.states"),
        (json!({"op": "unique_states", "states": ["available", "done"]}), "unknown_state", "unique.states"),
        (json!({"op": "frobnicate"}), "invalid_case", "op"),
        (json!({"op": "ordering", "key_hex": "zz", "shards": 4}), "invalid_case", "key_hex"),
        (json!({"op": "ordering", "key_hex": "abc", "shards": 4}), "invalid_case", "key_hex"),
        (json!({"op": "ordering", "key_hex": "ab", "shards": 40000}), "invalid_case", "shards"),
        (prep(json!({"kind": "k", "priority": "2"})), "invalid_case", "priority"),
        (prep(json!({"kind": "k", "priority": 2.5})), "invalid_case", "priority"),
        (prep(json!({"kind": "k", "unique": {"by_period": 5}})), "invalid_case", "unique.by_period"),
        (prep(json!({"kind": "k", "unique": {"states": 256}})), "invalid_case", "unique.states"),
        (prep(json!({"args_json": "{}"})), "invalid_case", "kind"),
        // Boundaries of docs/derivation.md and the check order of docs/contract.md.
        (prep(json!({"kind": "k", "queue": "é".repeat(201)})), "queue_too_long", "queue"),
        (prep(json!({"kind": "\u{1F600}".repeat(201)})), "kind_too_long", "kind"),
        (prep(json!({"kind": "k", "queue": "\u{1F600}".repeat(15)})), "queue_channel_too_long", "queue"),
        (
            prep(json!({"kind": "k", "args_json": format!("{}{}", "[".repeat(128), "]".repeat(128))})),
            "json_too_deep",
            "args",
        ),
        (
            prep(json!({"kind": "k", "args_json": format!("{}1{}", "{\"a\":".repeat(128), "}".repeat(128))})),
            "json_too_deep",
            "args",
        ),
        (prep(json!({"kind": "k", "args_json": "1.7976931348623159e308"})), "number_out_of_range", "args"),
        (prep(json!({"kind": "k", "metadata_json": "[1e400]"})), "number_out_of_range", "metadata"),
        (prep(json!({"kind": "k", "args_json": "\u{feff}{}"})), "invalid_json", "args"),
        (prep(json!({"kind": "k", "args_json": "{\"a\":\"\\ud800\"}"})), "invalid_json", "args"),
        (prep(json!({"kind": "k", "args_json": "\"\u{1}\""})), "invalid_json", "args"),
        (prep(json!({"kind": "k", "run_at": "2026-11-28T10:00:00,5Z"})), "invalid_run_at", "run_at"),
        (prep(json!({"kind": "k", "run_at": "2026-11-28T10:00Z"})), "invalid_run_at", "run_at"),
        (prep(json!({"kind": "k", "run_at": "2026-11-28T10:00:00+24:00"})), "invalid_run_at", "run_at"),
        (prep(json!({"kind": "k", "run_at": "0001-01-01T00:30:00+01:00"})), "invalid_run_at", "run_at"),
        (prep(json!({"kind": "k", "run_at": "9999-12-31T23:30:00-01:00"})), "invalid_run_at", "run_at"),
        (prep(json!({"kind": "k", "run_at": "10000-01-01T00:00:00Z"})), "invalid_run_at", "run_at"),
        (
            prep(json!({"kind": "k", "unique": {"states": ["available", "Available"]}})),
            "unknown_state",
            "unique.states",
        ),
        (
            prep(json!({"kind": "k", "unique": {"by_period": "9223372036854775808"}})),
            "invalid_case",
            "unique.by_period",
        ),
        (prep(json!({"kind": "k", "ordering_key_hex": "0g"})), "invalid_case", "ordering_key_hex"),
        (prep(json!({"kind": "k", "tags": ["a", 1]})), "invalid_case", "tags"),
        (
            prep(json!({"kind": "é".repeat(201), "queue": "q".repeat(201), "tags": vec!["t"; 21]})),
            "kind_too_long",
            "kind",
        ),
        (prep(json!({"kind": "k", "queue": "é".repeat(30), "priority": 0})), "queue_channel_too_long", "queue"),
        (
            prep(json!({"kind": "k", "max_attempts": 0, "tags": vec!["t"; 21]})),
            "max_attempts_out_of_range",
            "max_attempts",
        ),
        (prep(json!({"kind": "k", "tags": vec!["t\u{0}"; 21]})), "too_many_tags", "tags"),
        (prep(json!({"kind": "k", "args_json": "{", "metadata_json": "{"})), "invalid_json", "args"),
        (prep(json!({"kind": "k", "metadata_json": "[\"\\u0000\"]", "run_at": "never"})), "null_byte", "metadata"),
        (prep(json!({"kind": "k", "run_at": "never", "unique": {"states": ["nope"]}})), "invalid_run_at", "run_at"),
        (json!({"op": "prepare_many", "jobs": []}), "empty_batch", "jobs"),
        (
            json!({"op": "prepare_many", "jobs": [{"kind": "a"}, {"kind": "b", "queue": "é".repeat(30)}]}),
            "queue_channel_too_long",
            "jobs[1].queue",
        ),
        (
            json!({"op": "prepare_many", "jobs": [{"kind": "a", "tags": ["x\u{0}"]}, {"kind": "b", "priority": 9}]}),
            "null_byte",
            "jobs[0].tags[0]",
        ),
        (json!({"op": "prepare_many", "jobs": [{"kind": "a"}, {"priority": 1}]}), "invalid_case", "jobs[1].kind"),
        (json!({"op": "prepare_many"}), "invalid_case", "jobs"),
        (
            json!({"op": "unique_key", "kind": "k", "period_bucket": "-9223372036854775809"}),
            "invalid_case",
            "period_bucket",
        ),
        (json!({"op": "unique_key", "kind": "k", "period_bucket": 5}), "invalid_case", "period_bucket"),
        (json!({"op": "unique_key", "args_json": "{}"}), "invalid_case", "kind"),
        (json!({"op": "ordering", "shards": 4}), "invalid_case", "key_hex"),
        (json!({"op": "ordering", "key_hex": "00"}), "invalid_case", "shards"),
        (
            json!({"op": "partition", "logical_queue": "q", "partitions": -1, "key_hex": ""}),
            "invalid_case",
            "partitions",
        ),
        (
            json!({"op": "partition", "logical_queue": "q", "partitions": 4294967295u32, "key_hex": ""}),
            "invalid_partitions",
            "partitions",
        ),
        (json!({"op": "partition", "logical_queue": "", "partitions": 0, "key_hex": ""}), "empty_queue_name", "queue"),
        (json!({"op": "canonical_json", "json": "1E400"}), "number_out_of_range", "json"),
        (json!({"op": "canonical_json"}), "invalid_case", "json"),
        (json!({"op": "unique_states", "mask": 256}), "invalid_case", "mask"),
        (json!({"op": "unique_states", "states": ["waiting-external"]}), "unknown_state", "unique.states"),
        (json!({"op": 7}), "invalid_case", "op"),
        (json!({"id": "no-op"}), "invalid_case", "op"),
    ];
    for (i, (case, _, _)) in cases.iter_mut().enumerate() {
        case.as_object_mut().expect("object").insert("id".into(), json!(format!("bad-{i}")));
    }
    cases
}
