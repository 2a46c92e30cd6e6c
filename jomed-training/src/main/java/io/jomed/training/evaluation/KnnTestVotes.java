package io.jomed.training.evaluation;

import io.jomed.training.metrics.Bootstrap;
import io.jomed.training.metrics.PairedBootstrap;
import java.util.List;
import java.util.Objects;

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

    /** The image head's accuracy with its 95% bootstrap interval over test queries ({@value #RESAMPLES} resamples). */
    public Bootstrap.Interval imageHeadInterval(long seed) {
        return Bootstrap.percentile(size(), this::imageHeadAccuracy, RESAMPLES, CONFIDENCE, seed);
    }

    /** Image-head minus raw-pixel accuracy with its 95% paired bootstrap interval over test queries. */
    public PairedBootstrap.Interval imageHeadMinusRawPixelInterval(long seed) {
        return PairedBootstrap.interval(size(), this::imageHeadMinusRawPixel, RESAMPLES, CONFIDENCE, seed);
    }
}
