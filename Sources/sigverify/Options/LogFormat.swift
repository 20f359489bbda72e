import Foundation
import Logging

/// How log lines look: swift-log's plain text, or one JSON object per line (`JSONLogHandler`).
enum LogFormat: String, CaseIterable {
    case text, json

    /// The format asked for: the option, else $SIGVERIFY_LOG_FORMAT, else text.
    static func name(_ option: String?) -> String {
        (option ?? ProcessInfo.processInfo.environment["SIGVERIFY_LOG_FORMAT"] ?? "text").lowercased()
    }

    func handler(label: String) -> any LogHandler {
        switch self {
        case .text: StreamLogHandler.standardError(label: label)
        case .json: JSONLogHandler(label: label)
        }
    }
}
