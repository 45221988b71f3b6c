//! The core module, componentized with wit-component, running in wasmtime's component model.

use crate::backend::Backend;
use awa_enqueue::{Error, ErrorCode, FieldStyle, Job, Placeholders, Prepared};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store};

wasmtime::component::bindgen!({ path: "../wit", world: "awa-enqueue" });

use exports::awa::enqueue::core as wit;

/// Path of the committed core module.
pub fn core_module_path() -> std::path::PathBuf {
    crate::repo_root().join("wasm/awa_enqueue.wasm")
}

/// Componentize a core module (adapter-free: it has zero imports).
pub fn componentize(core: &[u8]) -> anyhow::Result<Vec<u8>> {
    wit_component::ComponentEncoder::default().module(core)?.validate(true).encode()
}

pub struct WasmCore {
    store: Store<()>,
    bindings: AwaEnqueue,
}

/// The value of a call; a trap (a core bug, never expected) panics, naming the export.
fn untrapped<T>(result: wasmtime::Result<T>, export: &str) -> T {
    result.unwrap_or_else(|e| panic!("trap in {export}: {e}"))
}

impl WasmCore {
    /// Load the committed core module.
    pub fn load() -> anyhow::Result<Self> {
        Self::from_core(&std::fs::read(core_module_path())?)
    }

    pub fn from_core(core: &[u8]) -> anyhow::Result<Self> {
        let component_bytes = componentize(core)?;
        let engine = Engine::new(&Config::new()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let component = Component::new(&engine, &component_bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
        let linker = Linker::<()>::new(&engine);
        let mut store = Store::new(&engine, ());
        let bindings = AwaEnqueue::instantiate(&mut store, &component, &linker).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(WasmCore { store, bindings })
    }

    pub fn api(&mut self) -> (&wit::Guest, &mut Store<()>) {
        (self.bindings.awa_enqueue_core(), &mut self.store)
    }

    pub fn contract(&mut self) -> wit::Contract {
        let (api, store) = self.api();
        untrapped(api.call_contract_info(store), "contract-info")
    }

    pub fn insert_sql(&mut self, style: Placeholders) -> String {
        let (api, store) = self.api();
        untrapped(api.call_insert_sql(store, to_wit_placeholders(style)), "insert-sql")
    }

    pub fn try_insert_sql(&mut self, style: Placeholders) -> String {
        let (api, store) = self.api();
        untrapped(api.call_try_insert_sql(store, to_wit_placeholders(style)), "try-insert-sql")
    }

    pub fn existing_job_sql(&mut self, style: Placeholders) -> String {
        let (api, store) = self.api();
        untrapped(api.call_existing_job_sql(store, to_wit_placeholders(style)), "existing-job-sql")
    }

    pub fn insert_many_sql(&mut self, style: Placeholders) -> String {
        let (api, store) = self.api();
        untrapped(api.call_insert_many_sql(store, to_wit_placeholders(style)), "insert-many-sql")
    }

    pub fn insert_many_binds(&mut self, jobs: &[Job]) -> Result<Vec<String>, Error> {
        let jobs: Vec<wit::Job> = jobs.iter().map(to_wit_job).collect();
        let (api, store) = self.api();
        untrapped(api.call_insert_many_binds(store, &jobs), "insert-many-binds").map_err(from_wit)
    }

    pub fn insert_many_parts(
        &mut self,
        jobs: &[Job],
        parts: u32,
        split: awa_enqueue::BatchSplit,
    ) -> Result<Vec<awa_enqueue::BatchPart>, Error> {
        let jobs: Vec<wit::Job> = jobs.iter().map(to_wit_job).collect();
        let split = match split {
            awa_enqueue::BatchSplit::ByQueue => wit::BatchSplit::ByQueue,
            awa_enqueue::BatchSplit::Contiguous => wit::BatchSplit::Contiguous,
        };
        let (api, store) = self.api();
        untrapped(api.call_insert_many_parts(store, &jobs, parts, split), "insert-many-parts")
            .map(|parts| parts.into_iter().map(|p| awa_enqueue::BatchPart { jobs: p.jobs, binds: p.binds }).collect())
            .map_err(from_wit)
    }

    pub fn storage_engine_sql(&mut self) -> String {
        let (api, store) = self.api();
        untrapped(api.call_storage_engine_sql(store), "storage-engine-sql")
    }

    /// `prepare` with the text binds the component returns alongside the values.
    pub fn prepare_with_binds(&mut self, job: &Job) -> Result<(Prepared, Vec<Option<String>>), Error> {
        let job = to_wit_job(job);
        let (api, store) = self.api();
        let p = untrapped(api.call_prepare(store, &job), "prepare").map_err(from_wit)?;
        let binds = p.binds.clone();
        Ok((from_wit_prepared(p), binds))
    }

    pub fn schema_check_sql(&mut self) -> String {
        let (api, store) = self.api();
        untrapped(api.call_schema_check_sql(store), "schema-check-sql")
    }

    pub fn check_schema(&mut self, version: Option<i32>, args: Option<&str>) -> Result<(i32, bool), Error> {
        let (api, store) = self.api();
        untrapped(api.call_check_schema(store, version, args), "check-schema")
            .map(|s| (s.schema_version, s.tested))
            .map_err(from_wit)
    }

    pub fn field_name(&mut self, field: &str, style: FieldStyle) -> String {
        let style = match style {
            FieldStyle::Contract => wit::FieldStyle::Contract,
            FieldStyle::Camel => wit::FieldStyle::Camel,
            FieldStyle::Go => wit::FieldStyle::Go,
        };
        let (api, store) = self.api();
        untrapped(api.call_field_name(store, field, style), "field-name")
    }

    pub fn within_batch(&mut self, index: u32, e: &Error) -> Error {
        let e = wit::Error { code: e.code.as_str().into(), field: e.field.clone(), message: e.message.clone() };
        let (api, store) = self.api();
        from_wit(untrapped(api.call_within_batch(store, index, &e), "within-batch"))
    }
}

fn to_wit_placeholders(style: Placeholders) -> wit::Placeholders {
    match style {
        Placeholders::Dollar => wit::Placeholders::Dollar,
        Placeholders::Question => wit::Placeholders::Question,
    }
}

/// Error codes come back as strings; map them onto the native enum (unknown = test failure).
pub fn from_wit(e: wit::Error) -> Error {
    let code = ErrorCode::ALL
        .into_iter()
        .find(|c| c.as_str() == e.code)
        .unwrap_or_else(|| panic!("unknown error code from the component: {}", e.code));
    Error { code, field: e.field, message: e.message }
}

pub fn to_wit_job(j: &Job) -> wit::Job {
    wit::Job {
        kind: j.kind.clone(),
        args_json: j.args_json.clone(),
        queue: j.queue.clone(),
        priority: j.priority,
        max_attempts: j.max_attempts,
        run_at: j.run_at.clone(),
        run_at_time: j.run_at_time.map(|t| wit::Timestamp { seconds: t.seconds, nanos: t.nanos }),
        metadata_json: j.metadata_json.clone(),
        tags: j.tags.clone(),
        unique: j.unique.as_ref().map(|u| wit::UniqueOpts {
            by_queue: u.by_queue,
            by_args: u.by_args,
            by_period: u.by_period,
            states: u.states,
            state_names: u.state_names.clone(),
        }),
        ordering_key: j.ordering_key.clone(),
        traceparent: j.traceparent.clone(),
    }
}

fn from_wit_prepared(p: wit::Prepared) -> Prepared {
    const STATES: [&str; 2] = ["available", "scheduled"];
    let state = STATES.into_iter().find(|s| *s == p.state).unwrap_or_else(|| panic!("unexpected state {}", p.state));
    Prepared {
        kind: p.kind,
        queue: p.queue,
        args_json: p.args_json,
        state,
        priority: p.priority,
        max_attempts: p.max_attempts,
        run_at: p.run_at,
        metadata_json: p.metadata_json,
        tags: p.tags,
        unique_key: p.unique_key,
        unique_states: p.unique_states,
        ordering_key: p.ordering_key,
    }
}

impl Backend for WasmCore {
    fn prepare(&mut self, job: &Job) -> Result<Prepared, Error> {
        self.prepare_with_binds(job).map(|(p, _)| p)
    }
    fn prepare_many(&mut self, jobs: &[Job]) -> Result<Vec<Prepared>, Error> {
        let jobs: Vec<wit::Job> = jobs.iter().map(to_wit_job).collect();
        let (api, store) = self.api();
        untrapped(api.call_prepare_many(store, &jobs), "prepare-many")
            .map(|v| v.into_iter().map(from_wit_prepared).collect())
            .map_err(from_wit)
    }
    fn unique_key(
        &mut self,
        kind: &str,
        queue: Option<&str>,
        args_json: Option<&str>,
        bucket: Option<i64>,
    ) -> Result<Vec<u8>, Error> {
        let (api, store) = self.api();
        untrapped(api.call_unique_key(store, kind, queue, args_json, bucket), "unique-key").map_err(from_wit)
    }
    fn ordering(&mut self, key: &[u8], shards: i16) -> (u64, i16) {
        let (api, store) = self.api();
        let h = untrapped(api.call_ordering_key_hash64(&mut *store, key), "ordering-key-hash64");
        let (api, store) = self.api();
        (h, untrapped(api.call_shard_for_ordering_key(store, key, shards), "shard-for-ordering-key"))
    }
    fn kind_from_type_name(&mut self, name: &str) -> String {
        let (api, store) = self.api();
        untrapped(api.call_kind_from_type_name(store, name), "kind-from-type-name")
    }
    fn canonical_json(&mut self, json: &str) -> Result<String, Error> {
        let (api, store) = self.api();
        untrapped(api.call_canonical_json(store, json), "canonical-json").map_err(from_wit)
    }
    fn partition(&mut self, logical: &str, partitions: u32, key: &[u8]) -> Result<(u32, String), Error> {
        let (api, store) = self.api();
        untrapped(api.call_partition_for_key(store, logical, partitions, key), "partition-for-key")
            .map(|p| (p.index, p.queue))
            .map_err(from_wit)
    }
    fn unique_states_bits(&mut self, mask: u8) -> String {
        let (api, store) = self.api();
        untrapped(api.call_unique_states_bits(store, mask), "unique-states-bits")
    }
    fn unique_states_mask(&mut self, names: &[String]) -> Result<u8, Error> {
        let (api, store) = self.api();
        untrapped(api.call_unique_states_mask(store, names), "unique-states-mask").map_err(from_wit)
    }
}
