package io.jomed.training.phase2;

/**
 * The disagreement-weighted loss variant of method.md §2.8 (switch 12), which counts only queries whose
 * per-candidate predictions {@code argmax_l p(l | x, t, d)} disagree. Off in the released scripts and by
 * default in both presets.
 *
 * <p>Enum constants are immutable and safe to share between threads.
 */
public enum DisagreementWeighting {
    /** Every query counts ({@code w = 1}). */
    OFF,
    /**
     * {@code REFERENCE}: candidates split into chunks of 5 consecutive ones; {@code w = 1} iff some chunk holds
     * two different predictions (unanimous chunks that disagree with each other give 0); zero-weight entries
     * stay in the {@code B K} denominator. The reference wires it to the image stage only.
     */
    REFERENCE_CHUNKS,
    /**
     * {@code CLEAN}: {@code w = 1} iff the candidate set holds more than one prediction; the loss is divided by
     * {@code max(1, sum w)} instead of {@code B}; a step with {@code sum w = 0} makes no update; both stages.
     */
    WHOLE_SET;

    /** Size of the reference implementation's candidate chunks. */
    public static final int REFERENCE_CHUNK = 5;

    /**
     * The weight of one query.
     *
     * @param predictions the predicted label of each candidate, in candidate order
     */
    public double weight(int[] predictions) {
        return switch (this) {
            case OFF -> 1.0;
            case WHOLE_SET -> distinct(predictions, 0, predictions.length) ? 1.0 : 0.0;
            case REFERENCE_CHUNKS -> {
                for (int from = 0; from < predictions.length; from += REFERENCE_CHUNK) {
                    if (distinct(predictions, from, Math.min(predictions.length, from + REFERENCE_CHUNK))) {
                        yield 1.0;
                    }
                }
                yield 0.0;
            }
        };
    }

    private static boolean distinct(int[] values, int from, int to) {
        for (int i = from + 1; i < to; i++) {
            if (values[i] != values[from]) {
                return true;
            }
        }
        return false;
    }
}
