#!/usr/bin/env bash
# bench/run.sh: runs every comparison of BENCHMARKS.md on this machine and rewrites BENCHMARKS.md.
#
#   bench/run.sh            the full run (about an hour on 2 cores; run it with the machine otherwise idle)
#   BENCH_QUICK=1 bench/run.sh   a smoke run: 20k keys instead of 100k and 1M, short sweeps, few steps (~10 min)
#   BENCH_SECTIONS=retrieval bench/run.sh   only some of retrieval,training,inference (results of the others already
#                                           in the run folder stay and are reported with them)
#
# Installs the peers from Debian's packages when missing (python3-faiss, python3-torch, python3-numpy and
# libopenblas0-pthread, so that numpy, FAISS and PyTorch get an optimised BLAS rather than the reference one),
# builds jomed, exports real keys with jomed's encoders, generates the larger key sets, and runs:
#   1. retrieval: jomed's Lucene HNSW (float, int8) vs FAISS IndexHNSWFlat vs exact search (real, 100k, 1M keys)
#   2. training steps: jomed (DJL) vs the same networks in PyTorch-Python, 1 and 2 threads
#   3. inference: diagnose one query per call vs batches of 16, 1 and 2 threads
#   4. memory over 10,000 diagnose calls and 1,000 training steps
# Results: JSON under $JOMED_BENCH_DIR (default bench/out/, ignored by git), then BENCHMARKS.md.
# Not part of .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
quick=${BENCH_QUICK:-0}
sections=",${BENCH_SECTIONS:-retrieval,training,inference},"
run=${JOMED_BENCH_DIR:-$root/bench/out}
py=/usr/bin/python3
started=$(date +%s)

jdk=/usr/lib/jvm/temurin-25-jdk-amd64
if [ ! -x "$jdk/bin/java" ]; then
  echo "bench: JDK 25 is required at $jdk" >&2
  exit 1
fi
export JAVA_HOME=$jdk PATH="$jdk/bin:$PATH" DJL_OFFLINE=true
export DJL_CACHE_DIR=${DJL_CACHE_DIR:-$HOME/.cache/jomed/djl}
data=${JOMED_DATA_DIR:-$root/../shared/data}
if [ ! -f "$data/breastmnist/breastmnist.npz" ] || [ ! -f "$data/vqa-rad/VQA_RAD_Dataset_Public.json" ]; then
  echo "bench: datasets not found under $data (set JOMED_DATA_DIR)" >&2
  exit 1
fi
export JOMED_DATA_DIR=$(cd "$data" && pwd)

if ! "$py" -c 'import faiss, torch, numpy' 2>/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ]; then
  echo "bench: installing python3-faiss python3-torch python3-numpy libopenblas0-pthread from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-faiss python3-torch python3-numpy libopenblas0-pthread >/dev/null
fi

if [ -z "${BENCH_SECTIONS:-}" ]; then
  rm -rf "$run" # a full run starts clean; a run of some sections keeps the others' results for the report
fi
mkdir -p "$run"
declare -A seconds
order=()
step() { # step NAME COMMAND...: runs and times one step, output to $run/NAME.log
  local name=$1
  shift
  local t0
  t0=$(date +%s)
  echo "bench: $name ($(date -u +%H:%M:%S))"
  if ! "$@" >"$run/$name.log" 2>&1; then
    echo "bench: step $name failed; last lines of $run/$name.log:" >&2
    tail -20 "$run/$name.log" >&2
    exit 1
  fi
  seconds[$name]=$(( $(date +%s) - t0 ))
  order+=("$name")
}

step build ./jomed --help

# ---------------------------------------------------------------- machine facts
"$py" - "$run/machine.json" <<'EOF'
import json, os, platform, re, subprocess, sys, datetime
import faiss, numpy, torch
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
pom = open("pom.xml").read()
def prop(name):
    m = re.search(f"<{name}>([^<]+)</{name}>", pom)
    return m.group(1) if m else "?"
blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
os_name = next((l.split("=", 1)[1].strip().strip('"') for l in open("/etc/os-release") if l.startswith("PRETTY_NAME")), "?")
json.dump({"date": datetime.date.today().isoformat(), "command": "bench/run.sh" + (" (BENCH_QUICK=1)" if os.environ.get("BENCH_QUICK") == "1" else ""),
           "cpu": cpu, "cores": os.cpu_count(), "memory": f"{int(mem) / 1048576:.0f} GiB", "os": os_name, "java": java,
           "lucene": prop("lucene.version"), "djl": prop("djl.version"), "libtorch": prop("pytorch.version"),
           "python": platform.python_version(), "faiss": faiss.__version__, "torch": torch.__version__,
           "numpy": numpy.__version__, "blas": blas}, open(sys.argv[1], "w"), indent=1)
EOF

# ---------------------------------------------------------------- 1. retrieval
if [[ $sections == *,retrieval,* ]]; then
"$py" -c "
import json, sys
d = json.load(open('$JOMED_DATA_DIR/vqa-rad/VQA_RAD_Dataset_Public.json'))
open('$run/questions.txt', 'w').write('\n'.join(q['question'].replace('\n', ' ') for q in d) + '\n')"
  step export-embeddings ./jomed export-embeddings --dataset breastmnist,retinamnist --text-file "$run/questions.txt" --out "$run/embeddings"
if [ "$quick" = 1 ]; then
  sizes=20000; breadth=10,20,40,80; ms=16; min_s=0.5
else
  sizes=100000,1000000; breadth=10,15,20,30,40,60,80,120,160,240,320; ms=8,16,32; min_s=2
fi
step vectors "$py" bench/vectors.py --real "$run/embeddings" --out "$run/vectors" --sizes "$sizes"
jomed_retrieval() { # label, extra args
  local label=$1
  shift
  JOMED_JAVA_OPTS="-Xmx10g" ./jomed benchmark-retrieval --label "$label" --base "$run/vectors/$label/base.npy" \
    --queries "$run/vectors/$label/queries.npy" --truth "$run/vectors/$label/truth.npy" --breadth "$breadth" \
    --min-seconds "$min_s" --work-dir "$run/indexes" "$@"
}
faiss_retrieval() {
  local label=$1
  shift
  "$py" bench/faiss_bench.py --label "$label" --base "$run/vectors/$label/base.npy" --queries "$run/vectors/$label/queries.npy" \
    --truth "$run/vectors/$label/truth.npy" --breadth "$breadth" --min-seconds "$min_s" "$@"
}
for label in real $( [ "$quick" = 1 ] && echo 20k || echo 100k 1M ); do
  if [ "$label" = 100k ]; then label_ms=$ms; else label_ms=16; fi
  step "retrieval-jomed-$label" jomed_retrieval "$label" --m "$label_ms" --quantization NONE --out "$run/retrieval-jomed-$label-float.json"
  step "retrieval-jomed-$label-int8" jomed_retrieval "$label" --m 16 --quantization INT8 --exact-queries 0 \
    --out "$run/retrieval-jomed-$label-int8.json"
  "$py" - "$run/retrieval-jomed-$label.json" "$run/retrieval-jomed-$label-float.json" "$run/retrieval-jomed-$label-int8.json" <<'EOF'
import json, sys
a, b = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
a["builds"] += b["builds"]; a["searches"] += b["searches"]
json.dump(a, open(sys.argv[1], "w"), indent=1)
EOF
  step "retrieval-faiss-$label" faiss_retrieval "$label" --m "$label_ms" --out "$run/retrieval-faiss-$label.json"
done
rm -rf "$run/indexes"
fi

# ---------------------------------------------------------------- 2. training steps (and memory over 1,000 steps)
if [[ $sections == *,training,* ]]; then
# Debian's torch calls the system's libblas.so.3 without handing it its thread count; the pthread OpenBLAS then
# runs its own pool beside torch's OpenMP threads and the two compete for the cores (15-20 % slower on 2 threads).
# PyTorch gets the OpenMP build, unpacked beside the system (not installed), with its threads pinned to torch's.
blas_omp=${JOMED_OPENBLAS_OPENMP:-$HOME/.cache/jomed/openblas-openmp}
if [ ! -f "$blas_omp/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3" ]; then
  mkdir -p "$blas_omp"
  (cd "$blas_omp" && apt-get download -qq libopenblas0-openmp >/dev/null && dpkg -x libopenblas0-openmp_*.deb .)
fi
if [ "$quick" = 1 ]; then train_args=(--warmup-steps 5 --steps 20 --memory-steps 100); else train_args=(--warmup-steps 30 --steps 200 --memory-steps 1000); fi
step training-jomed env JOMED_JAVA_OPTS="-Xms1g -Xmx1g -XX:+AlwaysPreTouch" ./jomed benchmark-training --threads 1,2 "${train_args[@]}" --out "$run/training-jomed.json"
# One process for both thread counts, as jomed's side: the script sets torch's and OpenBLAS's threads itself
# (OMP_NUM_THREADS=1 in the environment would cap the 2-thread configuration).
step training-pytorch "$py" bench/torch_training.py --threads 1,2 "${train_args[@]:0:4}" \
  --blas-dir "$blas_omp/usr/lib/x86_64-linux-gnu/openblas-openmp" --jomed-json "$run/training-jomed.json" \
  --out "$run/training-pytorch.json"
fi

# ---------------------------------------------------------------- 3. inference and 4. memory over 10,000 calls
if [[ $sections == *,inference,* ]]; then
if [ "$quick" = 1 ]; then diag_args=(--seconds 2 --memory-calls 1000); else diag_args=(--seconds 10 --memory-calls 10000); fi
rm -rf "$run/bundle" "$run/bundle-kb" # a bundle is never overwritten
step train-bundle ./jomed train --dataset breastmnist --seed 1 --bundle "$run/bundle" --work-dir "$run/bundle-kb"
step diagnose ./jomed benchmark-diagnose --bundle "$run/bundle" --dataset breastmnist "${diag_args[@]}" --out "$run/diagnose.json"
fi

# ---------------------------------------------------------------- report
total=$(( $(date +%s) - started ))
{
  echo "{\"total_minutes\": $(( (total + 30) / 60 )), \"seconds\": {"
  first=1
  for k in "${order[@]}"; do
    [ $first = 1 ] || echo ","
    first=0
    printf '"%s": %s' "$k" "${seconds[$k]}"
  done
  echo "}}"
} >"$run/steps-new.json"
"$py" - "$run/steps.json" "$run/steps-new.json" <<'EOF2'
import json, os, sys
old = json.load(open(sys.argv[1])) if os.path.exists(sys.argv[1]) else {"seconds": {}}
new = json.load(open(sys.argv[2]))
seconds = dict(old["seconds"], **new["seconds"])
json.dump({"total_minutes": round(sum(seconds.values()) / 60), "seconds": seconds}, open(sys.argv[1], "w"), indent=1)
EOF2
rm "$run/steps-new.json"
"$py" bench/report.py --run "$run" --out BENCHMARKS.md
echo "bench: done in $(( total / 60 )) min; BENCHMARKS.md rewritten from $run"
