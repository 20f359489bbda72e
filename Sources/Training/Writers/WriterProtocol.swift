import Foundation
import NeuralNet

/// What a questioned signature is, relative to the subject it is compared with.
public enum TrialKind: String, Sendable, Codable, CaseIterable {
    /// Another genuine signature of the subject (should match).
    case genuine
    /// A skilled forgery of the subject's signature.
    case skilled
    /// A genuine signature of another writer of the same dataset (a random forgery).
    case random
}

/// One questioned signature scored against one subject's references.
public struct WriterTrial: Sendable, Equatable {
    public var dataset: String
    public var writer: String
    public var kind: TrialKind
    public var score: Double

    public init(dataset: String, writer: String, kind: TrialKind, score: Double) {
        (self.dataset, self.writer, self.kind, self.score) = (dataset, writer, kind, score)
    }
}

/// The usual writer-verification protocol: per writer, `references` genuine signatures (a seeded
/// draw) are the specimens; questioned are the writer's other genuine signatures, the skilled
/// forgeries of them, and one genuine signature of each of up to `randomWriters` other writers of the
/// same dataset (random forgeries). Writers with no genuine signature left to question are skipped.
public struct WriterProtocol: Sendable {
    public var references: Int
    public var randomWriters: Int
    public var seed: UInt64

    public init(references: Int, randomWriters: Int = 10, seed: UInt64 = 2026) {
        (self.references, self.randomWriters, self.seed) = (references, randomWriters, seed)
    }

    /// Every trial over `scans` with their embeddings, scored by `score(questioned, references)`.
    public func trials(_ scans: [WriterScan], embeddings: [[Float]],
                       score: ([Float], [[Float]]) -> Double) -> [WriterTrial] {
        var out: [WriterTrial] = []
        for draw in draws(scans) {
            let refs = draw.references.map { embeddings[$0] }
            for (i, kind) in draw.questioned {
                out.append(WriterTrial(dataset: draw.dataset, writer: draw.writer, kind: kind, score: score(embeddings[i], refs)))
            }
        }
        return out
    }

    /// The references of every writer `trials` scores, as embeddings (the same draw).
    public func referenceSets(_ scans: [WriterScan], embeddings: [[Float]]) -> [[[Float]]] {
        draws(scans).map { $0.references.map { embeddings[$0] } }
    }

    /// Per writer with a genuine signature left to question, in writer order: its references and
    /// its questioned scans (indices into `scans`).
    private func draws(_ scans: [WriterScan]) -> [(writer: String, dataset: String, references: [Int], questioned: [(Int, TrialKind)])] {
        let byWriter = Dictionary(grouping: scans.indices, by: { scans[$0].writer })
        var genuines: [String: [Int]] = [:]
        for (writer, indices) in byWriter {
            genuines[writer] = shuffled(indices.filter { scans[$0].genuine }.sorted { scans[$0].path < scans[$1].path }, writer)
        }
        var out: [(writer: String, dataset: String, references: [Int], questioned: [(Int, TrialKind)])] = []
        for writer in byWriter.keys.sorted() {
            let own = genuines[writer] ?? []
            guard own.count > references, let dataset = byWriter[writer]?.first.map({ scans[$0].dataset }) else { continue }
            var questioned = own.dropFirst(references).map { ($0, TrialKind.genuine) }
            questioned += byWriter[writer]!.filter { !scans[$0].genuine }.map { ($0, TrialKind.skilled) }
            let others = genuines.keys.filter { $0 != writer && scans[byWriter[$0]![0]].dataset == dataset }.sorted()
            for other in shuffled(others, writer).prefix(randomWriters) {
                if let first = genuines[other]?.first { questioned.append((first, .random)) }
            }
            out.append((writer, dataset, Array(own.prefix(references)), questioned))
        }
        return out
    }

    /// A seeded shuffle of `items`, different per writer (FNV-1a of its name: stable across listings).
    private func shuffled<T>(_ items: [T], _ writer: String) -> [T] {
        let salt = writer.utf8.reduce(UInt64(0xCBF2_9CE4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
        var rng = SeededGenerator(seed: seed, stream: 7, index: salt)
        var copy = items
        rng.shuffle(&copy)
        return copy
    }
}
