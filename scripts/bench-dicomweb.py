#!/usr/bin/env python3
"""Measures one DICOMweb server (called by scripts/bench-dicomweb for Nuage and Orthanc, same data, same run).

    bench-dicomweb.py NAME BASE_URL FOLDER [--user U --password P]

Prints one JSON object: STOW-RS instances/s (batches of 20 instances per request, 4 requests in flight), QIDO-RS
p50/p95 of the common queries (ms), series metadata p50/p95 (ms), WADO-RS study MB/s, single-frame p50/p95 (ms).
Keep-alive connections (requests.Session); queries carry no character that needs percent-encoding (Orthanc's QIDO
does not decode them).
"""
import argparse
import concurrent.futures
import json
import os
import threading
import time
import uuid

import pydicom
import requests

parser = argparse.ArgumentParser()
parser.add_argument("name")
parser.add_argument("base")
parser.add_argument("folder")
parser.add_argument("--user")
parser.add_argument("--password")
parser.add_argument("--repeat", type=int, default=60)
args = parser.parse_args()

files = sorted(os.path.join(d, f) for d, _, fs in os.walk(args.folder) for f in fs if f.endswith(".dcm"))
sessions = {}


def session():
    """One keep-alive session per thread."""
    ident = threading.get_ident()
    if ident not in sessions:
        s = requests.Session()
        if args.user:
            s.auth = (args.user, args.password)
        sessions[ident] = s
    return sessions[ident]


def stow(batch):
    boundary = uuid.uuid4().hex
    body = bytearray()
    for path in batch:
        with open(path, "rb") as f:
            body += f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + f.read() + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    r = session().post(f"{args.base}/studies", data=bytes(body), headers={
        "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}',
        "Accept": "application/dicom+json"}, timeout=120)
    if r.status_code not in (200, 202):
        raise SystemExit(f"{args.name}: STOW-RS answered {r.status_code}: {r.text[:200]}")
    return len(batch)


def timed(fn, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return samples[len(samples) // 2], samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def get(url, accept, expect=200):
    r = session().get(url, headers={"Accept": accept}, timeout=120)
    if r.status_code != expect:
        raise SystemExit(f"{args.name}: GET {url} answered {r.status_code}: {r.text[:200]}")
    return r


result = {"server": args.name, "instances": len(files)}
batches = [files[i:i + 20] for i in range(0, len(files), 20)]
start = time.perf_counter()
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    stored = sum(pool.map(stow, batches))
result["stow_instances_per_s"] = stored / (time.perf_counter() - start)

first = pydicom.dcmread(files[0], stop_before_pixels=True)
study, series, sop = first.StudyInstanceUID, first.SeriesInstanceUID, first.SOPInstanceUID
json_type = "application/dicom+json"
queries = {
    "patient id": f"{args.base}/studies?PatientID={first.PatientID}",
    "date range": f"{args.base}/studies?StudyDate=19000101-21000101&limit=100",
    "modality": f"{args.base}/studies?ModalitiesInStudy={first.Modality}&limit=100",
    "series of study": f"{args.base}/studies/{study}/series",
    "instances of series": f"{args.base}/studies/{study}/series/{series}/instances",
}
samples = []
for url in queries.values():
    get(url, json_type)
    for _ in range(args.repeat):
        t = time.perf_counter()
        get(url, json_type)
        samples.append((time.perf_counter() - t) * 1000)
samples.sort()
result["qido_p50_ms"] = samples[len(samples) // 2]
result["qido_p95_ms"] = samples[int(len(samples) * 0.95)]

metadata_url = f"{args.base}/studies/{study}/series/{series}/metadata"
get(metadata_url, json_type)  # first answer builds caches, on both servers
result["metadata_instances"] = len(get(metadata_url, json_type).json())
result["metadata_p50_ms"], result["metadata_p95_ms"] = timed(lambda: get(metadata_url, json_type), args.repeat)

study_url = f"{args.base}/studies/{study}"
dicom_type = 'multipart/related; type="application/dicom"; transfer-syntax=*'
get(study_url, dicom_type)
total = 0
start = time.perf_counter()
for _ in range(5):
    total += len(get(study_url, dicom_type).content)
result["wado_study_mb_per_s"] = total / (time.perf_counter() - start) / 1e6

frame_url = f"{args.base}/studies/{study}/series/{series}/instances/{sop}/frames/1"
frame_type = 'multipart/related; type="application/octet-stream"; transfer-syntax=*'
get(frame_url, frame_type)
result["frame_p50_ms"], result["frame_p95_ms"] = timed(lambda: get(frame_url, frame_type), args.repeat)
print(json.dumps(result))
