import ArgumentParser
import Foundation
import Imaging
import Preprocessing

/// `sigverify preprocess SCAN... --out DIR [--stages] [--profile NAME]`: writes what the verifier
/// sees for each scan, so a person can look at it. A failing file is reported and skipped.
struct PreprocessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preprocess",
        abstract: "Preprocess scans into the 224×224 images the verifier sees.",
        discussion: """
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

    @Option(name: .long, help: "Preprocessing profile: \(PreprocessingProfile.all.map(\.name).joined(separator: ", ")).")
    var profile = PreprocessingProfile.default.name

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a profile parameter (repeatable).", valueName: "NAME=VALUE"))
    var overrides: [String] = []

    @Option(name: .long, help: "Side of the square output image in pixels.")
    var size = 224

    func run() throws {
        let chosen: PreprocessingProfile
        do {
            var changes: [String: Double] = [:]
            for item in overrides {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let value = Double(parts[1]) else {
                    throw ValidationError("--set expects NAME=NUMBER, got '\(item)'")
                }
                changes[parts[0]] = value
            }
            chosen = try PreprocessingProfile.named(profile).with(parameters: changes)
        } catch let error as PreprocessingError {
            throw ValidationError("\(error)")
        }
        guard (1...PreprocessingLimits.maxTargetSide).contains(size) else {
            throw ValidationError("--size must be 1…\(PreprocessingLimits.maxTargetSide), got \(size)")
        }
        let outDir = URL(fileURLWithPath: out, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("cannot create output folder \(out): \(error.localizedDescription)")
        }
        let decoder = ImageDecoder()
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
