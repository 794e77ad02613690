#!/usr/bin/env python3
"""Graceful shutdown check: starts a STOW-RS request, sends half of its body, sends SIGTERM to the server process,
sends the rest, and prints the response status. A server that shuts down gracefully completes the store (200).

Usage: stow_during_shutdown.py HOST PORT USER PASSWORD SERVER_PID DICOM_FILE
"""
import base64
import http.client
import os
import signal
import sys
import time

host, port, user, password, pid, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
boundary = "shutdown-boundary"
with open(path, "rb") as f:
    body = (f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + f.read()
            + f"\r\n--{boundary}--\r\n".encode())
connection = http.client.HTTPConnection(host, port, timeout=30)
connection.putrequest("POST", "/dicomweb/studies")
connection.putheader("Content-Type", f'multipart/related; type="application/dicom"; boundary={boundary}')
connection.putheader("Content-Length", str(len(body)))
connection.putheader("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
connection.endheaders()
half = len(body) // 2
connection.send(body[:half])
time.sleep(0.3)
os.kill(pid, signal.SIGTERM)
time.sleep(0.3)
connection.send(body[half:])
response = connection.getresponse()
print(response.status)
