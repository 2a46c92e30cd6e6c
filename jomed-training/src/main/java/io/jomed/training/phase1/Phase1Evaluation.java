package io.jomed.training.phase1;

/**
 * One validation evaluation during phase 1.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param step optimizer steps done when it was taken (1-based)
 * @param trainLoss mean training cross-entropy over the steps since the previous evaluation
 * @param validationAccuracy fused standard-RAG accuracy on the validation split (closed-book accuracy in
 *     {@link Phase1Mode#CLOSED_BOOK} mode)
 * @param learningRate the learning rate of the last step before it
 */
public record Phase1Evaluation(long step, double trainLoss, double validationAccuracy, double learningRate) {
}
