package io.jomed.training.alignment;

import io.jomed.retriever.encoding.ImageTower;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of an alignment: the tower with the parameters of the selected epoch, the figures of every
 * epoch and the time taken. The caller owns the tower; closing the result closes it.
 *
 * <p>Not thread-safe (the tower is not); the figures are immutable.
 *
 * @param tower the aligned tower, with the parameters of {@code bestEpoch}
 * @param epochs figures of every epoch, in order
 * @param bestEpoch the 1-based epoch whose parameters were kept
 * @param elapsed wall-clock time of the alignment
 */
public record AlignmentResult(ImageTower tower, List<AlignmentEpoch> epochs, int bestEpoch, Duration elapsed)
        implements AutoCloseable {

    public AlignmentResult {
        Objects.requireNonNull(tower, "tower");
        Objects.requireNonNull(elapsed, "elapsed");
        epochs = List.copyOf(epochs);
    }

    /** The figures of the selected epoch. */
    public AlignmentEpoch best() {
        return epochs.get(bestEpoch - 1);
    }

    @Override
    public void close() {
        tower.close();
    }
}
