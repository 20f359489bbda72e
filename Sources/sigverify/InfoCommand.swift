import ArgumentParser
import JobQueue
import NeuralNet

/// `sigverify info`: what this binary links against, for bug reports and fleet inventories.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print the versions of the linked libraries.")

    func run() throws {
        let pq = PostgresLibrary.version
        print("libpq      \(pq / 10000).\(pq % 10000)")
        print("OpenBLAS   \(BLAS.kernelReport)")
    }
}
