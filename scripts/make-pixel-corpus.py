#!/usr/bin/env python3
"""Synthetic images for the pixel data benchmark (scripts/bench-pixel): seeded, no patient data.

usage: scripts/make-pixel-corpus.py OUTPUT_DIR [--count N]

Writes N (default 4) of each, Explicit VR Little Endian, and a multi-frame of each kind holding the N images 8 times
(ct-multiframe.dcm…: enough decoding work per process for DCMTK's command-line decoders to be timed):
- ct-N.dcm: CT-like 512×512, 16 bits allocated, 12 stored, unsigned, Rescale Intercept -1024: a body ellipse with
  organs, bone and noise (the texture that decides compression ratios);
- grey8-N.dcm: the same anatomy windowed to 8 bits (for JPEG baseline);
- rgb-N.dcm: 512×512 RGB, a colour rendering of it (secondary capture colours, for JPEG baseline and RLE).
"""
import argparse
import os

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID

ROOT = "1.2.826.0.1.3680043.10.1447.6"  # synthetic UID root for benchmark data only


def anatomy(seed, size=512):
    generator = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    centre = size / 2
    body = ((x - centre) / 200) ** 2 + ((y - centre) / 150) ** 2 <= 1
    image = np.full((size, size), 24.0)  # air: -1000 HU with intercept -1024
    image[body] = 1064 + generator.normal(0, 12, body.sum())  # soft tissue around 40 HU
    for _ in range(6):  # organs
        cx, cy = generator.uniform(centre - 120, centre + 120), generator.uniform(centre - 80, centre + 80)
        rx, ry = generator.uniform(20, 60), generator.uniform(20, 50)
        organ = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
        image[organ & body] += generator.uniform(-60, 80)
    spine = ((x - centre) / 22) ** 2 + ((y - centre - 100) / 18) ** 2 <= 1
    image[spine] = 1700 + generator.normal(0, 40, spine.sum())  # bone
    return np.clip(image, 0, 4095)


def dataset(seed, kind, pixels, **attributes):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2" if kind == "ct" else "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = f"{ROOT}.{seed}.{len(kind)}"
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = f"{ROOT}.{seed}.1"
    ds.SeriesInstanceUID = f"{ROOT}.{seed}.{len(kind)}.2"
    ds.PatientName = f"Synthetic^Pixel{seed}"
    ds.PatientID = f"PIXEL{seed}"
    ds.Modality = "CT" if kind == "ct" else "OT"
    ds.Rows, ds.Columns = pixels.shape[0], pixels.shape[1]
    for key, value in attributes.items():
        setattr(ds, key, value)
    ds.PixelData = pixels.tobytes()
    return ds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    parser.add_argument("--count", type=int, default=4)
    options = parser.parse_args()
    os.makedirs(options.output, exist_ok=True)
    frames = {"ct": [], "grey8": [], "rgb": []}
    for seed in range(options.count):
        image = anatomy(seed)
        ct = image.astype("<u2")
        grey = np.clip((image - 1024 + 160) / 400 * 255, 0, 255).astype(np.uint8)
        rgb = np.stack([grey, (grey * 0.8).astype(np.uint8), 255 - grey], axis=-1)
        frames["ct"].append(ct)
        frames["grey8"].append(grey)
        frames["rgb"].append(rgb)
        files = {
            "ct": dataset(seed, "ct", ct, SamplesPerPixel=1, PhotometricInterpretation="MONOCHROME2",
                          BitsAllocated=16, BitsStored=12, HighBit=11, PixelRepresentation=0,
                          RescaleIntercept="-1024", RescaleSlope="1", WindowCenter="40", WindowWidth="400"),
            "grey8": dataset(seed, "grey8", grey, SamplesPerPixel=1, PhotometricInterpretation="MONOCHROME2",
                             BitsAllocated=8, BitsStored=8, HighBit=7, PixelRepresentation=0),
            "rgb": dataset(seed, "rgb", rgb, SamplesPerPixel=3, PhotometricInterpretation="RGB", PlanarConfiguration=0,
                           BitsAllocated=8, BitsStored=8, HighBit=7, PixelRepresentation=0),
        }
        for kind, ds in files.items():
            path = os.path.join(options.output, f"{kind}-{seed}.dcm")
            if not os.path.exists(path):
                ds.save_as(path, enforce_file_format=True)
            if seed == options.count - 1:
                path = os.path.join(options.output, f"{kind}-multiframe.dcm")
                if not os.path.exists(path):
                    stack = np.stack(frames[kind] * 8)
                    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = f"{ROOT}.{kind}.multiframe"
                    ds.NumberOfFrames = len(stack)
                    ds.PixelData = stack.tobytes()
                    ds.save_as(path, enforce_file_format=True)


if __name__ == "__main__":
    main()
