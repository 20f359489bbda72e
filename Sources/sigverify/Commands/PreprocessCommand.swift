import ArgumentParser
import Foundation
import Imaging
import Preprocessing
import ScanPipeline
import Verifier

/// `sigverify preprocess SCAN... --out DIR [--stages] [--model DIR | --profile NAME --size N]`: writes
/// what a model's networks see for each scan (or a profile's output), so a person can look at it. A
/// failing file is reported and skipped.
struct PreprocessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preprocess",
        abstract: "Preprocess scans into the images a model's networks see.",
        discussion: """
            With --model DIR (or --model default, the bundled default model) the output is exactly the \
            input of that model's networks: its preprocessing profile at its input size. Without it, \
            --profile (default seed: the reference pipeline, bit-exact with OpenCV) at --size (default 224).

            Writes DIR/<file name without extension>.png (the final 8-bit network input) for each \
            scan, and with --stages also DIR/<stem>.<stage>.png for every stage of the profile \
            (seed: gray, equalized, blurred, thresholded, opened, resized; clean: gray, normalized, \
            binarized, despeckled, cropped, thickened, resized).

            Errors name the file and the reason; the other files are still processed and the exit \
            code is 1 if any file failed.
            """)

    @Argument(help: "Scan files (PNG, JPEG, TIFF…; the format is read from the content).")
    var scans: [String]

    @Option(name: .long, help: "Output folder (created if missing).")
    var out: String

    @Flag(name: .long, help: "Also write every intermediate stage as <stem>.<stage>.png.")
    var stages = false

    @Option(name: .long, help: ArgumentHelp(
        "Write exactly what this model bundle's networks see (its profile and input size); 'default' names the bundled default model.",
        valueName: "DIR"))
    var model: String?

    @Option(name: .long, help: "Preprocessing profile: \(PreprocessingProfile.all.map(\.name).joined(separator: ", ")) (default: \(PreprocessingProfile.default.name); not with --model).")
    var profile: String?

    @Option(name: .long, help: "Profile version (default: the profile's first; not with --model).")
    var profileVersion: Int?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a profile parameter (repeatable).", valueName: "NAME=VALUE"))
    var overrides: [String] = []

    @Option(name: .long, help: "Side of the square output image in pixels (default: 224; not with --model).")
    var size: Int?

    @Option(name: .long, help: "Page of multi-page scans (TIFF) to read, 0-based.")
    var page = 0

    func run() throws {
        let (chosen, size) = try model.map(bundleProfile) ?? (try namedProfile(), self.size ?? 224)
        guard (1...PreprocessingLimits.maxTargetSide).contains(size) else {
            throw ValidationError("--size must be 1…\(PreprocessingLimits.maxTargetSide), got \(size)")
        }
        try preprocessAll(with: chosen, size: size)
    }

    /// The profile and input side of a model bundle (`default`: the bundled default model).
    private func bundleProfile(_ name: String) throws -> (PreprocessingProfile, Int) {
        guard profile == nil, size == nil, overrides.isEmpty, profileVersion == nil else {
            throw ValidationError("--model sets the profile and size; leave out --profile, --profile-version, --size and --set")
        }
        let folder = try ModelLocation.resolve(name == "default" ? nil : name)
        let bundle: ModelBundle
        do { bundle = try ModelBundle.load(from: folder) } catch {
            throw CommandFailure("cannot load model bundle \(folder.path): \(error)")
        }
        return (try PreprocessingProfile.forBundle(bundle.parameters), bundle.parameters.inputShape[0])
    }

    /// --profile (at --profile-version) with the --set overrides.
    private func namedProfile() throws -> PreprocessingProfile {
        try PreprocessingProfile.named(profile ?? PreprocessingProfile.default.name, version: profileVersion, overrides: overrides)
    }

    private func preprocessAll(with chosen: PreprocessingProfile, size: Int) throws {
        let outDir = URL(fileURLWithPath: out, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("cannot create output folder \(out): \(error.localizedDescription)")
        }
        let decoder = ImageDecoder(options: chosen.decodeOptions(DecodeOptions(page: page), width: size, height: size))
        var usedStems: [String: String] = [:]
        var failures = 0
        for scan in scans {
            let stem = URL(fileURLWithPath: scan).deletingPathExtension().lastPathComponent
            do {
                if let earlier = usedStems[stem] {
                    throw PreprocessFileError("output name \(stem).png is already taken by \(earlier)")
                }
                usedStems[stem] = scan
                let gray = try decoder.decode(contentsOf: scan)
                let final: GrayImage
                if stages {
                    let all = try chosen.stages(gray, width: size, height: size)
                    for (stage, image) in all {
                        try write(image, to: outDir.appendingPathComponent("\(stem).\(stage.rawValue).png"))
                    }
                    final = all[all.count - 1].image
                } else {
                    final = try chosen.run(gray, width: size, height: size).image
                }
                try write(final, to: outDir.appendingPathComponent("\(stem).png"))
                print(outDir.appendingPathComponent("\(stem).png").path)
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("sigverify preprocess: \(scan): \(error)\n".utf8))
            }
        }
        if failures > 0 {
            FileHandle.standardError.write(Data("sigverify preprocess: \(failures) of \(scans.count) file(s) failed\n".utf8))
            throw ExitCode(1)
        }
    }

    private func write(_ image: GrayImage, to url: URL) throws {
        let bytes = try PNGEncoder.encode(image)
        do {
            try Data(bytes).write(to: url)
        } catch {
            throw PreprocessFileError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}

/// A readable failure of a command's own file handling (not of a library module).
private struct PreprocessFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
