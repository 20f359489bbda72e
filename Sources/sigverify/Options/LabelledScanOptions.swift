import ArgumentParser
import Training

/// Where labelled scans come from, for `train` and `evaluate`: folders per class and LABELS.tsv files.
struct LabelledScanOptions: ParsableArguments {
    @Option(name: .long, parsing: .upToNextOption, help: "Folders of signature scans.")
    var valid: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Folders of non-signature images.")
    var invalid: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "LABELS.tsv files (file, label[, source, writer, split]).")
    var labels: [String] = []

    @Option(name: .long, help: "Folder that relative paths in --labels files are read from (default: each file's own folder).")
    var scanRoot: String?

    @Option(name: .long, parsing: .upToNextOption,
            help: "Only --labels rows whose split column is one of these (train, validation, test).")
    var split: [String] = []

    var isEmpty: Bool { valid.isEmpty && invalid.isEmpty && labels.isEmpty }

    /// The roles `--split` asks for (empty = every row).
    func roles() throws -> Set<DataRole> {
        Set(try split.map { name in
            guard let role = DataRole(parsing: name) else {
                throw ValidationError("--split takes train, validation or test, not '\(name)'")
            }
            return role
        })
    }

    /// Every listed file with its label (unreadable images are found later, when decoded); with
    /// `--split`, only the --labels rows of those splits.
    func listFiles() throws -> [LabeledFile] {
        let wanted = try roles()
        var files: [LabeledFile] = []
        do {
            for dir in valid { files += try DatasetListing.folder(dir, label: .valid) }
            for dir in invalid { files += try DatasetListing.folder(dir, label: .invalid) }
            for path in labels {
                let rows = try DatasetListing.labelsFile(path, root: scanRoot)
                files += wanted.isEmpty ? rows : rows.filter { $0.role.map(wanted.contains) ?? false }
            }
        } catch {
            throw CommandFailure("\(error)")
        }
        return files
    }
}
