-- Grants an awa-enqueue producer role needs in canonical mode (Awa 0.6.9), found by scripts/producer-grants.sh
-- (every statement the hosts send: single, duplicate-safe, batch, holder lookup, schema and engine checks).
GRANT USAGE ON SCHEMA awa TO :"role";
GRANT SELECT ON awa.schema_version TO :"role";
GRANT SELECT ON awa.storage_transition_state TO :"role";
GRANT SELECT ON awa.jobs TO :"role";
GRANT SELECT ON awa.job_unique_claims TO :"role";
GRANT SELECT ON awa.runtime_storage_backends TO :"role";
GRANT SELECT ON awa.jobs_hot TO :"role";
GRANT INSERT ON awa.jobs_hot TO :"role";
GRANT USAGE, UPDATE ON SEQUENCE awa.jobs_id_seq TO :"role";
GRANT INSERT ON awa.job_unique_claims TO :"role";
GRANT INSERT ON awa.admin_dirty_queue_marks TO :"role";
GRANT INSERT ON awa.admin_dirty_kind_marks TO :"role";
GRANT SELECT ON awa.scheduled_jobs TO :"role";
GRANT INSERT ON awa.scheduled_jobs TO :"role";
GRANT SELECT ON awa.queue_meta TO :"role";
