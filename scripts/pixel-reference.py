#!/usr/bin/env python3
"""Reference decodes of pixel data for DICOMImaging's conformance tests (issue 6).

Decodes each file with pydicom 3 and its plugins (pylibjpeg with pylibjpeg-libjpeg, -openjpeg and -rle; numpy) and
prints one JSON object per frame: file, frame index, dtype, shape, photometric interpretation after decoding, and the
SHA-256 of the frame's samples as little-endian bytes (colour-by-pixel). With --dump DIR it also writes each frame's
bytes to DIR/<n>-<frame>.raw (n = the file's position in the argument list), for the lossy comparisons. A file that
pydicom cannot decode prints {"file": …, "error": "…"}.

    pixel-reference.py [--dump DIR] [--rgb] FILE…

--rgb: YBR_FULL / YBR_FULL_422 samples converted to RGB (pydicom's default); without it samples are as decoded.
"""
import hashlib
import json
import os
import sys
import warnings

import numpy as np
import pydicom
from pydicom.pixels import pixel_array

warnings.simplefilter("ignore")


def main(arguments):
    dump = None
    as_rgb = False
    files = []
    iterator = iter(arguments)
    for argument in iterator:
        if argument == "--dump":
            dump = next(iterator)
        elif argument == "--rgb":
            as_rgb = True
        else:
            files.append(argument)
    for number, path in enumerate(files):
        try:
            dataset = pydicom.dcmread(path)
            frames = pixel_array(dataset, as_rgb=as_rgb)
        except Exception as error:  # the reference cannot decode it either: reported, not fatal
            print(json.dumps({"file": path, "error": f"{type(error).__name__}: {error}"}), flush=True)
            continue
        count = int(dataset.get("NumberOfFrames", 1) or 1) if str(dataset.get("NumberOfFrames", "1")).isdigit() else 1
        if count == 1:
            frames = frames[np.newaxis, ...]
        photometric = str(dataset.get("PhotometricInterpretation", ""))
        for index, frame in enumerate(frames):
            little = np.ascontiguousarray(frame.astype(frame.dtype.newbyteorder("<"), copy=False))
            data = little.tobytes()
            record = {
                "file": path,
                "frame": index,
                "dtype": str(frame.dtype),
                "shape": list(frame.shape),
                "photometric": photometric,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
            if dump is not None:
                with open(os.path.join(dump, f"{number}-{index}.raw"), "wb") as handle:
                    handle.write(data)
            print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
