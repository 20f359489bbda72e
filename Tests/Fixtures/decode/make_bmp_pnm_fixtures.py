"""Makes the BMP and PNM decode fixtures and their OpenCV gray goldens.

Run once in a throwaway venv (opencv-python-headless, numpy, pillow):
    python Tests/Fixtures/decode/make_bmp_pnm_fixtures.py
Writes Tests/Fixtures/decode/{bmp,pnm}/<name> and <name>.gray.png, where the golden is
cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2GRAY).
"""
import os
import struct
import cv2
import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
BMP = os.path.join(HERE, "bmp")
PNM = os.path.join(HERE, "pnm")
os.makedirs(BMP, exist_ok=True)
os.makedirs(PNM, exist_ok=True)

bgr = cv2.resize(cv2.imread(os.path.join(HERE, "inputs", "s3_6_444.jpg")), (75, 43), interpolation=cv2.INTER_AREA)
rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
h, w = gray.shape
rng = np.random.default_rng(7)


def bmp(name, width, height, bpp, compression, rows, palette=None, masks=None, core=False, colors_used=0):
    """rows: list of bytes, file order (already padded / encoded)."""
    pixel_data = b"".join(rows)
    pal = b""
    if palette is not None:
        pal = b"".join(bytes([b, g, r]) if core else bytes([b, g, r, 0]) for (r, g, b) in palette)
    extra = b"".join(struct.pack("<I", m) for m in masks) if masks else b""
    header_size = 12 if core else 40
    offset = 14 + header_size + len(extra) + len(pal)
    if core:
        info = struct.pack("<IHHHH", 12, width, height, 1, bpp)
    else:
        info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, bpp, compression, len(pixel_data), 2835, 2835,
                           colors_used, 0)
    data = b"BM" + struct.pack("<IHHI", offset + len(pixel_data), 0, 0, offset) + info + extra + pal + pixel_data
    with open(os.path.join(BMP, name), "wb") as f:
        f.write(data)


def pad(row):
    return row + b"\0" * ((-len(row)) % 4)


def pack_bits(indices, bpp):
    per = 8 // bpp
    out = bytearray()
    for i in range(0, len(indices), per):
        v = 0
        for j in range(per):
            v <<= bpp
            if i + j < len(indices):
                v |= int(indices[i + j])
        out.append(v)
    return bytes(out)


pal16 = Image.fromarray(rgb).quantize(colors=16)
idx16 = np.asarray(pal16)
p16 = [tuple(pal16.getpalette()[3 * i:3 * i + 3]) for i in range(16)]
pal256 = Image.fromarray(rgb).quantize(colors=256)
idx256 = np.asarray(pal256)
p256 = [tuple(pal256.getpalette()[3 * i:3 * i + 3]) for i in range(256)]
bits = (gray < 128).astype(np.uint8)

# Uncompressed palette / true colour, bottom-up (normal) and top-down.
bmp("pal1.bmp", w, h, 1, 0, [pad(pack_bits(bits[y], 1)) for y in reversed(range(h))], [(250, 240, 230), (20, 30, 90)])
bmp("pal4.bmp", w, h, 4, 0, [pad(pack_bits(idx16[y], 4)) for y in reversed(range(h))], p16)
bmp("pal8.bmp", w, h, 8, 0, [pad(bytes(idx256[y])) for y in reversed(range(h))], p256)
bmp("pal8_topdown_short_palette.bmp", w, -h, 8, 0, [pad(bytes(np.minimum(idx256[y], 99))) for y in range(h)], p256[:100],
    colors_used=100)
bmp("rgb24.bmp", w, h, 24, 0, [pad(bgr[y].tobytes()) for y in reversed(range(h))])
bmp("rgb24_topdown.bmp", w, -h, 24, 0, [pad(bgr[y].tobytes()) for y in range(h)])
bgra = np.dstack([bgr, rng.integers(0, 256, (h, w), dtype=np.uint8)])
bmp("rgba32.bmp", w, h, 32, 0, [bgra[y].tobytes() for y in reversed(range(h))])
bmp("rgba32_bitfields.bmp", w, h, 32, 3, [bgra[y].tobytes() for y in reversed(range(h))],
    masks=[0x00FF0000, 0x0000FF00, 0x000000FF])
b5, g5, r5 = (bgr[..., 0] >> 3).astype(np.uint16), (bgr[..., 1] >> 3).astype(np.uint16), (bgr[..., 2] >> 3).astype(np.uint16)
v555 = (r5 << 10) | (g5 << 5) | b5
bmp("rgb555.bmp", w, h, 16, 0, [pad(v555[y].astype("<u2").tobytes()) for y in reversed(range(h))])
v565 = ((bgr[..., 2] >> 3).astype(np.uint16) << 11) | ((bgr[..., 1] >> 2).astype(np.uint16) << 5) | b5
bmp("rgb565_bitfields.bmp", w, h, 16, 3, [pad(v565[y].astype("<u2").tobytes()) for y in reversed(range(h))],
    masks=[0xF800, 0x07E0, 0x001F])
bmp("os2_pal8.bmp", w, h, 8, 0, [pad(bytes(idx256[y])) for y in reversed(range(h))], p256, core=True)
bmp("os2_rgb24.bmp", w, h, 24, 0, [pad(bgr[y].tobytes()) for y in reversed(range(h))], core=True)


def rle8_rows(idx, with_delta=False):
    out = []
    for y in reversed(range(idx.shape[0])):
        row = list(idx[y])
        x, enc = 0, bytearray()
        while x < len(row):
            run = 1
            while x + run < len(row) and row[x + run] == row[x] and run < 255:
                run += 1
            if run >= 3 or len(row) - x < 3:
                enc += bytes([run, row[x]])
                x += run
            else:
                n = min(3 + int(rng.integers(0, 20)), len(row) - x)
                enc += bytes([0, n]) + bytes(row[x:x + n]) + (b"\0" if n % 2 else b"")
                x += n
        enc += b"\0\0"  # end of line
        out.append(bytes(enc))
    if with_delta:
        # Skip the last 3 rows with a delta then end the bitmap: OpenCV fills both with palette[0].
        out = out[:-3] + [b"\0\x02\x05\x01", b"\0\x01"]
    else:
        out[-1] = out[-1][:-2] + b"\0\x01"  # end of bitmap
    return out


def rle4_rows(idx):
    out = []
    for y in reversed(range(idx.shape[0])):
        row = list(idx[y])
        x, enc = 0, bytearray()
        while x < len(row):
            if x + 1 < len(row) and row[x] != row[x + 1] and len(row) - x >= 6 and rng.integers(0, 2):
                n = 6
                enc += bytes([0, n]) + pack_bits(row[x:x + n], 4)
                enc += b"\0" * ((-(len(pack_bits(row[x:x + n], 4)))) % 2)
                x += n
                continue
            a = row[x]
            b = row[x + 1] if x + 1 < len(row) else a
            run = 1
            while x + run < len(row) and run < 255 and row[x + run] == (a if run % 2 == 0 else b):
                run += 1
            enc += bytes([run, (a << 4) | b])
            x += run
        enc += b"\0\0"
        out.append(bytes(enc))
    out[-1] = out[-1][:-2] + b"\0\x01"
    return out


bmp("rle8.bmp", w, h, 8, 1, rle8_rows(idx256), p256)
bmp("rle8_delta.bmp", w, h, 8, 1, rle8_rows(idx256, with_delta=True), p256)
bmp("rle4.bmp", w, h, 4, 2, rle4_rows(idx16), p16)
# Pillow's writer for a second opinion on the common cases.
Image.fromarray(rgb).save(os.path.join(BMP, "pillow_rgb.bmp"))
Image.fromarray(gray).save(os.path.join(BMP, "pillow_gray8.bmp"))
Image.fromarray(bits * 255).convert("1").save(os.path.join(BMP, "pillow_1bit.bmp"))


def pnm(name, data):
    with open(os.path.join(PNM, name), "wb") as f:
        f.write(data)


def ascii_rows(a, per_line=17):
    flat = [str(int(v)) for v in a.reshape(-1)]
    return "\n".join(" ".join(flat[i:i + per_line]) for i in range(0, len(flat), per_line)).encode() + b"\n"


pnm("p1.pbm", b"P1\n# a comment\n%d %d\n" % (w, h) + ascii_rows(bits))
pnm("p1_packed.pbm", b"P1 %d %d\n" % (w, h) + b"\n".join(b"".join(b"%d" % v for v in r) for r in bits) + b"\n")
pnm("p4.pbm", b"P4\n%d %d\n" % (w, h) + b"".join(np.packbits(r).tobytes() for r in bits))
pnm("p2.pgm", b"P2\n%d %d\n255\n" % (w, h) + ascii_rows(gray))
pnm("p2_maxval100.pgm", b"P2\n%d %d\n# max\n100\n" % (w, h) + ascii_rows((gray.astype(int) * 100 // 255)))
pnm("p2_maxval1000.pgm", b"P2\n%d %d\n1000\n" % (w, h) + ascii_rows(np.minimum(gray.astype(int) * 4, 1000)))
pnm("p5.pgm", b"P5\n%d %d\n255\n" % (w, h) + gray.tobytes())
pnm("p5_maxval100.pgm", b"P5 %d %d 100\n" % (w, h) + (gray.astype(int) * 100 // 255).astype(np.uint8).tobytes())
g16 = (gray.astype(np.uint16) * 257 + rng.integers(0, 257, gray.shape)).astype(">u2")
pnm("p5_16bit.pgm", b"P5\n%d %d\n65535\n" % (w, h) + g16.tobytes())
pnm("p3.ppm", b"P3\n%d %d\n255\n" % (w, h) + ascii_rows(rgb))
pnm("p3_maxval15.ppm", b"P3\n%d %d\n15\n" % (w, h) + ascii_rows(rgb // 17))
pnm("p6.ppm", b"P6\n%d %d\n255\n" % (w, h) + rgb.tobytes())
pnm("p6_16bit.ppm", b"P6\n%d %d\n4095\n" % (w, h) + (rgb.astype(np.uint16) * 16).astype(">u2").tobytes())

for folder in (BMP, PNM):
    for name in sorted(os.listdir(folder)):
        if name.endswith(".png"):
            continue
        p = os.path.join(folder, name)
        im = cv2.imread(p)
        assert im is not None, name
        cv2.imwrite(p + ".gray.png", cv2.cvtColor(im, cv2.COLOR_BGR2GRAY))
print("ok", len(os.listdir(BMP)) // 2, len(os.listdir(PNM)) // 2)
