import Foundation  // NSLock
import KernelPointers

/// Inference of a 3×3 convolution by Winograd F(4×4, 3×3) (`Winograd4`, ConvKernels+Winograd4.swift)
/// or, where its units would have too few tiles, F(2×2, 3×3) (`Winograd`, ConvKernels+Winograd.swift):
/// per unit — a band of output rows of one image, or several whole images when one fits the budget —
/// the input tiles' transforms, 36 (or 16) SGEMMs with K = input channels over all the unit's tiles, the
/// output transform, then the same fused epilogue as im2col's pass (bias, activation, folded BatchNorm,
/// 2×2 max-pool). Units depend on the batch and the layer only, never on the caller's share of the cores,
/// so one core and two compute the same bits.
extension Conv2D {
    /// Input channels from which a 3×3 layer takes Winograd at inference (one channel has its direct
    /// kernel; a few channels make SGEMMs too thin to gain).
    static let winogradMinimumChannels = 8

    /// The algorithm `inference` takes for a batch of inputs shaped `inputShape` ([n, h, w, c]).
    public enum InferencePath: String, Sendable {
        /// One input channel: the direct SIMD kernel.
        case direct
        /// im2col + SGEMM.
        case im2col
        /// Winograd F(2×2, 3×3).
        case winograd2 = "winograd 2x2"
        /// Winograd F(4×4, 3×3).
        case winograd4 = "winograd 4x4"
    }

    public func inferencePath(inputShape: [Int], pool: Bool = false) -> InferencePath {
        let g = geometry(shape: inputShape)
        if g.c == 1 { return .direct }
        switch winogradUnits(g, n: inputShape[0], pool: pool)?.tile {
        case 4: return .winograd4
        case 2: return .winograd2
        default: return .im2col
        }
    }

    /// Floats of workspace a unit may use (V, M and the output band: 8 MB), so each of its 36 (or 16)
    /// SGEMMs is tall enough to pay for packing its kernel matrix.
    static let winogradBudget = 1 << 21

    /// Tiles a unit's SGEMMs must have for Winograd to beat im2col: fewer make the products too short
    /// to pay for packing their kernel matrices (measured with F(2×2) at batch 1 of the 64×64 model:
    /// 8–32 tiles lost 15–30 % against im2col, 128 won).
    static let winogradMinimumTiles = 64

    /// How `inference` cuts a batch of `n` inputs for Winograd — 4×4 tiles where units get enough of
    /// them, else 2×2 — or nil where im2col is faster or Winograd does not apply (not 3×3, too few
    /// input channels, too few tiles per unit).
    func winogradUnits(_ g: ConvKernels.Geometry, n: Int, pool: Bool) -> WinogradUnits? {
        guard g.kh == 3, g.kw == 3, g.c >= Self.winogradMinimumChannels else { return nil }
        let rowsUsed = pool ? (g.oh / 2) * 2 : g.oh
        for tile in [4, 2] {
            let units = WinogradUnits(n: n, rowsUsed: rowsUsed, width: g.ow, cin: g.c, cout: outChannels, tile: tile)
            if units.tilesPerUnit >= Self.winogradMinimumTiles { return units }
        }
        return nil
    }

    /// How a batch of `n` images is cut into units of `tile`×`tile`-output tiles: `images` whole images
    /// per unit (an even number of units where the batch allows, so two cores share them evenly), or
    /// (`images` = 1: a single image, or one too large for the budget) bands of `rows` output rows (a
    /// multiple of the tile), as many as `Conv2D.bandRows` balances.
    struct WinogradUnits {
        var tile: Int
        var images: Int
        var rows: Int
        var bandsPerImage: Int
        var count: Int
        var tilesX: Int
        var positions: Int { (tile + 2) * (tile + 2) }
        var tilesPerUnit: Int { images * (rows + tile - 1) / tile * tilesX }

        init(n: Int, rowsUsed: Int, width: Int, cin: Int, cout: Int, tile: Int) {
            self.tile = tile
            tilesX = (width + tile - 1) / tile
            let floatsPerRow = (tile + 2) * (tile + 2) * tilesX * (cin + cout) / tile + width * cout
            let perImage = rowsUsed * floatsPerRow
            if n >= 2 && perImage <= Conv2D.winogradBudget {
                let wanted = min(n, max((n * perImage + Conv2D.winogradBudget - 1) / Conv2D.winogradBudget, 2))
                let units = wanted + (wanted & 1 == 1 && wanted < n ? 1 : 0)
                images = (n + units - 1) / units
                (rows, bandsPerImage) = (rowsUsed, 1)
                count = (n + images - 1) / images
            } else {
                images = 1
                rows = Conv2D.bandRows(floatsPerRow: floatsPerRow * Conv2D.bandBudget / Conv2D.winogradBudget,
                                       rowsUsed: rowsUsed, step: tile, balanced: true)
                bandsPerImage = (rowsUsed + rows - 1) / rows
                count = n * bandsPerImage
            }
        }
    }

    func winogradInference(_ x: Tensor, _ g: ConvKernels.Geometry, units: WinogradUnits,
                           affine: (scale: [Float], shift: [Float])?, pool: Bool) -> Tensor {
        let n = x.shape[0], cout = outChannels, cin = g.c
        let rowsUsed = pool ? (g.oh / 2) * 2 : g.oh
        let (outH, outW) = pool ? (g.oh / 2, g.ow / 2) : (g.oh, g.ow)
        let inSize = g.h * g.w * cin, outSize = outH * outW * cout
        let (tile, tilesX, positions) = (units.tile, units.tilesX, units.positions)
        let maxTiles = units.tilesPerUnit
        let vCount = positions * maxTiles * cin, mCount = positions * maxTiles * cout
        let zCount = units.rows * g.ow * cout, scratchCount = 36 * 8 + 16 * cout
        let perPart = vCount + mCount + zCount + scratchCount
        let scale = affine?.scale ?? [], shift = affine?.shift ?? []
        let act = activation, folded = affine != nil
        let u = winogradKernel.transformed(kernel, tile: tile)
        let zeros = [Float](repeating: 0, count: cin)
        let work = KernelOutput<Float>(uninitializedCount: Parallel.partCount(units.count) * perPart)
        return Tensor(shape: [n, outH, outW, cout]) { out in
            withPointers(x.storage, bias.storage, scale, shift, zeros, u, work) { x, b, s, t, zeros, u, work in
                Parallel.parts(units.count) { part, range in
                    let v = work + part * perPart, m = v + vCount, z = m + mCount, scratch = z + zCount
                    for unit in range {
                        let first = unit / units.bandsPerImage * units.images, r0 = (unit % units.bandsPerImage) * units.rows
                        let images = min(units.images, n - first), rows = min(units.rows, rowsUsed - r0)
                        let tilesY = (rows + tile - 1) / tile, perImage = tilesY * tilesX, tiles = images * perImage
                        for i in 0..<images {
                            Self.transformInput(tile: tile, g, input: x + (first + i) * inSize, y0: r0, tilesY: tilesY,
                                                tilesX: tilesX, zeros: zeros, into: v + i * perImage * cin, tileStride: tiles,
                                                scratch: scratch)
                        }
                        for xi in 0..<positions {
                            BLAS.sgemm(m: tiles, n: cout, k: cin, a: v + xi * tiles * cin, lda: cin,
                                       b: u + xi * cin * cout, ldb: cout, c: m + xi * tiles * cout, ldc: cout)
                        }
                        for i in 0..<images {
                            Self.transformOutput(tile: tile, m + i * perImage * cout, tilesY: tilesY, tilesX: tilesX, cout: cout,
                                                 tileStride: tiles, rows: rows, width: g.ow, into: z, scratch: scratch)
                            let offset = (first + i) * outSize + (pool ? r0 / 2 : r0) * outW * cout
                            ConvKernels.convEpilogue(z: z, zRows: 0..<rows, width: g.ow, cout: cout, bias: b, activation: act,
                                                     scale: folded ? s : nil, shift: folded ? t : nil, pool: pool,
                                                     out: out.baseAddress! + offset)
                        }
                    }
                }
            }
        }
    }
}

extension Conv2D {
    /// The input transform of `tile`×`tile`-output tiles (`Winograd4` or `Winograd`).
    static func transformInput(tile: Int, _ g: ConvKernels.Geometry, input: UnsafePointer<Float>, y0: Int, tilesY: Int,
                               tilesX: Int, zeros: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>, tileStride: Int,
                               scratch: UnsafeMutablePointer<Float>) {
        if tile == 4 {
            Winograd4.transformInput(g, input: input, y0: y0, tilesY: tilesY, tilesX: tilesX, zeros: zeros, into: v,
                                     tileStride: tileStride, scratch: scratch)
        } else {
            Winograd.transformInput(g, input: input, y0: y0, tilesY: tilesY, tilesX: tilesX, zeros: zeros, into: v,
                                    tileStride: tileStride)
        }
    }

    /// The output transform of `tile`×`tile`-output tiles into the band z (`Winograd4` or `Winograd`).
    static func transformOutput(tile: Int, _ m: UnsafePointer<Float>, tilesY: Int, tilesX: Int, cout: Int, tileStride: Int,
                                rows: Int, width: Int, into z: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        if tile == 4 {
            Winograd4.transformOutput(m, tilesY: tilesY, tilesX: tilesX, cout: cout, tileStride: tileStride, rows: rows,
                                      width: width, into: z, scratch: scratch)
        } else {
            Winograd.transformOutput(m, tilesY: tilesY, tilesX: tilesX, cout: cout, tileStride: tileStride, rows: rows,
                                     width: width, into: z, scratch: scratch)
        }
    }
}

/// A Conv2D's kernel transformed for Winograd (per tile size), made once per kernel: `Conv2D.kernel`'s
/// observer puts a new, empty box in place whenever the kernel changes, so a box only ever holds its
/// own kernel's transforms. Locked: several threads may run one model's inference at once.
final class WinogradKernelCache: @unchecked Sendable {
    private let lock = NSLock()
    private var byTile: [Int: [Float]] = [:]

    func transformed(_ kernel: Tensor, tile: Int) -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        if let u = byTile[tile] { return u }
        let (cin, cout) = (kernel.shape[2], kernel.shape[3])
        let made = KernelOutput<Float>(uninitializedCount: (tile + 2) * (tile + 2) * cin * cout)  // every position written
        withPointers(kernel.storage, made) { k, u in
            if tile == 4 {
                Winograd4.transformKernel(k, cin: cin, cout: cout, into: u)
            } else {
                Winograd.transformKernel(k, cin: cin, cout: cout, into: u)
            }
        }
        let u = made.take()
        byTile[tile] = u
        return u
    }
}
