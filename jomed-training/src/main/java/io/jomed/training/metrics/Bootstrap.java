package io.jomed.training.metrics;

import java.util.Arrays;
import java.util.Objects;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/**
 * Percentile bootstrap confidence interval of any statistic computed over query indices: resample the indices with
 * replacement, compute the statistic on each resample, and take the percentiles. {@link PairedBootstrap} uses it for
 * differences between two systems on the same queries.
 *
 * <p>Stateless and thread-safe; each call draws from its own seeded generator, so a call is reproducible.
 */
public final class Bootstrap {
    private Bootstrap() {
    }

    /**
     * A statistic with its interval.
     *
     * @param estimate the statistic on all queries
     * @param lower lower end of the interval
     * @param upper upper end of the interval
     */
    public record Interval(double estimate, double lower, double upper) {
        /** Whether {@code value} lies inside the interval, ends included. */
        public boolean contains(double value) {
            return lower <= value && value <= upper;
        }
    }

    /**
     * @param n number of queries
     * @param statistic computes the statistic over the given query indices (repeated indices count repeatedly)
     * @param resamples number of bootstrap resamples, e.g. 2,000
     * @param confidence e.g. 0.95
     * @param seed seed of the resampling
     * @throws IllegalArgumentException if {@code n} or {@code resamples} is below 1 or {@code confidence} is outside
     *     (0, 1)
     */
    public static Interval percentile(int n, ToDoubleFunction<int[]> statistic, int resamples, double confidence, long seed) {
        Objects.requireNonNull(statistic, "statistic");
        if (n < 1 || resamples < 1 || !(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("need n >= 1, resamples >= 1 and confidence in (0, 1), got n = " + n
                    + ", resamples = " + resamples + ", confidence = " + confidence);
        }
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        double observed = statistic.applyAsDouble(all);
        Random random = new Random(seed);
        double[] values = new double[resamples];
        int[] sample = new int[n];
        for (int r = 0; r < resamples; r++) {
            for (int i = 0; i < n; i++) {
                sample[i] = random.nextInt(n);
            }
            values[r] = statistic.applyAsDouble(sample);
        }
        Arrays.sort(values);
        double alpha = (1 - confidence) / 2;
        int lo = (int) Math.floor(alpha * (resamples - 1));
        int hi = (int) Math.ceil((1 - alpha) * (resamples - 1));
        return new Interval(observed, values[lo], values[hi]);
    }
}
