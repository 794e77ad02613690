import DICOM
import DICOMCore
import DICOMJSON
import Foundation
import NIOCore
import Testing

/// Interoperability with pydicom 3 (`Dataset.from_json`, `to_json_dict`): pydicom reads our JSON as it reads the
/// DICOM files themselves, and we read pydicom's JSON to the same values. Skipped, with a message, when python3 or
/// pydicom is missing (`make test` installs pydicom through scripts/bootstrap).
@Suite(.serialized) struct PydicomInteropTests {
    /// Files that both readers take without help.
    static let files = [
        "CT_small.dcm", "MR_small.dcm", "MR_small_bigendian.dcm", "MR_small_implicit.dcm", "rtplan.dcm",
        "rtstruct.dcm", "rtdose.dcm", "test-SR.dcm", "reportsi.dcm", "nested_priv_SQ.dcm", "priv_SQ.dcm",
        "UN_sequence.dcm", "waveform_ecg.dcm", "JPEG2000.dcm", "GDCMJ2K_TextGBR.dcm", "SC_rgb_rle.dcm",
        "liver_1frame.dcm", "image_dfl.dcm", "ExplVR_BigEnd.dcm", "examples_ybr_color.dcm", "SC_rgb_jpeg.dcm",
    ]

    private struct Job: Encodable {
        var name: String
        var ours: String
        var dicom: String?
        var json: String?
        var bigEndian = false
    }

    /// Runs the comparison script on the jobs; nil (after printing why) when pydicom is not there.
    private func compare(_ jobs: [Job]) throws -> [String: [String]]? {
        guard Pydicom.isAvailable else {
            print("skipped: python3 with pydicom is not installed (pip install pydicom==3.0.2)")
            return nil
        }
        let scriptPath = Pydicom.temporaryPath("compare.py")
        let jobsPath = Pydicom.temporaryPath("jobs.json")
        defer {
            try? FileManager.default.removeItem(atPath: scriptPath)
            try? FileManager.default.removeItem(atPath: jobsPath)
        }
        try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        try JSONEncoder().encode(jobs).write(to: URL(fileURLWithPath: jobsPath))
        let output = try Pydicom.run([scriptPath, jobsPath])
        try #require(output.status == 0, "compare.py failed: \(output.standardError)")
        return try JSONDecoder().decode([String: [String]].self, from: Data(output.standardOutput.utf8))
    }

    private func write(_ bytes: ByteBuffer, _ name: String) throws -> String {
        let path = Pydicom.temporaryPath(name)
        try Data(bytes.readableBytesView).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func pydicomReadsOurJSONAsItReadsTheFiles() throws {
        var jobs: [Job] = []
        for name in Self.files {
            guard let path = Pydicom.testFile(name) else { continue }
            let file = try DICOMFile(contentsOf: path)
            let ours = try write(try DICOMJSONEncoder().encode(file.dataSet), name + ".json")
            jobs.append(
                Job(name: name, ours: ours, dicom: path, bigEndian: file.transferSyntax.byteOrder == .bigEndian))
        }
        defer { for job in jobs { try? FileManager.default.removeItem(atPath: job.ours) } }
        guard let results = try compare(jobs) else { return }
        #expect(!jobs.isEmpty && results.count == jobs.count)
        for (name, problems) in results.sorted(by: { $0.key < $1.key }) {
            #expect(problems.isEmpty, "\(name): \(problems.joined(separator: "; "))")
        }
    }

    @Test func weReadPydicomsJSONAsPydicomReadsTheFiles() throws {
        guard Pydicom.isAvailable else {
            print("skipped: python3 with pydicom is not installed (pip install pydicom==3.0.2)")
            return
        }
        var pairs: [(name: String, dicom: String, theirs: String)] = []
        for name in Self.files {
            guard let path = Pydicom.testFile(name) else { continue }
            pairs.append((name, path, Pydicom.temporaryPath(name + ".pydicom.json")))
        }
        defer { for pair in pairs { try? FileManager.default.removeItem(atPath: pair.theirs) } }
        let dump = """
            import sys, warnings
            warnings.simplefilter("ignore")
            import pydicom
            arguments = sys.argv[1:]
            for source, target in zip(arguments[::2], arguments[1::2]):
                with open(target, "w", encoding="utf-8") as f:
                    f.write(pydicom.dcmread(source, force=True).to_json(bulk_data_threshold=1 << 40))
            """
        let output = try Pydicom.run(["-c", dump] + pairs.flatMap { [$0.dicom, $0.theirs] })
        try #require(output.status == 0, "pydicom could not write JSON: \(output.standardError)")

        var jobs: [Job] = []
        defer { for job in jobs { try? FileManager.default.removeItem(atPath: job.ours) } }
        for pair in pairs {
            let theirs = try Data(contentsOf: URL(fileURLWithPath: pair.theirs))
            let dataSet = try DICOMJSONDecoder().decode(ByteBuffer(bytes: theirs))
            let ours = try write(try DICOMJSONEncoder().encode(dataSet), pair.name + ".ours.json")
            jobs.append(Job(name: pair.name, ours: ours, dicom: pair.dicom))
        }
        guard let results = try compare(jobs) else { return }
        #expect(!jobs.isEmpty && results.count == jobs.count)
        for (name, problems) in results.sorted(by: { $0.key < $1.key }) {
            #expect(problems.isEmpty, "\(name): \(problems.joined(separator: "; "))")
        }
    }

    @Test func pydicomReadsEveryVRAndWritesTheSameJSON() throws {
        var dataSet = DataSet([Build.characterSet("ISO_IR 192")])
        for testCase in JSONRoundTripTests.everyVR { dataSet.insert(testCase.element) }
        dataSet.insert(
            Build.sequence(
                0x0040_A730,
                [
                    DataSet([
                        Build.text(0x0008_0100, .SH, "T-A0100"),
                        Build.sequence(0x0040_A730, [DataSet([Build.text(0x0010_0010, .PN, "Nested^Name=入れ子")]), DataSet()]),
                    ])
                ]))
        let ours = try write(try DICOMJSONEncoder().encode(dataSet), "every-vr.json")
        defer { try? FileManager.default.removeItem(atPath: ours) }
        guard let results = try compare([Job(name: "every VR", ours: ours, json: ours)]) else { return }
        #expect(results["every VR"] == [], "\(results["every VR"] ?? [])")
    }

    static let script = #"""
import sys, json, base64, math, struct, warnings
warnings.simplefilter("ignore")
import pydicom
from pydicom.dataset import Dataset

NUMERIC = {"DS", "IS", "FL", "FD", "US", "SS", "UL", "SL", "SV", "UV"}

def as_number(x):
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    if isinstance(x, str):
        try:
            return float(x)
        except ValueError:
            return None
    return None

def same_number(a, b, vr):
    x, y = as_number(a), as_number(b)
    if x is None or y is None:
        return a == b
    if math.isnan(x) and math.isnan(y):
        return True
    if vr == "FL" and not math.isinf(x) and not math.isinf(y):
        # Both are the same float32 when they round to it: we write the shortest float32 decimal.
        return struct.pack("<f", x) == struct.pack("<f", y)
    return x == y or abs(x - y) <= 1e-9 * max(abs(x), abs(y))

SWAP_UNIT = {"OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}

def swapped(data, unit):
    return b"".join(data[i:i + unit][::-1] for i in range(0, len(data), unit))

# Attributes whose VR PS3.6 leaves open ("US or SS", "OB or OW"): readers may choose differently.
AMBIGUOUS = [{"US", "SS"}, {"OB", "OW"}]

def values(attribute):
    v = attribute.get("Value", [])
    # Empty values: no "Value", [], [""] and [None] all mean the element holds nothing.
    if all(x in ("", None) or x == {} or x == {"Alphabetic": ""} for x in v):
        return []
    return v

def person_name(x):
    if x is None:
        return {}
    if isinstance(x, str):
        return {"Alphabetic": x} if x else {}
    return {k: v for k, v in x.items() if v}

def compare(ours, theirs, path, problems, job):
    for key in sorted(set(ours) | set(theirs)):
        tag = int(key, 16)
        if tag & 0xFFFF == 0 or tag >> 16 == 2:
            continue
        where = path + key
        if key not in ours or key not in theirs:
            problems.append(f"{where}: only in {'ours' if key in ours else 'pydicom'}")
            continue
        a, b = ours[key], theirs[key]
        vr_a, vr_b = a.get("vr"), b.get("vr")
        if vr_a != vr_b:
            if "UN" in (vr_a, vr_b) or {vr_a, vr_b} in AMBIGUOUS:
                continue  # pydicom may replace UN by the dictionary VR, or resolve an ambiguous VR otherwise
            problems.append(f"{where}: vr {vr_a} vs {vr_b}")
            continue
        if "InlineBinary" in a or "InlineBinary" in b:
            x = base64.b64decode(a.get("InlineBinary", ""))
            y = base64.b64decode(b.get("InlineBinary", ""))
            # pydicom writes the bytes of a big-endian file as they are; the JSON model's are little-endian.
            if x != y and job.get("bigEndian") and vr_a in SWAP_UNIT and x == swapped(y, SWAP_UNIT[vr_a]):
                continue
            if x != y and x.rstrip(b"\0 ") != y.rstrip(b"\0 "):
                problems.append(f"{where}: InlineBinary differs ({len(x)} vs {len(y)} bytes)")
            continue
        if "BulkDataURI" in a or "BulkDataURI" in b:
            if a.get("BulkDataURI") != b.get("BulkDataURI"):
                problems.append(f"{where}: BulkDataURI differs")
            continue
        va, vb = values(a), values(b)
        if vr_a == "SQ":
            if len(va) != len(vb):
                problems.append(f"{where}: {len(va)} vs {len(vb)} items")
                continue
            for i, (x, y) in enumerate(zip(va, vb)):
                compare(x, y, f"{where}[{i}].", problems, job)
            continue
        if len(va) != len(vb):
            problems.append(f"{where}: {va!r} vs {vb!r}")
            continue
        for x, y in zip(va, vb):
            if vr_a == "PN":
                ok = person_name(x) == person_name(y)
            elif vr_a in NUMERIC:
                ok = same_number(x, y, vr_a)
            else:
                ok = (x or "") == (y or "")
            if not ok:
                problems.append(f"{where}: {x!r} vs {y!r}")
                break

def pydicom_model(job):
    if "dicom" in job:
        ds = pydicom.dcmread(job["dicom"], force=True)
    else:
        with open(job["json"], encoding="utf-8") as f:
            ds = Dataset.from_json(f.read())
    return ds.to_json_dict(bulk_data_threshold=1 << 40)

results = {}
with open(sys.argv[1], encoding="utf-8") as f:
    jobs = json.load(f)
for job in jobs:
    problems = []
    try:
        with open(job["ours"], encoding="utf-8") as f:
            ours = json.load(f)
        theirs = pydicom_model(job)
        compare(ours, theirs, "", problems, job)
    except Exception as error:
        problems.append(f"exception: {type(error).__name__}: {error}")
    results[job["name"]] = problems
json.dump(results, sys.stdout, indent=1, ensure_ascii=False)
"""#
}
