package io.jomed.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jomed.api.Jomed;
import io.jomed.api.retrieval.Query;
import io.jomed.reader.bundle.LoadedPipeline;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import io.jomed.training.dataset.medmnist.MedMnistLocator;
import io.jomed.training.dataset.medmnist.MedMnistSplit;
import io.jomed.training.evaluation.LatencySummary;
import io.jomed.training.benchmark.MemoryTrend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jomed benchmark-diagnose}: inference speed and memory of a model bundle on the test images of a MedMNIST
 * dataset, printed as markdown tables: latency p50/p99 and throughput of one query at a time and of batches of
 * 16 queries (all their cases in one reader pass), on 1 and 2 threads; then heap and resident memory over many
 * calls with the fitted slope per 1,000 calls.
 *
 * <p>Not thread-safe; one run per instance. Run it with the machine otherwise idle.
 */
@Command(name = "benchmark-diagnose", mixinStandardHelpOptions = true,
        description = "Measure diagnose latency, throughput (single vs batch of 16, 1 and 2 threads) and memory over many calls.")
final class DiagnoseBenchmarkCommand implements Callable<Integer> {
    private static final int BATCH = 16;

    @Option(names = "--bundle", required = true, description = "The model bundle folder.")
    Path bundle;

    @Option(names = "--dataset", defaultValue = "breastmnist", description = "MedMNIST dataset of the queries (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds per configuration (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--memory-calls", defaultValue = "10000", description = "diagnose calls of the memory run (default: ${DEFAULT-VALUE}).")
    int memoryCalls;

    @Option(names = "--torch-threads", defaultValue = "1",
            description = "libtorch intra-op threads, pinned for the whole run so that the thread count of a row is the "
                    + "number of cores it uses; 0 keeps libtorch's default of one per core (default: ${DEFAULT-VALUE}).")
    int torchThreads;

    @Option(names = "--out", description = "Also write the figures as JSON to this file (for bench/report.py).")
    Path out;

    @Override
    public Integer call() throws Exception {
        try (LoadedPipeline pipeline = LoadedPipeline.open(bundle)) {
            MedMnistDataset data = MedMnistDataset.load(MedMnistLocator.builder().build().locate(dataset, new ConsoleProgress(System.err)));
            List<Query> queries = data.examples(MedMnistSplit.TEST).stream().map(e -> e.query()).toList();
            Jomed jomed = pipeline.jomed();
            if (torchThreads < 0) {
                throw new IllegalArgumentException("--torch-threads must be 0 (libtorch's default) or more, got " + torchThreads);
            }
            if (torchThreads > 0) {
                ai.djl.pytorch.jni.JniUtils.setNumThreads(torchThreads);
            }
            for (int i = 0; i < 3; i++) {
                jomed.diagnose(queries.subList(0, BATCH));
                queries.subList(0, 32).forEach(jomed::diagnose);
            }
            List<Map<String, Object>> runs = new ArrayList<>();
            StringBuilder t = new StringBuilder(String.format(Locale.ROOT,
                    "%s test queries, bundle %s, %d s per row%n%n| mode | threads | p50 ms per call | p99 ms per call | queries/s |%n"
                            + "|---|---|---|---|---|%n", dataset, bundle.getFileName(), seconds));
            for (int threads : new int[] {1, 2}) {
                for (int batch : new int[] {1, BATCH}) {
                    Result r = run(jomed, queries, threads, batch);
                    runs.add(Map.of("batch", batch, "threads", threads, "p50_ms", r.latency.p50(), "p99_ms", r.latency.p99(),
                            "qps", r.queriesPerSecond));
                    t.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.1f |%n",
                            batch == 1 ? "one query per call" : "batch of " + batch, threads, r.latency.p50(), r.latency.p99(),
                            r.queriesPerSecond));
                }
            }
            System.out.println(t);
            MemoryTrend trend = memory(jomed, queries);
            System.out.println(String.format(Locale.ROOT, "memory over %d one-query diagnose calls (heap after a GC hint, "
                    + "resident set from /proc)%n%n| run | calls | heap MiB | resident MiB |%n|---|---|---|---|%n%s%nfitted slope "
                    + "per 1,000 calls: heap %+.2f MiB, resident %+.2f MiB%n", memoryCalls, trend.rows("diagnose"),
                    trend.heapSlopePerThousand(), trend.residentSlopePerThousand()));
            if (out != null) {
                Map<String, Object> root = new LinkedHashMap<>();
                root.put("dataset", dataset);
                root.put("bundle", bundle.getFileName().toString());
                root.put("seconds_per_run", seconds);
                root.put("torch_threads", torchThreads);
                root.put("runs", runs);
                root.put("memory", Map.of("calls", memoryCalls, "samples", trend.samples()));
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), root);
            }
        }
        return 0;
    }

    private record Result(LatencySummary latency, double queriesPerSecond) {
    }

    private Result run(Jomed jomed, List<Query> queries, int threads, int batch) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<Long>>> futures = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                int worker = w;
                futures.add(pool.submit(() -> {
                    List<Long> nanos = new ArrayList<>();
                    int next = worker * 37;
                    while (System.nanoTime() < end) {
                        List<Query> call = new ArrayList<>(batch);
                        for (int i = 0; i < batch; i++) {
                            call.add(queries.get(next++ % queries.size()));
                        }
                        long t0 = System.nanoTime();
                        jomed.diagnose(call);
                        nanos.add(System.nanoTime() - t0);
                    }
                    return nanos;
                }));
            }
            List<Long> all = new ArrayList<>();
            for (Future<List<Long>> f : futures) {
                all.addAll(f.get());
            }
            double qps = all.size() * (double) batch / seconds;
            return new Result(LatencySummary.ofNanos(all.stream().mapToLong(Long::longValue).toArray()), qps);
        } finally {
            pool.shutdownNow();
        }
    }

    private MemoryTrend memory(Jomed jomed, List<Query> queries) {
        int every = Math.max(1, memoryCalls / 10);
        MemoryTrend trend = new MemoryTrend();
        for (int i = 0; i <= memoryCalls; i++) {
            if (i % every == 0) {
                trend.sample(i);
            }
            if (i < memoryCalls) {
                jomed.diagnose(queries.get(i % queries.size()));
            }
        }
        return trend;
    }
}
