#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Draw the synthetic ID photo of the virtual card (a drawn face, nobody real).

    python3 make-photo.py > face.ppm && cjpeg -quality 70 -optimize face.ppm > face.jpg

Deterministic (fixed seed).  face.jpg is committed; this script says how it was made.
"""
import random
import sys

W, H = 360, 480
rnd = random.Random(20210410)


def inside_ellipse(x, y, cx, cy, rx, ry):
    return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0


px = bytearray()
for y in range(H):
    for x in range(W):
        # background: pale blue-white, a soft vertical gradient
        r, g, b = 228 - y // 12, 236 - y // 14, 250
        # shoulders (white shirt collar, dark jacket)
        if y > 380 and inside_ellipse(x, y, 180, 520, 200, 160):
            r, g, b = (40, 44, 60) if abs(x - 180) > 40 or y > 440 else (245, 245, 240)
        # neck
        if 300 < y < 400 and abs(x - 180) < 38:
            r, g, b = 214, 170, 140
        # hair (behind and on top of the face)
        if inside_ellipse(x, y, 180, 200, 118, 150) and (y < 140 or abs(x - 180) > 92):
            r, g, b = 26, 20, 18
        # face
        if inside_ellipse(x, y, 180, 215, 92, 120) and not (y < 130 and abs(x - 180) > 30):
            shade = int(10 * (x - 180) / 92)
            r, g, b = 226 - shade, 184 - shade, 152 - shade
            # eyes
            for ex in (145, 215):
                if inside_ellipse(x, y, ex, 200, 14, 7):
                    r, g, b = 250, 250, 250
                if inside_ellipse(x, y, ex, 200, 6, 6):
                    r, g, b = 30, 22, 20
                if 184 < y < 189 and abs(x - ex) < 18:
                    r, g, b = 40, 30, 26
            # nose and mouth
            if 205 < y < 250 and abs(x - 180 - (y - 205) // 12) < 2:
                r, g, b = 190, 140, 115
            if inside_ellipse(x, y, 180, 285, 26, 7):
                r, g, b = 186, 90, 90
        # sensor noise so the JPEG has a realistic size
        n = rnd.randint(-9, 9)
        px += bytes((max(0, min(255, r + n)), max(0, min(255, g + n)), max(0, min(255, b + n))))

sys.stdout.buffer.write(b"P6\n%d %d\n255\n" % (W, H) + bytes(px))
