package io.jomed.training.sampling;

/**
 * How a {@link ClassBalancedSampler} orders one pass over the training examples (method.md §2.10).
 *
 * <p>Enum constants are immutable and thread-safe.
 */
public enum SamplingMode {
    /**
     * Group by gold class, shuffle each class, truncate every class to the smallest class size {@code m},
     * then emit one example per class in turn in class order: {@code C * m} examples per pass, majority-class
     * examples rotating across passes. The default for classification tasks.
     */
    UNDERSAMPLE_ROUND_ROBIN,
    /** A plain shuffle of all examples per pass (VQA and multi-label tasks). */
    SHUFFLE
}
