package io.jomed.training.analysis;

import io.jomed.training.evaluation.ItemPrediction;
import io.jomed.training.evaluation.ItemSelection;
import io.jomed.training.evaluation.PredictionLog;
import io.jomed.training.evaluation.QueryRecord;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Inconsistent retrieval predictions (method.md §5.1): a query is inconsistent in a mode iff the per-item
 * predictions over its selected items {@code S(q)} take more than one value (invalid counts as a value).
 * Systems are compared on one fixed partition taken from a designated mode (by default
 * {@code standard_rag}): every mode's accuracy on its consistent and inconsistent subsets, and for retrieval
 * modes the per-item accuracy there too. Each retrieval mode's own inconsistent share is reported as well.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param partitionMode the mode whose partition is used
 * @param selection the items forming {@code S(q)}
 * @param inconsistentCount inconsistent queries in the partition
 * @param inconsistentShare their share of all queries
 * @param accuracy per mode, accuracy overall and on the partition's subsets
 * @param perItemAccuracy per retrieval mode, the mean correctness of the selected (query, item) pairs, overall
 *     and on the partition's subsets
 * @param ownShare per retrieval mode, the inconsistent share of its own partition
 */
public record InconsistencyAnalysis(String partitionMode, ItemSelection selection, int inconsistentCount,
        double inconsistentShare, Map<String, SubsetAccuracy> accuracy, Map<String, SubsetAccuracy> perItemAccuracy,
        Map<String, Double> ownShare) {

    public InconsistencyAnalysis {
        Objects.requireNonNull(partitionMode, "partitionMode");
        Objects.requireNonNull(selection, "selection");
        accuracy = Collections.unmodifiableMap(new LinkedHashMap<>(accuracy));
        perItemAccuracy = Collections.unmodifiableMap(new LinkedHashMap<>(perItemAccuracy));
        ownShare = Collections.unmodifiableMap(new LinkedHashMap<>(ownShare));
    }

    /**
     * Per query, whether the mode's selected items disagree.
     *
     * @throws IllegalArgumentException if the mode is not logged
     */
    public static boolean[] partition(PredictionLog log, String mode, ItemSelection selection) {
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(selection, "selection");
        log.requireMode(mode);
        List<QueryRecord> queries = log.queries();
        boolean[] out = new boolean[queries.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = selection.inconsistent(queries.get(i).mode(mode).items());
        }
        return out;
    }

    /**
     * Runs the analysis.
     *
     * @param partitionMode the designated mode, which must have logged items
     * @throws IllegalArgumentException if the mode is missing or has no items, or the log is empty
     */
    public static InconsistencyAnalysis of(PredictionLog log, String partitionMode, ItemSelection selection) {
        Objects.requireNonNull(log, "log");
        log.requireMode(partitionMode);
        if (log.size() == 0) {
            throw new IllegalArgumentException("the prediction log is empty");
        }
        if (!log.hasItems(partitionMode)) {
            throw new IllegalArgumentException("mode \"" + partitionMode + "\" logged no retrieved items, so it defines "
                    + "no inconsistency partition");
        }
        boolean[] partition = partition(log, partitionMode, selection);
        int count = 0;
        for (boolean b : partition) {
            count += b ? 1 : 0;
        }
        Map<String, SubsetAccuracy> accuracy = new LinkedHashMap<>();
        Map<String, SubsetAccuracy> perItem = new LinkedHashMap<>();
        Map<String, Double> own = new LinkedHashMap<>();
        for (String mode : log.modes()) {
            accuracy.put(mode, SubsetAccuracy.of(log.correct(mode), partition));
            if (log.hasItems(mode)) {
                perItem.put(mode, SubsetAccuracy.of(perItemCorrectness(log, mode, selection), partition));
                boolean[] mine = partition(log, mode, selection);
                int c = 0;
                for (boolean b : mine) {
                    c += b ? 1 : 0;
                }
                own.put(mode, (double) c / mine.length);
            }
        }
        return new InconsistencyAnalysis(partitionMode, selection, count, (double) count / partition.length, accuracy,
                perItem, own);
    }

    /** Per query, the share of its selected items that predict the gold class (0 when none is selected). */
    static double[] perItemCorrectness(PredictionLog log, String mode, ItemSelection selection) {
        List<QueryRecord> queries = log.queries();
        double[] out = new double[queries.size()];
        for (int i = 0; i < out.length; i++) {
            QueryRecord q = queries.get(i);
            List<ItemPrediction> items = selection.apply(q.mode(mode).items());
            if (!items.isEmpty()) {
                out[i] = (double) items.stream().filter(it -> it.predicted() == q.gold()).count() / items.size();
            }
        }
        return out;
    }
}
