/// A fatal command error with a readable message: the command prints it as one line and exits 1.
/// Shared by every command (its own file so no command owns it).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
