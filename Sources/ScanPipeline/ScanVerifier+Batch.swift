import Dispatch
import Foundation
import Imaging
import NeuralNet
import Verifier

/// One scan of a batch: where its bytes come from and which page of it to verify.
public struct ScanSource: Sendable {
    public let page: Int
    /// The scan's bytes; what it throws is the scan's own error (unreadable, too large).
    public let load: @Sendable () throws -> [UInt8]

    public init(page: Int = 0, load: @escaping @Sendable () throws -> [UInt8]) {
        self.page = page
        self.load = load
    }

    /// The file at `path`; a file that cannot be read fails as `ImagingError.unreadableFile`.
    public static func file(_ path: String, page: Int = 0) -> ScanSource {
        ScanSource(page: page) {
            do { return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
                throw ImagingError.unreadableFile(path: path, reason: error.localizedDescription)
            }
        }
    }
}

/// One scan verified, with what its caller derived from the prepared scan (`Extra`).
public struct VerifiedScan<Extra: Sendable>: Sendable {
    /// Finite scores (a NaN/∞ score is a `ScanError.nonFiniteScores`).
    public let verification: Verification
    public let scan: PreparedScan
    public let extra: Extra
    /// The batch's network time, per scan.
    public let verifyMs: Double
}

/// Why one scan of a batch has no verdict.
public enum ScanError: Error, CustomStringConvertible {
    /// The scan's own fault: unreadable, corrupt, unsupported, over the budget (the loader's,
    /// decoder's, preprocessing's or `finish`'s error, unchanged).
    case unprepared(any Error)
    /// The model scored it NaN/∞: the model's fault, not the scan's.
    case nonFiniteScores(VerifierError)
    /// The networks' pass over the batch failed (the bundle and this build disagree).
    case verifierFailed(VerifierError)

    /// The underlying error as it reads.
    public var description: String {
        switch self {
        case .unprepared(let error): return "\(error)"
        case .nonFiniteScores(let error), .verifierFailed(let error): return error.description
        }
    }
}

extension ScanVerifier {
    /// A batch through the whole data path, queue-free: every scan is loaded, decoded, preprocessed
    /// and handed to `finish` (e.g. PNG-encoding the audit copy) spread over the cores
    /// (`Parallel.map`, one scan per task, within the caller's `CoreShare`), calling `scanDone`
    /// after each; then the networks run once over the good ones (OpenBLAS and the layers split
    /// that work themselves). One result per source, in order; a bad scan keeps its own error and
    /// never stops the others.
    public func run<Extra: Sendable>(_ sources: [ScanSource], scanDone: @Sendable () -> Void = {},
                                     finish: @Sendable (PreparedScan) throws -> Extra)
        -> [Result<VerifiedScan<Extra>, ScanError>] {
        var results = [Result<VerifiedScan<Extra>, ScanError>?](repeating: nil, count: sources.count)
        var ready: [(index: Int, scan: PreparedScan, extra: Extra)] = []
        for (index, preparation) in prepareAll(sources, scanDone: scanDone, finish: finish).enumerated() {
            switch preparation {
            case .success(let item): ready.append((index, item.scan, item.extra))
            case .failure(let error): results[index] = .failure(.unprepared(error))
            }
        }
        for (item, result) in zip(ready, verifyReady(ready.map(\.scan))) {
            results[item.index] = result.map {
                VerifiedScan(verification: $0.verification, scan: item.scan, extra: item.extra, verifyMs: $0.verifyMs)
            }
        }
        return results.map { $0! }  // every slot is set: a phase-1 failure, or one verifier result per ready scan
    }

    /// `run` keeping nothing beside the verdicts.
    public func run(_ sources: [ScanSource], scanDone: @Sendable () -> Void = {}) -> [Result<VerifiedScan<Void>, ScanError>] {
        run(sources, scanDone: scanDone) { _ in () }
    }

    /// Phase 1: each source's load → prepare → `finish` in its own task; errors stay in their slots.
    private func prepareAll<Extra: Sendable>(_ sources: [ScanSource], scanDone: @Sendable () -> Void,
                                             finish: @Sendable (PreparedScan) throws -> Extra)
        -> [Result<(scan: PreparedScan, extra: Extra), any Error>] {
        Parallel.map(sources.count) { index in
            let preparation = Result { () throws -> (scan: PreparedScan, extra: Extra) in
                let scan = try prepare(try sources[index].load(), page: sources[index].page)
                return (scan, try finish(scan))
            }
            scanDone()
            return preparation
        }
    }

    /// Phase 2: one pass of the networks over `scans`, one result per scan in order.
    private func verifyReady(_ scans: [PreparedScan]) -> [Result<(verification: Verification, verifyMs: Double), ScanError>] {
        guard !scans.isEmpty else { return [] }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let verifications: [Verification]
        do { verifications = try verify(scans) } catch {
            return scans.map { _ in .failure(.verifierFailed(error)) }
        }
        let verifyMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(scans.count)
        return verifications.map { verification in
            do throws(VerifierError) {
                return .success((try verification.requireFiniteScores(), verifyMs))
            } catch {
                return .failure(.nonFiniteScores(error))
            }
        }
    }
}
