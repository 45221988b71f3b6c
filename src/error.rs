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
    EmptyBatch,
    BatchTooLarge,
    SchemaMissing,
    SchemaTooOld,
    SchemaTooNew,
    FunctionMissing,
    FunctionSignatureMismatch,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 22] = [
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
        ErrorCode::EmptyBatch,
        ErrorCode::BatchTooLarge,
        ErrorCode::SchemaMissing,
        ErrorCode::SchemaTooOld,
        ErrorCode::SchemaTooNew,
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
            ErrorCode::EmptyBatch => "empty_batch",
            ErrorCode::BatchTooLarge => "batch_too_large",
            ErrorCode::SchemaMissing => "schema_missing",
            ErrorCode::SchemaTooOld => "schema_too_old",
            ErrorCode::SchemaTooNew => "schema_too_new",
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

    /// Prefix the field, e.g. `priority` becomes `jobs[3].priority`.
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = if self.field.is_empty() { prefix.to_string() } else { format!("{prefix}.{}", self.field) };
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
