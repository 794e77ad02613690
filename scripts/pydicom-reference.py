#!/usr/bin/env python3
"""Write pydicom's view of DICOM files, element by element, for DICOMKit's conformance test.

    python3 scripts/pydicom-reference.py [--output FILE] PATH...

Each PATH is a file or a folder (searched recursively, in sorted order). For every file one JSON document is
written, one per line (JSON Lines), to FILE or standard output. The reference is pydicom 3.0.2 with its default
configuration; DICOMKit's PydicomConformanceTests compares its own reading of each file with these documents.

A document:

    {"path": "...", "pydicom": "3.0.2",
     "readable": true,              # pydicom.dcmread(path) succeeded
     "readableWithForce": true,     # dcmread(path, force=True) succeeded (tried only when the above failed)
     "error": null,                 # why dcmread(path) failed, when it did
     "forceError": null,            # why dcmread(path, force=True) failed, when it was tried and did
     "transferSyntax": "1.2.840.10008.1.2.1" | null,
     "isLittleEndian": true, "isImplicitVR": false,   # the encoding pydicom read the data set in
     "hasPreamble": true,
     "warnings": ["..."],           # what pydicom warned about while reading and converting
     "meta": [ELEMENT...], "dataSet": [ELEMENT...]}

An element, in tag order, for every element at every level (file meta group, data set, sequence items):

    {"tag": "00100010",             # eight upper-case hex digits
     "vr": "PN",                    # the VR pydicom reports, after its UN and ambiguous-VR resolution
     "rawVR": "PN" | null,          # the VR as encoded; null in implicit VR data. pydicom keeps no raw form of
                                    # an undefined-length sequence: its rawVR is the VR pydicom read it as (SQ)
     "vm": 1,
     "undefinedLength": false,
     "value": VALUE}

A value is normalised so that another implementation can compute the same thing from its own reading:

    {"strings": [...]}      text VRs: the decoded values (Specific Character Set applied as pydicom does),
                            split at backslashes; PN as str(PersonName); DS and IS as str(), which is the
                            original text stripped; [] for an empty value
    {"integers": ["1"...]}  US, SS, UL, SL, UV, SV: decimal text, so 64-bit values stay exact
    {"floats": ["3ff0..."]} FL, FD: each value's IEEE 754 binary64 bit pattern as 16 hex digits (FL widened)
    {"tags": ["00100010"]}  AT
    {"bytes": {"length": N, "sha256": "..."}}
                            OB, OW, OD, OF, OL, OV, UN and anything pydicom left as bytes: the raw value,
                            in little-endian byte order (a big-endian data set's words are swapped by the VR's
                            unit, as a little-endian reader would hold them)
    {"items": [[ELEMENT...]...]}                      SQ
    {"fragments": [{"length": N, "sha256": "..."}...]} encapsulated (undefined length) OB/OW: every item,
                            the Basic Offset Table first
    {"error": "..."}        pydicom could not convert the value
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import struct
import sys
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

import pydicom
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.encaps import generate_fragments
from pydicom.multival import MultiValue

TEXT_VRS = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"}
INTEGER_VRS = {"US", "SS", "UL", "SL", "UV", "SV"}
FLOAT_VRS = {"FL", "FD"}
# Bytes that a big-endian data set holds in words of this size; pydicom leaves them as encoded.
SWAP_UNITS = {"OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}
BYTES_VRS = {"OB", "UN", *SWAP_UNITS}


def digest(data: bytes) -> dict[str, Any]:
    return {"length": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def little_endian(data: bytes, unit: int) -> bytes:
    """Reverses each `unit`-byte word; a trailing partial word is kept as it is."""
    whole = len(data) - len(data) % unit
    swapped = bytearray(len(data))
    for start in range(0, whole, unit):
        swapped[start : start + unit] = data[start : start + unit][::-1]
    swapped[whole:] = data[whole:]
    return bytes(swapped)


def as_list(value: Any) -> list[Any]:
    if value is None or (isinstance(value, str) and value == ""):
        return []
    if isinstance(value, MultiValue | list | tuple):
        return list(value)
    return [value]


def normalise_value(element: DataElement, is_little_endian: bool, depth: int) -> dict[str, Any]:
    vr = element.VR
    value = element.value
    if vr == "SQ":
        return {"items": [list(elements(item, is_little_endian, depth + 1)) for item in value]}
    if isinstance(value, bytes | bytearray) or (value is None and vr in BYTES_VRS):
        data = bytes(value or b"")
        if element.is_undefined_length and vr in ("OB", "OW", "UN"):
            return {"fragments": [digest(fragment) for fragment in generate_fragments(data)]}
        if not is_little_endian and vr in SWAP_UNITS:
            data = little_endian(data, SWAP_UNITS[vr])
        return {"bytes": digest(data)}
    if vr in TEXT_VRS:
        return {"strings": [str(item) for item in as_list(value)]}
    if vr in INTEGER_VRS:
        return {"integers": [str(int(item)) for item in as_list(value)]}
    if vr in FLOAT_VRS:
        return {"floats": [f"{struct.unpack('<Q', struct.pack('<d', float(item)))[0]:016x}" for item in as_list(value)]}
    if vr == "AT":
        return {"tags": [f"{int(item):08X}" for item in as_list(value)]}
    return {"error": f"unexpected value of type {type(value).__name__} for VR {vr}"}


def elements(dataset: Dataset, is_little_endian: bool, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every element of the data set in tag order; items of sequences recursively."""
    for tag in sorted(dataset._dict.keys()):
        stored = dataset._dict[tag]
        raw_vr = stored.VR if isinstance(stored, RawDataElement | DataElement) else None
        if isinstance(stored, RawDataElement):
            little = stored.is_little_endian
            undefined = stored.length == 0xFFFFFFFF
        else:
            little = is_little_endian
            undefined = bool(getattr(stored, "is_undefined_length", False))
        document: dict[str, Any] = {"tag": f"{int(tag):08X}", "rawVR": raw_vr}
        try:
            element = dataset[tag]
            document["vr"] = element.VR
            document["vm"] = element.VM
            document["undefinedLength"] = undefined or bool(element.is_undefined_length)
            document["value"] = normalise_value(element, little, depth)
        except Exception as error:  # pydicom could not convert this value: say so, and go on
            document.setdefault("vr", raw_vr)
            document.setdefault("vm", None)
            document.setdefault("undefinedLength", undefined)
            document["value"] = {"error": f"{type(error).__name__}: {error}"}
        yield document


def describe(path: str) -> dict[str, Any]:
    document: dict[str, Any] = {
        "path": path,
        "pydicom": pydicom.__version__,
        "readable": False,
        "readableWithForce": False,
        "error": None,
        "forceError": None,
        "transferSyntax": None,
        "isLittleEndian": None,
        "isImplicitVR": None,
        "hasPreamble": False,
        "warnings": [],
        "meta": [],
        "dataSet": [],
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = None
        try:
            dataset = pydicom.dcmread(path)
            document["readable"] = True
        except Exception as error:
            document["error"] = f"{type(error).__name__}: {error}"
            try:
                dataset = pydicom.dcmread(path, force=True)
                document["readableWithForce"] = True
            except Exception as force_error:
                document["forceError"] = f"{type(force_error).__name__}: {force_error}"
        if dataset is not None:
            implicit, little = dataset.original_encoding
            document["isImplicitVR"] = implicit
            document["isLittleEndian"] = little
            document["hasPreamble"] = dataset.preamble is not None
            meta = getattr(dataset, "file_meta", None)
            if meta is not None:
                syntax = meta.get("TransferSyntaxUID")
                document["transferSyntax"] = str(syntax) if syntax else None
                document["meta"] = list(elements(meta, True))
            document["dataSet"] = list(elements(dataset, little if little is not None else True))
        document["warnings"] = sorted({str(warning.message) for warning in caught})
    return document


def files(paths: Iterable[str]) -> Iterator[str]:
    for path in paths:
        if os.path.isdir(path):
            found = []
            for folder, _, names in os.walk(path):
                found.extend(os.path.join(folder, name) for name in names)
            yield from sorted(found)
        else:
            yield path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="files or folders to describe")
    parser.add_argument("--output", help="write the JSON Lines here instead of standard output")
    arguments = parser.parse_args()
    logging.getLogger("pydicom").setLevel(logging.CRITICAL)
    output = open(arguments.output, "w", encoding="utf-8") if arguments.output else sys.stdout
    try:
        for path in files(arguments.paths):
            output.write(json.dumps(describe(path), ensure_ascii=False, sort_keys=True) + "\n")
    finally:
        if output is not sys.stdout:
            output.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
