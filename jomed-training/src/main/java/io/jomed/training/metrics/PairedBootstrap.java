package io.jomed.training.metrics;

import java.util.function.ToDoubleFunction;

/**
 * Paired bootstrap confidence interval of the difference of a metric between two systems evaluated on
 * the same queries: resample query indices with replacement, compute {@code metric(A) - metric(B)} on each
 * resample, and take the percentile interval ({@link Bootstrap}).
 *
 * <p>Stateless and thread-safe; each call draws from its own seeded generator.
 */
public final class PairedBootstrap {
    private PairedBootstrap() {
    }

    /**
     * The observed difference with its interval.
     *
     * @param difference observed {@code metric(A) - metric(B)} on all queries
     * @param lower lower end of the interval
     * @param upper upper end of the interval
     */
    public record Interval(double difference, double lower, double upper) {
    }

    /**
     * @param n number of queries
     * @param difference computes {@code metric(A) - metric(B)} over the given query indices
     * @param resamples number of bootstrap resamples, e.g. 2,000
     * @param confidence e.g. 0.95
     * @param seed seed of the resampling
     */
    public static Interval interval(int n, ToDoubleFunction<int[]> difference, int resamples, double confidence, long seed) {
        Bootstrap.Interval i = Bootstrap.percentile(n, difference, resamples, confidence, seed);
        return new Interval(i.estimate(), i.lower(), i.upper());
    }
}
