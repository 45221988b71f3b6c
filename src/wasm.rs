//! WIT exports (wasm32 only): marshalling between the canonical ABI and the core modules.

use self::exports::awa::enqueue::core as wit;
use crate::{canonical, error, kind, ordering, request, schema, sql, unique};

wit_bindgen::generate!({ path: "wit", world: "awa-enqueue" });

struct Component;
export!(Component);

impl From<crate::Error> for wit::Error {
    fn from(e: crate::Error) -> Self {
        wit::Error { code: e.code.as_str().to_string(), field: e.field, message: e.message }
    }
}

fn job_from_wit(j: wit::Job) -> request::Job {
    request::Job {
        kind: j.kind,
        args_json: j.args_json,
        queue: j.queue,
        priority: j.priority,
        max_attempts: j.max_attempts,
        run_at: j.run_at,
        run_at_time: j.run_at_time.map(|t| request::Timestamp { seconds: t.seconds, nanos: t.nanos }),
        metadata_json: j.metadata_json,
        tags: j.tags,
        unique: j.unique.map(|u| request::UniqueOpts {
            by_queue: u.by_queue,
            by_args: u.by_args,
            by_period: u.by_period,
            states: u.states,
            state_names: u.state_names,
        }),
        ordering_key: j.ordering_key,
        traceparent: j.traceparent,
    }
}

fn prepared_to_wit(p: request::Prepared) -> wit::Prepared {
    let binds = p.binds();
    wit::Prepared {
        kind: p.kind,
        queue: p.queue,
        args_json: p.args_json,
        state: p.state.to_string(),
        priority: p.priority,
        max_attempts: p.max_attempts,
        run_at: p.run_at,
        metadata_json: p.metadata_json,
        tags: p.tags,
        unique_key: p.unique_key,
        unique_states: p.unique_states,
        ordering_key: p.ordering_key,
        binds,
    }
}

fn placeholders(p: wit::Placeholders) -> sql::Placeholders {
    match p {
        wit::Placeholders::Dollar => sql::Placeholders::Dollar,
        wit::Placeholders::Question => sql::Placeholders::Question,
    }
}

impl wit::Guest for Component {
    fn contract_info() -> wit::Contract {
        wit::Contract {
            awa_version: crate::AWA_VERSION.to_string(),
            abi_version: crate::ABI_VERSION,
            min_schema_version: schema::MIN_SCHEMA_VERSION,
            max_tested_schema_version: schema::MAX_TESTED_SCHEMA_VERSION,
        }
    }

    fn canonical_json(json: String) -> Result<String, wit::Error> {
        Ok(canonical::canonical_json(&json)?)
    }

    fn unique_key(
        kind: String,
        queue: Option<String>,
        args_json: Option<String>,
        period_bucket: Option<i64>,
    ) -> Result<Vec<u8>, wit::Error> {
        Ok(unique::unique_key(&kind, queue.as_deref(), args_json.as_deref(), period_bucket)?.to_vec())
    }

    fn unique_states_bits(mask: u8) -> String {
        unique::states_bit_string(mask)
    }

    fn unique_states_mask(states: Vec<String>) -> Result<u8, wit::Error> {
        Ok(unique::states_mask(&states)?)
    }

    fn period_bucket(epoch_seconds: i64, period_seconds: i64) -> Result<i64, wit::Error> {
        Ok(unique::period_bucket(epoch_seconds, period_seconds)?)
    }

    fn ordering_key_hash64(key: Vec<u8>) -> u64 {
        ordering::ordering_key_hash64(&key)
    }

    fn shard_for_ordering_key(key: Vec<u8>, shards: i16) -> i16 {
        ordering::shard_for_ordering_key(&key, shards)
    }

    fn partition_hash64(key: Vec<u8>) -> u64 {
        ordering::partition_hash64(&key)
    }

    fn partition_for_key(logical_queue: String, partitions: u32, key: Vec<u8>) -> Result<wit::Partition, wit::Error> {
        let p = ordering::partition_for_key(&logical_queue, partitions, &key)?;
        Ok(wit::Partition { index: p.index, queue: p.queue })
    }

    fn kind_from_type_name(name: String) -> String {
        kind::kind_from_type_name(&name)
    }

    fn prepare(job: wit::Job) -> Result<wit::Prepared, wit::Error> {
        Ok(prepared_to_wit(request::prepare(&job_from_wit(job))?))
    }

    fn prepare_many(jobs: Vec<wit::Job>) -> Result<Vec<wit::Prepared>, wit::Error> {
        let jobs: Vec<request::Job> = jobs.into_iter().map(job_from_wit).collect();
        Ok(request::prepare_many(&jobs)?.into_iter().map(prepared_to_wit).collect())
    }

    fn insert_sql(p: wit::Placeholders) -> String {
        sql::insert_sql(placeholders(p))
    }

    fn try_insert_sql(p: wit::Placeholders) -> String {
        sql::try_insert_sql(placeholders(p))
    }

    fn existing_job_sql(p: wit::Placeholders) -> String {
        sql::existing_job_sql(placeholders(p))
    }

    fn insert_many_sql(p: wit::Placeholders) -> String {
        sql::insert_many_sql(placeholders(p))
    }

    fn insert_many_binds(jobs: Vec<wit::Job>) -> Result<Vec<String>, wit::Error> {
        let jobs: Vec<request::Job> = jobs.into_iter().map(job_from_wit).collect();
        Ok(sql::insert_many_binds(&jobs)?)
    }

    fn insert_many_parts(
        jobs: Vec<wit::Job>,
        parts: u32,
        split: wit::BatchSplit,
    ) -> Result<Vec<wit::BatchPart>, wit::Error> {
        let jobs: Vec<request::Job> = jobs.into_iter().map(job_from_wit).collect();
        let split = match split {
            wit::BatchSplit::ByQueue => sql::BatchSplit::ByQueue,
            wit::BatchSplit::Contiguous => sql::BatchSplit::Contiguous,
        };
        let parts = sql::insert_many_parts(&jobs, parts, split)?;
        Ok(parts.into_iter().map(|p| wit::BatchPart { jobs: p.jobs, binds: p.binds }).collect())
    }

    fn storage_engine_sql() -> String {
        sql::STORAGE_ENGINE_SQL.to_string()
    }

    fn schema_check_sql() -> String {
        schema::SCHEMA_CHECK_SQL.to_string()
    }

    fn check_schema(
        schema_version: Option<i32>,
        function_arguments: Option<String>,
    ) -> Result<wit::SchemaStatus, wit::Error> {
        let s = schema::check_schema(schema_version, function_arguments.as_deref())?;
        Ok(wit::SchemaStatus { schema_version: s.schema_version, tested: s.tested })
    }

    fn field_name(field: String, style: wit::FieldStyle) -> String {
        let style = match style {
            wit::FieldStyle::Contract => error::FieldStyle::Contract,
            wit::FieldStyle::Camel => error::FieldStyle::Camel,
            wit::FieldStyle::Go => error::FieldStyle::Go,
        };
        error::field_name(&field, style)
    }

    fn within_batch(index: u32, error: wit::Error) -> wit::Error {
        wit::Error { field: error::batch_field(index as usize, &error.field), ..error }
    }
}
