#!/usr/bin/env python3
"""Checks that a headless browser's screenshot of a bpfgate report really rendered (used by the report test).

Usage: ci/render-check.py PNG WIDTH HEIGHT [MIN_INK_BANDS [COLOUR...]]
Decodes the PNG with the standard library only (zlib + PNG filters; 8-bit RGB or RGBA, no interlace, as
Chromium writes), checks its size, then cuts it into horizontal bands of 100 px and counts the bands with
ink (>= 1 % of pixels not near-white) and the pixels of the chart palette's blue (#0072B2), orange (#E69F00),
green (#009E73) and vermillion (#D55E00), which only drawn SVG produces. Prints one JSON line; exits 1 when
the size is wrong, fewer than MIN_INK_BANDS (default 8) bands have ink, or one of the named COLOURs (default:
blue) has fewer than 50 pixels.
"""
import json
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {color}, interlace {interlace})")
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def main():
    path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    min_bands = int(sys.argv[4]) if len(sys.argv) > 4 else 8
    required = sys.argv[5:] or ["blue"]
    width, height, bpp, rows = read_png(path)
    palette = {"blue": (0x00, 0x72, 0xB2), "orange": (0xE6, 0x9F, 0x00), "green": (0x00, 0x9E, 0x73),
               "vermillion": (0xD5, 0x5E, 0x00)}
    counts = {k: 0 for k in palette}
    bands = []
    for top in range(0, height, 100):
        ink = total = 0
        for row in rows[top:top + 100]:
            for x in range(0, width * bpp, bpp):
                r, g, b = row[x], row[x + 1], row[x + 2]
                total += 1
                if r < 235 or g < 235 or b < 235:
                    ink += 1
                for k, (pr, pg, pb) in palette.items():
                    if abs(r - pr) <= 6 and abs(g - pg) <= 6 and abs(b - pb) <= 6:
                        counts[k] += 1
        bands.append(round(ink / total, 4))
    inked = sum(1 for f in bands if f >= 0.01)
    ok = (width, height) == (want_w, want_h) and inked >= min_bands and all(counts[c] >= 50 for c in required)
    print(json.dumps({"width": width, "height": height, "bands": len(bands), "inkedBands": inked,
                      "paletteCounts": counts, "ok": ok}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
