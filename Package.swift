// swift-tools-version:6.0
import PackageDescription

/// The numeric targets are compiled for x86-64-v3 (AVX2 + FMA, Haswell and later): Preprocessing must
/// fuse multiply-adds exactly as OpenCV's AVX2/FMA kernels do (SPEC.md §2.3), otherwise every `fma`
/// is a libm call; NeuralNet's SIMD kernels then run 8 lanes wide instead of SSE's 4. One policy for
/// both (the binary already needs such a CPU for Preprocessing).
#if arch(x86_64)
let x86v3SwiftSettings: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"])]
#else
let x86v3SwiftSettings: [SwiftSetting] = []
#endif

/// sigverify: a PostgreSQL-backed batch worker that verifies scanned signatures.
/// Targets follow the data path: C wrappers → Imaging → Preprocessing → NeuralNet → Verifier → Training,
/// the queue-free ScanPipeline above Verifier, and JobQueue → Worker (the queue's adapter over
/// ScanPipeline) → Operations → Console; Benchmarks sits on top of all of them; the `sigverify`
/// executable only parses and prints.
let package = Package(
    name: "sigverify",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sigverify", targets: ["sigverify"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),  // LogHandler.log(event:)
        // Operations surface (`work --metrics-address`): metrics API, Prometheus text format, a minimal HTTP/1 server
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // MARK: C library wrappers (one Swift owner each)
        .systemLibrary(name: "CLibPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CLibJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CLibTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CFreeType", pkgConfig: "freetype2", providers: [.apt(["libfreetype-dev"])]),
        // whole-buffer inflate for PNG's IDAT stream (png_whole.c); libpng still reads every other file
        .systemLibrary(name: "CLibDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),

        // MARK: The data path
        // setjmp/longjmp-safe C shims: libpng/libjpeg errors unwind only C frames, never Swift ones
        .target(name: "CImageShims", dependencies: ["CLibPNG", "CLibJPEG", "CLibTIFF", "CLibDeflate"]),
        .target(name: "Imaging", dependencies: ["CImageShims"]),
        // Plain pointers to several buffers at once (`withPointers`): kernels read as loops, not closure pyramids
        .target(name: "KernelPointers"),
        .target(name: "Preprocessing", dependencies: ["Imaging", "KernelPointers"], swiftSettings: x86v3SwiftSettings),
        // CPUID/XGETBV words for choosing OpenBLAS kernels by feature flags (zeros off x86-64)
        .target(name: "CCPUFeatures"),
        .target(name: "NeuralNet", dependencies: ["COpenBLAS", "CCPUFeatures", "KernelPointers"], swiftSettings: x86v3SwiftSettings),
        // SHA-256: model bundle versions and the audit chain (a leaf, so JobQueue needs no Verifier)
        .target(name: "Digest"),
        .target(name: "Verifier", dependencies: ["NeuralNet", "Digest", "KernelPointers"]),
        // Writer verification: the embedding network, its own preprocessing, its bundle and the match score
        .target(name: "WriterVerification", dependencies: ["Imaging", "Preprocessing", "NeuralNet", "Verifier"]),
        .target(name: "Training", dependencies: ["Imaging", "Preprocessing", "NeuralNet", "Verifier", "WriterVerification", "CFreeType"]),
        // Scan bytes → verdicts without a queue: ScanVerifier, the per-scan budget and a batch's
        // assembly (prepare over the cores, one network pass, results in order) for `verify` and the worker
        .target(name: "ScanPipeline", dependencies: ["Imaging", "Preprocessing", "NeuralNet", "Verifier"]),
        .target(name: "JobQueue", dependencies: ["CLibPQ", "Digest", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Worker", dependencies: [
            "JobQueue", "ScanPipeline", "WriterVerification", "Imaging", "NeuralNet", .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        // /metrics, /healthz, /readyz: Prometheus registry, the database probe and the HTTP endpoint
        .target(name: "Operations", dependencies: [
            "JobQueue", "Worker", .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // `sigverify console`: read-only web pages as the auditor, on the operations endpoint's server
        .target(name: "Console", dependencies: ["JobQueue", "Imaging", "Operations", .product(name: "Logging", package: "swift-log")]),
        // All measurement code (`sigverify benchmark …`): throughput of each layer of the stack, the
        // queue's overhead, bf16 agreement; nothing in production depends on it
        .target(name: "Benchmarks", dependencies: [
            "Imaging", "Preprocessing", "NeuralNet", "Verifier", "Training", "ScanPipeline", "JobQueue", "Worker",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "sigverify", dependencies: [
            "Imaging", "Preprocessing", "NeuralNet", "Verifier", "WriterVerification", "Training", "ScanPipeline", "JobQueue",
            "Worker", "Operations", "Console", "Benchmarks",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // MARK: Tests mirror the modules; database tests talk to the real PostgreSQL from scripts/pg-start.sh
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // A migrated database per test, role logins, spawned binaries, a loopback HTTP GET
        .target(name: "DatabaseTestSupport", dependencies: ["JobQueue", "TestSupport"], path: "Tests/DatabaseTestSupport"),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "CImageShims", "TestSupport"]),
        .testTarget(name: "PreprocessingTests", dependencies: ["Preprocessing", "Imaging", "TestSupport"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "TestSupport"]),
        .testTarget(name: "DigestTests", dependencies: ["Digest"]),
        .testTarget(name: "VerifierTests", dependencies: ["Verifier", "NeuralNet", "TestSupport"]),
        .testTarget(name: "WriterVerificationTests", dependencies: ["WriterVerification", "Training", "Verifier", "NeuralNet", "Preprocessing", "Imaging", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Imaging", "NeuralNet", "Verifier", "Preprocessing", "TestSupport"]),
        // The queue's SQL and its Swift API (some raced by spawned workers): claims, leases, roles, the audit chain, migrations
        .testTarget(name: "JobQueueTests", dependencies: ["JobQueue", "DatabaseTestSupport", "TestSupport"]),
        // The console in-process (routing, escaping, authorisation) and end to end in headless Chromium
        .testTarget(name: "ConsoleTests", dependencies: ["Console", "Operations", "JobQueue", "Imaging", "DatabaseTestSupport", "TestSupport"]),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "ScanPipeline", "Benchmarks", "JobQueue", "Verifier", "NeuralNet", "Preprocessing", "Imaging", "Training", "TestSupport", "DatabaseTestSupport"]),
        // The operations endpoint: its HTTP server in-process under hostile clients, and a worker's
        // /metrics, /healthz, /readyz over loopback
        .testTarget(name: "OperationsTests", dependencies: ["Operations", "DatabaseTestSupport", "TestSupport"]),
        // The built binaries as separate processes (sigverify, QueueTestWorker): killed, signalled,
        // raced, fed hostile scans and damaged models, run end to end
        .testTarget(name: "ProcessTests", dependencies: [
            "JobQueue", "Imaging", "DatabaseTestSupport", "TestSupport", .product(name: "Logging", package: "swift-log"),
        ]),
        // Test-only worker binary (a scripted processor: sleeps, transient/permanent failures) that
        // the process and operations tests spawn to kill, signal and race.
        .executableTarget(name: "QueueTestWorker", dependencies: ["JobQueue", "Worker", "Operations"], path: "Tests/QueueTestWorker"),
    ],
    swiftLanguageModes: [.v6]
)
