package io.jomed.api.diagnosis;

import io.jomed.api.reading.LabelLogits;
import io.jomed.api.retrieval.RetrievedCase;
import java.util.Objects;

/**
 * One piece of evidence behind a diagnosis: a retrieved case, its fusion weight, and what the reader
 * answered with that case alone in context.
 *
 * <p>Instances are immutable and safe to share between threads.
 *
 * @param evidence the retrieved case with head, raw score and rank
 * @param fusionWeight its weight {@code lambda_i} in the fused logits
 * @param logits the reader's label logits with this case in context
 * @param predictedLabel the label the reader predicts with this case alone
 */
public record CasePrediction(RetrievedCase evidence, double fusionWeight, LabelLogits logits, String predictedLabel) {
    public CasePrediction {
        Objects.requireNonNull(evidence, "evidence");
        Objects.requireNonNull(logits, "logits");
        Objects.requireNonNull(predictedLabel, "predictedLabel");
        if (!(fusionWeight >= 0 && fusionWeight <= 1)) {
            throw new IllegalArgumentException("fusionWeight must be in [0, 1], got " + fusionWeight);
        }
    }
}
