import ArgumentParser
import Training

/// Where labelled scans come from, for `train` and `evaluate`: folders per class and LABELS.tsv files.
struct LabelledScanOptions: ParsableArguments {
    @Option(name: .long, parsing: .upToNextOption, help: "Folders of signature scans.")
    var valid: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Folders of non-signature images.")
    var invalid: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "LABELS.tsv files (file, label[, source, writer]).")
    var labels: [String] = []

    var isEmpty: Bool { valid.isEmpty && invalid.isEmpty && labels.isEmpty }

    /// Every listed file with its label (unreadable images are found later, when decoded).
    func listFiles() throws -> [LabeledFile] {
        var files: [LabeledFile] = []
        do {
            for dir in valid { files += try DatasetListing.folder(dir, label: .valid) }
            for dir in invalid { files += try DatasetListing.folder(dir, label: .invalid) }
            for path in labels { files += try DatasetListing.labelsFile(path) }
        } catch {
            throw CommandFailure("\(error)")
        }
        return files
    }
}
