//! Request builder: a job description becomes exactly the 12 values awa-model 0.6.9's
//! `prepare_raw_job_insert` produces, validated against everything `awa.insert_job_compat`
//! would reject. The SQL that binds them is in [`crate::sql`].
//!
//! Check order (the first failure is reported): kind, queue, priority, max_attempts, tags,
//! args, metadata, run_at, unique, traceparent.

use crate::canonical;
use crate::error::{Error, ErrorCode};
use crate::sql;
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

/// Uniqueness options (awa-model `UniqueOpts`); `None` takes Awa's default: by_args on,
/// by_queue off, no period, states 31 (scheduled..retryable). States come as a mask or as
/// state names, not both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UniqueOpts {
    pub by_queue: Option<bool>,
    pub by_args: Option<bool>,
    pub by_period: Option<i64>,
    pub states: Option<u8>,
    pub state_names: Option<Vec<String>>,
}

/// [`UniqueOpts`] with Awa's defaults applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedUnique {
    pub by_queue: bool,
    pub by_args: bool,
    pub by_period: Option<i64>,
    pub states: u8,
}

impl UniqueOpts {
    /// Awa's defaults (`UniqueOpts::default()` in awa-model) for every option left out.
    pub fn resolve(&self) -> Result<ResolvedUnique, Error> {
        let states = match (self.states, &self.state_names) {
            (Some(_), Some(_)) => {
                return Err(Error::new(
                    ErrorCode::ConflictingStates,
                    "unique.states",
                    "give the unique states as a mask or as state names, not both",
                ))
            }
            (Some(mask), None) => mask,
            (None, Some(names)) => unique::states_mask(names)?,
            (None, None) => DEFAULT_STATES,
        };
        Ok(ResolvedUnique {
            by_queue: self.by_queue.unwrap_or(false),
            by_args: self.by_args.unwrap_or(true),
            by_period: self.by_period,
            states,
        })
    }
}

/// An instant: seconds since the Unix epoch and nanoseconds (0..=999,999,999).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    pub seconds: i64,
    pub nanos: u32,
}

/// A job as a producer describes it. `None` takes Awa's default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Job {
    pub kind: String,
    /// JSON text, any spelling; `None` means `{}`.
    pub args_json: Option<String>,
    pub queue: Option<String>,
    pub priority: Option<i64>,
    pub max_attempts: Option<i64>,
    /// RFC 3339 timestamp; when set the job starts `scheduled` (Awa's rule, even in the past).
    pub run_at: Option<String>,
    /// The same option as an instant (give one of `run_at` and `run_at_time`).
    pub run_at_time: Option<Timestamp>,
    /// JSON text; `None` means `{}`.
    pub metadata_json: Option<String>,
    pub tags: Vec<String>,
    pub unique: Option<UniqueOpts>,
    pub ordering_key: Option<Vec<u8>>,
    /// W3C trace context of the producer's active span: written into metadata as
    /// `awa:traceparent` unless the metadata already has that key (the caller's value wins).
    pub traceparent: Option<String>,
}

/// Metadata key Awa's producers use for the W3C trace context (`awa:` keys are Awa's).
pub const TRACEPARENT_KEY: &str = "awa:traceparent";

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

impl Prepared {
    /// The text binds of [`sql::insert_sql`], `$1..$12` (`None` = NULL).
    pub fn binds(&self) -> Vec<Option<String>> {
        sql::binds(self)
    }
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
    let mut metadata = parse_json_field(job.metadata_json.as_deref(), "metadata")?;
    let run_at = match (&job.run_at, job.run_at_time) {
        (Some(_), Some(_)) => {
            return Err(Error::new(ErrorCode::InvalidRunAt, "run_at", "give run_at as text or as a time, not both"))
        }
        (Some(text), None) => Some(normalize_run_at(text)?),
        (None, Some(t)) => Some(run_at_from_timestamp(t)?),
        (None, None) => None,
    };
    let unique = job.unique.as_ref().map(UniqueOpts::resolve).transpose()?;
    if let Some(tp) = &job.traceparent {
        check_traceparent(tp)?;
        if let serde_json::Value::Object(map) = &mut metadata {
            map.entry(TRACEPARENT_KEY).or_insert_with(|| serde_json::Value::String(tp.clone()));
        }
    }
    let args_json = canonical::to_canonical(&args);

    let (unique_key, unique_states) = match unique {
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
    if jobs.is_empty() {
        return Err(Error::new(ErrorCode::EmptyBatch, "jobs", "a batch needs at least one job"));
    }
    jobs.iter().enumerate().map(|(i, job)| prepare(job).map_err(|e| e.within_batch(i))).collect()
}

/// A W3C `traceparent` (version 00 form): `vv-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`,
/// lowercase, version not `ff`, ids not all zeros.
fn check_traceparent(tp: &str) -> Result<(), Error> {
    let parts: Vec<&str> = tp.split('-').collect();
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let zeros = |s: &str| s.bytes().all(|b| b == b'0');
    let ok = parts.len() == 4
        && hex(parts[0], 2)
        && parts[0] != "ff"
        && hex(parts[1], 32)
        && !zeros(parts[1])
        && hex(parts[2], 16)
        && !zeros(parts[2])
        && hex(parts[3], 2);
    if !ok {
        return Err(Error::new(
            ErrorCode::InvalidTraceparent,
            "traceparent",
            format!("traceparent {tp:?} is not a W3C trace context (vv-<32 hex>-<16 hex>-<2 hex>)"),
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

fn in_range(value: Option<i64>, default: i16, min: i16, max: i16, field: &str, code: ErrorCode) -> Result<i16, Error> {
    let v = value.unwrap_or(i64::from(default));
    if v < i64::from(min) || v > i64::from(max) {
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

fn invalid_run_at(text: &str, why: &str) -> Error {
    Error::new(ErrorCode::InvalidRunAt, "run_at", format!("run_at {text:?} is not a valid RFC 3339 timestamp: {why}"))
}

/// Parse an RFC 3339 timestamp and render it in UTC, truncated to microseconds toward
/// 2000-01-01 (PostgreSQL's epoch) as awa-model's driver encodes it.
pub fn normalize_run_at(text: &str) -> Result<String, Error> {
    let parsed = DateTime::parse_from_rfc3339(text).map_err(|e| invalid_run_at(text, &e.to_string()))?;
    if parsed.timestamp_subsec_nanos() >= 1_000_000_000 {
        return Err(invalid_run_at(text, "leap seconds are not supported"));
    }
    render_run_at(parsed.with_timezone(&Utc))
        .ok_or_else(|| invalid_run_at(text, "the UTC year must be between 0001 and 9999"))
}

/// `run_at` from an instant (host date/time values), with the same range and truncation.
pub fn run_at_from_timestamp(t: Timestamp) -> Result<String, Error> {
    let invalid = |why: &str| {
        Error::new(
            ErrorCode::InvalidRunAt,
            "run_at",
            format!("run_at ({} s, {} ns) is not a valid time: {why}", t.seconds, t.nanos),
        )
    };
    if t.nanos >= 1_000_000_000 {
        return Err(invalid("nanoseconds must be below 1,000,000,000"));
    }
    let utc = Utc.timestamp_opt(t.seconds, t.nanos).single().ok_or_else(|| invalid("out of range"))?;
    render_run_at(utc).ok_or_else(|| invalid("the UTC year must be between 0001 and 9999"))
}

/// RFC 3339 UTC text, truncated to microseconds toward 2000-01-01; `None` outside years 1..9999.
fn render_run_at(utc: DateTime<Utc>) -> Option<String> {
    if !(1..=9999).contains(&utc.year()) {
        return None;
    }
    let pg_epoch = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single()?;
    let nanos = i128::from(utc.timestamp()) * 1_000_000_000 + i128::from(utc.timestamp_subsec_nanos());
    let epoch_nanos = i128::from(pg_epoch.timestamp()) * 1_000_000_000;
    let micros_since_pg = (nanos - epoch_nanos) / 1000;
    let total_nanos = epoch_nanos + micros_since_pg * 1000;
    let secs = total_nanos.div_euclid(1_000_000_000) as i64;
    let sub = total_nanos.rem_euclid(1_000_000_000) as u32;
    let truncated = Utc.timestamp_opt(secs, sub).single()?;
    Some(truncated.to_rfc3339_opts(SecondsFormat::AutoSi, true))
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
    fn run_at_from_an_instant_matches_the_text_path() {
        let t = Timestamp { seconds: 1_764_288_000, nanos: 123_456_789 };
        assert_eq!(run_at_from_timestamp(t).unwrap(), normalize_run_at("2025-11-28T00:00:00.123456789Z").unwrap());
        let before = Timestamp { seconds: 946_684_799, nanos: 999_999_999 };
        assert_eq!(run_at_from_timestamp(before).unwrap(), "2000-01-01T00:00:00Z");
        assert_eq!(
            run_at_from_timestamp(Timestamp { seconds: 0, nanos: 1_000_000_000 }).unwrap_err().code,
            ErrorCode::InvalidRunAt
        );
        assert_eq!(
            run_at_from_timestamp(Timestamp { seconds: i64::MAX, nanos: 0 }).unwrap_err().code,
            ErrorCode::InvalidRunAt
        );
        let both = Job {
            kind: "k".into(),
            run_at: Some("2026-01-01T00:00:00Z".into()),
            run_at_time: Some(t),
            ..Job::default()
        };
        assert_eq!(prepare(&both).unwrap_err().code, ErrorCode::InvalidRunAt);
    }

    #[test]
    fn traceparent_goes_into_metadata_unless_set() {
        let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let job = |meta: Option<&str>| Job {
            kind: "k".into(),
            metadata_json: meta.map(str::to_string),
            traceparent: Some(tp.into()),
            ..Job::default()
        };
        assert_eq!(prepare(&job(None)).unwrap().metadata_json, format!("{{\"awa:traceparent\":\"{tp}\"}}"));
        let own = prepare(&job(Some(r#"{"awa:traceparent":"mine","b":1}"#))).unwrap();
        assert_eq!(own.metadata_json, r#"{"awa:traceparent":"mine","b":1}"#);
        assert_eq!(prepare(&job(Some("[1]"))).unwrap().metadata_json, "[1]");
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        ] {
            let e = prepare(&Job { traceparent: Some(bad.into()), ..job(None) }).unwrap_err();
            assert_eq!((e.code, e.field.as_str()), (ErrorCode::InvalidTraceparent, "traceparent"));
        }
    }

    #[test]
    fn unique_defaults_are_awas() {
        let u = UniqueOpts { by_args: Some(true), ..UniqueOpts::default() }.resolve().unwrap();
        assert_eq!(u, ResolvedUnique { by_queue: false, by_args: true, by_period: None, states: DEFAULT_STATES });
        let names = UniqueOpts { state_names: Some(vec!["running".into()]), ..UniqueOpts::default() };
        assert_eq!(names.resolve().unwrap().states, 4);
        let both = UniqueOpts { states: Some(1), state_names: Some(vec![]), ..UniqueOpts::default() };
        assert_eq!(both.resolve().unwrap_err().code, ErrorCode::ConflictingStates);
    }
}
