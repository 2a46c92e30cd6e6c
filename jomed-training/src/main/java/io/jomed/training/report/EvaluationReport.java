package io.jomed.training.report;

import io.jomed.training.analysis.InconsistencyAnalysis;
import io.jomed.training.analysis.OracleAnalysis;
import io.jomed.training.analysis.RerankerComparison;
import io.jomed.training.evaluation.ItemSelection;
import io.jomed.training.evaluation.KnnKSelection;
import io.jomed.training.evaluation.LatencySummary;
import io.jomed.training.evaluation.ModeComparison;
import io.jomed.training.evaluation.ModeEvaluator;
import io.jomed.training.evaluation.ModeMetrics;
import io.jomed.training.evaluation.PredictionLog;
import io.jomed.training.evaluation.RetrievalMemorisation;
import io.jomed.training.metrics.ClassificationMetrics.ClassSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Everything one evaluation run reports: the run's identity (dataset, split, seed, preset, {@code k} per
 * head), each mode's {@link ModeMetrics}, the inconsistency and oracle analyses on the designated partition
 * (when that mode logged retrieved items), reranker comparisons, paired bootstrap comparisons between modes,
 * timings, and the training stages that were skipped with the reason. Built from a {@link PredictionLog};
 * {@link ReportWriter} writes it as JSON and {@link ReportTable} as markdown.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class EvaluationReport {
    /** The JSON schema version this report writes. */
    public static final int SCHEMA_VERSION = 1;

    private final String dataset;
    private final String split;
    private final long seed;
    private final String preset;
    private final int kPerHead;
    private final PredictionLog log;
    private final Map<String, ModeMetrics> results;
    private final Optional<InconsistencyAnalysis> inconsistency;
    private final Optional<OracleAnalysis> oracle;
    private final List<ModeComparison> comparisons;
    private final int bootstrapResamples;
    private final OptionalDouble trainMillis;
    private final Map<String, LatencySummary> latency;
    private final String partitionMode;
    private final Map<String, RerankerComparison> rerankers;
    private final Map<String, String> skippedStages;
    private final RetrievalMemorisation trainingRetrieval;
    private final int outOfFoldFolds;
    private final KnnKSelection knnSelection;

    private EvaluationReport(Builder b, Map<String, ModeMetrics> results, Optional<InconsistencyAnalysis> inconsistency,
            Optional<OracleAnalysis> oracle, List<ModeComparison> comparisons) {
        this.dataset = b.dataset;
        this.split = b.split;
        this.seed = b.seed;
        this.preset = b.preset;
        this.kPerHead = b.kPerHead;
        this.log = b.log;
        this.results = Collections.unmodifiableMap(new LinkedHashMap<>(results));
        this.inconsistency = inconsistency;
        this.oracle = oracle;
        this.comparisons = List.copyOf(comparisons);
        this.bootstrapResamples = b.bootstrapResamples;
        this.trainMillis = b.trainMillis;
        this.latency = Collections.unmodifiableMap(new LinkedHashMap<>(b.latency));
        this.partitionMode = b.partitionMode;
        this.rerankers = Collections.unmodifiableMap(new LinkedHashMap<>(b.rerankers));
        this.skippedStages = Collections.unmodifiableMap(new LinkedHashMap<>(b.skippedStages));
        this.trainingRetrieval = b.trainingRetrieval;
        this.outOfFoldFolds = b.outOfFoldFolds;
        this.knnSelection = b.knnSelection;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String dataset() {
        return dataset;
    }

    public String split() {
        return split;
    }

    public long seed() {
        return seed;
    }

    public String preset() {
        return preset;
    }

    public int kPerHead() {
        return kPerHead;
    }

    /** The log the report was computed from. */
    public PredictionLog log() {
        return log;
    }

    /** Number of evaluated examples. */
    public int examples() {
        return log.size();
    }

    /** Metrics per mode, in log order. */
    public Map<String, ModeMetrics> results() {
        return results;
    }

    /** The mode whose inconsistency partition the analyses use. */
    public String partitionMode() {
        return partitionMode;
    }

    /** The inconsistency analysis; empty when the partition mode is not logged or has no items. */
    public Optional<InconsistencyAnalysis> inconsistency() {
        return inconsistency;
    }

    /** The oracle analysis; empty when the partition mode is not logged or has no items. */
    public Optional<OracleAnalysis> oracle() {
        return oracle;
    }

    /** The reranker comparisons per compared mode, in the order given; empty when none was run. */
    public Map<String, RerankerComparison> rerankers() {
        return rerankers;
    }

    /** Training stages that were skipped (for example {@code phase2.text}) with the reason, in the order given. */
    public Map<String, String> skippedStages() {
        return skippedStages;
    }

    /** How well training and validation queries retrieved with the aligned tower, if measured. */
    public Optional<RetrievalMemorisation> trainingRetrieval() {
        return Optional.ofNullable(trainingRetrieval);
    }

    /** Out-of-fold folds the training queries retrieved with (0: the aligned tower's own embeddings). */
    public int outOfFoldFolds() {
        return outOfFoldFolds;
    }

    /** How the k of the k-NN mode was chosen, if the report has that mode and the caller gave it. */
    public Optional<KnnKSelection> knnSelection() {
        return Optional.ofNullable(knnSelection);
    }

    public List<ModeComparison> comparisons() {
        return comparisons;
    }

    public int bootstrapResamples() {
        return bootstrapResamples;
    }

    /** Wall time of training, when the run trained. */
    public OptionalDouble trainMillis() {
        return trainMillis;
    }

    /** Per-query diagnose latency per mode that measured it. */
    public Map<String, LatencySummary> latency() {
        return latency;
    }

    /** The headline latency: the partition mode's, else the first measured. */
    public Optional<LatencySummary> headlineLatency() {
        LatencySummary l = latency.get(partitionMode);
        return l != null ? Optional.of(l) : latency.values().stream().findFirst();
    }

    /**
     * Builder for {@link EvaluationReport}; not thread-safe. Dataset, split, seed, preset, {@code k} per head
     * and the log are required.
     */
    public static final class Builder {
        private String dataset;
        private String split;
        private Long seedValue;
        private long seed;
        private String preset;
        private int kPerHead;
        private PredictionLog log;
        private String partitionMode = ModeEvaluator.STANDARD_RAG;
        private ItemSelection selection = ItemSelection.ALL;
        private ClassSet classSet = ClassSet.LABEL_SPACE;
        private int bootstrapResamples = ModeComparison.DEFAULT_RESAMPLES;
        private final List<String[]> comparisons = new ArrayList<>();
        private OptionalDouble trainMillis = OptionalDouble.empty();
        private final Map<String, LatencySummary> latency = new LinkedHashMap<>();
        private final Map<String, RerankerComparison> rerankers = new LinkedHashMap<>();
        private final Map<String, String> skippedStages = new LinkedHashMap<>();
        private RetrievalMemorisation trainingRetrieval;
        private int outOfFoldFolds;
        private KnnKSelection knnSelection;

        private Builder() {
        }

        /** The dataset name, for example {@code breastmnist}. */
        public Builder setDataset(String dataset) {
            this.dataset = requireText(dataset, "dataset");
            return this;
        }

        /** The evaluated split, for example {@code test}. */
        public Builder setSplit(String split) {
            this.split = requireText(split, "split");
            return this;
        }

        /** The run's seed; also seeds the bootstrap. */
        public Builder setSeed(long seed) {
            this.seed = seed;
            this.seedValue = seed;
            return this;
        }

        /** The preset name, for example {@code CLEAN} or {@code REFERENCE}. */
        public Builder setPreset(String preset) {
            this.preset = requireText(preset, "preset");
            return this;
        }

        /** Cases retrieved per head by the pipeline modes. */
        public Builder setKPerHead(int kPerHead) {
            if (kPerHead < 1) {
                throw new IllegalArgumentException("kPerHead must be at least 1, got " + kPerHead);
            }
            this.kPerHead = kPerHead;
            return this;
        }

        public Builder setLog(PredictionLog log) {
            this.log = Objects.requireNonNull(log, "log");
            return this;
        }

        /** The mode whose inconsistency partition the analyses use; default {@code standard_rag}. */
        public Builder optPartitionMode(String mode) {
            this.partitionMode = requireText(mode, "mode");
            return this;
        }

        /** The items forming {@code S(q)}; default all logged items. */
        public Builder optItemSelection(ItemSelection selection) {
            this.selection = Objects.requireNonNull(selection, "selection");
            return this;
        }

        /** The macro-average class set; default {@link ClassSet#LABEL_SPACE} ({@code CLEAN}). */
        public Builder optClassSet(ClassSet classSet) {
            this.classSet = Objects.requireNonNull(classSet, "classSet");
            return this;
        }

        /** Bootstrap resamples; default 2,000. */
        public Builder optBootstrapResamples(int resamples) {
            if (resamples < 1) {
                throw new IllegalArgumentException("bootstrap resamples must be at least 1, got " + resamples);
            }
            this.bootstrapResamples = resamples;
            return this;
        }

        /**
         * Adds a comparison {@code first - second}. Without any, the report compares {@code standard_rag} with
         * {@code closed_book} when both are logged.
         */
        public Builder addComparison(String first, String second) {
            comparisons.add(new String[] {requireText(first, "first"), requireText(second, "second")});
            return this;
        }

        /** Wall time of training in milliseconds. */
        public Builder optTrainMillis(double millis) {
            if (!(millis >= 0) || Double.isInfinite(millis)) {
                throw new IllegalArgumentException("train time must be a finite non-negative number of ms, got " + millis);
            }
            this.trainMillis = OptionalDouble.of(millis);
            return this;
        }

        /** Per-query diagnose latencies, for example {@link ModeEvaluator.Result#latency()}. */
        public Builder optLatency(Map<String, LatencySummary> latency) {
            this.latency.putAll(Objects.requireNonNull(latency, "latency"));
            return this;
        }

        /**
         * Reranker comparisons computed on this report's log, at most one per mode (see
         * {@link RerankerComparison}).
         *
         * @throws IllegalArgumentException if two comparisons are of the same mode
         */
        public Builder optRerankers(Collection<RerankerComparison> comparisons) {
            for (RerankerComparison c : Objects.requireNonNull(comparisons, "comparisons")) {
                Objects.requireNonNull(c, "reranker comparison");
                if (rerankers.putIfAbsent(c.mode(), c) != null) {
                    throw new IllegalArgumentException("two reranker comparisons of mode \"" + c.mode() + "\"");
                }
            }
            return this;
        }

        /**
         * Training stages that were skipped, each with the reason, for example {@code "phase2.text"} with
         * {@code "the text index holds 2 distinct keys, fewer than K = 50"}; kept in the map's iteration order.
         *
         * @throws IllegalArgumentException if a stage or a reason is blank
         */
        public Builder optSkippedStages(Map<String, String> stageToReason) {
            Objects.requireNonNull(stageToReason, "stageToReason");
            stageToReason.forEach((stage, reason) -> {
                requireText(stage, "skipped stage");
                if (reason == null || reason.isBlank()) {
                    throw new IllegalArgumentException("the reason for skipping stage " + stage + " is blank");
                }
            });
            skippedStages.putAll(stageToReason);
            return this;
        }

        /**
         * The memorisation measurement of the training run and the out-of-fold folds its training queries
         * retrieved with (0 for none).
         */
        public Builder optTrainingRetrieval(RetrievalMemorisation memorisation, int outOfFoldFolds) {
            this.trainingRetrieval = Objects.requireNonNull(memorisation, "memorisation");
            if (outOfFoldFolds < 0) {
                throw new IllegalArgumentException("out-of-fold folds must be non-negative, got " + outOfFoldFolds);
            }
            this.outOfFoldFolds = outOfFoldFolds;
            return this;
        }

        /** How the k of the k-NN mode was chosen. */
        public Builder optKnnSelection(KnnKSelection selection) {
            this.knnSelection = Objects.requireNonNull(selection, "selection");
            return this;
        }

        /**
         * Computes the metrics, analyses and comparisons.
         *
         * @throws IllegalStateException if a required setting is missing
         * @throws IllegalArgumentException if a compared, timed or reranked mode is not in the log, or the log is
         *     empty
         */
        public EvaluationReport build() {
            if (dataset == null) {
                throw new IllegalStateException("dataset is required: call setDataset");
            }
            if (split == null) {
                throw new IllegalStateException("split is required: call setSplit");
            }
            if (seedValue == null) {
                throw new IllegalStateException("seed is required: call setSeed");
            }
            if (preset == null) {
                throw new IllegalStateException("preset is required: call setPreset");
            }
            if (kPerHead == 0) {
                throw new IllegalStateException("k per head is required: call setKPerHead");
            }
            if (log == null) {
                throw new IllegalStateException("the prediction log is required: call setLog");
            }
            if (log.size() == 0) {
                throw new IllegalArgumentException("the prediction log is empty");
            }
            latency.keySet().forEach(log::requireMode);
            rerankers.keySet().forEach(log::requireMode);
            Map<String, ModeMetrics> results = new LinkedHashMap<>();
            for (String mode : log.modes()) {
                results.put(mode, ModeMetrics.of(log, mode, classSet));
            }
            Optional<InconsistencyAnalysis> inconsistency = Optional.empty();
            Optional<OracleAnalysis> oracle = Optional.empty();
            if (log.hasMode(partitionMode) && log.hasItems(partitionMode)) {
                inconsistency = Optional.of(InconsistencyAnalysis.of(log, partitionMode, selection));
                oracle = Optional.of(OracleAnalysis.of(log, partitionMode, selection));
            }
            List<String[]> pairs = new ArrayList<>(comparisons);
            if (pairs.isEmpty() && log.hasMode(ModeEvaluator.STANDARD_RAG) && log.hasMode(ModeEvaluator.CLOSED_BOOK)) {
                pairs.add(new String[] {ModeEvaluator.STANDARD_RAG, ModeEvaluator.CLOSED_BOOK});
            }
            List<ModeComparison> computed = new ArrayList<>();
            for (String[] p : pairs) {
                computed.add(ModeComparison.of(log, p[0], p[1], classSet, bootstrapResamples, seed));
            }
            return new EvaluationReport(this, results, inconsistency, oracle, computed);
        }

        private static String requireText(String value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isBlank()) {
                throw new IllegalArgumentException(name + " is blank");
            }
            return value;
        }
    }
}
