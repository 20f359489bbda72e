import JobQueue

/// What a claim loop needs from its worker and nothing else: the values it connects, claims and
/// writes with, the rules its state machine follows, and the shared parts it reports to.
struct ClaimLoopContext: Sendable {
    var rules: LoopStateMachine.Rules
    var database: (url: String, settings: ConnectionSettings)
    /// Lease owner of what it claims, and the writer of their results.
    var workerId: String
    var claim: (batchSize: Int, batchBytes: Int, leaseSeconds: Double, maxScanBytes: Int)
    var retryPolicy: RetryPolicy
    let processor: any ScanProcessor
    let metrics: WorkerMetrics
    let notifications: NotificationPolicy
    /// Read before each action; cuts waits and backoffs short.
    let stopSignal: StopSignal
    let failures: WorkerFailures

    init(configuration config: WorkerConfiguration, processor: any ScanProcessor, metrics: WorkerMetrics,
         notifications: NotificationPolicy, stopSignal: StopSignal, failures: WorkerFailures) {
        self.processor = processor
        self.metrics = metrics
        self.notifications = notifications
        self.stopSignal = stopSignal
        self.failures = failures
        // A write is retried for two lease lengths (why the watchdog's limit is at least that).
        rules = LoopStateMachine.Rules(untilEmpty: config.untilEmpty, pollInterval: config.pollInterval,
                                       writeGiveUpSeconds: 2 * config.leaseSeconds, shutdownGrace: config.shutdownGrace)
        rules.prefetch = true
        database = (config.databaseURL, config.connection)
        workerId = config.workerId
        claim = (config.batchSize, config.batchBytes, config.leaseSeconds, config.maxScanBytes)
        retryPolicy = config.retryPolicy
    }
}
