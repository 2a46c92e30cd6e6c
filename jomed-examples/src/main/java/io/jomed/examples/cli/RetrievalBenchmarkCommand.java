package io.jomed.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jomed.retriever.kb.KeyQuantization;
import io.jomed.retriever.kb.LuceneKeyIndex;
import io.jomed.retriever.kb.ScoredCaseId;
import io.jomed.training.dataset.npy.NpyArray;
import io.jomed.training.dataset.npy.NpyDtype;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.lucene.util.Version;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jomed benchmark-retrieval}: builds jomed's Lucene key index over a matrix of unit keys and measures HNSW
 * search (float and quantized graphs, a sweep of M and of the search breadth) and the exact scan: build time,
 * size on disk, queries per second on each thread count, latency and recall@10 against a ground truth. The
 * figures are written as JSON for {@code bench/report.py}, which pairs them with FAISS's.
 *
 * <p>Not thread-safe; one run per instance.
 */
@Command(name = "benchmark-retrieval", mixinStandardHelpOptions = true,
        description = "Measure jomed's Lucene HNSW key search (M, breadth, quantization sweeps) and exact scan on "
                + ".npy matrices: build seconds, bytes on disk, QPS on 1 and 2 threads, p50/p99 latency, recall@10.")
final class RetrievalBenchmarkCommand implements Callable<Integer> {

    @Option(names = "--base", required = true, description = "Keys: (N, D) float32 .npy of unit rows.")
    Path base;

    @Option(names = "--queries", required = true, description = "Queries: (Q, D) float32 .npy.")
    Path queries;

    @Option(names = "--truth", required = true,
            description = "Ground truth: (Q, >=10) integer .npy of base row indices, best first (exact top 10 or more).")
    Path truth;

    @Option(names = "--label", required = true, description = "Name of this vector set in the report, e.g. 100k.")
    String label;

    @Option(names = "--m", split = ",", defaultValue = "16", description = "HNSW M values (default: ${DEFAULT-VALUE}).")
    List<Integer> ms;

    @Option(names = "--breadth", split = ",", defaultValue = "10,20,40,80,160,320",
            description = "Search breadths: Lucene's k before truncation to 10 (default: ${DEFAULT-VALUE}).")
    List<Integer> breadths;

    @Option(names = "--quantization", split = ",", defaultValue = "NONE,INT8",
            description = "Graph key storage, any of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    List<KeyQuantization> quantizations;

    @Option(names = "--threads", split = ",", defaultValue = "1,2", description = "Search threads (default: ${DEFAULT-VALUE}).")
    List<Integer> threads;

    @Option(names = "--build-threads", defaultValue = "1",
            description = "Indexing and merge threads; more than 1 builds several graphs and merges them concurrently (default: ${DEFAULT-VALUE}).")
    int buildThreads;

    @Option(names = "--beam-width", defaultValue = "100", description = "HNSW beam width at build, efConstruction (default: ${DEFAULT-VALUE}).")
    int beamWidth;

    @Option(names = "--exact-queries", defaultValue = "100",
            description = "Queries for the exact scan, 0 to skip it (default: ${DEFAULT-VALUE}).")
    int exactQueries;

    @Option(names = "--min-seconds", defaultValue = "2",
            description = "Least measured seconds per search configuration (default: ${DEFAULT-VALUE}).")
    double minSeconds;

    @Option(names = "--work-dir", required = true, description = "Where indexes are built (emptied per build).")
    Path workDir;

    @Option(names = "--out", required = true, description = "JSON report.")
    Path out;

    private static final int K = 10;

    record Build(String quantization, int m, int beamWidth, int buildThreads, double addSeconds, double mergeSeconds,
            double buildSeconds, long bytes, int segments) {
    }

    record Search(String quantization, int m, int breadth, int threads, int queries, double qps, double recallAt10,
            double p50Ms, double p99Ms) {
    }

    record Exact(int threads, int queries, double qps, double recallAt10, double p50Ms) {
    }

    @Override
    public Integer call() throws Exception {
        float[][] keys = rows(base);
        float[][] qs = rows(queries);
        int[][] gold = truth(truth, qs.length);
        if (keys[0].length != qs[0].length) {
            throw new IllegalArgumentException(queries + " has dimension " + qs[0].length + ", " + base + " has " + keys[0].length);
        }
        System.err.printf(Locale.ROOT, "benchmark-retrieval %s: %,d keys, %,d queries, dimension %d%n", label, keys.length,
                qs.length, keys[0].length);
        List<Build> builds = new ArrayList<>();
        List<Search> searches = new ArrayList<>();
        List<Exact> exact = new ArrayList<>();
        for (KeyQuantization quantization : quantizations) {
            for (int m : ms) {
                Path dir = workDir.resolve(label + "-" + quantization.name().toLowerCase(Locale.ROOT) + "-m" + m);
                deleteRecursively(dir);
                try (LuceneKeyIndex index = LuceneKeyIndex.builder().setDirectory(dir).setDimension(keys[0].length)
                        .optHnswMaxConn(m).optHnswBeamWidth(beamWidth).optQuantization(quantization)
                        .optMergeThreads(buildThreads).optRamBufferMb(Math.min(16_000, 64 + keys.length * (keys[0].length * 8.0 + 600) / (1 << 20)))
                        .build()) {
                    Build b = build(index, keys, quantization, m);
                    builds.add(b);
                    System.err.printf(Locale.ROOT, "  built %s M=%d: %.1f s (add %.1f, merge %.1f), %.1f MiB, %d segment(s)%n",
                            quantization, m, b.buildSeconds(), b.addSeconds(), b.mergeSeconds(), b.bytes() / 1048576.0, b.segments());
                    // JIT (C2 needs thousands of calls) and page cache: every breadth, at least 3 s in all
                    long warmEnd = System.nanoTime() + 3_000_000_000L;
                    for (int pass = 0; pass == 0 || System.nanoTime() < warmEnd; pass++) {
                        for (int breadth : breadths) {
                            for (int q = 0; q < Math.min(qs.length, 200); q++) {
                                index.search(qs[q], K, Math.max(K, breadth));
                            }
                        }
                    }
                    for (int breadth : breadths) {
                        for (int t : threads) {
                            Search s = search(index, qs, gold, quantization, m, Math.max(K, breadth), t);
                            searches.add(s);
                            System.err.printf(Locale.ROOT, "  %s M=%d breadth %d, %d thread(s): %.0f q/s, recall@10 %.4f, p50 %.3f ms%n",
                                    quantization, m, breadth, t, s.qps(), s.recallAt10(), s.p50Ms());
                        }
                    }
                    if (exactQueries > 0 && exact.isEmpty()) {
                        int n = Math.min(exactQueries, qs.length);
                        for (int q = 0; q < Math.min(n, 5); q++) {
                            index.searchExact(qs[q], K);
                        }
                        for (int t : threads) {
                            Exact e = exact(index, Arrays.copyOf(qs, n), gold, t);
                            exact.add(e);
                            System.err.printf(Locale.ROOT, "  exact scan, %d thread(s): %.1f q/s, recall@10 %.4f%n", t, e.qps(),
                                    e.recallAt10());
                        }
                    }
                }
                deleteRecursively(dir);
            }
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("engine", "jomed");
        root.put("label", label);
        root.put("date", LocalDate.now().toString());
        root.put("n", keys.length);
        root.put("dimension", keys[0].length);
        root.put("queries", qs.length);
        root.put("k", K);
        root.put("versions", Map.of("java", Runtime.version().toString(), "lucene", Version.LATEST.toString()));
        root.put("builds", builds);
        root.put("searches", searches);
        root.put("exact", exact);
        Files.createDirectories(out.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).writeValue(out.toFile(), root);
        System.out.println("JSON report: " + out.toAbsolutePath());
        return 0;
    }

    private Build build(LuceneKeyIndex index, float[][] keys, KeyQuantization quantization, int m) throws Exception {
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(buildThreads);
        try {
            List<Future<?>> parts = new ArrayList<>();
            int per = (keys.length + buildThreads - 1) / buildThreads;
            for (int t = 0; t < buildThreads; t++) {
                int from = t * per;
                int to = Math.min(keys.length, from + per);
                parts.add(pool.submit(() -> {
                    for (int i = from; i < to; i++) {
                        index.add(id(i), keys[i]);
                    }
                }));
            }
            for (Future<?> f : parts) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        index.commit();
        long added = System.nanoTime();
        index.forceMerge(1);
        long merged = System.nanoTime();
        return new Build(quantization.name(), m, beamWidth, buildThreads, (added - start) / 1e9, (merged - added) / 1e9,
                (merged - start) / 1e9, index.bytesOnDisk(), index.segments());
    }

    private Search search(LuceneKeyIndex index, float[][] qs, int[][] gold, KeyQuantization quantization, int m,
            int breadth, int threads) throws Exception {
        Run run = run(qs, gold, threads, q -> index.search(q, K, breadth));
        return new Search(quantization.name(), m, breadth, threads, qs.length, run.qps(), run.recall(), run.p50Ms(),
                run.p99Ms());
    }

    private Exact exact(LuceneKeyIndex index, float[][] qs, int[][] gold, int threads) throws Exception {
        Run run = run(qs, gold, threads, q -> index.searchExact(q, K));
        return new Exact(threads, qs.length, run.qps(), run.recall(), run.p50Ms());
    }

    private record Run(double qps, double recall, double p50Ms, double p99Ms) {
    }

    @FunctionalInterface
    private interface SearchCall {
        List<ScoredCaseId> search(float[] query);
    }

    /**
     * Each thread runs every query at least once, starting at its own offset, and keeps going until
     * {@code minSeconds} have passed; recall comes from the first pass, QPS from all queries over the wall time.
     */
    private Run run(float[][] qs, int[][] gold, int threads, SearchCall call) throws Exception {
        int n = qs.length;
        long[][] nanos = new long[threads][];
        long[] done = new long[threads];
        double[] hits = new double[threads];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> parts = new ArrayList<>();
            long start = System.nanoTime();
            long deadline = start + (long) (minSeconds * 1e9);
            for (int t = 0; t < threads; t++) {
                int thread = t;
                parts.add(pool.submit(() -> {
                    int offset = thread * n / threads;
                    long[] latencies = new long[n];
                    long count = 0;
                    do {
                        for (int j = 0; j < n; j++) {
                            int q = (offset + j) % n;
                            long t0 = System.nanoTime();
                            List<ScoredCaseId> found = call.search(qs[q]);
                            long elapsed = System.nanoTime() - t0;
                            if (count < n) {
                                latencies[j] = elapsed;
                                hits[thread] += overlap(found, gold[q]);
                            }
                            count++;
                        }
                    } while (System.nanoTime() < deadline);
                    nanos[thread] = latencies;
                    done[thread] = count;
                }));
            }
            for (Future<?> f : parts) {
                f.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long[] all = Stream.of(nanos).flatMapToLong(Arrays::stream).sorted().toArray();
            double recall = Arrays.stream(hits).sum() / ((double) n * threads * K);
            return new Run(Arrays.stream(done).sum() / seconds, recall, all[all.length / 2] / 1e6,
                    all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)] / 1e6);
        } finally {
            pool.shutdown();
        }
    }

    private static int overlap(List<ScoredCaseId> found, int[] gold) {
        int hit = 0;
        for (ScoredCaseId c : found) {
            int row = Integer.parseInt(c.caseId(), 1, c.caseId().length(), 10);
            for (int g = 0; g < K; g++) {
                if (gold[g] == row) {
                    hit++;
                    break;
                }
            }
        }
        return hit;
    }

    private static String id(int row) {
        return "r" + row;
    }

    private static float[][] rows(Path file) throws IOException {
        NpyArray a = NpyArray.read(file);
        if (a.rank() != 2 || a.dtype() != NpyDtype.FLOAT32 || a.dim(0) == 0) {
            throw new IllegalArgumentException(file + ": expected a non-empty (N, D) float32 matrix, got dtype "
                    + a.dtype().descr() + " and shape " + Arrays.toString(a.shape()));
        }
        int n = Math.toIntExact(a.dim(0));
        int d = Math.toIntExact(a.dim(1));
        float[][] rows = new float[n][d];
        for (int i = 0; i < n; i++) {
            a.copyFloats((long) i * d, rows[i]);
        }
        return rows;
    }

    private static int[][] truth(Path file, int queries) throws IOException {
        NpyArray a = NpyArray.read(file);
        if (a.rank() != 2 || !a.dtype().isIntegral() || a.dim(0) != queries || a.dim(1) < K) {
            throw new IllegalArgumentException(file + ": expected an integer (" + queries + ", >=" + K + ") matrix of base row "
                    + "indices, got dtype " + a.dtype().descr() + " and shape " + Arrays.toString(a.shape()));
        }
        int[][] gold = new int[queries][K];
        for (int q = 0; q < queries; q++) {
            for (int j = 0; j < K; j++) {
                gold[q][j] = Math.toIntExact(a.getLong(a.flatIndex(q, j)));
            }
        }
        return gold;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
