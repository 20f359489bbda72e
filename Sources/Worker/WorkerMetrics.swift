import CoreMetrics
import Dispatch
import JobQueue

/// The worker's metrics through the swift-metrics API. They are no-ops unless the process
/// bootstrapped a metrics backend before creating the `Worker` (`sigverify work --metrics-address`
/// bootstraps Prometheus). Names follow Prometheus conventions; one label set per name.
struct WorkerMetrics: Sendable {
    private let claimedJobs = Counter(label: "sigverify_jobs_claimed_total")
    private let succeededJobs = Counter(label: "sigverify_jobs_succeeded_total")
    private let failedJobs = Counter(label: "sigverify_jobs_failed_total")
    private let retriedJobs = Counter(label: "sigverify_jobs_retried_total")
    private let lostLeases = Counter(label: "sigverify_lease_losses_total")
    private let reconnects = Counter(label: "sigverify_reconnects_total")
    private let batchDuration = Timer(label: "sigverify_batch_duration_seconds")
    private let verdicts = ["valid", "invalid"].map { Counter(label: "sigverify_verdicts_total", dimensions: [("verdict", $0)]) }
    private let rejections = WorkerMetrics.criteria.map {
        Counter(label: "sigverify_criterion_rejections_total", dimensions: [("criterion", $0)])
    }
    private let stageDuration = WorkerMetrics.stages.map {
        Timer(label: "sigverify_stage_duration_seconds", dimensions: [("stage", $0)])
    }

    static let criteria = ["reconstruction", "anomaly", "classifier"]
    static let stages = ["decode", "preprocess", "verify"]

    /// `sigverify_model_info{model_version="…"} 1`, the info-metric idiom.
    func started(modelVersion: String) {
        Gauge(label: "sigverify_model_info", dimensions: [("model_version", modelVersion)]).record(1)
    }

    func claimed(_ count: Int) { claimedJobs.increment(by: count) }

    func reconnected() { reconnects.increment() }

    /// A batch's verdicts: counted by outcome and by each criterion that rejected, stage timings observed.
    func processed(_ outcomes: [ScanOutcome]) {
        for case .success(let record) in outcomes {
            verdicts[record.isValid ? 0 : 1].increment()
            for (k, passed) in [record.reconstructionPassed, record.anomalyPassed, record.classifierPassed].enumerated() where !passed {
                rejections[k].increment()
            }
            let timings = [record.timings.decodeMs, record.timings.preprocessMs, record.timings.verifyMs]
            for (k, ms) in timings.enumerated() { stageDuration[k].recordNanoseconds(Int64(ms * 1e6)) }
        }
    }

    /// A batch written back (claim to commit).
    func finished(_ summary: FinishSummary?, claimedAt start: DispatchTime) {
        batchDuration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds &- start.uptimeNanoseconds))
        guard let summary else { return }
        succeededJobs.increment(by: summary.succeeded.count)
        failedJobs.increment(by: summary.failed.count)
        retriedJobs.increment(by: summary.retried.count)
        lostLeases.increment(by: summary.lostLease.count)
    }
}
