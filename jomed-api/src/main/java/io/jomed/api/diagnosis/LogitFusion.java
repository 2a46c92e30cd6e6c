package io.jomed.api.diagnosis;

import io.jomed.api.reading.LabelLogits;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.RetrieverHead;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Label-constrained logit fusion of method.md §3: each head's raw scores are divided by that head's
 * maximum, the weights are {@code softmax} of all normalised scores (no temperature), and the fused
 * logits are {@code sum_i lambda_i a^(i)}. The answer is their argmax, which is never invalid.
 *
 * <p>Pure functions; instances are immutable and safe to share between threads.
 */
public final class LogitFusion {
    private final FusionWeighting weighting;

    public LogitFusion(FusionWeighting weighting) {
        this.weighting = Objects.requireNonNull(weighting, "weighting");
    }

    public FusionWeighting weighting() {
        return weighting;
    }

    /**
     * Fusion weights {@code lambda} for retrieved cases, in their order.
     *
     * @throws IllegalArgumentException if the list is empty
     */
    public double[] weights(List<RetrievedCase> cases) {
        if (cases.isEmpty()) {
            throw new IllegalArgumentException("cannot fuse zero retrieved cases");
        }
        Map<RetrieverHead, Double> max = new EnumMap<>(RetrieverHead.class);
        for (RetrievedCase c : cases) {
            max.merge(c.head(), c.rawScore(), Math::max);
        }
        double[] normalised = new double[cases.size()];
        for (int i = 0; i < normalised.length; i++) {
            RetrievedCase c = cases.get(i);
            double m = max.get(c.head());
            if (m == 0) {
                normalised[i] = weighting == FusionWeighting.CLEAN ? 1.0 : c.rawScore();
            } else if (m < 0 && weighting == FusionWeighting.CLEAN) {
                normalised[i] = 1.0;
            } else {
                normalised[i] = c.rawScore() / m;
            }
        }
        return softmax(normalised);
    }

    /**
     * {@code sum_i weights[i] * logits[i]}.
     *
     * @throws IllegalArgumentException if the sizes disagree
     */
    public static float[] fuse(List<LabelLogits> logits, double[] weights) {
        if (logits.size() != weights.length || logits.isEmpty()) {
            throw new IllegalArgumentException("need one weight per logit vector, got " + weights.length + " weights for "
                    + logits.size() + " vectors");
        }
        int classes = logits.get(0).size();
        double[] fused = new double[classes];
        for (int i = 0; i < weights.length; i++) {
            LabelLogits l = logits.get(i);
            if (l.size() != classes) {
                throw new IllegalArgumentException("logit vector " + i + " has " + l.size() + " classes, expected " + classes);
            }
            for (int c = 0; c < classes; c++) {
                fused[c] += weights[i] * l.logit(c);
            }
        }
        float[] out = new float[classes];
        for (int c = 0; c < classes; c++) {
            out[c] = (float) fused[c];
        }
        return out;
    }

    static double[] softmax(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, v);
        }
        double[] out = new double[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.exp(x[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < x.length; i++) {
            out[i] /= sum;
        }
        return out;
    }
}
