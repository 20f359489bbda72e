"""Makes the TIFF decode fixtures and their OpenCV gray goldens.

Run once in a throwaway venv (opencv-python-headless, tifffile, imagecodecs, pillow, numpy):
    python Tests/Fixtures/decode/make_tiff_fixtures.py
Writes Tests/Fixtures/decode/tiff/<name>.tif and <name>.tif.gray.png, where the golden is
cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2GRAY); multi-page files also get
<name>.tif.page<N>.gray.png made from cv2.imreadmulti.
"""
import os
import cv2
import numpy as np
import tifffile
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "tiff")
SRC = os.path.join(HERE, "inputs", "s3_6_444.jpg")

os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(2026)

bgr = cv2.imread(SRC)
bgr = cv2.resize(bgr, (157, 101), interpolation=cv2.INTER_AREA)  # odd sizes exercise partial strips/tiles
rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
gray16 = (gray.astype(np.uint16) * 257 + rng.integers(0, 257, gray.shape)).astype(np.uint16)
rgb16 = (rgb.astype(np.uint16) * 257 + rng.integers(0, 257, rgb.shape)).astype(np.uint16)
alpha = np.tile(np.linspace(0, 255, gray.shape[1]).astype(np.uint8), (gray.shape[0], 1))
rgba = np.dstack([rgb, alpha])
bilevel = gray < 128  # True = ink

def path(name):
    return os.path.join(OUT, name + ".tif")

def pil_bilevel():
    return Image.fromarray(np.where(bilevel, 0, 255).astype(np.uint8)).convert("1")

# Bilevel: CCITT G3/G4 and uncompressed, both photometric interpretations.
pil_bilevel().save(path("bilevel_g4"), compression="group4")
pil_bilevel().save(path("bilevel_g3"), compression="group3")
pil_bilevel().save(path("bilevel_packbits"), compression="packbits")
img = pil_bilevel()
img.save(path("bilevel_g4_miniswhite"), compression="group4", tiffinfo={262: 0})
img.save(path("bilevel_none_miniswhite"), compression="raw", tiffinfo={262: 0})

# 8-bit gray, every common compression; min-is-white; big-endian; predictor.
Image.fromarray(gray).save(path("gray8_lzw"), compression="tiff_lzw")
Image.fromarray(gray).save(path("gray8_deflate"), compression="tiff_adobe_deflate")
Image.fromarray(gray).save(path("gray8_packbits"), compression="packbits")
Image.fromarray(gray).save(path("gray8_jpeg"), compression="jpeg")
tifffile.imwrite(path("gray8_none_bigendian"), gray, byteorder=">", rowsperstrip=7)
tifffile.imwrite(path("gray8_miniswhite"), 255 - gray, photometric="miniswhite")
tifffile.imwrite(path("gray8_lzw_predictor"), gray, compression="lzw", predictor=True)

# 16-bit gray and RGB.
tifffile.imwrite(path("gray16"), gray16)
tifffile.imwrite(path("gray16_bigendian_deflate"), gray16, byteorder=">", compression="zlib")
tifffile.imwrite(path("rgb16"), rgb16, photometric="rgb")

# Palette 8-bit and 4-bit.
Image.fromarray(rgb).quantize(colors=200).save(path("palette8"))
pal4 = Image.fromarray(rgb).quantize(colors=16)
cmap = (np.array(pal4.getpalette()[:48], np.uint16).reshape(16, 3).T) * 257


def write_palette4(p, indices, colormap):
    """A hand-made little-endian, uncompressed, 4-bit palette TIFF (tifffile/Pillow write 8-bit only)."""
    import struct
    h, w = indices.shape
    padded = np.zeros((h, (w + 1) // 2 * 2), np.uint8)
    padded[:, :w] = indices
    pixels = ((padded[:, 0::2] << 4) | padded[:, 1::2]).astype(np.uint8).tobytes()
    cmap_bytes = colormap.astype("<u2").tobytes()
    entries = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, 4), (259, 3, 1, 1), (262, 3, 1, 3),
               (273, 4, 1, None), (277, 3, 1, 1), (278, 4, 1, h), (279, 4, 1, len(pixels)), (320, 3, 48, None)]
    ifd_size = 2 + 12 * len(entries) + 4
    cmap_at = 8 + ifd_size
    data_at = cmap_at + len(cmap_bytes)
    out = bytearray(b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", len(entries)))
    for tag, typ, count, value in entries:
        value = data_at if tag == 273 else cmap_at if tag == 320 else value
        field = struct.pack("<H", value) + b"\0\0" if typ == 3 and count == 1 else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, typ, count) + field
    out += struct.pack("<I", 0) + cmap_bytes + pixels
    with open(p, "wb") as f:
        f.write(out)


write_palette4(path("palette4"), np.asarray(pal4), cmap)

# RGB / RGBA.
Image.fromarray(rgb).save(path("rgb8_lzw"), compression="tiff_lzw")
Image.fromarray(rgb).save(path("rgb8_jpeg"), compression="jpeg", quality=85)
tifffile.imwrite(path("ycbcr8_jpeg"), rgb, photometric="ycbcr", compression="jpeg", rowsperstrip=32)
tifffile.imwrite(path("rgb8_planar_separate"), np.moveaxis(rgb, 2, 0), photometric="rgb", planarconfig="separate")
Image.fromarray(rgba).save(path("rgba8_unassociated"), compression="tiff_adobe_deflate")
tifffile.imwrite(path("rgba8_associated"), rgba, photometric="rgb", extrasamples=[1])

# Tiled, BigTIFF.
tifffile.imwrite(path("gray8_tiled"), gray, tile=(32, 48))
tifffile.imwrite(path("rgb8_tiled_deflate_bigendian"), rgb, photometric="rgb", tile=(48, 32), compression="zlib",
                 byteorder=">")
tifffile.imwrite(path("gray8_bigtiff"), gray, bigtiff=True)
tifffile.imwrite(path("rgb8_bigtiff_tiled"), rgb, photometric="rgb", bigtiff=True, tile=(64, 64), compression="lzw")

# Orientation tag 2..8 (strips; tiled for 3 and 6). OpenCV 4.10/5.0 refuse to imread orientations 5–8
# unless the image is square (its in-place transpose check), so those fixtures are square.
square = gray[:, 20:121]
for o in range(2, 9):
    tifffile.imwrite(path(f"gray8_orient{o}"), gray if o < 5 else square, extratags=[(274, "H", 1, o, True)],
                     rowsperstrip=16)
tifffile.imwrite(path("rgb8_tiled_orient6"), rgb[:, 20:121], photometric="rgb", tile=(32, 32),
                 extratags=[(274, "H", 1, 6, True)])
tifffile.imwrite(path("gray8_tiled_orient3"), gray, tile=(32, 32), extratags=[(274, "H", 1, 3, True)])

# Multi-page: three different pages.
with tifffile.TiffWriter(path("multipage")) as tw:
    tw.write(gray, compression="lzw")
    tw.write(255 - gray, compression="zlib")
    tw.write(rgb, photometric="rgb")

for name in sorted(os.listdir(OUT)):
    if not name.endswith(".tif"):
        continue
    p = os.path.join(OUT, name)
    im = cv2.imread(p)
    assert im is not None, name
    cv2.imwrite(p + ".gray.png", cv2.cvtColor(im, cv2.COLOR_BGR2GRAY))
    if name.startswith("multipage"):
        ok, pages = cv2.imreadmulti(p)
        assert ok
        for i, page in enumerate(pages):
            if page.ndim == 2:
                page = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
            cv2.imwrite(p + f".page{i}.gray.png", cv2.cvtColor(page, cv2.COLOR_BGR2GRAY))
print("ok", len([n for n in os.listdir(OUT) if n.endswith(".tif")]))
