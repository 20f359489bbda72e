-- Multi-page scans (TIFF from document scanners and fax gateways): which page to verify,
-- 0-based; the first page unless the submitter says otherwise.
ALTER TABLE sigverify.jobs ADD COLUMN page integer NOT NULL DEFAULT 0 CHECK (page >= 0);

DROP FUNCTION sigverify.enqueue_scan(bytea, text, jsonb, integer, text, text);
CREATE FUNCTION sigverify.enqueue_scan(
    image        bytea,
    external_ref text DEFAULT NULL,
    metadata     jsonb DEFAULT '{}'::jsonb,
    priority     integer DEFAULT 0,
    filename     text DEFAULT NULL,
    content_type text DEFAULT NULL,
    page         integer DEFAULT 0
) RETURNS bigint LANGUAGE sql AS $$
    INSERT INTO sigverify.jobs (image, external_ref, metadata, priority, filename, content_type, page)
    VALUES (enqueue_scan.image, enqueue_scan.external_ref, coalesce(enqueue_scan.metadata, '{}'::jsonb),
            coalesce(enqueue_scan.priority, 0), enqueue_scan.filename, enqueue_scan.content_type,
            coalesce(enqueue_scan.page, 0))
    RETURNING id
$$;
COMMENT ON FUNCTION sigverify.enqueue_scan(bytea, text, jsonb, integer, text, text, integer) IS
    'Submit one scan; returns the job id. page: which page of a multi-page TIFF to verify (0-based).';
