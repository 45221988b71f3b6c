//! Startup compatibility check: does the database's Awa schema speak this contract?
//!
//! Run [`SCHEMA_CHECK_SQL`] (read-only, safe on any database) and pass its two columns to
//! [`check_schema`]: the schema version must be at least 40 (Awa 0.6.9) and
//! `awa.insert_job_compat` must exist exactly once with exactly the 0.6.9 arguments, names,
//! types and defaults included.

use crate::error::{Error, ErrorCode};

/// `awa.schema_version` of Awa 0.6.9, where this contract starts.
pub const MIN_SCHEMA_VERSION: i32 = 40;
/// Newest schema version known to carry the same contract (hardbyte/awa main, 0.7.0-alpha.1).
pub const MAX_TESTED_SCHEMA_VERSION: i32 = 43;

/// `pg_get_function_arguments` of the one `awa.insert_job_compat` this contract targets.
pub const EXPECTED_FUNCTION_ARGUMENTS: &str = "p_kind text, p_queue text DEFAULT 'default'::text, \
p_args jsonb DEFAULT '{}'::jsonb, p_state awa.job_state DEFAULT 'available'::awa.job_state, \
p_priority smallint DEFAULT 2, p_max_attempts smallint DEFAULT 25, \
p_run_at timestamp with time zone DEFAULT NULL::timestamp with time zone, \
p_metadata jsonb DEFAULT '{}'::jsonb, p_tags text[] DEFAULT ARRAY[]::text[], \
p_unique_key bytea DEFAULT NULL::bytea, p_unique_states bit DEFAULT NULL::\"bit\", \
p_ordering_key bytea DEFAULT NULL::bytea";

/// One row: `schema_version` (int4, NULL without `awa.schema_version`) and
/// `function_arguments` (text, NULL without the function; overloads joined by newlines).
pub const SCHEMA_CHECK_SQL: &str = "SELECT \
CASE WHEN to_regclass('awa.schema_version') IS NULL THEN NULL ELSE \
(xpath('/row/v/text()', query_to_xml('SELECT max(version) AS v FROM awa.schema_version', false, true, '')))[1]::text::int4 \
END AS schema_version, \
(SELECT string_agg(pg_catalog.pg_get_function_arguments(p.oid), E'\\n' ORDER BY p.oid) \
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
WHERE n.nspname = 'awa' AND p.proname = 'insert_job_compat') AS function_arguments";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaStatus {
    pub schema_version: i32,
    /// False above [`MAX_TESTED_SCHEMA_VERSION`]: the function matched, but that schema was
    /// never tested; hosts should warn.
    pub tested: bool,
}

pub fn check_schema(schema_version: Option<i32>, function_arguments: Option<&str>) -> Result<SchemaStatus, Error> {
    let version = schema_version.ok_or_else(|| {
        Error::new(
            ErrorCode::SchemaMissing,
            "schema_version",
            "no Awa schema found (awa.schema_version is missing or empty); run `awa migrate` with Awa >= 0.6.9",
        )
    })?;
    if version < MIN_SCHEMA_VERSION {
        return Err(Error::new(
            ErrorCode::SchemaTooOld,
            "schema_version",
            format!("Awa schema version {version} is older than {MIN_SCHEMA_VERSION} (Awa 0.6.9); run a newer `awa migrate`"),
        ));
    }
    let args = function_arguments.ok_or_else(|| {
        Error::new(
            ErrorCode::FunctionMissing,
            "insert_job_compat",
            format!("schema version {version} has no awa.insert_job_compat function"),
        )
    })?;
    if args != EXPECTED_FUNCTION_ARGUMENTS {
        let overloads = args.lines().count();
        return Err(Error::new(
            ErrorCode::FunctionSignatureMismatch,
            "insert_job_compat",
            format!(
                "awa.insert_job_compat does not match the Awa 0.6.9 contract ({overloads} overload(s)); \
                 expected ({EXPECTED_FUNCTION_ARGUMENTS}), found ({})",
                args.replace('\n', ") and (")
            ),
        ));
    }
    Ok(SchemaStatus { schema_version: version, tested: version <= MAX_TESTED_SCHEMA_VERSION })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interprets_rows() {
        let ok = check_schema(Some(40), Some(EXPECTED_FUNCTION_ARGUMENTS)).unwrap();
        assert!(ok.tested);
        assert!(!check_schema(Some(44), Some(EXPECTED_FUNCTION_ARGUMENTS)).unwrap().tested);
        assert_eq!(check_schema(None, None).unwrap_err().code, ErrorCode::SchemaMissing);
        assert_eq!(check_schema(Some(39), None).unwrap_err().code, ErrorCode::SchemaTooOld);
        assert_eq!(check_schema(Some(40), None).unwrap_err().code, ErrorCode::FunctionMissing);
        let two = format!("{EXPECTED_FUNCTION_ARGUMENTS}\np_kind text");
        assert_eq!(check_schema(Some(40), Some(&two)).unwrap_err().code, ErrorCode::FunctionSignatureMismatch);
    }
}
