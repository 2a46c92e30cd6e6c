package io.jomed.training.phase2;

/**
 * Which state of a stage's head ends up in the pipeline (method.md §2.9, "Checkpoint").
 *
 * <p>Enum constants are immutable and safe to share between threads.
 */
public enum CheckpointSelection {
    /**
     * {@code CLEAN}: the evaluated state with the best fused validation accuracy (ties: the later step); step 0,
     * the untrained head, is a candidate, so a stage never ends worse on validation than standard RAG.
     */
    BEST_VALIDATION_ACCURACY,
    /**
     * {@code REFERENCE}: the state at the largest multiple of the checkpoint step (24,800 of 50,000 in the released
     * scripts, scaled to the run's length) that does not exceed the last step.
     */
    FIXED_STEP
}
