import ArgumentParser
import Imaging
import NeuralNet

/// The `sigverify` command line: one small file per subcommand, parsing and printing only.
@main
struct SigverifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sigverify",
        abstract: "Verify scanned handwritten signatures from a PostgreSQL job queue.",
        version: SigverifyVersion.current,
        subcommands: [InfoCommand.self, PreprocessCommand.self, VerifyCommand.self,
                      MigrateCommand.self, EnqueueCommand.self, EnrolCommand.self, WorkCommand.self, StatusCommand.self, ReportCommand.self,
                      PruneCommand.self, AuditCommand.self, ConsoleCommand.self, SynthCommand.self, TrainCommand.self, EvaluateCommand.self,
                      CompareCommand.self, TrainWritersCommand.self, EvaluateWritersCommand.self,
                      BenchmarkCommand.self]
    )

    /// OpenBLAS chose its kernels before `main`; restart with better ones if the CPU's features
    /// allow them (see `BLAS.reexecWithBestKernelsIfNeeded`); keep scan-sized buffers in the heap
    /// (`HeapPageReuse`); then parse and run.
    static func main() {
        BLAS.reexecWithBestKernelsIfNeeded()
        HeapPageReuse.enable()
        Self.main(nil)
    }
}
