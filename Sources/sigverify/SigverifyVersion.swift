/// The version `sigverify --version` and `sigverify info` print. One constant, bumped by hand when a
/// release is cut: SwiftPM cannot embed the git commit without a build plugin, and a version that
/// depends on the checkout would make builds irreproducible.
enum SigverifyVersion {
    static let current = "0.14.0"
}
