#!/usr/bin/env python3
"""Measures one DICOMweb server (called by scripts/bench-dicomweb for Nuage and Orthanc, same data, same run).

    bench-dicomweb.py NAME BASE_URL FOLDER [--user U --password P] [--pid SERVER_PID]

Prints one JSON object: STOW-RS instances/s (batches of 20 instances per request, 4 requests in flight), QIDO-RS
p50/p95 of the common queries (ms), series metadata p50/p95 (ms), WADO-RS study MB/s and single-frame p50/p95 (ms);
with --pid, the server's CPU time per stored instance, per study retrieval and per frame request (user + system,
from /proc/PID/stat: a measure of work that the machine's load moves less than latency).
Queries and metadata go through python-requests on keep-alive connections; STOW-RS, WADO-RS and frames through
curl, whose own cost stays small beside the servers' on this 2-core machine (see "curl" below). Queries carry no
character that needs percent-encoding (Orthanc's QIDO does not decode them).
"""
import argparse
import json
import os
import subprocess
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
parser.add_argument("--big-series", type=int, default=2000, help="instances of the series whose metadata is timed")
parser.add_argument("--pid", type=int, help="the server's process, whose CPU time is read around some phases")
args = parser.parse_args()


def server_cpu_seconds():
    """User + system CPU time of the server process so far (0 without --pid): fields 14 and 15 of /proc/PID/stat,
    counted after the command name, which may hold spaces."""
    if not args.pid:
        return 0.0
    with open(f"/proc/{args.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

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


def stow_bodies(paths, per_request, folder):
    """Writes the multipart/related bodies of STOW-RS requests of `per_request` instances each into `folder`, before
    anything is timed: [(body path, boundary, instances)]."""
    os.makedirs(folder, exist_ok=True)
    bodies = []
    for start in range(0, len(paths), per_request):
        boundary = uuid.uuid4().hex
        body_path = os.path.join(folder, f"{start}.body")
        with open(body_path, "wb") as body:
            for path in paths[start:start + per_request]:
                with open(path, "rb") as f:
                    body.write(f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + f.read() + b"\r\n")
            body.write(f"--{boundary}--\r\n".encode())
        bodies.append((body_path, boundary, len(paths[start:start + per_request])))
    return bodies


def stow(bodies, in_flight=4):
    """Posts the bodies with `in_flight` curl processes, each sending its share one after the other on one
    keep-alive connection; returns (instances stored, seconds from the first request to the last answer)."""
    def command(share):
        curl = ["curl", "-s"]
        for number, (body_path, boundary, _) in enumerate(share):
            if number:
                curl.append("--next")
            curl += credentials() + [
                "-o", "/dev/null", "-w", "%{http_code}\n", "--data-binary", f"@{body_path}",
                "-H", f'Content-Type: multipart/related; type="application/dicom"; boundary={boundary}',
                "-H", "Accept: application/dicom+json", f"{args.base}/studies"]
        return curl
    shares = [bodies[k::in_flight] for k in range(in_flight)]
    start = time.perf_counter()
    processes = [subprocess.Popen(command(share), stdout=subprocess.PIPE, text=True) for share in shares if share]
    codes = [code for process in processes for code in process.communicate()[0].split()]
    seconds = time.perf_counter() - start
    if len(codes) != len(bodies) or any(code not in ("200", "202") for code in codes):
        raise SystemExit(f"{args.name}: STOW-RS answered {codes}")
    return sum(count for _, _, count in bodies), seconds


def credentials():
    return ["-u", f"{args.user}:{args.password}"] if args.user else []


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
bodies_folder = os.path.join(os.path.dirname(os.path.abspath(args.folder)), "stow-bodies", args.name)
# The first request of the run (connection, authentication) is left out, as for frames below.
subprocess.run(["curl", "-s", "-o", "/dev/null"] + credentials() + [f"{args.base}/studies?limit=1"], check=True)
bodies = stow_bodies(files, 20, bodies_folder)
cpu = server_cpu_seconds()
stored, seconds = stow(bodies)
result["stow_instances_per_s"] = stored / seconds
result["stow_cpu_ms_per_instance"] = (server_cpu_seconds() - cpu) / stored * 1000

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

# A series of --big-series small instances (8x8 pixels), stored through STOW-RS, for the metadata latency that
# the design asks for (a 2,000-instance series in under 100 ms).
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filebase import DicomBytesIO
from pydicom.uid import ExplicitVRLittleEndian


def tiny(study_uid, series_uid, number):
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = f"{series_uid}.{number}"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
    ds.PatientID, ds.PatientName, ds.StudyDate, ds.Modality = "BIG-SERIES", "Big^Series", "20240101", "OT"
    ds.SeriesNumber, ds.InstanceNumber = 1, number
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = bytes(64)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    ds.preamble = b"\0" * 128
    buffer = DicomBytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


big_study, big_series = "2.25.4242.1", "2.25.4242.1.1"
big_dir = os.path.join(os.path.dirname(os.path.abspath(args.folder)), "big-series")
os.makedirs(big_dir, exist_ok=True)
for number in range(1, args.big_series + 1):
    path = os.path.join(big_dir, f"{number}.dcm")
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(tiny(big_study, big_series, number))
big_files = [os.path.join(big_dir, f"{n}.dcm") for n in range(1, args.big_series + 1)]
stow(stow_bodies(big_files, 50, os.path.join(bodies_folder, "big-series")))
big_url = f"{args.base}/studies/{big_study}/series/{big_series}/metadata"
get(big_url, json_type)
result["big_series_instances"] = len(get(big_url, json_type).json())
result["big_metadata_p50_ms"], result["big_metadata_p95_ms"] = timed(lambda: get(big_url, json_type), max(10, args.repeat // 3))

study_url = f"{args.base}/studies/{study}"
dicom_type = 'multipart/related; type="application/dicom"; transfer-syntax=*'
get(study_url, dicom_type)
# Measured with curl (one process, one keep-alive connection, 10 transfers, each timed by curl): python-requests
# reads a body at about 350 MB per CPU second (measured against a static server sending a prebuilt body), too close
# to the rates being compared for the client not to be the limit.


def curl_transfers(url, accept, count):
    """(size, seconds) of `count` GETs of `url` by one curl process over one keep-alive connection, each timed by
    curl itself (from the request's start to the body's last byte)."""
    curl = ["curl", "-s", "-H", f"Accept: {accept}", "-w", "%{http_code} %{size_download} %{time_total}\n"]
    curl += credentials()
    lines = subprocess.run(curl + ["-o", "/dev/null", url] * count, check=True, capture_output=True,
                           text=True).stdout.split()
    transfers = [(lines[i], int(lines[i + 1]), float(lines[i + 2])) for i in range(0, len(lines), 3)]
    if any(code != "200" for code, _, _ in transfers):
        raise SystemExit(f"{args.name}: {url} answered {[code for code, _, _ in transfers]}")
    return [(size, seconds) for _, size, seconds in transfers]


cpu = server_cpu_seconds()
transfers = curl_transfers(study_url, dicom_type, 50)
result["wado_cpu_ms_per_study"] = (server_cpu_seconds() - cpu) / len(transfers) * 1000
result["wado_study_mb_per_s"] = sum(size for size, _ in transfers) / sum(t for _, t in transfers) / 1e6

# Single frame: curl too. python-requests adds about 2.4 ms of its own to every request, a floor under both servers
# larger than the latency being compared. The first request of the run (connection, authentication) is left out.
frame_url = f"{args.base}/studies/{study}/series/{series}/instances/{sop}/frames/1"
frame_type = 'multipart/related; type="application/octet-stream"; transfer-syntax=*'
get(frame_url, frame_type)
cpu = server_cpu_seconds()
frame_transfers = curl_transfers(frame_url, frame_type, args.repeat * 5 + 1)
result["frame_cpu_ms_per_request"] = (server_cpu_seconds() - cpu) / len(frame_transfers) * 1000
frame_samples = sorted(seconds * 1000 for _, seconds in frame_transfers[1:])
result["frame_p50_ms"] = frame_samples[len(frame_samples) // 2]
result["frame_p95_ms"] = frame_samples[int(len(frame_samples) * 0.95)]
print(json.dumps(result))
