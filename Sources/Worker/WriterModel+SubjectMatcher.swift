import WriterVerification

/// The writer-embedding model is the worker's matcher: `SubjectMatcher` states exactly the part of
/// `WriterModel`'s API the claim loop uses (version, threshold, embeddings, match score).
extension WriterModel: SubjectMatcher {}
