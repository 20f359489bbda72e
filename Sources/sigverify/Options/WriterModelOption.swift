import Foundation
import Worker
import WriterVerification

/// `work`'s writer-embedding model, which matches jobs with a subject against their subject's
/// references (`SubjectMatcher`): `--writer-model DIR`, else `$SIGVERIFY_WRITER_MODEL_DIR`, else
/// `models/writer` beside or above the executable (`ModelLocation`). None found without an explicit
/// choice, or `--no-writer-model`: such jobs still get their verdict, with the match NULL and the
/// reason "no writer model loaded". A model named but unreadable stops the worker before it claims.
enum WriterModelOption {
    static func load(_ explicit: String?, disabled: Bool) throws -> (any SubjectMatcher)? {
        if disabled { return nil }
        let folder: URL
        do {
            folder = try ModelLocation.resolveWriter(explicit)
        } catch where explicit == nil && ProcessInfo.processInfo.environment[ModelLocation.writerEnvironmentVariable] == nil {
            return nil
        }
        do {
            return try WriterModel.load(from: folder)
        } catch {
            throw CommandFailure("--writer-model \(folder.path): \(error)")
        }
    }
}
