package io.jomed.api.reranking;

import io.jomed.api.diagnosis.CasePrediction;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.retrieval.Query;
import java.util.List;

/**
 * Picks the item the reader is most confident about (method.md §5.3): the highest
 * {@code max_l p(l | x, t, d)}, the largest softmax probability of the item's label logits; the earlier item on
 * a tie. Named {@value #NAME}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ReaderConfidenceReranker implements Reranker {
    /** The reranker's name. */
    public static final String NAME = "reader-confidence";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int select(Query query, Diagnosis diagnosis) {
        List<CasePrediction> evidence = Reranker.requireEvidence(query, diagnosis);
        int best = 0;
        double bestConfidence = confidence(evidence.get(0));
        for (int i = 1; i < evidence.size(); i++) {
            double c = confidence(evidence.get(i));
            if (c > bestConfidence) {
                best = i;
                bestConfidence = c;
            }
        }
        return best;
    }

    /** {@code max_l softmax(a)_l} of one item's logits. */
    static double confidence(CasePrediction item) {
        double max = 0;
        for (double p : item.logits().probabilities()) {
            max = Math.max(max, p);
        }
        return max;
    }

    @Override
    public String toString() {
        return "ReaderConfidenceReranker";
    }
}
