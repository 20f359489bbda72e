-- Hostile neighbours (issue 19): what one client could do to everyone else.
--
-- 1. The audit chain (0007) serialised its sealing with pg_advisory_xact_lock(7594136274205470776).
--    Advisory locks belong to nobody: any login could `SELECT pg_advisory_lock(7594136274205470776)`
--    and every enqueue, claim and verdict then waited at commit — where statement_timeout does not
--    reach — for as long as it liked. From here on the chain's lock is a row lock on the one row of
--    sigverify.chain_lock, which no client role may lock: only the SECURITY DEFINER
--    sealing path (chain_append, running as sigverify_owner) takes it. Waiting for it is bounded
--    (lock_timeout 10 s inside chain_append): a seal that cannot get the lock fails its transaction
--    with SQLSTATE 55P03 and a message saying so, which every client treats as "retry", instead of
--    hanging. Places still follow commit order, and `sigverify audit` is unchanged.
--
-- 2. Submitted strings had no length limits (a 200 MB filename, 100 MB of metadata). New rows are
--    now checked at the door, like external_ref (0009), by the submission trigger — so every
--    client gets the same refusal, SQLSTATE 23514 naming the column and the limit: filename at most
--    1024 bytes, content_type 255 bytes, metadata 64 KiB as JSON text, and a cancellation's reason
--    1024 bytes. A trigger, not a CHECK constraint (see 0005): rows stored before stay readable and
--    claimable; readers bound what they fetch of them instead.
--
-- 3. Every client role may read sigverify.schema_migrations, so that a binary older than the
--    schema can see that it is and refuse to run.

-- 1. The chain's lock ------------------------------------------------------------------------------

CREATE TABLE sigverify.chain_lock (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row)
);
COMMENT ON TABLE sigverify.chain_lock IS
    'One row, locked FOR UPDATE by sigverify.chain_append while a transaction seals its rows into the audit chain. No client role can lock it (the auditor may read it).';
INSERT INTO sigverify.chain_lock DEFAULT VALUES;
-- Nobody but the owner may lock it: FOR UPDATE / FOR SHARE and LOCK TABLE (beyond ACCESS SHARE,
-- which conflicts with nothing a seal takes) need UPDATE, DELETE or TRUNCATE, which no client role
-- holds. The auditor keeps the SELECT the default privileges of 0008 give it (auditors read every
-- table; a SELECT cannot lock the row); enqueuers and workers get nothing.
REVOKE ALL ON sigverify.chain_lock FROM PUBLIC, sigverify_enqueuer, sigverify_worker, sigverify_auditor;
GRANT SELECT ON sigverify.chain_lock TO sigverify_auditor;

-- As in 0007, except for the lock: the row lock above, bounded by lock_timeout (the function's own
-- setting, whatever the caller set). The first seal of a transaction takes it without a
-- subtransaction when it is free; only a contended one waits, inside a block that turns the
-- timeout into a readable message (same SQLSTATE, 55P03). Later seals of the same transaction find
-- the row already theirs.
CREATE OR REPLACE FUNCTION sigverify.chain_append(table_name text, row_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, sigverify, pg_temp SET TimeZone = 'UTC' SET extra_float_digits = 1
SET lock_timeout = '10s' AS $$
DECLARE
    head_seq  bigint;
    head_hash bytea;
    row_json  jsonb;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'sigverify: verdicts and job events are written only in READ COMMITTED transactions (the audit chain needs the latest head)'
            USING ERRCODE = 'feature_not_supported';
    END IF;
    PERFORM FROM sigverify.chain_lock FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        BEGIN
            PERFORM FROM sigverify.chain_lock FOR UPDATE;
        EXCEPTION WHEN lock_not_available THEN
            RAISE EXCEPTION 'sigverify: could not seal this transaction''s rows into the audit chain: another transaction held the chain lock for over % (transient: retry the transaction)',
                    current_setting('lock_timeout')
                USING ERRCODE = 'lock_not_available',
                      HINT = 'the chain lock is a row lock on sigverify.chain_lock, held only while a transaction commits';
        END;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'sigverify: the row of sigverify.chain_lock is missing; the audit chain cannot be sealed (restore it: INSERT INTO sigverify.chain_lock DEFAULT VALUES)'
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
    END IF;
    SELECT h.chain_seq, h.chain_hash INTO head_seq, head_hash FROM (
        (SELECT v.chain_seq, v.chain_hash FROM sigverify.verdicts v WHERE v.chain_seq IS NOT NULL ORDER BY v.chain_seq DESC LIMIT 1)
        UNION ALL
        (SELECT e.chain_seq, e.chain_hash FROM sigverify.job_events e WHERE e.chain_seq IS NOT NULL ORDER BY e.chain_seq DESC LIMIT 1)
    ) h ORDER BY h.chain_seq DESC LIMIT 1;
    EXECUTE format('SELECT to_jsonb(t) FROM sigverify.%I t WHERE t.id = $1', table_name) INTO row_json USING row_id;
    head_seq := coalesce(head_seq, 0) + 1;
    head_hash := sha256(coalesce(head_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
                        || convert_to(table_name || ':' || head_seq || ':' || sigverify.chain_content(row_json), 'UTF8'));
    EXECUTE format('UPDATE sigverify.%I SET chain_seq = $1, chain_hash = $2 WHERE id = $3', table_name)
        USING head_seq, head_hash, row_id;
END $$;

-- 2. Limits at the door ---------------------------------------------------------------------------

CREATE FUNCTION sigverify.max_filename_bytes() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 1024 $$;
CREATE FUNCTION sigverify.max_content_type_bytes() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 255 $$;
CREATE FUNCTION sigverify.max_metadata_bytes() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 65536 $$;
COMMENT ON FUNCTION sigverify.max_filename_bytes() IS
    'Longest filename sigverify.jobs accepts, in bytes (1024); also the longest cancellation reason.';
COMMENT ON FUNCTION sigverify.max_content_type_bytes() IS 'Longest content_type sigverify.jobs accepts, in bytes (255).';
COMMENT ON FUNCTION sigverify.max_metadata_bytes() IS
    'Largest metadata sigverify.jobs accepts, in bytes of its JSON text (65536, 64 KiB).';

-- 0009's checks, then the new ones. Lengths are measured before anything else is done with the
-- values (a 100 MB metadata is refused after one pass over it).
CREATE OR REPLACE FUNCTION sigverify.jobs_check_submission() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    size bigint;
BEGIN
    size := octet_length(NEW.filename);
    IF size > sigverify.max_filename_bytes() THEN
        RAISE EXCEPTION 'scan refused: filename is % bytes, over the limit of % bytes', size, sigverify.max_filename_bytes()
            USING ERRCODE = 'check_violation', CONSTRAINT = 'jobs_filename_length';
    END IF;
    size := octet_length(NEW.content_type);
    IF size > sigverify.max_content_type_bytes() THEN
        RAISE EXCEPTION 'scan refused: content_type is % bytes, over the limit of % bytes', size, sigverify.max_content_type_bytes()
            USING ERRCODE = 'check_violation', CONSTRAINT = 'jobs_content_type_length';
    END IF;
    size := octet_length(NEW.metadata::text);
    IF size > sigverify.max_metadata_bytes() THEN
        RAISE EXCEPTION 'scan refused: metadata is % bytes as JSON text, over the limit of % bytes (64 KiB)', size, sigverify.max_metadata_bytes()
            USING ERRCODE = 'check_violation', CONSTRAINT = 'jobs_metadata_size';
    END IF;
    IF jsonb_typeof(NEW.metadata) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'scan refused: metadata must be a JSON object, not %', coalesce(jsonb_typeof(NEW.metadata), 'NULL')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'jobs_metadata_object',
                  HINT = 'pass e.g. {"batch": "2026-11"}, or {} for none';
    END IF;
    IF octet_length(NEW.external_ref) > sigverify.max_reference_bytes() THEN
        RAISE EXCEPTION 'scan refused: external_ref is % bytes, over the limit of % bytes',
                octet_length(NEW.external_ref), sigverify.max_reference_bytes()
            USING ERRCODE = 'check_violation', CONSTRAINT = 'jobs_external_ref_length';
    END IF;
    IF octet_length(NEW.idempotency_key) > sigverify.max_reference_bytes() THEN
        RAISE EXCEPTION 'scan refused: idempotency_key is % bytes, over the limit of % bytes',
                octet_length(NEW.idempotency_key), sigverify.max_reference_bytes()
            USING ERRCODE = 'check_violation', CONSTRAINT = 'jobs_idempotency_key_length';
    END IF;
    IF NEW.idempotency_key = '' THEN
        RAISE EXCEPTION 'scan refused: idempotency_key is empty (pass NULL for none)'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'jobs_idempotency_key_length';
    END IF;
    RETURN NEW;
END $$;

-- A cancellation's reason becomes the job's last_error and its event's reason: bounded too.
CREATE OR REPLACE FUNCTION sigverify.cancel_job(job_id bigint, reason text DEFAULT 'cancelled')
RETURNS boolean LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
DECLARE
    cancelled integer;
BEGIN
    IF octet_length(cancel_job.reason) > sigverify.max_filename_bytes() THEN
        RAISE EXCEPTION 'cancellation refused: reason is % bytes, over the limit of % bytes',
                octet_length(cancel_job.reason), sigverify.max_filename_bytes()
            USING ERRCODE = 'check_violation', CONSTRAINT = 'jobs_cancel_reason_length';
    END IF;
    UPDATE sigverify.jobs j SET status = 'cancelled', last_error = cancel_job.reason
    WHERE j.id = cancel_job.job_id AND j.status = 'queued';
    GET DIAGNOSTICS cancelled = ROW_COUNT;
    RETURN cancelled > 0;
END $$;

REVOKE EXECUTE ON FUNCTION sigverify.max_filename_bytes(), sigverify.max_content_type_bytes(),
    sigverify.max_metadata_bytes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sigverify.max_filename_bytes(), sigverify.max_content_type_bytes(),
    sigverify.max_metadata_bytes() TO sigverify_enqueuer, sigverify_worker, sigverify_auditor;

-- 3. Every client may read which schema version it talks to: a binary older than the schema
-- refuses to run (`Migrator.checkSchemaVersion`), and needs the version for that.
GRANT SELECT ON sigverify.schema_migrations TO sigverify_enqueuer, sigverify_worker, sigverify_auditor;
