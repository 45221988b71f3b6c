//! Typed errors. Every fallible function returns [`Error`]: a stable snake_case `code`, the
//! `field` it concerns (`""` when none; `jobs[3].priority` inside a batch) and a message.

use std::fmt;

/// Stable machine-readable error codes. The string form is part of the public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidJson,
    JsonTooDeep,
    NumberOutOfRange,
    NullByte,
    KindTooLong,
    QueueTooLong,
    QueueChannelTooLong,
    PriorityOutOfRange,
    MaxAttemptsOutOfRange,
    TooManyTags,
    InvalidRunAt,
    UnknownState,
    InvalidPeriod,
    InvalidPartitions,
    EmptyQueueName,
    ConflictingStates,
    EmptyBatch,
    InvalidParts,
    InvalidTraceparent,
    SchemaMissing,
    SchemaTooOld,
    FunctionMissing,
    FunctionSignatureMismatch,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 23] = [
        ErrorCode::InvalidJson,
        ErrorCode::JsonTooDeep,
        ErrorCode::NumberOutOfRange,
        ErrorCode::NullByte,
        ErrorCode::KindTooLong,
        ErrorCode::QueueTooLong,
        ErrorCode::QueueChannelTooLong,
        ErrorCode::PriorityOutOfRange,
        ErrorCode::MaxAttemptsOutOfRange,
        ErrorCode::TooManyTags,
        ErrorCode::InvalidRunAt,
        ErrorCode::UnknownState,
        ErrorCode::InvalidPeriod,
        ErrorCode::InvalidPartitions,
        ErrorCode::EmptyQueueName,
        ErrorCode::ConflictingStates,
        ErrorCode::EmptyBatch,
        ErrorCode::InvalidParts,
        ErrorCode::InvalidTraceparent,
        ErrorCode::SchemaMissing,
        ErrorCode::SchemaTooOld,
        ErrorCode::FunctionMissing,
        ErrorCode::FunctionSignatureMismatch,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::JsonTooDeep => "json_too_deep",
            ErrorCode::NumberOutOfRange => "number_out_of_range",
            ErrorCode::NullByte => "null_byte",
            ErrorCode::KindTooLong => "kind_too_long",
            ErrorCode::QueueTooLong => "queue_too_long",
            ErrorCode::QueueChannelTooLong => "queue_channel_too_long",
            ErrorCode::PriorityOutOfRange => "priority_out_of_range",
            ErrorCode::MaxAttemptsOutOfRange => "max_attempts_out_of_range",
            ErrorCode::TooManyTags => "too_many_tags",
            ErrorCode::InvalidRunAt => "invalid_run_at",
            ErrorCode::UnknownState => "unknown_state",
            ErrorCode::InvalidPeriod => "invalid_period",
            ErrorCode::InvalidPartitions => "invalid_partitions",
            ErrorCode::EmptyQueueName => "empty_queue_name",
            ErrorCode::ConflictingStates => "conflicting_states",
            ErrorCode::EmptyBatch => "empty_batch",
            ErrorCode::InvalidParts => "invalid_parts",
            ErrorCode::InvalidTraceparent => "invalid_traceparent",
            ErrorCode::SchemaMissing => "schema_missing",
            ErrorCode::SchemaTooOld => "schema_too_old",
            ErrorCode::FunctionMissing => "function_missing",
            ErrorCode::FunctionSignatureMismatch => "function_signature_mismatch",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    pub field: String,
    pub message: String,
}

impl Error {
    pub fn new(code: ErrorCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        Error { code, field: field.into(), message: message.into() }
    }

    /// The error of job `index` of a batch: `priority` becomes `jobs[3].priority`.
    pub fn within_batch(mut self, index: usize) -> Self {
        self.field = batch_field(index, &self.field);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.code.as_str(), self.message)
        } else {
            write!(f, "{} ({}): {}", self.code.as_str(), self.field, self.message)
        }
    }
}

impl std::error::Error for Error {}

/// The field of job `index` of a batch: `priority` becomes `jobs[3].priority`.
pub fn batch_field(index: usize, field: &str) -> String {
    if field.is_empty() {
        format!("jobs[{index}]")
    } else {
        format!("jobs[{index}].{field}")
    }
}

/// How a host spells error fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldStyle {
    /// The contract's snake_case (`jobs[3].max_attempts`), as in the conformance format.
    Contract,
    /// camelCase (JavaScript, Java): `jobs[3].maxAttempts`, `unique.byPeriod`.
    Camel,
    /// Go: job properties as exported struct fields (`jobs[3].MaxAttempts`,
    /// `Unique.ByPeriod`), other names camelCase.
    Go,
}

/// Job properties (and `unique`'s options), the names that Go spells as struct fields.
const JOB_PROPERTIES: [&str; 11] = [
    "kind",
    "args",
    "queue",
    "priority",
    "max_attempts",
    "run_at",
    "metadata",
    "tags",
    "unique",
    "ordering_key",
    "traceparent",
];
const UNIQUE_PROPERTIES: [&str; 4] = ["by_queue", "by_args", "by_period", "states"];
/// Names that are not input properties and keep their contract spelling.
const VERBATIM: [&str; 1] = ["insert_job_compat"];

/// An error `field` (contract spelling) in a host's spelling; `[i]` indexes are kept.
pub fn field_name(field: &str, style: FieldStyle) -> String {
    if style == FieldStyle::Contract {
        return field.to_string();
    }
    let mut parent: Option<&str> = None;
    let mut out = Vec::new();
    for (depth, segment) in field.split('.').enumerate() {
        let (name, index) = segment.find('[').map_or((segment, ""), |at| segment.split_at(at));
        let in_job = depth == 0 || parent == Some("jobs");
        let property = (in_job && JOB_PROPERTIES.contains(&name))
            || (parent == Some("unique") && UNIQUE_PROPERTIES.contains(&name));
        let spelled =
            if VERBATIM.contains(&name) { name.to_string() } else { camel(name, style == FieldStyle::Go && property) };
        out.push(format!("{spelled}{index}"));
        parent = Some(name);
    }
    out.join(".")
}

fn camel(snake: &str, upper_first: bool) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = upper_first;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_in_host_spelling() {
        let cases = [
            ("jobs[3].unique.by_period", "jobs[3].unique.byPeriod", "jobs[3].Unique.ByPeriod"),
            ("max_attempts", "maxAttempts", "MaxAttempts"),
            ("tags[1]", "tags[1]", "Tags[1]"),
            ("jobs", "jobs", "jobs"),
            ("period_seconds", "periodSeconds", "periodSeconds"),
            ("insert_job_compat", "insert_job_compat", "insert_job_compat"),
            ("", "", ""),
        ];
        for (contract, camel, go) in cases {
            assert_eq!(field_name(contract, FieldStyle::Contract), contract);
            assert_eq!(field_name(contract, FieldStyle::Camel), camel);
            assert_eq!(field_name(contract, FieldStyle::Go), go);
        }
    }
}
