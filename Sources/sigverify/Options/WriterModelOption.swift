import Worker

/// `work --writer-model DIR`: the writer-embedding model that matches jobs with a subject against
/// their subject's references (`SubjectMatcher`). Without it such jobs still get their verdict,
/// with the match NULL and the reason "no writer model loaded".
enum WriterModelOption {
    /// The matcher in `directory`, nil without one. The model itself (`WriterVerification.WriterModel`,
    /// issue 22 part A) is built and merged separately; until it is, this build names the missing
    /// piece instead of starting a worker that would silently match nothing.
    static func load(_ directory: String?) throws -> (any SubjectMatcher)? {
        guard let directory else { return nil }
        throw CommandFailure("--writer-model \(directory): this build has no writer-model implementation "
            + "(the WriterVerification module is not part of it); run without --writer-model")
    }
}
