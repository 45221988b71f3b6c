//! awa-enqueue: Awa 0.6.9's producer-side derivations and request building, one implementation
//! for every language. Native Rust uses these modules directly; the wasm32 build exports them
//! through the WIT interface in `wit/` (see `wasm.rs`).

pub mod canonical;
pub mod error;
pub mod kind;
pub mod ordering;
pub mod request;
pub mod schema;
pub mod sql;
pub mod unique;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::{field_name, Error, ErrorCode, FieldStyle};
pub use request::{prepare, prepare_many, Job, Prepared, ResolvedUnique, Timestamp, UniqueOpts};
pub use sql::{
    existing_job_sql, insert_many_binds, insert_many_parts, insert_many_sql, insert_sql, try_insert_sql, BatchPart,
    BatchSplit, Placeholders,
};

/// Awa release whose `insert_job_compat` contract this build speaks.
pub const AWA_VERSION: &str = "0.6.9";
/// Version of the WIT interface layout; hosts with hand-written glue refuse any other.
pub const ABI_VERSION: u32 = 2;
