//! Request builder: a job description becomes exactly the 12 values awa-model 0.6.9's
//! `prepare_raw_job_insert` produces, validated against everything `awa.insert_job_compat`
//! would reject, plus the SQL that binds them (every parameter cast from text-friendly types).

use crate::canonical;
use crate::error::{Error, ErrorCode};
use crate::unique::{self, DEFAULT_STATES};
use chrono::{DateTime, Datelike, SecondsFormat, TimeZone, Utc};

pub const DEFAULT_QUEUE: &str = "default";
pub const DEFAULT_PRIORITY: i16 = 2;
pub const DEFAULT_MAX_ATTEMPTS: i16 = 25;
/// `insert_job_compat` checks `length(kind|queue) > 200` in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// NOTIFY channel `awa:<queue>` must stay below 64 bytes.
pub const MAX_QUEUE_BYTES: usize = 59;
pub const MAX_TAGS: usize = 20;
/// 12 parameters per row, PostgreSQL allows 65535 bind parameters per statement.
pub const MAX_BATCH_ROWS: usize = 65535 / 12;

/// Uniqueness options (awa-model `UniqueOpts`). Default: by_args only, states 31.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueOpts {
    pub by_queue: bool,
    pub by_args: bool,
    pub by_period: Option<i64>,
    pub states: u8,
}

impl Default for UniqueOpts {
    fn default() -> Self {
        UniqueOpts { by_queue: false, by_args: true, by_period: None, states: DEFAULT_STATES }
    }
}

/// A job as a producer describes it. `None` takes Awa's default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Job {
    pub kind: String,
    /// JSON text, any spelling; `None` means `{}`.
    pub args_json: Option<String>,
    pub queue: Option<String>,
    pub priority: Option<i32>,
    pub max_attempts: Option<i32>,
    /// RFC 3339 timestamp; when set the job starts `scheduled` (Awa's rule, even in the past).
    pub run_at: Option<String>,
    /// JSON text; `None` means `{}`.
    pub metadata_json: Option<String>,
    pub tags: Vec<String>,
    pub unique: Option<UniqueOpts>,
    pub ordering_key: Option<Vec<u8>>,
}

/// The 12 values for `awa.insert_job_compat`, in parameter order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub kind: String,
    pub queue: String,
    /// Canonical JSON: exactly what was hashed.
    pub args_json: String,
    pub state: &'static str,
    pub priority: i16,
    pub max_attempts: i16,
    /// RFC 3339 UTC, truncated to microseconds as PostgreSQL stores it.
    pub run_at: Option<String>,
    pub metadata_json: String,
    pub tags: Vec<String>,
    pub unique_key: Option<Vec<u8>>,
    pub unique_states: Option<String>,
    pub ordering_key: Option<Vec<u8>>,
}

pub fn prepare(job: &Job) -> Result<Prepared, Error> {
    let kind = checked_name(&job.kind, "kind", ErrorCode::KindTooLong)?;
    let queue = job.queue.as_deref().unwrap_or(DEFAULT_QUEUE);
    checked_name(queue, "queue", ErrorCode::QueueTooLong)?;
    if queue.len() > MAX_QUEUE_BYTES {
        return Err(Error::new(
            ErrorCode::QueueChannelTooLong,
            "queue",
            format!(
                "queue name is {} bytes; at most {MAX_QUEUE_BYTES} fit the NOTIFY channel \"awa:<queue>\" (63 bytes)",
                queue.len()
            ),
        ));
    }
    let priority = in_range(job.priority, DEFAULT_PRIORITY, 1, 4, "priority", ErrorCode::PriorityOutOfRange)?;
    let max_attempts =
        in_range(job.max_attempts, DEFAULT_MAX_ATTEMPTS, 1, 1000, "max_attempts", ErrorCode::MaxAttemptsOutOfRange)?;
    if job.tags.len() > MAX_TAGS {
        return Err(Error::new(
            ErrorCode::TooManyTags,
            "tags",
            format!("a job has at most {MAX_TAGS} tags, got {}", job.tags.len()),
        ));
    }
    for (i, tag) in job.tags.iter().enumerate() {
        reject_nul(tag, &format!("tags[{i}]"))?;
    }
    let args = parse_json_field(job.args_json.as_deref(), "args")?;
    let metadata = parse_json_field(job.metadata_json.as_deref(), "metadata")?;
    let run_at = job.run_at.as_deref().map(normalize_run_at).transpose()?;
    let args_json = canonical::to_canonical(&args);

    let (unique_key, unique_states) = match &job.unique {
        Some(u) => (
            Some(
                unique::unique_key_canonical(
                    kind,
                    u.by_queue.then_some(queue),
                    u.by_args.then_some(args_json.as_str()),
                    u.by_period,
                )
                .to_vec(),
            ),
            Some(unique::states_bit_string(u.states)),
        ),
        None => (None, None),
    };

    Ok(Prepared {
        kind: kind.to_string(),
        queue: queue.to_string(),
        args_json,
        state: if run_at.is_some() { "scheduled" } else { "available" },
        priority,
        max_attempts,
        run_at,
        metadata_json: canonical::to_canonical(&metadata),
        tags: job.tags.clone(),
        unique_key,
        unique_states,
        ordering_key: job.ordering_key.clone(),
    })
}

/// All-or-nothing preparation of a batch; errors name the job as `jobs[i]`.
pub fn prepare_many(jobs: &[Job]) -> Result<Vec<Prepared>, Error> {
    check_batch_size(jobs.len())?;
    jobs.iter().enumerate().map(|(i, job)| prepare(job).map_err(|e| e.within(&format!("jobs[{i}]")))).collect()
}

fn check_batch_size(rows: usize) -> Result<(), Error> {
    if rows == 0 {
        return Err(Error::new(ErrorCode::EmptyBatch, "jobs", "a batch needs at least one job"));
    }
    if rows > MAX_BATCH_ROWS {
        return Err(Error::new(
            ErrorCode::BatchTooLarge,
            "jobs",
            format!("a batch has at most {MAX_BATCH_ROWS} jobs (65535 bind parameters), got {rows}"),
        ));
    }
    Ok(())
}

fn checked_name<'a>(value: &'a str, field: &str, too_long: ErrorCode) -> Result<&'a str, Error> {
    reject_nul(value, field)?;
    let chars = value.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(Error::new(
            too_long,
            field,
            format!("{field} is {chars} characters; at most {MAX_NAME_CHARS} allowed"),
        ));
    }
    Ok(value)
}

fn reject_nul(value: &str, field: &str) -> Result<(), Error> {
    if value.contains('\0') {
        return Err(Error::new(ErrorCode::NullByte, field, format!("{field} contains U+0000")));
    }
    Ok(())
}

fn in_range(value: Option<i32>, default: i16, min: i16, max: i16, field: &str, code: ErrorCode) -> Result<i16, Error> {
    let v = value.unwrap_or(i32::from(default));
    if v < i32::from(min) || v > i32::from(max) {
        return Err(Error::new(code, field, format!("{field} must be between {min} and {max}, got {v}")));
    }
    Ok(v as i16)
}

fn parse_json_field(text: Option<&str>, field: &str) -> Result<serde_json::Value, Error> {
    let value = match text {
        Some(t) => canonical::parse(t, field)?,
        None => serde_json::Value::Object(Default::default()),
    };
    canonical::reject_null_bytes(&value, field)?;
    Ok(value)
}

/// Parse an RFC 3339 timestamp and render it in UTC, truncated to microseconds toward
/// 2000-01-01 (PostgreSQL's epoch) as awa-model's driver encodes it.
pub fn normalize_run_at(text: &str) -> Result<String, Error> {
    let invalid = |why: &str| {
        Error::new(ErrorCode::InvalidRunAt, "run_at", format!("run_at {text:?} is not a valid RFC 3339 timestamp: {why}"))
    };
    let parsed = DateTime::parse_from_rfc3339(text).map_err(|e| invalid(&e.to_string()))?;
    if parsed.timestamp_subsec_nanos() >= 1_000_000_000 {
        return Err(invalid("leap seconds are not supported"));
    }
    let utc = parsed.with_timezone(&Utc);
    if !(1..=9999).contains(&utc.year()) {
        return Err(invalid("the UTC year must be between 0001 and 9999"));
    }
    let pg_epoch = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single().ok_or_else(|| invalid("epoch"))?;
    let nanos = i128::from(utc.timestamp()) * 1_000_000_000 + i128::from(utc.timestamp_subsec_nanos());
    let epoch_nanos = i128::from(pg_epoch.timestamp()) * 1_000_000_000;
    let micros_since_pg = (nanos - epoch_nanos) / 1000;
    let total_nanos = epoch_nanos + micros_since_pg * 1000;
    let secs = total_nanos.div_euclid(1_000_000_000) as i64;
    let sub = total_nanos.rem_euclid(1_000_000_000) as u32;
    let truncated = Utc.timestamp_opt(secs, sub).single().ok_or_else(|| invalid("out of range"))?;
    Ok(truncated.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

const PARAM_CASTS: [&str; 12] = [
    "::text",
    "::text",
    "::text::jsonb",
    "::text::awa.job_state",
    "::smallint",
    "::smallint",
    "::text::timestamptz",
    "::text::jsonb",
    "::text[]",
    "::bytea",
    "::text::bit(8)",
    "::bytea",
];

const COLUMNS: &str =
    "kind, queue, args, state, priority, max_attempts, run_at, metadata, tags, unique_key, unique_states, ordering_key";

fn row_params(first: usize) -> String {
    PARAM_CASTS.iter().enumerate().map(|(i, cast)| format!("${}{cast}", first + i)).collect::<Vec<_>>().join(", ")
}

/// One job: returns the `awa.jobs` row plus `state_str` (the state as text).
pub fn insert_sql() -> String {
    format!("SELECT *, state::text AS state_str FROM awa.insert_job_compat({})", row_params(1))
}

/// `rows` jobs in one atomic statement (12 parameters per row, in job order); rows come back in
/// input order.
pub fn insert_many_sql(rows: usize) -> Result<String, Error> {
    check_batch_size(rows)?;
    let values = (0..rows).map(|i| format!("({i}, {})", row_params(1 + 12 * i))).collect::<Vec<_>>().join(", ");
    let args = COLUMNS.split(", ").map(|c| format!("input.{c}")).collect::<Vec<_>>().join(", ");
    Ok(format!(
        "WITH input (ord, {COLUMNS}) AS (VALUES {values}) \
         SELECT inserted.*, inserted.state::text AS state_str FROM input \
         CROSS JOIN LATERAL awa.insert_job_compat({args}) AS inserted ORDER BY input.ord"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_at_truncates_toward_pg_epoch() {
        assert_eq!(normalize_run_at("2026-11-28T01:02:03.123456789+13:00").unwrap(), "2026-11-27T12:02:03.123456Z");
        assert_eq!(normalize_run_at("1999-12-31T23:59:59.9999999Z").unwrap(), "2000-01-01T00:00:00Z");
        assert_eq!(normalize_run_at("2026-11-28").unwrap_err().code, ErrorCode::InvalidRunAt);
        assert_eq!(normalize_run_at("2026-12-31T23:59:60Z").unwrap_err().code, ErrorCode::InvalidRunAt);
    }

    #[test]
    fn sql_numbers_parameters_per_row() {
        let sql = insert_many_sql(2).unwrap();
        assert!(sql.contains("(1, $13::text, $14::text,") && sql.ends_with("ORDER BY input.ord"));
        assert_eq!(insert_many_sql(0).unwrap_err().code, ErrorCode::EmptyBatch);
        assert_eq!(insert_many_sql(MAX_BATCH_ROWS + 1).unwrap_err().code, ErrorCode::BatchTooLarge);
    }
}
