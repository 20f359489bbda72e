import ArgumentParser
import Benchmarks
import Foundation
import JobQueue
import NeuralNet
import Verifier
import ScanPipeline

/// `sigverify benchmark precision`: how verdicts would change under bfloat16 inference
/// (`cblas_sbgemm`), measured with an exact software emulation on this build's float32 OpenBLAS —
/// verdict agreement and the largest score differences over real scans. Not a precision mode.
struct BenchmarkPrecisionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precision",
        abstract: "Measure verdict agreement of emulated bfloat16 inference with float32.",
        discussion: """
            Every matrix product's two operands are rounded to bfloat16 (round to nearest even) and \
            accumulated in float32, which is what cblas_sbgemm / AVX512-BF16 compute up to summation \
            order. The emulation runs in software: its timing is no speed figure.
            """)

    @Argument(help: "Scan files or folders (default: ../shared/data/real).") var scans: [String] = ["../shared/data/real"]
    @Option(help: "Model bundle, repeatable (default: the bundled default model).") var model: [String] = []
    @Option(help: "Images per verifier pass.") var batchSize = 32
    @Option(help: "Verdict agreement required to pass, percent.") var required = 99.9

    func run() throws {
        let files = try FileEnqueuer.collect(scans)
        print("OpenBLAS \(BLAS.kernelReport); cblas_sbgemm exported: \(BF16Emulation.libraryHasSBGEMM ? "yes" : "no")")
        for folder in try (model.isEmpty ? [nil] : model.map { Optional($0) }).map(ModelLocation.resolve) {
            try report(folder: folder, files: files)
        }
    }

    private func report(folder: URL, files: [String]) throws {
        let scanVerifier = try ScanVerifier(modelFolder: folder, maxBatch: batchSize)
        let readable = PrecisionComparison.readable(files, by: scanVerifier)
        guard !readable.isEmpty else { throw CommandFailure("no readable scans among \(files.count) files") }
        let c = try PrecisionComparison.measure(scanVerifier, scans: readable.map(\.1), batchSize: batchSize)
        let shape = scanVerifier.verifier.inputShape
        print("\nmodel \(scanVerifier.modelVersion) (\(shape[0])×\(shape[1]), \(folder.path)): \(c.scans) scans, "
              + "\(files.count - readable.count) unreadable")
        print(String(format: "identical verdicts: %d/%d = %.3f %% (required ≥ %.1f %%: %@)", c.identicalVerdicts, c.scans,
                     100 * c.agreement, required, 100 * c.agreement >= required ? "pass" : "FAIL"))
        for flip in c.flips {
            print("  \(readable[flip.index].0): float32 \(flip.float32.verdict.rawValue) → bf16 \(flip.bf16.verdict.rawValue)")
        }
        for (name, indices) in zip(["reconstruction", "anomaly", "classifier"], c.criterionFlips) {
            print("\(name) criterion pass/fail changed on \(indices.count) scan(s)"
                  + indices.map { "\n  \(readable[$0].0)" }.joined())
        }
        for d in c.differences {
            print(String(format: "max |Δ| %@: %.3g (mean %.3g; %@)", d.name, d.maxAbs, d.meanAbs, readable[d.worstIndex].0))
        }
        print(String(format: "float32 pass %.2f s, emulated pass %.2f s (software rounding: not a speed figure)",
                     c.float32Seconds, c.emulatedSeconds))
    }
}
