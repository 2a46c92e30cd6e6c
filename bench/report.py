#!/usr/bin/python3
"""Writes BENCHMARKS.md from the JSON files of one bench/run.sh run (speed only; accuracy lives in RESULTS.md)."""
import argparse
import glob
import json
import os
import time

GOAL_RECALL = 0.98


def load(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def slope(samples, column, skip_first):
    pts = samples[1:] if skip_first and len(samples) > 2 else samples
    n = len(pts)
    if n < 2:
        return float("nan")
    mx = sum(p[0] for p in pts) / n
    my = sum(p[column] for p in pts) / n
    den = sum((p[0] - mx) ** 2 for p in pts)
    return 1000 * sum((p[0] - mx) * (p[column] - my) for p in pts) / den if den else float("nan")


def best_at_recall(searches, quantization, m, threads):
    """Highest QPS among breadths whose recall@10 reaches the goal, with that breadth and recall."""
    ok = [s for s in searches if s["quantization"] == quantization and s["m"] == m and s["threads"] == threads
          and s["recall_at10"] >= GOAL_RECALL]
    return max(ok, key=lambda s: s["qps"]) if ok else None


def graph_keys(quantization):
    return "float" if quantization == "NONE" else quantization.lower()


def fmt(x, digits=0):
    return "-" if x is None else f"{x:,.{digits}f}"


def retrieval_section(run):
    out = []
    sets = []
    labels = {os.path.basename(p)[len("retrieval-faiss-"):-len(".json")]
              for p in glob.glob(os.path.join(run, "retrieval-faiss-*.json"))}
    labels |= {os.path.basename(p)[len("retrieval-jomed-"):-len(".json")]
               for p in glob.glob(os.path.join(run, "retrieval-jomed-*.json"))
               if not p.endswith(("-float.json", "-int8.json"))}

    def size(label):
        meta = load(os.path.join(run, "vectors", label, "meta.json"))
        return meta["n"] if meta else 0

    for label in sorted(labels, key=lambda l: (l != "real", size(l))):
        j = load(os.path.join(run, f"retrieval-jomed-{label}.json"))
        f = load(os.path.join(run, f"retrieval-faiss-{label}.json"))
        meta = load(os.path.join(run, "vectors", label, "meta.json"))
        if j or f:
            sets.append((label, j, f, meta))
    if not sets:
        return ["## Retrieval\n", "Not run.\n"]
    out.append("## 1. Retrieval: jomed's Lucene HNSW vs FAISS HNSW vs exact search\n")
    out.append("Keys are 384-d unit vectors. `real`: the keys jomed's own encoders give the shared datasets "
               "(`jomed export-embeddings`: f0 image keys of all BreastMNIST and RetinaMNIST images, f0 aligned on each "
               "dataset's train split; g0 MiniLM keys of the distinct VQA-RAD questions), queries held-out real keys. "
               "`100k` and `1M`: keys generated deterministically around the real keys (`bench/vectors.py`: between a real "
               "key and one of its 10 nearest real keys plus Gaussian noise, unit length); queries are 1,000 new points "
               "from the same process. Ground truth: exact top 10 by inner product (FAISS `IndexFlatIP`).\n")
    out.append("jomed: `LuceneKeyIndex` (the key storage and search of the knowledge base: Lucene HNSW graph, search "
               "with Lucene's k = breadth, exact double-precision rescoring with the full-precision keys, top 10), built "
               "on one indexing thread (one graph; `forceMerge(1)` where Lucene flushed more than one segment), beam "
               "width 100; `INT8` stores "
               "the graph's keys as 8-bit scalars (Lucene104HnswScalarQuantizedVectorsFormat) and rescores exactly. "
               "FAISS: `IndexHNSWFlat` (inner product, efConstruction 100, efSearch = breadth), built with 2 OpenMP "
               "threads. QPS: jomed runs one query per call on each thread (1 or 2 Java threads); FAISS runs one batched "
               "call over all queries, parallelised over its OpenMP threads (its fastest mode). Each configuration runs "
               "at least 2 s.\n")
    goal_rows = []
    for label, j, f, meta in sets:
        n = (j or f)["n"]
        out.append(f"### {label}: {n:,} keys, {(j or f)['queries']:,} queries\n")
        if meta and label != "real":
            out.append(f"Generated around {meta.get('real_keys', '?'):,} real keys; noise norm {meta.get('noise_norm')} "
                       f"(half the median nearest-neighbour distance of the real keys, {meta.get('median_real_nn_distance')}).\n")
        builds = (j["builds"] if j else []) + (f["builds"] if f else [])
        out.append("| engine | graph keys | M | build threads | build s | of it merge s | size MiB |")
        out.append("|---|---|---|---|---|---|---|")
        for engine, data in (("jomed", j), ("FAISS", f)):
            for b in (data["builds"] if data else []):
                out.append(f"| {engine} | {graph_keys(b['quantization']) if engine == 'jomed' else 'float'} | {b['m']} | "
                           f"{b['build_threads']} | {b['build_seconds']:.1f} | {b['merge_seconds']:.1f} | {b['bytes'] / 1048576:.1f} |")
        out.append("")
        ms = sorted({s["m"] for s in (j["searches"] if j else []) + (f["searches"] if f else [])})
        for m in ms:
            columns = []
            if j:
                for q in sorted({s["quantization"] for s in j["searches"] if s["m"] == m}, key=lambda x: x != "NONE"):
                    columns.append(("jomed " + ("float" if q == "NONE" else q.lower()), j["searches"], q))
            if f and any(s["m"] == m for s in f["searches"]):
                columns.append(("FAISS", f["searches"], "NONE"))
            breadths = sorted({s["breadth"] for _, ss, q in columns for s in ss if s["m"] == m and s["quantization"] == q})
            head = "| breadth |" + "".join(f" {c[0]} recall@10 | {c[0]} q/s 1 thread | {c[0]} q/s 2 threads |" for c in columns)
            out.append(f"M = {m}:\n")
            out.append(head)
            out.append("|---|" + "---|" * (3 * len(columns)))
            for b in breadths:
                row = f"| {b} |"
                for _, ss, q in columns:
                    one = next((s for s in ss if s["m"] == m and s["quantization"] == q and s["breadth"] == b and s["threads"] == 1), None)
                    two = next((s for s in ss if s["m"] == m and s["quantization"] == q and s["breadth"] == b and s["threads"] == 2), None)
                    row += f" {fmt(one and one['recall_at10'], 4)} | {fmt(one and one['qps'])} | {fmt(two and two['qps'])} |"
                out.append(row)
            out.append("")
            for threads in (1, 2):
                fa = best_at_recall(f["searches"], "NONE", m, threads) if f else None
                for q in ("NONE", "INT8"):
                    jo = best_at_recall(j["searches"], q, m, threads) if j else None
                    if jo is None and not (j and any(s["quantization"] == q and s["m"] == m for s in j["searches"])):
                        continue
                    goal_rows.append((label, m, threads, q, jo, fa))
        if (j and j["exact"]) or (f and f["exact"]):
            out.append("Exact search (100 queries):\n")
            out.append("| engine | threads | q/s | recall@10 |")
            out.append("|---|---|---|---|")
            for e in (j["exact"] if j else []):
                out.append(f"| jomed exact scan (`searchExact`, one query per call) | {e['threads']} | {e['qps']:,.1f} | {e['recall_at10']:.4f} |")
            for e in (f["exact"] if f else []):
                out.append(f"| FAISS IndexFlatIP, one query per call | {e['threads']} | {e['qps']:,.1f} | {e['recall_at10']:.4f} |")
                out.append(f"| FAISS IndexFlatIP, 100 queries in one call (BLAS) | {e['threads']} | {e['qps_batched']:,.1f} | {e['recall_at10_batched']:.4f} |")
            out.append("")
    out.append(f"### Goals: QPS at recall@10 >= {GOAL_RECALL}\n")
    out.append("Best QPS over the breadths whose recall@10 reaches the goal, per engine, set, M and thread count; "
               "ratio = jomed / FAISS HNSW (goal >= 1.0).\n")
    out.append("| set | M | threads | jomed graph keys | jomed breadth, recall, q/s | FAISS efSearch, recall, q/s | ratio |")
    out.append("|---|---|---|---|---|---|---|")
    for label, m, threads, q, jo, fa in goal_rows:
        jtxt = f"{jo['breadth']}, {jo['recall_at10']:.4f}, {jo['qps']:,.0f}" if jo else "goal recall not reached"
        ftxt = f"{fa['breadth']}, {fa['recall_at10']:.4f}, {fa['qps']:,.0f}" if fa else "goal recall not reached"
        ratio = f"**{jo['qps'] / fa['qps']:.2f}**" if jo and fa else "-"
        out.append(f"| {label} | {m} | {threads} | {q.lower() if q != 'NONE' else 'float'} | {jtxt} | {ftxt} | {ratio} |")
    out.append("")
    one_m = [s for s in sets if s[0] == "1M"] or [s for s in sets if s[0] != "real"][-1:]
    if one_m:
        _, j, f, _ = one_m[0]
        out.append(f"HNSW over exact search at {one_m[0][0]} (goal at 1M >= 20x), one thread, M = 16, at recall@10 >= 0.98:\n")
        out.append("| jomed HNSW q/s | over jomed exact scan | over FAISS exact, one query per call | over FAISS exact, batched |")
        out.append("|---|---|---|---|")
        jo = best_at_recall(j["searches"], "NONE", 16, 1) if j else None
        je = next((e for e in (j["exact"] if j else []) if e["threads"] == 1), None)
        fe = next((e for e in (f["exact"] if f else []) if e["threads"] == 1), None)
        if jo:
            out.append(f"| {jo['qps']:,.0f} | {fmt(je and jo['qps'] / je['qps'], 1)}x | {fmt(fe and jo['qps'] / fe['qps'], 1)}x | "
                       f"{fmt(fe and jo['qps'] / fe['qps_batched'], 1)}x |")
        out.append("")
    return out


def training_section(run):
    j = load(os.path.join(run, "training-jomed.json"))
    torch_runs = [load(p) for p in sorted(glob.glob(os.path.join(run, "training-pytorch*.json")))]
    torch_results = [r for t in torch_runs if t for r in t["results"]]
    if not j:
        return ["## 2. Training steps\n", "Not run.\n"]
    out = ["## 2. Training steps: jomed (DJL, libtorch) vs PyTorch-Python\n"]
    tv = torch_runs[0]["versions"] if torch_runs and torch_runs[0] else {}
    out.append(f"Same architecture and batch on both sides (reader {j['parameters'].get('reader', '?'):,} parameters, image "
               f"tower {j['parameters'].get('tower', '?'):,}); inputs: {j.get('inputs', '')}. jomed: DJL "
               f"{j['versions'].get('djl', '?')} with libtorch {j['versions'].get('torch', '?')}; PyTorch "
               f"{tv.get('torch', '?')} (Debian) with OpenBLAS. Both pinned to the thread count (intra-op threads; "
               "inter-op 1; OpenBLAS threads the same). Phase-1 step: one reader training step on 32 rows (forward, "
               "loss, backward, AdamW). Phase-2 step: B = 2 queries, K = 50 candidates: the frozen reader scores the "
               "100 (query, case) pairs, the image tower embeds the queries with gradients, KL loss, backward, "
               "clipping, AdamW.\n")
    out.append("| step | threads | jomed ms (median) | PyTorch ms (median) | time(PyTorch) / time(jomed) |")
    out.append("|---|---|---|---|---|")
    for r in j["results"]:
        t = next((x for x in torch_results if x["step"] == r["step"] and x["threads"] == r["threads"]), None)
        ratio = f"**{t['ms_median'] / r['ms_median']:.2f}**" if t else "-"
        out.append(f"| {r['step']} | {r['threads']} | {r['ms_median']:.2f} | {fmt(t and t['ms_median'], 2)} | {ratio} |")
    out.append("")
    return out


def inference_section(run):
    d = load(os.path.join(run, "diagnose.json"))
    if not d:
        return ["## 3. Inference\n", "Not run.\n"]
    out = ["## 3. Inference: `diagnose` one query at a time vs batches of 16\n",
           f"`jomed benchmark-diagnose` on the bundle of `jomed train --dataset breastmnist --seed 1` (JOMED pipeline: "
           f"trained image head, classifier reader, 546-case knowledge base); {d['dataset']} test queries; "
           f"{d['seconds_per_run']} s per row; libtorch's intra-op threads pinned to {d.get('torch_threads', '?')} (0: one per core), "
           "so a row with n threads uses n cores. A call is one `Jomed.diagnose`: both towers on the query images, both "
           "heads' HNSW searches, one reader pass over all (query, case) pairs of the call, fusion. Threads call "
           "`diagnose` concurrently on one pipeline.\n",
           "| mode | threads | p50 ms per call | p99 ms per call | queries/s |", "|---|---|---|---|---|"]
    for r in d["runs"]:
        out.append(f"| {'one query per call' if r['batch'] == 1 else 'batch of %d' % r['batch']} | {r['threads']} | "
                   f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['qps']:,.1f} |")
    out.append("")
    for threads in (1, 2):
        single = next((r for r in d["runs"] if r["batch"] == 1 and r["threads"] == threads), None)
        batch = next((r for r in d["runs"] if r["batch"] > 1 and r["threads"] == threads), None)
        if single and batch:
            out.append(f"Batch throughput over one-query throughput, {threads} thread(s): **{batch['qps'] / single['qps']:.1f}x** (goal >= 3x).")
    out.append("")
    return out


def memory_section(run):
    d = load(os.path.join(run, "diagnose.json"))
    j = load(os.path.join(run, "training-jomed.json"))
    rows = []
    if d:
        rows.append((f"diagnose, one query per call", "calls", d["memory"]["samples"]))
    for m in (j.get("memory", []) if j else []):
        rows.append((f"training, {m['step']} steps", "steps", m["samples"]))
    if not rows:
        return ["## 4. Memory\n", "Not run.\n"]
    out = ["## 4. Memory over many calls and steps\n",
           "Heap used after a GC hint and resident set size (`/proc/self/status`), sampled every tenth of the run. "
           "Slopes are least-squares fits per 1,000 calls or steps, over all samples and without the first (taken "
           "before warm-up buffers settle). Goal: flat.\n",
           "| run | samples | heap MiB first -> last | resident MiB first -> last | heap slope / 1k (all; after first) | "
           "resident slope / 1k (all; after first) |", "|---|---|---|---|---|---|"]
    for name, unit, s in rows:
        out.append(f"| {name} | {len(s)} over {int(s[-1][0]):,} {unit} | {s[0][1]:.1f} -> {s[-1][1]:.1f} | "
                   f"{s[0][2]:.1f} -> {s[-1][2]:.1f} | {slope(s, 1, False):+.2f}; {slope(s, 1, True):+.2f} | "
                   f"{slope(s, 2, False):+.2f}; {slope(s, 2, True):+.2f} |")
    out.append("")
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--run", required=True, help="the run folder of bench/run.sh")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    machine = load(os.path.join(a.run, "machine.json")) or {}
    steps = load(os.path.join(a.run, "steps.json")) or {}
    lines = ["# Benchmarks", "",
             "Speed only (accuracy lives in `RESULTS.md`). Every table below is written by `bench/run.sh`; rerun it to "
             "reproduce them (it installs the peers from Debian's packages and takes about an hour on 2 cores). A run of "
             "some sections (`BENCH_SECTIONS=training bench/run.sh`) keeps the other sections' results; each section's "
             "results were written at the time given below.",
             "",
             f"- Date: {machine.get('date', '?')}; command: `{machine.get('command', 'bench/run.sh')}`; "
             f"total {steps.get('total_minutes', '?')} minutes.",
             f"- Machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, {machine.get('memory', '?')} memory, "
             f"{machine.get('os', '?')}; no GPU used.",
             f"- jomed: {machine.get('java', '?')} with `--add-modules jdk.incubator.vector`; Lucene "
             f"{machine.get('lucene', '?')}; DJL {machine.get('djl', '?')} with libtorch {machine.get('libtorch', '?')} (CPU).",
             f"- Peers (Debian packages, `/usr/bin/python3` {machine.get('python', '?')}): FAISS {machine.get('faiss', '?')}, "
             f"PyTorch {machine.get('torch', '?')}, numpy {machine.get('numpy', '?')}; system BLAS (numpy, FAISS): "
             f"{machine.get('blas', '?')}; PyTorch loads OpenBLAS's OpenMP build (see section 2).",
             ""]
    written = []
    for name, prefix in (("retrieval", "retrieval-"), ("training", "training-"), ("inference and diagnose memory", "diagnose")):
        times = [os.path.getmtime(os.path.join(a.run, f)) for f in os.listdir(a.run)
                 if f.startswith(prefix) and f.endswith(".json")]
        if times:
            written.append(f"{name} {time.strftime('%Y-%m-%d %H:%M', time.gmtime(max(times)))} UTC")
    if written:
        lines.append("Results written: " + "; ".join(written) + ".")
        lines.append("")
    if steps.get("seconds"):
        lines.append("Run time per step: " + ", ".join(f"{k} {v / 60:.1f} min" for k, v in steps["seconds"].items()) + ".")
        lines.append("")
    for section in (retrieval_section, training_section, inference_section, memory_section):
        lines.extend(section(a.run))
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "NOTES.md")
    if os.path.exists(notes):
        with open(notes) as f:
            lines.append(f.read().rstrip() + "\n")
    with open(a.out, "w") as f:
        f.write("\n".join(lines).rstrip() + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
