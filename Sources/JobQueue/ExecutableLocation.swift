import Foundation

/// Where the running binary really is, for finding what ships beside it (the default model, the
/// migrations) — never the current folder, so where a command is started from cannot change what it runs.
public enum ExecutableLocation {
    /// The executable with symbolic links resolved: `/proc/self/exe` on Linux, else `argv[0]`.
    public static var url: URL {
        #if os(Linux)
        let procSelf = URL(fileURLWithPath: "/proc/self/exe")
        if FileManager.default.fileExists(atPath: procSelf.path) { return procSelf.resolvingSymlinksInPath() }
        #endif
        return URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
    }

    /// `relativePath` in the executable's folder and in each of its next `levels - 1` ancestors,
    /// nearest first: a binary in `<package>/.build/<triple>/release/` finds `<package>/<relativePath>`,
    /// one in `<prefix>/bin/` finds `<prefix>/<relativePath>`.
    public static func candidates(_ relativePath: String, executable: URL = url, levels: Int = 5) -> [URL] {
        var folder = executable.deletingLastPathComponent()
        var found: [URL] = []
        for _ in 0..<levels {
            found.append(folder.appendingPathComponent(relativePath))
            folder.deleteLastPathComponent()
        }
        return found
    }
}
