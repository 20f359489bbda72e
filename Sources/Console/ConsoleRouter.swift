import Foundation
import JobQueue
import Operations

/// Every request of the console: authorisation first, then the route, each answer with the
/// security headers. Runs on the server's blocking threads (the routes read the database).
final class ConsoleRouter: @unchecked Sendable {  // the audit state is guarded by the lock
    /// No script, no inline style, no frames, no foreign origins; forms only to the console itself.
    static let securityHeaders = [
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; "
            + "base-uri 'none'; frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
        "Cross-Origin-Resource-Policy": "same-origin",
    ]
    static let maxInputPNGBytes = 1 << 20

    private let configuration: ConsoleConfiguration
    private let pool: AuditorPool
    private let lock = NSLock()
    private var lastAudit: AuditRun?
    private var auditing = false

    init(configuration: ConsoleConfiguration, pool: AuditorPool) {
        self.configuration = configuration
        self.pool = pool
    }

    func respond(to request: EndpointRequest) -> EndpointResponse {
        var response: EndpointResponse
        if let credentials = configuration.credentials, !credentials.admits(request.header("authorization")) {
            response = Self.text(401, "authorization required\n")
            response.headers["WWW-Authenticate"] = credentials.challenge
        } else {
            do {
                response = try route(request)
            } catch let error as PostgresError {
                response = Self.page(503, "Database unavailable", "<p>\(escapeHTML(error.description))</p>", section: "")
            } catch {
                response = Self.page(500, "Error", "<p>\(escapeHTML("\(error)"))</p>", section: "")
            }
        }
        response.headers.merge(Self.securityHeaders) { own, _ in own }
        return response
    }

    private func route(_ request: EndpointRequest) throws -> EndpointResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        switch parts.first {
        case "": return parts.count == 1 ? Self.page(200, "Queue", QueuePage.render(try pool.with { try $0.queueOverview() }), section: "/") : Self.notFound
        case "verdicts": return try verdicts(Array(parts.dropFirst()), query: request.query)
        case "audit" where parts.count == 1: return try audit(verify: VerdictFilter.parameters(request.query)["verify"] == "1")
        case "console.css" where parts.count == 1:
            return EndpointResponse(status: 200, contentType: "text/css; charset=utf-8", body: Array(HTMLPage.stylesheet().utf8))
        default: return Self.notFound
        }
    }

    /// `/verdicts`, `/verdicts/{id}`, `/verdicts/{id}/input.png`, `/verdicts/{id}/scan.png`.
    private func verdicts(_ rest: [String], query: String) throws -> EndpointResponse {
        guard let segment = rest.first else { return try verdictList(VerdictFilter(query: query)) }
        guard let id = jobID(segment) else { return Self.notFound }
        switch rest.dropFirst().first {
        case nil: return try verdictPage(id)
        case "input.png" where rest.count == 2: return try networkInput(id)
        case "scan.png" where rest.count == 2: return try scan(id)
        default: return Self.notFound
        }
    }

    /// A job id as a path segment: digits only, a positive 64-bit integer.
    private func jobID(_ segment: String) -> Int64? {
        guard !segment.isEmpty, segment.utf8.count <= 19, segment.allSatisfy({ $0.isASCII && $0.isNumber }),
              let id = Int64(segment), id > 0 else { return nil }
        return id
    }

    private func verdictList(_ filter: VerdictFilter) throws -> EndpointResponse {
        let page = try pool.with { try $0.verdicts(filter, pageSize: configuration.pageSize) }
        return Self.page(200, "Verdicts", VerdictListPage.render(page, filter: filter, pageSize: configuration.pageSize), section: "/verdicts")
    }

    private func verdictPage(_ id: Int64) throws -> EndpointResponse {
        guard let detail = try pool.with({ try $0.verdictDetail(job: id) }) else { return Self.notFound }
        return Self.page(200, "Job \(id)", VerdictDetailPage.render(detail), section: "/verdicts")
    }

    private func networkInput(_ id: Int64) throws -> EndpointResponse {
        guard let png = try pool.with({ try $0.networkInput(job: id, maxBytes: Self.maxInputPNGBytes) }),
              png.starts(with: [0x89, 0x50, 0x4E, 0x47]) else { return Self.notFound }
        return EndpointResponse(status: 200, contentType: "image/png", body: png)
    }

    private func scan(_ id: Int64) throws -> EndpointResponse {
        guard let scan = try pool.with({ try $0.scanBytes(job: id, maxBytes: configuration.maxScanBytes) }) else { return Self.notFound }
        do {
            let png = try ScanPreview.png(scan.bytes, page: scan.page, maxPixels: configuration.maxScanPixels, side: configuration.previewSide)
            return EndpointResponse(status: 200, contentType: "image/png", body: png)
        } catch {
            return Self.text(422, "this scan cannot be shown: \(error)\n")
        }
    }

    private func audit(verify: Bool) throws -> EndpointResponse {
        if verify, let run = try verifyChain() { record(run) }
        lock.lock()
        let last = lastAudit
        lock.unlock()
        return Self.page(200, "Audit chain", AuditPage.render(head: try pool.with { try $0.chainHead() }, last: last), section: "/audit")
    }

    /// Runs the chain audit (read-only, one snapshot); nil when another request is running one.
    private func verifyChain() throws -> AuditRun? {
        lock.lock()
        if auditing {
            lock.unlock()
            return nil
        }
        auditing = true
        lock.unlock()
        defer {
            lock.lock()
            auditing = false
            lock.unlock()
        }
        let start = Date()
        let audit = try pool.with { try ChainAuditor(queue: $0).audit() }
        return AuditRun(audit: audit, finished: ISO8601DateFormatter().string(from: Date()), seconds: Date().timeIntervalSince(start))
    }

    private func record(_ run: AuditRun) {
        lock.lock()
        lastAudit = run
        lock.unlock()
    }

    static let notFound = page(404, "Not found", "<p>No such page, job or image.</p>", section: "")

    static func page(_ status: Int, _ title: String, _ body: String, section: String) -> EndpointResponse {
        EndpointResponse(status: status, contentType: "text/html; charset=utf-8",
                         body: Array(HTMLPage.render(title: title, section: section, body: body).utf8))
    }

    static func text(_ status: Int, _ text: String) -> EndpointResponse { EndpointResponse(status: status, body: Array(text.utf8)) }
}
