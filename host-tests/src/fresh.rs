//! Fresh differential cases (`gen-cases`): valid cases of every op with expected results from
//! awa-model 0.6.9, all 256 state masks, batches, hostile binding values, and bad inputs of every
//! error path with the code and field the contract gives them.
//!
//! A bad case is built by breaking one input of a valid job in a known way; its expected error is
//! the contract's code for that input (docs/architecture.md), with `jobs[i].` in front inside a
//! batch. Where awa-model itself rejects the input (U+0000 in args or metadata), the generator
//! checks that it does.

use crate::gen::{self, Rng};
use crate::oracle::{self, NativeCase, NativeJob, NativeUnique};
use serde_json::{json, Map, Value};

/// Values that stress binding and array-literal escaping, for kind, queue and tags.
pub const HOSTILE_VALUES: &[&str] = &[
    "NULL",
    "null",
    "",
    " ",
    "a,b",
    "{a,b}",
    "{",
    "}",
    "\"",
    "\\",
    "\\\"",
    "'",
    "''; DROP TABLE awa.jobs; --",
    "$1",
    "?",
    ":name",
    "\u{feff}bom",
    "bom\u{feff}",
    "e\u{301}",
    "\u{1F469}\u{200D}\u{1F4BB}",
    "\u{85}\u{9f}\u{1}",
    "\u{fffe}\u{ffff}\u{10ffff}",
    "tab\there",
    "line\nbreak",
];

/// A case line (without id) and its expected result body (`ok` or `error`).
pub struct Fresh {
    pub line: Value,
    pub expected: Value,
}

fn valid(rng: &mut Rng, case: &NativeCase) -> Fresh {
    let mut line = oracle::case_line(rng, "", case);
    line.as_object_mut().expect("object").remove("id");
    Fresh { line, expected: json!({"ok": oracle::expected(case)}) }
}

fn error(line: Value, code: &str, field: &str) -> Fresh {
    Fresh { line, expected: json!({"error": {"code": code, "field": field}}) }
}

fn plain_job(kind: &str) -> NativeJob {
    NativeJob {
        kind: kind.into(),
        args: None,
        queue: None,
        priority: None,
        max_attempts: None,
        run_at: None,
        metadata: None,
        tags: None,
        unique: None,
        ordering_key: None,
        spelled: oracle::Spelled::default(),
    }
}

/// Kind, queue and tags set to hostile values; a 1,000-character value breaks the length rules.
fn hostile() -> Vec<Fresh> {
    let mut rng = Rng::new(0x405);
    let long = "x".repeat(1000);
    let mut out = Vec::new();
    for v in HOSTILE_VALUES.iter().copied().chain([long.as_str()]) {
        let too_long = v.chars().count() > 200;
        let job = |kind: &str, queue: Option<&str>, tags: Vec<String>| NativeJob {
            queue: queue.map(str::to_string),
            tags: Some(tags),
            unique: Some(NativeUnique {
                by_queue: Some(true),
                by_args: None,
                by_period: None,
                states: None,
                state_names: None,
            }),
            args: Some(json!({"v": v})),
            ..plain_job(kind)
        };
        out.push(valid(&mut rng, &NativeCase::Prepare(job("hostile_tags", None, vec![v.to_string(), v.to_string()]))));
        let as_kind = NativeCase::Prepare(job(v, None, vec![]));
        let as_queue = NativeCase::Prepare(job("hostile_queue", Some(v), vec![]));
        if too_long {
            let mut line = |c: &NativeCase| {
                let mut l = oracle::case_line(&mut rng, "", c);
                l.as_object_mut().expect("object").remove("id");
                l
            };
            out.push(error(line(&as_kind), "kind_too_long", "kind"));
            out.push(error(line(&as_queue), "queue_too_long", "queue"));
        } else {
            out.push(valid(&mut rng, &as_kind));
            if v.len() <= 59 {
                out.push(valid(&mut rng, &as_queue));
            }
        }
    }
    // The same unique job twice: the second is a duplicate on the database path.
    let dup = NativeCase::Prepare(NativeJob {
        args: Some(json!({"n": 1})),
        unique: Some(NativeUnique { by_queue: None, by_args: None, by_period: None, states: None, state_names: None }),
        ..plain_job("hostile_dup")
    });
    out.push(valid(&mut rng, &dup));
    out.push(valid(&mut rng, &dup));
    out
}

/// A job that breaks exactly one rule: (job object, code, field).
fn broken_job(rng: &mut Rng) -> (Value, &'static str, String) {
    let base = oracle::gen_job(rng);
    let mut job = oracle::job_object(rng, &base);
    let obj = job.as_object_mut().expect("object");
    let text = |rng: &mut Rng, chars: std::ops::Range<usize>| -> String {
        let n = chars.start + rng.below(chars.end - chars.start);
        (0..n).map(|_| if rng.chance(30) { *rng.pick(&['é', '日', '\u{1F600}', '\u{feff}']) } else { 'k' }).collect()
    };
    let with_nul = |rng: &mut Rng, s: &str| -> String {
        let mut chars: Vec<char> = s.chars().collect();
        chars.insert(rng.below(chars.len() + 1), '\0');
        chars.into_iter().collect()
    };
    let (code, field): (&'static str, String) = match rng.below(17) {
        0 => {
            obj.insert("kind".into(), json!(text(rng, 201..260)));
            ("kind_too_long", "kind".into())
        }
        1 => {
            let kind = obj["kind"].as_str().unwrap_or_default().to_string();
            obj.insert("kind".into(), json!(with_nul(rng, &kind)));
            ("null_byte", "kind".into())
        }
        2 => {
            obj.insert("queue".into(), json!(text(rng, 201..260)));
            ("queue_too_long", "queue".into())
        }
        3 => {
            // Within 200 characters but over 59 bytes.
            let q: String = (0..30 + rng.below(170)).map(|_| *rng.pick(&['é', 'ü', 'ß'])).collect();
            obj.insert("queue".into(), json!(q));
            ("queue_channel_too_long", "queue".into())
        }
        4 => {
            obj.insert("queue".into(), json!(with_nul(rng, "q")));
            ("null_byte", "queue".into())
        }
        5 => {
            let p = *rng.pick(&[0i64, 5, -1, 9, 70_000, i64::MIN, i64::MAX, i64::from(i16::MAX) + 3]);
            obj.insert("priority".into(), json!(p));
            ("priority_out_of_range", "priority".into())
        }
        6 => {
            let m = *rng.pick(&[0i64, 1001, -25, 65_536, i64::MAX, i64::MIN]);
            obj.insert("max_attempts".into(), json!(m));
            ("max_attempts_out_of_range", "max_attempts".into())
        }
        7 => {
            obj.insert("tags".into(), json!((0..21 + rng.below(10)).map(|i| format!("t{i}")).collect::<Vec<_>>()));
            ("too_many_tags", "tags".into())
        }
        8 => {
            let n = 1 + rng.below(20);
            let at = rng.below(n);
            let tags: Vec<String> =
                (0..n).map(|i| if i == at { with_nul(rng, &format!("t{i}")) } else { format!("t{i}") }).collect();
            obj.insert("tags".into(), json!(tags));
            ("null_byte", format!("tags[{at}]"))
        }
        9 | 10 => {
            let field = if rng.chance(50) { "args" } else { "metadata" };
            let (bad, code) = bad_json(rng);
            obj.insert(format!("{field}_json"), json!(bad));
            (code, field.to_string())
        }
        11 => {
            let field = if rng.chance(50) { "args" } else { "metadata" };
            let nul = if rng.chance(50) { r#"{"a":["x\u0000"]}"# } else { r#"{"k\u0000":1}"# };
            let value: Value = serde_json::from_str(nul).expect("json");
            let (args, meta) = if field == "args" { (value, json!({})) } else { (json!({}), value) };
            let opts = awa_model::InsertOpts { metadata: meta, ..Default::default() };
            assert!(awa_model::prepare_raw_job_insert("k", args, opts).is_err(), "awa-model rejects U+0000");
            obj.insert(format!("{field}_json"), json!(nul));
            ("null_byte", field.to_string())
        }
        12 | 13 => {
            obj.insert("run_at".into(), json!(*rng.pick(BAD_RUN_AT)));
            ("invalid_run_at", "run_at".into())
        }
        14 => {
            let names = json!(["available", *rng.pick(&["Scheduled", "done", "", "AVAILABLE", "queued"])]);
            obj.insert("unique".into(), json!({"states": names}));
            ("unknown_state", "unique.states".into())
        }
        15 => {
            // Two faults: the first in check order wins.
            obj.insert("kind".into(), json!("k".repeat(201)));
            obj.insert("priority".into(), json!(9));
            obj.insert("args_json".into(), json!("{"));
            ("kind_too_long", "kind".into())
        }
        _ => {
            obj.insert("priority".into(), json!(0));
            obj.insert("tags".into(), json!(vec!["t"; 21]));
            obj.insert("run_at".into(), json!("tomorrow"));
            ("priority_out_of_range", "priority".into())
        }
    };
    (job, code, field)
}

/// RFC 3339 spellings the core rejects.
pub const BAD_RUN_AT: &[&str] = &[
    "",
    "tomorrow",
    "2026-11-28",
    "2026-11-28T10:00:00",
    "2026-11-28 10:00:00",
    "2026-13-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2016-12-31T23:59:60Z",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "2026-11-28T24:00:00Z",
    "2026-11-28T10:00:00+24:00",
    "2026-11-28T10:00Z",
    "+2026-11-28T10:00:00Z",
    "2026-11-28T10:00:00.Z",
];

/// Invalid JSON text and the code the core gives it.
fn bad_json(rng: &mut Rng) -> (String, &'static str) {
    match rng.below(6) {
        0 => (format!("{}{}", "[".repeat(128 + rng.below(2000)), "]".repeat(rng.below(3))), "json_too_deep"),
        1 => (rng.pick(&["1e400", "-1e309", "[1,2e999]", "{\"a\":123e1000}"]).to_string(), "number_out_of_range"),
        2 => (
            rng.pick(&[
                "",
                "{",
                "{'a':1}",
                "[1,]",
                "NaN",
                "{} {}",
                "\"\\ud800\"",
                "\"\\udc00x\"",
                "01",
                "+1",
                ".5",
                "1.",
                "{\"a\"}",
                "tru",
                "\"\u{1}\"",
                "[1 2]",
                "\"\\x41\"",
                "\u{feff}{}",
            ])
            .to_string(),
            "invalid_json",
        ),
        _ => {
            // A valid spelling cut short: invalid unless the cut leaves a complete value.
            loop {
                let v = gen::gen_value(rng, 4, false);
                let s = gen::spelled(rng, &v);
                let mut cut = rng.below(s.len().max(1));
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                let t = &s[..cut];
                if serde_json::from_str::<Value>(t).is_err() {
                    return (t.to_string(), "invalid_json");
                }
            }
        }
    }
}

fn bad_case(rng: &mut Rng) -> Fresh {
    match rng.below(20) {
        0..=10 => {
            let (job, code, field) = broken_job(rng);
            error(json!({"op": "prepare", "job": job}), code, &field)
        }
        11..=13 => {
            let n = 1 + rng.below(6);
            let at = rng.below(n);
            let mut jobs = Vec::new();
            let (mut code, mut field) = ("", String::new());
            for i in 0..n {
                if i == at {
                    let (job, c, f) = broken_job(rng);
                    jobs.push(job);
                    (code, field) = (c, format!("jobs[{i}].{f}"));
                } else {
                    let j = oracle::gen_job(rng);
                    jobs.push(oracle::job_object(rng, &j));
                }
            }
            error(json!({"op": "prepare_many", "jobs": jobs}), code, &field)
        }
        14 => error(json!({"op": "prepare_many", "jobs": []}), "empty_batch", "jobs"),
        15 => {
            let (bad, code) = bad_json(rng);
            if rng.chance(50) {
                error(json!({"op": "canonical_json", "json": bad}), code, "json")
            } else {
                error(json!({"op": "unique_key", "kind": "k", "args_json": bad}), code, "args")
            }
        }
        16 => {
            let key = gen::gen_string(rng, 6, false).into_bytes();
            if rng.chance(40) {
                let line = json!({"op": "partition", "logical_queue": "", "partitions": 4, "key_hex": crate::cases::to_hex(&key)});
                error(line, "empty_queue_name", "queue")
            } else {
                let p = *rng.pick(&[0u32, 32_768, u32::MAX]);
                let line = json!({"op": "partition", "logical_queue": "q", "partitions": p, "key_hex": crate::cases::to_hex(&key)});
                error(line, "invalid_partitions", "partitions")
            }
        }
        17 => error(json!({"op": "unique_states", "states": ["available", "Done"]}), "unknown_state", "unique.states"),
        _ => {
            let (line, field) = rng
                .pick(&[
                    (json!({"op": "frobnicate"}), "op"),
                    (json!({"op": "ordering", "key_hex": "zz", "shards": 4}), "key_hex"),
                    (json!({"op": "ordering", "key_hex": "abc", "shards": 4}), "key_hex"),
                    (json!({"op": "ordering", "key_hex": "ab", "shards": 40_000}), "shards"),
                    (json!({"op": "prepare", "job": {"kind": "k", "priority": "2"}}), "priority"),
                    (json!({"op": "prepare", "job": {"kind": "k", "priority": 2.5}}), "priority"),
                    (json!({"op": "prepare", "job": {"kind": "k", "unique": {"by_period": 5}}}), "unique.by_period"),
                    (json!({"op": "prepare", "job": {"kind": "k", "unique": {"states": 256}}}), "unique.states"),
                    (json!({"op": "prepare", "job": {"kind": "k", "unique": {"by_args": "yes"}}}), "unique.by_args"),
                    (json!({"op": "prepare", "job": {"kind": "k", "tags": "a"}}), "tags"),
                    (json!({"op": "prepare", "job": {"args_json": "{}"}}), "kind"),
                    (json!({"op": "prepare", "job": {"kind": 7}}), "kind"),
                    (
                        json!({"op": "prepare_many", "jobs": [{"kind": "a"}, {"kind": "b", "max_attempts": true}]}),
                        "jobs[1].max_attempts",
                    ),
                    (json!({"op": "unique_key", "kind": "k", "period_bucket": "1.5"}), "period_bucket"),
                    (json!({"op": "unique_states", "mask": 1, "states": []}), "mask"),
                ])
                .clone();
            error(line, "invalid_case", field)
        }
    }
}

/// `n` fresh cases from `seed`: the hostile block, a prepare case for each of the 256 state
/// masks, then a random mix (about 12% bad inputs, 5% batches). Returns (case line, expected).
pub fn fresh_cases(seed: u64, n: usize) -> Vec<(Value, Value)> {
    let mut rng = Rng::new(seed);
    let mut cases = hostile();
    for mask in 0..=255u8 {
        if cases.len() >= n {
            break;
        }
        let mut job = oracle::gen_job(&mut rng);
        job.unique = Some(NativeUnique { states: Some(mask), state_names: None, ..oracle::gen_unique(&mut rng) });
        cases.push(valid(&mut rng, &NativeCase::Prepare(job)));
    }
    while cases.len() < n {
        let f = match rng.below(100) {
            0..=11 => bad_case(&mut rng),
            12..=16 => {
                let jobs = (0..1 + rng.below(8)).map(|_| oracle::gen_job(&mut rng)).collect();
                valid(&mut rng, &NativeCase::PrepareMany(jobs))
            }
            _ => {
                let case = oracle::gen_case(&mut rng);
                valid(&mut rng, &case)
            }
        };
        cases.push(f);
    }
    cases.truncate(n);
    cases
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let id = json!(format!("s{seed}-{i}"));
            let mut line = Map::new();
            line.insert("id".into(), id.clone());
            line.extend(f.line.as_object().expect("case object").clone());
            let mut expected = Map::new();
            expected.insert("id".into(), id);
            expected.extend(f.expected.as_object().expect("expected object").clone());
            (Value::Object(line), Value::Object(expected))
        })
        .collect()
}
