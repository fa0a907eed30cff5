"""Driver of bench/match/run.sh: Vigie's PdqIndex against FAISS binary indexes on the same data and queries.

Each index runs in its own process (so resident-memory deltas are clean and memory is returned between runs),
single-threaded. Queries: the first half near-duplicates of indexed entries, the second half uniform random
(interleaved). FAISS's IndexBinaryFlat range search is exact: it is the ground truth for recall, on the first
queries (as many as Flat had time for). Rates are given per wall-clock second and per CPU second of the
searching thread (the machine is shared: the CPU-second figure is the one that load does not distort).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

THRESHOLD = 31


def rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def faiss_child(args):
    """Runs one FAISS index; prints a JSON line; saves results of the queries it ran."""
    import faiss
    import numpy as np

    faiss.omp_set_num_threads(1)
    rss0 = rss_bytes()
    data = np.fromfile(args.data, dtype=np.uint8).reshape(-1, 32)
    queries = np.fromfile(args.queries, dtype=np.uint8).reshape(-1, 32)[: args.count]
    rss1 = rss_bytes()
    if args.index == "flat":
        index = faiss.IndexBinaryFlat(256)
    elif args.index == "mh16":
        index = faiss.IndexBinaryMultiHash(256, 16, 16)
        index.nflip = 1
    elif args.index == "mh12":
        index = faiss.IndexBinaryMultiHash(256, 12, 21)
        index.nflip = 2
    else:
        raise SystemExit(f"unknown index {args.index}")
    start = time.perf_counter()
    index.add(data)
    build = time.perf_counter() - start
    rss2 = rss_bytes()
    n = data.shape[0]
    # The data array stays alive (FAISS copies it): the index's memory is the delta over loading it.
    index_bytes = rss2 - rss1
    best_wall, best_cpu = float("inf"), float("inf")
    result = None
    for _ in range(args.passes):
        w0, c0 = time.perf_counter(), time.thread_time()
        # FAISS binary range search keeps distances < radius: radius 32 means distance <= 31.
        result = index.range_search(queries, THRESHOLD + 1)
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.thread_time() - c0)
    lims, dist, labels = result
    keep = dist <= THRESHOLD  # in case a FAISS version includes the radius itself
    per_query = [sorted(labels[lims[i]:lims[i + 1]][keep[lims[i]:lims[i + 1]]].tolist()) for i in range(len(queries))]
    with open(args.results, "w") as f:
        json.dump(per_query, f)
    print(json.dumps({
        "index": args.index, "n": n, "queries": len(queries), "build_seconds": build,
        "queries_per_second": len(queries) / best_wall, "queries_per_cpu_second": len(queries) / max(best_cpu, 1e-9),
        "bytes_per_entry": index_bytes / n, "matches_per_query": sum(map(len, per_query)) / max(len(per_query), 1),
        "faiss_version": faiss.__version__,
    }))


def read_vigie_results(path, count):
    import numpy as np
    raw = np.fromfile(path, dtype=np.uint8)
    out, offset = [], 0
    while len(out) < count and offset < len(raw):
        k = int(raw[offset:offset + 4].view(np.uint32)[0])
        offset += 4
        out.append(sorted(raw[offset:offset + 8 * k].view(np.uint64).tolist()))
        offset += 8 * k
    return out


def recall(found, truth):
    total = sum(len(t) for t in truth)
    hit = sum(len(set(f) & set(t)) for f, t in zip(found, truth))
    exact = all(f == t for f, t in zip(found, truth))
    return (hit / total if total else 1.0), exact


def run(cmd):
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--faiss-child", action="store_true")
    parser.add_argument("--index")
    parser.add_argument("--data")
    parser.add_argument("--queries")
    parser.add_argument("--count", type=int)
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--results")
    parser.add_argument("--vigie")
    parser.add_argument("--testdata")
    parser.add_argument("--out")
    parser.add_argument("--sizes", default="1000000 10000000")
    parser.add_argument("--queries-total", dest="queries_total", type=int)
    args, _ = parser.parse_known_args()
    if args.faiss_child:
        return faiss_child(args)
    total_queries = int(sys.argv[sys.argv.index("--queries") + 1]) if "--queries" in sys.argv else 20000

    load = os.getloadavg()
    report = {"threshold": THRESHOLD, "load_before": load, "datasets": []}
    rows = []
    for n in [int(s) for s in args.sizes.split()]:
        big = n > 2_000_000
        for kind in ["uniform", "clustered"]:
            name = f"{kind}-{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{kind}-{n}"
            prefix = os.path.join(args.out, name)
            seed = {"uniform": 1, "clustered": 2}[kind] + n
            if not (os.path.exists(prefix + ".data") and os.path.exists(prefix + ".queries")
                    and os.path.getsize(prefix + ".data") == 32 * n
                    and os.path.getsize(prefix + ".queries") == 32 * total_queries):
                gen = run([args.vigie, "gen", "--kind", kind, "--n", str(n), "--queries", str(total_queries),
                           "--seed", str(seed), "--testdata", args.testdata, "--out", prefix])
            else:
                gen = {"kind": kind, "n": n, "queries": total_queries, "reused": True}
            print(f"[{name}] data ready: {gen}", file=sys.stderr, flush=True)

            vigie = run([args.vigie, "run", "--data", prefix + ".data", "--queries", prefix + ".queries",
                         "--threshold", str(THRESHOLD), "--passes", "3", "--results", prefix + ".vigie-results"])
            print(f"[{name}] vigie: {vigie}", file=sys.stderr, flush=True)

            # Query counts: slow indexes get fewer queries (rates are per second either way).
            counts = {"flat": 300 if big else 2000, "mh16": 1000 if big else 4000, "mh12": 2000 if big else 8000}
            faiss = {}
            for index in ["flat", "mh16", "mh12"]:
                result_path = f"{prefix}.{index}-results.json"
                faiss[index] = run([sys.executable, __file__, "--faiss-child", "--index", index,
                                    "--data", prefix + ".data", "--queries", prefix + ".queries",
                                    "--count", str(counts[index]), "--passes", "1" if big else "2",
                                    "--results", result_path])
                print(f"[{name}] faiss {index}: {faiss[index]}", file=sys.stderr, flush=True)
            truth_count = faiss["flat"]["queries"]
            with open(f"{prefix}.flat-results.json") as f:
                truth = json.load(f)
            for index in ["flat", "mh16", "mh12"]:
                with open(f"{prefix}.{index}-results.json") as f:
                    found = json.load(f)[:truth_count]
                faiss[index]["recall"], faiss[index]["exact"] = recall(found, truth)
            vigie["recall"], vigie["exact"] = recall(read_vigie_results(prefix + ".vigie-results", truth_count), truth)

            fastest = max(faiss.values(), key=lambda r: r["queries_per_second"])
            fastest_cpu = max(faiss.values(), key=lambda r: r["queries_per_cpu_second"])
            vigie["ratio_wall"] = vigie["queries_per_second"] / fastest["queries_per_second"]
            vigie["ratio_cpu"] = vigie["queries_per_cpu_second"] / fastest_cpu["queries_per_cpu_second"]
            report["datasets"].append({"name": name, "n": n, "kind": kind, "generated": gen, "vigie": vigie, "faiss": faiss})
            label = {"flat": "FAISS IndexBinaryFlat", "mh16": "FAISS MultiHash(256,16,16) 1 flip",
                     "mh12": "FAISS MultiHash(256,12,21) 2 flips"}
            for key, r in [("vigie", vigie)] + list(faiss.items()):
                rows.append((f"{n:,}", kind, "Vigie PdqIndex" if key == "vigie" else label[key],
                             f"{r['queries_per_second']:,.0f}", f"{r['queries_per_cpu_second']:,.0f}",
                             f"{r['build_seconds']:.2f}", f"{r['bytes_per_entry']:.1f}"
                             + (f" ({r['rss_delta_bytes_per_entry']:.1f} RSS)" if key == "vigie" else " (RSS)"),
                             f"{r['recall']:.4f}" + ("" if r["exact"] or key != "vigie" else " NOT EXACT"),
                             str(r["queries"]),
                             f"{vigie['ratio_wall']:.1f}x / {vigie['ratio_cpu']:.1f}x" if key == "vigie" else ""))
            with open(os.path.join(args.out, "results.json"), "w") as f:
                json.dump(report, f, indent=1)

    report["load_after"] = os.getloadavg()
    header = ("entries", "data", "index", "queries/s (wall)", "queries/s (CPU)", "build s", "bytes/entry",
              "recall", "queries", "Vigie vs fastest FAISS (wall / CPU)")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    text = "\n".join(lines) + (
        f"\n\nThreshold: distance <= {THRESHOLD}; single-threaded; recall against IndexBinaryFlat (exact) on the "
        f"first queries. Load average before: {load[0]:.2f}, after: {report['load_after'][0]:.2f} (2 cores).\n")
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(report, f, indent=1)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(text)
    print(text)
    bad = [d["name"] for d in report["datasets"] if not d["vigie"]["exact"]]
    if bad:
        print(f"Vigie's results differ from the exact ground truth on: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
