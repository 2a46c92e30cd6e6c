package io.jomed.training.phase2;

/**
 * The LM-supervision score {@code g(x, d)} of a candidate from the reader's label logits {@code a} and the
 * gold label {@code y} (method.md §2.4, switch 1).
 *
 * <p>Enum constants are immutable and safe to share between threads.
 */
public enum SupervisionScore {
    /**
     * {@code REFERENCE}: a cross-entropy applied to probabilities, {@code g = p_y - log sum_l exp p_l} with
     * {@code p = softmax(a)}; it rises with {@code p_y} but spans under one nat.
     */
    DOUBLE_SOFTMAX,
    /** {@code CLEAN}: {@code g = log p(y | x, t, d) = a_y - log sum_l exp a_l}. */
    LOG_PROBABILITY;

    /**
     * The score of one candidate.
     *
     * @param logits the reader's label logits {@code a_l} with the candidate in context
     * @param gold index of the gold label
     */
    public double score(float[] logits, int gold) {
        if (gold < 0 || gold >= logits.length) {
            throw new IllegalArgumentException("gold label index " + gold + " is outside the " + logits.length + " labels");
        }
        double[] a = new double[logits.length];
        for (int l = 0; l < a.length; l++) {
            a[l] = logits[l];
        }
        double[] logP = logSoftmax(a);
        if (this == LOG_PROBABILITY) {
            return logP[gold];
        }
        double[] p = new double[a.length];
        for (int l = 0; l < a.length; l++) {
            p[l] = Math.exp(logP[l]);
        }
        return logSoftmax(p)[gold];
    }

    static double[] logSoftmax(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (double x : v) {
            sum += Math.exp(x - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] - log;
        }
        return out;
    }
}
