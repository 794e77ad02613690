#!/usr/bin/env python3
"""Writes the synthetic benchmark corpus for `make bench` (scripts/bench): realistic, deterministic, no patient data.

usage: scripts/make-bench-corpus.py OUTPUT_DIR [--ct N] [--multiframe N]

- N CT-like single-frame instances (default 200): 512x512, 16-bit signed, ~120 header elements in the modules a CT
  scanner writes (patient, study, series, frame of reference, equipment, image plane, CT image, VOI LUT, private
  block) with a few sequences; three in four in Explicit VR Little Endian, one in four in Implicit VR Little Endian,
  as archives receive them.
- N Enhanced CT multi-frame instances (default 20): 256x256, 16-bit, 48 frames, with shared and per-frame functional
  group sequences (one item per frame, each with nested sequences): the sequence-heavy headers of modern modalities.

Every value is synthetic (seeded generators); files are the same bytes on every run for a given pydicom version.
Writes only files that are missing, so a second run costs nothing; delete OUTPUT_DIR to regenerate.
"""

import argparse
import os
import random
import sys
import warnings

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    PYDICOM_IMPLEMENTATION_UID,
)

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
ENHANCED_CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2.1"
ROOT = "1.2.826.0.1.3680043.10.1447"  # a synthetic UID root for benchmark data only


def uid(*parts):
    return ".".join([ROOT, *map(str, parts)])


def code_item(value, scheme, meaning):
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def phantom(rng, size, slice_index):
    """A water cylinder with two inserts and noise, in Hounsfield units stored as int16 (rescale -1024)."""
    y, x = np.mgrid[0:size, 0:size]
    centre = size / 2
    radius = size * 0.42
    image = np.full((size, size), -1000.0)
    body = (x - centre) ** 2 + (y - centre) ** 2 < radius**2
    image[body] = 0.0
    insert = (x - centre * 0.7) ** 2 + (y - centre) ** 2 < (size * 0.06 + slice_index % 7) ** 2
    image[insert] = 300.0
    lung = (x - centre * 1.3) ** 2 + (y - centre * 0.9) ** 2 < (size * 0.1) ** 2
    image[lung] = -800.0
    image += rng.normal(0, 12, (size, size))
    return (image + 1024).clip(-1024, 3071).astype("<i2")


def patient_and_study(ds, r, patient_index, study_index):
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.PatientName = f"BENCH^SYNTHETIC^{patient_index:04d}"
    ds.PatientID = f"SYN{patient_index:06d}"
    ds.IssuerOfPatientID = "NUAGE-BENCH"
    ds.PatientBirthDate = f"19{40 + patient_index % 60:02d}{1 + patient_index % 12:02d}{1 + patient_index % 28:02d}"
    ds.PatientSex = "MF"[patient_index % 2]
    ds.PatientAge = f"{30 + patient_index % 50:03d}Y"
    ds.PatientSize = f"{1.5 + (patient_index % 40) / 100:.2f}"
    ds.PatientWeight = f"{50 + patient_index % 50}"
    ds.EthnicGroup = ""
    ds.PatientComments = "Synthetic benchmark data"
    ds.StudyInstanceUID = uid(1, patient_index, study_index)
    ds.StudyDate = f"2024{1 + study_index % 12:02d}{1 + study_index % 28:02d}"
    ds.StudyTime = f"{8 + study_index % 10:02d}{study_index % 60:02d}00.000000"
    ds.AccessionNumber = f"ACC{patient_index:05d}{study_index:03d}"
    ds.StudyID = f"{study_index}"
    ds.StudyDescription = "CT CHEST ABDOMEN PELVIS W CONTRAST"
    ds.ReferringPhysicianName = f"REFERRER^DOCTOR^{r.randrange(100):02d}"
    ds.NameOfPhysiciansReadingStudy = "READER^RADIOLOGIST"
    ds.AdmittingDiagnosesDescription = "SYNTHETIC"
    ds.ProcedureCodeSequence = Sequence([code_item("CTCAP", "99NUAGE", "CT chest abdomen pelvis")])
    request = Dataset()
    request.RequestedProcedureID = f"RP{study_index:05d}"
    request.ScheduledProcedureStepID = f"SPS{study_index:05d}"
    request.RequestedProcedureDescription = "CT CAP"
    request.ScheduledProtocolCodeSequence = Sequence([code_item("P-001", "99NUAGE", "Routine CAP")])
    ds.RequestAttributesSequence = Sequence([request])


def equipment(ds, r):
    ds.Manufacturer = "NUAGE SYNTHETIC"
    ds.InstitutionName = "Synthetic Hospital"
    ds.InstitutionAddress = "1 Benchmark Street"
    ds.StationName = f"CT{r.randrange(1, 5):02d}"
    ds.InstitutionalDepartmentName = "Radiology"
    ds.ManufacturerModelName = "Benchmark CT 64"
    ds.DeviceSerialNumber = f"{r.randrange(10**6):06d}"
    ds.SoftwareVersions = ["1.0.0", "build 42"]
    ds.DateOfLastCalibration = "20240101"
    ds.TimeOfLastCalibration = "070000"


def private_block(ds, r):
    block = ds.private_block(0x0019, "NUAGE BENCH", create=True)
    block.add_new(0x10, "LO", "synthetic")
    block.add_new(0x11, "DS", f"{r.random():.6f}")
    block.add_new(0x12, "US", r.randrange(65536))
    block.add_new(0x13, "OB", bytes(r.randrange(256) for _ in range(64)))
    block.add_new(0x14, "SH", "RECON-A")
    block.add_new(0x15, "FD", [r.random() for _ in range(6)])
    block.add_new(0x16, "LT", "Synthetic private text value " * 4)


def ct_image(index, rng, r, implicit):
    patient, study, series, slice_index = index // 40, index // 40, index // 20, index % 20
    ds = Dataset()
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.InstanceCreationDate = "20240601"
    ds.InstanceCreationTime = "120000"
    ds.SOPClassUID = CT_IMAGE_STORAGE
    ds.SOPInstanceUID = uid(3, series, slice_index)
    ds.AcquisitionDate = ds.ContentDate = ds.SeriesDate = "20240601"
    ds.AcquisitionTime = ds.ContentTime = ds.SeriesTime = f"1200{slice_index % 60:02d}.500000"
    ds.Modality = "CT"
    ds.ConversionType = ""
    patient_and_study(ds, r, patient, study)
    equipment(ds, r)
    ds.SeriesDescription = f"AXIAL {series % 3 + 1}.0 MM"
    ds.OperatorsName = "TECH^SYNTHETIC"
    ds.BodyPartExamined = "CHEST"
    ds.ScanOptions = "HELICAL MODE"
    ds.SliceThickness = "1.25"
    ds.KVP = "120"
    ds.DataCollectionDiameter = "500"
    ds.ReconstructionDiameter = "360"
    ds.DistanceSourceToDetector = "946.746"
    ds.DistanceSourceToPatient = "538.52"
    ds.GantryDetectorTilt = "0"
    ds.TableHeight = "150"
    ds.RotationDirection = "CW"
    ds.ExposureTime = "570"
    ds.XRayTubeCurrent = str(200 + r.randrange(200))
    ds.Exposure = str(100 + r.randrange(200))
    ds.FilterType = "BODY FILTER"
    ds.GeneratorPower = "48000"
    ds.FocalSpots = "1.2"
    ds.ConvolutionKernel = "STANDARD"
    ds.PatientPosition = "FFS"
    ds.RevolutionTime = 0.5
    ds.SingleCollimationWidth = 0.625
    ds.TotalCollimationWidth = 40.0
    ds.TableSpeed = 78.75
    ds.TableFeedPerRotation = 39.375
    ds.SpiralPitchFactor = 0.984375
    ds.CTDIvol = 5 + r.random() * 10
    ds.CTDIPhantomTypeCodeSequence = Sequence([code_item("113691", "DCM", "IEC Body Dosimetry Phantom")])
    ds.StudyInstanceUID = uid(1, patient, study)
    ds.SeriesInstanceUID = uid(2, series)
    ds.SeriesNumber = series % 10 + 1
    ds.AcquisitionNumber = 1
    ds.InstanceNumber = slice_index + 1
    ds.ImagePositionPatient = [-180.0, -180.0, -100.0 + slice_index * 1.25]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.FrameOfReferenceUID = uid(4, patient, study)
    ds.PositionReferenceIndicator = "XY"
    ds.SliceLocation = f"{-100.0 + slice_index * 1.25:.2f}"
    ds.ImageComments = "Synthetic phantom"
    source = Dataset()
    source.ReferencedSOPClassUID = CT_IMAGE_STORAGE
    source.ReferencedSOPInstanceUID = uid(5, series, slice_index)
    ds.SourceImageSequence = Sequence([source])
    ds.ReferencedImageSequence = Sequence([source])
    ds.AnatomicRegionSequence = Sequence([code_item("T-D3000", "SRT", "Chest")])
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = ds.Columns = 512
    ds.PixelSpacing = [0.703125, 0.703125]
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.SmallestImagePixelValue = 0
    ds.LargestImagePixelValue = 4095
    ds.WindowCenter = ["40", "-600"]
    ds.WindowWidth = ["400", "1500"]
    ds.RescaleIntercept = "-1024"
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"
    ds.WindowCenterWidthExplanation = ["WINDOW1", "WINDOW2"]
    ds.LossyImageCompression = "00"
    ds.IrradiationEventUID = uid(6, series)
    ds.PerformedProcedureStepStartDate = "20240601"
    ds.PerformedProcedureStepStartTime = "115500"
    ds.PerformedProcedureStepID = f"PPS{series:05d}"
    ds.PerformedProcedureStepDescription = "CT CAP"
    ds.RequestedProcedureDescription = "CT CAP"
    ds.ContentQualification = "PRODUCT"
    private_block(ds, r)
    ds.PixelData = phantom(rng, 512, slice_index).tobytes()
    return finish(ds, ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian)


def functional_group(r, frame, frames):
    group = Dataset()
    position = Dataset()
    position.ImagePositionPatient = [-90.0, -90.0, -30.0 + frame * 1.25]
    group.PlanePositionSequence = Sequence([position])
    content = Dataset()
    content.FrameAcquisitionNumber = 1
    content.StackID = "1"
    content.InStackPositionNumber = frame + 1
    content.DimensionIndexValues = [1, frame + 1]
    content.FrameAcquisitionDateTime = f"20240601120{frame % 10}00.000000"
    content.FrameReferenceDateTime = content.FrameAcquisitionDateTime
    content.FrameAcquisitionDuration = 500.0
    group.FrameContentSequence = Sequence([content])
    voi = Dataset()
    voi.WindowCenter = "40"
    voi.WindowWidth = "400"
    voi.WindowCenterWidthExplanation = "SOFT TISSUE"
    group.FrameVOILUTSequence = Sequence([voi])
    exposure = Dataset()
    exposure.ExposureTimeInms = 570.0
    exposure.XRayTubeCurrentInmA = 200.0 + r.randrange(100)
    exposure.ExposureInmAs = 114.0
    exposure.CTDIvol = 8.5
    group.CTExposureSequence = Sequence([exposure])
    return group


def enhanced_ct(index, rng, r):
    frames, size = 48, 256
    ds = Dataset()
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL", "NONE"]
    ds.SOPClassUID = ENHANCED_CT_IMAGE_STORAGE
    ds.SOPInstanceUID = uid(7, index)
    ds.ContentDate = ds.AcquisitionDateTime = "20240601"
    ds.ContentTime = "120000"
    ds.Modality = "CT"
    patient_and_study(ds, r, 1000 + index, 1000 + index)
    equipment(ds, r)
    ds.SeriesInstanceUID = uid(8, index)
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.FrameOfReferenceUID = uid(9, index)
    ds.PositionReferenceIndicator = "XY"
    ds.SeriesDescription = "ENHANCED AXIAL"
    ds.NumberOfFrames = frames
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = ds.Columns = size
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.ContentQualification = "PRODUCT"
    ds.BurnedInAnnotation = "NO"
    ds.LossyImageCompression = "00"
    ds.PresentationLUTShape = "IDENTITY"
    dimension = Dataset()
    dimension.DimensionOrganizationUID = uid(10, index)
    ds.DimensionOrganizationSequence = Sequence([dimension])
    indices = []
    for pointer in (0x00209056, 0x00209057):
        item = Dataset()
        item.DimensionOrganizationUID = dimension.DimensionOrganizationUID
        item.DimensionIndexPointer = pointer
        item.FunctionalGroupPointer = 0x00209111
        indices.append(item)
    ds.DimensionIndexSequence = Sequence(indices)
    shared = Dataset()
    measures = Dataset()
    measures.SliceThickness = "1.25"
    measures.PixelSpacing = ["0.703125", "0.703125"]
    shared.PixelMeasuresSequence = Sequence([measures])
    orientation = Dataset()
    orientation.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    shared.PlaneOrientationSequence = Sequence([orientation])
    transformation = Dataset()
    transformation.RescaleIntercept = "-1024"
    transformation.RescaleSlope = "1"
    transformation.RescaleType = "HU"
    shared.PixelValueTransformationSequence = Sequence([transformation])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    ds.PerFrameFunctionalGroupsSequence = Sequence([functional_group(r, f, frames) for f in range(frames)])
    private_block(ds, r)
    ds.PixelData = b"".join(phantom(rng, size, f).tobytes() for f in range(frames))
    return finish(ds, ExplicitVRLittleEndian)


def finish(ds, syntax):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = syntax
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = "NUAGE_BENCH"
    ds.file_meta = meta
    return ds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("--ct", type=int, default=200)
    parser.add_argument("--multiframe", type=int, default=20)
    arguments = parser.parse_args()
    warnings.simplefilter("error")  # a value of the wrong type for its VR is a bug here
    os.makedirs(arguments.output, exist_ok=True)
    written = 0
    jobs = [(f"ct-{i:04d}.dcm", lambda i=i: ct_image(i, np.random.default_rng(i), random.Random(i), i % 4 == 3))
            for i in range(arguments.ct)]
    jobs += [(f"enhanced-ct-{i:03d}.dcm", lambda i=i: enhanced_ct(i, np.random.default_rng(10_000 + i), random.Random(10_000 + i)))
             for i in range(arguments.multiframe)]
    for name, make in jobs:
        path = os.path.join(arguments.output, name)
        if os.path.exists(path):
            continue
        make().save_as(path + ".tmp", enforce_file_format=True)
        os.replace(path + ".tmp", path)
        written += 1
    print(f"make-bench-corpus: {written} files written, {len(jobs) - written} already there, in {arguments.output}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
