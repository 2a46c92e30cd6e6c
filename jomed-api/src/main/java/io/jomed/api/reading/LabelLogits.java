package io.jomed.api.reading;

import java.util.Arrays;
import java.util.Objects;

/**
 * A reader's label logits {@code a_l(x, d)} for one (query, case) pair, one per class of the label space
 * (method.md §2.3), with the label distribution {@code p(l | x, t, d) = softmax(a)} and the prediction
 * {@code argmax}.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class LabelLogits {
    private final float[] logits;

    private LabelLogits(float[] logits) {
        this.logits = logits;
    }

    /**
     * @param logits one finite value per class; copied
     * @throws IllegalArgumentException if fewer than 2 values or a value is not finite
     */
    public static LabelLogits of(float[] logits) {
        Objects.requireNonNull(logits, "logits");
        if (logits.length < 2) {
            throw new IllegalArgumentException("label logits need at least 2 classes, got " + logits.length);
        }
        for (int i = 0; i < logits.length; i++) {
            if (!Float.isFinite(logits[i])) {
                throw new IllegalArgumentException("label logit " + i + " is " + logits[i]);
            }
        }
        return new LabelLogits(logits.clone());
    }

    /** A copy of the logits. */
    public float[] logits() {
        return logits.clone();
    }

    public float logit(int label) {
        return logits[label];
    }

    public int size() {
        return logits.length;
    }

    /** {@code softmax(a)}, computed stably in double precision. */
    public double[] probabilities() {
        double max = Double.NEGATIVE_INFINITY;
        for (float a : logits) {
            max = Math.max(max, a);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** {@code log softmax(a)[label]}. */
    public double logProbability(int label) {
        double max = Double.NEGATIVE_INFINITY;
        for (float a : logits) {
            max = Math.max(max, a);
        }
        double sum = 0;
        for (float a : logits) {
            sum += Math.exp(a - max);
        }
        return logits[label] - max - Math.log(sum);
    }

    /** The class with the highest logit; ties go to the lower index. */
    public int predicted() {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelLogits l && Arrays.equals(l.logits, logits);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(logits);
    }

    @Override
    public String toString() {
        return "LabelLogits" + Arrays.toString(logits);
    }
}
