package io.jomed.training.evaluation;

import io.jomed.api.Jomed;
import io.jomed.api.diagnosis.CasePrediction;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.progress.ProgressEvent;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.reading.LabelLogits;
import io.jomed.api.reading.LabelSpace;
import io.jomed.api.reading.Reader;
import io.jomed.api.reading.ReaderInput;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.Retriever;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.training.TaskExample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates several modes on the same test examples and fills one {@link PredictionLog}:
 * <ul>
 *   <li>{@value #CLOSED_BOOK}: a reader scoring {@link ReaderInput#closedBook} (batched);</li>
 *   <li>{@value #KNN}: the retrieval-only baseline, a {@link KnnVote} over the image head's top {@code k} on a
 *       metadata label; its probabilities are the vote shares and its items the neighbours with their labels;</li>
 *   <li>{@value #STANDARD_RAG} (or any name): a {@link Jomed} pipeline, its fused prediction and probabilities
 *       and the per-case predictions of {@link Diagnosis#evidence()};</li>
 *   <li>any named mode given as a {@link DiagnosisFunction}, for example the trained JOMED pipeline.</li>
 * </ul>
 * Pipeline and function modes run in batches; afterwards each answers {@code latencySamples} queries one at a
 * time (after one warm-up call) to measure per-query diagnose latency.
 *
 * <pre>{@code
 * ModeEvaluator.Result r = ModeEvaluator.builder().setLabelSpace(task.labelSpace())
 *         .addClosedBook(ModeEvaluator.CLOSED_BOOK, closedBookReader)
 *         .addKnn(ModeEvaluator.KNN, retriever, 5, "label")
 *         .addPipeline(ModeEvaluator.STANDARD_RAG, jomed)
 *         .build().evaluate(testExamples, listener);
 * }</pre>
 *
 * <p>Instances are immutable; {@link #evaluate} is as thread-safe as the readers and retrievers it calls,
 * but latency figures are only meaningful when one evaluation runs at a time.
 */
public final class ModeEvaluator {
    /** Mode name of closed-book reading. */
    public static final String CLOSED_BOOK = "closed_book";
    /** Mode name of the retrieval-only k-NN vote. */
    public static final String KNN = "knn";
    /** Mode name of the standard RAG pipeline (frozen retriever, trained reader). */
    public static final String STANDARD_RAG = "standard_rag";
    /** Mode name of the JOMED pipeline (the phase-1 reader with the phase-2 trained retriever heads). */
    public static final String JOMED = "jomed";
    /** Default {@code k} of the k-NN baseline when no validation-selected value is given. */
    public static final int DEFAULT_KNN_K = 5;

    private static final Logger LOG = LoggerFactory.getLogger(ModeEvaluator.class);
    private static final String JOB = "evaluate";

    /**
     * A mode that diagnoses a batch of queries, one diagnosis per query in order. Implementations are called
     * from the evaluating thread only.
     */
    @FunctionalInterface
    public interface DiagnosisFunction {
        List<Diagnosis> diagnose(List<Query> queries);
    }

    /**
     * The log and the measured latencies of one evaluation. Instances are immutable and thread-safe.
     *
     * @param log every mode's predictions
     * @param latency per-query diagnose latency of each pipeline or function mode
     */
    public record Result(PredictionLog log, Map<String, LatencySummary> latency) {
        public Result {
            Objects.requireNonNull(log, "log");
            latency = Collections.unmodifiableMap(new LinkedHashMap<>(latency));
        }
    }

    private sealed interface Mode permits ClosedBook, Knn, Function {
        String name();
    }

    private record ClosedBook(String name, Reader reader) implements Mode {
    }

    private record Knn(String name, Retriever retriever, int k, String labelKey) implements Mode {
    }

    private record Function(String name, DiagnosisFunction function, Optional<LabelSpace> labels) implements Mode {
    }

    private final LabelSpace labelSpace;
    private final List<Mode> modes;
    private final int batchSize;
    private final int latencySamples;

    private ModeEvaluator(Builder b) {
        this.labelSpace = b.labelSpace;
        this.modes = List.copyOf(b.modes);
        this.batchSize = b.batchSize;
        this.latencySamples = b.latencySamples;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The mode names, in evaluation order. */
    public List<String> modes() {
        return modes.stream().map(Mode::name).toList();
    }

    /**
     * Evaluates every mode on the examples.
     *
     * @throws IllegalArgumentException if there are no examples, ids repeat, or a gold label or a predicted
     *     label is not in the label space (the message names the example)
     * @throws io.jomed.api.progress.JobCancelledException if the listener cancels between batches
     */
    public Result evaluate(List<TaskExample> examples, ProgressListener listener) {
        Objects.requireNonNull(examples, "examples");
        Objects.requireNonNull(listener, "listener");
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no examples to evaluate");
        }
        Set<String> ids = new HashSet<>();
        int[] gold = new int[examples.size()];
        for (int i = 0; i < gold.length; i++) {
            TaskExample e = examples.get(i);
            if (!ids.add(e.id())) {
                throw new IllegalArgumentException("example id " + e.id() + " occurs twice");
            }
            gold[i] = labelIndex(e.goldLabel(), "gold label of example " + e.id());
        }
        long start = System.nanoTime();
        long total = (long) modes.size() * examples.size();
        long done = 0;
        List<Map<String, ModePrediction>> perQuery = new ArrayList<>(examples.size());
        examples.forEach(e -> perQuery.add(new LinkedHashMap<>()));
        Map<String, LatencySummary> latency = new LinkedHashMap<>();
        for (Mode mode : modes) {
            for (int from = 0; from < examples.size(); from += batchSize) {
                listener.checkCancelled(JOB);
                List<TaskExample> batch = examples.subList(from, Math.min(examples.size(), from + batchSize));
                List<ModePrediction> predictions = predict(mode, batch);
                for (int i = 0; i < batch.size(); i++) {
                    perQuery.get(from + i).put(mode.name(), predictions.get(i));
                }
                done += batch.size();
                listener.onProgress(ProgressEvent.of(JOB, mode.name(), done, total, Duration.ofNanos(System.nanoTime() - start)));
            }
            if (mode instanceof Function f && latencySamples > 0) {
                listener.checkCancelled(JOB);
                latency.put(f.name(), measureLatency(f.function(), examples));
                LOG.debug("mode {}: diagnose p50 {} ms", f.name(), latency.get(f.name()).p50());
            }
        }
        PredictionLog.Builder log = PredictionLog.builder().setLabelSpace(labelSpace);
        modes.forEach(m -> log.addMode(m.name()));
        for (int i = 0; i < examples.size(); i++) {
            log.addQuery(new QueryRecord(examples.get(i).id(), gold[i], perQuery.get(i)));
        }
        return new Result(log.build(), latency);
    }

    private List<ModePrediction> predict(Mode mode, List<TaskExample> batch) {
        return switch (mode) {
            case ClosedBook c -> closedBook(c.reader(), batch);
            case Knn k -> batch.stream().map(e -> knn(k, e)).toList();
            case Function f -> diagnoses(f, batch);
        };
    }

    private List<ModePrediction> closedBook(Reader reader, List<TaskExample> batch) {
        List<LabelLogits> logits = reader.score(batch.stream().map(e -> ReaderInput.closedBook(e.query())).toList());
        if (logits.size() != batch.size()) {
            throw new IllegalStateException("reader returned " + logits.size() + " outputs for " + batch.size() + " inputs");
        }
        return logits.stream().map(l -> new ModePrediction(l.predicted(), l.probabilities(), List.of())).toList();
    }

    private ModePrediction knn(Knn mode, TaskExample example) {
        RetrievalOptions options = RetrievalOptions.builder().optKPerHead(mode.k()).optExcludeCaseId(example.id()).build();
        List<RetrievedCase> ranked = mode.retriever().retrieve(example.query(), options).stream()
                .filter(c -> c.head() == RetrieverHead.IMAGE).toList();
        if (ranked.isEmpty()) {
            throw new IllegalStateException("the image head found no case for example " + example.id());
        }
        List<RetrievedCase> used = ranked.subList(0, Math.min(mode.k(), ranked.size()));
        String winner = new KnnVote(mode.labelKey()).vote(used, used.size()).orElseThrow();
        double[] shares = new double[labelSpace.size()];
        List<ItemPrediction> items = new ArrayList<>(used.size());
        for (RetrievedCase c : used) {
            String label = c.knowledgeBaseCase().metadata(mode.labelKey()).orElseThrow();
            int index = labelIndex(label, "label of case " + c.caseId());
            shares[index] += 1.0 / used.size();
            items.add(new ItemPrediction(c.head(), c.rank(), c.caseId(), c.rawScore(), 1.0 / used.size(), new float[0], index));
        }
        for (int i = 0; i < shares.length; i++) {
            shares[i] = Math.min(1.0, shares[i]);
        }
        return new ModePrediction(labelIndex(winner, "k-NN vote for example " + example.id()), shares, items);
    }

    private List<ModePrediction> diagnoses(Function mode, List<TaskExample> batch) {
        List<Diagnosis> out = mode.function().diagnose(batch.stream().map(TaskExample::query).toList());
        if (out.size() != batch.size()) {
            throw new IllegalStateException("mode " + mode.name() + " returned " + out.size() + " diagnoses for "
                    + batch.size() + " queries");
        }
        List<ModePrediction> predictions = new ArrayList<>(out.size());
        for (int i = 0; i < out.size(); i++) {
            predictions.add(toPrediction(out.get(i), "mode " + mode.name() + ", example " + batch.get(i).id()));
        }
        return predictions;
    }

    private ModePrediction toPrediction(Diagnosis d, String where) {
        double[] p = new double[labelSpace.size()];
        for (Map.Entry<String, Double> e : d.probabilities().entrySet()) {
            p[labelIndex(e.getKey(), "probability label in " + where)] = Math.max(0, Math.min(1, e.getValue()));
        }
        List<ItemPrediction> items = new ArrayList<>(d.evidence().size());
        for (CasePrediction c : d.evidence()) {
            RetrievedCase r = c.evidence();
            items.add(new ItemPrediction(r.head(), r.rank(), r.caseId(), r.rawScore(), c.fusionWeight(), c.logits().logits(),
                    labelIndex(c.predictedLabel(), "per-case label of case " + r.caseId() + " in " + where)));
        }
        return new ModePrediction(labelIndex(d.answer(), "answer in " + where), p, items);
    }

    private LatencySummary measureLatency(DiagnosisFunction function, List<TaskExample> examples) {
        int n = Math.min(latencySamples, examples.size());
        function.diagnose(List.of(examples.get(0).query()));
        long[] nanos = new long[n];
        for (int i = 0; i < n; i++) {
            Query q = examples.get(i).query();
            long t = System.nanoTime();
            function.diagnose(List.of(q));
            nanos[i] = System.nanoTime() - t;
        }
        return LatencySummary.ofNanos(nanos);
    }

    private int labelIndex(String label, String what) {
        int i = labelSpace.labels().indexOf(label);
        if (i < 0) {
            throw new IllegalArgumentException(what + " is \"" + label + "\", not a label of " + labelSpace.name()
                    + "; allowed: " + labelSpace.labels());
        }
        return i;
    }

    /**
     * Builder for {@link ModeEvaluator}; not thread-safe. The label space and at least one mode are required;
     * mode names must be distinct. Readers, retrievers and pipelines stay owned by the caller.
     */
    public static final class Builder {
        private LabelSpace labelSpace;
        private final List<Mode> modes = new ArrayList<>();
        private int batchSize = 64;
        private int latencySamples = 32;

        private Builder() {
        }

        public Builder setLabelSpace(LabelSpace labelSpace) {
            this.labelSpace = Objects.requireNonNull(labelSpace, "labelSpace");
            return this;
        }

        /** Adds closed-book reading with a reader of the same label space. */
        public Builder addClosedBook(String name, Reader reader) {
            Objects.requireNonNull(reader, "reader");
            return add(new ClosedBook(name, reader));
        }

        /**
         * Adds the image-head k-NN vote.
         *
         * @param k neighbours, for example the {@code k} chosen on validation or {@link #DEFAULT_KNN_K}
         * @param labelKey the case metadata key holding the label, for example {@code label}
         */
        public Builder addKnn(String name, Retriever retriever, int k, String labelKey) {
            Objects.requireNonNull(retriever, "retriever");
            Objects.requireNonNull(labelKey, "labelKey");
            if (k < 1 || k > 10_000) {
                throw new IllegalArgumentException("k-NN k must be in [1, 10000], got " + k);
            }
            if (!retriever.heads().contains(RetrieverHead.IMAGE)) {
                throw new IllegalArgumentException("the k-NN baseline needs an image head; retriever heads: " + retriever.heads());
            }
            return add(new Knn(name, retriever, k, labelKey));
        }

        /** Adds the image-head k-NN vote with {@link #DEFAULT_KNN_K} neighbours on metadata {@code label}. */
        public Builder addKnn(String name, Retriever retriever) {
            return addKnn(name, retriever, DEFAULT_KNN_K, "label");
        }

        /** Adds a pipeline; its reader's label space must be this evaluation's. */
        public Builder addPipeline(String name, Jomed pipeline) {
            Objects.requireNonNull(pipeline, "pipeline");
            return add(new Function(name, pipeline::diagnose, Optional.of(pipeline.labelSpace())));
        }

        /** Adds any mode that diagnoses batches of queries. */
        public Builder addMode(String name, DiagnosisFunction function) {
            Objects.requireNonNull(function, "function");
            return add(new Function(name, function, Optional.empty()));
        }

        /** Queries per batch; default 64. */
        public Builder optBatchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Single-query calls timed per pipeline or function mode; default 32, 0 to skip. */
        public Builder optLatencySamples(int samples) {
            if (samples < 0) {
                throw new IllegalArgumentException("latency samples must be >= 0, got " + samples);
            }
            this.latencySamples = samples;
            return this;
        }

        private Builder add(Mode mode) {
            Objects.requireNonNull(mode.name(), "name");
            if (mode.name().isBlank()) {
                throw new IllegalArgumentException("mode name is blank");
            }
            if (modes.stream().anyMatch(m -> m.name().equals(mode.name()))) {
                throw new IllegalArgumentException("mode \"" + mode.name() + "\" is added twice");
            }
            modes.add(mode);
            return this;
        }

        /**
         * @throws IllegalStateException if the label space or modes are missing, or a reader's label space differs
         */
        public ModeEvaluator build() {
            if (labelSpace == null) {
                throw new IllegalStateException("a label space is required: call setLabelSpace");
            }
            if (modes.isEmpty()) {
                throw new IllegalStateException("at least one mode is required");
            }
            for (Mode m : modes) {
                if (m instanceof ClosedBook c && !c.reader().labelSpace().equals(labelSpace)) {
                    throw new IllegalStateException("closed-book reader of mode " + c.name() + " reads "
                            + c.reader().labelSpace() + ", the evaluation uses " + labelSpace);
                }
                if (m instanceof Function f && f.labels().isPresent() && !f.labels().get().equals(labelSpace)) {
                    throw new IllegalStateException("pipeline of mode " + f.name() + " reads " + f.labels().get()
                            + ", the evaluation uses " + labelSpace);
                }
            }
            return new ModeEvaluator(this);
        }
    }
}
