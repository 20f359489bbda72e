import ArgumentParser
import Imaging
import JobQueue
import NeuralNet
import Verifier

/// `sigverify info`: this binary's version, its default model and what it links against, for bug
/// reports and fleet inventories. A missing or damaged default model is reported, never fatal.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print the version, the default model and the versions of the linked libraries.")

    func run() throws {
        let pq = PostgresLibrary.version
        print("sigverify  \(SigverifyVersion.current)")
        print("model      \(defaultModelLine())")
        print("libpq      \(pq / 10000).\(pq % 10000)")
        print("libpng     \(ImagingLibraries.png)")
        print("libdeflate \(ImagingLibraries.deflate)")
        print("libjpeg    \(ImagingLibraries.jpeg)")
        print("libtiff    \(ImagingLibraries.tiff)")
        print("OpenBLAS   \(BLAS.kernelReport)")
        print("           \(BLAS.buildConfiguration)")
    }

    /// "<path>  version <v>", or "none found (<reason>)" when there is no loadable default model.
    private func defaultModelLine() -> String {
        do {
            let folder = try ModelLocation.resolve(nil)
            do {
                let bundle = try ModelBundle.load(from: folder)
                return "\(folder.path)  version \(bundle.version)" + (bundle.hasManifest ? "" : " (no manifest.json)")
            } catch {
                return "\(folder.path)  cannot be loaded: \(error)"
            }
        } catch {
            return "none found (\(error))"
        }
    }
}
