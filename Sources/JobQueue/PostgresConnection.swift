import CLibPQ
import Foundation

/// A parameter value for `PostgresConnection.execute`. Everything except `bytea` travels in
/// PostgreSQL's text format and lets the server infer the type from the statement; `bytea` travels
/// in binary so scans and PNGs are never hex-encoded on the way in.
public enum PostgresValue: Sendable, Equatable {
    case text(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case bytea([UInt8])

    public static func int(_ value: Int) -> PostgresValue { .int(Int64(value)) }
}

/// A failed libpq call. `sqlState` is the five-character SQLSTATE when the server sent one
/// (e.g. `23505` unique violation, `P0001` raised by a trigger); connection failures have none.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Could not open a connection.
        case connect
        /// The connection broke (server restart, network): reconnect and retry.
        case connectionLost
        /// The server rejected the statement.
        case query
        /// The result did not have the shape the caller expected.
        case unexpectedResult
    }
    public var kind: Kind
    public var sqlState: String?
    public var message: String

    public init(kind: Kind, sqlState: String? = nil, message: String) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
    }

    /// True when retrying on a fresh connection may succeed (the server went away, was shutting
    /// down, or is starting up) — as opposed to a statement the server will reject again.
    public var isConnectionProblem: Bool {
        if isLoginRefused { return false }
        if kind == .connect || kind == .connectionLost { return true }
        guard let state = sqlState else { return false }
        // Class 08: connection exception; 57P01-03: admin/crash shutdown, cannot connect now.
        return state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03"
    }

    /// True when the server refused the login itself — authentication failed or the role is not
    /// allowed (28000, 28P01), or the database does not exist (3D000): no retry can cure it.
    public var isLoginRefused: Bool {
        guard let state = sqlState else { return false }
        return state == "28000" || state == "28P01" || state == "3D000"
    }

    /// True for the server's "try again" answers — serialization failure, deadlock (class 40), out
    /// of resources (class 53), lock timeout, statement cancelled — and connection trouble.
    public var isTransient: Bool {
        if isConnectionProblem { return true }
        guard let state = sqlState else { return false }
        return state.hasPrefix("40") || state.hasPrefix("53") || state == "55P03" || state == "57014"
    }

    /// True when the server refused a statement for the values of one row — a data exception
    /// (class 22) or an integrity constraint violation (class 23, e.g. a second verdict for a
    /// job) — rather than for the statement or the session: the same statement without that row
    /// may succeed.
    public var concernsOneRow: Bool {
        guard kind == .query, let state = sqlState else { return false }
        return state.hasPrefix("22") || state.hasPrefix("23")
    }

    public var description: String {
        let trimmed = message.trimmingCharacters(in: .whitespacesAndNewlines)
        if let state = sqlState { return "PostgreSQL error \(state): \(trimmed)" }
        switch kind {
        case .connect: return "cannot connect to PostgreSQL: \(trimmed)"
        case .connectionLost: return "lost the PostgreSQL connection: \(trimmed)"
        case .query: return "PostgreSQL error: \(trimmed)"
        case .unexpectedResult: return "unexpected PostgreSQL result: \(trimmed)"
        }
    }
}

/// The rows of one statement, copied out of libpq in text format (NULL stays `nil`).
public struct QueryResult: ColumnNamed, Sendable {
    public var columns: [String]
    public var rows: [[String?]]
    /// Rows touched by INSERT/UPDATE/DELETE (from the command tag), 0 otherwise.
    public var affectedRows: Int

    public init(columns: [String], rows: [[String?]], affectedRows: Int) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    public var count: Int { rows.count }

    public func string(_ row: Int, _ name: String) throws(PostgresError) -> String? {
        rows[row][try column(name)]
    }

    public func int(_ row: Int, _ name: String) throws(PostgresError) -> Int? {
        guard let text = try string(row, name) else { return nil }
        guard let value = Int(text) else {
            throw PostgresError(kind: .unexpectedResult, message: "\(name) = \(text) is not an integer")
        }
        return value
    }

    public func double(_ row: Int, _ name: String) throws(PostgresError) -> Double? {
        guard let text = try string(row, name) else { return nil }
        guard let value = Double(text) else {
            throw PostgresError(kind: .unexpectedResult, message: "\(name) = \(text) is not a number")
        }
        return value
    }

    public func bool(_ row: Int, _ name: String) throws(PostgresError) -> Bool? {
        guard let text = try string(row, name) else { return nil }
        return text == "t"
    }

    /// A `bytea` column, decoded from PostgreSQL's hex text format (`\x89504e47…`).
    public func bytes(_ row: Int, _ name: String) throws(PostgresError) -> [UInt8]? {
        guard let text = try string(row, name) else { return nil }
        guard let bytes = QueryResult.decodeHexBytea(text) else {
            throw PostgresError(kind: .unexpectedResult, message: "\(name) is not hex-encoded bytea")
        }
        return bytes
    }

    static func decodeHexBytea(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { chars -> [UInt8]? in
            guard chars.count >= 2, chars[0] == UInt8(ascii: "\\"), chars[1] == UInt8(ascii: "x"),
                  chars.count % 2 == 0 else { return nil }
            let n = (chars.count - 2) / 2
            var ok = true
            let out = [UInt8](unsafeUninitializedCapacity: n) { buffer, initialized in
                for i in 0..<n {
                    let hi = hexValue(chars[2 + 2 * i]), lo = hexValue(chars[3 + 2 * i])
                    if hi > 15 || lo > 15 { ok = false; break }
                    buffer[i] = hi << 4 | lo
                }
                initialized = ok ? n : 0
            }
            return ok ? out : nil
        }
    }

    private static func hexValue(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return 255
        }
    }
}

/// A `LISTEN` notification.
public struct PostgresNotification: Sendable, Equatable {
    public var channel: String
    public var payload: String
}

/// One libpq connection. Not thread-safe: each thread (worker loop, heartbeat) owns its own.
/// This is the only file of the package that handles libpq's C pointers.
public final class PostgresConnection {
    private var conn: OpaquePointer?
    public let url: String

    /// Opens a connection from a `postgresql://` URL (or a libpq keyword/value string) with
    /// `settings`' timeouts and keepalives wherever the URL does not set its own. A login the
    /// server refuses carries its SQLSTATE (see `PostgresError.isLoginRefused`).
    public init(url: String, settings: ConnectionSettings = ConnectionSettings()) throws(PostgresError) {
        self.url = url
        let environment = ProcessInfo.processInfo.environment
        let given = PostgresConnection.parameters(of: url)
        var parameters = settings.libpqDefaults.filter { !($0.keyword == "connect_timeout" && environment["PGCONNECT_TIMEOUT"] != nil) }
        parameters.append(("dbname", url))
        if let options = settings.options(userOptions: given["options"] ?? environment["PGOPTIONS"]) {
            parameters.append(("options", options))
        }
        conn = PostgresConnection.start(parameters)
        guard let conn else { throw PostgresError(kind: .connect, message: "out of memory") }
        // Verbose errors carry the SQLSTATE, so a refused login can be told from an outage.
        PQsetErrorVerbosity(conn, PQERRORS_VERBOSE)
        let timeout = Double(given["connect_timeout"] ?? environment["PGCONNECT_TIMEOUT"] ?? "") ?? Double(settings.connectTimeoutSeconds)
        do {
            try PostgresConnection.complete(conn, timeout: timeout) { PQconnectPoll($0) }
        } catch {
            PQfinish(conn)
            self.conn = nil
            throw error
        }
        // Keep notices (e.g. "schema already exists") off stderr.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    deinit { PQfinish(conn) }

    /// Closes the connection now (also done on deinit).
    public func close() {
        PQfinish(conn)
        conn = nil
    }

    /// False once the server went away; `reset()` reconnects.
    public var isHealthy: Bool { conn.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// The backend process id the login announced (a pooler announces one of its own); 0 when closed.
    public var announcedBackendPID: Int32 { conn.map { PQbackendPID($0) } ?? 0 }

    /// Reconnects with the original URL and settings (LISTENs must be issued again).
    public func reset() throws(PostgresError) {
        guard let conn else { throw PostgresError(kind: .connect, message: "connection was closed") }
        guard PQresetStart(conn) != 0 else { throw PostgresConnection.connectError(conn) }
        let timeout = parameter("connect_timeout").flatMap(Double.init) ?? 0
        try PostgresConnection.complete(conn, timeout: timeout) { PQresetPoll($0) }
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    /// The value libpq uses for a connection keyword (e.g. `connect_timeout`), nil if unset.
    public func parameter(_ keyword: String) -> String? {
        guard let conn, let options = PQconninfo(conn) else { return nil }
        defer { PQconninfoFree(options) }
        return PostgresConnection.values(of: options)[keyword]
    }

    /// Runs one statement with `$1…$n` parameters through `PQexecParams` (one round trip).
    @discardableResult
    public func execute(_ sql: String, _ params: [PostgresValue?] = []) throws(PostgresError) -> QueryResult {
        let result = try checked(run(sql, params, resultFormat: 0))
        defer { PQclear(result) }
        return QueryResult(columns: columnNames(result), rows: cells(result) { String(decoding: $0, as: UTF8.self) },
                           affectedRows: affectedRows(result))
    }

    /// Runs one statement asking for every column in PostgreSQL's binary format: `bytea` arrives as
    /// its raw bytes (no hex text of twice the size, which the server cannot even build for values
    /// over 512 MiB), `bigint` as 8 big-endian bytes. For fetching scans.
    public func executeBinary(_ sql: String, _ params: [PostgresValue?] = []) throws(PostgresError) -> BinaryQueryResult {
        let result = try checked(run(sql, params, resultFormat: 1))
        defer { PQclear(result) }
        return BinaryQueryResult(columns: columnNames(result), rows: cells(result) { Array($0) })
    }

    /// Runs a script of several `;`-separated statements with no parameters (migrations).
    public func executeScript(_ sql: String) throws(PostgresError) {
        guard let conn else { throw PostgresError(kind: .connectionLost, message: "connection was closed") }
        PQclear(try checked(PQexec(conn, sql)))
    }

    /// Runs `body` inside BEGIN … COMMIT; rolls back when it throws.
    public func transaction<T>(_ body: (PostgresConnection) throws(PostgresError) -> T) throws(PostgresError) -> T {
        try executeScript("BEGIN")
        do {
            let value = try body(self)
            try executeScript("COMMIT")
            return value
        } catch {
            if isHealthy { try? executeScript("ROLLBACK") }
            throw error
        }
    }

    /// `LISTEN channel` (the name is quoted as an identifier).
    public func listen(_ channel: String) throws(PostgresError) {
        try executeScript("LISTEN \(PostgresConnection.quoteIdentifier(channel))")
    }

    /// Waits up to `timeout` seconds for notifications, returning at once when some are already
    /// buffered. Also returns early when `wakeFD` (e.g. a shutdown pipe) becomes readable.
    /// Throws `connectionLost` when the server closed the connection while we waited.
    public func waitForNotifications(timeout: Double, wakeFD: Int32? = nil) throws(PostgresError) -> [PostgresNotification] {
        guard let conn else { throw PostgresError(kind: .connectionLost, message: "connection was closed") }
        var found = drainNotifications(conn)
        if !found.isEmpty { return found }
        let socket = PQsocket(conn)
        guard socket >= 0 else { throw PostgresError(kind: .connectionLost, message: "no socket") }
        var fds = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0)]
        if let wakeFD { fds.append(pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)) }
        let millis = Int32(max(0, min(timeout, 86_400)) * 1000)
        let ready = poll(&fds, nfds_t(fds.count), millis)
        if ready > 0, fds[0].revents != 0 {
            if PQconsumeInput(conn) == 0 {
                throw PostgresError(kind: .connectionLost, message: String(cString: PQerrorMessage(conn)))
            }
            found = drainNotifications(conn)
        }
        return found
    }

    private func drainNotifications(_ conn: OpaquePointer) -> [PostgresNotification] {
        _ = PQconsumeInput(conn)
        var out: [PostgresNotification] = []
        while let notify = PQnotifies(conn) {
            out.append(PostgresNotification(channel: String(cString: notify.pointee.relname),
                                            payload: String(cString: notify.pointee.extra)))
            PQfreemem(notify)
        }
        return out
    }

    /// Quotes an SQL identifier ("weird""name").
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Quotes an SQL string literal ('it''s'), for the few statements that take no parameters
    /// (CREATE DATABASE, LISTEN).
    public static func quoteLiteral(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    // MARK: libpq plumbing

    /// The keywords a URL or conninfo string sets (empty when libpq cannot parse it; connecting
    /// then reports why).
    private static func parameters(of url: String) -> [String: String] {
        guard let options = PQconninfoParse(url, nil) else { return [:] }
        defer { PQconninfoFree(options) }
        return values(of: options)
    }

    private static func values(of options: UnsafeMutablePointer<PQconninfoOption>) -> [String: String] {
        var found: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { found[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return found
    }

    /// Starts a non-blocking connect; later keywords override earlier ones, and `dbname` is
    /// expanded when it holds a URL or conninfo string.
    private static func start(_ parameters: [(keyword: String, value: String)]) -> OpaquePointer? {
        let keywords = parameters.map { strdup($0.keyword) } + [nil]
        let values = parameters.map { strdup($0.value) } + [nil]
        defer { (keywords + values).forEach { free($0) } }
        return keywords.map { UnsafePointer($0) }.withUnsafeBufferPointer { k in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { v in
                PQconnectStartParams(k.baseAddress, v.baseAddress, 1)
            }
        }
    }

    /// Drives `poll` (`PQconnectPoll` or `PQresetPoll`) until the connection is up, giving up after
    /// `timeout` seconds (libpq's `connect_timeout` rules: 0 waits forever, at least 2 s).
    private static func complete(_ conn: OpaquePointer, timeout: Double,
                                 _ poll: (OpaquePointer) -> PostgresPollingStatusType) throws(PostgresError) {
        let deadline = timeout > 0 ? Date(timeIntervalSinceNow: max(timeout, 2)) : nil
        var state = PQstatus(conn) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING
        while state != PGRES_POLLING_OK {
            guard state != PGRES_POLLING_FAILED else { throw connectError(conn) }
            let events = Int16(state == PGRES_POLLING_READING ? POLLIN : POLLOUT)
            var fd = pollfd(fd: PQsocket(conn), events: events, revents: 0)
            let millis = deadline.map { Int32(max(0, $0.timeIntervalSinceNow * 1000)) } ?? -1
            let ready = Glibc.poll(&fd, 1, millis)
            if ready == 0 {
                throw PostgresError(kind: .connect, message: "timeout expired after \(Int(max(timeout, 2))) s (connect_timeout)")
            }
            if ready < 0, errno != EINTR { throw connectError(conn) }
            state = poll(conn)
        }
    }

    /// libpq's (verbose) connection error as one line, with the server's SQLSTATE when it sent one.
    private static func connectError(_ conn: OpaquePointer) -> PostgresError {
        let text = String(cString: PQerrorMessage(conn))
        var state: String?
        var lines: [String] = []
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("LOCATION:") {
            var line = String(line)
            if let match = line.firstMatch(of: #/(FATAL|ERROR|PANIC):  ([0-9A-Z]{5}): /#) {
                state = state ?? String(match.2)
                line.replaceSubrange(match.range, with: "\(match.1):  ")
            }
            lines.append(line.trimmingCharacters(in: .whitespaces))
        }
        return PostgresError(kind: .connect, sqlState: state, message: lines.joined(separator: " "))
    }

    private func run(_ sql: String, _ params: [PostgresValue?], resultFormat: Int32) throws(PostgresError) -> OpaquePointer? {
        guard let conn else { throw PostgresError(kind: .connectionLost, message: "connection was closed") }
        return withParameters(params) { values, lengths, formats, types in
            PQexecParams(conn, sql, Int32(params.count), types, values, lengths, formats, resultFormat)
        }
    }

    /// The result when the statement succeeded (the caller clears it); otherwise it is cleared and
    /// the server's error thrown.
    private func checked(_ result: OpaquePointer?) throws(PostgresError) -> OpaquePointer {
        guard let result else {
            let message = conn.map { String(cString: PQerrorMessage($0)) } ?? "no connection"
            throw PostgresError(kind: isHealthy ? .query : .connectionLost, message: message)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return result
        default:
            defer { PQclear(result) }
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            // The primary message (and detail) rather than libpq's multi-line "ERROR:  …\nLINE 1: …" text.
            let field = { (code: Character) in PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) } }
            var message = field("M") ?? String(cString: PQresultErrorMessage(result))
            if let detail = field("D") { message += " (\(detail))" }
            let lost = !isHealthy
            throw PostgresError(kind: lost ? .connectionLost : .query, sqlState: state, message: message)
        }
    }

    private func columnNames(_ result: OpaquePointer) -> [String] {
        (0..<PQnfields(result)).map { String(cString: PQfname(result, $0)) }
    }

    /// Every cell of the result converted by `value` (NULL stays `nil`).
    private func cells<Cell>(_ result: OpaquePointer, _ value: (UnsafeBufferPointer<UInt8>) -> Cell) -> [[Cell?]] {
        let nrows = PQntuples(result), ncols = PQnfields(result)
        var rows: [[Cell?]] = []
        rows.reserveCapacity(Int(nrows))
        for r in 0..<nrows {
            var row: [Cell?] = []
            row.reserveCapacity(Int(ncols))
            for c in 0..<ncols {
                if PQgetisnull(result, r, c) != 0 {
                    row.append(nil)
                } else {
                    let length = Int(PQgetlength(result, r, c))
                    let base = PQgetvalue(result, r, c)!
                    row.append(base.withMemoryRebound(to: UInt8.self, capacity: length) {
                        value(UnsafeBufferPointer(start: $0, count: length))
                    })
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// Rows touched by INSERT/UPDATE/DELETE, from the command tag.
    private func affectedRows(_ result: OpaquePointer) -> Int {
        Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// Lays out parameters as libpq wants them — C strings for text values, raw bytes for bytea —
    /// in one contiguous buffer, so thousands of parameters cost one allocation.
    private func withParameters<R>(
        _ params: [PostgresValue?],
        _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?, UnsafePointer<Oid>?) -> R
    ) -> R {
        let count = params.count
        var buffer: [UInt8] = []
        var offsets = [Int](repeating: -1, count: count)
        var lengths = [Int32](repeating: 0, count: count)
        var formats = [Int32](repeating: 0, count: count)
        var types = [Oid](repeating: 0, count: count)
        func appendText(_ text: String) {
            buffer.append(contentsOf: text.utf8)
            buffer.append(0)
        }
        for (i, param) in params.enumerated() {
            guard let param else { continue }
            offsets[i] = buffer.count
            switch param {
            case .text(let s): appendText(s)
            case .int(let v): appendText(String(v))
            case .double(let v):
                appendText(v.isNaN ? "NaN" : v.isInfinite ? (v > 0 ? "Infinity" : "-Infinity") : "\(v)")
            case .bool(let v): appendText(v ? "t" : "f")
            case .bytea(let bytes):
                buffer.append(contentsOf: bytes)
                lengths[i] = Int32(bytes.count)
                formats[i] = 1
                types[i] = 17  // BYTEAOID
            }
        }
        if buffer.isEmpty { buffer.append(0) }
        return buffer.withUnsafeBufferPointer { raw in
            let base = UnsafeRawPointer(raw.baseAddress!).assumingMemoryBound(to: CChar.self)
            let pointers: [UnsafePointer<CChar>?] = offsets.map { $0 < 0 ? nil : base + $0 }
            return pointers.withUnsafeBufferPointer { p in
                lengths.withUnsafeBufferPointer { l in
                    formats.withUnsafeBufferPointer { f in
                        types.withUnsafeBufferPointer { t in
                            body(p.baseAddress, l.baseAddress, f.baseAddress, t.baseAddress)
                        }
                    }
                }
            }
        }
    }
}
