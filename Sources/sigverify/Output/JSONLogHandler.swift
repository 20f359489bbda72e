import Foundation
import Logging

/// One JSON object per log line on stderr: `timestamp` (ISO 8601, UTC, milliseconds), `level`,
/// `label`, `message`, the event's `error` if any, and each metadata entry as a string field (the
/// fixed keys win over metadata of the same name). For log shippers that parse lines, not people.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in mergedMetadata(event.metadata) { fields[key] = "\(value)" }
        if let error = event.error { fields["error"] = "\(error)" }
        fields["timestamp"] = JSONLogHandler.timestamp(Date())
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = event.message.description
        FileHandle.standardError.write(JSONLogHandler.line(fields))
    }

    /// The handler's metadata, then the provider's, then the call's: later ones win.
    private func mergedMetadata(_ explicit: Logger.Metadata?) -> Logger.Metadata {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit { merged.merge(explicit) { $1 } }
        return merged
    }

    /// One serialised line; a string-to-string dictionary always serialises.
    static func line(_ fields: [String: String]) -> Data {
        var data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        data.append(0x0A)
        return data
    }

    /// ISO 8601 in UTC with milliseconds, e.g. "2026-11-30T00:31:40.123Z".
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
