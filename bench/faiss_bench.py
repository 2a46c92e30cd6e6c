#!/usr/bin/python3
"""FAISS side of the retrieval comparison: IndexHNSWFlat (inner product) over the same keys, queries and ground
truth as `jomed benchmark-retrieval`, sweeping M and efSearch on 1 and 2 threads, plus exact IndexFlatIP. Writes
the same JSON shape (engine "faiss") for bench/report.py.

QPS is measured on one batched search call over all queries (FAISS parallelises a batch over its OpenMP threads),
which is FAISS's fastest way; latency p50 is measured with one query per call on one thread.
"""
import argparse
import ctypes
import json
import os
import time

import faiss
import numpy as np

K = 10


def set_threads(n):
    """OpenMP threads for FAISS, and OpenBLAS's own pool (exact batched search) to the same count."""
    faiss.omp_set_num_threads(n)
    try:
        ctypes.CDLL("libblas.so.3").openblas_set_num_threads(n)
    except (OSError, AttributeError):
        pass  # not OpenBLAS: the reference BLAS is single-threaded


def recall(ids, gold):
    return float(np.mean([len(set(ids[q]).intersection(gold[q, :K])) / K for q in range(len(ids))]))


def index_bytes(index):
    return int(faiss.serialize_index(index).nbytes)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--base", required=True)
    p.add_argument("--queries", required=True)
    p.add_argument("--truth", required=True)
    p.add_argument("--label", required=True)
    p.add_argument("--m", default="16")
    p.add_argument("--breadth", default="10,20,40,80,160,320")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--build-threads", type=int, default=2)
    p.add_argument("--ef-construction", type=int, default=100)
    p.add_argument("--exact-queries", type=int, default=100)
    p.add_argument("--min-seconds", type=float, default=2.0)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    base = np.load(a.base)
    queries = np.load(a.queries)
    gold = np.load(a.truth)
    threads = [int(t) for t in a.threads.split(",")]
    breadths = [int(b) for b in a.breadth.split(",")]
    builds, searches, exact = [], [], []
    for m in [int(x) for x in a.m.split(",")]:
        set_threads(a.build_threads)
        index = faiss.IndexHNSWFlat(base.shape[1], m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = a.ef_construction
        t0 = time.perf_counter()
        index.add(base)
        build_s = time.perf_counter() - t0
        builds.append({"quantization": "NONE", "m": m, "beam_width": a.ef_construction, "build_threads": a.build_threads,
                       "add_seconds": build_s, "merge_seconds": 0.0, "build_seconds": build_s,
                       "bytes": index_bytes(index), "segments": 1})
        print(f"  faiss built M={m}: {build_s:.1f} s", flush=True)
        set_threads(1)
        index.hnsw.efSearch = max(breadths)
        index.search(queries[:300], K)  # warm-up
        for breadth in breadths:
            index.hnsw.efSearch = max(K, breadth)
            lat = []
            for q in range(min(200, len(queries))):
                t0 = time.perf_counter()
                index.search(queries[q:q + 1], K)
                lat.append(time.perf_counter() - t0)
            lat.sort()
            for t in threads:
                set_threads(t)
                t0 = time.perf_counter()
                _, ids = index.search(queries, K)
                done = len(queries)
                while time.perf_counter() - t0 < a.min_seconds:
                    index.search(queries, K)
                    done += len(queries)
                seconds = time.perf_counter() - t0
                searches.append({"quantization": "NONE", "m": m, "breadth": max(K, breadth), "threads": t,
                                 "queries": int(len(queries)), "qps": done / seconds, "recall_at10": recall(ids, gold),
                                 "p50_ms": lat[len(lat) // 2] * 1e3, "p99_ms": lat[int(np.ceil(len(lat) * 0.99)) - 1] * 1e3})
                s = searches[-1]
                print(f"  faiss M={m} efSearch {s['breadth']}, {t} thread(s): {s['qps']:.0f} q/s, recall@10 "
                      f"{s['recall_at10']:.4f}", flush=True)
            set_threads(1)
        del index
    if a.exact_queries > 0:
        flat = faiss.IndexFlatIP(base.shape[1])
        flat.add(base)
        n = min(a.exact_queries, len(queries))
        for t in threads:
            set_threads(t)
            flat.search(queries[:2], K)
            t0 = time.perf_counter()
            ids = np.concatenate([flat.search(queries[q:q + 1], K)[1] for q in range(n)])
            one = time.perf_counter() - t0
            t0 = time.perf_counter()
            _, batch_ids = flat.search(queries[:n], K)
            batched = time.perf_counter() - t0
            exact.append({"threads": t, "queries": n, "qps": n / one, "recall_at10": recall(ids, gold[:n]),
                          "p50_ms": one / n * 1e3, "qps_batched": n / batched,
                          "recall_at10_batched": recall(batch_ids, gold[:n])})
            print(f"  faiss exact, {t} thread(s): {n / one:.1f} q/s one query per call, {n / batched:.1f} q/s in one batch",
                  flush=True)
    out = {"engine": "faiss", "label": a.label, "date": time.strftime("%Y-%m-%d"), "n": int(base.shape[0]),
           "dimension": int(base.shape[1]), "queries": int(len(queries)), "k": K,
           "versions": {"faiss": faiss.__version__, "numpy": np.__version__},
           "builds": builds, "searches": searches, "exact": exact}
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    print(f"JSON report: {a.out}")


if __name__ == "__main__":
    main()
