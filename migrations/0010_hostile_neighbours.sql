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
--    hanging. Places still follow commit order, and `sigverify audit` is unchanged. (What remains:
--    a writing client may fire its own seals early, SET CONSTRAINTS ALL IMMEDIATE, and then idle in
--    its transaction while holding the lock; the others then fail after 10 s and retry, instead of
--    hanging. Set idle_in_transaction_session_timeout on client logins.) The lock order is job rows
--    first, in id order, then this lock at commit: the worker's write and its heartbeat now lock
--    their job rows ORDER BY id (JobQueue.swift), so they no longer deadlock (40P01).
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
--
-- 4. Enqueuers were not isolated from each other: each read every job, verdict and event and could
--    cancel any queued job. Jobs now record their submitting login (`submitted_by`), and row-level
--    security shows an enqueuer only its own; cancel_job cancels only its own; idempotency keys
--    are per submitter. Workers, auditors and the owner see everything, as before.

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

-- A cancellation's reason becomes the job's last_error and its event's reason: bounded too —
-- `cancel_job` checks it (defined once, with the tenant rule, in section 4).

REVOKE EXECUTE ON FUNCTION sigverify.max_filename_bytes(), sigverify.max_content_type_bytes(),
    sigverify.max_metadata_bytes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sigverify.max_filename_bytes(), sigverify.max_content_type_bytes(),
    sigverify.max_metadata_bytes() TO sigverify_enqueuer, sigverify_worker, sigverify_auditor;

-- 3. Every client may read which schema version it talks to: a binary older than the schema
-- refuses to run (`Migrator.checkSchemaVersion`), and needs the version for that.
GRANT SELECT ON sigverify.schema_migrations TO sigverify_enqueuer, sigverify_worker, sigverify_auditor;

-- 4. Tenant isolation for enqueuers ---------------------------------------------------------------
-- Every job records the login that submitted it (session_user: inside the SECURITY DEFINER submit
-- path current_user is the owner). An enqueuer reads only its own jobs, their verdicts and events,
-- and cancels only its own; workers, auditors and the owner's members see everything. Jobs
-- submitted before this migration have no submitter and stay visible to, and cancellable by, every
-- enqueuer, as they were. Idempotency keys are scoped to the submitter: two clients using the same
-- key (or `sigverify enqueue` of the same file, whose derived key depends on content only) get a
-- job each, and neither learns of the other's.

ALTER TABLE sigverify.jobs ADD COLUMN submitted_by text;
COMMENT ON COLUMN sigverify.jobs.submitted_by IS
    'The login (session_user) that submitted the job; set by the insert trigger, immutable. NULL: submitted before migration 0010.';

CREATE FUNCTION sigverify.jobs_set_submitter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.submitted_by := session_user::text;
    ELSIF NEW.submitted_by IS DISTINCT FROM OLD.submitted_by THEN
        RAISE EXCEPTION 'sigverify.jobs: the submitter of job % is immutable', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER jobs_set_submitter BEFORE INSERT OR UPDATE OF submitted_by ON sigverify.jobs
    FOR EACH ROW EXECUTE FUNCTION sigverify.jobs_set_submitter();

-- One key per submitter (same name as 0009's index, which it replaces).
DROP INDEX sigverify.jobs_idempotency_key_idx;
CREATE UNIQUE INDEX jobs_idempotency_key_idx ON sigverify.jobs ((coalesce(submitted_by, '')), idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- As in 0009, with the key looked up among the caller's own jobs (and those from before 0010).
CREATE OR REPLACE FUNCTION sigverify.submit_scan(
    image           bytea,
    external_ref    text DEFAULT NULL,
    metadata        jsonb DEFAULT '{}'::jsonb,
    priority        integer DEFAULT 0,
    filename        text DEFAULT NULL,
    content_type    text DEFAULT NULL,
    page            integer DEFAULT 0,
    max_attempts    integer DEFAULT NULL,
    idempotency_key text DEFAULT NULL
) RETURNS TABLE (job_id bigint, created boolean) LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
#variable_conflict use_column
DECLARE
    existing record;
BEGIN
    LOOP
        IF submit_scan.idempotency_key IS NOT NULL THEN
            SELECT j.id, j.image_sha256, j.page INTO existing FROM sigverify.jobs j
            WHERE j.idempotency_key = submit_scan.idempotency_key
              AND (j.submitted_by = session_user::text OR j.submitted_by IS NULL)
            ORDER BY j.submitted_by NULLS LAST
            LIMIT 1;
            IF FOUND THEN
                IF existing.image_sha256 IS DISTINCT FROM sha256(submit_scan.image)
                   OR existing.page IS DISTINCT FROM coalesce(submit_scan.page, 0) THEN
                    RAISE EXCEPTION 'idempotency key "%" already names job %, a different scan (other bytes or page); a key names one scan',
                            submit_scan.idempotency_key, existing.id
                        USING ERRCODE = 'unique_violation', CONSTRAINT = 'jobs_idempotency_key_idx',
                              HINT = 'use a new key for new content';
                END IF;
                job_id := existing.id;
                created := false;
                RETURN NEXT;
                RETURN;
            END IF;
        END IF;
        INSERT INTO sigverify.jobs AS j (image, external_ref, metadata, priority, filename, content_type, page,
                                         max_attempts, idempotency_key)
        VALUES (submit_scan.image, submit_scan.external_ref, coalesce(submit_scan.metadata, '{}'::jsonb),
                coalesce(submit_scan.priority, 0), submit_scan.filename, submit_scan.content_type,
                coalesce(submit_scan.page, 0), coalesce(submit_scan.max_attempts, 5), submit_scan.idempotency_key)
        ON CONFLICT ((coalesce(submitted_by, '')), idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING j.id INTO job_id;
        IF job_id IS NOT NULL THEN
            created := true;
            RETURN NEXT;
            RETURN;
        END IF;
    END LOOP;
END $$;

-- Cancelling only the caller's own jobs (or ones from before 0010), with its reason bounded; the
-- owner's members may cancel any.
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
    WHERE j.id = cancel_job.job_id AND j.status = 'queued'
      AND (j.submitted_by = session_user::text OR j.submitted_by IS NULL
           OR pg_has_role(session_user, 'sigverify_owner', 'MEMBER'));
    GET DIAGNOSTICS cancelled = ROW_COUNT;
    RETURN cancelled > 0;
END $$;

-- Row-level security. The table owner (sigverify_owner, so every SECURITY DEFINER function) and
-- superusers bypass it; the owner's members who log in as themselves (`migrate`, `prune`) get
-- everything through their own policy.
ALTER TABLE sigverify.jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE sigverify.verdicts ENABLE ROW LEVEL SECURITY;
ALTER TABLE sigverify.job_events ENABLE ROW LEVEL SECURITY;

CREATE POLICY enqueuer_own_jobs ON sigverify.jobs FOR SELECT TO sigverify_enqueuer
    USING (submitted_by = session_user::text OR submitted_by IS NULL);
CREATE POLICY worker_all_jobs ON sigverify.jobs FOR ALL TO sigverify_worker USING (true) WITH CHECK (true);
CREATE POLICY auditor_all_jobs ON sigverify.jobs FOR SELECT TO sigverify_auditor USING (true);
CREATE POLICY owner_all_jobs ON sigverify.jobs FOR ALL TO sigverify_owner USING (true) WITH CHECK (true);

-- A verdict or event is visible with its job (the jobs policy applies inside the subquery).
CREATE POLICY enqueuer_own_verdicts ON sigverify.verdicts FOR SELECT TO sigverify_enqueuer
    USING (EXISTS (SELECT FROM sigverify.jobs j WHERE j.id = verdicts.job_id));
CREATE POLICY auditor_all_verdicts ON sigverify.verdicts FOR SELECT TO sigverify_auditor USING (true);
CREATE POLICY owner_all_verdicts ON sigverify.verdicts FOR ALL TO sigverify_owner USING (true) WITH CHECK (true);
CREATE POLICY enqueuer_own_events ON sigverify.job_events FOR SELECT TO sigverify_enqueuer
    USING (EXISTS (SELECT FROM sigverify.jobs j WHERE j.id = job_events.job_id));
CREATE POLICY auditor_all_events ON sigverify.job_events FOR SELECT TO sigverify_auditor USING (true);
CREATE POLICY owner_all_events ON sigverify.job_events FOR ALL TO sigverify_owner USING (true) WITH CHECK (true);

-- Views run with their owner's rights unless told otherwise, which would show an enqueuer every
-- tenant's rows through recent_verdicts or queue_depth: from now on they run with the reader's.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'sigverify' AND c.relkind = 'v'
    LOOP
        EXECUTE format('ALTER VIEW sigverify.%I SET (security_invoker = true)', r.relname);
    END LOOP;
END $$;

REVOKE EXECUTE ON FUNCTION sigverify.jobs_set_submitter() FROM PUBLIC;
