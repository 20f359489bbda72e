-- Idempotent submission and checks at the door (issue 13). A retried submission (a network error
-- after the commit, an interrupted `sigverify enqueue` run again) used to create a second job for
-- the same scan. From here on a submission may carry an idempotency key: the first submission with
-- a key creates the job, every later one returns that job's id and creates nothing. Scope: one key
-- names one job in this database for good (queued, running or finished, pruned or not); a key that
-- comes back with other bytes or another page is a caller bug and is refused, never silently
-- mapped onto the other scan's job.
--
-- New rows are also checked for what used to fail late or obscurely: `metadata` must be a JSON
-- object (it was accepted as `[1]` or `"x"`), and `external_ref` / `idempotency_key` at most 1024
-- bytes (a longer `external_ref` failed with the btree's "index row size exceeds maximum").

ALTER TABLE sigverify.jobs ADD COLUMN idempotency_key text;
COMMENT ON COLUMN sigverify.jobs.idempotency_key IS
    'The submitter''s idempotency key (unique; NULL: none). `sigverify enqueue` uses sigverify.scan_idempotency_key.';

CREATE UNIQUE INDEX jobs_idempotency_key_idx ON sigverify.jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;

-- The limit on indexed text columns, in bytes (UTF-8), in one place.
CREATE FUNCTION sigverify.max_reference_bytes() RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT 1024
$$;
COMMENT ON FUNCTION sigverify.max_reference_bytes() IS
    'Longest external_ref and idempotency_key sigverify.jobs accepts, in bytes (1024).';

-- Checks a new row's submitter-given fields. A trigger on INSERT, not a CHECK constraint, for the
-- reason 0005 gives: a CHECK would also be enforced on every claim's UPDATE of an older row.
-- Named to fire after jobs_check_image (BEFORE triggers fire in name order).
CREATE FUNCTION sigverify.jobs_check_submission() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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

CREATE TRIGGER jobs_check_submission BEFORE INSERT ON sigverify.jobs
    FOR EACH ROW EXECUTE FUNCTION sigverify.jobs_check_submission();

-- The key stays what was submitted, like the other submitted columns (0006).
CREATE FUNCTION sigverify.jobs_key_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'sigverify.jobs: the idempotency key of job % is immutable', OLD.id
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER jobs_key_immutable BEFORE UPDATE OF idempotency_key ON sigverify.jobs
    FOR EACH ROW WHEN (NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key)
    EXECUTE FUNCTION sigverify.jobs_key_immutable();

-- The key `sigverify enqueue` derives when none is given: the scan's bytes, the page and the
-- external_ref, hashed (so the key is 71 bytes however long the reference).
CREATE FUNCTION sigverify.scan_idempotency_key(image bytea, page integer, external_ref text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT 'sha256:' || encode(sha256(sha256(scan_idempotency_key.image)
        || convert_to(coalesce(scan_idempotency_key.page, 0) || ':' || coalesce(scan_idempotency_key.external_ref, ''), 'UTF8')), 'hex')
$$;

-- Submits one scan, or finds the job its idempotency key already names: (job_id, created). The key
-- is looked up first, so a re-run draws no ids; concurrent submissions of one new key wait for each
-- other on the unique index, and the loser finds the winner's job on its second pass.
CREATE FUNCTION sigverify.submit_scan(
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
            WHERE j.idempotency_key = submit_scan.idempotency_key;
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
        ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING j.id INTO job_id;
        IF job_id IS NOT NULL THEN
            created := true;
            RETURN NEXT;
            RETURN;
        END IF;
    END LOOP;
END $$;
COMMENT ON FUNCTION sigverify.submit_scan(bytea, text, jsonb, integer, text, text, integer, integer, text) IS
    'Submit one scan; returns (job_id, created). With an idempotency_key already used for the same bytes and page: that job, created = false.';

-- enqueue_scan keeps its name and its bigint result and gains idempotency_key.
DROP FUNCTION sigverify.enqueue_scan(bytea, text, jsonb, integer, text, text, integer, integer);
CREATE FUNCTION sigverify.enqueue_scan(
    image           bytea,
    external_ref    text DEFAULT NULL,
    metadata        jsonb DEFAULT '{}'::jsonb,
    priority        integer DEFAULT 0,
    filename        text DEFAULT NULL,
    content_type    text DEFAULT NULL,
    page            integer DEFAULT 0,
    max_attempts    integer DEFAULT NULL,
    idempotency_key text DEFAULT NULL
) RETURNS bigint LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
    SELECT s.job_id FROM sigverify.submit_scan(enqueue_scan.image, enqueue_scan.external_ref, enqueue_scan.metadata,
        enqueue_scan.priority, enqueue_scan.filename, enqueue_scan.content_type, enqueue_scan.page,
        enqueue_scan.max_attempts, enqueue_scan.idempotency_key) s
$$;
COMMENT ON FUNCTION sigverify.enqueue_scan(bytea, text, jsonb, integer, text, text, integer, integer, text) IS
    'Submit one scan; returns the job id. page: which page of a multi-page TIFF to verify (0-based); max_attempts: NULL for 5; idempotency_key: a repeated key returns the existing job.';

REVOKE EXECUTE ON FUNCTION sigverify.max_reference_bytes(), sigverify.jobs_check_submission(), sigverify.jobs_key_immutable(),
    sigverify.scan_idempotency_key(bytea, integer, text),
    sigverify.submit_scan(bytea, text, jsonb, integer, text, text, integer, integer, text),
    sigverify.enqueue_scan(bytea, text, jsonb, integer, text, text, integer, integer, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sigverify.max_reference_bytes() TO sigverify_enqueuer, sigverify_worker, sigverify_auditor;
GRANT EXECUTE ON FUNCTION sigverify.scan_idempotency_key(bytea, integer, text),
                          sigverify.submit_scan(bytea, text, jsonb, integer, text, text, integer, integer, text),
                          sigverify.enqueue_scan(bytea, text, jsonb, integer, text, text, integer, integer, text)
    TO sigverify_enqueuer;
