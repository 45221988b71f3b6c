//! SQL text and bind values for `awa.insert_job_compat`.
//!
//! Every bind is text (or NULL), cast in the SQL to the parameter's type, so any driver binds
//! strings and nothing else: smallints as decimal text, `bytea` as `\x` hex, tags as a
//! PostgreSQL array literal, timestamps as RFC 3339.
//!
//! The batch statement takes one array literal per column (any number of jobs, one statement
//! shape): `unnest(...) WITH ORDINALITY`, then `insert_job_compat` per row through
//! `CROSS JOIN LATERAL`. Rows are inserted in lock order (queue, priority, enqueue shard, then
//! input order), so concurrent batches take Awa's per-lane locks in one global order, and
//! returned in input order. Server notices are silenced for the statement only
//! (`client_min_messages = warning`, restored to the caller's level before it returns).

use crate::error::{Error, ErrorCode};
use crate::ordering;
use crate::request::{prepare, Job, Prepared};

/// Placeholder style of SQL text: `$n` (PostgreSQL) or `?` (JDBC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholders {
    Dollar,
    Question,
}

/// `insert_job_compat`'s parameters in order, with the cast each text bind goes through.
const PARAMS: [(&str, &str); 12] = [
    ("kind", "text"),
    ("queue", "text"),
    ("args", "jsonb"),
    ("state", "awa.job_state"),
    ("priority", "smallint"),
    ("max_attempts", "smallint"),
    ("run_at", "timestamptz"),
    ("metadata", "jsonb"),
    ("tags", "text[]"),
    ("unique_key", "bytea"),
    ("unique_states", "bit(8)"),
    ("ordering_key", "bytea"),
];

/// Number of binds of [`insert_many_sql`]: one array per column, plus the ordering-key hash
/// that orders rows by enqueue shard.
pub const INSERT_MANY_BINDS: usize = PARAMS.len() + 1;

fn placeholder(style: Placeholders, n: usize) -> String {
    match style {
        Placeholders::Dollar => format!("${n}"),
        Placeholders::Question => "?".to_string(),
    }
}

fn cast_text(expr: &str, ty: &str) -> String {
    if ty == "text" {
        format!("{expr}::text")
    } else {
        format!("{expr}::text::{ty}")
    }
}

/// Arguments `p_kind .. p_ordering_key` as casts of text expressions `expr(i)`.
fn call_args(expr: impl Fn(usize) -> String) -> String {
    PARAMS.iter().enumerate().map(|(i, (_, ty))| cast_text(&expr(i), ty)).collect::<Vec<_>>().join(", ")
}

/// One job: returns the `awa.jobs` row plus `state_str` (the state as text).
pub fn insert_sql(style: Placeholders) -> String {
    format!(
        "SELECT *, state::text AS state_str FROM awa.insert_job_compat({})",
        call_args(|i| placeholder(style, i + 1))
    )
}

/// One job, unless it would take a unique claim (key and states set, its initial state in the
/// mask: Awa's `job_state_in_bitmask`) that a job visible to the statement already holds: then
/// nothing is inserted and that job is returned. Column `inserted` tells which.
pub fn try_insert_sql(style: Placeholders) -> String {
    let columns = PARAMS.iter().enumerate().map(|(i, (name, _))| format!("{} AS {name}", placeholder(style, i + 1)));
    format!(
        "WITH job AS MATERIALIZED (SELECT {}), \
         holder AS MATERIALIZED (SELECT c.job_id FROM awa.job_unique_claims AS c, job \
         WHERE job.unique_key IS NOT NULL AND job.unique_states IS NOT NULL \
         AND awa.job_state_in_bitmask(job.unique_states::text::bit(8), job.state::text::awa.job_state) \
         AND c.unique_key = job.unique_key::text::bytea), \
         inserted AS MATERIALIZED (SELECT ins.* FROM job CROSS JOIN LATERAL awa.insert_job_compat({}) AS ins \
         WHERE NOT EXISTS (SELECT 1 FROM holder)) \
         SELECT true AS inserted, inserted.*, inserted.state::text AS state_str FROM inserted \
         UNION ALL \
         SELECT false AS inserted, jobs.*, jobs.state::text AS state_str FROM awa.jobs AS jobs \
         WHERE jobs.id = (SELECT job_id FROM holder)",
        columns.collect::<Vec<_>>().join(", "),
        call_args(|i| format!("job.{}", PARAMS[i].0)),
    )
}

/// The job holding a unique key; one bind, the key as `bytea` text (`Prepared::binds()[9]`).
pub fn existing_job_sql(style: Placeholders) -> String {
    format!(
        "SELECT jobs.*, jobs.state::text AS state_str FROM awa.jobs AS jobs \
         WHERE jobs.id = (SELECT c.job_id FROM awa.job_unique_claims AS c WHERE c.unique_key = {}::text::bytea)",
        placeholder(style, 1)
    )
}

/// Any number of jobs in one atomic statement; bind [`insert_many_binds`].
pub fn insert_many_sql(style: Placeholders) -> String {
    let arrays =
        (0..INSERT_MANY_BINDS).map(|i| format!("{}::text::text[]", placeholder(style, i + 1))).collect::<Vec<_>>();
    let names = PARAMS.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ");
    format!(
        "WITH quiet AS MATERIALIZED (SELECT pg_catalog.current_setting('client_min_messages') AS caller_level, \
         pg_catalog.set_config('client_min_messages', 'warning', true) AS level), \
         input AS MATERIALIZED (SELECT u.*, CASE WHEN u.ordering_key IS NULL \
         THEN pg_catalog.pg_backend_pid()::bigint % COALESCE(meta.enqueue_shards, 1) \
         ELSE (u.ordering_hash::numeric % COALESCE(meta.enqueue_shards, 1))::bigint END AS lane_shard \
         FROM quiet CROSS JOIN unnest({}) WITH ORDINALITY AS u({names}, ordering_hash, ord) \
         LEFT JOIN awa.queue_meta AS meta ON meta.queue = u.queue \
         ORDER BY u.queue, u.priority::smallint, lane_shard, u.ord), \
         inserted AS MATERIALIZED (SELECT input.ord, ins.* FROM input \
         CROSS JOIN LATERAL awa.insert_job_compat({}) AS ins), \
         restored AS MATERIALIZED (SELECT pg_catalog.set_config('client_min_messages', quiet.caller_level, true) AS level \
         FROM quiet, (SELECT count(*) FROM inserted) AS done) \
         SELECT inserted.*, inserted.state::text AS state_str FROM inserted, restored ORDER BY inserted.ord",
        arrays.join(", "),
        call_args(|i| format!("input.{}", PARAMS[i].0)),
    )
}

/// The binds of [`insert_many_sql`]: one PostgreSQL array literal per column, in job order.
pub fn insert_many_binds(jobs: &[Job]) -> Result<Vec<String>, Error> {
    if jobs.is_empty() {
        return Err(Error::new(ErrorCode::EmptyBatch, "jobs", "a batch needs at least one job"));
    }
    let prepared = jobs
        .iter()
        .enumerate()
        .map(|(i, job)| prepare(job).map_err(|e| e.within_batch(i)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(binds_of(&prepared.iter().collect::<Vec<_>>()))
}

fn binds_of(prepared: &[&Prepared]) -> Vec<String> {
    let mut columns = vec![ArrayLiteral::default(); INSERT_MANY_BINDS];
    for p in prepared {
        for (column, value) in columns.iter_mut().zip(binds(p)) {
            column.push(value.as_deref());
        }
        let hash = p.ordering_key.as_deref().map(|k| ordering::ordering_key_hash64(k).to_string());
        columns[PARAMS.len()].push(hash.as_deref());
    }
    columns.into_iter().map(ArrayLiteral::finish).collect()
}

/// How [`insert_many_parts`] divides a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchSplit {
    /// Whole queues per part (queue storage: parts then share no lane locks).
    ByQueue,
    /// Contiguous slices of near-equal size, in job order (canonical storage).
    Contiguous,
}

/// One part of a batch: the positions of its jobs in the batch and its [`insert_many_binds`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchPart {
    pub jobs: Vec<u32>,
    pub binds: Vec<String>,
}

/// SQL naming the active storage engine (`canonical` or `queue_storage`), to choose a split.
pub const STORAGE_ENGINE_SQL: &str = "SELECT awa.active_storage_engine()::text AS engine";

/// A batch divided into at most `parts` statements for separate connections, each atomic on
/// its own. Every job is validated first: a bad job fails the whole call (field `jobs[i]...`).
/// By queue: the queues, largest first (then by name), each go to the part with the fewest
/// jobs so far (then the lowest index). Empty parts are left out.
pub fn insert_many_parts(jobs: &[Job], parts: u32, split: BatchSplit) -> Result<Vec<BatchPart>, Error> {
    if parts == 0 {
        return Err(Error::new(ErrorCode::InvalidParts, "parts", "parts must be at least 1"));
    }
    let prepared = crate::request::prepare_many(jobs)?;
    let n = prepared.len();
    let parts = (parts as usize).min(n);
    let mut groups: Vec<Vec<u32>> = vec![Vec::new(); parts];
    match split {
        BatchSplit::Contiguous => {
            for (i, group) in groups.iter_mut().enumerate() {
                *group = ((i * n / parts) as u32..((i + 1) * n / parts) as u32).collect();
            }
        }
        BatchSplit::ByQueue => {
            let mut queues: std::collections::BTreeMap<&str, Vec<u32>> = Default::default();
            for (i, p) in prepared.iter().enumerate() {
                queues.entry(p.queue.as_str()).or_default().push(i as u32);
            }
            let mut queues: Vec<(&str, Vec<u32>)> = queues.into_iter().collect();
            queues.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
            for (_, members) in queues {
                let least = (0..parts).min_by_key(|&i| (groups[i].len(), i)).unwrap_or(0);
                groups[least].extend(members);
            }
            for g in &mut groups {
                g.sort_unstable();
            }
        }
    }
    Ok(groups
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(|g| {
            let members: Vec<&Prepared> = g.iter().map(|&i| &prepared[i as usize]).collect();
            BatchPart { binds: binds_of(&members), jobs: g }
        })
        .collect())
}

/// The text binds of [`insert_sql`], `$1..$12`.
pub fn binds(p: &Prepared) -> Vec<Option<String>> {
    vec![
        Some(p.kind.clone()),
        Some(p.queue.clone()),
        Some(p.args_json.clone()),
        Some(p.state.to_string()),
        Some(p.priority.to_string()),
        Some(p.max_attempts.to_string()),
        p.run_at.clone(),
        Some(p.metadata_json.clone()),
        Some(text_array_literal(&p.tags)),
        p.unique_key.as_deref().map(bytea_hex),
        p.unique_states.clone(),
        p.ordering_key.as_deref().map(bytea_hex),
    ]
}

/// `bytea` input text in hex format: `\x` and two lowercase hex digits per byte.
pub fn bytea_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + 2 * bytes.len());
    out.push_str("\\x");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A one-dimensional `text[]` literal with every element quoted: `{"a","b \"c\""}`.
pub fn text_array_literal<S: AsRef<str>>(items: &[S]) -> String {
    let mut literal = ArrayLiteral::default();
    for item in items {
        literal.push(Some(item.as_ref()));
    }
    literal.finish()
}

/// Builder of a one-dimensional PostgreSQL array literal. Elements are always double-quoted
/// (so `NULL`, empty strings, commas, braces and blanks stay text) with `"` and `\`
/// backslash-escaped; `None` is an unquoted NULL.
#[derive(Debug, Clone, Default)]
struct ArrayLiteral {
    text: String,
}

impl ArrayLiteral {
    fn push(&mut self, element: Option<&str>) {
        self.text.push(if self.text.is_empty() { '{' } else { ',' });
        match element {
            None => self.text.push_str("NULL"),
            Some(s) => {
                self.text.push('"');
                for c in s.chars() {
                    if c == '"' || c == '\\' {
                        self.text.push('\\');
                    }
                    self.text.push(c);
                }
                self.text.push('"');
            }
        }
    }

    fn finish(mut self) -> String {
        if self.text.is_empty() {
            return "{}".to_string();
        }
        self.text.push('}');
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_literals_quote_everything() {
        assert_eq!(text_array_literal::<&str>(&[]), "{}");
        assert_eq!(
            text_array_literal(&["NULL", "", "a,b", "{x}", "\"", "\\", " "]),
            r#"{"NULL","","a,b","{x}","\"","\\"," "}"#
        );
        assert_eq!(bytea_hex(&[0, 0xff, 0x10]), "\\x00ff10");
        assert_eq!(bytea_hex(&[]), "\\x");
    }

    #[test]
    fn placeholders_number_or_question() {
        let sql = insert_sql(Placeholders::Dollar);
        assert!(sql.contains("$1::text, $2::text, $3::text::jsonb") && sql.contains("$12::text::bytea)"));
        let jdbc = insert_sql(Placeholders::Question);
        assert_eq!(jdbc.matches('?').count(), 12);
        assert!(!jdbc.contains('$'));
        assert_eq!(try_insert_sql(Placeholders::Question).matches('?').count(), 12);
        assert_eq!(insert_many_sql(Placeholders::Question).matches('?').count(), INSERT_MANY_BINDS);
        assert!(insert_many_sql(Placeholders::Dollar).contains("$13::text::text[]"));
    }

    #[test]
    fn batch_binds_are_one_literal_per_column() {
        let jobs = [
            Job { kind: "a".into(), tags: vec!["x\"y".into()], ..Job::default() },
            Job { kind: "b".into(), ordering_key: Some(b"k".to_vec()), ..Job::default() },
        ];
        let binds = insert_many_binds(&jobs).unwrap();
        assert_eq!(binds.len(), INSERT_MANY_BINDS);
        assert_eq!(binds[0], r#"{"a","b"}"#);
        assert_eq!(binds[8], r#"{"{\"x\\\"y\"}","{}"}"#);
        assert_eq!(binds[11], r#"{NULL,"\\x6b"}"#);
        assert_eq!(binds[12], format!("{{NULL,\"{}\"}}", ordering::ordering_key_hash64(b"k")));
        let err = insert_many_binds(&[jobs[0].clone(), Job { kind: "c".into(), priority: Some(9), ..Job::default() }])
            .unwrap_err();
        assert_eq!((err.code, err.field.as_str()), (ErrorCode::PriorityOutOfRange, "jobs[1].priority"));
    }

    #[test]
    fn batches_split_by_queue_or_in_slices() {
        let job = |q: &str| Job { kind: "k".into(), queue: Some(q.into()), ..Job::default() };
        let jobs: Vec<Job> = ["a", "b", "a", "c", "a", "b"].iter().map(|q| job(q)).collect();
        let parts = insert_many_parts(&jobs, 2, BatchSplit::ByQueue).unwrap();
        let members: Vec<Vec<u32>> = parts.iter().map(|p| p.jobs.clone()).collect();
        assert_eq!(members, [vec![0, 2, 4], vec![1, 3, 5]]);
        assert_eq!(parts[0].binds, insert_many_binds(&[job("a"), job("a"), job("a")]).unwrap());
        let slices = insert_many_parts(&jobs, 4, BatchSplit::Contiguous).unwrap();
        assert_eq!(
            slices.iter().map(|p| p.jobs.clone()).collect::<Vec<_>>(),
            [vec![0], vec![1, 2], vec![3], vec![4, 5]]
        );
        assert_eq!(insert_many_parts(&jobs[..1], 8, BatchSplit::Contiguous).unwrap().len(), 1);
        assert_eq!(insert_many_parts(&jobs, 0, BatchSplit::ByQueue).unwrap_err().code, ErrorCode::InvalidParts);
        let bad = [job("a"), Job { priority: Some(0), ..job("b") }];
        let err = insert_many_parts(&bad, 2, BatchSplit::ByQueue).unwrap_err();
        assert_eq!((err.code, err.field.as_str()), (ErrorCode::PriorityOutOfRange, "jobs[1].priority"));
    }
}
