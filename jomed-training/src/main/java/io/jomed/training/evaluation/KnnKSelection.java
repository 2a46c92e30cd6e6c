package io.jomed.training.evaluation;

import java.util.Map;
import java.util.Objects;

/**
 * How the {@code k} of the retrieval-only k-NN vote is chosen: on the validation queries, pooled with the training
 * queries (each query's own case excluded, leave-one-out) when the image key encoder did not memorise its
 * training cases.
 *
 * <p>A small validation split makes the choice noisy: RetinaMNIST has 120 validation images, so one standard error
 * of an accuracy near 0.5 is 0.046, larger than the differences between most candidate {@code k}. Training
 * queries are 9 times as many, but they only say how unseen queries fare when the tower found no better
 * neighbours for its own training images than for unseen ones. The rule therefore compares the two kinds of
 * query over every candidate {@code k}: the <em>memorisation gap</em> is the mean over the candidates of training
 * (leave-one-out) minus validation accuracy. If it is at most {@code margin} the candidates are scored by the
 * accuracy over both sets of queries together (each weighted by its count); otherwise by validation accuracy
 * alone. Ties go to the smaller {@code k}. The gap is averaged over the candidates because a single {@code k}'s
 * validation accuracy carries the very noise the rule is there to reduce.
 *
 * <p>Immutable and thread-safe.
 *
 * @param k the chosen {@code k}
 * @param pooled whether training queries took part in the choice
 * @param memorisationGap mean over the candidates of training minus validation accuracy
 * @param validationQueries the number of validation queries
 * @param trainingQueries the number of training queries
 */
public record KnnKSelection(int k, boolean pooled, double memorisationGap, int validationQueries, int trainingQueries) {
    /** The default {@code margin} of {@link #choose}: {@link RetrievalMemorisation#DEFAULT_MARGIN}. */
    public static final double DEFAULT_MARGIN = RetrievalMemorisation.DEFAULT_MARGIN;

    public KnnKSelection {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (validationQueries < 1 || trainingQueries < 0) {
            throw new IllegalArgumentException("validationQueries must be at least 1 and trainingQueries at least 0, got "
                    + validationQueries + " and " + trainingQueries);
        }
    }

    /**
     * Chooses {@code k} by the rule above.
     *
     * @param validation k-NN accuracy of the validation queries per candidate {@code k}
     * @param validationQueries how many validation queries {@code validation} was measured on
     * @param training k-NN accuracy of the training queries, own case excluded, for the same candidates
     * @param trainingQueries how many training queries {@code training} was measured on
     * @param margin the largest memorisation gap at which training queries are pooled in
     * @throws IllegalArgumentException if the candidates are empty or differ between the two maps, an accuracy is
     *     outside [0, 1], a count is not positive or the margin is not finite
     */
    public static KnnKSelection choose(Map<Integer, Double> validation, int validationQueries, Map<Integer, Double> training,
            int trainingQueries, double margin) {
        Objects.requireNonNull(validation, "validation");
        Objects.requireNonNull(training, "training");
        if (validation.isEmpty() || !validation.keySet().equals(training.keySet())) {
            throw new IllegalArgumentException("validation and training accuracies must cover the same non-empty k candidates, got "
                    + validation.keySet() + " and " + training.keySet());
        }
        if (validationQueries < 1 || trainingQueries < 1) {
            throw new IllegalArgumentException("need at least one validation and one training query, got " + validationQueries
                    + " and " + trainingQueries);
        }
        if (!Double.isFinite(margin)) {
            throw new IllegalArgumentException("margin must be finite, got " + margin);
        }
        double gap = 0;
        for (Map.Entry<Integer, Double> e : validation.entrySet()) {
            gap += accuracy(training, e.getKey()) - accuracy(validation, e.getKey());
        }
        gap /= validation.size();
        boolean pooled = gap <= margin;
        int best = -1;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int k : validation.keySet()) {
            double score = pooled
                    ? (accuracy(validation, k) * validationQueries + accuracy(training, k) * trainingQueries)
                            / (validationQueries + trainingQueries)
                    : accuracy(validation, k);
            if (score > bestScore || score == bestScore && k < best) {
                best = k;
                bestScore = score;
            }
        }
        return new KnnKSelection(best, pooled, gap, validationQueries, trainingQueries);
    }

    private static double accuracy(Map<Integer, Double> byK, int k) {
        Double a = byK.get(k);
        if (a == null || !(a >= 0 && a <= 1)) {
            throw new IllegalArgumentException("accuracy at k=" + k + " must lie in [0, 1], got " + a);
        }
        return a;
    }

    /**
     * Whether the image key encoder memorised its training cases by this rule's verdict: the memorisation gap, averaged
     * over the candidates, exceeded the margin {@link #choose} was given (the complement of {@link #pooled}). Steadier
     * than one {@code k}'s gap ({@link RetrievalMemorisation#memorised}); the demo embeds training queries out of fold
     * on this verdict.
     */
    public boolean memorised() {
        return !pooled;
    }

    /** Which queries chose {@code k}, in words, for tables and logs. */
    public String rule() {
        return pooled ? "validation + training (leave-one-out)" : "validation (training queries memorised)";
    }
}
