-- Reporting views: what `sigverify report` prints, and what dashboards can SELECT directly.

-- Verdict counts and pass rates per day (UTC) and model version.
CREATE VIEW sigverify.daily_verdicts AS
SELECT (v.created_at AT TIME ZONE 'UTC')::date                              AS day,
       v.model_version,
       count(*)                                                           AS verdicts,
       count(*) FILTER (WHERE v.verdict = 'valid')                        AS valid,
       count(*) FILTER (WHERE v.verdict = 'invalid')                      AS invalid,
       round(avg((v.verdict = 'valid')::int)::numeric, 4)                 AS valid_rate,
       round(avg(v.reconstruction_passed::int)::numeric, 4)               AS reconstruction_pass_rate,
       round(avg(v.anomaly_passed::int)::numeric, 4)                      AS anomaly_pass_rate,
       round(avg(v.classifier_passed::int)::numeric, 4)                   AS classifier_pass_rate
FROM sigverify.verdicts v
GROUP BY 1, 2;

-- How often each criterion failed, per model version (a scan can fail several).
CREATE VIEW sigverify.criterion_failures AS
SELECT v.model_version, c.criterion,
       count(*) FILTER (WHERE NOT c.passed)                               AS failures,
       count(*) FILTER (WHERE NOT c.passed AND c.only_failure)            AS sole_failures,
       count(*)                                                           AS verdicts,
       round(avg((NOT c.passed)::int)::numeric, 4)                        AS failure_rate
FROM sigverify.verdicts v
CROSS JOIN LATERAL (VALUES
    ('reconstruction', v.reconstruction_passed, v.anomaly_passed AND v.classifier_passed),
    ('anomaly',        v.anomaly_passed,        v.reconstruction_passed AND v.classifier_passed),
    ('classifier',     v.classifier_passed,     v.reconstruction_passed AND v.anomaly_passed)
) AS c(criterion, passed, only_failure)
GROUP BY 1, 2;

-- Jobs per status (every status listed, zero included), with the oldest job in each.
CREATE VIEW sigverify.queue_depth AS
SELECT s.status, count(j.id) AS jobs, min(j.created_at) AS oldest_created_at,
       count(j.id) FILTER (WHERE j.status = 'queued' AND j.run_after > now()) AS waiting_for_retry
FROM (VALUES (1, 'queued'), (2, 'running'), (3, 'succeeded'), (4, 'failed'), (5, 'cancelled')) AS s(ord, status)
LEFT JOIN sigverify.jobs j ON j.status = s.status
GROUP BY s.ord, s.status
ORDER BY s.ord;

-- Enqueue → verdict latency percentiles in seconds, per day and model version.
CREATE VIEW sigverify.latency_percentiles AS
SELECT (v.created_at AT TIME ZONE 'UTC')::date AS day,
       v.model_version,
       count(*) AS verdicts,
       round(percentile_cont(0.50) WITHIN GROUP (ORDER BY extract(epoch FROM v.created_at - j.created_at))::numeric, 3) AS p50_seconds,
       round(percentile_cont(0.90) WITHIN GROUP (ORDER BY extract(epoch FROM v.created_at - j.created_at))::numeric, 3) AS p90_seconds,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM v.created_at - j.created_at))::numeric, 3) AS p99_seconds,
       round(max(extract(epoch FROM v.created_at - j.created_at))::numeric, 3) AS max_seconds
FROM sigverify.verdicts v
JOIN sigverify.jobs j ON j.id = v.job_id
GROUP BY 1, 2;

-- The latest failed jobs with their error, newest first.
CREATE VIEW sigverify.recent_failures AS
SELECT j.id AS job_id, j.external_ref, j.filename, j.attempts, j.finished_at AS failed_at, j.last_error
FROM sigverify.jobs j
WHERE j.status = 'failed'
ORDER BY j.finished_at DESC, j.id DESC
LIMIT 100;

-- Verdicts and failures per minute over the last hour, for throughput.
CREATE VIEW sigverify.throughput_per_minute AS
SELECT date_trunc('minute', j.finished_at) AS minute,
       count(*) FILTER (WHERE j.status = 'succeeded') AS succeeded,
       count(*) FILTER (WHERE j.status = 'failed')    AS failed
FROM sigverify.jobs j
WHERE j.finished_at >= now() - interval '1 hour' AND j.status IN ('succeeded', 'failed')
GROUP BY 1
ORDER BY 1 DESC;
