package io.jomed.api.training;

import io.jomed.api.progress.ProgressListener;
import java.util.List;

/**
 * Trains a pipeline the JOMED way (method.md §1.3), sequentially: phase 1 fine-tunes the reader with
 * cases retrieved by the frozen retriever (top 2 per head, the example's own case excluded, one training
 * example per retrieved case); phase 2 then trains the text head and after it the image head with the
 * KL loss toward the frozen reader's per-case answer likelihoods. The validation split selects
 * checkpoints; test data never enter training.
 *
 * <p>A trainer runs one job at a time; implementations document whether an instance may be reused.
 */
public interface JointTrainer {

    /**
     * Runs every phase and returns the trained pipeline.
     *
     * @throws IllegalArgumentException if a split is empty or an example's label is not in the label space
     * @throws io.jomed.api.progress.JobCancelledException if the listener cancels
     */
    TrainedPipeline train(List<TaskExample> train, List<TaskExample> validation, ProgressListener listener);
}
