//! Uniqueness: the 16-byte BLAKE3 unique key and the `unique_states` bit string.
//!
//! Key = BLAKE3(kind ‖ [0x00 ‖ queue] ‖ [0x00 ‖ canonical args] ‖ [0x00 ‖ i64-LE bucket])[..16];
//! a disabled part adds nothing, not even its separator.
//! States: character i of the `bit(8)` text is `1` iff bit i of the mask is set, where bit 0 is
//! `scheduled` (Awa's order), so the default mask 31 is `11111000`.

use crate::canonical;
use crate::error::{Error, ErrorCode};
use serde_json::Value;

/// Awa's job states in bit order (bit 0 = leftmost character of the bit string).
pub const STATES: [&str; 8] =
    ["scheduled", "available", "running", "completed", "retryable", "failed", "cancelled", "waiting_external"];

/// Default mask: scheduled, available, running, completed, retryable.
pub const DEFAULT_STATES: u8 = 0b0001_1111;

/// Unique key over already parsed args.
pub fn unique_key_for(kind: &str, queue: Option<&str>, args: Option<&Value>, period_bucket: Option<i64>) -> [u8; 16] {
    let canonical_args = args.map(canonical::to_canonical);
    unique_key_canonical(kind, queue, canonical_args.as_deref(), period_bucket)
}

/// Unique key with args already in canonical JSON form (see [`canonical`]).
pub fn unique_key_canonical(
    kind: &str,
    queue: Option<&str>,
    canonical_args: Option<&str>,
    period_bucket: Option<i64>,
) -> [u8; 16] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(kind.as_bytes());
    if let Some(queue) = queue {
        hasher.update(&[0]);
        hasher.update(queue.as_bytes());
    }
    if let Some(args) = canonical_args {
        hasher.update(&[0]);
        hasher.update(args.as_bytes());
    }
    if let Some(bucket) = period_bucket {
        hasher.update(&[0]);
        hasher.update(&bucket.to_le_bytes());
    }
    let mut key = [0u8; 16];
    key.copy_from_slice(&hasher.finalize().as_bytes()[..16]);
    key
}

/// Unique key with args given as JSON text (any spelling of the same value gives the same key).
pub fn unique_key(
    kind: &str,
    queue: Option<&str>,
    args_json: Option<&str>,
    period_bucket: Option<i64>,
) -> Result<[u8; 16], Error> {
    let args = args_json.map(|text| canonical::parse(text, "args")).transpose()?;
    Ok(unique_key_for(kind, queue, args.as_ref(), period_bucket))
}

/// `bit(8)` text for a state mask (leftmost character = `scheduled`).
pub fn states_bit_string(mask: u8) -> String {
    (0..8).map(|i| if mask & (1 << i) != 0 { '1' } else { '0' }).collect()
}

/// State mask from state names (`available`, `waiting_external`, …); duplicates are harmless.
pub fn states_mask<S: AsRef<str>>(names: &[S]) -> Result<u8, Error> {
    names.iter().try_fold(0u8, |mask, name| {
        let name = name.as_ref();
        match STATES.iter().position(|s| *s == name) {
            Some(bit) => Ok(mask | (1 << bit)),
            None => Err(Error::new(
                ErrorCode::UnknownState,
                "unique.states",
                format!("unknown job state {name:?}; expected one of {}", STATES.join(", ")),
            )),
        }
    })
}

/// Period bucket by Awa's convention: floor(epoch_seconds / period_seconds).
/// Awa takes the bucket as an opaque i64; every producer of a kind must agree on it.
pub fn period_bucket(epoch_seconds: i64, period_seconds: i64) -> Result<i64, Error> {
    if period_seconds <= 0 {
        return Err(Error::new(
            ErrorCode::InvalidPeriod,
            "period_seconds",
            "period must be a positive number of seconds",
        ));
    }
    Ok(epoch_seconds.div_euclid(period_seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_strings_and_names() {
        assert_eq!(states_bit_string(DEFAULT_STATES), "11111000");
        assert_eq!(states_bit_string(129), "10000001");
        assert_eq!(states_mask(&["scheduled", "waiting_external", "scheduled"]).unwrap(), 129);
        assert_eq!(states_mask(&["Scheduled"]).unwrap_err().code, ErrorCode::UnknownState);
    }

    #[test]
    fn buckets_floor() {
        assert_eq!(period_bucket(-1, 3600).unwrap(), -1);
        assert_eq!(period_bucket(3599, 3600).unwrap(), 0);
        assert_eq!(period_bucket(i64::MIN, 1).unwrap(), i64::MIN);
        assert_eq!(period_bucket(5, 0).unwrap_err().code, ErrorCode::InvalidPeriod);
    }
}
