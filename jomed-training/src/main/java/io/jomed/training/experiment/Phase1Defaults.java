package io.jomed.training.experiment;

/**
 * Phase-1 defaults measured on BreastMNIST (see {@code RESULTS.md}).
 *
 * <p>Stateless and thread-safe.
 */
final class Phase1Defaults {
    /** Passes over the class-balanced stream. */
    static final int PASSES = 8;
    /** Whether reader training sees augmented images. */
    static final boolean AUGMENTATION = true;

    private Phase1Defaults() {
    }
}
