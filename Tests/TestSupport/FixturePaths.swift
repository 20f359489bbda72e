import Foundation

/// Where test fixtures live. Small fixtures are committed under `Tests/Fixtures/`; the full
/// reference set is `../shared/fixtures/` beside the checkout, present on developer machines and
/// in CI but not guaranteed on every clone — tests that need it skip with a message when absent.
public enum FixturePaths {
    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/TestSupport/FixturePaths.swift
        return url
    }()

    /// `Tests/Fixtures/<relative>` — always present.
    public static func local(_ relative: String) -> URL {
        packageRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative)
    }

    /// `../shared/data/real` (the labelled real scans) if it exists, else nil.
    public static var realScans: URL? {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/real")
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("LABELS.tsv").path) ? url : nil
    }

    /// `../shared/data` (the labelled real scans in `real/` and the writers' signatures in `writers/`)
    /// if both listings exist, else nil.
    public static var sharedData: URL? {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
        let listings = ["real/LABELS.tsv", "writers/WRITERS.tsv"].map { url.appendingPathComponent($0).path }
        return listings.allSatisfy(FileManager.default.fileExists(atPath:)) ? url : nil
    }

    /// `../shared/fixtures/<relative>` if it exists, else nil.
    public static func shared(_ relative: String) -> URL? {
        let url = packageRoot.deletingLastPathComponent()
            .appendingPathComponent("shared/fixtures").appendingPathComponent(relative)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}
