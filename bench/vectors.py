#!/usr/bin/python3
"""Builds the benchmark's vector sets from real jomed keys, deterministically.

Input: a folder of (N, D) float32 .npy matrices written by `jomed export-embeddings` (f0 image keys of the
MedMNIST datasets, g0 MiniLM keys of the VQA-RAD questions). Output, per set, in OUT/SET/:
base.npy (keys), queries.npy, truth.npy (exact top-10 base rows per query by inner product, FAISS IndexFlatIP).

Sets: `real` (the real keys; a held-out sample of them are the queries) and one set per --sizes entry: keys
clustered around the real keys. A generated key is a point between a real key c and one of c's 10 nearest real
neighbours (t ~ U(0, 0.5) of the way), plus Gaussian noise whose norm is about half the median nearest-neighbour
distance of the real keys, normalised to unit length. Queries of a generated set come from the same process with
another random stream, so they are new points near known ones, as a clinic's new cases are.
"""
import argparse
import glob
import json
import os
import sys
import time

import faiss
import numpy as np


def unit(x):
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def load_real(folder):
    files = sorted(glob.glob(os.path.join(folder, "*.npy")))
    if not files:
        sys.exit(f"vectors.py: no .npy matrices in {folder}; run `jomed export-embeddings` first")
    parts = []
    for f in files:
        a = np.load(f)
        if a.ndim != 2 or a.dtype != np.float32:
            sys.exit(f"vectors.py: {f}: expected an (N, D) float32 matrix, got {a.dtype} {a.shape}")
        parts.append(a)
        print(f"  real keys: {os.path.basename(f)} {a.shape}", file=sys.stderr)
    dims = {p.shape[1] for p in parts}
    if len(dims) != 1:
        sys.exit(f"vectors.py: the matrices in {folder} differ in dimension: {sorted(dims)}")
    return unit(np.concatenate(parts)), [os.path.basename(f) for f in files]


def neighbours(real, k=10):
    index = faiss.IndexFlatIP(real.shape[1])
    index.add(real)
    sims, ids = index.search(real, k + 1)
    return sims[:, 1:], ids[:, 1:]


def generate(real, nn_ids, sigma, n, rng, batch=100_000):
    d = real.shape[1]
    out = np.empty((n, d), dtype=np.float32)
    for start in range(0, n, batch):
        m = min(batch, n - start)
        c = rng.integers(0, real.shape[0], m)
        nb = nn_ids[c, rng.integers(0, nn_ids.shape[1], m)]
        t = rng.uniform(0.0, 0.5, (m, 1)).astype(np.float32)
        x = (1 - t) * real[c] + t * real[nb]
        x += rng.standard_normal((m, d), dtype=np.float32) * np.float32(sigma / np.sqrt(d))
        out[start:start + m] = unit(x)
    return out


def truth(base, queries, k=10):
    index = faiss.IndexFlatIP(base.shape[1])
    index.add(base)
    _, ids = index.search(queries, k)
    return ids.astype(np.int32)


def save(folder, base, queries, meta):
    os.makedirs(folder, exist_ok=True)
    t0 = time.time()
    gt = truth(base, queries)
    np.save(os.path.join(folder, "base.npy"), base)
    np.save(os.path.join(folder, "queries.npy"), queries)
    np.save(os.path.join(folder, "truth.npy"), gt)
    meta = dict(meta, n=int(base.shape[0]), queries=int(queries.shape[0]), dimension=int(base.shape[1]),
                truth_seconds=round(time.time() - t0, 1))
    with open(os.path.join(folder, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"  {folder}: base {base.shape}, queries {queries.shape}, truth in {meta['truth_seconds']} s", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--real", required=True, help="folder of real key matrices (.npy)")
    p.add_argument("--out", required=True)
    p.add_argument("--sizes", default="100000,1000000", help="generated set sizes, comma-separated")
    p.add_argument("--queries", type=int, default=1000, help="queries per generated set")
    p.add_argument("--real-queries", type=int, default=300, help="real keys held out as queries of the real set")
    p.add_argument("--seed", type=int, default=20261128)
    a = p.parse_args()
    faiss.omp_set_num_threads(os.cpu_count())
    real, files = load_real(a.real)
    rng = np.random.default_rng(a.seed)
    perm = rng.permutation(real.shape[0])
    held = perm[:a.real_queries]
    save(os.path.join(a.out, "real"), real[perm[a.real_queries:]], real[held],
         {"label": "real", "sources": files, "generator": "real keys; queries are held-out real keys"})
    sims, nn_ids = neighbours(real)
    nn_dist = np.sqrt(np.maximum(0.0, 2 - 2 * sims[:, 0]))
    sigma = 0.5 * float(np.median(nn_dist))
    for size in [int(s) for s in a.sizes.split(",") if s]:
        label = f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}M"
        base = generate(real, nn_ids, sigma, size, np.random.default_rng([a.seed, size, 0]))
        queries = generate(real, nn_ids, sigma, a.queries, np.random.default_rng([a.seed, size, 1]))
        save(os.path.join(a.out, label), base, queries,
             {"label": label, "sources": files, "real_keys": int(real.shape[0]), "noise_norm": round(sigma, 4),
              "median_real_nn_distance": round(float(np.median(nn_dist)), 4),
              "generator": "between a real key and one of its 10 nearest real keys (t ~ U(0, 0.5)) plus Gaussian noise, "
                           "unit-normalised"})


if __name__ == "__main__":
    main()
