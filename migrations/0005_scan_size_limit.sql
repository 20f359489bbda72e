-- A size limit at the door: every new scan must hold 1 byte to 64 MiB (the worker's own limit,
-- `sigverify work --max-scan-bytes`). Without it one huge scan could be submitted that no claim can
-- return (PostgreSQL cannot hex-encode a bytea over 512 MiB), and a scan no worker will decode
-- should fail at submission, where the submitter sees why, not later in a worker.

-- The limit, in one place: the row check below and `sigverify enqueue` ask this function. To
-- change it, add a migration that replaces the function (existing rows are not re-checked).
CREATE FUNCTION sigverify.max_scan_bytes() RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT 64 * 1024 * 1024
$$;
COMMENT ON FUNCTION sigverify.max_scan_bytes() IS
    'Largest scan sigverify.jobs accepts, in bytes (64 MiB); inserts of larger, empty or NULL images are refused.';

-- Refuses a new image (INSERT, or an UPDATE that replaces the bytes) that is NULL, empty or over the
-- limit. A trigger rather than a CHECK constraint on purpose: PostgreSQL enforces even a NOT VALID
-- CHECK on every later UPDATE of a row, so an oversized row from before this migration would make
-- the claim's UPDATE fail for its whole batch — the fleet-stopping failure this limit is for. Old
-- rows stay as they are; workers fail an oversized one with its reason. Pruning (image := NULL on a
-- finished job) remains allowed.
CREATE FUNCTION sigverify.jobs_check_image() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    size bigint := octet_length(NEW.image);
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.image IS NULL OR NEW.image IS NOT DISTINCT FROM OLD.image) THEN
        RETURN NEW;
    END IF;
    IF size IS NULL OR size = 0 THEN
        RAISE EXCEPTION 'scan refused: the image is %', CASE WHEN size IS NULL THEN 'NULL' ELSE 'empty (0 bytes)' END
            USING ERRCODE = 'check_violation', CONSTRAINT = 'jobs_image_size',
                  HINT = 'submit the scan''s bytes (1 byte to ' || sigverify.max_scan_bytes() || ' bytes)';
    END IF;
    IF size > sigverify.max_scan_bytes() THEN
        RAISE EXCEPTION 'scan refused: % bytes is over the limit of % bytes (% MiB)',
                size, sigverify.max_scan_bytes(), sigverify.max_scan_bytes() / 1048576
            USING ERRCODE = 'check_violation', CONSTRAINT = 'jobs_image_size',
                  HINT = 'scans are refused above sigverify.max_scan_bytes()';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER jobs_check_image BEFORE INSERT OR UPDATE OF image ON sigverify.jobs
    FOR EACH ROW EXECUTE FUNCTION sigverify.jobs_check_image();
