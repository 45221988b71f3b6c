//! Canonical JSON: the exact bytes Awa's producers hash for a JSON value.
//!
//! The text is parsed into a `serde_json::Value` (numbers: integers that fit u64/i64 stay
//! integers, everything else is the correctly rounded IEEE double) and written back in
//! serde_json's compact form: object keys sorted by UTF-8 bytes at every depth, serde escapes,
//! floats with a kept `.0`. Nesting is limited to 127 levels (serde_json's parser limit).

use crate::error::{Error, ErrorCode};
use serde_json::Value;

/// Maximum nesting depth of arrays/objects accepted in JSON text.
pub const MAX_JSON_DEPTH: usize = 127;

/// Parse JSON text; `field` names the input in errors.
pub fn parse(text: &str, field: &str) -> Result<Value, Error> {
    serde_json::from_str::<Value>(text).map_err(|e| {
        let msg = e.to_string();
        let code = if msg.starts_with("recursion limit exceeded") {
            ErrorCode::JsonTooDeep
        } else if msg.starts_with("number out of range") {
            ErrorCode::NumberOutOfRange
        } else {
            ErrorCode::InvalidJson
        };
        Error::new(code, field, format!("{field} is not valid JSON: {msg}"))
    })
}

/// Compact, key-sorted serialization of a parsed value.
pub fn to_canonical(value: &Value) -> String {
    // Serializing a Value cannot fail (keys are strings, numbers are finite).
    serde_json::to_string(value).unwrap_or_default()
}

/// Canonical form of JSON text.
pub fn canonical_json(text: &str) -> Result<String, Error> {
    parse(text, "json").map(|v| to_canonical(&v))
}

/// Reject U+0000 in any string or object key (PostgreSQL jsonb cannot store it).
pub fn reject_null_bytes(value: &Value, field: &str) -> Result<(), Error> {
    match value {
        Value::String(s) if s.contains('\0') => Err(null_byte(field, "a string value")),
        Value::Array(items) => items.iter().try_for_each(|v| reject_null_bytes(v, field)),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            if k.contains('\0') {
                return Err(null_byte(field, "an object key"));
            }
            reject_null_bytes(v, field)
        }),
        _ => Ok(()),
    }
}

fn null_byte(field: &str, place: &str) -> Error {
    Error::new(
        ErrorCode::NullByte,
        field,
        format!("{field} contains U+0000 in {place}; PostgreSQL jsonb cannot store it"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_keys_by_utf8_bytes_and_compacts() {
        let got = canonical_json("{ \"\\ue000\": 1, \"\u{1F600}\": 2, \"a\": 3, \"B\": 4 }").unwrap();
        assert_eq!(got, "{\"B\":4,\"a\":3,\"\u{e000}\":1,\"\u{1F600}\":2}");
    }

    #[test]
    fn floats_keep_their_spelling_class() {
        assert_eq!(canonical_json("[1, 1.0, 1e0, -0, 0.10, 1E21]").unwrap(), "[1,1.0,1.0,-0.0,0.1,1e+21]");
    }

    #[test]
    fn depth_limit_and_errors_are_typed() {
        let deep = "[".repeat(MAX_JSON_DEPTH + 1) + &"]".repeat(MAX_JSON_DEPTH + 1);
        assert_eq!(canonical_json(&deep).unwrap_err().code, ErrorCode::JsonTooDeep);
        let ok = "[".repeat(MAX_JSON_DEPTH) + &"]".repeat(MAX_JSON_DEPTH);
        assert!(canonical_json(&ok).is_ok());
        assert_eq!(canonical_json("1e400").unwrap_err().code, ErrorCode::NumberOutOfRange);
        assert_eq!(canonical_json("{\"a\":}").unwrap_err().code, ErrorCode::InvalidJson);
        assert_eq!(canonical_json("\"\\ud800\"").unwrap_err().code, ErrorCode::InvalidJson);
    }
}
