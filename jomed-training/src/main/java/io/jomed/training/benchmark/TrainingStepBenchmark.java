package io.jomed.training.benchmark;

import ai.djl.engine.Engine;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.reading.LabelLogits;
import io.jomed.api.reading.ReaderInput;
import io.jomed.api.retrieval.Query;
import io.jomed.reader.classifier.ClassifierReader;
import io.jomed.reader.classifier.ClassifierReaderConfig;
import io.jomed.reader.classifier.ClassifierReaderModel;
import io.jomed.reader.training.AdamW;
import io.jomed.reader.training.ReaderTrainingStep;
import io.jomed.retriever.encoding.ImageTower;
import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.retriever.image.ImagePreprocessor;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import io.jomed.training.dataset.medmnist.MedMnistSplit;
import io.jomed.training.phase1.Phase1ReaderTraining;
import io.jomed.training.phase2.KlRetrieverLoss;
import io.jomed.training.phase2.Phase2GradientStep;
import io.jomed.training.phase2.Phase2Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Time of one training step of jomed's real code on a MedMNIST dataset, to compare with the same steps written in
 * plain PyTorch ({@code bench/torch_training.py}, which builds the same batches by the same rules):
 * <ul>
 *   <li><b>phase 1</b>: one {@link ReaderTrainingStep#step} of the default reader on 32 rows (query image, one case
 *       image, the case's report embedding, the question embedding, has-context 1), in training mode, with
 *       {@link Phase1ReaderTraining}'s default learning rate (the schedule's peak) and weight decay;</li>
 *   <li><b>phase 2</b> ({@code B = 2} queries, {@code K = 50} candidates): the frozen reader scores all 100 (query,
 *       case) pairs in one batched {@link ClassifierReader#score} call (nothing reused), giving the supervision scores
 *       and predictions of {@link Phase2Settings}' defaults; then one {@link Phase2GradientStep} of a copy of the
 *       default image tower {@code f0} (the trainer's own code), with the candidates' keys and the queries' {@code f0}
 *       rows taken from {@code f0}'s embeddings of the training images.</li>
 * </ul>
 * Batches are drawn by fixed arithmetic rules (no search): at step {@code s} (counted from 0 in every configuration,
 * warm-up included), phase-1 row {@code r} has query {@code q = (32 s + r) * 101 mod N} and case
 * {@code (q + 1 + 7 r) mod N}; phase-2 query {@code b} is {@code q = (2 s + b) * 101 mod N} with candidates
 * {@code (q + 1 + 7 j) mod N}, {@code j < 50}, over the {@code N} training images. Texts (two label reports and
 * the task question) get deterministic seeded unit vectors standing in for the MiniLM embeddings; they pass through
 * the reader's text cache like real ones. Weights are untrained (seeded), which does not change the cost of a step.
 *
 * <p>Every configuration starts with {@code warmupSteps} unmeasured steps, and one initial round of
 * {@code warmupSteps} steps of each kind runs before the first configuration (the PyTorch script does the same).
 * Each configuration pins libtorch's intra-op threads with {@link JniUtils#setNumThreads}; inter-op threads
 * must be 1 before the engine starts (system property {@code ai.djl.pytorch.num_interop_threads}), which
 * {@link #run} checks and reports. An optional memory run samples the heap (after a GC hint) and the resident set
 * every {@code memoryEvery} steps of each step kind and fits the slope per 1,000 steps without the first sample
 * (warm-up).
 *
 * <p>The JVM's heap grows, shrinks after the GC hints and touches fresh pages meanwhile, which shows as
 * resident-set swings of tens of MiB between memory samples and as page faults in the first steps; a fixed,
 * pre-touched heap ({@code -Xms1g -Xmx1g -XX:+AlwaysPreTouch}) keeps both out of the figures. The JVM options
 * in effect are recorded with the versions.
 *
 * <p>Not thread-safe: one benchmark at a time per JVM (it changes libtorch's process-wide thread count).
 */
public final class TrainingStepBenchmark {
    /** The phase-1 learning rate: the peak of {@link Phase1ReaderTraining}'s default schedule. */
    public static final float PHASE1_LEARNING_RATE = (float) Phase1ReaderTraining.DEFAULT_LEARNING_RATE;
    /** Rows per phase-1 step: the default phase-1 batch. */
    public static final int PHASE1_ROWS = Phase1ReaderTraining.DEFAULT_BATCH_SIZE;
    /** The description of the inputs, the same on the PyTorch side. */
    public static final String INPUTS = "%s train split (%d images, %dx%dx%d, scaled to [-1, 1]); phase 1: 32 rows per step, "
            + "row r of step s: query q = (32s + r) * 101 mod N, case (q + 1 + 7r) mod N, has-context 1, gold = label of q; "
            + "phase 2: B = 2 queries q = (2s + b) * 101 mod N, K = 50 candidates (q + 1 + 7j) mod N whose keys and the "
            + "queries' f0 rows are the untrained default tower f0's embeddings of the training images, reader scores all "
            + "100 pairs every step (no reuse); texts (one report per label, the task question): one seeded Gaussian unit "
            + "vector (384-d) per distinct text standing in for MiniLM embeddings; untrained seeded weights";

    private static final Logger LOG = LoggerFactory.getLogger(TrainingStepBenchmark.class);
    private static final long SEED = 1;
    private static final int TEXT_DIMENSION = 384;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final MedMnistDataset dataset;
    private final Settings settings;

    /**
     * The benchmark's settings.
     *
     * @param threads the libtorch intra-op thread counts to measure, each at least 1
     * @param warmupSteps unmeasured steps before each configuration, at least 0
     * @param steps measured steps per configuration, at least 1
     * @param memorySteps steps of each memory run, 0 for none
     * @param memoryEvery steps between memory samples, at least 1
     */
    public record Settings(List<Integer> threads, int warmupSteps, int steps, int memorySteps, int memoryEvery) {
        /** @throws IllegalArgumentException naming the setting that is out of range */
        public Settings {
            Objects.requireNonNull(threads, "threads");
            if (threads.isEmpty()) {
                throw new IllegalArgumentException("at least one thread count is required");
            }
            for (Integer t : threads) {
                if (t == null || t < 1) {
                    throw new IllegalArgumentException("thread counts must be at least 1, got " + threads);
                }
            }
            threads = List.copyOf(threads);
            if (warmupSteps < 0) {
                throw new IllegalArgumentException("warm-up steps must be at least 0, got " + warmupSteps);
            }
            if (steps < 1) {
                throw new IllegalArgumentException("measured steps must be at least 1, got " + steps);
            }
            if (memorySteps < 0) {
                throw new IllegalArgumentException("memory steps must be at least 0 (0: no memory run), got " + memorySteps);
            }
            if (memoryEvery < 1) {
                throw new IllegalArgumentException("steps between memory samples must be at least 1, got " + memoryEvery);
            }
        }
    }

    /**
     * Milliseconds per step of one (step kind, thread count) configuration: wall-clock median, mean and p90
     * (nearest rank), and the median CPU time of the calling thread (libtorch's own workers not included), which
     * moves less than the wall clock when other processes share the cores.
     */
    public record Timing(String step, int threads, int steps, double msMedian, double msMean, double msP90,
            double cpuMsMedian) {
        static Timing of(String step, int threads, long[] nanos, long[] cpuNanos) {
            double[] ms = Arrays.stream(nanos).mapToDouble(n -> n / 1e6).sorted().toArray();
            int n = ms.length;
            double p90 = ms[(int) Math.ceil(0.9 * n) - 1];
            return new Timing(step, threads, n, median(ms), Arrays.stream(ms).average().orElse(Double.NaN), p90,
                    median(Arrays.stream(cpuNanos).mapToDouble(c -> c / 1e6).sorted().toArray()));
        }

        private static double median(double[] sorted) {
            int n = sorted.length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }
    }

    /**
     * Memory over one long run of one step kind.
     *
     * @param samples {@code [step, heap MiB, resident MiB]} rows
     */
    public record MemoryRun(String step, int threads, int steps, List<double[]> samples, double heapSlopePerThousand,
            double residentSlopePerThousand) {
    }

    /** Everything one {@link #run} measured, with the versions and parameter counts. */
    public record Report(Map<String, String> versions, long readerParameters, long towerParameters, int interopThreads,
            String inputs, List<Timing> results, List<MemoryRun> memory) {

        /** The JSON form shared with {@code bench/torch_training.py} (framework {@code jomed}). */
        public ObjectNode toJson() {
            ObjectNode o = JSON.createObjectNode();
            o.put("framework", "jomed");
            ObjectNode v = o.putObject("versions");
            versions.forEach(v::put);
            ObjectNode p = o.putObject("parameters");
            p.put("reader", readerParameters);
            p.put("tower", towerParameters);
            o.put("interop_threads", interopThreads);
            o.put("inputs", inputs);
            ArrayNode r = o.putArray("results");
            for (Timing t : results) {
                ObjectNode e = r.addObject();
                e.put("step", t.step());
                e.put("threads", t.threads());
                e.put("steps", t.steps());
                e.put("ms_median", round(t.msMedian()));
                e.put("ms_mean", round(t.msMean()));
                e.put("ms_p90", round(t.msP90()));
                e.put("cpu_ms_median", round(t.cpuMsMedian()));
            }
            ArrayNode m = o.putArray("memory");
            for (MemoryRun run : memory) {
                ObjectNode e = m.addObject();
                e.put("step", run.step());
                e.put("threads", run.threads());
                e.put("steps", run.steps());
                ArrayNode samples = e.putArray("samples");
                for (double[] s : run.samples()) {
                    samples.addArray().add((long) s[0]).add(round(s[1])).add(round(s[2]));
                }
                e.put("heap_slope_mib_per_1k", round(run.heapSlopePerThousand()));
                e.put("rss_slope_mib_per_1k", round(run.residentSlopePerThousand()));
            }
            return o;
        }

        /** Writes {@link #toJson()} to a file (its folder is created). */
        public void writeJson(Path file) {
            try {
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                JSON.writeValue(file.toFile(), toJson());
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": cannot write the benchmark result: " + e.getMessage(), e);
            }
        }

        /** Markdown tables of the timings and the memory runs. */
        public String toMarkdown() {
            StringBuilder t = new StringBuilder(String.format(Locale.ROOT,
                    "jomed training steps (DJL %s, libtorch %s, Java %s; reader %d parameters, tower %d trainable)%n%n"
                            + "| step | threads | steps | ms median | ms mean | ms p90 | thread CPU ms median |%n|---|---|---|---|---|---|---|%n",
                    versions.get("djl"), versions.get("torch"), versions.get("java"), readerParameters, towerParameters));
            for (Timing r : results) {
                t.append(String.format(Locale.ROOT, "| %s | %d | %d | %.2f | %.2f | %.2f | %.2f |%n", r.step(), r.threads(),
                        r.steps(), r.msMedian(), r.msMean(), r.msP90(), r.cpuMsMedian()));
            }
            if (!memory.isEmpty()) {
                t.append(String.format(Locale.ROOT, "%n| memory run | threads | step | heap MiB | resident MiB |%n|---|---|---|---|---|%n"));
                for (MemoryRun run : memory) {
                    for (double[] s : run.samples()) {
                        t.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.1f | %.1f |%n", run.step(), run.threads(), s[0],
                                s[1], s[2]));
                    }
                    t.append(String.format(Locale.ROOT, "| %s | %d | slope per 1,000 steps (first sample skipped) | %+.2f | %+.2f |%n",
                            run.step(), run.threads(), run.heapSlopePerThousand(), run.residentSlopePerThousand()));
                }
            }
            return t.toString();
        }

        private static double round(double v) {
            return Double.isFinite(v) ? Math.round(v * 1e4) / 1e4 : v;
        }
    }

    /**
     * @param dataset a MedMNIST dataset with a training split of more than 344 images (the phase-2 candidates must
     *     not wrap onto their query)
     * @throws IllegalArgumentException if the training split is too small
     */
    public TrainingStepBenchmark(MedMnistDataset dataset, Settings settings) {
        this.dataset = Objects.requireNonNull(dataset, "dataset");
        this.settings = Objects.requireNonNull(settings, "settings");
        int n = dataset.size(MedMnistSplit.TRAIN);
        int k = Phase2Settings.DEFAULT_CANDIDATES;
        if (n <= 1 + 7 * (Math.max(k, PHASE1_ROWS) - 1)) {
            throw new IllegalArgumentException("the training split of " + dataset.name() + " has " + n + " images; the "
                    + "benchmark's candidate rule (q + 1 + 7j) mod N needs more than " + (1 + 7 * (k - 1)));
        }
    }

    /**
     * Runs every configuration (for each thread count: phase 1, then phase 2), then the memory runs on the
     * smallest thread count.
     *
     * @param progress receives one line per finished configuration
     */
    public Report run(Consumer<String> progress) {
        Objects.requireNonNull(progress, "progress");
        int interop = pinInteropThreads();
        int previousThreads = JniUtils.getNumThreads();
        try (Fixture f = new Fixture()) {
            // one initial round of each step kind before the first configuration (JIT compilation, first allocations)
            JniUtils.setNumThreads(settings.threads().get(0));
            for (String kind : List.of("phase1", "phase2")) {
                for (int s = 0; s < settings.warmupSteps(); s++) {
                    f.step(kind, s);
                }
            }
            List<Timing> results = new ArrayList<>();
            for (int threads : settings.threads()) {
                JniUtils.setNumThreads(threads);
                for (String kind : List.of("phase1", "phase2")) {
                    long[] nanos = new long[settings.steps()];
                    long[] cpu = new long[settings.steps()];
                    for (int s = 0; s < settings.warmupSteps() + settings.steps(); s++) {
                        long c0 = THREADS.getCurrentThreadCpuTime();
                        long t0 = System.nanoTime();
                        f.step(kind, s);
                        long t1 = System.nanoTime();
                        long c1 = THREADS.getCurrentThreadCpuTime();
                        if (s >= settings.warmupSteps()) {
                            nanos[s - settings.warmupSteps()] = t1 - t0;
                            cpu[s - settings.warmupSteps()] = c1 - c0;
                        }
                    }
                    Timing t = Timing.of(kind, threads, nanos, cpu);
                    results.add(t);
                    progress.accept(String.format(Locale.ROOT, "%s, %d thread(s): median %.2f ms per step (thread CPU %.2f ms) over "
                            + "%d steps", kind, threads, t.msMedian(), t.cpuMsMedian(), t.steps()));
                }
            }
            List<MemoryRun> memory = new ArrayList<>();
            if (settings.memorySteps() > 0) {
                // the fewest threads: memory does not depend on them, and one thread suffers least from other load
                int threads = settings.threads().stream().mapToInt(Integer::intValue).min().orElseThrow();
                JniUtils.setNumThreads(threads);
                for (String kind : List.of("phase1", "phase2")) {
                    MemoryRun run = memoryRun(f, kind, threads);
                    memory.add(run);
                    progress.accept(String.format(Locale.ROOT, "%s memory over %d steps: heap %+.2f MiB, resident %+.2f MiB per 1,000 "
                            + "steps", kind, run.steps(), run.heapSlopePerThousand(), run.residentSlopePerThousand()));
                }
            }
            Map<String, String> versions = new LinkedHashMap<>();
            versions.put("torch", Engine.getEngine("PyTorch").getVersion());
            versions.put("java", Runtime.version().toString());
            versions.put("djl", Engine.getDjlVersion());
            versions.put("jvm_options", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
            String inputs = String.format(Locale.ROOT, INPUTS, dataset.name(), f.n, f.spec.width(), f.spec.height(),
                    f.spec.channels());
            return new Report(versions, f.phase1Model.parameterCount(), f.theta.trainableParameterCount(), interop, inputs, results,
                    memory);
        } finally {
            JniUtils.setNumThreads(previousThreads);
        }
    }

    private MemoryRun memoryRun(Fixture f, String kind, int threads) {
        MemoryTrend all = new MemoryTrend();
        MemoryTrend fitted = new MemoryTrend();
        List<double[]> samples = new ArrayList<>();
        for (int s = 0; s <= settings.memorySteps(); s++) {
            if (s % settings.memoryEvery() == 0) {
                MemoryTrend target = s == 0 ? all : fitted;
                target.sample(s);
                samples.add(target.samples().getLast());
            }
            if (s < settings.memorySteps()) {
                f.step(kind, s);
            }
        }
        return new MemoryRun(kind, threads, settings.memorySteps(), samples, fitted.heapSlopePerThousand(),
                fitted.residentSlopePerThousand());
    }

    /** Inter-op threads must be set before libtorch's first parallel work; returns the count in effect. */
    private static int pinInteropThreads() {
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        Engine.getEngine("PyTorch");
        if (JniUtils.getNumInteropThreads() != 1) {
            try {
                JniUtils.setNumInteropThreads(1);
            } catch (RuntimeException e) {
                LOG.warn(
                        "cannot pin libtorch's inter-op threads to 1 (the engine started earlier): {}", e.getMessage());
            }
        }
        return JniUtils.getNumInteropThreads();
    }

    /** Models, optimizers and inputs of one run. */
    private final class Fixture implements AutoCloseable {
        final int n;
        final ImageInputSpec spec;
        final List<Query> queries;
        final List<KnowledgeBaseCase> cases;
        final int[] gold;
        final SeededTextEncoder text = new SeededTextEncoder(SEED, TEXT_DIMENSION);
        final ClassifierReaderModel phase1Model;
        final ReaderTrainingStep phase1;
        final ClassifierReaderModel frozenModel;
        final ClassifierReader frozenReader;
        final ImageTower f0;
        final ImageTower theta;
        final AdamW optimizer;
        final Phase2GradientStep gradient;
        final Phase2Settings phase2 = Phase2Settings.builder().build();
        final KlRetrieverLoss loss = KlRetrieverLoss.of(phase2);
        final float[][] pixels;
        final float[][] f0Rows;

        Fixture() {
            n = dataset.size(MedMnistSplit.TRAIN);
            var first = dataset.image(MedMnistSplit.TRAIN, 0);
            spec = ImageInputSpec.centered(first.width(), first.height(), first.channels());
            queries = dataset.examples(MedMnistSplit.TRAIN).stream().map(e -> e.query()).toList();
            cases = dataset.cases(MedMnistSplit.TRAIN);
            gold = new int[n];
            for (int i = 0; i < n; i++) {
                gold[i] = dataset.labelIndex(MedMnistSplit.TRAIN, i);
            }
            List<AutoCloseable> opened = new ArrayList<>();
            try {
                ClassifierReaderConfig config = ClassifierReaderConfig.builder().setImageSize(spec.width(), spec.height())
                        .setChannels(spec.channels()).setTextEncoder(text.fingerprint())
                        .optDefaultQuestion(dataset.task().question()).optSeed(SEED).build();
                phase1Model = add(opened, ClassifierReaderModel.create(config, dataset.task().labelSpace()));
                phase1 = add(opened, ReaderTrainingStep.builder().setModel(phase1Model).setTextEncoder(text)
                        .optWeightDecay(Phase1ReaderTraining.DEFAULT_WEIGHT_DECAY).build());
                frozenModel = add(opened, ClassifierReaderModel.create(config, dataset.task().labelSpace()));
                frozenReader = ClassifierReader.builder().setModel(frozenModel).setTextEncoder(text).build();
                f0 = add(opened, ImageTower.create(ImageTowerConfig.builder().setInputSpec(spec).build(), SEED));
                ImagePreprocessor preprocessor = new ImagePreprocessor(spec);
                pixels = new float[n][];
                for (int i = 0; i < n; i++) {
                    pixels[i] = preprocessor.toTensor(queries.get(i).image());
                }
                try (ImageTowerEncoder encoder = new ImageTowerEncoder(f0)) {
                    f0Rows = encoder.encode(queries.stream().map(Query::image).toList());
                }
                theta = add(opened, f0.copy());
                Map<String, Parameter> trainable = new LinkedHashMap<>();
                theta.namedParameters().forEach((name, p) -> {
                    if (p.requiresGradient()) {
                        p.getArray().setRequiresGradient(true);
                        trainable.put(name, p);
                    }
                });
                optimizer = add(opened, AdamW.builder().setNamedParameters(trainable).optWeightDecay(phase2.weightDecay())
                        .optDecayed(p -> phase2.decayAllParameters() || p.getType() == Parameter.Type.WEIGHT).build());
                gradient = Phase2GradientStep.of(theta, optimizer, loss, phase2, false);
            } catch (RuntimeException e) {
                closeAll(opened);
                throw e;
            }
        }

        private <T extends AutoCloseable> T add(List<AutoCloseable> opened, T c) {
            opened.add(c);
            return c;
        }

        void step(String kind, int s) {
            if (kind.equals("phase1")) {
                phase1Step(s);
            } else {
                phase2Step(s);
            }
        }

        void phase1Step(int s) {
            List<ReaderInput> rows = new ArrayList<>(PHASE1_ROWS);
            int[] labels = new int[PHASE1_ROWS];
            for (int r = 0; r < PHASE1_ROWS; r++) {
                int q = (int) (((long) PHASE1_ROWS * s + r) * 101 % n);
                int c = (q + 1 + 7 * r) % n;
                rows.add(ReaderInput.withContext(queries.get(q), cases.get(c)));
                labels[r] = gold[q];
            }
            phase1.step(rows, labels, PHASE1_LEARNING_RATE);
        }

        void phase2Step(int s) {
            int b = phase2.queriesPerStep();
            int k = phase2.candidates();
            int d = f0.dimension();
            int size = spec.size();
            int[] query = new int[b];
            List<ReaderInput> pairs = new ArrayList<>(b * k);
            float[] x = new float[b * size];
            float[] frozen = new float[b * d];
            float[] keys = new float[b * k * d];
            for (int i = 0; i < b; i++) {
                int q = (int) (((long) b * s + i) * 101 % n);
                query[i] = q;
                System.arraycopy(pixels[q], 0, x, i * size, size);
                System.arraycopy(f0Rows[q], 0, frozen, i * d, d);
                for (int j = 0; j < k; j++) {
                    int c = (q + 1 + 7 * j) % n;
                    pairs.add(ReaderInput.withContext(queries.get(q), cases.get(c)));
                    System.arraycopy(f0Rows[c], 0, keys, (i * k + j) * d, d);
                }
            }
            List<LabelLogits> logits = frozenReader.score(pairs);
            double[][] g = new double[b][k];
            int[][] predictions = new int[b][k];
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < k; j++) {
                    LabelLogits a = logits.get(i * k + j);
                    g[i][j] = phase2.supervisionScore().score(a.logits(), gold[query[i]]);
                    predictions[i][j] = a.predicted();
                }
            }
            double[] weights = loss.weights(predictions);
            gradient.applyRecomputing(x, frozen, keys, g, weights, (float) phase2.learningRate(), "benchmark step " + s);
        }

        @Override
        public void close() {
            List<AutoCloseable> all = new ArrayList<>(List.of(optimizer, theta, f0, frozenModel, phase1, phase1Model));
            closeAll(all);
        }

        private static void closeAll(List<AutoCloseable> opened) {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception e) {
                    LOG.warn("closing {} failed", opened.get(i), e);
                }
            }
        }
    }

    /** One seeded Gaussian unit vector per distinct text: a stand-in for the MiniLM embeddings. Thread-safe. */
    static final class SeededTextEncoder implements TextEncoder {
        private final long seed;
        private final int dimension;

        SeededTextEncoder(long seed, int dimension) {
            this.seed = seed;
            this.dimension = dimension;
        }

        @Override
        public int dimension() {
            return dimension;
        }

        @Override
        public EncoderFingerprint fingerprint() {
            return new EncoderFingerprint("seeded-unit-vectors", String.format(Locale.ROOT, "%016x", seed), dimension);
        }

        @Override
        public float[][] encode(List<String> texts) {
            float[][] out = new float[texts.size()][];
            for (int i = 0; i < out.length; i++) {
                Random random = new Random(seed * 1_000_003L + texts.get(i).hashCode());
                float[] v = new float[dimension];
                double norm = 0;
                for (int j = 0; j < dimension; j++) {
                    v[j] = (float) random.nextGaussian();
                    norm += v[j] * v[j];
                }
                float inv = (float) (1 / Math.sqrt(norm));
                for (int j = 0; j < dimension; j++) {
                    v[j] *= inv;
                }
                out[i] = v;
            }
            return out;
        }

        @Override
        public void close() {
        }
    }
}
