import Foundation
import Imaging
import NeuralNet
import WriterVerification

/// Writer scans decoded and preprocessed once to the writer network's input (kept as bytes:
/// 8 KB a scan at 64×128), so training epochs and evaluations reuse them.
public struct PreparedWriterScans: Sendable {
    public private(set) var scans: [WriterScan]
    /// height·width bytes per scan (ink 255), in `scans` order.
    public private(set) var images: [[UInt8]]
    public let height: Int
    public let width: Int

    /// Decodes and preprocesses every scan over the cores; an unreadable one is left out and named
    /// in `skipped`.
    public static func prepare(_ scans: [WriterScan], preprocessing: WriterPreprocessing,
                               decoder: ImageDecoder = ImageDecoder()) -> (prepared: PreparedWriterScans, skipped: [SkippedFile]) {
        let results = Parallel.map(scans.count) { i -> Result<[UInt8], Error> in
            Result {
                let gray = try decoder.decode(contentsOf: scans[i].path)
                return try preprocessing.profile.run(gray, width: preprocessing.width, height: preprocessing.height).image.pixels
            }
        }
        var prepared = PreparedWriterScans(scans: [], images: [], height: preprocessing.height, width: preprocessing.width)
        var skipped: [SkippedFile] = []
        for (scan, result) in zip(scans, results) {
            switch result {
            case .success(let pixels): prepared.scans.append(scan); prepared.images.append(pixels)
            case .failure(let error): skipped.append(SkippedFile(path: scan.path, reason: "\(error)"))
            }
        }
        return (prepared, skipped)
    }

    /// The scans whose role is `role`.
    public func only(_ role: DataRole) -> PreparedWriterScans {
        let keep = scans.indices.filter { scans[$0].role == role }
        return PreparedWriterScans(scans: keep.map { scans[$0] }, images: keep.map { images[$0] }, height: height, width: width)
    }

    /// The scans of the datasets `keep` says yes to.
    public func filter(_ keep: (WriterScan) -> Bool) -> PreparedWriterScans {
        let kept = scans.indices.filter { keep(scans[$0]) }
        return PreparedWriterScans(scans: kept.map { scans[$0] }, images: kept.map { images[$0] }, height: height, width: width)
    }

    /// Scan `i` as network input floats in [0, 1].
    public func input(_ i: Int) -> [Float] { images[i].map { Float($0) / 255 } }

    /// L2-normalised embeddings of every scan under `network`.
    public func embeddings(_ network: WriterNetwork) throws -> [[Float]] {
        try network.embeddings(ofInputs: scans.indices.map(input))
    }
}
