#!/usr/bin/env python3
"""Posts distinct removal orders to a Vigie server from several clients for a while, and
records what was acknowledged, so that a fault script can compare it with what is stored.

Writes one acknowledged submission id per line to --out (appending), and prints a one-line JSON
summary: answers by status, 503s with Retry-After, and latency percentiles of failures (how fast
the server says "not now"). Standard library only.
"""

import argparse
import http.client
import json
import threading
import time
import urllib.parse


def removal_order(reference):
    return {
        "kind": "removal_order",
        "issuing_authority": "OFAC",
        "member_state": "FR",
        "reference": reference,
        "issued_at": "2026-12-01T08:00:00Z",
        "urls": [f"https://video.example.net/watch?v={reference}"],
        "grounds": ["a"],
        "statement_of_reasons": "Glorifies the attack of 1 December.",
        "cross_border": False,
        "redress": "Tribunal administratif de Paris",
    }


def client(base, token, prefix, deadline, results, lock, index):
    parsed = urllib.parse.urlparse(base)
    connection = None
    sequence = 0
    while time.monotonic() < deadline:
        sequence += 1
        body = json.dumps(removal_order(f"{prefix}-{index}-{sequence}")).encode()
        started = time.monotonic()
        try:
            if connection is None:
                connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
            connection.request(
                "POST",
                "/v1/submissions",
                body=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            payload = response.read()
            status = response.status
            retry_after = response.getheader("Retry-After")
        except (OSError, http.client.HTTPException):
            if connection is not None:
                connection.close()
            connection = None
            status, payload, retry_after = "connection-error", b"", None
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        with lock:
            results["statuses"][str(status)] = results["statuses"].get(str(status), 0) + 1
            if status == 201:
                results["acknowledged"].append(json.loads(payload)["id"])
            else:
                results["failure_seconds"].append(elapsed)
                if status == 503 and retry_after:
                    results["retry_after"] += 1
        if status != 201:
            # A client that honours "not now" without hammering: a short pause, not Retry-After's
            # full wait, so the phase keeps probing.
            time.sleep(0.05)


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 3)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--out", required=True)
    arguments = parser.parse_args()
    results = {"statuses": {}, "acknowledged": [], "failure_seconds": [], "retry_after": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + arguments.seconds
    threads = [
        threading.Thread(
            target=client,
            args=(arguments.url, arguments.token, arguments.prefix, deadline, results, lock, index),
        )
        for index in range(arguments.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with open(arguments.out, "a", encoding="utf-8") as out:
        for identifier in results["acknowledged"]:
            out.write(identifier + "\n")
    failures = results["failure_seconds"]
    print(
        json.dumps(
            {
                "phase": arguments.prefix,
                "acknowledged": len(results["acknowledged"]),
                "statuses": results["statuses"],
                "503_with_retry_after": results["retry_after"],
                "failure_p50_s": percentile(failures, 0.5),
                "failure_max_s": round(max(failures), 3) if failures else None,
            }
        )
    )


if __name__ == "__main__":
    main()
