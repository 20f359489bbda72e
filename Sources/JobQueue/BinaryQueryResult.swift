/// The rows of one statement in PostgreSQL's binary format (`PostgresConnection.executeBinary`):
/// each cell is the value's wire bytes (NULL stays `nil`) — a `bytea` exactly as stored, a `bigint`
/// as 8 big-endian bytes.
public struct BinaryQueryResult: ColumnNamed, Sendable {
    public var columns: [String]
    public var rows: [[[UInt8]?]]

    public init(columns: [String], rows: [[[UInt8]?]]) {
        self.columns = columns
        self.rows = rows
    }

    public var count: Int { rows.count }

    /// A `bytea` column's bytes.
    public func bytes(_ row: Int, _ name: String) throws(PostgresError) -> [UInt8]? {
        rows[row][try column(name)]
    }

    /// A `text` column (its UTF-8 bytes).
    public func string(_ row: Int, _ name: String) throws(PostgresError) -> String? {
        rows[row][try column(name)].map { String(decoding: $0, as: UTF8.self) }
    }

    /// A `bigint` column.
    public func int64(_ row: Int, _ name: String) throws(PostgresError) -> Int64? {
        guard let cell = rows[row][try column(name)] else { return nil }
        guard cell.count == 8 else {
            throw PostgresError(kind: .unexpectedResult, message: "\(name) is \(cell.count) bytes, not a binary bigint")
        }
        return cell.reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }
}

/// A result whose cells are found by column name.
public protocol ColumnNamed {
    var columns: [String] { get }
}

extension ColumnNamed {
    /// The index of column `name`.
    public func column(_ name: String) throws(PostgresError) -> Int {
        guard let index = columns.firstIndex(of: name) else {
            throw PostgresError(kind: .unexpectedResult, message: "no column \(name) in \(columns)")
        }
        return index
    }
}
