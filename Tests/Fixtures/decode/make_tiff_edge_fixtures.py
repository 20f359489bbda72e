"""Edge-case TIFFs (gray+alpha, CMYK, 2-bit and float samples, RowsPerStrip beyond the height, odd tiles,
16-bit min-is-white, subsampled YCbCr, LogLuv-like refusals, broken strips). A file OpenCV reads gets
<name>.gray.png (cv2.cvtColor(cv2.imread(p), cv2.COLOR_BGR2GRAY)); a file OpenCV refuses gets none, and
the decoder must refuse it too. Deliberate exception: corrupt_* files, which OpenCV half-decodes with a
libtiff error and the decoder refuses.

Run once in a throwaway venv (opencv-python-headless, tifffile, imagecodecs, numpy):
    python Tests/Fixtures/decode/make_tiff_edge_fixtures.py
"""
import os
import cv2
import numpy as np
import tifffile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiff_edge")
os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    os.remove(os.path.join(OUT, f))
rng = np.random.default_rng(11)
h, w = 23, 37
gray = rng.integers(0, 256, (h, w), dtype=np.uint8)
rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def p(name):
    return os.path.join(OUT, name + ".tif")


tifffile.imwrite(p("gray_alpha"), np.dstack([gray, gray[::-1]]), photometric="minisblack", extrasamples=[2])
tifffile.imwrite(p("cmyk"), np.dstack([rgb, gray]), photometric="separated")
tifffile.imwrite(p("gray2bit"), (gray >> 6), bitspersample=2, photometric="minisblack")
tifffile.imwrite(p("float32"), gray.astype(np.float32) / 255)
tifffile.imwrite(p("gray_rows_beyond_height"), gray, rowsperstrip=1000)
tifffile.imwrite(p("gray_tile16_odd"), gray, tile=(16, 16), compression="zlib")
tifffile.imwrite(p("gray16_miniswhite"), (gray.astype(np.uint16) * 257), photometric="miniswhite")
tifffile.imwrite(p("rgb_planar_tiled_lzw"), np.moveaxis(rgb, 2, 0), photometric="rgb", planarconfig="separate",
                 tile=(16, 16), compression="lzw")
tifffile.imwrite(p("int8_signed"), (gray.astype(np.int16) - 128).astype(np.int8))
tifffile.imwrite(p("uint32_gray"), gray.astype(np.uint32) * 1000)
tifffile.imwrite(p("rgb_5samples"), rng.integers(0, 256, (h, w, 5), dtype=np.uint8), photometric="rgb",
                 extrasamples=[0, 0])
with open(p("broken_strip_offset"), "wb") as f:
    f.write(open(p("gray_tile16_odd"), "rb").read())
t = tifffile.TiffFile(p("broken_strip_offset"))
off = t.pages[0].tags["TileOffsets"]
first_value_at = off.valueoffset
t.close()
data = bytearray(open(p("broken_strip_offset"), "rb").read())
data[first_value_at:first_value_at + 4] = (len(data) + 1000).to_bytes(4, "little")
open(p("broken_strip_offset"), "wb").write(bytes(data))
lzw = bytearray(open(p("rgb_planar_tiled_lzw"), "rb").read())
t = tifffile.TiffFile(p("rgb_planar_tiled_lzw"))
o = t.pages[0].dataoffsets[0]
t.close()
lzw[o + 2:o + 40] = bytes([0xFF]) * 38
open(p("corrupt_lzw_data"), "wb").write(bytes(lzw))
for name in sorted(os.listdir(OUT)):
    if name.endswith(".png"):
        continue
    path = os.path.join(OUT, name)
    im = cv2.imread(path)
    print(name, "cv2:", None if im is None else im.shape)
    # corrupt_*: libtiff reports a decoding error; OpenCV keeps the half-decoded pixels, this decoder refuses
    # the file on purpose (corrupt input is an error), so no golden is written.
    if im is not None and not name.startswith("corrupt_"):
        cv2.imwrite(path + ".gray.png", cv2.cvtColor(im, cv2.COLOR_BGR2GRAY))
