package io.jomed.training.metrics;

import java.util.Arrays;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/**
 * Paired bootstrap confidence interval of the difference of a metric between two systems evaluated on
 * the same queries: resample query indices with replacement, compute {@code metric(A) - metric(B)} on each
 * resample, and take the percentile interval.
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
        if (n < 1 || resamples < 1 || !(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("need n >= 1, resamples >= 1 and confidence in (0, 1)");
        }
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        double observed = difference.applyAsDouble(all);
        Random random = new Random(seed);
        double[] diffs = new double[resamples];
        int[] sample = new int[n];
        for (int r = 0; r < resamples; r++) {
            for (int i = 0; i < n; i++) {
                sample[i] = random.nextInt(n);
            }
            diffs[r] = difference.applyAsDouble(sample);
        }
        Arrays.sort(diffs);
        double alpha = (1 - confidence) / 2;
        int lo = (int) Math.floor(alpha * (resamples - 1));
        int hi = (int) Math.ceil((1 - alpha) * (resamples - 1));
        return new Interval(observed, diffs[lo], diffs[hi]);
    }
}
