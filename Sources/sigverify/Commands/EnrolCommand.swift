import ArgumentParser
import JobQueue

/// `sigverify enrol --subject S FILES…`: enrol reference signatures of one subject (as a
/// `sigverify_enroller` login); each becomes `active` once a worker judges it a signature, or
/// `refused` with the reason. `sigverify enrol --revoke ID --reason TEXT` revokes one.
struct EnrolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrol", abstract: "Enrol reference signatures of a subject, or revoke one (--revoke).")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The subject (person) the references belong to.") var subject: String?
    @Option(help: "Revoke this reference (its id) instead of enrolling; needs --reason.") var revoke: Int64?
    @Option(help: "Why the reference is revoked (with --revoke).") var reason: String?
    @Option(help: "Revoke this reference of the subject, replaced by the first file.") var replaces: Int64?
    @Argument(help: "Reference signature files (folders are searched like `enqueue`'s).") var files: [String] = []

    func validate() throws {
        if revoke != nil {
            guard let reason, !reason.isEmpty else { throw ValidationError("--revoke needs --reason") }
            guard files.isEmpty, subject == nil else { throw ValidationError("--revoke takes no --subject and no files") }
            return
        }
        guard let subject else { throw ValidationError("--subject is required (or --revoke ID --reason TEXT)") }
        try Self.validateSubject(subject)
        guard !files.isEmpty else { throw ValidationError("no reference files given") }
    }

    static func validateSubject(_ subject: String) throws {
        guard !subject.isEmpty, subject.utf8.count <= JobQueue.maxReferenceBytes else {
            throw ValidationError("--subject must be 1 to \(JobQueue.maxReferenceBytes) bytes")
        }
    }

    func run() throws {
        database.bootstrapLogging()
        let queue = try database.connect()
        if let revoke {
            let revoked = try queue.revokeReference(revoke, reason: reason ?? "")
            print(revoked ? "revoked reference \(revoke): \(reason ?? "")" : "reference \(revoke) was revoked already")
            return
        }
        let subject = subject ?? ""
        for item in try ReferenceEnroller(queue: queue).enrol(files: try FileEnqueuer.collect(files), subject: subject, replaces: replaces) {
            let e = item.enrolment
            print(e.created
                ? "\(item.path): reference \(e.referenceId) of \(subject), pending its check (job \(e.checkJobId))"
                : "\(item.path): already reference \(e.referenceId) of \(subject) (check job \(e.checkJobId))")
        }
        print("a reference is active once a worker judges its check job a signature; "
              + "`sigverify report` lists every reference's status and reason")
    }
}
