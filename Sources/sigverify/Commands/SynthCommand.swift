import ArgumentParser
import Foundation
import Training

/// `sigverify synth`: writes a synthetic training set (Bézier signatures and non-signatures) as PNG.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate synthetic signatures and non-signatures as PNG files.",
        discussion: """
            Writes DIR/valid/<signature kind>_NNNNNN.png and DIR/invalid/<kind>_NNNNNN.png. Kinds: \
            \(NonSignatureKind.allCases.map(\.rawValue).joined(separator: ", ")); the groups \
            'generated' (the reference's six), 'realistic' and 'all' expand to their members. \
            The same --seed always gives the same images, for any --threads.
            """)

    @Option(name: .long, help: "Number of synthetic signatures.")
    var valid: Int = 0

    @Option(name: .long, help: "Number of non-signatures, one kind drawn uniformly per image.")
    var invalid: Int = 0

    @Option(name: .long, help: "Output directory (created if missing).")
    var out: String

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Comma-separated non-signature kinds or groups (default: all).")
    var kinds: String = "all"

    @Option(name: .long, help: "Comma-separated signature kinds: bezier (the reference's), cursive, headline (letters hanging from a line, as in Devanagari), blocks (logographic characters); latin (bezier and cursive) or all.")
    var signatureKinds: String = "bezier"

    @Option(name: .long, help: "Signature background: white (the reference's), scan (paper, rules, noise) or mixed.")
    var background: String = "white"

    @Flag(name: .long, help: "Also write the five reference augmentations of every signature (4 grid distortions, 1 combined).")
    var augment = false

    @Option(name: .long, help: "Signature width in pixels.")
    var width: Int = 1200

    @Option(name: .long, help: "Signature height in pixels.")
    var height: Int = 600

    @Option(name: .long, help: "Width of the realistic non-signatures (signature boxes) in pixels.")
    var boxWidth: Int = 600

    @Option(name: .long, help: "Height of the realistic non-signatures in pixels.")
    var boxHeight: Int = 300

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard valid >= 0, invalid >= 0 else { throw ValidationError("--valid and --invalid must not be negative") }
        guard valid + invalid > 0 else { throw ValidationError("nothing to do: give --valid N and/or --invalid M") }
        guard min(width, height, boxWidth, boxHeight) >= 16 else {
            throw ValidationError("--width, --height, --box-width and --box-height must be at least 16")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let kindList: [NonSignatureKind]
        do { kindList = try NonSignatureKind.parseList(kinds) } catch { throw ValidationError("\(error)") }
        let signatureKindList: [SignatureKind]
        do { signatureKindList = try SignatureKind.parseList(signatureKinds) } catch { throw ValidationError("\(error)") }
        let bg: SignatureBackground = try optionChoice(background.lowercased(), option: "--background")
        let style = SyntheticSignatureStyle(width: width, height: height, background: bg)
        let config = SynthesisConfig(signature: style, realisticWidth: boxWidth, realisticHeight: boxHeight)
        let request = SynthesisRequest(validCount: valid, invalidCount: invalid, outputDirectory: out, seed: seed,
                                       kinds: kindList, signatureKinds: signatureKindList, augment: augment, config: config,
                                       threads: threads)
        let printer = ProgressPrinter(plainEvery: 0.1, redrawInterval: 0.1)
        let total = valid + invalid, start = Date()
        let summary = try SyntheticDatasetWriter.write(request) { done in
            printer.update(TrainingProgress(phase: "synth", epoch: 1, epochs: 1, step: done, steps: total, loss: nil,
                                            elapsed: Date().timeIntervalSince(start)))
        }
        let rate = Double(summary.totalImages) / max(summary.seconds, 1e-9)
        print("wrote \(summary.validImages) signatures"
              + (summary.augmentedImages > 0 ? " + \(summary.augmentedImages) augmented copies" : "")
              + " to \(out)/valid and \(summary.invalidImages) non-signatures to \(out)/invalid"
              + String(format: " in %.2f s (%.0f images/s)", summary.seconds, rate))
        for kind in SignatureKind.allCases {
            if let n = summary.validByKind[kind] { print("  \(kind.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)) \(n) (valid)") }
        }
        for kind in NonSignatureKind.allCases {
            if let n = summary.invalidByKind[kind] { print("  \(kind.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)) \(n)") }
        }
    }
}
