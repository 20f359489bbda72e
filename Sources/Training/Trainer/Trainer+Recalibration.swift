import Foundation
import Verifier

extension Trainer {
    /// What `recalibrate` chose, and the bundle it wrote.
    public struct Recalibration: Sendable {
        public var bundle: ModelBundle
        public var chosen: JointCalibration.Result
        /// Held-out originals the thresholds were chosen on.
        public var heldOutCount: Int
    }

    /// Chooses `bundle`'s three thresholds again with this configuration's calibration targets, on the
    /// held-out originals a training run on `samples` would use (same data, seed and split), and writes
    /// the networks and forest unchanged with the new thresholds to `output`. This is how calibration
    /// targets are compared by leave-one-dataset-out validation without retraining a network per target
    /// (`train --thresholds-from DIR`).
    public func recalibrate(_ bundle: ModelBundle, samples: PreparedSamples, output: URL) throws(TrainingError) -> Recalibration {
        guard configuration.recipe == .calibrated else {
            throw .invalidConfiguration("only the calibrated recipe chooses thresholds on held-out images")
        }
        let held = split(samples).heldOut.filter { !samples.isCopy[$0] }
        let verifications: [Verification]
        do {
            verifications = try Verifier(bundle: bundle, maxBatch: configuration.batchSize).verify(samples.batch(held))
        } catch {
            throw .bundle("scoring held-out images: \(error)")
        }
        var parameters = bundle.parameters
        let chosen = try calibrate(&parameters, scores: verifications, of: held, in: samples)
        let work = Self.partialFolder(for: output)
        try? FileManager.default.removeItem(at: work)
        do {
            try ModelBundle.write(parameters: parameters, autoencoder: bundle.autoencoder,
                                  classifier: bundle.classifier, forest: bundle.forest, to: work)
        } catch {
            throw .bundle("\(error)")
        }
        // The networks' training history stays with them (`evaluate` draws its curves).
        let history = bundle.folder.appendingPathComponent(TrainingHistory.fileName)
        if FileManager.default.fileExists(atPath: history.path) {
            try? FileManager.default.copyItem(at: history, to: work.appendingPathComponent(TrainingHistory.fileName))
        }
        try Self.replace(output, with: work)
        do {
            return Recalibration(bundle: try ModelBundle.load(from: output), chosen: chosen, heldOutCount: held.count)
        } catch {
            throw .bundle("\(error)")
        }
    }
}
