//! Ordering keys: enqueue shard (Awa ADR-025) and PartitionedQueue routing.
//!
//! hash64: h = 14695981039346656037; per byte h = h * 1099511628211 + byte (mod 2^64).
//! This is multiply-then-add with FNV constants, not FNV-1/FNV-1a.
//! shard = hash64 % shards, and 0 when shards <= 1.
//! Partition routing: x = hash64 ^ 0x9d4d1b2f53a70c91, then the SplitMix64 finalizer; index =
//! x % partitions; index 0 is the logical queue, index i >= 1 is `<logical>__p<i>`.

use crate::error::{Error, ErrorCode};

const OFFSET_BASIS: u64 = 14_695_981_039_346_656_037;
const PRIME: u64 = 1_099_511_628_211;
const PARTITION_DOMAIN: u64 = 0x9d4d_1b2f_53a7_0c91;
/// Largest partition count Awa's PartitionedQueue accepts (i16::MAX physical queues).
pub const MAX_PARTITIONS: u32 = i16::MAX as u32;

pub fn ordering_key_hash64(key: &[u8]) -> u64 {
    key.iter().fold(OFFSET_BASIS, |h, &b| h.wrapping_mul(PRIME).wrapping_add(u64::from(b)))
}

/// Enqueue shard for a queue with `shards` enqueue shards (`awa.queue_meta.enqueue_shards`).
pub fn shard_for_ordering_key(key: &[u8], shards: i16) -> i16 {
    if shards <= 1 {
        return 0;
    }
    (ordering_key_hash64(key) % shards as u64) as i16
}

pub fn partition_hash64(key: &[u8]) -> u64 {
    let mut x = ordering_key_hash64(key) ^ PARTITION_DOMAIN;
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A routing decision: partition index and the physical queue to send as `p_queue`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub index: u32,
    pub queue: String,
}

/// Route `key` over `partitions` physical queues of `logical_queue` (Awa's default naming).
/// The caller must also send `key` itself as the job's ordering key.
pub fn partition_for_key(logical_queue: &str, partitions: u32, key: &[u8]) -> Result<Partition, Error> {
    if logical_queue.is_empty() {
        return Err(Error::new(ErrorCode::EmptyQueueName, "queue", "logical queue name must not be empty"));
    }
    if partitions == 0 || partitions > MAX_PARTITIONS {
        return Err(Error::new(
            ErrorCode::InvalidPartitions,
            "partitions",
            format!("partitions must be between 1 and {MAX_PARTITIONS}, got {partitions}"),
        ));
    }
    let index = if partitions == 1 { 0 } else { (partition_hash64(key) % u64::from(partitions)) as u32 };
    let queue = if index == 0 { logical_queue.to_string() } else { format!("{logical_queue}__p{index}") };
    Ok(Partition { index, queue })
}
