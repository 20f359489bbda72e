"""Reference outputs for the augmentation tests (run once in a throwaway venv with numpy, scipy,
opencv-python-headless and keras-preprocessing; the JSON it writes is committed):

    python3 Tests/Fixtures/augment/make_fixtures.py > Tests/Fixtures/augment/reference.json

- affine: Keras `apply_affine_transform` (keras_preprocessing; scipy order 1, fill_mode nearest)
  on a Float32 image, channel-last;
- median: cv2.medianBlur, k = 3, 5, 7;
- motion: the kernel cv2.line draws (LINE_8, thickness 1), normalised, and cv2.filter2D with it.
"""
import json
import cv2
import numpy as np
from keras_preprocessing.image import apply_affine_transform

rng = np.random.RandomState(0)
h, w = 24, 32
img = rng.randint(0, 256, size=(h, w)).astype(np.uint8)
# some structure as well as noise: a dark bar and a bright disc
img[5:8, 3:25] = 10
cv2.circle(img, (22, 15), 5, 250, -1)

affine = []
for theta, tx, ty, zx, zy in [(15, 0, 0, 1, 1), (-15, 2.4, -3.2, 1, 1), (7, -1.5, 2.0, 1.08, 0.93), (0, 0, 0, 0.9, 1.1), (-11, 0, 0, 1.1, 0.9)]:
    x = img.astype(np.float32)[:, :, None]
    out = apply_affine_transform(x, theta=theta, tx=tx, ty=ty, zx=zx, zy=zy, row_axis=0, col_axis=1, channel_axis=2,
                                 fill_mode='nearest', order=1)
    affine.append({"theta": theta, "tx": tx, "ty": ty, "zx": zx, "zy": zy, "output": [round(float(v), 3) for v in out[:, :, 0].ravel()]})

median = [{"k": k, "output": cv2.medianBlur(img, k).ravel().tolist()} for k in (3, 5, 7)]

motion = []
for k, p1, p2 in [(3, (0, 0), (2, 2)), (5, (0, 1), (4, 3)), (7, (6, 0), (1, 5)), (7, (3, 0), (3, 6)), (5, (4, 4), (0, 2))]:
    kernel = np.zeros((k, k), dtype=np.uint8)
    cv2.line(kernel, p1, p2, 1, thickness=1)
    kf = kernel.astype(np.float32) / np.sum(kernel)
    out = cv2.filter2D(img, -1, kf)
    motion.append({"k": k, "from": list(p1), "to": list(p2), "kernel": kernel.ravel().tolist(), "output": out.ravel().tolist()})

print(json.dumps({"width": w, "height": h, "input": img.ravel().tolist(), "affine": affine, "median": median,
                  "motion": motion}))
