import ArgumentParser
import Benchmarks
import Foundation
import Preprocessing

/// `sigverify benchmark …`: release-build throughput measurements, one subcommand per subsystem.
struct BenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark",
        abstract: "Measure throughput (build with -c release).",
        subcommands: [PreprocessBenchmarkCommand.self, BenchmarkNNCommand.self, BenchmarkQueueCommand.self,
                      BenchmarkTrainCommand.self, BenchmarkPrecisionCommand.self])
}

/// `sigverify benchmark preprocess [FILES...]`: single-threaded decode + preprocess images/s on
/// the given scans and on synthetic large pages, with per-stage timings.
struct PreprocessBenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preprocess",
        abstract: "Time decoding and preprocessing, single-threaded.",
        discussion: """
            Times are the calling thread's CPU time. Synthetic pages are generated in memory and \
            timed from the decoded image (this build has no JPEG encoder); \
            scripts/bench-preprocess.sh adds synthetic JPEGs and runs OpenCV on the same files for \
            a side-by-side ratio.
            """)

    @Argument(help: "Scan files to time (decode + preprocess).")
    var files: [String] = []

    @Option(name: .long, help: "Synthetic page sizes WIDTHxHEIGHT, comma-separated ('' for none), timed from the decoded image.")
    var synthetic = "600x300,1500x700,2500x1200"

    @Option(name: .long, help: "Minimum seconds of timing per file and measurement.")
    var seconds = 0.3

    @Option(name: .long, help: "Preprocessing profile.")
    var profile = PreprocessingProfile.default.name

    @Option(name: .long, help: "Profile version (default: the profile's first).")
    var profileVersion: Int?

    @Option(name: .long, help: "Network input side the profile prepares for.")
    var size = 224

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a profile parameter (repeatable).", valueName: "NAME=VALUE"))
    var overrides: [String] = []

    @Flag(name: .long, help: "Print tab-separated rows (label, width, height, decode ms, preprocess ms) for scripts.")
    var tsv = false

    func run() throws {
        let chosen = try PreprocessingProfile.named(profile, version: profileVersion, overrides: overrides)
        var results: [PreprocessingBenchmark.Measurement] = []
        for file in files {
            do {
                results.append(try PreprocessingBenchmark.measure(file: file, profile: chosen, size: size, minimumSeconds: seconds))
            } catch {
                FileHandle.standardError.write(Data("sigverify benchmark: \(file): \(error)\n".utf8))
            }
            if !tsv, let last = results.last, last.label == URL(fileURLWithPath: file).lastPathComponent {
                if results.count == 1 { printHeader() }
                printRow(last)
            }
        }
        for dimensions in synthetic.split(separator: ",").map(String.init) {
            let parts = dimensions.lowercased().split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts.allSatisfy({ (1...20_000).contains($0) }) else {
                throw ValidationError("--synthetic expects WIDTHxHEIGHT, got \(dimensions)")
            }
            let m = try PreprocessingBenchmark.measureSynthetic(width: parts[0], height: parts[1], label: "synthetic \(dimensions)",
                                                                profile: chosen, size: self.size, minimumSeconds: seconds)
            if !tsv {
                if results.isEmpty { printHeader() }
                printRow(m)
            }
            results.append(m)
        }
        if tsv {
            for m in results {
                let decode = m.decodeSeconds.map { String(format: "%.4f", $0 * 1000) } ?? "-"
                print("\(m.label)\t\(m.width)\t\(m.height)\t\(decode)\t\(String(format: "%.4f", m.preprocessSeconds * 1000))")
            }
            return
        }
        let decoded = results.filter { $0.decodeSeconds != nil }
        if !decoded.isEmpty {
            let total = decoded.reduce(0) { $0 + $1.decodeSeconds! + $1.preprocessSeconds }
            let prep = decoded.reduce(0) { $0 + $1.preprocessSeconds }
            print(String(format: "\n%d files: decode + preprocess %.1f images/s, preprocess only %.1f images/s (1 thread, profile %@)",
                         decoded.count, Double(decoded.count) / total, Double(decoded.count) / prep, chosen.name))
        }
    }

    private func printHeader() {
        print("profile \(profile), 1 thread, mean thread CPU time per image (ms)")
        print(pad("input", 28) + pad("size", 11) + pad("decode", 9) + pad("preproc", 9) + pad("img/s", 9)
              + "  equalize   blur  threshold   open  resize  float")
    }

    private func printRow(_ m: PreprocessingBenchmark.Measurement) {
        let ms = { (s: Double) in String(format: "%.3f", s * 1000) }
        let stages = m.stageSeconds.map { pad(ms($0.seconds), $0.stage == "threshold" ? 11 : 8) }.joined()
        print(pad(m.label, 28) + pad("\(m.width)×\(m.height)", 11) + pad(m.decodeSeconds.map(ms) ?? "-", 9)
              + pad(ms(m.preprocessSeconds), 9) + pad(String(format: "%.0f", m.imagesPerSecond), 9) + "  " + stages)
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}
