#!/usr/bin/env python3
"""Peak memory of the fer-emulator program under the oversized inputs of issue #22.

Each scenario starts a fresh `fer-emulator --listen 127.0.0.1:0`, reads its resident size once it
serves (VmRSS, "idle"), sends the input, and reads the peak resident size (VmHWM) from
/proc/PID/status. Bounded: every input has a fixed size, every socket a timeout.

    cargo build --release -p fer-emulator
    python3 scripts/emulator-rss.py [path/to/fer-emulator] [scenario ...]

The binary defaults to $CARGO_TARGET_DIR/release/fer-emulator (else target/release/). Linux only.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MIB = 1 << 20
USERNAME = "1.2.643.5.1.13.13.12.2.77.7777"
PASSWORD = "emulator"
MO_ID = "ab7cbc4b-2e68-40d2-881b-6f957b044818"
RESOURCE_ID = "1919135c-7c9e-4564-a8b4-29aff7adfe72"
SLOT_ID = "aaaaaaa1-5eff-49b8-9d07-ff2486162b3f"


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


class Emulator:
    def __init__(self, binary, *args):
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        first = self.proc.stdout.readline()
        url = first.rsplit(" ", 1)[-1].strip()
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)

    def conn(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=120)

    def call(self, method, path, body=None, headers=None):
        c = self.conn()
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data

    def token(self):
        body = json.dumps({"username": USERNAME, "password": PASSWORD})
        status, data = self.call("POST", "/auth.svc", body, {"Content-Type": "application/json"})
        assert status == 200, data
        return json.loads(data)["Result"]["Value"]

    def idle_kib(self):
        self.token()  # one request served: the runtime and the router are warm
        return status_kib(self.proc.pid, "VmRSS")

    def peak_kib(self):
        return status_kib(self.proc.pid, "VmHWM")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def raw_post(emu, path, head_extra, body_iter):
    """Sends a request head and then the body pieces until the server stops reading; the status."""
    s = socket.create_connection((emu.host, emu.port), timeout=60)
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{head_extra}Connection: close\r\n\r\n"
    s.sendall(head.encode())
    try:
        for piece in body_iter:
            s.sendall(piece)
    except OSError:
        pass  # answered and closed before the body was over
    try:
        line = s.makefile("rb").readline().decode()
    except OSError as e:
        line = f"<no answer: {e}>"
    s.close()
    return line.strip()


def sandbox_1gib_declared(emu):
    piece = b" " * MIB
    return raw_post(emu, "/sandbox/book", f"Content-Length: {1 << 30}\r\n", (piece for _ in range(1024)))


def sandbox_1gib_chunked(emu):
    piece = b" " * MIB
    framed = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    return raw_post(emu, "/sandbox/book", "Transfer-Encoding: chunked\r\n", (framed for _ in range(1024)))


def gzip_1mb(emu):
    """About 1 MB of gzip that inflates to 1 GiB of spaces."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b" " * (16 * MIB)
    packed = b"".join(z.compress(block) for _ in range(64)) + z.flush()
    token = emu.token()
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip", "Authorization": f"Bearer {token}"}
    status, data = emu.call("POST", "/api/slot", packed, headers)
    return f"{status} ({len(packed)} bytes of gzip)"


class Flood(BaseHTTPRequestHandler):
    """A hostile webhook: the probe answers 200, a booking answers 2 GiB without a length."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.end_headers()
        piece = b" " * MIB
        try:
            for _ in range(2048):
                self.wfile.write(piece)
        except OSError:
            pass


def webhook_2gib(emu):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Flood)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token = emu.token()
    auth = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    mo = {"id": MO_ID, "parent_id": USERNAME, "branch_oid": USERNAME + ".0.163227", "name": "Поликлиника №1",
          "address": "г. Москва, ул. Тестовая, д. 1", "enabled": "ALL", "create_ts": "2023-10-01T09:00:00",
          "tag_age": "ALL"}
    resource = {"id": RESOURCE_ID, "type": "ROOM", "mo_id": MO_ID, "enabled": "ALL",
                "create_ts": "2023-10-01T09:00:00", "room_number": "101", "room_name": "Кабинет"}
    slot = {"id": SLOT_ID, "mo_id": MO_ID, "resource_id": RESOURCE_ID, "tag_type": "EPGU", "tag_age": "ALL",
            "visit_time": "2024-03-28T05:00:00", "duration": 20, "status": "AVAILABLE",
            "create_ts": "2023-10-01T09:00:00"}
    for path, record in [("/api/mo", mo), ("/api/resource", resource), ("/api/slot", slot)]:
        status, data = emu.call("POST", path, json.dumps({"data": [record]}), auth)
        assert status == 200, data
    address = f"http://127.0.0.1:{server.server_address[1]}"
    status, data = emu.call("POST", "/api/callback", json.dumps({"address": address}), auth)
    assert status == 200, data
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "fixtures", "spec", "004", "booking_request.json")) as f:
        booking = json.load(f)
    booking["slot_id"] = SLOT_ID
    status, data = emu.call("POST", "/sandbox/book", json.dumps(booking), {"Content-Type": "application/json"})
    server.shutdown()
    return f"{status} {json.loads(data).get('error', {}).get('kind')}"


def journal_12000(emu):
    """12,000 unauthenticated calls with a 48 KiB query each, then one read of the journal."""
    query = "x" * (48 * 1024)
    c = emu.conn()
    for i in range(12_000):
        c.request("GET", f"/api/slot?id={i}&q={query}")
        c.getresponse().read()
    c.close()
    status, data = emu.call("GET", "/sandbox/journal")
    everything = 0
    offset = 0
    while True:
        s, page = emu.call("GET", f"/sandbox/journal?offset={offset}")
        entries = json.loads(page)
        if s != 200 or not entries:
            break
        everything += len(page)
        offset += len(entries)
    return f"{status}, first page {len(data)} bytes, all pages {everything} bytes in {offset} entries"


SCENARIOS = {
    "sandbox-1gib-declared": sandbox_1gib_declared,
    "sandbox-1gib-chunked": sandbox_1gib_chunked,
    "gzip-1mb-to-1gib": gzip_1mb,
    "webhook-answer-2gib": webhook_2gib,
    "journal-12000x48kib": journal_12000,
}


def main():
    args = sys.argv[1:]
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    binary = os.path.join(target, "release", "fer-emulator")
    if args and os.path.sep in args[0]:
        binary = args.pop(0)
    names = args or list(SCENARIOS)
    print(f"{'scenario':<24} {'idle MB':>8} {'peak MB':>8} {'over idle':>10}  answer")
    for name in names:
        emu = Emulator(binary)
        try:
            idle = emu.idle_kib()
            started = time.monotonic()
            answer = SCENARIOS[name](emu)
            took = time.monotonic() - started
            peak = emu.peak_kib()
        finally:
            emu.stop()
        print(f"{name:<24} {idle / 1024:8.1f} {peak / 1024:8.1f} {(peak - idle) / 1024:10.1f}  {answer} ({took:.1f} s)")


if __name__ == "__main__":
    main()
