package io.jomed.training.phase2;

import io.jomed.api.retrieval.RetrieverHead;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one phase-2 stage did: trained its head and selected a state, or was skipped with a reason.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param head the head of the stage
 * @param skippedBecause why the stage was skipped; empty when it ran
 * @param steps optimizer steps taken
 * @param selectedStep the step whose state was kept (0 = the untrained head)
 * @param selectedValidationAccuracy fused validation accuracy of the kept state
 * @param initialValidationAccuracy fused validation accuracy at step 0
 * @param curve the evaluation points in step order
 * @param candidateRecall mean recall@K of the approximate candidate search against an exact scan, on the
 *     sampled steps; NaN when candidates come from an exact scan
 * @param readerPairsScored reader passes actually run (pairs not found in the reuse cache)
 * @param readerPairsReused pairs served from the cache
 * @param elapsed wall time of the stage
 */
public record StageResult(RetrieverHead head, Optional<String> skippedBecause, long steps, long selectedStep,
        double selectedValidationAccuracy, double initialValidationAccuracy, List<TrainingPoint> curve,
        double candidateRecall, long readerPairsScored, long readerPairsReused, Duration elapsed) {

    public StageResult {
        Objects.requireNonNull(head, "head");
        Objects.requireNonNull(skippedBecause, "skippedBecause");
        curve = List.copyOf(curve);
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** A stage that did not run. */
    public static StageResult skipped(RetrieverHead head, String reason) {
        return new StageResult(head, Optional.of(reason), 0, 0, Double.NaN, Double.NaN, List.of(), Double.NaN, 0, 0,
                Duration.ZERO);
    }

    public boolean wasSkipped() {
        return skippedBecause.isPresent();
    }

    /** The stage's name in reports: {@code phase2.text} or {@code phase2.image}. */
    public String stageName() {
        return "phase2." + head.name().toLowerCase(java.util.Locale.ROOT);
    }
}
