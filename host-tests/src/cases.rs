//! The conformance case format (docs/conformance.md): parse a case line, run it on a backend,
//! render the result line; and compare result lines.

use crate::backend::Backend;
use awa_enqueue::{Error, Job, Prepared, UniqueOpts};
use serde_json::{json, Map, Value};

#[allow(clippy::large_enum_variant)] // one case at a time, parsed and run
pub enum Case {
    Prepare(Job),
    PrepareMany(Vec<Job>),
    UniqueKey { kind: String, queue: Option<String>, args_json: Option<String>, bucket: Option<i64> },
    Ordering { key: Vec<u8>, shards: i16 },
    KindFromTypeName(String),
    CanonicalJson(String),
    Partition { logical: String, partitions: u32, key: Vec<u8> },
    UniqueStatesMask(u8),
    UniqueStatesNames(Vec<String>),
}

/// A case line that is not a valid case: reported as `invalid_case`.
#[derive(Debug)]
pub struct InvalidCase {
    pub field: String,
    pub message: String,
}

fn bad(field: &str, message: impl Into<String>) -> InvalidCase {
    InvalidCase { field: field.to_string(), message: message.into() }
}

fn opt_str(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, InvalidCase> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(field, format!("{field} must be a string or null"))),
    }
}

fn req_str(obj: &Map<String, Value>, field: &str) -> Result<String, InvalidCase> {
    opt_str(obj, field)?.ok_or_else(|| bad(field, format!("{field} is required")))
}

fn opt_int<T: TryFrom<i64>>(obj: &Map<String, Value>, field: &str) -> Result<Option<T>, InvalidCase> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .and_then(|n| T::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| bad(field, format!("{field} must be an integer in range"))),
    }
}

fn req_int<T: TryFrom<i64>>(obj: &Map<String, Value>, field: &str) -> Result<T, InvalidCase> {
    opt_int(obj, field)?.ok_or_else(|| bad(field, format!("{field} is required")))
}

fn hex(obj: &Map<String, Value>, field: &str) -> Result<Option<Vec<u8>>, InvalidCase> {
    let Some(text) = opt_str(obj, field)? else {
        return Ok(None);
    };
    if text.len() % 2 != 0 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(field, format!("{field} must be hex")));
    }
    Ok(Some((0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap_or(0)).collect()))
}

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_job(v: &Value) -> Result<Job, InvalidCase> {
    let obj = v.as_object().ok_or_else(|| bad("job", "job must be an object"))?;
    let tags = match obj.get("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| t.as_str().map(str::to_string).ok_or_else(|| bad("tags", "tags must be strings")))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad("tags", "tags must be an array")),
    };
    let unique = match obj.get("unique") {
        None | Some(Value::Null) => None,
        Some(Value::Object(u)) => {
            let flag = |name: &str| match u.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Bool(b)) => Ok(Some(*b)),
                Some(_) => Err(bad(&format!("unique.{name}"), "must be a boolean")),
            };
            let by_period = match opt_str(u, "by_period").map_err(|e| bad("unique.by_period", e.message))? {
                None => None,
                Some(s) => Some(
                    parse_i64(&s).ok_or_else(|| bad("unique.by_period", "by_period must be an i64 decimal string"))?,
                ),
            };
            let (states, state_names) = match u.get("states") {
                Some(Value::Array(items)) => (None, Some(strings(items, "unique.states")?)),
                _ => (opt_int::<u8>(u, "states").map_err(|e| bad("unique.states", e.message))?, None),
            };
            Some(UniqueOpts { by_queue: flag("by_queue")?, by_args: flag("by_args")?, by_period, states, state_names })
        }
        Some(_) => return Err(bad("unique", "unique must be an object or null")),
    };
    Ok(Job {
        kind: req_str(obj, "kind")?,
        args_json: opt_str(obj, "args_json")?,
        queue: opt_str(obj, "queue")?,
        priority: opt_int(obj, "priority")?,
        max_attempts: opt_int(obj, "max_attempts")?,
        run_at: opt_str(obj, "run_at")?,
        metadata_json: opt_str(obj, "metadata_json")?,
        run_at_time: None,
        tags,
        unique,
        ordering_key: hex(obj, "ordering_key_hex")?,
        traceparent: opt_str(obj, "traceparent")?,
    })
}

fn strings(items: &[Value], field: &str) -> Result<Vec<String>, InvalidCase> {
    items
        .iter()
        .map(|s| s.as_str().map(str::to_string).ok_or_else(|| bad(field, format!("{field} must be strings"))))
        .collect()
}

/// An i64 in decimal (optional sign, digits only).
fn parse_i64(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parse one input line into its id and case.
pub fn parse_case(line: &str) -> (Value, Result<Case, InvalidCase>) {
    let v: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return (Value::Null, Err(bad("", format!("not JSON: {e}")))),
    };
    let Some(obj) = v.as_object() else {
        return (Value::Null, Err(bad("", "a case must be a JSON object")));
    };
    let id = obj.get("id").cloned().unwrap_or(Value::Null);
    let case = (|| {
        let op = req_str(obj, "op")?;
        Ok(match op.as_str() {
            "prepare" => Case::Prepare(parse_job(obj.get("job").unwrap_or(&Value::Null))?),
            "prepare_many" => match obj.get("jobs") {
                Some(Value::Array(items)) => Case::PrepareMany(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, j)| {
                            parse_job(j).map_err(|e| {
                                let field = if e.field.is_empty() {
                                    format!("jobs[{i}]")
                                } else {
                                    format!("jobs[{i}].{}", e.field)
                                };
                                InvalidCase { field, message: e.message }
                            })
                        })
                        .collect::<Result<_, _>>()?,
                ),
                _ => return Err(bad("jobs", "jobs must be an array of jobs")),
            },
            "unique_key" => Case::UniqueKey {
                kind: req_str(obj, "kind")?,
                queue: opt_str(obj, "queue")?,
                args_json: opt_str(obj, "args_json")?,
                bucket: match opt_str(obj, "period_bucket")? {
                    None => None,
                    Some(s) => Some(
                        parse_i64(&s)
                            .ok_or_else(|| bad("period_bucket", "period_bucket must be an i64 decimal string"))?,
                    ),
                },
            },
            "ordering" => Case::Ordering {
                key: hex(obj, "key_hex")?.ok_or_else(|| bad("key_hex", "key_hex is required"))?,
                shards: req_int(obj, "shards")?,
            },
            "kind_from_type_name" => Case::KindFromTypeName(req_str(obj, "name")?),
            "canonical_json" => Case::CanonicalJson(req_str(obj, "json")?),
            "partition" => Case::Partition {
                logical: req_str(obj, "logical_queue")?,
                partitions: req_int(obj, "partitions")?,
                key: hex(obj, "key_hex")?.ok_or_else(|| bad("key_hex", "key_hex is required"))?,
            },
            "unique_states" => match (obj.get("mask"), obj.get("states")) {
                (Some(_), None) => Case::UniqueStatesMask(req_int(obj, "mask")?),
                (None, Some(Value::Array(items))) => Case::UniqueStatesNames(strings(items, "states")?),
                _ => return Err(bad("mask", "give either mask or states")),
            },
            other => return Err(bad("op", format!("unknown op {other:?}"))),
        })
    })();
    (id, case)
}

pub fn prepared_json(p: &Prepared) -> Value {
    json!({
        "kind": p.kind, "queue": p.queue, "args_json": p.args_json, "state": p.state,
        "priority": p.priority, "max_attempts": p.max_attempts, "run_at": p.run_at,
        "metadata_json": p.metadata_json, "tags": p.tags,
        "unique_key_hex": p.unique_key.as_deref().map(to_hex),
        "unique_states": p.unique_states,
        "ordering_key_hex": p.ordering_key.as_deref().map(to_hex),
    })
}

pub fn error_line(id: Value, code: &str, field: &str, message: &str) -> Value {
    json!({"id": id, "error": {"code": code, "field": field, "message": message}})
}

fn from_result(id: Value, r: Result<Value, Error>) -> Value {
    match r {
        Ok(ok) => json!({"id": id, "ok": ok}),
        Err(e) => error_line(id, e.code.as_str(), &e.field, &e.message),
    }
}

pub fn run_case(backend: &mut dyn Backend, case: &Case) -> Result<Value, Error> {
    Ok(match case {
        Case::Prepare(job) => prepared_json(&backend.prepare(job)?),
        Case::PrepareMany(jobs) => {
            json!({"jobs": backend.prepare_many(jobs)?.iter().map(prepared_json).collect::<Vec<_>>()})
        }
        Case::UniqueKey { kind, queue, args_json, bucket } => {
            json!({"unique_key_hex": to_hex(&backend.unique_key(kind, queue.as_deref(), args_json.as_deref(), *bucket)?)})
        }
        Case::Ordering { key, shards } => {
            let (h, s) = backend.ordering(key, *shards);
            json!({"hash64": h.to_string(), "shard": s})
        }
        Case::KindFromTypeName(name) => json!({"kind": backend.kind_from_type_name(name)}),
        Case::CanonicalJson(text) => json!({"json": backend.canonical_json(text)?}),
        Case::Partition { logical, partitions, key } => {
            let (index, queue) = backend.partition(logical, *partitions, key)?;
            json!({"index": index, "queue": queue})
        }
        Case::UniqueStatesMask(mask) => {
            json!({"bits": backend.unique_states_bits(*mask), "mask": mask})
        }
        Case::UniqueStatesNames(names) => {
            let mask = backend.unique_states_mask(names)?;
            json!({"bits": backend.unique_states_bits(mask), "mask": mask})
        }
    })
}

/// One input line to one output line; never fails.
pub fn run_line(backend: &mut dyn Backend, line: &str) -> Value {
    match parse_case(line) {
        (id, Err(e)) => error_line(id, "invalid_case", &e.field, &e.message),
        (id, Ok(case)) => from_result(id, run_case(backend, &case)),
    }
}

fn instant(v: &Value) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    v.as_str().and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
}

/// Compare an actual result line with the expected one (docs/conformance.md rules): the same
/// id; errors by code and field; `ok` values exactly, except that every `run_at` is compared
/// as an instant.
pub fn compare(expected: &Value, actual: &Value) -> Result<(), String> {
    if expected.get("id") != actual.get("id") {
        return Err(format!("id {} where {} was expected", actual["id"], expected["id"]));
    }
    if let Some(e) = expected.get("error") {
        let a = actual.get("error").ok_or_else(|| format!("expected error {e}, got {actual}"))?;
        if e["code"] != a["code"] || e["field"] != a["field"] {
            return Err(format!("expected error {}/{}, got {a}", e["code"], e["field"]));
        }
        return Ok(());
    }
    let a = actual.get("ok").ok_or_else(|| format!("expected ok {}, got {actual}", expected["ok"]))?;
    same_value(&expected["ok"], a, "ok")
}

fn same_value(e: &Value, a: &Value, path: &str) -> Result<(), String> {
    match (e, a) {
        (Value::Object(eo), Value::Object(ao)) => {
            if eo.keys().ne(ao.keys()) {
                return Err(format!("{path}: fields differ: expected {e}, got {a}"));
            }
            eo.iter().try_for_each(|(k, ev)| {
                let av = &ao[k];
                if k == "run_at" && ev.is_string() {
                    return if instant(ev).is_some() && instant(ev) == instant(av) {
                        Ok(())
                    } else {
                        Err(format!("{path}.{k}: expected {ev}, got {av}"))
                    };
                }
                same_value(ev, av, &format!("{path}.{k}"))
            })
        }
        (Value::Array(ea), Value::Array(aa)) if ea.len() == aa.len() => {
            ea.iter().zip(aa).enumerate().try_for_each(|(i, (ev, av))| same_value(ev, av, &format!("{path}[{i}]")))
        }
        _ if e == a => Ok(()),
        _ => Err(format!("{path}: expected {e}, got {a}")),
    }
}
