-- Claims and verdict writes that do not slow down as the queue's history grows (issue 24).
--
-- auto_explain on a drain of 3,000 no-op jobs showed the claim and sigverify.record_verdicts
-- finding their rows through a bitmap scan of a partial index: jobs_queued_idx for the claim,
-- jobs_running_lease_idx for the verdicts' lock and join. A job leaving 'queued' or 'running'
-- leaves its entry in that index until VACUUM (status is indexed, so the update is never HOT),
-- and a bitmap scan visits every such entry and its heap page each time — 3,000 entries and
-- 162 pages for a batch of 24 by the end of that drain — and, unlike a plain index scan, never
-- marks them dead. The planner chose it because the table's statistics (taken when few jobs were
-- queued or running) promise a handful of rows.
--
-- 1. record_verdicts locks and joins its jobs by primary key: the batch's ids are collected
--    first and every statement filters on j.id = ANY (ids), which the primary key answers with
--    one probe per job whatever the partial indexes hold; its status test is written so that
--    the running index cannot serve it (a plain scan of that index was the next choice with
--    bitmap scans off, ClaimPlanTests).
-- 2. sigverify.claim_jobs: the claim's statement (JobQueue+Claim.swift sent it as text until now)
--    as a function with enable_bitmapscan off for its own statements only, so the queued index is
--    read in (priority, id) order as far as the batch needs — the plan that also lets the
--    server mark the dead entries it passes (kill_prior_tuple) — whatever the statistics say.
--
-- 3. The status guard of 0006 runs only for the status changes it can refuse (section 3).
--
-- Measured (pg_stat_statements, 2 workers × 10,000 no-op jobs, batch 32; README "The queue
-- against PgQueuer"): see the README.

-- 1. -------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION sigverify.record_verdicts(worker_id text, batch sigverify.verdict_input[]) RETURNS SETOF bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp SET enable_bitmapscan = off AS $$
DECLARE
    ids     bigint[] := ARRAY(SELECT b.job_id FROM unnest(batch) b ORDER BY 1);
    written bigint[];
BEGIN
    -- (status || '': a condition the running index's predicate cannot match, so that index is
    -- never chosen here, whatever the statistics say; the rows come by primary key)
    PERFORM FROM sigverify.jobs j
    WHERE j.id = ANY (ids) AND j.status || '' = 'running' AND j.lease_owner = record_verdicts.worker_id
    ORDER BY j.id FOR UPDATE;
    WITH inserted AS (
        INSERT INTO sigverify.verdicts (job_id, model_version, preprocessing_profile, reconstruction_error,
            anomaly_score, classifier_confidence, reconstruction_threshold, anomaly_score_min,
            classifier_confidence_min, reconstruction_passed, anomaly_passed, classifier_passed, verdict,
            worker_id, decode_ms, preprocess_ms, verify_ms, preprocessed_png, image_sha256,
            match_score, match_passed, match_threshold, match_model_version,                       -- match
            match_references, match_reference_ids, match_reason)                                    -- match
        SELECT b.job_id, b.model_version, b.preprocessing_profile, b.reconstruction_error, b.anomaly_score,
            b.classifier_confidence, b.reconstruction_threshold, b.anomaly_score_min, b.classifier_confidence_min,
            b.reconstruction_passed, b.anomaly_passed, b.classifier_passed, b.verdict, record_verdicts.worker_id,
            b.decode_ms, b.preprocess_ms, b.verify_ms, b.preprocessed_png, j.image_sha256,
            b.match_score, b.match_passed, b.match_threshold, b.match_model_version,               -- match
            cardinality(b.match_reference_ids), b.match_reference_ids, b.match_reason              -- match
        FROM unnest(batch) b JOIN sigverify.jobs j ON j.id = b.job_id
        WHERE j.id = ANY (ids) AND j.status || '' = 'running' AND j.lease_owner = record_verdicts.worker_id AND j.attempts = b.attempt
        ORDER BY b.job_id
        RETURNING verdicts.job_id)
    SELECT array_agg(i.job_id ORDER BY i.job_id) INTO written FROM inserted i;
    IF written IS NULL THEN
        RETURN;
    END IF;
    UPDATE sigverify.jobs j SET status = 'succeeded', lease_owner = NULL, lease_expires_at = NULL, last_error = NULL
    WHERE j.id = ANY (written);
    RETURN QUERY SELECT unnest(written);
END $$;

-- 2. -------------------------------------------------------------------------------------------
-- The claim of JobQueue+Claim.swift (issue 24, 0013), unchanged but for where it lives: up to
-- batch_size runnable jobs, fewer when their scans add up to more than batch_bytes (always at
-- least one; scans over max_scan_bytes count nothing), leased to worker_id, with the bytes of
-- the scans within max_scan_bytes whose running total stays within fetch_batch_bytes when
-- with_scans. SECURITY INVOKER and executable by anyone, like any new function: the caller
-- needs the same privileges on sigverify.jobs as when it sent the statement itself
-- (sigverify_worker has them, 0006), so who may claim is unchanged.
CREATE FUNCTION sigverify.claim_jobs(worker_id text, lease_seconds float8, batch_size int, batch_bytes bigint,
                                     max_scan_bytes bigint, with_scans bool, fetch_batch_bytes bigint)
RETURNS TABLE (id bigint, attempts bigint, max_attempts bigint, image_bytes bigint, image bytea, filename text,
               content_type text, external_ref text, page bigint, subject text)
LANGUAGE sql VOLATILE SET search_path = pg_catalog, sigverify, pg_temp SET enable_bitmapscan = off AS $$
    WITH candidates AS (
        SELECT j.id, j.priority, coalesce(octet_length(j.image), 0) AS bytes FROM sigverify.jobs j
        WHERE j.status = 'queued' AND j.run_after <= now()
        ORDER BY j.priority, j.id
        LIMIT claim_jobs.batch_size
        FOR UPDATE SKIP LOCKED),
    within_budget AS (
        SELECT c.id, claim_jobs.with_scans AND c.bytes <= claim_jobs.max_scan_bytes
                     AND c.running_bytes <= claim_jobs.fetch_batch_bytes AS with_scan FROM (
            SELECT k.id, k.bytes, row_number() OVER w AS n,
                   sum(CASE WHEN k.bytes > claim_jobs.max_scan_bytes THEN 0 ELSE k.bytes END) OVER w AS running_bytes
            FROM candidates k WINDOW w AS (ORDER BY k.priority, k.id)) c
        WHERE c.n = 1 OR c.running_bytes <= claim_jobs.batch_bytes)
    UPDATE sigverify.jobs j
    SET status = 'running', attempts = j.attempts + 1, lease_owner = claim_jobs.worker_id,
        lease_expires_at = now() + make_interval(secs => claim_jobs.lease_seconds),
        started_at = coalesce(j.started_at, now())
    FROM within_budget b
    WHERE j.id = b.id
    RETURNING j.id, j.attempts::bigint, j.max_attempts::bigint, octet_length(j.image)::bigint,
              CASE WHEN b.with_scan THEN j.image END, left(j.filename, 1024), left(j.content_type, 255),
              left(j.external_ref, 1024), j.page::bigint, j.subject
$$;


-- 3. -------------------------------------------------------------------------------------------
-- The status guard of 0006 (a finished job stays finished; a job succeeds only with its verdict)
-- is a SECURITY DEFINER function, called for every row whose status an UPDATE names — every
-- claim's rows too, where neither of its refusals can apply. It is now called only when one can:
-- the status changes and the job was finished or is to succeed. What it refuses is unchanged.
DROP TRIGGER jobs_status_guard ON sigverify.jobs;
CREATE TRIGGER jobs_status_guard BEFORE UPDATE OF status ON sigverify.jobs
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                       AND (OLD.status IN ('succeeded', 'failed', 'cancelled') OR NEW.status = 'succeeded'))
    EXECUTE FUNCTION sigverify.jobs_status_guard();
