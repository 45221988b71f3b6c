//! The core module, componentized with wit-component, running in wasmtime's component model.

use crate::backend::Backend;
use awa_enqueue::{Error, ErrorCode, Job, Prepared};
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
        api.call_contract_info(store).expect("trap in contract-info")
    }

    pub fn insert_sql(&mut self) -> String {
        let (api, store) = self.api();
        api.call_insert_sql(store).expect("trap in insert-sql")
    }

    pub fn insert_many_sql(&mut self, rows: u32) -> Result<String, Error> {
        let (api, store) = self.api();
        api.call_insert_many_sql(store, rows).expect("trap in insert-many-sql").map_err(from_wit)
    }

    pub fn prepare_many(&mut self, jobs: &[Job]) -> Result<Vec<Prepared>, Error> {
        let jobs: Vec<wit::Job> = jobs.iter().map(to_wit_job).collect();
        let (api, store) = self.api();
        api.call_prepare_many(store, &jobs)
            .expect("trap in prepare-many")
            .map(|v| v.into_iter().map(from_wit_prepared).collect())
            .map_err(from_wit)
    }

    pub fn schema_check_sql(&mut self) -> String {
        let (api, store) = self.api();
        api.call_schema_check_sql(store).expect("trap in schema-check-sql")
    }

    pub fn check_schema(&mut self, version: Option<i32>, args: Option<&str>) -> Result<(i32, bool), Error> {
        let (api, store) = self.api();
        api.call_check_schema(store, version, args)
            .expect("trap in check-schema")
            .map(|s| (s.schema_version, s.tested))
            .map_err(from_wit)
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
        metadata_json: j.metadata_json.clone(),
        tags: j.tags.clone(),
        unique: j.unique.as_ref().map(|u| wit::UniqueOpts {
            by_queue: u.by_queue,
            by_args: u.by_args,
            by_period: u.by_period,
            states: u.states,
        }),
        ordering_key: j.ordering_key.clone(),
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
        let job = to_wit_job(job);
        let (api, store) = self.api();
        api.call_prepare(store, &job).expect("trap in prepare").map(from_wit_prepared).map_err(from_wit)
    }
    fn unique_key(&mut self, kind: &str, queue: Option<&str>, args_json: Option<&str>, bucket: Option<i64>) -> Result<Vec<u8>, Error> {
        let (api, store) = self.api();
        api.call_unique_key(store, kind, queue, args_json, bucket).expect("trap in unique-key").map_err(from_wit)
    }
    fn ordering(&mut self, key: &[u8], shards: i16) -> (u64, i16) {
        let (api, store) = self.api();
        let h = api.call_ordering_key_hash64(&mut *store, key).expect("trap in ordering-key-hash64");
        let (api, store) = self.api();
        (h, api.call_shard_for_ordering_key(store, key, shards).expect("trap in shard-for-ordering-key"))
    }
    fn kind_from_type_name(&mut self, name: &str) -> String {
        let (api, store) = self.api();
        api.call_kind_from_type_name(store, name).expect("trap in kind-from-type-name")
    }
    fn canonical_json(&mut self, json: &str) -> Result<String, Error> {
        let (api, store) = self.api();
        api.call_canonical_json(store, json).expect("trap in canonical-json").map_err(from_wit)
    }
    fn partition(&mut self, logical: &str, partitions: u32, key: &[u8]) -> Result<(u32, String), Error> {
        let (api, store) = self.api();
        api.call_partition_for_key(store, logical, partitions, key)
            .expect("trap in partition-for-key")
            .map(|p| (p.index, p.queue))
            .map_err(from_wit)
    }
    fn unique_states_bits(&mut self, mask: u8) -> String {
        let (api, store) = self.api();
        api.call_unique_states_bits(store, mask).expect("trap in unique-states-bits")
    }
    fn unique_states_mask(&mut self, names: &[String]) -> Result<u8, Error> {
        let (api, store) = self.api();
        api.call_unique_states_mask(store, names).expect("trap in unique-states-mask").map_err(from_wit)
    }
}
