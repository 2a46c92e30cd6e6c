package io.jomed.api.diagnosis;

import io.jomed.api.reading.LabelSpace;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The answer to a query with its evidence: the fused answer, the probability of every label, each
 * retrieved case with the reader's prediction given that case alone, and whether those per-case
 * predictions disagree (an <em>inconsistent</em> query, method.md §5.1).
 *
 * <p>Instances are immutable and safe to share between threads.
 *
 * @param answer the predicted label
 * @param probabilities every label's fused probability, in label-space order
 * @param evidence the retrieved cases with their per-case predictions, in retrieval order
 */
public record Diagnosis(String answer, Map<String, Double> probabilities, List<CasePrediction> evidence) {

    public Diagnosis {
        Objects.requireNonNull(answer, "answer");
        probabilities = Collections.unmodifiableMap(new LinkedHashMap<>(probabilities));
        evidence = List.copyOf(evidence);
        if (!probabilities.containsKey(answer)) {
            throw new IllegalArgumentException("answer \"" + answer + "\" has no probability");
        }
    }

    /** Builds the probability map from a label space and fused probabilities. */
    public static Map<String, Double> probabilities(LabelSpace labels, double[] p) {
        if (p.length != labels.size()) {
            throw new IllegalArgumentException(p.length + " probabilities for " + labels.size() + " labels");
        }
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < p.length; i++) {
            m.put(labels.label(i), p[i]);
        }
        return m;
    }

    /** The fused probability of the answer. */
    public double confidence() {
        return probabilities.get(answer);
    }

    /** Whether the cases, read one at a time, led the reader to more than one answer. */
    public boolean inconsistent() {
        return evidence.stream().map(CasePrediction::predictedLabel).distinct().count() > 1;
    }
}
