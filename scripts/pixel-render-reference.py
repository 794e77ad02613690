#!/usr/bin/env python3
"""Expected rendered pixels for DICOMImaging's rendering tests (issue 6), computed independently with numpy.

    pixel-render-reference.py DUMP_DIR CASE…      CASE = FILE,CENTER,WIDTH,FUNCTION  (CENTER/WIDTH "-" = none)
    pixel-render-reference.py --png FILE.png      prints width, height, colour type, the pixels' hex

Each CASE writes DUMP_DIR/<n>.raw: the 8-bit grey output of PS3.3 §C.11 applied to the file's first frame with
pydicom's stored values: Rescale Slope/Intercept, then the VOI window (LINEAR §C.11.2.1.2.1, LINEAR_EXACT
§C.11.2.1.3.2, SIGMOID §C.11.2.1.3.1) or, without one, the data set's first Window Center/Width, else LINEAR_EXACT over the frame's range; MONOCHROME1 or
Presentation LUT Shape INVERSE inverted; rounded half up. PALETTE COLOR files write RGB through pydicom's
apply_color_lut (16-bit entries scaled to 8 by their top byte). --png decodes a PNG with zlib alone (no imaging
library), so that the test checks the encoder against a decoder written apart from it.
"""
import struct
import sys
import warnings
import zlib

import numpy as np
import pydicom
from pydicom.pixels import apply_color_lut

warnings.simplefilter("ignore")


def window(values, center, width, function):
    if function == "LINEAR_EXACT":
        out = (values - center) / width + 0.5
        out = np.where(values <= center - width / 2, 0.0, np.where(values > center + width / 2, 1.0, out))
    elif function == "SIGMOID":
        out = 1.0 / (1.0 + np.exp(-4.0 * (values - center) / width))
    else:
        out = (values - (center - 0.5)) / (width - 1) + 0.5
        low = center - 0.5 - (width - 1) / 2
        high = center - 0.5 + (width - 1) / 2
        out = np.where(values <= low, 0.0, np.where(values > high, 1.0, out))
    return np.clip(out, 0.0, 1.0)


def render(path, center, width, function):
    dataset = pydicom.dcmread(path)
    frame = dataset.pixel_array
    if int(dataset.get("NumberOfFrames", 1) or 1) > 1:
        frame = frame[0]
    if dataset.PhotometricInterpretation == "PALETTE COLOR":
        rgb = apply_color_lut(frame, dataset)
        if rgb.dtype != np.uint8:
            rgb = (rgb >> 8).astype(np.uint8)
        return rgb.astype(np.uint8).tobytes()
    values = frame.astype(np.float64) * float(dataset.get("RescaleSlope", 1) or 1) + float(
        dataset.get("RescaleIntercept", 0) or 0)
    if center is None and "WindowCenter" in dataset:
        first = lambda value: float(value[0] if isinstance(value, pydicom.multival.MultiValue) else value)
        center, width = first(dataset.WindowCenter), first(dataset.WindowWidth)
        function = str(dataset.get("VOILUTFunction", "LINEAR") or "LINEAR")
    if center is None:
        low, high = values.min(), values.max()
        center, width, function = (low + high) / 2, max(high - low, 1.0), "LINEAR_EXACT"
    level = window(values, center, width, function) * 255.0
    if dataset.PhotometricInterpretation == "MONOCHROME1" or dataset.get("PresentationLUTShape") == "INVERSE":
        level = 255.0 - level
    return np.floor(level + 0.5).astype(np.uint8).tobytes()


def decode_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    position, idat, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        crc = struct.unpack(">I", data[position + 8 + length:position + 12 + length])[0]
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind}"
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    width, height, depth, colour, _, _, _ = header
    channels = {0: 1, 2: 3}[colour]
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for row in range(height):
        kind = raw[row * (stride + 1)]
        line = bytearray(raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)])
        for index in range(stride):
            left = line[index - channels] if index >= channels else 0
            up = previous[index]
            upper_left = previous[index - channels] if index >= channels else 0
            if kind == 1:
                line[index] = (line[index] + left) & 255
            elif kind == 2:
                line[index] = (line[index] + up) & 255
            elif kind == 3:
                line[index] = (line[index] + (left + up) // 2) & 255
            elif kind == 4:
                estimate = left + up - upper_left
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - upper_left)
                best = left if pa <= pb and pa <= pc else (up if pb <= pc else upper_left)
                line[index] = (line[index] + best) & 255
        rows.append(bytes(line))
        previous = line
    print(width, height, colour, b"".join(rows).hex())


def main(arguments):
    if arguments[0] == "--png":
        decode_png(arguments[1])
        return
    dump = arguments[0]
    for number, case in enumerate(arguments[1:]):
        path, center, width, function = case.rsplit(",", 3)
        if center == "-":
            output = render(path, None, None, None)
        else:
            output = render(path, float(center), float(width), function)
        with open(f"{dump}/{number}.raw", "wb") as handle:
            handle.write(output)


if __name__ == "__main__":
    main(sys.argv[1:])
