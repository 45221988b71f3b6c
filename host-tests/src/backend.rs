//! What a conformance case needs from an implementation: the native core or the wasm component.

use awa_enqueue::{Error, Job, Prepared};

pub trait Backend {
    fn prepare(&mut self, job: &Job) -> Result<Prepared, Error>;
    fn prepare_many(&mut self, jobs: &[Job]) -> Result<Vec<Prepared>, Error>;
    fn unique_key(
        &mut self,
        kind: &str,
        queue: Option<&str>,
        args_json: Option<&str>,
        bucket: Option<i64>,
    ) -> Result<Vec<u8>, Error>;
    fn ordering(&mut self, key: &[u8], shards: i16) -> (u64, i16);
    fn kind_from_type_name(&mut self, name: &str) -> String;
    fn canonical_json(&mut self, json: &str) -> Result<String, Error>;
    fn partition(&mut self, logical: &str, partitions: u32, key: &[u8]) -> Result<(u32, String), Error>;
    fn unique_states_bits(&mut self, mask: u8) -> String;
    fn unique_states_mask(&mut self, names: &[String]) -> Result<u8, Error>;
}

/// The Rust core called directly.
pub struct Native;

impl Backend for Native {
    fn prepare(&mut self, job: &Job) -> Result<Prepared, Error> {
        awa_enqueue::prepare(job)
    }
    fn prepare_many(&mut self, jobs: &[Job]) -> Result<Vec<Prepared>, Error> {
        awa_enqueue::prepare_many(jobs)
    }
    fn unique_key(
        &mut self,
        kind: &str,
        queue: Option<&str>,
        args_json: Option<&str>,
        bucket: Option<i64>,
    ) -> Result<Vec<u8>, Error> {
        awa_enqueue::unique::unique_key(kind, queue, args_json, bucket).map(|k| k.to_vec())
    }
    fn ordering(&mut self, key: &[u8], shards: i16) -> (u64, i16) {
        (awa_enqueue::ordering::ordering_key_hash64(key), awa_enqueue::ordering::shard_for_ordering_key(key, shards))
    }
    fn kind_from_type_name(&mut self, name: &str) -> String {
        awa_enqueue::kind::kind_from_type_name(name)
    }
    fn canonical_json(&mut self, json: &str) -> Result<String, Error> {
        awa_enqueue::canonical::canonical_json(json)
    }
    fn partition(&mut self, logical: &str, partitions: u32, key: &[u8]) -> Result<(u32, String), Error> {
        awa_enqueue::ordering::partition_for_key(logical, partitions, key).map(|p| (p.index, p.queue))
    }
    fn unique_states_bits(&mut self, mask: u8) -> String {
        awa_enqueue::unique::states_bit_string(mask)
    }
    fn unique_states_mask(&mut self, names: &[String]) -> Result<u8, Error> {
        awa_enqueue::unique::states_mask(names)
    }
}
