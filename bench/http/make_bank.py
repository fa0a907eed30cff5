"""Writes a bank file of N random PDQ hashes (one hex per line) and the wrk query list.

Half the queries are near-duplicates (1-15 bits flipped) of indexed hashes, half are random,
as in the matching benchmark. Deterministic (seeded). Synthetic data only.
"""
import random
import sys

count, bank_path, queries_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(20261201)
hashes = [rng.getrandbits(256) for _ in range(count)]
with open(bank_path, "w") as out:
    out.write("\n".join(f"{h:064x}" for h in hashes))
    out.write("\n")
queries = []
for index in range(1000):
    if index % 2 == 0:
        h = hashes[rng.randrange(count)]
        for _ in range(rng.randint(1, 15)):
            h ^= 1 << rng.randrange(256)
    else:
        h = rng.getrandbits(256)
    queries.append(f"{h:064x}")
with open(queries_path, "w") as out:
    out.write("\n".join(queries))
    out.write("\n")
