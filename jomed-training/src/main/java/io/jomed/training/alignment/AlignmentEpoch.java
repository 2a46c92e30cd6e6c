package io.jomed.training.alignment;

/**
 * Figures of one alignment epoch. Top-1 is the fraction of images whose embedding is closest (by dot product)
 * to their own text key among the distinct text keys of their set; a train top-1 far above the validation
 * top-1 reveals memorisation.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param epoch 1-based epoch number
 * @param trainLoss mean contrastive loss over the epoch's (augmented) training batches
 * @param trainTop1 top-1 on the training pairs, in inference mode, without augmentation
 * @param validationLoss contrastive loss over the validation pairs against all their distinct keys
 * @param validationTop1 top-1 on the validation pairs
 * @param learningRate the learning rate at the end of the epoch
 */
public record AlignmentEpoch(int epoch, double trainLoss, double trainTop1, double validationLoss, double validationTop1,
        double learningRate) {
}
