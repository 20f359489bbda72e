import Foundation

/// One line on standard error, prefixed like every message of the CLI.
func warn(_ text: String) {
    FileHandle.standardError.write(Data("sigverify: \(text)\n".utf8))
}
