#!/usr/bin/env python3
"""`make bench`, DIMSE: `nuage serve` and Orthanc side by side, in one run, on the same synthetic data.

    scripts/bench-dimse.py --nuage PATH/TO/nuage [--small 2000] [--ct 400] [--finds 40] [--rounds 3]

Both servers run on loopback with their embedded defaults (Nuage: SQLite + files; Orthanc: its SQLite index and
storage area) in fresh folders under bench-data/dimse/, or under $BENCH_DATA_DIR/dimse/ when set (see
docs/benchmarks.md: the servers' data belongs on a file system with a journal, as in production). The peers are
DCMTK's programs (by full path: pynetdicom installs look-alikes on PATH), all with TCP_NODELAY=1 (DCMTK 3.6.7 leaves
Nagle on otherwise), and so is Orthanc.

Measures, for each server:
  ingest    storescu of the small (MR-like, ~33 KB) and CT (~0.5 MB) corpora over 1 and 4 associations
            (4 storescu processes, each with a quarter of the files): instances/s and MB/s, wall clock
  find      findscu STUDY-level queries (by PatientID, and by StudyDate range + wildcard PatientName), each run
            as its own association: p50 and p95 in ms, process start-up included for both servers alike; and the
            mean cost of one query on an open association (findscu --repeat 100, less a run of one)
  move      movescu of one CT study to a storescp: MB/s
  get       getscu of the same study: MB/s
  limit     the same ingest, and the pushes of the retrieved study, against DCMTK's storescp (files written as
            they come, no index, no sync): the ceiling this peer and loopback put on any server

Each round measures Nuage, Orthanc and the limit in turn, on fresh data. Prints a table (Markdown): the medians over
the rounds, the ratios Nuage / Orthanc of the medians, each round's lowest and highest ratio, and the peer's limit.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

DCMTK = "/usr/bin"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER_ENV = dict(os.environ, TCP_NODELAY="1")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def run(args, **kwargs):
    return subprocess.run(args, env=PEER_ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


class Server:
    def __init__(self, name, process, dicom_port, aet, folder):
        self.name, self.process, self.dicom_port, self.aet, self.folder = name, process, dicom_port, aet, folder

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_nuage(binary, folder, move_port):
    dicom_port, http_port = free_port(), free_port()
    data = os.path.join(folder, "data")
    run([binary, "ae", "add", "STORESCP", "--host", "127.0.0.1", "--port", str(move_port), "--data", data]).check_returncode()
    run([binary, "ae", "add", "BENCH", "--data", data]).check_returncode()
    env = dict(PEER_ENV, NUAGE_DATA_FOLDER=data, NUAGE_HTTP_PORT=str(http_port), NUAGE_DICOM_PORT=str(dicom_port),
               NUAGE_ADMIN_PASSWORD="bench-admin-password", NUAGE_LOG_LEVEL="warning")
    log = open(os.path.join(folder, "nuage.log"), "w")
    process = subprocess.Popen([binary, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    wait_for_port(dicom_port)
    return Server("Nuage", process, dicom_port, "NUAGE", folder)


def start_orthanc(folder, move_port):
    dicom_port, http_port = free_port(), free_port()
    config = {
        "Name": "bench", "StorageDirectory": os.path.join(folder, "storage"),
        "IndexDirectory": os.path.join(folder, "index"), "HttpPort": http_port, "DicomPort": dicom_port,
        "DicomAet": "ORTHANC", "RemoteAccessAllowed": False, "AuthenticationEnabled": False,
        "DicomCheckCalledAet": False, "DicomAlwaysAllowFind": True, "DicomAlwaysAllowMove": True,
        "DicomAlwaysAllowGet": True,
        "DicomModalities": {"storescp": ["STORESCP", "127.0.0.1", move_port], "bench": ["BENCH", "127.0.0.1", 104]},
        "Plugins": [], "StorageCompression": False, "DicomScpTimeout": 30,
    }
    path = os.path.join(folder, "orthanc.json")
    with open(path, "w") as f:
        json.dump(config, f)
    log = open(os.path.join(folder, "orthanc.log"), "w")
    process = subprocess.Popen(["/usr/sbin/Orthanc", path], env=PEER_ENV, stdout=log, stderr=subprocess.STDOUT)
    wait_for_port(dicom_port)
    return Server("Orthanc", process, dicom_port, "ORTHANC", folder)


def start_storescp(folder):
    """DCMTK's storescp as a receiver that does the least a store can: write each object to a file as it comes, no
    index, no sync; one process per association (`--fork`). What storescu achieves against it bounds what any
    server can show in this benchmark: the peer's own cost and the loopback's."""
    dicom_port = free_port()
    out = os.path.join(folder, "received")
    os.makedirs(out, exist_ok=True)
    log = open(os.path.join(folder, "storescp.log"), "w")
    process = subprocess.Popen([f"{DCMTK}/storescp", "--fork", "-aet", "LIMIT", "-od", out, str(dicom_port)],
                               env=PEER_ENV, stdout=log, stderr=subprocess.STDOUT)
    wait_for_port(dicom_port)
    return Server("storescp", process, dicom_port, "LIMIT", folder)


def files_of(folder):
    found = []
    for directory, _, names in os.walk(folder):
        found += [os.path.join(directory, n) for n in names if n.endswith(".dcm")]
    return sorted(found)


def ingest(server, files, associations):
    """Wall-clock instances/s and MB/s of storescu over `associations` parallel associations."""
    size = sum(os.path.getsize(f) for f in files)
    slices = [files[i::associations] for i in range(associations)]
    started = time.perf_counter()
    processes = []
    for part in slices:
        # One storescu process is one association carrying all its files.
        processes.append(subprocess.Popen(
            [f"{DCMTK}/storescu", "-aet", "BENCH", "-aec", server.aet, "127.0.0.1", str(server.dicom_port)] + part,
            env=PEER_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    failures = 0
    for process in processes:
        process.communicate()
        failures += process.returncode != 0
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"storescu failed against {server.name}")
    return len(files) / elapsed, size / elapsed / 1e6


def ingest_rows(server, small, ct):
    """The four ingest rows: each half of each corpus, over 1 then 4 associations."""
    row = {}
    half = len(small) // 2
    row["small 1 assoc (inst/s)"], _ = ingest(server, small[:half], 1)
    row["small 4 assoc (inst/s)"], _ = ingest(server, small[half:], 4)
    half = len(ct) // 2
    _, row["CT 1 assoc (MB/s)"] = ingest(server, ct[:half], 1)
    _, row["CT 4 assoc (MB/s)"] = ingest(server, ct[half:], 4)
    return row


def find_latencies(server, queries, repeats):
    latencies = []
    for _ in range(repeats):
        for keys in queries:
            args = [f"{DCMTK}/findscu", "-aet", "BENCH", "-aec", server.aet, "-S"]
            for key in keys:
                args += ["-k", key]
            started = time.perf_counter()
            result = run(args + ["127.0.0.1", str(server.dicom_port)])
            latencies.append((time.perf_counter() - started) * 1000)
            if result.returncode != 0:
                raise RuntimeError(f"findscu failed against {server.name}: {result.stdout[-400:]}")
    return statistics.median(latencies), statistics.quantiles(latencies, n=20)[18]


def find_cost_on_one_association(server, queries, repeat=100):
    """Mean ms per C-FIND on one association: findscu sends each query `repeat` times on one association
    (`--repeat`); the time of a run with one query is subtracted, removing process start and association set-up."""
    def run_time(keys, count):
        args = [f"{DCMTK}/findscu", "-aet", "BENCH", "-aec", server.aet, "-S", "--repeat", str(count)]
        for key in keys:
            args += ["-k", key]
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            result = run(args + ["127.0.0.1", str(server.dicom_port)])
            timings.append(time.perf_counter() - started)
            if result.returncode != 0:
                raise RuntimeError(f"findscu failed against {server.name}: {result.stdout[-400:]}")
        return min(timings)
    costs = [(run_time(keys, repeat) - run_time(keys, 1)) / (repeat - 1) * 1000 for keys in queries]
    return statistics.mean(costs)


def retrieve(server, study_uid, size, mode, move_port, folder):
    out = os.path.join(folder, f"{mode}-out")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    keys = ["-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study_uid}"]
    if mode == "get":
        started = time.perf_counter()
        result = run([f"{DCMTK}/getscu", "-aet", "BENCH", "-aec", server.aet, "-S", "-od", out] + keys
                     + ["127.0.0.1", str(server.dicom_port)])
        elapsed = time.perf_counter() - started
    else:
        receiver = subprocess.Popen([f"{DCMTK}/storescp", "-aet", "STORESCP", "-od", out, str(move_port)],
                                    env=PEER_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(move_port)
        started = time.perf_counter()
        result = run([f"{DCMTK}/movescu", "-aet", "BENCH", "-aec", server.aet, "-aem", "STORESCP", "-S"] + keys
                     + ["127.0.0.1", str(server.dicom_port)])
        elapsed = time.perf_counter() - started
        receiver.terminate()
        receiver.wait()
    received = len(os.listdir(out))
    if result.returncode != 0 or received == 0:
        raise RuntimeError(f"{mode} failed against {server.name}: {result.stdout[-400:]}")
    return size / elapsed / 1e6, received


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nuage", required=True)
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--ct", type=int, default=400)
    parser.add_argument("--finds", type=int, default=40, help="repeats of each query")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every measure, each server in turn")
    options = parser.parse_args()

    data = os.path.join(ROOT, "bench-data")
    for kind, count in (("small", options.small), ("ct", options.ct)):
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts/make-synthetic-dicom.py"), "--kind", kind,
                        "--count", str(count), "--out", os.path.join(data, f"dimse-{kind}")], check=True)
    small, ct = files_of(os.path.join(data, "dimse-small")), files_of(os.path.join(data, "dimse-ct"))
    # The first CT study (100 instances of ~0.5 MB) is the one retrieved.
    study_files = [f for f in ct if os.path.basename(os.path.dirname(f)) == os.path.basename(os.path.dirname(ct[0]))]
    from pydicom import dcmread
    study_uid = dcmread(study_files[0], stop_before_pixels=True).StudyInstanceUID
    study_size = sum(os.path.getsize(f) for f in study_files)
    queries = [
        ["QueryRetrieveLevel=STUDY", "PatientID=SYN100007", "StudyInstanceUID", "StudyDate",
         "NumberOfStudyRelatedInstances"],
        ["QueryRetrieveLevel=STUDY", "StudyDate=20240101-20240630", "PatientName=Synthetic^Patient1*",
         "StudyInstanceUID", "ModalitiesInStudy"],
    ]

    # Where the servers (and storescp) keep what they receive; the corpora stay under bench-data.
    servers_data = os.path.abspath(os.environ.get("BENCH_DATA_DIR") or data)
    rounds = {"Nuage": [], "Orthanc": [], "limit": []}
    for number in range(1, options.rounds + 1):
        print(f"bench-dimse: round {number} of {options.rounds}", file=sys.stderr)
        for name in ("Nuage", "Orthanc"):
            rounds[name].append(
                measure_server(name, options, servers_data, small, ct, queries, study_uid, study_size))
        rounds["limit"].append(measure_limit(servers_data, small, ct, study_files))

    def median(name, measure):
        return statistics.median(row[measure] for row in rounds[name])

    def ratio(nuage, orthanc, measure):
        return orthanc / nuage if "(ms)" in measure else nuage / orthanc

    print(f"\nDIMSE, {len(small)} small + {len(ct)} CT instances; retrieved study: {len(study_files)} instances, "
          f"{study_size / 1e6:.1f} MB; {options.rounds} round(s), medians; \"per round\": the lowest and highest "
          f"ratio in a single round\n")
    print("| measure | Nuage | Orthanc | Nuage / Orthanc | per round | peer limit (storescp) | limit / Orthanc |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for measure in rounds["Nuage"][0]:
        nuage, orthanc = median("Nuage", measure), median("Orthanc", measure)
        each = [ratio(n[measure], o[measure], measure) for n, o in zip(rounds["Nuage"], rounds["Orthanc"])]
        note = " (latency: Orthanc / Nuage)" if "(ms)" in measure else ""
        limit = median("limit", measure) if measure in rounds["limit"][0] else None
        bound = f"{limit:.1f} | {limit / orthanc:.2f}×" if limit is not None else "– | –"
        print(f"| {measure} | {nuage:.1f} | {orthanc:.1f} | {ratio(nuage, orthanc, measure):.2f}×{note} "
              f"| {min(each):.2f}–{max(each):.2f}× | {bound} |")


def measure_server(name, options, data, small, ct, queries, study_uid, study_size):
    """One round's figures of one server, on fresh data."""
    folder = os.path.join(data, "dimse", name.lower())
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    subprocess.run(["sync"])
    move_port = free_port()
    server = start_nuage(options.nuage, folder, move_port) if name == "Nuage" else start_orthanc(folder, move_port)
    try:
        row = ingest_rows(server, small, ct)
        p50, p95 = find_latencies(server, queries, options.finds)
        row["C-FIND p50 (ms)"], row["C-FIND p95 (ms)"] = p50, p95
        row["C-FIND on one association, mean (ms)"] = find_cost_on_one_association(server, queries)
        row["C-MOVE study (MB/s)"], _ = retrieve(server, study_uid, study_size, "move", move_port, folder)
        row["C-GET study (MB/s)"], _ = retrieve(server, study_uid, study_size, "get", move_port, folder)
        return row
    finally:
        server.stop()


def measure_limit(data, small, ct, study_files):
    """The peer's limit, same files: storescu against storescp for the ingest rows, and storescu of the retrieved
    study's files for C-MOVE (the pushes a C-MOVE makes, with no query, no read and no index)."""
    folder = os.path.join(data, "dimse", "storescp")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    subprocess.run(["sync"])
    limit = start_storescp(folder)
    try:
        row = ingest_rows(limit, small, ct)
        _, row["C-MOVE study (MB/s)"] = ingest(limit, study_files, 1)
        return row
    finally:
        limit.stop()

if __name__ == "__main__":
    main()
