package io.jomed.training.phase2;

/**
 * One evaluation point of a phase-2 stage: the mean training loss of the steps since the previous point, the
 * learning rate and the fused validation accuracy with the head's state at this step.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param step optimizer steps taken (0 = the untrained head)
 * @param trainingLoss mean unscaled loss of the steps since the previous point; NaN at step 0
 * @param learningRate learning rate of this step; 0 at step 0
 * @param validationAccuracy fused validation accuracy of the pipeline with this state of the head
 */
public record TrainingPoint(long step, double trainingLoss, double learningRate, double validationAccuracy) {
    public TrainingPoint {
        if (step < 0) {
            throw new IllegalArgumentException("step must be non-negative, got " + step);
        }
    }
}
