-- The audit chain sealed per transaction, not per row (issue 24). Until now (0007, 0010) every
-- verdict and job event was sealed on its own at commit, under the chain's lock: the head looked
-- up, the row read back as JSON, hashed and updated — one after the other for every row of every
-- worker, so the chain serialised the fleet. From here on:
--
--   leaf(row)  = sha256(0x00 ‖ convert_to(table_name || ':' || id || ':' || content, 'UTF8'))
--                (content as in 0007: the row as JSON without chain_seq and chain_hash, in UTC
--                with extra_float_digits = 1), computed once per inserting statement from its
--                transition table, without the chain's lock, and kept in sigverify.chain_pending;
--   root       = the Merkle tree hash of the transaction's leaves in link order (RFC 6962:
--                node = sha256(0x01 ‖ left ‖ right), an odd last node carried up unchanged),
--                also computed without the lock;
--   link_hash  = sha256(previous head ‖ convert_to('link:' || first_seq || ':' || rows || ':', 'UTF8') ‖ root)
--
-- and at commit one row of sigverify.chain_links per transaction — taken under the chain's lock
-- only for reading the head and inserting the link. A link's rows keep their places: they are
-- places first_seq, first_seq + 1, … of the one chain, job events first (by id), then verdicts
-- (by id), so `sigverify audit` still counts and names rows by place, and its head is the last
-- link's hash. The link keeps the rows' ids and their leaves: the auditor recomputes each row's
-- leaf from the row as stored and names the first row that is rewritten (its leaf differs),
-- deleted (listed but gone) or inserted (in no link); a leaf rewritten in the link too breaks its
-- Merkle root, a rewritten or reordered link breaks the link hashes after it.
--
-- Rows sealed one by one before this migration keep their chain_seq and chain_hash and stay
-- verifiable as before; the first link continues their chain (its previous head is the last of
-- them). Rows are no longer updated when sealed, so verdicts and job events are strictly
-- append-only again.
--
-- Lock order (no deadlocks): a transaction locks the job rows it writes in id order first (the
-- worker's write and heartbeat, JobQueue.swift; claims skip locked rows), and the chain's lock
-- last, at commit, where nothing else is waited for.
--
-- Job events are written once per statement on sigverify.jobs (one INSERT … SELECT over the
-- statement's transition tables) instead of once per row, and sigverify.record_verdicts writes a
-- whole batch of verdicts with one INSERT and one UPDATE.

-- 1. The links --------------------------------------------------------------------------------------

CREATE TABLE sigverify.chain_links (
    first_seq   bigint PRIMARY KEY,
    event_ids   bigint[] NOT NULL,
    verdict_ids bigint[] NOT NULL,
    leaves      bytea NOT NULL,
    root        bytea NOT NULL,
    link_hash   bytea NOT NULL
);
COMMENT ON TABLE sigverify.chain_links IS
    'The audit chain since migration 0011: one link per sealed transaction. Its rows are places first_seq… of the chain, the job events of event_ids then the verdicts of verdict_ids; leaves holds their leaf hashes (32 bytes each, same order), root their Merkle tree hash, link_hash sha256(previous head ‖ ''link:first_seq:rows:'' ‖ root).';
REVOKE ALL ON sigverify.chain_links FROM PUBLIC, sigverify_enqueuer, sigverify_worker;
-- Append-only like the rows it seals.
CREATE TRIGGER chain_links_append_only BEFORE UPDATE OR DELETE ON sigverify.chain_links
    FOR EACH ROW EXECUTE FUNCTION sigverify.refuse_change();
CREATE TRIGGER chain_links_no_truncate BEFORE TRUNCATE ON sigverify.chain_links
    FOR EACH STATEMENT EXECUTE FUNCTION sigverify.refuse_change();

-- The leaves of a transaction's statements until it commits (one row per inserting statement).
CREATE UNLOGGED TABLE sigverify.chain_pending (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    table_name text NOT NULL,
    ids        bigint[] NOT NULL,
    leaves     bytea[] NOT NULL
);
CREATE INDEX chain_pending_tx_idx ON sigverify.chain_pending (tx);
REVOKE ALL ON sigverify.chain_pending FROM PUBLIC, sigverify_enqueuer, sigverify_worker;  -- the auditor reads every table

-- Which place each row has, for people reading the chain (per-row places of 0007 included).
CREATE VIEW sigverify.chain_places WITH (security_invoker = true) AS
    SELECT 'job_events'::text AS table_name, e.id, l.first_seq + e.n - 1 AS chain_seq
    FROM sigverify.chain_links l, unnest(l.event_ids) WITH ORDINALITY AS e (id, n)
    UNION ALL
    SELECT 'verdicts', v.id, l.first_seq + cardinality(l.event_ids) + v.n - 1
    FROM sigverify.chain_links l, unnest(l.verdict_ids) WITH ORDINALITY AS v (id, n)
    UNION ALL
    SELECT 'job_events', id, chain_seq FROM sigverify.job_events WHERE chain_seq IS NOT NULL
    UNION ALL
    SELECT 'verdicts', id, chain_seq FROM sigverify.verdicts WHERE chain_seq IS NOT NULL;
REVOKE ALL ON sigverify.chain_places FROM PUBLIC, sigverify_enqueuer, sigverify_worker;

-- 2. Leaves, without the lock --------------------------------------------------------------------

-- STABLE like convert_to, so that it is inlined into the statements that call it.
CREATE FUNCTION sigverify.chain_leaf(table_name text, row_id bigint, row_json jsonb) RETURNS bytea
LANGUAGE sql STABLE AS $$
    SELECT sha256('\x00'::bytea || convert_to(table_name || ':' || row_id || ':' || sigverify.chain_content(row_json), 'UTF8'))
$$;

-- After each statement inserting verdicts or job events: their leaves, kept until commit.
CREATE FUNCTION sigverify.chain_collect() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp SET TimeZone = 'UTC' SET extra_float_digits = 1 AS $$
BEGIN
    INSERT INTO sigverify.chain_pending (table_name, ids, leaves)
    SELECT TG_TABLE_NAME, array_agg(n.id ORDER BY n.id),
           array_agg(sigverify.chain_leaf(TG_TABLE_NAME, n.id, to_jsonb(n)) ORDER BY n.id)
    FROM new_rows n
    HAVING count(*) > 0;
    RETURN NULL;
END $$;

-- The Merkle tree hash of `leaves` (RFC 6962, level by level: an odd last node goes up as is).
CREATE FUNCTION sigverify.merkle_root(leaves bytea[]) RETURNS bytea LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    level bytea[] := leaves;
BEGIN
    WHILE cardinality(level) > 1 LOOP
        SELECT array_agg(CASE WHEN p.nodes = 1 THEN p.pair ELSE sha256('\x01'::bytea || p.pair) END ORDER BY p.g)
        INTO level
        FROM (SELECT (u.n + 1) / 2 AS g, count(*) AS nodes, string_agg(u.node, ''::bytea ORDER BY u.n) AS pair
              FROM unnest(level) WITH ORDINALITY AS u (node, n) GROUP BY 1) p;
    END LOOP;
    RETURN level[1];
END $$;

-- 3. The seal, once per transaction, under the lock only for the append -------------------------

-- The chain's lock of 0010 (a row lock on sigverify.chain_lock, waited for at most lock_timeout,
-- 55P03 with a readable message when it times out).
CREATE FUNCTION sigverify.chain_lock_take() RETURNS void LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp SET lock_timeout = '10s' AS $$
BEGIN
    PERFORM FROM sigverify.chain_lock FOR UPDATE SKIP LOCKED;
    IF FOUND THEN
        RETURN;
    END IF;
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
END $$;

-- The chain's head: the last link, or before the first link the last row sealed by 0007.
CREATE FUNCTION sigverify.chain_head(OUT head_seq bigint, OUT head_hash bytea) LANGUAGE plpgsql STABLE
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
BEGIN
    SELECT l.first_seq + cardinality(l.event_ids) + cardinality(l.verdict_ids) - 1, l.link_hash
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

-- Fired at commit for the transaction's first pending statement: takes all of the transaction's
-- leaves, orders them (events by id, then verdicts by id), computes their root, and only then
-- takes the lock to link them to the head. The firings for the rows it took find their row gone
-- (one primary-key probe) and return at once: a transaction of 20,000 single-row statements does
-- not look for its pending rows 20,000 times. A row pending after that (a seal fired early by SET
-- CONSTRAINTS … IMMEDIATE, then more rows) is sealed by its own firing, into a link of its own.
-- Nothing a client can set decides whether a seal runs.
CREATE FUNCTION sigverify.chain_seal_transaction() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
DECLARE
    events   bigint[];
    verdicts bigint[];
    leaves   bytea[];
    root     bytea;
    head     record;
    n_rows   bigint;
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
    SELECT coalesce(array_agg(id ORDER BY id) FILTER (WHERE table_name = 'job_events'), '{}'),
           coalesce(array_agg(id ORDER BY id) FILTER (WHERE table_name = 'verdicts'), '{}'),
           array_agg(leaf ORDER BY table_name, id)
    INTO events, verdicts, leaves FROM entries;
    IF leaves IS NULL THEN
        RETURN NULL;
    END IF;
    n_rows := cardinality(leaves);
    root := sigverify.merkle_root(leaves);
    PERFORM sigverify.chain_lock_take();
    SELECT * INTO head FROM sigverify.chain_head();
    INSERT INTO sigverify.chain_links (first_seq, event_ids, verdict_ids, leaves, root, link_hash)
    SELECT head.head_seq + 1, events, verdicts, string_agg(u.leaf, ''::bytea ORDER BY u.n), root,
           sha256(head.head_hash || convert_to('link:' || (head.head_seq + 1) || ':' || n_rows || ':', 'UTF8') || root)
    FROM unnest(leaves) WITH ORDINALITY AS u (leaf, n);
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER chain_pending_seal AFTER INSERT ON sigverify.chain_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sigverify.chain_seal_transaction();

-- 4. Per-row sealing retired ----------------------------------------------------------------------

DROP TRIGGER verdicts_chain_seal ON sigverify.verdicts;
DROP TRIGGER job_events_chain_seal ON sigverify.job_events;
DROP FUNCTION sigverify.chain_seal();
DROP FUNCTION sigverify.chain_append(text, bigint);

CREATE TRIGGER verdicts_chain_collect AFTER INSERT ON sigverify.verdicts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sigverify.chain_collect();
CREATE TRIGGER job_events_chain_collect AFTER INSERT ON sigverify.job_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sigverify.chain_collect();

-- Append-only without exception: nothing updates a row to seal it any more.
DROP TRIGGER verdicts_append_only ON sigverify.verdicts;
DROP TRIGGER job_events_append_only ON sigverify.job_events;
CREATE TRIGGER verdicts_append_only BEFORE UPDATE OR DELETE ON sigverify.verdicts
    FOR EACH ROW EXECUTE FUNCTION sigverify.refuse_change();
CREATE TRIGGER job_events_append_only BEFORE UPDATE OR DELETE ON sigverify.job_events
    FOR EACH ROW EXECUTE FUNCTION sigverify.refuse_change();
DROP FUNCTION sigverify.refuse_change_but_seal();

-- 5. Job events, one statement per statement on jobs -------------------------------------------

-- As in 0001, for all rows of the statement at once (from its transition tables).
CREATE OR REPLACE FUNCTION sigverify.jobs_record_event() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO sigverify.job_events (job_id, from_status, to_status, attempt, worker_id, reason)
        SELECT n.id, NULL, n.status, n.attempts, NULL, 'enqueued' FROM new_jobs n ORDER BY n.id;
    ELSE
        INSERT INTO sigverify.job_events (job_id, from_status, to_status, attempt, worker_id, reason)
        SELECT n.id, o.status, n.status, n.attempts, coalesce(n.lease_owner, o.lease_owner),
               CASE
                   WHEN n.status = 'running' THEN 'claimed'
                   WHEN n.status = 'succeeded' THEN 'verdict recorded'
                   ELSE coalesce(n.last_error, n.status)
               END
        FROM new_jobs n JOIN old_jobs o ON o.id = n.id
        WHERE n.status IS DISTINCT FROM o.status
        ORDER BY n.id;
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER jobs_record_event ON sigverify.jobs;
CREATE TRIGGER jobs_record_event_insert AFTER INSERT ON sigverify.jobs
    REFERENCING NEW TABLE AS new_jobs FOR EACH STATEMENT EXECUTE FUNCTION sigverify.jobs_record_event();
CREATE TRIGGER jobs_record_event_update AFTER UPDATE ON sigverify.jobs
    REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs FOR EACH STATEMENT EXECUTE FUNCTION sigverify.jobs_record_event();

-- 6. Verdicts, one statement per batch ------------------------------------------------------------

CREATE TYPE sigverify.verdict_input AS (
    job_id                    bigint,
    attempt                   integer,
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
);

-- As record_verdict (0006) for a whole batch: the verdicts of the jobs still `running` under
-- `worker_id`'s lease for their attempt are written with one INSERT and those jobs marked
-- `succeeded` with one UPDATE (their job rows locked in id order first, so a call needs no
-- transaction of its own: one statement is a batch's whole write). Returns the jobs written.
CREATE FUNCTION sigverify.record_verdicts(worker_id text, batch sigverify.verdict_input[]) RETURNS SETOF bigint
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
            worker_id, decode_ms, preprocess_ms, verify_ms, preprocessed_png, image_sha256)
        SELECT b.job_id, b.model_version, b.preprocessing_profile, b.reconstruction_error, b.anomaly_score,
            b.classifier_confidence, b.reconstruction_threshold, b.anomaly_score_min, b.classifier_confidence_min,
            b.reconstruction_passed, b.anomaly_passed, b.classifier_passed, b.verdict, record_verdicts.worker_id,
            b.decode_ms, b.preprocess_ms, b.verify_ms, b.preprocessed_png, j.image_sha256
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

REVOKE EXECUTE ON FUNCTION sigverify.chain_leaf(text, bigint, jsonb), sigverify.chain_collect(),
    sigverify.merkle_root(bytea[]), sigverify.chain_lock_take(), sigverify.chain_head(),
    sigverify.chain_seal_transaction(), sigverify.record_verdicts(text, sigverify.verdict_input[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sigverify.record_verdicts(text, sigverify.verdict_input[]) TO sigverify_worker;
