package io.jomed.training.evaluation;

import java.util.Arrays;

/**
 * Percentiles of measured latencies (nearest-rank method), in milliseconds.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param count number of measurements
 * @param p50 median
 * @param p95 95th percentile
 * @param p99 99th percentile
 * @param mean arithmetic mean
 */
public record LatencySummary(int count, double p50, double p95, double p99, double mean) {

    /** Summarises latencies given in nanoseconds. */
    public static LatencySummary ofNanos(long[] nanos) {
        if (nanos.length == 0) {
            throw new IllegalArgumentException("no latencies to summarise");
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        double mean = Arrays.stream(sorted).average().orElseThrow() / 1e6;
        return new LatencySummary(sorted.length, rank(sorted, 0.50), rank(sorted, 0.95), rank(sorted, 0.99), mean);
    }

    private static double rank(long[] sorted, double p) {
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }
}
