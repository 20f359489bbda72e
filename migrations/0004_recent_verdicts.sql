-- The latest verdicts with their three scores and why each passed or failed: the per-scan
-- report an operator reads first (`sigverify report`), and a template for auditors' queries.
CREATE VIEW sigverify.recent_verdicts AS
SELECT v.job_id, j.external_ref, j.filename, v.verdict,
       v.reconstruction_error, v.reconstruction_threshold, v.reconstruction_passed,
       v.anomaly_score, v.anomaly_score_min, v.anomaly_passed,
       v.classifier_confidence, v.classifier_confidence_min, v.classifier_passed,
       v.model_version, v.preprocessing_profile, v.created_at
FROM sigverify.verdicts v
JOIN sigverify.jobs j ON j.id = v.job_id
ORDER BY v.created_at DESC, v.job_id DESC
LIMIT 1000;
