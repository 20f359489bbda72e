import Operations

/// What `sigverify console` serves and under which bounds.
public struct ConsoleConfiguration: Sendable {
    public var address: EndpointAddress
    public var databaseURL: String
    /// Required unless `address` is loopback.
    public var credentials: ConsoleCredentials?
    /// Threads answering requests, each with its own database connection.
    public var connections: Int
    /// Verdicts per page of the list (at most 200).
    public var pageSize: Int
    /// A scan shown on a verdict page is decoded only up to this many pixels and bytes...
    public var maxScanPixels = 25_000_000
    public var maxScanBytes = 64 << 20
    /// ...and shown at most this many pixels on its longer side (averaged down).
    public var previewSide = 1200
    public var limits: EndpointLimits

    public init(address: EndpointAddress, databaseURL: String, credentials: ConsoleCredentials?, connections: Int = 4,
                pageSize: Int = 50, limits: EndpointLimits = EndpointLimits()) {
        self.address = address
        self.databaseURL = databaseURL
        self.credentials = credentials
        self.connections = min(max(1, connections), 32)
        self.pageSize = min(max(1, pageSize), 200)
        self.limits = limits
    }

    /// Refuses an address beyond loopback without credentials.
    func check() throws(ConsoleError) {
        if credentials == nil && !address.isLoopback { throw .credentialsRequired(address: address.description) }
    }
}

extension EndpointAddress {
    /// 127.0.0.0/8, ::1 or localhost: reachable from this host only.
    var isLoopback: Bool {
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }), octets[0] == "127" { return true }
        return host == "::1" || host == "0:0:0:0:0:0:0:1" || host.lowercased() == "localhost"
    }
}
