package io.jomed.training.evaluation;

import io.jomed.training.metrics.ClassificationMetrics;
import io.jomed.training.metrics.ClassificationMetrics.ClassSet;
import io.jomed.training.metrics.PairedBootstrap;
import io.jomed.training.metrics.PairedBootstrap.Interval;
import java.util.Objects;

/**
 * The difference between two modes evaluated on the same queries, {@code first - second}, in accuracy and
 * macro-F1, each with a paired bootstrap percentile interval (queries resampled with replacement; both
 * metrics use the same seed and thus the same resamples).
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param first the mode whose metric is subtracted from
 * @param second the mode subtracted
 * @param accuracy the accuracy difference with its interval
 * @param macroF1 the macro-F1 difference with its interval
 */
public record ModeComparison(String first, String second, Interval accuracy, Interval macroF1) {
    /** The resample count. */
    public static final int DEFAULT_RESAMPLES = 2_000;
    /** The interval level. */
    public static final double DEFAULT_CONFIDENCE = 0.95;

    public ModeComparison {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
        Objects.requireNonNull(accuracy, "accuracy");
        Objects.requireNonNull(macroF1, "macroF1");
    }

    /** The report key, for example {@code standard_rag_minus_closed_book}. */
    public String key() {
        return first + "_minus_" + second;
    }

    /**
     * Compares two logged modes.
     *
     * @param resamples bootstrap resamples, for example {@link #DEFAULT_RESAMPLES}
     * @param seed the run's seed; equal seeds give equal intervals
     * @throws IllegalArgumentException if a mode is missing, the modes are the same, or the log is empty
     */
    public static ModeComparison of(PredictionLog log, String first, String second, ClassSet classSet, int resamples,
            long seed) {
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(classSet, "classSet");
        log.requireMode(first);
        log.requireMode(second);
        if (first.equals(second)) {
            throw new IllegalArgumentException("cannot compare mode \"" + first + "\" with itself");
        }
        if (log.size() == 0) {
            throw new IllegalArgumentException("the prediction log is empty");
        }
        int[] gold = log.gold();
        int[] a = log.predicted(first);
        int[] b = log.predicted(second);
        int classes = log.classes();
        Interval accuracy = PairedBootstrap.interval(gold.length, idx -> {
            long diff = 0;
            for (int i : idx) {
                diff += (a[i] == gold[i] ? 1 : 0) - (b[i] == gold[i] ? 1 : 0);
            }
            return (double) diff / idx.length;
        }, resamples, DEFAULT_CONFIDENCE, seed);
        int[] g = new int[gold.length];
        int[] pa = new int[gold.length];
        int[] pb = new int[gold.length];
        Interval f1 = PairedBootstrap.interval(gold.length, idx -> {
            for (int j = 0; j < idx.length; j++) {
                g[j] = gold[idx[j]];
                pa[j] = a[idx[j]];
                pb[j] = b[idx[j]];
            }
            return ClassificationMetrics.of(g, pa, classes, classSet).macroF1()
                    - ClassificationMetrics.of(g, pb, classes, classSet).macroF1();
        }, resamples, DEFAULT_CONFIDENCE, seed);
        return new ModeComparison(first, second, accuracy, f1);
    }
}
