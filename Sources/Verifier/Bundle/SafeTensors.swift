import Foundation
import NeuralNet

/// Why a model bundle (or one of its safetensors files) could not be read or written.
/// Every case names the file or tensor at fault so a broken bundle is diagnosable from the message alone.
public enum BundleError: Error, CustomStringConvertible, Equatable {
    /// A file the bundle needs does not exist or cannot be opened.
    case missingFile(String)
    /// The safetensors header (length prefix or JSON) is not valid.
    case malformedHeader(file: String, reason: String)
    /// A tensor the network needs is not in the file.
    case missingTensor(String)
    /// A tensor exists but has the wrong shape.
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    /// A tensor's byte range lies outside the file or does not match its shape × dtype size.
    case truncatedData(String)
    /// A tensor uses a dtype this reader does not convert.
    case unsupportedDType(name: String, dtype: String)
    /// Writing a file failed.
    case writeFailed(file: String, reason: String)
    /// `parameters.json` describes networks that cannot be built (e.g. input not a multiple of 16).
    case invalidParameters(String)
    /// The IsolationForest JSON is unreadable or inconsistent with the parameters.
    case invalidForest(file: String, reason: String)
    /// A weight tensor holds NaN or ±∞ (a damaged file): every score would be NaN.
    case nonFiniteWeights(file: String, tensor: String, count: Int)
    /// A file's SHA-256 differs from the one `manifest.json` recorded when the bundle was saved.
    case manifestMismatch(file: String, manifest: String)
    /// `manifest.json` is unreadable, or does not cover every bundle file.
    case invalidManifest(file: String, reason: String)

    public var description: String {
        switch self {
        case .missingFile(let f): return "model bundle: missing or unreadable file \(f)"
        case .malformedHeader(let f, let r): return "safetensors \(f): malformed header (\(r))"
        case .missingTensor(let n): return "model bundle: tensor '\(n)' is missing"
        case .shapeMismatch(let n, let e, let f):
            return "model bundle: tensor '\(n)' has shape \(f), expected \(e)"
        case .truncatedData(let n): return "safetensors: data of tensor '\(n)' is truncated or out of range"
        case .unsupportedDType(let n, let d): return "safetensors: tensor '\(n)' has unsupported dtype \(d)"
        case .writeFailed(let f, let r): return "safetensors \(f): write failed (\(r))"
        case .invalidParameters(let r): return "model parameters: \(r)"
        case .invalidForest(let f, let r): return "model bundle \(f): invalid IsolationForest (\(r))"
        case .nonFiniteWeights(let f, let t, let n):
            return "model bundle \(f): tensor '\(t)' holds \(n) non-finite values (NaN or ±∞); the file is damaged"
        case .manifestMismatch(let f, let m):
            return "model bundle \(f) does not match its SHA-256 in \(m): the file was changed or damaged after the bundle was saved"
        case .invalidManifest(let f, let r): return "model bundle \(f): invalid manifest (\(r))"
        }
    }
}

/// The safetensors file format (https://github.com/huggingface/safetensors): an 8-byte little-endian
/// header length, a JSON header `{name: {dtype, shape, data_offsets}}`, then the raw little-endian data.
/// The bundle stores both networks' weights this way so Keras exports load without conversion.
public enum SafeTensors {
    /// Element types this reader understands.
    public enum DType: String, Sendable {
        case f32 = "F32", f64 = "F64", u8 = "U8", i32 = "I32", i64 = "I64"
        var byteSize: Int {
            switch self {
            case .u8: return 1
            case .f32, .i32: return 4
            case .f64, .i64: return 8
            }
        }
    }

    /// One tensor exactly as stored (dtype, shape, little-endian bytes): for reference data whose
    /// precision matters (e.g. scikit-learn's F64 anomaly scores, U8 verdicts).
    public struct RawTensor: Sendable {
        public let dtype: DType
        public let shape: [Int]
        public let bytes: [UInt8]

        public var count: Int { shape.reduce(1, *) }

        /// The values widened/narrowed to Double (F64 is exact).
        public func doubles() -> [Double] {
            (0..<count).map { value(at: $0) }
        }

        /// The values as Float32 (F32 exact; F64 rounded).
        public func floats() -> [Float] {
            if dtype == .f32 {
                return [Float](unsafeUninitializedCapacity: count) { buf, initialized in
                    bytes.withUnsafeBytes { raw in
                        #if _endian(little)
                        if count > 0 { UnsafeMutableRawPointer(buf.baseAddress!).copyMemory(from: raw.baseAddress!, byteCount: 4 * count) }
                        #else
                        for i in 0..<count {
                            buf[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                        }
                        #endif
                    }
                    initialized = count
                }
            }
            return (0..<count).map { Float(value(at: $0)) }
        }

        private func value(at i: Int) -> Double {
            bytes.withUnsafeBytes { raw in
                switch dtype {
                case .u8: return Double(raw[i])
                case .f32: return Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))))
                case .i32: return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                case .f64: return Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))
                case .i64: return Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
                }
            }
        }
    }

    /// Reads every tensor of a safetensors file as Float32 `Tensor`s (F64/integer dtypes are converted;
    /// use `readRaw` when the exact stored values matter).
    public static func read(contentsOf url: URL) throws(BundleError) -> [String: Tensor] {
        let raw = try readRaw(contentsOf: url)
        var out: [String: Tensor] = [:]
        out.reserveCapacity(raw.count)
        for (name, t) in raw {
            out[name] = Tensor(shape: t.shape, storage: t.floats())
        }
        return out
    }

    /// Reads every tensor of a safetensors file with its stored dtype.
    public static func readRaw(contentsOf url: URL) throws(BundleError) -> [String: RawTensor] {
        let file = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw .missingFile(file)
        }
        guard data.count >= 8 else { throw .malformedHeader(file: file, reason: "file shorter than 8 bytes") }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw .malformedHeader(file: file, reason: "header length \(headerLength) exceeds file size \(data.count)")
        }
        let dataStart = 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<dataStart))
        } catch {
            throw .malformedHeader(file: file, reason: "header is not JSON")
        }
        guard let header = json as? [String: Any] else {
            throw .malformedHeader(file: file, reason: "header is not a JSON object")
        }
        let payload = data.count - dataStart
        var out: [String: RawTensor] = [:]
        for (name, entry) in header where name != "__metadata__" {
            guard let info = entry as? [String: Any],
                  let dtypeName = info["dtype"] as? String,
                  let shapeAny = info["shape"] as? [Any],
                  let offsetsAny = info["data_offsets"] as? [Any], offsetsAny.count == 2 else {
                throw .malformedHeader(file: file, reason: "entry '\(name)' lacks dtype/shape/data_offsets")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw .unsupportedDType(name: name, dtype: dtypeName)
            }
            let shape = shapeAny.compactMap { ($0 as? NSNumber)?.intValue }
            let offsets = offsetsAny.compactMap { ($0 as? NSNumber)?.intValue }
            guard shape.count == shapeAny.count, shape.allSatisfy({ $0 >= 0 }), offsets.count == 2 else {
                throw .malformedHeader(file: file, reason: "entry '\(name)' has a non-integer shape or offset")
            }
            var bytesNeeded = dtype.byteSize
            for d in shape {
                let (product, overflow) = bytesNeeded.multipliedReportingOverflow(by: d)
                guard !overflow else { throw .malformedHeader(file: file, reason: "entry '\(name)' has an impossible shape \(shape)") }
                bytesNeeded = product
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= payload, end - begin == bytesNeeded else {
                throw .truncatedData(name)
            }
            let bytes = [UInt8](data[(dataStart + begin)..<(dataStart + end)])
            out[name] = RawTensor(dtype: dtype, shape: shape, bytes: bytes)
        }
        return out
    }

    /// Writes Float32 tensors as a safetensors file: keys sorted, data contiguous in key order,
    /// header padded with spaces to a multiple of 8 bytes (as the reference library does).
    public static func write(_ tensors: [String: Tensor], to url: URL) throws(BundleError) {
        let names = tensors.keys.sorted()
        var headerJSON = "{"
        var offset = 0
        for (i, name) in names.enumerated() {
            let t = tensors[name]!
            let size = t.count * 4
            let shape = t.shape.map(String.init).joined(separator: ",")
            headerJSON += (i == 0 ? "" : ",") + "\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + size)]}"
            offset += size
        }
        headerJSON += "}"
        var header = Array(headerJSON.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for name in names {
            tensors[name]!.storage.withUnsafeBufferPointer { buf in
                for v in buf {
                    withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
                }
            }
        }
        do {
            try Data(out).write(to: url, options: .atomic)
        } catch {
            throw .writeFailed(file: url.path, reason: "\(error)")
        }
    }

    /// A JSON string literal for a tensor name (names are plain ASCII paths, but escape anyway).
    private static func jsonString(_ s: String) -> String {
        var r = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case _ where ch.value < 0x20: r += String(format: "\\u%04x", ch.value)
            default: r.unicodeScalars.append(ch)
            }
        }
        return r + "\""
    }
}
