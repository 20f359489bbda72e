import ArgumentParser
import Console
import Foundation
import JobQueue
import Operations
import Worker

/// `sigverify console`: the read-only web console (queue, verdicts, audit chain) as the auditor.
struct ConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console", abstract: "Serve the read-only web console: queue, verdicts with their images, the audit chain.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Listen on HOST:PORT (port 0 picks a free one). Beyond loopback a token or credentials are required.")
    var listen = "127.0.0.1:8080"
    @Option(help: "File holding the bearer token clients must send (default: $SIGVERIFY_CONSOLE_TOKEN).")
    var tokenFile: String?
    @Option(help: "File holding user:password for HTTP basic authentication (default: $SIGVERIFY_CONSOLE_CREDENTIALS).")
    var credentialsFile: String?
    @Option(help: "Answering threads, each with its own database connection (1–32).")
    var connections = 4
    @Option(help: "Verdicts per page of the list (1–200).")
    var pageSize = 50

    func validate() throws {
        do { _ = try EndpointAddress(parsing: listen) } catch { throw ValidationError("--listen: \(error)") }
        guard (1...32).contains(connections) else { throw ValidationError("--connections must be 1–32") }
        guard (1...200).contains(pageSize) else { throw ValidationError("--page-size must be 1–200") }
    }

    func run() throws {
        database.bootstrapLogging()
        let credentials = try ConsoleCredentials.load(tokenFile: tokenFile, credentialsFile: credentialsFile,
                                                      environment: ProcessInfo.processInfo.environment)
        let console = try Console(ConsoleConfiguration(address: try EndpointAddress(parsing: listen), databaseURL: try database.resolvedURL(),
                                                       credentials: credentials, connections: connections, pageSize: pageSize))
        FileHandle.standardOutput.write(Data("console: http://\(console.address)/ (stop with Ctrl-C or SIGTERM)\n".utf8))
        let stop = StopSignal()
        let signals = ShutdownSignals { _ in stop.stop() }
        while !stop.wait(seconds: 3600) {}
        withExtendedLifetime(signals) {}
        console.shutdown()
    }
}
