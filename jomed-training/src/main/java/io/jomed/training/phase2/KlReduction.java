package io.jomed.training.phase2;

/**
 * How the elementwise KL terms {@code Q (log Q - log P_theta)} of a step are reduced to the loss (method.md
 * §2.7, switch 5). The gradient with respect to a score is {@code c (P_theta - Q) / tau_score} with the
 * factor {@code c} of {@link #factor}.
 *
 * <p>Enum constants are immutable and safe to share between threads.
 */
public enum KlReduction {
    /** {@code REFERENCE}: PyTorch's default "mean" over all {@code B * K} terms, {@code c = 1 / (B K)}. */
    MEAN_OVER_PAIRS,
    /** {@code CLEAN}: the true per-query KL, averaged over the batch, {@code c = 1 / B}. */
    PER_QUERY_SUM;

    /** The constant factor {@code c} for {@code queries} queries of {@code candidates} candidates each. */
    public double factor(int queries, int candidates) {
        if (queries < 1 || candidates < 1) {
            throw new IllegalArgumentException("queries and candidates must be positive, got " + queries + " and " + candidates);
        }
        return this == MEAN_OVER_PAIRS ? 1.0 / ((double) queries * candidates) : 1.0 / queries;
    }
}
