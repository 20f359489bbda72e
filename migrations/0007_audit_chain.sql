-- A tamper-evident audit chain over verdicts and job events (issue 12). Roles (0006) stop clients
-- from rewriting history; the schema's owner and superusers can still switch triggers off. The
-- chain makes that visible: every verdict and every job event gets a place in one chain
-- (`chain_seq`, 1, 2, 3, … across both tables) and a hash over its content and the previous
-- place's hash (`chain_hash`). `sigverify audit` recomputes it; a rewritten, deleted or inserted
-- row breaks it, and a head hash kept outside the database (`sigverify audit --anchor`) shows that
-- nothing up to it was rewritten since, even by someone who recomputed the whole chain.
--
--   message(row) = convert_to(table_name || ':' || chain_seq || ':' || content, 'UTF8')
--   content      = (to_jsonb(row) - 'chain_seq' - 'chain_hash')::text   with TimeZone = 'UTC'
--                                                                         and extra_float_digits = 1
--   chain_hash   = sha256(previous chain_hash || message(row)); before place 1: 32 zero bytes.
--
-- Rows are sealed when their transaction commits (a deferred constraint trigger, which takes an
-- advisory lock first): a transaction holding the chain lock never waits for a job row, so the
-- chain cannot deadlock the fleet, and places follow commit order.

ALTER TABLE sigverify.verdicts ADD COLUMN chain_seq bigint UNIQUE, ADD COLUMN chain_hash bytea;
ALTER TABLE sigverify.job_events ADD COLUMN chain_seq bigint UNIQUE, ADD COLUMN chain_hash bytea;

-- A row's content as the chain hashes it (the same text `sigverify audit` reads).
CREATE FUNCTION sigverify.chain_content(row_json jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (row_json - 'chain_seq' - 'chain_hash')::text
$$;

-- Gives one row (of verdicts or job_events) the next place in the chain, hashing the row as stored
-- (read here, in UTC). Callers hold nothing the chain's lock holder could wait for; see chain_seal.
CREATE FUNCTION sigverify.chain_append(table_name text, row_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, sigverify, pg_temp SET TimeZone = 'UTC' SET extra_float_digits = 1 AS $$
DECLARE
    head_seq  bigint;
    head_hash bytea;
    row_json  jsonb;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'sigverify: verdicts and job events are written only in READ COMMITTED transactions (the audit chain needs the latest head)'
            USING ERRCODE = 'feature_not_supported';
    END IF;
    PERFORM pg_advisory_xact_lock(7594136274205470776);  -- "sigverify chain"
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

CREATE FUNCTION sigverify.chain_seal() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, sigverify, pg_temp AS $$
BEGIN
    PERFORM sigverify.chain_append(TG_TABLE_NAME, NEW.id);
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER verdicts_chain_seal AFTER INSERT ON sigverify.verdicts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sigverify.chain_seal();
CREATE CONSTRAINT TRIGGER job_events_chain_seal AFTER INSERT ON sigverify.job_events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sigverify.chain_seal();

-- Still append-only, except for sealing: setting chain_seq and chain_hash once, nothing else.
CREATE FUNCTION sigverify.refuse_change_but_seal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL AND NEW.chain_hash IS NOT NULL
       AND sigverify.chain_content(to_jsonb(NEW)) = sigverify.chain_content(to_jsonb(OLD)) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'sigverify.% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER verdicts_append_only ON sigverify.verdicts;
DROP TRIGGER job_events_append_only ON sigverify.job_events;
CREATE TRIGGER verdicts_append_only BEFORE UPDATE OR DELETE ON sigverify.verdicts
    FOR EACH ROW EXECUTE FUNCTION sigverify.refuse_change_but_seal();
CREATE TRIGGER job_events_append_only BEFORE UPDATE OR DELETE ON sigverify.job_events
    FOR EACH ROW EXECUTE FUNCTION sigverify.refuse_change_but_seal();

-- Rows from before this migration join the chain now, oldest first (the chain vouches for them
-- from this point on, not for what happened to them before).
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT 'verdicts' AS table_name, v.id, v.created_at FROM sigverify.verdicts v
        UNION ALL
        SELECT 'job_events', e.id, e.created_at FROM sigverify.job_events e
        ORDER BY created_at, table_name, id
    LOOP
        PERFORM sigverify.chain_append(r.table_name, r.id);
    END LOOP;
END $$;

REVOKE EXECUTE ON FUNCTION sigverify.chain_append(text, bigint), sigverify.chain_seal(),
                           sigverify.refuse_change_but_seal(), sigverify.chain_content(jsonb) FROM PUBLIC;
