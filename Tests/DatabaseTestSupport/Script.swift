/// Scripts understood by the QueueTestWorker processor.
public enum Script {
    public static func ok(_ tag: Int) -> [UInt8] { Array("ok:\(tag)".utf8) }
    public static func sleep(_ ms: Int, _ tag: Int) -> [UInt8] { Array("sleep:\(ms):\(tag)".utf8) }
    /// Hangs its loop for `ms` on the first attempt only (a stuck loop); later attempts succeed.
    public static func stall(_ ms: Int, _ tag: Int) -> [UInt8] { Array("stall:\(ms):\(tag)".utf8) }
    /// An `ok` scan padded to `bytes` bytes.
    public static func ok(_ tag: Int, bytes: Int) -> [UInt8] {
        let head = Array("ok:\(tag):".utf8)
        return head + [UInt8](repeating: UInt8(ascii: "x"), count: max(0, bytes - head.count))
    }
}
