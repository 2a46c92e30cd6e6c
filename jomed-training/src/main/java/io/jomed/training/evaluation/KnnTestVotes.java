package io.jomed.training.evaluation;

import io.jomed.training.metrics.Bootstrap;
import io.jomed.training.metrics.PairedBootstrap;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The test split's k-NN votes of one retrieval evaluation at the chosen {@code k}: the gold label of every test
 * query, the image head's vote and the raw-pixel vote, in the test split's order. They carry what a single accuracy
 * hides: how far the accuracy may move with another sample of test images (a bootstrap interval), whether the image
 * head beats raw pixels on the same images (a paired interval), and, across seeds, the interval of the mean
 * ({@link RetrievalSummary}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param gold the gold label of each test query
 * @param imageHead the image head's k-NN vote for each query
 * @param rawPixel the raw-pixel k-NN vote for each query, at the same {@code k}
 */
public record KnnTestVotes(List<String> gold, List<String> imageHead, List<String> rawPixel) {
    /** Bootstrap resamples of every interval. */
    public static final int RESAMPLES = 2000;
    /** Confidence of every interval. */
    public static final double CONFIDENCE = 0.95;
    /** Shorter labels first, then alphabetical: numeric labels ("2" before "10") come in numeric order. */
    static final Comparator<String> LABEL_ORDER = Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder());

    public KnnTestVotes {
        gold = List.copyOf(Objects.requireNonNull(gold, "gold"));
        imageHead = List.copyOf(Objects.requireNonNull(imageHead, "imageHead"));
        rawPixel = List.copyOf(Objects.requireNonNull(rawPixel, "rawPixel"));
        if (gold.isEmpty() || imageHead.size() != gold.size() || rawPixel.size() != gold.size()) {
            throw new IllegalArgumentException("need one image-head and one raw-pixel vote per gold label and at least one "
                    + "query, got " + gold.size() + " gold labels, " + imageHead.size() + " image-head and "
                    + rawPixel.size() + " raw-pixel votes");
        }
    }

    /** The number of test queries. */
    public int size() {
        return gold.size();
    }

    /** Whether the image head's vote for query {@code q} is right. */
    public boolean imageHeadCorrect(int q) {
        return imageHead.get(q).equals(gold.get(q));
    }

    /** Whether the raw-pixel vote for query {@code q} is right. */
    public boolean rawPixelCorrect(int q) {
        return rawPixel.get(q).equals(gold.get(q));
    }

    /** How many image-head votes are right. */
    public int imageHeadCorrectCount() {
        int n = 0;
        for (int q = 0; q < size(); q++) {
            n += imageHeadCorrect(q) ? 1 : 0;
        }
        return n;
    }

    /** How many raw-pixel votes are right. */
    public int rawPixelCorrectCount() {
        int n = 0;
        for (int q = 0; q < size(); q++) {
            n += rawPixelCorrect(q) ? 1 : 0;
        }
        return n;
    }

    /** The image head's accuracy over the given query indices (repeats count repeatedly). */
    public double imageHeadAccuracy(int[] queries) {
        int n = 0;
        for (int q : queries) {
            n += imageHeadCorrect(q) ? 1 : 0;
        }
        return (double) n / queries.length;
    }

    /** Image-head minus raw-pixel accuracy over the given query indices. */
    public double imageHeadMinusRawPixel(int[] queries) {
        int n = 0;
        for (int q : queries) {
            n += (imageHeadCorrect(q) ? 1 : 0) - (rawPixelCorrect(q) ? 1 : 0);
        }
        return (double) n / queries.length;
    }

    /**
     * The image head's recall of each gold label: the share of the label's queries it answers with that label. Labels
     * in numeric order where they are numbers (shorter first, then alphabetical). A majority vote over many neighbours
     * can leave a rare label with recall 0, which the accuracy hides.
     */
    public SortedMap<String, Double> imageHeadRecall() {
        return recall(imageHead);
    }

    /** Raw pixels' recall of each gold label, as {@link #imageHeadRecall()}. */
    public SortedMap<String, Double> rawPixelRecall() {
        return recall(rawPixel);
    }

    /** The image head's balanced accuracy: its recall averaged over the gold labels, each label weighing the same. */
    public double imageHeadBalancedAccuracy() {
        return imageHeadRecall().values().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    /** Raw pixels' balanced accuracy, as {@link #imageHeadBalancedAccuracy()}. */
    public double rawPixelBalancedAccuracy() {
        return rawPixelRecall().values().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    private SortedMap<String, Double> recall(List<String> predicted) {
        Map<String, int[]> counts = new TreeMap<>(LABEL_ORDER);
        for (int q = 0; q < size(); q++) {
            int[] c = counts.computeIfAbsent(gold.get(q), l -> new int[2]);
            c[0]++;
            c[1] += predicted.get(q).equals(gold.get(q)) ? 1 : 0;
        }
        SortedMap<String, Double> out = new TreeMap<>(LABEL_ORDER);
        counts.forEach((label, c) -> out.put(label, (double) c[1] / c[0]));
        return Collections.unmodifiableSortedMap(out);
    }

    /** The image head's accuracy with its 95% bootstrap interval over test queries ({@value #RESAMPLES} resamples). */
    public Bootstrap.Interval imageHeadInterval(long seed) {
        return Bootstrap.percentile(size(), this::imageHeadAccuracy, RESAMPLES, CONFIDENCE, seed);
    }

    /** Image-head minus raw-pixel accuracy with its 95% paired bootstrap interval over test queries. */
    public PairedBootstrap.Interval imageHeadMinusRawPixelInterval(long seed) {
        return PairedBootstrap.interval(size(), this::imageHeadMinusRawPixel, RESAMPLES, CONFIDENCE, seed);
    }
}
