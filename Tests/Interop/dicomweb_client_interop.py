#!/usr/bin/env python3
"""Drives a running Nuage server with dicomweb-client (a real DICOMweb peer): STOW-RS, QIDO-RS, WADO-RS
(instances, metadata, frames), DELETE, and authentication. Synthetic data only.

Usage: dicomweb_client_interop.py BASE_URL USER PASSWORD   (BASE_URL like http://127.0.0.1:8080)
Exit status 0 when every check passed; the failed checks are printed otherwise.
"""
import sys

import pydicom
import requests
from dicomweb_client.api import DICOMwebClient
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

base, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def instance(study, series, number, frames=2):
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"  # Secondary Capture
    ds.SOPInstanceUID = generate_uid(prefix="2.25.")
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.PatientID, ds.PatientName = "INTEROP-1", "Interop^Test"
    ds.StudyDate, ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "20240601", "OT", 1, number
    ds.Rows = ds.Columns = 4
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.NumberOfFrames = frames
    ds.PixelData = bytes((number * 10 + i) % 256 for i in range(16 * frames))
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    return ds


# Authentication: the admin API gives an API key to the DICOMweb client.
anonymous = requests.get(f"{base}/dicomweb/studies", timeout=10)
check(anonymous.status_code == 401, f"no credentials: {anonymous.status_code}")
made = requests.post(f"{base}/admin/api-keys", auth=(user, password), timeout=10,
                     json={"roles": ["radiologist", "establishmentAdministrator"], "label": "interop"})
check(made.status_code == 201, f"API key creation: {made.status_code}")
key = made.json().get("key", "")
client = DICOMwebClient(url=f"{base}/dicomweb", headers={"Authorization": f"Bearer {key}"})

study, series = generate_uid(prefix="2.25."), generate_uid(prefix="2.25.")
datasets = [instance(study, series, n) for n in (1, 2, 3)]
stored = client.store_instances(datasets)
check(len(stored.get("ReferencedSOPSequence", [])) == 3, "STOW-RS: three referenced instances")

studies = client.search_for_studies(search_filters={"PatientID": "INTEROP-1"}, fields=["StudyDescription"])
check(len(studies) == 1, f"QIDO-RS studies: {len(studies)}")
check(studies and Dataset.from_json(studies[0]).StudyInstanceUID == study, "QIDO-RS StudyInstanceUID")
found = client.search_for_instances(study_instance_uid=study, limit=2, offset=1)
check(len(found) == 2, f"QIDO-RS instances with limit/offset: {len(found)}")

retrieved = client.retrieve_study(study)
check(sorted(d.SOPInstanceUID for d in retrieved) == sorted(d.SOPInstanceUID for d in datasets), "WADO-RS study")
check(all(d.PixelData == o.PixelData for d, o in zip(
    sorted(retrieved, key=lambda d: d.SOPInstanceUID), sorted(datasets, key=lambda d: d.SOPInstanceUID))),
    "WADO-RS pixel data round trip")
one = client.retrieve_instance(study, series, datasets[0].SOPInstanceUID)
check(one.PatientName == "Interop^Test", "WADO-RS instance")

metadata = client.retrieve_series_metadata(study, series)
check(len(metadata) == 3, f"WADO-RS series metadata: {len(metadata)}")
check(all("BulkDataURI" in m.get("7FE00010", {}) for m in metadata), "metadata: pixel data as BulkDataURI")

frames = client.retrieve_instance_frames(study, series, datasets[1].SOPInstanceUID, frame_numbers=[2])
check(len(frames) == 1 and frames[0] == datasets[1].PixelData[16:32], "WADO-RS frame 2")

client.delete_instance(study, series, datasets[2].SOPInstanceUID)
after = client.search_for_instances(study_instance_uid=study)
check(len(after) == 2, f"DELETE instance: {len(after)} left")

if failures:
    print("interop failures:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("interop: every dicomweb-client check passed")
