//! What an output must be, where something other than the core under test can say: awa-model
//! 0.6.9 (unique keys, canonical JSON as serde_json's Value round trip, camel_to_snake, the
//! queue-storage and partition hashes, PartitionedQueue routing, state bits, prepare_raw_job_insert
//! for every job the core accepts), integer arithmetic (period buckets) and the batch rule (a
//! batch is its jobs prepared one by one, all or nothing, errors under `jobs[i]`).

use super::exec::{Out, PreparedOut};
use super::input::{ErrorRecord, Input};
use awa_model::{InsertOpts, JobState, PartitionedQueue, PartitionedQueueError, PreparedJobInsert};
use chrono::{DateTime, Datelike, SecondsFormat, TimeZone, Utc};
use serde_json::{json, Value};

/// Checks `out` of `input`; `Ok(true)` when some check applied, `Err` describes a disagreement.
pub fn check(input: &Input, out: &Out) -> Result<bool, String> {
    let expected = match input {
        Input::CanonicalJson(text) => match serde_json::from_str::<Value>(text) {
            Ok(v) => Out::Text(serde_json::to_string(&v).map_err(|e| e.to_string())?),
            Err(e) => return json_error(&e, "json", out),
        },
        Input::UniqueKey { kind, queue, args_json, bucket } => {
            let args = match args_json.as_deref().map(serde_json::from_str::<Value>).transpose() {
                Ok(args) => args,
                Err(e) => return json_error(&e, "args", out),
            };
            Out::Bytes(awa_model::unique::compute_unique_key(kind, queue.as_deref(), args.as_ref(), *bucket))
        }
        Input::StatesBits(mask) => Out::Text(states_bits(*mask)?),
        Input::StatesMask(names) => match state_mask(names) {
            Ok(mask) => Out::Int(mask.into()),
            Err(_) => return error_is(out, "unknown_state", "unique.states"),
        },
        Input::PeriodBucket { epoch_seconds, period_seconds } if *period_seconds > 0 => {
            Out::Int(i128::from(*epoch_seconds).div_euclid(i128::from(*period_seconds)))
        }
        Input::PeriodBucket { .. } => return error_is(out, "invalid_period", "period_seconds"),
        Input::OrderingKeyHash64(key) => Out::Int(awa_model::queue_storage::ordering_key_hash64(key).into()),
        Input::ShardForOrderingKey { key, shards } => {
            Out::Int(awa_model::queue_storage::shard_for_ordering_key(key, *shards).into())
        }
        Input::PartitionHash64(key) => Out::Int(awa_model::partition_hash64(key).into()),
        Input::PartitionForKey { logical_queue, partitions, key } => {
            return partition(logical_queue, *partitions, key, out)
        }
        Input::KindFromTypeName(name) => Out::Text(awa_model::kind::camel_to_snake(name)),
        Input::Prepare(job) => return prepare(job, out),
        Input::PrepareMany(jobs) => return batch(jobs, out, false),
        Input::InsertManyBinds(jobs) => return batch(jobs, out, true),
        _ => return Ok(false),
    };
    same(&expected, out).map(|()| true)
}

fn same(expected: &Out, out: &Out) -> Result<(), String> {
    if expected == out {
        Ok(())
    } else {
        Err(format!(
            "expected {}\n     got {}",
            super::clip(&format!("{expected:?}")),
            super::clip(&format!("{out:?}"))
        ))
    }
}

fn error_is(out: &Out, code: &str, field: &str) -> Result<bool, String> {
    match out {
        Out::Err(e) if e.code == code && e.field == field => Ok(true),
        _ => Err(format!("expected error {code} ({field}), got {}", super::clip(&format!("{out:?}")))),
    }
}

/// serde_json rejected the text: the error must be the contract's code for serde's reason.
fn json_error(e: &serde_json::Error, field: &str, out: &Out) -> Result<bool, String> {
    let msg = e.to_string();
    let code = if msg.starts_with("recursion limit exceeded") {
        "json_too_deep"
    } else if msg.starts_with("number out of range") {
        "number_out_of_range"
    } else {
        "invalid_json"
    };
    error_is(out, code, field)
}

fn state_mask(names: &[String]) -> Result<u8, String> {
    names.iter().try_fold(0u8, |mask, name| Ok(mask | 1 << name.parse::<JobState>()?.bit_position()))
}

fn states_bits(mask: u8) -> Result<String, String> {
    let unique = Some(awa_model::UniqueOpts { states: mask, ..awa_model::UniqueOpts::default() });
    let p = awa_model::prepare_raw_job_insert("k", json!({}), InsertOpts { unique, ..InsertOpts::default() })
        .map_err(|e| e.to_string())?;
    Ok(p.unique_states_bit_string().unwrap_or_default().to_string())
}

fn partition(logical: &str, partitions: u32, key: &[u8], out: &Out) -> Result<bool, String> {
    let n = partitions as usize;
    // PartitionedQueue::new validates first, then names every physical queue: only build it
    // when that is small; otherwise Awa's naming rule (`<logical>__p<i>`, 0 = logical).
    let expected = if logical.len().saturating_mul(n) <= 1 << 20 || n == 0 || n > i16::MAX as usize {
        match PartitionedQueue::new(logical, n) {
            Ok(pq) => {
                Out::Partition(awa_model::partition_for_ordering_key(key, n) as u32, pq.queue_for_key(key).into())
            }
            Err(PartitionedQueueError::EmptyLogicalQueue) => return error_is(out, "empty_queue_name", "queue"),
            Err(_) => return error_is(out, "invalid_partitions", "partitions"),
        }
    } else {
        let index = awa_model::partition_for_ordering_key(key, n);
        Out::Partition(index as u32, if index == 0 { logical.into() } else { format!("{logical}__p{index}") })
    };
    same(&expected, out).map(|()| true)
}

/// awa-model's `prepare_raw_job_insert` of the job: args and metadata as the host's serde_json
/// reads them, run_at as chrono reads it and sqlx stores it (microseconds), Awa's defaults.
fn by_awa(job: &awa_enqueue::Job) -> Result<PreparedJobInsert, String> {
    let json = |text: &Option<String>| match text {
        Some(t) => serde_json::from_str::<Value>(t).map_err(|e| e.to_string()),
        None => Ok(json!({})),
    };
    let run_at = match (&job.run_at, job.run_at_time) {
        (Some(text), None) => Some(DateTime::parse_from_rfc3339(text).map_err(|e| e.to_string())?.to_utc()),
        (None, Some(t)) => Some(Utc.timestamp_opt(t.seconds, t.nanos).single().ok_or("time out of range")?),
        _ => None,
    };
    // Outside what sqlx can store (years 1..=9999, no leap second): the core rejects those
    // earlier or for another reason, so there is nothing to compare.
    if run_at.is_some_and(|t| !(1..=9999).contains(&t.year()) || t.timestamp_subsec_nanos() >= 1_000_000_000) {
        return Err("run_at out of range".into());
    }
    let unique = match &job.unique {
        None => None,
        Some(u) => {
            let d = awa_model::UniqueOpts::default();
            let named = u.state_names.as_deref().map(state_mask).transpose()?;
            Some(awa_model::UniqueOpts {
                by_queue: u.by_queue.unwrap_or(d.by_queue),
                by_args: u.by_args.unwrap_or(d.by_args),
                by_period: u.by_period,
                states: u.states.or(named).unwrap_or(d.states),
            })
        }
    };
    let d = InsertOpts::default();
    let small = |v: Option<i64>, default: i16| v.map_or(Ok(default), |v| i16::try_from(v).map_err(|e| e.to_string()));
    let opts = InsertOpts {
        queue: job.queue.clone().unwrap_or_else(|| d.queue.clone()),
        priority: small(job.priority, d.priority)?,
        max_attempts: small(job.max_attempts, d.max_attempts)?,
        run_at: run_at.map(crate::oracle::as_stored),
        metadata: json(&job.metadata_json)?,
        tags: job.tags.clone(),
        unique,
        ordering_key: job.ordering_key.clone(),
        ..d
    };
    awa_model::prepare_raw_job_insert(job.kind.clone(), json(&job.args_json)?, opts).map_err(|e| e.to_string())
}

/// A job the core prepared must be what awa-model prepares (binds are the core's own).
fn same_as_awa(job: &awa_enqueue::Job, got: &PreparedOut) -> Result<(), String> {
    let p = by_awa(job).map_err(|e| format!("the core accepted a job awa-model rejects: {e}"))?;
    let to_json = |v: &Value| serde_json::to_string(v).unwrap_or_default();
    let expected = PreparedOut {
        kind: p.kind().into(),
        queue: p.queue().into(),
        args_json: to_json(p.args()),
        state: p.state_db_str().into(),
        priority: p.priority(),
        max_attempts: p.max_attempts(),
        run_at: p.run_at().map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        metadata_json: to_json(p.metadata()),
        tags: p.tags().to_vec(),
        unique_key: p.unique_key().map(<[u8]>::to_vec),
        unique_states: p.unique_states_bit_string().map(str::to_string),
        ordering_key: p.ordering_key().map(<[u8]>::to_vec),
        binds: got.binds.clone(),
    };
    same(&Out::Prepared(vec![expected]), &Out::Prepared(vec![got.clone()]))
}

fn prepare(job: &awa_enqueue::Job, out: &Out) -> Result<bool, String> {
    match out {
        Out::Prepared(list) if list.len() == 1 => same_as_awa(job, &list[0]).map(|()| true),
        // U+0000 in args or metadata: awa-model must refuse the job too.
        Out::Err(e) if e.code == "null_byte" && (e.field == "args" || e.field == "metadata") => match by_awa(job) {
            Ok(_) => Err(format!("awa-model accepts the job the core rejects with {e:?}")),
            Err(_) => Ok(true),
        },
        Out::Err(_) => Ok(false),
        _ => Err(format!("prepare returned {}", super::clip(&format!("{out:?}")))),
    }
}

/// A batch is its jobs one by one: empty is `empty_batch`, else the first failing job's error
/// under `jobs[i]`, else every job (checked against awa-model; a sample of large batches).
fn batch(jobs: &[awa_enqueue::Job], out: &Out, binds: bool) -> Result<bool, String> {
    let one_by_one: Result<Vec<PreparedOut>, ErrorRecord> = if jobs.is_empty() {
        Err(ErrorRecord { code: "empty_batch".into(), field: "jobs".into(), message: String::new() })
    } else {
        jobs.iter()
            .enumerate()
            .map(|(i, j)| awa_enqueue::prepare(j).map(PreparedOut::from).map_err(|e| e.within_batch(i).into()))
            .collect()
    };
    match (one_by_one, out) {
        (Err(e), Out::Err(got)) if e.code == got.code && e.field == got.field => Ok(true),
        (Ok(list), Out::Texts(columns)) if binds => {
            if columns.len() != awa_enqueue::sql::INSERT_MANY_BINDS {
                return Err(format!("{} bind columns", columns.len()));
            }
            sample(jobs.len()).try_for_each(|i| same_as_awa(&jobs[i], &list[i])).map(|()| true)
        }
        (Ok(list), Out::Prepared(got)) if !binds => {
            same(&Out::Prepared(list), out)?;
            sample(jobs.len()).try_for_each(|i| same_as_awa(&jobs[i], &got[i])).map(|()| true)
        }
        (expected, _) => Err(format!(
            "the batch rule gives {}\n     got {}",
            super::clip(&format!("{:?}", expected.map(|l| l.len()))),
            super::clip(&format!("{out:?}"))
        )),
    }
}

/// Every index of a batch up to 256 jobs, else 64 spread over it (first and last included).
fn sample(n: usize) -> impl Iterator<Item = usize> {
    let step = if n <= 256 { 1 } else { n.div_ceil(64) };
    (0..n).step_by(step).chain((n > 256).then_some(n - 1))
}
