import Imaging

/// What a profile hands to the verifier: the final 8-bit image (for people and `--stages`) and
/// the same pixels as Float32 in [0, 1], row-major H×W×1 (the network input).
public struct PreprocessedScan: Sendable, Equatable {
    public let image: GrayImage
    public let input: [Float]
}

/// A named, versioned preprocessing pipeline from a decoded gray scan to the network input.
///
/// - `seed`: the reference's OpenCV pipeline (SPEC.md §2), bit-exact with the golden fixtures.
/// - `clean`: keeps strokes and drops paper (background normalisation, global threshold,
///   speckle removal, crop to the ink and centre with the aspect ratio kept).
public struct PreprocessingProfile: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case seed(SeedParameters)
        case clean(CleanParameters)
    }

    let kind: Kind

    /// The profile of the reference notebook; `seed` stays exactly as SPEC.md §2.
    public static let seed = PreprocessingProfile(kind: .seed(SeedParameters()))
    /// The paper-robust profile (issue 7), version 1: every stage at the scan's own resolution.
    public static let clean = PreprocessingProfile(kind: .clean(CleanParameters()))
    /// `clean` version 2: the same stages at a working resolution that follows the network input
    /// (issue 24), JPEGs decoded with DCT scaling where that allows.
    public static let cleanAtWorkingResolution = PreprocessingProfile(kind: .clean(CleanParameters(version: 2)))
    /// Every built-in profile, by name.
    public static let all: [PreprocessingProfile] = [.seed, .clean]
    /// The profile that bundles without a profile field were trained with.
    public static let `default` = seed

    /// The built-in profile called `name` (`seed`, `clean`), at its first version unless `version` says.
    public static func named(_ name: String, version: Int? = nil) throws(PreprocessingError) -> PreprocessingProfile {
        guard let profile = all.first(where: { $0.name == name }) else { throw .unknownProfile(name) }
        guard let version, version != profile.version else { return profile }
        return try PreprocessingProfile(name: name, version: version)
    }

    /// Rebuilds the profile a model bundle records (its name, version and settings; no settings means
    /// the built-in profile of that name and version). Unknown names, other versions and unknown
    /// parameter names are errors rather than silent fallbacks: a model must see its own inputs.
    /// (The bundle's Codable record lives in Verifier; Preprocessing does not know bundles.)
    public init(name: String, version: Int, parameters: [String: Double]? = nil) throws(PreprocessingError) {
        func check(_ known: Int) throws(PreprocessingError) {
            guard version == known else {
                throw .unsupportedProfile(name: name, version: version, reason: "this build knows version \(known)")
            }
        }
        switch name {
        case "seed":
            try check(SeedParameters.version)
            self.init(kind: .seed(try SeedParameters(parameters ?? [:], profileName: name)))
        case "clean":
            guard CleanParameters.versions.contains(version) else {
                throw .unsupportedProfile(name: name, version: version, reason: "this build knows versions \(CleanParameters.versions)")
            }
            self.init(kind: .clean(try CleanParameters(parameters ?? [:], profileName: name, version: version)))
        default:
            throw .unknownProfile(name)
        }
    }

    init(kind: Kind) { self.kind = kind }

    /// This profile with some parameters replaced (for experiments and tuning; the result's
    /// description records them, so a bundle trained with it reproduces them exactly).
    public func with(parameters changes: [String: Double]) throws(PreprocessingError) -> PreprocessingProfile {
        try PreprocessingProfile(name: name, version: version, parameters: parameters.merging(changes) { _, new in new })
    }

    public var name: String {
        switch kind {
        case .seed: return "seed"
        case .clean: return "clean"
        }
    }

    public var version: Int {
        switch kind {
        case .seed: return SeedParameters.version
        case .clean(let p): return p.version
        }
    }

    /// Name and version as commands print them ("clean 1").
    public var label: String { "\(name) \(version)" }

    /// Every tunable number of the pipeline, by name — what a model bundle records beside the name
    /// and version, so two bundles with the same profile name but other settings are never confused.
    public var parameters: [String: Double] {
        switch kind {
        case .seed(let p): return p.dictionary
        case .clean(let p): return p.dictionary
        }
    }

    /// The stages `stages(_:width:height:)` returns, in order.
    public var stageNames: [PreprocessingStage] {
        switch kind {
        case .seed: return [.gray, .equalized, .blurred, .thresholded, .opened, .resized]
        case .clean(let p):
            return [.gray] + (p.version >= 2 ? [.working] : []) + [.normalized, .binarized, .despeckled, .cropped, .thickened, .resized]
        }
    }

    /// Preprocesses a decoded gray scan into the `width`×`height` network input. `maxPixels` is the
    /// budget that admitted the scan: the scan and every canvas derived from it must fit in it, and
    /// a scan more elongated than `PreprocessingLimits.maxAspectRatio` is refused before any stage.
    public func run(_ gray: GrayImage, width: Int = 224, height: Int = 224,
                    maxPixels: Int = PreprocessingLimits.defaultMaxPixels) throws(PreprocessingError) -> PreprocessedScan {
        try PreprocessingLimits.checkScan(gray, maxPixels: maxPixels)
        let final: GrayImage
        switch kind {
        case .seed(let p):
            final = try SeedPipeline.run(gray, blockSize: p.blockSize, c: p.c, width: width, height: height)
        case .clean(let p):
            final = try CleanStages.run(gray, parameters: p, width: width, height: height, maxPixels: maxPixels).last!.image
        }
        return PreprocessedScan(image: final, input: SeedStages.normalizedFloats(final))
    }

    /// Every intermediate image, named, in pipeline order (for `sigverify preprocess --stages`
    /// and for looking at what the verifier sees).
    public func stages(_ gray: GrayImage, width: Int = 224, height: Int = 224,
                       maxPixels: Int = PreprocessingLimits.defaultMaxPixels) throws(PreprocessingError) -> [(stage: PreprocessingStage, image: GrayImage)] {
        try PreprocessingLimits.checkScan(gray, maxPixels: maxPixels)
        switch kind {
        case .seed(let p):
            let equalized = SeedStages.equalizeHistogram(gray)
            let blurred = SeedStages.gaussianBlur3x3(equalized)
            let thresholded = SeedStages.adaptiveThreshold(blurred, blockSize: p.blockSize, c: p.c)
            let opened = SeedStages.open2x2(thresholded)
            let resized = try SeedStages.resizeBilinear(opened, width: width, height: height)
            return [(.gray, gray), (.equalized, equalized), (.blurred, blurred),
                    (.thresholded, thresholded), (.opened, opened), (.resized, resized)]
        case .clean(let p):
            return try CleanStages.run(gray, parameters: p, width: width, height: height, maxPixels: maxPixels)
        }
    }
}

/// The seed profile's numbers (fixed by the reference; recorded so bundles are explicit).
struct SeedParameters: Sendable, Equatable {
    static let version = 1
    var blockSize = 11
    var c = 2.0

    init() {}

    /// Missing names mean the fixed values; a different value or an unknown name is an error.
    init(_ values: [String: Double], profileName: String) throws(PreprocessingError) {
        let expected = SeedParameters().dictionary
        for (key, value) in values where expected[key] != value {
            throw .unsupportedProfile(name: profileName, version: Self.version,
                                      reason: expected[key] == nil ? "unknown parameter '\(key)'"
                                          : "seed parameter '\(key)' is fixed at \(expected[key]!), got \(value)")
        }
    }

    var dictionary: [String: Double] { ["adaptive_block_size": Double(blockSize), "adaptive_c": c] }
}
