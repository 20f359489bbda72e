-- Less server work per job (issue 24). Measured with pg_stat_statements and in isolation (README,
-- "The queue against PgQueuer"): a third of a batch's server time was its rows' leaves — each
-- verdict and job event rendered as JSON text (the 3 KB network-input PNG as 6 KB of hex),
-- 112 µs per verdict and 28 µs per event, where hashing the same row's binary form takes 27 and
-- 9 µs. So from here on:
--
--   leaf(row) = sha256(0x00 ‖ convert_to(table_name || ':' || id || ':', 'UTF8') ‖ record_send(ROW(columns…)))
--
-- with the columns listed below (THE LEAF, v2: the one place that defines them; the auditor's
-- JobQueue+ChainContents.swift renders the same ROW with built-in functions only). record_send is
-- PostgreSQL's binary form of a record: the column count, then per column its type's OID, its
-- length (-1 for NULL) and its binary value — exact float bits, timestamps as microseconds (no
-- TimeZone or extra_float_digits involved), bytea as is. Every column is of a built-in type,
-- whose OID never changes. A verdict's leaf includes the match columns of 0012 (match_score,
-- match_passed, match_threshold, match_model_version, match_references, match_reference_ids,
-- match_reason; NULL ones as NULL), so a rewritten match is named as surely as a rewritten
-- verdict. A column added to verdicts or job_events later is not in this list, so it does not
-- change the leaves already sealed; to chain it, add a leaf format 3.
--
-- Each link records its rows' leaf format (chain_links.leaf_format: 1 for the JSON leaves of
-- 0011, 2 for these — rows of any other chained table, such as 0012's references, revocations
-- and embeddings, keep the JSON leaf in format 2 as well), so links sealed before this migration
-- verify as before. Tables are locked
-- first so that no transaction that collected JSON leaves seals them after this commits.
--
-- Also: the chain_seq uniqueness of 0007 becomes a partial index over the rows that have one
-- (only rows sealed one by one before 0011), so inserting a verdict or event no longer adds an
-- entry for its NULL to a shared index page.

LOCK TABLE sigverify.verdicts, sigverify.job_events, sigverify.chain_pending IN EXCLUSIVE MODE;

-- The links already sealed get 1; every link sealed from here on gets the default, 2 (the seal of
-- 0011 as 0012 replaced it, sigverify.chain_seal_transaction, inserts links without naming the column).
ALTER TABLE sigverify.chain_links ADD COLUMN leaf_format smallint NOT NULL DEFAULT 1
    CHECK (leaf_format IN (1, 2));
ALTER TABLE sigverify.chain_links ALTER COLUMN leaf_format SET DEFAULT 2;
COMMENT ON COLUMN sigverify.chain_links.leaf_format IS
    'How its rows'' leaves were computed: 1 (0011) sha256(0x00 ‖ ''table:id:'' ‖ the row as JSON text), 2 (0013) for verdicts and job events sha256(0x00 ‖ ''table:id:'' ‖ record_send of the row''s columns as listed in migration 0013), for rows of any other table as in 1.';

-- THE LEAF, v2 -----------------------------------------------------------------------------------
-- Verdicts and job events get the binary leaf; a row of any other chained table keeps the JSON
-- leaf of 0011 (leaf format 2 means exactly this).
CREATE OR REPLACE FUNCTION sigverify.chain_collect() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp SET TimeZone = 'UTC' SET extra_float_digits = 1 AS $$
BEGIN
    IF TG_TABLE_NAME = 'verdicts' THEN
        INSERT INTO sigverify.chain_pending (table_name, ids, leaves)
        SELECT 'verdicts', array_agg(n.id ORDER BY n.id),
               array_agg(sha256('\x00'::bytea || convert_to('verdicts:' || n.id || ':', 'UTF8') || record_send(ROW(
                   n.id, n.job_id, n.model_version, n.preprocessing_profile, n.reconstruction_error, n.anomaly_score,
                   n.classifier_confidence, n.reconstruction_threshold, n.anomaly_score_min, n.classifier_confidence_min,
                   n.reconstruction_passed, n.anomaly_passed, n.classifier_passed, n.verdict, n.worker_id, n.decode_ms,
                   n.preprocess_ms, n.verify_ms, n.preprocessed_png, n.created_at, n.image_sha256,
                   n.match_score, n.match_passed, n.match_threshold, n.match_model_version, n.match_references,
                   n.match_reference_ids, n.match_reason))) ORDER BY n.id)
        FROM new_rows n
        HAVING count(*) > 0;
    ELSIF TG_TABLE_NAME = 'job_events' THEN
        INSERT INTO sigverify.chain_pending (table_name, ids, leaves)
        SELECT 'job_events', array_agg(n.id ORDER BY n.id),
               array_agg(sha256('\x00'::bytea || convert_to('job_events:' || n.id || ':', 'UTF8') || record_send(ROW(
                   n.id, n.job_id, n.from_status, n.to_status, n.attempt, n.worker_id, n.reason, n.created_at))) ORDER BY n.id)
        FROM new_rows n
        HAVING count(*) > 0;
    ELSE
        INSERT INTO sigverify.chain_pending (table_name, ids, leaves)
        SELECT TG_TABLE_NAME, array_agg(n.id ORDER BY n.id),
               array_agg(sigverify.chain_leaf(TG_TABLE_NAME, n.id, to_jsonb(n)) ORDER BY n.id)
        FROM new_rows n
        HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$;
-- (end of THE LEAF, v2) ------------------------------------------------------------------------

-- Fewer index entries per insert: chain_seq is set only on rows sealed one by one (0007).
ALTER TABLE sigverify.verdicts DROP CONSTRAINT verdicts_chain_seq_key;
ALTER TABLE sigverify.job_events DROP CONSTRAINT job_events_chain_seq_key;
CREATE UNIQUE INDEX verdicts_chain_seq_key ON sigverify.verdicts (chain_seq) WHERE chain_seq IS NOT NULL;
CREATE UNIQUE INDEX job_events_chain_seq_key ON sigverify.job_events (chain_seq) WHERE chain_seq IS NOT NULL;

REVOKE EXECUTE ON FUNCTION sigverify.chain_collect() FROM PUBLIC;
