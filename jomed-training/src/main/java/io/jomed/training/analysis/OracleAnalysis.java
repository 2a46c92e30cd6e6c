package io.jomed.training.analysis;

import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.training.evaluation.ItemPrediction;
import io.jomed.training.evaluation.ItemSelection;
import io.jomed.training.evaluation.PredictionLog;
import io.jomed.training.evaluation.QueryRecord;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Oracle accuracy (method.md §5.2): {@code oracle(q) = 1} iff some selected item's own prediction is the gold
 * class. Per retrieval mode: oracle and fused accuracy with their gap, overall and on the consistent and
 * inconsistent subsets of a designated partition, and per head, where the head's fused prediction is
 * recomputed from the logged logits with {@code lambda = softmax} of the head's raw scores (method.md §3.6).
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param partitionMode the mode whose inconsistency partition defines the subsets
 * @param modes per retrieval mode, its oracle figures
 */
public record OracleAnalysis(String partitionMode, Map<String, ModeOracle> modes) {

    public OracleAnalysis {
        Objects.requireNonNull(partitionMode, "partitionMode");
        modes = Collections.unmodifiableMap(new LinkedHashMap<>(modes));
    }

    /**
     * One mode's oracle figures. Instances are immutable and thread-safe.
     *
     * @param oracle oracle accuracy overall and per subset
     * @param fused the mode's own (fused) accuracy overall and per subset
     * @param heads per head present in the log, its oracle and single-head fused accuracy
     */
    public record ModeOracle(SubsetAccuracy oracle, SubsetAccuracy fused, Map<RetrieverHead, HeadOracle> heads) {
        public ModeOracle {
            Objects.requireNonNull(oracle, "oracle");
            Objects.requireNonNull(fused, "fused");
            Map<RetrieverHead, HeadOracle> copy = new EnumMap<>(RetrieverHead.class);
            copy.putAll(heads);
            heads = Collections.unmodifiableMap(copy);
        }

        /** Oracle minus fused accuracy over all queries. */
        public double gap() {
            return oracle.all() - fused.all();
        }
    }

    /**
     * One head's figures; a query without items of that head counts as wrong for both. Instances are
     * immutable and thread-safe.
     *
     * @param oracle oracle accuracy over the head's items
     * @param fused accuracy of the single-head fused prediction; NaN when the items carry no logits
     */
    public record HeadOracle(double oracle, double fused) {
        /** Oracle minus single-head fused accuracy. */
        public double gap() {
            return oracle - fused;
        }
    }

    /**
     * Runs the analysis for every mode with logged items.
     *
     * @param partitionMode the mode defining the consistent and inconsistent subsets (must have items)
     * @throws IllegalArgumentException if the partition mode is missing or has no items
     */
    public static OracleAnalysis of(PredictionLog log, String partitionMode, ItemSelection selection) {
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(selection, "selection");
        log.requireMode(partitionMode);
        if (!log.hasItems(partitionMode)) {
            throw new IllegalArgumentException("mode \"" + partitionMode + "\" logged no retrieved items, so it defines "
                    + "no inconsistency partition");
        }
        boolean[] partition = InconsistencyAnalysis.partition(log, partitionMode, selection);
        Map<String, ModeOracle> out = new LinkedHashMap<>();
        for (String mode : log.modes()) {
            if (log.hasItems(mode)) {
                out.put(mode, mode(log, mode, selection, partition));
            }
        }
        return new OracleAnalysis(partitionMode, out);
    }

    private static ModeOracle mode(PredictionLog log, String mode, ItemSelection selection, boolean[] partition) {
        List<QueryRecord> queries = log.queries();
        boolean[] oracle = new boolean[queries.size()];
        Map<RetrieverHead, HeadOracle> heads = new EnumMap<>(RetrieverHead.class);
        for (int i = 0; i < oracle.length; i++) {
            QueryRecord q = queries.get(i);
            oracle[i] = selection.oracle(q.mode(mode).items(), q.gold());
        }
        for (RetrieverHead head : RetrieverHead.values()) {
            if (selection.head().map(h -> h != head).orElse(false)) {
                continue;
            }
            ItemSelection headOnly = new ItemSelection(Optional.of(head), selection.maxRank());
            boolean present = queries.stream().anyMatch(q -> !headOnly.apply(q.mode(mode).items()).isEmpty());
            if (!present) {
                continue;
            }
            int hits = 0;
            int fusedHits = 0;
            boolean logits = true;
            for (QueryRecord q : queries) {
                List<ItemPrediction> items = headOnly.apply(q.mode(mode).items());
                hits += headOnly.oracle(items, q.gold()) ? 1 : 0;
                if (items.stream().anyMatch(it -> it.logits().length == 0)) {
                    logits = false;
                } else if (!items.isEmpty() && headFused(items) == q.gold()) {
                    fusedHits++;
                }
            }
            heads.put(head, new HeadOracle((double) hits / queries.size(),
                    logits ? (double) fusedHits / queries.size() : Double.NaN));
        }
        return new ModeOracle(SubsetAccuracy.of(oracle, partition), SubsetAccuracy.of(log.correct(mode), partition), heads);
    }

    /** {@code argmax sum_i softmax(s)_i a^(i)} over one head's items, ties to the lower class. */
    static int headFused(List<ItemPrediction> items) {
        double max = items.stream().mapToDouble(ItemPrediction::rawScore).max().orElseThrow();
        double[] w = new double[items.size()];
        double sum = 0;
        for (int i = 0; i < w.length; i++) {
            w[i] = Math.exp(items.get(i).rawScore() - max);
            sum += w[i];
        }
        int classes = items.get(0).logits().length;
        double[] fused = new double[classes];
        for (int i = 0; i < w.length; i++) {
            float[] a = items.get(i).logits();
            for (int c = 0; c < classes; c++) {
                fused[c] += w[i] / sum * a[c];
            }
        }
        int best = 0;
        for (int c = 1; c < classes; c++) {
            if (fused[c] > fused[best]) {
                best = c;
            }
        }
        return best;
    }
}
