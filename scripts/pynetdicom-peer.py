#!/usr/bin/env python3
"""pynetdicom as a test peer for the DIMSE interop tests (Tests/DICOMNetworkNIOTests/PynetdicomInteropTests.swift).

  pynetdicom-peer.py scu PORT FILE...   association to NUAGE on 127.0.0.1:PORT with a username and passcode:
                                         C-ECHO, C-STORE of each file, C-FIND at study level; prints one line per
                                         result ("echo 0x0000", "store UID 0x0000", "find N 0x0000").
  pynetdicom-peer.py scp PORT DIR       a storage, verification and Study Root C-FIND SCP called PYSCP on PORT that
                                         writes each received instance to DIR/<SOP Instance UID>.dcm and answers
                                         C-FIND with two matches; runs until killed.
"""
import sys

from pydicom import dcmread
from pydicom.dataset import Dataset
from pynetdicom import AE, evt, AllStoragePresentationContexts
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind, Verification


def scu(port, files):
    ae = AE(ae_title="PYSCU")
    ae.add_requested_context(Verification)
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
    datasets = [dcmread(path) for path in files]
    for pair in sorted({(ds.SOPClassUID, ds.file_meta.TransferSyntaxUID) for ds in datasets}):
        ae.add_requested_context(*pair)
    assoc = ae.associate("127.0.0.1", port, ae_title="NUAGE", ext_neg=[user_identity()])
    if not assoc.is_established:
        print("association failed")
        sys.exit(1)
    print(f"echo 0x{assoc.send_c_echo().Status:04X}")
    for ds in datasets:
        print(f"store {ds.SOPInstanceUID} 0x{assoc.send_c_store(ds).Status:04X}")
    query = Dataset()
    query.QueryRetrieveLevel = "STUDY"
    query.StudyInstanceUID = ""
    matches, final = 0, None
    for status, identifier in assoc.send_c_find(query, StudyRootQueryRetrieveInformationModelFind):
        if status and status.Status in (0xFF00, 0xFF01):
            matches += 1
        elif status:
            final = status.Status
    print(f"find {matches} 0x{final:04X}")
    assoc.release()


def user_identity():
    from pynetdicom.pdu_primitives import UserIdentityNegotiation
    item = UserIdentityNegotiation()
    item.user_identity_type = 2
    item.primary_field = b"pyuser"
    item.secondary_field = b"secret"
    return item


def scp(port, directory):
    ae = AE(ae_title="PYSCP")
    ae.supported_contexts = AllStoragePresentationContexts
    ae.add_supported_context(Verification)
    ae.add_supported_context(StudyRootQueryRetrieveInformationModelFind)

    def on_store(event):
        ds = event.dataset
        ds.file_meta = event.file_meta
        ds.save_as(f"{directory}/{ds.SOPInstanceUID}.dcm", enforce_file_format=True)
        return 0x0000

    def on_find(event):
        for index in range(2):
            match = Dataset()
            match.QueryRetrieveLevel = "STUDY"
            match.StudyInstanceUID = f"2.25.{900 + index}"
            yield 0xFF00, match

    ae.start_server(("127.0.0.1", port), block=True,
                    evt_handlers=[(evt.EVT_C_STORE, on_store), (evt.EVT_C_FIND, on_find)])


if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "scu":
        scu(port, sys.argv[3:])
    else:
        scp(port, sys.argv[3])
