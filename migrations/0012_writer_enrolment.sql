-- Writer-dependent verification, the database side (issue 22): subjects and their reference
-- signatures, questioned jobs that name a subject, and the match columns of their verdicts.
--
-- * A reference is enrolled by sigverify.enrol_reference (SECURITY DEFINER, for the new role
--   sigverify_enroller only). It is never updated: revoking one is a row of reference_events,
--   replacing one is a new reference plus that event.
-- * The is-it-a-signature check of a reference is an ordinary job (its "check job", submitted in
--   the same transaction): a worker judges it with the three criteria like any scan, and the
--   reference's status follows from that job, never from an UPDATE — `pending` while it waits,
--   `active` with a valid verdict, `refused` with an invalid one (reason: the criteria that failed)
--   or a failed/cancelled job (reason: the job's error), `revoked` after a revocation event. SQL
--   callers get the same check as `sigverify enrol`, and the check's scores are in the chain.
-- * References, revocations and cached embeddings are leaves of the audit chain (0011): each
--   link lists them beside its job events and verdicts, in table-name order (job_events,
--   reference_embeddings, reference_events, reference_signatures, verdicts), so `sigverify audit`
--   names a rewritten, deleted or inserted reference, revocation or embedding. A swapped cached
--   embedding would make a forgery pass as surely as a swapped specimen.
-- * The chain's content rule gains one clause: the match columns added here to verdicts are
--   left out of a verdict's content while they are NULL, so rows sealed before this migration keep
--   their leaves and hashes (their JSON now has these keys, all NULL).

-- 1. The enroller role (as 0006) -------------------------------------------------------------------

-- Creating a role needs the migrating login's CREATEROLE (0008's note), which sigverify_owner lacks:
-- the role is created as the login, then the migration goes on as sigverify_owner.
SET LOCAL ROLE NONE;
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'sigverify_enroller') THEN
        BEGIN
            CREATE ROLE sigverify_enroller NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- created meanwhile by a migration of another database
        END;
    END IF;
END $$;
SELECT set_config('role', 'sigverify_owner', true);
GRANT USAGE ON SCHEMA sigverify TO sigverify_enroller;
GRANT SELECT ON sigverify.schema_migrations TO sigverify_enroller;

-- 2. Subjects, references, revocations, embeddings ----------------------------------------------------

CREATE TABLE sigverify.subjects (
    subject    text PRIMARY KEY CHECK (subject <> '' AND octet_length(subject) <= 1024),
    created_by text NOT NULL DEFAULT session_user,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE sigverify.subjects IS 'People whose signatures are verified against enrolled references (sigverify.enrol_reference).';

CREATE TABLE sigverify.reference_signatures (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject      text NOT NULL REFERENCES sigverify.subjects (subject),
    image        bytea NOT NULL,
    image_sha256 bytea NOT NULL,
    filename     text CHECK (octet_length(filename) <= 1024),
    check_job_id bigint NOT NULL UNIQUE REFERENCES sigverify.jobs (id),
    replaces     bigint REFERENCES sigverify.reference_signatures (id),
    enrolled_by  text NOT NULL DEFAULT session_user,
    enrolled_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (image_sha256 = sha256(image))
);
CREATE INDEX reference_signatures_subject_idx ON sigverify.reference_signatures (subject);
COMMENT ON TABLE sigverify.reference_signatures IS
    'Enrolled specimen signatures, append-only; status and reason in sigverify.reference_status (from the check job and reference_events).';

CREATE TABLE sigverify.reference_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference_id bigint NOT NULL REFERENCES sigverify.reference_signatures (id),
    kind         text NOT NULL CHECK (kind = 'revoked'),
    reason       text NOT NULL CHECK (reason <> '' AND octet_length(reason) <= 1024),
    actor        text NOT NULL DEFAULT session_user,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX reference_events_one_revocation_idx ON sigverify.reference_events (reference_id) WHERE kind = 'revoked';

-- Embeddings per reference and writer-model version: float32 little-endian, computed by a worker.
CREATE TABLE sigverify.reference_embeddings (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference_id  bigint NOT NULL REFERENCES sigverify.reference_signatures (id),
    model_version text NOT NULL CHECK (model_version <> '' AND octet_length(model_version) <= 255),
    embedding     bytea NOT NULL CHECK (octet_length(embedding) BETWEEN 4 AND 65536 AND octet_length(embedding) % 4 = 0),
    computed_by   text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (reference_id, model_version)
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['subjects', 'reference_signatures', 'reference_events', 'reference_embeddings'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON sigverify.%I FOR EACH ROW EXECUTE FUNCTION sigverify.refuse_change()',
                       t || '_append_only', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON sigverify.%I FOR EACH STATEMENT EXECUTE FUNCTION sigverify.refuse_change()',
                       t || '_no_truncate', t);
        EXECUTE format('REVOKE ALL ON sigverify.%I FROM PUBLIC', t);
        EXECUTE format('GRANT SELECT ON sigverify.%I TO sigverify_auditor', t);
    END LOOP;
END $$;
-- The worker reads active references only through active_references and writes embeddings only
-- through cache_embeddings (below): it holds no privilege on these tables.

-- 3. Jobs name a subject ------------------------------------------------------------------------------

ALTER TABLE sigverify.jobs ADD COLUMN subject text CHECK (subject <> '' AND octet_length(subject) <= 1024);
COMMENT ON COLUMN sigverify.jobs.subject IS
    'The person the questioned signature claims to be (NULL: no match, only the three criteria).';
CREATE FUNCTION sigverify.jobs_subject_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'sigverify.jobs: the subject of job % is immutable', OLD.id USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER jobs_subject_immutable BEFORE UPDATE OF subject ON sigverify.jobs
    FOR EACH ROW WHEN (NEW.subject IS DISTINCT FROM OLD.subject) EXECUTE FUNCTION sigverify.jobs_subject_immutable();

-- 4. A reference's status, derived ------------------------------------------------------------------

CREATE VIEW sigverify.reference_status WITH (security_invoker = true) AS
SELECT r.id, r.subject, r.filename, encode(r.image_sha256, 'hex') AS image_sha256, r.check_job_id, r.replaces,
       r.enrolled_by, r.enrolled_at,
       CASE WHEN x.reason IS NOT NULL THEN 'revoked'
            WHEN v.verdict = 'valid' THEN 'active'
            WHEN v.verdict = 'invalid' OR j.status IN ('failed', 'cancelled') THEN 'refused'
            ELSE 'pending' END AS status,
       CASE WHEN x.reason IS NOT NULL THEN x.reason
            WHEN v.verdict = 'invalid' THEN 'not a signature: failed ' || concat_ws(', ',
                CASE WHEN NOT v.reconstruction_passed THEN 'reconstruction' END,
                CASE WHEN NOT v.anomaly_passed THEN 'anomaly' END,
                CASE WHEN NOT v.classifier_passed THEN 'classifier' END)
            WHEN j.status IN ('failed', 'cancelled') THEN 'check ' || j.status || ': ' || coalesce(j.last_error, j.status)
       END AS reason
FROM sigverify.reference_signatures r
LEFT JOIN sigverify.verdicts v ON v.job_id = r.check_job_id
LEFT JOIN sigverify.jobs j ON j.id = r.check_job_id
LEFT JOIN sigverify.reference_events x ON x.reference_id = r.id AND x.kind = 'revoked';
REVOKE ALL ON sigverify.reference_status FROM PUBLIC;
GRANT SELECT ON sigverify.reference_status TO sigverify_auditor;

-- 5. Enrolment, revocation, the embedding cache ------------------------------------------------------

-- Enrols one reference of `subject` (created on first use) and submits its check job; the same
-- bytes for the same subject, not revoked, return the existing reference (created = false).
-- `replaces`: a reference of the same subject revoked by this enrolment ("replaced by reference N").
CREATE FUNCTION sigverify.enrol_reference(subject text, image bytea, filename text DEFAULT NULL, replaces bigint DEFAULT NULL)
RETURNS TABLE (reference_id bigint, check_job_id bigint, created boolean) LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
#variable_conflict use_column
DECLARE
    existing record;
BEGIN
    IF enrol_reference.subject IS NULL OR enrol_reference.image IS NULL THEN
        RAISE EXCEPTION 'reference refused: subject and image are required' USING ERRCODE = 'not_null_violation';
    END IF;
    INSERT INTO sigverify.subjects (subject) VALUES (enrol_reference.subject) ON CONFLICT DO NOTHING;
    PERFORM FROM sigverify.subjects s WHERE s.subject = enrol_reference.subject FOR KEY SHARE;
    SELECT s.id, s.check_job_id INTO existing FROM sigverify.reference_status s
    WHERE s.subject = enrol_reference.subject AND s.image_sha256 = encode(sha256(enrol_reference.image), 'hex')
      AND s.status <> 'revoked' ORDER BY s.id LIMIT 1;
    IF FOUND THEN
        RETURN QUERY SELECT existing.id, existing.check_job_id, false;
        RETURN;
    END IF;
    IF enrol_reference.replaces IS NOT NULL AND NOT EXISTS (
        SELECT FROM sigverify.reference_signatures r WHERE r.id = enrol_reference.replaces AND r.subject = enrol_reference.subject) THEN
        RAISE EXCEPTION 'reference refused: reference % is not one of subject "%"', enrol_reference.replaces, enrol_reference.subject
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT s.job_id INTO check_job_id FROM sigverify.submit_scan(enrol_reference.image,
        external_ref => 'reference of ' || left(enrol_reference.subject, 1000), filename => enrol_reference.filename) s;
    INSERT INTO sigverify.reference_signatures AS r (subject, image, image_sha256, filename, check_job_id, replaces)
    VALUES (enrol_reference.subject, enrol_reference.image, sha256(enrol_reference.image), enrol_reference.filename,
            check_job_id, enrol_reference.replaces)
    RETURNING r.id INTO reference_id;
    IF enrol_reference.replaces IS NOT NULL THEN
        INSERT INTO sigverify.reference_events (reference_id, kind, reason)
        VALUES (enrol_reference.replaces, 'revoked', 'replaced by reference ' || reference_id)
        ON CONFLICT DO NOTHING;
    END IF;
    created := true;
    RETURN NEXT;
END $$;

-- Revokes a reference with its reason; false when it was revoked already.
CREATE FUNCTION sigverify.revoke_reference(reference_id bigint, reason text) RETURNS boolean LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
DECLARE
    added integer;
BEGIN
    IF NOT EXISTS (SELECT FROM sigverify.reference_signatures r WHERE r.id = revoke_reference.reference_id) THEN
        RAISE EXCEPTION 'no reference %', revoke_reference.reference_id USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO sigverify.reference_events (reference_id, kind, reason)
    VALUES (revoke_reference.reference_id, 'revoked', revoke_reference.reason)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN added > 0;
END $$;

-- A worker's computed embeddings (one per reference, float32 LE); a row already cached for that
-- reference and model version is kept. Only for references of a subject, never rewritten.
CREATE FUNCTION sigverify.cache_embeddings(worker_id text, model_version text, reference_ids bigint[], embeddings bytea[])
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
#variable_conflict use_column
DECLARE
    added integer;
BEGIN
    INSERT INTO sigverify.reference_embeddings (reference_id, model_version, embedding, computed_by)
    SELECT e.reference_id, cache_embeddings.model_version, e.embedding, cache_embeddings.worker_id
    FROM unnest(cache_embeddings.reference_ids, cache_embeddings.embeddings) AS e (reference_id, embedding)
    ORDER BY e.reference_id
    ON CONFLICT (reference_id, model_version) DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN added;
END $$;

-- The active references of `subjects` for a worker's claim, one query per batch: each with its
-- embedding cached for `model_version`, or its bytes when none is. Active is reference_status's
-- rule (a valid verdict on the check job, no revocation), written as scalar subqueries so that
-- every reference probes verdicts and embeddings by key (a join may walk the whole verdicts index,
-- as a generic plan of the view did). A function: a worker may not read verdicts.
CREATE FUNCTION sigverify.active_references(subjects text[], model_version text)
RETURNS TABLE (id bigint, subject text, embedding bytea, image bytea) LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
    SELECT r.id, r.subject, c.embedding, CASE WHEN c.embedding IS NULL THEN r.image END
    FROM sigverify.reference_signatures r,
         LATERAL (SELECT (SELECT e.embedding FROM sigverify.reference_embeddings e
                          WHERE e.reference_id = r.id AND e.model_version = active_references.model_version) AS embedding) c
    WHERE r.subject = ANY (active_references.subjects)
      AND (SELECT v.verdict FROM sigverify.verdicts v WHERE v.job_id = r.check_job_id) = 'valid'
      AND NOT EXISTS (SELECT FROM sigverify.reference_events x WHERE x.reference_id = r.id AND x.kind = 'revoked')
    ORDER BY r.id
$$;

REVOKE EXECUTE ON FUNCTION sigverify.enrol_reference(text, bytea, text, bigint), sigverify.revoke_reference(bigint, text),
    sigverify.cache_embeddings(text, text, bigint[], bytea[]), sigverify.active_references(text[], text),
    sigverify.jobs_subject_immutable() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sigverify.enrol_reference(text, bytea, text, bigint), sigverify.revoke_reference(bigint, text)
    TO sigverify_enroller;
GRANT EXECUTE ON FUNCTION sigverify.cache_embeddings(text, text, bigint[], bytea[]), sigverify.active_references(text[], text)
    TO sigverify_worker;

-- 6. Submission with a subject (0010's submit_scan and 0009's enqueue_scan, plus `subject`) ----------

DROP FUNCTION sigverify.enqueue_scan(bytea, text, jsonb, integer, text, text, integer, integer, text);
DROP FUNCTION sigverify.submit_scan(bytea, text, jsonb, integer, text, text, integer, integer, text);

CREATE FUNCTION sigverify.submit_scan(
    image           bytea,
    external_ref    text DEFAULT NULL,
    metadata        jsonb DEFAULT '{}'::jsonb,
    priority        integer DEFAULT 0,
    filename        text DEFAULT NULL,
    content_type    text DEFAULT NULL,
    page            integer DEFAULT 0,
    max_attempts    integer DEFAULT NULL,
    idempotency_key text DEFAULT NULL,
    subject         text DEFAULT NULL
) RETURNS TABLE (job_id bigint, created boolean) LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
#variable_conflict use_column
DECLARE
    existing record;
BEGIN
    LOOP
        IF submit_scan.idempotency_key IS NOT NULL THEN
            SELECT j.id, j.image_sha256, j.page, j.subject INTO existing FROM sigverify.jobs j
            WHERE j.idempotency_key = submit_scan.idempotency_key
              AND (j.submitted_by = session_user::text OR j.submitted_by IS NULL)
            ORDER BY j.submitted_by NULLS LAST
            LIMIT 1;
            IF FOUND THEN
                IF existing.image_sha256 IS DISTINCT FROM sha256(submit_scan.image)
                   OR existing.page IS DISTINCT FROM coalesce(submit_scan.page, 0)
                   OR existing.subject IS DISTINCT FROM submit_scan.subject THEN
                    RAISE EXCEPTION 'idempotency key "%" already names job %, a different scan (other bytes, page or subject); a key names one scan',
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
                                         max_attempts, idempotency_key, subject)
        VALUES (submit_scan.image, submit_scan.external_ref, coalesce(submit_scan.metadata, '{}'::jsonb),
                coalesce(submit_scan.priority, 0), submit_scan.filename, submit_scan.content_type,
                coalesce(submit_scan.page, 0), coalesce(submit_scan.max_attempts, 5), submit_scan.idempotency_key,
                submit_scan.subject)
        ON CONFLICT ((coalesce(submitted_by, '')), idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING j.id INTO job_id;
        IF job_id IS NOT NULL THEN
            created := true;
            RETURN NEXT;
            RETURN;
        END IF;
    END LOOP;
END $$;
COMMENT ON FUNCTION sigverify.submit_scan(bytea, text, jsonb, integer, text, text, integer, integer, text, text) IS
    'Submit one scan; returns (job_id, created). With an idempotency_key already used for the same bytes, page and subject: that job, created = false.';

CREATE FUNCTION sigverify.enqueue_scan(
    image           bytea,
    external_ref    text DEFAULT NULL,
    metadata        jsonb DEFAULT '{}'::jsonb,
    priority        integer DEFAULT 0,
    filename        text DEFAULT NULL,
    content_type    text DEFAULT NULL,
    page            integer DEFAULT 0,
    max_attempts    integer DEFAULT NULL,
    idempotency_key text DEFAULT NULL,
    subject         text DEFAULT NULL
) RETURNS bigint LANGUAGE sql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
    SELECT s.job_id FROM sigverify.submit_scan(enqueue_scan.image, enqueue_scan.external_ref, enqueue_scan.metadata,
        enqueue_scan.priority, enqueue_scan.filename, enqueue_scan.content_type, enqueue_scan.page,
        enqueue_scan.max_attempts, enqueue_scan.idempotency_key, enqueue_scan.subject) s
$$;
COMMENT ON FUNCTION sigverify.enqueue_scan(bytea, text, jsonb, integer, text, text, integer, integer, text, text) IS
    'Submit one scan; returns the job id. page: which page of a multi-page TIFF to verify (0-based); max_attempts: NULL for 5; idempotency_key: a repeated key returns the existing job; subject: match the signature against that subject''s references.';

REVOKE EXECUTE ON FUNCTION sigverify.submit_scan(bytea, text, jsonb, integer, text, text, integer, integer, text, text),
    sigverify.enqueue_scan(bytea, text, jsonb, integer, text, text, integer, integer, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sigverify.submit_scan(bytea, text, jsonb, integer, text, text, integer, integer, text, text),
    sigverify.enqueue_scan(bytea, text, jsonb, integer, text, text, integer, integer, text, text) TO sigverify_enqueuer;

-- 7. Match columns on verdicts --------------------------------------------------------------------

ALTER TABLE sigverify.verdicts
    ADD COLUMN match_score         double precision CHECK (match_score BETWEEN 0 AND 1),
    ADD COLUMN match_passed        boolean,
    ADD COLUMN match_threshold     double precision,
    ADD COLUMN match_model_version text,
    ADD COLUMN match_references    integer,
    ADD COLUMN match_reference_ids bigint[],
    ADD COLUMN match_reason        text;
COMMENT ON COLUMN sigverify.verdicts.match_score IS
    'Writer match of the questioned signature against the subject''s active references, in [0, 1] (higher: same writer); NULL without a subject, or with match_reason.';
COMMENT ON COLUMN sigverify.verdicts.match_reason IS
    'Why match_score is NULL for a job with a subject (no active references, no writer model loaded).';

-- The chain's content (0007): without the match columns while they are NULL (see the header).
CREATE OR REPLACE FUNCTION sigverify.chain_content(row_json jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (row_json - 'chain_seq' - 'chain_hash' - ARRAY(
        SELECT k FROM unnest(ARRAY['match_score', 'match_passed', 'match_threshold', 'match_model_version',
                                   'match_references', 'match_reference_ids', 'match_reason']) AS k
        WHERE row_json -> k = 'null'::jsonb))::text
$$;

ALTER TYPE sigverify.verdict_input
    ADD ATTRIBUTE match_score double precision,
    ADD ATTRIBUTE match_passed boolean,
    ADD ATTRIBUTE match_threshold double precision,
    ADD ATTRIBUTE match_model_version text,
    ADD ATTRIBUTE match_reference_ids bigint[],
    ADD ATTRIBUTE match_reason text;

-- 0011's record_verdicts with the match columns. MATCH COLUMNS (issue 22): the only change is the
-- seven match_* columns in the INSERT's column list and SELECT list below, marked "-- match".
CREATE OR REPLACE FUNCTION sigverify.record_verdicts(worker_id text, batch sigverify.verdict_input[]) RETURNS SETOF bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
DECLARE
    written bigint[];
BEGIN
    PERFORM FROM sigverify.jobs j
    WHERE j.id = ANY (SELECT b.job_id FROM unnest(batch) b) AND j.status = 'running' AND j.lease_owner = record_verdicts.worker_id
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
        WHERE j.status = 'running' AND j.lease_owner = record_verdicts.worker_id AND j.attempts = b.attempt
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

-- 8. The chain over references, revocations and embeddings ---------------------------------------

ALTER TABLE sigverify.chain_links
    ADD COLUMN embedding_ids       bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN reference_event_ids bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN reference_ids       bigint[] NOT NULL DEFAULT '{}';
COMMENT ON TABLE sigverify.chain_links IS
    'The audit chain since migration 0011: one link per sealed transaction. Its rows are places first_seq… of the chain, in this order: the job events of event_ids, the embeddings of embedding_ids, the reference events of reference_event_ids, the references of reference_ids (0012), then the verdicts of verdict_ids; leaves holds their leaf hashes (32 bytes each, same order), root their Merkle tree hash, link_hash sha256(previous head ‖ ''link:first_seq:rows:'' ‖ root).';

CREATE TRIGGER reference_signatures_chain_collect AFTER INSERT ON sigverify.reference_signatures
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sigverify.chain_collect();
CREATE TRIGGER reference_events_chain_collect AFTER INSERT ON sigverify.reference_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sigverify.chain_collect();
CREATE TRIGGER reference_embeddings_chain_collect AFTER INSERT ON sigverify.reference_embeddings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sigverify.chain_collect();

-- As in 0011, with the three new tables' ids (leaves in table-name order, then id, as before).
CREATE OR REPLACE FUNCTION sigverify.chain_seal_transaction() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
DECLARE
    ids    record;
    leaves bytea[];
    root   bytea;
    head   record;
    n_rows bigint;
BEGIN
    PERFORM FROM sigverify.chain_pending p WHERE p.id = NEW.id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'sigverify: verdicts and job events are written only in READ COMMITTED transactions (the audit chain needs the latest head)'
            USING ERRCODE = 'feature_not_supported';
    END IF;
    WITH taken AS (DELETE FROM sigverify.chain_pending p WHERE p.tx = NEW.tx RETURNING p.table_name, p.ids, p.leaves),
    entries AS (SELECT t.table_name, e.id, e.leaf FROM taken t, unnest(t.ids, t.leaves) AS e (id, leaf))
    SELECT coalesce(array_agg(id ORDER BY id) FILTER (WHERE table_name = 'job_events'), '{}') AS events,
           coalesce(array_agg(id ORDER BY id) FILTER (WHERE table_name = 'reference_embeddings'), '{}') AS embeddings,
           coalesce(array_agg(id ORDER BY id) FILTER (WHERE table_name = 'reference_events'), '{}') AS reference_events,
           coalesce(array_agg(id ORDER BY id) FILTER (WHERE table_name = 'reference_signatures'), '{}') AS references_,
           coalesce(array_agg(id ORDER BY id) FILTER (WHERE table_name = 'verdicts'), '{}') AS verdicts,
           array_agg(leaf ORDER BY table_name, id) AS leaves
    INTO ids FROM entries;
    leaves := ids.leaves;
    IF leaves IS NULL THEN
        RETURN NULL;
    END IF;
    n_rows := cardinality(leaves);
    root := sigverify.merkle_root(leaves);
    PERFORM sigverify.chain_lock_take();
    SELECT * INTO head FROM sigverify.chain_head();
    INSERT INTO sigverify.chain_links (first_seq, event_ids, embedding_ids, reference_event_ids, reference_ids, verdict_ids,
                                       leaves, root, link_hash)
    SELECT head.head_seq + 1, ids.events, ids.embeddings, ids.reference_events, ids.references_, ids.verdicts,
           string_agg(u.leaf, ''::bytea ORDER BY u.n), root,
           sha256(head.head_hash || convert_to('link:' || (head.head_seq + 1) || ':' || n_rows || ':', 'UTF8') || root)
    FROM unnest(leaves) WITH ORDINALITY AS u (leaf, n);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION sigverify.chain_head(OUT head_seq bigint, OUT head_hash bytea) LANGUAGE plpgsql STABLE
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
BEGIN
    SELECT l.first_seq + cardinality(l.event_ids) + cardinality(l.embedding_ids) + cardinality(l.reference_event_ids)
           + cardinality(l.reference_ids) + cardinality(l.verdict_ids) - 1, l.link_hash
    INTO head_seq, head_hash
    FROM sigverify.chain_links l ORDER BY l.first_seq DESC LIMIT 1;
    IF NOT FOUND THEN
        SELECT h.chain_seq, h.chain_hash INTO head_seq, head_hash FROM (
            (SELECT v.chain_seq, v.chain_hash FROM sigverify.verdicts v WHERE v.chain_seq IS NOT NULL ORDER BY v.chain_seq DESC LIMIT 1)
            UNION ALL
            (SELECT e.chain_seq, e.chain_hash FROM sigverify.job_events e WHERE e.chain_seq IS NOT NULL ORDER BY e.chain_seq DESC LIMIT 1)
        ) h ORDER BY h.chain_seq DESC LIMIT 1;
    END IF;
    head_seq := coalesce(head_seq, 0);
    head_hash := coalesce(head_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
END $$;

CREATE OR REPLACE VIEW sigverify.chain_places WITH (security_invoker = true) AS
    SELECT 'job_events'::text AS table_name, e.id, l.first_seq + e.n - 1 AS chain_seq
    FROM sigverify.chain_links l, unnest(l.event_ids) WITH ORDINALITY AS e (id, n)
    UNION ALL
    SELECT 'reference_embeddings', e.id, l.first_seq + cardinality(l.event_ids) + e.n - 1
    FROM sigverify.chain_links l, unnest(l.embedding_ids) WITH ORDINALITY AS e (id, n)
    UNION ALL
    SELECT 'reference_events', e.id, l.first_seq + cardinality(l.event_ids) + cardinality(l.embedding_ids) + e.n - 1
    FROM sigverify.chain_links l, unnest(l.reference_event_ids) WITH ORDINALITY AS e (id, n)
    UNION ALL
    SELECT 'reference_signatures', e.id, l.first_seq + cardinality(l.event_ids) + cardinality(l.embedding_ids)
                                         + cardinality(l.reference_event_ids) + e.n - 1
    FROM sigverify.chain_links l, unnest(l.reference_ids) WITH ORDINALITY AS e (id, n)
    UNION ALL
    SELECT 'verdicts', v.id, l.first_seq + cardinality(l.event_ids) + cardinality(l.embedding_ids)
                             + cardinality(l.reference_event_ids) + cardinality(l.reference_ids) + v.n - 1
    FROM sigverify.chain_links l, unnest(l.verdict_ids) WITH ORDINALITY AS v (id, n)
    UNION ALL
    SELECT 'job_events', id, chain_seq FROM sigverify.job_events WHERE chain_seq IS NOT NULL
    UNION ALL
    SELECT 'verdicts', id, chain_seq FROM sigverify.verdicts WHERE chain_seq IS NOT NULL;

-- 9. Reporting: matches per subject and per day ---------------------------------------------------

-- Per subject: questioned verdicts, how many were matched, the match rate, and scores within 0.05
-- of the threshold (the ones a reviewer should look at).
CREATE VIEW sigverify.subject_matches WITH (security_invoker = true) AS
SELECT j.subject,
       count(*)                                                                   AS verdicts,
       count(v.match_score)                                                       AS matched,
       count(*) FILTER (WHERE v.match_passed)                                     AS match_passed,
       round(avg(v.match_passed::int)::numeric, 4)                                AS match_rate,
       count(*) FILTER (WHERE abs(v.match_score - v.match_threshold) <= 0.05)     AS near_threshold,
       count(*) FILTER (WHERE v.match_score IS NULL)                              AS unmatched,
       max(v.created_at)                                                          AS last_verdict_at
FROM sigverify.verdicts v JOIN sigverify.jobs j ON j.id = v.job_id
WHERE j.subject IS NOT NULL
GROUP BY j.subject;

-- Per day (UTC) and writer-model version: the same over time.
CREATE VIEW sigverify.daily_matches WITH (security_invoker = true) AS
SELECT (v.created_at AT TIME ZONE 'UTC')::date                                    AS day,
       v.match_model_version,
       count(*)                                                                   AS verdicts,
       count(v.match_score)                                                       AS matched,
       round(avg(v.match_passed::int)::numeric, 4)                                AS match_rate,
       round(avg(v.match_score)::numeric, 4)                                      AS mean_score,
       count(*) FILTER (WHERE abs(v.match_score - v.match_threshold) <= 0.05)     AS near_threshold
FROM sigverify.verdicts v JOIN sigverify.jobs j ON j.id = v.job_id
WHERE j.subject IS NOT NULL
GROUP BY 1, 2;

REVOKE ALL ON sigverify.subject_matches, sigverify.daily_matches FROM PUBLIC;
GRANT SELECT ON sigverify.subject_matches, sigverify.daily_matches TO sigverify_auditor, sigverify_enqueuer;
