"""Small PNG/JPEG seed files for the mutation fuzz test (which also mutates the TIFF/BMP/PNM fixtures),
with OpenCV gray goldens.

Run once in a throwaway venv (opencv-python-headless, numpy, pillow):
    python Tests/Fixtures/decode/make_fuzz_seeds.py
"""
import os
import cv2
import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fuzz")
os.makedirs(OUT, exist_ok=True)
bgr = cv2.resize(cv2.imread(os.path.join(HERE, "inputs", "s3_6_444.jpg")), (40, 28), interpolation=cv2.INTER_AREA)
rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)


def out(name):
    return os.path.join(OUT, name)


cv2.imwrite(out("gray.png"), gray)
cv2.imwrite(out("rgb16.png"), bgr.astype(np.uint16) * 257)
Image.fromarray(rgb).quantize(colors=30).save(out("palette_trns.png"), transparency=3)

Image.fromarray(np.dstack([rgb, gray])).save(out("rgba.png"))
Image.fromarray(gray < 128).save(out("bilevel.png"))
cv2.imwrite(out("baseline.jpg"), bgr, [cv2.IMWRITE_JPEG_QUALITY, 80])
cv2.imwrite(out("progressive.jpg"), bgr, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
cv2.imwrite(out("gray.jpg"), gray)
Image.fromarray(rgb).convert("CMYK").save(out("cmyk.jpg"))
exif = Image.Exif()
exif[0x0112] = 6
exif[0x010F] = "fuzz"
Image.fromarray(rgb).save(out("exif6.jpg"), exif=exif.tobytes())


def write_adam7_png(path, pixels, color_type, bit_depth):
    """A tiny Adam7-interlaced PNG (Pillow and OpenCV write only non-interlaced ones)."""
    import struct
    import zlib
    h, w = pixels.shape[:2]

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    raw = bytearray()
    for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
        sub = pixels[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        for row in sub:
            if bit_depth < 8:
                per = 8 // bit_depth
                vals = list(row) + [0] * ((-len(row)) % per)
                packed = bytes(sum(int(vals[i + j]) << (8 - bit_depth * (j + 1)) for j in range(per))
                               for i in range(0, len(vals), per))
                raw += b"\0" + packed
            else:
                raw += b"\0" + row.tobytes()
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b""))


write_adam7_png(out("adam7_rgb.png"), rgb, 2, 8)
write_adam7_png(out("adam7_gray2.png"), gray >> 6, 0, 2)
# EXIF orientations (JPEG APP1 and PNG eXIf), 2-bit palette, gray tRNS, 16-bit RGBA, 4:2:2, restart markers.
small = cv2.resize(cv2.imread(os.path.join(HERE, "inputs", "s3_6_444.jpg")), (33, 17), interpolation=cv2.INTER_AREA)
small_rgb = small[..., ::-1].copy()
small_gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
for ori, ext in [(2, "jpg"), (4, "jpg"), (5, "jpg"), (7, "jpg"), (6, "png"), (8, "png")]:
    ex = Image.Exif()
    ex[0x0112] = ori
    Image.fromarray(small_rgb).save(out(f"exif{ori}_33x17.{ext}"), exif=ex.tobytes())
Image.fromarray(small_rgb).quantize(colors=4).save(out("pal2bit_33x17.png"), bits=2)
Image.fromarray(small_gray).save(out("graytrns_33x17.png"), transparency=int(small_gray.flat[0]))
cv2.imwrite(out("rgba16_33x17.png"), np.dstack([small, small_gray]).astype(np.uint16) * 257
            + np.random.default_rng(1).integers(0, 257, (17, 33, 4)).astype(np.uint16))
Image.fromarray(small_rgb).save(out("sub1_33x17.jpg"), subsampling=1, quality=90)
cv2.imwrite(out("rst_33x17.jpg"), small, [cv2.IMWRITE_JPEG_RST_INTERVAL, 2])
for name in sorted(os.listdir(OUT)):
    if name.endswith(".gray.png"):
        continue
    im = cv2.imread(out(name))
    assert im is not None, name
    cv2.imwrite(out(name) + ".gray.png", cv2.cvtColor(im, cv2.COLOR_BGR2GRAY))
