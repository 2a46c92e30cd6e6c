package io.jomed.training.alignment;

/**
 * Which epoch of an {@link ImageTowerAlignment} is kept, judged on the validation pairs after each epoch.
 *
 * <p>Constants are immutable and thread-safe.
 */
public enum AlignmentSelection {
    /** The best validation top-1 (ties: the lower validation loss); noisy on small validation splits. */
    VALIDATION_TOP1,
    /** The lowest validation loss (ties: the higher top-1); smoother than top-1 on small validation splits. */
    VALIDATION_LOSS,
    /** The last epoch, whatever the validation figures. */
    LAST_EPOCH;

    /** Whether an epoch with these validation figures replaces the best so far. */
    boolean prefers(double top1, double loss, double bestTop1, double bestLoss) {
        return switch (this) {
            case VALIDATION_TOP1 -> top1 > bestTop1 || (top1 == bestTop1 && loss < bestLoss);
            case VALIDATION_LOSS -> loss < bestLoss || (loss == bestLoss && top1 > bestTop1);
            case LAST_EPOCH -> true;
        };
    }
}
