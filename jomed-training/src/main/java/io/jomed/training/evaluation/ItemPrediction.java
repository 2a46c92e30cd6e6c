package io.jomed.training.evaluation;

import io.jomed.api.retrieval.RetrieverHead;
import java.util.Arrays;
import java.util.Objects;

/**
 * One retrieved item of one query in one mode, as the prediction log records it (method.md §5): the head
 * and rank that found it, the case id, the raw score, its fusion weight, the reader's label logits with
 * that item alone in context, and the class those logits predict. For the k-NN baseline the logits are
 * empty and the prediction is the neighbour's own label.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param head the head that retrieved the item
 * @param rank 1-based rank within that head's list
 * @param caseId the knowledge-base case id
 * @param rawScore the head's raw score
 * @param fusionWeight the item's weight in the fused prediction, in [0, 1]
 * @param logits the reader's label logits with this item in context; empty when no reader ran
 * @param predicted the class predicted with this item alone, or {@code -1} for invalid
 */
public record ItemPrediction(RetrieverHead head, int rank, String caseId, double rawScore, double fusionWeight,
        float[] logits, int predicted) {

    public ItemPrediction {
        Objects.requireNonNull(head, "head");
        Objects.requireNonNull(caseId, "caseId");
        Objects.requireNonNull(logits, "logits");
        if (rank < 1) {
            throw new IllegalArgumentException("rank is 1-based, got " + rank + " for case " + caseId);
        }
        if (!Double.isFinite(rawScore)) {
            throw new IllegalArgumentException("rawScore must be finite, got " + rawScore + " for case " + caseId);
        }
        if (!(fusionWeight >= 0 && fusionWeight <= 1)) {
            throw new IllegalArgumentException("fusionWeight must be in [0, 1], got " + fusionWeight + " for case " + caseId);
        }
        if (predicted < -1) {
            throw new IllegalArgumentException("predicted must be a class index or -1 (invalid), got " + predicted
                    + " for case " + caseId);
        }
        logits = logits.clone();
    }

    /** A copy of the label logits. */
    @Override
    public float[] logits() {
        return logits.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ItemPrediction p && p.head == head && p.rank == rank && p.caseId.equals(caseId)
                && Double.compare(p.rawScore, rawScore) == 0 && Double.compare(p.fusionWeight, fusionWeight) == 0
                && Arrays.equals(p.logits, logits) && p.predicted == predicted;
    }

    @Override
    public int hashCode() {
        return Objects.hash(head, rank, caseId, rawScore, fusionWeight, Arrays.hashCode(logits), predicted);
    }

    @Override
    public String toString() {
        return "ItemPrediction[" + head + " #" + rank + " " + caseId + ", score=" + rawScore + ", weight=" + fusionWeight
                + ", predicted=" + predicted + "]";
    }
}
