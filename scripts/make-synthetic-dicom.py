#!/usr/bin/env python3
"""Writes deterministic synthetic DICOM files for benchmarks (never real patient data).

    scripts/make-synthetic-dicom.py --kind small --count 5000 --out bench-data/small
    scripts/make-synthetic-dicom.py --kind ct --count 1000 --out bench-data/ct

Kinds:
  small  128x128 16-bit MR-like images, about 33 KB each (objects of at most 64 KB)
  ct     512x512 16-bit CT images, about 0.5 MB each

The same arguments always give the same bytes: UIDs are derived from the file number under a fixed UUID-derived
root (PS3.5 B.2), dates and pixel values from the number too. Files are spread over study folders of 100.
Existing files are kept (the content is deterministic), so that running it again is quick; delete the folder to
regenerate.
"""

import argparse
import os
import sys

import numpy
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

ROOT = "2.25.318410297356812205641392113471405732"  # fixed, UUID-derived
KINDS = {
    # kind: (rows, columns, SOP Class UID, modality)
    "small": (128, 128, "1.2.840.10008.5.1.4.1.1.4", "MR"),
    "ct": (512, 512, "1.2.840.10008.5.1.4.1.1.2", "CT"),
}
PER_STUDY = 100


def make(kind, number, kind_index):
    rows, columns, sop_class, modality = KINDS[kind]
    study = number // PER_STUDY
    study_uid = f"{ROOT}.{kind_index}.{study}"
    series_uid = f"{study_uid}.1"
    sop_uid = f"{series_uid}.{number}"

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = f"{ROOT}.99"

    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    ds.StudyDate = f"2024{1 + study % 12:02d}{1 + study % 28:02d}"
    ds.StudyTime = "101500"
    ds.AccessionNumber = f"ACC{kind_index}{study:06d}"
    ds.Modality = modality
    ds.StudyDescription = "Synthetic benchmark study"
    ds.SeriesDescription = "Synthetic series"
    ds.PatientName = f"Synthetic^Patient{study % 1000}"
    ds.PatientID = f"SYN{kind_index}{study % 1000:05d}"
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.StudyID = str(study)
    ds.SeriesNumber = 1
    ds.InstanceNumber = number % PER_STUDY + 1
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = rows
    ds.Columns = columns
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    y, x = numpy.mgrid[0:rows, 0:columns]
    pixels = ((x * 7 + y * 13 + number * 31) % 4096).astype("<u2")
    ds.PixelData = pixels.tobytes()
    return ds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", choices=sorted(KINDS), required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", required=True)
    arguments = parser.parse_args()
    kind_index = sorted(KINDS).index(arguments.kind) + 1
    written = 0
    for number in range(arguments.count):
        folder = os.path.join(arguments.out, f"study{number // PER_STUDY:05d}")
        path = os.path.join(folder, f"{number:07d}.dcm")
        if os.path.exists(path):
            continue
        os.makedirs(folder, exist_ok=True)
        # Written under a temporary name and renamed, so that an interrupted run leaves no partial file behind.
        make(arguments.kind, number, kind_index).save_as(path + ".partial", enforce_file_format=True)
        os.replace(path + ".partial", path)
        written += 1
    print(f"make-synthetic-dicom: {arguments.count} {arguments.kind} files in {arguments.out} ({written} written)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
