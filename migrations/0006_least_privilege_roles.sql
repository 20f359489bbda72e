-- Least-privilege roles (issue 12). Until now every client connected as the tables' owner, who can
-- switch the append-only triggers off, and the audit trigger ran with the caller's rights, so an
-- enqueuing client needed INSERT on job_events (and could forge events). From here on:
--   sigverify_enqueuer  submits and cancels through functions, reads jobs, verdicts and events;
--   sigverify_worker    claims, heartbeats, fails jobs, and records verdicts through a function;
--   sigverify_auditor   reads everything, writes nothing.
-- Clients log in as members of these NOLOGIN group roles; only the operator who runs
-- `sigverify migrate` owns the schema. Every write to verdicts and job_events happens inside a
-- SECURITY DEFINER function with a fixed search_path, so no client role holds INSERT on them.

-- Roles are cluster-wide: several databases of one cluster share them, and two of them may be
-- migrated at once (the advisory lock is per database), so a concurrent creation is not an error.
DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['sigverify_enqueuer', 'sigverify_worker', 'sigverify_auditor'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- created meanwhile by a migration of another database
            END;
        END IF;
    END LOOP;
END $$;

-- A verdict names the exact bytes it judged: the SHA-256 of the job's scan at the moment the
-- verdict was written (scan columns are immutable from now on, see below). NULL only for verdicts
-- written before this migration.
ALTER TABLE sigverify.verdicts ADD COLUMN image_sha256 bytea;

-- What was submitted stays what was submitted: the scan and what the submitter said about it.
-- The bytes may only be dropped (image → NULL, `sigverify prune`), and only once the job is
-- finished, so a worker always judges the bytes whose digest its verdict records.
CREATE FUNCTION sigverify.jobs_scan_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.image IS DISTINCT FROM OLD.image
       AND NOT (NEW.image IS NULL AND OLD.status IN ('succeeded', 'failed', 'cancelled')) THEN
        RAISE EXCEPTION 'sigverify.jobs: the scan of job % is immutable (only a finished job''s image may be pruned to NULL)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.image_size, NEW.image_sha256, NEW.page, NEW.filename, NEW.content_type, NEW.external_ref, NEW.metadata)
       IS DISTINCT FROM
       (OLD.image_size, OLD.image_sha256, OLD.page, OLD.filename, OLD.content_type, OLD.external_ref, OLD.metadata) THEN
        RAISE EXCEPTION 'sigverify.jobs: what was submitted with job % is immutable', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

-- Only for updates that name these columns: comparing unchanged scans on every claim would read
-- them all from TOAST. Named to fire after jobs_check_image (triggers fire in name order), whose
-- refusal of an empty or oversized image keeps its own message.
CREATE TRIGGER jobs_scan_immutable
    BEFORE UPDATE OF image, image_size, image_sha256, page, filename, content_type, external_ref, metadata
    ON sigverify.jobs
    FOR EACH ROW EXECUTE FUNCTION sigverify.jobs_scan_immutable();

-- A job is `succeeded` only with its verdict, and a finished job stays finished: a role that may
-- move jobs between states (a worker) cannot mark one judged without judging it, nor reopen one.
CREATE FUNCTION sigverify.jobs_status_guard() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
BEGIN
    IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
        RETURN NEW;
    END IF;
    IF OLD.status IN ('succeeded', 'failed', 'cancelled') THEN
        RAISE EXCEPTION 'sigverify.jobs: job % is % and stays so', OLD.id, OLD.status
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.status = 'succeeded' AND NOT EXISTS (SELECT FROM sigverify.verdicts v WHERE v.job_id = NEW.id) THEN
        RAISE EXCEPTION 'sigverify.jobs: job % cannot succeed without a verdict (sigverify.record_verdict)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER jobs_status_guard BEFORE UPDATE OF status ON sigverify.jobs
    FOR EACH ROW EXECUTE FUNCTION sigverify.jobs_status_guard();

-- The audit trigger writes job_events with its owner's rights: no client needs INSERT on it.
ALTER FUNCTION sigverify.jobs_record_event() SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp;

-- The one way a verdict is written: only for a job that is `running` under `worker_id`'s lease for
-- this `attempt`; the job becomes `succeeded` in the same transaction and the verdict records the
-- SHA-256 of the job's scan. Returns the job id, or NULL when the lease is not (or no longer) held,
-- in which case nothing is written.
CREATE FUNCTION sigverify.record_verdict(
    job_id                    bigint,
    attempt                   integer,
    worker_id                 text,
    model_version             text,
    preprocessing_profile     text,
    reconstruction_error      double precision,
    anomaly_score             double precision,
    classifier_confidence     double precision,
    reconstruction_threshold  double precision,
    anomaly_score_min         double precision,
    classifier_confidence_min double precision,
    reconstruction_passed     boolean,
    anomaly_passed            boolean,
    classifier_passed         boolean,
    verdict                   text,
    decode_ms                 double precision,
    preprocess_ms             double precision,
    verify_ms                 double precision,
    preprocessed_png          bytea
) RETURNS bigint LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
DECLARE
    scan_sha256 bytea;
BEGIN
    SELECT j.image_sha256 INTO scan_sha256 FROM sigverify.jobs j
    WHERE j.id = record_verdict.job_id AND j.status = 'running'
      AND j.lease_owner = record_verdict.worker_id AND j.attempts = record_verdict.attempt
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    INSERT INTO sigverify.verdicts (job_id, model_version, preprocessing_profile, reconstruction_error,
        anomaly_score, classifier_confidence, reconstruction_threshold, anomaly_score_min,
        classifier_confidence_min, reconstruction_passed, anomaly_passed, classifier_passed, verdict,
        worker_id, decode_ms, preprocess_ms, verify_ms, preprocessed_png, image_sha256)
    VALUES (record_verdict.job_id, record_verdict.model_version, record_verdict.preprocessing_profile,
        record_verdict.reconstruction_error, record_verdict.anomaly_score, record_verdict.classifier_confidence,
        record_verdict.reconstruction_threshold, record_verdict.anomaly_score_min,
        record_verdict.classifier_confidence_min, record_verdict.reconstruction_passed,
        record_verdict.anomaly_passed, record_verdict.classifier_passed, record_verdict.verdict,
        record_verdict.worker_id, record_verdict.decode_ms, record_verdict.preprocess_ms,
        record_verdict.verify_ms, record_verdict.preprocessed_png, scan_sha256);
    UPDATE sigverify.jobs j SET status = 'succeeded', lease_owner = NULL, lease_expires_at = NULL, last_error = NULL
    WHERE j.id = record_verdict.job_id;
    RETURN record_verdict.job_id;
END $$;

-- Submission and cancellation run with the owner's rights, so an enqueuing client needs no table
-- privilege at all. enqueue_scan gains max_attempts (NULL: the table's default of 5), so
-- `sigverify enqueue` submits through it too.
DROP FUNCTION sigverify.enqueue_scan(bytea, text, jsonb, integer, text, text, integer);
CREATE FUNCTION sigverify.enqueue_scan(
    image        bytea,
    external_ref text DEFAULT NULL,
    metadata     jsonb DEFAULT '{}'::jsonb,
    priority     integer DEFAULT 0,
    filename     text DEFAULT NULL,
    content_type text DEFAULT NULL,
    page         integer DEFAULT 0,
    max_attempts integer DEFAULT NULL
) RETURNS bigint LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
    INSERT INTO sigverify.jobs (image, external_ref, metadata, priority, filename, content_type, page, max_attempts)
    VALUES (enqueue_scan.image, enqueue_scan.external_ref, coalesce(enqueue_scan.metadata, '{}'::jsonb),
            coalesce(enqueue_scan.priority, 0), enqueue_scan.filename, enqueue_scan.content_type,
            coalesce(enqueue_scan.page, 0), coalesce(enqueue_scan.max_attempts, 5))
    RETURNING id
$$;
COMMENT ON FUNCTION sigverify.enqueue_scan(bytea, text, jsonb, integer, text, text, integer, integer) IS
    'Submit one scan; returns the job id. page: which page of a multi-page TIFF to verify (0-based); max_attempts: NULL for 5.';

ALTER FUNCTION sigverify.cancel_job(bigint, text) SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp;

-- Grants: nothing for PUBLIC, then exactly what each role's statements need. (PUBLIC's EXECUTE on
-- functions that later migrations create is granted by PostgreSQL's global default, which a
-- per-schema default cannot take back: each such migration revokes it itself. Without USAGE on
-- the schema, PUBLIC could not call them anyway.)
REVOKE ALL ON SCHEMA sigverify FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA sigverify FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA sigverify FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA sigverify FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA sigverify GRANT SELECT ON TABLES TO sigverify_auditor;
GRANT USAGE ON SCHEMA sigverify TO sigverify_enqueuer, sigverify_worker, sigverify_auditor;
GRANT EXECUTE ON FUNCTION sigverify.max_scan_bytes() TO sigverify_enqueuer, sigverify_worker, sigverify_auditor;

GRANT EXECUTE ON FUNCTION sigverify.enqueue_scan(bytea, text, jsonb, integer, text, text, integer, integer),
                          sigverify.cancel_job(bigint, text)
    TO sigverify_enqueuer;
GRANT SELECT ON sigverify.jobs, sigverify.verdicts, sigverify.job_events, sigverify.queue_depth,
                sigverify.recent_verdicts
    TO sigverify_enqueuer;

-- The worker's statements (JobQueue.swift): claim, fetch, fail, reap and heartbeat are UPDATEs of
-- these job columns; its own row in workers; verdicts only through record_verdict.
GRANT SELECT ON sigverify.jobs TO sigverify_worker;
GRANT UPDATE (status, attempts, lease_owner, lease_expires_at, started_at, last_error, run_after)
    ON sigverify.jobs TO sigverify_worker;
GRANT SELECT, INSERT ON sigverify.workers TO sigverify_worker;
GRANT UPDATE (last_heartbeat_at, stopped_at) ON sigverify.workers TO sigverify_worker;
GRANT SELECT ON sigverify.queue_depth TO sigverify_worker;
GRANT EXECUTE ON FUNCTION sigverify.record_verdict(bigint, integer, text, text, text, double precision,
    double precision, double precision, double precision, double precision, double precision, boolean, boolean,
    boolean, text, double precision, double precision, double precision, bytea)
    TO sigverify_worker;

GRANT SELECT ON ALL TABLES IN SCHEMA sigverify TO sigverify_auditor;
