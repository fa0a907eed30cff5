#!/usr/bin/env python3
"""Polls GET /readyz every half second until stopped (SIGTERM) and prints, per phase named in
a file the fault script rewrites, how often the server said ready or not and its slowest answer.
Standard library only."""

import argparse
import http.client
import json
import signal
import time
import urllib.parse


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--phase-file", required=True)
    arguments = parser.parse_args()
    parsed = urllib.parse.urlparse(arguments.url)
    phases = {}
    running = True

    def stop(*_):
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    while running:
        try:
            with open(arguments.phase_file, encoding="utf-8") as phase_file:
                phase = phase_file.read().strip() or "?"
        except OSError:
            phase = "?"
        started = time.monotonic()
        try:
            connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
            connection.request("GET", "/readyz")
            status = str(connection.getresponse().status)
            connection.close()
        except (OSError, http.client.HTTPException):
            status = "connection-error"
        elapsed = time.monotonic() - started
        counts = phases.setdefault(phase, {"answers": {}, "slowest_s": 0.0})
        counts["answers"][status] = counts["answers"].get(status, 0) + 1
        counts["slowest_s"] = round(max(counts["slowest_s"], elapsed), 3)
        time.sleep(0.5)
    print(json.dumps({"readyz": phases}))


if __name__ == "__main__":
    main()
