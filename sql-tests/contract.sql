-- Contract suite for awa.insert_job_compat (Awa 0.6.9 schema). Output is diffed against
-- contract.<mode>.expected: any change in what is pinned here shows up as a diff line.
\set VERBOSITY default
\pset footer off
\pset null '<null>'
SET TimeZone = 'UTC';

\echo '## schema version (>= 40)'
SELECT max(version) >= 40 AS at_least_40, max(version) AS version FROM awa.schema_version;

\echo '## exactly one overload, its arguments, result type and attributes'
SELECT count(*) AS overloads FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'awa' AND p.proname = 'insert_job_compat';
SELECT pg_get_function_arguments(p.oid) AS arguments, pg_get_function_result(p.oid) AS result,
       l.lanname AS language, p.provolatile AS volatility, p.prosecdef AS security_definer, p.proretset AS returns_set
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
 WHERE n.nspname = 'awa' AND p.proname = 'insert_job_compat';
SELECT to_regprocedure('awa.insert_job_compat(text,text,jsonb,awa.job_state,smallint,smallint,timestamptz,jsonb,text[],bytea,bit,bytea)') IS NOT NULL AS exact_signature_present;

\echo '## returned row type: awa.jobs columns'
SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_attribute a WHERE a.attrelid = 'awa.jobs'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum;

\echo '## awa.job_state values in order'
SELECT enumsortorder, enumlabel FROM pg_enum WHERE enumtypid = 'awa.job_state'::regtype ORDER BY enumsortorder;

\echo '## validation SQLSTATEs'
CREATE FUNCTION pg_temp.sqlstate_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'ok';
EXCEPTION WHEN others THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
BEGIN;
SELECT label, pg_temp.sqlstate_of(sql) AS outcome FROM (VALUES
  ('kind 201 chars', $q$SELECT awa.insert_job_compat(repeat('k', 201))$q$),
  ('kind 200 chars', $q$SELECT awa.insert_job_compat(repeat('é', 200), p_run_at => now() + interval '1 day')$q$),
  ('queue 201 chars', $q$SELECT awa.insert_job_compat('k', repeat('q', 201))$q$),
  ('priority 0', $q$SELECT awa.insert_job_compat('k', p_priority => 0::smallint)$q$),
  ('priority 5', $q$SELECT awa.insert_job_compat('k', p_priority => 5::smallint)$q$),
  ('max_attempts 0', $q$SELECT awa.insert_job_compat('k', p_max_attempts => 0::smallint)$q$),
  ('max_attempts 1001', $q$SELECT awa.insert_job_compat('k', p_max_attempts => 1001::smallint)$q$),
  ('21 tags', $q$SELECT awa.insert_job_compat('k', p_tags => array_fill('t'::text, ARRAY[21]))$q$),
  ('NULL kind', $q$SELECT awa.insert_job_compat(NULL)$q$),
  ('int4 priority', $q$SELECT awa.insert_job_compat('k', 'default', '{}'::jsonb, 'available', 2, 25)$q$),
  ('text unique_states', $q$SELECT awa.insert_job_compat('k', p_unique_key => '\x00'::bytea, p_unique_states => '11111000'::text)$q$),
  ('NUL in args', $q$SELECT awa.insert_job_compat('k', p_args => '{"a":"\u0000"}'::jsonb)$q$),
  ('60-byte queue, scheduled', $q$SELECT awa.insert_job_compat('k', repeat('q', 60), p_state => 'scheduled', p_run_at => now() + interval '1 day')$q$),
  ('60-byte queue, available now', $q$SELECT awa.insert_job_compat('k', repeat('q', 60), p_run_at => now() - interval '1 second')$q$),
  ('initial state running', $q$SELECT awa.insert_job_compat('k', p_state => 'running')$q$)
) AS t(label, sql);
ROLLBACK;

\echo '## defaults, state from run_at, unique columns'
BEGIN;
SELECT kind, queue, args, state, priority, max_attempts, attempt, metadata, tags, unique_key, unique_states,
       run_at > now() - interval '1 minute' AS run_at_recent
  FROM awa.insert_job_compat('defaults_only');
SELECT kind, queue, args, state, priority, max_attempts, run_at, metadata, tags, encode(unique_key, 'hex') AS unique_key, unique_states
  FROM awa.insert_job_compat('k', 'q1', '{"b":1,"a":[1.0,1e21,-0.0]}', 'scheduled', 4::smallint, 3::smallint,
       '2030-01-02T03:04:05.123456Z', '{"m":1}', ARRAY['x','y'], '\x0102'::bytea, '11111000'::text::bit(8), NULL);
ROLLBACK;

\echo '## duplicate: 23505 on idx_awa_jobs_unique, even with another kind/queue'
BEGIN;
SELECT state FROM awa.insert_job_compat('dup', p_unique_key => '\xaa'::bytea, p_unique_states => B'11111000');
SELECT pg_temp.sqlstate_of($q$SELECT awa.insert_job_compat('other_kind', 'other_queue', p_unique_key => '\xaa'::bytea, p_unique_states => B'11111000')$q$) AS second_insert;
SELECT pg_temp.sqlstate_of($q$SELECT awa.insert_job_compat('dup', p_unique_key => '\xbb'::bytea)$q$) AS key_without_states;
SELECT pg_temp.sqlstate_of($q$SELECT awa.insert_job_compat('dup', p_unique_key => '\xbb'::bytea)$q$) AS key_without_states_again;
SELECT pg_temp.sqlstate_of($q$SELECT awa.insert_job_compat('dup', p_unique_key => '\xcc'::bytea, p_unique_states => B'00011111')$q$) AS msb_first_mask_no_claim_1;
SELECT pg_temp.sqlstate_of($q$SELECT awa.insert_job_compat('dup', p_unique_key => '\xcc'::bytea, p_unique_states => B'00011111')$q$) AS msb_first_mask_no_claim_2;
ROLLBACK;

\echo '## NOTIFY on commit (LISTEN "awa:contract_q")'
LISTEN "awa:contract_q";
BEGIN;
SELECT state FROM awa.insert_job_compat('notify_default', 'contract_q');
SELECT state FROM awa.insert_job_compat('notify_past', 'contract_q', p_run_at => now() - interval '1 second', p_state => 'available');
\echo '-- committing'
COMMIT;
SELECT 1 AS after_commit;
UNLISTEN *;
DELETE FROM awa.jobs WHERE queue = 'contract_q';
