#!/usr/bin/python3
"""The training steps of `jomed benchmark-training`, written in plain PyTorch, timed the same way.

Run with the Debian interpreter, which has torch 1.13:

    /usr/bin/python3 bench/torch_training.py --threads 1,2 --warmup-steps 20 --steps 100 --out torch.json

BLAS: Debian's torch (BLAS_INFO=generic) calls whatever libblas.so.3 the system's alternatives select; with only
the reference BLAS installed its matrix products are about 20 times slower than with an optimized BLAS, which
makes PyTorch look slow for the wrong reason. Where the system has no optimized BLAS, unpack OpenBLAS next to it
without installing it (`apt-get download libopenblas0-openmp && dpkg -x libopenblas0-openmp_*.deb DIR`) and pass
`--blas-dir DIR/usr/lib/x86_64-linux-gnu/openblas-openmp`. Torch does not hand its thread count to such a BLAS,
so the script pins OpenBLAS's thread count to torch's in every configuration (openblas_set_num_threads); the
JSON records the BLAS that was loaded and the pinning.

Same architecture as jomed's (the default ClassifierReaderConfig reader with jomed's parameter names and
shapes, the default ImageTowerConfig tower), same batches (the index rules of TrainingStepBenchmark over the
BreastMNIST training images), same losses, AdamW with jomed's hyper-parameters (weight decay on weight
matrices and kernels only), same thread pinning. Weights are untrained (a step costs the same).

  phase 1: reader in training mode on 32 (query, case) rows, mean cross-entropy, backward, AdamW (lr 1e-3).
  phase 2: frozen reader (inference mode, no grad) scores the 2 x 50 pairs (each query image once, as jomed's reader
           does for rows that share it); g = log p(gold); the trainable tower
           theta (a copy of f0, inference-mode batch norm) embeds the 2 queries with gradients,
           e = 0.15 theta(x) + 0.85 f0(x), s = keys . e, target Q = softmax(log_softmax(g) + log_softmax(s))
           (detached), loss = sum KL(Q || softmax(s)) / B, backward, clip_grad_norm_(1.0), AdamW (lr 1e-4).
"""
import argparse
import ctypes
import json
import math
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

INPUTS = ("%s train split (%d images, %dx%dx%d, scaled to [-1, 1]); phase 1: 32 rows per step, "
          "row r of step s: query q = (32s + r) * 101 mod N, case (q + 1 + 7r) mod N, has-context 1, gold = label of q; "
          "phase 2: B = 2 queries q = (2s + b) * 101 mod N, K = 50 candidates (q + 1 + 7j) mod N whose keys and the "
          "queries' f0 rows are the untrained default tower f0's embeddings of the training images, reader scores all "
          "100 pairs every step (no reuse); texts (one report per label, the task question): one seeded Gaussian unit "
          "vector (384-d) per distinct text standing in for MiniLM embeddings; untrained seeded weights")

# jomed's counts for these configurations (TrainingStepBenchmark prints them into its JSON as "parameters")
JOMED_READER_PARAMETERS = 382850
JOMED_TOWER_PARAMETERS = 336416

TEXT_DIM = 384
PHASE1_ROWS = 32
PHASE1_LR = 1e-3
B, K = 2, 50
ALPHA = 0.15
PHASE2_LR = 1e-4
CLIP = 1.0
WEIGHT_DECAY = 0.01
BETAS = (0.9, 0.999)
EPS = 1e-8


class Norm(nn.Module):
    """LayerNorm with jomed's parameter names (gamma, beta)."""

    def __init__(self, d):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(d))
        self.beta = nn.Parameter(torch.zeros(d))

    def forward(self, x):
        return F.layer_norm(x, (x.shape[-1],), self.gamma, self.beta, 1e-5)


class EncoderLayer(nn.Module):
    """Pre-norm transformer layer with manual multi-head attention, as ClassifierReaderBlock.encoderLayer."""

    def __init__(self, d, heads, mlp_ratio, dropout):
        super().__init__()
        self.heads = heads
        self.dropout = dropout
        self.norm1 = Norm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.attentionOutput = nn.Linear(d, d)
        self.norm2 = Norm(d)
        self.mlpIn = nn.Linear(d, d * mlp_ratio)
        self.mlpOut = nn.Linear(d * mlp_ratio, d)

    def forward(self, x):
        n, t, d = x.shape
        dh = d // self.heads
        h = self.norm1(x)
        qkv = self.qkv(h).reshape(n, t, 3, self.heads, dh).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attention = (q @ k.transpose(-2, -1) * (1.0 / math.sqrt(dh))).softmax(-1)
        mixed = (attention @ v).transpose(1, 2).reshape(n, t, d)
        x = x + F.dropout(self.attentionOutput(mixed), self.dropout, self.training)
        hidden = F.gelu(self.mlpIn(self.norm2(x)))
        return x + F.dropout(self.mlpOut(hidden), self.dropout, self.training)


class Reader(nn.Module):
    """ClassifierReaderBlock: same parameter names, shapes and op sequence."""

    def __init__(self, channels=1, conv=(32, 64, 96), grid=2, d=96, heads=4, layers=2, mlp_ratio=4, dropout=0.1,
                 text_dim=TEXT_DIM, labels=2):
        super().__init__()
        self.grid = grid
        self.conv_count = len(conv)
        c = channels
        for i, out in enumerate(conv):
            setattr(self, "conv%d" % i, nn.Conv2d(c, out, 3, stride=2, padding=1))
            c = out
        gg = grid * grid
        self.imageProjection = nn.Linear(c, d)
        self.gridPosition = nn.Parameter(0.02 * torch.randn(1, gg, d))
        self.queryImageType = nn.Parameter(0.02 * torch.randn(1, 1, d))
        self.caseImageType = nn.Parameter(0.02 * torch.randn(1, 1, d))
        self.reportType = nn.Parameter(0.02 * torch.randn(1, 1, d))
        self.questionType = nn.Parameter(0.02 * torch.randn(1, 1, d))
        self.reportProjection = nn.Linear(text_dim, d)
        self.questionProjection = nn.Linear(text_dim, d)
        self.noContext = nn.Parameter(0.02 * torch.randn(1, gg + 1, d))
        self.cls = nn.Parameter(0.02 * torch.randn(1, 1, d))
        for l in range(layers):
            setattr(self, "layer%d" % l, EncoderLayer(d, heads, mlp_ratio, dropout))
        self.layer_count = layers
        self.finalNorm = Norm(d)
        self.head = nn.Linear(d, labels)
        nn.init.normal_(self.head.weight, std=0.02)
        nn.init.zeros_(self.head.bias)

    def image_tokens(self, x):
        for i in range(self.conv_count):
            x = F.gelu(getattr(self, "conv%d" % i)(x))
        pooled = F.adaptive_avg_pool2d(x, self.grid).flatten(2)  # [N, C, g*g]
        return self.imageProjection(pooled.transpose(1, 2)) + self.gridPosition

    def forward(self, query_image, case_image, case_text, question, flag, query_index=None):
        """query_image holds one image per row, or with query_index each distinct query image once (row r reads
        query_image[query_index[r]]); query and case images go through the tower in one pass, as in jomed."""
        n = case_image.shape[0]
        q = query_image.shape[0]
        tokens = self.image_tokens(torch.cat([query_image, case_image], 0))
        query_tokens = tokens[:q] if query_index is None else tokens[:q][query_index]
        query = query_tokens + self.queryImageType
        case = tokens[q:] + self.caseImageType
        report = self.reportProjection(case_text).unsqueeze(1) + self.reportType
        question_token = self.questionProjection(question).unsqueeze(1) + self.questionType
        context = torch.cat([case, report], 1)
        f = flag.reshape(n, 1, 1)
        context = context * f + (1 - f) * self.noContext
        cls = torch.zeros_like(flag).reshape(n, 1, 1) + self.cls
        x = torch.cat([cls, query, context, question_token], 1)
        for l in range(self.layer_count):
            x = getattr(self, "layer%d" % l)(x)
        return self.head(self.finalNorm(x[:, 0, :]))


class Tower(nn.Module):
    """ImageTower: per stage 2 x (3x3 conv without bias, batch norm, ReLU), 2x2 max-pool between stages, global
    average pooling, linear projection, L2 normalisation."""

    def __init__(self, channels=1, widths=(32, 64, 128), convs=2, dim=384):
        super().__init__()
        layers = []
        c = channels
        for s, w in enumerate(widths):
            for _ in range(convs):
                layers += [nn.Conv2d(c, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU()]
                c = w
            if s < len(widths) - 1:
                layers.append(nn.MaxPool2d(2, 2))
        self.features = nn.Sequential(*layers)
        self.projection = nn.Linear(c, dim)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.features(x).mean((2, 3))
        x = self.projection(x)
        return x / (x.square().sum(1, keepdim=True) + 1e-12).sqrt()


def adamw(model, lr):
    """torch.optim.AdamW with decay on weight matrices and kernels only, as jomed's AdamW (Parameter.Type.WEIGHT)."""
    decay = [p for n, p in model.named_parameters() if p.requires_grad and n.endswith("weight") and p.dim() > 1]
    rest = [p for n, p in model.named_parameters() if p.requires_grad and not (n.endswith("weight") and p.dim() > 1)]
    return torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": rest, "weight_decay": 0.0}],
                             lr=lr, betas=BETAS, eps=EPS)


def count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def loaded_blas():
    """The BLAS library this process loaded (Debian's torch calls BLAS through libblas.so.3)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.rsplit("/", 1)[-1] and "/" in line}
    return ", ".join(sorted(os.path.realpath(p) for p in paths)) or "none found"


def pin_blas_threads(n):
    """Debian's torch (BLAS_INFO=generic) does not pass its thread count to the BLAS: OpenBLAS, when it is the
    loaded BLAS, would use its own thread count (all cores for its pthread build). Pin it to n like torch's."""
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "libopenblas" in line and "/" in line})
    for path in paths:
        library = ctypes.CDLL(path)
        if hasattr(library, "openblas_set_num_threads"):
            library.openblas_set_num_threads(n)
            return "openblas_set_num_threads(%d)" % n
    return "not needed (no OpenBLAS loaded)"


def median(sorted_values):
    n = len(sorted_values)
    return sorted_values[n // 2] if n % 2 == 1 else (sorted_values[n // 2 - 1] + sorted_values[n // 2]) / 2


def summary(name, threads, nanos, cpu_nanos):
    """Wall-clock median, mean, p90 (nearest rank) and the median CPU time of the calling thread, in ms."""
    ms = sorted(n / 1e6 for n in nanos)
    n = len(ms)
    return {"step": name, "threads": threads, "steps": n, "ms_median": round(median(ms), 4),
            "ms_mean": round(sum(ms) / n, 4), "ms_p90": round(ms[math.ceil(0.9 * n) - 1], 4),
            "cpu_ms_median": round(median(sorted(c / 1e6 for c in cpu_nanos)), 4)}


class Fixture:
    def __init__(self, npz, seed=1):
        torch.manual_seed(seed)
        data = np.load(npz)
        self.images = data["train_images"]  # uint8 [N, H, W] or [N, H, W, C]
        if self.images.ndim == 3:
            self.images = self.images[:, None, :, :]
        else:
            self.images = self.images.transpose(0, 3, 1, 2).copy()
        self.labels = data["train_labels"].reshape(-1).astype(np.int64)
        self.n = self.images.shape[0]
        self.channels, self.height, self.width = self.images.shape[1:]
        label_count = int(self.labels.max()) + 1
        # one seeded Gaussian unit vector per distinct text: the reports of the labels, then the question
        rng = np.random.default_rng(seed)
        texts = rng.standard_normal((label_count + 1, TEXT_DIM)).astype(np.float32)
        texts /= np.linalg.norm(texts, axis=1, keepdims=True)
        self.reports = torch.from_numpy(texts[:label_count])
        self.question = torch.from_numpy(texts[label_count])

        self.reader = Reader(channels=self.channels, labels=label_count)
        self.reader_optimizer = adamw(self.reader, PHASE1_LR)
        self.frozen = Reader(channels=self.channels, labels=label_count)
        for p in self.frozen.parameters():
            p.requires_grad_(False)
        self.frozen.eval()
        self.f0 = Tower(channels=self.channels).eval()
        for p in self.f0.parameters():
            p.requires_grad_(False)
        self.pixels = self.to_float(self.images)  # the trainer converts the query images once
        with torch.no_grad():
            self.f0_rows = self.f0(self.pixels)  # keys and frozen query rows
        self.theta = Tower(channels=self.channels).eval()
        self.theta.load_state_dict(self.f0.state_dict())
        for p in self.theta.parameters():
            p.requires_grad_(True)
        self.theta_optimizer = adamw(self.theta, PHASE2_LR)

    @staticmethod
    def to_float(uint8):
        return torch.from_numpy(uint8).float().div_(255.0).sub_(0.5).div_(0.5)

    def rows(self, query, case, query_index=None):
        """The reader tensors of (query, case) rows, converted from the stored bytes like jomed's encoder; with
        query_index, query holds the distinct query images and row r uses query[query_index[r]]."""
        n = len(case)
        flag = torch.ones(n, 1)
        out = (self.to_float(self.images[query]), self.to_float(self.images[case]),
               self.reports[torch.from_numpy(self.labels[case])], self.question.expand(n, TEXT_DIM).contiguous(), flag)
        return out if query_index is None else out + (torch.from_numpy(query_index),)

    def phase1(self, s):
        r = np.arange(PHASE1_ROWS)
        q = (PHASE1_ROWS * s + r) * 101 % self.n
        c = (q + 1 + 7 * r) % self.n
        inputs = self.rows(q, c)
        target = F.one_hot(torch.from_numpy(self.labels[q]), self.reports.shape[0]).float()
        self.reader.train()
        logits = self.reader(*inputs)
        loss = -(logits.log_softmax(-1) * target).sum(1).mean()
        self.reader_optimizer.zero_grad()
        loss.backward()
        self.reader_optimizer.step()
        value = loss.item()
        if not math.isfinite(value):
            raise RuntimeError("phase-1 loss is %s at step %d" % (value, s))

    def phase2(self, s):
        q = (B * s + np.arange(B)) * 101 % self.n
        c = (q[:, None] + 1 + 7 * np.arange(K)[None, :]) % self.n  # [B, K]
        with torch.no_grad():
            logits = self.frozen(*self.rows(q, c.reshape(-1), np.repeat(np.arange(B), K)))
        gold = torch.from_numpy(self.labels[q])
        g = logits.double().log_softmax(-1).reshape(B, K, -1).gather(2, gold.reshape(B, 1, 1).expand(B, K, 1)).squeeze(2)
        predictions = logits.argmax(-1).reshape(B, K)  # used by disagreement weighting; off by default (w = 1)
        weights = torch.ones(B, dtype=torch.float64)
        qi = torch.from_numpy(q)
        x = self.pixels[qi]
        frozen = self.f0_rows[qi]
        keys = self.f0_rows[torch.from_numpy(c.reshape(-1))].reshape(B, K, -1)
        learned = self.theta(x)
        e = learned * ALPHA + frozen * (1 - ALPHA)
        scores = (keys * e.unsqueeze(1)).sum(2)
        detached = scores.detach().double()
        target = (g.log_softmax(1) + detached.log_softmax(1)).softmax(1)  # tau_gold = 1, with the prior
        log_p = detached.log_softmax(1)
        loss_value = float((weights[:, None] * target * (target.log() - log_p)).sum() / B)
        entropy = torch.where(target > 0, target * target.log(), torch.zeros_like(target)).float()
        loss = ((entropy - target.float() * scores.log_softmax(1)) * weights.float()[:, None]).sum() / B
        self.theta_optimizer.zero_grad()
        loss.backward()
        norm = float(torch.nn.utils.clip_grad_norm_(self.theta.parameters(), CLIP))
        if not (math.isfinite(norm) and math.isfinite(loss_value)):
            raise RuntimeError("phase-2 loss %s, gradient norm %s at step %d" % (loss_value, norm, s))
        self.theta_optimizer.step()
        del predictions


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=os.path.join(os.environ.get("JOMED_DATA_DIR", "/work/shared/data"),
                                                       "breastmnist", "breastmnist.npz"))
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--warmup-steps", type=int, default=20)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--out")
    parser.add_argument("--blas-dir", help="a folder holding an optimized libblas.so.3 (for example OpenBLAS's "
                                           "openblas-openmp folder) to load instead of the system's; see the notes above")
    parser.add_argument("--jomed-json", help="a result of `jomed benchmark-training --out`: assert its parameter counts "
                                             "instead of the built-in ones")
    args = parser.parse_args()
    if args.blas_dir:
        blas_dir = os.path.abspath(args.blas_dir)
        if not os.path.isfile(os.path.join(blas_dir, "libblas.so.3")):
            parser.error("--blas-dir %s holds no libblas.so.3" % blas_dir)
        if os.environ.get("LD_LIBRARY_PATH", "").split(":")[0] != blas_dir:
            # the dynamic loader reads LD_LIBRARY_PATH at start: run again with it
            env = dict(os.environ, LD_LIBRARY_PATH=":".join(filter(None, [blas_dir, os.environ.get("LD_LIBRARY_PATH")])))
            os.execve(sys.executable, [sys.executable] + sys.argv, env)
    threads = [int(t) for t in args.threads.split(",")]
    if args.steps < 1 or args.warmup_steps < 0 or min(threads) < 1:
        parser.error("steps must be >= 1, warm-up steps >= 0, threads >= 1")
    torch.set_num_interop_threads(1)  # before any work, as jomed pins libtorch's inter-op pool
    torch.set_num_threads(threads[0])
    torch.ones(2, 2) @ torch.ones(2, 2)  # loads the BLAS
    blas_threads = pin_blas_threads(threads[0])

    expected = {"reader": JOMED_READER_PARAMETERS, "tower": JOMED_TOWER_PARAMETERS}
    if args.jomed_json:
        with open(args.jomed_json) as j:
            expected = json.load(j)["parameters"]
    f = Fixture(args.data)
    reader_count, tower_count = count(f.reader), count(f.theta)
    print("parameters: reader %d (jomed %d), tower %d (jomed %d)" % (reader_count, expected["reader"], tower_count,
                                                                     expected["tower"]), file=sys.stderr)
    assert reader_count == expected["reader"], "reader parameter count differs from jomed's"
    assert tower_count == expected["tower"], "tower parameter count differs from jomed's"

    # one initial round of each step kind before the first configuration, as jomed's benchmark does
    for step in (f.phase1, f.phase2):
        for s in range(args.warmup_steps):
            step(s)
    results = []
    for n in threads:
        torch.set_num_threads(n)
        blas_threads = pin_blas_threads(n)
        for name, step in (("phase1", f.phase1), ("phase2", f.phase2)):
            nanos, cpu = [], []
            for s in range(args.warmup_steps + args.steps):
                c0 = time.thread_time_ns()
                t0 = time.perf_counter_ns()
                step(s)
                t1 = time.perf_counter_ns()
                c1 = time.thread_time_ns()
                if s >= args.warmup_steps:
                    nanos.append(t1 - t0)
                    cpu.append(c1 - c0)
            r = summary(name, n, nanos, cpu)
            results.append(r)
            print("  %s, %d thread(s): median %.2f ms per step (thread CPU %.2f ms) over %d steps"
                  % (name, n, r["ms_median"], r["cpu_ms_median"], r["steps"]), file=sys.stderr)
    name = os.path.basename(args.data)[:-len(".npz")] if args.data.endswith(".npz") else args.data
    report = {"framework": "pytorch",
              "versions": {"torch": torch.__version__, "python": platform.python_version(), "numpy": np.__version__,
                           "blas": loaded_blas()},
              "blas_threads": "BLAS thread count pinned to torch's in every configuration: " + blas_threads,
              "parameters": {"reader": reader_count, "tower": tower_count},
              "interop_threads": torch.get_num_interop_threads(),
              "inputs": INPUTS % (name, f.n, f.width, f.height, f.channels),
              "results": results}
    print("PyTorch %s training steps (reader %d parameters, tower %d trainable; BLAS %s)\n"
          % (torch.__version__, reader_count, tower_count, report["versions"]["blas"]))
    print("| step | threads | steps | ms median | ms mean | ms p90 | thread CPU ms median |\n|---|---|---|---|---|---|---|")
    for r in results:
        print("| %s | %d | %d | %.2f | %.2f | %.2f | %.2f |" % (r["step"], r["threads"], r["steps"], r["ms_median"],
                                                              r["ms_mean"], r["ms_p90"], r["cpu_ms_median"]))
    if args.out:
        with open(args.out, "w") as out:
            json.dump(report, out, indent=2)
        print("wrote %s" % args.out, file=sys.stderr)


if __name__ == "__main__":
    main()
