import Foundation

/// `sigverify enrol`'s work: the reference files of one subject read and enrolled in one
/// transaction (all or none), each through `sigverify.enrol_reference`.
public struct ReferenceEnroller {
    /// One file's enrolment.
    public struct Enrolled: Sendable, Equatable {
        public var path: String
        public var enrolment: Enrolment
    }

    let queue: JobQueue

    public init(queue: JobQueue) {
        self.queue = queue
    }

    /// Reads every file first (an empty or unreadable one stops the run before anything is
    /// written), then enrols them in order; `replaces` revokes that reference with the first file.
    public func enrol(files: [String], subject: String, replaces: Int64? = nil) throws -> [Enrolled] {
        let images = try files.map { path -> [UInt8] in
            guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
                throw EnqueueError.unreadable(path, "empty or not readable")
            }
            return [UInt8](data)
        }
        return try queue.db.transaction { (_: PostgresConnection) throws(PostgresError) -> [Enrolled] in
            var enrolled: [Enrolled] = []
            for (n, (path, image)) in zip(files, images).enumerated() {
                let enrolment = try queue.enrol(subject: subject, image: image, filename: (path as NSString).lastPathComponent,
                                                replaces: n == 0 ? replaces : nil)
                enrolled.append(Enrolled(path: path, enrolment: enrolment))
            }
            return enrolled
        }
    }
}
