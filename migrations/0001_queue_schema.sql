-- sigverify queue schema: jobs, append-only verdicts and job events, workers, enqueue function.
-- Table and column names and the job status values are a public interface: other systems enqueue
-- with sigverify.enqueue_scan(...) and auditors read verdicts and job_events with plain SQL.

CREATE SCHEMA IF NOT EXISTS sigverify;

-- One row per submitted scan. Workers claim queued rows with FOR UPDATE SKIP LOCKED and hold a
-- lease (lease_owner, lease_expires_at) that a heartbeat extends; expired leases are reaped.
CREATE TABLE sigverify.jobs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    image            bytea,                       -- the scan as submitted; NULL once pruned
    image_size       integer,                     -- bytes submitted (kept after pruning)
    image_sha256     bytea,                       -- digest of the submitted bytes (kept after pruning)
    content_type     text,                        -- submitter's hint only; workers sniff magic bytes
    filename         text,
    external_ref     text,                        -- the submitter's own reference
    metadata         jsonb NOT NULL DEFAULT '{}'::jsonb,
    priority         integer NOT NULL DEFAULT 0,  -- lower runs first
    status           text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempts         integer NOT NULL DEFAULT 0,  -- claims so far (incremented when claimed)
    max_attempts     integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    run_after        timestamptz NOT NULL DEFAULT now(),
    lease_owner      text,
    lease_expires_at timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,                 -- first claim
    finished_at      timestamptz,                 -- succeeded, failed or cancelled
    image_pruned_at  timestamptz,
    -- A lease exists exactly while a job runs (so a running job cannot be cancelled behind its
    -- worker's back: use sigverify.cancel_job, which only cancels queued jobs).
    CONSTRAINT jobs_lease_only_while_running
        CHECK ((status = 'running') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
);

-- Scans arrive compressed (PNG/JPEG/TIFF): store them out of line without pglz, which would
-- spend CPU failing to shrink them (enqueueing is ~3x faster this way).
ALTER TABLE sigverify.jobs ALTER COLUMN image SET STORAGE EXTERNAL;

-- The claim query walks this index in (priority, id) order.
CREATE INDEX jobs_queued_idx ON sigverify.jobs (priority, id) WHERE status = 'queued';
CREATE INDEX jobs_running_lease_idx ON sigverify.jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_finished_idx ON sigverify.jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX jobs_external_ref_idx ON sigverify.jobs (external_ref) WHERE external_ref IS NOT NULL;

-- Size and digest are derived from the bytes whichever way a row is inserted.
CREATE FUNCTION sigverify.jobs_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.image_size := octet_length(NEW.image);
        NEW.image_sha256 := sha256(NEW.image);
        NEW.status := 'queued';
        NEW.attempts := 0;
        NEW.lease_owner := NULL;
        NEW.lease_expires_at := NULL;
    ELSE
        NEW.updated_at := now();
        IF NEW.status IN ('succeeded', 'failed', 'cancelled') AND OLD.status NOT IN ('succeeded', 'failed', 'cancelled') THEN
            NEW.finished_at := now();
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER jobs_before_write BEFORE INSERT OR UPDATE ON sigverify.jobs
    FOR EACH ROW EXECUTE FUNCTION sigverify.jobs_before_write();

-- The audit trail: one row per state transition (including the initial 'queued'), append-only.
CREATE TABLE sigverify.job_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      bigint NOT NULL REFERENCES sigverify.jobs (id),
    from_status text,                -- NULL for the insert
    to_status   text NOT NULL,
    attempt     integer NOT NULL,
    worker_id   text,                -- the lease owner involved, if any
    reason      text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_events_job_idx ON sigverify.job_events (job_id, id);

-- Every status change writes its event in the same transaction, whoever makes it (a worker, the
-- reaper, or another system's UPDATE … SET status = 'cancelled').
CREATE FUNCTION sigverify.jobs_record_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO sigverify.job_events (job_id, from_status, to_status, attempt, worker_id, reason)
        VALUES (NEW.id, NULL, NEW.status, NEW.attempts, NULL, 'enqueued');
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO sigverify.job_events (job_id, from_status, to_status, attempt, worker_id, reason)
        VALUES (NEW.id, OLD.status, NEW.status, NEW.attempts,
                coalesce(NEW.lease_owner, OLD.lease_owner),
                CASE
                    WHEN NEW.status = 'running' THEN 'claimed'
                    WHEN NEW.status = 'succeeded' THEN 'verdict recorded'
                    ELSE coalesce(NEW.last_error, NEW.status)
                END);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_record_event AFTER INSERT OR UPDATE OF status ON sigverify.jobs
    FOR EACH ROW EXECUTE FUNCTION sigverify.jobs_record_event();

-- Wake idle workers (LISTEN sigverify_jobs) once per inserting statement.
CREATE FUNCTION sigverify.jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sigverify_jobs', 'queued');
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_notify AFTER INSERT ON sigverify.jobs
    FOR EACH STATEMENT EXECUTE FUNCTION sigverify.jobs_notify();

-- One verdict per successfully processed job, never changed: everything an auditor needs to see
-- why, including the exact 224×224 image the networks saw.
CREATE TABLE sigverify.verdicts (
    id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id                    bigint NOT NULL UNIQUE REFERENCES sigverify.jobs (id),
    model_version             text NOT NULL,
    preprocessing_profile     text NOT NULL,
    reconstruction_error      double precision NOT NULL,
    anomaly_score             double precision NOT NULL,
    classifier_confidence     double precision NOT NULL,
    reconstruction_threshold  double precision NOT NULL,  -- pass when error <= threshold
    anomaly_score_min         double precision NOT NULL,  -- pass when score >= min
    classifier_confidence_min double precision NOT NULL,  -- pass when confidence >= min
    reconstruction_passed     boolean NOT NULL,
    anomaly_passed            boolean NOT NULL,
    classifier_passed         boolean NOT NULL,
    verdict                   text NOT NULL CHECK (verdict IN ('valid', 'invalid')),
    worker_id                 text NOT NULL,
    decode_ms                 double precision NOT NULL,
    preprocess_ms             double precision NOT NULL,
    verify_ms                 double precision NOT NULL,  -- this scan's share of the batched network run
    preprocessed_png          bytea NOT NULL,
    created_at                timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT verdicts_valid_iff_all_passed
        CHECK ((verdict = 'valid') = (reconstruction_passed AND anomaly_passed AND classifier_passed))
);
ALTER TABLE sigverify.verdicts ALTER COLUMN preprocessed_png SET STORAGE EXTERNAL;  -- already deflated
CREATE INDEX verdicts_created_idx ON sigverify.verdicts (created_at);

CREATE FUNCTION sigverify.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'sigverify.% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER verdicts_append_only BEFORE UPDATE OR DELETE ON sigverify.verdicts
    FOR EACH ROW EXECUTE FUNCTION sigverify.refuse_change();
CREATE TRIGGER verdicts_no_truncate BEFORE TRUNCATE ON sigverify.verdicts
    FOR EACH STATEMENT EXECUTE FUNCTION sigverify.refuse_change();
CREATE TRIGGER job_events_append_only BEFORE UPDATE OR DELETE ON sigverify.job_events
    FOR EACH ROW EXECUTE FUNCTION sigverify.refuse_change();
CREATE TRIGGER job_events_no_truncate BEFORE TRUNCATE ON sigverify.job_events
    FOR EACH STATEMENT EXECUTE FUNCTION sigverify.refuse_change();

-- Worker processes and their last heartbeat, for `sigverify status`.
CREATE TABLE sigverify.workers (
    worker_id         text PRIMARY KEY,
    hostname          text NOT NULL,
    pid               integer NOT NULL,
    concurrency       integer NOT NULL,
    model_version     text,
    started_at        timestamptz NOT NULL DEFAULT now(),
    last_heartbeat_at timestamptz NOT NULL DEFAULT now(),
    stopped_at        timestamptz
);

-- The documented way for other systems to submit a scan; returns the job id.
CREATE FUNCTION sigverify.enqueue_scan(
    image        bytea,
    external_ref text DEFAULT NULL,
    metadata     jsonb DEFAULT '{}'::jsonb,
    priority     integer DEFAULT 0,
    filename     text DEFAULT NULL,
    content_type text DEFAULT NULL
) RETURNS bigint LANGUAGE sql AS $$
    INSERT INTO sigverify.jobs (image, external_ref, metadata, priority, filename, content_type)
    VALUES (enqueue_scan.image, enqueue_scan.external_ref, coalesce(enqueue_scan.metadata, '{}'::jsonb),
            coalesce(enqueue_scan.priority, 0), enqueue_scan.filename, enqueue_scan.content_type)
    RETURNING id
$$;

-- Cancels a job that has not started; true when it was queued and is now cancelled.
CREATE FUNCTION sigverify.cancel_job(job_id bigint, reason text DEFAULT 'cancelled')
RETURNS boolean LANGUAGE sql AS $$
    WITH cancelled AS (
        UPDATE sigverify.jobs SET status = 'cancelled', last_error = cancel_job.reason
        WHERE id = cancel_job.job_id AND status = 'queued'
        RETURNING id
    )
    SELECT count(*) > 0 FROM cancelled
$$;
