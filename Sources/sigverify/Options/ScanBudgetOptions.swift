import ArgumentParser
import ScanPipeline

/// The per-scan budget, the same options with the same defaults for `work` and `verify`: a hostile
/// file costs `verify` what `work` would let it cost, and fails the same way.
struct ScanBudgetOptions: ParsableArguments {
    @Option(help: "Decoded pixels a scan may have (width × height, checked from its header; also bounds every canvas derived from it); larger scans fail.")
    var maxPixels = ScanBudget.workerDefaultMaxPixels
    @Option(help: "Seconds a scan's decode may take (the decoder is stopped then; 0: no limit); slower scans fail.")
    var maxDecodeSeconds = ScanBudget.workerDefaultDecodeSeconds

    func validate() throws {
        guard maxPixels >= 1 else { throw ValidationError("--max-pixels must be positive") }
        guard maxDecodeSeconds >= 0 else { throw ValidationError("--max-decode-seconds must not be negative") }
    }

    var budget: ScanBudget {
        ScanBudget(maxPixels: maxPixels, maxDecodeSeconds: maxDecodeSeconds > 0 ? maxDecodeSeconds : nil)
    }
}
