import Foundation

/// SIGINT: the first one asks training to stop cleanly; the handler then resets itself, so a
/// second one ends the process at once.
enum Interrupt {
    nonisolated(unsafe) private static var flag: sig_atomic_t = 0

    static var requested: Bool { flag != 0 }

    static func install() {
        signal(SIGINT) { _ in
            Interrupt.flag = 1
            signal(SIGINT, SIG_DFL)
        }
    }
}
