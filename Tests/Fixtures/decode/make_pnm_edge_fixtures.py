"""Edge-case PBM/PGM/PPM files (comments in odd places, samples over maxval, packed P1 digits, odd P4
widths, no final newline, zero sizes, signs, short data). A file OpenCV reads gets <name>.gray.png
(cv2.cvtColor(cv2.imread(p), cv2.COLOR_BGR2GRAY)); a file OpenCV refuses gets none, and the decoder must
refuse it too.

Run once in a throwaway venv (opencv-python-headless, numpy):
    python Tests/Fixtures/decode/make_pnm_edge_fixtures.py
"""
import os
import cv2

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pnm_edge")
os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    os.remove(os.path.join(OUT, f))
files = {
    "p5_comment_after_maxval.pgm": b"P5\n3 2\n255\n#c\n" + bytes(range(6)),
    "p5_comment_in_header.pgm": b"P5 #w\n3#h\r2\n255 " + bytes([10, 20, 30, 40, 50, 60]),
    "p2_over_maxval.pgm": b"P2\n3 2\n10\n0 5 10\n11 200 3\n",
    "p2_no_final_newline.pgm": b"P2\n3 2\n255\n1 2 3\n4 5 6",
    "p2_final_newline.pgm": b"P2\n3 2\n255\n1 2 3\n4 5 6\n",
    "p1_digits_2_to_9.pbm": b"P1\n3 2\n0 2 9\n1 0 5\n",
    "p1_packed_no_newline.pbm": b"P1\n3 2\n010101",
    "p4_width_11.pbm": b"P4\n11 3\n" + bytes([0b10101010, 0b11100000, 0xFF, 0x00, 0x0F, 0xF0]),
    "p3_tabs_crlf.ppm": b"P3\r\n2\t1\r\n255\r\n255\t0\t0\t0\t0\t255\r\n",
    "p6_maxval1.ppm": b"P6\n2 1\n1\n" + bytes([1, 0, 1, 0, 1, 0]),
    "p5_maxval_256.pgm": b"P5\n2 1\n256\n" + bytes([1, 0, 0, 255]),
    "p2_maxval_65535.pgm": b"P2\n2 1\n65535\n65535 300\n",
    "p5_width0.pgm": b"P5\n0 2\n255\n",
    "p5_maxval0.pgm": b"P5\n2 2\n0\n" + bytes(4),
    "p5_maxval_70000.pgm": b"P5\n2 2\n70000\n" + bytes(8),
    "p2_negative.pgm": b"P2\n2 1\n255\n-1 3\n",
    "p5_short.pgm": b"P5\n4 4\n255\n" + bytes(15),
    "p6_16bit_short.ppm": b"P6\n2 1\n1000\n" + bytes(11),
    "p3_letter.ppm": b"P3\n1 1\n255\n1 x 3\n",
    "p2_huge_number.pgm": b"P2\n1 1\n255\n99999999999\n",
}
for name, data in files.items():
    p = os.path.join(OUT, name)
    with open(p, "wb") as f:
        f.write(data)
    im = cv2.imread(p)
    print(name, "cv2:", None if im is None else im.shape)
    if im is not None:
        cv2.imwrite(p + ".gray.png", cv2.cvtColor(im, cv2.COLOR_BGR2GRAY))
