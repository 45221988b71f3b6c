//! Running an input: natively (the awa_enqueue crate) or through the wasm component in wasmtime,
//! whose linear memory is watched by a resource limiter. Both give the same `Out`.

use super::input::{ErrorRecord, Input, Sql};
use crate::component::exports::awa::enqueue::core as wit;
use crate::component::{self, AwaEnqueue};
use awa_enqueue::{schema, sql, FieldStyle, Placeholders, Prepared};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, ResourceLimiter, Store};

/// What an export returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    Text(String),
    Bytes(Vec<u8>),
    Int(i128),
    Partition(u32, String),
    Prepared(Vec<PreparedOut>),
    Texts(Vec<String>),
    Schema(i32, bool),
    Contract(String, u32, i32, i32),
    /// within-batch's result: an error record as a value.
    Record(ErrorRecord),
    Err(ErrorRecord),
}

/// The WIT `prepared` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedOut {
    pub kind: String,
    pub queue: String,
    pub args_json: String,
    pub state: String,
    pub priority: i16,
    pub max_attempts: i16,
    pub run_at: Option<String>,
    pub metadata_json: String,
    pub tags: Vec<String>,
    pub unique_key: Option<Vec<u8>>,
    pub unique_states: Option<String>,
    pub ordering_key: Option<Vec<u8>>,
    pub binds: Vec<Option<String>>,
}

impl From<Prepared> for PreparedOut {
    fn from(p: Prepared) -> Self {
        let binds = p.binds();
        PreparedOut {
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
}

impl From<wit::Prepared> for PreparedOut {
    fn from(p: wit::Prepared) -> Self {
        PreparedOut {
            kind: p.kind,
            queue: p.queue,
            args_json: p.args_json,
            state: p.state,
            priority: p.priority,
            max_attempts: p.max_attempts,
            run_at: p.run_at,
            metadata_json: p.metadata_json,
            tags: p.tags,
            unique_key: p.unique_key,
            unique_states: p.unique_states,
            ordering_key: p.ordering_key,
            binds: p.binds,
        }
    }
}

impl From<awa_enqueue::Error> for ErrorRecord {
    fn from(e: awa_enqueue::Error) -> Self {
        ErrorRecord { code: e.code.as_str().to_string(), field: e.field, message: e.message }
    }
}

impl From<wit::Error> for ErrorRecord {
    fn from(e: wit::Error) -> Self {
        ErrorRecord { code: e.code, field: e.field, message: e.message }
    }
}

fn out<T, E: Into<ErrorRecord>>(r: Result<T, E>, ok: impl FnOnce(T) -> Out) -> Out {
    r.map_or_else(|e| Out::Err(e.into()), ok)
}

fn prepared<P: Into<PreparedOut>>(list: Vec<P>) -> Out {
    Out::Prepared(list.into_iter().map(Into::into).collect())
}

fn sql_text(which: Sql, style: Placeholders) -> String {
    match which {
        Sql::Insert => sql::insert_sql(style),
        Sql::TryInsert => sql::try_insert_sql(style),
        Sql::ExistingJob => sql::existing_job_sql(style),
        Sql::InsertMany => sql::insert_many_sql(style),
        Sql::SchemaCheck => schema::SCHEMA_CHECK_SQL.to_string(),
    }
}

/// The input through the awa_enqueue crate.
pub fn native(input: &Input) -> Out {
    use awa_enqueue::{ordering, unique};
    match input {
        Input::ContractInfo => Out::Contract(
            awa_enqueue::AWA_VERSION.into(),
            awa_enqueue::ABI_VERSION,
            schema::MIN_SCHEMA_VERSION,
            schema::MAX_TESTED_SCHEMA_VERSION,
        ),
        Input::Sql(which, style) => Out::Text(sql_text(*which, *style)),
        Input::CanonicalJson(text) => out(awa_enqueue::canonical::canonical_json(text), Out::Text),
        Input::UniqueKey { kind, queue, args_json, bucket } => {
            out(unique::unique_key(kind, queue.as_deref(), args_json.as_deref(), *bucket), |k| Out::Bytes(k.to_vec()))
        }
        Input::StatesBits(mask) => Out::Text(unique::states_bit_string(*mask)),
        Input::StatesMask(names) => out(unique::states_mask(names), |m| Out::Int(m.into())),
        Input::PeriodBucket { epoch_seconds, period_seconds } => {
            out(unique::period_bucket(*epoch_seconds, *period_seconds), |b| Out::Int(b.into()))
        }
        Input::OrderingKeyHash64(key) => Out::Int(ordering::ordering_key_hash64(key).into()),
        Input::ShardForOrderingKey { key, shards } => Out::Int(ordering::shard_for_ordering_key(key, *shards).into()),
        Input::PartitionHash64(key) => Out::Int(ordering::partition_hash64(key).into()),
        Input::PartitionForKey { logical_queue, partitions, key } => {
            out(ordering::partition_for_key(logical_queue, *partitions, key), |p| Out::Partition(p.index, p.queue))
        }
        Input::KindFromTypeName(name) => Out::Text(awa_enqueue::kind::kind_from_type_name(name)),
        Input::Prepare(job) => out(awa_enqueue::prepare(job), |p| prepared(vec![p])),
        Input::PrepareMany(jobs) => out(awa_enqueue::prepare_many(jobs), prepared),
        Input::InsertManyBinds(jobs) => out(awa_enqueue::insert_many_binds(jobs), Out::Texts),
        Input::CheckSchema { schema_version, function_arguments } => {
            out(schema::check_schema(*schema_version, function_arguments.as_deref()), |s| {
                Out::Schema(s.schema_version, s.tested)
            })
        }
        Input::FieldName(field, style) => Out::Text(awa_enqueue::field_name(field, *style)),
        Input::WithinBatch(index, e) => {
            Out::Record(ErrorRecord { field: awa_enqueue::error::batch_field(*index as usize, &e.field), ..e.clone() })
        }
    }
}

/// Tracks the largest linear memory the instance asked for; refuses growth past `cap` bytes
/// (the allocation then fails inside the module, which is a trap).
pub struct Memory {
    peak: usize,
    cap: usize,
}

impl ResourceLimiter for Memory {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.cap {
            return Ok(false);
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, _desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

/// The committed core module as a compiled component (shared by all instances).
pub fn compile() -> anyhow::Result<(Engine, Component)> {
    let bytes = component::componentize(&std::fs::read(component::core_module_path())?)?;
    let engine = Engine::new(&Config::new()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let component = Component::new(&engine, &bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((engine, component))
}

/// One instance of the component; a trap is an `Err` (the instance is unusable afterwards).
pub struct Wasm {
    store: Store<Memory>,
    bindings: AwaEnqueue,
}

fn placeholders(p: Placeholders) -> wit::Placeholders {
    match p {
        Placeholders::Dollar => wit::Placeholders::Dollar,
        Placeholders::Question => wit::Placeholders::Question,
    }
}

impl Wasm {
    pub fn new(engine: &Engine, component: &Component, cap_bytes: usize) -> anyhow::Result<Wasm> {
        let mut store = Store::new(engine, Memory { peak: 0, cap: cap_bytes });
        store.limiter(|m| m);
        let bindings =
            AwaEnqueue::instantiate(&mut store, component, &Linker::new(engine)).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Wasm { store, bindings })
    }

    /// Linear memory size in 64 KiB pages (it never shrinks, so this is also the peak).
    pub fn pages(&self) -> usize {
        self.store.data().peak / 65536
    }

    pub fn call(&mut self, input: &Input) -> wasmtime::Result<Out> {
        let api = self.bindings.awa_enqueue_core();
        let s = &mut self.store;
        let jobs = |jobs: &[awa_enqueue::Job]| jobs.iter().map(component::to_wit_job).collect::<Vec<_>>();
        Ok(match input {
            Input::ContractInfo => {
                let c = api.call_contract_info(s)?;
                Out::Contract(c.awa_version, c.abi_version, c.min_schema_version, c.max_tested_schema_version)
            }
            Input::Sql(which, style) => Out::Text(match which {
                Sql::Insert => api.call_insert_sql(s, placeholders(*style))?,
                Sql::TryInsert => api.call_try_insert_sql(s, placeholders(*style))?,
                Sql::ExistingJob => api.call_existing_job_sql(s, placeholders(*style))?,
                Sql::InsertMany => api.call_insert_many_sql(s, placeholders(*style))?,
                Sql::SchemaCheck => api.call_schema_check_sql(s)?,
            }),
            Input::CanonicalJson(text) => out(api.call_canonical_json(s, text)?, Out::Text),
            Input::UniqueKey { kind, queue, args_json, bucket } => {
                out(api.call_unique_key(s, kind, queue.as_deref(), args_json.as_deref(), *bucket)?, Out::Bytes)
            }
            Input::StatesBits(mask) => Out::Text(api.call_unique_states_bits(s, *mask)?),
            Input::StatesMask(names) => out(api.call_unique_states_mask(s, names)?, |m| Out::Int(m.into())),
            Input::PeriodBucket { epoch_seconds, period_seconds } => {
                out(api.call_period_bucket(s, *epoch_seconds, *period_seconds)?, |b| Out::Int(b.into()))
            }
            Input::OrderingKeyHash64(key) => Out::Int(api.call_ordering_key_hash64(s, key)?.into()),
            Input::ShardForOrderingKey { key, shards } => {
                Out::Int(api.call_shard_for_ordering_key(s, key, *shards)?.into())
            }
            Input::PartitionHash64(key) => Out::Int(api.call_partition_hash64(s, key)?.into()),
            Input::PartitionForKey { logical_queue, partitions, key } => {
                out(api.call_partition_for_key(s, logical_queue, *partitions, key)?, |p| {
                    Out::Partition(p.index, p.queue)
                })
            }
            Input::KindFromTypeName(name) => Out::Text(api.call_kind_from_type_name(s, name)?),
            Input::Prepare(job) => out(api.call_prepare(s, &component::to_wit_job(job))?, |p| prepared(vec![p])),
            Input::PrepareMany(list) => out(api.call_prepare_many(s, &jobs(list))?, prepared),
            Input::InsertManyBinds(list) => out(api.call_insert_many_binds(s, &jobs(list))?, Out::Texts),
            Input::CheckSchema { schema_version, function_arguments } => {
                out(api.call_check_schema(s, *schema_version, function_arguments.as_deref())?, |st| {
                    Out::Schema(st.schema_version, st.tested)
                })
            }
            Input::FieldName(field, style) => {
                let style = match style {
                    FieldStyle::Contract => wit::FieldStyle::Contract,
                    FieldStyle::Camel => wit::FieldStyle::Camel,
                    FieldStyle::Go => wit::FieldStyle::Go,
                };
                Out::Text(api.call_field_name(s, field, style)?)
            }
            Input::WithinBatch(index, e) => {
                let e = wit::Error { code: e.code.clone(), field: e.field.clone(), message: e.message.clone() };
                Out::Record(api.call_within_batch(s, *index, &e)?.into())
            }
        })
    }
}
